//! Shared care on real diaries (issue 15, clinical-rules §11): two and three caregivers' phones,
//! each a diary file, syncing through a shared folder. A joining phone receives the whole diary;
//! every phone ends with the same rows; a double dose and a concurrent edit reach every phone;
//! the folder holds nothing readable; a replayed batch changes nothing.

use std::path::Path;

use chrono::{Days, NaiveDate};
use nephro_core::diary::family::{self, Carrier};
use nephro_core::diary::home::{home_screen, HomeAlertKind};
use nephro_core::diary::sharing::SyncReport;
use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::export::deidentify::Deidentify;
use nephro_core::export::{export_formats, ExportFormat, ExportOptions};
use nephro_core::labs::{BloodPressure, LabKind, LabResult, LabUnit};
use nephro_core::locale::Locale;
use nephro_core::model::{
    DoseEdit, DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen,
    PatientId, Sex,
};
use nephro_core::protein::{DipstickGrade, UrineMeasurement};
use nephro_core::share::folder::FolderTransport;
use nephro_core::share::merge::RecordKind;
use nephro_core::share::secrets::FileSecretStore;
use nephro_core::share::sync::{hex, Membership};
use nephro_core::store::urine::NewUrineReading;
use nephro_core::store::{BatchPosition, NewCourse, NewLabResult, Store};
use nephro_core::taper::{DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};

#[path = "common/mod.rs"]
mod common;
use common::{at, date, time};

const CHILD: &str = "Amira Quinlan-Testwood";
const NOTE: &str = "vomited after breakfast, gave again";

/// A caregiver's phone: its diary, its secure storage and its membership.
struct Phone {
    store: Store,
    secrets: FileSecretStore,
    membership: Membership,
}

impl Phone {
    fn sync(&mut self, folder: &FolderTransport) -> SyncReport {
        let report = self
            .store
            .sync_family(&mut self.membership, folder, &self.secrets)
            .expect("sync");
        assert!(report.refused_batches.is_empty(), "{report:?}");
        assert!(report.applied.refused.is_empty(), "{report:?}");
        report
    }

    fn digests(&self) -> ([u8; 32], [u8; 32]) {
        (
            self.store.rows_digest().expect("rows digest"),
            self.store.changes_digest().expect("changes digest"),
        )
    }
}

fn open(path: &Path) -> Store {
    Store::open(path).expect("open diary")
}

fn instant_ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

/// A month of a child's diary, kept on one phone by "Mum": the profile, weights, tacrolimus twice
/// a day (one dose edited, one undone), dipsticks with a note, a trough level, a blood pressure,
/// a prednisolone course and a policy value. Returns the patient and the regimen.
fn keep_a_month(store: &mut Store) -> (PatientId, MedicationId) {
    let patient = store
        .create_patient(&NewPatient {
            display_name: CHILD.into(),
            birth_date: date("2019-03-01"),
            sex: Sex::Female,
            time_zone: "Europe/London".into(),
            definition_set: "ipna2022".into(),
        })
        .expect("patient")
        .id;
    for (on, kg) in [("2026-10-30", 20.0), ("2026-11-15", 20.4)] {
        store
            .add_measurement(
                patient,
                &Measurement {
                    global_id: Default::default(),
                    id: 0.into(),
                    measured_on: date(on),
                    weight_kg: Some(kg),
                    height_cm: Some(112.0),
                    confirmed: false,
                },
            )
            .expect("measurement");
    }
    let regimen = store
        .add_regimen(
            patient,
            &NewRegimen {
                drug: Drug::Tacrolimus,
                form: "capsule".into(),
                strengths_mg: vec![0.5, 1.0],
                allow_split: false,
                rate: DoseRate::MgPerKgPerDay(0.1),
                times: vec![time("08:00"), time("20:00")],
                start_date: date("2026-11-01"),
                end_date: None,
                prescribed_by: "Dr Okafor".into(),
                prescribed_on: date("2026-10-30"),
                override_range: false,
            },
        )
        .expect("regimen");
    let medication = MedicationId::Regimen(regimen.id);
    let mut day = date("2026-11-01");
    while day <= date("2026-11-30") {
        for slot in ["08:00", "20:00"] {
            log(
                store,
                &medication,
                day,
                slot,
                "Mum",
                &format!("{day}-{slot}"),
            );
        }
        store
            .log_urine_reading(&NewUrineReading {
                client_id: format!("urine-{day}"),
                patient_id: patient,
                measurement: UrineMeasurement::Dipstick(DipstickGrade::Negative),
                taken_at_ms: instant_ms(&format!("{day}T07:00:00Z")),
                taken_on: None,
                first_morning: true,
                note: Some(NOTE.into()),
                logged_by: "Mum".into(),
                photo: None,
            })
            .expect("urine");
        day = day + Days::new(1);
    }
    store
        .edit_dose(
            "mum-2026-11-03-08:00",
            &DoseEdit::new(
                DoseOutcome::Skipped,
                instant_ms("2026-11-03T08:10:00Z"),
                "Mum",
            ),
            instant_ms("2026-11-03T09:00:00Z"),
            None,
        )
        .expect("edit");
    store
        .undo_dose("mum-2026-11-04-20:00", "Mum")
        .expect("undo");
    store
        .log_lab_result(&NewLabResult {
            client_id: "trough-1110".into(),
            patient_id: patient,
            result: LabResult {
                kind: LabKind::TacrolimusTrough,
                value: 6.5,
                unit: LabUnit::NanogramsPerMillilitre,
                drawn_at: at("2026-11-10T07:30:00Z"),
                upper_limit_of_normal: None,
            },
            logged_by: "Mum".into(),
        })
        .expect("lab");
    store
        .add_blood_pressure(
            patient,
            &BloodPressure {
                measured_at: at("2026-11-10T09:00:00Z"),
                systolic_mmhg: 102.0,
                diastolic_mmhg: 64.0,
            },
            Some("bp-1110"),
        )
        .expect("blood pressure");
    store
        .create_course(
            patient,
            &NewCourse {
                drug: Drug::Prednisolone,
                template: None,
                phases: vec![Phase {
                    dose: Some(DoseBasis::Mg(40.0)),
                    max_mg: None,
                    frequency: Frequency::Daily,
                    length: PhaseLength::Days(28),
                }],
                stamp: None,
                start: date("2026-11-20"),
                tablets: TabletSpec::default(),
                liquid: None,
                times: vec![time("08:00")],
                remission_confirmed: None,
                changed_by: "Dr Okafor".into(),
                reason: Some("relapse, seen in clinic".into()),
                client_id: Some("course-1120".into()),
            },
        )
        .expect("course");
    store
        .set_policy(patient, "reminder.grace_minutes", &45, "Mum")
        .expect("policy");
    (patient, medication)
}

/// Logs a tacrolimus dose as taken five minutes after its slot, with a client id naming the
/// caregiver and `tag`.
fn log(
    store: &mut Store,
    medication: &MedicationId,
    day: NaiveDate,
    slot: &str,
    by: &str,
    tag: &str,
) {
    let at_ms = day.and_time(time(slot)).and_utc().timestamp_millis() + 300_000;
    store
        .log_dose(
            &NewDoseLog::new(
                format!("{}-{tag}", by.to_lowercase()),
                medication.clone(),
                day,
                time(slot),
                DoseOutcome::Taken,
                at_ms,
                by.into(),
            ),
            at_ms,
            None,
        )
        .expect("log dose");
}

/// Mum's phone with a month of diary and a family started on it, and Dad's new phone joined to
/// it by an invitation; both synced.
fn family(dir: &Path, folder: &FolderTransport) -> (Phone, Phone, MedicationId) {
    let mut mum_store = open(&dir.join("mum.db"));
    let (_, medication) = keep_a_month(&mut mum_store);
    let (membership, _recovery) = Membership::create("Mum", folder).expect("create family");
    let mut mum = Phone {
        store: mum_store,
        secrets: FileSecretStore::new(dir.join("mum.secrets")).expect("secrets"),
        membership,
    };
    mum.membership.save(&mum.secrets).expect("save membership");
    let invitation = mum.membership.invite(folder).expect("invite");
    let sent = mum.sync(folder);
    assert!(sent.sent_changes > 60, "the month is sent: {sent:?}");

    let dad_store = open(&dir.join("dad.db"));
    dad_store.require_empty_for_joining().expect("a new diary");
    let membership = Membership::join(&invitation.invitation_text(), "Dad", folder).expect("join");
    let mut dad = Phone {
        store: dad_store,
        secrets: FileSecretStore::new(dir.join("dad.secrets")).expect("secrets"),
        membership,
    };
    dad.sync(folder);
    (mum, dad, medication)
}

#[test]
fn a_joining_phone_receives_the_whole_diary_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mum, dad, _) = family(dir.path(), &folder);
    assert_eq!(
        mum.digests(),
        dad.digests(),
        "the same diary on both phones"
    );
    let patients = dad.store.patients().unwrap();
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0].profile.display_name, CHILD);
    let pid = patients[0].id;
    let logs = dad
        .store
        .dose_logs(pid, date("2026-01-01"), date("2027-01-01"))
        .unwrap();
    assert_eq!(logs.len(), 60);
    let edited = dad.store.dose("mum-2026-11-03-08:00").unwrap();
    assert_eq!(edited.dose.outcome, DoseOutcome::Skipped);
    assert_eq!(
        dad.store
            .dose_history("mum-2026-11-03-08:00")
            .unwrap()
            .len(),
        2
    );
    assert!(dad.store.dose("mum-2026-11-04-20:00").unwrap().undone);
    assert_eq!(
        dad.store.lab_result("trough-1110").unwrap().result.value,
        6.5
    );
    assert!(dad.store.shared_conflicts().unwrap().is_empty());
    assert!(dad
        .store
        .slot_alerts(date("2026-01-01"), date("2027-12-31"))
        .unwrap()
        .is_empty());
    // A diary that already holds a child cannot join: the family's diary arrives whole.
    assert!(mum.store.require_empty_for_joining().is_err());
}

#[test]
fn each_phone_lists_the_family_and_marks_itself() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mum, dad, _) = family(dir.path(), &folder);
    for (phone, me) in [(&mum, "Mum"), (&dad, "Dad")] {
        let members = family::members(Carrier::Transport(&folder), &phone.secrets).unwrap();
        let mut seen: Vec<(&str, bool)> = members
            .iter()
            .map(|m| (m.caregiver.as_str(), m.is_this_device))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, [("Dad", me == "Dad"), ("Mum", me == "Mum")]);
        let this = members.iter().find(|m| m.is_this_device).unwrap();
        assert_eq!(this.device_id, hex(&phone.membership.device));
    }
}

#[test]
fn the_evening_dose_given_by_dad_appears_on_mums_phone() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, medication) = family(dir.path(), &folder);
    let dads_medication = dad_medication(&dad, &medication, &mum);
    log(
        &mut dad.store,
        &dads_medication,
        date("2026-12-01"),
        "20:00",
        "Dad",
        "1201-evening",
    );
    let sent = dad.sync(&folder);
    assert_eq!(sent.sent_changes, 1, "one dose, one change");
    mum.sync(&folder);
    let given = mum.store.dose("dad-1201-evening").expect("on mum's phone");
    assert_eq!(given.dose.logged_by, "Dad");
    assert_eq!(given.dose.slot_time, time("20:00"));
    let pid = mum.store.patients().unwrap()[0].id;
    let home = home_screen(
        &mum.store,
        pid,
        at("2026-12-01T21:00:00Z"),
        None,
        Locale::En,
    )
    .unwrap();
    let evening = home
        .doses
        .iter()
        .find(|d| d.slot_time == time("20:00") && d.drug == Some(Drug::Tacrolimus))
        .unwrap();
    assert_eq!(
        evening.logged_text.as_deref(),
        Some("Given by Dad at 8:05 pm")
    );
    assert!(home
        .next_dose
        .is_none_or(|d| d.slot_date > date("2026-12-01")));
    assert_eq!(mum.digests(), dad.digests());
    // Syncing again sends and changes nothing.
    let before = mum.digests();
    let again = mum.sync(&folder);
    assert_eq!((again.sent_changes, again.applied.new_changes), (0, 0));
    assert_eq!(mum.digests(), before);
}

/// The regimen as Dad's diary numbers it (local keys differ between phones).
fn dad_medication(dad: &Phone, medication: &MedicationId, mum: &Phone) -> MedicationId {
    let MedicationId::Regimen(mum_id) = medication else {
        panic!("a regimen")
    };
    let global = mum.store.regimen(*mum_id).unwrap().global_id;
    let pid = dad.store.patients().unwrap()[0].id;
    let regimen = dad
        .store
        .regimens(pid)
        .unwrap()
        .into_iter()
        .find(|r| r.global_id == global)
        .expect("the regimen on dad's phone");
    MedicationId::Regimen(regimen.id)
}

#[test]
fn a_double_dose_given_apart_is_alerted_on_both_phones() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, medication) = family(dir.path(), &folder);
    let dads_medication = dad_medication(&dad, &medication, &mum);
    // Both give the morning dose of 2 December while apart.
    log(
        &mut mum.store,
        &medication,
        date("2026-12-02"),
        "08:00",
        "Mum",
        "1202",
    );
    log(
        &mut dad.store,
        &dads_medication,
        date("2026-12-02"),
        "08:00",
        "Dad",
        "1202",
    );
    mum.sync(&folder);
    dad.sync(&folder);
    mum.sync(&folder);
    for phone in [&mum, &dad] {
        let alerts = phone
            .store
            .slot_alerts(date("2026-01-01"), date("2027-12-31"))
            .unwrap();
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].slot_date, "2026-12-02");
        assert_eq!(alerts[0].slot_time, "08:00");
        let mut who: Vec<&str> = alerts[0]
            .entries
            .iter()
            .map(|e| e.caregiver.as_str())
            .collect();
        who.sort_unstable();
        assert_eq!(who, ["Dad", "Mum"]);
        // Neither record was dropped.
        assert!(phone.store.dose("mum-1202").is_ok());
        assert!(phone.store.dose("dad-1202").is_ok());
    }
    assert_eq!(mum.digests(), dad.digests());
    // Both home screens say so, naming both caregivers, and show the slot as given.
    for phone in [&mum, &dad] {
        let pid = phone.store.patients().unwrap()[0].id;
        let home = home_screen(
            &phone.store,
            pid,
            at("2026-12-02T12:00:00Z"),
            None,
            Locale::En,
        )
        .unwrap();
        let double: Vec<_> = home
            .alerts
            .iter()
            .filter(|a| a.kind == HomeAlertKind::PossibleDoubleDose)
            .collect();
        assert_eq!(double.len(), 1, "{:?}", home.alerts);
        let text = &double[0].text;
        assert!(
            text.contains("recorded twice") && text.contains("Mum") && text.contains("Dad"),
            "{text}"
        );
        assert!(text.contains("8:05 am"), "{text}");
        let morning = home
            .doses
            .iter()
            .find(|d| d.slot_time == time("08:00") && d.drug == Some(Drug::Tacrolimus))
            .unwrap();
        assert_eq!(morning.logged.as_ref().unwrap().outcome, DoseOutcome::Taken);
        assert!(morning.guidance.is_none());
    }
    // The clinician's report of either phone lists it; the de-identified one too, without
    // the caregivers.
    for phone in [&mum, &dad] {
        let pid = phone.store.patients().unwrap()[0].id;
        let html = |options: ExportOptions| {
            let files = export_formats(&phone.store, pid, &[ExportFormat::Html], &options).unwrap();
            String::from_utf8(files[0].1[0].bytes.clone()).unwrap()
        };
        let identified = html(ExportOptions::new(at("2026-12-03T12:00:00Z")));
        assert!(
            identified.contains("2026-12-02 · Tacrolimus 08:00: possible double dose"),
            "identified report"
        );
        // Who logged each entry: in the identified tables, never in the de-identified ones.
        let csv = |options: ExportOptions| -> String {
            export_formats(&phone.store, pid, &[ExportFormat::Csv], &options).unwrap()[0]
                .1
                .iter()
                .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
                .collect()
        };
        let tables = csv(ExportOptions::new(at("2026-12-03T12:00:00Z")));
        assert!(tables.contains("Dad") && tables.contains("Mum"));
        let hidden = csv(ExportOptions {
            deidentify: Some(Deidentify::from_seed(11).unwrap()),
            ..ExportOptions::new(at("2027-03-15T12:00:00Z"))
        });
        assert!(!hidden.contains("Dad") && !hidden.contains("Mum"));
        let deidentified = html(ExportOptions {
            deidentify: Some(Deidentify::from_seed(11).unwrap()),
            ..ExportOptions::new(at("2027-03-15T12:00:00Z"))
        });
        assert!(deidentified.contains("possible double dose"));
        assert!(!deidentified.contains("Dad") && !deidentified.contains("Mum"));
    }
    // Undoing one of them ends the alert everywhere.
    mum.store.undo_dose("dad-1202", "Mum").unwrap();
    mum.sync(&folder);
    dad.sync(&folder);
    assert!(mum
        .store
        .slot_alerts(date("2026-01-01"), date("2027-12-31"))
        .unwrap()
        .is_empty());
    assert!(dad
        .store
        .slot_alerts(date("2026-01-01"), date("2027-12-31"))
        .unwrap()
        .is_empty());
    assert_eq!(mum.digests(), dad.digests());
}

#[test]
fn concurrent_edits_of_one_dose_are_a_conflict_on_both_phones_not_a_silent_winner() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, _) = family(dir.path(), &folder);
    let edit = |outcome, by: &str| DoseEdit::new(outcome, instant_ms("2026-11-10T08:20:00Z"), by);
    let now = instant_ms("2026-12-01T12:00:00Z");
    mum.store
        .edit_dose(
            "mum-2026-11-10-08:00",
            &edit(DoseOutcome::Skipped, "Mum"),
            now,
            None,
        )
        .unwrap();
    dad.store
        .edit_dose(
            "mum-2026-11-10-08:00",
            &edit(DoseOutcome::Taken, "Dad"),
            now,
            None,
        )
        .unwrap();
    mum.sync(&folder);
    dad.sync(&folder);
    mum.sync(&folder);
    assert_eq!(mum.digests(), dad.digests());
    for phone in [&mum, &dad] {
        let conflicts = phone.store.shared_conflicts().unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let who: Vec<&str> = conflicts[0]
            .heads
            .iter()
            .map(|h| h.caregiver.as_str())
            .collect();
        assert!(who.contains(&"Mum") && who.contains(&"Dad"), "{who:?}");
        // As the phones list it: a logged dose is the family's to resolve (§11).
        let listed = phone.store.shared_record_conflicts().unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].record_id, conflicts[0].record);
        assert_eq!(listed[0].kind, RecordKind::DoseLog);
        assert!(!listed[0].resolved_by_care_team);
        assert_eq!(listed[0].versions, conflicts[0].heads);
        // Every revision is kept on every phone.
        assert_eq!(
            phone
                .store
                .dose_history("mum-2026-11-10-08:00")
                .unwrap()
                .len(),
            3
        );
    }
    // A later edit, made knowing both, resolves it everywhere.
    dad.store
        .edit_dose(
            "mum-2026-11-10-08:00",
            &edit(DoseOutcome::Taken, "Dad"),
            now + 60_000,
            None,
        )
        .unwrap();
    dad.sync(&folder);
    mum.sync(&folder);
    assert!(mum.store.shared_conflicts().unwrap().is_empty());
    assert!(dad.store.shared_conflicts().unwrap().is_empty());
    assert_eq!(mum.digests(), dad.digests());
}

#[test]
fn the_folder_holds_no_name_date_note_or_caregiver() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, medication) = family(dir.path(), &folder);
    let dads_medication = dad_medication(&dad, &medication, &mum);
    log(
        &mut dad.store,
        &dads_medication,
        date("2026-12-01"),
        "20:00",
        "Dad",
        "1201",
    );
    dad.sync(&folder);
    mum.sync(&folder);
    let mut files = Vec::new();
    collect_files(folder.root(), &mut files);
    assert!(files.len() > 5, "{}", files.len());
    let needles: [&[u8]; 10] = [
        CHILD.as_bytes(),
        b"Quinlan",
        NOTE.as_bytes(),
        b"vomited",
        b"2026-11",
        b"2019-03-01",
        b"Mum",
        b"Dad",
        b"tacrolimus",
        b"Okafor",
    ];
    for (name, bytes) in &files {
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{name} holds {:?}",
                String::from_utf8_lossy(needle)
            );
            assert!(!name.contains(&*String::from_utf8_lossy(needle)), "{name}");
        }
    }
}

fn collect_files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
}

#[test]
fn a_replayed_or_repeated_batch_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, _) = family(dir.path(), &folder);
    let before = dad.digests();
    // Every batch on the folder, opened with the family key, applied again under a new position
    // (a replay under another name) and twice over.
    let pulled = mum
        .membership
        .pull(&folder, &Default::default())
        .expect("pull everything");
    assert!(!pulled.batches.is_empty());
    let replay: Vec<(BatchPosition, Vec<_>)> = pulled
        .batches
        .into_iter()
        .enumerate()
        .map(|(n, (_, changes))| {
            (
                BatchPosition {
                    device: "00".repeat(16),
                    epoch: 1,
                    sequence: 1000 + n as u64,
                },
                changes,
            )
        })
        .collect();
    for _ in 0..2 {
        let applied = dad.store.apply_batches(&replay).unwrap();
        assert_eq!(applied.new_changes, 0, "{applied:?}");
        assert_eq!(dad.digests(), before);
    }
    // Nothing to send: applied changes are never echoed back.
    assert_eq!(dad.sync(&folder).sent_changes, 0);
    let _ = &mut mum;
}

#[test]
fn three_phones_in_any_sync_order_converge() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, medication) = family(dir.path(), &folder);
    let invitation = mum.membership.invite(&folder).unwrap();
    let nan_store = open(&dir.path().join("nan.db"));
    let membership = Membership::join(&invitation.invitation_text(), "Nan", &folder).unwrap();
    let mut nan = Phone {
        store: nan_store,
        secrets: FileSecretStore::new(dir.path().join("nan.secrets")).unwrap(),
        membership,
    };
    nan.sync(&folder);
    let dads = dad_medication(&dad, &medication, &mum);
    let nans = dad_medication(&nan, &medication, &mum);
    let pid_mum = mum.store.patients().unwrap()[0].id;
    for day in 1..=5u64 {
        let on = date("2026-12-01") + Days::new(day);
        log(
            &mut mum.store,
            &medication,
            on,
            "08:00",
            "Mum",
            &format!("{on}"),
        );
        log(&mut dad.store, &dads, on, "20:00", "Dad", &format!("{on}"));
        if day % 2 == 0 {
            log(&mut nan.store, &nans, on, "20:00", "Nan", &format!("{on}"));
        }
        mum.store
            .add_measurement(
                pid_mum,
                &Measurement {
                    global_id: Default::default(),
                    id: 0.into(),
                    measured_on: on,
                    weight_kg: Some(20.0 + day as f64 / 10.0),
                    height_cm: None,
                    confirmed: false,
                },
            )
            .unwrap();
        match day % 3 {
            0 => {
                nan.sync(&folder);
                mum.sync(&folder);
            }
            1 => {
                dad.sync(&folder);
            }
            _ => {
                mum.sync(&folder);
                nan.sync(&folder);
                dad.sync(&folder);
            }
        }
    }
    for _ in 0..2 {
        mum.sync(&folder);
        dad.sync(&folder);
        nan.sync(&folder);
    }
    assert_eq!(mum.digests(), dad.digests());
    assert_eq!(mum.digests(), nan.digests());
    // Nan gave the evening dose on days 2 and 4 as Dad did: alerted on all three phones.
    for phone in [&mum, &dad, &nan] {
        let alerts = phone
            .store
            .slot_alerts(date("2026-01-01"), date("2027-12-31"))
            .unwrap();
        let days: Vec<&str> = alerts.iter().map(|a| a.slot_date.as_str()).collect();
        assert_eq!(days, ["2026-12-03", "2026-12-05"], "{alerts:?}");
    }
}

#[test]
fn a_diary_kept_before_sharing_existed_is_shared_whole_with_its_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let path = dir.path().join("old.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-v9.db"),
        &path,
    )
    .unwrap();
    let (membership, _) = Membership::create("Mum", &folder).unwrap();
    let mut old = Phone {
        store: open(&path),
        secrets: FileSecretStore::new(dir.path().join("old.secrets")).unwrap(),
        membership,
    };
    let invitation = old.membership.invite(&folder).unwrap();
    let sent = old.sync(&folder);
    assert!(sent.sent_changes >= 5, "{sent:?}");
    let mut new = Phone {
        store: open(&dir.path().join("new.db")),
        secrets: FileSecretStore::new(dir.path().join("new.secrets")).unwrap(),
        membership: Membership::join(&invitation.invitation_text(), "Dad", &folder).unwrap(),
    };
    let received = new.sync(&folder);
    assert_eq!(received.applied.waiting, 0, "{received:?}");
    assert_eq!(old.digests(), new.digests());
    let old_patients = old.store.patients().unwrap();
    let new_patients = new.store.patients().unwrap();
    assert_eq!(old_patients.len(), new_patients.len());
    assert_eq!(old_patients[0].profile, new_patients[0].profile);
}

#[test]
fn taken_on_one_phone_and_skipped_on_another_asks_and_counts_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, medication) = family(dir.path(), &folder);
    let dads_medication = dad_medication(&dad, &medication, &mum);
    log(
        &mut mum.store,
        &medication,
        date("2026-12-02"),
        "20:00",
        "Mum",
        "1202-evening",
    );
    let at_ms = instant_ms("2026-12-02T20:30:00Z");
    dad.store
        .log_dose(
            &NewDoseLog::new(
                "dad-1202-evening".into(),
                dads_medication,
                date("2026-12-02"),
                time("20:00"),
                DoseOutcome::Skipped,
                at_ms,
                "Dad".into(),
            ),
            at_ms,
            None,
        )
        .unwrap();
    dad.sync(&folder);
    mum.sync(&folder);
    dad.sync(&folder);
    for phone in [&mum, &dad] {
        let pid = phone.store.patients().unwrap()[0].id;
        let home = home_screen(
            &phone.store,
            pid,
            at("2026-12-02T21:00:00Z"),
            None,
            Locale::En,
        )
        .unwrap();
        let asked: Vec<_> = home
            .alerts
            .iter()
            .filter(|a| a.kind == HomeAlertKind::TakenAndSkipped)
            .collect();
        assert_eq!(asked.len(), 1, "{:?}", home.alerts);
        assert!(asked[0].text.contains("given by Mum") && asked[0].text.contains("skipped by Dad"));
        let evening = home
            .doses
            .iter()
            .find(|d| d.slot_time == time("20:00") && d.drug == Some(Drug::Tacrolimus))
            .unwrap();
        assert_eq!(
            evening.logged.as_ref().unwrap().outcome,
            DoseOutcome::Taken,
            "counts as given"
        );
        assert_eq!(
            evening.logged_text.as_deref(),
            Some("Given by Mum at 8:05 pm")
        );
        assert!(evening.guidance.is_none(), "never prompt a second dose");
    }
}

#[test]
fn a_dose_note_written_on_one_phone_and_edited_on_the_other_reaches_both() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, medication) = family(dir.path(), &folder);
    let dads_medication = dad_medication(&dad, &medication, &mum);
    let at_ms = instant_ms("2026-12-01T20:05:00Z");
    dad.store
        .log_dose(
            &NewDoseLog::new(
                "dad-1201-noted".into(),
                dads_medication,
                date("2026-12-01"),
                time("20:00"),
                DoseOutcome::Taken,
                at_ms,
                "Dad".into(),
            )
            .with_note(Some("spat out half, gave again".into())),
            at_ms,
            None,
        )
        .expect("log dose");
    dad.sync(&folder);
    mum.sync(&folder);
    let on_mums = mum.store.dose("dad-1201-noted").expect("on mum's phone");
    assert_eq!(
        on_mums.dose.note.as_deref(),
        Some("spat out half, gave again")
    );
    // Mum corrects only the note: a revision that reaches Dad's phone with its history.
    let edited = mum
        .store
        .edit_dose(
            "dad-1201-noted",
            &DoseEdit {
                outcome: DoseOutcome::Taken,
                actual_at_ms: at_ms,
                edited_by: "Mum".into(),
                note: Some("spat out half, gave half again".into()),
            },
            instant_ms("2026-12-01T21:00:00Z"),
            None,
        )
        .expect("edit the note");
    assert_eq!(edited.revision, 2);
    mum.sync(&folder);
    dad.sync(&folder);
    let on_dads = dad.store.dose("dad-1201-noted").unwrap();
    assert_eq!(
        on_dads.dose.note.as_deref(),
        Some("spat out half, gave half again")
    );
    let notes = |phone: &Phone| -> Vec<(i64, Option<String>, String)> {
        phone
            .store
            .dose_history("dad-1201-noted")
            .unwrap()
            .into_iter()
            .map(|r| (r.revision, r.note, r.by))
            .collect()
    };
    assert_eq!(
        notes(&dad),
        vec![
            (1, Some("spat out half, gave again".into()), "Dad".into()),
            (
                2,
                Some("spat out half, gave half again".into()),
                "Mum".into()
            ),
        ]
    );
    assert_eq!(notes(&mum), notes(&dad));
    assert!(mum.store.shared_conflicts().unwrap().is_empty());
    assert_eq!(mum.digests(), dad.digests());
    // The folder carries the note sealed, never in clear.
    let mut files = Vec::new();
    collect_files(folder.root(), &mut files);
    for (name, bytes) in &files {
        assert!(!bytes.windows(8).any(|w| w == b"spat out"), "{name}");
    }
}

#[test]
fn a_record_from_a_newer_app_waits_on_an_older_phone_without_stopping_its_sync() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path().join("folder")).unwrap();
    let (mut mum, mut dad, medication) = family(dir.path(), &folder);
    let dads_medication = dad_medication(&dad, &medication, &mum);
    // Dad's phone runs a newer app whose dose log has a column Mum's diary does not have yet.
    add_column_as_a_newer_app_would(&mut dad, &dir.path().join("dad.db"));
    log(
        &mut dad.store,
        &dads_medication,
        date("2026-12-01"),
        "20:00",
        "Dad",
        "1201-evening",
    );
    log(
        &mut mum.store,
        &medication,
        date("2026-12-02"),
        "08:00",
        "Mum",
        "1202-morning",
    );
    dad.sync(&folder);
    let received = mum.sync(&folder);
    assert_eq!(received.applied.new_changes, 1, "{received:?}");
    assert_eq!(
        (
            received.applied.waiting,
            received.applied.waiting_for_update
        ),
        (1, 1),
        "the newer app's dose waits: {received:?}"
    );
    assert_eq!(received.sent_changes, 1, "Mum's own dose still goes out");
    assert!(
        mum.store.dose("dad-1201-evening").is_err(),
        "not written yet"
    );
    // Dad's newer phone reads Mum's dose (an older record fits a newer diary).
    dad.sync(&folder);
    assert!(dad.store.dose("mum-1202-morning").is_ok());

    // Mum's app is updated (its migration adds the column): the kept change is written.
    add_column_as_a_newer_app_would(&mut mum, &dir.path().join("mum.db"));
    let after = mum.sync(&folder);
    assert_eq!(
        (after.applied.waiting, after.applied.waiting_for_update),
        (0, 0)
    );
    let given = mum
        .store
        .dose("dad-1201-evening")
        .expect("written after the update");
    assert_eq!(given.dose.logged_by, "Dad");
    assert_eq!(mum.digests(), dad.digests());
}

/// What a newer app's migration would do to `phone`'s diary: a new column in the dose log,
/// added while the diary is closed (an app migrates at opening).
fn add_column_as_a_newer_app_would(phone: &mut Phone, path: &Path) {
    let closed = std::mem::replace(&mut phone.store, Store::open_in_memory().unwrap());
    drop(closed);
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch("ALTER TABLE dose_log ADD COLUMN given_with TEXT")
        .unwrap();
    phone.store = open(path);
}

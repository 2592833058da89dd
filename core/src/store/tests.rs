use super::schema::{describe, LATEST_VERSION};
use super::*;
use crate::dose::DoseRate;
use crate::drug::Drug;
use crate::error::ConflictKind;
use crate::ids::{PatientId, RegimenId};
use crate::model::*;

use crate::test_support::{date, time};

pub(crate) fn sample_patient() -> NewPatient {
    NewPatient {
        display_name: "Test Child".into(),
        birth_date: date("2019-04-02"),
        sex: Sex::Female,
        time_zone: "Asia/Shanghai".into(),
        definition_set: "ipna2022".into(),
    }
}

pub(crate) fn tacrolimus() -> NewRegimen {
    NewRegimen {
        drug: Drug::Tacrolimus,
        form: "capsule".into(),
        strengths_mg: vec![0.5, 1.0],
        allow_split: false,
        rate: DoseRate::MgPerKgPerDay(0.1),
        times: vec![time("08:00"), time("20:00")],
        start_date: date("2025-06-01"),
        end_date: None,
        prescribed_by: "Dr. Nephrologist".into(),
        prescribed_on: date("2025-05-30"),
        override_range: false,
    }
}

/// A store with one patient weighing 20 kg and a tacrolimus regimen.
pub(crate) fn seeded(store: &mut Store) -> (Patient, Regimen) {
    let patient = store.create_patient(&sample_patient()).unwrap();
    let m = Measurement {
        global_id: Default::default(),
        id: Default::default(),
        measured_on: date("2025-05-30"),
        weight_kg: Some(20.0),
        height_cm: Some(115.0),
        confirmed: false,
    };
    store.add_measurement(patient.id, &m).unwrap();
    let regimen = store.add_regimen(patient.id, &tacrolimus()).unwrap();
    (patient, regimen)
}

fn dose(client_id: &str, regimen_id: RegimenId, slot: &str) -> NewDoseLog {
    NewDoseLog::new(
        client_id.into(),
        MedicationId::Regimen(regimen_id),
        date("2025-06-02"),
        time(slot),
        DoseOutcome::Taken,
        // A minute after the slot in the patient's zone (Shanghai).
        crate::schedule::slot_instant(
            date("2025-06-02"),
            time(slot),
            chrono_tz::Tz::Asia__Shanghai,
        )
        .timestamp_millis()
            + 60_000,
        "mother".into(),
    )
}

/// The device clock of the doses above: 2025-06-02T12:30:00Z, 20:30 in Shanghai, after both slots.
const LOGGED_AT: i64 = 1_748_867_400_000;

#[test]
fn a_regimen_is_dosed_on_the_latest_weight() {
    let mut store = Store::open_in_memory().unwrap();
    let (_, regimen) = seeded(&mut store);
    assert_eq!(regimen.weight_kg, 20.0);
    assert_eq!(regimen.dose.per_dose_mg, 1.0);
    assert_eq!(store.regimen(regimen.id).unwrap(), regimen);
}

#[test]
fn a_regimen_whose_stored_weight_the_dose_engine_refuses_is_left_out_and_reported() {
    let mut store = Store::open_in_memory().unwrap();
    let (patient, regimen) = seeded(&mut store);
    // A weight no child has (clinical-rules §10's hard bounds), written behind the store's back.
    store
        .conn
        .execute(
            "UPDATE regimen SET weight_kg = -3 WHERE id = ?1",
            [regimen.id],
        )
        .unwrap();
    assert!(store.regimens(patient.id).unwrap().is_empty());
    let unreadable = store.unreadable_rows(patient.id).unwrap();
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert_eq!(unreadable[0].table, "regimen");
    assert!(
        unreadable[0].reason.contains("weight_kg"),
        "{}",
        unreadable[0].reason
    );
}

#[test]
fn a_regimen_needs_a_prior_weight_and_an_in_range_rate() {
    let mut store = Store::open_in_memory().unwrap();
    let patient = store.create_patient(&sample_patient()).unwrap();
    let err = store.add_regimen(patient.id, &tacrolimus()).unwrap_err();
    assert!(err.to_string().contains("weight_kg"), "{err}");
    let m = Measurement {
        global_id: Default::default(),
        id: Default::default(),
        measured_on: date("2025-05-30"),
        weight_kg: Some(20.0),
        height_cm: None,
        confirmed: false,
    };
    store.add_measurement(patient.id, &m).unwrap();
    let high = NewRegimen {
        rate: DoseRate::MgPerKgPerDay(0.2),
        ..tacrolimus()
    };
    assert!(matches!(
        store.add_regimen(patient.id, &high),
        Err(Error::DoseOutOfRange { .. })
    ));
    assert!(
        store.regimens(patient.id).unwrap().is_empty(),
        "a refused regimen changes nothing"
    );
}

#[test]
fn logging_the_same_client_id_twice_stores_one_dose() {
    let mut store = Store::open_in_memory().unwrap();
    let (patient, regimen) = seeded(&mut store);
    let first = store
        .log_dose(&dose("tap-1", regimen.id, "08:00"), LOGGED_AT, None)
        .unwrap();
    let again = store
        .log_dose(&dose("tap-1", regimen.id, "08:00"), LOGGED_AT, None)
        .unwrap();
    assert_eq!(first, again);
    let logs = store
        .dose_logs(patient.id, date("2025-06-01"), date("2025-06-30"))
        .unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(store.dose_history("tap-1").unwrap().len(), 1);
}

#[test]
fn a_reused_client_id_or_a_second_log_for_a_slot_is_a_conflict() {
    let mut store = Store::open_in_memory().unwrap();
    let (_, regimen) = seeded(&mut store);
    store
        .log_dose(&dose("tap-1", regimen.id, "08:00"), LOGGED_AT, None)
        .unwrap();
    let different = NewDoseLog {
        outcome: DoseOutcome::Skipped,
        ..dose("tap-1", regimen.id, "08:00")
    };
    assert!(matches!(
        store.log_dose(&different, LOGGED_AT, None),
        Err(Error::Conflict {
            kind: ConflictKind::ClientIdReused,
            record: "dose_log"
        })
    ));
    let second = store
        .log_dose(&dose("tap-2", regimen.id, "08:00"), LOGGED_AT, None)
        .unwrap_err();
    assert!(
        matches!(
            second,
            Error::Conflict {
                kind: ConflictKind::AlreadyLogged,
                record: "dose_log"
            }
        ),
        "{second}"
    );
    assert_eq!(
        second.to_string(),
        "conflict: this dose is already logged; edit or undo that entry instead"
    );
}

#[test]
fn edits_and_undo_keep_every_revision() {
    let mut store = Store::open_in_memory().unwrap();
    let (patient, regimen) = seeded(&mut store);
    store
        .log_dose(&dose("tap-1", regimen.id, "20:00"), LOGGED_AT, None)
        .unwrap();
    let edit = DoseEdit::new(DoseOutcome::Skipped, 1_748_866_000_000, "father");
    let edited = store.edit_dose("tap-1", &edit, LOGGED_AT, None).unwrap();
    assert_eq!(
        (edited.revision, edited.dose.outcome),
        (2, DoseOutcome::Skipped)
    );
    let undone = store.undo_dose("tap-1", "father").unwrap();
    assert!(undone.undone);
    let history = store.dose_history("tap-1").unwrap();
    let outcomes: Vec<_> = history
        .iter()
        .map(|r| (r.revision, r.outcome, r.undone))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (1, DoseOutcome::Taken, false),
            (2, DoseOutcome::Skipped, false),
            (3, DoseOutcome::Skipped, true)
        ]
    );
    // The slot is free again once undone.
    store
        .log_dose(&dose("tap-2", regimen.id, "20:00"), LOGGED_AT, None)
        .unwrap();
    let logs = store
        .dose_logs(patient.id, date("2025-06-02"), date("2025-06-02"))
        .unwrap();
    assert_eq!(logs.iter().filter(|l| !l.undone).count(), 1);
    assert_eq!(logs.len(), 2);
}

#[test]
fn a_dose_outside_the_schedule_is_refused_and_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let (patient, regimen) = seeded(&mut store);
    let wrong_time = dose("tap-1", regimen.id, "09:00");
    assert!(store
        .log_dose(&wrong_time, LOGGED_AT, None)
        .unwrap_err()
        .to_string()
        .contains("slot_time"));
    let before_start = NewDoseLog {
        slot_date: date("2025-05-01"),
        ..dose("tap-2", regimen.id, "08:00")
    };
    assert!(store
        .log_dose(&before_start, LOGGED_AT, None)
        .unwrap_err()
        .to_string()
        .contains("slot_date"));
    let no_one = NewDoseLog {
        logged_by: " ".into(),
        ..dose("tap-3", regimen.id, "08:00")
    };
    assert!(store
        .log_dose(&no_one, LOGGED_AT, None)
        .unwrap_err()
        .to_string()
        .contains("logged_by"));
    assert!(store
        .dose_logs(patient.id, date("2025-01-01"), date("2026-01-01"))
        .unwrap()
        .is_empty());
}

#[test]
fn records_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let regimen_id = {
        let mut store = Store::open(&path).unwrap();
        let (_, regimen) = seeded(&mut store);
        store
            .log_dose(&dose("tap-1", regimen.id, "08:00"), LOGGED_AT, None)
            .unwrap();
        regimen.id
    };
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.dose("tap-1").unwrap().dose.medication,
        MedicationId::Regimen(regimen_id)
    );
    store.integrity_check().unwrap();
}

#[test]
fn a_newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", LATEST_VERSION + 1)
        .unwrap();
    drop(conn);
    let err = Store::open(&path).err().expect("refused");
    assert!(matches!(err, Error::NewerSchema { .. }), "{err}");
    assert!(path.exists(), "the newer file is left as it was");
}

#[test]
fn a_damaged_diary_is_moved_aside_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    drop(Store::open(&path).unwrap());
    // Keep the header (and its stamp), damage the rest of page 1: the schema table.
    let mut bytes = std::fs::read(&path).unwrap();
    for (i, b) in bytes.iter_mut().enumerate().skip(100).take(3996) {
        *b = (i * 37 % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();
    let Err(Error::CorruptDatabase { kept_at }) = Store::open(&path) else {
        panic!("damage not reported")
    };
    assert_eq!(
        std::fs::read(&kept_at).unwrap(),
        bytes,
        "the damaged file is kept byte for byte"
    );
    assert!(!path.exists());
    // Opening again starts a new, empty diary.
    let store = Store::open(&path).unwrap();
    assert!(store.patients().unwrap().is_empty());
}

#[test]
fn legacy_table_lists_match_the_fixtures() {
    for fixture in fixtures() {
        let conn = rusqlite::Connection::open_with_flags(
            &fixture,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        let stamp: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        if stamp != 0 {
            continue; // written after stamps existed: recognised by the stamp
        }
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let known = super::open::TABLES_BY_VERSION
            .iter()
            .find(|(v, _)| *v == version)
            .unwrap_or_else(|| panic!("{} has no table list", fixture.display()));
        assert_eq!(tables, known.1, "{}", fixture.display());
    }
}

/// Database files of every earlier schema version (written by [`write_fixture_of_this_version`]).
pub(crate) fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "db"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_fixture_migrates_to_the_fresh_schema_with_its_records() {
    let fresh = Store::open_in_memory().unwrap();
    let fresh_schema = describe(&fresh.conn).unwrap();
    let found = fixtures();
    assert!(
        !found.is_empty(),
        "no schema fixtures in core/tests/fixtures"
    );
    for fixture in found {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("diary.db");
        std::fs::copy(&fixture, &copy).unwrap();
        let store = Store::open(&copy).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
        let stamp: i32 = store
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stamp, super::open::APPLICATION_ID, "stamped on first open");
        assert_eq!(
            describe(&store.conn).unwrap(),
            fresh_schema,
            "{} migrates to a different schema",
            fixture.display()
        );
        // Every fixture holds the records of `seeded` plus one logged dose.
        let patient = &store.patients().unwrap()[0];
        assert_eq!(patient.profile, sample_patient());
        assert_eq!(store.regimens(patient.id).unwrap().len(), 1);
        // The seeded measurement, unconfirmed (before version 4 nothing was ever asked).
        let measured: Vec<_> = store
            .measurements(patient.id)
            .unwrap()
            .into_iter()
            .map(|m| (m.measured_on, m.weight_kg, m.height_cm, m.confirmed))
            .collect();
        assert_eq!(
            measured,
            [(date("2025-05-30"), Some(20.0), Some(115.0), false)],
            "{}",
            fixture.display()
        );
        assert_eq!(
            store.dose("fixture-dose").unwrap().dose.outcome,
            DoseOutcome::Taken
        );
        // From version 5 on, a fixture also holds a reading made from a photo.
        let version = fixture_version(&fixture);
        if version >= 5 {
            let stored = store.urine_reading("fixture-photo").unwrap();
            let logged = fixture_photo_reading(patient.id);
            assert_eq!(
                (stored.measurement, stored.photo),
                (logged.measurement, logged.photo),
                "{}",
                fixture.display()
            );
        }
        // From version 8 on, a fixture also holds a medicine of clinical-rules §12 and its dose.
        if version >= 8 {
            let medicines = store.medicines(patient.id).unwrap();
            assert_eq!(medicines.len(), 1, "{}", fixture.display());
            assert_eq!(medicines[0].prescription, fixture_medicine(patient.id));
            assert_eq!(
                store.dose("fixture-medicine-dose").unwrap().dose.medication,
                medicines[0].medication_id()
            );
            // From version 11 on, each revision keeps its note; revisions stored before hold
            // none (not backfilled, so every caregiver's phone rebuilds the same history).
            let notes: Vec<_> = store
                .dose_history("fixture-medicine-dose")
                .unwrap()
                .into_iter()
                .map(|r| r.note)
                .collect();
            if version >= 11 {
                assert_eq!(notes, FIXTURE_NOTES.map(|n| Some(n.to_string())));
            } else {
                assert_eq!(notes, [None], "{}", fixture.display());
            }
        } else {
            assert!(store.medicines(patient.id).unwrap().is_empty());
        }
        store.integrity_check().unwrap();
    }
}

/// The medicine fixtures of version 8 on hold: prednisolone 12 mg as a 5 mg/mL solution, every
/// day at 08:00 from 2025-06-01 for 28 days.
pub(crate) fn fixture_medicine(patient_id: PatientId) -> crate::medicine::record::NewMedicine {
    use crate::medicine::known::KnownMedicine;
    use crate::medicine::liquid::Liquid;
    use crate::medicine::record::{
        MedicineAmount, MedicineDays, MedicineName, MedicineSchedule, NewMedicine,
    };
    NewMedicine {
        patient_id,
        client_id: "fixture-medicine".into(),
        name: MedicineName::Known(KnownMedicine::Prednisolone),
        form: "oral solution".into(),
        amount: MedicineAmount::Liquid {
            mg: 12.0,
            liquid: Liquid::new(5.0),
        },
        schedule: MedicineSchedule {
            times: vec![time("08:00")],
            days: MedicineDays::EveryDay,
            start_date: date("2025-06-01"),
            end_date: None,
            course_days: Some(28),
        },
        added_by: "nephrologist".into(),
    }
}

#[test]
fn a_diary_upgraded_from_schema_5_keeps_relapse_checkpoints_that_its_triggers_drop() {
    use crate::protein::{DipstickGrade, UrineMeasurement, UrineReading};
    use crate::relapse::{relapse_checkpoint, DiseaseState};
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-v5.db");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("diary.db");
    std::fs::copy(&fixture, &copy).unwrap();
    let mut store = Store::open(&copy).unwrap();
    let patient = store.patients().unwrap()[0].id;
    // The upgrade made the patient's row, empty.
    let stored = store.stored_relapse_checkpoint(patient).unwrap();
    assert_eq!((stored.generation, stored.checkpoint), (Some(0), None));
    // A checkpoint through the day after the fixture's photo reading (its day: 2025-06-02).
    let readings = store
        .urine_readings(patient, date("2025-01-01"), date("2025-12-31"))
        .unwrap();
    assert_eq!(readings.len(), 1);
    let engine: Vec<UrineReading> = readings.iter().map(|r| r.engine_reading()).collect();
    let checkpoint =
        relapse_checkpoint(None, DiseaseState::Remission, &engine, date("2025-06-10")).unwrap();
    assert!(store
        .save_relapse_checkpoint(patient, 0, &checkpoint)
        .unwrap());
    assert_eq!(
        store.stored_relapse_checkpoint(patient).unwrap().checkpoint,
        Some(checkpoint)
    );
    // A patient created after the upgrade has a row too (the patient trigger).
    let second = store.create_patient(&sample_patient()).unwrap();
    assert_eq!(
        store
            .stored_relapse_checkpoint(second.id)
            .unwrap()
            .generation,
        Some(0)
    );
    // The upgraded diary's triggers drop the checkpoint on an earlier reading.
    let mut earlier = super::urine::NewUrineReading {
        client_id: "late-entry".into(),
        measurement: UrineMeasurement::Dipstick(DipstickGrade::FourPlus),
        ..fixture_photo_reading(patient)
    };
    earlier.photo = None;
    earlier.taken_at_ms -= 86_400_000;
    store.log_urine_reading(&earlier).unwrap();
    let stored = store.stored_relapse_checkpoint(patient).unwrap();
    assert_eq!((stored.generation, stored.checkpoint), (Some(1), None));
}

/// The schema version in a fixture's name (`schema-v<N>.db`).
fn fixture_version(fixture: &std::path::Path) -> i64 {
    let name = fixture.file_stem().unwrap().to_string_lossy();
    name.trim_start_matches("schema-v").parse().unwrap()
}

/// The reading made from a photo that fixtures of version 5 on hold: the core suggested 2+,
/// the parent confirmed 3+.
fn fixture_photo_reading(patient_id: PatientId) -> super::urine::NewUrineReading {
    use crate::dipstick::{PhotoSuggestion, ReadStatus, SwatchDistance};
    use crate::protein::{DipstickGrade, UrineMeasurement};
    super::urine::NewUrineReading {
        client_id: "fixture-photo".into(),
        patient_id,
        measurement: UrineMeasurement::Dipstick(DipstickGrade::ThreePlus),
        taken_at_ms: LOGGED_AT,
        taken_on: None,
        first_morning: true,
        note: None,
        logged_by: "mother".into(),
        photo: Some(PhotoSuggestion {
            status: ReadStatus::Read,
            grade: Some(DipstickGrade::TwoPlus),
            nearest: [
                SwatchDistance {
                    grade: DipstickGrade::TwoPlus,
                    delta_e: 4.75,
                },
                SwatchDistance {
                    grade: DipstickGrade::ThreePlus,
                    delta_e: 7.125,
                },
            ],
        }),
    }
}

/// The notes of the medicine's dose in fixtures of version 11 on: logged with the first, then
/// the note alone edited to the second.
const FIXTURE_NOTES: [&str; 2] = ["with breakfast", "with breakfast, half spat out"];

/// Writes `core/tests/fixtures/schema-v<LATEST>.db`. Run once per new schema version:
/// `cargo test -p nephro-core write_fixture -- --ignored`.
#[test]
#[ignore]
fn write_fixture_of_this_version() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/schema-v{LATEST_VERSION}.db"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&path);
    let mut store = Store::open_with(
        &path,
        &OpenOptions {
            durability: Durability::Full,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let (_, regimen) = seeded(&mut store);
    store
        .log_dose(&dose("fixture-dose", regimen.id, "08:00"), LOGGED_AT, None)
        .unwrap();
    store
        .log_urine_reading(&fixture_photo_reading(regimen.patient_id))
        .unwrap();
    let medicine = store
        .add_medicine(&fixture_medicine(regimen.patient_id))
        .unwrap();
    let mut taken = dose("fixture-medicine-dose", RegimenId::from(0), "08:00")
        .with_note(Some(FIXTURE_NOTES[0].into()));
    taken.medication = medicine.medication_id();
    store.log_dose(&taken, LOGGED_AT, None).unwrap();
    let edit = DoseEdit {
        outcome: taken.outcome,
        actual_at_ms: taken.actual_at_ms,
        edited_by: "father".into(),
        note: Some(FIXTURE_NOTES[1].into()),
    };
    store
        .edit_dose("fixture-medicine-dose", &edit, LOGGED_AT, None)
        .unwrap();
    store
        .conn
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;")
        .unwrap();
}

/// Every row of every table, in order: two equal digests mean nothing changed.
pub(crate) fn digest(store: &Store) -> String {
    let conn = &store.conn;
    let mut tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let tables: Vec<String> = tables
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut out = String::new();
    for table in tables {
        let mut rows = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))
            .unwrap();
        let width = rows.column_count();
        let mut rows = rows.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let cells: Vec<String> = (0..width)
                .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                .collect();
            out.push_str(&format!("{table}: {}\n", cells.join(" | ")));
        }
    }
    out
}

fn weight_on(on: &str, kg: f64, confirmed: bool) -> Measurement {
    Measurement {
        global_id: Default::default(),
        id: Default::default(),
        measured_on: date(on),
        weight_kg: Some(kg),
        height_cm: None,
        confirmed,
    }
}

#[test]
fn twenty_or_two_hundred_kg_is_held_until_confirmed_and_the_confirmation_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let mut store = Store::open(&path).unwrap();
    let (patient, _) = seeded(&mut store);
    let before = digest(&store);
    let err = store
        .add_measurement(patient.id, &weight_on("2025-06-10", 200.0, false))
        .unwrap_err();
    let Error::NeedsConfirmation {
        field,
        check,
        reason,
    } = &err
    else {
        panic!("not held: {err}")
    };
    assert_eq!(
        (field.as_str(), check.as_str()),
        ("weight_kg", "weight_change")
    );
    assert!(
        !err.to_string().contains("200") && !reason.contains("20"),
        "{err}"
    );
    assert_eq!(err.code(), "needs_confirmation");
    assert_eq!(digest(&store), before, "a held value changes nothing");
    // Confirmed: stored, with the flag.
    let stored = store
        .add_measurement(patient.id, &weight_on("2025-06-10", 200.0, true))
        .unwrap();
    assert!(stored.confirmed && stored.id > MeasurementId::from(0));
    drop(store);
    let store = Store::open(&path).unwrap();
    let last = store.measurements(patient.id).unwrap().pop().unwrap();
    assert_eq!(last, stored);
    // A plausible value is stored unconfirmed; a plausible value sent confirmed keeps its flag.
    let mut store = store;
    let plain = store
        .add_measurement(patient.id, &weight_on("2025-06-11", 199.0, false))
        .unwrap();
    assert!(!plain.confirmed);
    let asked = store
        .add_measurement(patient.id, &weight_on("2025-06-12", 199.0, true))
        .unwrap();
    assert!(asked.confirmed);
    let flags: Vec<bool> = store
        .measurements(patient.id)
        .unwrap()
        .iter()
        .map(|m| m.confirmed)
        .collect();
    assert_eq!(flags, [false, true, false, true]);
}

#[test]
fn every_check_refuses_without_changing_anything() {
    let mut store = Store::open_in_memory().unwrap();
    let (patient, _) = seeded(&mut store); // 20 kg and 115 cm on 2025-05-30, born 2019-04-02
    let height = |on: &str, cm: f64| Measurement {
        global_id: Default::default(),
        id: Default::default(),
        measured_on: date(on),
        weight_kg: None,
        height_cm: Some(cm),
        confirmed: false,
    };
    let unknown_sex = store
        .create_patient(&NewPatient {
            sex: Sex::Unspecified,
            ..sample_patient()
        })
        .unwrap();
    let cases = [
        (
            patient.id,
            weight_on("2025-06-30", 24.02, false),
            "weight_change",
        ),
        (patient.id, height("2025-06-30", 112.9), "height_decrease"),
        (patient.id, height("2025-06-30", 125.1), "height_increase"),
        (
            unknown_sex.id,
            weight_on("2025-06-30", 60.0, false),
            "weight_for_age",
        ),
        (
            unknown_sex.id,
            height("2025-06-30", 160.0),
            "height_for_age",
        ),
    ];
    let before = digest(&store);
    for (patient_id, m, expected) in &cases {
        match store.add_measurement(*patient_id, m) {
            Err(Error::NeedsConfirmation { check, .. }) => assert_eq!(&check, expected),
            other => panic!("{expected}: {other:?}"),
        }
        assert_eq!(digest(&store), before, "{expected} changed something");
    }
    // Just inside each limit: stored.
    for m in [
        weight_on("2025-06-30", 23.98, false),
        height("2025-06-30", 113.1),
        height("2025-06-30", 124.9),
    ] {
        let mut fresh = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut fresh);
        fresh.add_measurement(patient.id, &m).unwrap();
    }
    // A date before birth is invalid, confirmed or not.
    for confirmed in [false, true] {
        let err = store
            .add_measurement(patient.id, &weight_on("2019-04-01", 3.0, confirmed))
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid { field, .. } if field == "measured_on"),
            "{err}"
        );
    }
    // On the day of birth the WHO day-0 reference applies.
    let newborn = store.create_patient(&sample_patient()).unwrap();
    store
        .add_measurement(newborn.id, &weight_on("2019-04-02", 3.2, false))
        .unwrap();
}

#[test]
fn a_back_dated_measurement_is_checked_against_its_neighbours_by_date() {
    let mut store = Store::open_in_memory().unwrap();
    let (patient, _) = seeded(&mut store); // 20 kg on 2025-05-30
    store
        .add_measurement(patient.id, &weight_on("2025-07-01", 25.0, true))
        .unwrap();
    // Between 20 (May) and 25 (July): within 20 % of both.
    store
        .add_measurement(patient.id, &weight_on("2025-06-15", 22.0, false))
        .unwrap();
    // Between 22 (15 June) and 25 (July): 30.5 is 38.6 % above its previous.
    let before = digest(&store);
    assert!(matches!(
        store.add_measurement(patient.id, &weight_on("2025-06-20", 30.5, false)),
        Err(Error::NeedsConfirmation { ref check, .. }) if check == "weight_change"
    ));
    // Before every weight: 16 would make May's 20 a rise of 25 %.
    assert!(matches!(
        store.add_measurement(patient.id, &weight_on("2025-01-01", 16.0, false)),
        Err(Error::NeedsConfirmation { ref reason, .. }) if reason.contains("later")
    ));
    assert_eq!(digest(&store), before);
    store
        .add_measurement(patient.id, &weight_on("2025-01-01", 17.0, false))
        .unwrap();
}

#[test]
fn the_care_team_sets_the_limits_per_patient() {
    use crate::growth::plausibility::PlausibilityPolicy;
    let mut store = Store::open_in_memory().unwrap();
    let (patient, _) = seeded(&mut store);
    let other = store.create_patient(&sample_patient()).unwrap();
    assert_eq!(
        store.plausibility_policy(patient.id).unwrap(),
        PlausibilityPolicy::default()
    );
    let strict = PlausibilityPolicy {
        weight_change: 0.10,
        ..PlausibilityPolicy::default()
    };
    assert_eq!(
        store
            .set_plausibility_policy(patient.id, &strict, "Dr. Li")
            .unwrap(),
        strict
    );
    let entry = store
        .policy_entry(patient.id, super::WEIGHT_CHANGE_KEY)
        .unwrap()
        .unwrap();
    assert_eq!(
        (entry.value, entry.changed_by),
        (serde_json::json!(0.10), "Dr. Li".to_string())
    );
    assert!(matches!(
        store.add_measurement(patient.id, &weight_on("2025-06-30", 22.1, false)),
        Err(Error::NeedsConfirmation { .. })
    ));
    store
        .add_measurement(patient.id, &weight_on("2025-06-30", 21.9, false))
        .unwrap();
    assert_eq!(
        store.plausibility_policy(other.id).unwrap(),
        PlausibilityPolicy::default()
    );
    // An invalid limit is refused and changes nothing.
    let before = digest(&store);
    let typo = PlausibilityPolicy {
        weight_change: 20.0,
        ..strict
    };
    assert!(store
        .set_plausibility_policy(patient.id, &typo, "Dr. Li")
        .unwrap_err()
        .to_string()
        .contains("weight_change"));
    assert!(matches!(
        store.set_plausibility_policy(PatientId::from(patient.id.get() + 99), &strict, "Dr. Li"),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(digest(&store), before);
    // A stored value of the wrong shape is named, not guessed.
    store
        .set_policy_value(
            patient.id,
            super::HEIGHT_INCREASE_DAYS_KEY,
            &serde_json::json!("ninety"),
            "x",
        )
        .unwrap();
    let err = store.plausibility_policy(patient.id).unwrap_err();
    assert!(
        err.to_string()
            .contains("policy.plausibility.height_increase_days"),
        "{err}"
    );
}

mod medicines {
    use super::*;
    use crate::diary::reminders::{adherence, next_reminders, today_doses};
    use crate::locale::Locale;
    use crate::medicine::known::KnownMedicine;
    use crate::medicine::liquid::Liquid;
    use crate::medicine::record::{MedicineAmount, MedicineDays, MedicineName, NewMedicine};
    use chrono::{DateTime, Utc};

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().into()
    }

    fn enalapril(patient_id: PatientId) -> NewMedicine {
        let mut m = fixture_medicine(patient_id);
        m.client_id = "enalapril".into();
        m.name = MedicineName::Known(KnownMedicine::Enalapril);
        m.form = "tablet".into();
        m.amount = MedicineAmount::Tablets {
            strength_mg: 2.5,
            units: 1.0,
        };
        m.schedule.course_days = None;
        m
    }

    fn field(result: Result<crate::medicine::record::Medicine>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn a_medicine_is_added_once_listed_and_stopped() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let added = store.add_medicine(&enalapril(patient.id)).unwrap();
        assert_eq!(added.dose.mg, 2.5);
        // The same request again (a retry) stores it once; a different one under its id conflicts.
        assert_eq!(store.add_medicine(&enalapril(patient.id)).unwrap(), added);
        let mut other = enalapril(patient.id);
        other.form = "capsule".into();
        assert_eq!(store.add_medicine(&other).unwrap_err().code(), "conflict");
        let typed = NewMedicine {
            client_id: "typed".into(),
            name: MedicineName::Typed("Calcichew D3 ½ tablet".into()),
            ..enalapril(patient.id)
        };
        store.add_medicine(&typed).unwrap();
        let listed = store.medicines(patient.id).unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0], added);
        assert_eq!(listed[1].prescription.name, typed.name);
        let stopped = store.stop_medicine(added.id, date("2025-06-10")).unwrap();
        assert_eq!(store.medicine(added.id).unwrap(), stopped);
        assert_eq!(stopped.stopped_on, Some(date("2025-06-10")));
        assert_eq!(
            field(store.stop_medicine(added.id, date("2025-05-01"))),
            "stopped_on"
        );
        assert_eq!(
            store
                .stop_medicine(MedicineId::from(999), date("2025-06-10"))
                .unwrap_err()
                .code(),
            "not_found"
        );
    }

    #[test]
    fn bad_medicines_name_the_field_and_store_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let before = digest(&store);
        let liquid = |concentration: f64, step: f64| {
            let mut m = fixture_medicine(patient.id);
            m.amount = MedicineAmount::Liquid {
                mg: 12.0,
                liquid: Liquid {
                    concentration_mg_per_ml: concentration,
                    syringe_step_ml: step,
                },
            };
            m
        };
        for bad in [0.0, f64::NAN, 1e9] {
            assert_eq!(
                field(store.add_medicine(&liquid(bad, 0.1))),
                "amount.liquid.concentration_mg_per_ml"
            );
        }
        // 12 mg of 5 mg/mL is 2.4 mL: a 5 mL syringe's one mark is more than the dose.
        assert_eq!(
            field(store.add_medicine(&liquid(5.0, 5.0))),
            "amount.liquid.syringe_step_ml"
        );
        let mut none = enalapril(patient.id);
        none.schedule.times.clear();
        assert_eq!(field(store.add_medicine(&none)), "schedule.times");
        let mut long = enalapril(patient.id);
        long.name = MedicineName::Typed("x".repeat(10_000));
        assert_eq!(field(store.add_medicine(&long)), "name");
        let mut nobody = enalapril(patient.id);
        nobody.patient_id = PatientId::from(999);
        assert_eq!(store.add_medicine(&nobody).unwrap_err().code(), "not_found");
        assert_eq!(digest(&store), before, "nothing stored");
    }

    #[test]
    fn medicines_are_reminded_shown_and_counted() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let mut alternate = enalapril(patient.id);
        alternate.schedule.days = MedicineDays::AlternateDays;
        let enalapril = store.add_medicine(&alternate).unwrap();
        let mut prn = enalapril_prn(patient.id);
        prn.schedule.times.clear();
        let prn = store.add_medicine(&prn).unwrap();
        let liquid = store.add_medicine(&fixture_medicine(patient.id)).unwrap();

        // 2025-06-02 07:00 in Shanghai: enalapril is not due on the 2nd (alternate days).
        let now = at("2025-06-01T23:00:00Z");
        let reminders = next_reminders(&store, patient.id, now, None, 10, Locale::En).unwrap();
        let ids: Vec<&str> = reminders.iter().map(|r| r.reminder.id.as_str()).collect();
        assert!(ids.contains(&"medicine-3@2025-06-02T08:00"), "{ids:?}");
        assert!(!ids.iter().any(|id| id.starts_with("medicine-1@2025-06-02")));
        assert!(ids.contains(&"medicine-1@2025-06-03T08:00"));
        assert!(
            !ids.iter().any(|id| id.starts_with("medicine-2@")),
            "as needed"
        );
        let liquid_reminder = reminders
            .iter()
            .find(|r| r.medication == liquid.medication_id())
            .unwrap();
        assert_eq!(liquid_reminder.drug, Some(Drug::Prednisolone));
        assert!(liquid_reminder
            .text
            .body
            .contains("Prednisolone 2.4 mL (12 mg)"));

        let today = today_doses(&store, patient.id, now, None, Locale::ZhHans).unwrap();
        let liquid_today = today
            .iter()
            .find(|s| s.medication == liquid.medication_id())
            .unwrap();
        assert_eq!(liquid_today.label, "泼尼松龙 2.4 mL (12 mg)");
        assert!(!today
            .iter()
            .any(|s| s.medication == enalapril.medication_id()));

        // A dose of the liquid is logged and counted; an as-needed dose is logged at any time.
        let mut taken = dose("liquid-1", RegimenId::from(0), "08:00");
        taken.medication = liquid.medication_id();
        store.log_dose(&taken, LOGGED_AT, None).unwrap();
        let mut wrong_day = taken.clone();
        wrong_day.client_id = "liquid-2".into();
        wrong_day.medication = enalapril.medication_id();
        assert_eq!(
            field_of(store.log_dose(&wrong_day, LOGGED_AT, None)),
            "slot_date"
        );
        let mut as_needed = dose("prn-1", RegimenId::from(0), "13:17");
        as_needed.medication = prn.medication_id();
        store.log_dose(&as_needed, LOGGED_AT, None).unwrap();
        let report = adherence(
            &store,
            patient.id,
            date("2025-06-02"),
            date("2025-06-02"),
            at("2025-06-02T12:30:00Z"),
        )
        .unwrap()
        .report;
        let of = |id: &MedicationId| {
            report
                .medications
                .iter()
                .find(|m| m.medication_id == id.to_string())
                .map(|m| (m.summary.scheduled, m.summary.taken))
        };
        assert_eq!(of(&liquid.medication_id()), Some((1, 1)));
        assert_eq!(of(&enalapril.medication_id()).unwrap_or((0, 0)), (0, 0));
    }

    fn enalapril_prn(patient_id: PatientId) -> NewMedicine {
        let mut m = enalapril(patient_id);
        m.client_id = "paracetamol".into();
        m.name = MedicineName::Typed("Paracetamol".into());
        m.schedule.days = MedicineDays::AsNeeded;
        m
    }

    fn field_of(result: Result<DoseLogEntry>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn only_listed_glucocorticoids_count_for_steroid_exposure() {
        use crate::diary::taper::steroid_exposure;
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        // Prednisolone 12 mg as a 5 mg/mL solution daily from 1 June for 28 days.
        let liquid = store.add_medicine(&fixture_medicine(patient.id)).unwrap();
        // Methylprednisolone 4 mg = 5 mg prednisolone, daily.
        let mut methyl = enalapril(patient.id);
        methyl.client_id = "methyl".into();
        methyl.name = MedicineName::Known(KnownMedicine::Methylprednisolone);
        methyl.amount = MedicineAmount::Tablets {
            strength_mg: 4.0,
            units: 1.0,
        };
        store.add_medicine(&methyl).unwrap();
        // A typed-in "prednisolone" and an ACE inhibitor never count.
        let mut typed = enalapril(patient.id);
        typed.client_id = "typed".into();
        typed.name = MedicineName::Typed("Prednisolone".into());
        store.add_medicine(&typed).unwrap();
        store.add_medicine(&enalapril(patient.id)).unwrap();
        let mut taken = dose("liquid-1", RegimenId::from(0), "08:00");
        taken.medication = liquid.medication_id();
        store.log_dose(&taken, LOGGED_AT, None).unwrap();

        let exposure = steroid_exposure(
            &store,
            patient.id,
            None,
            date("2025-06-01"),
            date("2025-06-02"),
            date("2025-06-02"),
        )
        .unwrap();
        // Two days of 12 + 5 mg planned; one 12 mg dose taken (20 kg).
        assert_eq!(exposure.planned.mg, 34.0);
        assert_eq!((exposure.taken.mg, exposure.taken_doses), (12.0, 1));
        assert_eq!(exposure.taken.mg_per_kg, 0.6);
    }
}

#[test]
fn a_failed_upgrade_step_is_a_migration_failure_and_is_rolled_back() {
    // Version 1 stamped on a file without version 1's tables: the first step's statements fail.
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    let err = super::schema::migrate(&mut conn).unwrap_err();
    assert!(
        matches!(
            err,
            Error::MigrationFailed {
                from_version: 1,
                to_version: 2
            }
        ),
        "{err}"
    );
    assert_eq!(err.code(), "storage");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
}

#[test]
fn a_dose_keeps_the_familys_note_and_refuses_one_too_long() {
    let mut store = Store::open_in_memory().unwrap();
    let (_, regimen) = seeded(&mut store);
    let noted = dose("noted", regimen.id, "08:00")
        .with_note(Some("spat out half, gave again\nafter juice".into()));
    let logged = store.log_dose(&noted, LOGGED_AT, None).unwrap();
    assert_eq!(
        logged.dose.note.as_deref(),
        Some("spat out half, gave again\nafter juice")
    );
    let stored = store.dose("noted").unwrap();
    assert_eq!(stored.dose.note, logged.dose.note);
    // A blank note is none.
    let blank = dose("blank", regimen.id, "20:00").with_note(Some("  \n ".into()));
    assert_eq!(
        store.log_dose(&blank, LOGGED_AT, None).unwrap().dose.note,
        None
    );
    // 501 characters, or a control character: refused naming the field, nothing stored.
    let mut other = Store::open_in_memory().unwrap();
    let (_, regimen) = seeded(&mut other);
    for note in ["x".repeat(501), "bell \u{7}".to_string()] {
        let refused = dose("long", regimen.id, "08:00").with_note(Some(note));
        match other.log_dose(&refused, LOGGED_AT, None) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "note"),
            other => panic!("{other:?}"),
        }
        assert!(other.dose("long").is_err(), "nothing stored");
    }
}

#[test]
fn a_dose_note_survives_the_rebuild_of_the_dose_log_for_medicines() {
    // Version 7 added the note as a column; version 8 rebuilds the dose log (any medicine).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.db");
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-v7.db");
    std::fs::copy(fixture, &path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE dose_log SET note = 'kept through the upgrade' WHERE client_id = 'fixture-dose'",
        [],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let dose = store.dose("fixture-dose").unwrap();
    assert_eq!(dose.dose.note.as_deref(), Some("kept through the upgrade"));
}

/// A seeded store with the 08:00 dose logged with the note "with juice".
fn store_with_a_noted_dose() -> (Store, DoseLogEntry) {
    let mut store = Store::open_in_memory().unwrap();
    let (_, regimen) = seeded(&mut store);
    let logged = store
        .log_dose(
            &dose("noted", regimen.id, "08:00").with_note(Some("with juice".into())),
            LOGGED_AT,
            None,
        )
        .unwrap();
    (store, logged)
}

#[test]
fn an_edit_of_only_the_note_is_a_revision_and_each_revision_keeps_its_note() {
    let (mut store, logged) = store_with_a_noted_dose();
    let note_edit = |note: Option<&str>| DoseEdit {
        outcome: logged.dose.outcome,
        actual_at_ms: logged.dose.actual_at_ms,
        edited_by: "father".into(),
        note: note.map(str::to_string),
    };
    // Only the note changes: a revision, the outcome and time as they were.
    let edited = store
        .edit_dose(
            "noted",
            &note_edit(Some("spat out half, gave again")),
            LOGGED_AT,
            None,
        )
        .unwrap();
    assert_eq!(edited.revision, 2);
    assert_eq!(
        edited.dose.note.as_deref(),
        Some("spat out half, gave again")
    );
    assert_eq!(
        (edited.dose.outcome, edited.dose.actual_at_ms),
        (logged.dose.outcome, logged.dose.actual_at_ms)
    );
    assert_eq!(store.dose("noted").unwrap(), edited);
    // The shell's undo of that edit restores the previous note from the history.
    let history = store.dose_history("noted").unwrap();
    let previous = history[history.len() - 2].note.clone();
    let restored = store
        .edit_dose("noted", &note_edit(previous.as_deref()), LOGGED_AT, None)
        .unwrap();
    assert_eq!(
        (restored.revision, restored.dose.note.as_deref()),
        (3, Some("with juice"))
    );
    // An edit without a note keeps it; a blank one removes it.
    let kept = store
        .edit_dose("noted", &note_edit(None), LOGGED_AT, None)
        .unwrap();
    assert_eq!(kept.dose.note.as_deref(), Some("with juice"));
    let removed = store
        .edit_dose("noted", &note_edit(Some("  ")), LOGGED_AT, None)
        .unwrap();
    assert_eq!(removed.dose.note, None);
    // Undoing the log keeps its last note in the undone revision.
    store
        .edit_dose("noted", &note_edit(Some("gave at school")), LOGGED_AT, None)
        .unwrap();
    let undone = store.undo_dose("noted", "mother").unwrap();
    assert_eq!(undone.dose.note.as_deref(), Some("gave at school"));
    let notes: Vec<_> = store
        .dose_history("noted")
        .unwrap()
        .into_iter()
        .map(|r| (r.revision, r.note, r.undone))
        .collect();
    let some = |text: &str| Some(text.to_string());
    assert_eq!(
        notes,
        vec![
            (1, some("with juice"), false),
            (2, some("spat out half, gave again"), false),
            (3, some("with juice"), false),
            (4, some("with juice"), false),
            (5, None, false),
            (6, some("gave at school"), false),
            (7, some("gave at school"), true),
        ]
    );
}

#[test]
fn a_note_edit_too_long_or_with_control_characters_is_refused_and_changes_nothing() {
    let (mut store, logged) = store_with_a_noted_dose();
    let before = digest(&store);
    for note in [
        "x".repeat(super::urine::MAX_NOTE_CHARS + 1),
        "bell \u{7}".into(),
    ] {
        let edit = DoseEdit {
            outcome: DoseOutcome::Skipped,
            actual_at_ms: logged.dose.actual_at_ms,
            edited_by: "father".into(),
            note: Some(note),
        };
        match store.edit_dose("noted", &edit, LOGGED_AT, None) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "note"),
            other => panic!("{other:?}"),
        }
        assert_eq!(digest(&store), before, "nothing changed");
    }
    // 500 characters is the bound, kept whole.
    let longest = "x".repeat(super::urine::MAX_NOTE_CHARS);
    let edit = DoseEdit {
        outcome: DoseOutcome::Taken,
        actual_at_ms: logged.dose.actual_at_ms,
        edited_by: "father".into(),
        note: Some(longest.clone()),
    };
    let edited = store.edit_dose("noted", &edit, LOGGED_AT, None).unwrap();
    assert_eq!(edited.dose.note, Some(longest));
}

//! `nephro share …` and `nephro sync`: one child's diary on several caregivers' devices, end-to-end
//! encrypted, carried by a shared folder (clinical-rules §11; the protocol: docs/shared-care.md).
//!
//! A diary's membership (family id, this device's key pair, the family keys) is kept beside it in
//! `<db>.share/`, a folder readable by its owner only, with the shared folder's path; never in
//! the diary and never in the shared folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use nephro_core::dates::{format_date, parse_time_zone};
use nephro_core::diary::home::{home_screen, HomeAlertKind};
use nephro_core::locale::Locale;
use nephro_core::model::{DoseOutcome, MedicationId, NewDoseLog};
use nephro_core::schedule::slot_instant;

use nephro_core::dates::{parse_clock_time, parse_date};
use nephro_core::diary::family::{self, Carrier, FamilyEntry};
use nephro_core::diary::sharing::SyncReport;
use nephro_core::share::codes::FamilySecret;
use nephro_core::share::folder::FolderTransport;
use nephro_core::share::relay::{ClaimStatus, RelayClient};
use nephro_core::share::relay_protocol::ClaimOutcome;
use nephro_core::share::secrets::{FileSecretStore, SecretStore};
use nephro_core::share::sync::Membership;
use nephro_core::store::Store;

use crate::demo_diary::DemoDiary;
use crate::diary_file::open_existing;
use crate::terminal::{about, emit, CliResult};

/// The secret naming what a diary syncs through: `folder <path>` or `relay <url>`.
const CARRIER_SECRET: &str = "nephrodiary.carrier";

/// The secure storage of the diary at `db`: `<db>.share/`.
fn secrets_of(db: &Path) -> CliResult<FileSecretStore> {
    let mut dir = db.as_os_str().to_owned();
    dir.push(".share");
    FileSecretStore::new(PathBuf::from(dir)).map_err(about("--db"))
}

/// What carries a diary's batches: a shared folder, or the relay (the device's credential is
/// kept in the diary's secure storage).
pub enum DiaryCarrier {
    /// A shared folder.
    Folder(FolderTransport),
    /// The relay (issue 16).
    Relay(RelayClient),
}

impl DiaryCarrier {
    /// The core's carrier.
    fn carrier(&self) -> Carrier<'_> {
        match self {
            DiaryCarrier::Folder(folder) => Carrier::Transport(folder),
            DiaryCarrier::Relay(relay) => Carrier::Relay(relay),
        }
    }
}

/// Where the batches go: `--folder` or `--relay` if given (and then remembered), else the one
/// remembered for this diary.
fn carrier_of(
    secrets: &FileSecretStore,
    folder: Option<&Path>,
    relay: Option<&str>,
) -> CliResult<DiaryCarrier> {
    if folder.is_some() && relay.is_some() {
        return Err("--relay: give either --folder or --relay".into());
    }
    if let Some(path) = folder {
        let transport = FolderTransport::new(path).map_err(about("--folder"))?;
        secrets
            .save(
                CARRIER_SECRET,
                format!("folder {}", path.to_string_lossy()).as_bytes(),
            )
            .map_err(about("--db"))?;
        return Ok(DiaryCarrier::Folder(transport));
    }
    if let Some(url) = relay {
        let client = nephro_relay::client::connect(url).map_err(about("--relay"))?;
        secrets
            .save(CARRIER_SECRET, format!("relay {url}").as_bytes())
            .map_err(about("--db"))?;
        return Ok(DiaryCarrier::Relay(client));
    }
    let remembered = secrets
        .load(CARRIER_SECRET)
        .map_err(about("--db"))?
        .ok_or("--folder: needed (no shared folder or relay is remembered for this diary)")?;
    let remembered = String::from_utf8_lossy(&remembered).into_owned();
    match remembered.split_once(' ') {
        Some(("relay", url)) => Ok(DiaryCarrier::Relay(
            nephro_relay::client::connect(url).map_err(about("--relay"))?,
        )),
        Some(("folder", path)) => Ok(DiaryCarrier::Folder(
            FolderTransport::new(PathBuf::from(path)).map_err(about("--folder"))?,
        )),
        _ => Err("--db: the remembered carrier cannot be read; give --folder or --relay".into()),
    }
}

fn membership_of(secrets: &FileSecretStore) -> CliResult<Option<Membership>> {
    Membership::load(secrets).map_err(about("--db"))
}

/// The membership of the shared diary at `db` and its secure storage; a diary not shared yet
/// is refused and nothing is made beside it.
fn joined(db: &Path) -> CliResult<(FileSecretStore, Membership)> {
    let not_shared = "--db: this diary is not shared yet (nephro share invite starts a family)";
    let mut dir = db.as_os_str().to_owned();
    dir.push(".share");
    if !Path::new(&dir).is_dir() {
        return Err(not_shared.into());
    }
    let secrets = secrets_of(db)?;
    let membership = membership_of(&secrets)?.ok_or(not_shared)?;
    Ok((secrets, membership))
}

/// What a sync did, in a few lines.
fn sync_lines(report: &SyncReport) -> String {
    let mut out = format!(
        "received {} new change(s) in {} batch(es); sent {} change(s) in {} batch(es)\n",
        report.applied.new_changes,
        report.applied.batches,
        report.sent_changes,
        report.sent_batches
    );
    let for_a_record = report.applied.waiting - report.applied.waiting_for_update;
    if for_a_record > 0 {
        out.push_str(&format!(
            "{for_a_record} record(s) wait for a record not received yet\n"
        ));
    }
    if report.applied.waiting_for_update > 0 {
        out.push_str(&format!(
            "{} record(s) were written by a newer version of the app on another device: update this one (they are kept and appear after the update)\n",
            report.applied.waiting_for_update
        ));
    }
    for refused in &report.applied.refused {
        out.push_str(&format!("refused a change: {refused}\n"));
    }
    for refused in &report.refused_batches {
        out.push_str(&format!("refused a batch: {refused}\n"));
    }
    out
}

/// What a sync found that the family must see: slots logged on two devices, conflicts.
fn shared_alerts(store: &Store) -> CliResult<String> {
    let mut out = String::new();
    let every_day = (
        chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default(),
        chrono::NaiveDate::from_ymd_opt(2200, 12, 31).unwrap_or_default(),
    );
    for alert in store
        .slot_alerts(every_day.0, every_day.1)
        .map_err(|e| store.note(e))?
    {
        let who: Vec<String> = alert
            .entries
            .iter()
            .map(|entry| format!("{} by {}", entry.outcome.id(), entry.caregiver))
            .collect();
        out.push_str(&format!(
            "ALERT: the {} dose of {} was logged on two devices: {}\n",
            alert.slot_time,
            alert.slot_date,
            who.join(", ")
        ));
    }
    let conflicts = store.shared_conflicts().map_err(|e| store.note(e))?;
    if !conflicts.is_empty() {
        out.push_str(&format!(
            "{} record(s) were changed on two devices at once; choose which version is right\n",
            conflicts.len()
        ));
    }
    Ok(out)
}

/// Where a share command sends: `--folder DIR` or `--relay URL` (remembered afterwards).
#[derive(Clone, Copy)]
pub struct Via<'a> {
    /// The shared folder.
    pub folder: Option<&'a Path>,
    /// The relay's address.
    pub relay: Option<&'a str>,
}

/// Runs `nephro share invite`: starts the family on this diary if it has none (printing its
/// recovery code once; with a relay, registering the family there), sends the diary, and prints
/// an invitation for a new device.
pub fn invite(db: &Path, via: Via, caregiver: Option<&str>) -> CliResult<()> {
    let mut store = open_existing(db)?;
    let secrets = secrets_of(db)?;
    let carrier = carrier_of(&secrets, via.folder, via.relay)?;
    let mut out = String::new();
    let report = if membership_of(&secrets)?.is_none() {
        let caregiver = caregiver.ok_or("--caregiver: needed to start sharing this diary")?;
        let started = store
            .start_family(caregiver, carrier.carrier(), &secrets)
            .map_err(|e| store.note(e))
            .map_err(about(carrier_field(&carrier)))?;
        out.push_str(&format!(
            "started sharing this diary as {}\nrecovery code (shown once; print it and keep it safe): {}\n",
            started.membership.caregiver,
            started.recovery.recovery_text()
        ));
        match started.first_sync {
            Ok(report) => report,
            Err(error) => {
                // The family has started: its recovery code is printed before the failure.
                emit(&out)?;
                return Err(about(carrier_field(&carrier))(store.note(error)));
            }
        }
    } else {
        store
            .sync_with_family(carrier.carrier(), &secrets)
            .map_err(|e| store.note(e))?
    };
    out.push_str(&sync_lines(&report));
    let invitation =
        family::invite(carrier.carrier(), &secrets).map_err(about(carrier_field(&carrier)))?;
    out.push_str(&format!(
        "invitation (for one new device; show it as a QR code): {}\n",
        invitation.invitation_text()
    ));
    emit(&out)
}

/// The option a carrier's failure names.
fn carrier_field(carrier: &DiaryCarrier) -> &'static str {
    match carrier {
        DiaryCarrier::Folder(_) => "--folder",
        DiaryCarrier::Relay(_) => "--relay",
    }
}

/// How a device enters a family.
pub enum Entry<'a> {
    /// With an invitation's text.
    Invitation(&'a str),
    /// With the family's recovery code.
    Recovery(&'a str),
}

/// Runs `nephro share join` and `nephro share recover`: the new (or empty) diary at `db` joins
/// the family and receives the whole diary.
pub fn enter(db: &Path, entry: Entry, via: Via, caregiver: &str) -> CliResult<()> {
    // The code and the folder are checked before any file is made; a join that fails leaves
    // no new file.
    match (via.folder, via.relay) {
        (Some(folder), None) if !folder.is_dir() => {
            return Err(format!("--folder: {} is not a folder", folder.display()).into());
        }
        (None, None) => return Err("--folder: give --folder or --relay".into()),
        _ => {}
    }
    match entry {
        Entry::Invitation(text) => {
            FamilySecret::parse_invitation(text).map_err(about("--invitation"))?;
        }
        Entry::Recovery(text) => {
            FamilySecret::parse_recovery(text).map_err(about("--recovery"))?;
        }
    }
    let mut share = db.as_os_str().to_owned();
    share.push(".share");
    let share = PathBuf::from(share);
    let new_share = std::fs::symlink_metadata(&share).is_err();
    let new_file = std::fs::symlink_metadata(db).is_err();
    let outcome = enter_diary(db, entry, via, caregiver);
    if outcome.is_err() && new_share {
        let _ = std::fs::remove_dir_all(&share);
    }
    if outcome.is_err() && new_file {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = db.as_os_str().to_owned();
            file.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(file));
        }
    }
    outcome
}

fn enter_diary(db: &Path, entry: Entry, via: Via, caregiver: &str) -> CliResult<()> {
    let mut store = Store::open(db).map_err(about("--db"))?;
    store
        .require_empty_for_joining()
        .map_err(|e| store.note(e))?;
    let secrets = secrets_of(db)?;
    if membership_of(&secrets)?.is_some() {
        return Err("--db: this diary already belongs to a family".into());
    }
    let carrier = carrier_of(&secrets, via.folder, via.relay)?;
    let (field, entry) = match entry {
        Entry::Invitation(text) => ("--invitation", FamilyEntry::Invitation(text)),
        Entry::Recovery(text) => ("--recovery", FamilyEntry::Recovery(text)),
    };
    let (membership, report) = store
        .enter_family(entry, caregiver, carrier.carrier(), &secrets)
        .map_err(|e| store.note(e))
        .map_err(about(field))?;
    let patients = store.patients().map_err(|e| store.note(e))?;
    emit(&format!(
        "joined the family as {}; the diary holds {} patient(s)\n{}{}",
        membership.caregiver,
        patients.len(),
        sync_lines(&report),
        shared_alerts(&store)?
    ))
}

/// Runs `nephro sync`: receives the family's new changes and sends this diary's.
pub fn sync(db: &Path, via: Via) -> CliResult<()> {
    let mut store = open_existing(db)?;
    let (secrets, _membership) = joined(db)?;
    let carrier = carrier_of(&secrets, via.folder, via.relay)?;
    let report = store
        .sync_with_family(carrier.carrier(), &secrets)
        .map_err(|e| store.note(e))?;
    emit(&format!(
        "{}{}",
        sync_lines(&report),
        shared_alerts(&store)?
    ))
}

/// Runs `nephro share members`: the family's devices.
pub fn members(db: &Path) -> CliResult<()> {
    let (secrets, _) = joined(db)?;
    let carrier = carrier_of(&secrets, None, None)?;
    let mut out = String::new();
    for member in family::members(carrier.carrier(), &secrets).map_err(about("--db"))? {
        let this = if member.is_this_device {
            " (this device)"
        } else {
            ""
        };
        out.push_str(&format!(
            "{}  {}{this}\n",
            member.device_id, member.caregiver
        ));
    }
    emit(&out)
}

/// Runs `nephro share remove`: removes a device; what the family writes afterwards is sealed
/// with a new key the removed device does not get (and, with a relay, its credential is
/// revoked). Prints the new recovery code.
pub fn remove(db: &Path, device: &str) -> CliResult<()> {
    let (secrets, _membership) = joined(db)?;
    let carrier = carrier_of(&secrets, None, None)?;
    let recovery =
        family::remove_member(device, carrier.carrier(), &secrets).map_err(about("--device"))?;
    emit(&format!(
        "removed the device; new recovery code (the old one no longer works for what is written from now on; print it and keep it safe): {}\n",
        recovery.recovery_text()
    ))
}

/// Which dose slot `nephro claim` and `nephro release` name.
pub struct SlotArgs<'a> {
    /// `regimen-<id>`, `course-<key>` or `medicine-<id>`.
    pub medication: &'a str,
    /// The slot's local date, `YYYY-MM-DD`.
    pub date: &'a str,
    /// The slot's local time, `HH:MM`.
    pub time: &'a str,
}

/// The diary, its secure storage, the relay and the slot `nephro claim` and `nephro release`
/// name.
type RelaySlot = (
    Store,
    FileSecretStore,
    RelayClient,
    MedicationId,
    (NaiveDate, NaiveTime),
);

fn relay_slot(db: &Path, slot: &SlotArgs) -> CliResult<RelaySlot> {
    let store = open_existing(db)?;
    let (secrets, _membership) = joined(db)?;
    let DiaryCarrier::Relay(relay) = carrier_of(&secrets, None, None)? else {
        return Err("--db: claims need the relay (this diary syncs through a folder)".into());
    };
    let medication = MedicationId::parse("--medication", slot.medication)?;
    let date = parse_date("--date", slot.date)?;
    let time = parse_clock_time("--time", slot.time)?;
    Ok((store, secrets, relay, medication, (date, time)))
}

/// Runs `nephro claim`: before giving a dose, claims its slot on the relay (clinical-rules §11):
/// granted, or who is giving or gave it.
pub fn claim(db: &Path, slot: &SlotArgs) -> CliResult<()> {
    let (store, secrets, relay, medication, slot) = relay_slot(db, slot)?;
    let status = store
        .claim_dose_slot(
            &relay,
            &secrets,
            &medication,
            slot,
            Utc::now().timestamp_millis(),
        )
        .map_err(about("--relay"))?;
    let clock = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    emit(&match status {
        ClaimStatus::Granted { expires_ms } => format!(
            "claimed: give the dose now; the claim ends when the dose is logged or released, or at {}\n",
            clock(expires_ms)
        ),
        ClaimStatus::BeingGiven { holder, since_ms } => format!(
            "being given by {} (since {}): do not give it\n",
            holder.caregiver,
            clock(since_ms)
        ),
        ClaimStatus::Given { holder, since_ms } => format!(
            "already given by {} (at {}): do not give it again\n",
            holder.caregiver,
            clock(since_ms)
        ),
    })
}

/// Runs `nephro release`: gives up this device's claim on a slot (the child refused, the dose
/// was not given): another caregiver may give it.
pub fn release(db: &Path, slot: &SlotArgs) -> CliResult<()> {
    let (store, secrets, relay, medication, slot) = relay_slot(db, slot)?;
    store
        .end_dose_slot_claim(&relay, &secrets, &medication, slot, ClaimOutcome::Released)
        .map_err(about("--relay"))?;
    emit("released: another caregiver may give this dose\n")
}

/// The demo's section on shared care: the mother's phone holds a copy of the demo diary (which
/// stays as it is for the other commands); the father's phone joins through a shared folder,
/// both in a temporary directory. His evening dose reaches her phone after a sync; both give
/// the next morning's dose while apart and both phones then show the double-dose alert.
pub fn demo_section(demo_store: &Store, demo: &DemoDiary) -> CliResult<String> {
    let place = tempfile::tempdir()?;
    let mut mother_store = Store::open(&demo_store.backup_to(place.path().join("mother.db"))?)?;
    let store = &mut mother_store;
    let transport = FolderTransport::new(place.path().join("shared"))?;
    let mother_secrets = FileSecretStore::new(place.path().join("mother.share"))?;
    let father_secrets = FileSecretStore::new(place.path().join("father.share"))?;
    let (mut mother, _recovery) = Membership::create("mother", &transport)?;
    let invitation = mother.invite(&transport)?;
    let sent = store.sync_family(&mut mother, &transport, &mother_secrets)?;
    let mut father_store = Store::open(place.path().join("father.db"))?;
    let mut father = Membership::join(&invitation.invitation_text(), "father", &transport)?;
    let received = father_store.sync_family(&mut father, &transport, &father_secrets)?;

    let zone = parse_time_zone("time_zone", &demo.patient.profile.time_zone)?;
    let father_patient = father_store.patients()?.first().ok_or("no patient")?.id;
    let father_regimen = father_store
        .regimens(father_patient)?
        .into_iter()
        .find(|r| r.global_id == demo.tacrolimus.global_id)
        .ok_or("no regimen")?;
    let mother_medication = MedicationId::Regimen(demo.tacrolimus.id);
    let father_medication = MedicationId::Regimen(father_regimen.id);
    let evening = NaiveTime::from_hms_opt(20, 0, 0).ok_or("time")?;
    let morning = NaiveTime::from_hms_opt(8, 0, 0).ok_or("time")?;
    let tomorrow = demo.today + Days::new(1);

    let mut out = String::new();
    writeln!(
        out,
        "\nShared care — two caregivers' phones, end-to-end encrypted through a shared folder"
    )?;
    writeln!(
        out,
        "  The mother's phone starts the family and sends the diary ({} changes); the father's new phone joins with an invitation and receives them all.",
        sent.sent_changes
    )?;
    debug_assert_eq!(sent.sent_changes, received.applied.new_changes);
    let given = give(
        &mut father_store,
        &father_medication,
        (demo.today, evening),
        slot_instant(demo.today, evening, zone) + TimeDelta::minutes(2),
        "father",
    )?;
    father_store.sync_family(&mut father, &transport, &father_secrets)?;
    store.sync_family(&mut mother, &transport, &mother_secrets)?;
    let screen = home_screen(
        store,
        demo.patient.id,
        given + TimeDelta::minutes(30),
        None,
        Locale::En,
    )?;
    let shown = screen
        .doses
        .iter()
        .find(|d| d.medication == mother_medication && d.slot_time == evening)
        .and_then(|d| d.logged_text.clone())
        .unwrap_or_else(|| "not logged".into());
    writeln!(
        out,
        "  The father gives the 20:00 tacrolimus on {}; after a sync the mother's phone shows: {shown}",
        format_date(demo.today)
    )?;

    // The next morning both give the dose, neither phone online.
    let slot = slot_instant(tomorrow, morning, zone);
    give(
        store,
        &mother_medication,
        (tomorrow, morning),
        slot + TimeDelta::minutes(1),
        "mother",
    )?;
    let later = give(
        &mut father_store,
        &father_medication,
        (tomorrow, morning),
        slot + TimeDelta::minutes(4),
        "father",
    )?;
    father_store.sync_family(&mut father, &transport, &father_secrets)?;
    store.sync_family(&mut mother, &transport, &mother_secrets)?;
    father_store.sync_family(&mut father, &transport, &father_secrets)?;
    writeln!(
        out,
        "  Both give the 08:00 dose of {} while apart; after a sync:",
        format_date(tomorrow)
    )?;
    let at = later + TimeDelta::minutes(30);
    for (phone, diary, patient) in [
        ("mother", &*store, demo.patient.id),
        ("father", &father_store, father_patient),
    ] {
        let screen = home_screen(diary, patient, at, None, Locale::En)?;
        for alert in screen
            .alerts
            .iter()
            .filter(|a| a.kind == HomeAlertKind::PossibleDoubleDose)
        {
            writeln!(out, "    {phone}'s phone: ALERT {}", alert.text)?;
        }
    }
    let same = store.rows_digest()? == father_store.rows_digest()?;
    writeln!(
        out,
        "  Both phones hold the same diary: {}",
        if same {
            "yes (equal digests of every row)"
        } else {
            "NO"
        }
    )?;
    Ok(out)
}

/// Logs a tacrolimus dose of the slot `day` `time` as given at `at` by `caregiver`; returns
/// `at`.
fn give(
    store: &mut Store,
    medication: &MedicationId,
    (day, time): (NaiveDate, NaiveTime),
    at: DateTime<Utc>,
    caregiver: &str,
) -> CliResult<DateTime<Utc>> {
    store.log_dose(
        &NewDoseLog::new(
            format!(
                "demo-{caregiver}-{medication}-{}-{}",
                format_date(day),
                time.format("%H%M")
            ),
            medication.clone(),
            day,
            time,
            DoseOutcome::Taken,
            at.timestamp_millis(),
            caregiver.into(),
        ),
        at.timestamp_millis(),
        None,
    )?;
    Ok(at)
}

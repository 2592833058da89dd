//! `nephro dose log` and `nephro dose history`: a dose logged as a phone logs it (the core's
//! dose-logging service with the timing rule of clinical-rules §10, on this computer's clock),
//! and a patient's logged doses as the family's history shows them.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Days, TimeZone, Utc};
use nephro_core::dates::{
    format_date, parse_clock_time, parse_date, parse_instant, parse_time_zone,
};
use nephro_core::model::{DoseLogEntry, DoseOutcome, MedicationId, NewDoseLog};

use crate::diary_file::{choose_patient, open_existing};
use crate::terminal::{about, emit, without_control_characters, CliResult};

/// The arguments of `nephro dose log`.
pub struct LogArgs<'a> {
    /// The diary file.
    pub db: &'a Path,
    /// `regimen-<id>`, `course-<key>` or `medicine-<id>`.
    pub medication: &'a str,
    /// The slot's local date, `YYYY-MM-DD`.
    pub date: &'a str,
    /// The slot's local time, `HH:MM`.
    pub time: &'a str,
    /// `taken` or `skipped`.
    pub outcome: &'a str,
    /// When it was given (RFC 3339 with offset); default: now.
    pub at: Option<&'a str>,
    /// Who logged it.
    pub by: &'a str,
    /// The log's id; default: one made from the slot, so running the command again stores the
    /// dose once.
    pub client_id: Option<&'a str>,
    /// The family's note (at most 500 characters).
    pub note: Option<&'a str>,
}

/// Runs `nephro dose log`: checks and stores one dose, then prints it.
pub fn log(args: &LogArgs) -> CliResult<()> {
    let medication =
        MedicationId::parse("medication", args.medication).map_err(about("--medication"))?;
    let slot_date = parse_date("date", args.date).map_err(about("--date"))?;
    let slot_time = parse_clock_time("time", args.time).map_err(about("--time"))?;
    let outcome = DoseOutcome::parse("outcome", args.outcome).map_err(about("--outcome"))?;
    let now = Utc::now();
    let at = match args.at {
        Some(text) => parse_instant("at", text).map_err(about("--at"))?.to_utc(),
        None => now,
    };
    let client_id = args.client_id.map_or_else(
        || {
            format!(
                "cli-{medication}-{}-{}",
                format_date(slot_date),
                slot_time.format("%H%M")
            )
        },
        str::to_string,
    );
    let dose = NewDoseLog::new(
        client_id,
        medication,
        slot_date,
        slot_time,
        outcome,
        at.timestamp_millis(),
        args.by.to_string(),
    )
    .with_note(args.note.map(str::to_string));
    let mut store = open_existing(args.db)?;
    let entry = store
        .log_dose(&dose, now.timestamp_millis(), None)
        .map_err(|e| match store.note(e) {
            // The command's free text: the refusal names the flag the user typed.
            nephro_core::Error::Invalid { field, reason } if field == "note" => {
                about("--note")(nephro_core::Error::Invalid { field, reason })
            }
            e => e.into(),
        })?;
    emit(&format!("logged {}\n", entry_line(&entry, &Utc)))
}

/// Runs `nephro dose history`: the patient's logged doses from `from` to `to` (default: the
/// 7 days to the patient's local date today), undone ones included and marked.
pub fn history(
    db: &Path,
    patient: Option<i64>,
    from: Option<&str>,
    to: Option<&str>,
) -> CliResult<()> {
    let to = to
        .map(|d| parse_date("to", d).map_err(about("--to")))
        .transpose()?;
    let from = from
        .map(|d| parse_date("from", d).map_err(about("--from")))
        .transpose()?;
    let store = open_existing(db)?;
    let patient_id = choose_patient(&store, patient)?;
    let profile = store.patient(patient_id.into())?.profile;
    let zone = parse_time_zone("time_zone", &profile.time_zone)?;
    let to = to.unwrap_or_else(|| nephro_core::schedule::local_date(Utc::now(), zone));
    let from = from.unwrap_or_else(|| to.checked_sub_days(Days::new(6)).unwrap_or(to));
    let logs = store
        .dose_logs(patient_id.into(), from, to)
        .map_err(|e| store.note(e))?;
    let mut out = String::new();
    writeln!(
        out,
        "Doses of patient {patient_id}, {} to {}: {} logged",
        format_date(from),
        format_date(to),
        logs.len()
    )?;
    for entry in &logs {
        writeln!(out, "  {}", entry_line(entry, &zone))?;
    }
    emit(&out)
}

/// One logged dose: its slot, medication, outcome, when (in `zone`: the patient's, or UTC) and
/// by whom, revision and state, then the family's note on a line of its own.
fn entry_line<Z: TimeZone>(entry: &DoseLogEntry, zone: &Z) -> String
where
    Z::Offset: std::fmt::Display,
{
    let d = &entry.dose;
    let at = DateTime::from_timestamp_millis(d.actual_at_ms)
        .unwrap_or_default()
        .with_timezone(zone)
        .format("%Y-%m-%d %H:%M %Z");
    without_control_characters(&format!(
        "{} {} {} {} at {at} by {} (revision {}{})",
        format_date(d.slot_date),
        d.slot_time.format("%H:%M"),
        d.medication,
        d.outcome.id(),
        d.logged_by,
        entry.revision,
        if entry.undone { ", undone" } else { "" }
    )) + &d
        .note
        .as_deref()
        .map(|note| format!("\n    note: {}", without_control_characters(note)))
        .unwrap_or_default()
}

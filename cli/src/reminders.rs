//! `nephro reminders` and `nephro adherence`: the dose reminders a phone would keep pending and
//! how well doses were taken, as a clinician reads them (clinical-rules §7). Also the demo
//! summary's reminder and adherence section.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use nephro_core::dates::{format_date, parse_date, parse_instant};
use nephro_core::diary::reminders::{
    adherence, drug_name, next_reminders, parse_device_zone, PatientAdherence, ReminderNotice,
};
use nephro_core::locale::Locale;
use nephro_core::schedule::{
    slot_instant, AdherenceSummary, DayStatus, IOS_PENDING_NOTIFICATION_LIMIT,
};
use nephro_core::store::Store;

use crate::demo_diary::DemoDiary;

use crate::diary_file::{choose_patient, open_existing};
use crate::terminal::without_control_characters;
use crate::terminal::{emit, CliResult};

/// The arguments of `nephro reminders`.
pub struct RemindersArgs<'a> {
    /// The diary file.
    pub db: &'a Path,
    /// The patient (default: the only one).
    pub patient: Option<i64>,
    /// RFC 3339 instant the reminders start at (default: now).
    pub from: Option<&'a str>,
    /// How many reminders.
    pub count: usize,
    /// `en` or `zh-Hans`.
    pub locale: &'a str,
    /// The phone's current IANA zone when travelling.
    pub device_zone: Option<&'a str>,
}

/// Prints the next reminders of a patient: local time, UTC, medication and notification text.
pub fn run_reminders(args: &RemindersArgs) -> CliResult<()> {
    let locale = Locale::parse("--locale", args.locale)?;
    let from = match args.from {
        Some(text) => parse_instant("--from", text)?.to_utc(),
        None => Utc::now(),
    };
    let device_zone = parse_device_zone(args.device_zone)?;
    let store = open_existing(args.db)?;
    let patient_id = choose_patient(&store, args.patient)?;
    let reminders = next_reminders(&store, patient_id, from, device_zone, args.count, locale)?;
    let mut out = String::new();
    writeln!(
        out,
        "Next {} reminders of patient {patient_id} from {} ({} shown; the phone keeps {IOS_PENDING_NOTIFICATION_LIMIT})",
        args.count,
        from.format("%Y-%m-%d %H:%M UTC"),
        reminders.len()
    )?;
    out.push_str(&reminder_table(&reminders));
    emit(&out)
}

/// The arguments of `nephro adherence`.
pub struct AdherenceArgs<'a> {
    /// The diary file.
    pub db: &'a Path,
    /// The patient (default: the only one).
    pub patient: Option<i64>,
    /// First local date (default: 89 days before `to`).
    pub from: Option<&'a str>,
    /// Last local date (default: the local date of `now`).
    pub to: Option<&'a str>,
    /// RFC 3339 instant the report is made at (default: now); slots after it do not count.
    pub now: Option<&'a str>,
}

/// Prints adherence per medication and overall, and a calendar of the period.
pub fn run_adherence(args: &AdherenceArgs) -> CliResult<()> {
    let now = match args.now {
        Some(text) => parse_instant("--now", text)?.to_utc(),
        None => Utc::now(),
    };
    let to = args.to.map(|d| parse_date("--to", d)).transpose()?;
    let from = args.from.map(|d| parse_date("--from", d)).transpose()?;
    let store = open_existing(args.db)?;
    let patient_id = choose_patient(&store, args.patient)?;
    let zone = nephro_core::dates::parse_time_zone(
        "time_zone",
        &store.patient(patient_id)?.profile.time_zone,
    )?;
    let to = to.unwrap_or_else(|| nephro_core::schedule::local_date(now, zone));
    let from = from.unwrap_or_else(|| to.checked_sub_days(Days::new(89)).unwrap_or(to));
    let report = adherence(&store, patient_id, from, to, now)?;
    let mut out = String::new();
    writeln!(
        out,
        "Adherence of patient {patient_id}, {} to {} (as of {})",
        format_date(from),
        format_date(to),
        now.format("%Y-%m-%d %H:%M UTC")
    )?;
    out.push_str(&adherence_table(
        &report,
        &medicine_names(&store, patient_id)?,
    ));
    out.push_str(&calendar(&report));
    emit(&out)
}

/// Rows of cells, left-aligned in columns, indented by two spaces.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(&format!("  {}\n", cells.join("  ").trim_end()));
    }
    out
}

fn reminder_table(reminders: &[ReminderNotice]) -> String {
    if reminders.is_empty() {
        return "  No reminders: no medication is scheduled from then on.\n".into();
    }
    let rows: Vec<Vec<String>> = reminders
        .iter()
        .map(|n| {
            vec![
                n.reminder.local.format("%Y-%m-%d %H:%M %:z").to_string(),
                n.reminder.instant_utc.format("%Y-%m-%d %H:%MZ").to_string(),
                n.reminder.medication_id.clone(),
                n.text.title.clone(),
            ]
        })
        .collect();
    table(&["Local time", "UTC", "Medication", "Reminder"], &rows)
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".into(), |r| format!("{:.1}%", r * 100.0))
}

fn interval(mean: Option<f64>, sd: Option<f64>) -> String {
    match (mean, sd) {
        (Some(m), Some(s)) => format!("{m:.1} ± {s:.1} h"),
        (Some(m), None) => format!("{m:.1} h"),
        _ => "–".into(),
    }
}

fn counts(summary: &AdherenceSummary) -> String {
    format!("{}/{}", summary.taken, summary.scheduled)
}

/// "Tacrolimus (regimen-1)", "Enalapril (medicine-1)": the drug's name, else the name of a
/// medicine of clinical-rules §12 (`medicines`: its id and name), else the id alone.
fn medication_name(
    report: &PatientAdherence,
    medicines: &[(String, String)],
    medication_id: &str,
) -> String {
    let name = report
        .drugs
        .get(medication_id)
        .map(|drug| drug_name(*drug, Locale::En).to_string())
        .or_else(|| {
            medicines
                .iter()
                .find(|(id, _)| id == medication_id)
                .map(|(_, name)| name.clone())
        });
    match name {
        Some(name) => format!("{} ({medication_id})", without_control_characters(&name)),
        None => medication_id.to_string(),
    }
}

/// The id and English name of each of the patient's medicines (clinical-rules §12).
fn medicine_names(store: &Store, patient_id: i64) -> CliResult<Vec<(String, String)>> {
    Ok(store
        .medicines(patient_id)?
        .iter()
        .map(|m| {
            (
                m.medication_id().to_string(),
                m.prescription.name.text(Locale::En),
            )
        })
        .collect())
}

fn adherence_table(report: &PatientAdherence, medicines: &[(String, String)]) -> String {
    let mut rows: Vec<Vec<String>> = report
        .report
        .medications
        .iter()
        .map(|m| {
            vec![
                medication_name(report, medicines, &m.medication_id),
                counts(&m.summary),
                percent(m.summary.taken_rate),
                percent(m.summary.on_time_rate),
                m.summary.skipped.to_string(),
                m.summary.missed.to_string(),
                interval(m.interval_mean_hours, m.interval_sd_hours),
                m.longest_missed_streak.to_string(),
            ]
        })
        .collect();
    let overall = &report.report.overall;
    rows.push(vec![
        "Overall".into(),
        counts(overall),
        percent(overall.taken_rate),
        percent(overall.on_time_rate),
        overall.skipped.to_string(),
        overall.missed.to_string(),
        String::new(),
        report.report.longest_missed_streak.to_string(),
    ]);
    table(
        &[
            "Medication",
            "Taken/scheduled",
            "Taken",
            "On time",
            "Skipped",
            "Not logged",
            "Interval (BID)",
            "Longest missed streak",
        ],
        &rows,
    )
}

/// One symbol per day, a week (Monday first) per line: ● all taken, ◐ some, ○ none, · no dose.
fn calendar(report: &PatientAdherence) -> String {
    let days = &report.report.calendar;
    let Some(first) = days.first() else {
        return String::new();
    };
    let mut out =
        String::from("Calendar (● all taken, ◐ some, ○ none, · no dose), weeks from Monday:\n");
    let lead = first.date.weekday().num_days_from_monday() as usize;
    let mut line = format!(
        "  {}  {}",
        format_date(first.date - Days::new(lead as u64)),
        "  ".repeat(lead)
    );
    for day in days {
        if day.date.weekday().num_days_from_monday() == 0 && day.date != first.date {
            out.push_str(line.trim_end());
            out.push('\n');
            line = format!("  {}  ", format_date(day.date));
        }
        let statuses = day.medications.iter().map(|m| m.status);
        let symbol = combined(statuses);
        line.push_str(symbol);
        line.push(' ');
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// A day's symbol over all medications: every dosed medication full → ●; nothing taken → ○.
fn combined(statuses: impl Iterator<Item = DayStatus>) -> &'static str {
    let dosed: Vec<DayStatus> = statuses.filter(|s| *s != DayStatus::NoDose).collect();
    if dosed.is_empty() {
        "·"
    } else if dosed.iter().all(|s| *s == DayStatus::Full) {
        "●"
    } else if dosed.iter().all(|s| *s == DayStatus::NoneTaken) {
        "○"
    } else {
        "◐"
    }
}

/// The demo's "now": noon of its today on the patient's clock.
fn demo_now(demo: &DemoDiary) -> CliResult<DateTime<Utc>> {
    let zone = nephro_core::dates::parse_time_zone("time_zone", &demo.patient.profile.time_zone)?;
    Ok(slot_instant(
        demo.today,
        NaiveTime::from_hms_opt(12, 0, 0).ok_or("time")?,
        zone,
    ))
}

/// The demo summary's section: the reminders of the next 24 hours from the demo's noon, and
/// adherence over the history (per medication and overall, on-time rate, interval mean ± SD,
/// longest missed streak).
pub fn demo_section(store: &Store, demo: &DemoDiary) -> CliResult<String> {
    let now = demo_now(demo)?;
    let zone = nephro_core::dates::parse_time_zone("time_zone", &demo.patient.profile.time_zone)?;
    let patient = demo.patient.id;
    let next_day = now + TimeDelta::hours(24);
    let reminders: Vec<ReminderNotice> = next_reminders(
        store,
        patient,
        now,
        None,
        IOS_PENDING_NOTIFICATION_LIMIT,
        Locale::En,
    )?
    .into_iter()
    .filter(|n| n.reminder.instant_utc < next_day)
    .collect();
    let mut out = String::new();
    writeln!(
        out,
        "\nReminders for the next 24 hours (from {}, local)",
        now.with_timezone(&zone).format("%Y-%m-%d %H:%M")
    )?;
    out.push_str(&reminder_table(&reminders));
    let last_day: NaiveDate = demo.today.pred_opt().unwrap_or(demo.today);
    let report = adherence(store, patient, demo.first_day, last_day, now)?;
    writeln!(
        out,
        "Adherence {} to {}",
        format_date(demo.first_day),
        format_date(last_day)
    )?;
    out.push_str(&adherence_table(&report, &medicine_names(store, patient)?));
    Ok(out)
}

//! `nephro labs`: a patient's lab results as a clinician reads them — value and unit, the target
//! in force, the flag (or `NOT A TROUGH`), the eGFR of a creatinine, and the safety alerts with
//! their family-facing texts. Also the demo's lab history and its summary section.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use nephro_core::dates::{format_date, parse_date, parse_time_zone};
use nephro_core::diary::labs::{lab_report, LabLine, PatientLabReport};
use nephro_core::labs::{
    trough_validity, AssessmentNote, BaselineSource, BloodPressure, LabKind, LabResult, LabUnit,
    LevelTarget, TakenDose, TargetFlag, TroughValidity,
};
use nephro_core::locale::Locale;
use nephro_core::model::{DoseOutcome, MedicationId};
use nephro_core::schedule::slot_instant;
use nephro_core::store::{NewLabResult, Store};

use crate::demo_diary::DemoDiary;

use crate::diary_file::{choose_patient, open_existing};
use crate::terminal::{emit, CliResult};

/// A demo lab: drawn at, kind, value, unit, upper limit of normal.
type DemoLab = (DateTime<Utc>, LabKind, f64, LabUnit, Option<f64>);

/// Prints the lab table of the diary at `db`: one patient (`--patient`, or the only one), results
/// drawn on local dates `from` to `to` (default: all), alert texts in `locale`.
pub fn run(
    db: &Path,
    patient: Option<i64>,
    from: Option<&str>,
    to: Option<&str>,
    locale: &str,
) -> CliResult<()> {
    let locale = Locale::parse("--locale", locale)?;
    let from = from.map(|d| parse_date("--from", d)).transpose()?;
    let to = to.map(|d| parse_date("--to", d)).transpose()?;
    let store = open_existing(db)?;
    let patient_id = choose_patient(&store, patient)?;
    emit(&lab_table(&store, patient_id, from, to, locale, None)?)?;
    Ok(())
}

/// The lab table of a patient (`None` bounds: all results), followed by the period's alerts;
/// `latest` keeps only that many of the most recent lines.
pub fn lab_table(
    store: &Store,
    patient_id: i64,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    locale: Locale,
    latest: Option<usize>,
) -> CliResult<String> {
    let patient = store.patient(patient_id.into())?;
    let zone = parse_time_zone("time_zone", &patient.profile.time_zone)?;
    let report = lab_report(
        store,
        patient_id.into(),
        from.unwrap_or(NaiveDate::MIN),
        to.unwrap_or(NaiveDate::MAX),
        locale,
    )?;
    let mut out = String::new();
    let period = match (from, to) {
        (None, None) => "all results".to_string(),
        (f, t) => format!(
            "drawn {} to {}",
            f.map(format_date).unwrap_or_else(|| "the start".into()),
            t.map(format_date).unwrap_or_else(|| "the latest".into())
        ),
    };
    writeln!(
        out,
        "Labs of patient {patient_id}, {period} (times in {})",
        patient.profile.time_zone
    )?;
    writeln!(out, "{}", settings_line(&report))?;
    let shown = latest.map_or(0, |n| report.lines.len().saturating_sub(n));
    let lines = report.lines.get(shown..).unwrap_or_default();
    if lines.is_empty() {
        writeln!(out, "No lab results.")?;
        return Ok(out);
    }
    if shown > 0 {
        writeln!(
            out,
            "(the latest {} of {} results)",
            lines.len(),
            report.lines.len()
        )?;
    }
    let rows: Vec<[String; 7]> = lines.iter().map(|line| row(line, &zone)).collect();
    let header = [
        "Drawn at", "Kind", "Value", "Target", "Flag", "eGFR", "Alerts",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in &rows {
        for (width, cell) in widths.iter_mut().zip(r) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for r in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        writeln!(out, "  {}", cells.join("  ").trim_end())?;
    }
    let alerts: Vec<_> = lines
        .iter()
        .flat_map(|line| {
            line.assessment
                .alerts
                .iter()
                .zip(&line.alert_texts)
                .map(move |(a, t)| (line, a, t))
        })
        .collect();
    if alerts.is_empty() {
        writeln!(out, "Alerts: none")?;
    } else {
        writeln!(out, "Alerts:")?;
        for (line, alert, text) in alerts {
            writeln!(
                out,
                "  {} {} {} {} (limit {} {}): {text}",
                local_time(line.record.result.drawn_at, &zone),
                alert.kind.id(),
                number(alert.value),
                alert.unit,
                number(alert.threshold),
                alert.unit,
            )?;
        }
    }
    Ok(out)
}

fn settings_line(report: &PatientLabReport) -> String {
    let settings = &report.settings;
    let targets = settings.targets();
    let baseline = match (
        report.creatinine_baseline_mg_dl,
        report.creatinine_baseline_source,
    ) {
        (Some(b), Some(BaselineSource::CareTeam)) => {
            format!("{} mg/dL (set by the care team)", number(b))
        }
        (Some(b), _) => format!("{} mg/dL (first on record)", number(b)),
        (None, _) => "none yet".into(),
    };
    format!(
        "Targets ({} phase): tacrolimus trough {} ng/mL, MPA-AUC {} ug.h/mL; creatinine baseline {baseline}",
        settings.phase.id(),
        target_text(&targets.tacrolimus_trough),
        target_text(&targets.mpa_auc)
    )
}

fn row<Z: TimeZone>(line: &LabLine, zone: &Z) -> [String; 7]
where
    Z::Offset: std::fmt::Display,
{
    let result = &line.record.result;
    let a = &line.assessment;
    let flag = match (a.flag, a.trough) {
        (Some(TargetFlag::NotATrough), Some(why)) => {
            format!("NOT A TROUGH ({})", trough_reason(why))
        }
        (Some(flag), _) => flag.id().replace('_', " "),
        (None, _) => String::new(),
    };
    let alerts: Vec<&str> = a.alerts.iter().map(|x| x.kind.id()).collect();
    let mut alert_cell = alerts.join(", ");
    if a.notes.contains(&AssessmentNote::UpperLimitOfNormalMissing) {
        alert_cell = join_nonempty(&alert_cell, "(no ULN: liver alert not decided)");
    }
    let egfr = match (a.egfr, result.kind) {
        (Some(e), _) => format!("{e:.0}"),
        (None, LabKind::Creatinine) => "no height".into(),
        (None, _) => String::new(),
    };
    let uln = result
        .upper_limit_of_normal
        .map(|u| format!(" (ULN {})", number(u)))
        .unwrap_or_default();
    [
        local_time(result.drawn_at, zone),
        kind_label(result.kind).into(),
        format!("{} {}{uln}", number(result.value), result.unit.id()),
        line.target.as_ref().map(target_text).unwrap_or_default(),
        flag,
        egfr,
        alert_cell,
    ]
}

fn join_nonempty(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a} {b}")
    }
}

fn trough_reason(validity: TroughValidity) -> &'static str {
    match validity {
        TroughValidity::Valid => "valid",
        TroughValidity::AfterMorningDose => "after the morning dose",
        TroughValidity::LessThan10HoursAfterDose => "< 10 h after a dose",
    }
}

fn kind_label(kind: LabKind) -> &'static str {
    match kind {
        LabKind::TacrolimusTrough => "Tacrolimus trough",
        LabKind::MpaAuc => "MPA-AUC",
        LabKind::Creatinine => "Creatinine",
        LabKind::Wbc => "WBC",
        LabKind::Haemoglobin => "Haemoglobin",
        LabKind::Platelets => "Platelets",
        LabKind::Alt => "ALT",
        LabKind::TotalBilirubin => "Total bilirubin",
        LabKind::Albumin => "Albumin",
        LabKind::Upcr => "UPCR",
    }
}

/// A target as a clinician writes it: `5–10`, `< 5`, `≤ 40`, `≥ 50`.
fn target_text(target: &LevelTarget) -> String {
    let high_sign = if target.high_inclusive { "≤" } else { "<" };
    match (target.low, target.high) {
        (Some(low), Some(high)) if target.high_inclusive => {
            format!("{}–{}", number(low), number(high))
        }
        (Some(low), Some(high)) => format!("≥ {} and < {}", number(low), number(high)),
        (None, Some(high)) => format!("{high_sign} {}", number(high)),
        (Some(low), None) => format!("≥ {}", number(low)),
        (None, None) => "any".into(),
    }
}

/// A number without binary noise (0.30000000000000004 → 0.3), rounded to 3 decimals.
fn number(value: f64) -> String {
    let rounded = (value * 1000.0).round() / 1000.0;
    format!("{rounded}")
}

fn local_time<Z: TimeZone>(instant: DateTime<Utc>, zone: &Z) -> String
where
    Z::Offset: std::fmt::Display,
{
    instant
        .with_timezone(zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Taken tacrolimus doses logged for slots from `from` to `to`.
fn taken_doses(
    store: &Store,
    demo: &DemoDiary,
    from: NaiveDate,
    to: NaiveDate,
) -> CliResult<Vec<TakenDose>> {
    let medication = MedicationId::Regimen(demo.tacrolimus.id);
    let mut doses = Vec::new();
    for entry in store.dose_logs(demo.patient.id, from, to)? {
        if entry.dose.medication == medication
            && !entry.undone
            && entry.dose.outcome == DoseOutcome::Taken
        {
            doses.push(TakenDose {
                taken_at: DateTime::from_timestamp_millis(entry.dose.actual_at_ms)
                    .ok_or("dose time")?,
                slot_date: entry.dose.slot_date,
                slot_time: entry.dose.slot_time,
            });
        }
    }
    Ok(doses)
}

/// The first morning from `day` (within a week, before `today`) on which a draw at 07:30 is a
/// valid trough by the demo's dose log (clinical-rules §8).
fn trough_morning(store: &Store, demo: &DemoDiary, day: NaiveDate) -> CliResult<DateTime<Utc>> {
    let zone = parse_time_zone("time_zone", &demo.patient.profile.time_zone)?;
    let draw_time = NaiveTime::from_hms_opt(7, 30, 0).ok_or("time")?;
    for offset in 0..7 {
        let date = day + Days::new(offset);
        if date >= demo.today {
            break;
        }
        let drawn_at = slot_instant(date, draw_time, zone);
        let doses = taken_doses(store, demo, date - Days::new(1), date)?;
        if trough_validity(drawn_at, &doses, zone) == TroughValidity::Valid {
            return Ok(drawn_at);
        }
    }
    Err("no morning for a demo trough".into())
}

/// Two hours after the first morning dose taken from `day` on: a level drawn then is not a trough.
fn after_morning_dose(store: &Store, demo: &DemoDiary, day: NaiveDate) -> CliResult<DateTime<Utc>> {
    let doses = taken_doses(store, demo, day, demo.today)?;
    let morning = NaiveTime::from_hms_opt(8, 0, 0).ok_or("time")?;
    let dose = doses
        .iter()
        .find(|d| d.slot_time == morning)
        .ok_or("no morning dose to draw after")?;
    Ok(dose.taken_at + TimeDelta::hours(2))
}

/// Writes the demo's labs: monthly tacrolimus troughs (one drawn two hours after the morning
/// dose, so not a trough), creatinine with its eGFR, blood counts with one low white cell count
/// (a leukopenia alert), a liver test and blood pressures.
pub fn seed_demo(store: &mut Store, demo: &DemoDiary) -> CliResult<()> {
    let day = |n: u64| demo.first_day + Days::new(n);
    let month_1 = trough_morning(store, demo, day(28))?;
    let month_2 = trough_morning(store, demo, day(58))?;
    let month_3 = trough_morning(store, demo, day(86))?;
    let wrong = after_morning_dose(store, demo, day(72))?;
    use LabKind::*;
    use LabUnit::*;
    let labs: [DemoLab; 13] = [
        (month_1, TacrolimusTrough, 7.4, NanogramsPerMillilitre, None),
        (month_1, Creatinine, 0.41, MilligramsPerDecilitre, None),
        (month_1, Wbc, 6.4, BillionsPerLitre, None),
        (month_1, Haemoglobin, 12.4, GramsPerDecilitre, None),
        (month_1, Platelets, 268.0, BillionsPerLitre, None),
        (month_2, TacrolimusTrough, 4.7, NanogramsPerMillilitre, None),
        (month_2, Wbc, 5.1, BillionsPerLitre, None),
        (wrong, TacrolimusTrough, 13.9, NanogramsPerMillilitre, None),
        (month_3, TacrolimusTrough, 6.8, NanogramsPerMillilitre, None),
        (month_3, Creatinine, 37.1, MicromolesPerLitre, None),
        (month_3, Wbc, 2.8, BillionsPerLitre, None),
        (month_3, Haemoglobin, 118.0, GramsPerLitre, None),
        (month_3, Alt, 21.0, UnitsPerLitre, Some(40.0)),
    ];
    for (i, (drawn_at, kind, value, unit, upper_limit_of_normal)) in labs.into_iter().enumerate() {
        store.log_lab_result(&NewLabResult {
            client_id: format!("demo-lab-{i:02}"),
            patient_id: demo.patient.id,
            result: LabResult {
                kind,
                value,
                unit,
                drawn_at,
                upper_limit_of_normal,
            },
            logged_by: "mother".into(),
        })?;
    }
    for (i, (drawn_at, systolic_mmhg, diastolic_mmhg)) in [
        (month_1, 102.0, 64.0),
        (month_2, 98.0, 62.0),
        (month_3, 105.0, 67.0),
    ]
    .into_iter()
    .enumerate()
    {
        let reading = BloodPressure {
            measured_at: drawn_at + TimeDelta::minutes(10),
            systolic_mmhg,
            diastolic_mmhg,
        };
        store.add_blood_pressure(demo.patient.id, &reading, Some(&format!("demo-bp-{i:02}")))?;
    }
    Ok(())
}

/// The demo summary's lab section: the latest lines of the lab table and the alerts.
pub fn demo_section(store: &Store, demo: &DemoDiary) -> CliResult<String> {
    let mut out = String::from("\n");
    out.push_str(&lab_table(
        store,
        demo.patient.id.into(),
        Some(demo.first_day),
        Some(demo.today),
        Locale::En,
        Some(8),
    )?);
    let pressures = store.blood_pressures(demo.patient.id)?;
    if let Some(last) = pressures.last() {
        writeln!(
            out,
            "Blood pressure: {} readings, latest {}/{} mmHg",
            pressures.len(),
            number(last.reading.systolic_mmhg),
            number(last.reading.diastolic_mmhg)
        )?;
    }
    Ok(out)
}

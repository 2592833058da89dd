//! The CSV export: one RFC 4180 file per table (the `csv` crate quotes commas, quotes and line
//! breaks; records end with CRLF), plus `manifest.txt`.
//!
//! Made to open cleanly in a spreadsheet: UTF-8 with a byte-order mark (so Chinese text is read
//! as UTF-8), ISO 8601 dates (`2025-06-01`) and times (`2025-06-01T08:00:00+08:00`; `Z` when
//! de-identified), units in
//! the column headers (`dose (mg)`), one header row, no comment lines. Free text that a
//! spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`) is prefixed with `'`.
//! Headers are English and stable, so scripts can rely on them; the manifest is in the export's
//! language and names the patient.
//!
//! Every table says whose data it is: its first column, `patient`, holds the child's name in an
//! identified export and a pseudonym (`P-` and 8 hex digits, random for each export) in a de-identified
//! one. Values survive a spreadsheet's guessing: a dipstick grade is written `1+ (+)`…`4+ (++++)`
//! (both notations of clinical-rules §9), because LibreOffice reads a bare `1+` as the number 1;
//! `tests/exports/spreadsheet.py` opens every table in LibreOffice and pandas to check it.

use ::csv::{Terminator, WriterBuilder};

use super::snapshot::*;
use super::text::tr;
use super::text::{self, instant, num};
use super::{ExportFile, Manifest};
use crate::dates::format_date;
use crate::error::{Error, Result};
use crate::protein::UrineMeasurement;

/// The UTF-8 byte-order mark written at the start of every CSV file.
pub const BOM: &str = "\u{feff}";

/// The tables, in the order they are written.
pub const TABLES: [&str; 9] = [
    "medications.csv",
    "doses.csv",
    "readings.csv",
    "labs.csv",
    "measurements.csv",
    "blood_pressure.csv",
    "steroid_calendar.csv",
    "relapses.csv",
    "adherence.csv",
];

/// Renders every table and the manifest.
pub fn render(s: &DiarySnapshot) -> Result<Vec<ExportFile>> {
    let patient = patient_label(s);
    let mut files = Vec::with_capacity(TABLES.len() + 1);
    files.push(table(TABLES[0], &patient, medications(s))?);
    files.push(table(TABLES[1], &patient, doses(s))?);
    files.push(table(TABLES[2], &patient, readings(s))?);
    files.push(table(TABLES[3], &patient, labs(s))?);
    files.push(table(TABLES[4], &patient, measurements(s))?);
    files.push(table(TABLES[5], &patient, blood_pressures(s))?);
    files.push(table(TABLES[6], &patient, steroid_calendar(s))?);
    files.push(table(TABLES[7], &patient, relapses(s))?);
    files.push(table(TABLES[8], &patient, adherence(s))?);
    files.push(manifest(s, &patient));
    Ok(files)
}

/// Who the tables are about: the child's name, or in a de-identified export a pseudonym keyed
/// by the export's secret (new for every export, derived from nothing about the child).
pub fn patient_label(s: &DiarySnapshot) -> String {
    match (&s.patient.name, s.deidentified) {
        (Some(name), _) => safe_text(name),
        (None, Some(d)) => format!("P-{}", &d.uuid(&["csv", "patient"])[..8]),
        (None, None) => "patient".to_string(),
    }
}

/// A dipstick grade as a spreadsheet keeps it: `negative`, `trace`, `1+ (+)` … `4+ (++++)`.
pub fn dipstick_text(grade: crate::protein::DipstickGrade) -> &'static str {
    use crate::protein::DipstickGrade::*;
    match grade {
        Negative => "negative",
        Trace => "trace",
        OnePlus => "1+ (+)",
        TwoPlus => "2+ (++)",
        ThreePlus => "3+ (+++)",
        FourPlus => "4+ (++++)",
    }
}

type Rows = Vec<Vec<String>>;

/// A header row and data rows written as one CSV file, each row led by the patient column.
fn table(name: &str, patient: &str, (header, rows): (&[&str], Rows)) -> Result<ExportFile> {
    let mut writer = WriterBuilder::new()
        .terminator(Terminator::CRLF)
        .from_writer(BOM.as_bytes().to_vec());
    writer
        .write_record(std::iter::once("patient").chain(header.iter().copied()))
        .map_err(csv_error)?;
    for row in rows {
        writer
            .write_record(std::iter::once(patient).chain(row.iter().map(String::as_str)))
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    Ok(ExportFile {
        name: name.to_string(),
        bytes,
    })
}

fn csv_error(e: ::csv::Error) -> Error {
    Error::Io(std::io::Error::other(e))
}

/// Free text made safe for spreadsheets: a leading `=`, `+`, `-` or `@` would make it a formula.
fn safe_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn optional(value: Option<f64>) -> String {
    value.map(num).unwrap_or_default()
}

fn manifest(s: &DiarySnapshot, patient: &str) -> ExportFile {
    let m = Manifest::of(s);
    let l = s.locale;
    let who = match s.patient.birth_date {
        Some(born) => message!(
            l,
            "export-csv-patient",
            patient = patient,
            born = born.to_string()
        ),
        None => message!(
            l,
            "export-csv-pseudonym",
            patient = patient,
            age = s.patient.age_years
        ),
    };
    let column = tr(l, "export-csv-patient-column");
    let mut out = format!("{}\r\n{who}\r\n{column}\r\n\r\n", m.title);
    for line in &m.lines {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    for name in TABLES {
        out.push_str(name);
        out.push_str("\r\n");
    }
    ExportFile {
        name: "manifest.txt".to_string(),
        bytes: format!("{BOM}{out}").into_bytes(),
    }
}

fn medications(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &[
        "medication_id",
        "drug",
        "kind",
        "start",
        "end",
        "times (local)",
        "dose per dose (mg)",
        "rate",
        "weight used (kg)",
        "prescribed on",
        "prescribed by",
    ];
    let rows = s
        .medications
        .iter()
        .map(|m| {
            let (kind, per_dose, rate, weight) = match &m.kind {
                MedicationKind::Regimen {
                    rate,
                    weight_kg,
                    per_dose_mg,
                    ..
                } => {
                    let rate = match rate {
                        crate::dose::DoseRate::MgPerKgPerDay(r) => format!("{} mg/kg/day", num(*r)),
                        crate::dose::DoseRate::MgPerM2PerDay { rate, .. } => {
                            format!("{} mg/m2/day", num(*rate))
                        }
                    };
                    ("regimen", num(*per_dose_mg), rate, num(*weight_kg))
                }
                MedicationKind::Course {
                    template,
                    provisional,
                    ..
                } => {
                    let plan = template
                        .map(|t| t.id().to_string())
                        .unwrap_or_else(|| "custom plan".into());
                    let plan = if *provisional {
                        format!("{plan} (until remission, provisional)")
                    } else {
                        plan
                    };
                    ("steroid course", String::new(), plan, String::new())
                }
                MedicationKind::Medicine { dose_mg, .. } => (
                    "medicine",
                    num(*dose_mg),
                    text::medicine_days(&m.kind, crate::locale::Locale::En),
                    String::new(),
                ),
            };
            vec![
                m.id.to_string(),
                m.medicine.id(),
                kind.to_string(),
                format_date(m.start),
                m.end.map(format_date).unwrap_or_default(),
                m.times
                    .iter()
                    .map(|t| t.format("%H:%M").to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                per_dose,
                rate,
                weight,
                m.prescribed_on.map(format_date).unwrap_or_default(),
                m.prescribed_by
                    .as_deref()
                    .map(safe_text)
                    .unwrap_or_default(),
            ]
        })
        .collect();
    (header, rows)
}

fn doses(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &[
        "slot date",
        "slot time (local)",
        "medication_id",
        "drug",
        "outcome",
        "given or skipped at",
        "dose (mg)",
        "logged by",
        "revision",
        "record key",
        "note",
    ];
    let rows = s
        .doses
        .iter()
        .map(|d| {
            vec![
                format_date(d.slot_date),
                d.slot_time.format("%H:%M").to_string(),
                d.medication.to_string(),
                d.medicine.id(),
                d.outcome.id().to_string(),
                instant(&d.actual_at),
                optional(d.mg),
                d.logged_by.as_deref().map(safe_text).unwrap_or_default(),
                d.revision.to_string(),
                safe_text(&d.key),
                d.note.as_deref().map(safe_text).unwrap_or_default(),
            ]
        })
        .collect();
    (header, rows)
}

fn readings(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &[
        "date",
        "taken at",
        "test",
        "dipstick grade",
        "UPCR value",
        "UPCR unit",
        "level",
        "first morning",
        "note",
        "logged by",
        "record key",
    ];
    let rows = s
        .urine
        .iter()
        .map(|u| {
            let (test, grade, value, unit) = match u.measurement {
                UrineMeasurement::Dipstick(g) => (
                    "dipstick",
                    dipstick_text(g).to_string(),
                    String::new(),
                    String::new(),
                ),
                UrineMeasurement::Upcr { value, unit } => {
                    ("upcr", String::new(), num(value), unit.as_str().to_string())
                }
            };
            vec![
                format_date(u.taken_on),
                instant(&u.taken_at),
                test.to_string(),
                grade,
                value,
                unit,
                u.level.id().to_string(),
                if u.first_morning { "yes" } else { "no" }.to_string(),
                u.note.as_deref().map(safe_text).unwrap_or_default(),
                u.logged_by.as_deref().map(safe_text).unwrap_or_default(),
                safe_text(&u.key),
            ]
        })
        .collect();
    (header, rows)
}

fn labs(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &[
        "drawn at",
        "test",
        "value",
        "unit (UCUM)",
        "upper limit of normal",
        "target low",
        "target high",
        "flag",
        "trough validity",
        "eGFR (mL/min/1.73 m2)",
        "alerts",
        "record key",
    ];
    let rows = s
        .labs
        .iter()
        .map(|lab| {
            vec![
                instant(&lab.drawn_at),
                lab.kind.id().to_string(),
                num(lab.value),
                lab.unit.id().to_string(),
                optional(lab.upper_limit_of_normal),
                optional(lab.target.and_then(|t| t.low)),
                optional(lab.target.and_then(|t| t.high)),
                lab.flag.map(|f| f.id().to_string()).unwrap_or_default(),
                lab.trough.map(|t| t.id().to_string()).unwrap_or_default(),
                lab.egfr.map(|e| text::round(e, 1)).unwrap_or_default(),
                lab.alerts
                    .iter()
                    .map(|a| a.kind.id())
                    .collect::<Vec<_>>()
                    .join(" "),
                safe_text(&lab.key),
            ]
        })
        .collect();
    (header, rows)
}

fn measurements(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &["date", "weight (kg)", "height (cm)", "BSA (m2, Mosteller)"];
    let rows = s
        .growth
        .iter()
        .map(|g| {
            vec![
                format_date(g.date),
                optional(g.weight_kg),
                optional(g.height_cm),
                g.bsa_m2.map(|b| text::round(b, 3)).unwrap_or_default(),
            ]
        })
        .collect();
    (header, rows)
}

fn blood_pressures(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &["measured at", "systolic (mm[Hg])", "diastolic (mm[Hg])"];
    let rows = s
        .blood_pressures
        .iter()
        .map(|b| {
            vec![
                instant(&b.measured_at),
                num(b.systolic_mmhg),
                num(b.diastolic_mmhg),
            ]
        })
        .collect();
    (header, rows)
}

fn steroid_calendar(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &[
        "date",
        "medication_id",
        "drug",
        "phase",
        "dose (mg)",
        "whole tablets",
        "half tablets",
        "provisional",
        "dose (mL)",
    ];
    let rows = s
        .steroid_days
        .iter()
        .filter(|d| (s.from..=s.to).contains(&d.date))
        .map(|d| {
            vec![
                format_date(d.date),
                d.medication.to_string(),
                d.drug.id().to_string(),
                d.phase.to_string(),
                num(d.mg),
                d.tablets.whole.to_string(),
                d.tablets.halves.to_string(),
                if d.provisional { "yes" } else { "no" }.to_string(),
                // Given as a liquid (clinical-rules §12): the volume; empty for tablets.
                d.ml.map(num).unwrap_or_default(),
            ]
        })
        .collect();
    (header, rows)
}

fn relapses(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &[
        "relapse onset",
        "relapse confirmed",
        "remission onset",
        "status",
    ];
    let rows = s
        .relapse
        .episodes
        .iter()
        .map(|e| {
            vec![
                format_date(e.onset),
                format_date(e.confirmed),
                e.remission_onset.map(format_date).unwrap_or_default(),
                if e.remission_onset.is_some() {
                    "remission"
                } else {
                    "relapse"
                }
                .to_string(),
            ]
        })
        .collect();
    (header, rows)
}

fn adherence(s: &DiarySnapshot) -> (&'static [&'static str], Rows) {
    let header: &[&str] = &[
        "medication_id",
        "drug",
        "from",
        "to",
        "scheduled doses",
        "taken",
        "skipped",
        "missed (not logged)",
        "taken (%)",
        "on time (%)",
    ];
    let a = &s.adherence;
    let percent = |rate: Option<f64>| rate.map(|r| text::round(r * 100.0, 1)).unwrap_or_default();
    let row = |id: String, drug: String, summary: &crate::schedule::AdherenceSummary| {
        vec![
            id,
            drug,
            format_date(a.from),
            format_date(a.to),
            summary.scheduled.to_string(),
            summary.taken.to_string(),
            summary.skipped.to_string(),
            summary.missed.to_string(),
            percent(summary.taken_rate),
            percent(summary.on_time_rate),
        ]
    };
    let mut rows: Rows = a
        .medications
        .iter()
        .map(|m| row(m.medication.to_string(), m.medicine.id(), &m.summary))
        .collect();
    rows.push(row("all".to_string(), String::new(), &a.overall));
    (header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_rfc_4180_with_crlf() {
        let header: &[&str] = &["note", "n"];
        let rows = vec![
            vec!["a, b".to_string(), "1".to_string()],
            vec!["say \"hi\"".to_string(), "2".to_string()],
            vec!["two\nlines".to_string(), "3".to_string()],
            vec!["尿蛋白 ++，晨尿".to_string(), "4".to_string()],
        ];
        let file = table("t.csv", "Li, Mei", (header, rows)).unwrap();
        let text = String::from_utf8(file.bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}patient,note,n\r\n\"Li, Mei\",\"a, b\",1\r\n\"Li, Mei\",\"say \"\"hi\"\"\",2\r\n\"Li, Mei\",\"two\nlines\",3\r\n\"Li, Mei\",尿蛋白 ++，晨尿,4\r\n"
        );
    }

    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(safe_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_text("-1"), "'-1");
        assert_eq!(safe_text("mother"), "mother");
    }
}

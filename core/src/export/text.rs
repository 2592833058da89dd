//! Labels of the exports in every [`Locale`] (English, Simplified Chinese) and the manifest.
//!
//! These are short clinician-facing labels; the family-facing texts live beside their engines
//! (e.g. [`crate::labs::text`]).

use chrono::{DateTime, FixedOffset};

use crate::diary::reminders::drug_name;
use crate::dose::UnitCount;
use crate::drug::Drug;
use crate::labs::{AlertKind, LabKind, LabUnit, TargetFlag, TargetPhase};
use crate::locale::Locale;
use crate::model::{DoseOutcome, MedicationId, Sex};
use crate::numeric::clean;
use crate::protein::ProteinLevel;
use crate::relapse::ReportedState;

use super::deidentify::{CUTOFF_MAX_DAYS, CUTOFF_MIN_DAYS};
use super::snapshot::{AlertView, DiarySnapshot, Limit, MedicationKind, MedicationView};
use super::Manifest;

/// The export label `id` in `locale`, from the catalogue ([`crate::messages`]).
pub(super) fn tr(locale: Locale, id: &'static str) -> &'static str {
    crate::messages::text(locale, id)
}

/// An instant as an R4 dateTime / ISO 8601 time with seconds: with its offset
/// (`2025-06-01T08:00:00+08:00`), or `Z` when the offset is 0 (always so de-identified).
pub(super) fn instant(at: &DateTime<FixedOffset>) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write as _;
    // Written by hand: the exports write one or more instants per record, and chrono's
    // strftime parses its format string on every call. Same text as `format_local` (years
    // 1900–2200 by clinical-rules §10; seconds, no fraction).
    let local = at.naive_local();
    let mut out = String::with_capacity(25);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    );
    let offset = at.offset().local_minus_utc();
    if offset == 0 {
        out.push('Z');
    } else {
        let minutes = offset.unsigned_abs() / 60;
        let _ = write!(
            out,
            "{}{:02}:{:02}",
            if offset < 0 { '-' } else { '+' },
            minutes / 60,
            minutes % 60
        );
    }
    out
}

/// A local time of day as `HH:MM`.
pub(super) fn hhmm(t: chrono::NaiveTime) -> String {
    use chrono::Timelike;
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Units of a dose: "2 × 0.5 mg capsule", or "2 × 0.5 mg" without the form (de-identified).
pub(super) fn units(u: &UnitCount, form: Option<&str>) -> String {
    let base = format!("{} × {} mg", num(u.count), num(u.strength_mg));
    match form {
        Some(form) => format!("{base} {form}"),
        None => base,
    }
}

/// A number without binary noise or trailing zeros: 1, 0.5, 12.25.
pub(super) fn num(value: f64) -> String {
    format!("{}", clean(value))
}

/// A number with at most `decimals` decimals, trailing zeros trimmed.
pub(super) fn round(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        if trimmed == "-0" {
            "0".to_string()
        } else {
            trimmed.to_string()
        }
    } else {
        text
    }
}

/// How often a medicine of clinical-rules §12 is given: "", "every 3 days", "on listed dates"
/// or "as needed" (empty for every day).
pub(super) fn medicine_days(kind: &MedicationKind, locale: Locale) -> String {
    match kind {
        MedicationKind::Medicine {
            as_needed: true, ..
        } => tr(locale, "export-as-needed").to_string(),
        MedicationKind::Medicine {
            interval_days: Some(n),
            ..
        } if *n > 1 => crate::message!(locale, "export-every-n-days", count = *n),
        MedicationKind::Medicine {
            interval_days: None,
            ..
        } => tr(locale, "export-on-listed-dates").to_string(),
        _ => String::new(),
    }
}

/// A rate as a percentage with one decimal: `95.2 %`.
pub(super) fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_string(), |r| format!("{:.1} %", r * 100.0))
}

pub(super) fn drug(d: Drug, locale: Locale) -> &'static str {
    drug_name(d, locale)
}

/// A medication's name with what tells it apart: "Tacrolimus (regimen 3)".
pub(super) fn medication(m: &MedicationView, locale: Locale) -> String {
    let name = m.medicine.name(locale);
    match (&m.id, &m.kind) {
        (MedicationId::Regimen(id), _) => {
            format!("{name} ({} {id})", tr(locale, "export-regimen"))
        }
        (MedicationId::Course(_), MedicationKind::Course { version, .. }) => {
            message!(
                locale,
                "export-course-version",
                name = name,
                version = *version
            )
        }
        (MedicationId::Course(_), _) => {
            format!("{name} ({})", tr(locale, "export-steroid-course"))
        }
        (MedicationId::Medicine(_), _) => name.to_string(),
    }
}

pub(super) fn state(s: ReportedState, locale: Locale) -> &'static str {
    match s {
        ReportedState::Remission => tr(locale, "export-remission"),
        ReportedState::Watch => tr(locale, "export-watch-proteinuria-on-the-latest-reading"),
        ReportedState::Relapse => tr(locale, "export-relapse"),
    }
}

pub(super) fn level(l: ProteinLevel, locale: Locale) -> &'static str {
    match l {
        ProteinLevel::Remission => tr(locale, "export-remission-level"),
        ProteinLevel::Proteinuria => tr(locale, "export-proteinuria"),
        ProteinLevel::Nephrotic => tr(locale, "export-nephrotic"),
    }
}

pub(super) fn sex(s: Sex, locale: Locale) -> &'static str {
    match s {
        Sex::Female => tr(locale, "export-female"),
        Sex::Male => tr(locale, "export-male"),
        Sex::Unspecified => tr(locale, "export-sex-not-recorded"),
    }
}

pub(super) fn lab_kind(k: LabKind, locale: Locale) -> &'static str {
    match k {
        LabKind::TacrolimusTrough => tr(locale, "export-tacrolimus-trough"),
        LabKind::MpaAuc => tr(locale, "export-mpa-auc"),
        LabKind::Creatinine => tr(locale, "export-creatinine"),
        LabKind::Wbc => tr(locale, "export-white-cells"),
        LabKind::Haemoglobin => tr(locale, "export-haemoglobin"),
        LabKind::Platelets => tr(locale, "export-platelets"),
        LabKind::Alt => tr(locale, "export-alt"),
        LabKind::TotalBilirubin => tr(locale, "export-total-bilirubin"),
        LabKind::Albumin => tr(locale, "export-albumin"),
        LabKind::Upcr => tr(locale, "export-urine-protein-creatinine"),
    }
}

/// A unit as people read it (clinical-rules §9): `× 10⁹/L`, `µmol/L`, `µg·h/mL`; files for
/// machines carry the UCUM code ([`LabUnit::id`]) instead.
pub(super) fn human_unit(unit: LabUnit) -> &'static str {
    match unit {
        LabUnit::NanogramsPerMillilitre => "ng/mL",
        LabUnit::MicrogramHoursPerMillilitre => "µg·h/mL",
        LabUnit::MilligramsPerDecilitre => "mg/dL",
        LabUnit::MicromolesPerLitre => "µmol/L",
        LabUnit::BillionsPerLitre => "× 10⁹/L",
        LabUnit::GramsPerDecilitre => "g/dL",
        LabUnit::GramsPerLitre => "g/L",
        LabUnit::UnitsPerLitre => "U/L",
        LabUnit::MilligramsPerMillimole => "mg/mmol",
        LabUnit::MilligramsPerMilligram => "mg/mg",
        LabUnit::GramsPerGram => "g/g",
        LabUnit::MilligramsPerGram => "mg/g",
    }
}

/// A value with its human unit: "2.8 × 10⁹/L", "85 µmol/L".
pub(super) fn with_unit(value: f64, unit: LabUnit) -> String {
    match unit {
        LabUnit::BillionsPerLitre => format!("{} × 10⁹/L", num(value)),
        _ => format!("{} {}", num(value), human_unit(unit)),
    }
}

/// The treatment phase whose targets are in force.
pub(super) fn phase(p: TargetPhase, locale: Locale) -> &'static str {
    match p {
        TargetPhase::Initial => tr(locale, "export-initial-phase"),
        TargetPhase::Maintenance => tr(locale, "export-maintenance-phase"),
    }
}

pub(super) fn alert_kind(k: AlertKind, locale: Locale) -> &'static str {
    match k {
        AlertKind::Leukopenia => tr(locale, "export-leukopenia-wbc-3-0-10-l"),
        AlertKind::Anaemia => tr(locale, "export-anaemia-hb-9-0-g-dl"),
        AlertKind::Thrombocytopenia => tr(locale, "export-thrombocytopenia-100-10-l"),
        AlertKind::AltRaised => tr(locale, "export-alt-2-uln"),
        AlertKind::BilirubinRaised => tr(locale, "export-bilirubin-2-uln"),
        AlertKind::CreatinineRise => tr(locale, "export-creatinine-30-above-baseline"),
        AlertKind::EgfrBelow90 => tr(locale, "export-egfr-90-information"),
    }
}

pub(super) fn flag(f: TargetFlag, locale: Locale) -> &'static str {
    match f {
        TargetFlag::Below => tr(locale, "export-below-target"),
        TargetFlag::InRange => tr(locale, "export-in-range"),
        TargetFlag::Above => tr(locale, "export-above-target"),
        TargetFlag::NotATrough => tr(locale, "export-not-a-trough"),
    }
}

/// One alert as a line: "2025-06-01 · Tacrolimus trough 12 ng/mL: above target".
pub(super) fn alert_line(alert: &AlertView, locale: Locale) -> String {
    match alert {
        AlertView::Lab {
            drawn_on,
            kind,
            lab,
            value,
            unit,
        } => {
            format!(
                "{drawn_on} · {} {}: {}",
                lab_kind(*lab, locale),
                with_unit(*value, *unit),
                alert_kind(*kind, locale)
            )
        }
        AlertView::Level {
            drawn_on,
            lab,
            flag: f,
            value,
            unit,
        } => {
            format!(
                "{drawn_on} · {} {}: {}",
                lab_kind(*lab, locale),
                with_unit(*value, *unit),
                flag(*f, locale)
            )
        }
        AlertView::SlotLoggedTwice {
            slot_date,
            slot_time,
            medicine,
            taken,
            skipped,
        } => {
            let what = if *skipped == 0 {
                message!(locale, "export-possible-double-dose", taken = *taken)
            } else {
                tr(locale, "export-taken-and-skipped").to_string()
            };
            format!(
                "{slot_date} · {} {}: {what}",
                medicine.name(locale),
                hhmm(*slot_time),
            )
        }
        AlertView::RecalculateDose {
            weighed_on,
            drug: d,
            change_fraction,
        } => format!(
            "{weighed_on} · {}: {} {} %",
            drug(*d, locale),
            tr(locale, "export-weight-changed-since-the-dose-was"),
            round(change_fraction * 100.0, 1)
        ),
    }
}

/// What the export contains (see [`Manifest`]).
pub(super) fn manifest(s: &DiarySnapshot) -> Manifest {
    let l = s.locale;
    let mut lines = Vec::new();
    let zone = s
        .patient
        .time_zone_name
        .as_deref()
        .unwrap_or(tr(l, "export-not-stated"));
    lines.push(message!(
        l,
        "export-manifest-period",
        from = s.from.to_string(),
        to = s.to.to_string(),
        zone = zone
    ));
    lines.push(match s.deidentified {
        None => tr(l, "export-manifest-identified").to_string(),
        Some(_) => message!(l, "export-manifest-deidentified", age = s.patient.age_years),
    });
    if s.deidentified.is_some() {
        // The defences of deidentify's module doc, in words and without a date.
        lines.push(message!(
            l,
            "export-manifest-cutoff",
            min = CUTOFF_MIN_DAYS,
            max = CUTOFF_MAX_DAYS
        ));
        lines.push(tr(l, "export-times-are-the-patient-s-local").to_string());
    }
    let regimens = s
        .medications
        .iter()
        .filter(|m| matches!(m.id, MedicationId::Regimen(_)))
        .count();
    let courses = s.medications.len() - regimens;
    let taken = s
        .doses
        .iter()
        .filter(|d| d.outcome == DoseOutcome::Taken)
        .count();
    let skipped = s.doses.len() - taken;
    let steroid_days = s
        .steroid_days
        .iter()
        .filter(|d| (s.from..=s.to).contains(&d.date))
        .count();
    lines.push(message!(
        l,
        "export-manifest-medications",
        regimens = regimens,
        courses = courses,
        steroid_days = steroid_days
    ));
    lines.push(message!(
        l,
        "export-manifest-doses",
        doses = s.doses.len(),
        taken = taken,
        skipped = skipped
    ));
    lines.push(message!(
        l,
        "export-manifest-urine",
        readings = s.urine.len(),
        episodes = s.relapse.episodes.len()
    ));
    let photo: Vec<_> = s
        .urine
        .iter()
        .filter_map(|u| Some((u.photo?, u.measurement.dipstick()?)))
        .collect();
    if !photo.is_empty() {
        // Clinical-rules §13: how many grades were read from a photo, and how often the
        // caregiver confirmed a grade other than the one suggested.
        let n = photo.len();
        let changed = photo
            .iter()
            .filter(|(p, grade)| p.changed_to(*grade))
            .count();
        let unsure = photo.iter().filter(|(p, _)| p.grade.is_none()).count();
        lines.push(message!(
            l,
            "export-manifest-photo-readings",
            readings = n,
            changed = changed,
            unsure = unsure
        ));
    }
    lines.push(message!(
        l,
        "export-manifest-labs",
        labs = s.labs.len(),
        growth = s.growth.len(),
        pressures = s.blood_pressures.len()
    ));
    for limit in &s.limits {
        lines.push(match limit {
            Limit::AdherenceFrom(date) => {
                message!(l, "export-manifest-adherence-from", from = date.to_string())
            }
        });
    }
    if !s.unreadable.is_empty() {
        // Clinical-rules §10: an unreadable record is reported, never silently dropped.
        let n = s.unreadable.len();
        lines.push(message!(l, "export-manifest-unreadable", count = n));
    }
    lines.push(tr(l, "export-relapse-state-adherence-flags-and-alerts").to_string());
    let version = env!("CARGO_PKG_VERSION");
    lines.push(match s.generated_at {
        Some(at) => message!(
            l,
            "export-manifest-generated-at",
            version = version,
            at = at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        ),
        // De-identified: no generation time (see deidentify's module doc).
        None => message!(l, "export-manifest-generated", version = version),
    });
    Manifest {
        title: tr(l, "export-what-this-export-contains").to_string(),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_print_as_rfc_3339_with_their_offset() {
        use chrono::{FixedOffset, TimeZone};
        for (offset, expected) in [
            (8 * 3600, "2025-06-01T08:05:09+08:00"),
            (-(3 * 3600 + 1800), "2025-06-01T08:05:09-03:30"),
            (5 * 3600 + 2700, "2025-06-01T08:05:09+05:45"),
            (0, "2025-06-01T08:05:09Z"),
        ] {
            let zone = FixedOffset::east_opt(offset).unwrap();
            let at = zone.with_ymd_and_hms(2025, 6, 1, 8, 5, 9).unwrap();
            assert_eq!(instant(&at), expected);
            if offset != 0 {
                assert_eq!(instant(&at), crate::dates::format_local(&at));
            }
        }
        assert_eq!(
            hhmm(chrono::NaiveTime::from_hms_opt(7, 5, 0).unwrap()),
            "07:05"
        );
    }

    #[test]
    fn numbers_print_without_noise() {
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(1.0), "1");
        assert_eq!(round(95.04, 1), "95");
        assert_eq!(round(-0.01, 1), "0");
        assert_eq!(percent(Some(0.9524)), "95.2 %");
        assert_eq!(percent(None), "–");
    }
}

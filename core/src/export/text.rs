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

/// The text in `locale`.
pub(super) fn tr(locale: Locale, en: &'static str, zh: &'static str) -> &'static str {
    match locale {
        Locale::En => en,
        Locale::ZhHans => zh,
    }
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

/// A rate as a percentage with one decimal: `95.2 %`.
pub(super) fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_string(), |r| format!("{:.1} %", r * 100.0))
}

pub(super) fn drug(d: Drug, locale: Locale) -> &'static str {
    drug_name(d, locale)
}

/// A medication's name with what tells it apart: "Tacrolimus (regimen 3)".
pub(super) fn medication(m: &MedicationView, locale: Locale) -> String {
    let name = drug(m.drug, locale);
    match (&m.id, &m.kind) {
        (MedicationId::Regimen(id), _) => {
            format!("{name} ({} {id})", tr(locale, "regimen", "方案"))
        }
        (MedicationId::Course(_), MedicationKind::Course { version, .. }) => match locale {
            Locale::En => format!("{name} (steroid course v{version})"),
            Locale::ZhHans => format!("{name}（激素疗程第 {version} 版）"),
        },
        (MedicationId::Course(_), _) => {
            format!("{name} ({})", tr(locale, "steroid course", "激素疗程"))
        }
    }
}

pub(super) fn state(s: ReportedState, locale: Locale) -> &'static str {
    match s {
        ReportedState::Remission => tr(locale, "Remission", "缓解"),
        ReportedState::Watch => tr(
            locale,
            "Watch (proteinuria on the latest reading)",
            "观察（最近一次尿蛋白阳性）",
        ),
        ReportedState::Relapse => tr(locale, "Relapse", "复发"),
    }
}

pub(super) fn level(l: ProteinLevel, locale: Locale) -> &'static str {
    match l {
        ProteinLevel::Remission => tr(locale, "remission", "缓解水平"),
        ProteinLevel::Proteinuria => tr(locale, "proteinuria", "蛋白尿"),
        ProteinLevel::Nephrotic => tr(locale, "nephrotic", "肾病水平"),
    }
}

pub(super) fn sex(s: Sex, locale: Locale) -> &'static str {
    match s {
        Sex::Female => tr(locale, "female", "女"),
        Sex::Male => tr(locale, "male", "男"),
        Sex::Unspecified => tr(locale, "sex not recorded", "性别未记录"),
    }
}

pub(super) fn lab_kind(k: LabKind, locale: Locale) -> &'static str {
    match k {
        LabKind::TacrolimusTrough => tr(locale, "Tacrolimus trough", "他克莫司谷浓度"),
        LabKind::MpaAuc => tr(locale, "MPA-AUC", "MPA-AUC"),
        LabKind::Creatinine => tr(locale, "Creatinine", "血肌酐"),
        LabKind::Wbc => tr(locale, "White cells", "白细胞"),
        LabKind::Haemoglobin => tr(locale, "Haemoglobin", "血红蛋白"),
        LabKind::Platelets => tr(locale, "Platelets", "血小板"),
        LabKind::Alt => tr(locale, "ALT", "谷丙转氨酶"),
        LabKind::TotalBilirubin => tr(locale, "Total bilirubin", "总胆红素"),
        LabKind::Albumin => tr(locale, "Albumin", "白蛋白"),
        LabKind::Upcr => tr(locale, "Urine protein/creatinine", "尿蛋白/肌酐比"),
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
        TargetPhase::Initial => tr(locale, "initial phase", "初始阶段"),
        TargetPhase::Maintenance => tr(locale, "maintenance phase", "维持阶段"),
    }
}

pub(super) fn alert_kind(k: AlertKind, locale: Locale) -> &'static str {
    match k {
        AlertKind::Leukopenia => tr(
            locale,
            "leukopenia (WBC ≤ 3.0 × 10⁹/L)",
            "白细胞减少（≤ 3.0 × 10⁹/L）",
        ),
        AlertKind::Anaemia => tr(
            locale,
            "anaemia (Hb < 9.0 g/dL)",
            "贫血（血红蛋白 < 9.0 g/dL）",
        ),
        AlertKind::Thrombocytopenia => tr(
            locale,
            "thrombocytopenia (< 100 × 10⁹/L)",
            "血小板减少（< 100 × 10⁹/L）",
        ),
        AlertKind::AltRaised => tr(locale, "ALT ≥ 2 × ULN", "ALT ≥ 2 倍正常上限"),
        AlertKind::BilirubinRaised => tr(locale, "bilirubin ≥ 2 × ULN", "胆红素 ≥ 2 倍正常上限"),
        AlertKind::CreatinineRise => tr(
            locale,
            "creatinine > 30 % above baseline",
            "肌酐较基线升高 > 30%",
        ),
        AlertKind::EgfrBelow90 => tr(locale, "eGFR < 90 (information)", "eGFR < 90（供参考）"),
    }
}

pub(super) fn flag(f: TargetFlag, locale: Locale) -> &'static str {
    match f {
        TargetFlag::Below => tr(locale, "below target", "低于目标"),
        TargetFlag::InRange => tr(locale, "in range", "在目标范围内"),
        TargetFlag::Above => tr(locale, "above target", "高于目标"),
        TargetFlag::NotATrough => tr(locale, "not a trough", "非谷浓度"),
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
        AlertView::RecalculateDose {
            weighed_on,
            drug: d,
            change_fraction,
        } => format!(
            "{weighed_on} · {}: {} {} %",
            drug(*d, locale),
            tr(
                locale,
                "weight changed since the dose was calculated by",
                "体重较计算剂量时变化"
            ),
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
        .unwrap_or(tr(l, "not stated", "未注明"));
    lines.push(match l {
        Locale::En => format!(
            "Period: {} to {} (the patient's local dates; time zone {zone}).",
            s.from, s.to
        ),
        Locale::ZhHans => format!(
            "时间范围：{} 至 {}（患者当地日期；时区 {zone}）。",
            s.from, s.to
        ),
    });
    lines.push(match (s.deidentified.is_some(), l) {
        (false, Locale::En) => "Identified: the patient's name, date of birth and sex, and who logged each entry. \
            For the care team only."
            .to_string(),
        (false, Locale::ZhHans) => "含身份信息：患者姓名、出生日期、性别及每条记录的记录人。仅供医疗团队使用。".to_string(),
        (true, Locale::En) => format!(
            "De-identified: no name; the birth date is replaced by the age ({} years); every date is shifted by one \
             consistent offset that is not stated here (intervals and times of day are kept); text typed by a person \
             (notes, the names of who logged or prescribed, a medicine's form) and the time-zone name are removed; \
             ids are random for this export.",
            s.patient.age_years
        ),
        (true, Locale::ZhHans) => format!(
            "已去标识化：不含姓名；出生日期以年龄代替（{} 岁）；所有日期按同一未注明的偏移量平移（间隔和一天中的时间保持不变）；\
             已删除手写文字（备注、记录人和开方人姓名、药物剂型）以及时区名称；编号为本次导出随机生成。",
            s.patient.age_years
        ),
    });
    if s.deidentified.is_some() {
        // The defences of deidentify's module doc, in words and without a date.
        let (min, max) = (CUTOFF_MIN_DAYS, CUTOFF_MAX_DAYS);
        lines.push(match l {
            Locale::En => format!(
                "The period ends a few weeks before the day this export was made: its last {min} to {max} days \
                 (a random number, not stated here) are left out, so that the latest record does not give the \
                 date offset away. Nothing dated after the end of the period is included."
            ),
            Locale::ZhHans => format!(
                "时间范围在导出当天之前几周结束：最后 {min} 至 {max} 天（随机天数，此处不注明）未包含，\
                 以免最近的记录泄露日期偏移量。时间范围结束之后的内容均未包含。"
            ),
        });
        lines.push(
            tr(
                l,
                "Times are the patient's local clock times written as UTC (Z): the time zone and its \
                 daylight-saving changes are removed, and times of day still match the dosing times.",
                "时间为患者当地时钟时间，按 UTC（Z）格式书写：已去除时区及夏令时变化，一天中的时间仍与服药时间对应。",
            )
            .to_string(),
        );
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
    lines.push(match l {
        Locale::En => format!(
            "Medications: {regimens} regimen(s) and {courses} steroid course(s); steroid calendar: {steroid_days} day(s) in the period."
        ),
        Locale::ZhHans => {
            format!("用药：{regimens} 个用药方案，{courses} 个激素疗程；激素日历：本时间范围内 {steroid_days} 天。")
        }
    });
    lines.push(match l {
        Locale::En => format!(
            "Doses logged: {} ({taken} taken, {skipped} skipped); doses undone by the family are left out.",
            s.doses.len()
        ),
        Locale::ZhHans => format!("服药记录：{} 条（已服 {taken}，跳过 {skipped}）；家长撤销的记录未包含。", s.doses.len()),
    });
    lines.push(match l {
        Locale::En => format!(
            "Urine protein readings: {} (retracted readings left out); relapse episodes in the period: {}.",
            s.urine.len(),
            s.relapse.episodes.len()
        ),
        Locale::ZhHans => format!(
            "尿蛋白记录：{} 条（已撤回的记录未包含）；本时间范围内复发次数：{}。",
            s.urine.len(),
            s.relapse.episodes.len()
        ),
    });
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
        lines.push(match l {
            Locale::En => format!(
                "Photo-assisted dipstick readings: {n}, each grade confirmed by the caregiver; the caregiver \
                 changed the suggested grade in {changed}; no grade was suggested (unsure) in {unsure}."
            ),
            Locale::ZhHans => format!(
                "拍照辅助判读的试纸记录：{n} 条，每条等级均经照护者确认；照护者更改建议等级 {changed} 次；\
                 未给出建议（无法判断）{unsure} 次。"
            ),
        });
    }
    lines.push(match l {
        Locale::En => format!(
            "Laboratory results: {} (retracted results left out); weight/height measurements: {}; blood pressures: {}.",
            s.labs.len(),
            s.growth.len(),
            s.blood_pressures.len()
        ),
        Locale::ZhHans => format!(
            "化验结果：{} 条（已撤回的结果未包含）；体重/身高测量：{} 次；血压：{} 次。",
            s.labs.len(),
            s.growth.len(),
            s.blood_pressures.len()
        ),
    });
    for limit in &s.limits {
        lines.push(match (limit, l) {
            (Limit::AdherenceFrom(date), Locale::En) => {
                format!("Adherence counts the last 10 years of the period only, from {date}.")
            }
            (Limit::AdherenceFrom(date), Locale::ZhHans) => {
                format!("依从性仅统计本时间范围的最后 10 年（自 {date} 起）。")
            }
        });
    }
    if !s.unreadable.is_empty() {
        // Clinical-rules §10: an unreadable record is reported, never silently dropped.
        let n = s.unreadable.len();
        lines.push(match l {
            Locale::En => format!(
                "{n} stored record{} could not be read and {} not shown; the rest of the diary is complete.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "are" }
            ),
            Locale::ZhHans => format!("有 {n} 条记录无法读取，未包含在内；其余记录完整。"),
        });
    }
    lines.push(
        tr(
            l,
            "Relapse state, adherence, flags and alerts are computed by the app from the family's entries \
             (clinical rules: IPNA 2022, KDIGO 2025, the STAMP protocol NCT04048161); they support, and do not \
             replace, the care team's judgement.",
            "复发状态、依从性、标记和警示由应用根据家长的记录计算（临床规则：IPNA 2022、KDIGO 2025、STAMP 方案 NCT04048161），\
             仅供医疗团队参考，不能代替医疗团队的判断。",
        )
        .to_string(),
    );
    let version = env!("CARGO_PKG_VERSION");
    lines.push(match (l, s.generated_at) {
        (Locale::En, Some(at)) => format!(
            "Generated by NephroDiary {version} at {}.",
            at.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        (Locale::ZhHans, Some(at)) => format!(
            "由 NephroDiary {version} 生成于 {}。",
            at.format("%Y-%m-%dT%H:%M:%SZ")
        ),
        // De-identified: no generation time (see deidentify's module doc).
        (Locale::En, None) => format!("Generated by NephroDiary {version}."),
        (Locale::ZhHans, None) => format!("由 NephroDiary {version} 生成。"),
    });
    Manifest {
        title: tr(l, "What this export contains", "本导出文件包含的内容").to_string(),
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

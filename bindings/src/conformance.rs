//! Test-only entry points, in a library built with the `conformance` feature (the binding tests;
//! `scripts/build-bindings.sh` builds it so): the case-file runner and the typed mirrors of the
//! `schedule` and `labs` suites, whose inputs keep the case files' spellings so that a case's
//! malformed text reaches the core's parsers and refusals name the case key. The shipped
//! library has none of them.

use nephro_core::dates::{
    format_date, format_local, format_utc, parse_clock_time, parse_date, parse_instant,
    parse_time_zone,
};
use nephro_core::labs as engine;
use nephro_core::locale::Locale;
use nephro_core::schedule::{self, DayPattern, MedicationSchedule, IOS_PENDING_NOTIFICATION_LIMIT};
use nephro_core::Error;

use nephro_core::diary::labs::{AssessmentWithText, RecalculatePromptWithText};

use crate::{BaselineSource, LabAssessment, LevelTarget, NephroError, RecalculatePrompt};

/// Evaluates one conformance case (the text of a case file, see `conformance.md`) and returns
/// the engine's output as JSON text, exactly as `nephro eval` prints it. Only in a library built
/// with the `conformance` feature (tests): the shipped library has no case-file runner.
#[cfg(feature = "conformance")]
#[uniffi::export]
pub fn evaluate_conformance_case(case_json: String) -> Result<String, NephroError> {
    nephro_core::conformance::evaluate_case_text(&case_json)
        .map(|v| v.to_string())
        .map_err(|e| NephroError::Validation {
            field: "case".into(),
            reason: e.to_string(),
        })
}

/// The dosing days of a medication in a `schedule` case.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ScheduleDays {
    /// Every day.
    Daily,
    /// The anchor date (`YYYY-MM-DD`) and every second day after it.
    AlternateFrom {
        /// The first dosing day.
        anchor: String,
    },
    /// Exactly these dates (a taper calendar's dosing days).
    Dates {
        /// `YYYY-MM-DD` dates, any order.
        dates: Vec<String>,
    },
}

/// A medication in a `schedule` case.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScheduleMedication {
    /// Its id (orders reminders at the same instant, code-point order).
    pub id: String,
    /// Local times `HH:MM`.
    pub times: Vec<String>,
    /// Dosing days (a case without `days` is daily).
    pub days: ScheduleDays,
    /// First active day, inclusive.
    #[uniffi(default = None)]
    pub start: Option<String>,
    /// Last active day, inclusive.
    #[uniffi(default = None)]
    pub end: Option<String>,
}

/// The input of a `schedule` conformance case (conformance.md), typed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScheduleCaseInput {
    /// IANA zone of the times.
    pub timezone: String,
    /// RFC 3339 instant with offset; reminders at or after it.
    pub from: String,
    /// How many reminders (at least 1; default 64).
    #[uniffi(default = None)]
    pub count: Option<u32>,
    /// The medications.
    pub medications: Vec<ScheduleMedication>,
}

/// A reminder of the pure engine.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reminder {
    /// Stable id `"{medication}@{YYYY-MM-DD}T{HH:MM}"`.
    pub id: String,
    /// The medication.
    pub medication_id: String,
    /// Local date of the slot.
    pub slot_date: String,
    /// Local time of the slot.
    pub slot_time: String,
    /// When it fires, UTC epoch ms.
    pub instant_ms: i64,
    /// The local instant, RFC 3339 with numeric offset (the case's `local`).
    pub local: String,
    /// The UTC instant, RFC 3339 with `Z` (the case's `utc`).
    pub utc: String,
}

/// The next reminders of a `schedule` case (clinical-rules §7): the typed mirror of the pure
/// engine that the language conformance tests run every case through. Refusals name the field
/// as the JSON case does (`timezone`, `from`, `count`, `medications[0].times[1]`, ...).
#[uniffi::export]
pub fn next_reminders_for(input: ScheduleCaseInput) -> Result<Vec<Reminder>, NephroError> {
    let tz = parse_time_zone("timezone", &input.timezone)?;
    let from = parse_instant("from", &input.from)?.to_utc();
    let count = match input.count {
        None => IOS_PENDING_NOTIFICATION_LIMIT,
        Some(0) => return Err(Error::invalid("count", "must be at least 1").into()),
        Some(n) => n as usize,
    };
    let medications = input
        .medications
        .iter()
        .enumerate()
        .map(|(i, m)| schedule_of(i, m))
        .collect::<Result<Vec<_>, Error>>()?;
    let reminders = schedule::next_reminders(&medications, tz, from, count, &Default::default());
    Ok(reminders
        .into_iter()
        .map(|r| Reminder {
            id: r.id,
            medication_id: r.medication_id,
            slot_date: format_date(r.slot_date),
            slot_time: r.slot_time.format("%H:%M").to_string(),
            instant_ms: r.instant_utc.timestamp_millis(),
            local: format_local(&r.local),
            utc: format_utc(&r.instant_utc),
        })
        .collect())
}

fn schedule_of(index: usize, m: &ScheduleMedication) -> Result<MedicationSchedule, Error> {
    let prefix = format!("medications[{index}]");
    let times = m
        .times
        .iter()
        .enumerate()
        .map(|(j, t)| parse_clock_time(&format!("{prefix}.times[{j}]"), t))
        .collect::<Result<Vec<_>, Error>>()?;
    let days = match &m.days {
        ScheduleDays::Daily => DayPattern::Daily,
        ScheduleDays::AlternateFrom { anchor } => DayPattern::AlternateFrom(parse_date(
            &format!("{prefix}.days.alternate_from"),
            anchor,
        )?),
        ScheduleDays::Dates { dates } => DayPattern::Dates(
            dates
                .iter()
                .enumerate()
                .map(|(k, d)| parse_date(&format!("{prefix}.days.dates[{k}]"), d))
                .collect::<Result<Vec<_>, Error>>()?,
        ),
    };
    let mut schedule = MedicationSchedule::new(m.id.clone(), times, days);
    schedule.start = m
        .start
        .as_deref()
        .map(|d| parse_date(&format!("{prefix}.start"), d))
        .transpose()?;
    schedule.end = m
        .end
        .as_deref()
        .map(|d| parse_date(&format!("{prefix}.end"), d))
        .transpose()?;
    schedule.validate().map_err(|e| match e {
        Error::Invalid { field, reason } => Error::invalid(format!("{prefix}.{field}"), reason),
        other => other,
    })?;
    Ok(schedule)
}

/// A lab of a `labs` conformance case, in the case file's spellings (so that a case's malformed
/// text reaches the core's parsers).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabsCaseLab {
    /// Kind id, e.g. `tacrolimus_trough`.
    pub kind: String,
    /// The value.
    pub value: f64,
    /// UCUM unit, e.g. `ng/mL`.
    pub unit: String,
    /// Draw instant, RFC 3339 with an offset.
    pub drawn_at: String,
    /// The laboratory's upper limit of normal.
    pub upper_limit_of_normal: Option<f64>,
}

/// A tacrolimus dose of a `labs` case.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabsCaseDose {
    /// When it was taken, RFC 3339 with an offset.
    pub taken_at: String,
    /// Local date of its slot, `YYYY-MM-DD`.
    pub slot_date: String,
    /// Local time of its slot, `HH:MM`.
    pub slot_time: String,
}

/// A height of a `labs` case.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabsCaseHeight {
    /// Date, `YYYY-MM-DD`.
    pub date: String,
    /// Height, cm.
    pub height_cm: f64,
}

/// The input of a `labs` conformance case (tests/conformance/README.md, suite `labs`), key for
/// key; `targets.tacrolimus_trough` and `targets.mpa_auc` are the two target fields.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabsCaseInput {
    /// IANA time zone.
    pub timezone: String,
    /// `initial` or `maintenance` (default initial).
    pub phase: Option<String>,
    /// Care-team tacrolimus target replacing the phase's.
    pub tacrolimus_trough_target: Option<LevelTarget>,
    /// Care-team MPA-AUC target replacing the phase's.
    pub mpa_auc_target: Option<LevelTarget>,
    /// Care-team creatinine baseline, mg/dL.
    pub creatinine_baseline_mg_dl: Option<f64>,
    /// The labs, any order.
    pub labs: Vec<LabsCaseLab>,
    /// Tacrolimus doses logged as taken.
    pub doses: Vec<LabsCaseDose>,
    /// Measured heights.
    pub heights: Vec<LabsCaseHeight>,
    /// Regimen weight for the recalculate prompt (both weights or neither).
    pub regimen_weight_kg: Option<f64>,
    /// Latest weight for the recalculate prompt.
    pub latest_weight_kg: Option<f64>,
    /// Recalculate threshold fraction (default 0.10).
    pub recalculate_threshold: Option<f64>,
}

/// The output of a `labs` case.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabsCaseOutput {
    /// The creatinine baseline used, mg/dL.
    pub creatinine_baseline_mg_dl: Option<f64>,
    /// Where it came from.
    pub creatinine_baseline_source: Option<BaselineSource>,
    /// One assessment per lab, in input order (texts in English).
    pub labs: Vec<LabAssessment>,
    /// The recalculate prompt, if raised (text in English).
    pub recalculate_prompt: Option<RecalculatePrompt>,
}

fn case_lab(i: usize, lab: &LabsCaseLab) -> Result<engine::LabResult, NephroError> {
    let field = |key: &str| format!("labs[{i}].{key}");
    let kind = engine::LabKind::parse(&field("kind"), &lab.kind)?;
    Ok(engine::LabResult {
        kind,
        value: lab.value,
        unit: engine::LabUnit::parse_for(&field("unit"), kind, &lab.unit)?,
        drawn_at: parse_instant(&field("drawn_at"), &lab.drawn_at)?.to_utc(),
        upper_limit_of_normal: lab.upper_limit_of_normal,
    })
}

fn case_dose(i: usize, dose: &LabsCaseDose) -> Result<engine::TakenDose, NephroError> {
    let field = |key: &str| format!("doses[{i}].{key}");
    Ok(engine::TakenDose {
        taken_at: parse_instant(&field("taken_at"), &dose.taken_at)?.to_utc(),
        slot_date: parse_date(&field("slot_date"), &dose.slot_date)?,
        slot_time: parse_clock_time(&field("slot_time"), &dose.slot_time)?,
    })
}

/// Runs one `labs` conformance case through the labs engine (the typed counterpart of
/// `evaluate_conformance_case` for suite `labs`): refusals come back as
/// [`NephroError::Validation`] naming the case key, e.g. `labs[0].unit`.
#[uniffi::export]
pub fn assess_labs_case(input: LabsCaseInput) -> Result<LabsCaseOutput, NephroError> {
    let time_zone = parse_time_zone("timezone", &input.timezone)?;
    let phase = match &input.phase {
        Some(text) => engine::TargetPhase::parse("phase", text)?,
        None => engine::TargetPhase::Initial,
    };
    let mut policy = engine::LabPolicy::protocol(phase);
    if let Some(target) = input.tacrolimus_trough_target {
        policy.targets.tacrolimus_trough = target;
    }
    if let Some(target) = input.mpa_auc_target {
        policy.targets.mpa_auc = target;
    }
    policy.creatinine_baseline_mg_dl = input.creatinine_baseline_mg_dl;
    let history = engine::LabHistory {
        labs: input
            .labs
            .iter()
            .enumerate()
            .map(|(i, lab)| case_lab(i, lab))
            .collect::<Result<_, _>>()?,
        tacrolimus_doses: input
            .doses
            .iter()
            .enumerate()
            .map(|(i, d)| case_dose(i, d))
            .collect::<Result<_, _>>()?,
        heights: input
            .heights
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let date = parse_date(&format!("heights[{i}].date"), &h.date)?;
                Ok(engine::HeightRecord {
                    date,
                    height_cm: h.height_cm,
                })
            })
            .collect::<Result<_, NephroError>>()?,
    };
    let weights = engine::WeightCheck {
        regimen_weight_kg: input.regimen_weight_kg,
        latest_weight_kg: input.latest_weight_kg,
        recalculate_threshold: input.recalculate_threshold,
    };
    let outcome = engine::run_labs_case(&history, &policy, time_zone, &weights)?;
    let locale = Locale::En;
    Ok(LabsCaseOutput {
        creatinine_baseline_mg_dl: outcome.report.creatinine_baseline_mg_dl,
        creatinine_baseline_source: outcome.report.creatinine_baseline_source,
        labs: outcome
            .report
            .labs
            .iter()
            .map(|a| AssessmentWithText::in_locale(a.clone(), locale))
            .collect(),
        recalculate_prompt: outcome
            .recalculate_prompt
            .as_ref()
            .map(|p| RecalculatePromptWithText::in_locale(p, locale)),
    })
}

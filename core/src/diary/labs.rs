//! Labs, growth and safety monitoring (clinical-rules §1, §2, §8): the lab screen's report, the
//! growth series and the "recalculate dose" prompts, computed from the store by the labs engine,
//! and the care team's lab settings (**policy**) kept in the patient's policy values.

mod input;
mod records;

use crate::ids::{PatientId, RegimenId};
use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::LoggedDoses;
use crate::body::bsa_mosteller;
use crate::dates::parse_time_zone;
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::labs::{
    assess_labs, instant_from_millis, recalculate_prompt, AlertKind, AssessmentNote,
    BaselineSource, HeightRecord, LabAssessment, LabHistory, LabKind, LabPolicy, LabUnit,
    LevelTarget, LevelTargets, RecalculatePrompt, TakenDose, TargetFlag, TargetPhase,
    TroughValidity, DEFAULT_RECALCULATE_THRESHOLD,
};
use crate::locale::Locale;
use crate::model::{DoseOutcome, MedicationId};
use crate::numeric::require_positive;
use crate::schedule::local_date;
use crate::store::{BloodPressureRecord, LabRecord, Store};

pub use input::{BloodPressureInput, LabCorrectionInput, LabResultInput};
pub use records::{
    recalculate_prompts_in, BloodPressureView, GrowthView, LabReportLineView, LabReportView,
    LabResultView,
};

/// Policy key of the target phase in force (`"initial"` or `"maintenance"`; default initial).
pub const TARGET_PHASE_KEY: &str = "labs.target_phase";
/// Policy key of the creatinine baseline in mg/dL (default: the first creatinine on record).
pub const CREATININE_BASELINE_KEY: &str = "labs.creatinine_baseline_mg_dl";
/// Policy key of the recalculate-prompt threshold, a fraction (default 0.10).
pub const RECALCULATE_THRESHOLD_KEY: &str = "labs.recalculate_threshold";

/// Policy key of the care team's targets for `phase` (default: the protocol's).
pub fn targets_key(phase: TargetPhase) -> String {
    format!("labs.targets.{}", phase.id())
}

/// The care team's lab settings for a patient (clinical-rules §1–2, **policy**), with the
/// documented defaults where nothing was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LabSettings {
    /// The phase whose targets are in force (default [`TargetPhase::Initial`]).
    pub phase: TargetPhase,
    /// Targets of the initial phase (default: tacrolimus 5–10 ng/mL, MPA-AUC 30–50 µg·h/mL).
    pub initial_targets: LevelTargets,
    /// Targets of the maintenance phase (default: tacrolimus < 5 ng/mL, MPA-AUC ≤ 40 µg·h/mL).
    pub maintenance_targets: LevelTargets,
    /// The creatinine baseline set by the care team, mg/dL; `None`: the first creatinine on record.
    pub creatinine_baseline_mg_dl: Option<f64>,
    /// The weight change, as a fraction of the regimen's weight, that raises the recalculate
    /// prompt (default 0.10).
    pub recalculate_threshold: f64,
}

impl LabSettings {
    /// The targets in force (those of [`LabSettings::phase`]).
    pub fn targets(&self) -> LevelTargets {
        self.targets_of(self.phase)
    }

    /// The targets of a phase.
    pub fn targets_of(&self, phase: TargetPhase) -> LevelTargets {
        match phase {
            TargetPhase::Initial => self.initial_targets,
            TargetPhase::Maintenance => self.maintenance_targets,
        }
    }

    /// The engine's policy for these settings.
    pub fn policy(&self) -> LabPolicy {
        LabPolicy {
            targets: self.targets(),
            creatinine_baseline_mg_dl: self.creatinine_baseline_mg_dl,
        }
    }
}

/// A patient's lab settings: the stored policy values, defaults where none is set.
pub fn lab_settings(store: &Store, patient_id: PatientId) -> Result<LabSettings> {
    store.patient(patient_id)?;
    let phase = match store.policy::<String>(patient_id, TARGET_PHASE_KEY)? {
        Some(text) => TargetPhase::parse(&format!("policy.{TARGET_PHASE_KEY}"), &text)?,
        None => TargetPhase::Initial,
    };
    let targets = |phase: TargetPhase| -> Result<LevelTargets> {
        Ok(store
            .policy::<LevelTargets>(patient_id, &targets_key(phase))?
            .unwrap_or(LevelTargets::protocol(phase)))
    };
    Ok(LabSettings {
        phase,
        initial_targets: targets(TargetPhase::Initial)?,
        maintenance_targets: targets(TargetPhase::Maintenance)?,
        creatinine_baseline_mg_dl: store.policy::<f64>(patient_id, CREATININE_BASELINE_KEY)?,
        recalculate_threshold: store
            .policy::<f64>(patient_id, RECALCULATE_THRESHOLD_KEY)?
            .unwrap_or(DEFAULT_RECALCULATE_THRESHOLD),
    })
}

/// Sets the care team's targets for a phase (validated: bounds finite and ≥ 0, low not above
/// high, not an empty range).
pub fn set_lab_targets(
    store: &mut Store,
    patient_id: PatientId,
    phase: TargetPhase,
    targets: &LevelTargets,
    changed_by: &str,
) -> Result<LabSettings> {
    targets.validate()?;
    store.set_policy(patient_id, &targets_key(phase), targets, changed_by)?;
    lab_settings(store, patient_id)
}

/// Sets the phase whose targets are in force (clinical-rules §1: "then reduced to keep …").
pub fn set_target_phase(
    store: &mut Store,
    patient_id: PatientId,
    phase: TargetPhase,
    changed_by: &str,
) -> Result<LabSettings> {
    store.set_policy(patient_id, TARGET_PHASE_KEY, &phase.id(), changed_by)?;
    lab_settings(store, patient_id)
}

/// Sets the creatinine baseline in mg/dL (> 0), or with `None` returns to the default, the first
/// creatinine on record.
pub fn set_creatinine_baseline(
    store: &mut Store,
    patient_id: PatientId,
    baseline_mg_dl: Option<f64>,
    changed_by: &str,
) -> Result<LabSettings> {
    match baseline_mg_dl {
        Some(baseline) => {
            require_positive("creatinine_baseline_mg_dl", baseline)?;
            store.set_policy(patient_id, CREATININE_BASELINE_KEY, &baseline, changed_by)?;
        }
        None => {
            store.clear_policy(patient_id, CREATININE_BASELINE_KEY)?;
        }
    }
    lab_settings(store, patient_id)
}

/// Sets the recalculate-prompt threshold, a fraction in (0, 1] (0.10 is 10 %; a value above 1 is
/// refused as a likely percentage typed as a whole number).
pub fn set_recalculate_threshold(
    store: &mut Store,
    patient_id: PatientId,
    threshold: f64,
    changed_by: &str,
) -> Result<LabSettings> {
    require_positive("recalculate_threshold", threshold)?;
    if threshold > 1.0 {
        return Err(Error::invalid(
            "recalculate_threshold",
            "must be a fraction of at most 1 (0.10 is 10 %)",
        ));
    }
    store.set_policy(
        patient_id,
        RECALCULATE_THRESHOLD_KEY,
        &threshold,
        changed_by,
    )?;
    lab_settings(store, patient_id)
}

/// One stored lab result as the lab screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabLine {
    /// The stored result.
    pub record: LabRecord,
    /// The engine's assessment: flag, trough validity, alerts, eGFR, notes.
    pub assessment: LabAssessment,
    /// The target the flag compares with (tacrolimus trough and MPA-AUC only).
    pub target: Option<LevelTarget>,
    /// The family-facing text of the flag, in the report's locale.
    pub flag_text: Option<String>,
    /// The family-facing text of each alert, in the order of `assessment.alerts`.
    pub alert_texts: Vec<String>,
}

/// A safety alert as the family sees it (clinical-rules §1): the engine's alert with its text.
/// The app never changes a prescription: the text tells the family the care team has the result
/// and to contact them.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SafetyAlert"))]
pub struct AlertWithText {
    /// What crossed which threshold.
    pub kind: AlertKind,
    /// When the sample was drawn (across the FFI: UTC epoch ms).
    pub drawn_at_ms: DateTime<Utc>,
    /// The value compared, in `unit` (haemoglobin in g/dL, creatinine in mg/dL, the eGFR for
    /// `EgfrBelow90`).
    pub value: f64,
    /// The limit it was compared with, in `unit`.
    pub threshold: f64,
    /// UCUM unit of `value` and `threshold`.
    pub unit: String,
    /// Key of the family-facing text.
    pub message_key: String,
    /// The family-facing text in the requested locale.
    pub text: String,
    /// Whether the alert is for information only (the eGFR) rather than a safety limit.
    pub informational: bool,
}

/// One lab result as assessed, with the texts the family sees: its flag against the target,
/// trough validity, eGFR and alerts (clinical-rules §1).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "LabAssessment"))]
pub struct AssessmentWithText {
    /// What was measured.
    pub kind: LabKind,
    /// The value as reported.
    pub value: f64,
    /// The unit of `value`.
    pub unit: LabUnit,
    /// When the sample was drawn (across the FFI: UTC epoch ms).
    pub drawn_at_ms: DateTime<Utc>,
    /// Tacrolimus trough and MPA-AUC: below, in range, above, or not a trough; else none.
    pub flag: Option<TargetFlag>,
    /// The family-facing text of the flag.
    pub flag_text: Option<String>,
    /// Tacrolimus only: whether it was drawn as a trough, and if not why.
    pub trough: Option<TroughValidity>,
    /// Creatinine only: bedside Schwartz eGFR, mL/min/1.73 m² (none without a height).
    pub egfr: Option<f64>,
    /// Safety alerts raised by this result.
    pub alerts: Vec<AlertWithText>,
    /// What could not be decided for lack of data.
    pub notes: Vec<AssessmentNote>,
}

impl AssessmentWithText {
    /// The assessment with the texts already written for it: the flag's, and each alert's in
    /// the order of `assessment.alerts`.
    pub fn new(
        assessment: LabAssessment,
        flag_text: Option<String>,
        alert_texts: Vec<String>,
    ) -> AssessmentWithText {
        let alerts = (assessment.alerts.into_iter().zip(alert_texts))
            .map(|(alert, text)| AlertWithText {
                informational: alert.kind.is_informational(),
                kind: alert.kind,
                drawn_at_ms: alert.drawn_at,
                value: alert.value,
                threshold: alert.threshold,
                unit: alert.unit,
                message_key: alert.message_key,
                text,
            })
            .collect();
        AssessmentWithText {
            kind: assessment.lab.kind,
            value: assessment.lab.value,
            unit: assessment.lab.unit,
            drawn_at_ms: assessment.lab.drawn_at,
            flag: assessment.flag,
            flag_text,
            trough: assessment.trough,
            egfr: assessment.egfr,
            alerts,
            notes: assessment.notes,
        }
    }

    /// The assessment with its texts written in `locale`.
    pub fn in_locale(assessment: LabAssessment, locale: Locale) -> AssessmentWithText {
        let flag_text = assessment.flag.map(|f| f.text(locale).to_string());
        let alert_texts = (assessment.alerts.iter())
            .map(|a| a.kind.text(locale).to_string())
            .collect();
        AssessmentWithText::new(assessment, flag_text, alert_texts)
    }
}

/// A patient's labs over a period, assessed under the care team's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientLabReport {
    /// The settings applied.
    pub settings: LabSettings,
    /// The creatinine baseline used, mg/dL (`None`: none set and no creatinine on record).
    pub creatinine_baseline_mg_dl: Option<f64>,
    /// Where the baseline came from.
    pub creatinine_baseline_source: Option<BaselineSource>,
    /// The period's results (retracted ones left out), by draw time.
    pub lines: Vec<LabLine>,
}

impl PatientLabReport {
    /// Every safety alert of the period with its line, in draw order.
    pub fn alerts(&self) -> impl Iterator<Item = (&LabLine, &crate::labs::SafetyAlert, &str)> {
        self.lines.iter().flat_map(|line| {
            line.assessment
                .alerts
                .iter()
                .zip(&line.alert_texts)
                .map(move |(a, t)| (line, a, t.as_str()))
        })
    }
}

/// Days around a period whose logged doses can bear on a trough drawn in it: the previous dose
/// may belong to an earlier slot date, and a dose may be logged for a later one.
const DOSE_MARGIN_DAYS: u64 = 2;

/// The tacrolimus doses a patient logged as taken (not undone) for slots dated `from` to `to`,
/// for the trough rule (clinical-rules §8).
fn taken_tacrolimus_doses(
    store: &Store,
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
    read: Option<&LoggedDoses>,
) -> Result<Vec<TakenDose>> {
    let tacrolimus: BTreeSet<RegimenId> = store
        .regimens(patient_id)?
        .into_iter()
        .filter(|r| r.prescription.drug == Drug::Tacrolimus)
        .map(|r| r.id)
        .collect();
    if tacrolimus.is_empty() {
        return Ok(Vec::new());
    }
    let mut doses = Vec::new();
    for entry in LoggedDoses::between(read, store, patient_id, from, to)?.iter() {
        let is_tacrolimus =
            matches!(entry.dose.medication, MedicationId::Regimen(id) if tacrolimus.contains(&id));
        if !is_tacrolimus || entry.undone || entry.dose.outcome != DoseOutcome::Taken {
            continue;
        }
        let taken_at = instant_from_millis("actual_at_ms", entry.dose.actual_at_ms)?;
        doses.push(TakenDose {
            taken_at,
            slot_date: entry.dose.slot_date,
            slot_time: entry.dose.slot_time,
        });
    }
    Ok(doses)
}

/// The heights measured for a patient.
fn heights(store: &Store, patient_id: PatientId) -> Result<Vec<HeightRecord>> {
    Ok(store
        .measurements(patient_id)?
        .into_iter()
        .filter_map(|m| {
            m.height_cm.map(|height_cm| HeightRecord {
                date: m.measured_on,
                height_cm,
            })
        })
        .collect())
}

/// The lab screen: every result drawn on local dates `from` to `to` (inclusive; retracted
/// results left out) with its target flag or `not a trough` (clinical-rules §1, §8), its safety
/// alerts (§1), the eGFR of a creatinine (§2, with the latest height on or before the draw date)
/// and the family-facing texts in `locale`.
///
/// The whole record is assessed so that the default creatinine baseline is the first creatinine
/// ever logged, not the first of the period; the trough rule reads the tacrolimus doses logged as
/// taken for slots from two days before the period to two days after it.
pub fn lab_report(
    store: &Store,
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
    locale: Locale,
) -> Result<PatientLabReport> {
    lab_report_with(store, patient_id, from, to, locale, None)
}

/// [`lab_report`], taking the logged doses from `read` when it covers the range.
pub(crate) fn lab_report_with(
    store: &Store,
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
    locale: Locale,
    read: Option<&LoggedDoses>,
) -> Result<PatientLabReport> {
    if to < from {
        return Err(Error::invalid("to", "must not be before from"));
    }
    let patient = store.patient(patient_id)?;
    let zone = parse_time_zone("time_zone", &patient.profile.time_zone)?;
    let settings = lab_settings(store, patient_id)?;
    let records: Vec<LabRecord> = store
        .lab_results(patient_id, NaiveDate::MIN, NaiveDate::MAX)?
        .into_iter()
        .filter(|r| !r.retracted)
        .collect();
    let dose_from = from
        .checked_sub_days(Days::new(DOSE_MARGIN_DAYS))
        .unwrap_or(NaiveDate::MIN);
    let dose_to = to
        .checked_add_days(Days::new(DOSE_MARGIN_DAYS))
        .unwrap_or(NaiveDate::MAX);
    let history = LabHistory {
        labs: records.iter().map(|r| r.result.clone()).collect(),
        tacrolimus_doses: taken_tacrolimus_doses(store, patient_id, dose_from, dose_to, read)?,
        heights: heights(store, patient_id)?,
    };
    let policy = settings.policy();
    let report = assess_labs(&history, &policy, zone)?;
    let lines = records
        .into_iter()
        .zip(report.labs)
        .filter(|(record, _)| (from..=to).contains(&local_date(record.result.drawn_at, zone)))
        .map(|(record, assessment)| {
            let target = match record.result.kind {
                LabKind::TacrolimusTrough => Some(policy.targets.tacrolimus_trough),
                LabKind::MpaAuc => Some(policy.targets.mpa_auc),
                _ => None,
            };
            LabLine {
                flag_text: assessment.flag.map(|f| f.text(locale).to_string()),
                alert_texts: assessment
                    .alerts
                    .iter()
                    .map(|a| a.kind.text(locale).to_string())
                    .collect(),
                record,
                assessment,
                target,
            }
        })
        .collect();
    Ok(PatientLabReport {
        settings,
        creatinine_baseline_mg_dl: report.creatinine_baseline_mg_dl,
        creatinine_baseline_source: report.creatinine_baseline_source,
        lines,
    })
}

/// One body measurement in the growth series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GrowthPoint {
    /// Local date of the measurement.
    pub date: NaiveDate,
    /// Weight measured that day, kg.
    pub weight_kg: Option<f64>,
    /// Height measured that day, cm.
    pub height_cm: Option<f64>,
    /// Mosteller BSA (clinical-rules §2) on the most recent weight and height on or before the
    /// date; `None` until both have been measured.
    pub bsa_m2: Option<f64>,
}

/// Weights, heights, BSA and blood pressures for the growth screen and the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    /// One point per measurement, by date then entry order.
    pub points: Vec<GrowthPoint>,
    /// Blood-pressure readings by time.
    pub blood_pressures: Vec<BloodPressureRecord>,
}

/// A patient's growth series and blood pressures.
pub fn growth(store: &Store, patient_id: PatientId) -> Result<Growth> {
    store.patient(patient_id)?;
    let (mut weight, mut height) = (None, None);
    let mut points = Vec::new();
    for m in store.measurements(patient_id)? {
        weight = m.weight_kg.or(weight);
        height = m.height_cm.or(height);
        let bsa_m2 = match (height, weight) {
            (Some(h), Some(w)) => Some(bsa_mosteller(h, w)?),
            _ => None,
        };
        points.push(GrowthPoint {
            date: m.measured_on,
            weight_kg: m.weight_kg,
            height_cm: m.height_cm,
            bsa_m2,
        });
    }
    Ok(Growth {
        points,
        blood_pressures: store.blood_pressures(patient_id)?,
    })
}

/// A "recalculate dose" prompt raised for one regimen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegimenRecalculatePrompt {
    /// The regimen.
    pub regimen_id: RegimenId,
    /// Its drug.
    pub drug: Drug,
    /// Date of the latest weight.
    pub weighed_on: NaiveDate,
    /// The prompt (weights, change, threshold, message key).
    pub prompt: RecalculatePrompt,
}

/// A "recalculate dose" prompt as the family sees it (clinical-rules §2): the weights, the
/// change, the threshold and the text. The app never changes the dose itself.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "RecalculatePrompt"))]
pub struct RecalculatePromptWithText {
    /// The regimen (none for a prompt computed outside a diary, e.g. a conformance case).
    pub regimen_id: Option<RegimenId>,
    /// Its drug (none outside a diary).
    pub drug: Option<Drug>,
    /// Date of the latest weight (none outside a diary).
    pub weighed_on: Option<NaiveDate>,
    /// The weight the regimen was calculated on, kg.
    pub regimen_weight_kg: f64,
    /// The latest weight, kg.
    pub latest_weight_kg: f64,
    /// (latest − regimen) ÷ regimen: negative for a loss.
    pub change_fraction: f64,
    /// The threshold in force.
    pub threshold_fraction: f64,
    /// Key of the family-facing text.
    pub message_key: String,
    /// The family-facing text in the requested locale.
    pub text: String,
}

impl RecalculatePromptWithText {
    /// The engine's prompt with its text in `locale`, outside any regimen.
    pub fn in_locale(prompt: &RecalculatePrompt, locale: Locale) -> RecalculatePromptWithText {
        RecalculatePromptWithText {
            regimen_id: None,
            drug: None,
            weighed_on: None,
            regimen_weight_kg: prompt.regimen_weight_kg,
            latest_weight_kg: prompt.latest_weight_kg,
            change_fraction: prompt.change_fraction,
            threshold_fraction: prompt.threshold_fraction,
            message_key: prompt.message_key.clone(),
            text: prompt.text(locale).to_string(),
        }
    }
}

impl RegimenRecalculatePrompt {
    /// This regimen's prompt with its text in `locale`.
    pub fn with_text(&self, locale: Locale) -> RecalculatePromptWithText {
        RecalculatePromptWithText {
            regimen_id: Some(self.regimen_id),
            drug: Some(self.drug),
            weighed_on: Some(self.weighed_on),
            ..RecalculatePromptWithText::in_locale(&self.prompt, locale)
        }
    }
}

/// The "recalculate dose" prompts of a patient on `today` (clinical-rules §2, **policy**): for
/// each regimen active on `today`, the latest weight on or before `today` against the weight the
/// regimen was calculated on, with the patient's threshold (default 10 %). Regimens without a
/// prompt are left out. The prompt is for the care team; the app never changes a dose itself.
pub fn recalculate_prompts(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
) -> Result<Vec<RegimenRecalculatePrompt>> {
    let settings = lab_settings(store, patient_id)?;
    // Measurements come by date then entry order: the last one with a weight is the latest.
    let latest = store
        .measurements(patient_id)?
        .into_iter()
        .rev()
        .filter(|m| m.measured_on <= today)
        .find_map(|m| m.weight_kg.map(|w| (m.measured_on, w)));
    let Some((weighed_on, latest_weight_kg)) = latest else {
        return Ok(Vec::new());
    };
    let mut prompts = Vec::new();
    for regimen in store
        .regimens(patient_id)?
        .into_iter()
        .filter(|r| r.is_active_on(today))
    {
        if let Some(prompt) = recalculate_prompt(
            regimen.weight_kg,
            latest_weight_kg,
            settings.recalculate_threshold,
        )? {
            prompts.push(RegimenRecalculatePrompt {
                regimen_id: regimen.id,
                drug: regimen.prescription.drug,
                weighed_on,
                prompt,
            });
        }
    }
    Ok(prompts)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;
    use crate::labs::{AlertKind, BloodPressure, LabResult, LabUnit, TargetFlag, TroughValidity};
    use crate::model::{Measurement, NewDoseLog};
    use crate::store::tests::seeded;
    use crate::store::NewLabResult;

    use crate::test_support::{at, date};

    fn log(
        store: &mut Store,
        patient_id: PatientId,
        id: &str,
        kind: LabKind,
        value: f64,
        unit: LabUnit,
        drawn: &str,
    ) {
        let result = LabResult {
            kind,
            value,
            unit,
            drawn_at: at(drawn),
            upper_limit_of_normal: None,
        };
        store
            .log_lab_result(&NewLabResult {
                client_id: id.into(),
                patient_id,
                result,
                logged_by: "mother".into(),
            })
            .unwrap();
    }

    fn dose(store: &mut Store, regimen_id: RegimenId, day: &str, slot: &str, taken: &str) {
        store
            .log_dose(
                &NewDoseLog::new(
                    format!("{day}-{slot}"),
                    MedicationId::Regimen(regimen_id),
                    date(day),
                    NaiveTime::parse_from_str(slot, "%H:%M").unwrap(),
                    DoseOutcome::Taken,
                    at(taken).timestamp_millis(),
                    "mother".into(),
                ),
                at(taken).timestamp_millis(),
                None,
            )
            .unwrap();
    }

    #[test]
    fn troughs_are_judged_against_the_dose_log_and_the_phase_targets() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, regimen) = seeded(&mut store); // Asia/Shanghai, regimen from 2025-06-01
        dose(
            &mut store,
            regimen.id,
            "2025-06-01",
            "20:00",
            "2025-06-01T20:00:00+08:00",
        );
        dose(
            &mut store,
            regimen.id,
            "2025-06-02",
            "08:00",
            "2025-06-02T08:10:00+08:00",
        );
        let ng = LabUnit::NanogramsPerMillilitre;
        log(
            &mut store,
            patient.id,
            "t1",
            LabKind::TacrolimusTrough,
            7.0,
            ng,
            "2025-06-02T07:40:00+08:00",
        );
        log(
            &mut store,
            patient.id,
            "t2",
            LabKind::TacrolimusTrough,
            12.0,
            ng,
            "2025-06-02T10:10:00+08:00",
        );
        let report = lab_report(
            &store,
            patient.id,
            date("2025-06-01"),
            date("2025-06-30"),
            Locale::En,
        )
        .unwrap();
        let flags: Vec<_> = report
            .lines
            .iter()
            .map(|l| (l.assessment.flag, l.assessment.trough))
            .collect();
        assert_eq!(
            flags,
            [
                (Some(TargetFlag::InRange), Some(TroughValidity::Valid)),
                (
                    Some(TargetFlag::NotATrough),
                    Some(TroughValidity::AfterMorningDose)
                ),
            ]
        );
        assert!(report.lines[1]
            .flag_text
            .as_deref()
            .unwrap()
            .contains("not drawn as a trough"));
        assert_eq!(
            report.lines[0].target,
            Some(LevelTargets::protocol(TargetPhase::Initial).tacrolimus_trough)
        );
        // In the maintenance phase the same trough of 7.0 is above "< 5".
        set_target_phase(&mut store, patient.id, TargetPhase::Maintenance, "Dr. Li").unwrap();
        let report = lab_report(
            &store,
            patient.id,
            date("2025-06-01"),
            date("2025-06-30"),
            Locale::ZhHans,
        )
        .unwrap();
        assert_eq!(report.lines[0].assessment.flag, Some(TargetFlag::Above));
        assert!(report.lines[0]
            .flag_text
            .as_deref()
            .unwrap()
            .contains("高于"));
        // An undone morning dose no longer makes the second level "after the morning dose":
        // 14 h 10 min after the evening dose, it is a trough.
        store.undo_dose("2025-06-02-08:00", "mother").unwrap();
        let report = lab_report(
            &store,
            patient.id,
            date("2025-06-02"),
            date("2025-06-02"),
            Locale::En,
        )
        .unwrap();
        assert_eq!(
            report.lines[1].assessment.trough,
            Some(TroughValidity::Valid)
        );
    }

    #[test]
    fn the_baseline_is_the_first_creatinine_ever_and_retractions_drop_out() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store); // height 115 cm on 2025-05-30
        let mg = LabUnit::MilligramsPerDecilitre;
        log(
            &mut store,
            patient.id,
            "c1",
            LabKind::Creatinine,
            0.40,
            mg,
            "2025-06-01T09:00:00+08:00",
        );
        log(
            &mut store,
            patient.id,
            "c2",
            LabKind::Creatinine,
            0.60,
            mg,
            "2025-07-01T09:00:00+08:00",
        );
        log(
            &mut store,
            patient.id,
            "w1",
            LabKind::Wbc,
            2.8,
            LabUnit::BillionsPerLitre,
            "2025-07-01T09:00:00+08:00",
        );
        let july = |store: &Store| {
            lab_report(
                store,
                patient.id,
                date("2025-07-01"),
                date("2025-07-31"),
                Locale::En,
            )
            .unwrap()
        };
        let report = july(&store);
        assert_eq!(
            report.lines.len(),
            2,
            "June's creatinine is outside the period"
        );
        assert_eq!(report.creatinine_baseline_mg_dl, Some(0.40));
        assert_eq!(
            report.creatinine_baseline_source,
            Some(BaselineSource::FirstOnRecord)
        );
        let kinds: Vec<AlertKind> = report.alerts().map(|(_, a, _)| a.kind).collect();
        assert_eq!(
            kinds,
            [
                AlertKind::CreatinineRise,
                AlertKind::EgfrBelow90,
                AlertKind::Leukopenia
            ]
        );
        // 0.413 × 115 ÷ 0.6
        assert!((report.lines[0].assessment.egfr.unwrap() - 79.1583333).abs() < 1e-6);
        assert!(report
            .alerts()
            .any(|(_, _, text)| text.contains("White blood cell")));
        // Retracting the first creatinine makes July's the first on record: no rise.
        store.retract_lab_result("c1", "mother").unwrap();
        let report = july(&store);
        assert_eq!(report.creatinine_baseline_mg_dl, Some(0.60));
        assert!(!report
            .alerts()
            .any(|(_, a, _)| a.kind == AlertKind::CreatinineRise));
        // A care-team baseline takes precedence; clearing it restores the default.
        set_creatinine_baseline(&mut store, patient.id, Some(0.45), "Dr. Li").unwrap();
        assert_eq!(
            july(&store).creatinine_baseline_source,
            Some(BaselineSource::CareTeam)
        );
        assert!(july(&store)
            .alerts()
            .any(|(_, a, _)| a.kind == AlertKind::CreatinineRise));
        set_creatinine_baseline(&mut store, patient.id, None, "Dr. Li").unwrap();
        assert_eq!(
            july(&store).creatinine_baseline_source,
            Some(BaselineSource::FirstOnRecord)
        );
        assert!(lab_report(
            &store,
            patient.id,
            date("2025-07-02"),
            date("2025-07-01"),
            Locale::En
        )
        .is_err());
    }

    #[test]
    fn settings_default_to_the_protocol_and_refuse_bad_values() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let settings = lab_settings(&store, patient.id).unwrap();
        assert_eq!(settings.phase, TargetPhase::Initial);
        assert_eq!(
            settings.targets(),
            LevelTargets::protocol(TargetPhase::Initial)
        );
        assert_eq!(
            settings.maintenance_targets,
            LevelTargets::protocol(TargetPhase::Maintenance)
        );
        assert_eq!(settings.recalculate_threshold, 0.10);
        let kdigo = LevelTargets {
            mpa_auc: LevelTarget {
                low: Some(50.0),
                high: None,
                high_inclusive: true,
            },
            ..settings.initial_targets
        };
        let settings = set_lab_targets(
            &mut store,
            patient.id,
            TargetPhase::Initial,
            &kdigo,
            "Dr. Li",
        )
        .unwrap();
        assert_eq!(settings.targets().mpa_auc.low, Some(50.0));
        let bad = LevelTargets {
            tacrolimus_trough: LevelTarget::between(10.0, 5.0),
            ..kdigo
        };
        let err = set_lab_targets(
            &mut store,
            patient.id,
            TargetPhase::Maintenance,
            &bad,
            "Dr. Li",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("targets.tacrolimus_trough.low"),
            "{err}"
        );
        assert!(set_recalculate_threshold(&mut store, patient.id, 10.0, "Dr. Li").is_err());
        assert!(set_recalculate_threshold(&mut store, patient.id, 0.0, "Dr. Li").is_err());
        assert!(set_creatinine_baseline(&mut store, patient.id, Some(-1.0), "Dr. Li").is_err());
        assert!(matches!(
            lab_settings(&store, PatientId::from(patient.id.get() + 9)),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(
            lab_settings(&store, patient.id)
                .unwrap()
                .maintenance_targets,
            LevelTargets::protocol(TargetPhase::Maintenance)
        );
    }

    #[test]
    fn recalculate_prompts_use_the_latest_weight_and_the_patient_threshold() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, regimen) = seeded(&mut store); // regimen on 20 kg, from 2025-06-01
        let weigh = |store: &mut Store, on: &str, kg: f64| {
            let m = Measurement {
                global_id: Default::default(),
                id: Default::default(),
                measured_on: date(on),
                weight_kg: Some(kg),
                height_cm: None,
                confirmed: false,
            };
            store.add_measurement(patient.id, &m).unwrap();
        };
        weigh(&mut store, "2025-07-01", 21.8);
        assert!(recalculate_prompts(&store, patient.id, date("2025-07-02"))
            .unwrap()
            .is_empty());
        weigh(&mut store, "2025-08-01", 22.0); // exactly +10 %
        assert!(
            recalculate_prompts(&store, patient.id, date("2025-07-31"))
                .unwrap()
                .is_empty(),
            "not weighed yet"
        );
        let prompts = recalculate_prompts(&store, patient.id, date("2025-08-01")).unwrap();
        assert_eq!(prompts.len(), 1);
        assert_eq!(
            (prompts[0].regimen_id, prompts[0].weighed_on),
            (regimen.id, date("2025-08-01"))
        );
        assert!((prompts[0].prompt.change_fraction - 0.1).abs() < 1e-12);
        set_recalculate_threshold(&mut store, patient.id, 0.15, "Dr. Li").unwrap();
        assert!(recalculate_prompts(&store, patient.id, date("2025-08-01"))
            .unwrap()
            .is_empty());
        store.end_regimen(regimen.id, date("2025-07-15")).unwrap();
        set_recalculate_threshold(&mut store, patient.id, 0.05, "Dr. Li").unwrap();
        assert!(
            recalculate_prompts(&store, patient.id, date("2025-08-01"))
                .unwrap()
                .is_empty(),
            "ended regimen"
        );
    }

    #[test]
    fn growth_carries_the_latest_weight_and_height_into_bsa() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store); // 20 kg, 115 cm on 2025-05-30
        let m = Measurement {
            global_id: Default::default(),
            id: Default::default(),
            measured_on: date("2025-07-01"),
            weight_kg: Some(21.0),
            height_cm: None,
            confirmed: false,
        };
        store.add_measurement(patient.id, &m).unwrap();
        let bp = BloodPressure {
            measured_at: at("2025-07-01T08:00:00+08:00"),
            systolic_mmhg: 102.0,
            diastolic_mmhg: 64.0,
        };
        store.add_blood_pressure(patient.id, &bp, None).unwrap();
        let growth = growth(&store, patient.id).unwrap();
        assert_eq!(growth.points.len(), 2);
        assert_eq!(growth.points[1].height_cm, None);
        // sqrt(115 × 21 ÷ 3600)
        assert!(
            (growth.points[1].bsa_m2.unwrap() - (115.0f64 * 21.0 / 3600.0).sqrt()).abs() < 1e-12
        );
        assert_eq!(growth.blood_pressures[0].reading, bp);
    }
}

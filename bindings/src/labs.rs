//! Labs, growth and safety monitoring (clinical-rules §1, §2, §8): lab results with their target
//! flags, trough validity, eGFR and safety alerts; blood pressure; the growth series; the care
//! team's lab settings; and the "recalculate dose" prompts.

use nephro_core::dates::parse_date;
use nephro_core::diary::labs as service;
use nephro_core::diary::labs::AssessmentWithText;
pub use nephro_core::diary::labs::{
    AlertWithText as SafetyAlert, AssessmentWithText as LabAssessment, BloodPressureInput,
    GrowthPoint, LabCorrectionInput as LabCorrection, LabResultInput, LabSettings,
    RecalculatePromptWithText as RecalculatePrompt,
};
pub use nephro_core::labs::{
    AlertKind, AssessmentNote, BaselineSource, LabKind, LabUnit, LevelTarget, LevelTargets,
    TargetFlag, TargetPhase, TroughValidity,
};
use nephro_core::locale::Locale;
use nephro_core::store;
pub use nephro_core::store::LabRevision;

use crate::{Diary, NephroError};

/// A stored lab result in its current revision.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabResult {
    /// The client id it was logged under.
    pub client_id: String,
    /// The patient.
    pub patient_id: i64,
    /// What was measured.
    pub kind: LabKind,
    /// The value, in `unit`.
    pub value: f64,
    /// The unit.
    pub unit: LabUnit,
    /// When the sample was drawn, UTC epoch ms.
    pub drawn_at_ms: i64,
    /// The laboratory's upper limit of normal, in `unit`.
    pub upper_limit_of_normal: Option<f64>,
    /// Who first entered it.
    pub logged_by: String,
    /// 1 when logged, +1 per correction or retraction.
    pub revision: i64,
    /// Whether it was retracted (kept in history, no longer assessed).
    pub retracted: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: i64,
    /// The result's globally unique id (a version 7 UUID, hyphenated), kept through every
    /// correction and the retraction.
    pub global_id: String,
}

fn lab_result(record: store::LabRecord) -> LabResult {
    let result = record.result;
    LabResult {
        global_id: record.global_id.to_string(),
        client_id: record.client_id,
        patient_id: record.patient_id.into(),
        kind: result.kind,
        value: result.value,
        unit: result.unit,
        drawn_at_ms: result.drawn_at.timestamp_millis(),
        upper_limit_of_normal: result.upper_limit_of_normal,
        logged_by: record.logged_by,
        revision: record.revision,
        retracted: record.retracted,
        recorded_at_ms: record.recorded_at_ms,
    }
}

/// One stored lab result on the lab screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabReportLine {
    /// The stored result.
    pub result: LabResult,
    /// Its assessment.
    pub assessment: LabAssessment,
    /// The target the flag compares with (tacrolimus trough and MPA-AUC only).
    pub target: Option<LevelTarget>,
}

/// A patient's labs over a period, assessed under the care team's settings.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LabReport {
    /// The settings applied.
    pub settings: LabSettings,
    /// The creatinine baseline used, mg/dL.
    pub creatinine_baseline_mg_dl: Option<f64>,
    /// Where the baseline came from.
    pub creatinine_baseline_source: Option<BaselineSource>,
    /// The period's results by draw time (retracted ones left out).
    pub lines: Vec<LabReportLine>,
}

/// A stored blood-pressure reading.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BloodPressure {
    /// Reading id.
    pub id: i64,
    /// The patient.
    pub patient_id: i64,
    /// When it was measured, UTC epoch ms.
    pub measured_at_ms: i64,
    /// Systolic pressure, mmHg.
    pub systolic_mmhg: f64,
    /// Diastolic pressure, mmHg.
    pub diastolic_mmhg: f64,
    /// When it was recorded, UTC epoch ms.
    pub recorded_at_ms: i64,
    /// The reading's globally unique id (a version 7 UUID, hyphenated).
    pub global_id: String,
}

fn blood_pressure(record: store::BloodPressureRecord) -> BloodPressure {
    BloodPressure {
        global_id: record.global_id.to_string(),
        id: record.id.into(),
        patient_id: record.patient_id.into(),
        measured_at_ms: record.reading.measured_at.timestamp_millis(),
        systolic_mmhg: record.reading.systolic_mmhg,
        diastolic_mmhg: record.reading.diastolic_mmhg,
        recorded_at_ms: record.recorded_at_ms,
    }
}

/// Weights, heights, BSA and blood pressures.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Growth {
    /// One point per measurement, by date.
    pub points: Vec<GrowthPoint>,
    /// Blood-pressure readings by time.
    pub blood_pressures: Vec<BloodPressure>,
}

#[uniffi::export]
impl Diary {
    /// Logs a lab result (validated: a unit that does not fit the kind, a negative value, a zero
    /// creatinine or a non-positive upper limit of normal is refused naming `result.<field>`).
    /// Resubmitting the same `client_id` returns the stored result.
    pub fn log_lab_result(&self, result: LabResultInput) -> Result<LabResult, NephroError> {
        let new = result.parse()?;
        Ok(lab_result(self.call(|s| s.log_lab_result(&new))?))
    }

    /// Corrects a logged lab result; the previous revision stays in the history.
    pub fn correct_lab_result(
        &self,
        client_id: String,
        correction: LabCorrection,
    ) -> Result<LabResult, NephroError> {
        let correction = correction.parse()?;
        Ok(lab_result(
            self.call(|s| s.correct_lab_result(&client_id, &correction))?,
        ))
    }

    /// Retracts a lab result entered by mistake; it stays in the history and is no longer
    /// assessed.
    pub fn retract_lab_result(
        &self,
        client_id: String,
        retracted_by: String,
    ) -> Result<LabResult, NephroError> {
        Ok(lab_result(self.call(|s| {
            s.retract_lab_result(&client_id, &retracted_by)
        })?))
    }

    /// A lab result by client id.
    pub fn lab_result(&self, client_id: String) -> Result<LabResult, NephroError> {
        Ok(lab_result(self.call(|s| s.lab_result(&client_id))?))
    }

    /// A patient's lab results drawn on local dates `from` to `to` (inclusive, `YYYY-MM-DD`),
    /// retracted ones included (flagged).
    pub fn lab_results(
        &self,
        patient_id: i64,
        from: String,
        to: String,
    ) -> Result<Vec<LabResult>, NephroError> {
        let (from, to) = (parse_date("from", &from)?, parse_date("to", &to)?);
        let records = self.call(|s| s.lab_results(patient_id.into(), from, to))?;
        Ok(records.into_iter().map(lab_result).collect())
    }

    /// Every revision of a lab result, oldest first.
    pub fn lab_history(&self, client_id: String) -> Result<Vec<LabRevision>, NephroError> {
        Ok(self.call(|s| s.lab_history(&client_id))?)
    }

    /// The lab screen: results drawn on local dates `from` to `to` with flags, trough
    /// validity, eGFR, alerts and texts in `locale` (`en` or `zh-Hans`).
    pub fn lab_report(
        &self,
        patient_id: i64,
        from: String,
        to: String,
        locale: Locale,
    ) -> Result<LabReport, NephroError> {
        let (from, to) = (parse_date("from", &from)?, parse_date("to", &to)?);
        let report = self.call(|s| service::lab_report(s, patient_id.into(), from, to, locale))?;
        Ok(LabReport {
            settings: report.settings,
            creatinine_baseline_mg_dl: report.creatinine_baseline_mg_dl,
            creatinine_baseline_source: report.creatinine_baseline_source,
            lines: report
                .lines
                .into_iter()
                .map(|line| LabReportLine {
                    assessment: AssessmentWithText::new(
                        line.assessment,
                        line.flag_text,
                        line.alert_texts,
                    ),
                    result: lab_result(line.record),
                    target: line.target,
                })
                .collect(),
        })
    }

    /// Records a blood-pressure reading (pressures in (0, 300] mmHg, diastolic below systolic).
    /// With a `client_id` a retry returns the stored reading instead of storing it twice.
    pub fn add_blood_pressure(
        &self,
        patient_id: i64,
        reading: BloodPressureInput,
    ) -> Result<BloodPressure, NephroError> {
        let engine_reading = reading.reading()?;
        Ok(blood_pressure(self.call(|s| {
            s.add_blood_pressure(
                patient_id.into(),
                &engine_reading,
                reading.client_id.as_deref(),
            )
        })?))
    }

    /// A patient's blood-pressure readings by time.
    pub fn blood_pressures(&self, patient_id: i64) -> Result<Vec<BloodPressure>, NephroError> {
        let records = self.call(|s| s.blood_pressures(patient_id.into()))?;
        Ok(records.into_iter().map(blood_pressure).collect())
    }

    /// Weights, heights, BSA and blood pressures.
    pub fn growth(&self, patient_id: i64) -> Result<Growth, NephroError> {
        let growth = self.call(|s| service::growth(s, patient_id.into()))?;
        Ok(Growth {
            points: growth.points,
            blood_pressures: growth
                .blood_pressures
                .into_iter()
                .map(blood_pressure)
                .collect(),
        })
    }

    /// The care team's lab settings (protocol defaults where none was set).
    pub fn lab_settings(&self, patient_id: i64) -> Result<LabSettings, NephroError> {
        Ok(self.call(|s| service::lab_settings(s, patient_id.into()))?)
    }

    /// Sets the care team's targets for a phase.
    pub fn set_lab_targets(
        &self,
        patient_id: i64,
        phase: TargetPhase,
        targets: LevelTargets,
        changed_by: String,
    ) -> Result<LabSettings, NephroError> {
        Ok(self.call(|s| {
            service::set_lab_targets(s, patient_id.into(), phase, &targets, &changed_by)
        })?)
    }

    /// Sets the phase whose targets are in force.
    pub fn set_target_phase(
        &self,
        patient_id: i64,
        phase: TargetPhase,
        changed_by: String,
    ) -> Result<LabSettings, NephroError> {
        Ok(self.call(|s| service::set_target_phase(s, patient_id.into(), phase, &changed_by))?)
    }

    /// Sets the creatinine baseline in mg/dL, or with none returns to the first creatinine on
    /// record.
    pub fn set_creatinine_baseline(
        &self,
        patient_id: i64,
        baseline_mg_dl: Option<f64>,
        changed_by: String,
    ) -> Result<LabSettings, NephroError> {
        Ok(self.call(|s| {
            service::set_creatinine_baseline(s, patient_id.into(), baseline_mg_dl, &changed_by)
        })?)
    }

    /// Sets the recalculate-prompt threshold, a fraction in (0, 1] (0.10 is 10 %).
    pub fn set_recalculate_threshold(
        &self,
        patient_id: i64,
        threshold: f64,
        changed_by: String,
    ) -> Result<LabSettings, NephroError> {
        Ok(self.call(|s| {
            service::set_recalculate_threshold(s, patient_id.into(), threshold, &changed_by)
        })?)
    }

    /// The "recalculate dose" prompts on `today` (`YYYY-MM-DD`) for the regimens active then,
    /// with texts in `locale`.
    pub fn recalculate_prompts(
        &self,
        patient_id: i64,
        today: String,
        locale: Locale,
    ) -> Result<Vec<RecalculatePrompt>, NephroError> {
        let today = parse_date("today", &today)?;
        let prompts = self.call(|s| service::recalculate_prompts(s, patient_id.into(), today))?;
        Ok(prompts.into_iter().map(|p| p.with_text(locale)).collect())
    }
}

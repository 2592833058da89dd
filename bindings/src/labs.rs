//! Labs, growth and safety monitoring (clinical-rules §1, §2, §8): lab results with their target
//! flags, trough validity, eGFR and safety alerts; blood pressure; the growth series; the care
//! team's lab settings; and the "recalculate dose" prompts.

use nephro_core::dates::parse_date;
use nephro_core::diary::labs as service;
pub use nephro_core::diary::labs::{
    AlertWithText as SafetyAlert, AssessmentWithText as LabAssessment, BloodPressureInput,
    BloodPressureView as BloodPressure, GrowthPoint, GrowthView as Growth,
    LabCorrectionInput as LabCorrection, LabReportLineView as LabReportLine,
    LabReportView as LabReport, LabResultInput, LabResultView as LabResult, LabSettings,
    RecalculatePromptWithText as RecalculatePrompt,
};
use nephro_core::diary::parse_period;
use nephro_core::diary::records::records_from;
use nephro_core::ids::PatientId;
pub use nephro_core::labs::{
    AlertKind, AssessmentNote, BaselineSource, LabKind, LabUnit, LevelTarget, LevelTargets,
    TargetFlag, TargetPhase, TroughValidity,
};
use nephro_core::locale::Locale;
pub use nephro_core::store::LabRevision;

use crate::{Diary, NephroError};

#[uniffi::export]
impl Diary {
    /// Logs a lab result (validated: a unit that does not fit the kind, a negative value, a zero
    /// creatinine or a non-positive upper limit of normal is refused naming `result.<field>`).
    /// Resubmitting the same `client_id` returns the stored result.
    pub fn log_lab_result(&self, result: LabResultInput) -> Result<LabResult, NephroError> {
        let new = result.parse()?;
        self.call_into(|s| s.log_lab_result(&new))
    }

    /// Corrects a logged lab result; the previous revision stays in the history.
    pub fn correct_lab_result(
        &self,
        client_id: String,
        correction: LabCorrection,
    ) -> Result<LabResult, NephroError> {
        let correction = correction.parse()?;
        self.call_into(|s| s.correct_lab_result(&client_id, &correction))
    }

    /// Retracts a lab result entered by mistake; it stays in the history and is no longer
    /// assessed.
    pub fn retract_lab_result(
        &self,
        client_id: String,
        retracted_by: String,
    ) -> Result<LabResult, NephroError> {
        self.call_into(|s| s.retract_lab_result(&client_id, &retracted_by))
    }

    /// A lab result by client id.
    pub fn lab_result(&self, client_id: String) -> Result<LabResult, NephroError> {
        self.call_into(|s| s.lab_result(&client_id))
    }

    /// A patient's lab results drawn on local dates `from` to `to` (inclusive, `YYYY-MM-DD`),
    /// retracted ones included (flagged).
    pub fn lab_results(
        &self,
        patient_id: PatientId,
        from: String,
        to: String,
    ) -> Result<Vec<LabResult>, NephroError> {
        let (from, to) = parse_period(&from, &to)?;
        self.call_into(|s| s.lab_results(patient_id, from, to).map(records_from))
    }

    /// Every revision of a lab result, oldest first.
    pub fn lab_history(&self, client_id: String) -> Result<Vec<LabRevision>, NephroError> {
        self.call_into(|s| s.lab_history(&client_id))
    }

    /// The lab screen: results drawn on local dates `from` to `to` with flags, trough
    /// validity, eGFR, alerts and texts in `locale` (`en` or `zh-Hans`).
    pub fn lab_report(
        &self,
        patient_id: PatientId,
        from: String,
        to: String,
        locale: Locale,
    ) -> Result<LabReport, NephroError> {
        let (from, to) = parse_period(&from, &to)?;
        self.call_into(|s| service::lab_report(s, patient_id, from, to, locale))
    }

    /// Records a blood-pressure reading (pressures in (0, 300] mmHg, diastolic below systolic).
    /// With a `client_id` a retry returns the stored reading instead of storing it twice.
    pub fn add_blood_pressure(
        &self,
        patient_id: PatientId,
        reading: BloodPressureInput,
    ) -> Result<BloodPressure, NephroError> {
        let (pressure, client_id) = (reading.reading()?, reading.client_id.as_deref());
        self.call_into(|s| s.add_blood_pressure(patient_id, &pressure, client_id))
    }

    /// A patient's blood-pressure readings by time.
    pub fn blood_pressures(
        &self,
        patient_id: PatientId,
    ) -> Result<Vec<BloodPressure>, NephroError> {
        self.call_into(|s| s.blood_pressures(patient_id).map(records_from))
    }

    /// Weights, heights, BSA and blood pressures.
    pub fn growth(&self, patient_id: PatientId) -> Result<Growth, NephroError> {
        self.call_into(|s| service::growth(s, patient_id))
    }

    /// The care team's lab settings (protocol defaults where none was set).
    pub fn lab_settings(&self, patient_id: PatientId) -> Result<LabSettings, NephroError> {
        self.call_into(|s| service::lab_settings(s, patient_id))
    }

    /// Sets the care team's targets for a phase.
    pub fn set_lab_targets(
        &self,
        patient_id: PatientId,
        phase: TargetPhase,
        targets: LevelTargets,
        changed_by: String,
    ) -> Result<LabSettings, NephroError> {
        self.call_into(|s| service::set_lab_targets(s, patient_id, phase, &targets, &changed_by))
    }

    /// Sets the phase whose targets are in force.
    pub fn set_target_phase(
        &self,
        patient_id: PatientId,
        phase: TargetPhase,
        changed_by: String,
    ) -> Result<LabSettings, NephroError> {
        self.call_into(|s| service::set_target_phase(s, patient_id, phase, &changed_by))
    }

    /// Sets the creatinine baseline in mg/dL, or with none returns to the first creatinine on
    /// record.
    pub fn set_creatinine_baseline(
        &self,
        patient_id: PatientId,
        baseline_mg_dl: Option<f64>,
        changed_by: String,
    ) -> Result<LabSettings, NephroError> {
        self.call_into(|s| {
            service::set_creatinine_baseline(s, patient_id, baseline_mg_dl, &changed_by)
        })
    }

    /// Sets the recalculate-prompt threshold, a fraction in (0, 1] (0.10 is 10 %).
    pub fn set_recalculate_threshold(
        &self,
        patient_id: PatientId,
        threshold: f64,
        changed_by: String,
    ) -> Result<LabSettings, NephroError> {
        self.call_into(|s| {
            service::set_recalculate_threshold(s, patient_id, threshold, &changed_by)
        })
    }

    /// The "recalculate dose" prompts on `today` (`YYYY-MM-DD`) for the regimens active then,
    /// with texts in `locale`.
    pub fn recalculate_prompts(
        &self,
        patient_id: PatientId,
        today: String,
        locale: Locale,
    ) -> Result<Vec<RecalculatePrompt>, NephroError> {
        let today = parse_date("today", &today)?;
        self.call_into(|s| service::recalculate_prompts_in(s, patient_id, today, locale))
    }
}

//! Urine protein readings and the relapse engine (clinical-rules §5 and §6): the core's records,
//! `Diary` methods that log, correct, retract and list readings and give the relapse status,
//! and [`assess_relapse`], the pure engine with typed records (used by the conformance tests of
//! every language).

use chrono::NaiveDate;
use nephro_core::dates::parse_date;
use nephro_core::diary::parse_period;
use nephro_core::diary::records::parse_optional_date;
use nephro_core::diary::relapse as service;
pub use nephro_core::diary::relapse::{
    RelapseStatusRecord as RelapseStatus, UrineReadingCorrectionInput as UrineReadingCorrection,
    UrineReadingInput, UrineReadingRecord as UrineReading,
    UrineReadingRevisionRecord as UrineReadingRevision,
};
use nephro_core::ids::PatientId;
use nephro_core::locale::Locale;
pub use nephro_core::protein::{DipstickGrade, ProteinLevel, UpcrUnit};
pub use nephro_core::relapse::{
    DefinitionSet, DiseaseState, FamilyPrompt as RelapsePrompt, LevelRun as ProteinLevelRun,
    NextAction as RelapseNextAction, NextActionKind as RelapseNextActionKind, RelapseAssessment,
    RelapseCase as RelapseCaseInput, RelapseCaseReading, RelapseEpisode, RemissionEpisode,
    ReportedState as RelapseState, SteroidCourseSpan,
};
use nephro_core::{protein, relapse};

use crate::{Diary, NephroError};

/// Runs the relapse engine on typed input (clinical-rules §5 and §6) without storing anything.
/// Refuses bad input naming the field, e.g. `readings[2].upcr` for a negative UPCR or
/// `readings[0].unit` for a UPCR without its unit.
#[uniffi::export]
pub fn assess_relapse(input: RelapseCaseInput) -> Result<RelapseAssessment, NephroError> {
    Ok(relapse::assess(&input.input()?)?)
}

/// Reads a dipstick grade written as on the strip (`negative`, `trace`, `1+` … `4+`), naming
/// `field` when it is unknown.
#[uniffi::export]
pub fn parse_dipstick_grade(field: String, text: String) -> Result<DipstickGrade, NephroError> {
    Ok(protein::DipstickGrade::parse(&field, &text)?)
}

/// Reads a UPCR unit (`mg/mmol`, `mg/mg`, `g/g`, `mg/g`), naming `field` when it is unknown.
#[uniffi::export]
pub fn parse_upcr_unit(field: String, text: String) -> Result<UpcrUnit, NephroError> {
    Ok(protein::UpcrUnit::parse(&field, &text)?)
}

/// Reads a definition set (`ipna2022`, `kdigo2025`, `kdigo2012`), naming `field` when unknown.
#[uniffi::export]
pub fn parse_definition_set(field: String, text: String) -> Result<DefinitionSet, NephroError> {
    Ok(relapse::DefinitionSet::parse(&field, &text)?)
}

/// Reads an initial state (`remission`, `relapse`), naming `field` when unknown.
#[uniffi::export]
pub fn parse_disease_state(field: String, text: String) -> Result<DiseaseState, NephroError> {
    Ok(relapse::DiseaseState::parse(&field, &text)?)
}

#[uniffi::export]
impl Diary {
    /// Logs a urine reading. Resubmitting the same `client_id` with the same content returns
    /// the stored reading; other content under it is a conflict. Bad input is refused naming
    /// the field (`upcr`, `unit`, `dipstick`, `taken_on`, …) and changes nothing.
    ///
    /// A strip read from a photo is logged here too, with `photo` (the suggestion) and
    /// `dipstick` (the grade the parent confirmed). Refused, naming the field and storing
    /// nothing: a photo without a confirmed dipstick grade (`dipstick`), a `nearest` that is not
    /// two swatches (`photo.nearest`), a distance that is not finite and ≥ 0
    /// (`photo.nearest[0].delta_e`), the same grade twice or out of order (`photo.nearest[1]…`),
    /// and a suggestion inconsistent with its status (`photo.grade`: a `Read` one is the nearest
    /// swatch's grade, an `Unsure` one has none).
    pub fn log_urine_reading(
        &self,
        reading: UrineReadingInput,
    ) -> Result<UrineReading, NephroError> {
        let reading = reading.parse()?;
        Ok(self.call(|s| s.log_urine_reading(&reading))?.into())
    }

    /// Corrects a logged reading; the previous revision stays in the history. A reading made
    /// from a photo keeps its suggestion and stays a dipstick grade (a UPCR is refused naming
    /// `dipstick`).
    pub fn correct_urine_reading(
        &self,
        client_id: String,
        correction: UrineReadingCorrection,
    ) -> Result<UrineReading, NephroError> {
        let correction = correction.parse()?;
        Ok(self
            .call(|s| s.correct_urine_reading(&client_id, &correction))?
            .into())
    }

    /// Retracts a reading logged by mistake; it stays in the history and no longer counts.
    pub fn retract_urine_reading(
        &self,
        client_id: String,
        retracted_by: String,
    ) -> Result<UrineReading, NephroError> {
        Ok(self
            .call(|s| s.retract_urine_reading(&client_id, &retracted_by))?
            .into())
    }

    /// A reading by client id, in its current revision.
    pub fn urine_reading(&self, client_id: String) -> Result<UrineReading, NephroError> {
        Ok(self.call(|s| s.urine_reading(&client_id))?.into())
    }

    /// A patient's readings with local dates from `from` to `to` (inclusive, `YYYY-MM-DD`), by
    /// date and time; retracted ones only when `include_retracted`.
    pub fn urine_readings(
        &self,
        patient_id: PatientId,
        from: String,
        to: String,
        include_retracted: bool,
    ) -> Result<Vec<UrineReading>, NephroError> {
        let (from, to) = parse_period(&from, &to)?;
        Ok(self.call(|s| service::urine_readings(s, patient_id, from, to, include_retracted))?)
    }

    /// Every revision of a reading, oldest first.
    pub fn urine_reading_history(
        &self,
        client_id: String,
    ) -> Result<Vec<UrineReadingRevision>, NephroError> {
        Ok(self.call(|s| service::urine_reading_history(s, &client_id))?)
    }

    /// The relapse status on `today` (the patient's local date, `YYYY-MM-DD`): state, episodes,
    /// flags, rate, durations, and the family prompt in `locale` (`en` or `zh-Hans`; empty for
    /// `en`).
    pub fn relapse_status(
        &self,
        patient_id: PatientId,
        today: String,
        locale: Option<Locale>,
    ) -> Result<RelapseStatus, NephroError> {
        let today = parse_date("today", &today)?;
        let locale = locale.unwrap_or_default();
        Ok(self
            .call(|s| service::relapse_status(s, patient_id, today, locale))?
            .into())
    }

    /// The day remission is confirmed in the readings dated on or after `date` (walked from a
    /// relapse), if it is; `YYYY-MM-DD`.
    pub fn remission_confirmed_after(
        &self,
        patient_id: PatientId,
        date: String,
    ) -> Result<Option<NaiveDate>, NephroError> {
        let date = parse_date("date", &date)?;
        Ok(self.call(|s| service::remission_confirmed_after(s, patient_id, date))?)
    }

    /// The remission date of the initial episode set by the care team, if any.
    pub fn initial_remission_date(
        &self,
        patient_id: PatientId,
    ) -> Result<Option<NaiveDate>, NephroError> {
        Ok(self.call(|s| service::initial_remission_date(s, patient_id))?)
    }

    /// Sets (or with an empty `date`, clears) the remission date of the initial episode, used by
    /// the 6-month rule of "frequently relapsing".
    pub fn set_initial_remission_date(
        &self,
        patient_id: PatientId,
        date: Option<String>,
        changed_by: String,
    ) -> Result<(), NephroError> {
        let date = parse_optional_date("initial_remission", date.as_deref())?;
        Ok(self.call(|s| service::set_initial_remission_date(s, patient_id, date, &changed_by))?)
    }
}

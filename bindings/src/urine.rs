//! Urine protein readings and the relapse engine (clinical-rules §5 and §6): the records, the
//! `Diary` methods that log, correct, retract and list readings and give the relapse status,
//! and [`assess_relapse`], the pure engine with typed records (used by the conformance tests of
//! every language).

use chrono::NaiveDate;
use nephro_core::dates::parse_date;
use nephro_core::diary::relapse as service;
use nephro_core::locale::Locale;
pub use nephro_core::protein::{DipstickGrade, ProteinLevel, UpcrUnit};
pub use nephro_core::relapse::{
    DefinitionSet, DiseaseState, FamilyPrompt as RelapsePrompt, LevelRun as ProteinLevelRun,
    NextAction as RelapseNextAction, NextActionKind as RelapseNextActionKind, RelapseAssessment,
    RelapseCase as RelapseCaseInput, RelapseCaseReading, RelapseEpisode, RemissionEpisode,
    ReportedState as RelapseState, SteroidCourseSpan,
};
use nephro_core::store::urine as store;
use nephro_core::{protein, relapse};

use crate::{Diary, NephroError, PhotoSuggestion};
pub use nephro_core::diary::relapse::{
    UrineReadingCorrectionInput as UrineReadingCorrection, UrineReadingInput,
};

/// A logged urine reading in its current revision.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct UrineReading {
    /// The client id it was logged under.
    pub client_id: String,
    /// The patient.
    pub patient_id: i64,
    /// The dipstick grade, for a home test.
    pub dipstick: Option<DipstickGrade>,
    /// The UPCR value, for a laboratory result.
    pub upcr: Option<f64>,
    /// The UPCR's unit.
    pub unit: Option<UpcrUnit>,
    /// The reading's level.
    pub level: ProteinLevel,
    /// When the sample was taken, UTC epoch ms.
    pub taken_at_ms: i64,
    /// The patient's local date of the sample, `YYYY-MM-DD`.
    pub taken_on: NaiveDate,
    /// Whether it was the first urine of the morning.
    pub first_morning: bool,
    /// The note, if any.
    pub note: Option<String>,
    /// Who first logged it.
    pub logged_by: String,
    /// 1 when logged, +1 per correction or retraction.
    pub revision: i64,
    /// Whether it was retracted (kept in history, no longer counted).
    pub retracted: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: i64,
    /// The core's suggestion when the strip was read from a photo: `dipstick` is the grade the
    /// parent confirmed (as corrected since, if it was), and only it counts. Empty for a strip
    /// read by eye and for a UPCR.
    pub photo: Option<PhotoSuggestion>,
    /// The reading's globally unique id (a version 7 UUID, hyphenated), kept through every
    /// correction and the retraction.
    pub global_id: String,
}

/// One revision in a reading's history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct UrineReadingRevision {
    /// Revision number, from 1.
    pub revision: i64,
    /// The dipstick grade in this revision.
    pub dipstick: Option<DipstickGrade>,
    /// The UPCR value in this revision.
    pub upcr: Option<f64>,
    /// The UPCR unit in this revision.
    pub unit: Option<UpcrUnit>,
    /// The sampling time, UTC epoch ms.
    pub taken_at_ms: i64,
    /// The local date, `YYYY-MM-DD`.
    pub taken_on: NaiveDate,
    /// Whether it was the first urine of the morning.
    pub first_morning: bool,
    /// The note in this revision.
    pub note: Option<String>,
    /// Who made this revision.
    pub changed_by: String,
    /// Whether this revision retracted the reading.
    pub retracted: bool,
    /// When it was recorded, UTC epoch ms.
    pub recorded_at_ms: i64,
}

/// What the relapse screen shows for a patient on a day.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RelapseStatus {
    /// The patient.
    pub patient_id: i64,
    /// The local date of the status, `YYYY-MM-DD`.
    pub today: NaiveDate,
    /// The patient's definition set.
    pub definitions: DefinitionSet,
    /// The initial remission date set by the care team, if any.
    pub initial_remission: Option<NaiveDate>,
    /// The steroid courses counted, from their taper calendars.
    pub steroid_courses: Vec<SteroidCourseSpan>,
    /// The engine's answer as of today.
    pub assessment: RelapseAssessment,
    /// Whether today's first-morning reading is logged.
    pub morning_reading_logged: bool,
    /// The latest reading on or before today, if any.
    pub latest_reading: Option<UrineReading>,
    /// What the family is told today.
    pub prompt: RelapsePrompt,
    /// The locale of `prompt_text`: `en` or `zh-Hans`.
    pub locale: Locale,
    /// The prompt in words.
    pub prompt_text: String,
}

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
        Ok(urine_reading(self.call(|s| s.log_urine_reading(&reading))?))
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
        Ok(urine_reading(self.call(|s| {
            s.correct_urine_reading(&client_id, &correction)
        })?))
    }

    /// Retracts a reading logged by mistake; it stays in the history and no longer counts.
    pub fn retract_urine_reading(
        &self,
        client_id: String,
        retracted_by: String,
    ) -> Result<UrineReading, NephroError> {
        Ok(urine_reading(self.call(|s| {
            s.retract_urine_reading(&client_id, &retracted_by)
        })?))
    }

    /// A reading by client id, in its current revision.
    pub fn urine_reading(&self, client_id: String) -> Result<UrineReading, NephroError> {
        Ok(urine_reading(self.call(|s| s.urine_reading(&client_id))?))
    }

    /// A patient's readings with local dates from `from` to `to` (inclusive, `YYYY-MM-DD`), by
    /// date and time; retracted ones only when `include_retracted`.
    pub fn urine_readings(
        &self,
        patient_id: i64,
        from: String,
        to: String,
        include_retracted: bool,
    ) -> Result<Vec<UrineReading>, NephroError> {
        let (from, to) = (parse_date("from", &from)?, parse_date("to", &to)?);
        let readings = self.call(|s| {
            if include_retracted {
                s.urine_readings_including_retracted(patient_id.into(), from, to)
            } else {
                s.urine_readings(patient_id.into(), from, to)
            }
        })?;
        Ok(readings.into_iter().map(urine_reading).collect())
    }

    /// Every revision of a reading, oldest first.
    pub fn urine_reading_history(
        &self,
        client_id: String,
    ) -> Result<Vec<UrineReadingRevision>, NephroError> {
        let revisions = self.call(|s| s.urine_reading_history(&client_id))?;
        Ok(revisions.into_iter().map(urine_reading_revision).collect())
    }

    /// The relapse status on `today` (the patient's local date, `YYYY-MM-DD`): state, episodes,
    /// flags, rate, durations, and the family prompt in `locale` (`en` or `zh-Hans`; empty for
    /// `en`).
    pub fn relapse_status(
        &self,
        patient_id: i64,
        today: String,
        locale: Option<Locale>,
    ) -> Result<RelapseStatus, NephroError> {
        let today = parse_date("today", &today)?;
        let locale = locale.unwrap_or_default();
        Ok(relapse_status(self.call(|s| {
            service::relapse_status(s, patient_id.into(), today, locale)
        })?))
    }

    /// The day remission is confirmed in the readings dated on or after `date` (walked from a
    /// relapse), if it is; `YYYY-MM-DD`.
    pub fn remission_confirmed_after(
        &self,
        patient_id: i64,
        date: String,
    ) -> Result<Option<NaiveDate>, NephroError> {
        let date = parse_date("date", &date)?;
        Ok(self.call(|s| service::remission_confirmed_after(s, patient_id.into(), date))?)
    }

    /// The remission date of the initial episode set by the care team, if any.
    pub fn initial_remission_date(
        &self,
        patient_id: i64,
    ) -> Result<Option<NaiveDate>, NephroError> {
        Ok(self.call(|s| service::initial_remission_date(s, patient_id.into()))?)
    }

    /// Sets (or with an empty `date`, clears) the remission date of the initial episode, used by
    /// the 6-month rule of "frequently relapsing".
    pub fn set_initial_remission_date(
        &self,
        patient_id: i64,
        date: Option<String>,
        changed_by: String,
    ) -> Result<(), NephroError> {
        let date = date
            .as_deref()
            .map(|d| parse_date("initial_remission", d))
            .transpose()?;
        Ok(self.call(|s| {
            service::set_initial_remission_date(s, patient_id.into(), date, &changed_by)
        })?)
    }
}

// Conversions.

/// The optional parts of a measurement: dipstick, UPCR value, unit.
fn parts(m: &protein::UrineMeasurement) -> (Option<DipstickGrade>, Option<f64>, Option<UpcrUnit>) {
    let upcr = m.upcr_value();
    (
        m.dipstick(),
        upcr.map(|(value, _)| value),
        upcr.map(|(_, unit)| unit),
    )
}

fn urine_reading(e: store::UrineReadingEntry) -> UrineReading {
    let (dipstick, upcr, unit) = parts(&e.measurement);
    UrineReading {
        global_id: e.global_id.to_string(),
        client_id: e.client_id,
        patient_id: e.patient_id.into(),
        dipstick,
        upcr,
        unit,
        level: e.level,
        taken_at_ms: e.taken_at_ms,
        taken_on: e.taken_on,
        first_morning: e.first_morning,
        note: e.note,
        logged_by: e.logged_by,
        revision: e.revision,
        retracted: e.retracted,
        recorded_at_ms: e.recorded_at_ms,
        photo: e.photo.map(Into::into),
    }
}

fn urine_reading_revision(r: store::UrineReadingRevision) -> UrineReadingRevision {
    let (dipstick, upcr, unit) = parts(&r.measurement);
    UrineReadingRevision {
        revision: r.revision,
        dipstick,
        upcr,
        unit,
        taken_at_ms: r.taken_at_ms,
        taken_on: r.taken_on,
        first_morning: r.first_morning,
        note: r.note,
        changed_by: r.changed_by,
        retracted: r.retracted,
        recorded_at_ms: r.recorded_at_ms,
    }
}

pub(crate) fn relapse_status(s: service::RelapseStatus) -> RelapseStatus {
    RelapseStatus {
        patient_id: s.patient_id.into(),
        today: s.today,
        definitions: s.definitions,
        initial_remission: s.initial_remission,
        steroid_courses: s.steroid_courses.into_iter().map(Into::into).collect(),
        assessment: s.assessment,
        morning_reading_logged: s.morning_reading_logged,
        latest_reading: s.latest_reading.map(urine_reading),
        prompt: s.prompt,
        locale: s.locale,
        prompt_text: s.prompt_text,
    }
}

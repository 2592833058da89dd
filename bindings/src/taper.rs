//! Steroid courses and taper calendars (clinical-rules §2 and §4): the phase records, the
//! `Diary` methods that create, revise and list courses and give their calendar, this week's
//! steroid doses, cumulative exposure and the relapse prompt, and [`build_taper_calendar`], the
//! pure engine with typed records (used by the conformance tests of every language).

use nephro_core::dates::{format_date, parse_clock_time, parse_date};
use nephro_core::diary::taper as service;
use nephro_core::error::Error;
use nephro_core::locale::Locale;
use nephro_core::store;
use nephro_core::taper;

use crate::records::Drug;
use crate::{Diary, LiquidInput, NephroError};
pub use nephro_core::diary::taper::{SteroidDose, SteroidExposure, SteroidWeek};
pub use nephro_core::medicine::liquid::Liquid;
pub use nephro_core::taper::course::RemissionSource;
pub use nephro_core::taper::StampStart as StampStartInput;
pub use nephro_core::taper::{
    CoursePlan, CourseTemplate, DoseBasis, Exposure, Frequency, Phase as PhaseInput, PhaseLength,
    TabletSpec, Tablets, TaperCalendar, TaperCase as TaperCaseInput, TaperDay, TaperSteps,
};

/// A steroid course as the care team enters it (a new course or a new version). The phases
/// come from exactly one of `phases`, a KDIGO `template`, or `stamp_protocol` with `stamp`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CoursePlanInput {
    /// Prednisolone or prednisone.
    pub drug: Drug,
    /// The template the phases come from.
    pub template: Option<CourseTemplate>,
    /// Explicit phases (empty with a template).
    pub phases: Vec<PhaseInput>,
    /// STAMP choices (only with `stamp_protocol`).
    pub stamp: Option<StampStartInput>,
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Tablet strength in mg (default 5).
    pub tablet_mg: Option<f64>,
    /// Whether tablets may be halved (default true).
    pub allow_half: Option<bool>,
    /// Local dosing times `HH:MM` (usually one, `08:00`).
    pub times: Vec<String>,
    /// The remission date entered by the care team, `YYYY-MM-DD`; it overrides the readings.
    pub remission_confirmed: Option<String>,
    /// Who entered or changed it.
    pub changed_by: String,
    /// Why (required for a new version).
    pub reason: Option<String>,
    /// The app's id of this creation (up to 100 characters), generated once and resent with
    /// every retry of `create_course`: the same id with the same course returns the stored
    /// version 1 without storing a second course; with a different course it is a conflict.
    /// Without it (the default) every call creates a course. `revise_course` ignores it.
    #[uniffi(default = None)]
    pub client_id: Option<String>,
    /// The oral solution the course is given as instead of tablets (clinical-rules §12): its
    /// concentration and the syringe's graduation. Every dosing day is then measured in mL; a
    /// day that cannot be measured is `NotMeasurable`. Give no `tablet_mg` or `allow_half` with
    /// it.
    #[uniffi(default = None)]
    pub liquid: Option<LiquidInput>,
}

/// One stored version of a steroid course.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SteroidCourse {
    /// The patient.
    pub patient_id: i64,
    /// The stable key, the same in every version.
    pub course_key: String,
    /// `course-<key>`: the medication id of its doses and reminders.
    pub medication_id: String,
    /// Version number, from 1.
    pub version: i64,
    /// Prednisolone or prednisone.
    pub drug: Drug,
    /// The template the phases came from.
    pub template: Option<CourseTemplate>,
    /// The stored plan.
    pub plan: CoursePlan,
    /// Local dosing times, `HH:MM`.
    pub times: Vec<String>,
    /// The remission date the care team entered, if any.
    pub remission_confirmed: Option<String>,
    /// Who stored this version.
    pub changed_by: String,
    /// Why.
    pub reason: Option<String>,
    /// When it was stored, UTC epoch ms.
    pub recorded_at_ms: i64,
    /// The course's globally unique id (a version 7 UUID, hyphenated): the same in every
    /// version, like `course_key`.
    pub global_id: String,
}

/// A stored course version with its calendar.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CourseCalendar {
    /// The version.
    pub course: SteroidCourse,
    /// Its calendar (provisional while remission is not confirmed; ends the day before the
    /// patient's next course starts).
    pub calendar: TaperCalendar,
    /// The remission date that ended the until-remission phase, if known.
    pub remission_confirmed: Option<String>,
    /// Where it came from.
    pub remission_source: Option<RemissionSource>,
    /// The next course's start, when it stopped this course early.
    pub stopped_from: Option<String>,
}

/// The `kdigo2025_relapse` course pre-filled for the care team; never stored by the app.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SuggestedCourse {
    /// The course to enter (sign `changed_by` before storing it).
    pub course: CoursePlanInput,
    /// The plan on the latest weight and height, when known.
    pub plan: Option<CoursePlan>,
    /// The first daily day (mg and tablets), when known.
    pub daily: Option<TaperDay>,
    /// The first alternate-day day, when known.
    pub alternate_day: Option<TaperDay>,
}

/// "Relapse suspected — contact your team; your action plan says …".
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SteroidRelapsePrompt {
    /// The relapse's onset, `YYYY-MM-DD`.
    pub relapse_onset: String,
    /// The day it was confirmed.
    pub relapse_confirmed: String,
    /// The pre-filled course.
    pub suggestion: SuggestedCourse,
    /// The locale of `text`: `en` or `zh-Hans`.
    pub locale: Locale,
    /// The words shown to the family.
    pub text: String,
}

/// Builds a taper calendar on typed input (clinical-rules §2 and §4) without storing anything.
/// Refuses bad input naming the field: a zero weight (`weight_kg`), a negative cap
/// (`phases[0].max_mg`), both or neither of template and phases (`template`, `phases`), an
/// until-remission phase without a remission date (`remission_confirmed`), …
#[uniffi::export]
pub fn build_taper_calendar(input: TaperCaseInput) -> Result<TaperCalendar, NephroError> {
    Ok(input.calendar()?)
}

/// Reads a frequency (`daily`, `alternate_day`), naming `field` when it is unknown.
#[uniffi::export]
pub fn parse_frequency(field: String, text: String) -> Result<Frequency, NephroError> {
    Ok(taper::Frequency::parse(&field, &text)?)
}

/// Reads a template (`kdigo2025_relapse`, `kdigo2025_initial`, `stamp_protocol`), naming
/// `field` when it is unknown.
#[uniffi::export]
pub fn parse_course_template(field: String, text: String) -> Result<CourseTemplate, NephroError> {
    Ok(taper::CourseTemplate::parse(&field, &text)?)
}

/// Reads a phase length written as in a conformance case: exactly one of `days`,
/// `until_remission` (true) and `taper`. `field` names the phase (e.g. `phases[0]`). A negative
/// day count reads as 0 and a huge one saturates: the engine refuses both, naming the field.
#[uniffi::export]
pub fn parse_phase_length(
    field: String,
    days: Option<i64>,
    until_remission: Option<bool>,
    taper: Option<TaperSteps>,
) -> Result<PhaseLength, NephroError> {
    Ok(PhaseLength::from_case(
        &field,
        days,
        until_remission,
        taper,
    )?)
}

#[uniffi::export]
impl Diary {
    /// Stores a new steroid course (version 1) on the patient's weight and height at its start.
    /// Bad input is refused naming the field and stores nothing. With a `client_id` a retry
    /// returns the stored course instead of creating a second one.
    pub fn create_course(
        &self,
        patient_id: i64,
        course: CoursePlanInput,
    ) -> Result<SteroidCourse, NephroError> {
        let course: store::NewCourse = course.try_into()?;
        Ok(self
            .call(|s| s.create_course(patient_id.into(), &course))?
            .into())
    }

    /// Stores a new version of a course; the old versions stay readable. `based_on_version`
    /// must be the latest version (otherwise a conflict); a reason is required.
    pub fn revise_course(
        &self,
        course_key: String,
        based_on_version: i64,
        course: CoursePlanInput,
    ) -> Result<SteroidCourse, NephroError> {
        let course: store::NewCourse = course.try_into()?;
        Ok(self
            .call(|s| s.revise_course(&course_key, based_on_version, &course))?
            .into())
    }

    /// A course's latest version, or the version asked for.
    pub fn course(
        &self,
        course_key: String,
        version: Option<i64>,
    ) -> Result<SteroidCourse, NephroError> {
        Ok(self.call(|s| s.course(&course_key, version))?.into())
    }

    /// Every version of a course, oldest first.
    pub fn course_versions(&self, course_key: String) -> Result<Vec<SteroidCourse>, NephroError> {
        Ok(self
            .call(|s| s.course_versions(&course_key))?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The latest version of each of a patient's courses, in creation order.
    pub fn courses(&self, patient_id: i64) -> Result<Vec<SteroidCourse>, NephroError> {
        Ok(self
            .call(|s| s.courses(patient_id.into()))?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The calendar of a course version (latest when `version` is empty) on `today`
    /// (`YYYY-MM-DD`): provisional, with the daily dose continuing, while remission is not
    /// confirmed; recomputed when it is.
    pub fn course_calendar(
        &self,
        course_key: String,
        version: Option<i64>,
        today: String,
    ) -> Result<CourseCalendar, NephroError> {
        let today = parse_date("today", &today)?;
        Ok(self
            .call(|s| service::course_calendar(s, &course_key, version, today))?
            .into())
    }

    /// The steroid doses of the week (Monday to Sunday) containing `today`, with tablets and
    /// logged outcomes.
    pub fn steroid_week(&self, patient_id: i64, today: String) -> Result<SteroidWeek, NephroError> {
        let today = parse_date("today", &today)?;
        Ok(self.call(|s| service::steroid_week(s, patient_id.into(), today))?)
    }

    /// The steroid doses with dates from `from` to `to` (inclusive), with tablets and logged
    /// outcomes.
    pub fn steroid_doses(
        &self,
        patient_id: i64,
        from: String,
        to: String,
        today: String,
    ) -> Result<Vec<SteroidDose>, NephroError> {
        let (from, to, today) = (
            parse_date("from", &from)?,
            parse_date("to", &to)?,
            parse_date("today", &today)?,
        );
        Ok(self.call(|s| service::steroid_doses(s, patient_id.into(), from, to, today))?)
    }

    /// Cumulative steroid exposure from `from` to `to` (inclusive): planned and taken, in mg,
    /// mg/kg, mg/m² and per year; one course or (with `course_key` empty) all.
    pub fn steroid_exposure(
        &self,
        patient_id: i64,
        course_key: Option<String>,
        from: String,
        to: String,
        today: String,
    ) -> Result<SteroidExposure, NephroError> {
        let (from, to, today) = (
            parse_date("from", &from)?,
            parse_date("to", &to)?,
            parse_date("today", &today)?,
        );
        let exposure = self.call(|s| {
            service::steroid_exposure(s, patient_id.into(), course_key.as_deref(), from, to, today)
        })?;
        Ok(exposure)
    }

    /// The relapse prompt on `today`, if a relapse is open and no course was started for it:
    /// the words for the family (`locale` `en` or `zh-Hans`, default `en`) and the
    /// `kdigo2025_relapse` course pre-filled for the care team. Never starts a course.
    pub fn steroid_relapse_prompt(
        &self,
        patient_id: i64,
        today: String,
        locale: Option<Locale>,
    ) -> Result<Option<SteroidRelapsePrompt>, NephroError> {
        let today = parse_date("today", &today)?;
        let locale = locale.unwrap_or_default();
        Ok(self
            .call(|s| service::relapse_prompt(s, patient_id.into(), today, locale))?
            .map(Into::into))
    }
}

// Conversions.

impl TryFrom<CoursePlanInput> for store::NewCourse {
    type Error = NephroError;
    fn try_from(c: CoursePlanInput) -> Result<Self, NephroError> {
        let times = c
            .times
            .iter()
            .enumerate()
            .map(|(i, t)| parse_clock_time(&format!("times[{i}]"), t))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(store::NewCourse {
            drug: c.drug,
            template: c.template,
            phases: c.phases,
            stamp: c.stamp,
            start: parse_date("start", &c.start)?,
            tablets: TabletSpec::for_course(c.tablet_mg, c.allow_half, c.liquid.is_some())?,
            liquid: c.liquid.map(Into::into),
            times,
            remission_confirmed: c
                .remission_confirmed
                .as_deref()
                .map(|d| parse_date("remission_confirmed", d))
                .transpose()?,
            changed_by: c.changed_by,
            reason: c.reason,
            client_id: c.client_id,
        })
    }
}

impl From<store::NewCourse> for CoursePlanInput {
    fn from(c: store::NewCourse) -> Self {
        CoursePlanInput {
            drug: c.drug,
            template: c.template,
            phases: c.phases,
            stamp: c.stamp,
            start: format_date(c.start),
            // A liquid course has no tablets to give back.
            tablet_mg: c.liquid.is_none().then_some(c.tablets.tablet_mg),
            allow_half: c.liquid.is_none().then_some(c.tablets.allow_half),
            times: c
                .times
                .iter()
                .map(|t| t.format("%H:%M").to_string())
                .collect(),
            remission_confirmed: c.remission_confirmed.map(format_date),
            changed_by: c.changed_by,
            reason: c.reason,
            client_id: c.client_id,
            liquid: c.liquid.map(Into::into),
        }
    }
}

impl From<store::CourseVersion> for SteroidCourse {
    fn from(c: store::CourseVersion) -> Self {
        SteroidCourse {
            global_id: c.global_id.to_string(),
            patient_id: c.patient_id.into(),
            medication_id: c.medication_id().to_string(),
            course_key: c.course_key,
            version: c.version,
            drug: c.drug,
            template: c.template,
            plan: c.plan,
            times: c
                .times
                .iter()
                .map(|t| t.format("%H:%M").to_string())
                .collect(),
            remission_confirmed: c.remission_confirmed.map(format_date),
            changed_by: c.changed_by,
            reason: c.reason,
            recorded_at_ms: c.recorded_at_ms,
        }
    }
}

impl From<store::CourseCalendar> for CourseCalendar {
    fn from(c: store::CourseCalendar) -> Self {
        CourseCalendar {
            course: c.course.into(),
            calendar: c.calendar,
            remission_confirmed: c.remission_confirmed.map(format_date),
            remission_source: c.remission_source,
            stopped_from: c.stopped_from.map(format_date),
        }
    }
}

impl From<service::SuggestedCourse> for SuggestedCourse {
    fn from(s: service::SuggestedCourse) -> Self {
        SuggestedCourse {
            course: s.course.into(),
            plan: s.plan,
            daily: s.daily,
            alternate_day: s.alternate_day,
        }
    }
}

impl From<service::RelapsePrompt> for SteroidRelapsePrompt {
    fn from(p: service::RelapsePrompt) -> Self {
        SteroidRelapsePrompt {
            relapse_onset: format_date(p.relapse_onset),
            relapse_confirmed: format_date(p.relapse_confirmed),
            suggestion: p.suggestion.into(),
            locale: p.locale,
            text: p.text,
        }
    }
}

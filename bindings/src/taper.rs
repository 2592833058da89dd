//! Steroid courses and taper calendars (clinical-rules §2 and §4): the phase records, the
//! `Diary` methods that create, revise and list courses and give their calendar, this week's
//! steroid doses, cumulative exposure and the relapse prompt, and [`build_taper_calendar`], the
//! pure engine with typed records (used by the conformance tests of every language).

use nephro_core::dates::parse_date;
use nephro_core::diary::parse_period;
use nephro_core::diary::records::records_from;
use nephro_core::diary::taper as service;
pub use nephro_core::diary::taper::records::{
    CourseCalendarRecord as CourseCalendar, CoursePlanInput, SteroidCourse, SteroidRelapsePrompt,
    SuggestedCourseRecord as SuggestedCourse,
};
use nephro_core::ids::PatientId;
use nephro_core::locale::Locale;
use nephro_core::taper;

use crate::{Diary, NephroError};
pub use nephro_core::diary::taper::{SteroidDose, SteroidExposure, SteroidWeek};
pub use nephro_core::medicine::liquid::Liquid;
pub use nephro_core::taper::{
    course::RemissionSource, CoursePlan, CourseTemplate, DoseBasis, Exposure, Frequency,
    Phase as PhaseInput, PhaseLength, StampStart as StampStartInput, TabletSpec, Tablets,
    TaperCalendar, TaperCase as TaperCaseInput, TaperDay, TaperSteps,
};

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
        patient_id: PatientId,
        course: CoursePlanInput,
    ) -> Result<SteroidCourse, NephroError> {
        let course = course.parse()?;
        self.call_into(|s| s.create_course(patient_id, &course))
    }

    /// Stores a new version of a course; the old versions stay readable. `based_on_version`
    /// must be the latest version (otherwise a conflict); a reason is required.
    pub fn revise_course(
        &self,
        course_key: String,
        based_on_version: i64,
        course: CoursePlanInput,
    ) -> Result<SteroidCourse, NephroError> {
        let course = course.parse()?;
        self.call_into(|s| s.revise_course(&course_key, based_on_version, &course))
    }

    /// A course's latest version, or the version asked for.
    pub fn course(
        &self,
        course_key: String,
        version: Option<i64>,
    ) -> Result<SteroidCourse, NephroError> {
        self.call_into(|s| s.course(&course_key, version))
    }

    /// Every version of a course, oldest first.
    pub fn course_versions(&self, course_key: String) -> Result<Vec<SteroidCourse>, NephroError> {
        self.call_into(|s| s.course_versions(&course_key).map(records_from))
    }

    /// The latest version of each of a patient's courses, in creation order.
    pub fn courses(&self, patient_id: PatientId) -> Result<Vec<SteroidCourse>, NephroError> {
        self.call_into(|s| s.courses(patient_id).map(records_from))
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
        self.call_into(|s| service::course_calendar(s, &course_key, version, today))
    }

    /// The steroid doses of the week (Monday to Sunday) containing `today`, with tablets and
    /// logged outcomes.
    pub fn steroid_week(
        &self,
        patient_id: PatientId,
        today: String,
    ) -> Result<SteroidWeek, NephroError> {
        let today = parse_date("today", &today)?;
        self.call_into(|s| service::steroid_week(s, patient_id, today))
    }

    /// The steroid doses with dates from `from` to `to` (inclusive), with tablets and logged
    /// outcomes.
    pub fn steroid_doses(
        &self,
        patient_id: PatientId,
        from: String,
        to: String,
        today: String,
    ) -> Result<Vec<SteroidDose>, NephroError> {
        let ((from, to), today) = (parse_period(&from, &to)?, parse_date("today", &today)?);
        self.call_into(|s| service::steroid_doses(s, patient_id, from, to, today))
    }

    /// Cumulative steroid exposure from `from` to `to` (inclusive): planned and taken, in mg,
    /// mg/kg, mg/m² and per year; one course or (with `course_key` empty) all.
    pub fn steroid_exposure(
        &self,
        patient_id: PatientId,
        course_key: Option<String>,
        from: String,
        to: String,
        today: String,
    ) -> Result<SteroidExposure, NephroError> {
        let ((from, to), today) = (parse_period(&from, &to)?, parse_date("today", &today)?);
        self.call_into(|s| {
            service::steroid_exposure(s, patient_id, course_key.as_deref(), from, to, today)
        })
    }

    /// The relapse prompt on `today`, if a relapse is open and no course was started for it:
    /// the words for the family (`locale` `en` or `zh-Hans`, default `en`) and the
    /// `kdigo2025_relapse` course pre-filled for the care team. Never starts a course.
    pub fn steroid_relapse_prompt(
        &self,
        patient_id: PatientId,
        today: String,
        locale: Option<Locale>,
    ) -> Result<Option<SteroidRelapsePrompt>, NephroError> {
        let today = parse_date("today", &today)?;
        let locale = locale.unwrap_or_default();
        let prompt = self.call(|s| service::relapse_prompt(s, patient_id, today, locale))?;
        Ok(prompt.map(Into::into))
    }
}

//! Steroid courses and taper calendars (clinical-rules §2 and §4): the phase records, the
//! `Diary` methods that create, revise and list courses and give their calendar, this week's
//! steroid doses, cumulative exposure and the relapse prompt, and [`build_taper_calendar`], the
//! pure engine with typed records (used by the conformance tests of every language).

use nephro_core::dates::{format_date, parse_clock_time, parse_date};
use nephro_core::diary::courses::course_phases;
use nephro_core::diary::taper as service;
use nephro_core::error::Error;
use nephro_core::locale::Locale;
use nephro_core::store;
use nephro_core::taper;

use crate::records::Drug;
use crate::{Diary, LiquidInput, NephroError};
pub use nephro_core::diary::taper::SteroidExposure;
pub use nephro_core::taper::course::RemissionSource;
pub use nephro_core::taper::CourseTemplate;
pub use nephro_core::taper::Exposure;
pub use nephro_core::taper::Frequency;
pub use nephro_core::taper::StampStart as StampStartInput;

/// How a phase's daily dose is prescribed (clinical-rules §4).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum DoseBasis {
    /// mg per kg of body weight.
    MgPerKg {
        /// The rate.
        mg_per_kg: f64,
    },
    /// mg per m² of body surface area (Mosteller, unrounded).
    MgPerM2 {
        /// The rate.
        mg_per_m2: f64,
    },
    /// A fixed amount.
    Mg {
        /// mg per dosing day.
        mg: f64,
    },
}

/// How long a phase runs (clinical-rules §4).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum PhaseLength {
    /// A number of days (at least 1).
    Days {
        /// How many days.
        days: u32,
    },
    /// Until remission is confirmed (the phase includes the confirmation day).
    UntilRemission,
    /// A linear taper from `from_mg`, lowered by `step_mg` every `every_days` days, ending after
    /// the `to_mg` block. A taper phase has no dose basis.
    Taper {
        /// mg of the first block.
        from_mg: f64,
        /// mg of the last block.
        to_mg: f64,
        /// How much each block is lower than the one before.
        step_mg: f64,
        /// Days per block (at least 1).
        every_days: u32,
    },
}

/// The taper of a phase as written in a conformance case (`every_days` may be any whole
/// number there), for [`parse_phase_length`].
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct TaperSteps {
    /// mg of the first block.
    pub from_mg: f64,
    /// mg of the last block.
    pub to_mg: f64,
    /// How much each block is lower than the one before.
    pub step_mg: f64,
    /// Days per block.
    pub every_days: i64,
}

/// One phase of a steroid course.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhaseInput {
    /// The dose basis; required except for a taper phase, which must leave it empty.
    pub dose: Option<DoseBasis>,
    /// The most mg on a day of the phase, applied before rounding.
    pub max_mg: Option<f64>,
    /// Daily or alternate-day.
    pub frequency: Frequency,
    /// How long the phase runs.
    pub length: PhaseLength,
}

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

/// A course's plan as stored: phases on the weight and height at the start.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CoursePlan {
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Weight in kg the course is calculated on.
    pub weight_kg: f64,
    /// Height in cm, if known.
    pub height_cm: Option<f64>,
    /// Tablet strength in mg.
    pub tablet_mg: f64,
    /// Whether tablets may be halved.
    pub allow_half: bool,
    /// The oral solution the course is given as, if not tablets.
    pub liquid: Option<LiquidInput>,
    /// The phases.
    pub phases: Vec<PhaseInput>,
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

/// One date of a taper calendar.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TaperDay {
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    /// mg to give (0 on a day off).
    pub mg: f64,
    /// Whole tablets.
    pub whole_tablets: u32,
    /// Half tablets (0 or 1).
    pub half_tablets: u32,
    /// For a course given as a liquid, the mL to draw (0 on a day off); none for tablets.
    pub ml: Option<f64>,
    /// Index of the phase (0-based).
    pub phase: u32,
}

/// A taper calendar.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TaperCalendar {
    /// Every date from the start to the end, in order.
    pub days: Vec<TaperDay>,
    /// Sum of mg.
    pub total_mg: f64,
    /// Days with mg > 0.
    pub dosing_days: u32,
    /// First day with mg > 0.
    pub first_dosing_day: Option<String>,
    /// Last day with mg > 0.
    pub last_dosing_day: Option<String>,
    /// True while an until-remission phase has no remission date: the daily dose is shown
    /// continuing and the phases after it are not shown yet.
    pub provisional: bool,
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

/// One steroid dose to give.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SteroidDose {
    /// Local date.
    pub date: String,
    /// Local time, `HH:MM`.
    pub time: String,
    /// The course.
    pub course_key: String,
    /// `course-<key>`, to log the dose with.
    pub medication_id: String,
    /// The reminder id of the slot.
    pub reminder_id: String,
    /// The drug.
    pub drug: Drug,
    /// mg to give.
    pub mg: f64,
    /// Whole tablets.
    pub whole_tablets: u32,
    /// Half tablets.
    pub half_tablets: u32,
    /// Tablet strength in mg.
    pub tablet_mg: f64,
    /// For a course given as a liquid, the mL to draw: the family reads "2.4 mL (12 mg)"
    /// (clinical-rules §12).
    pub ml: Option<f64>,
    /// Phase index.
    pub phase: u32,
    /// True while remission is not confirmed (the daily dose is shown continuing).
    pub provisional: bool,
    /// The logged outcome, if logged.
    pub outcome: Option<crate::records::DoseOutcome>,
}

/// This week's steroid doses (Monday to Sunday).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SteroidWeek {
    /// Monday.
    pub first_day: String,
    /// Sunday.
    pub last_day: String,
    /// The doses.
    pub doses: Vec<SteroidDose>,
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
    pub locale: String,
    /// The words shown to the family.
    pub text: String,
}

/// A taper calendar to build without storing anything, as in the conformance suite `taper`:
/// either a `template` or `phases`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TaperCaseInput {
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Weight in kg.
    pub weight_kg: f64,
    /// Height in cm (needed for mg/m²).
    pub height_cm: Option<f64>,
    /// Tablet strength in mg (default 5).
    pub tablet_mg: Option<f64>,
    /// Whether tablets may be halved (default true).
    pub allow_half: Option<bool>,
    /// A template, or none with `phases`.
    pub template: Option<CourseTemplate>,
    /// The phases, or empty with a template.
    pub phases: Vec<PhaseInput>,
    /// The remission date (required when a phase runs until remission), `YYYY-MM-DD`.
    pub remission_confirmed: Option<String>,
}

/// Builds a taper calendar on typed input (clinical-rules §2 and §4) without storing anything.
/// Refuses bad input naming the field: a zero weight (`weight_kg`), a negative cap
/// (`phases[0].max_mg`), both or neither of template and phases (`template`, `phases`), an
/// until-remission phase without a remission date (`remission_confirmed`), …
#[uniffi::export]
pub fn build_taper_calendar(input: TaperCaseInput) -> Result<TaperCalendar, NephroError> {
    let tablets = tablet_spec(input.tablet_mg, input.allow_half);
    let plan = calendar_plan(
        tablets,
        input.template,
        input.phases,
        &input.start,
        input.weight_kg,
        input.height_cm,
    )?;
    let remission = input
        .remission_confirmed
        .as_deref()
        .map(|d| parse_date("remission_confirmed", d))
        .transpose()?;
    Ok(taper::build_calendar(&plan, remission)?.into())
}

/// The plan of a calendar built without storing (tablets or liquid), each field read and
/// refused by name.
pub(crate) fn calendar_plan(
    tablets: taper::TabletSpec,
    template: Option<CourseTemplate>,
    phases: Vec<PhaseInput>,
    start: &str,
    weight_kg: f64,
    height_cm: Option<f64>,
) -> Result<taper::CoursePlan, NephroError> {
    let phases = phases
        .into_iter()
        .map(Into::into)
        .collect::<Vec<taper::Phase>>();
    let phases = course_phases(template, &phases, None, weight_kg, &tablets)?;
    Ok(taper::CoursePlan {
        start: parse_date("start", start)?,
        weight_kg,
        height_cm,
        tablets,
        liquid: None,
        phases,
    })
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
    match (days, until_remission, taper) {
        (Some(days), None, None) => Ok(PhaseLength::Days {
            days: day_count(days),
        }),
        (None, Some(true), None) => Ok(PhaseLength::UntilRemission),
        (None, Some(false), None) => Err(Error::invalid(
            format!("{field}.until_remission"),
            "must be true when given",
        )
        .into()),
        (None, None, Some(t)) => Ok(PhaseLength::Taper {
            from_mg: t.from_mg,
            to_mg: t.to_mg,
            step_mg: t.step_mg,
            every_days: day_count(t.every_days),
        }),
        _ => Err(Error::invalid(
            field,
            "needs exactly one length: days, until_remission or taper",
        )
        .into()),
    }
}

/// A whole-number day count as the engine's: negative → 0, huge → saturated (both refused).
fn day_count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

fn tablet_spec(tablet_mg: Option<f64>, allow_half: Option<bool>) -> taper::TabletSpec {
    let defaults = taper::TabletSpec::default();
    taper::TabletSpec {
        tablet_mg: tablet_mg.unwrap_or(defaults.tablet_mg),
        allow_half: allow_half.unwrap_or(defaults.allow_half),
    }
}

fn parse_locale(locale: Option<String>) -> Result<Locale, NephroError> {
    Ok(locale
        .as_deref()
        .map(|tag| Locale::parse("locale", tag))
        .transpose()?
        .unwrap_or_default())
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
        Ok(self
            .call(|s| service::steroid_week(s, patient_id.into(), today))?
            .into())
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
        Ok(self
            .call(|s| service::steroid_doses(s, patient_id.into(), from, to, today))?
            .into_iter()
            .map(Into::into)
            .collect())
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
        locale: Option<String>,
    ) -> Result<Option<SteroidRelapsePrompt>, NephroError> {
        let today = parse_date("today", &today)?;
        let locale = parse_locale(locale)?;
        Ok(self
            .call(|s| service::relapse_prompt(s, patient_id.into(), today, locale))?
            .map(Into::into))
    }
}

// Conversions.

fn whole(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<DoseBasis> for taper::DoseBasis {
    fn from(d: DoseBasis) -> Self {
        match d {
            DoseBasis::MgPerKg { mg_per_kg } => taper::DoseBasis::MgPerKg(mg_per_kg),
            DoseBasis::MgPerM2 { mg_per_m2 } => taper::DoseBasis::MgPerM2(mg_per_m2),
            DoseBasis::Mg { mg } => taper::DoseBasis::Mg(mg),
        }
    }
}

impl From<taper::DoseBasis> for DoseBasis {
    fn from(d: taper::DoseBasis) -> Self {
        match d {
            taper::DoseBasis::MgPerKg(mg_per_kg) => DoseBasis::MgPerKg { mg_per_kg },
            taper::DoseBasis::MgPerM2(mg_per_m2) => DoseBasis::MgPerM2 { mg_per_m2 },
            taper::DoseBasis::Mg(mg) => DoseBasis::Mg { mg },
        }
    }
}

impl From<PhaseLength> for taper::PhaseLength {
    fn from(l: PhaseLength) -> Self {
        match l {
            PhaseLength::Days { days } => taper::PhaseLength::Days(days),
            PhaseLength::UntilRemission => taper::PhaseLength::UntilRemission,
            PhaseLength::Taper {
                from_mg,
                to_mg,
                step_mg,
                every_days,
            } => taper::PhaseLength::Taper {
                from_mg,
                to_mg,
                step_mg,
                every_days,
            },
        }
    }
}

impl From<taper::PhaseLength> for PhaseLength {
    fn from(l: taper::PhaseLength) -> Self {
        match l {
            taper::PhaseLength::Days(days) => PhaseLength::Days { days },
            taper::PhaseLength::UntilRemission => PhaseLength::UntilRemission,
            taper::PhaseLength::Taper {
                from_mg,
                to_mg,
                step_mg,
                every_days,
            } => PhaseLength::Taper {
                from_mg,
                to_mg,
                step_mg,
                every_days,
            },
        }
    }
}

impl From<PhaseInput> for taper::Phase {
    fn from(p: PhaseInput) -> Self {
        taper::Phase {
            dose: p.dose.map(Into::into),
            max_mg: p.max_mg,
            frequency: p.frequency,
            length: p.length.into(),
        }
    }
}

impl From<taper::Phase> for PhaseInput {
    fn from(p: taper::Phase) -> Self {
        PhaseInput {
            dose: p.dose.map(Into::into),
            max_mg: p.max_mg,
            frequency: p.frequency,
            length: p.length.into(),
        }
    }
}

impl TryFrom<CoursePlanInput> for store::NewCourse {
    type Error = NephroError;
    fn try_from(c: CoursePlanInput) -> Result<Self, NephroError> {
        let times = c
            .times
            .iter()
            .enumerate()
            .map(|(i, t)| parse_clock_time(&format!("times[{i}]"), t))
            .collect::<Result<Vec<_>, Error>>()?;
        if c.liquid.is_some() {
            for (field, given) in [
                ("tablet_mg", c.tablet_mg.is_some()),
                ("allow_half", c.allow_half.is_some()),
            ] {
                if given {
                    return Err(Error::invalid(
                        field,
                        "a course given as a liquid has no tablets; give liquid only",
                    )
                    .into());
                }
            }
        }
        Ok(store::NewCourse {
            drug: c.drug,
            template: c.template,
            phases: c.phases.into_iter().map(Into::into).collect(),
            stamp: c.stamp,
            start: parse_date("start", &c.start)?,
            tablets: tablet_spec(c.tablet_mg, c.allow_half),
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
            phases: c.phases.into_iter().map(Into::into).collect(),
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

impl From<taper::CoursePlan> for CoursePlan {
    fn from(p: taper::CoursePlan) -> Self {
        CoursePlan {
            start: format_date(p.start),
            weight_kg: p.weight_kg,
            height_cm: p.height_cm,
            tablet_mg: p.tablets.tablet_mg,
            allow_half: p.tablets.allow_half,
            liquid: p.liquid.map(Into::into),
            phases: p.phases.into_iter().map(Into::into).collect(),
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
            plan: c.plan.into(),
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

impl From<taper::TaperDay> for TaperDay {
    fn from(d: taper::TaperDay) -> Self {
        TaperDay {
            date: format_date(d.date),
            mg: d.mg,
            whole_tablets: whole(d.tablets.whole),
            half_tablets: whole(d.tablets.halves),
            ml: d.ml,
            phase: d.phase,
        }
    }
}

impl From<taper::TaperCalendar> for TaperCalendar {
    fn from(c: taper::TaperCalendar) -> Self {
        TaperCalendar {
            total_mg: c.total_mg,
            dosing_days: c.dosing_days,
            first_dosing_day: c.first_dosing_day.map(format_date),
            last_dosing_day: c.last_dosing_day.map(format_date),
            provisional: c.provisional,
            days: c.days.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<store::CourseCalendar> for CourseCalendar {
    fn from(c: store::CourseCalendar) -> Self {
        CourseCalendar {
            course: c.course.into(),
            calendar: c.calendar.into(),
            remission_confirmed: c.remission_confirmed.map(format_date),
            remission_source: c.remission_source,
            stopped_from: c.stopped_from.map(format_date),
        }
    }
}

impl From<service::SteroidDose> for SteroidDose {
    fn from(d: service::SteroidDose) -> Self {
        SteroidDose {
            date: format_date(d.date),
            time: d.time.format("%H:%M").to_string(),
            course_key: d.course_key,
            medication_id: d.medication_id.to_string(),
            reminder_id: d.reminder_id,
            drug: d.drug,
            mg: d.mg,
            whole_tablets: whole(d.tablets.whole),
            half_tablets: whole(d.tablets.halves),
            tablet_mg: d.tablet_mg,
            ml: d.ml,
            phase: d.phase,
            provisional: d.provisional,
            outcome: d.outcome,
        }
    }
}

impl From<service::SteroidWeek> for SteroidWeek {
    fn from(w: service::SteroidWeek) -> Self {
        SteroidWeek {
            first_day: format_date(w.first_day),
            last_day: format_date(w.last_day),
            doses: w.doses.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<service::SuggestedCourse> for SuggestedCourse {
    fn from(s: service::SuggestedCourse) -> Self {
        SuggestedCourse {
            course: s.course.into(),
            plan: s.plan.map(Into::into),
            daily: s.daily.map(Into::into),
            alternate_day: s.alternate_day.map(Into::into),
        }
    }
}

impl From<service::RelapsePrompt> for SteroidRelapsePrompt {
    fn from(p: service::RelapsePrompt) -> Self {
        SteroidRelapsePrompt {
            relapse_onset: format_date(p.relapse_onset),
            relapse_confirmed: format_date(p.relapse_confirmed),
            suggestion: p.suggestion.into(),
            locale: p.locale.tag().to_string(),
            text: p.text,
        }
    }
}

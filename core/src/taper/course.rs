//! A stored steroid course's calendar as the diary uses it (clinical-rules §4, §6 and §7): the
//! diary's rules on top of the taper engine, pure. The store reads the rows (the course versions,
//! the urine readings); [`crate::diary::taper`] composes them with these rules.
//!
//! The rules:
//! - an `until_remission` phase ends on the day remission is confirmed: the date the care team
//!   entered, otherwise the relapse engine's first remission (clinical-rules §6: the third
//!   consecutive remission-level day) over the urine readings from that phase's first day,
//!   walked from state relapse (the course treats a relapse). Until then the calendar is
//!   provisional: the daily dose continues through a chosen date;
//! - one steroid course at a time: a course stops the day before the patient's next course
//!   starts (the care team starts a new course at a relapse; two calendars must never both
//!   schedule steroid doses);
//! - the day's tablets are split across the course's dosing times as evenly as possible, the
//!   earlier times taking the extra half or whole tablet (usually there is one time, 08:00).

use crate::ids::PatientId;
use chrono::{Days, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::drug::Drug;
use crate::error::Result;
use crate::medicine::liquid::Liquid;
use crate::medicine::record::MedicineDose;
use crate::model::{EpochMillis, MedicationId};
use crate::numeric::{clean, steps_to_amount};
use crate::protein::UrineReading;
use crate::relapse::{assess, DiseaseState, RelapseInput};
use crate::taper::{
    build_provisional_calendar, CoursePlan, CourseTemplate, PhaseLength, TabletSpec, Tablets,
    TaperCalendar, TaperDay, MAX_COURSE_DAYS,
};

/// One stored version of a steroid course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseVersion {
    /// The course's globally unique id ([`crate::ids::GlobalId`]): made with version 1 and the
    /// same in every version, like `course_key` (a version is named by it and `version`).
    pub global_id: crate::ids::GlobalId,
    /// Patient row id.
    pub patient_id: PatientId,
    /// The course's stable key, the same in every version.
    pub course_key: String,
    /// Version number, from 1.
    pub version: i64,
    /// Prednisolone or prednisone.
    pub drug: Drug,
    /// The template the phases came from, if any.
    pub template: Option<CourseTemplate>,
    /// The plan with its phases, on the weight and height at the start.
    pub plan: CoursePlan,
    /// Local dosing times.
    pub times: Vec<NaiveTime>,
    /// The remission date the care team entered, if any.
    pub remission_confirmed: Option<NaiveDate>,
    /// Who stored this version.
    pub changed_by: String,
    /// Why this version was stored.
    pub reason: Option<String>,
    /// When this version was stored, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
}

impl CourseVersion {
    /// The medication of the course's doses and reminders (written `course-<key>`).
    pub fn medication_id(&self) -> MedicationId {
        MedicationId::Course(self.course_key.clone())
    }
}

/// Where a course's remission date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RemissionSource {
    /// The care team entered it with the course.
    CareTeam,
    /// The relapse engine found it in the urine readings (clinical-rules §6).
    UrineReadings,
}

/// One dose of a course calendar: a dosing time on a dosing day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseSlot {
    /// Local date.
    pub date: NaiveDate,
    /// Local time.
    pub time: NaiveTime,
    /// mg to give at this time.
    pub mg: f64,
    /// The tablets that make up `mg` (none for a liquid).
    pub tablets: Tablets,
    /// For a course given as a liquid, the mL to draw at this time (clinical-rules §12).
    pub ml: Option<f64>,
    /// Index of the plan's phase the date belongs to.
    pub phase: u32,
}

impl CourseSlot {
    /// The dose as the family reads it: "2.4 mL (12 mg)" for a liquid, "12.5 mg" for tablets.
    pub fn dose(&self) -> MedicineDose {
        MedicineDose {
            mg: self.mg,
            ml: self.ml,
        }
    }
}

/// A stored course version with its calendar as the diary uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseCalendar {
    /// The version the calendar was built from.
    pub course: CourseVersion,
    /// The calendar: provisional through the date asked for while an until-remission phase has
    /// no remission date, and ending the day before the patient's next course starts.
    pub calendar: TaperCalendar,
    /// The remission date that ended the until-remission phase, if known.
    pub remission_confirmed: Option<NaiveDate>,
    /// Where that date came from.
    pub remission_source: Option<RemissionSource>,
    /// The start of the patient's next course, when it stopped this one early.
    pub stopped_from: Option<NaiveDate>,
}

impl CourseCalendar {
    /// The doses of the calendar: every dosing time of every day with mg > 0, in date and time
    /// order. A day's tablet steps (a liquid's syringe graduations) are split across the times as
    /// evenly as possible, the earlier times taking the extra step; a time left with 0 mg is not
    /// a dose.
    pub fn slots(&self) -> Vec<CourseSlot> {
        self.calendar
            .days
            .iter()
            .flat_map(|day| day_slots(day, &self.course.times, &self.course.plan))
            .collect()
    }

    /// The doses of one date.
    pub fn slots_on(&self, date: NaiveDate) -> Vec<CourseSlot> {
        self.calendar
            .days
            .iter()
            .filter(|day| day.date == date)
            .flat_map(|day| day_slots(day, &self.course.times, &self.course.plan))
            .collect()
    }
}

/// Splits a day's dose across the dosing times (times in the course's order, sorted), in the
/// plan's tablet steps or, for a liquid, in whole graduations of the syringe (each time's share
/// is then a measurable volume of at least one graduation, clinical-rules §12).
fn day_slots(day: &TaperDay, times: &[NaiveTime], plan: &CoursePlan) -> Vec<CourseSlot> {
    match plan.liquid {
        Some(liquid) => liquid_day_slots(day, times, liquid),
        None => tablet_day_slots(day, times, plan.tablets),
    }
}

/// The shares of `steps` across `times` (sorted), the earlier times taking the extra step; a
/// time with no step is left out.
fn shares(steps: u64, times: &[NaiveTime]) -> Vec<(NaiveTime, u64)> {
    let count = times.len() as u64;
    if count == 0 {
        return Vec::new();
    }
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted
        .into_iter()
        .enumerate()
        .map(|(i, time)| (time, steps / count + u64::from((i as u64) < steps % count)))
        .filter(|(_, share)| *share > 0)
        .collect()
}

fn liquid_day_slots(day: &TaperDay, times: &[NaiveTime], liquid: Liquid) -> Vec<CourseSlot> {
    let graduation = liquid.syringe_step_ml;
    let ml = day.ml.unwrap_or(0.0);
    if day.mg <= 0.0 || ml <= 0.0 || graduation <= 0.0 {
        return Vec::new();
    }
    let graduations = (ml / graduation).round() as u64;
    shares(graduations, times)
        .into_iter()
        .map(|(time, share)| {
            let ml = steps_to_amount(share, graduation);
            CourseSlot {
                date: day.date,
                time,
                mg: clean(ml * liquid.concentration_mg_per_ml),
                tablets: Tablets {
                    whole: 0,
                    halves: 0,
                },
                ml: Some(ml),
                phase: day.phase,
            }
        })
        .collect()
}

fn tablet_day_slots(day: &TaperDay, times: &[NaiveTime], tablets: TabletSpec) -> Vec<CourseSlot> {
    let step = tablets.step_mg();
    if day.mg <= 0.0 || times.is_empty() || step <= 0.0 {
        return Vec::new();
    }
    let steps = (day.mg / step).round() as u64;
    shares(steps, times)
        .into_iter()
        .map(|(time, share)| CourseSlot {
            date: day.date,
            time,
            mg: steps_to_amount(share, step),
            tablets: tablets_for(share, tablets.allow_half),
            ml: None,
            phase: day.phase,
        })
        .collect()
}

/// Whole and half tablets for a number of tablet steps (as the taper engine splits a day).
fn tablets_for(steps: u64, allow_half: bool) -> Tablets {
    if allow_half {
        Tablets {
            whole: steps / 2,
            halves: steps % 2,
        }
    } else {
        Tablets {
            whole: steps,
            halves: 0,
        }
    }
}

/// The calendar of `course` through `through` (see the module doc for the rules), among the
/// patient's `courses` (latest versions in creation order: the next one stops it).
/// `readings_from` gives the patient's live urine readings dated on or after a day; it is asked
/// only when an until-remission phase has no remission date from the care team. The date is the
/// last day shown itself, not the patient's `today` of the service
/// [`crate::diary::taper::course_calendar`], which adds the provisional days ahead.
pub fn build_course_calendar(
    course: CourseVersion,
    courses: &[CourseVersion],
    readings_from: impl FnOnce(NaiveDate) -> Result<Vec<UrineReading>>,
    through: NaiveDate,
) -> Result<CourseCalendar> {
    let plan = &course.plan;
    // A provisional calendar never runs longer than the engine accepts.
    let last_allowed = plan
        .start
        .checked_add_days(Days::new(u64::from(MAX_COURSE_DAYS) - 1))
        .unwrap_or(plan.start);
    let through = through.min(last_allowed);
    // Without an until-remission phase a remission date plays no part.
    let (remission_confirmed, remission_source) =
        match (until_remission_start(plan)?, course.remission_confirmed) {
            (None, _) => (None, None),
            (Some(_), Some(date)) => (Some(date), Some(RemissionSource::CareTeam)),
            (Some(phase_start), None) => {
                match first_remission_confirmed(readings_from(phase_start)?)? {
                    Some(date) => (Some(date), Some(RemissionSource::UrineReadings)),
                    None => (None, None),
                }
            }
        };
    let mut calendar = build_provisional_calendar(plan, remission_confirmed, through)?;
    let stopped_from = next_course_start(&course, courses)
        .filter(|next| calendar.days.last().is_some_and(|d| d.date >= *next));
    if let Some(next) = stopped_from {
        calendar.days.retain(|day| day.date < next);
        calendar = recount(calendar);
    }
    Ok(CourseCalendar {
        course,
        calendar,
        remission_confirmed,
        remission_source,
        stopped_from,
    })
}

/// The first day of the plan's first until-remission phase, if it has one.
fn until_remission_start(plan: &CoursePlan) -> Result<Option<NaiveDate>> {
    if !plan
        .phases
        .iter()
        .any(|p| p.length == PhaseLength::UntilRemission)
    {
        return Ok(None);
    }
    // Provisional through the start, the calendar ends on that phase's first day.
    let probe = build_provisional_calendar(plan, None, plan.start)?;
    Ok(probe.days.last().map(|d| d.date))
}

/// The first remission the relapse engine confirms (clinical-rules §6: three consecutive
/// remission-level days, confirmed on the third) in `readings`, walking from state relapse: an
/// until-remission phase treats a relapse (clinical-rules §4). `None` while none is confirmed.
pub fn first_remission_confirmed(readings: Vec<UrineReading>) -> Result<Option<NaiveDate>> {
    if readings.is_empty() {
        return Ok(None);
    }
    let input = RelapseInput {
        initial_state: DiseaseState::Relapse,
        readings,
        ..RelapseInput::default()
    };
    Ok(assess(&input)?.remissions.first().map(|r| r.confirmed))
}

/// The start of the patient's next course after `course` among `courses` (latest versions in
/// creation order; the same start date counts as next when that course was created later).
fn next_course_start(course: &CourseVersion, courses: &[CourseVersion]) -> Option<NaiveDate> {
    let position = courses
        .iter()
        .position(|c| c.course_key == course.course_key);
    let start = course.plan.start;
    courses
        .iter()
        .enumerate()
        .filter(|(i, other)| {
            other.course_key != course.course_key
                && (other.plan.start > start
                    || (other.plan.start == start && position.is_some_and(|p| *i > p)))
        })
        .map(|(_, other)| other.plan.start)
        .min()
}

/// Recomputes a calendar's totals after days were removed.
fn recount(calendar: TaperCalendar) -> TaperCalendar {
    let dosed: Vec<NaiveDate> = calendar.dosing_dates();
    TaperCalendar {
        total_mg: clean(calendar.days.iter().map(|d| d.mg).sum()),
        dosing_days: u32::try_from(dosed.len()).unwrap_or(u32::MAX),
        first_dosing_day: dosed.first().copied(),
        last_dosing_day: dosed.last().copied(),
        ..calendar
    }
}

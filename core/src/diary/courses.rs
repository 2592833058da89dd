//! Creating and revising steroid courses: the plan is built on the patient's measurements and
//! checked by building its calendar (clinical-rules §2, §4, §12) in the service, before the
//! store's write transaction, which only stores (`Store::insert_course`,
//! `Store::insert_course_revision`). These are methods of [`Store`] so that a shell keeps one
//! object.

use chrono::NaiveDate;

use crate::diary::measurements::latest_on_or_before;
use crate::error::{Error, Result};
use crate::ids::PatientId;
use crate::model::{require_storable_date, require_text, Measurement};
use crate::store::{NewCourse, Store, MAX_COURSE_TIMES};
use crate::taper::course::CourseVersion;
use crate::taper::{
    build_provisional_calendar, stamp_protocol, CoursePlan, CourseTemplate, Phase, StampStart,
    TabletSpec,
};

impl Store {
    /// Stores a new steroid course (version 1) for a patient, built on the latest weight (and
    /// height) on or before its start (clinical-rules §2 and §4). The key is generated:
    /// `p<patient id>_c<n>`. The plan is checked by building its calendar first, so a refused
    /// course stores nothing.
    ///
    /// With a `client_id` a retry is safe: the same id with the same patient and course returns
    /// the stored version 1 (as first stored, even if revised since) without writing; the same
    /// id with anything else is a conflict.
    pub fn create_course(
        &mut self,
        patient_id: PatientId,
        new: &NewCourse,
    ) -> Result<CourseVersion> {
        if let Some(client_id) = &new.client_id {
            require_text("client_id", client_id, 100)?;
        }
        validate_course(new)?;
        if let Some(reason) = &new.reason {
            require_text("reason", reason, 500)?;
        }
        self.patient(patient_id)?;
        let history = self.measurements(patient_id)?;
        // A retry of a creation already stored returns it unchanged, before anything is built.
        if let Some(client_id) = &new.client_id {
            if let Some(created) = self.course_by_client_id(client_id)? {
                return if created.patient_id == patient_id && is_same_creation(&created, new) {
                    Ok(created)
                } else {
                    Err(Error::conflict(
                        crate::error::ConflictKind::ClientIdReused,
                        "steroid_course",
                    ))
                };
            }
        }
        let plan = course_plan(new, &history)?;
        self.insert_course(patient_id, new, plan)
    }

    /// Stores a new version of a course; every earlier version stays readable. `based_on_version`
    /// must be the latest version (a change made on an outdated screen, or sent twice, is a
    /// conflict). A reason is required.
    pub fn revise_course(
        &mut self,
        course_key: &str,
        based_on_version: i64,
        new: &NewCourse,
    ) -> Result<CourseVersion> {
        validate_course(new)?;
        require_text("reason", new.reason.as_deref().unwrap_or(""), 500)?;
        let patient_id = self.course(course_key, None)?.patient_id;
        let history = self.measurements(patient_id)?;
        let plan = course_plan(new, &history)?;
        self.insert_course_revision(course_key, based_on_version, new, plan)
    }
}

/// The plan of a course on the patient's measurement `history` (the latest weight, and height,
/// on or before its start; clinical-rules §2 and §4), checked by building its calendar: a plan
/// the engine refuses is refused here, before anything is stored.
fn course_plan(new: &NewCourse, history: &[Measurement]) -> Result<CoursePlan> {
    let weight_kg = latest_on_or_before(history, new.start, |m| m.weight_kg).ok_or_else(|| {
        Error::invalid(
            "weight_kg",
            "record a weight on or before the course's start date first",
        )
    })?;
    let height_cm = latest_on_or_before(history, new.start, |m| m.height_cm);
    let phases = course_phases(
        new.template,
        &new.phases,
        new.stamp.as_ref(),
        weight_kg,
        &new.tablets,
    )?;
    if height_cm.is_none()
        && phases
            .iter()
            .any(|p| matches!(p.dose, Some(crate::taper::DoseBasis::MgPerM2(_))))
    {
        return Err(Error::invalid(
            "height_cm",
            "a mg/m² phase needs a height on or before the course's start date",
        ));
    }
    let plan = CoursePlan {
        start: new.start,
        weight_kg,
        height_cm,
        tablets: new.tablets,
        liquid: new.liquid,
        phases,
    };
    // Builds the calendar once to refuse a plan the engine refuses (every phase is checked).
    build_provisional_calendar(&plan, new.remission_confirmed, new.start)?;
    if plan.liquid.is_some() {
        require_measurable(&plan, new.remission_confirmed)?;
    }
    Ok(plan)
}

/// Checks what can be checked without the store: the drug, the dosing times and the author.
fn validate_course(new: &NewCourse) -> Result<()> {
    if !new.drug.is_steroid() {
        return Err(Error::invalid(
            "drug",
            "a steroid course is prednisolone or prednisone",
        ));
    }
    require_storable_date("start", new.start)?;
    if let Some(liquid) = &new.liquid {
        liquid.validate("liquid")?;
    }
    if let Some(date) = new.remission_confirmed {
        require_storable_date("remission_confirmed", date)?;
    }
    if new.times.is_empty() || new.times.len() > MAX_COURSE_TIMES {
        return Err(Error::invalid(
            "times",
            format!("give between one and {MAX_COURSE_TIMES} dosing times"),
        ));
    }
    let mut sorted = new.times.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != new.times.len() {
        return Err(Error::invalid("times", "must not repeat a time"));
    }
    require_text("changed_by", &new.changed_by, 100)
}

/// The phases of a course from its one source (clinical-rules §4): explicit `phases`, or a
/// `kdigo2025_relapse` / `kdigo2025_initial` template's phases, or the `stamp_protocol` template
/// with the care team's `stamp` choices on `weight_kg` and `tablets`. Refuses a template with
/// phases (`template`), neither (`phases`), `stamp_protocol` without choices and choices without
/// it (`stamp`).
pub fn course_phases(
    template: Option<CourseTemplate>,
    phases: &[Phase],
    stamp: Option<&StampStart>,
    weight_kg: f64,
    tablets: &TabletSpec,
) -> Result<Vec<Phase>> {
    match (template, !phases.is_empty(), stamp) {
        (Some(_), true, _) => Err(Error::invalid(
            "template",
            "give either template or phases, not both",
        )),
        (Some(CourseTemplate::StampProtocol), false, Some(stamp)) => {
            stamp_protocol(stamp, weight_kg, tablets)
        }
        (Some(CourseTemplate::StampProtocol), false, None) => Err(Error::invalid(
            "stamp",
            "the stamp_protocol template needs the care team's starting dose, step and interval",
        )),
        (_, _, Some(_)) => Err(Error::invalid(
            "stamp",
            "belongs to the stamp_protocol template only",
        )),
        (Some(template), false, None) => template.phases(),
        (None, true, None) => Ok(phases.to_vec()),
        (None, false, None) => Err(Error::invalid(
            "phases",
            "give a template or a list of phases",
        )),
    }
}

/// Whether `new` asks for the course stored as `created` (a version 1): the same entries, with
/// the phases resolved on the weight the course was built on (so a weight recorded since does
/// not turn a retry into a conflict).
fn is_same_creation(created: &CourseVersion, new: &NewCourse) -> bool {
    let phases = course_phases(
        new.template,
        &new.phases,
        new.stamp.as_ref(),
        created.plan.weight_kg,
        &new.tablets,
    );
    let mut times = new.times.clone();
    times.sort();
    let reason = new
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    created.drug == new.drug
        && created.template == new.template
        && created.plan.start == new.start
        && created.plan.tablets == new.tablets
        && created.plan.liquid == new.liquid
        && phases.is_ok_and(|phases| phases == created.plan.phases)
        && created.times == times
        && created.remission_confirmed == new.remission_confirmed
        && created.changed_by == new.changed_by
        && created.reason.as_deref() == reason
}

/// Refuses a liquid course with a dosing day that cannot be measured (clinical-rules §12: below
/// one graduation, or rounding that moves the dose by more than 10 %), naming the day and its
/// phase. Every phase is built: an until-remission phase without a confirmation date is taken
/// to end on its first day, which is enough because its dose is the same on every dosing day.
fn require_measurable(plan: &CoursePlan, remission_confirmed: Option<NaiveDate>) -> Result<()> {
    let remission = match remission_confirmed {
        Some(date) => Some(date),
        // The calendar provisional through the start ends on the until-remission phase's first
        // day (or is complete when there is no such phase).
        None => build_provisional_calendar(plan, None, plan.start)?
            .days
            .last()
            .map(|d| d.date),
    };
    // A plan without an until-remission phase ignores the date.
    crate::taper::build_calendar(plan, remission).map(drop)
}

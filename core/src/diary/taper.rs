//! Steroid courses for a screen (clinical-rules §2, §4, §6 and §7): the calendar of a stored
//! course, this week's steroid doses with their tablets, cumulative steroid exposure planned and
//! taken, the schedules the reminder engine needs, and the prompt a new relapse gives.
//!
//! The app never changes a prescription by itself (clinical-rules preamble): a relapse only
//! produces a prompt ("relapse suspected — contact your team; your action plan says …") with the
//! `kdigo2025_relapse` template pre-filled as a suggestion for the care team; a course is stored
//! only when the care team enters it ([`Store::create_course`]).
//!
//! Still no clock: `today` (the patient's local date) is a parameter. The calendar rules
//! themselves (until-remission phases, one course at a time, tablets per dosing time) are those
//! of [`crate::taper::course`]; the first and last dosing days of each course for the relapse
//! engine are [`crate::diary::relapse::steroid_course_spans`].

pub mod records;

use crate::ids::PatientId;
use chrono::{Datelike, Days, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::LoggedDoses;
use crate::body::bsa_mosteller;
use crate::diary::relapse::{relapse_status, RelapseStatus};
use crate::diary::reminders::drug_name;
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::locale::Locale;
use crate::medicine::record::Medicine;
use crate::model::{DoseOutcome, MedicationId};
use crate::relapse::ReportedState;
use crate::schedule::reminder_id;
use crate::store::{CourseCalendar, CourseVersion, NewCourse, Store};
use crate::taper::{
    build_calendar, cumulative_exposure, CoursePlan, CourseTemplate, Exposure, TabletSpec, Tablets,
    TaperDay,
};

/// How many days after `today` a calendar whose until-remission phase has no remission date yet
/// shows the daily dose continuing: the coming days need their doses and reminders (the phone
/// keeps the next 64 reminders, about three weeks of tacrolimus and steroid together). Recomputed
/// on every call, so the horizon moves with `today`.
pub const PROVISIONAL_DAYS_AHEAD: u64 = 28;

/// The dosing time a suggested course is pre-filled with.
pub const DEFAULT_STEROID_TIME: (u32, u32) = (8, 0);

/// The calendars of a course run through this date at least: `today` plus
/// [`PROVISIONAL_DAYS_AHEAD`].
fn horizon(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_days(Days::new(PROVISIONAL_DAYS_AHEAD))
        .unwrap_or(today)
}

/// The calendar of a stored course version (the latest when `version` is `None`): an
/// until-remission phase ends on the confirmed remission (the care team's date, else the relapse
/// engine's over the urine readings) and until then shows the daily dose continuing through
/// `today` + [`PROVISIONAL_DAYS_AHEAD`]; it is recomputed when remission is logged.
pub fn course_calendar(
    store: &Store,
    course_key: &str,
    version: Option<i64>,
    today: NaiveDate,
) -> Result<CourseCalendar> {
    course_calendar_through(store, course_key, version, horizon(today))
}

/// The calendars of the latest version of each of a patient's courses, in creation order (see
/// [`course_calendar`]).
pub fn course_calendars(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
) -> Result<Vec<CourseCalendar>> {
    course_calendars_through(store, patient_id, horizon(today))
}

/// The calendar of a stored course version (the latest when `version` is `None`) with an
/// until-remission phase that has no remission date shown continuing through the date
/// `through` itself (the rules of [`crate::taper::course`], on the store's rows).
pub fn course_calendar_through(
    store: &Store,
    course_key: &str,
    version: Option<i64>,
    through: NaiveDate,
) -> Result<CourseCalendar> {
    let course = store.course(course_key, version)?;
    let courses = store.courses(course.patient_id)?;
    calendar_of(store, course, &courses, through)
}

/// The calendars of the latest version of each of a patient's courses, in creation order, each
/// provisional through the date `through` itself (see [`course_calendar_through`]).
pub fn course_calendars_through(
    store: &Store,
    patient_id: PatientId,
    through: NaiveDate,
) -> Result<Vec<CourseCalendar>> {
    let courses = store.courses(patient_id)?;
    courses
        .iter()
        .map(|course| calendar_of(store, course.clone(), &courses, through))
        .collect()
}

/// One course's calendar among the patient's `courses` (latest versions, creation order).
fn calendar_of(
    store: &Store,
    course: CourseVersion,
    courses: &[CourseVersion],
    through: NaiveDate,
) -> Result<CourseCalendar> {
    let patient_id = course.patient_id;
    crate::taper::course::build_course_calendar(
        course,
        courses,
        |from| store.relapse_readings_from(patient_id, from),
        through,
    )
}

/// One steroid dose of the week view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SteroidDose {
    /// Local date.
    pub date: NaiveDate,
    /// Local time.
    pub time: NaiveTime,
    /// The course's key.
    pub course_key: String,
    /// The course as the medication to log the dose with (written `course-<key>`).
    pub medication_id: MedicationId,
    /// The slot's reminder id (`course-<key>@YYYY-MM-DDTHH:MM`).
    pub reminder_id: String,
    /// Prednisolone or prednisone.
    pub drug: Drug,
    /// mg to give.
    pub mg: f64,
    /// The tablets to give (none for a liquid).
    pub tablets: Tablets,
    /// Tablet strength in mg.
    pub tablet_mg: f64,
    /// For a course given as a liquid, the mL to draw (clinical-rules §12): the family reads
    /// "2.4 mL (12 mg)".
    pub ml: Option<f64>,
    /// Index of the course phase.
    pub phase: u32,
    /// True while the course's until-remission phase is not confirmed: the daily dose is shown
    /// continuing and may change once remission is logged.
    pub provisional: bool,
    /// The live log of this dose, if any.
    pub outcome: Option<DoseOutcome>,
}

/// This week's steroid doses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SteroidWeek {
    /// Monday of the week.
    pub first_day: NaiveDate,
    /// Sunday of the week.
    pub last_day: NaiveDate,
    /// The doses, by date, time and course; days without a dose have none.
    pub doses: Vec<SteroidDose>,
}

/// The steroid doses of the week (Monday to Sunday) that contains `today`, with their tablets
/// and whether each was logged taken or skipped.
pub fn steroid_week(store: &Store, patient_id: PatientId, today: NaiveDate) -> Result<SteroidWeek> {
    let first_day = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let last_day = first_day
        .checked_add_days(Days::new(6))
        .unwrap_or(first_day);
    let doses = steroid_doses(store, patient_id, first_day, last_day, today)?;
    Ok(SteroidWeek {
        first_day,
        last_day,
        doses,
    })
}

/// The steroid doses of every course of the patient with dates in `[from, to]`, in date, time
/// and course order, with their logged outcome. Refuses `to` before `from`.
pub fn steroid_doses(
    store: &Store,
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<SteroidDose>> {
    if to < from {
        return Err(Error::invalid("to", "must not be before from"));
    }
    let logs = store.dose_logs(patient_id, from, to)?;
    let mut doses = Vec::new();
    for course in course_calendars(store, patient_id, today)? {
        let medication_id = course.course.medication_id();
        for slot in course
            .slots()
            .into_iter()
            .filter(|s| (from..=to).contains(&s.date))
        {
            let outcome = logs
                .iter()
                .find(|l| {
                    !l.undone
                        && l.dose.medication
                            == MedicationId::Course(course.course.course_key.clone())
                        && l.dose.slot_date == slot.date
                        && l.dose.slot_time == slot.time
                })
                .map(|l| l.dose.outcome);
            doses.push(SteroidDose {
                date: slot.date,
                time: slot.time,
                course_key: course.course.course_key.clone(),
                medication_id: medication_id.clone(),
                reminder_id: reminder_id(&medication_id.to_string(), slot.date, slot.time),
                drug: course.course.drug,
                mg: slot.mg,
                tablets: slot.tablets,
                tablet_mg: course.course.plan.tablets.tablet_mg,
                ml: slot.ml,
                phase: slot.phase,
                provisional: course.calendar.provisional,
                outcome,
            });
        }
    }
    doses.sort_by(|a, b| (a.date, a.time, &a.course_key).cmp(&(b.date, b.time, &b.course_key)));
    Ok(doses)
}

/// Cumulative steroid exposure over a date range, planned and taken (clinical-rules §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SteroidExposure {
    /// First date of the range.
    pub from: NaiveDate,
    /// Last date of the range (inclusive).
    pub to: NaiveDate,
    /// The one course counted, or `None` for every course of the patient.
    pub course_key: Option<String>,
    /// The weight the figures are divided by: the latest on or before `to` (else the first recorded).
    pub weight_kg: f64,
    /// The unrounded Mosteller BSA (clinical-rules §2) from the height on or before `to` (else the
    /// first recorded) and `weight_kg`; `None` without a height.
    pub bsa_m2: Option<f64>,
    /// The mg of the calendars (latest versions; a provisional phase counted as continuing
    /// through `today` + [`PROVISIONAL_DAYS_AHEAD`]).
    pub planned: Exposure,
    /// The mg of the steroid doses logged as taken (not undone), each at the calendar's mg for
    /// its date and time.
    pub taken: Exposure,
    /// How many taken doses were counted.
    pub taken_doses: u32,
    /// Taken doses on a date and time the latest calendar no longer doses (e.g. the course was
    /// revised afterwards); counted as 0 mg and listed here so that a reader sees them.
    pub unplanned_taken_doses: u32,
}

/// Cumulative steroid exposure of a patient over `[from, to]` (clinical-rules §4: mg, mg/kg,
/// mg/m² and per year), as planned by the calendars and as logged taken; `course_key` limits it
/// to one course. Without one, the glucocorticoids of clinical-rules §12 added as medicines
/// (prednisolone, prednisone, methylprednisolone, deflazacort, hydrocortisone, dexamethasone, in
/// tablets or liquid) count too, in prednisolone-equivalent mg; a typed-in medicine never does. Refuses a range ending before it starts (`range`), an unknown course, a course
/// of another patient (`course_key`), and a patient without a recorded weight (`weight_kg`).
pub fn steroid_exposure(
    store: &Store,
    patient_id: PatientId,
    course_key: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<SteroidExposure> {
    steroid_exposure_with(store, patient_id, course_key, from, to, today, None)
}

/// [`steroid_exposure`], taking the logged doses from `read` when it covers the range.
pub(crate) fn steroid_exposure_with(
    store: &Store,
    patient_id: PatientId,
    course_key: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    read: Option<&LoggedDoses>,
) -> Result<SteroidExposure> {
    if to < from {
        return Err(Error::invalid(
            "range",
            "the last date must not be before the first",
        ));
    }
    if let Some(key) = course_key {
        if store.course(key, None)?.patient_id != patient_id {
            return Err(Error::invalid("course_key", "belongs to another patient"));
        }
    }
    // The latest weight and height on or before the range's end, else the first recorded.
    let (weight, height) = store.weight_and_height_on(patient_id, to)?;
    let history = store.measurements(patient_id)?;
    let weight_kg = weight
        .or_else(|| history.iter().find_map(|m| m.weight_kg))
        .ok_or_else(|| Error::invalid("weight_kg", "record a weight to express exposure per kg"))?;
    let height_cm = height.or_else(|| history.iter().find_map(|m| m.height_cm));
    let bsa_m2 = height_cm
        .map(|height| bsa_mosteller(height, weight_kg))
        .transpose()?;

    let calendars: Vec<CourseCalendar> = course_calendars(store, patient_id, today)?
        .into_iter()
        .filter(|c| course_key.is_none_or(|key| c.course.course_key == key))
        .collect();
    // The glucocorticoids of clinical-rules §12 given as other medicines count too, in
    // prednisolone-equivalent mg; a typed-in medicine never does. A course asked for alone
    // leaves them out.
    let steroid_medicines: Vec<Medicine> = if course_key.is_some() {
        Vec::new()
    } else {
        store
            .medicines(patient_id)?
            .into_iter()
            .filter(|m| m.prednisolone_equivalent_mg().is_some())
            .collect()
    };
    let planned = cumulative_exposure(
        calendars.iter().flat_map(|c| c.calendar.daily_mg()).chain(
            steroid_medicines
                .iter()
                .flat_map(|m| m.planned_steroid_mg(from, to)),
        ),
        (from, to),
        weight_kg,
        bsa_m2,
    )?;

    let mut taken_mg = Vec::new();
    let mut unplanned_taken_doses = 0u32;
    for log in LoggedDoses::between(read, store, patient_id, from, to)?.iter() {
        if log.undone || log.dose.outcome != DoseOutcome::Taken {
            continue;
        }
        let key = match &log.dose.medication {
            MedicationId::Course(key) => key,
            MedicationId::Medicine(id) => {
                let mg = steroid_medicines
                    .iter()
                    .find(|m| m.id == *id)
                    .and_then(Medicine::prednisolone_equivalent_mg);
                if let Some(mg) = mg {
                    taken_mg.push((log.dose.slot_date, mg));
                }
                continue;
            }
            MedicationId::Regimen(_) => continue,
        };
        let Some(course) = calendars.iter().find(|c| &c.course.course_key == key) else {
            continue;
        };
        let slot = course
            .slots_on(log.dose.slot_date)
            .into_iter()
            .find(|s| s.time == log.dose.slot_time);
        match slot {
            Some(slot) => taken_mg.push((slot.date, slot.mg)),
            None => {
                unplanned_taken_doses = unplanned_taken_doses.saturating_add(1);
                taken_mg.push((log.dose.slot_date, 0.0));
            }
        }
    }
    let taken_doses = u32::try_from(taken_mg.len()).unwrap_or(u32::MAX);
    let taken = cumulative_exposure(taken_mg, (from, to), weight_kg, bsa_m2)?;
    Ok(SteroidExposure {
        from,
        to,
        course_key: course_key.map(str::to_string),
        weight_kg,
        bsa_m2,
        planned,
        taken,
        taken_doses,
        unplanned_taken_doses,
    })
}

/// A `kdigo2025_relapse` course pre-filled for the care team (never stored by the app).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestedCourse {
    /// The course to enter, starting `today` at 08:00 with the patient's last steroid (else
    /// prednisolone) in 5 mg tablets; `changed_by` is left empty for the care team to sign.
    pub course: NewCourse,
    /// The plan on the latest weight and height on or before `today`; `None` without them.
    pub plan: Option<CoursePlan>,
    /// The first day of the daily phase (mg and tablets), when the plan is known.
    pub daily: Option<TaperDay>,
    /// The first day of the alternate-day phase, when the plan is known.
    pub alternate_day: Option<TaperDay>,
}

/// What the family sees when a relapse is confirmed and no course has been started for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelapsePrompt {
    /// The relapse's onset (the first of three nephrotic days, clinical-rules §6).
    pub relapse_onset: NaiveDate,
    /// The day it was confirmed (the third).
    pub relapse_confirmed: NaiveDate,
    /// The pre-filled `kdigo2025_relapse` course for the care team.
    pub suggestion: SuggestedCourse,
    /// The locale of `text`.
    pub locale: Locale,
    /// "Relapse suspected — contact your team; your action plan says …", in `locale`.
    pub text: String,
}

/// The relapse prompt on `today`, if any: when the relapse engine reports an open relapse
/// ([`relapse_status`], clinical-rules §6) and none of the patient's courses starts on or after
/// its onset. A new relapse never changes the plan by itself: the prompt tells the family to
/// contact their team and what their action plan (the KDIGO 2025 relapse course, clinical-rules
/// §4) says, and carries that course pre-filled for the care team to start.
pub fn relapse_prompt(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
    locale: Locale,
) -> Result<Option<RelapsePrompt>> {
    let status = relapse_status(store, patient_id, today, locale)?;
    relapse_prompt_of(store, patient_id, &status, today, locale)
}

/// [`relapse_prompt`] from a relapse status already walked for `today` (the home screen walks it
/// once for its banner and its prompt).
pub(crate) fn relapse_prompt_of(
    store: &Store,
    patient_id: PatientId,
    status: &RelapseStatus,
    today: NaiveDate,
    locale: Locale,
) -> Result<Option<RelapsePrompt>> {
    if status.assessment.state != ReportedState::Relapse {
        return Ok(None);
    }
    let Some(relapse) = status
        .assessment
        .relapses
        .last()
        .filter(|r| r.remission_onset.is_none())
        .copied()
    else {
        return Ok(None);
    };
    let courses = store.courses(patient_id)?;
    if courses.iter().any(|c| c.plan.start >= relapse.onset) {
        return Ok(None);
    }
    let drug = courses.last().map_or(Drug::Prednisolone, |c| c.drug);
    let suggestion = suggested_relapse_course(store, patient_id, drug, today)?;
    let text = relapse_prompt_text(&suggestion, locale);
    Ok(Some(RelapsePrompt {
        relapse_onset: relapse.onset,
        relapse_confirmed: relapse.confirmed,
        suggestion,
        locale,
        text,
    }))
}

/// The `kdigo2025_relapse` course from `start` on the latest weight and height on or before it.
pub fn suggested_relapse_course(
    store: &Store,
    patient_id: PatientId,
    drug: Drug,
    start: NaiveDate,
) -> Result<SuggestedCourse> {
    let template = CourseTemplate::Kdigo2025Relapse;
    let time = NaiveTime::from_hms_opt(DEFAULT_STEROID_TIME.0, DEFAULT_STEROID_TIME.1, 0)
        .unwrap_or(NaiveTime::MIN);
    let course = NewCourse {
        drug,
        template: Some(template),
        phases: Vec::new(),
        stamp: None,
        start,
        tablets: TabletSpec::default(),
        liquid: None,
        times: vec![time],
        remission_confirmed: None,
        changed_by: String::new(),
        reason: None,
        client_id: None,
    };
    let (weight, height) = store.weight_and_height_on(patient_id, start)?;
    let (plan, daily, alternate_day) = match (weight, height) {
        (Some(weight_kg), Some(height_cm)) => {
            let plan = CoursePlan {
                start,
                weight_kg,
                height_cm: Some(height_cm),
                tablets: course.tablets,
                liquid: None,
                phases: template.phases()?,
            };
            // Remission on the first day shows one day of each phase.
            let preview = build_calendar(&plan, Some(start))?;
            let daily = preview.days.first().cloned();
            let alternate_day = preview.days.get(1).cloned();
            (Some(plan), daily, alternate_day)
        }
        _ => (None, None, None),
    };
    Ok(SuggestedCourse {
        course,
        plan,
        daily,
        alternate_day,
    })
}

/// The relapse prompt's words for a suggestion: "Relapse suspected — contact your team; your
/// action plan says: …" with the course's mg and tablets when the body size is known, otherwise
/// the template's rates (clinical-rules §4 `kdigo2025_relapse`: 60 mg/m² a day, at most 60 mg,
/// until remission; then 40 mg/m², at most 40 mg, on alternate days for 28 days).
pub fn relapse_prompt_text(suggestion: &SuggestedCourse, locale: Locale) -> String {
    let drug = drug_name(suggestion.course.drug, locale);
    let tablet_mg = suggestion.course.tablets.tablet_mg;
    let amount = |day: &Option<TaperDay>, per_m2: u32, cap: u32| match day {
        Some(day) => message!(
            locale,
            "taper-amount-in-tablets",
            mg = day.mg.to_string(),
            tablets = tablets_text(day.tablets, locale),
            tablet_mg = tablet_mg.to_string()
        ),
        None => message!(locale, "taper-amount-per-m2", per_m2 = per_m2, cap = cap),
    };
    let daily = amount(&suggestion.daily, 60, 60);
    let alternate = amount(&suggestion.alternate_day, 40, 40);
    message!(
        locale,
        "taper-relapse-prompt",
        drug = drug,
        daily = daily,
        alternate = alternate
    )
}

/// "9½ tablets", "½ tablet", "1 tablet"; "9½片".
pub fn tablets_text(tablets: Tablets, locale: Locale) -> String {
    let count = match (tablets.whole, tablets.halves > 0) {
        (0, true) => "½".to_string(),
        (whole, true) => format!("{whole}½"),
        (whole, false) => whole.to_string(),
    };
    let one_or_less =
        (tablets.whole, tablets.halves) == (1, 0) || (tablets.whole, tablets.halves) == (0, 1);
    // "one" chooses the singular: one tablet or half of one.
    let form = if one_or_less { "one" } else { "other" };
    message!(locale, "taper-tablets", count = count, form = form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DoseOutcome, Measurement, NewDoseLog};
    use crate::protein::{DipstickGrade, UrineMeasurement};
    use crate::store::tests::seeded;
    use crate::store::urine::NewUrineReading;
    use crate::taper::{DoseBasis, Frequency, Phase, PhaseLength};

    use crate::test_support::{date, time};

    fn course(start: &str, phases: Vec<Phase>) -> NewCourse {
        NewCourse {
            drug: Drug::Prednisolone,
            template: None,
            phases,
            stamp: None,
            start: date(start),
            tablets: TabletSpec::default(),
            liquid: None,
            times: vec![time("08:00")],
            remission_confirmed: None,
            changed_by: "Dr. Nephrologist".into(),
            reason: None,
            client_id: None,
        }
    }

    fn fixed(mg: f64, frequency: Frequency, days: u32) -> Phase {
        Phase {
            dose: Some(DoseBasis::Mg(mg)),
            max_mg: None,
            frequency,
            length: PhaseLength::Days(days),
        }
    }

    /// Five minutes after the 08:00 dose of `day` in the patient's zone (Shanghai).
    fn given_at(day: &str) -> i64 {
        crate::schedule::slot_instant(date(day), time("08:00"), chrono_tz::Tz::Asia__Shanghai)
            .timestamp_millis()
            + 5 * 60_000
    }

    fn log(store: &mut Store, key: &str, day: &str, outcome: DoseOutcome) {
        store
            .log_dose(
                &NewDoseLog::new(
                    format!("{key}-{day}"),
                    MedicationId::Course(key.into()),
                    date(day),
                    time("08:00"),
                    outcome,
                    given_at(day),
                    "mother".into(),
                ),
                given_at(day),
                None,
            )
            .unwrap();
    }

    fn dipsticks(store: &mut Store, patient_id: PatientId, first: &str, grades: &[DipstickGrade]) {
        for (i, grade) in grades.iter().enumerate() {
            let day = date(first) + Days::new(i as u64);
            let taken_at =
                crate::schedule::slot_instant(day, time("07:00"), chrono_tz::Asia::Shanghai);
            store
                .log_urine_reading(&NewUrineReading {
                    client_id: format!("urine-{day}"),
                    patient_id,
                    measurement: UrineMeasurement::Dipstick(*grade),
                    taken_at_ms: taken_at.timestamp_millis(),
                    taken_on: None,
                    first_morning: true,
                    note: None,
                    logged_by: "mother".into(),
                    photo: None,
                })
                .unwrap();
        }
    }

    #[test]
    fn the_week_runs_monday_to_sunday_with_tablets_and_logged_outcomes() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        // 12.5 mg on alternate days from Wednesday 2025-06-11.
        let key = store
            .create_course(
                patient.id,
                &course("2025-06-11", vec![fixed(12.5, Frequency::AlternateDay, 14)]),
            )
            .unwrap()
            .course_key;
        log(&mut store, &key, "2025-06-11", DoseOutcome::Taken);
        log(&mut store, &key, "2025-06-13", DoseOutcome::Skipped);
        let week = steroid_week(&store, patient.id, date("2025-06-14")).unwrap();
        assert_eq!(
            (week.first_day, week.last_day),
            (date("2025-06-09"), date("2025-06-15"))
        );
        let days: Vec<(NaiveDate, f64, Option<DoseOutcome>)> = week
            .doses
            .iter()
            .map(|d| (d.date, d.mg, d.outcome))
            .collect();
        assert_eq!(
            days,
            vec![
                (date("2025-06-11"), 12.5, Some(DoseOutcome::Taken)),
                (date("2025-06-13"), 12.5, Some(DoseOutcome::Skipped)),
                (date("2025-06-15"), 12.5, None),
            ]
        );
        let first = &week.doses[0];
        assert_eq!(
            first.tablets,
            Tablets {
                whole: 2,
                halves: 1
            }
        );
        assert_eq!(first.reminder_id, format!("course-{key}@2025-06-11T08:00"));
        assert!(!first.provisional);
        // A Sunday belongs to the week that began the Monday before.
        assert_eq!(
            steroid_week(&store, patient.id, date("2025-06-15"))
                .unwrap()
                .first_day,
            date("2025-06-09")
        );
        assert_eq!(
            steroid_week(&store, patient.id, date("2025-06-16"))
                .unwrap()
                .doses
                .len(),
            3
        );
        assert!(steroid_doses(
            &store,
            patient.id,
            date("2025-06-02"),
            date("2025-06-01"),
            date("2025-06-01")
        )
        .is_err());
    }

    #[test]
    fn an_unconfirmed_relapse_course_shows_the_daily_dose_continuing_ahead_of_today() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let relapse = NewCourse {
            template: Some(CourseTemplate::Kdigo2025Relapse),
            ..course("2025-06-10", vec![])
        };
        let key = store
            .create_course(patient.id, &relapse)
            .unwrap()
            .course_key;
        let calendar = course_calendar(&store, &key, None, date("2025-06-12")).unwrap();
        assert!(calendar.calendar.provisional);
        assert_eq!(
            calendar.calendar.days.last().map(|d| d.date),
            Some(date("2025-07-10"))
        );
        let dates = calendar.calendar.dosing_dates();
        assert_eq!(
            (dates.first(), dates.len()),
            (Some(&date("2025-06-10")), 31)
        );
        // Remission logged: the calendar is recomputed, the daily phase ends on its third day.
        dipsticks(
            &mut store,
            patient.id,
            "2025-06-10",
            &[DipstickGrade::ThreePlus, DipstickGrade::Trace],
        );
        dipsticks(
            &mut store,
            patient.id,
            "2025-06-12",
            &[DipstickGrade::Negative, DipstickGrade::Negative],
        );
        let closed = course_calendar(&store, &key, None, date("2025-06-14")).unwrap();
        assert_eq!(closed.remission_confirmed, Some(date("2025-06-13")));
        let dates = closed.calendar.dosing_dates();
        // 4 daily days, then 14 alternate days from 06-14.
        assert_eq!(dates.len(), 18);
        assert_eq!(dates[4..6], [date("2025-06-14"), date("2025-06-16")]);
    }

    #[test]
    fn exposure_is_counted_as_planned_and_as_taken() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        // 20 mg daily for 10 days from 06-10.
        let key = store
            .create_course(
                patient.id,
                &course("2025-06-10", vec![fixed(20.0, Frequency::Daily, 10)]),
            )
            .unwrap()
            .course_key;
        for day in ["2025-06-10", "2025-06-11", "2025-06-12"] {
            log(&mut store, &key, day, DoseOutcome::Taken);
        }
        log(&mut store, &key, "2025-06-13", DoseOutcome::Skipped);
        let e = steroid_exposure(
            &store,
            patient.id,
            None,
            date("2025-06-01"),
            date("2025-06-30"),
            date("2025-06-14"),
        )
        .unwrap();
        assert_eq!(
            (
                e.planned.mg,
                e.taken.mg,
                e.taken_doses,
                e.unplanned_taken_doses
            ),
            (200.0, 60.0, 3, 0)
        );
        assert_eq!((e.weight_kg, e.planned.days), (20.0, 30));
        assert!((e.planned.mg_per_kg - 10.0).abs() < 1e-9);
        let bsa = (115.0_f64 * 20.0 / 3600.0).sqrt();
        assert!((e.taken.mg_per_m2.unwrap() - 60.0 / bsa).abs() < 1e-9);
        assert!((e.taken.mg_per_year - 60.0 * 365.25 / 30.0).abs() < 1e-9);
        // A range inside the course.
        let part = steroid_exposure(
            &store,
            patient.id,
            Some(&key),
            date("2025-06-11"),
            date("2025-06-11"),
            date("2025-06-14"),
        )
        .unwrap();
        assert_eq!((part.planned.mg, part.taken.mg), (20.0, 20.0));
        // Revised afterwards to start later: the doses already taken stay counted as unplanned.
        let later = NewCourse {
            reason: Some("start moved".into()),
            ..course("2025-06-12", vec![fixed(10.0, Frequency::Daily, 2)])
        };
        store.revise_course(&key, 1, &later).unwrap();
        let revised = steroid_exposure(
            &store,
            patient.id,
            None,
            date("2025-06-01"),
            date("2025-06-30"),
            date("2025-06-14"),
        )
        .unwrap();
        assert_eq!((revised.planned.mg, revised.taken.mg), (20.0, 10.0));
        assert_eq!((revised.taken_doses, revised.unplanned_taken_doses), (3, 2));
        // Refusals name their field.
        let reversed = steroid_exposure(
            &store,
            patient.id,
            None,
            date("2025-06-30"),
            date("2025-06-01"),
            date("2025-06-14"),
        );
        assert!(reversed.unwrap_err().to_string().contains("range"));
        let other = store
            .create_patient(&crate::store::tests::sample_patient())
            .unwrap();
        let m = Measurement {
            global_id: Default::default(),
            id: Default::default(),
            measured_on: date("2025-06-01"),
            weight_kg: Some(30.0),
            height_cm: None,
            confirmed: false,
        };
        store.add_measurement(other.id, &m).unwrap();
        let foreign = steroid_exposure(
            &store,
            other.id,
            Some(&key),
            date("2025-06-01"),
            date("2025-06-30"),
            date("2025-06-14"),
        );
        assert!(foreign.unwrap_err().to_string().contains("course_key"));
        let nobody = steroid_exposure(
            &store,
            other.id,
            None,
            date("2025-06-01"),
            date("2025-06-30"),
            date("2025-06-14"),
        )
        .unwrap();
        assert_eq!((nobody.planned.mg, nobody.bsa_m2), (0.0, None));
    }

    #[test]
    fn a_relapse_prompts_the_family_and_never_starts_a_course() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        use DipstickGrade::{Negative, ThreePlus};
        dipsticks(
            &mut store,
            patient.id,
            "2025-06-20",
            &[Negative, ThreePlus, ThreePlus],
        );
        assert_eq!(
            relapse_prompt(&store, patient.id, date("2025-06-22"), Locale::En).unwrap(),
            None,
            "watch, not relapse"
        );
        dipsticks(&mut store, patient.id, "2025-06-23", &[ThreePlus]);
        let prompt = relapse_prompt(&store, patient.id, date("2025-06-23"), Locale::En)
            .unwrap()
            .expect("a prompt");
        assert_eq!(
            (prompt.relapse_onset, prompt.relapse_confirmed),
            (date("2025-06-21"), date("2025-06-23"))
        );
        assert!(
            prompt
                .text
                .starts_with("Relapse suspected — contact your team; your action plan says: "),
            "{}",
            prompt.text
        );
        // 20 kg, 115 cm: BSA 0.799 m²; 60 × 0.799 = 47.96 → 47.5 mg; 40 × 0.799 = 31.97 → 32.5 mg.
        assert!(
            prompt
                .text
                .contains("47.5 mg (9½ tablets of 5 mg) once a day"),
            "{}",
            prompt.text
        );
        assert!(
            prompt
                .text
                .contains("then 32.5 mg (6½ tablets of 5 mg) every other day for 28 days"),
            "{}",
            prompt.text
        );
        let suggestion = &prompt.suggestion;
        assert_eq!(
            suggestion.course.template,
            Some(CourseTemplate::Kdigo2025Relapse)
        );
        assert_eq!(suggestion.course.start, date("2025-06-23"));
        assert_eq!(suggestion.plan.as_ref().map(|p| p.weight_kg), Some(20.0));
        assert!(
            store.courses(patient.id).unwrap().is_empty(),
            "the app never starts a course by itself"
        );
        let zh = relapse_prompt(&store, patient.id, date("2025-06-23"), Locale::ZhHans)
            .unwrap()
            .expect("a prompt");
        assert!(
            zh.text
                .starts_with("疑似复发——请联系医疗团队；您的行动计划是："),
            "{}",
            zh.text
        );
        assert!(
            zh.text.contains("泼尼松龙每天一次47.5 mg（5 mg片剂9½片）"),
            "{}",
            zh.text
        );
        // The care team signs the suggestion: the prompt is answered.
        let mut started = suggestion.course.clone();
        started.changed_by = "Dr. Nephrologist".into();
        store.create_course(patient.id, &started).unwrap();
        assert_eq!(
            relapse_prompt(&store, patient.id, date("2025-06-24"), Locale::En).unwrap(),
            None
        );
    }

    #[test]
    fn the_prompt_describes_the_template_when_the_body_size_is_unknown() {
        let suggestion = SuggestedCourse {
            course: NewCourse {
                template: Some(CourseTemplate::Kdigo2025Relapse),
                ..course("2025-06-10", vec![])
            },
            plan: None,
            daily: None,
            alternate_day: None,
        };
        let text = relapse_prompt_text(&suggestion, Locale::En);
        assert!(
            text.contains("Prednisolone 60 mg/m² (at most 60 mg) once a day"),
            "{text}"
        );
        assert!(
            text.contains("then 40 mg/m² (at most 40 mg) every other day"),
            "{text}"
        );
        assert!(relapse_prompt_text(&suggestion, Locale::ZhHans).contains("60 mg/m²（最多60 mg）"));
    }

    #[test]
    fn tablets_read_naturally() {
        let t = |whole, halves| Tablets { whole, halves };
        assert_eq!(tablets_text(t(0, 1), Locale::En), "½ tablet");
        assert_eq!(tablets_text(t(1, 0), Locale::En), "1 tablet");
        assert_eq!(tablets_text(t(1, 1), Locale::En), "1½ tablets");
        assert_eq!(tablets_text(t(12, 0), Locale::En), "12 tablets");
        assert_eq!(tablets_text(t(9, 1), Locale::ZhHans), "9½片");
    }
}

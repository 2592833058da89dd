//! `nephro taper`: the calendars of a diary's steroid courses as a clinician reads them — the
//! plan and its versions, one line per date (mg, tablets, phase, what was logged), and the
//! cumulative steroid exposure planned and taken (clinical-rules §4). Also the demo's relapse
//! course and its summary section.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Days, NaiveDate, NaiveTime, Utc};
use nephro_core::body::bsa_mosteller;
use nephro_core::dates::{format_date, parse_date, parse_time_zone};
use nephro_core::diary::taper::{
    course_calendar, relapse_prompt_text, steroid_exposure, steroid_week, suggested_relapse_course,
    tablets_text, SteroidExposure,
};
use nephro_core::drug::Drug;
use nephro_core::locale::Locale;
use nephro_core::medicine::liquid::Liquid;
use nephro_core::medicine::record::MedicineDose;
use nephro_core::model::{DoseOutcome, MedicationId, NewDoseLog};
use nephro_core::schedule::slot_instant;
use nephro_core::store::{CourseCalendar, CourseVersion, NewCourse, Store};
use nephro_core::taper::{CourseTemplate, DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};

use crate::demo_diary::{DemoDiary, SampleRandom};

use crate::diary_file::{named_or_all_patients, open_existing};
use crate::terminal::{about, emit, without_control_characters, CliResult};

/// Prints the calendar of every steroid course in the diary at `db` (or only of `course`), for
/// dates `from` to `to` (default: the whole calendar), with the exposure over the same dates.
/// `today` (default: the patient's local date now) decides how far a course whose remission is
/// not confirmed yet is shown continuing.
pub fn run(
    db: &Path,
    course: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    today: Option<&str>,
) -> CliResult<()> {
    let from = from.map(|d| parse_date("--from", d)).transpose()?;
    let to = to.map(|d| parse_date("--to", d)).transpose()?;
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err("--to must not be before --from".into());
        }
    }
    let today = today.map(|d| parse_date("--today", d)).transpose()?;
    let store = open_existing(db)?;
    let courses: Vec<CourseVersion> = match course {
        Some(key) => vec![store.course(key, None).map_err(about("--course"))?],
        None => {
            let mut all = Vec::new();
            for patient in named_or_all_patients(&store, None)? {
                all.extend(store.courses(patient.id)?);
            }
            all
        }
    };
    if courses.is_empty() {
        emit(&format!(
            "{} holds no steroid course.\n",
            without_control_characters(&db.display().to_string())
        ))?;
    }
    for (i, course) in courses.iter().enumerate() {
        if i > 0 {
            emit("\n")?;
        }
        let today = match today {
            Some(date) => date,
            None => {
                let zone = store.patient(course.patient_id)?.profile.time_zone;
                Utc::now()
                    .with_timezone(&parse_time_zone("time_zone", &zone)?)
                    .date_naive()
            }
        };
        emit(&course_report(&store, &course.course_key, from, to, today)?)?;
    }
    Ok(())
}

/// One course as a readable block: plan, versions, the calendar table and the exposure.
pub fn course_report(
    store: &Store,
    course_key: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> CliResult<String> {
    let calendar = course_calendar(store, course_key, None, today)?;
    let course = &calendar.course;
    let versions = store.course_versions(course_key)?;
    let mut out = String::new();
    writeln!(
        out,
        "Steroid course {} — {}, version {} of {} (patient {})",
        course.course_key,
        course.drug.display_name(),
        course.version,
        versions.len(),
        course.patient_id
    )?;
    write!(out, "{}", plan_lines(&calendar)?)?;
    for v in &versions {
        writeln!(
            out,
            "Version {}   stored by {}{}",
            v.version,
            v.changed_by,
            v.reason
                .as_deref()
                .map_or(String::new(), |r| format!(" — {r}"))
        )?;
    }
    let days = &calendar.calendar.days;
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        writeln!(out, "Calendar    no days (stopped before it started)")?;
        return Ok(out);
    };
    let from = from.unwrap_or(first.date);
    let to = to.unwrap_or(last.date);
    let logs = store.dose_logs(course.patient_id, from, to)?;
    let medication = MedicationId::Course(course.course_key.clone());
    // A course given as an oral solution shows each day's volume (clinical-rules §12).
    let liquid = course.plan.liquid.is_some();
    writeln!(
        out,
        "date         mg      {:<12} phase  logged",
        if liquid { "mL" } else { "tablets" }
    )?;
    for day in days.iter().filter(|d| (from..=to).contains(&d.date)) {
        let logged: Vec<&str> = logs
            .iter()
            .filter(|l| {
                !l.undone && l.dose.medication == medication && l.dose.slot_date == day.date
            })
            .map(|l| l.dose.outcome.id())
            .collect();
        let tablets = if day.mg > 0.0 {
            match day.ml {
                Some(ml) => format!("{ml} mL"),
                None => tablets_text(day.tablets, Locale::En),
            }
        } else {
            "—".to_string()
        };
        writeln!(
            out,
            "{}   {:<7} {:<12} {:<6} {}",
            format_date(day.date),
            day.mg,
            tablets,
            day.phase + 1,
            if logged.is_empty() {
                "—".to_string()
            } else {
                logged.join(", ")
            }
        )?;
    }
    if calendar.calendar.provisional {
        writeln!(
            out,
            "(provisional: remission not confirmed yet; the daily dose is shown continuing)"
        )?;
    }
    let exposure = steroid_exposure(store, course.patient_id, Some(course_key), from, to, today)?;
    write!(out, "{}", exposure_lines(&exposure)?)?;
    Ok(out)
}

/// The plan: template, start, body size, tablets, times, phases and remission.
fn plan_lines(calendar: &CourseCalendar) -> CliResult<String> {
    let course = &calendar.course;
    let plan = &course.plan;
    let mut out = String::new();
    let body = match plan.height_cm {
        Some(height) => {
            format!(
                "{} kg, {} cm (BSA {:.2} m², Mosteller)",
                plan.weight_kg,
                height,
                bsa_mosteller(height, plan.weight_kg)?
            )
        }
        None => format!("{} kg", plan.weight_kg),
    };
    let times: Vec<String> = course
        .times
        .iter()
        .map(|t| t.format("%H:%M").to_string())
        .collect();
    let form = match plan.liquid {
        Some(liquid) => format!(
            "{} mg/mL oral solution, {} mL syringe marks",
            liquid.concentration_mg_per_ml, liquid.syringe_step_ml
        ),
        None => format!(
            "{} mg tablets{}",
            plan.tablets.tablet_mg,
            if plan.tablets.allow_half {
                ", halves allowed"
            } else {
                ", whole tablets only"
            }
        ),
    };
    writeln!(
        out,
        "Plan        {}; starts {} on {body}; {form}; at {}",
        course
            .template
            .map_or("explicit phases".to_string(), |t| format!(
                "template {}",
                t.id()
            )),
        format_date(plan.start),
        times.join(", ")
    )?;
    for (i, phase) in plan.phases.iter().enumerate() {
        writeln!(out, "Phase {}     {}", i + 1, phase_words(phase))?;
    }
    let remission = match (calendar.remission_confirmed, calendar.remission_source) {
        (Some(date), Some(nephro_core::store::RemissionSource::CareTeam)) => {
            format!("confirmed {} (entered by the care team)", format_date(date))
        }
        (Some(date), _) => format!(
            "confirmed {} (urine readings: third remission-level morning)",
            format_date(date)
        ),
        (None, _)
            if plan
                .phases
                .iter()
                .any(|p| p.length == PhaseLength::UntilRemission) =>
        {
            "not confirmed yet".to_string()
        }
        (None, _) => "—".to_string(),
    };
    writeln!(out, "Remission   {remission}")?;
    if let Some(next) = calendar.stopped_from {
        writeln!(
            out,
            "Stopped     from {} (the next course starts)",
            format_date(next)
        )?;
    }
    let c = &calendar.calendar;
    writeln!(
        out,
        "Calendar    {} dosing days, {} mg in all{}",
        c.dosing_days,
        c.total_mg,
        match (c.first_dosing_day, c.last_dosing_day) {
            (Some(a), Some(b)) => format!(", {} to {}", format_date(a), format_date(b)),
            _ => String::new(),
        }
    )?;
    Ok(out)
}

/// "60 mg/m² daily (at most 60 mg) until remission".
pub fn phase_words(phase: &Phase) -> String {
    let frequency = match phase.frequency {
        Frequency::Daily => "daily",
        Frequency::AlternateDay => "alternate days",
    };
    let dose = match phase.dose {
        Some(DoseBasis::MgPerKg(rate)) => format!("{rate} mg/kg "),
        Some(DoseBasis::MgPerM2(rate)) => format!("{rate} mg/m² "),
        Some(DoseBasis::Mg(mg)) => format!("{mg} mg "),
        None => String::new(),
    };
    let cap = phase
        .max_mg
        .map_or(String::new(), |cap| format!(" (at most {cap} mg)"));
    match phase.length {
        PhaseLength::Days(days) => format!("{dose}{frequency}{cap} for {days} days"),
        PhaseLength::UntilRemission => format!("{dose}{frequency}{cap} until remission"),
        PhaseLength::Taper {
            from_mg,
            to_mg,
            step_mg,
            every_days,
        } => {
            format!("taper {from_mg} → {to_mg} mg, {step_mg} mg lower every {every_days} days, {frequency}{cap}")
        }
    }
}

/// The exposure lines: planned and taken, in mg, mg/kg, mg/m² and per year.
fn exposure_lines(e: &SteroidExposure) -> CliResult<String> {
    let mut out = String::new();
    let per_m2 = |x: Option<f64>| x.map_or(String::new(), |v| format!(", {v:.0} mg/m²"));
    writeln!(
        out,
        "Exposure    {} to {} ({} days; per kg on {} kg{}):",
        format_date(e.from),
        format_date(e.to),
        e.planned.days,
        e.weight_kg,
        e.bsa_m2
            .map_or(String::new(), |b| format!(", per m² on {b:.2} m²"))
    )?;
    writeln!(
        out,
        "  planned   {} mg ({:.1} mg/kg{}), {:.0} mg per year",
        e.planned.mg,
        e.planned.mg_per_kg,
        per_m2(e.planned.mg_per_m2),
        e.planned.mg_per_year
    )?;
    writeln!(
        out,
        "  taken     {} mg ({:.1} mg/kg{}), {:.0} mg per year — {} doses logged taken{}",
        e.taken.mg,
        e.taken.mg_per_kg,
        per_m2(e.taken.mg_per_m2),
        e.taken.mg_per_year,
        e.taken_doses,
        if e.unplanned_taken_doses > 0 {
            format!(
                ", {} on days the plan no longer doses",
                e.unplanned_taken_doses
            )
        } else {
            String::new()
        }
    )?;
    Ok(out)
}

/// Who entered the demo course.
const DEMO_CLINIC: &str = "Paediatric nephrology clinic";

/// The demo's prednisolone oral solution, mg/mL.
const DEMO_SOLUTION_MG_PER_ML: f64 = 5.0;

/// Seeds the demo's steroid course: the care team starts a `kdigo2025_relapse` course on the day
/// the demo relapse is confirmed ([`crate::relapse::demo_relapse_onset`] + 2 days; its daily
/// phase ends when the urine readings confirm remission), then revises it (version 2) to add a
/// slow alternate-day taper after the 28 alternate days; every steroid dose up to yesterday is
/// logged, one of them skipped (vomiting).
pub fn seed_demo(store: &mut Store, demo: &DemoDiary) -> CliResult<()> {
    let start = crate::relapse::demo_relapse_onset(demo) + Days::new(2);
    if start >= demo.today {
        return Ok(());
    }
    let eight = NaiveTime::from_hms_opt(8, 0, 0).ok_or("time")?;
    let relapse_course = NewCourse {
        drug: Drug::Prednisolone,
        template: Some(CourseTemplate::Kdigo2025Relapse),
        phases: Vec::new(),
        stamp: None,
        start,
        tablets: TabletSpec::default(),
        // A six-year-old who takes the steroid as an oral solution (clinical-rules §12).
        liquid: Some(Liquid::new(DEMO_SOLUTION_MG_PER_ML)),
        times: vec![eight],
        remission_confirmed: None,
        changed_by: DEMO_CLINIC.into(),
        reason: Some("relapse confirmed by three nephrotic mornings".into()),
        client_id: Some("demo-course-relapse".into()),
    };
    let first = store.create_course(demo.patient.id, &relapse_course)?;
    let mut phases = CourseTemplate::Kdigo2025Relapse.phases()?;
    phases.push(Phase {
        dose: None,
        max_mg: None,
        frequency: Frequency::AlternateDay,
        length: PhaseLength::Taper {
            from_mg: 15.0,
            to_mg: 5.0,
            step_mg: 5.0,
            every_days: 14,
        },
    });
    let revised = NewCourse {
        template: None,
        phases,
        reason: Some("in remission: taper slowly on alternate days instead of stopping".into()),
        ..relapse_course
    };
    let course = store.revise_course(&first.course_key, first.version, &revised)?;

    let tz = parse_time_zone("time_zone", &demo.patient.profile.time_zone)?;
    let calendar = course_calendar(store, &course.course_key, None, demo.today)?;
    let medication = MedicationId::Course(course.course_key.clone());
    let mut random = SampleRandom::new(4242);
    let slots: Vec<_> = calendar
        .slots()
        .into_iter()
        .filter(|s| s.date < demo.today)
        .collect();
    let skipped_at = slots.len() / 3;
    for (i, slot) in slots.iter().enumerate() {
        let outcome = if i == skipped_at {
            DoseOutcome::Skipped
        } else {
            DoseOutcome::Taken
        };
        let scheduled = slot_instant(slot.date, slot.time, tz);
        let given_at = scheduled.timestamp_millis() + random.between(-10, 40) * 60_000;
        // Logged as it is given: the phone's clock reads the time of the dose.
        store.log_dose(
            &NewDoseLog::new(
                format!("demo-{medication}-{}", format_date(slot.date)),
                medication.clone(),
                slot.date,
                slot.time,
                outcome,
                given_at,
                if random.next_unit() < 0.7 {
                    "mother".into()
                } else {
                    "father".into()
                },
            ),
            given_at,
            None,
        )?;
    }
    Ok(())
}

/// The demo summary's steroid section: the course, what the family was told at the relapse,
/// this week's doses with tablets, and the cumulative exposure.
pub fn demo_section(store: &Store, demo: &DemoDiary) -> CliResult<String> {
    let mut out = String::new();
    let Some(course) = store.courses(demo.patient.id)?.into_iter().last() else {
        return Ok(out);
    };
    let calendar = course_calendar(store, &course.course_key, None, demo.today)?;
    let plan = &course.plan;
    writeln!(out)?;
    writeln!(
        out,
        "Steroid   {}{} course {} (version {}) from {} on {} kg: {} dosing days, {} mg planned; remission {}",
        course.drug.display_name(),
        plan.liquid.map_or(String::new(), |l| format!(
            " {} mg/mL oral solution",
            l.concentration_mg_per_ml
        )),
        course.course_key,
        course.version,
        format_date(plan.start),
        plan.weight_kg,
        calendar.calendar.dosing_days,
        calendar.calendar.total_mg,
        calendar
            .remission_confirmed
            .map_or("not confirmed yet".to_string(), |d| format!("confirmed {}", format_date(d)))
    )?;
    let suggestion = suggested_relapse_course(store, demo.patient.id, course.drug, plan.start)?;
    writeln!(
        out,
        "          On {} the family was told: {}",
        format_date(plan.start),
        relapse_prompt_text(&suggestion, Locale::En)
    )?;
    let week = steroid_week(store, demo.patient.id, demo.today)?;
    writeln!(
        out,
        "This week {} to {}:",
        format_date(week.first_day),
        format_date(week.last_day)
    )?;
    if week.doses.is_empty() {
        writeln!(out, "          no steroid doses")?;
    }
    for dose in &week.doses {
        let status = match dose.outcome {
            Some(outcome) => outcome.id().to_string(),
            None if dose.date < demo.today => "not logged".to_string(),
            None => "to give".to_string(),
        };
        let amount = match dose.ml {
            // What the family draws up: "3 mL (15 mg)".
            Some(ml) => MedicineDose {
                mg: dose.mg,
                ml: Some(ml),
            }
            .text(),
            None => format!(
                "{} mg = {} of {} mg",
                dose.mg,
                tablets_text(dose.tablets, Locale::En),
                dose.tablet_mg
            ),
        };
        writeln!(
            out,
            "          {} {} {} {amount} — {status}",
            dose.date.format("%a"),
            format_date(dose.date),
            dose.time.format("%H:%M"),
        )?;
    }
    let yesterday = demo.today - Days::new(1);
    let exposure = steroid_exposure(
        store,
        demo.patient.id,
        None,
        demo.first_day,
        yesterday,
        demo.today,
    )?;
    let per_m2 = exposure
        .taken
        .mg_per_m2
        .map_or(String::new(), |v| format!(", {v:.0} mg/m²"));
    writeln!(
        out,
        "Exposure  {} to {}: taken {} mg ({:.1} mg/kg{}; {:.0} mg per year) of {} mg planned; {} doses taken",
        format_date(exposure.from),
        format_date(exposure.to),
        exposure.taken.mg,
        exposure.taken.mg_per_kg,
        per_m2,
        exposure.taken.mg_per_year,
        exposure.planned.mg,
        exposure.taken_doses
    )?;
    Ok(out)
}

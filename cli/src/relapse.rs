//! `nephro assess`: the relapse assessment of every patient in a diary (clinical-rules §5 and
//! §6) — state, the family prompt, relapse and remission episodes, the frequently relapsing and
//! steroid-dependent flags, the relapse rate and durations — and the demo's urine readings.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Days, NaiveDate, Utc};
use nephro_core::dates::{format_date, parse_date, parse_time_zone};
use nephro_core::diary::relapse::{relapse_status, set_initial_remission_date, RelapseStatus};
use nephro_core::locale::Locale;
use nephro_core::model::Patient;
use nephro_core::protein::{DipstickGrade, UrineMeasurement};
use nephro_core::relapse::ReportedState;
use nephro_core::schedule::slot_instant;
use nephro_core::store::urine::NewUrineReading;
use nephro_core::store::Store;

use crate::demo_diary::{DemoDiary, SampleRandom};

use crate::diary_file::{named_or_all_patients, open_existing};
use crate::terminal::{emit, without_control_characters, CliResult};

/// Prints the relapse assessment of every patient in the diary at `path` (or only of
/// `patient`), as of `as_of` (default: each patient's local date now), with the family prompt in
/// `locale` (default `en`).
pub fn run(
    path: &Path,
    patient: Option<i64>,
    as_of: Option<&str>,
    locale: Option<&str>,
) -> CliResult<()> {
    let as_of = as_of.map(|text| parse_date("--as-of", text)).transpose()?;
    let locale = locale
        .map(|tag| Locale::parse("--locale", tag))
        .transpose()?
        .unwrap_or_default();
    let store = open_existing(path)?;
    let patients = named_or_all_patients(&store, patient)?;
    if patients.is_empty() {
        emit(&format!(
            "{} holds no patient.\n",
            without_control_characters(&path.display().to_string())
        ))?;
    }
    for (i, patient) in patients.iter().enumerate() {
        if i > 0 {
            emit("\n")?;
        }
        let today = match as_of {
            Some(date) => date,
            None => Utc::now()
                .with_timezone(&parse_time_zone("time_zone", &patient.profile.time_zone)?)
                .date_naive(),
        };
        let status = relapse_status(&store, patient.id, today, locale)?;
        emit(&report(patient, &status)?)?;
    }
    Ok(())
}

/// The assessment as a readable block for a clinician.
pub fn report(patient: &Patient, status: &RelapseStatus) -> CliResult<String> {
    let a = &status.assessment;
    let mut out = String::new();
    writeln!(
        out,
        "Relapse assessment — {} (patient {}), as of {}, definitions {}",
        patient.profile.display_name,
        patient.id,
        format_date(status.today),
        status.definitions.id()
    )?;
    writeln!(out, "State               {}", state_words(a.state))?;
    writeln!(out, "Family is told      {}", status.prompt_text)?;
    match &status.latest_reading {
        Some(r) => writeln!(
            out,
            "Latest reading      {} {}{}, level {}",
            format_date(r.taken_on),
            measurement_words(&r.measurement),
            if r.first_morning {
                " (first morning)"
            } else {
                ""
            },
            r.level.id()
        )?,
        None => writeln!(out, "Latest reading      none logged")?,
    }
    if let Some(next) = &a.next_action {
        let what = match next.kind {
            nephro_core::relapse::NextActionKind::RetestNextMorning => {
                "retest the first morning urine"
            }
            nephro_core::relapse::NextActionKind::FollowActionPlan => {
                "follow the action plan, contact the team"
            }
        };
        writeln!(
            out,
            "Next action         {what} from {}",
            format_date(next.date)
        )?;
    }
    writeln!(
        out,
        "Episodes            {} relapse(s), {} remission(s)",
        a.relapses.len(),
        a.remissions.len()
    )?;
    if !a.relapses.is_empty() {
        writeln!(
            out,
            "  #  relapse onset  confirmed    remission onset  confirmed"
        )?;
        for (i, relapse) in a.relapses.iter().enumerate() {
            let remission = relapse
                .remission_onset
                .and_then(|onset| a.remissions.iter().find(|r| r.onset == onset));
            writeln!(
                out,
                "  {:<2} {:<14} {:<12} {:<16} {}",
                i + 1,
                format_date(relapse.onset),
                format_date(relapse.confirmed),
                remission.map_or("—".to_string(), |r| format_date(r.onset)),
                remission.map_or("—".to_string(), |r| format_date(r.confirmed)),
            )?;
        }
    }
    // A remission not closing a listed relapse ends an initial relapse state.
    for remission in a.remissions.iter().filter(|r| {
        !a.relapses
            .iter()
            .any(|x| x.remission_onset == Some(r.onset))
    }) {
        writeln!(
            out,
            "  remission of the initial episode: onset {}, confirmed {}",
            format_date(remission.onset),
            format_date(remission.confirmed)
        )?;
    }
    let yes_no = |flag: bool| if flag { "yes" } else { "no" };
    writeln!(
        out,
        "Flags               frequently relapsing: {}; steroid dependent: {}",
        yes_no(a.frequently_relapsing),
        yes_no(a.steroid_dependent)
    )?;
    let courses: Vec<String> = status
        .steroid_courses
        .iter()
        .map(|c| format!("{} to {}", format_date(c.start), format_date(c.end)))
        .collect();
    writeln!(
        out,
        "Steroid courses     {}",
        if courses.is_empty() {
            "none".to_string()
        } else {
            courses.join(", ")
        }
    )?;
    let initial = status.initial_remission.map_or(
        "not set (6-month rule not applied)".to_string(),
        format_date,
    );
    writeln!(out, "Initial remission   {initial}")?;
    match (a.relapse_rate_per_year, a.observation_start, a.as_of) {
        (Some(rate), Some(start), Some(end)) => writeln!(
            out,
            "Relapse rate        {rate:.2} per patient-year ({} days observed from {})",
            (end - start).num_days(),
            format_date(start)
        )?,
        _ => writeln!(out, "Relapse rate        — (under one day observed)")?,
    }
    let days = |d: Option<i64>| d.map_or("—".to_string(), |d| format!("{d} days"));
    writeln!(
        out,
        "Since last relapse  {}",
        days(a.days_since_last_relapse)
    )?;
    writeln!(
        out,
        "In remission        {}",
        days(a.days_in_current_remission)
    )?;
    Ok(out)
}

fn state_words(state: ReportedState) -> &'static str {
    match state {
        ReportedState::Remission => "remission",
        ReportedState::Watch => "watch (protein above remission level, no relapse confirmed)",
        ReportedState::Relapse => "relapse",
    }
}

fn measurement_words(m: &UrineMeasurement) -> String {
    match *m {
        UrineMeasurement::Dipstick(grade) => format!("dipstick {grade}"),
        UrineMeasurement::Upcr { value, unit } => format!("UPCR {value} {unit}"),
    }
}

/// Days after the demo's first day on which the demo relapse starts (its onset). A demo steroid
/// course for this relapse starts on its confirmation day, two days later ([`demo_relapse_onset`]).
const RELAPSE_ONSET_DAY: u64 = 50;

/// The onset of the demo's relapse; it is confirmed two days later and remits about a week
/// after onset (remission confirmed ten days after onset).
pub fn demo_relapse_onset(demo: &DemoDiary) -> NaiveDate {
    demo.first_day + Days::new(RELAPSE_ONSET_DAY)
}

/// The demo relapse, day by day from two days before its onset: a cold with fever, three
/// nephrotic mornings (confirmed on the third, puffy eyes by then), then protein falling on
/// prednisolone until three remission-level mornings.
const RELAPSE_DAYS: [(DipstickGrade, Option<&str>); 13] = [
    (DipstickGrade::OnePlus, Some("cold, fever 38.4 °C")),
    (DipstickGrade::TwoPlus, Some("fever")),
    (DipstickGrade::ThreePlus, None),
    (DipstickGrade::ThreePlus, None),
    (
        DipstickGrade::FourPlus,
        Some("puffy eyes this morning (oedema)"),
    ),
    (DipstickGrade::FourPlus, None),
    (DipstickGrade::ThreePlus, None),
    (DipstickGrade::ThreePlus, None),
    (DipstickGrade::TwoPlus, None),
    (DipstickGrade::OnePlus, None),
    (DipstickGrade::Trace, None),
    (DipstickGrade::Negative, None),
    (DipstickGrade::Negative, None),
];

/// Seeds the demo's urine readings: a first-morning dipstick on most days of the history
/// (negative or trace, now and then a 1+ or a forgotten morning), with one relapse and its
/// remission ([`demo_relapse_onset`]), and the care team's initial remission date.
pub fn seed_demo(store: &mut Store, demo: &DemoDiary) -> CliResult<()> {
    let patient = &demo.patient;
    let tz = parse_time_zone("time_zone", &patient.profile.time_zone)?;
    let mut random = SampleRandom::new(505);
    let relapse_start = demo_relapse_onset(demo) - Days::new(2);
    let relapse_end = relapse_start + Days::new(RELAPSE_DAYS.len() as u64);
    let mut day = demo.first_day;
    while day < demo.today {
        let scripted = (relapse_start..relapse_end)
            .contains(&day)
            .then(|| {
                RELAPSE_DAYS
                    .get((day - relapse_start).num_days() as usize)
                    .copied()
            })
            .flatten();
        let roll = random.next_unit();
        let (grade, note) = match scripted {
            Some(scripted) => scripted,
            None if roll < 0.04 => {
                day = day + Days::new(1);
                continue; // forgotten morning
            }
            None if roll < 0.07 => (
                DipstickGrade::OnePlus,
                Some("concentrated urine after a hot day"),
            ),
            None if roll < 0.30 => (DipstickGrade::Trace, None),
            None => (DipstickGrade::Negative, None),
        };
        let time = chrono::NaiveTime::from_hms_opt(6, 30, 0).ok_or("time")?
            + chrono::Duration::minutes(random.between(0, 60));
        store.log_urine_reading(&NewUrineReading {
            client_id: format!("demo-urine-{}", format_date(day)),
            patient_id: patient.id,
            measurement: UrineMeasurement::Dipstick(grade),
            taken_at_ms: slot_instant(day, time, tz).timestamp_millis(),
            taken_on: None,
            first_morning: true,
            note: note.map(str::to_string),
            logged_by: if random.next_unit() < 0.7 {
                "mother".into()
            } else {
                "father".into()
            },
            photo: None,
        })?;
        day = day + Days::new(1);
    }
    // The clinic's laboratory UPCR on the day the relapse was confirmed (not first-morning, so
    // the morning dipstick decides that day's level).
    let confirmed = demo_relapse_onset(demo) + Days::new(2);
    if confirmed < demo.today {
        let clinic = chrono::NaiveTime::from_hms_opt(10, 15, 0).ok_or("time")?;
        store.log_urine_reading(&NewUrineReading {
            client_id: format!("demo-upcr-{}", format_date(confirmed)),
            patient_id: patient.id,
            measurement: UrineMeasurement::upcr(
                "upcr",
                412.0,
                nephro_core::protein::UpcrUnit::MgPerMmol,
            )?,
            taken_at_ms: slot_instant(confirmed, clinic, tz).timestamp_millis(),
            taken_on: None,
            first_morning: false,
            note: Some("clinic laboratory".into()),
            logged_by: "Paediatric nephrology clinic".into(),
            photo: None,
        })?;
    }
    let initial_remission = demo.first_day - Days::new(240);
    set_initial_remission_date(
        store,
        patient.id,
        Some(initial_remission),
        "Paediatric nephrology clinic",
    )?;
    Ok(())
}

/// The demo summary's relapse section: state and prompt, episodes and flags.
pub fn demo_section(store: &Store, demo: &DemoDiary) -> CliResult<String> {
    let status = relapse_status(store, demo.patient.id, demo.today, Locale::En)?;
    let a = &status.assessment;
    let logged = store.urine_readings(demo.patient.id, demo.first_day, demo.today)?;
    let mut out = String::new();
    writeln!(out)?;
    writeln!(
        out,
        "Urine     {} readings from {} to {}; state {}; family is told: {}",
        logged.len(),
        format_date(demo.first_day),
        format_date(demo.today - Days::new(1)),
        a.state.id(),
        status.prompt_text
    )?;
    for relapse in &a.relapses {
        let remission = relapse
            .remission_onset
            .and_then(|onset| a.remissions.iter().find(|r| r.onset == onset));
        writeln!(
            out,
            "Relapse   onset {}, confirmed {}; remission onset {}, confirmed {}",
            format_date(relapse.onset),
            format_date(relapse.confirmed),
            remission.map_or("—".to_string(), |r| format_date(r.onset)),
            remission.map_or("—".to_string(), |r| format_date(r.confirmed)),
        )?;
    }
    let yes_no = |flag: bool| if flag { "yes" } else { "no" };
    writeln!(
        out,
        "Course    {} definitions: frequently relapsing {}, steroid dependent {}; {} relapse(s) per patient-year; {} days since the last relapse; {} days in remission",
        status.definitions.id(),
        yes_no(a.frequently_relapsing),
        yes_no(a.steroid_dependent),
        a.relapse_rate_per_year.map_or("—".to_string(), |r| format!("{r:.2}")),
        a.days_since_last_relapse.map_or("—".to_string(), |d| d.to_string()),
        a.days_in_current_remission.map_or("—".to_string(), |d| d.to_string()),
    )?;
    Ok(out)
}

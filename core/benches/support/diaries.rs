//! The diaries the benchmarks measure, built through the store as a family would fill them.
#![allow(dead_code)]

use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::model::{
    DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Sex,
};
use nephro_core::protein::{DipstickGrade, UrineMeasurement};
use nephro_core::schedule::slot_instant;
use nephro_core::store::urine::NewUrineReading;
use nephro_core::store::{Durability, NewCourse, OpenOptions, Store};
use nephro_core::taper::{CourseTemplate, TabletSpec};

use crate::common::{date, time};

/// A benchmark child's profile in `zone`.
pub fn patient(zone: &str) -> NewPatient {
    NewPatient {
        display_name: "Benchmark child".into(),
        birth_date: date("2012-05-01"),
        sex: Sex::Unspecified,
        time_zone: zone.into(),
        definition_set: "ipna2022".into(),
    }
}

/// A regimen of `drug` at `times` from `start` (range override on: any weight).
pub fn regimen(drug: Drug, times: &[&str], start: NaiveDate) -> NewRegimen {
    let (strengths_mg, rate) = match drug {
        Drug::MycophenolateMofetil => (vec![250.0], DoseRate::MgPerKgPerDay(25.0)),
        _ => (vec![0.5, 1.0], DoseRate::MgPerKgPerDay(0.1)),
    };
    NewRegimen {
        drug,
        form: "capsule".into(),
        strengths_mg,
        allow_split: false,
        rate,
        times: times.iter().map(|t| time(t)).collect(),
        start_date: start,
        end_date: None,
        prescribed_by: "Bench clinic".into(),
        prescribed_on: start,
        override_range: true,
    }
}

/// 16:30 (Shanghai) on the last day of a diary of `days` days from 2016-01-01.
pub fn home_now_after(days: u64) -> DateTime<Utc> {
    let last = date("2016-01-01") + Days::new(days - 1);
    slot_instant(last, time("16:30"), chrono_tz::Asia::Shanghai)
}

/// Builds a diary file of `days` days from 2016-01-01: two twice-daily regimens with every dose
/// logged up to the morning of the last day, a daily first-morning dipstick (a relapse every
/// 120 days), and a KDIGO 2025 relapse course started 20 days before the end.
pub fn diary_of_days(path: &Path, days: u64) -> i64 {
    let started = Instant::now();
    let mut store = Store::open_with(
        path,
        &OpenOptions {
            durability: Durability::Normal,
            ..OpenOptions::default()
        },
    )
    .expect("open");
    let p = store
        .create_patient(&patient("Asia/Shanghai"))
        .expect("patient");
    let first = date("2016-01-01");
    let weight = Measurement {
        global_id: Default::default(),
        id: 0.into(),
        measured_on: first,
        weight_kg: Some(20.0),
        height_cm: Some(115.0),
        confirmed: false,
    };
    store.add_measurement(p.id, &weight).expect("weight");
    let tac = store
        .add_regimen(p.id, &regimen(Drug::Tacrolimus, &["08:00", "20:00"], first))
        .expect("tacrolimus");
    let mmf = store
        .add_regimen(
            p.id,
            &regimen(Drug::MycophenolateMofetil, &["09:00", "21:00"], first),
        )
        .expect("mmf");
    let tz = chrono_tz::Asia::Shanghai;
    let now = home_now_after(days);
    let mut logged = 0u64;
    for i in 0..days {
        let day = first + Days::new(i);
        for (regimen_id, slot) in [
            (tac.id, "08:00"),
            (mmf.id, "09:00"),
            (tac.id, "20:00"),
            (mmf.id, "21:00"),
        ] {
            let at = slot_instant(day, time(slot), tz) + TimeDelta::minutes((i % 17) as i64);
            if at > now {
                continue;
            }
            store
                .log_dose(
                    &NewDoseLog::new(
                        format!("dose-{regimen_id}-{i}-{slot}"),
                        MedicationId::Regimen(regimen_id),
                        day,
                        time(slot),
                        if i % 29 == 3 {
                            DoseOutcome::Skipped
                        } else {
                            DoseOutcome::Taken
                        },
                        at.timestamp_millis(),
                        "mother".into(),
                    ),
                    at.timestamp_millis(),
                    None,
                )
                .expect("dose");
            logged += 1;
        }
        use DipstickGrade::*;
        let cycle = [
            ThreePlus, ThreePlus, FourPlus, ThreePlus, TwoPlus, OnePlus, Trace, Negative, Negative,
            Negative,
        ];
        let grade = cycle
            .get((i % 120) as usize)
            .copied()
            .unwrap_or(if i % 7 == 0 { Trace } else { Negative });
        store
            .log_urine_reading(&NewUrineReading {
                client_id: format!("urine-{i}"),
                patient_id: p.id,
                measurement: UrineMeasurement::Dipstick(grade),
                taken_at_ms: slot_instant(day, time("07:00"), tz).timestamp_millis(),
                taken_on: Some(day),
                first_morning: true,
                note: None,
                logged_by: "mother".into(),
                photo: None,
            })
            .expect("urine");
    }
    let course_start = first + Days::new(days - 20);
    store
        .create_course(
            p.id,
            &NewCourse {
                drug: Drug::Prednisolone,
                template: Some(CourseTemplate::Kdigo2025Initial),
                phases: Vec::new(),
                stamp: None,
                start: course_start,
                tablets: TabletSpec::default(),
                liquid: None,
                times: vec![time("08:00")],
                remission_confirmed: None,
                changed_by: "Bench clinic".into(),
                reason: None,
                client_id: None,
            },
        )
        .expect("course");
    println!(
        "{}-year diary: {logged} doses and {days} urine readings written in {:.1} s, file {:.1} MB",
        (days as f64 / 365.25).round(),
        started.elapsed().as_secs_f64(),
        std::fs::metadata(path)
            .map(|m| m.len() as f64 / 1e6)
            .unwrap_or(0.0)
    );
    p.id.into()
}

/// The first day of every benchmark diary ([`diary_of_days`]).
pub fn first_day() -> NaiveDate {
    date("2016-01-01")
}

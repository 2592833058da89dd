//! Reminder and adherence benchmarks (issue 3; not timed tests).
//!
//! - `next_reminders/engine`: the next 64 reminders for three medications (tacrolimus and
//!   mycophenolate twice daily, prednisolone on the dosing days of a KDIGO 2025 initial-episode
//!   taper calendar), pure engine. Aim: median under 50 µs.
//! - `next_reminders/service`: the same from the store (regimens, the stored course's calendar,
//!   policies and the dose log), with notification texts.
//! - `adherence/engine_10_years` and `adherence/service_10_years`: adherence over a 10-year diary
//!   of two twice-daily drugs and a daily steroid (about 18,000 scheduled and logged doses).
//!
//! `cargo bench -p nephro-core --bench reminders`

#[path = "../tests/common/mod.rs"]
mod common;
use common::{at, date, time};

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

use chrono::{Days, NaiveDate, NaiveTime};
use chrono_tz::Asia::Shanghai;
use criterion::{criterion_group, criterion_main, Criterion};
use nephro_core::diary::reminders;
use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::locale::Locale;
use nephro_core::model::{
    DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Sex,
};
use nephro_core::schedule::{
    adherence_report, next_reminders, slot_instant, DayPattern, LoggedDose, LoggedOutcome,
    MedicationSchedule, IOS_PENDING_NOTIFICATION_LIMIT,
};
use nephro_core::store::{Durability, NewCourse, OpenOptions, Store};
use nephro_core::taper::{build_calendar, CoursePlan, CourseTemplate, TabletSpec};

fn bid(id: &str) -> MedicationSchedule {
    MedicationSchedule::new(id, vec![time("08:00"), time("20:00")], DayPattern::Daily)
}

/// The dosing days of a KDIGO 2025 initial-episode course (28 daily, 28 alternate-day).
fn taper_dates(start: NaiveDate) -> Vec<NaiveDate> {
    let plan = CoursePlan {
        start,
        weight_kg: 20.0,
        height_cm: Some(115.0),
        tablets: TabletSpec::default(),
        liquid: None,
        phases: CourseTemplate::Kdigo2025Initial.phases().unwrap(),
    };
    build_calendar(&plan, None).unwrap().dosing_dates()
}

fn three_medications() -> Vec<MedicationSchedule> {
    let prednisolone = MedicationSchedule::new(
        "course-p1_c1",
        vec![time("08:00")],
        DayPattern::Dates(taper_dates(date("2025-06-01"))),
    );
    vec![bid("regimen-1"), bid("regimen-2"), prednisolone]
}

fn bench_next_reminders(c: &mut Criterion) {
    let mut group = c.benchmark_group("next_reminders");
    let meds = three_medications();
    let from = at("2025-06-20T09:30:00+08:00");
    let handled: HashSet<String> = HashSet::new();
    let check = next_reminders(
        &meds,
        Shanghai,
        from,
        IOS_PENDING_NOTIFICATION_LIMIT,
        &handled,
    );
    assert_eq!(check.len(), 64);
    assert!(check.iter().any(|r| r.medication_id == "course-p1_c1"));
    group.bench_function("engine", |b| {
        b.iter(|| {
            next_reminders(
                black_box(&meds),
                Shanghai,
                black_box(from),
                IOS_PENDING_NOTIFICATION_LIMIT,
                &handled,
            )
        })
    });

    let (store, patient) = diary_with_course();
    let from = at("2025-06-20T09:30:00+08:00");
    let notices = reminders::next_reminders(&store, patient, from, None, 64, Locale::En).unwrap();
    assert_eq!(notices.len(), 64);
    assert!(notices
        .iter()
        .any(|n| matches!(n.medication, MedicationId::Course(_))));
    group.bench_function("service", |b| {
        b.iter(|| {
            reminders::next_reminders(&store, patient, black_box(from), None, 64, Locale::En)
                .unwrap()
        })
    });
    group.finish();
}

fn store() -> Store {
    let dir = std::env::temp_dir().join(format!("nephro-bench-reminders-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("diary.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Store::open_with(
        &path,
        &OpenOptions {
            durability: Durability::Normal,
            ..OpenOptions::default()
        },
    )
    .unwrap()
}

fn patient(store: &mut Store, start: NaiveDate) -> i64 {
    let patient = store
        .create_patient(&NewPatient {
            display_name: "Bench Child".into(),
            birth_date: date("2015-04-02"),
            sex: Sex::Female,
            time_zone: "Asia/Shanghai".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap();
    let weight = Measurement {
        id: 0,
        measured_on: start,
        weight_kg: Some(20.0),
        height_cm: Some(115.0),
        confirmed: false,
    };
    store.add_measurement(patient.id, &weight).unwrap();
    patient.id
}

fn regimen(
    drug: Drug,
    rate: f64,
    strengths: &[f64],
    times: &[&str],
    start: NaiveDate,
) -> NewRegimen {
    NewRegimen {
        drug,
        form: "tablet".into(),
        strengths_mg: strengths.to_vec(),
        allow_split: false,
        rate: DoseRate::MgPerKgPerDay(rate),
        times: times.iter().map(|t| time(t)).collect(),
        start_date: start,
        end_date: None,
        prescribed_by: "Bench clinic".into(),
        prescribed_on: start,
        override_range: false,
    }
}

/// Tacrolimus and MMF twice daily, and a stored KDIGO 2025 initial-episode course.
fn diary_with_course() -> (Store, i64) {
    let mut store = store();
    let start = date("2025-06-01");
    let patient = patient(&mut store, start);
    store
        .add_regimen(
            patient,
            &regimen(
                Drug::Tacrolimus,
                0.1,
                &[0.5, 1.0],
                &["08:00", "20:00"],
                start,
            ),
        )
        .unwrap();
    store
        .add_regimen(
            patient,
            &regimen(
                Drug::MycophenolateMofetil,
                25.0,
                &[250.0],
                &["08:00", "20:00"],
                start,
            ),
        )
        .unwrap();
    let course = NewCourse {
        drug: Drug::Prednisolone,
        template: Some(CourseTemplate::Kdigo2025Initial),
        phases: Vec::new(),
        stamp: None,
        start,
        tablets: TabletSpec::default(),
        liquid: None,
        times: vec![time("08:00")],
        remission_confirmed: None,
        changed_by: "Bench clinic".into(),
        reason: None,
        client_id: None,
    };
    store.create_course(patient, &course).unwrap();
    (store, patient)
}

/// Ten years of a diary: (medication, times) with a deterministic history, 3 % not logged,
/// 2 % skipped, most on time, some late.
fn ten_year_history(
    meds: &[(String, Vec<NaiveTime>)],
    first: NaiveDate,
    days: u64,
) -> Vec<LoggedDose> {
    let mut state: u64 = 2026;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut logs = Vec::new();
    for day in 0..days {
        let slot_date = first + Days::new(day);
        for (id, times) in meds {
            for &slot_time in times {
                let roll = next();
                if roll < 0.03 {
                    continue;
                }
                let scheduled = slot_instant(slot_date, slot_time, Shanghai);
                let late = chrono::TimeDelta::minutes(if roll > 0.93 {
                    90
                } else {
                    (next() * 50.0) as i64 - 15
                });
                let outcome = if roll < 0.05 {
                    LoggedOutcome::Skipped { at: scheduled }
                } else {
                    LoggedOutcome::Taken {
                        at: scheduled + late,
                    }
                };
                logs.push(LoggedDose {
                    medication_id: id.clone(),
                    slot_date,
                    slot_time,
                    outcome,
                });
            }
        }
    }
    logs
}

fn bench_adherence(c: &mut Criterion) {
    let mut group = c.benchmark_group("adherence");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    let first = date("2015-06-01");
    let last = date("2025-05-31");
    let days = (last - first).num_days() as u64 + 1;
    let now = at("2025-06-01T00:00:00+08:00");

    let meds = vec![
        bid("regimen-1"),
        bid("regimen-2"),
        MedicationSchedule::new("regimen-3", vec![time("08:00")], DayPattern::Daily),
    ];
    let logs = ten_year_history(
        &meds
            .iter()
            .map(|m| (m.id.clone(), m.times.clone()))
            .collect::<Vec<_>>(),
        first,
        days,
    );
    let report = adherence_report(&meds, Shanghai, first, last, &logs, now).unwrap();
    assert_eq!(report.overall.scheduled as u64, days * 5);
    group.bench_function("engine_10_years", |b| {
        b.iter(|| {
            adherence_report(
                black_box(&meds),
                Shanghai,
                first,
                last,
                black_box(&logs),
                now,
            )
            .unwrap()
        })
    });

    // The same diary in the store: three regimens and every log through `log_dose`.
    let mut store = store();
    let patient = patient(&mut store, first);
    let ids = [
        store
            .add_regimen(
                patient,
                &regimen(
                    Drug::Tacrolimus,
                    0.1,
                    &[0.5, 1.0],
                    &["08:00", "20:00"],
                    first,
                ),
            )
            .unwrap(),
        store
            .add_regimen(
                patient,
                &regimen(
                    Drug::MycophenolateMofetil,
                    25.0,
                    &[250.0],
                    &["08:00", "20:00"],
                    first,
                ),
            )
            .unwrap(),
        store
            .add_regimen(
                patient,
                &regimen(Drug::Prednisolone, 0.5, &[5.0], &["08:00"], first),
            )
            .unwrap(),
    ]
    .map(|r| r.id);
    for (n, log) in logs.iter().enumerate() {
        let index: usize = log
            .medication_id
            .trim_start_matches("regimen-")
            .parse::<usize>()
            .unwrap()
            - 1;
        let (outcome, at) = match log.outcome {
            LoggedOutcome::Taken { at } => (DoseOutcome::Taken, at),
            LoggedOutcome::Skipped { at } => (DoseOutcome::Skipped, at),
        };
        store
            .log_dose(
                &NewDoseLog::new(
                    format!("bench-{n}"),
                    MedicationId::Regimen(ids[index]),
                    log.slot_date,
                    log.slot_time,
                    outcome,
                    at.timestamp_millis(),
                    "mother".into(),
                ),
                at.timestamp_millis(),
                None,
            )
            .unwrap();
    }
    let stored = reminders::adherence(&store, patient, first, last, now).unwrap();
    assert_eq!(stored.report.overall, report.overall);
    group.bench_function("service_10_years", |b| {
        b.iter(|| reminders::adherence(&store, patient, black_box(first), last, now).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_next_reminders, bench_adherence);
criterion_main!(benches);

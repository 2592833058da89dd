//! Relapse engine benchmark (issue 5): assessing 10 years of daily urine readings, the pure
//! engine alone and through the store (`diary::relapse::relapse_status`, which also reads the
//! readings from SQLite). Aim: under 1 ms for the engine.
//!
//!     cargo bench -p nephro-core --bench relapse
//!
//! Prints criterion's estimates, then the median of each benchmark from criterion's
//! `estimates.json`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{Days, NaiveDate, NaiveTime};
use criterion::Criterion;
use nephro_core::diary::relapse::relapse_status;
use nephro_core::locale::Locale;
use nephro_core::model::{NewPatient, Sex};
use nephro_core::protein::{DipstickGrade, UpcrUnit, UrineMeasurement, UrineReading};
use nephro_core::relapse::{assess, DefinitionSet, RelapseInput, SteroidCourse};
use nephro_core::schedule::slot_instant;
use nephro_core::store::urine::NewUrineReading;
use nephro_core::store::Store;

const GROUP: &str = "relapse";
const DAYS: u64 = 3653;

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2015, 1, 1).expect("date")
}

/// Ten years of first-morning dipsticks: a relapse every 120 days (five nephrotic mornings,
/// then falling to negative over a week), the rest negative or trace; on every tenth day a
/// second, non-first-morning laboratory UPCR. About 4000 readings and 30 steroid courses.
fn ten_years() -> (Vec<UrineReading>, Vec<SteroidCourse>) {
    use DipstickGrade::*;
    let relapse = [
        ThreePlus, ThreePlus, FourPlus, FourPlus, ThreePlus, TwoPlus, OnePlus, Trace, Negative,
        Negative,
    ];
    let mut readings = Vec::new();
    let mut courses = Vec::new();
    for i in 0..DAYS {
        let date = first_day() + Days::new(i);
        let in_cycle = (i % 120) as usize;
        let grade =
            relapse
                .get(in_cycle)
                .copied()
                .unwrap_or(if i % 7 == 0 { Trace } else { Negative });
        readings.push(UrineReading {
            date,
            measurement: UrineMeasurement::Dipstick(grade),
            first_morning: true,
        });
        if i % 10 == 0 {
            let upcr = UrineMeasurement::Upcr {
                value: 15.0 + (i % 30) as f64,
                unit: UpcrUnit::MgPerMmol,
            };
            readings.push(UrineReading {
                date,
                measurement: upcr,
                first_morning: false,
            });
        }
        if in_cycle == 2 {
            courses.push(SteroidCourse {
                start: date,
                end: date + Days::new(41),
            });
        }
    }
    (readings, courses)
}

fn engine_input() -> RelapseInput {
    let (readings, steroid_courses) = ten_years();
    RelapseInput {
        definitions: DefinitionSet::Ipna2022,
        initial_remission: Some(first_day() - Days::new(30)),
        readings,
        steroid_courses,
        as_of: Some(first_day() + Days::new(DAYS - 1)),
        ..RelapseInput::default()
    }
}

/// An in-memory diary holding the same readings, logged at 07:00 local time.
fn store_with_ten_years() -> (Store, i64) {
    let mut store = Store::open_in_memory().expect("store");
    let patient = store
        .create_patient(&NewPatient {
            display_name: "Benchmark child".into(),
            birth_date: NaiveDate::from_ymd_opt(2010, 1, 1).expect("date"),
            sex: Sex::Unspecified,
            time_zone: "Asia/Shanghai".into(),
            definition_set: "ipna2022".into(),
        })
        .expect("patient");
    let tz = nephro_core::dates::parse_time_zone("tz", "Asia/Shanghai").expect("zone");
    let seven = NaiveTime::from_hms_opt(7, 0, 0).expect("time");
    for (i, reading) in ten_years().0.into_iter().enumerate() {
        store
            .log_urine_reading(&NewUrineReading {
                client_id: format!("bench-{i}"),
                patient_id: patient.id,
                measurement: reading.measurement,
                taken_at_ms: slot_instant(reading.date, seven, tz).timestamp_millis() + i as i64,
                taken_on: Some(reading.date),
                first_morning: reading.first_morning,
                note: None,
                logged_by: "bench".into(),
                photo: None,
            })
            .expect("reading");
    }
    (store, patient.id.into())
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group(GROUP);
    group.measurement_time(Duration::from_secs(5));
    let input = engine_input();
    group.bench_function("assess_10_years_daily", |b| {
        b.iter(|| assess(black_box(&input)).expect("assess"))
    });
    let (store, patient_id) = store_with_ten_years();
    let today = first_day() + Days::new(DAYS - 1);
    group.bench_function("relapse_status_10_years_from_store", |b| {
        b.iter(|| {
            relapse_status(black_box(&store), patient_id.into(), today, Locale::En).expect("status")
        })
    });
    group.finish();
}

/// criterion's output directory (it follows `CARGO_TARGET_DIR`, else the workspace target).
fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("criterion")
}

fn print_medians() {
    for id in [
        "assess_10_years_daily",
        "relapse_status_10_years_from_store",
    ] {
        let path = criterion_dir()
            .join(GROUP)
            .join(id)
            .join("new/estimates.json");
        let median = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| v["median"]["point_estimate"].as_f64());
        match median {
            Some(ns) => println!("median {GROUP}/{id}: {:.1} µs", ns / 1000.0),
            None => println!("median {GROUP}/{id}: not found at {}", path.display()),
        }
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
    print_medians();
}

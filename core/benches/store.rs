//! Store benchmarks (issue 9). Figures are printed, not asserted.
//!
//! - `log_dose/store_{full,normal}`: `Store::log_dose` (validation, the regimen's schedule check,
//!   the idempotency and one-live-log lookups, two inserts, one IMMEDIATE transaction) against
//!   `log_dose/bare_{full,normal}`: a bare rusqlite prepared insert of the same two rows in one
//!   IMMEDIATE transaction, with the same pragmas. Aim: store ÷ bare ≤ 1.3.
//! - `open/fresh`: opening and migrating a new database file.
//! - `home_screen/*`: a 10-year diary (two twice-daily regimens with every dose logged, a daily
//!   urine dipstick with a relapse every 120 days, a current steroid course): opening it and
//!   computing the home screen — `diary::home::home_screen` (today's doses, the next dose, the
//!   relapse state, the steroid prompt, alerts) and the next 64 reminders
//!   (`diary::reminders::next_reminders`). Aim: under 20 ms.
//! - `home_screen/compute_{1,5,15}_years`: the same computation on diaries of the same kind
//!   with 1, 5 and 15 years of history (issue 14: the cost should not grow with the history;
//!   aim under 2 ms each, the 15-year figure within 1.5x of the 1-year one).
//!
//! After criterion's output it prints `figure:` lines (medians, the ratio, and each operation's
//! peak extra memory measured in-process) that `scripts/bench.sh` copies into BENCHMARKS.md.
//!
//!     cargo bench -p nephro-core --bench store

#[path = "../tests/common/mod.rs"]
mod common;
use common::{date, time};
#[path = "support/diaries.rs"]
mod diaries;
use diaries::{diary_of_days, home_now_after, patient, regimen};

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Days, Utc};
use criterion::{BatchSize, Criterion};
use nephro_core::dates::format_date;
use nephro_core::diary::{home, reminders};
use nephro_core::drug::Drug;
use nephro_core::locale::Locale;
use nephro_core::model::{DoseOutcome, Measurement, MedicationId, NewDoseLog};
use nephro_core::schedule::slot_instant;
use nephro_core::store::{Durability, OpenOptions, Store};
use rusqlite::{params, Connection, TransactionBehavior};

const TIMES: [&str; 6] = ["02:00", "06:00", "10:00", "14:00", "18:00", "22:00"];
const YEARS_DAYS: u64 = 3653;
/// The history lengths of the `home_screen/compute_*` benches, in years.
const HISTORY_YEARS: [u64; 3] = [1, 5, 15];

/// The days of `years` years of history (365.25 days a year, rounded).
fn days_of(years: u64) -> u64 {
    (years * 36525 + 50) / 100
}

fn options(durability: Durability) -> OpenOptions {
    OpenOptions {
        durability,
        ..OpenOptions::default()
    }
}

/// A diary file with one patient and a regimen of six daily doses; returns the regimen id.
fn diary_for_logging(path: &Path, durability: Durability) -> (Store, i64) {
    let mut store = Store::open_with(path, &options(durability)).expect("open");
    let p = store
        .create_patient(&patient("Europe/Paris"))
        .expect("patient");
    let weight = Measurement {
        global_id: Default::default(),
        id: 0.into(),
        measured_on: date("2024-12-01"),
        weight_kg: Some(30.0),
        height_cm: Some(130.0),
        confirmed: false,
    };
    store.add_measurement(p.id, &weight).expect("weight");
    let r = store
        .add_regimen(p.id, &regimen(Drug::Tacrolimus, &TIMES, date("2025-01-01")))
        .expect("regimen");
    (store, r.id.into())
}

/// The n-th slot's dose, given (and logged, on the device's clock) a minute after its time in
/// Paris: inside its take-window, as clinical-rules §10 requires of a logged dose.
fn slot_dose(regimen_id: i64, n: u64) -> NewDoseLog {
    let slot_date = date("2025-01-01") + Days::new(n / TIMES.len() as u64);
    let slot_time = time(TIMES[(n % TIMES.len() as u64) as usize]);
    NewDoseLog::new(
        format!("bench-{n}"),
        MedicationId::Regimen(regimen_id.into()),
        slot_date,
        slot_time,
        DoseOutcome::Taken,
        slot_instant(slot_date, slot_time, chrono_tz::Tz::Europe__Paris).timestamp_millis()
            + 60_000,
        "bench".into(),
    )
}

/// A raw connection with exactly the pragmas the store sets (store/mod.rs `configure`).
fn bare_connection(path: &Path, durability: Durability) -> Connection {
    let conn = Connection::open(path).expect("raw open");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy");
    conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
        .expect("wal");
    let synchronous = if durability == Durability::Full {
        "FULL"
    } else {
        "NORMAL"
    };
    conn.execute_batch(&format!(
        "PRAGMA synchronous={synchronous}; PRAGMA foreign_keys=ON; PRAGMA temp_store=2;
         PRAGMA wal_autocheckpoint=1000; PRAGMA journal_size_limit=4194304;"
    ))
    .expect("pragmas");
    conn
}

/// The two rows `log_dose` writes (the dose and its first revision), as a bare prepared insert.
fn bare_insert(conn: &mut Connection, regimen_id: i64, dose: &NewDoseLog) {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .expect("begin");
    let recorded_at_ms = 1_735_689_600_000i64;
    tx.prepare_cached(
        "INSERT INTO dose_log (client_id, regimen_id, course_key, slot_date, slot_time, outcome, actual_at_ms, logged_by,
            revision, undone, recorded_at_ms) VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6, ?7, 1, 0, ?8)",
    )
    .expect("prepare")
    .execute(params![
        dose.client_id,
        regimen_id,
        format_date(dose.slot_date),
        dose.slot_time.format("%H:%M").to_string(),
        dose.outcome.id(),
        dose.actual_at_ms,
        dose.logged_by,
        recorded_at_ms
    ])
    .expect("insert");
    let id = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO dose_log_revision (dose_log_id, revision, outcome, actual_at_ms, logged_by, undone, recorded_at_ms)
         VALUES (?1, 1, ?2, ?3, ?4, 0, ?5)",
    )
    .expect("prepare")
    .execute(params![id, dose.outcome.id(), dose.actual_at_ms, dose.logged_by, recorded_at_ms])
    .expect("insert revision");
    tx.commit().expect("commit");
}

fn log_dose_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("log_dose");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for durability in [Durability::Full, Durability::Normal] {
        let name = if durability == Durability::Full {
            "full"
        } else {
            "normal"
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut store, regimen_id) = diary_for_logging(&dir.path().join("store.db"), durability);
        let mut n = 0u64;
        group.bench_function(format!("store_{name}"), |b| {
            b.iter(|| {
                n += 1;
                let dose = slot_dose(regimen_id, n);
                store
                    .log_dose(black_box(&dose), dose.actual_at_ms, None)
                    .expect("log");
            })
        });
        let bare_path = dir.path().join("bare.db");
        let (store, bare_regimen) = diary_for_logging(&bare_path, durability);
        drop(store);
        let mut conn = bare_connection(&bare_path, durability);
        let mut n = 0u64;
        group.bench_function(format!("bare_{name}"), |b| {
            b.iter(|| {
                n += 1;
                bare_insert(
                    &mut conn,
                    bare_regimen,
                    black_box(&slot_dose(bare_regimen, n)),
                );
            })
        });
    }
    group.finish();
}

fn open_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("open");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut n = 0u64;
    group.bench_function("fresh", |b| {
        b.iter_batched(
            || {
                n += 1;
                dir.path().join(format!("fresh-{n}.db"))
            },
            |path| Store::open(black_box(&path)).expect("open"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// The instant the home screen is computed at: 16:30 on the 10-year diary's last day, Shanghai.
fn home_now() -> DateTime<Utc> {
    home_now_after(YEARS_DAYS)
}

/// Builds the 10-year diary file (a few seconds): see [`diary_of_days`].
fn ten_year_diary(path: &Path) -> i64 {
    diary_of_days(path, YEARS_DAYS)
}

/// What the app computes on opening: the home screen (today's doses, the next dose, the relapse
/// state, the steroid prompt, alerts; `diary::home::home_screen`) and the next 64 reminders it
/// hands to the phone's notification queue (`diary::reminders::next_reminders`).
fn home_screen(store: &Store, patient_id: i64, now: DateTime<Utc>) -> usize {
    let screen =
        home::home_screen(store, patient_id.into(), now, None, Locale::En).expect("home screen");
    let next = reminders::next_reminders(store, patient_id.into(), now, None, 64, Locale::En)
        .expect("reminders");
    screen.doses.len() + next.len()
}

fn home_benches(c: &mut Criterion, path: &Path, patient_id: i64) {
    let mut group = c.benchmark_group("home_screen");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let now = home_now();
    group.bench_function("open_10_years_and_compute", |b| {
        b.iter(|| {
            let store = Store::open(black_box(path)).expect("open");
            home_screen(&store, patient_id, now)
        })
    });
    let store = Store::open(path).expect("open");
    group.bench_function("compute_10_years", |b| {
        b.iter(|| home_screen(black_box(&store), patient_id, now))
    });
    group.bench_function("open_10_years", |b| {
        b.iter(|| Store::open(black_box(path)).expect("open"))
    });
    group.finish();
}

/// The home screen of diaries with 1, 5 and 15 years of history (already open).
fn history_benches(c: &mut Criterion, diaries: &[(u64, PathBuf, i64)]) {
    let mut group = c.benchmark_group("home_screen");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (years, path, patient_id) in diaries {
        let store = Store::open(path).expect("open");
        let now = home_now_after(days_of(*years));
        let name = if *years == 1 {
            "compute_1_year".to_string()
        } else {
            format!("compute_{years}_years")
        };
        group.bench_function(name, |b| {
            b.iter(|| home_screen(black_box(&store), *patient_id, now))
        });
    }
    group.finish();
}

fn proc_status_kib(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const MEMORY_OP: &str = "NEPHRO_BENCH_MEMORY_OP";
const MEMORY_PATH: &str = "NEPHRO_BENCH_MEMORY_PATH";

/// In a child process: runs one operation once on a cold process and prints the resident
/// memory it added at its peak (high-water mark minus what was resident before it started).
fn memory_child(op: &str, path: &Path) {
    let before = proc_status_kib("VmRSS:").unwrap_or(0);
    match op {
        "fresh" => drop(Store::open(path).expect("open")),
        "home" => {
            let store = Store::open(path).expect("open");
            let patient_id = store.patients().expect("patients")[0].id;
            black_box(home_screen(&store, patient_id.into(), home_now()));
        }
        "log" => {
            let (mut store, regimen_id) = diary_for_logging(path, Durability::Full);
            let dose = slot_dose(regimen_id, 1);
            store.log_dose(&dose, dose.actual_at_ms, None).expect("log");
        }
        other => panic!("unknown memory operation {other}"),
    }
    let peak = proc_status_kib("VmHWM:").unwrap_or(0);
    println!("memory-kib {}", peak.saturating_sub(before));
}

/// Runs [`memory_child`] in a new process of this benchmark binary (a fresh heap, so memory
/// freed by earlier benchmarks cannot hide the operation's own use).
fn peak_extra_kib(op: &str, path: &Path) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .env(MEMORY_OP, op)
        .env(MEMORY_PATH, path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("memory-kib "))
        .and_then(|v| v.trim().parse().ok())
}

fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("criterion")
}

fn median_ns(id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(criterion_dir().join(id).join("new/estimates.json")).ok()?;
    serde_json::from_str::<serde_json::Value>(&text).ok()?["median"]["point_estimate"].as_f64()
}

fn show(ns: Option<f64>) -> String {
    match ns {
        Some(ns) if ns >= 1e6 => format!("{:.2} ms", ns / 1e6),
        Some(ns) => format!("{:.1} µs", ns / 1e3),
        None => "not measured".into(),
    }
}

fn main() {
    if let Ok(op) = std::env::var(MEMORY_OP) {
        let path = PathBuf::from(std::env::var(MEMORY_PATH).expect("memory path"));
        return memory_child(&op, &path);
    }
    let mut criterion = Criterion::default().configure_from_args();
    log_dose_benches(&mut criterion);
    open_benches(&mut criterion);
    let dir = tempfile::tempdir().expect("tempdir");
    let diary = dir.path().join("ten-years.db");
    let patient_id = ten_year_diary(&diary);
    home_benches(&mut criterion, &diary, patient_id);
    let diaries: Vec<(u64, PathBuf, i64)> = HISTORY_YEARS
        .iter()
        .map(|&years| {
            let path = dir.path().join(format!("{years}-years.db"));
            let patient_id = diary_of_days(&path, days_of(years));
            (years, path, patient_id)
        })
        .collect();
    history_benches(&mut criterion, &diaries);
    criterion.final_summary();

    for name in ["full", "normal"] {
        let (store, bare) = (
            median_ns(&format!("log_dose/store_{name}")),
            median_ns(&format!("log_dose/bare_{name}")),
        );
        let ratio = store
            .zip(bare)
            .map(|(s, b)| format!("{:.2}", s / b))
            .unwrap_or_else(|| "n/a".into());
        println!(
            "figure: log_dose ({name} sync): store {} vs bare insert {}: ratio {ratio}",
            show(store),
            show(bare)
        );
    }
    println!(
        "figure: open and migrate a fresh database: {}",
        show(median_ns("open/fresh"))
    );
    println!(
        "figure: open a 10-year diary: {}",
        show(median_ns("home_screen/open_10_years"))
    );
    println!(
        "figure: home screen of a 10-year diary (already open): {}",
        show(median_ns("home_screen/compute_10_years"))
    );
    println!(
        "figure: open a 10-year diary and compute its home screen: {}",
        show(median_ns("home_screen/open_10_years_and_compute"))
    );
    let history: Vec<Option<f64>> = ["1_year", "5_years", "15_years"]
        .iter()
        .map(|name| median_ns(&format!("home_screen/compute_{name}")))
        .collect();
    let growth = match (history[0], history[2]) {
        (Some(one), Some(fifteen)) => format!("{:.2}", fifteen / one),
        _ => "n/a".into(),
    };
    println!(
        "figure: home screen by history (already open): 1 year {}, 5 years {}, 15 years {}; 15 ÷ 1 = {growth}",
        show(history[0]),
        show(history[1]),
        show(history[2])
    );

    // Peak memory of each operation, once, in a fresh process.
    let memory = |what: &str, kib: Option<u64>| match kib {
        Some(kib) => println!(
            "figure: peak extra memory, {what}: {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("figure: peak extra memory, {what}: not available (no /proc)"),
    };
    memory(
        "open and migrate a fresh database",
        peak_extra_kib("fresh", &dir.path().join("memory-fresh.db")),
    );
    memory(
        "open a 10-year diary and compute its home screen",
        peak_extra_kib("home", &diary),
    );
    memory(
        "log_dose (open a new diary, log one dose)",
        peak_extra_kib("log", &dir.path().join("memory-log.db")),
    );
}

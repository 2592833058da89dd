//! Export benchmarks (issue 7). Figures are printed, not asserted.
//!
//! A 10-year diary (2015-01-01 to 2024-12-31, 3653 days): two twice-daily regimens (tacrolimus
//! and MMF) with every dose logged, a daily steroid course with every dose logged, a daily
//! first-morning dipstick (a relapse every 200 days), and monthly labs (tacrolimus trough,
//! MPA-AUC, creatinine, white cells) — about 18 000 doses, 3 650 readings and 480 labs.
//!
//! - `export/fhir_10y`, `export/html_10y`: `export::export` of the whole diary to bytes, as a
//!   shell receives it (gathering the snapshot from the store included). Aim: under 200 ms.
//! - `export/fhir_transaction_10y`: the FHIR `transaction` form of the same diary (snapshot,
//!   then `fhir::write_transaction` to bytes; withdrawn records included). Aim: under 200 ms.
//! - Peak memory: each export runs again in a child process (this binary, re-executed) that
//!   prints its peak resident set (`VmHWM` of /proc/self/status) after streaming the export to a
//!   file, as `nephro export` does, and then after exporting it to bytes. Aim: under 64 MB.
//!
//! Each figure line gives the median wall time and the median time on the CPU: on a shared,
//! loaded machine the second is the one to compare between runs.
//!
//! The diary is built once (a few seconds) and kept at `target/export-bench/ten-years.db`.
//!
//!     cargo bench -p nephro-core --bench export

#[path = "../tests/common/mod.rs"]
mod common;
use common::{date, time};

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use criterion::Criterion;
use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::export::fhir::{self, BundleKind};
use nephro_core::export::{
    export, export_to_path, write_fhir_to_path, DiarySnapshot, ExportFormat, ExportOptions,
};
use nephro_core::labs::{LabKind, LabResult, LabUnit};
use nephro_core::model::{
    DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Sex,
};
use nephro_core::protein::{DipstickGrade, UrineMeasurement};
use nephro_core::schedule::slot_instant;
use nephro_core::store::urine::NewUrineReading;
use nephro_core::store::{Durability, NewCourse, NewLabResult, OpenOptions, Store};
use nephro_core::taper::{DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};

const ZONE: &str = "Asia/Shanghai";
const CHILD_MODE: &str = "NEPHRO_EXPORT_BENCH_CHILD";
const DIARY_VERSION: &str = "ten-years-v1";

fn first_day() -> NaiveDate {
    date("2015-01-01")
}

fn last_day() -> NaiveDate {
    date("2024-12-31")
}

/// The export's "now": the start of the day after the diary's last day.
fn now() -> DateTime<Utc> {
    slot_instant(
        date("2025-01-01"),
        NaiveTime::MIN,
        ZONE.parse().expect("zone"),
    )
}

fn diary_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/export-bench/ten-years.db")
}

fn regimen(drug: Drug, form: &str, strengths: Vec<f64>, rate: f64) -> NewRegimen {
    NewRegimen {
        drug,
        form: form.into(),
        strengths_mg: strengths,
        allow_split: false,
        rate: DoseRate::MgPerKgPerDay(rate),
        times: vec![time("08:00"), time("20:00")],
        start_date: first_day(),
        end_date: None,
        prescribed_by: "Benchmark clinic".into(),
        prescribed_on: first_day(),
        override_range: false,
    }
}

/// Builds the 10-year diary (or reuses one built by the same version of this benchmark).
fn ten_year_diary() -> (PathBuf, i64) {
    let path = diary_path();
    let marker = path.with_extension("version");
    if path.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(DIARY_VERSION) {
        let store = Store::open(&path).expect("open");
        return (path, store.patients().expect("patients")[0].id);
    }
    let started = Instant::now();
    std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut store = Store::open_with(
        &path,
        &OpenOptions {
            durability: Durability::Normal,
            ..OpenOptions::default()
        },
    )
    .expect("open");
    let zone = ZONE.parse().expect("zone");
    let patient = store
        .create_patient(&NewPatient {
            display_name: "Benchmark child".into(),
            birth_date: date("2012-05-01"),
            sex: Sex::Female,
            time_zone: ZONE.into(),
            definition_set: "ipna2022".into(),
        })
        .expect("patient");
    let pid = patient.id;
    let mut day = first_day();
    while day <= last_day() {
        if day.day() == 1 && day.month() % 3 == 1 {
            let years = f64::from(day.year() - 2015);
            let m = Measurement {
                id: 0,
                measured_on: day,
                weight_kg: Some(20.0 + 3.0 * years),
                height_cm: Some(115.0 + 5.0 * years),
                // Tall for a child of 2 (more than 4 SD): confirmed, as the plausibility checks
                // of clinical-rules §10 ask, so the diary is built as it was.
                confirmed: true,
            };
            store.add_measurement(pid, &m).expect("measurement");
        }
        day = day + Days::new(1);
    }
    let tacrolimus = store
        .add_regimen(
            pid,
            &regimen(Drug::Tacrolimus, "capsule", vec![0.5, 1.0], 0.1),
        )
        .expect("tacrolimus");
    let mmf = store
        .add_regimen(
            pid,
            &regimen(
                Drug::MycophenolateMofetil,
                "dispersible tablet",
                vec![250.0],
                25.0,
            ),
        )
        .expect("mmf");
    let course = store
        .create_course(
            pid,
            &NewCourse {
                drug: Drug::Prednisolone,
                template: None,
                phases: vec![Phase {
                    dose: Some(DoseBasis::Mg(10.0)),
                    max_mg: None,
                    frequency: Frequency::Daily,
                    length: PhaseLength::Days(3653),
                }],
                stamp: None,
                start: first_day(),
                tablets: TabletSpec::default(),
                liquid: None,
                times: vec![time("08:00")],
                remission_confirmed: None,
                changed_by: "Benchmark clinic".into(),
                reason: None,
                client_id: None,
            },
        )
        .expect("course");
    let medications = [
        (MedicationId::Regimen(tacrolimus.id), vec!["08:00", "20:00"]),
        (MedicationId::Regimen(mmf.id), vec!["08:00", "20:00"]),
        (
            MedicationId::Course(course.course_key.clone()),
            vec!["08:00"],
        ),
    ];
    let mut day = first_day();
    let mut n = 0u64;
    while day <= last_day() {
        for (medication, times) in &medications {
            for slot in times {
                n += 1;
                let at = slot_instant(day, time(slot), zone).timestamp_millis()
                    + ((n * 7919) % 40) as i64 * 60_000;
                store
                    .log_dose(
                        &NewDoseLog::new(
                            format!("bench-{n}"),
                            medication.clone(),
                            day,
                            time(slot),
                            if n.is_multiple_of(53) {
                                DoseOutcome::Skipped
                            } else {
                                DoseOutcome::Taken
                            },
                            at,
                            if n.is_multiple_of(3) {
                                "father".into()
                            } else {
                                "mother".into()
                            },
                        ),
                        at,
                        None,
                    )
                    .expect("dose");
            }
        }
        let offset = (day - first_day()).num_days() % 200;
        let grade = match offset {
            100..=104 => DipstickGrade::ThreePlus,
            105..=108 => DipstickGrade::OnePlus,
            _ if offset % 17 == 0 => DipstickGrade::Trace,
            _ => DipstickGrade::Negative,
        };
        store
            .log_urine_reading(&NewUrineReading {
                client_id: format!("urine-{day}"),
                patient_id: pid,
                measurement: UrineMeasurement::Dipstick(grade),
                taken_at_ms: slot_instant(day, time("07:00"), zone).timestamp_millis(),
                taken_on: None,
                first_morning: true,
                note: (offset == 101).then(|| "fever, swollen eyes".to_string()),
                logged_by: "mother".into(),
                photo: None,
            })
            .expect("reading");
        if day.day() == 1 {
            for (i, (kind, value, unit)) in [
                (
                    LabKind::TacrolimusTrough,
                    4.0 + (n % 70) as f64 / 10.0,
                    LabUnit::NanogramsPerMillilitre,
                ),
                (
                    LabKind::MpaAuc,
                    28.0 + (n % 25) as f64,
                    LabUnit::MicrogramHoursPerMillilitre,
                ),
                (
                    LabKind::Creatinine,
                    0.35 + (n % 20) as f64 / 100.0,
                    LabUnit::MilligramsPerDecilitre,
                ),
                (
                    LabKind::Wbc,
                    2.8 + (n % 50) as f64 / 10.0,
                    LabUnit::BillionsPerLitre,
                ),
            ]
            .into_iter()
            .enumerate()
            {
                store
                    .log_lab_result(&NewLabResult {
                        client_id: format!("lab-{day}-{i}"),
                        patient_id: pid,
                        result: LabResult {
                            kind,
                            value,
                            unit,
                            drawn_at: slot_instant(day, time("07:30"), zone),
                            upper_limit_of_normal: None,
                        },
                        logged_by: "clinic".into(),
                    })
                    .expect("lab");
            }
        }
        day = day + Days::new(1);
    }
    drop(store);
    std::fs::write(&marker, DIARY_VERSION).expect("marker");
    println!(
        "built the 10-year diary ({n} doses) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (path, pid)
}

fn options() -> ExportOptions {
    ExportOptions::new(now())
}

/// Child mode: one export of `format` to bytes, one streamed to a file; prints the peak RSS.
fn child(mode: &str) {
    let (path, pid) = ten_year_diary();
    let store = Store::open(&path).expect("open");
    let out = path.with_file_name(format!("ten-years.{mode}"));
    let (file_peak, size) = if mode == TRANSACTION {
        let snapshot = DiarySnapshot::for_export(&store, pid, &options()).expect("snapshot");
        write_fhir_to_path(&snapshot, BundleKind::Transaction, &out).expect("export to path");
        drop(snapshot);
        (peak_rss_kb(), transaction_bytes(&store, pid).len())
    } else {
        let format = ExportFormat::parse("mode", mode).expect("format");
        export_to_path(&store, pid, format, &options(), &out).expect("export to path");
        let file_peak = peak_rss_kb();
        let size: usize = export(&store, pid, format, &options())
            .expect("export")
            .iter()
            .map(|f| f.bytes.len())
            .sum();
        (file_peak, size)
    };
    println!(
        "size={size} peak_file_kb={file_peak} peak_bytes_kb={}",
        peak_rss_kb()
    );
}

/// The mode of the FHIR transaction in the child process.
const TRANSACTION: &str = "fhir_transaction";

/// The transaction bundle of the diary, in memory (the snapshot gathered from the store).
fn transaction_bytes(store: &Store, pid: i64) -> Vec<u8> {
    let snapshot = DiarySnapshot::for_export(store, pid, &options()).expect("snapshot");
    let mut bytes = Vec::new();
    fhir::write_transaction(&snapshot, &mut bytes).expect("transaction");
    bytes
}

/// The process's peak resident set so far, kB (Linux).
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Median of `runs` timed exports, ms.
/// Medians of `runs` runs of `run`: wall-clock ms, and ms on the CPU (the thread's own run
/// time from `/proc/thread-self/schedstat`), which the machine's other load barely changes.
fn medians(runs: usize, mut run: impl FnMut()) -> (f64, f64) {
    let on_cpu_ns = || -> Option<u64> {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..runs)
        .map(|_| {
            let (started, cpu_before) = (Instant::now(), on_cpu_ns());
            run();
            let cpu_ns = on_cpu_ns()
                .zip(cpu_before)
                .map_or(f64::NAN, |(after, before)| (after - before) as f64);
            (started.elapsed().as_secs_f64() * 1000.0, cpu_ns / 1e6)
        })
        .unzip();
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    (wall[runs / 2], cpu[runs / 2])
}

fn main() {
    if let Ok(mode) = std::env::var(CHILD_MODE) {
        child(&mode);
        return;
    }
    let (path, pid) = ten_year_diary();
    let store = Store::open(&path).expect("open");
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut group = c.benchmark_group("export");
    for (name, format) in [
        ("fhir_10y", ExportFormat::Fhir),
        ("html_10y", ExportFormat::Html),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| black_box(export(&store, pid, format, &options()).expect("export")))
        });
    }
    group.bench_function("fhir_transaction_10y", |b| {
        b.iter(|| black_box(transaction_bytes(&store, pid)))
    });
    group.finish();
    c.final_summary();

    // Where the transaction's time goes: gathering the snapshot, then writing the bundle.
    let (gather, gather_cpu) = medians(11, || {
        black_box(DiarySnapshot::for_export(&store, pid, &options()).expect("snapshot"));
    });
    let snapshot = DiarySnapshot::for_export(&store, pid, &options()).expect("snapshot");
    let (write, write_cpu) = medians(11, || {
        let mut bytes = Vec::new();
        fhir::write_transaction(&snapshot, &mut bytes).expect("transaction");
        black_box(bytes);
    });
    println!(
        "figure: export fhir transaction 10-year diary: snapshot median {gather:.1} ms ({gather_cpu:.1} ms on CPU), writing the bundle median {write:.1} ms ({write_cpu:.1} ms on CPU)"
    );

    for (name, format) in [
        ("fhir", Some(ExportFormat::Fhir)),
        ("fhir transaction", None),
        ("html", Some(ExportFormat::Html)),
        ("csv", Some(ExportFormat::Csv)),
        ("ics", Some(ExportFormat::Ics)),
    ] {
        let (median, on_cpu) = medians(11, || match format {
            Some(format) => {
                black_box(export(&store, pid, format, &options()).expect("export"));
            }
            None => {
                black_box(transaction_bytes(&store, pid));
            }
        });
        let child = Command::new(std::env::current_exe().expect("exe"))
            .env(CHILD_MODE, format.map_or(TRANSACTION, |f| f.id()))
            .output()
            .expect("child");
        let report = String::from_utf8_lossy(&child.stdout);
        let field = |key: &str| {
            report
                .split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{key}=")))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        println!(
            "figure: export {name} 10-year diary: median {median:.1} ms ({on_cpu:.1} ms on CPU); output {:.1} MB; peak RSS {:.1} MB streamed to a file, {:.1} MB to bytes",
            field("size") as f64 / 1e6,
            field("peak_file_kb") as f64 / 1024.0,
            field("peak_bytes_kb") as f64 / 1024.0,
        );
    }
}

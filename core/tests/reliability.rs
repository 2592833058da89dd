//! Reliability of the store across processes (issue 9): crash safety under SIGKILL and
//! concurrent use by two processes with several threads each.
//!
//! Both tests run child processes. The child is this same test binary, re-run with
//! `--exact reliability_child --ignored` and a role in `NEPHRO_RELIABILITY_CHILD`, so no extra
//! binary has to be built or found: `cargo test -p nephro-core --test reliability` is enough.
//!
//! The short form runs in CI (25 kills per durability setting, a 3-second concurrency run).
//! `NEPHRO_LONG_TESTS=1` runs the long form (250 kills per durability setting, 30 seconds).
//! `NEPHRO_SEED=<n>` replays the random kill delays of an earlier run (the seed is printed).

mod common;
use common::{date, time};

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::model::{
    DoseEdit, DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Sex,
};
use nephro_core::schedule::slot_instant;
use nephro_core::store::{Durability, OpenOptions, Store};

const CHILD_ROLE: &str = "NEPHRO_RELIABILITY_CHILD";
const CHILD_DB: &str = "NEPHRO_RELIABILITY_DB";
const CHILD_DURABILITY: &str = "NEPHRO_RELIABILITY_DURABILITY";
const CHILD_REGIMENS: &str = "NEPHRO_RELIABILITY_REGIMENS";
const CHILD_MILLIS: &str = "NEPHRO_RELIABILITY_MILLIS";
const CHILD_PREFIX: &str = "NEPHRO_RELIABILITY_PREFIX";

/// Six dosing times a day, so a writer fills many slots per calendar day.
const TIMES: [&str; 6] = ["02:00", "06:00", "10:00", "14:00", "18:00", "22:00"];

/// A child writes at most this long on its own, even if its parent died without killing it.
const CHILD_LIFETIME: Duration = Duration::from_secs(60);

fn long_form() -> bool {
    std::env::var("NEPHRO_LONG_TESTS").is_ok_and(|v| v == "1")
}

fn durability_name(d: Durability) -> &'static str {
    match d {
        Durability::Full => "full",
        Durability::Normal => "normal",
    }
}

fn options(durability: Durability) -> OpenOptions {
    OpenOptions {
        durability,
        ..OpenOptions::default()
    }
}

/// A diary with one patient and `regimens` tacrolimus regimens of six daily doses from
/// 2025-01-01 with no end, one per writer, so writers never compete for a slot.
fn create_diary(path: &Path, regimens: usize) -> Vec<i64> {
    let mut store = Store::open(path).expect("create diary");
    let patient = store
        .create_patient(&NewPatient {
            display_name: "Reliability Child".into(),
            birth_date: date("2018-03-01"),
            sex: Sex::Unspecified,
            time_zone: "Europe/Paris".into(),
            definition_set: "ipna2022".into(),
        })
        .expect("patient");
    let weight = Measurement {
        global_id: Default::default(),
        id: 0.into(),
        measured_on: date("2024-12-01"),
        weight_kg: Some(30.0),
        height_cm: Some(130.0),
        confirmed: false,
    };
    store.add_measurement(patient.id, &weight).expect("weight");
    (0..regimens)
        .map(|_| {
            let regimen = NewRegimen {
                drug: Drug::Tacrolimus,
                form: "capsule".into(),
                strengths_mg: vec![0.5, 1.0],
                allow_split: false,
                rate: DoseRate::MgPerKgPerDay(0.1),
                times: TIMES.iter().map(|t| time(t)).collect(),
                start_date: date("2025-01-01"),
                end_date: None,
                prescribed_by: "Dr. Test".into(),
                prescribed_on: date("2024-12-20"),
                override_range: true,
            };
            store
                .add_regimen(patient.id, &regimen)
                .expect("regimen")
                .id
                .get()
        })
        .collect()
}

/// The dose of slot number `n` of a regimen (slots in date then time order).
fn slot_dose(client_id: String, regimen_id: i64, n: u64) -> NewDoseLog {
    let start = date("2025-01-01");
    let day = start + chrono::TimeDelta::days((n / TIMES.len() as u64) as i64);
    let slot_time = time(TIMES[(n % TIMES.len() as u64) as usize]);
    NewDoseLog::new(
        client_id,
        MedicationId::Regimen(regimen_id.into()),
        day,
        slot_time,
        DoseOutcome::Taken,
        // Given (and logged, on the device's clock) a minute after the slot in Paris.
        slot_instant(day, slot_time, chrono_tz::Tz::Europe__Paris).timestamp_millis() + 60_000,
        "crash test".into(),
    )
}

/// How many doses a regimen has, counted on a raw connection (the parent's own check).
fn dose_rows(path: &Path, regimen_id: Option<i64>) -> u64 {
    let conn = rusqlite::Connection::open(path).expect("raw open");
    let n: i64 = match regimen_id {
        Some(id) => conn.query_row(
            "SELECT count(*) FROM dose_log WHERE regimen_id = ?1",
            [id],
            |r| r.get(0),
        ),
        None => conn.query_row("SELECT count(*) FROM dose_log", [], |r| r.get(0)),
    }
    .expect("count");
    n as u64
}

fn revision_rows(path: &Path) -> u64 {
    let conn = rusqlite::Connection::open(path).expect("raw open");
    conn.query_row("SELECT count(*) FROM dose_log_revision", [], |r| {
        r.get::<_, i64>(0)
    })
    .expect("count") as u64
}

/// A small xorshift generator: the kill delays only need to be spread and replayable.
struct Rng(u64);

impl Rng {
    fn seeded() -> (Rng, u64) {
        let seed = std::env::var("NEPHRO_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            });
        (Rng(seed | 1), seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn spawn_child(role: &str, envs: &[(&str, String)]) -> Child {
    // /proc/self/exe still runs this binary if a rebuild replaced the file meanwhile.
    let proc_exe = Path::new("/proc/self/exe");
    let exe = if proc_exe.exists() {
        proc_exe.to_path_buf()
    } else {
        std::env::current_exe().expect("test binary")
    };
    let mut command = Command::new(exe);
    command
        .args([
            "--exact",
            "reliability_child",
            "--ignored",
            "--nocapture",
            "--quiet",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, role)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    command.spawn().expect("spawn child")
}

/// The values the child printed after `tag ` on its own lines (the test harness may print its
/// own words before the first one; a line cut by the kill has no newline and is ignored).
fn tagged(output: &str, tag: &str) -> Vec<String> {
    let marker = format!("{tag} ");
    output
        .split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .filter_map(|line| {
            line.rfind(&marker)
                .map(|at| line[at + marker.len()..].trim_end().to_string())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The child process.

/// Not a test: the child process of the tests below (they run it with `--ignored`).
#[test]
#[ignore = "child process of the reliability tests, started by them"]
fn reliability_child() {
    let Ok(role) = std::env::var(CHILD_ROLE) else {
        return;
    };
    let path = PathBuf::from(std::env::var(CHILD_DB).expect("db path"));
    let durability = match std::env::var(CHILD_DURABILITY).as_deref() {
        Ok("normal") => Durability::Normal,
        _ => Durability::Full,
    };
    let regimens: Vec<i64> = std::env::var(CHILD_REGIMENS)
        .expect("regimens")
        .split(',')
        .map(|s| s.parse().expect("regimen id"))
        .collect();
    match role.as_str() {
        "writer" => crash_writer(&path, durability, regimens[0]),
        "worker" => {
            let millis: u64 = std::env::var(CHILD_MILLIS)
                .expect("millis")
                .parse()
                .expect("millis");
            let prefix = std::env::var(CHILD_PREFIX).expect("prefix");
            concurrent_worker(
                &path,
                durability,
                &regimens,
                Duration::from_millis(millis),
                &prefix,
            );
        }
        other => panic!("unknown child role {other}"),
    }
}

/// Logs doses one after another until killed, printing `committed <client id>` only after
/// `log_dose` returned Ok, and `edited <client id>` after an edit returned Ok.
fn crash_writer(path: &Path, durability: Durability, regimen_id: i64) {
    let mut store = Store::open_with(path, &options(durability)).expect("open");
    // Slots are filled in order by one writer at a time, so the stored count is the next slot.
    let mut n = dose_rows(path, Some(regimen_id));
    let stdout = std::io::stdout();
    let deadline = Instant::now() + CHILD_LIFETIME;
    while Instant::now() < deadline {
        let client_id = format!("crash-{n}");
        let dose = slot_dose(client_id.clone(), regimen_id, n);
        match store.log_dose(&dose, dose.actual_at_ms, None) {
            Ok(_) => {
                let mut out = stdout.lock();
                writeln!(out, "committed {client_id}").expect("stdout");
                out.flush().expect("flush");
            }
            Err(e) => {
                println!("failed {e}");
                std::process::exit(3);
            }
        }
        if n.is_multiple_of(5) {
            let edit = DoseEdit::new(DoseOutcome::Skipped, dose.actual_at_ms, "crash test");
            if let Err(e) = store.edit_dose(&client_id, &edit, dose.actual_at_ms, None) {
                println!("failed {e}");
                std::process::exit(3);
            }
            let mut out = stdout.lock();
            writeln!(out, "edited {client_id}").expect("stdout");
            out.flush().expect("flush");
        }
        n += 1;
    }
}

#[derive(Default)]
struct Tally {
    logged: u64,
    edited: u64,
    reads: u64,
    errors: Vec<String>,
}

/// One process of the concurrency test: a writer thread per regimen (each with its own
/// connection) logging, editing and reading back, plus one reader thread, until `run_for` ends.
/// Prints `logged`, `edited`, `reads` totals and every error a caller saw.
fn concurrent_worker(
    path: &Path,
    durability: Durability,
    regimens: &[i64],
    run_for: Duration,
    prefix: &str,
) {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + run_for;
    let mut threads = Vec::new();
    for (k, &regimen_id) in regimens.iter().enumerate() {
        let (tally, path, prefix) = (Arc::clone(&tally), path.to_path_buf(), prefix.to_string());
        threads.push(std::thread::spawn(move || {
            let mut mine = Tally::default();
            let mut store = match Store::open_with(&path, &options(durability)) {
                Ok(store) => store,
                Err(e) => {
                    tally.lock().unwrap().errors.push(format!("open: {e}"));
                    return;
                }
            };
            let patient_id = store
                .regimen(regimen_id.into())
                .map(|r| r.patient_id)
                .unwrap_or(1.into());
            let mut n = 0u64;
            while Instant::now() < deadline {
                let client_id = format!("{prefix}-{k}-{n}");
                let dose = slot_dose(client_id.clone(), regimen_id, n);
                match store.log_dose(&dose, dose.actual_at_ms, None) {
                    Ok(_) => mine.logged += 1,
                    Err(e) => mine.errors.push(format!("log_dose: {e}")),
                }
                if n % 4 == 1 {
                    let edit = DoseEdit::new(DoseOutcome::Skipped, dose.actual_at_ms, "worker");
                    match store.edit_dose(&client_id, &edit, dose.actual_at_ms, None) {
                        Ok(_) => mine.edited += 1,
                        Err(e) => mine.errors.push(format!("edit_dose: {e}")),
                    }
                }
                // Read back what this connection wrote, and a week of everyone's doses.
                match store.dose(&client_id) {
                    Ok(entry) if entry.dose.slot_date == dose.slot_date => mine.reads += 1,
                    Ok(_) => mine.errors.push("dose: read back a different slot".into()),
                    Err(e) => mine.errors.push(format!("dose: {e}")),
                }
                if n.is_multiple_of(3) {
                    match store.dose_logs(
                        patient_id,
                        dose.slot_date - chrono::TimeDelta::days(7),
                        dose.slot_date,
                    ) {
                        Ok(_) => mine.reads += 1,
                        Err(e) => mine.errors.push(format!("dose_logs: {e}")),
                    }
                }
                n += 1;
            }
            let mut all = tally.lock().unwrap();
            all.logged += mine.logged;
            all.edited += mine.edited;
            all.reads += mine.reads;
            all.errors.extend(mine.errors);
        }));
    }
    // A reader that does nothing but read, as a widget or the notification extension would.
    {
        let (tally, path) = (Arc::clone(&tally), path.to_path_buf());
        threads.push(std::thread::spawn(move || {
            let mut reads = 0;
            let mut errors = Vec::new();
            match Store::open_with(&path, &options(durability)) {
                Ok(store) => {
                    while Instant::now() < deadline {
                        let result = store.patients().and_then(|patients| {
                            let id = patients.first().map(|p| p.id).unwrap_or(1.into());
                            store.regimens(id)?;
                            store.dose_logs(id, date("2025-01-01"), date("2030-12-31"))
                        });
                        match result {
                            Ok(_) => reads += 1,
                            Err(e) => errors.push(format!("reader: {e}")),
                        }
                    }
                }
                Err(e) => errors.push(format!("reader open: {e}")),
            }
            let mut all = tally.lock().unwrap();
            all.reads += reads;
            all.errors.extend(errors);
        }));
    }
    for t in threads {
        t.join().expect("thread");
    }
    let tally = tally.lock().unwrap();
    let mut out = std::io::stdout().lock();
    for e in &tally.errors {
        writeln!(out, "\nerror {e}").expect("stdout");
    }
    writeln!(
        out,
        "\nlogged {}\nedited {}\nreads {}",
        tally.logged, tally.edited, tally.reads
    )
    .expect("stdout");
    out.flush().expect("flush");
}

// ---------------------------------------------------------------------------------------------
// Crash safety.

struct CrashReport {
    kills: u32,
    committed: u64,
    edited: u64,
    kills_after_a_commit: u32,
    unacknowledged_commits: u64,
}

/// Kills a dose-logging child with SIGKILL at random moments `kills` times; after each kill the
/// file must pass `PRAGMA integrity_check` and hold every dose (and edit) the child was told
/// had committed.
fn crash_loop(durability: Durability, kills: u32) -> CrashReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("diary.db");
    let regimen_id = create_diary(&path, 1)[0];
    let (mut rng, seed) = Rng::seeded();
    eprintln!(
        "crash test ({}): seed {seed} (replay with NEPHRO_SEED={seed})",
        durability_name(durability)
    );
    let mut acknowledged: Vec<String> = Vec::new();
    let mut edited: Vec<String> = Vec::new();
    let mut report = CrashReport {
        kills: 0,
        committed: 0,
        edited: 0,
        kills_after_a_commit: 0,
        unacknowledged_commits: 0,
    };
    let envs = [
        (CHILD_DB, path.display().to_string()),
        (CHILD_DURABILITY, durability_name(durability).to_string()),
        (CHILD_REGIMENS, regimen_id.to_string()),
    ];
    for round in 0..kills {
        let mut child = spawn_child("writer", &envs);
        // Mostly inside the write loop, sometimes during start-up and opening.
        let delay = match rng.below(10) {
            0 => rng.below(5),
            1..=7 => 5 + rng.below(40),
            _ => 45 + rng.below(120),
        };
        std::thread::sleep(Duration::from_millis(delay));
        // std's Child::kill sends SIGKILL on Unix: no destructor, no rollback, no flush runs.
        child.kill().expect("kill");
        let status = child.wait().expect("wait");
        let mut output = String::new();
        child
            .stdout
            .take()
            .expect("stdout")
            .read_to_string(&mut output)
            .expect("read stdout");
        let mut errors = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut errors)
            .expect("read stderr");
        assert!(
            !output.contains("failed ") && !errors.contains("panicked"),
            "round {round}: the writer failed:\n{output}\n{errors}"
        );
        assert!(
            status.code().is_none() || status.success(),
            "round {round}: writer exited {status}:\n{output}\n{errors}"
        );

        let committed = tagged(&output, "committed");
        let edits = tagged(&output, "edited");
        report.kills += 1;
        if !committed.is_empty() {
            report.kills_after_a_commit += 1;
        }
        acknowledged.extend(committed.iter().cloned());
        edited.extend(edits.iter().cloned());

        let store = Store::open_with(&path, &options(durability))
            .unwrap_or_else(|e| panic!("round {round}: reopen: {e}"));
        store
            .integrity_check()
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        for id in &committed {
            store
                .dose(id)
                .unwrap_or_else(|e| panic!("round {round}: committed dose {id} lost: {e}"));
        }
        for id in &edits {
            let entry = store
                .dose(id)
                .unwrap_or_else(|e| panic!("round {round}: edited dose {id} lost: {e}"));
            assert!(
                entry.revision >= 2,
                "round {round}: the acknowledged edit of {id} was lost"
            );
        }
        drop(store);
        let stored = dose_rows(&path, Some(regimen_id));
        assert!(
            stored >= acknowledged.len() as u64,
            "round {round}: {stored} stored < {} acknowledged",
            acknowledged.len()
        );
    }
    // Every acknowledged dose of every round, once more at the end.
    let store = Store::open_with(&path, &options(durability)).expect("final open");
    for id in &acknowledged {
        store
            .dose(id)
            .unwrap_or_else(|e| panic!("committed dose {id} lost by a later crash: {e}"));
    }
    for id in &edited {
        assert!(
            store.dose(id).expect("edited dose").revision >= 2,
            "edit of {id} lost by a later crash"
        );
    }
    let stored = dose_rows(&path, Some(regimen_id));
    report.committed = acknowledged.len() as u64;
    report.edited = edited.len() as u64;
    report.unacknowledged_commits = stored - report.committed;
    eprintln!(
        "crash test ({}): {} SIGKILLs, {} after at least one commit; {} doses acknowledged and all present \
         ({} edits); {} more committed but killed before they were acknowledged",
        durability_name(durability),
        report.kills,
        report.kills_after_a_commit,
        report.committed,
        report.edited,
        report.unacknowledged_commits
    );
    report
}

fn kills() -> u32 {
    if long_form() {
        250
    } else {
        25
    }
}

/// The app's setting: WAL with `synchronous=FULL`.
#[test]
fn sigkill_never_loses_an_acknowledged_dose_with_full_sync() {
    let report = crash_loop(Durability::Full, kills());
    assert!(
        report.kills_after_a_commit > 0,
        "no kill landed inside the write loop"
    );
}

/// WAL with `synchronous=NORMAL`: a process crash (not a power loss) must not lose a commit
/// either, because the commit's WAL frames are in the operating system's cache once `write`
/// returned; only the fsync is deferred to checkpoints.
#[test]
fn sigkill_never_loses_an_acknowledged_dose_with_normal_sync() {
    let report = crash_loop(Durability::Normal, kills());
    assert!(
        report.kills_after_a_commit > 0,
        "no kill landed inside the write loop"
    );
}

// ---------------------------------------------------------------------------------------------
// Concurrency.

fn wait_with_deadline(mut child: Child, limit: Duration) -> (String, String) {
    let started = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a worker process did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read stdout");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read stderr");
    (out, err)
}

fn total(output: &str, tag: &str) -> u64 {
    tagged(output, tag)
        .iter()
        .map(|v| v.parse::<u64>().expect("count"))
        .sum()
}

/// Two processes (the app and a notification extension), each with several writer threads and
/// a reader thread on its own connection, for a fixed time: no error reaches a caller (in
/// particular no `database is locked`), and every logged dose and edit is in the file.
fn concurrency_run(durability: Durability, run_for: Duration, writers_per_process: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("diary.db");
    let regimens = create_diary(&path, 2 * writers_per_process);
    let (app_regimens, extension_regimens) = regimens.split_at(writers_per_process);
    let ids = |r: &[i64]| r.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let start = |prefix: &str, regimens: &[i64]| {
        spawn_child(
            "worker",
            &[
                (CHILD_DB, path.display().to_string()),
                (CHILD_DURABILITY, durability_name(durability).to_string()),
                (CHILD_REGIMENS, ids(regimens)),
                (CHILD_MILLIS, run_for.as_millis().to_string()),
                (CHILD_PREFIX, prefix.to_string()),
            ],
        )
    };
    let app = start("app", app_regimens);
    let extension = start("extension", extension_regimens);
    let limit = run_for + Duration::from_secs(60);
    let (app_out, app_err) = wait_with_deadline(app, limit);
    let (ext_out, ext_err) = wait_with_deadline(extension, limit);
    let output = format!("{app_out}\n{ext_out}");
    let errors = tagged(&output, "error");
    assert!(
        errors.is_empty(),
        "errors reached callers: {errors:#?}\n{app_err}\n{ext_err}"
    );
    for (name, out, err) in [
        ("app", &app_out, &app_err),
        ("extension", &ext_out, &ext_err),
    ] {
        assert!(
            tagged(out, "logged").len() == 1,
            "the {name} process did not finish its run:\n{out}\n{err}"
        );
    }
    let (logged, edited, reads) = (
        total(&output, "logged"),
        total(&output, "edited"),
        total(&output, "reads"),
    );
    assert!(logged > 0);
    assert_eq!(
        dose_rows(&path, None),
        logged,
        "every logged dose is stored, once"
    );
    assert_eq!(
        revision_rows(&path),
        logged + edited,
        "every edit is stored as a revision"
    );
    Store::open(&path)
        .expect("reopen")
        .integrity_check()
        .expect("integrity");
    eprintln!(
        "concurrency ({}): 2 processes × {writers_per_process} writers + 1 reader each for {run_for:?}: \
         {logged} doses logged, {edited} edited, {reads} reads, 0 errors",
        durability_name(durability)
    );
}

fn concurrency_time() -> Duration {
    if long_form() {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(3)
    }
}

#[test]
fn two_processes_and_many_threads_never_see_a_locked_database() {
    concurrency_run(Durability::Full, concurrency_time(), 3);
}

#[test]
fn two_processes_and_many_threads_never_see_a_locked_database_with_normal_sync() {
    concurrency_run(Durability::Normal, concurrency_time(), 3);
}

/// Four connections open (and so create and migrate) a brand-new file at the same moment, as
/// the app and its notification extension may on first launch. Before the store retried the
/// switch to WAL, about one round in six failed with `database is locked`.
#[test]
fn connections_creating_the_same_new_file_agree_on_it() {
    for _ in 0..if long_form() { 500 } else { 40 } {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("diary.db");
        let barrier = Arc::new(std::sync::Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (barrier, path) = (Arc::clone(&barrier), path.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path)
                        .map(|s| s.schema_version().expect("version"))
                        .map_err(|e| e.to_string())
                })
            })
            .collect();
        let versions: HashSet<_> = threads
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect();
        assert_eq!(versions.len(), 1, "{versions:?}");
        assert!(versions.iter().all(Result::is_ok), "{versions:?}");
    }
}

//! Red-team suite of the diary file: a diary is never lost, a file that is not a diary is never
//! touched (clinical data must survive a careless path, a wrong file, a damaged disk).
//!
//! Each test asserts the typed error and that nothing changed: the bytes of a foreign file, or
//! a digest of every row of a diary. The read-only and disk-full tests need a read-only mount
//! and a small file system: they re-run this test binary inside a private mount namespace
//! (`unshare --mount`, as root in CI); where that is impossible they say so and pass nothing
//! off as checked.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{date, digest, time};

use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::error::Error;
use nephro_core::model::{
    DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Sex,
};
use nephro_core::store::open::{APPLICATION_ID, DEMO_APPLICATION_ID};
use nephro_core::store::{DiaryKind, OpenOptions, Store};

/// A diary with a patient, a weight, a tacrolimus regimen and `doses` logged doses; returns the
/// regimen id.
fn fill(store: &mut Store, doses: u32) -> i64 {
    let patient = store
        .create_patient(&NewPatient {
            display_name: "Test Child".into(),
            birth_date: date("2019-03-01"),
            sex: Sex::Female,
            time_zone: "Europe/London".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap();
    store
        .add_measurement(
            patient.id,
            &Measurement {
                global_id: Default::default(),
                id: 0.into(),
                measured_on: date("2025-01-01"),
                weight_kg: Some(20.0),
                height_cm: Some(112.0),
                confirmed: false,
            },
        )
        .unwrap();
    let regimen = store
        .add_regimen(
            patient.id,
            &NewRegimen {
                drug: Drug::Tacrolimus,
                form: "capsule".into(),
                strengths_mg: vec![0.5, 1.0],
                allow_split: false,
                rate: DoseRate::MgPerKgPerDay(0.1),
                times: vec![time("08:00"), time("20:00")],
                start_date: date("2025-01-01"),
                end_date: None,
                prescribed_by: "Dr Test".into(),
                prescribed_on: date("2025-01-01"),
                override_range: false,
            },
        )
        .unwrap();
    for n in 0..doses {
        log(store, regimen.id.into(), n).unwrap();
    }
    regimen.id.into()
}

fn log(store: &mut Store, regimen_id: i64, n: u32) -> nephro_core::error::Result<()> {
    let day = date("2025-01-01") + chrono::TimeDelta::days(i64::from(n / 2));
    let slot = if n.is_multiple_of(2) {
        "08:00"
    } else {
        "20:00"
    };
    let at_ms = day.and_time(time(slot)).and_utc().timestamp_millis();
    store.log_dose(
        &NewDoseLog::new(
            format!("dose-{n}"),
            MedicationId::Regimen(regimen_id.into()),
            day,
            time(slot),
            DoseOutcome::Taken,
            day.and_time(time(slot)).and_utc().timestamp_millis(),
            "parent".into(),
        ),
        at_ms,
        None,
    )?;
    Ok(())
}

/// The files in a directory, with their bytes: a foreign file's directory must not change.
fn directory_listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn application_id(path: &Path) -> i32 {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap()
}

/// Asserts that opening `path` is refused as not a diary and that the directory is unchanged.
fn assert_untouched_refusal(path: &Path) {
    let dir = path.parent().unwrap();
    let before = directory_listing(dir);
    let error = Store::open(path).err().expect("refused");
    assert!(
        matches!(error, Error::NotADiary { .. }),
        "{}: {error}",
        path.display()
    );
    assert!(error.to_string().len() < 200, "a short message: {error}");
    assert_eq!(directory_listing(dir), before, "{}", path.display());
}

#[test]
fn a_text_file_is_not_a_diary_and_is_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "shopping list\nmilk\n".repeat(400)).unwrap();
    assert_untouched_refusal(&path);
}

#[test]
fn an_empty_file_is_not_a_diary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    assert_untouched_refusal(&path);
}

#[test]
fn another_applications_database_is_never_migrated_renamed_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    // Unstamped, with tables of its own; then one with a table a diary also has; then one
    // stamped by its own application; then one in WAL mode with an uncheckpointed log.
    let cases: &[(&str, &str)] = &[
        ("other.sqlite", "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts VALUES (1, 'a');"),
        ("patients.sqlite", "CREATE TABLE patient (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO patient VALUES (1, 'b');"),
        ("stamped.sqlite", "PRAGMA application_id = 1234; CREATE TABLE t (x); INSERT INTO t VALUES (1);"),
        ("empty-schema.sqlite", "PRAGMA user_version = 0; PRAGMA application_id = 0; CREATE TABLE IF NOT EXISTS x(y); DROP TABLE x;"),
    ];
    for (name, sql) in cases {
        let path = dir.path().join(name);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(sql).unwrap();
        drop(conn);
        assert_untouched_refusal(&path);
    }
}

#[test]
fn a_wal_mode_foreign_database_keeps_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x); INSERT INTO t VALUES (42);",
    )
    .unwrap();
    // The other application is still running: its log is not checkpointed.
    let before = digest(&path);
    let error = Store::open(&path).err().expect("refused");
    assert!(matches!(error, Error::NotADiary { .. }), "{error}");
    assert_eq!(digest(&path), before);
    drop(conn);
}

#[test]
fn paths_that_keep_nothing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cwd_before = directory_listing(Path::new("."));
    for path in [
        "",
        " ",
        ":memory:",
        "file:diary.db",
        "file::memory:?cache=shared",
    ] {
        let error = Store::open(path).err().expect("refused");
        assert!(
            matches!(&error, Error::Invalid { field, .. } if field == "path"),
            "{path:?}: {error}"
        );
    }
    assert_eq!(
        directory_listing(Path::new(".")),
        cwd_before,
        "no file made"
    );
    let error = Store::open(dir.path())
        .err()
        .expect("a directory is refused");
    assert!(matches!(error, Error::NotADiary { .. }), "{error}");
}

#[test]
fn a_symlink_to_a_diary_opens_that_diary_and_to_a_foreign_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.db");
    let mut store = Store::open(&real).unwrap();
    fill(&mut store, 3);
    drop(store);
    let link = dir.path().join("link.db");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let store = Store::open(&link).unwrap();
    assert_eq!(store.dose("dose-2").unwrap().dose.client_id, "dose-2");
    drop(store);

    let text = dir.path().join("text.txt");
    std::fs::write(&text, "not a diary").unwrap();
    let to_text = dir.path().join("to-text.db");
    std::os::unix::fs::symlink(&text, &to_text).unwrap();
    assert_untouched_refusal(&to_text);
    // A dangling link: creating the diary would write through it somewhere else.
    let dangling = dir.path().join("dangling.db");
    std::os::unix::fs::symlink(dir.path().join("missing/target.db"), &dangling).unwrap();
    assert!(Store::open(&dangling).is_err());
    assert!(!dir.path().join("missing").exists());
}

#[test]
fn a_new_diary_is_stamped_and_earlier_diaries_are_recognised_and_stamped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(Store::open(&path).unwrap());
    assert_eq!(application_id(&path), APPLICATION_ID);
    let demo = dir.path().join("demo.db");
    let options = OpenOptions {
        create_as: DiaryKind::Demo,
        ..OpenOptions::default()
    };
    let store = Store::open_with(&demo, &options).unwrap();
    assert_eq!(store.kind().unwrap(), DiaryKind::Demo);
    drop(store);
    assert_eq!(application_id(&demo), DEMO_APPLICATION_ID);
    // Opening a family diary with the demo option does not restamp it.
    assert_eq!(
        Store::open_with(&path, &options).unwrap().kind().unwrap(),
        DiaryKind::Family
    );
}

#[test]
fn schema_versions_no_release_wrote_are_typed_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    for (stamped, version) in [
        (true, -1i64),
        (true, i64::from(i32::MIN)),
        (true, 0),
        (false, -1),
        (false, 0),
        (false, 77),
    ] {
        let path = dir.path().join(format!("v{stamped}{version}.db"));
        let mut store = Store::open(&path).unwrap();
        fill(&mut store, 1);
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", version).unwrap();
        if !stamped {
            conn.pragma_update(None, "application_id", 0).unwrap();
        }
        drop(conn);
        let before = digest(&path);
        let error = Store::open(&path).err().expect("refused");
        assert!(
            matches!(error, Error::UnknownSchema { found } if found == version),
            "stamped {stamped}, version {version}: {error}"
        );
        assert!(error.to_string().len() < 200, "{error}");
        assert!(!error.to_string().contains("CREATE"), "{error}");
        assert_eq!(digest(&path), before);
    }
    // A stamped diary from a newer release asks for an update.
    let path = dir.path().join("newer.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 1000).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path).err().unwrap(),
        Error::NewerSchema { found: 1000, .. }
    ));
}

/// Overwrites the first data page of `table` (found through SQLite's `dbstat`-free way: the
/// table's root page number) with garbage, in the file on disk.
fn damage_table(path: &Path, table: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap();
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    let mut bytes = std::fs::read(path).unwrap();
    let start = ((root - 1) * page_size) as usize;
    for (i, b) in bytes[start..start + page_size as usize]
        .iter_mut()
        .enumerate()
    {
        *b = (i * 89 % 253) as u8;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn damage_met_after_opening_is_typed_stops_writes_and_keeps_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let mut store = Store::open(&path).unwrap();
    let regimen = fill(&mut store, 4);
    drop(store);
    damage_table(&path, "dose_log");
    let bytes = std::fs::read(&path).unwrap();

    let mut store = Store::open(&path).expect("the schema itself is intact");
    let read = store
        .dose_logs(1.into(), date("2025-01-01"), date("2025-01-31"))
        .map_err(|e| store.note(e))
        .expect_err("the damaged page is met");
    assert!(
        matches!(&read, Error::CorruptDatabase { kept_at } if kept_at == &path),
        "{read}"
    );
    assert!(store.is_damaged());
    // Every write is now refused, even one that would not touch the damaged page.
    let write = log(&mut store, regimen, 40).expect_err("write refused");
    assert!(matches!(write, Error::CorruptDatabase { .. }), "{write}");
    drop(store);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is kept as it was"
    );
}

#[test]
fn a_backup_holds_every_committed_dose_and_never_replaces_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let mut store = Store::open(&path).unwrap();
    fill(&mut store, 6);
    // The last doses are still only in the write-ahead log.
    assert!(dir.path().join("diary.db-wal").exists());
    let copy = store.backup_to(dir.path().join("copy.db")).unwrap();
    assert!(!dir.path().join("copy.db-wal").exists());
    // The copy alone (moved away from any log) is the whole diary.
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("moved.db");
    std::fs::copy(&copy, &moved).unwrap();
    assert_eq!(digest(&moved), digest(&path));
    assert_eq!(application_id(&moved), APPLICATION_ID);
    let reopened = Store::open(&moved).unwrap();
    assert_eq!(reopened.dose("dose-5").unwrap().dose.client_id, "dose-5");

    // Onto an existing file, above all the diary itself (by any spelling): refused, unchanged.
    let other = dir.path().join("other.db");
    let mut other_store = Store::open(&other).unwrap();
    fill(&mut other_store, 1);
    drop(other_store);
    let other_before = digest(&other);
    let own_before = digest(&path);
    let spellings = [
        other.clone(),
        path.clone(),
        dir.path().join(".").join("diary.db"),
        dir.path().join("diary.db-wal"),
    ];
    for target in spellings {
        let error = store.backup_to(&target).expect_err("refused");
        assert!(
            matches!(&error, Error::Invalid { field, .. } if field == "target"),
            "{}: {error}",
            target.display()
        );
    }
    assert_eq!(digest(&other), other_before);
    assert_eq!(digest(&path), own_before);
    assert!(store.backup_to(":memory:").is_err());
    let leftovers: Vec<_> = directory_listing(dir.path())
        .into_iter()
        .filter(|(name, _)| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

#[test]
fn closing_a_diary_checkpoints_it_so_the_file_alone_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let mut store = Store::open(&path).unwrap();
    fill(&mut store, 5);
    let expected = digest(&path);
    store.close().unwrap();
    let wal = dir.path().join("diary.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "the log is empty after closing"
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let copied = elsewhere.path().join("copied.db");
    std::fs::copy(&path, &copied).unwrap();
    assert_eq!(digest(&copied), expected);
}

#[test]
fn two_threads_creating_the_same_diary_end_with_one_diary() {
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("race-{round}.db"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut store = Store::open(&path).unwrap();
                    store
                        .create_patient(&NewPatient {
                            display_name: "Twin".into(),
                            birth_date: date("2020-01-01"),
                            sex: Sex::Male,
                            time_zone: "UTC".into(),
                            definition_set: "ipna2022".into(),
                        })
                        .unwrap();
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.patients().unwrap().len(),
            2,
            "both writes in one diary"
        );
        let leftovers: Vec<_> = directory_listing(dir.path())
            .into_iter()
            .filter(|(name, _)| name.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
    }
}

// ---- Read-only volumes and full disks: run inside a private mount namespace. ----

const CHILD: &str = "NEPHRO_DIARY_FILES_CHILD";
const CHILD_DIR: &str = "NEPHRO_DIARY_FILES_DIR";

/// Runs `script` (a shell script that prepares mounts under `$DIR`) and then this test binary's
/// `role` test inside a private mount namespace. Returns false, after saying why, where mount
/// namespaces are not available.
fn in_mount_namespace(role: &str, dir: &Path, script: &str) -> bool {
    let exe = std::env::current_exe().unwrap();
    let full = format!(
        "set -e; {script}; exec \"$EXE\" --exact {role}_child --ignored --nocapture --quiet --test-threads=1"
    );
    let probe = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .status();
    if !matches!(probe, Ok(s) if s.success()) {
        eprintln!(
            "SKIPPED {role}: mount namespaces are not available here (unshare --mount failed)"
        );
        return false;
    }
    let output = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &full])
        .env("EXE", exe)
        .env("DIR", dir)
        .env(CHILD, role)
        .env(CHILD_DIR, dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{role} child failed:\n{stdout}\n{stderr}"
    );
    true
}

fn child_dir() -> Option<PathBuf> {
    std::env::var_os(CHILD).map(|_| PathBuf::from(std::env::var_os(CHILD_DIR).unwrap()))
}

#[test]
fn a_diary_on_a_read_only_volume_opens_read_only_for_reading() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    std::fs::create_dir(&source).unwrap();
    let mut store = Store::open(source.join("diary.db")).unwrap();
    fill(&mut store, 4);
    store.close().unwrap();
    let before = digest(&source.join("diary.db"));
    let ran = in_mount_namespace(
        "read_only",
        dir.path(),
        "mkdir -p \"$DIR/ro\"; mount --bind \"$DIR/source\" \"$DIR/ro\"; mount -o remount,bind,ro \"$DIR/ro\"",
    );
    if ran {
        assert_eq!(digest(&source.join("diary.db")), before);
    }
}

#[test]
#[ignore]
fn read_only_child() {
    let Some(dir) = child_dir() else { return };
    let path = dir.join("ro/diary.db");
    assert!(
        std::fs::write(dir.join("ro/probe"), b"x").is_err(),
        "the volume is read-only"
    );
    let mut store = Store::open(&path).expect("opens for reading");
    assert!(store.is_read_only());
    assert_eq!(store.dose("dose-3").unwrap().dose.client_id, "dose-3");
    let error = log(&mut store, 1, 9).expect_err("write refused");
    assert!(matches!(error, Error::ReadOnly), "{error}");
    // A new diary cannot be made there either, with a clear error and no panic.
    assert!(Store::open(dir.join("ro/new.db")).is_err());
}

#[test]
fn a_full_disk_refuses_the_write_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ran = in_mount_namespace(
        "disk_full",
        dir.path(),
        "mkdir -p \"$DIR/small\"; mount -t tmpfs -o size=1m tmpfs \"$DIR/small\"",
    );
    let _ = ran;
}

#[test]
#[ignore]
fn disk_full_child() {
    let Some(dir) = child_dir() else { return };
    let small = dir.join("small");
    let path = small.join("diary.db");
    let mut store = Store::open(&path).unwrap();
    let regimen = fill(&mut store, 2);
    store.close().unwrap();
    let mut store = Store::open(&path).unwrap();
    // Fill the rest of the volume.
    let filler = small.join("filler");
    let chunk = vec![7u8; 64 * 1024];
    let mut file = std::fs::File::create(&filler).unwrap();
    use std::io::Write;
    while file.write_all(&chunk).is_ok() {}
    let _ = file.sync_all();
    drop(file);
    // Write until the disk refuses; each refusal must leave the diary as it was.
    let mut refused = None;
    for n in 2..2000 {
        let mark = digest(&path);
        match log(&mut store, regimen, n) {
            Ok(()) => continue,
            Err(e) => {
                assert_eq!(digest(&path), mark, "a refused write changed nothing");
                refused = Some(e);
                break;
            }
        }
    }
    let refused = refused.expect("the full disk refused a write");
    assert!(
        !matches!(refused, Error::CorruptDatabase { .. }),
        "{refused}"
    );
    // An export onto the full disk fails and leaves nothing half-written.
    let export = nephro_core::export::export_to_path(
        &store,
        1.into(),
        nephro_core::export::ExportFormat::Html,
        &nephro_core::export::ExportOptions::new(chrono::Utc::now()),
        &small.join("report.html"),
    );
    assert!(export.is_err());
    assert!(!small.join("report.html").exists());
    drop(store);
    std::fs::remove_file(&filler).unwrap();
    let store = Store::open(&path).unwrap();
    store.integrity_check().unwrap();
    assert_eq!(store.dose("dose-0").unwrap().dose.client_id, "dose-0");
    assert_eq!(store.dose("dose-1").unwrap().dose.client_id, "dose-1");
}

#[test]
fn an_export_never_replaces_a_diary_by_any_spelling() {
    use nephro_core::export::{export_to_path, ExportFormat, ExportOptions};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let mut store = Store::open(&path).unwrap();
    let regimen = fill(&mut store, 3);
    let other = dir.path().join("other.db");
    let mut other_store = Store::open(&other).unwrap();
    fill(&mut other_store, 1);
    drop(other_store);
    let link = dir.path().join("link.html");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let (own_before, other_before) = (digest(&path), digest(&other));
    let options = ExportOptions::new(chrono::Utc::now());
    let targets = [
        path.clone(),
        dir.path().join(".").join("diary.db"),
        dir.path().join("sub/../diary.db"),
        link.clone(),
        dir.path().join("diary.db-wal"),
        other.clone(),
    ];
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for format in ExportFormat::ALL {
        for target in &targets {
            let error = export_to_path(&store, 1.into(), format, &options, target)
                .expect_err("an export onto a database is refused");
            assert!(
                matches!(&error, Error::Invalid { field, .. } if field == "path"),
                "{} {}: {error}",
                format.id(),
                target.display()
            );
        }
    }
    assert_eq!(digest(&path), own_before);
    assert_eq!(digest(&other), other_before);
    // The diary is still the file being written: a dose logged now is in it after reopening.
    log(&mut store, regimen, 3).unwrap();
    drop(store);
    let reopened = Store::open(&path).unwrap();
    assert_eq!(reopened.dose("dose-3").unwrap().dose.client_id, "dose-3");
    let leftovers: Vec<_> = directory_listing(dir.path())
        .into_iter()
        .filter(|(name, _)| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
    // An ordinary file is replaced whole.
    let report = dir.path().join("report.html");
    std::fs::write(&report, "old report").unwrap();
    export_to_path(&reopened, 1.into(), ExportFormat::Html, &options, &report).unwrap();
    assert!(std::fs::read_to_string(&report).unwrap().contains("<html"));
}

#[test]
fn a_damaged_diary_of_an_earlier_release_is_kept_byte_for_byte() {
    // Found by the open fuzz target: an unstamped diary with a damaged page was switched to
    // WAL before the damage was met, so the kept copy differed from the original.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-v3.db");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    std::fs::copy(&fixture, &path).unwrap();
    damage_table(&path, "dose_log");
    let bytes = std::fs::read(&path).unwrap();
    let error = Store::open(&path).err().expect("refused");
    let Error::CorruptDatabase { kept_at } = error else {
        panic!("{error}")
    };
    assert_eq!(std::fs::read(kept_at).unwrap(), bytes);
}

#[test]
fn a_file_with_a_diarys_table_names_but_not_its_columns_is_refused_untouched() {
    // Found by the open fuzz target: tables named as in schema 1 but a column missing passed the
    // recognition, then the upgrade failed after the file had been switched to WAL, and the
    // refusal quoted 2 KB of SQL.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lookalike.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE patient (id INTEGER PRIMARY KEY);
         CREATE TABLE measurement (id INTEGER PRIMARY KEY);
         CREATE TABLE regimen (id INTEGER PRIMARY KEY);
         CREATE TABLE dose_log (id INTEGER PRIMARY KEY, client_id TEXT);
         CREATE TABLE dose_log_revision (id INTEGER PRIMARY KEY);
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let bytes = std::fs::read(&path).unwrap();
    let error = Store::open(&path).err().expect("refused");
    assert!(matches!(error, Error::NotADiary { .. }), "{error}");
    assert!(!error.to_string().contains("INSERT"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "left byte for byte");
}

#[test]
fn a_storage_error_names_sqlites_reason_never_the_statement() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let error: Error = conn
        .execute_batch("SELECT secret_column_of_a_child FROM nowhere WHERE name = 'Mia'")
        .unwrap_err()
        .into();
    let message = error.to_string();
    assert!(message.starts_with("storage error: "), "{message}");
    assert!(
        !message.contains("'Mia'") && !message.contains("SELECT"),
        "{message}"
    );
}

#[test]
fn a_file_that_cannot_be_opened_is_not_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let conn_error = rusqlite::Connection::open_with_flags(
        dir.path().join("Mia-Smith/missing.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
    )
    .unwrap_err();
    let message = Error::from(conn_error).to_string();
    assert!(message.starts_with("storage error: "), "{message}");
    assert!(!message.contains("Mia"), "{message}");
}

#[test]
fn a_truncated_wal_mode_header_is_refused_without_making_a_log_beside_it() {
    // Found by the `open` fuzz target: 100 bytes of an SQLite header saying "WAL mode" (bytes
    // 18-19 = 0, 2) with no page behind it. A read-only look had SQLite make `-wal` and `-shm`
    // files beside a file that is not ours.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("header-only.db");
    let mut header = b"SQLite format 3\0".to_vec();
    header.extend_from_slice(&[0, 0, 0, 2]);
    header.resize(100, 0);
    header[32..38].copy_from_slice(&[0xda, 0x7f, 0x68, 0x4a, 0x7c, 0x55]);
    std::fs::write(&path, &header).unwrap();
    assert_untouched_refusal(&path);
    // And the fuzzer's exact input.
    let found = dir.path().join("fuzz-crash.db");
    std::fs::write(
        &found,
        include_bytes!("../../fuzz/corpus/open/wal-header-only"),
    )
    .unwrap();
    assert_untouched_refusal(&found);
}

#[test]
fn an_earlier_wal_mode_diary_under_an_awkward_name_is_recognised_with_its_log() {
    // The look before opening goes through an SQLite URI when no log is beside the file: a
    // name with `?`, `#`, `%` and a space must still name the file, and a log that is there
    // must still be read (the earlier release's last dose lives only in it).
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-v3.db");
    for name in ["Mei's diary ?x=1#top 100%.db", "plain.db"] {
        let path = dir.path().join(name);
        std::fs::copy(&fixture, &path).unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode=WAL").unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.kind().unwrap(), DiaryKind::Family, "{name}");
        drop(store);
        assert_eq!(application_id(&path), APPLICATION_ID, "{name}");
    }
    // A log left by a release that stopped mid-way: its last write is seen when recognising.
    let path = dir.path().join("with-log.db");
    std::fs::copy(&fixture, &path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE extra (x);",
    )
    .unwrap();
    // Still open, so the table lives only in the log: the file is not an earlier diary's set of
    // tables any more, and a look that ignored the log would have taken it for one.
    let error = Store::open(&path).err().expect("refused");
    assert!(matches!(error, Error::NotADiary { .. }), "{error}");
    drop(conn);
}

#[test]
fn a_stamped_diary_whose_upgrade_fails_is_refused_untouched() {
    // Found by the open fuzz target: the same lookalike, but stamped as ours. Its upgrade failed
    // after the file had been switched to WAL; the refusal was a storage string.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stamped-lookalike.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE patient (id INTEGER PRIMARY KEY);
         CREATE TABLE dose_log (id INTEGER PRIMARY KEY, client_id TEXT);
         PRAGMA user_version = 1;
         PRAGMA application_id = {APPLICATION_ID};"
    ))
    .unwrap();
    drop(conn);
    let before = directory_listing(dir.path());
    let error = Store::open(&path).err().expect("refused");
    assert!(
        matches!(error, Error::UpgradeFailed { from_version: 1 }),
        "{error}"
    );
    assert!(!error.to_string().contains("INSERT"), "{error}");
    assert_eq!(directory_listing(dir.path()), before, "left byte for byte");
    // The fuzzer's own input: a stamped schema-1 diary with a column renamed.
    let found = dir.path().join("fuzz-stamped.db");
    std::fs::write(
        &found,
        include_bytes!("../../fuzz/corpus/open/stamped-v1-column-renamed"),
    )
    .unwrap();
    let before = directory_listing(dir.path());
    let error = Store::open(&found).err().expect("refused");
    assert!(matches!(error, Error::UpgradeFailed { .. }), "{error}");
    assert_eq!(directory_listing(dir.path()), before);
}

/// The tests run the SQLite the phones ship: built with `LIBSQLITE3_FLAGS` of
/// `.cargo/config.toml` (the extensions NephroDiary never uses left out, for the library's size),
/// and still with the JSON functions that the share store's SQL calls (`json_extract`).
#[test]
fn the_bundled_sqlite_is_the_trimmed_build_the_phones_ship() {
    let connection = rusqlite::Connection::open_in_memory().unwrap();
    let mut statement = connection.prepare("PRAGMA compile_options").unwrap();
    let options: Vec<String> = statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for omitted in [
        "OMIT_LOAD_EXTENSION",
        "OMIT_DEPRECATED",
        "OMIT_SHARED_CACHE",
    ] {
        assert!(
            options.iter().any(|o| o == omitted),
            "{omitted} missing from {options:?}"
        );
    }
    for left_out in ["ENABLE_FTS3", "ENABLE_FTS5", "ENABLE_RTREE", "ENABLE_STAT4"] {
        assert!(
            !options.iter().any(|o| o == left_out),
            "{left_out} still in {options:?}"
        );
    }
    let caregiver: String = connection
        .query_row(
            r#"SELECT json_extract('{"caregiver":"a"}', '$.caregiver')"#,
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(caregiver, "a");
}

//! Red-team tests of the `nephro` command: it never replaces a diary, never touches a file that
//! is not one, never panics on a closed pipe, never echoes control characters, and names the
//! flag in every error.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;
use common::{nephro, run_in_dir, stderr};

/// Every file in `dir` with its bytes.
fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
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

fn demo(dir: &Path, name: &str) {
    let out = run_in_dir(&["demo", "--db", name, "--today", "2025-06-01"], dir);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_export_onto_the_diary_is_refused_by_any_spelling_and_the_diary_survives() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), "d.db");
    std::os::unix::fs::symlink("d.db", dir.path().join("link.html")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let before = listing(dir.path());
    for out_path in ["d.db", "./d.db", "sub/../d.db", "link.html", "d.db-wal"] {
        for format in ["html", "fhir", "ics", "csv"] {
            let out = run_in_dir(
                &[
                    "export", "--db", "d.db", "--format", format, "--out", out_path,
                ],
                dir.path(),
            );
            assert!(
                !out.status.success(),
                "{format} onto {out_path} was written"
            );
            let message = stderr(&out);
            assert!(message.starts_with("nephro: --out: "), "{message}");
        }
    }
    assert_eq!(listing(dir.path()), before, "nothing changed");
    let out = run_in_dir(&["assess", "--db", "d.db"], dir.path());
    assert!(
        out.status.success(),
        "the diary still opens: {}",
        stderr(&out)
    );
}

#[test]
fn files_that_are_not_diaries_are_never_touched_by_any_command() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.sqlite");
    assert!(foreign_sqlite(&other).success());
    std::fs::write(dir.path().join("notes.txt"), "a family's notes\n").unwrap();
    std::fs::write(dir.path().join("empty.db"), b"").unwrap();
    let before = listing(dir.path());
    for file in ["other.sqlite", "notes.txt", "empty.db"] {
        for args in [
            vec!["demo", "--db", file, "--today", "2025-06-01"],
            vec!["assess", "--db", file],
            vec!["labs", "--db", file],
            vec!["taper", "--db", file],
            vec!["reminders", "--db", file],
            vec!["adherence", "--db", file],
            vec![
                "export", "--db", file, "--format", "html", "--out", "r.html",
            ],
            vec!["backup", "--db", file, "--to", "copy.db"],
        ] {
            let out = run_in_dir(&args, dir.path());
            assert!(!out.status.success(), "{args:?} succeeded");
            let message = stderr(&out);
            assert!(
                message.starts_with("nephro: --db: ")
                    && message.contains("not a NephroDiary diary"),
                "{args:?}: {message}"
            );
            assert!(!message.contains("panicked"), "{message}");
        }
    }
    assert_eq!(
        listing(dir.path()),
        before,
        "no file was changed, renamed or made"
    );
}

/// A small SQLite database of another application, written by the `sqlite3` module of the
/// system's Python (an independent writer).
fn foreign_sqlite(path: &Path) -> std::process::ExitStatus {
    Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table photos(id integer primary key, name text)'); c.execute(\"insert into photos values (1, 'x')\"); c.commit()",
        ])
        .arg(path)
        .status()
        .unwrap()
}

#[test]
fn the_demo_replaces_only_a_demo_diary() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), "demo.db");
    demo(dir.path(), "demo.db"); // its own demo diary: replaced
                                 // A family diary (a backup made from the demo is still the demo's; make a real one through
                                 // the library instead).
    let family = dir.path().join("family.db");
    drop(nephro_core::store::Store::open(&family).unwrap());
    let before = std::fs::read(&family).unwrap();
    let out = run_in_dir(
        &["demo", "--db", "family.db", "--today", "2025-06-01"],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).starts_with("nephro: --db: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&family).unwrap(), before);
}

#[test]
fn a_closed_pipe_ends_quietly_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), "d.db");
    for args in [
        vec!["demo", "--db", "d.db", "--today", "2025-06-01"],
        vec!["taper", "--db", "d.db"],
        vec!["adherence", "--db", "d.db", "--to", "2025-05-31"],
        vec!["reminders", "--db", "d.db", "--count", "1000"],
    ] {
        let mut child = nephro()
            .args(&args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then hang up, as `| head -c 1` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(status.code().is_some(), "{args:?} was killed by a signal");
    }
}

#[test]
fn errors_name_the_flag_and_never_echo_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path(), "d.db");
    let hostile = "\u{1b}[2J\u{1b}]0;owned\u{7}\r";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["assess".into(), "--db".into(), format!("x{hostile}.db")],
            "--db",
        ),
        (
            vec![
                "assess".into(),
                "--db".into(),
                "d.db".into(),
                "--as-of".into(),
                hostile.into(),
            ],
            "--as-of",
        ),
        (
            vec![
                "assess".into(),
                "--db".into(),
                "d.db".into(),
                "--patient".into(),
                "99".into(),
            ],
            "--patient",
        ),
        (
            vec![
                "labs".into(),
                "--db".into(),
                "d.db".into(),
                "--locale".into(),
                hostile.into(),
            ],
            "--locale",
        ),
        (
            vec![
                "taper".into(),
                "--db".into(),
                "d.db".into(),
                "--course".into(),
                hostile.into(),
            ],
            "--course",
        ),
        (
            vec![
                "export".into(),
                "--db".into(),
                "d.db".into(),
                "--format".into(),
                hostile.into(),
                "--out".into(),
                "x".into(),
            ],
            "--format",
        ),
        (
            vec![
                "export".into(),
                "--db".into(),
                "d.db".into(),
                "--format".into(),
                "html".into(),
                "--out".into(),
                "d.db".into(),
            ],
            "--out",
        ),
        (
            vec![
                "backup".into(),
                "--db".into(),
                "d.db".into(),
                "--to".into(),
                "d.db".into(),
            ],
            "--to",
        ),
        (
            vec![
                "reminders".into(),
                "--db".into(),
                "d.db".into(),
                "--count".into(),
                hostile.into(),
            ],
            "--count",
        ),
        (
            vec![
                "demo".into(),
                "--db".into(),
                "d2.db".into(),
                "--today".into(),
                hostile.into(),
            ],
            "--today",
        ),
        (vec![hostile.into()], ""),
    ];
    for (args, flag) in cases {
        let out = run_in_dir(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            dir.path(),
        );
        assert!(!out.status.success(), "{args:?}");
        let message = stderr(&out);
        assert!(
            !message.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?}: control characters echoed: {message:?}"
        );
        assert!(
            message.contains(flag),
            "{args:?}: {flag} not named in {message:?}"
        );
        assert!(!message.contains("panicked"), "{message}");
    }
}

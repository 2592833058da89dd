//! What the CLI's tests share: running the `nephro` binary built for them and reading what it
//! printed. Each test file uses some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The `nephro` binary built for these tests.
pub fn nephro() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nephro"))
}

/// Runs `nephro args…`.
pub fn run(args: &[&str]) -> Output {
    nephro().args(args).output().expect("nephro runs")
}

/// Runs `nephro args… --db db`.
pub fn run_with_db(args: &[&str], db: &Path) -> Output {
    nephro()
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("nephro runs")
}

/// Runs `nephro args…` in the directory `dir` (relative paths are read there).
pub fn run_in_dir(args: &[&str], dir: &Path) -> Output {
    nephro()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("nephro runs")
}

/// Whether `nephro args… --db db` succeeded, and what it printed on standard output and error.
pub fn outcome_with_db(args: &[&str], db: &Path) -> (bool, String, String) {
    let out = run_with_db(args, db);
    (out.status.success(), printed(&out), stderr(&out))
}

/// The standard output of a run that must have succeeded (its standard error shown if not).
pub fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    printed(out)
}

/// The standard output of a run, whatever its status.
pub fn printed(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("standard output is UTF-8")
}

/// The standard error of a run.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

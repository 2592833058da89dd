//! Runs every conformance case — the shared suite (`../shared/conformance`), the landed suites of
//! `../shared/conformance-next`, and the project's own (`tests/conformance`) — through the same
//! entry point as `nephro eval`.

use std::path::{Path, PathBuf};

use nephro_core::conformance::{evaluate_case, mismatch};
use serde_json::Value;

/// The suites of `../shared/conformance-next` whose capability has landed: their folders join
/// the case directories (conformance-next/README.md).
const LANDED_NEXT_SUITES: &[&str] = &["dipstick", "dose"];

/// The suite directories: every suite of the shared cases (or `NEPHRO_SHARED_CONFORMANCE`), the
/// landed suites of `conformance-next` (or `NEPHRO_SHARED_CONFORMANCE_NEXT`), and every suite of
/// the project's own cases.
fn suite_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = std::env::var_os("NEPHRO_SHARED_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/conformance"));
    let next = std::env::var_os("NEPHRO_SHARED_CONFORMANCE_NEXT")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/conformance-next"));
    assert!(
        shared.is_dir(),
        "the shared conformance cases are missing at {}",
        shared.display()
    );
    let mut dirs = subdirs(&shared);
    for suite in LANDED_NEXT_SUITES {
        let dir = next.join(suite);
        assert!(
            dir.is_dir() && !case_files(&dir).is_empty(),
            "the shared {suite} cases are missing at {}",
            dir.display()
        );
        dirs.push(dir);
    }
    dirs.extend(subdirs(&root.join("tests/conformance")));
    dirs
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn case_files(suite_dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(suite_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The cases of `../shared/conformance-next` whose capability this build has, run one by one
/// (the rest of those folders belong to capabilities still being built). A case found in
/// `../shared/conformance` instead has joined the others and runs with them.
const NEXT_CASES: &[&str] = &[
    // Clinical-rules §10: the daily maximum per drug (tacrolimus 10 mg/day).
    "dose/20-tacrolimus-weight-slip-above-daily-maximum.json",
];

/// Where a case of [`NEXT_CASES`] is now: `conformance-next`, or `conformance` once it moved.
fn next_case(name: &str) -> PathBuf {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    ["conformance-next", "conformance"]
        .iter()
        .map(|dir| shared.join(dir).join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("conformance case {name} is missing"))
}

#[test]
fn the_next_cases_of_built_capabilities_pass() {
    for name in NEXT_CASES {
        let file = next_case(name);
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let output = evaluate_case(&case).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Some(why) = mismatch(&case["expected"], &output) {
            panic!("{}: {why}\n  output: {output}", file.display());
        }
    }
}

#[test]
fn every_conformance_case_passes() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in suite_dirs() {
        for file in case_files(&dir) {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let output = evaluate_case(&case).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            ran += 1;
            if let Some(why) = mismatch(&case["expected"], &output) {
                failures.push(format!("{}: {why}\n  output: {output}", file.display()));
            }
        }
    }
    assert!(ran >= 100, "only {ran} cases ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("conformance: {ran} cases passed");
}

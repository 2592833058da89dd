//! The `nephro` binary as a user runs it: every conformance case through `nephro eval`
//! (exit codes included), and `nephro demo` on a fresh file.

use std::path::{Path, PathBuf};

use nephro_core::conformance::mismatch;
use serde_json::Value;

mod common;
use common::nephro;

/// The suites of `../shared/conformance-next` whose capability has landed: their folders join
/// the case directories (conformance-next/README.md).
const LANDED_NEXT_SUITES: &[&str] = &["dipstick", "dose"];

fn case_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = std::env::var_os("NEPHRO_SHARED_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/conformance"));
    let next = std::env::var_os("NEPHRO_SHARED_CONFORMANCE_NEXT")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/conformance-next"));
    let mut suite_dirs = Vec::new();
    for dir in [shared, root.join("tests/conformance")] {
        suite_dirs.extend(
            std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        );
    }
    suite_dirs.extend(LANDED_NEXT_SUITES.iter().map(|s| next.join(s)));
    let mut files = Vec::new();
    for suite in suite_dirs {
        for case in std::fs::read_dir(suite).into_iter().flatten().flatten() {
            if case.path().extension().is_some_and(|e| e == "json") {
                files.push(case.path());
            }
        }
    }
    files.sort();
    files
}

/// The cases of `../shared/conformance-next` whose capability this build has (see
/// `core/tests/conformance.rs`); the rest of those folders belong to later work.
const NEXT_CASES: &[&str] = &["dose/20-tacrolimus-weight-slip-above-daily-maximum.json"];

#[test]
fn eval_passes_the_next_cases_of_built_capabilities() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    for name in NEXT_CASES {
        let file = ["conformance-next", "conformance"]
            .iter()
            .map(|dir| shared.join(dir).join(name))
            .find(|path| path.is_file())
            .unwrap_or_else(|| panic!("conformance case {name} is missing"));
        let out = nephro().arg("eval").arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        let output: Value = serde_json::from_slice(&out.stdout).unwrap();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        if let Some(why) = mismatch(&case["expected"], &output) {
            panic!("{name}: {why}\n  output: {output}");
        }
        assert_eq!(output["error"]["code"], "dose_out_of_range", "{name}");
    }
}

#[test]
fn eval_passes_every_case_and_exits_zero() {
    let files = case_files();
    assert!(files.len() >= 35, "only {} cases found", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let out = nephro().arg("eval").arg(file).output().unwrap();
        assert!(
            out.status.success(),
            "{}: exit {:?}",
            file.display(),
            out.status.code()
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            stdout.trim().lines().count(),
            1,
            "{}: exactly one JSON object",
            file.display()
        );
        let output: Value = serde_json::from_str(&stdout).unwrap();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        if let Some(why) = mismatch(&case["expected"], &output) {
            failures.push(format!("{}: {why}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn eval_exits_two_on_a_file_that_is_not_a_case() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("not-json.json", "{nope"),
        ("array.json", "[]"),
        ("unknown-suite.json", r#"{"suite": "weather", "input": {}}"#),
        ("no-input.json", r#"{"suite": "dose"}"#),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = nephro().arg("eval").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(!out.stderr.is_empty(), "{name}: a message on stderr");
    }
    let missing = nephro()
        .arg("eval")
        .arg(dir.path().join("absent.json"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn eval_reports_a_refusal_as_an_error_object_with_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.json");
    std::fs::write(
        &path,
        r#"{"suite": "dose", "input": {"drug": "tacrolimus", "weight_kg": -1}}"#,
    )
    .unwrap();
    let out = nephro().arg("eval").arg(&path).output().unwrap();
    assert!(out.status.success());
    let output: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(output["error"]["code"], "invalid_input");
}

#[test]
fn demo_writes_a_diary_and_refuses_to_overwrite_someone_elses() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    for _ in 0..2 {
        // The second run refreshes the demo's own file.
        let out = nephro()
            .args(["demo", "--today", "2026-11-25", "--db"])
            .arg(&db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("1 mg per dose"), "{text}");
        assert!(text.contains("of 180 scheduled doses"), "{text}");
    }
    let other = dir.path().join("family.db");
    let mut store = nephro_core::store::Store::open(&other).unwrap();
    store
        .create_patient(&nephro_core::model::NewPatient {
            display_name: "A real child".into(),
            birth_date: nephro_core::dates::parse_date("d", "2019-01-01").unwrap(),
            sex: nephro_core::model::Sex::Male,
            time_zone: "Europe/Paris".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap();
    drop(store);
    let out = nephro()
        .args(["demo", "--db"])
        .arg(&other)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        nephro_core::store::Store::open(&other)
            .unwrap()
            .patients()
            .unwrap()
            .len(),
        1,
        "untouched"
    );
}

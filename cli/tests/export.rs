//! `nephro export` and the demo's report as a clinician or a script uses them.

use std::path::Path;

mod common;
use common::{run, stdout};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_demo_ends_by_writing_its_report_beside_the_diary() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("family.db");
    let out = stdout(&run(&["demo", "--db", path(&db), "--today", "2026-11-25"]));
    let report = dir.path().join("family-report.html");
    assert!(report.exists(), "{out}");
    let last = out.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.starts_with("Report") && last.contains("family-report.html"),
        "{last}"
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("Mei (fictional demo child)"));
    assert!(html.contains("data-testid=\"chart-proteinuria\""));
    assert!(
        html.contains("data-testid=\"period\" data-from=\"2026-08-25\" data-to=\"2026-11-25\""),
        "the demo's period"
    );
    // The same --today gives the same report.
    let again = dir.path().join("again.db");
    stdout(&run(&[
        "demo",
        "--db",
        path(&again),
        "--today",
        "2026-11-25",
    ]));
    let second = std::fs::read_to_string(dir.path().join("again-report.html")).unwrap();
    assert_eq!(html, second);
}

#[test]
fn export_writes_every_format_and_tells_what_it_contains() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    stdout(&run(&["demo", "--db", path(&db), "--today", "2026-11-25"]));
    for (format, out) in [
        ("fhir", "d.json"),
        ("html", "r.html"),
        ("ics", "s.ics"),
        ("csv", "tables"),
    ] {
        let target = dir.path().join(out);
        let printed = stdout(&run(&[
            "export",
            "--db",
            path(&db),
            "--format",
            format,
            "--out",
            path(&target),
        ]));
        assert!(
            printed.contains("wrote ") && printed.contains("What this export contains:"),
            "{printed}"
        );
        assert!(printed.contains("Doses logged:"), "{printed}");
        assert!(target.exists(), "{format}");
    }
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("d.json")).unwrap()).unwrap();
    assert_eq!(bundle["type"], "collection");
    assert!(dir.path().join("tables/steroid_calendar.csv").exists());
    assert!(std::fs::read_to_string(dir.path().join("s.ics"))
        .unwrap()
        .starts_with("BEGIN:VCALENDAR\r\n"));

    // De-identified, in Chinese, over a range (at least 69 days: its last 14 to 69 days are left
    // out): no name anywhere.
    let deid = dir.path().join("deid.html");
    let printed = stdout(&run(&[
        "export",
        "--db",
        path(&db),
        "--format",
        "html",
        "--deidentify",
        "--shift-seed",
        "9",
        "--locale",
        "zh-Hans",
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-24",
        "--out",
        path(&deid),
    ]));
    assert!(printed.contains("已去标识化"), "{printed}");
    let html = std::fs::read_to_string(&deid).unwrap();
    assert!(!html.contains("Mei") && html.contains("<html lang=\"zh-Hans\">"));

    // Every format of one de-identified request into one directory, with one shift: the doses
    // of the CSV are the FHIR bundle's statements, at the same instants.
    let share = dir.path().join("share");
    let printed = stdout(&run(&[
        "export",
        "--db",
        path(&db),
        "--format",
        "fhir,csv,html,ics",
        "--deidentify",
        "--out",
        path(&share),
    ]));
    assert!(printed.contains("De-identified"), "{printed}");
    for name in [
        "diary.fhir.json",
        "report.html",
        "dosing.ics",
        "csv/doses.csv",
        "csv/manifest.txt",
    ] {
        assert!(share.join(name).is_file(), "{name}");
    }
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(share.join("diary.fhir.json")).unwrap())
            .unwrap();
    assert!(bundle.get("timestamp").is_none());
    // Two medicines given together share an instant: compare the statements one for one.
    let mut effective: Vec<String> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "MedicationStatement")
        .map(|e| {
            e["resource"]["effectiveDateTime"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    effective.sort();
    let doses = std::fs::read_to_string(share.join("csv/doses.csv")).unwrap();
    // The first column names the patient: a pseudonym when de-identified.
    assert!(doses.starts_with("\u{feff}patient,"));
    assert!(doses.lines().skip(1).all(|line| line.starts_with("P-")));
    let mut instants: Vec<&str> = doses
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(6).unwrap())
        .collect();
    instants.sort();
    assert!(!instants.is_empty() && instants == effective);
    assert!(instants.iter().all(|at| at.ends_with('Z')));
}

#[test]
fn export_refuses_bad_arguments_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = dir.path().join("x.json");
    let missing = run(&[
        "export",
        "--db",
        path(&db),
        "--format",
        "fhir",
        "--out",
        path(&out),
    ]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does not exist"));
    assert!(!db.exists(), "a missing diary is not created");
    stdout(&run(&["demo", "--db", path(&db), "--today", "2026-11-25"]));
    for args in [
        vec!["--format", "pdf"],
        vec!["--format", "fhir", "--from", "2026-13-01"],
        vec!["--format", "fhir", "--locale", "fr"],
        vec!["--format", "fhir", "--shift-seed", "3"],
        vec!["--format", "fhir,pdf"],
        vec![
            "--format",
            "fhir",
            "--deidentify",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-24",
        ],
        vec![
            "--format",
            "fhir",
            "--from",
            "2026-11-20",
            "--to",
            "2026-11-01",
        ],
    ] {
        let mut all = vec!["export", "--db", path(&db), "--out", path(&out)];
        all.extend(args.iter().copied());
        let refused = run(&all);
        assert!(!refused.status.success(), "{args:?}");
        assert!(!out.exists(), "{args:?}: nothing written");
    }
}

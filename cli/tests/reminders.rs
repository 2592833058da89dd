//! `nephro reminders`, `nephro adherence` and the demo's reminder and adherence section.

use std::path::Path;

mod common;
use common::{run_with_db, stdout};

fn demo(db: &Path) -> String {
    stdout(&run_with_db(&["demo", "--today", "2026-11-25"], db))
}

#[test]
fn the_demo_shows_the_next_day_of_reminders_and_adherence() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let summary = demo(&db);
    let section = summary
        .split("Reminders for the next 24 hours")
        .nth(1)
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(
        section.starts_with(" (from 2026-11-25 12:00, local)"),
        "{section}"
    );
    // Tonight's and tomorrow morning's tacrolimus, nothing after 2026-11-26 12:00.
    assert!(
        section.contains("2026-11-25 20:00 +08:00  2026-11-25 12:00Z  regimen-1"),
        "{section}"
    );
    assert!(
        section.contains("Tacrolimus 1 mg — 8:00 pm dose"),
        "{section}"
    );
    assert!(section.contains("2026-11-26 08:00 +08:00"), "{section}");
    assert!(!section.contains("2026-11-26 20:00"), "{section}");
    // The ACE inhibitor and the steroid solution are reminded beside tacrolimus
    // (clinical-rules §12): the family reads the solution's volume.
    assert!(
        summary.contains("Medicine  Enalapril 2.5 mg (tablet) once a day at 08:00 from 2026-08-27: 89 doses taken to yesterday"),
        "{summary}"
    );
    assert!(
        section.contains("medicine-1    Enalapril 2.5 mg — 8:00 am dose"),
        "{section}"
    );
    assert!(
        section.contains("course-p1_c1  Prednisolone 3 mL (15 mg) — 8:00 am dose"),
        "{section}"
    );
    let adherence = section
        .split("Adherence ")
        .nth(1)
        .unwrap_or_else(|| panic!("{section}"));
    assert!(
        adherence.starts_with("2026-08-27 to 2026-11-24"),
        "{adherence}"
    );
    let tacrolimus = adherence
        .lines()
        .find(|l| l.contains("Tacrolimus (regimen-1)"))
        .unwrap_or_else(|| panic!("{adherence}"));
    assert!(
        tacrolimus.contains("/180") && tacrolimus.contains(" ± ") && tacrolimus.contains('%'),
        "{tacrolimus}"
    );
    let enalapril = adherence
        .lines()
        .find(|l| l.contains("Enalapril (medicine-1)"))
        .unwrap_or_else(|| panic!("{adherence}"));
    assert!(enalapril.contains("89/90"), "{enalapril}");
    assert!(
        adherence
            .lines()
            .any(|l| l.trim_start().starts_with("Overall")),
        "{adherence}"
    );
}

#[test]
fn reminders_and_adherence_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db);
    let out = stdout(&run_with_db(
        &[
            "reminders",
            "--from",
            "2026-11-25T12:00:00+08:00",
            "--count",
            "3",
        ],
        &db,
    ));
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("+08:00  2026-"))
        .collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(rows[0].contains("Tacrolimus 1 mg — 8:00 pm dose"), "{out}");
    assert!(
        out.contains("Local time") && out.contains("UTC") && out.contains("Medication"),
        "{out}"
    );
    let zh = stdout(&run_with_db(
        &[
            "reminders",
            "--from",
            "2026-11-25T12:00:00+08:00",
            "--count",
            "1",
            "--locale",
            "zh-Hans",
        ],
        &db,
    ));
    assert!(zh.contains("他克莫司 1 mg — 20:00 服药"), "{zh}");
    let paris = stdout(&run_with_db(
        &[
            "reminders",
            "--from",
            "2026-11-25T12:00:00+08:00",
            "--count",
            "1",
            "--device-zone",
            "Europe/Paris",
        ],
        &db,
    ));
    assert!(
        paris.contains("2026-11-25 08:00 +01:00"),
        "wall clock kept in Paris: {paris}"
    );

    let report = stdout(&run_with_db(
        &[
            "adherence",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-07",
            "--now",
            "2026-11-25T12:00:00+08:00",
        ],
        &db,
    ));
    assert!(
        report.contains("Adherence of patient 1, 2026-11-01 to 2026-11-07"),
        "{report}"
    );
    assert!(
        report
            .lines()
            .any(|l| l.contains("Tacrolimus (regimen-1)") && l.contains("/14")),
        "{report}"
    );
    assert!(report.contains("Calendar ("), "{report}");
    assert!(
        report.lines().any(|l| l.starts_with("  2026-10-26")),
        "the week of 2026-11-01 starts on Monday 10-26: {report}"
    );
}

#[test]
fn bad_arguments_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db);
    for args in [
        &["reminders", "--locale", "fr"][..],
        &["reminders", "--from", "2026-11-25T12:00:00"],
        &["reminders", "--count", "0"],
        &["reminders", "--count", "5000"],
        &["reminders", "--device-zone", "Mars/Base"],
        &["reminders", "--patient", "99"],
        &["adherence", "--from", "2026-11-07", "--to", "2026-11-01"],
        &["adherence", "--to", "2026-13-01"],
    ] {
        let out = run_with_db(args, &db);
        assert!(!out.status.success(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let absent = dir.path().join("absent.db");
    assert!(!run_with_db(&["reminders"], &absent).status.success());
    assert!(!absent.exists(), "a missing diary is not created");
}

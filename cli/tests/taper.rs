//! `nephro taper` and the demo's steroid section, as a user runs them.

mod common;
use common::outcome_with_db;

#[test]
fn the_demo_relapse_course_shows_this_weeks_doses_and_the_exposure() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let (ok, summary, err) = outcome_with_db(&["demo", "--today", "2026-11-25"], &db);
    assert!(ok, "{err}");
    // The relapse is confirmed 2026-10-18 (onset 10-16) and remission on 10-26. 21 kg, 117 cm:
    // BSA 0.826 m². Given as a 5 mg/mL solution with 0.1 mL marks (clinical-rules §12):
    // 60 × 0.826 = 49.57 mg = 9.91 mL → 9.9 mL = 49.5 mg daily 10-18..10-26 (9 days, 445.5 mg);
    // 40 × 0.826 = 33.05 mg = 6.61 mL → 6.6 mL = 33 mg on 14 alternate days from 10-27 (462 mg);
    // then 15, 10, 5 mg (3, 2, 1 mL) on alternate days for 14 days each (7 doses each, 210 mg):
    // 44 dosing days, 1117.5 mg.
    assert!(
        summary.contains(
            "Steroid   Prednisolone 5 mg/mL oral solution course p1_c1 (version 2) from 2026-10-18 on 21 kg: 44 dosing days, 1117.5 mg planned; remission confirmed 2026-10-26"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("the family was told: Relapse suspected — contact your team; your action plan says: Prednisolone 50 mg (10 tablets of 5 mg) once a day"),
        "{summary}"
    );
    assert!(
        summary.contains("This week 2026-11-23 to 2026-11-29:"),
        "{summary}"
    );
    assert!(
        summary.contains("Tue 2026-11-24 08:00 3 mL (15 mg) — taken"),
        "{summary}"
    );
    assert!(
        summary.contains("Thu 2026-11-26 08:00 3 mL (15 mg) — to give"),
        "{summary}"
    );
    // Planned to yesterday: 445.5 + 462 + 15 = 922.5 mg; one 49.5 mg dose skipped.
    assert!(
        summary.contains("taken 873 mg (41.6 mg/kg, 1057 mg/m²;"),
        "{summary}"
    );
    assert!(
        summary.contains("of 922.5 mg planned; 23 doses taken"),
        "{summary}"
    );
    // The tacrolimus line still counts only tacrolimus doses.
    assert!(summary.contains("of 180 scheduled doses"), "{summary}");

    let (ok, table, err) = outcome_with_db(&["taper", "--today", "2026-11-25"], &db);
    assert!(ok, "{err}");
    assert!(
        table.contains("Steroid course p1_c1 — Prednisolone, version 2 of 2 (patient 1)"),
        "{table}"
    );
    assert!(
        table.contains("Phase 1     60 mg/m² daily (at most 60 mg) until remission"),
        "{table}"
    );
    assert!(
        table.contains("Phase 3     taper 15 → 5 mg, 5 mg lower every 14 days, alternate days"),
        "{table}"
    );
    assert!(
        table.contains("Remission   confirmed 2026-10-26 (urine readings"),
        "{table}"
    );
    assert!(
        table.contains(
            "Plan        explicit phases; starts 2026-10-18 on 21 kg, 117 cm (BSA 0.83 m², Mosteller); 5 mg/mL oral solution, 0.1 mL syringe marks; at 08:00"
        ),
        "{table}"
    );
    assert!(
        table.contains("2026-10-18   49.5    9.9 mL       1      taken"),
        "{table}"
    );
    assert!(
        table.contains("2026-10-27   33      6.6 mL       2      taken"),
        "{table}"
    );
    assert!(
        table.contains("2026-10-28   0       —            2      —"),
        "{table}"
    );
    assert!(
        table.contains("2027-01-03   5       1 mL         3      —"),
        "{table}"
    );
    assert!(table.contains("  planned   1117.5 mg"), "{table}");

    let (ok, part, err) = outcome_with_db(
        &[
            "taper",
            "--course",
            "p1_c1",
            "--from",
            "2026-11-20",
            "--to",
            "2026-11-30",
            "--today",
            "2026-11-25",
        ],
        &db,
    );
    assert!(ok, "{err}");
    assert_eq!(
        part.lines().filter(|l| l.starts_with("2026-")).count(),
        11,
        "{part}"
    );
    // 33 + 33 + 15 × 4 = 126 mg planned; 33 + 33 + 15 taken.
    assert!(
        part.contains("Exposure    2026-11-20 to 2026-11-30 (11 days;"),
        "{part}"
    );
    assert!(
        part.contains("  planned   126 mg (6.0 mg/kg, 153 mg/m²)"),
        "{part}"
    );
    assert!(
        part.contains("  taken     81 mg (3.9 mg/kg, 98 mg/m²)"),
        "{part}"
    );
}

#[test]
fn taper_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.db");
    let (ok, _, err) = outcome_with_db(&["taper"], &missing);
    assert!(!ok && err.contains("does not exist"), "{err}");
    assert!(!missing.exists(), "taper never creates a diary");
    let db = dir.path().join("demo.db");
    assert!(outcome_with_db(&["demo", "--today", "2026-11-25"], &db).0);
    let (ok, _, err) = outcome_with_db(&["taper", "--course", "p9_c9"], &db);
    assert!(!ok && err.contains("not found"), "{err}");
    let (ok, _, err) = outcome_with_db(
        &["taper", "--from", "2026-11-30", "--to", "2026-11-20"],
        &db,
    );
    assert!(!ok && err.contains("--to"), "{err}");
    let (ok, _, err) = outcome_with_db(&["taper", "--from", "30/11/2026"], &db);
    assert!(!ok && err.contains("--from"), "{err}");
}

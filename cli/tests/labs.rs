//! `nephro labs` and the demo's lab section as a clinician sees them.

mod common;
use common::{run_with_db, stdout};

#[test]
fn the_demo_shows_troughs_one_not_a_trough_and_a_low_white_cell_alert() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let demo = stdout(&run_with_db(&["demo", "--today", "2026-11-25"], &db));
    assert!(
        demo.contains("Targets (initial phase): tacrolimus trough 5–10 ng/mL"),
        "{demo}"
    );
    assert!(
        demo.contains("NOT A TROUGH (after the morning dose)"),
        "{demo}"
    );
    assert!(
        demo.contains("leukopenia 2.8 10*9/L (limit 3 10*9/L): White blood cell count"),
        "{demo}"
    );
    assert!(demo.contains("Blood pressure: 3 readings"), "{demo}");

    let all = stdout(&run_with_db(&["labs"], &db));
    let troughs: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("Tacrolimus trough"))
        .collect();
    assert_eq!(troughs.len(), 4, "{all}");
    assert_eq!(
        troughs
            .iter()
            .filter(|l| l.contains("NOT A TROUGH"))
            .count(),
        1,
        "{all}"
    );
    assert!(
        troughs
            .iter()
            .any(|l| l.contains("4.7 ng/mL") && l.contains("below")),
        "{all}"
    );
    assert!(
        troughs
            .iter()
            .any(|l| l.contains("13.9 ng/mL") && !l.contains("above")),
        "{all}"
    );
    // Creatinine 0.41 mg/dL with 116 cm: 0.413 × 116 ÷ 0.41 = 116.8 → 117.
    let creatinine: Vec<&str> = all.lines().filter(|l| l.contains("Creatinine ")).collect();
    assert!(
        creatinine
            .iter()
            .any(|l| l.contains("0.41 mg/dL") && l.contains(" 117")),
        "{all}"
    );
    assert!(
        all.contains("creatinine baseline 0.41 mg/dL (first on record)"),
        "{all}"
    );
    assert!(all.contains("21 U/L (ULN 40)"), "{all}");

    let zh = stdout(&run_with_db(
        &[
            "labs",
            "--locale",
            "zh-Hans",
            "--from",
            "2026-11-21",
            "--to",
            "2026-11-21",
        ],
        &db,
    ));
    assert!(zh.contains("白细胞计数"), "{zh}");
    assert!(!zh.contains("4.7 ng/mL"), "outside the period: {zh}");
}

#[test]
fn bad_arguments_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    stdout(&run_with_db(&["demo", "--today", "2026-11-25"], &db));
    for args in [
        &["labs", "--locale", "fr"][..],
        &["labs", "--from", "2026-13-01"],
        &["labs", "--patient", "99"],
    ] {
        let out = run_with_db(args, &db);
        assert!(!out.status.success(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let out = run_with_db(&["labs"], &dir.path().join("absent.db"));
    assert!(!out.status.success());
    assert!(
        !dir.path().join("absent.db").exists(),
        "a missing diary is not created"
    );
}

//! `nephro assess` and the demo's relapse section, as a user runs them.

mod common;
use common::outcome_with_db;

#[test]
fn the_demo_has_one_relapse_and_its_remission_and_assess_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let (ok, summary, err) = outcome_with_db(&["demo", "--today", "2026-11-25"], &db);
    assert!(ok, "{err}");
    // History 2026-08-27..2026-11-24; the relapse starts 50 days in.
    assert!(
        summary.contains("state remission; family is told: All clear."),
        "{summary}"
    );
    assert!(
        summary.contains(
            "Relapse   onset 2026-10-16, confirmed 2026-10-18; remission onset 2026-10-24, confirmed 2026-10-26"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("frequently relapsing no, steroid dependent no"),
        "{summary}"
    );

    let (ok, report, err) = outcome_with_db(&["assess", "--as-of", "2026-11-25"], &db);
    assert!(ok, "{err}");
    assert!(report.contains("State               remission"), "{report}");
    assert!(
        report.contains("  1  2026-10-16     2026-10-18   2026-10-24       2026-10-26"),
        "{report}"
    );
    assert!(report.contains("Since last relapse  40 days"), "{report}");
    assert!(report.contains("In remission        32 days"), "{report}");

    // On the third nephrotic morning: relapse, contact the team (in Chinese on request).
    let (ok, report, err) = outcome_with_db(
        &["assess", "--as-of", "2026-10-18", "--locale", "zh-Hans"],
        &db,
    );
    assert!(ok, "{err}");
    assert!(report.contains("State               relapse"), "{report}");
    assert!(report.contains("联系医疗团队"), "{report}");
    // The first nephrotic morning: watch, test again tomorrow.
    let (ok, report, _) =
        outcome_with_db(&["assess", "--as-of", "2026-10-16", "--patient", "1"], &db);
    assert!(ok);
    assert!(report.contains("State               watch"), "{report}");
    assert!(report.contains("Test again tomorrow morning"), "{report}");
}

#[test]
fn assess_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.db");
    let (ok, _, err) = outcome_with_db(&["assess"], &missing);
    assert!(!ok && err.contains("does not exist"), "{err}");
    assert!(!missing.exists(), "assess never creates a diary");
    let db = dir.path().join("demo.db");
    assert!(outcome_with_db(&["demo", "--today", "2026-11-25"], &db).0);
    let (ok, _, err) = outcome_with_db(&["assess", "--locale", "fr"], &db);
    assert!(!ok && err.contains("--locale"), "{err}");
    let (ok, _, err) = outcome_with_db(&["assess", "--as-of", "25/11/2026"], &db);
    assert!(!ok && err.contains("--as-of"), "{err}");
    let (ok, _, _) = outcome_with_db(&["assess", "--patient", "99"], &db);
    assert!(!ok);
}

//! `nephro dose log` and `nephro dose history`, as a user runs them on the demo diary.

mod common;
use common::outcome_with_db;

/// The demo diary of 2026-11-25: tacrolimus (regimen-1) at 08:00 and 20:00, logged up to the
/// day before.
fn demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let (ok, _, err) = outcome_with_db(&["demo", "--today", "2026-11-25"], &db);
    assert!(ok, "{err}");
    (dir, db)
}

/// `nephro dose history` of one local day: the listing, after asserting it succeeded.
fn history_of(day: &str, db: &std::path::Path) -> String {
    let (ok, listed, err) = outcome_with_db(&["dose", "history", "--from", day, "--to", day], db);
    assert!(ok, "{err}");
    listed
}

const MORNING: &[&str] = &[
    "dose",
    "log",
    "--medication",
    "regimen-1",
    "--date",
    "2026-11-25",
    "--time",
    "08:00",
    "--at",
    "2026-11-25T08:05:00+08:00",
    "--by",
    "grandma",
];

#[test]
fn a_dose_logged_from_the_command_line_is_in_the_history_once() {
    let (_dir, db) = demo();
    let (ok, logged, err) = outcome_with_db(MORNING, &db);
    assert!(ok, "{err}");
    assert_eq!(
        logged,
        "logged 2026-11-25 08:00 regimen-1 taken at 2026-11-25 00:05 UTC by grandma (revision 1)\n"
    );
    // Run again (a retry): the same dose, stored once.
    let (ok, again, err) = outcome_with_db(MORNING, &db);
    assert!(ok, "{err}");
    assert_eq!(again, logged);
    assert_eq!(
        history_of("2026-11-25", &db),
        "Doses of patient 1, 2026-11-25 to 2026-11-25: 1 logged\n  \
         2026-11-25 08:00 regimen-1 taken at 2026-11-25 08:05 CST by grandma (revision 1)\n"
    );
    // The day before holds the demo's doses, as the family logged them.
    let yesterday = history_of("2026-11-24", &db);
    assert!(
        yesterday.contains("2026-11-24 20:00 regimen-1 "),
        "{yesterday}"
    );
}

#[test]
fn a_second_log_of_a_slot_or_a_bad_flag_is_refused_and_stores_nothing() {
    let (_dir, db) = demo();
    let (ok, _, err) = outcome_with_db(MORNING, &db);
    assert!(ok, "{err}");
    // Another log of the same slot (another id): already logged.
    let mut other = MORNING.to_vec();
    other.extend(["--client-id", "another-tap"]);
    let (ok, _, err) = outcome_with_db(&other, &db);
    assert!(!ok);
    assert!(err.contains("already logged"), "{err}");
    for (flag, value) in [
        ("--medication", "regimen-x"),
        ("--date", "2026-13-01"),
        ("--time", "8am"),
        ("--outcome", "maybe"),
        ("--at", "yesterday"),
    ] {
        let mut args = MORNING.to_vec();
        let at = args.iter().position(|a| *a == flag).map(|i| i + 1);
        match at {
            Some(i) => args[i] = value,
            None => args.extend([flag, value]),
        }
        args.extend(["--client-id", "bad-flag"]);
        let (ok, _, err) = outcome_with_db(&args, &db);
        assert!(!ok, "{flag} {value}");
        assert!(err.contains(flag), "{flag}: {err}");
    }
    let listed = history_of("2026-11-25", &db);
    assert!(listed.contains(": 1 logged\n"), "{listed}");
}

#[test]
fn a_dose_logged_with_a_note_shows_it_in_the_history_and_a_bad_note_is_refused() {
    let (_dir, db) = demo();
    for note in ["x".repeat(501), "bell \u{7}".to_string()] {
        let mut args = MORNING.to_vec();
        args.extend(["--note", &note]);
        let (ok, _, err) = outcome_with_db(&args, &db);
        assert!(!ok);
        assert!(err.contains("--note"), "{err}");
    }
    let mut noted = MORNING.to_vec();
    noted.extend(["--note", "spat out half, gave again"]);
    let (ok, logged, err) = outcome_with_db(&noted, &db);
    assert!(ok, "{err}");
    assert!(
        logged.ends_with("(revision 1)\n    note: spat out half, gave again\n"),
        "{logged}"
    );
    let listed = history_of("2026-11-25", &db);
    assert!(
        listed.ends_with("by grandma (revision 1)\n    note: spat out half, gave again\n"),
        "{listed}"
    );
}

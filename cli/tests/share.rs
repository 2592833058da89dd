//! `nephro share …` and `nephro sync` as a family uses them: start sharing, invite, join, list,
//! remove, recover; careless and hostile input changes nothing.

use std::path::Path;

mod common;
use common::{run, run_in_dir, stderr, stdout};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The text after `label: ` on the line that starts with `label`.
fn value_after(out: &str, label: &str) -> String {
    out.lines()
        .find(|l| l.starts_with(label))
        .and_then(|l| l.rsplit(": ").next())
        .unwrap_or_else(|| panic!("no {label} in {out}"))
        .trim()
        .to_string()
}

fn every_file(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            every_file(&entry.path(), out);
        } else {
            out.push((
                entry.path().display().to_string(),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
}

#[test]
fn a_family_shares_one_diary_through_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (mum, dad, gran) = (
        dir.path().join("mum.db"),
        dir.path().join("dad.db"),
        dir.path().join("gran.db"),
    );
    let folder = dir.path().join("shared");
    stdout(&run(&["demo", "--db", path(&mum), "--today", "2026-11-25"]));

    // Starting needs a name.
    let out = run(&[
        "share",
        "invite",
        "--db",
        path(&mum),
        "--folder",
        path(&folder),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--caregiver"), "{}", stderr(&out));

    let out = stdout(&run(&[
        "share",
        "invite",
        "--db",
        path(&mum),
        "--folder",
        path(&folder),
        "--caregiver",
        "Mum",
    ]));
    let recovery = value_after(&out, "recovery code");
    let invitation = value_after(&out, "invitation");
    assert!(recovery.starts_with("NEPHRO-RECOVER:"), "{out}");
    assert!(invitation.starts_with("NEPHRO-JOIN:"), "{out}");

    let out = stdout(&run(&[
        "share",
        "join",
        "--db",
        path(&dad),
        "--invitation",
        &invitation,
        "--folder",
        path(&folder),
        "--caregiver",
        "Dad",
    ]));
    assert!(
        out.contains("joined the family as Dad; the diary holds 1 patient(s)"),
        "{out}"
    );
    // The joined diary is the same child's diary: its reports name her.
    let assess = stdout(&run(&[
        "assess",
        "--db",
        path(&dad),
        "--as-of",
        "2026-11-25",
    ]));
    let original = stdout(&run(&[
        "assess",
        "--db",
        path(&mum),
        "--as-of",
        "2026-11-25",
    ]));
    assert_eq!(assess, original);

    // The invitation admitted one device; a second use is refused and leaves no file.
    let out = run(&[
        "share",
        "join",
        "--db",
        path(&dir.path().join("again.db")),
        "--invitation",
        &invitation,
        "--folder",
        path(&folder),
        "--caregiver",
        "Someone",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--invitation"), "{}", stderr(&out));
    assert!(!dir.path().join("again.db").exists());
    assert!(!dir.path().join("again.db.share").exists());

    let members = stdout(&run(&["share", "members", "--db", path(&mum)]));
    assert_eq!(members.lines().count(), 2, "{members}");
    assert!(members.contains("Mum (this device)") && members.contains("Dad"));
    let dads_device = members
        .lines()
        .find(|l| l.ends_with("Dad"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();

    // Syncing again: nothing new either way.
    let out = stdout(&run(&["sync", "--db", path(&mum)]));
    assert!(out.contains("received 0 new change(s)"), "{out}");
    assert!(out.contains("sent 0 change(s)"), "{out}");

    // Dad's phone is lost: Mum removes it and gets a new recovery code.
    let out = stdout(&run(&[
        "share",
        "remove",
        "--db",
        path(&mum),
        "--device",
        &dads_device,
    ]));
    let new_recovery = value_after(&out, "removed the device");
    assert!(new_recovery.starts_with("NEPHRO-RECOVER:") && new_recovery != recovery);
    let members = stdout(&run(&["share", "members", "--db", path(&mum)]));
    assert!(!members.contains("Dad"), "{members}");

    // Gran's new phone restores the diary with the new recovery code.
    let out = stdout(&run(&[
        "share",
        "recover",
        "--db",
        path(&gran),
        "--recovery",
        &new_recovery,
        "--folder",
        path(&folder),
        "--caregiver",
        "Gran",
    ]));
    assert!(out.contains("the diary holds 1 patient(s)"), "{out}");
    let restored = stdout(&run(&[
        "assess",
        "--db",
        path(&gran),
        "--as-of",
        "2026-11-25",
    ]));
    assert_eq!(restored, original);

    // The folder holds nothing readable about the child.
    let mut files = Vec::new();
    every_file(&folder, &mut files);
    for (name, bytes) in files {
        for needle in [
            "Mei",
            "fictional",
            "Tacrolimus",
            "tacrolimus",
            "2026-11",
            "Mum",
            "Gran",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{name} holds {needle}"
            );
        }
    }
}

#[test]
fn careless_share_commands_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mum = dir.path().join("mum.db");
    stdout(&run(&["demo", "--db", path(&mum), "--today", "2026-11-25"]));
    let before = std::fs::read(&mum).unwrap();
    // A diary that is not shared cannot sync or list members.
    for args in [
        vec!["sync", "--db", path(&mum), "--folder", "f"],
        vec!["share", "members", "--db", path(&mum)],
    ] {
        let out = run_in_dir(&args, dir.path());
        assert!(!out.status.success());
        assert!(stderr(&out).contains("not shared yet"), "{}", stderr(&out));
        assert!(!dir.path().join("mum.db.share").exists());
        assert!(!dir.path().join("f").exists());
    }
    // Joining onto a diary that holds a child is refused.
    let out = run_in_dir(
        &[
            "share",
            "join",
            "--db",
            "mum.db",
            "--invitation",
            "NEPHRO-JOIN:AAAA",
            "--folder",
            ".",
            "--caregiver",
            "Dad",
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    // A garbled invitation or a missing folder names the flag and makes no file.
    for (invitation, folder, flag) in [
        ("hello", ".", "--invitation"),
        ("NEPHRO-JOIN:AAAA", "no-such-folder", "--folder"),
    ] {
        let out = run_in_dir(
            &[
                "share",
                "join",
                "--db",
                "new.db",
                "--invitation",
                invitation,
                "--folder",
                folder,
                "--caregiver",
                "Dad",
            ],
            dir.path(),
        );
        assert!(!out.status.success());
        assert!(stderr(&out).contains(flag), "{}", stderr(&out));
        assert!(!dir.path().join("new.db").exists());
        assert!(!dir.path().join("no-such-folder").exists());
    }
    assert_eq!(std::fs::read(&mum).unwrap(), before);
}

#[test]
fn the_demo_shows_two_caregivers_and_the_double_dose_on_both_phones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = stdout(&run(&["demo", "--db", path(&db), "--today", "2026-11-25"]));
    assert!(
        out.contains("after a sync the mother's phone shows: Given by father at 8:02 pm"),
        "{out}"
    );
    let alerts: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("ALERT") && l.contains("recorded twice"))
        .collect();
    assert_eq!(alerts.len(), 2, "{out}");
    assert!(alerts[0].contains("mother's phone") && alerts[1].contains("father's phone"));
    assert!(
        out.contains("Both phones hold the same diary: yes"),
        "{out}"
    );
    // The demo's own diary is left as the other commands expect: tonight's dose still ahead.
    let reminders = stdout(&run(&[
        "reminders",
        "--db",
        path(&db),
        "--from",
        "2026-11-25T12:00:00+08:00",
        "--count",
        "1",
    ]));
    assert!(reminders.contains("8:00 pm dose"), "{reminders}");
}

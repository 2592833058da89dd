//! The `nephro` command against a real relay on loopback (issue 16): a family shares the demo
//! diary through the relay, a second caregiver is told "being given by Mum" before giving the
//! evening dose, a released claim frees the slot, and a removed device is refused.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Relay, OPEN_LIMITS};

/// The `nephro` binary of this build (scripts/test-relay.sh builds it first).
fn nephro_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let binary = dir.join("nephro");
    assert!(
        binary.exists(),
        "{} is missing: build it first (cargo build -p nephro-cli), as scripts/test-relay.sh does",
        binary.display()
    );
    binary
}

/// Runs `nephro args…`; whether it succeeded, its standard output and error.
fn nephro(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(nephro_binary())
        .args(args)
        .output()
        .expect("nephro runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (success, out, err) = nephro(args);
    assert!(success, "nephro {args:?}: {err}");
    out
}

fn value_after(out: &str, label: &str) -> String {
    out.lines()
        .find(|l| l.starts_with(label))
        .and_then(|l| l.rsplit(": ").next())
        .unwrap_or_else(|| panic!("no {label} in {out}"))
        .trim()
        .to_string()
}

#[test]
fn caregivers_share_through_the_relay_and_claim_the_evening_dose() {
    let relay = Relay::start(OPEN_LIMITS);
    let url = relay.url();
    let dir = tempfile::tempdir().unwrap();
    let mum = dir.path().join("mum.db");
    let dad = dir.path().join("dad.db");
    let (mum, dad) = (mum.to_str().unwrap(), dad.to_str().unwrap());
    ok(&["demo", "--db", mum, "--today", "2026-11-25"]);

    let out = ok(&[
        "share",
        "invite",
        "--db",
        mum,
        "--relay",
        &url,
        "--caregiver",
        "Mum",
    ]);
    let invitation = value_after(&out, "invitation");
    let out = ok(&[
        "share",
        "join",
        "--db",
        dad,
        "--invitation",
        &invitation,
        "--relay",
        &url,
        "--caregiver",
        "Dad",
    ]);
    assert!(out.contains("the diary holds 1 patient(s)"), "{out}");
    let assess = |db: &str| ok(&["assess", "--db", db, "--as-of", "2026-11-25"]);
    assert_eq!(assess(mum), assess(dad), "the same diary on both phones");

    // Mum claims the evening dose; Dad is told she is giving it.
    let slot = [
        "--medication",
        "regimen-1",
        "--date",
        "2026-11-25",
        "--time",
        "20:00",
    ];
    let claim = |db: &str| {
        let mut args = vec!["claim", "--db", db];
        args.extend(slot);
        ok(&args)
    };
    let release = |db: &str| {
        let mut args = vec!["release", "--db", db];
        args.extend(slot);
        ok(&args)
    };
    assert!(claim(mum).starts_with("claimed"), "{}", claim(mum));
    let told = claim(dad);
    assert!(told.starts_with("being given by Mum"), "{told}");
    // The child refused: Mum releases, and Dad may give it.
    assert!(release(mum).starts_with("released"));
    let granted = claim(dad);
    assert!(granted.starts_with("claimed"), "{granted}");
    assert!(claim(mum).starts_with("being given by Dad"));

    // The remembered relay carries the syncs; nothing new either way.
    let out = ok(&["sync", "--db", mum]);
    assert!(out.contains("received 0 new change(s)"), "{out}");

    // Dad's phone is lost: removed, it is refused by the relay.
    let members = ok(&["share", "members", "--db", mum]);
    let dads_device = members
        .lines()
        .find(|l| l.ends_with("Dad"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let out = ok(&["share", "remove", "--db", mum, "--device", &dads_device]);
    assert!(out.contains("NEPHRO-RECOVER:"), "{out}");
    let (success, _, err) = nephro(&["sync", "--db", dad]);
    assert!(!success, "a removed device syncs no more");
    assert!(err.contains("relay"), "{err}");
    assert!(!err.contains(&dads_device), "no ids in messages: {err}");
}

#[test]
fn claims_need_the_relay_and_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let db = db.to_str().unwrap();
    ok(&["demo", "--db", db, "--today", "2026-11-25"]);
    let (success, _, err) = nephro(&[
        "claim",
        "--db",
        db,
        "--medication",
        "regimen-1",
        "--date",
        "2026-11-25",
        "--time",
        "20:00",
    ]);
    assert!(!success);
    assert!(err.contains("not shared yet"), "{err}");
    let (success, _, err) = nephro(&[
        "share",
        "invite",
        "--db",
        db,
        "--relay",
        "ftp://x",
        "--caregiver",
        "Mum",
    ]);
    assert!(!success);
    assert!(err.contains("--relay"), "{err}");
}

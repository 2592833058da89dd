//! Shared care over a shared folder (issue 15): three caregivers' phones, their invitations,
//! batches, a removal and a recovery, with the folder read as an outsider would.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use nephro_core::model::DoseOutcome;
use nephro_core::share::crypto::BatchHeader;
use nephro_core::share::folder::FolderTransport;
use nephro_core::share::hlc::Hlc;
use nephro_core::share::merge::{merge, Change, Content, RecordKind, SharedDose, SlotAlertKind};
use nephro_core::share::sync::{hex, Membership, Transport};

#[path = "common/mod.rs"]
mod common;
use common::{date, time};

const T: i64 = 1_796_000_000_000;

/// A phone: its membership and every change it holds (its own and those pulled).
struct Phone {
    membership: Membership,
    changes: Vec<Change>,
    seen: BTreeSet<(String, u32, u64)>,
}

impl Phone {
    fn new(membership: Membership) -> Phone {
        Phone {
            membership,
            changes: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    fn log(
        &mut self,
        folder: &dyn Transport,
        record: &str,
        slot: &str,
        outcome: DoseOutcome,
        note: &str,
    ) {
        let n = self.changes.len();
        let change = Change {
            id: format!("{}-{n}", hex(&self.membership.device)),
            kind: RecordKind::DoseLog,
            // The note travels inside the record's id here: what matters is that it is sealed.
            record: format!("{record} {note}"),
            based_on: Vec::new(),
            hlc: Hlc {
                wall_ms: T + n as i64,
                counter: 0,
            },
            device: hex(&self.membership.device),
            caregiver: self.membership.caregiver.clone(),
            content: Content::Dose(SharedDose {
                patient: "patient-gid".into(),
                medication: "tacrolimus-gid".into(),
                slot_date: date("2026-12-06"),
                slot_time: time(slot),
                outcome,
                actual_at_ms: T,
                undone: false,
                row: serde_json::Value::Null,
            }),
        };
        self.changes.push(change.clone());
        self.membership.push(folder, &[change]).expect("push");
    }

    fn sync(&mut self, folder: &dyn Transport) -> Vec<(String, String)> {
        self.membership.refresh_keys(folder).expect("keys");
        let pulled = self.membership.pull(folder, &self.seen).expect("pull");
        for (header, changes) in pulled.batches {
            self.seen.insert(seen_key(&header));
            self.changes.extend(changes);
        }
        pulled.refused
    }

    fn digest(&self) -> [u8; 32] {
        merge(self.changes.clone()).expect("merge").digest()
    }
}

fn seen_key(header: &BatchHeader) -> (String, u32, u64) {
    (hex(&header.device), header.epoch, header.sequence)
}

fn every_file(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(every_file(&path));
        } else {
            out.push((path.display().to_string(), fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn three_phones_converge_and_the_folder_shows_no_name_date_or_note() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path()).unwrap();
    let (mum, recovery) = Membership::create("Mum Alvarez", &folder).unwrap();
    assert!(recovery.recovery_text().starts_with("NEPHRO-RECOVER:"));
    let invitation = mum.invite(&folder).unwrap().invitation_text();
    let dad = Membership::join(&invitation, "Dad Alvarez", &folder).unwrap();
    let gran = Membership::join(
        &mum.invite(&folder).unwrap().invitation_text(),
        "Granny",
        &folder,
    )
    .unwrap();
    let (mut mum, mut dad, mut gran) = (Phone::new(mum), Phone::new(dad), Phone::new(gran));
    assert_eq!(mum.membership.members(&folder).unwrap().len(), 3);

    // Both parents give the morning dose while apart; Dad gives the evening one.
    mum.log(
        &folder,
        "dose-mum-am",
        "08:00",
        DoseOutcome::Taken,
        "secret-note-1",
    );
    dad.log(
        &folder,
        "dose-dad-am",
        "08:00",
        DoseOutcome::Taken,
        "secret-note-2",
    );
    dad.log(
        &folder,
        "dose-dad-pm",
        "20:00",
        DoseOutcome::Taken,
        "secret-note-3",
    );
    for phone in [&mut mum, &mut dad, &mut gran] {
        assert!(phone.sync(&folder).is_empty());
    }
    assert_eq!(mum.digest(), dad.digest());
    assert_eq!(mum.digest(), gran.digest());
    let merged = merge(gran.changes.clone()).unwrap();
    assert_eq!(
        merged.records.len(),
        3,
        "every record on the phone that logged none"
    );
    assert_eq!(merged.slot_alerts.len(), 1);
    assert_eq!(
        merged.slot_alerts[0].kind,
        SlotAlertKind::PossibleDoubleDose
    );

    // A second sync changes nothing (nothing is pulled twice).
    let before = gran.changes.len();
    gran.sync(&folder);
    assert_eq!(gran.changes.len(), before);

    // The carrier sees only ciphertext: no name, date, note or drug anywhere in the folder.
    let files = every_file(dir.path());
    assert!(files.len() >= 8);
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes).to_lowercase();
        for secret in [
            "alvarez",
            "granny",
            "mum",
            "2026-12-06",
            "secret-note",
            "tacrolimus",
            "08:00",
        ] {
            assert!(!text.contains(secret), "{path} shows {secret}");
            assert!(
                !path.to_lowercase().contains(secret),
                "{path} names {secret}"
            );
        }
    }
}

#[test]
fn an_altered_foreign_or_replayed_batch_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path()).unwrap();
    let (mum, _) = Membership::create("Mum", &folder).unwrap();
    let dad = Membership::join(
        &mum.invite(&folder).unwrap().invitation_text(),
        "Dad",
        &folder,
    )
    .unwrap();
    let (mut mum, mut dad) = (Phone::new(mum), Phone::new(dad));
    mum.log(&folder, "d1", "08:00", DoseOutcome::Taken, "n");
    assert!(dad.sync(&folder).is_empty());
    let digest = dad.digest();

    // Another family's batch, copied into this family's folder under a batch's name.
    let other_dir = tempfile::tempdir().unwrap();
    let other = FolderTransport::new(other_dir.path()).unwrap();
    let (stranger, _) = Membership::create("Stranger", &other).unwrap();
    let mut stranger = Phone::new(stranger);
    stranger.log(&other, "x1", "08:00", DoseOutcome::Taken, "n");
    let foreign = every_file(other_dir.path())
        .into_iter()
        .find(|(p, _)| p.contains("/batches/"))
        .unwrap()
        .1;
    let family = hex(&mum.membership.family);
    let fake_device = "ab".repeat(16);
    folder
        .put(
            &format!("{family}/batches/{fake_device}/00000001-0000000000000001"),
            &foreign,
        )
        .unwrap();
    // Mum's batch with one byte altered, as a new position of hers.
    let mine = format!("{family}/batches/{}", hex(&mum.membership.device));
    let mut altered = folder
        .get(&format!("{mine}/00000001-0000000000000001"))
        .unwrap()
        .unwrap();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    folder
        .put(&format!("{mine}/00000001-0000000000000002"), &altered)
        .unwrap();
    // Mum's genuine batch replayed under another position.
    let genuine = folder
        .get(&format!("{mine}/00000001-0000000000000001"))
        .unwrap()
        .unwrap();
    folder
        .put(&format!("{mine}/00000001-0000000000000003"), &genuine)
        .unwrap();

    let refused = dad.sync(&folder);
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert_eq!(dad.digest(), digest, "nothing changed");
    // And a name outside the protocol is never written.
    assert!(folder.put("../escape", b"x").is_err());
    assert!(folder
        .put(&format!("{family}/batches/../../x"), b"x")
        .is_err());
}

#[test]
fn a_removed_phone_reads_nothing_written_afterwards_and_recovery_restores_the_diary() {
    let dir = tempfile::tempdir().unwrap();
    let folder = FolderTransport::new(dir.path()).unwrap();
    let (mum, old_recovery) = Membership::create("Mum", &folder).unwrap();
    let dad = Membership::join(
        &mum.invite(&folder).unwrap().invitation_text(),
        "Dad",
        &folder,
    )
    .unwrap();
    let nurse = Membership::join(
        &mum.invite(&folder).unwrap().invitation_text(),
        "Nurse",
        &folder,
    )
    .unwrap();
    let (mut mum, mut dad, mut nurse) = (Phone::new(mum), Phone::new(dad), Phone::new(nurse));
    mum.log(&folder, "before", "08:00", DoseOutcome::Taken, "n");
    nurse.sync(&folder);
    assert_eq!(nurse.changes.len(), 1);

    let nurse_id = hex(&nurse.membership.device);
    let new_recovery = mum.membership.remove(&nurse_id, &folder).unwrap();
    assert_eq!(mum.membership.members(&folder).unwrap().len(), 2);
    dad.sync(&folder);
    assert_eq!(
        dad.membership.current_key().unwrap().epoch,
        2,
        "Dad picked up the new key"
    );
    dad.log(&folder, "after", "20:00", DoseOutcome::Taken, "n");
    // The removed phone sees the batch but cannot open it, and writes with its old key are refused.
    let refused = nurse.sync(&folder);
    assert_eq!(nurse.membership.current_key().unwrap().epoch, 1);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(nurse.changes.len(), 1);
    nurse.log(&folder, "forged", "20:00", DoseOutcome::Skipped, "n");
    let refused = mum.sync(&folder);
    assert!(
        refused.iter().any(|(_, why)| why.contains("closed")),
        "{refused:?}"
    );
    assert!(!mum.changes.iter().any(|c| c.record.starts_with("forged")));

    // The old recovery code (the nurse may know it) no longer opens the new epoch; the new one
    // restores the whole diary on a new phone.
    let mut stale =
        Phone::new(Membership::recover(&old_recovery.recovery_text(), "Someone", &folder).unwrap());
    stale.sync(&folder);
    assert!(!stale.changes.iter().any(|c| c.record.starts_with("after")));
    let mut restored = Phone::new(
        Membership::recover(&new_recovery.recovery_text(), "Mum's new phone", &folder).unwrap(),
    );
    restored.sync(&folder);
    let records: BTreeSet<&str> = restored.changes.iter().map(|c| c.record.as_str()).collect();
    assert_eq!(records, BTreeSet::from(["after n", "before n"]));
    assert_eq!(restored.digest(), dad.digest());
    assert!(Membership::recover("NEPHRO-RECOVER:AAAA", "x", &folder).is_err());
}

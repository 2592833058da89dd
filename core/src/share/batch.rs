//! A batch: the changes one device sends at once, encoded as JSON and sealed under the family
//! key ([`super::crypto`]). Decoding checks every change against clinical-rules §10's hard
//! bounds ([`Change::validate`]) before anything is applied; a batch with one bad change is
//! refused whole and changes nothing.

use serde::{Deserialize, Serialize};

use super::crypto::{open_batch, seal_batch, BatchHeader, FamilyKey, ID_LEN};
use super::merge::Change;
use crate::error::{Error, Result};

/// The largest batch accepted (bytes of its plaintext): a year of a busy diary fits many times.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
/// The most changes accepted in one batch.
pub const MAX_BATCH_CHANGES: usize = 200_000;
/// The version of the batch's content format.
pub const BATCH_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    format: u32,
    changes: Vec<Change>,
}

/// Encodes changes as a batch's plaintext.
pub fn encode_changes(changes: &[Change]) -> Result<Vec<u8>> {
    if changes.len() > MAX_BATCH_CHANGES {
        return Err(Error::invalid("batch", "holds too many changes"));
    }
    #[derive(Serialize)]
    struct Borrowed<'a> {
        format: u32,
        changes: &'a [Change],
    }
    serde_json::to_vec(&Borrowed {
        format: BATCH_FORMAT,
        changes,
    })
    .map_err(|_| Error::invalid("batch", "could not be encoded"))
}

/// Decodes a batch's plaintext, every change checked. Refuses (`batch`, or the first bad
/// change's field) anything else, without a panic whatever the bytes.
pub fn decode_changes(plaintext: &[u8]) -> Result<Vec<Change>> {
    if plaintext.len() > MAX_BATCH_BYTES {
        return Err(Error::invalid("batch", "is too large"));
    }
    let body: BatchBody = serde_json::from_slice(plaintext)
        .map_err(|_| Error::invalid("batch", "is not a batch of changes"))?;
    if body.format != BATCH_FORMAT {
        return Err(Error::invalid(
            "batch",
            "is of a newer format: update the app",
        ));
    }
    if body.changes.len() > MAX_BATCH_CHANGES {
        return Err(Error::invalid("batch", "holds too many changes"));
    }
    for change in &body.changes {
        change.validate()?;
    }
    Ok(body.changes)
}

/// Encodes and seals changes as the batch `header`.
pub fn seal_changes(key: &FamilyKey, header: BatchHeader, changes: &[Change]) -> Result<Vec<u8>> {
    seal_batch(key, header, &encode_changes(changes)?)
}

/// Opens and decodes a sealed batch of the family `family` ([`open_batch`], [`decode_changes`]).
pub fn open_changes(
    family: &[u8; ID_LEN],
    keys: &[FamilyKey],
    sealed: &[u8],
) -> Result<(BatchHeader, Vec<Change>)> {
    let (header, plaintext) = open_batch(family, keys, sealed)?;
    Ok((header, decode_changes(&plaintext)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DoseOutcome;
    use crate::share::hlc::Hlc;
    use crate::share::merge::{Content, RecordKind, SharedDose};
    use crate::test_support::{date, time};

    fn change(n: usize) -> Change {
        Change {
            id: format!("0193a5b0-0000-7000-8000-{n:012}"),
            kind: RecordKind::DoseLog,
            record: format!("0193a5b0-0000-7000-9000-{n:012}"),
            based_on: Vec::new(),
            hlc: Hlc {
                wall_ms: 1_796_000_000_000 + n as i64,
                counter: 0,
            },
            device: "0193a5b0-0000-7000-a000-000000000001".into(),
            caregiver: "Dad".into(),
            content: Content::Dose(SharedDose {
                patient: "0193a5b0-0000-7000-b000-000000000001".into(),
                medication: "0193a5b0-0000-7000-c000-000000000001".into(),
                slot_date: date("2026-12-06"),
                slot_time: time("20:00"),
                outcome: DoseOutcome::Taken,
                actual_at_ms: 1_796_000_000_000,
                undone: false,
                row: serde_json::Value::Null,
            }),
        }
    }

    #[test]
    fn changes_round_trip_through_a_sealed_batch() {
        let key = FamilyKey::generate(1).unwrap();
        let header = BatchHeader {
            family: [1; ID_LEN],
            epoch: 1,
            device: [2; ID_LEN],
            sequence: 1,
        };
        let changes: Vec<Change> = (0..6).map(change).collect();
        let sealed = seal_changes(&key, header, &changes).unwrap();
        assert!(!sealed.windows(3).any(|w| w == b"Dad"));
        let (head, opened) = open_changes(&[1; ID_LEN], &[key], &sealed).unwrap();
        assert_eq!((head, opened), (header, changes));
    }

    #[test]
    fn a_batch_with_one_bad_change_is_refused_whole() {
        let mut changes: Vec<Change> = (0..3).map(change).collect();
        changes[2].caregiver = String::new();
        let err = decode_changes(&encode_changes(&changes).unwrap()).unwrap_err();
        assert!(err.to_string().contains("change.caregiver"), "{err}");
        for bad in [
            &b""[..],
            b"{}",
            b"[]",
            b"{\"format\":2,\"changes\":[]}",
            b"\xff\xfe",
        ] {
            assert!(decode_changes(bad).is_err());
        }
        let extra = br#"{"format":1,"changes":[],"more":1}"#;
        assert!(decode_changes(extra).is_err(), "unknown fields refused");
    }

    #[test]
    fn the_fuzz_seed_is_a_valid_batch() {
        let seed = include_bytes!("../../../fuzz/corpus/batch/two-phones-one-dose.json");
        let changes = decode_changes(seed).unwrap();
        assert_eq!(changes.len(), 4);
        let merged = crate::share::merge::merge(changes).unwrap();
        assert!(merged.slot_alerts.is_empty(), "the skipped log was undone");
    }
}

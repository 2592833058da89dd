//! Merging the changes of every caregiver's device into one diary (clinical-rules §11).
//!
//! Every write is an immutable [`Change`] of one record (named by its global id): the record's
//! new content or its retraction, the hybrid logical clock reading and device that made it, the
//! caregiver, and the changes of that record the device had already seen (`based_on`). The
//! merged diary is a pure function of the *set* of changes, so applying the same changes in any
//! order, any number of times, on any device gives the same diary and the same
//! [`MergedDiary::digest`]. Nothing is dropped: every change stays in its record's history.
//!
//! - Revisions made one after another (each had seen the previous) leave one head: it is in
//!   force. Revisions made concurrently (neither had seen the other) leave several heads: the
//!   record is in conflict, every head is kept, and the value both had seen (their latest common
//!   revision) stays in force until a caregiver's revision that has seen all heads resolves it.
//!   Concurrent revisions are ordered for display by clock reading, then device id.
//! - The same dose slot (patient, medication, scheduled local date and time) logged *taken* in
//!   two records is a possible double dose; *taken* in one and *skipped* in another is a
//!   disagreement the family is asked about (it counts as taken for the next-dose guidance).
//!   Neither is ever resolved automatically.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::hlc::Hlc;
use crate::bounds;
use crate::error::{Error, Result};
use crate::model::{require_storable_date, require_text, DoseOutcome};

/// The longest id (a change's, a record's, a device's) accepted from another device.
pub const MAX_ID_CHARS: usize = 64;

/// What kind of record a change is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Enum),
    uniffi(name = "SharedRecordKind")
)]
pub enum RecordKind {
    /// A logged dose (and its revisions).
    DoseLog,
    /// A urine reading.
    UrineReading,
    /// A lab result.
    Lab,
    /// A weight or height measurement.
    Measurement,
    /// A blood pressure measurement.
    BloodPressure,
    /// A regimen (the care team's).
    Regimen,
    /// A steroid course (the care team's).
    Course,
    /// A medicine.
    Medicine,
    /// A policy setting (the care team's).
    Policy,
    /// The patient's profile.
    Profile,
}

impl RecordKind {
    /// Whether a conflict on this kind of record is the care team's to resolve (§11), not the
    /// family's.
    pub fn resolved_by_care_team(self) -> bool {
        matches!(
            self,
            RecordKind::Regimen | RecordKind::Course | RecordKind::Policy
        )
    }
}

/// A logged dose as shared: enough to name its slot the same way on every device (§11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedDose {
    /// The patient's global id.
    pub patient: String,
    /// The medication's global id (a regimen, course or medicine).
    pub medication: String,
    /// The slot's scheduled local date, in the patient's zone.
    pub slot_date: NaiveDate,
    /// The slot's scheduled local time.
    pub slot_time: NaiveTime,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was given or skipped, UTC epoch ms.
    pub actual_at_ms: i64,
    /// Undone (logged by mistake): it stays in the history and no longer counts for its slot.
    #[serde(default)]
    pub undone: bool,
    /// The dose log's stored fields, as the writing device's store holds them.
    #[serde(default)]
    pub row: serde_json::Value,
}

/// What a change says of its record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// A logged dose's content.
    Dose(SharedDose),
    /// Any other record's content, as the store writes it.
    Record {
        /// The record's fields.
        fields: serde_json::Value,
    },
    /// The record is retracted (a dose undone, a reading withdrawn); its history stays.
    Retract,
}

/// One immutable change of one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The change's global id.
    pub id: String,
    /// The kind of record.
    pub kind: RecordKind,
    /// The record's global id.
    pub record: String,
    /// The changes of this record the writing device had seen (none: the record is created).
    pub based_on: Vec<String>,
    /// The writing device's clock reading.
    pub hlc: Hlc,
    /// The writing device's id.
    pub device: String,
    /// The caregiver who made it, as they named themselves ("Dad").
    pub caregiver: String,
    /// What it says.
    pub content: Content,
}

impl Change {
    /// Checks a change received from another device against clinical-rules §10's hard bounds
    /// (never against this device's clock): ids, names, clock reading, a dose's date and time.
    pub fn validate(&self) -> Result<()> {
        for (field, id) in [
            ("change.id", &self.id),
            ("change.record", &self.record),
            ("change.device", &self.device),
        ] {
            require_text(field, id, MAX_ID_CHARS)?;
        }
        for id in &self.based_on {
            require_text("change.based_on", id, MAX_ID_CHARS)?;
        }
        if self.based_on.iter().any(|id| id == &self.id) {
            return Err(Error::invalid(
                "change.based_on",
                "must not name the change itself",
            ));
        }
        require_text("change.caregiver", &self.caregiver, 100)?;
        bounds::instant_ms("change.hlc", self.hlc.wall_ms)?;
        match &self.content {
            Content::Dose(dose) if self.kind == RecordKind::DoseLog => {
                require_text("dose.patient", &dose.patient, MAX_ID_CHARS)?;
                require_text("dose.medication", &dose.medication, MAX_ID_CHARS)?;
                require_storable_date("dose.slot_date", dose.slot_date)?;
                bounds::instant_ms("dose.actual_at_ms", dose.actual_at_ms)?;
                Ok(())
            }
            Content::Dose(_) => Err(Error::invalid(
                "change.content",
                "a dose for a record that is not a dose log",
            )),
            Content::Record { .. } if self.kind == RecordKind::DoseLog => Err(Error::invalid(
                "change.content",
                "a dose log's content must be a dose",
            )),
            _ => Ok(()),
        }
    }

    /// The order concurrent changes are displayed in: clock reading, then device, then id.
    fn display_key(&self) -> (Hlc, &str, &str) {
        (self.hlc, &self.device, &self.id)
    }
}

/// A record as merged from every device's changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedRecord {
    /// The kind of record.
    pub kind: RecordKind,
    /// The record's global id.
    pub record: String,
    /// Every change of the record, in display order (clock reading, then device).
    pub history: Vec<Change>,
    /// The id of the change in force: the single head, or while in conflict the latest
    /// revision every head had seen (else the earliest head).
    pub in_force: String,
    /// While revisions made concurrently are unresolved: the heads, in display order.
    pub conflict: Vec<String>,
}

impl MergedRecord {
    /// The change in force.
    pub fn in_force(&self) -> &Change {
        self.history
            .iter()
            .find(|c| c.id == self.in_force)
            .unwrap_or(&self.history[0])
    }

    /// Whether the record is retracted (its change in force is a retraction).
    pub fn retracted(&self) -> bool {
        matches!(self.in_force().content, Content::Retract)
    }
}

/// Who logged one of the records of a slot alert, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotEntry {
    /// The dose log's record id.
    pub record: String,
    /// Its caregiver.
    pub caregiver: String,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When, UTC epoch ms.
    pub actual_at_ms: i64,
}

/// A dose slot logged in more than one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotAlert {
    /// Taken twice (a possible double dose) or taken and skipped (ask the family).
    pub kind: SlotAlertKind,
    /// The patient's global id.
    pub patient: String,
    /// The medication's global id.
    pub medication: String,
    /// The slot's scheduled local date.
    pub slot_date: NaiveDate,
    /// The slot's scheduled local time.
    pub slot_time: NaiveTime,
    /// The records, by time given.
    pub entries: Vec<SlotEntry>,
}

/// What a slot alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotAlertKind {
    /// Logged taken on two or more records: a possible double dose (§11).
    PossibleDoubleDose,
    /// Logged taken on one record and skipped on another: counts as taken for the next-dose
    /// guidance, unresolved for adherence, until the family says which is true (§11).
    TakenAndSkipped,
}

/// The diary merged from a set of changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedDiary {
    /// Every record, by global id.
    pub records: BTreeMap<String, MergedRecord>,
    /// Slots logged more than once, by slot.
    pub slot_alerts: Vec<SlotAlert>,
    /// Changes received twice under one id with different content: the first in id-content
    /// order is kept and the others reported here (never silently replaced).
    pub rejected_duplicates: Vec<Change>,
}

impl MergedDiary {
    /// A SHA-256 digest of the whole merged diary: equal on two devices exactly when they hold
    /// the same records, histories, conflicts and alerts.
    pub fn digest(&self) -> [u8; 32] {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(json).into()
    }

    /// The records in conflict, by record id.
    pub fn conflicts(&self) -> impl Iterator<Item = &MergedRecord> {
        self.records.values().filter(|r| !r.conflict.is_empty())
    }
}

/// Merges a set of changes (in any order, duplicates allowed) into the diary they describe.
/// Each change must have passed [`Change::validate`]; a change naming a record of another kind
/// than the record's first change is refused (`change.kind`).
pub fn merge(changes: impl IntoIterator<Item = Change>) -> Result<MergedDiary> {
    // One change per id: an exact duplicate is the same change; a different change under a used
    // id keeps the first in content order (so every device keeps the same one) and is reported.
    let mut by_id: BTreeMap<String, Vec<Change>> = BTreeMap::new();
    for change in changes {
        let same = by_id.entry(change.id.clone()).or_default();
        if !same.contains(&change) {
            same.push(change);
        }
    }
    let mut rejected_duplicates = Vec::new();
    let mut by_record: BTreeMap<String, Vec<Change>> = BTreeMap::new();
    for (_, mut same) in by_id {
        same.sort_by_cached_key(|c| serde_json::to_string(c).unwrap_or_default());
        let mut same = same.into_iter();
        if let Some(kept) = same.next() {
            by_record.entry(kept.record.clone()).or_default().push(kept);
        }
        rejected_duplicates.extend(same);
    }
    let mut records = BTreeMap::new();
    for (record, mut history) in by_record {
        history.sort_by(|a, b| a.display_key().cmp(&b.display_key()));
        let kind = history[0].kind;
        if history.iter().any(|c| c.kind != kind) {
            return Err(Error::invalid(
                "change.kind",
                "differs between changes of one record",
            ));
        }
        let (in_force, conflict) = in_force(&history);
        records.insert(
            record.clone(),
            MergedRecord {
                kind,
                record,
                history,
                in_force,
                conflict,
            },
        );
    }
    let slot_alerts = slot_alerts(&records);
    rejected_duplicates.sort_by(|a, b| a.display_key().cmp(&b.display_key()));
    Ok(MergedDiary {
        records,
        slot_alerts,
        rejected_duplicates,
    })
}

/// The change in force and the conflicting heads (empty when there is one head).
fn in_force(history: &[Change]) -> (String, Vec<String>) {
    let seen: BTreeSet<&str> = history
        .iter()
        .flat_map(|c| c.based_on.iter().map(String::as_str))
        .collect();
    // History is in display order, so heads are too.
    let heads: Vec<&Change> = history
        .iter()
        .filter(|c| !seen.contains(c.id.as_str()))
        .collect();
    if heads.len() <= 1 {
        let head = heads
            .first()
            .copied()
            .unwrap_or(&history[history.len() - 1]);
        return (head.id.clone(), Vec::new());
    }
    // The latest revision that every head had seen (is an ancestor of every head).
    let by_id: BTreeMap<&str, &Change> = history.iter().map(|c| (c.id.as_str(), c)).collect();
    let ancestors = |head: &Change| {
        let mut found = BTreeSet::new();
        let mut stack: Vec<&str> = head.based_on.iter().map(String::as_str).collect();
        while let Some(id) = stack.pop() {
            if let Some(change) = by_id.get(id) {
                if found.insert(change.id.as_str()) {
                    stack.extend(change.based_on.iter().map(String::as_str));
                }
            }
        }
        found
    };
    let mut common = ancestors(heads[0]);
    for head in &heads[1..] {
        let theirs = ancestors(head);
        common.retain(|id| theirs.contains(id));
    }
    let in_force = history
        .iter()
        .rev()
        .find(|c| common.contains(c.id.as_str()))
        .unwrap_or(heads[0]);
    (
        in_force.id.clone(),
        heads.iter().map(|c| c.id.clone()).collect(),
    )
}

/// Slots logged in more than one live dose record (§11).
fn slot_alerts(records: &BTreeMap<String, MergedRecord>) -> Vec<SlotAlert> {
    type SlotKey<'a> = (&'a str, &'a str, NaiveDate, NaiveTime);
    let mut slots: BTreeMap<SlotKey, Vec<SlotEntry>> = BTreeMap::new();
    for record in records.values().filter(|r| r.kind == RecordKind::DoseLog) {
        let change = record.in_force();
        let Content::Dose(dose) = &change.content else {
            continue;
        };
        if dose.undone {
            continue;
        }
        slots
            .entry((
                &dose.patient,
                &dose.medication,
                dose.slot_date,
                dose.slot_time,
            ))
            .or_default()
            .push(SlotEntry {
                record: record.record.clone(),
                caregiver: change.caregiver.clone(),
                outcome: dose.outcome,
                actual_at_ms: dose.actual_at_ms,
            });
    }
    slots
        .into_iter()
        .filter_map(
            |((patient, medication, slot_date, slot_time), mut entries)| {
                let taken = entries
                    .iter()
                    .filter(|e| e.outcome == DoseOutcome::Taken)
                    .count();
                let kind = match (taken, entries.len() - taken) {
                    (2.., _) => SlotAlertKind::PossibleDoubleDose,
                    (1, 1..) => SlotAlertKind::TakenAndSkipped,
                    _ => return None,
                };
                entries
                    .sort_by(|a, b| (a.actual_at_ms, &a.record).cmp(&(b.actual_at_ms, &b.record)));
                Some(SlotAlert {
                    kind,
                    patient: patient.to_string(),
                    medication: medication.to_string(),
                    slot_date,
                    slot_time,
                    entries,
                })
            },
        )
        .collect()
}

#[cfg(test)]
mod tests;

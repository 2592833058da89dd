//! Shared care's service (clinical-rules §11): one sync of this diary with the family's other
//! devices over a [`Transport`]. Pull and apply every batch not applied yet, then send this
//! device's outbox. Each step is safe to interrupt: a batch is applied and marked seen in one
//! transaction; a batch sent but not yet marked is sent again next time and its changes,
//! already held elsewhere, change nothing.

use chrono::{NaiveDate, NaiveTime};

use crate::diary::family::membership_in;
use crate::error::{Error, Result};
use crate::model::MedicationId;
use crate::share::claims::{ClaimHolder, ClaimKeys, SlotIdentity};
use crate::share::crypto::BatchHeader;
use crate::share::merge::RecordKind;
use crate::share::secrets::SecretStore;
use crate::share::sync::{hex, Membership, Transport};
use crate::store::{Applied, BatchPosition, ConflictHead, SharedConflict, Store};

/// The most changes sent in one batch: a joining device's first sync of a long diary arrives in
/// several batches, each opened and applied on its own.
pub const MAX_CHANGES_PER_BATCH: usize = 2_000;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    /// What applying the received batches did.
    pub applied: Applied,
    /// Batches found on the transport and refused (altered, of another family, of a closed
    /// key epoch), each with the reason; they changed nothing.
    pub refused_batches: Vec<String>,
    /// Changes of this device sent now.
    pub sent_changes: usize,
    /// Batches this device sent now.
    pub sent_batches: usize,
}

/// What one sync did ([`SyncReport`] flattened for the phones: `Diary::sync_family`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncSummary {
    /// Changes received that were new to this diary.
    pub new_changes: u64,
    /// Batches received and applied now.
    pub batches_applied: u64,
    /// Records written to the diary (a record changed by several changes counts once).
    pub records_written: u64,
    /// Records waiting for a record they name that has not arrived yet (the next sync brings
    /// it), or for this app to be updated; they are kept, not lost.
    pub waiting: u64,
    /// Of those, records written by a newer version of the app on another phone (a field this
    /// diary does not have yet): ask the family to update the app; they appear after the update.
    pub waiting_for_update: u64,
    /// Changes refused, each with the reason; they changed nothing.
    pub refused_changes: Vec<String>,
    /// Batches found on the transport and refused (altered, of another family, written with a
    /// key the family no longer uses), each with its name and the reason; they changed nothing.
    pub refused_batches: Vec<String>,
    /// Changes of this device sent now.
    pub sent_changes: u64,
    /// Batches this device sent now.
    pub sent_batches: u64,
}

impl From<SyncReport> for SyncSummary {
    fn from(report: SyncReport) -> Self {
        // usize is at most 64 bits on every platform the app ships on.
        let count = |n: usize| n as u64;
        SyncSummary {
            new_changes: count(report.applied.new_changes),
            batches_applied: count(report.applied.batches),
            records_written: count(report.applied.records_written),
            waiting: count(report.applied.waiting),
            waiting_for_update: count(report.applied.waiting_for_update),
            refused_changes: report.applied.refused,
            refused_batches: report.refused_batches,
            sent_changes: count(report.sent_changes),
            sent_batches: count(report.sent_batches),
        }
    }
}

/// A record changed on two devices at once (clinical-rules §11): never resolved by the last
/// writer; the family (or, for regimens, courses and policy, the care team) chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SharedRecordConflict {
    /// The record's global id.
    pub record_id: String,
    /// What kind of record it is.
    pub kind: RecordKind,
    /// Whether the care team chooses (regimens, courses, policy) rather than the family.
    pub resolved_by_care_team: bool,
    /// The concurrent versions, in display order.
    pub versions: Vec<ConflictHead>,
}

impl From<SharedConflict> for SharedRecordConflict {
    fn from(conflict: SharedConflict) -> Self {
        SharedRecordConflict {
            record_id: conflict.record,
            kind: conflict.kind,
            // Who resolves which conflict: clinical-rules §11.
            resolved_by_care_team: conflict.kind.resolved_by_care_team(),
            versions: conflict.heads,
        }
    }
}

/// Where a batch sits on the transport.
fn position_of(header: &BatchHeader) -> BatchPosition {
    BatchPosition {
        device: hex(&header.device),
        epoch: header.epoch,
        sequence: header.sequence,
    }
}

impl Store {
    /// Syncs this diary with its family over `transport`: picks up new family keys, applies
    /// every batch not applied yet, sends the outbox (in batches of at most
    /// [`MAX_CHANGES_PER_BATCH`] changes), and saves the membership's new sequence in
    /// `secrets` before the changes are marked sent.
    pub fn sync_family(
        &mut self,
        membership: &mut Membership,
        transport: &dyn Transport,
        secrets: &dyn SecretStore,
    ) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        membership.refresh_keys(transport)?;
        membership.save(secrets)?;
        self.enter_key_epoch(membership.current_key()?.epoch)?;
        let pulled = membership.pull(transport, &self.seen_batches()?)?;
        report.refused_batches = pulled
            .refused
            .iter()
            .map(|(name, why)| format!("{name}: {why}"))
            .collect();
        let batches: Vec<(BatchPosition, Vec<_>)> = pulled
            .batches
            .into_iter()
            .map(|(header, changes)| (position_of(&header), changes))
            .collect();
        report.applied = self.apply_batches(&batches)?;
        let outbox = self.outbox(&membership.caregiver)?;
        for chunk in outbox.chunks(MAX_CHANGES_PER_BATCH) {
            let changes: Vec<_> = chunk.iter().map(|(_, c)| c.clone()).collect();
            let Some(header) = membership.push(transport, &changes)? else {
                continue;
            };
            membership.save(secrets)?;
            let positions: Vec<i64> = chunk.iter().map(|(seq, _)| *seq).collect();
            self.mark_sent(&positions, &position_of(&header))?;
            report.sent_changes += chunk.len();
            report.sent_batches += 1;
        }
        Ok(report)
    }

    /// Whether this diary holds no patient yet (a device may join a family only with an
    /// empty diary: the family's diary arrives whole).
    pub fn is_empty_diary(&self) -> Result<bool> {
        Ok(self.patients()?.is_empty())
    }

    /// Refuses to join a family on a diary that already holds a child's records.
    pub fn require_empty_for_joining(&self) -> Result<()> {
        if self.is_empty_diary()? {
            Ok(())
        } else {
            Err(Error::invalid(
                "db",
                "already holds a diary; join a family with a new, empty diary",
            ))
        }
    }

    /// A dose slot as clinical-rules §11 identifies it on every device: the patient's and the
    /// medication's global ids and the slot's scheduled local date and time (what a claim on
    /// the relay is keyed by). Refuses an unknown medication.
    pub fn slot_identity(
        &self,
        medication: &MedicationId,
        slot_date: NaiveDate,
        slot_time: NaiveTime,
    ) -> Result<SlotIdentity> {
        let patient = self.patient(self.medication_patient(medication)?)?;
        let global = match medication {
            MedicationId::Regimen(id) => self.regimen(*id)?.global_id,
            MedicationId::Medicine(id) => self.medicine(*id)?.global_id,
            MedicationId::Course(key) => self.course(key, None)?.global_id,
        };
        Ok(SlotIdentity {
            patient: patient.global_id.to_string(),
            medication: global.to_string(),
            slot_date,
            slot_time,
        })
    }

    /// Records revised concurrently on two devices and not yet resolved, each with who
    /// resolves it ([`Store::shared_conflicts`] as the phones show them).
    pub fn shared_record_conflicts(&self) -> Result<Vec<SharedRecordConflict>> {
        Ok(self
            .shared_conflicts()?
            .into_iter()
            .map(SharedRecordConflict::from)
            .collect())
    }

    /// A claim on a dose slot as a phone sends it to the relay before giving the dose (issue 16,
    /// clinical-rules §11): the slot's opaque token (HMAC of the slot's identity under the
    /// family's current claim key) and the holder (this caregiver, this device, `at_ms`) sealed
    /// with the claim key. The relay learns neither the slot nor the caregiver. Refused naming
    /// `at_ms`, or `secrets` when this device belongs to no family.
    pub fn slot_claim(
        &self,
        secrets: &dyn SecretStore,
        medication: &MedicationId,
        (slot_date, slot_time): (NaiveDate, NaiveTime),
        at_ms: i64,
    ) -> Result<SlotClaim> {
        let membership = membership_in(secrets)?;
        let keys = ClaimKeys::derive(&membership.family, membership.current_key()?);
        let token = keys.token(&self.slot_identity(medication, slot_date, slot_time)?)?;
        let holder = ClaimHolder {
            caregiver: membership.caregiver.clone(),
            device: hex(&membership.device),
            at_ms: crate::bounds::instant_ms("at_ms", at_ms)?.timestamp_millis(),
        };
        Ok(SlotClaim {
            sealed_holder: keys.seal_holder(&token, &holder)?,
            token_hex: token.to_hex(),
        })
    }

    /// Who holds (or gave) a claimed slot, from the sealed holder the relay answered with;
    /// refused (naming `holder`) when it was not sealed by a member for this slot, or naming
    /// `secrets` when this device belongs to no family.
    pub fn claim_holder(
        &self,
        secrets: &dyn SecretStore,
        medication: &MedicationId,
        (slot_date, slot_time): (NaiveDate, NaiveTime),
        sealed_holder: &[u8],
    ) -> Result<SlotClaimHolder> {
        let membership = membership_in(secrets)?;
        let keys = ClaimKeys::derive(&membership.family, membership.current_key()?);
        let token = keys.token(&self.slot_identity(medication, slot_date, slot_time)?)?;
        let ClaimHolder {
            caregiver,
            device,
            at_ms,
        } = keys.open_holder(&token, sealed_holder)?;
        Ok(SlotClaimHolder {
            caregiver,
            device,
            at_ms,
        })
    }
}

/// What a phone sends the relay to claim a dose slot ([`Store::slot_claim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "SlotClaimRequest")
)]
pub struct SlotClaim {
    /// The slot's opaque token, hex: the claim's name on the relay.
    pub token_hex: String,
    /// Who is giving the dose, sealed with the family's claim key: the claim's body.
    pub sealed_holder: Vec<u8>,
}

/// Who holds or gave a claimed slot ([`Store::claim_holder`]). The fields of a
/// [`ClaimHolder`]; a record of its own because the phones' API names the holder read from a
/// sealed claim apart from the one inside a relay's answer (`ClaimStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SlotClaimHolder {
    /// The caregiver, as they name themselves.
    pub caregiver: String,
    /// Their device's id, hex.
    pub device: String,
    /// When they claimed (or gave) the dose, UTC epoch ms on their phone.
    pub at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Applied;

    #[test]
    fn a_sync_summary_carries_each_count_to_its_own_field() {
        let report = SyncReport {
            applied: Applied {
                batches: 1,
                new_changes: 2,
                records_written: 3,
                waiting: 4,
                waiting_for_update: 5,
                refused: vec!["change: why".into()],
            },
            refused_batches: vec!["batch: why".into()],
            sent_changes: 6,
            sent_batches: 7,
        };
        assert_eq!(
            SyncSummary::from(report),
            SyncSummary {
                new_changes: 2,
                batches_applied: 1,
                records_written: 3,
                waiting: 4,
                waiting_for_update: 5,
                refused_changes: vec!["change: why".into()],
                refused_batches: vec!["batch: why".into()],
                sent_changes: 6,
                sent_batches: 7,
            }
        );
    }

    #[test]
    fn the_care_team_resolves_conflicts_on_regimens_courses_and_policy_only() {
        let conflict = |kind| SharedConflict {
            record: "record".into(),
            kind,
            heads: Vec::new(),
        };
        for (kind, care_team) in [
            (RecordKind::Regimen, true),
            (RecordKind::Course, true),
            (RecordKind::Policy, true),
            (RecordKind::DoseLog, false),
            (RecordKind::Medicine, false),
            (RecordKind::Profile, false),
        ] {
            let listed = SharedRecordConflict::from(conflict(kind));
            assert_eq!(listed.resolved_by_care_team, care_team, "{kind:?}");
            assert_eq!(listed.kind, kind);
        }
    }
}

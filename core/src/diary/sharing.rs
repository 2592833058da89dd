//! Shared care's service (clinical-rules §11): one sync of this diary with the family's other
//! devices over a [`Transport`]. Pull and apply every batch not applied yet, then send this
//! device's outbox. Each step is safe to interrupt: a batch is applied and marked seen in one
//! transaction; a batch sent but not yet marked is sent again next time and its changes,
//! already held elsewhere, change nothing.

use chrono::{NaiveDate, NaiveTime};

use crate::error::{Error, Result};
use crate::model::MedicationId;
use crate::share::claims::{ClaimHolder, ClaimKeys, SlotIdentity, TOKEN_LEN};
use crate::share::crypto::BatchHeader;
use crate::share::secrets::SecretStore;
use crate::share::sync::{hex, Membership, Transport};
use crate::store::{Applied, BatchPosition, Store};

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

    /// A claim on a dose slot as a phone sends it to the relay before giving the dose (issue 16,
    /// clinical-rules §11): the slot's opaque token (HMAC of the slot's identity under the
    /// family's current claim key) and the holder (this caregiver, this device, `at_ms`) sealed
    /// with the claim key. The relay learns neither the slot nor the caregiver.
    pub fn slot_claim(
        &self,
        membership: &Membership,
        medication: &MedicationId,
        (slot_date, slot_time): (NaiveDate, NaiveTime),
        at_ms: i64,
    ) -> Result<SlotClaim> {
        let keys = ClaimKeys::derive(&membership.family, membership.current_key()?);
        let token = keys.token(&self.slot_identity(medication, slot_date, slot_time)?)?;
        let holder = ClaimHolder {
            caregiver: membership.caregiver.clone(),
            device: hex(&membership.device),
            at_ms: crate::bounds::instant_ms("at_ms", at_ms)?.timestamp_millis(),
        };
        Ok(SlotClaim {
            sealed_holder: keys.seal_holder(&token, &holder)?,
            token: token.0,
        })
    }

    /// Who holds (or gave) a claimed slot, from the sealed holder the relay answered with;
    /// refused (naming `holder`) when it was not sealed by a member for this slot.
    pub fn claim_holder(
        &self,
        membership: &Membership,
        medication: &MedicationId,
        (slot_date, slot_time): (NaiveDate, NaiveTime),
        sealed_holder: &[u8],
    ) -> Result<ClaimHolder> {
        let keys = ClaimKeys::derive(&membership.family, membership.current_key()?);
        let token = keys.token(&self.slot_identity(medication, slot_date, slot_time)?)?;
        keys.open_holder(&token, sealed_holder)
    }
}

/// A claim on a dose slot, as the relay receives it ([`Store::slot_claim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotClaim {
    /// The slot's opaque token (the relay's key for the claim).
    pub token: [u8; TOKEN_LEN],
    /// The holder, sealed with the family's claim key.
    pub sealed_holder: Vec<u8>,
}

//! A family's life cycle on one device (clinical-rules §11, issues 15 and 16): start sharing,
//! invite, join or recover, sync, list and remove members, and — with the relay — claim a dose
//! slot before giving it. One implementation for every shell: the bindings and the CLI only
//! hand in what carries the batches ([`Carrier`]) and where the device's secrets live.
//!
//! A shared folder (or any [`Transport`] a shell implements) carries batches only; the relay
//! also registers the family's devices with per-device credentials, revokes a removed device,
//! and holds the claims that tell a second caregiver "already given by Mum".

use chrono::{NaiveDate, NaiveTime};

use crate::dates::{parse_clock_time, parse_date};
use crate::diary::sharing::SyncReport;
use crate::error::{Error, Result};
use crate::model::MedicationId;
use crate::share::claims::ClaimHolder;
use crate::share::codes::FamilySecret;
use crate::share::relay::{ClaimStatus, Credential, RelayClient, RelayTransport};
use crate::share::relay_protocol::ClaimOutcome;
use crate::share::secrets::SecretStore;
use crate::share::sync::{hex, Membership, Transport};
use crate::store::Store;

/// What carries a family's sealed batches between its devices.
#[derive(Clone, Copy)]
pub enum Carrier<'a> {
    /// A store of byte strings by name: a shared folder, a cloud drive the shell reaches.
    Transport(&'a dyn Transport),
    /// The relay (issue 16), reached through the shell's HTTP client.
    Relay(&'a RelayClient),
}

/// A carrier's transport as this device uses it (the relay's needs the device's credential).
enum DeviceTransport<'a> {
    Given(&'a dyn Transport),
    Relay(RelayTransport),
}

impl DeviceTransport<'_> {
    fn get(&self) -> &dyn Transport {
        match self {
            DeviceTransport::Given(transport) => *transport,
            DeviceTransport::Relay(transport) => transport,
        }
    }
}

impl<'a> Carrier<'a> {
    fn for_device(self, secrets: &dyn SecretStore) -> Result<DeviceTransport<'a>> {
        Ok(match self {
            Carrier::Transport(transport) => DeviceTransport::Given(transport),
            Carrier::Relay(relay) => {
                DeviceTransport::Relay(relay.transport(&Credential::require(secrets)?))
            }
        })
    }
}

/// A family just started on this device ([`Store::start_family`]).
#[derive(Debug)]
pub struct StartedFamily {
    /// This device's membership (kept in the secret storage).
    pub membership: Membership,
    /// The family's recovery code: show it now, once, for the family to print.
    pub recovery: FamilySecret,
    /// What the first sync did, or why it failed (the family has started all the same; the
    /// next sync sends the diary).
    pub first_sync: Result<SyncReport>,
}

/// How a device enters a family.
#[derive(Clone, Copy)]
pub enum FamilyEntry<'a> {
    /// With an invitation's text (refusals name `invitation`).
    Invitation(&'a str),
    /// With the family's recovery code (refusals name `recovery_code`).
    Recovery(&'a str),
}

/// This device's membership kept in `secrets`; refused, naming `secrets`, when the diary is not
/// shared yet.
pub fn membership_in(secrets: &dyn SecretStore) -> Result<Membership> {
    Membership::load(secrets)?.ok_or_else(|| {
        Error::invalid(
            "secrets",
            "this device belongs to no family yet: start sharing, or join with an invitation",
        )
    })
}

/// Refuses to start or join a family when `secrets` already holds a membership: it would be
/// replaced and this device would lose its family's keys.
pub fn require_no_membership(secrets: &dyn SecretStore) -> Result<()> {
    if Membership::load(secrets)?.is_some() {
        return Err(Error::invalid(
            "secrets",
            "this device already belongs to a family",
        ));
    }
    Ok(())
}

/// Makes an invitation for one new device (after picking up the family's newest key, so the
/// invitation carries it); with the relay, registers its admission there.
pub fn invite(carrier: Carrier, secrets: &dyn SecretStore) -> Result<FamilySecret> {
    let mut membership = membership_in(secrets)?;
    membership.refresh_keys(carrier.for_device(secrets)?.get())?;
    membership.save(secrets)?;
    match carrier {
        Carrier::Transport(transport) => membership.invite(transport),
        Carrier::Relay(relay) => relay.invite(&Credential::require(secrets)?, &membership),
    }
}

/// A device of the family, as its caregivers see it ([`members`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FamilyMember {
    /// The device's id (hex): what removing a member takes ([`remove_member`],
    /// `Diary::remove_family_member` on the phones).
    pub device_id: String,
    /// Its caregiver, as they named themselves when joining.
    pub caregiver: String,
    /// Whether it is this device.
    pub is_this_device: bool,
}

/// The family's devices, as the current key epoch lists them (ordered by device id), each
/// marked whether it is this device.
pub fn members(carrier: Carrier, secrets: &dyn SecretStore) -> Result<Vec<FamilyMember>> {
    let membership = membership_in(secrets)?;
    let this_device = hex(&membership.device);
    Ok(membership
        .members(carrier.for_device(secrets)?.get())?
        .into_iter()
        .map(|member| FamilyMember {
            is_this_device: member.device == this_device,
            device_id: member.device,
            caregiver: member.caregiver,
        })
        .collect())
}

/// A dose slot as a shell names it in text: the medication (`regimen-<id>`, `course-<key>`,
/// `medicine-<id>`), the slot's local date (`YYYY-MM-DD`) and time (`HH:MM`). Each is refused
/// naming its own field (`medication_id`, `slot_date`, `slot_time`).
pub fn parse_slot(
    medication_id: &str,
    slot_date: &str,
    slot_time: &str,
) -> Result<(MedicationId, (NaiveDate, NaiveTime))> {
    Ok((
        MedicationId::parse("medication_id", medication_id)?,
        (
            parse_date("slot_date", slot_date)?,
            parse_clock_time("slot_time", slot_time)?,
        ),
    ))
}

/// Removes a device from the family: what the family writes from now on is sealed with a new
/// key that device does not get; with the relay, its credential is revoked. Returns the new
/// recovery code (the removed caregiver may know the old one).
pub fn remove_member(
    device: &str,
    carrier: Carrier,
    secrets: &dyn SecretStore,
) -> Result<FamilySecret> {
    let mut membership = membership_in(secrets)?;
    let recovery = match carrier {
        Carrier::Transport(transport) => membership.remove(device.trim(), transport),
        Carrier::Relay(relay) => relay.remove(
            &Credential::require(secrets)?,
            &mut membership,
            device.trim(),
        ),
    }?;
    membership.save(secrets)?;
    Ok(recovery)
}

impl Store {
    /// Starts a family on this diary (the first device): makes the family and this device's
    /// keys (with the relay, registers the family and this device's credential there), keeps
    /// them in `secrets`, and sends the whole diary. Refused (`secrets`) when this device
    /// already belongs to a family; a failure before the membership is kept changes nothing
    /// (start again). Once it is kept, the family has started and its recovery code — shown
    /// only now — is returned even when the first sync fails: [`StartedFamily::first_sync`]
    /// holds that failure, and the next sync sends the diary.
    pub fn start_family(
        &mut self,
        caregiver: &str,
        carrier: Carrier,
        secrets: &dyn SecretStore,
    ) -> Result<StartedFamily> {
        require_no_membership(secrets)?;
        let (mut membership, recovery) = match carrier {
            Carrier::Transport(transport) => Membership::create(caregiver, transport)?,
            Carrier::Relay(relay) => {
                let (membership, credential, recovery) = relay.create_family(caregiver)?;
                credential.save(secrets)?;
                (membership, recovery)
            }
        };
        membership.save(secrets)?;
        // A diary starting a family sends every change it holds.
        let first_sync = self.resend_all_changes().and_then(|()| {
            self.sync_family(&mut membership, carrier.for_device(secrets)?.get(), secrets)
        });
        Ok(StartedFamily {
            membership,
            recovery,
            first_sync,
        })
    }

    /// Joins a family (or restores it from its recovery code) on this new, empty diary, then
    /// syncs: the whole diary arrives. With the relay, this device's credential is registered
    /// (using up the invitation) and kept in `secrets`. Refused, nothing kept: a garbled,
    /// unknown or used code; a diary holding a child (`db`); `secrets` already holding a
    /// membership.
    pub fn enter_family(
        &mut self,
        entry: FamilyEntry,
        caregiver: &str,
        carrier: Carrier,
        secrets: &dyn SecretStore,
    ) -> Result<(Membership, SyncReport)> {
        self.require_empty_for_joining()?;
        require_no_membership(secrets)?;
        let mut membership = match (carrier, entry) {
            (Carrier::Transport(t), FamilyEntry::Invitation(text)) => {
                Membership::join(text, caregiver, t)?
            }
            (Carrier::Transport(t), FamilyEntry::Recovery(text)) => {
                Membership::recover(text, caregiver, t)?
            }
            (Carrier::Relay(relay), entry) => {
                let (membership, credential) = match entry {
                    FamilyEntry::Invitation(text) => relay.join(text, caregiver)?,
                    FamilyEntry::Recovery(text) => relay.recover(text, caregiver)?,
                };
                credential.save(secrets)?;
                membership
            }
        };
        membership.save(secrets)?;
        let report =
            self.sync_family(&mut membership, carrier.for_device(secrets)?.get(), secrets)?;
        Ok((membership, report))
    }

    /// Syncs with the family over `carrier` ([`Store::sync_family`] with this device's
    /// membership from `secrets`).
    pub fn sync_with_family(
        &mut self,
        carrier: Carrier,
        secrets: &dyn SecretStore,
    ) -> Result<SyncReport> {
        let mut membership = membership_in(secrets)?;
        self.sync_family(&mut membership, carrier.for_device(secrets)?.get(), secrets)
    }

    /// Claims a dose slot on the relay before giving the dose (clinical-rules §11, issue 16):
    /// granted (give it now; the claim ends when the dose is logged, released, or after the
    /// relay's expiry), or who is giving it or gave it. `now_ms` is the phone's clock (UTC
    /// epoch ms), shown to the others as when this caregiver claimed. Refused naming
    /// `medication_id`, `at_ms`, or `secrets` when the device is not a member through the
    /// relay.
    pub fn claim_dose_slot(
        &self,
        relay: &RelayClient,
        secrets: &dyn SecretStore,
        medication: &MedicationId,
        (slot_date, slot_time): (NaiveDate, NaiveTime),
        now_ms: i64,
    ) -> Result<ClaimStatus> {
        let membership = membership_in(secrets)?;
        let credential = Credential::require(secrets)?;
        let identity = self.slot_identity(medication, slot_date, slot_time)?;
        let holder = ClaimHolder {
            caregiver: membership.caregiver.clone(),
            device: hex(&membership.device),
            at_ms: crate::bounds::instant_ms("at_ms", now_ms)?.timestamp_millis(),
        };
        relay.claim(&credential, &membership, &identity, &holder)
    }

    /// Ends this device's claim on a dose slot: the dose was logged taken (the others are told
    /// "already given") or skipped, or the claim is released (the child refused; another
    /// caregiver may give it).
    pub fn end_dose_slot_claim(
        &self,
        relay: &RelayClient,
        secrets: &dyn SecretStore,
        medication: &MedicationId,
        (slot_date, slot_time): (NaiveDate, NaiveTime),
        outcome: ClaimOutcome,
    ) -> Result<()> {
        let membership = membership_in(secrets)?;
        let credential = Credential::require(secrets)?;
        let identity = self.slot_identity(medication, slot_date, slot_time)?;
        relay.end_claim(&credential, &membership, &identity, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_field(result: Result<(MedicationId, (NaiveDate, NaiveTime))>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_slot_in_text_is_read_and_each_part_refused_by_its_own_name() {
        let (medication, (date, time)) = parse_slot("regimen-3", "2026-12-02", "08:00").unwrap();
        assert_eq!(medication.to_string(), "regimen-3");
        assert_eq!(date, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        assert_eq!(time, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        let bad = [
            (("pill-3", "2026-12-02", "08:00"), "medication_id"),
            (("regimen-3", "2026-13-02", "08:00"), "slot_date"),
            (("regimen-3", "2026-12-02", "8 am"), "slot_time"),
        ];
        for ((medication, date, time), field) in bad {
            assert_eq!(refused_field(parse_slot(medication, date, time)), field);
        }
    }
}

//! Shared care across the FFI (clinical-rules §11, issue 15): one child's diary on every
//! caregiver's phone, end-to-end encrypted.
//!
//! The shells implement two foreign traits: [`ShareTransport`], what carries the family's sealed
//! batches (a cloud drive, a synced folder; [`folder_share_transport`] is the shared folder), and
//! [`SecretStorage`], the platform's secure storage (Keychain, Android Keystore) where the
//! device's membership lives. Both are handed to each sharing call of the [`Diary`]:
//! [`Diary::start_sharing`] on the first phone (print its recovery code once),
//! [`Diary::invite`] there for each new phone (show the text as a QR code),
//! [`Diary::join_family`] (or [`Diary::recover_family`]) on the new phone with an empty diary,
//! then [`Diary::sync_family`] whenever the app comes to the foreground or a dose is logged.
//! What a sync brings shows on the home screen ("Given by Dad at 8:05 pm", the
//! possible-double-dose alert); [`Diary::double_dose_alerts`] and [`Diary::shared_conflicts`]
//! list the same for a dedicated screen.
//!
//! Nothing here decides anything: each call converts its arguments and delegates to the core
//! (`nephro_core::share`, `Store::sync_family`).

use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime};
use nephro_core::dates::{parse_clock_time, parse_date};
use nephro_core::diary::family::{self, Carrier, FamilyEntry};
use nephro_core::model::MedicationId;
use nephro_core::share::folder::FolderTransport;
use nephro_core::share::merge::RecordKind;
use nephro_core::share::secrets::SecretStore;
use nephro_core::share::sync::{hex, Transport};
use nephro_core::store::{ConflictHead, SharedConflict, StoredSlotAlert};
use nephro_core::Error;

use crate::{Diary, DoseOutcome, NephroError};

/// What carries a family's batches between its phones: a store of byte strings by name that
/// every phone of the family reads and writes. Everything put here is sealed with the family's
/// key or wrapped to a device's key; the names are random ids and counters. Called
/// synchronously on the thread of the sharing call. A failure is reported by throwing
/// [`ShareCallbackError`] (any other exception counts as one); the sharing call then fails with
/// [`NephroError::Storage`] naming the operation, and nothing of a half-done sync is lost (the
/// next sync resumes).
#[uniffi::export(with_foreign)]
pub trait ShareTransport: Send + Sync {
    /// Stores `bytes` under `name` once: a name already holding the same bytes is left as it is;
    /// holding other bytes, throw. Names are ASCII letters, digits, `-` and `/` (folders).
    fn put(&self, name: String, bytes: Vec<u8>) -> Result<(), ShareCallbackError>;
    /// The bytes under `name`, or none when nothing is stored there.
    fn get(&self, name: String) -> Result<Option<Vec<u8>>, ShareCallbackError>;
    /// The names directly under the folder `prefix` (given without a trailing `/`), in any
    /// order; empty when the folder does not exist.
    fn list(&self, prefix: String) -> Result<Vec<String>, ShareCallbackError>;
}

/// The phone's secure storage of small secrets by name (Keychain on iOS, a file encrypted with
/// an Android Keystore key on Android). It keeps this device's membership of its family: the
/// family's id, the device's key pair and the family keys. Never back it up in clear. A failure
/// is reported by throwing [`ShareCallbackError`], as for [`ShareTransport`].
#[uniffi::export(with_foreign)]
pub trait SecretStorage: Send + Sync {
    /// The secret stored under `name`, or none.
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, ShareCallbackError>;
    /// Stores `secret` under `name`, replacing what was there.
    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), ShareCallbackError>;
}

/// What a shell's [`ShareTransport`] or [`SecretStorage`] throws when it cannot do what it was
/// asked (offline, storage locked, permission refused).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ShareCallbackError {
    /// The operation failed.
    #[error("{reason}")]
    Failed {
        /// Why, in plain words, without the family's data (it reaches the caller's error).
        reason: String,
    },
}

/// Any other exception thrown by a shell's implementation counts as [`ShareCallbackError::Failed`].
impl From<uniffi::UnexpectedUniFFICallbackError> for ShareCallbackError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ShareCallbackError::Failed { reason: e.reason }
    }
}

/// A refusal of the core, as the shared-folder transport reports it.
impl From<Error> for ShareCallbackError {
    fn from(e: Error) -> Self {
        ShareCallbackError::Failed {
            reason: e.to_string(),
        }
    }
}

/// The shared-folder transport: each name is a file under a folder that iCloud Drive, Google
/// Drive, Syncthing or a USB stick carries between the phones (the core's `FolderTransport`).
/// Made by [`folder_share_transport`].
pub struct FolderShareTransport {
    folder: FolderTransport,
}

/// A [`ShareTransport`] over the folder at `path` (created if missing): each device writes its
/// own numbered batch files, each written once, flushed and renamed into place. An empty
/// `path` is refused (`Validation` naming `path`).
#[uniffi::export]
pub fn folder_share_transport(path: String) -> Result<Arc<dyn ShareTransport>, NephroError> {
    if path.trim().is_empty() {
        return Err(Error::invalid("path", "is empty: give the shared folder's path").into());
    }
    let folder = FolderTransport::new(path).map_err(|e| rename_invalid(e, "path"))?;
    Ok(Arc::new(FolderShareTransport { folder }))
}

impl ShareTransport for FolderShareTransport {
    fn put(&self, name: String, bytes: Vec<u8>) -> Result<(), ShareCallbackError> {
        Ok(self.folder.put(&name, &bytes)?)
    }

    fn get(&self, name: String) -> Result<Option<Vec<u8>>, ShareCallbackError> {
        Ok(self.folder.get(&name)?)
    }

    fn list(&self, prefix: String) -> Result<Vec<String>, ShareCallbackError> {
        Ok(self.folder.list(&prefix)?)
    }
}

/// An error of the core naming `field` instead of its own (a folder's path is `path` here).
fn rename_invalid(error: Error, field: &str) -> Error {
    match error {
        Error::Invalid { reason, .. } => Error::invalid(field, reason),
        other => other,
    }
}

/// The error of a failed foreign call: a storage error naming what was being done, with what
/// the shell said (transport names and secrets' names are ids, never the family's data).
pub(crate) fn foreign_failure(operation: &str, error: ShareCallbackError) -> Error {
    Error::Io(std::io::Error::other(format!(
        "{operation} failed: {error}"
    )))
}

/// A shell's [`ShareTransport`] as the core's [`Transport`].
struct ForeignTransport(Arc<dyn ShareTransport>);

impl Transport for ForeignTransport {
    fn put(&self, name: &str, bytes: &[u8]) -> nephro_core::Result<()> {
        self.0
            .put(name.to_string(), bytes.to_vec())
            .map_err(|e| foreign_failure("the sharing transport's put", e))
    }

    fn get(&self, name: &str) -> nephro_core::Result<Option<Vec<u8>>> {
        self.0
            .get(name.to_string())
            .map_err(|e| foreign_failure("the sharing transport's get", e))
    }

    fn list(&self, prefix: &str) -> nephro_core::Result<Vec<String>> {
        self.0
            .list(prefix.to_string())
            .map_err(|e| foreign_failure("the sharing transport's list", e))
    }
}

/// A shell's [`SecretStorage`] as the core's [`SecretStore`].
pub(crate) struct ForeignSecrets(pub(crate) Arc<dyn SecretStorage>);

impl SecretStore for ForeignSecrets {
    fn load(&self, name: &str) -> nephro_core::Result<Option<Vec<u8>>> {
        self.0
            .load(name.to_string())
            .map_err(|e| foreign_failure("the secret storage's load", e))
    }

    fn save(&self, name: &str, secret: &[u8]) -> nephro_core::Result<()> {
        self.0
            .save(name.to_string(), secret.to_vec())
            .map_err(|e| foreign_failure("the secret storage's save", e))
    }
}

/// What one sync did ([`Diary::sync_family`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<nephro_core::diary::sharing::SyncReport> for SyncSummary {
    fn from(report: nephro_core::diary::sharing::SyncReport) -> Self {
        SyncSummary {
            new_changes: report.applied.new_changes as u64,
            batches_applied: report.applied.batches as u64,
            records_written: report.applied.records_written as u64,
            waiting: report.applied.waiting as u64,
            waiting_for_update: report.applied.waiting_for_update as u64,
            refused_changes: report.applied.refused,
            refused_batches: report.refused_batches,
            sent_changes: report.sent_changes as u64,
            sent_batches: report.sent_batches as u64,
        }
    }
}

/// A device of the family ([`Diary::family_members`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FamilyMember {
    /// The device's id (hex): what [`Diary::remove_family_member`] takes.
    pub device_id: String,
    /// Its caregiver, as they named themselves when joining.
    pub caregiver: String,
    /// Whether it is this device.
    pub is_this_device: bool,
}

/// What kind of record a shared conflict is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SharedRecordKind {
    /// A logged dose.
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

impl From<RecordKind> for SharedRecordKind {
    fn from(kind: RecordKind) -> Self {
        match kind {
            RecordKind::DoseLog => SharedRecordKind::DoseLog,
            RecordKind::UrineReading => SharedRecordKind::UrineReading,
            RecordKind::Lab => SharedRecordKind::Lab,
            RecordKind::Measurement => SharedRecordKind::Measurement,
            RecordKind::BloodPressure => SharedRecordKind::BloodPressure,
            RecordKind::Regimen => SharedRecordKind::Regimen,
            RecordKind::Course => SharedRecordKind::Course,
            RecordKind::Medicine => SharedRecordKind::Medicine,
            RecordKind::Policy => SharedRecordKind::Policy,
            RecordKind::Profile => SharedRecordKind::Profile,
        }
    }
}

/// One of the concurrent versions of a record in conflict.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictVersion {
    /// The change that wrote it.
    pub change_id: String,
    /// The caregiver who made it.
    pub caregiver: String,
    /// When, UTC epoch ms (the writing phone's clock).
    pub at_ms: i64,
}

impl From<ConflictHead> for ConflictVersion {
    fn from(head: ConflictHead) -> Self {
        ConflictVersion {
            change_id: head.change,
            caregiver: head.caregiver,
            at_ms: head.at_ms,
        }
    }
}

/// A record changed on two phones at once (clinical-rules §11): never resolved by the last
/// writer; the family (or, for regimens, courses and policy, the care team) chooses.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SharedRecordConflict {
    /// The record's global id.
    pub record_id: String,
    /// What kind of record it is.
    pub kind: SharedRecordKind,
    /// Whether the care team chooses (regimens, courses, policy) rather than the family.
    pub resolved_by_care_team: bool,
    /// The concurrent versions, in display order.
    pub versions: Vec<ConflictVersion>,
}

impl From<SharedConflict> for SharedRecordConflict {
    fn from(conflict: SharedConflict) -> Self {
        SharedRecordConflict {
            record_id: conflict.record,
            kind: conflict.kind.into(),
            resolved_by_care_team: conflict.kind.resolved_by_care_team(),
            versions: conflict.heads.into_iter().map(Into::into).collect(),
        }
    }
}

/// One of the logs of a slot logged on several phones.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SlotLogEntry {
    /// The log's client id.
    pub client_id: String,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was given (or skipped), UTC epoch ms.
    pub at_ms: i64,
    /// Who logged it.
    pub caregiver: String,
}

/// A dose slot logged on more than one phone (clinical-rules §11): taken twice is a possible
/// double dose, taken and skipped a disagreement; never resolved automatically.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DoubleDoseAlert {
    /// The medication's global id (the same on every phone).
    pub medication_global_id: String,
    /// The slot's local date, `YYYY-MM-DD`.
    pub slot_date: String,
    /// The slot's local time, `HH:MM`.
    pub slot_time: String,
    /// Every live log of the slot, earliest first.
    pub entries: Vec<SlotLogEntry>,
}

impl From<StoredSlotAlert> for DoubleDoseAlert {
    fn from(alert: StoredSlotAlert) -> Self {
        DoubleDoseAlert {
            medication_global_id: alert.medication,
            slot_date: alert.slot_date,
            slot_time: alert.slot_time,
            entries: alert
                .entries
                .into_iter()
                .map(|(client_id, outcome, at_ms, caregiver)| SlotLogEntry {
                    client_id,
                    outcome,
                    at_ms,
                    caregiver,
                })
                .collect(),
        }
    }
}

#[uniffi::export]
impl Diary {
    /// Starts a family on this diary (the first phone): makes the family and this device's
    /// keys, keeps them in `secrets`, and sends the whole diary, sealed, through `transport`.
    /// Returns the family's recovery code: show it once for the family to print and keep (it
    /// restores the diary on a new phone when no other caregiver's phone is at hand).
    ///
    /// `caregiver` is how this phone's user names themselves ("Mum"); it is shown beside each
    /// dose they log on the other phones. Refused (`Validation`, nothing changed): an empty or
    /// too long `caregiver`; `secrets` already holding a membership. A transport failing while
    /// the family is made changes nothing (start again). Once the membership is kept the
    /// family has started, and its recovery code is returned even when the first sync fails (it
    /// is shown only now): the failure reaches the diagnostics reporter as `start_sharing`, and
    /// the next [`Diary::sync_family`] sends the diary.
    pub fn start_sharing(
        &self,
        caregiver: String,
        transport: Arc<dyn ShareTransport>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<String, NephroError> {
        let (transport, secrets) = (ForeignTransport(transport), ForeignSecrets(secrets));
        self.start_family(&caregiver, Carrier::Transport(&transport), &secrets)
    }

    /// Makes an invitation for one new phone: its text, to show as a QR code (or send) to the
    /// joining phone, which passes it to [`Diary::join_family`]. One invitation admits one
    /// device. Refused (`Validation` naming `secrets`) when this diary is not shared.
    pub fn invite(
        &self,
        transport: Arc<dyn ShareTransport>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<String, NephroError> {
        let (transport, secrets) = (ForeignTransport(transport), ForeignSecrets(secrets));
        Ok(self
            .call(|_| family::invite(Carrier::Transport(&transport), &secrets))?
            .invitation_text())
    }

    /// Joins a family with an invitation's text on a new, empty diary, then syncs: the whole
    /// diary arrives. Refused (`Validation`, nothing kept): a garbled, unknown or already used
    /// `invitation`; an empty `caregiver`; a diary already holding a child (`db`) or `secrets`
    /// already holding a membership.
    pub fn join_family(
        &self,
        invitation: String,
        caregiver: String,
        transport: Arc<dyn ShareTransport>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<SyncSummary, NephroError> {
        let (transport, secrets) = (ForeignTransport(transport), ForeignSecrets(secrets));
        self.enter_family(
            FamilyEntry::Invitation(&invitation),
            &caregiver,
            Carrier::Transport(&transport),
            &secrets,
        )
    }

    /// Restores the family's diary on a new, empty diary from the family's recovery code (as
    /// written down: case, spaces and dashes do not matter), then syncs. Refused as
    /// [`Diary::join_family`], the code naming `recovery_code`.
    pub fn recover_family(
        &self,
        recovery_code: String,
        caregiver: String,
        transport: Arc<dyn ShareTransport>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<SyncSummary, NephroError> {
        let (transport, secrets) = (ForeignTransport(transport), ForeignSecrets(secrets));
        self.enter_family(
            FamilyEntry::Recovery(&recovery_code),
            &caregiver,
            Carrier::Transport(&transport),
            &secrets,
        )
    }

    /// Syncs with the family: applies every batch not applied yet and sends this phone's new
    /// changes. Call it when the app comes to the foreground, after each log, and from a
    /// background refresh; then refresh the home screen. Safe to interrupt and to repeat.
    pub fn sync_family(
        &self,
        transport: Arc<dyn ShareTransport>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<SyncSummary, NephroError> {
        let (transport, secrets) = (ForeignTransport(transport), ForeignSecrets(secrets));
        Ok(self
            .call(|store| store.sync_with_family(Carrier::Transport(&transport), &secrets))?
            .into())
    }

    /// The family's devices, ordered by device id.
    pub fn family_members(
        &self,
        transport: Arc<dyn ShareTransport>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<Vec<FamilyMember>, NephroError> {
        let (transport, secrets) = (ForeignTransport(transport), ForeignSecrets(secrets));
        self.members_of_family(Carrier::Transport(&transport), &secrets)
    }

    /// Removes a device from the family (a lost phone, a caregiver who leaves): what the family
    /// writes from now on is sealed with a new key that device does not get. Returns the new
    /// recovery code (the removed caregiver may know the old one): show it once to print.
    /// Refused (`Validation` naming `device`): not a member, or this device itself.
    pub fn remove_family_member(
        &self,
        device_id: String,
        transport: Arc<dyn ShareTransport>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<String, NephroError> {
        let (transport, secrets) = (ForeignTransport(transport), ForeignSecrets(secrets));
        Ok(self
            .call(|_| family::remove_member(&device_id, Carrier::Transport(&transport), &secrets))?
            .recovery_text())
    }

    /// Records changed on two phones at once, waiting for someone to choose the right version
    /// (clinical-rules §11). The home screen shows them as one `SharedConflict` alert.
    pub fn shared_conflicts(&self) -> Result<Vec<SharedRecordConflict>, NephroError> {
        Ok(self
            .call(|store| store.shared_conflicts())?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Dose slots with slot dates from `from` to `to` (inclusive, `YYYY-MM-DD`) logged on more
    /// than one phone: possible double doses and taken-and-skipped disagreements
    /// (clinical-rules §11), never resolved automatically.
    pub fn double_dose_alerts(
        &self,
        from: String,
        to: String,
    ) -> Result<Vec<DoubleDoseAlert>, NephroError> {
        let (from, to) = (parse_date("from", &from)?, parse_date("to", &to)?);
        Ok(self
            .call(|store| store.slot_alerts(from, to))?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Before giving a dose with the phone online, what to send the relay to claim its slot
    /// (issue 16, clinical-rules §11; the request itself is the shell's, docs/relay.md): the
    /// slot's opaque token (hex, the claim's name on the relay) and who is giving it, sealed
    /// with the family's claim key, `at_ms` being now (UTC epoch ms). Every phone of the family
    /// makes the same token for the same slot; the relay learns neither. Refused naming
    /// `medication_id`, `slot_date`, `slot_time`, `at_ms`, or `secrets` when not shared.
    pub fn slot_claim(
        &self,
        medication_id: String,
        slot_date: String,
        slot_time: String,
        at_ms: i64,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<SlotClaimRequest, NephroError> {
        let secrets = ForeignSecrets(secrets);
        let slot = claim_slot(&medication_id, &slot_date, &slot_time)?;
        let claim = self.call(|store| {
            let membership = family::membership_in(&secrets)?;
            store.slot_claim(&membership, &slot.0, slot.1, at_ms)
        })?;
        Ok(SlotClaimRequest {
            token_hex: hex(&claim.token),
            sealed_holder: claim.sealed_holder,
        })
    }

    /// Who holds (or gave) a slot, from the sealed holder the relay answered a claim with:
    /// "being given by Mum (since 08:02)" or "given by Mum at 08:02". Refused naming `holder`
    /// when the bytes were not sealed by a member of this family for this slot.
    pub fn claim_holder(
        &self,
        medication_id: String,
        slot_date: String,
        slot_time: String,
        sealed_holder: Vec<u8>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<SlotClaimHolder, NephroError> {
        let secrets = ForeignSecrets(secrets);
        let slot = claim_slot(&medication_id, &slot_date, &slot_time)?;
        let holder = self.call(|store| {
            let membership = family::membership_in(&secrets)?;
            store.claim_holder(&membership, &slot.0, slot.1, &sealed_holder)
        })?;
        Ok(SlotClaimHolder {
            caregiver: holder.caregiver,
            device: holder.device,
            at_ms: holder.at_ms,
        })
    }
}

/// The sharing calls of every carrier, once (the shared folder or a shell's transport, and the
/// relay).
impl Diary {
    pub(crate) fn start_family(
        &self,
        caregiver: &str,
        carrier: Carrier,
        secrets: &dyn SecretStore,
    ) -> Result<String, NephroError> {
        let started = self.call(|store| store.start_family(caregiver, carrier, secrets))?;
        if let Err(error) = &started.first_sync {
            // The family has started: its recovery code is returned all the same (it is shown
            // only now); the failure reaches the diagnostics and the next sync sends the diary.
            crate::diagnostics::report_failure("start_sharing", error);
        }
        Ok(started.recovery.recovery_text())
    }

    pub(crate) fn enter_family(
        &self,
        entry: FamilyEntry,
        caregiver: &str,
        carrier: Carrier,
        secrets: &dyn SecretStore,
    ) -> Result<SyncSummary, NephroError> {
        Ok(self
            .call(|store| store.enter_family(entry, caregiver, carrier, secrets))?
            .1
            .into())
    }

    pub(crate) fn members_of_family(
        &self,
        carrier: Carrier,
        secrets: &dyn SecretStore,
    ) -> Result<Vec<FamilyMember>, NephroError> {
        let (membership, members) = self.call(|_| {
            Ok((
                family::membership_in(secrets)?,
                family::members(carrier, secrets)?,
            ))
        })?;
        let this_device = hex(&membership.device);
        Ok(members
            .into_iter()
            .map(|member| FamilyMember {
                is_this_device: member.device == this_device,
                device_id: member.device,
                caregiver: member.caregiver,
            })
            .collect())
    }
}

/// The medication and slot a claim names, read from the shell's text.
pub(crate) fn claim_slot(
    medication_id: &str,
    slot_date: &str,
    slot_time: &str,
) -> nephro_core::Result<(MedicationId, (NaiveDate, NaiveTime))> {
    Ok((
        MedicationId::parse("medication_id", medication_id)?,
        (
            parse_date("slot_date", slot_date)?,
            parse_clock_time("slot_time", slot_time)?,
        ),
    ))
}

/// What a phone sends the relay to claim a dose slot ([`Diary::slot_claim`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SlotClaimRequest {
    /// The slot's opaque token, hex: the claim's name on the relay.
    pub token_hex: String,
    /// Who is giving the dose, sealed with the family's claim key: the claim's body.
    pub sealed_holder: Vec<u8>,
}

/// Who holds or gave a claimed slot ([`Diary::claim_holder`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SlotClaimHolder {
    /// The caregiver, as they name themselves.
    pub caregiver: String,
    /// Their device's id, hex.
    pub device: String,
    /// When they claimed (or gave) the dose, UTC epoch ms on their phone.
    pub at_ms: i64,
}

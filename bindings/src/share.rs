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

use nephro_core::diary::parse_period;
use std::sync::Arc;

use nephro_core::diary::family::{
    self, parse_slot, Carrier, FamilyEntry, FamilyMember, StartedFamily,
};
use nephro_core::diary::sharing::{SharedRecordConflict, SlotClaim, SlotClaimHolder, SyncSummary};
use nephro_core::share::folder::FolderTransport;
use nephro_core::share::secrets::SecretStore;
use nephro_core::share::sync::Transport;
use nephro_core::store::StoredSlotAlert;
use nephro_core::Error;

use crate::{Diary, NephroError};

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

/// A [`ShareTransport`] over the folder at `path` (created if missing): each name is a file
/// under a folder that iCloud Drive, Google Drive, Syncthing or a USB stick carries between the
/// phones; each device writes its own numbered batch files, each written once, flushed and
/// renamed into place. An empty `path` is refused (`Validation` naming `path`).
#[uniffi::export]
pub fn folder_share_transport(path: String) -> Result<Arc<dyn ShareTransport>, NephroError> {
    if path.trim().is_empty() {
        return Err(Error::invalid("path", "is empty: give the shared folder's path").into());
    }
    Ok(Arc::new(FolderTransport::new(path)?))
}

/// The core's shared folder as the shells' transport.
impl ShareTransport for FolderTransport {
    fn put(&self, name: String, bytes: Vec<u8>) -> Result<(), ShareCallbackError> {
        Ok(Transport::put(self, &name, &bytes)?)
    }

    fn get(&self, name: String) -> Result<Option<Vec<u8>>, ShareCallbackError> {
        Ok(Transport::get(self, &name)?)
    }

    fn list(&self, prefix: String) -> Result<Vec<String>, ShareCallbackError> {
        Ok(Transport::list(self, &prefix)?)
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

impl ForeignTransport {
    /// The core's carrier of the family's batches over this transport.
    fn carrier(&self) -> Carrier<'_> {
        Carrier::Transport(self)
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
        let started =
            self.call(|store| store.start_family(&caregiver, transport.carrier(), &secrets))?;
        Ok(recovery_code_of(started))
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
        let invitation = self.call(|_| family::invite(transport.carrier(), &secrets))?;
        Ok(invitation.invitation_text())
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
        let entry = FamilyEntry::Invitation(&invitation);
        let (_, report) = self
            .call(|store| store.enter_family(entry, &caregiver, transport.carrier(), &secrets))?;
        Ok(report.into())
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
        let entry = FamilyEntry::Recovery(&recovery_code);
        let (_, report) = self
            .call(|store| store.enter_family(entry, &caregiver, transport.carrier(), &secrets))?;
        Ok(report.into())
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
        let report = self.call(|store| store.sync_with_family(transport.carrier(), &secrets))?;
        Ok(report.into())
    }

    /// The family's devices, ordered by device id.
    pub fn family_members(
        &self,
        transport: Arc<dyn ShareTransport>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<Vec<FamilyMember>, NephroError> {
        let (transport, secrets) = (ForeignTransport(transport), ForeignSecrets(secrets));
        Ok(self.call(|_| family::members(transport.carrier(), &secrets))?)
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
        let carrier = transport.carrier();
        let recovery = self.call(|_| family::remove_member(&device_id, carrier, &secrets))?;
        Ok(recovery.recovery_text())
    }

    /// Records changed on two phones at once, waiting for someone to choose the right version
    /// (clinical-rules §11). The home screen shows them as one `SharedConflict` alert.
    pub fn shared_conflicts(&self) -> Result<Vec<SharedRecordConflict>, NephroError> {
        Ok(self.call(|store| store.shared_record_conflicts())?)
    }

    /// Dose slots with slot dates from `from` to `to` (inclusive, `YYYY-MM-DD`) logged on more
    /// than one phone: possible double doses and taken-and-skipped disagreements
    /// (clinical-rules §11), never resolved automatically.
    pub fn double_dose_alerts(
        &self,
        from: String,
        to: String,
    ) -> Result<Vec<StoredSlotAlert>, NephroError> {
        let (from, to) = parse_period(&from, &to)?;
        Ok(self.call(|store| store.slot_alerts(from, to))?)
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
    ) -> Result<SlotClaim, NephroError> {
        let (medication, slot) = parse_slot(&medication_id, &slot_date, &slot_time)?;
        Ok(self
            .call(|store| store.slot_claim(&ForeignSecrets(secrets), &medication, slot, at_ms))?)
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
        let (medication, slot) = parse_slot(&medication_id, &slot_date, &slot_time)?;
        let secrets = ForeignSecrets(secrets);
        Ok(self.call(|store| store.claim_holder(&secrets, &medication, slot, &sealed_holder))?)
    }
}

/// The recovery code of a family just started, to show once. The family has started even when
/// its first sync failed: that failure reaches the diagnostics as `start_sharing`, and the next
/// sync sends the diary.
pub(crate) fn recovery_code_of(started: StartedFamily) -> String {
    if let Err(error) = &started.first_sync {
        crate::diagnostics::report_failure("start_sharing", error);
    }
    started.recovery.recovery_text()
}

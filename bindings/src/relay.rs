//! The relay across the FFI (issue 16, clinical-rules §11): the family's phones meet online, and
//! a caregiver about to give a dose claims its slot first, so the other is told "already given
//! by Mum at 20:02".
//!
//! The library does no networking: the shell implements [`RelayHttpClient`] with its own HTTP
//! stack (URLSession, OkHttp), and [`FamilyRelay`] pairs it with the relay's address. Every
//! sharing call then has a relay form: [`Diary::start_sharing_on_relay`],
//! [`Diary::invite_on_relay`], [`Diary::join_family_on_relay`],
//! [`Diary::recover_family_on_relay`], [`Diary::sync_family_on_relay`],
//! [`Diary::family_members_on_relay`], [`Diary::remove_family_member_on_relay`]; and the dose
//! flow gains [`Diary::claim_dose_slot`] before giving and [`Diary::end_dose_slot_claim`] after
//! logging (or when the dose is not given). The device's relay credential is kept in the
//! [`SecretStorage`] beside its membership. Everything decided is the core's
//! (`nephro_core::diary::family`, `nephro_core::share::relay`).

use std::sync::Arc;

use nephro_core::diary::family::{self, parse_slot, Carrier, FamilyEntry, FamilyMember};
use nephro_core::diary::sharing::SyncSummary;
use nephro_core::share::relay::{ClaimStatus, RelayClient, RelayHttp, RelayRequest, RelayResponse};
use nephro_core::share::relay_protocol::ClaimOutcome;

use crate::share::{
    foreign_failure, recovery_code_of, ForeignSecrets, SecretStorage, ShareCallbackError,
};
use crate::{Diary, NephroError};

/// The shell's HTTP client for the relay. `send` makes one request exactly as given (method,
/// URL, the `Authorization` and `Content-Type` headers when present, the body), follows no
/// redirect, times out after about 30 seconds, and returns the answer whatever its HTTP status.
/// Only a request that got no answer (offline, timeout, TLS failure) throws
/// [`ShareCallbackError`]; the call then fails with [`NephroError::Storage`] and nothing is
/// lost (the dose is logged offline as usual; the next sync catches a double dose). Called
/// synchronously on the thread of the sharing call. The `Authorization` value holds the
/// device's secret: never log it.
#[uniffi::export(with_foreign)]
pub trait RelayHttpClient: Send + Sync {
    /// Sends `request` and returns the relay's answer.
    fn send(&self, request: RelayRequest) -> Result<RelayResponse, ShareCallbackError>;
}

/// A shell's [`RelayHttpClient`] as the core's [`RelayHttp`].
struct ForeignHttp(Arc<dyn RelayHttpClient>);

impl RelayHttp for ForeignHttp {
    fn send(&self, request: RelayRequest) -> nephro_core::Result<RelayResponse> {
        self.0
            .send(request)
            .map_err(|e| foreign_failure("the relay's HTTP client", e))
    }
}

/// A relay (its address) and the shell's HTTP client that reaches it.
#[derive(uniffi::Object)]
pub struct FamilyRelay {
    client: RelayClient,
}

#[uniffi::export]
impl FamilyRelay {
    /// The relay at `address` (`https://relay.example.org`; `http://` only for a relay on the
    /// same machine or in tests), reached through `http`. Refused (`Validation` naming `relay`)
    /// when `address` is not such an address.
    #[uniffi::constructor]
    pub fn new(
        address: String,
        http: Arc<dyn RelayHttpClient>,
    ) -> Result<Arc<FamilyRelay>, NephroError> {
        let client = RelayClient::new(&address, Arc::new(ForeignHttp(http)))?;
        Ok(Arc::new(FamilyRelay { client }))
    }

    /// The relay's address, as given.
    pub fn address(&self) -> String {
        self.client.address().to_string()
    }
}

/// The relay's carrier for the core's sharing calls.
impl FamilyRelay {
    fn carrier(&self) -> Carrier<'_> {
        Carrier::Relay(&self.client)
    }
}

#[uniffi::export]
impl Diary {
    /// [`Diary::start_sharing`] through the relay: the family and this device's credential are
    /// registered there. Returns the recovery code to show once.
    pub fn start_sharing_on_relay(
        &self,
        caregiver: String,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<String, NephroError> {
        let secrets = ForeignSecrets(secrets);
        let started =
            self.call(|store| store.start_family(&caregiver, relay.carrier(), &secrets))?;
        Ok(recovery_code_of(started))
    }

    /// [`Diary::invite`] through the relay: the invitation's admission is registered there
    /// (used once, by the joining phone).
    pub fn invite_on_relay(
        &self,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<String, NephroError> {
        let secrets = ForeignSecrets(secrets);
        let invitation = self.call(|_| family::invite(relay.carrier(), &secrets))?;
        Ok(invitation.invitation_text())
    }

    /// [`Diary::join_family`] through the relay: this device registers its credential with the
    /// invitation (using it up) and receives the whole diary.
    pub fn join_family_on_relay(
        &self,
        invitation: String,
        caregiver: String,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<SyncSummary, NephroError> {
        let entry = FamilyEntry::Invitation(&invitation);
        let secrets = ForeignSecrets(secrets);
        let (_, report) =
            self.call(|store| store.enter_family(entry, &caregiver, relay.carrier(), &secrets))?;
        Ok(report.into())
    }

    /// [`Diary::recover_family`] through the relay, with the family's recovery code.
    pub fn recover_family_on_relay(
        &self,
        recovery_code: String,
        caregiver: String,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<SyncSummary, NephroError> {
        let entry = FamilyEntry::Recovery(&recovery_code);
        let secrets = ForeignSecrets(secrets);
        let (_, report) =
            self.call(|store| store.enter_family(entry, &caregiver, relay.carrier(), &secrets))?;
        Ok(report.into())
    }

    /// [`Diary::sync_family`] through the relay.
    pub fn sync_family_on_relay(
        &self,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<SyncSummary, NephroError> {
        let secrets = ForeignSecrets(secrets);
        let report = self.call(|store| store.sync_with_family(relay.carrier(), &secrets))?;
        Ok(report.into())
    }

    /// [`Diary::family_members`] through the relay.
    pub fn family_members_on_relay(
        &self,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<Vec<FamilyMember>, NephroError> {
        Ok(self.call(|_| family::members(relay.carrier(), &ForeignSecrets(secrets)))?)
    }

    /// [`Diary::remove_family_member`] through the relay: the removed device's credential is
    /// revoked there too. Returns the new recovery code to show once.
    pub fn remove_family_member_on_relay(
        &self,
        device_id: String,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<String, NephroError> {
        let (carrier, secrets) = (relay.carrier(), ForeignSecrets(secrets));
        let recovery = self.call(|_| family::remove_member(&device_id, carrier, &secrets))?;
        Ok(recovery.recovery_text())
    }

    /// Before giving a dose with the phone online, claims its slot on the relay
    /// (clinical-rules §11): `Granted` (give it now; log it, then call
    /// [`Diary::end_dose_slot_claim`] with `Taken`), `BeingGiven` (another caregiver claimed it:
    /// "being given by Mum since 20:01") or `Given` ("already given by Mum at 20:02"): do not
    /// give it. `now_ms` is the phone's clock (UTC epoch ms). Offline, the call fails
    /// (`Storage`): log the dose as usual; the next sync catches a double dose. Refused naming
    /// `medication_id`, `slot_date`, `slot_time`, `at_ms`, or `secrets` when this device did
    /// not join through the relay.
    pub fn claim_dose_slot(
        &self,
        medication_id: String,
        slot_date: String,
        slot_time: String,
        now_ms: i64,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<ClaimStatus, NephroError> {
        let (medication, slot) = parse_slot(&medication_id, &slot_date, &slot_time)?;
        let secrets = ForeignSecrets(secrets);
        Ok(self.call(|store| {
            store.claim_dose_slot(&relay.client, &secrets, &medication, slot, now_ms)
        })?)
    }

    /// Ends this device's claim on a dose slot: `Taken` after logging it as taken (the others
    /// are then told "already given"), `Skipped` after logging it as skipped, `Released` when
    /// it was not given (the child refused): another caregiver may give it. A claim not ended
    /// expires after the relay's policy (30 minutes).
    pub fn end_dose_slot_claim(
        &self,
        medication_id: String,
        slot_date: String,
        slot_time: String,
        outcome: ClaimOutcome,
        relay: Arc<FamilyRelay>,
        secrets: Arc<dyn SecretStorage>,
    ) -> Result<(), NephroError> {
        let (medication, slot) = parse_slot(&medication_id, &slot_date, &slot_time)?;
        let secrets = ForeignSecrets(secrets);
        Ok(self.call(|store| {
            store.end_dose_slot_claim(&relay.client, &secrets, &medication, slot, outcome)
        })?)
    }
}

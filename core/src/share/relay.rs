//! The relay's client (issue 16, docs/relay.md): the core's [`Transport`] over the relay, and
//! the calls the sharing protocol adds online (registering a family and its devices, invitations
//! and recovery codes, revoking a removed device, claiming and releasing dose slots).
//!
//! The core does no networking: every request goes through [`RelayHttp`], which the phones
//! implement with URLSession and OkHttp (through the bindings) and the CLI with `ureq`
//! (`nephro_relay::client`). Everything else — the paths, the credentials, the admission
//! tokens, the claim tokens and sealed holders, and what an answer means — is here, once.
//!
//! A family is started, joined or recovered in two steps, because the core picks the family's
//! and the device's ids while it writes: the protocol first runs on a [`RelayTransport`] that
//! reads through the relay (as an admitted device when joining) and keeps its writes; once the
//! ids are known the device registers its credential, then the kept writes are sent.

use std::cell::RefCell;
use std::sync::Arc;

use data_encoding::BASE64;

use crate::error::{ConflictKind, Error, Result};
use crate::share::claims::{ClaimHolder, ClaimKeys, SlotIdentity};
use crate::share::codes::FamilySecret;
use crate::share::relay_protocol::{
    self as protocol, AdmissionKind, Caller, ClaimAnswer, ClaimOutcome, PullPage,
    RegisterAdmission, RegisterDevice, RegisterFamily, ID_LEN, SECRET_LEN,
};
use crate::share::secrets::SecretStore;
use crate::share::sync::{Membership, Transport};

/// The secret (in the platform's secure storage, beside the membership) holding this device's
/// relay credential.
pub const RELAY_CREDENTIAL_SECRET: &str = "nephrodiary.relay_credential";

/// Largest answer body the client accepts from the relay (a page of batches), in bytes.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// One HTTP request to the relay, made by the shell's HTTP client ([`RelayHttp`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RelayRequest {
    /// `GET`, `PUT`, `POST` or `DELETE`.
    pub method: String,
    /// The whole URL (the relay's address, path and query).
    pub url: String,
    /// The `Authorization` header's value, when the request carries one. It holds the device's
    /// secret: never log it.
    pub authorization: Option<String>,
    /// The `Content-Type` header's value, when the request has a body.
    pub content_type: Option<String>,
    /// The body (empty when there is none).
    pub body: Vec<u8>,
}

/// The relay's answer, as the shell's HTTP client received it. Any HTTP status is an answer
/// (the core reads the relay's refusals); only a request that got no answer is a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RelayResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The body (at most [`MAX_ANSWER_BYTES`]).
    pub body: Vec<u8>,
}

/// An HTTP client that sends one request and returns the relay's answer: URLSession, OkHttp,
/// or `ureq` in the CLI. Redirects are not followed; a timeout of about 30 s is expected. A
/// request that got no answer (no network, timeout, TLS failure) is an [`Error::Io`] whose
/// text names no URL, id or token.
pub trait RelayHttp: Send + Sync {
    /// Sends `request` and returns the answer, whatever its status.
    fn send(&self, request: RelayRequest) -> Result<RelayResponse>;
}

/// A relay's address and the HTTP client that reaches it.
#[derive(Clone)]
pub struct RelayClient {
    http: Arc<dyn RelayHttp>,
    base: String,
}

impl std::fmt::Debug for RelayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RelayClient({})", self.base)
    }
}

/// A device's credential with the relay: its family, its id and its secret (kept in the
/// platform's secure storage beside the membership).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The family's id.
    pub family: [u8; ID_LEN],
    /// The device's id (the membership's).
    pub device: [u8; ID_LEN],
    /// The device's secret; the relay keeps only its SHA-256.
    pub secret: [u8; SECRET_LEN],
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential(..)")
    }
}

impl Credential {
    fn caller(&self) -> Caller {
        Caller::Device {
            family: self.family,
            device: self.device,
            secret: self.secret,
        }
    }

    /// This device's credential kept in `secrets`, if it has one.
    pub fn load(secrets: &dyn SecretStore) -> Result<Option<Credential>> {
        let Some(bytes) = secrets.load(RELAY_CREDENTIAL_SECRET)? else {
            return Ok(None);
        };
        let unreadable = || Error::invalid("secrets", "the stored relay credential cannot be read");
        Ok(Some(Credential {
            family: bytes
                .get(..ID_LEN)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(unreadable)?,
            device: bytes
                .get(ID_LEN..2 * ID_LEN)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(unreadable)?,
            secret: bytes
                .get(2 * ID_LEN..)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(unreadable)?,
        }))
    }

    /// This device's credential kept in `secrets`; refused, naming `secrets`, when it has none
    /// (the diary syncs through another carrier, or joined before the relay was used).
    pub fn require(secrets: &dyn SecretStore) -> Result<Credential> {
        Credential::load(secrets)?.ok_or_else(|| {
            Error::invalid(
                "secrets",
                "this device has no credential with the relay: join the family through the relay",
            )
        })
    }

    /// Keeps this credential in `secrets`, replacing the one there.
    pub fn save(&self, secrets: &dyn SecretStore) -> Result<()> {
        let mut bytes = Vec::with_capacity(2 * ID_LEN + SECRET_LEN);
        bytes.extend_from_slice(&self.family);
        bytes.extend_from_slice(&self.device);
        bytes.extend_from_slice(&self.secret);
        secrets.save(RELAY_CREDENTIAL_SECRET, &bytes)
    }

    /// A new credential for `membership`'s device (a fresh random secret).
    pub fn generate(membership: &Membership) -> Result<Credential> {
        Ok(Credential {
            family: membership.family,
            device: membership.device,
            secret: crate::share::crypto::random_bytes()?,
        })
    }
}

/// What a claim gave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ClaimStatus {
    /// This device holds the slot until it logs, releases, or the claim expires.
    Granted {
        /// When the claim ends by itself (relay clock, UTC epoch ms).
        expires_ms: i64,
    },
    /// Another caregiver is giving the dose ("being given by A since 08:02").
    BeingGiven {
        /// Who, as their device sealed it.
        holder: ClaimHolder,
        /// Since when (relay clock, UTC epoch ms).
        since_ms: i64,
    },
    /// Another caregiver logged it as taken ("given by A at 08:02").
    Given {
        /// Who, as their device sealed it.
        holder: ClaimHolder,
        /// When the log reached the relay (relay clock, UTC epoch ms).
        since_ms: i64,
    },
}

/// The relay's refusal as the core's error: the relay's reason names the field.
fn refused(status: u16, body: &[u8]) -> Error {
    let reason = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| format!("answered HTTP {status}"));
    Error::invalid("relay", format!("refused ({status}): {reason}"))
}

impl RelayClient {
    /// A client of the relay at `base` (`http://` or `https://`, e.g.
    /// `https://relay.example.org`) sending its requests through `http`. Refused naming `relay`
    /// when `base` is not such an address.
    pub fn new(base: &str, http: Arc<dyn RelayHttp>) -> Result<RelayClient> {
        let base = base.trim().trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or_else(|| Error::invalid("relay", "must be an http:// or https:// address"))?;
        if rest.is_empty() || rest.contains(['?', '#', ' ']) || rest.chars().any(char::is_control) {
            return Err(Error::invalid(
                "relay",
                "must be an address without query or fragment",
            ));
        }
        Ok(RelayClient {
            http,
            base: base.to_string(),
        })
    }

    /// The relay's address, as given (without a trailing `/`).
    pub fn address(&self) -> &str {
        &self.base
    }

    fn family_url(&self, family: &[u8; ID_LEN]) -> String {
        format!("{}/v1/families/{}", self.base, protocol::hex(family))
    }

    fn send(
        &self,
        method: &str,
        url: &str,
        caller: Option<&Caller>,
        body: Option<(&str, &[u8])>,
    ) -> Result<(u16, Vec<u8>)> {
        let request = RelayRequest {
            method: method.to_string(),
            url: url.to_string(),
            authorization: caller.map(Caller::header),
            content_type: body.map(|(content_type, _)| content_type.to_string()),
            body: body.map(|(_, bytes)| bytes.to_vec()).unwrap_or_default(),
        };
        let answer = self.http.send(request)?;
        if answer.body.len() > MAX_ANSWER_BYTES {
            return Err(Error::invalid("relay", "sent an answer too large to read"));
        }
        Ok((answer.status, answer.body))
    }

    fn expect_success(&self, (status, body): (u16, Vec<u8>)) -> Result<Vec<u8>> {
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(refused(status, &body))
        }
    }

    /// Registers the family of `credential` with it as the first device.
    pub fn register_family(&self, credential: &Credential) -> Result<()> {
        let body = serde_json::to_vec(&RegisterFamily {
            device: protocol::hex(&credential.device),
            verifier: protocol::hex(&protocol::verifier(&credential.secret)),
        })
        .map_err(|_| Error::invalid("body", "could not be encoded"))?;
        let url = self.family_url(&credential.family);
        self.expect_success(self.send("POST", &url, None, Some(("application/json", &body)))?)
            .map(drop)
    }

    /// Registers `credential` with the admission of an invitation or the recovery code.
    pub fn register_device(&self, admission: &Caller, credential: &Credential) -> Result<()> {
        let body = serde_json::to_vec(&RegisterDevice {
            device: protocol::hex(&credential.device),
            verifier: protocol::hex(&protocol::verifier(&credential.secret)),
        })
        .map_err(|_| Error::invalid("body", "could not be encoded"))?;
        let url = format!("{}/devices", self.family_url(&credential.family));
        self.expect_success(self.send(
            "POST",
            &url,
            Some(admission),
            Some(("application/json", &body)),
        )?)
        .map(drop)
    }

    /// Registers the admission of `secret` (an invitation, or the family's new recovery code).
    pub fn register_admission(
        &self,
        credential: &Credential,
        kind: AdmissionKind,
        secret: &FamilySecret,
    ) -> Result<()> {
        let token = protocol::admission_token(&secret.family, &secret.code.to_bytes());
        let body = serde_json::to_vec(&RegisterAdmission {
            kind,
            verifier: protocol::hex(&protocol::verifier(&token)),
        })
        .map_err(|_| Error::invalid("body", "could not be encoded"))?;
        let url = format!("{}/admissions", self.family_url(&credential.family));
        self.expect_success(self.send(
            "POST",
            &url,
            Some(&credential.caller()),
            Some(("application/json", &body)),
        )?)
        .map(drop)
    }

    /// Revokes the credential of `device` (hex), a device removed from the family.
    pub fn revoke(&self, credential: &Credential, device: &str) -> Result<()> {
        protocol::decode_hex::<ID_LEN>("device", device)
            .map_err(|r| Error::invalid(r.field, r.reason))?;
        let url = format!("{}/devices/{device}", self.family_url(&credential.family));
        self.expect_success(self.send("DELETE", &url, Some(&credential.caller()), None)?)
            .map(drop)
    }

    /// The family's batches after the server sequence `after`, in server order.
    pub fn pull_page(&self, credential: &Credential, after: i64) -> Result<PullPage> {
        let url = format!(
            "{}/batches?after={after}",
            self.family_url(&credential.family)
        );
        let body =
            self.expect_success(self.send("GET", &url, Some(&credential.caller()), None)?)?;
        serde_json::from_slice(&body).map_err(|_| Error::invalid("relay", "sent a malformed page"))
    }

    /// Claims a raw token with a sealed holder (the relay's answer as it came).
    pub fn claim_token(
        &self,
        credential: &Credential,
        token: &[u8; SECRET_LEN],
        sealed_holder: &[u8],
    ) -> Result<ClaimAnswer> {
        let url = format!(
            "{}/claims/{}",
            self.family_url(&credential.family),
            protocol::hex(token)
        );
        let (status, body) = self.send(
            "POST",
            &url,
            Some(&credential.caller()),
            Some(("application/octet-stream", sealed_holder)),
        )?;
        if status != 200 && status != 409 {
            return Err(refused(status, &body));
        }
        serde_json::from_slice(&body)
            .map_err(|_| Error::invalid("relay", "sent a malformed claim answer"))
    }

    /// Claims `slot` for `holder` (clinical-rules §11): granted, or who is giving or gave it.
    pub fn claim(
        &self,
        credential: &Credential,
        membership: &Membership,
        slot: &SlotIdentity,
        holder: &ClaimHolder,
    ) -> Result<ClaimStatus> {
        let keys = ClaimKeys::derive(&membership.family, membership.current_key()?);
        let token = keys.token(slot)?;
        let sealed = keys.seal_holder(&token, holder)?;
        let answer = self.claim_token(credential, &token.0, &sealed)?;
        if answer.granted {
            return Ok(ClaimStatus::Granted {
                expires_ms: answer.expires_ms,
            });
        }
        let sealed = BASE64
            .decode(answer.holder.as_bytes())
            .map_err(|_| Error::invalid("relay", "sent a malformed holder"))?;
        let holder = keys.open_holder(&token, &sealed)?;
        Ok(if answer.state == "given" {
            ClaimStatus::Given {
                holder,
                since_ms: answer.since_ms,
            }
        } else {
            ClaimStatus::BeingGiven {
                holder,
                since_ms: answer.since_ms,
            }
        })
    }

    /// Ends this device's claim on a raw token.
    pub fn end_claim_token(
        &self,
        credential: &Credential,
        token: &[u8; SECRET_LEN],
        outcome: ClaimOutcome,
    ) -> Result<()> {
        let outcome = match outcome {
            ClaimOutcome::Taken => "taken",
            ClaimOutcome::Skipped => "skipped",
            ClaimOutcome::Released => "released",
        };
        let url = format!(
            "{}/claims/{}?outcome={outcome}",
            self.family_url(&credential.family),
            protocol::hex(token)
        );
        self.expect_success(self.send("DELETE", &url, Some(&credential.caller()), None)?)
            .map(drop)
    }

    /// Ends this device's claim on `slot`: logged taken or skipped, or released.
    pub fn end_claim(
        &self,
        credential: &Credential,
        membership: &Membership,
        slot: &SlotIdentity,
        outcome: ClaimOutcome,
    ) -> Result<()> {
        let keys = ClaimKeys::derive(&membership.family, membership.current_key()?);
        self.end_claim_token(credential, &keys.token(slot)?.0, outcome)
    }

    /// Starts a family on this device, registered with the relay; returns the membership, its
    /// relay credential and the recovery code to print.
    pub fn create_family(&self, caregiver: &str) -> Result<(Membership, Credential, FamilySecret)> {
        let staging = RelayTransport::staging(self.clone(), None);
        let (membership, recovery) = Membership::create(caregiver, &staging)?;
        let credential = Credential::generate(&membership)?;
        self.register_family(&credential)?;
        staging.flush(&credential)?;
        self.register_admission(&credential, AdmissionKind::Recovery, &recovery)?;
        Ok((membership, credential, recovery))
    }

    /// Makes an invitation and registers its admission with the relay.
    pub fn invite(&self, credential: &Credential, membership: &Membership) -> Result<FamilySecret> {
        let secret = membership.invite(&self.transport(credential))?;
        self.register_admission(credential, AdmissionKind::Invitation, &secret)?;
        Ok(secret)
    }

    /// Joins a family with an invitation's text: reads the wrapped keys as an admitted device,
    /// registers this device's credential (using up the invitation), then publishes it.
    pub fn join(&self, invitation: &str, caregiver: &str) -> Result<(Membership, Credential)> {
        let secret = FamilySecret::parse_invitation(invitation)?;
        self.enter(&secret, |transport| {
            Membership::join(invitation, caregiver, transport)
        })
    }

    /// Restores a family on a new phone from its recovery code, as [`RelayClient::join`].
    pub fn recover(&self, recovery: &str, caregiver: &str) -> Result<(Membership, Credential)> {
        let secret = FamilySecret::parse_recovery(recovery)?;
        self.enter(&secret, |transport| {
            Membership::recover(recovery, caregiver, transport)
        })
    }

    fn enter(
        &self,
        secret: &FamilySecret,
        run: impl FnOnce(&RelayTransport) -> Result<Membership>,
    ) -> Result<(Membership, Credential)> {
        let admission = Caller::Admission {
            family: secret.family,
            token: protocol::admission_token(&secret.family, &secret.code.to_bytes()),
        };
        let staging = RelayTransport::staging(self.clone(), Some(admission.clone()));
        let membership = run(&staging)?;
        let credential = Credential::generate(&membership)?;
        self.register_device(&admission, &credential)?;
        staging.flush(&credential)?;
        Ok((membership, credential))
    }

    /// Removes a member device: a new key epoch (core), the new recovery code's admission, and
    /// the removed device's credential revoked. Returns the new recovery code to print.
    pub fn remove(
        &self,
        credential: &Credential,
        membership: &mut Membership,
        device: &str,
    ) -> Result<FamilySecret> {
        let recovery = membership.remove(device, &self.transport(credential))?;
        self.register_admission(credential, AdmissionKind::Recovery, &recovery)?;
        self.revoke(credential, device)?;
        Ok(recovery)
    }

    /// The core's transport over this relay, as `credential`'s device.
    pub fn transport(&self, credential: &Credential) -> RelayTransport {
        RelayTransport {
            client: self.clone(),
            family: credential.family,
            caller: Some(credential.caller()),
            staged: None,
        }
    }
}

/// Writes kept until the device is registered: names and bytes, in order.
type StagedWrites = RefCell<Vec<(String, Vec<u8>)>>;

/// The core's [`Transport`] over the relay: names `<family>/<rest>` become the family's blobs.
pub struct RelayTransport {
    client: RelayClient,
    family: [u8; ID_LEN],
    /// Who reads and writes (none before the family is registered: reads find nothing).
    caller: Option<Caller>,
    /// Writes kept until the device is registered.
    staged: Option<StagedWrites>,
}

impl RelayTransport {
    fn staging(client: RelayClient, reader: Option<Caller>) -> RelayTransport {
        RelayTransport {
            client,
            family: reader.as_ref().map_or([0; ID_LEN], |c| *c.family()),
            caller: reader,
            staged: Some(RefCell::new(Vec::new())),
        }
    }

    /// Sends the kept writes as the newly registered device.
    fn flush(&self, credential: &Credential) -> Result<()> {
        let live = self.client.transport(credential);
        let staged = self.staged.as_ref().map(|s| s.take()).unwrap_or_default();
        for (name, bytes) in staged {
            live.put(&name, &bytes)?;
        }
        Ok(())
    }

    /// The blob name of a transport name (without the family), checked to be this family's.
    fn relative<'a>(&self, name: &'a str) -> Result<&'a str> {
        let (family, rest) = name
            .split_once('/')
            .ok_or_else(|| Error::invalid("name", "is not a name of the sharing protocol"))?;
        if family != protocol::hex(&self.family) {
            return Err(Error::invalid("name", "is of another family"));
        }
        protocol::check_name(rest).map_err(|r| Error::invalid(r.field, r.reason))?;
        Ok(rest)
    }

    fn url(&self, rest: &str) -> String {
        format!("{}/blobs/{rest}", self.client.family_url(&self.family))
    }
}

impl Transport for RelayTransport {
    fn put(&self, name: &str, bytes: &[u8]) -> Result<()> {
        if let Some(staged) = &self.staged {
            // Before registration: kept, sent once the device is registered.
            staged.borrow_mut().push((name.to_string(), bytes.to_vec()));
            return Ok(());
        }
        let rest = self.relative(name)?;
        let (status, body) = self.client.send(
            "PUT",
            &self.url(rest),
            self.caller.as_ref(),
            Some(("application/octet-stream", bytes)),
        )?;
        match status {
            200..=299 => Ok(()),
            409 => Err(Error::conflict(ConflictKind::ClientIdReused, "shared_file")),
            _ => Err(refused(status, &body)),
        }
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>> {
        if let Some(staged) = &self.staged {
            if let Some((_, bytes)) = staged.borrow().iter().rev().find(|(n, _)| n == name) {
                return Ok(Some(bytes.clone()));
            }
        }
        let Some(caller) = &self.caller else {
            return Ok(None);
        };
        let rest = self.relative(name)?;
        let (status, body) = self
            .client
            .send("GET", &self.url(rest), Some(caller), None)?;
        match status {
            200 => Ok(Some(body)),
            404 if body.starts_with(b"{\"error\":\"name") => Ok(None),
            _ => Err(refused(status, &body)),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut names = std::collections::BTreeSet::new();
        if let Some(staged) = &self.staged {
            let folder = format!("{prefix}/");
            for (name, _) in staged.borrow().iter() {
                if let Some(rest) = name.strip_prefix(&folder) {
                    if let Some(first) = rest.split('/').next() {
                        names.insert(first.to_string());
                    }
                }
            }
        }
        if let Some(caller) = &self.caller {
            let rest = self.relative(prefix)?;
            let url = format!(
                "{}/list?prefix={rest}",
                self.client.family_url(&self.family)
            );
            let body =
                self.client
                    .expect_success(self.client.send("GET", &url, Some(caller), None)?)?;
            let listed: Vec<String> = serde_json::from_slice(&body)
                .map_err(|_| Error::invalid("relay", "sent a malformed listing"))?;
            names.extend(listed);
        }
        Ok(names.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Answers every request with one canned answer and keeps the requests.
    struct Canned {
        answer: RelayResponse,
        requests: Mutex<Vec<RelayRequest>>,
    }

    impl RelayHttp for Canned {
        fn send(&self, request: RelayRequest) -> Result<RelayResponse> {
            self.requests.lock().unwrap().push(request);
            Ok(self.answer.clone())
        }
    }

    fn canned(status: u16, body: &[u8]) -> Arc<Canned> {
        Arc::new(Canned {
            answer: RelayResponse {
                status,
                body: body.to_vec(),
            },
            requests: Mutex::new(Vec::new()),
        })
    }

    fn credential() -> Credential {
        Credential {
            family: [1; ID_LEN],
            device: [2; ID_LEN],
            secret: [3; SECRET_LEN],
        }
    }

    #[test]
    fn only_http_addresses_without_query_are_relays() {
        let http = canned(200, b"");
        for bad in [
            "",
            "relay.example.org",
            "ftp://relay.example.org",
            "https://",
            "https://relay.example.org/?x=1",
            "https://relay.example.org/#a",
            "https://relay example.org",
            "https://relay.exa\u{7}mple.org",
        ] {
            let error = RelayClient::new(bad, http.clone()).unwrap_err();
            assert!(
                matches!(&error, Error::Invalid { field, .. } if field == "relay"),
                "{bad:?}: {error:?}"
            );
        }
        let client = RelayClient::new(" https://relay.example.org/ ", http).unwrap();
        assert_eq!(client.address(), "https://relay.example.org");
    }

    #[test]
    fn a_pull_names_the_family_and_carries_the_credential_only_in_its_header() {
        let http = canned(200, br#"{"batches":[],"next":7}"#);
        let client = RelayClient::new("http://127.0.0.1:9", http.clone()).unwrap();
        let page = client.pull_page(&credential(), 3).unwrap();
        assert_eq!(page.next, 7);
        let requests = http.requests.lock().unwrap();
        let [request] = requests.as_slice() else {
            panic!("one request: {requests:?}")
        };
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.url,
            format!(
                "http://127.0.0.1:9/v1/families/{}/batches?after=3",
                "01".repeat(ID_LEN)
            )
        );
        let secret = "03".repeat(SECRET_LEN);
        assert!(request.authorization.as_deref().unwrap().ends_with(&secret));
        assert!(!request.url.contains(&secret));
        assert!(request.body.is_empty() && request.content_type.is_none());
    }

    #[test]
    fn refusals_and_garbage_answers_are_errors_naming_the_relay() {
        let refusing = canned(403, br#"{"error":"invalid authorization: revoked"}"#);
        let client = RelayClient::new("http://127.0.0.1:9", refusing).unwrap();
        let error = client.pull_page(&credential(), 0).unwrap_err();
        assert!(
            matches!(&error, Error::Invalid { field, reason } if field == "relay" && reason.contains("403") && reason.contains("revoked")),
            "{error:?}"
        );
        let garbage = canned(200, b"\xff\xfe not json");
        let client = RelayClient::new("http://127.0.0.1:9", garbage).unwrap();
        assert!(matches!(
            client.pull_page(&credential(), 0),
            Err(Error::Invalid { field, .. }) if field == "relay"
        ));
        let oversized = canned(200, &vec![b' '; MAX_ANSWER_BYTES + 1]);
        let client = RelayClient::new("http://127.0.0.1:9", oversized).unwrap();
        assert!(matches!(
            client.pull_page(&credential(), 0),
            Err(Error::Invalid { field, .. }) if field == "relay"
        ));
    }

    #[test]
    fn a_transport_name_of_another_family_never_reaches_the_relay() {
        let http = canned(200, b"");
        let client = RelayClient::new("http://127.0.0.1:9", http.clone()).unwrap();
        let transport = client.transport(&credential());
        let other = format!("{}/members/00000001/x", "09".repeat(ID_LEN));
        assert!(transport.put(&other, b"sealed").is_err());
        assert!(transport.get("../etc/passwd").is_err());
        assert!(http.requests.lock().unwrap().is_empty());
    }
}

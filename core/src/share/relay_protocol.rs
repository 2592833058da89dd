//! What the relay and its clients agree on, and the decoding of everything a request carries
//! (pure: no network, no database; fuzzed by `fuzz/fuzz_targets/relay_request.rs`).
//!
//! - **Credentials.** A device authenticates with `Authorization: Nephro <family>.<device>.<secret>`
//!   (hex): ids as the sharing protocol gives them, the secret 32 random bytes the device keeps.
//!   The relay stores only the SHA-256 of the secret (the *verifier*).
//! - **Admissions.** A device that is not yet registered proves it holds an invitation or a
//!   recovery code with an *admission token*: HKDF-SHA256 (RFC 5869) of the code, salted with the
//!   family id, under its own `info`, so the token opens nothing the code opens. The member that
//!   issues the code registers the token's SHA-256 with the relay; the new device presents the
//!   token (`Authorization: NephroAdmission <family>.<token>`) to read the family's wrapped keys and
//!   to register its credential. An invitation's admission is used once; a recovery admission
//!   stays until the next recovery code replaces it.
//! - **Names.** A blob's name is the sharing protocol's name without the family prefix: parts of
//!   ASCII letters, digits and `-`, separated by `/`. Batches (`batches/<device>/<epoch>-<seq>`)
//!   also get a server sequence, for pulls by cursor.

use data_encoding::HEXLOWER;
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bytes of a family or device id (the sharing protocol's).
pub const ID_LEN: usize = 16;
/// Bytes of a device's secret, an admission token, a verifier and a claim token.
pub const SECRET_LEN: usize = 32;
/// Longest blob name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 200;
/// Most parts (`/`-separated) a blob name may have.
pub const MAX_NAME_PARTS: usize = 6;
/// Longest sealed claim holder accepted, in bytes.
pub const MAX_HOLDER_LEN: usize = 1024;
/// HKDF `info` of an admission token.
const ADMISSION_INFO: &[u8] = b"nephrodiary relay admission v1";

/// Why a request was refused while decoding it: the field at fault and the reason. Never
/// carries the field's value (it may be a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The field at fault (`authorization`, `name`, `body.device`, ...).
    pub field: &'static str,
    /// Why, in plain words.
    pub reason: &'static str,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid {}: {}", self.field, self.reason)
    }
}

impl std::error::Error for Refusal {}

fn refuse<T>(field: &'static str, reason: &'static str) -> Result<T, Refusal> {
    Err(Refusal { field, reason })
}

/// The `N` bytes a lowercase hex text encodes.
pub fn decode_hex<const N: usize>(field: &'static str, text: &str) -> Result<[u8; N], Refusal> {
    if text.len() != 2 * N {
        return refuse(field, "has the wrong length");
    }
    let bytes = HEXLOWER
        .decode(text.as_bytes())
        .or_else(|_| refuse(field, "is not lowercase hex"))?;
    bytes
        .try_into()
        .or_else(|_| refuse(field, "has the wrong length"))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    HEXLOWER.encode(bytes)
}

/// SHA-256 of a secret: what the relay stores in place of a device secret or admission token.
pub fn verifier(secret: &[u8; SECRET_LEN]) -> [u8; SECRET_LEN] {
    Sha256::digest(secret).into()
}

/// The admission token of an invitation's or recovery code's secret bytes, for `family`.
pub fn admission_token(family: &[u8; ID_LEN], code: &[u8; SECRET_LEN]) -> [u8; SECRET_LEN] {
    let mut token = [0u8; SECRET_LEN];
    // 32 bytes is far below HKDF-SHA256's limit (255 × 32), so expand cannot fail.
    Hkdf::<Sha256>::new(Some(family), code)
        .expand(ADMISSION_INFO, &mut token)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    token
}

/// Who a request says it comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Caller {
    /// A registered device and its secret.
    Device {
        /// The family's id.
        family: [u8; ID_LEN],
        /// The device's id.
        device: [u8; ID_LEN],
        /// The device's secret (compared by its verifier).
        secret: [u8; SECRET_LEN],
    },
    /// A device holding an admission token (an invitation or a recovery code) of a family.
    Admission {
        /// The family's id.
        family: [u8; ID_LEN],
        /// The admission token.
        token: [u8; SECRET_LEN],
    },
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets and ids stay out of logs.
        match self {
            Caller::Device { .. } => write!(f, "Caller::Device(..)"),
            Caller::Admission { .. } => write!(f, "Caller::Admission(..)"),
        }
    }
}

impl Caller {
    /// The family the caller speaks for.
    pub fn family(&self) -> &[u8; ID_LEN] {
        match self {
            Caller::Device { family, .. } | Caller::Admission { family, .. } => family,
        }
    }

    /// The `Authorization` header value that carries this caller.
    pub fn header(&self) -> String {
        match self {
            Caller::Device {
                family,
                device,
                secret,
            } => format!("Nephro {}.{}.{}", hex(family), hex(device), hex(secret)),
            Caller::Admission { family, token } => {
                format!("NephroAdmission {}.{}", hex(family), hex(token))
            }
        }
    }
}

/// Decodes an `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<Caller, Refusal> {
    const FIELD: &str = "authorization";
    if value.len() > 256 {
        return refuse(FIELD, "is too long");
    }
    let (scheme, rest) = value.split_once(' ').ok_or(Refusal {
        field: FIELD,
        reason: "has no scheme",
    })?;
    let parts: Vec<&str> = rest.split('.').collect();
    match (scheme, parts.as_slice()) {
        ("Nephro", [family, device, secret]) => Ok(Caller::Device {
            family: decode_hex(FIELD, family)?,
            device: decode_hex(FIELD, device)?,
            secret: decode_hex(FIELD, secret)?,
        }),
        ("NephroAdmission", [family, token]) => Ok(Caller::Admission {
            family: decode_hex(FIELD, family)?,
            token: decode_hex(FIELD, token)?,
        }),
        ("Nephro" | "NephroAdmission", _) => refuse(FIELD, "does not have the scheme's parts"),
        _ => refuse(FIELD, "has an unknown scheme"),
    }
}

/// Where a blob name puts its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobName {
    /// A device's batch: `batches/<device>/<epoch>-<sequence>` (8 and 16 hex digits).
    Batch {
        /// The writing device.
        device: [u8; ID_LEN],
        /// The key epoch.
        epoch: u32,
        /// The device's sequence number.
        sequence: u64,
    },
    /// Anything else of the protocol (members, wrapped keys, invitations, recovery, closed
    /// epochs): stored once under its name.
    Other(String),
}

/// Checks a name (or a listing's prefix): 1 to [`MAX_NAME_PARTS`] non-empty parts of ASCII
/// letters, digits and `-`, at most [`MAX_NAME_LEN`] bytes.
pub fn check_name(name: &str) -> Result<(), Refusal> {
    const FIELD: &str = "name";
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return refuse(FIELD, "must be 1 to 200 bytes");
    }
    let parts = name.split('/');
    let mut count = 0;
    for part in parts {
        count += 1;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return refuse(
                FIELD,
                "must be parts of letters, digits and '-' separated by '/'",
            );
        }
    }
    if count > MAX_NAME_PARTS {
        return refuse(FIELD, "has too many parts");
    }
    Ok(())
}

/// Decodes a blob's name (relative to its family).
pub fn parse_blob_name(name: &str) -> Result<BlobName, Refusal> {
    check_name(name)?;
    let parts: Vec<&str> = name.split('/').collect();
    if parts[0] != "batches" {
        return Ok(BlobName::Other(name.to_string()));
    }
    let [_, device, position] = parts.as_slice() else {
        return refuse(
            "name",
            "a batch is named batches/<device>/<epoch>-<sequence>",
        );
    };
    let (epoch, sequence) = position.split_once('-').ok_or(Refusal {
        field: "name",
        reason: "a batch is named batches/<device>/<epoch>-<sequence>",
    })?;
    if epoch.len() != 8 || sequence.len() != 16 {
        return refuse(
            "name",
            "a batch's epoch and sequence are 8 and 16 hex digits",
        );
    }
    Ok(BlobName::Batch {
        device: decode_hex("name", device)?,
        epoch: u32::from_be_bytes(decode_hex("name", epoch)?),
        sequence: u64::from_be_bytes(decode_hex("name", sequence)?),
    })
}

/// Registers a family with its first device (`POST /v1/families/<family>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterFamily {
    /// The first device's id, hex.
    pub device: String,
    /// SHA-256 of the device's secret, hex.
    pub verifier: String,
}

/// Registers a device admitted by an invitation or recovery code
/// (`POST /v1/families/<family>/devices`, authorized by the admission).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterDevice {
    /// The new device's id, hex.
    pub device: String,
    /// SHA-256 of the device's secret, hex.
    pub verifier: String,
}

/// What kind of code an admission belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdmissionKind {
    /// An invitation: used once, expires.
    Invitation,
    /// The family's recovery code: replaces the previous one's admission.
    Recovery,
}

impl AdmissionKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AdmissionKind::Invitation => "invitation",
            AdmissionKind::Recovery => "recovery",
        }
    }
}

/// Registers an admission (`POST /v1/families/<family>/admissions`, by a member device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterAdmission {
    /// Invitation or recovery.
    pub kind: AdmissionKind,
    /// SHA-256 of the admission token, hex.
    pub verifier: String,
}

/// How a claim ends (`DELETE /v1/families/<family>/claims/<token>?outcome=...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ClaimOutcome {
    /// The holder logged the dose as taken: the slot is done, later claims are told so.
    Taken,
    /// The holder logged the dose as skipped: the slot is free again.
    Skipped,
    /// The holder let go (the child refused, the app was closed): the slot is free again.
    Released,
}

/// The relay's answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimAnswer {
    /// Whether this device now holds the claim.
    pub granted: bool,
    /// `held` (being given) or `given` (logged as taken).
    pub state: String,
    /// The sealed holder (base64) as its device sent it.
    pub holder: String,
    /// Since when (the relay's clock, UTC epoch ms).
    pub since_ms: i64,
    /// When the claim ends by itself (UTC epoch ms).
    pub expires_ms: i64,
}

/// One batch of a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulledBatch {
    /// The family's server sequence of the batch (the next pull's cursor).
    pub server_sequence: i64,
    /// Its name, relative to the family.
    pub name: String,
    /// The sealed batch, base64.
    pub body: String,
}

/// A page of a pull by cursor (`GET /v1/families/<family>/batches?after=N`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullPage {
    /// Batches after the cursor, in server order.
    pub batches: Vec<PulledBatch>,
    /// The cursor to pass next.
    pub next: i64,
}

/// Decodes a JSON request body, refusing unknown fields and anything not JSON.
pub fn decode_json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body).or_else(|_| refuse("body", "is not the expected JSON"))
}

/// A registration's device id and verifier, decoded.
pub fn decode_registration(
    device: &str,
    verifier: &str,
) -> Result<([u8; ID_LEN], [u8; SECRET_LEN]), Refusal> {
    Ok((
        decode_hex("body.device", device)?,
        decode_hex("body.verifier", verifier)?,
    ))
}

/// A claim token in a path, decoded.
pub fn parse_claim_token(text: &str) -> Result<[u8; SECRET_LEN], Refusal> {
    decode_hex("token", text)
}

/// A sealed holder in a claim's body: 1 to [`MAX_HOLDER_LEN`] bytes.
pub fn check_holder(body: &[u8]) -> Result<(), Refusal> {
    if body.is_empty() || body.len() > MAX_HOLDER_LEN {
        return refuse("body", "a sealed holder is 1 to 1024 bytes");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_header_round_trips_and_its_debug_hides_the_secret() {
        let caller = Caller::Device {
            family: [1; ID_LEN],
            device: [2; ID_LEN],
            secret: [3; SECRET_LEN],
        };
        assert_eq!(parse_authorization(&caller.header()).unwrap(), caller);
        assert!(!format!("{caller:?}").contains("0303"));
        let admission = Caller::Admission {
            family: [1; ID_LEN],
            token: [4; SECRET_LEN],
        };
        assert_eq!(parse_authorization(&admission.header()).unwrap(), admission);
    }

    #[test]
    fn malformed_headers_are_refused_by_field() {
        for bad in [
            "",
            "Nephro",
            "Basic abc",
            "Nephro 00.11.22",
            "Nephro a.b",
            "NephroAdmission 0101010101010101010101010101010G.00",
        ] {
            let refusal = parse_authorization(bad).unwrap_err();
            assert_eq!(refusal.field, "authorization", "{bad}");
        }
    }

    #[test]
    fn batch_names_are_decoded_and_other_names_kept() {
        let name = format!("batches/{}/00000002-000000000000000a", "ab".repeat(16));
        assert_eq!(
            parse_blob_name(&name).unwrap(),
            BlobName::Batch {
                device: [0xab; ID_LEN],
                epoch: 2,
                sequence: 10
            }
        );
        assert_eq!(
            parse_blob_name("members/00000001/ab").unwrap(),
            BlobName::Other("members/00000001/ab".into())
        );
        for bad in [
            "",
            "a//b",
            "../x",
            "a/b c",
            "batches/ab/1-2",
            "batches/x",
            "a/b/c/d/e/f/g",
        ] {
            assert!(parse_blob_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_admission_token_is_hkdf_of_the_code_and_differs_per_family() {
        let a = admission_token(&[1; ID_LEN], &[9; SECRET_LEN]);
        let mut expected = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&[1u8; ID_LEN]), &[9u8; SECRET_LEN])
            .expand(b"nephrodiary relay admission v1", &mut expected)
            .unwrap();
        assert_eq!(a, expected);
        assert_ne!(a, admission_token(&[2; ID_LEN], &[9; SECRET_LEN]));
        assert_ne!(a, [9; SECRET_LEN]);
        assert_eq!(verifier(&a), <[u8; 32]>::from(Sha256::digest(a)));
    }

    #[test]
    fn bodies_with_unknown_fields_or_garbage_are_refused() {
        assert!(decode_json::<RegisterFamily>(b"{\"device\":\"a\",\"verifier\":\"b\"}").is_ok());
        assert!(decode_json::<RegisterFamily>(b"{\"device\":\"a\"}").is_err());
        assert!(
            decode_json::<RegisterFamily>(b"{\"device\":\"a\",\"verifier\":\"b\",\"x\":1}")
                .is_err()
        );
        assert!(decode_json::<RegisterAdmission>(b"\xff\x00").is_err());
        assert!(check_holder(&[]).is_err());
        assert!(check_holder(&[0; MAX_HOLDER_LEN + 1]).is_err());
    }
}

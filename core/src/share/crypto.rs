//! The cryptography of shared care (issue 15), all of it from maintained crates:
//!
//! - a **batch** of changes travels sealed with XChaCha20-Poly1305 (RustCrypto) under the
//!   family key of one key epoch, with a random 192-bit nonce; its header (family, epoch,
//!   device, sequence) is authenticated as associated data, so a batch moved to another family,
//!   epoch, device or position is refused;
//! - the **family keys** (of every epoch so far) reach a device wrapped with HPKE (RFC 9180,
//!   base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; the `hpke` crate)
//!   to that device's public key, or to a key pair derived (RFC 9180 `DeriveKeyPair`) from a
//!   one-time **secret code**: the invitation a caregiver shows as a QR code, or the recovery
//!   code printed once.
//!
//! Nothing here reads a clock or the store; randomness comes from the operating system.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};

use crate::error::{Error, Result};

/// Bytes of a family key, a device's secret key and a secret code.
pub const KEY_LEN: usize = 32;
/// Bytes of a family id and a device id (random, opaque).
pub const ID_LEN: usize = 16;
/// The first bytes of every sealed batch: the format and its version.
pub const BATCH_MAGIC: &[u8; 4] = b"NDB1";
/// Bytes of a batch's header: magic, family, epoch, device, sequence.
pub const BATCH_HEADER_LEN: usize = 4 + ID_LEN + 4 + ID_LEN + 8;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// HPKE `info` of a wrapped family key: binds the wrapping to this use.
const WRAP_INFO: &[u8] = b"nephrodiary family key v1";
/// Bytes of HPKE's encapsulated key (an X25519 public key).
const ENCAPPED_LEN: usize = 32;

type Kem = X25519HkdfSha256;

/// Fills `N` bytes from the operating system's random number generator.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|_| Error::invalid("random", "the system's random number generator failed"))?;
    Ok(bytes)
}

/// A family's symmetric key for one key epoch: every batch of that epoch is sealed with it.
/// A caregiver's removal starts a new epoch with a new key.
#[derive(Clone, PartialEq, Eq)]
pub struct FamilyKey {
    /// The key epoch, from 1.
    pub epoch: u32,
    bytes: [u8; KEY_LEN],
}

impl std::fmt::Debug for FamilyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key itself never reaches a log.
        write!(f, "FamilyKey {{ epoch: {} }}", self.epoch)
    }
}

impl FamilyKey {
    /// A new random key for `epoch`.
    pub fn generate(epoch: u32) -> Result<FamilyKey> {
        Ok(FamilyKey {
            epoch,
            bytes: random_bytes()?,
        })
    }

    /// The key of `epoch` from its bytes (as kept in the platform's secure storage).
    pub fn from_bytes(epoch: u32, bytes: [u8; KEY_LEN]) -> FamilyKey {
        FamilyKey { epoch, bytes }
    }

    /// The key's bytes, for the platform's secure storage only.
    pub fn to_bytes(&self) -> [u8; KEY_LEN] {
        self.bytes
    }
}

/// Who wrote a batch and where it sits in that device's sequence: the authenticated, readable
/// part of a sealed batch (random ids and counters; no name, date or drug).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchHeader {
    /// The family's random id.
    pub family: [u8; ID_LEN],
    /// The key epoch the batch is sealed under.
    pub epoch: u32,
    /// The writing device's random id.
    pub device: [u8; ID_LEN],
    /// The batch's number in the device's sequence, from 1.
    pub sequence: u64,
}

impl BatchHeader {
    fn to_bytes(self) -> [u8; BATCH_HEADER_LEN] {
        let mut out = [0u8; BATCH_HEADER_LEN];
        out[..4].copy_from_slice(BATCH_MAGIC);
        out[4..20].copy_from_slice(&self.family);
        out[20..24].copy_from_slice(&self.epoch.to_be_bytes());
        out[24..40].copy_from_slice(&self.device);
        out[40..48].copy_from_slice(&self.sequence.to_be_bytes());
        out
    }

    /// Reads the header of a sealed batch without opening it (a transport routes by it).
    /// Refuses bytes that are not a batch of this format (`batch`).
    pub fn read(sealed: &[u8]) -> Result<BatchHeader> {
        if sealed.len() < BATCH_HEADER_LEN + NONCE_LEN + TAG_LEN
            || &sealed[..4] != BATCH_MAGIC.as_slice()
        {
            return Err(Error::invalid("batch", "is not a NephroDiary batch"));
        }
        let id = |r: std::ops::Range<usize>| {
            let mut out = [0u8; ID_LEN];
            out.copy_from_slice(&sealed[r]);
            out
        };
        let mut epoch = [0u8; 4];
        epoch.copy_from_slice(&sealed[20..24]);
        let mut sequence = [0u8; 8];
        sequence.copy_from_slice(&sealed[40..48]);
        Ok(BatchHeader {
            family: id(4..20),
            epoch: u32::from_be_bytes(epoch),
            device: id(24..40),
            sequence: u64::from_be_bytes(sequence),
        })
    }
}

/// Seals `plaintext` as the batch `header` under `key` (whose epoch must be the header's).
pub fn seal_batch(key: &FamilyKey, header: BatchHeader, plaintext: &[u8]) -> Result<Vec<u8>> {
    if key.epoch != header.epoch {
        return Err(Error::invalid("epoch", "the key is of another epoch"));
    }
    let head = header.to_bytes();
    let nonce_bytes: [u8; NONCE_LEN] = random_bytes()?;
    let cipher = XChaCha20Poly1305::new(&key.bytes.into());
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce_bytes),
            Payload {
                msg: plaintext,
                aad: &head,
            },
        )
        .map_err(|_| Error::invalid("batch", "could not be sealed"))?;
    let mut out = Vec::with_capacity(BATCH_HEADER_LEN + NONCE_LEN + sealed.len());
    out.extend_from_slice(&head);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens a sealed batch of the family `family` with the key of its epoch among `keys`.
/// Refuses, changing nothing, a batch of another family, of an epoch whose key this device does
/// not hold (a device removed before it was written), and any altered byte (`batch`).
pub fn open_batch(
    family: &[u8; ID_LEN],
    keys: &[FamilyKey],
    sealed: &[u8],
) -> Result<(BatchHeader, Vec<u8>)> {
    let header = BatchHeader::read(sealed)?;
    if &header.family != family {
        return Err(Error::invalid("batch", "belongs to another family"));
    }
    let key = keys
        .iter()
        .find(|k| k.epoch == header.epoch)
        .ok_or_else(|| Error::invalid("batch", "is sealed with a key this device does not hold"))?;
    let (head, rest) = sealed.split_at(BATCH_HEADER_LEN);
    let (nonce, body) = rest.split_at(NONCE_LEN);
    let mut nonce_bytes = [0u8; NONCE_LEN];
    nonce_bytes.copy_from_slice(nonce);
    let plaintext = XChaCha20Poly1305::new(&key.bytes.into())
        .decrypt(
            &XNonce::from(nonce_bytes),
            Payload {
                msg: body,
                aad: head,
            },
        )
        .map_err(|_| Error::invalid("batch", "failed authentication (altered or not ours)"))?;
    Ok((header, plaintext))
}

/// A device's key pair for receiving the family key (X25519). The secret stays in the
/// platform's secure storage.
#[derive(Clone)]
pub struct DeviceKeys {
    secret: [u8; KEY_LEN],
    /// The public key, shared with the family.
    pub public: [u8; KEY_LEN],
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKeys {{ public: {:02x?} }}", &self.public[..4])
    }
}

impl DeviceKeys {
    /// A new random key pair.
    pub fn generate() -> DeviceKeys {
        let (secret, public) = Kem::gen_keypair();
        DeviceKeys::of(&secret, &public)
    }

    /// The key pair RFC 9180's `DeriveKeyPair` makes from a secret code: whoever holds the code
    /// can unwrap what was wrapped to its public key.
    pub fn from_code(code: &SecretCode) -> DeviceKeys {
        let (secret, public) = Kem::derive_keypair(&code.0);
        DeviceKeys::of(&secret, &public)
    }

    /// The key pair from its secret key's bytes (as kept in secure storage).
    pub fn from_secret(secret: [u8; KEY_LEN]) -> Result<DeviceKeys> {
        let private = <Kem as hpke::Kem>::PrivateKey::from_bytes(&secret)
            .map_err(|_| Error::invalid("device_key", "is not an X25519 secret key"))?;
        let public = <Kem as hpke::Kem>::sk_to_pk(&private);
        Ok(DeviceKeys::of(&private, &public))
    }

    /// The secret key's bytes, for the platform's secure storage only.
    pub fn secret_bytes(&self) -> [u8; KEY_LEN] {
        self.secret
    }

    fn of(
        secret: &<Kem as hpke::Kem>::PrivateKey,
        public: &<Kem as hpke::Kem>::PublicKey,
    ) -> DeviceKeys {
        let mut s = [0u8; KEY_LEN];
        s.copy_from_slice(&secret.to_bytes());
        let mut p = [0u8; KEY_LEN];
        p.copy_from_slice(&public.to_bytes());
        DeviceKeys {
            secret: s,
            public: p,
        }
    }
}

/// A one-time secret (an invitation, a recovery code): 32 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretCode(pub(crate) [u8; KEY_LEN]);

impl std::fmt::Debug for SecretCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretCode(..)")
    }
}

impl SecretCode {
    /// A new random code.
    pub fn generate() -> Result<SecretCode> {
        Ok(SecretCode(random_bytes()?))
    }

    /// The code from its bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> SecretCode {
        SecretCode(bytes)
    }

    /// The code's bytes.
    pub fn to_bytes(&self) -> [u8; KEY_LEN] {
        self.0
    }
}

/// Wraps the family's keys (every epoch it has had, so that a joining or recovering device can
/// read the whole diary) to a device's (or a secret code's) public key with HPKE; the family id
/// is authenticated with them.
pub fn wrap_keys(
    recipient: &[u8; KEY_LEN],
    family: &[u8; ID_LEN],
    keys: &[FamilyKey],
) -> Result<Vec<u8>> {
    if keys.is_empty() {
        return Err(Error::invalid("keys", "there is no key to wrap"));
    }
    let public = <Kem as hpke::Kem>::PublicKey::from_bytes(recipient)
        .map_err(|_| Error::invalid("device_key", "is not an X25519 public key"))?;
    let mut plain = Vec::with_capacity(keys.len() * (4 + KEY_LEN));
    for key in keys {
        plain.extend_from_slice(&key.epoch.to_be_bytes());
        plain.extend_from_slice(&key.bytes);
    }
    let (encapped, sealed) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeS::Base,
        &public,
        WRAP_INFO,
        &plain,
        family,
    )
    .map_err(|_| Error::invalid("device_key", "could not wrap the family keys to it"))?;
    let mut out = Vec::with_capacity(ENCAPPED_LEN + sealed.len());
    out.extend_from_slice(&encapped.to_bytes());
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Unwraps the family's keys wrapped to `keys`, oldest epoch first. Refuses a wrapping for
/// another device or family, and any altered byte (`wrapped_key`).
pub fn unwrap_keys(
    keys: &DeviceKeys,
    family: &[u8; ID_LEN],
    wrapped: &[u8],
) -> Result<Vec<FamilyKey>> {
    let refused = || Error::invalid("wrapped_key", "cannot be opened by this device");
    if wrapped.len() < ENCAPPED_LEN + TAG_LEN + 4 + KEY_LEN {
        return Err(refused());
    }
    let (encapped, sealed) = wrapped.split_at(ENCAPPED_LEN);
    let encapped = <Kem as hpke::Kem>::EncappedKey::from_bytes(encapped).map_err(|_| refused())?;
    let private =
        <Kem as hpke::Kem>::PrivateKey::from_bytes(&keys.secret).map_err(|_| refused())?;
    let plain = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Kem>(
        &OpModeR::Base,
        &private,
        &encapped,
        WRAP_INFO,
        sealed,
        family,
    )
    .map_err(|_| refused())?;
    if plain.len() % (4 + KEY_LEN) != 0 {
        return Err(refused());
    }
    let mut ring: Vec<FamilyKey> = plain
        .chunks_exact(4 + KEY_LEN)
        .map(|chunk| {
            let mut epoch = [0u8; 4];
            epoch.copy_from_slice(&chunk[..4]);
            let mut bytes = [0u8; KEY_LEN];
            bytes.copy_from_slice(&chunk[4..]);
            FamilyKey::from_bytes(u32::from_be_bytes(epoch), bytes)
        })
        .collect();
    ring.sort_by_key(|k| k.epoch);
    Ok(ring)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAMILY: [u8; ID_LEN] = [7; ID_LEN];
    const DEVICE: [u8; ID_LEN] = [9; ID_LEN];

    fn header(epoch: u32, sequence: u64) -> BatchHeader {
        BatchHeader {
            family: FAMILY,
            epoch,
            device: DEVICE,
            sequence,
        }
    }

    #[test]
    fn a_sealed_batch_opens_with_its_key_and_hides_its_content() {
        let key = FamilyKey::generate(1).unwrap();
        let plain = b"Mia took tacrolimus 1.5 mg on 2026-12-06 at 20:02".to_vec();
        let sealed = seal_batch(&key, header(1, 3), &plain).unwrap();
        assert!(!sealed.windows(3).any(|w| w == b"Mia"));
        assert!(!sealed.windows(10).any(|w| w == b"2026-12-06"));
        let (head, opened) = open_batch(&FAMILY, std::slice::from_ref(&key), &sealed).unwrap();
        assert_eq!((head, opened), (header(1, 3), plain));
        // Two seals of the same batch differ (a fresh nonce each time).
        assert_ne!(sealed, seal_batch(&key, header(1, 3), b"Mia took").unwrap());
    }

    #[test]
    fn every_altered_byte_another_family_or_a_missing_epoch_is_refused() {
        let key = FamilyKey::generate(2).unwrap();
        let sealed = seal_batch(&key, header(2, 1), b"dose").unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            let result = open_batch(&FAMILY, std::slice::from_ref(&key), &bad);
            assert!(result.is_err(), "byte {i} altered was accepted");
        }
        assert!(open_batch(&[8; ID_LEN], std::slice::from_ref(&key), &sealed).is_err());
        let other = FamilyKey::generate(2).unwrap();
        assert!(open_batch(&FAMILY, &[other], &sealed).is_err());
        let older = FamilyKey::generate(1).unwrap();
        let err = open_batch(&FAMILY, &[older], &sealed).unwrap_err();
        assert!(err.to_string().contains("does not hold"), "{err}");
        assert!(open_batch(&FAMILY, std::slice::from_ref(&key), &sealed[..40]).is_err());
        assert!(
            seal_batch(&key, header(3, 1), b"x").is_err(),
            "epoch must match"
        );
    }

    #[test]
    fn the_family_keys_unwrap_only_for_their_device_and_family() {
        let device = DeviceKeys::generate();
        let ring = [
            FamilyKey::generate(1).unwrap(),
            FamilyKey::generate(2).unwrap(),
        ];
        let wrapped = wrap_keys(&device.public, &FAMILY, &ring).unwrap();
        assert_eq!(unwrap_keys(&device, &FAMILY, &wrapped).unwrap(), ring);
        let stranger = DeviceKeys::generate();
        assert!(unwrap_keys(&stranger, &FAMILY, &wrapped).is_err());
        assert!(unwrap_keys(&device, &[1; ID_LEN], &wrapped).is_err());
        for i in 0..wrapped.len() {
            let mut bad = wrapped.clone();
            bad[i] ^= 1;
            assert!(unwrap_keys(&device, &FAMILY, &bad).is_err(), "byte {i}");
        }
        assert!(unwrap_keys(&device, &FAMILY, &wrapped[..60]).is_err());
        assert!(wrap_keys(&device.public, &FAMILY, &[]).is_err());
        // The secret key kept in storage gives the same key pair back.
        let again = DeviceKeys::from_secret(device.secret_bytes()).unwrap();
        assert_eq!(again.public, device.public);
    }

    #[test]
    fn a_secret_code_derives_the_same_key_pair_every_time() {
        let code = SecretCode::generate().unwrap();
        let a = DeviceKeys::from_code(&code);
        let b = DeviceKeys::from_code(&SecretCode::from_bytes(code.to_bytes()));
        assert_eq!(a.public, b.public);
        let key = FamilyKey::generate(1).unwrap();
        let wrapped = wrap_keys(&a.public, &FAMILY, std::slice::from_ref(&key)).unwrap();
        assert_eq!(
            unwrap_keys(&b, &FAMILY, &wrapped).unwrap(),
            std::slice::from_ref(&key)
        );
        let other = DeviceKeys::from_code(&SecretCode::generate().unwrap());
        assert_ne!(other.public, a.public);
        assert!(
            format!("{code:?} {key:?} {a:?}").len() < 80,
            "no secrets in Debug"
        );
    }
}

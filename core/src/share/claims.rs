//! Dose-slot claims (clinical-rules §11, "When a device is online, giving a dose first claims
//! the slot"; issue 16): the opaque token a relay keys a claim by, and the sealed "holder" it
//! hands to a second caregiver, so the relay learns neither the slot (patient, medicine, date,
//! time) nor who holds it.
//!
//! - The **claim keys** of a key epoch are derived with HKDF-SHA256 (RFC 5869; RustCrypto
//!   `hkdf`) from that epoch's family key, salted with the family id: a token key and a holder
//!   key, each under its own `info`, never the family key itself.
//! - The **token** of a slot is HMAC-SHA256 (RFC 2104; RustCrypto `hmac`) under the token key of
//!   the slot's identity as §11 defines it: the patient's and the medication's global ids and
//!   the scheduled local date and time, length-prefixed so no two slots encode alike. Every
//!   device of the family names the same slot with the same token whatever its zone; after a
//!   key rotation new claims use the new epoch's key.
//! - The **holder** (the caregiver's name, the device and when it claimed, on that device's
//!   clock) is sealed with XChaCha20-Poly1305 under the holder key, the token as associated
//!   data: a holder moved to another slot's claim fails to open.
//!
//! Pure: no clock, no network; randomness (the holder's nonce) from the operating system.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{NaiveDate, NaiveTime};
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::crypto::{random_bytes, FamilyKey, ID_LEN, KEY_LEN};
use super::merge::SharedDose;
use crate::error::{Error, Result};

/// Bytes of a claim token.
pub const TOKEN_LEN: usize = 32;
/// HKDF `info` of the token key.
const TOKEN_KEY_INFO: &[u8] = b"nephrodiary claim token key v1";
/// HKDF `info` of the holder key.
const HOLDER_KEY_INFO: &[u8] = b"nephrodiary claim holder key v1";
/// What a slot identity's encoding starts with (the format and its version).
const SLOT_DOMAIN: &[u8] = b"nephrodiary slot v1";
const NONCE_LEN: usize = 24;
/// Longest caregiver name a holder carries (as `Membership::create` accepts).
const MAX_CAREGIVER_CHARS: usize = 100;

/// A dose slot as §11 identifies it: the same on every device whatever its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotIdentity {
    /// The patient's global id.
    pub patient: String,
    /// The medication's global id (a regimen, course or medicine).
    pub medication: String,
    /// The slot's scheduled local date in the patient's zone (§7).
    pub slot_date: NaiveDate,
    /// The slot's scheduled local time in the patient's zone.
    pub slot_time: NaiveTime,
}

impl SlotIdentity {
    /// The slot a shared dose log fills.
    pub fn of_dose(dose: &SharedDose) -> SlotIdentity {
        SlotIdentity {
            patient: dose.patient.clone(),
            medication: dose.medication.clone(),
            slot_date: dose.slot_date,
            slot_time: dose.slot_time,
        }
    }

    /// The identity's canonical bytes: each part length-prefixed (u32, big-endian) after a
    /// domain tag; the date as `YYYY-MM-DD` and the time as `HH:MM:SS`.
    fn encode(&self) -> Result<Vec<u8>> {
        for (field, id) in [("patient", &self.patient), ("medication", &self.medication)] {
            if id.trim().is_empty() || id.len() > super::merge::MAX_ID_CHARS {
                return Err(Error::invalid(
                    field,
                    format!(
                        "must be a global id of 1 to {} characters",
                        super::merge::MAX_ID_CHARS
                    ),
                ));
            }
        }
        let date = self.slot_date.format("%Y-%m-%d").to_string();
        let time = self.slot_time.format("%H:%M:%S").to_string();
        let mut out = Vec::with_capacity(SLOT_DOMAIN.len() + 160);
        for part in [
            SLOT_DOMAIN,
            self.patient.as_bytes(),
            self.medication.as_bytes(),
            date.as_bytes(),
            time.as_bytes(),
        ] {
            // Parts are bounded above (ids at most MAX_ID_CHARS), so the length fits in u32.
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part);
        }
        Ok(out)
    }
}

/// The opaque name of a claimed slot, as the relay keys it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken(pub [u8; TOKEN_LEN]);

impl std::fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens stay out of logs: a log line must not let two slots be linked.
        write!(f, "ClaimToken(..)")
    }
}

impl ClaimToken {
    /// The token in lowercase hex (as it travels to the relay).
    pub fn to_hex(&self) -> String {
        super::sync::hex(&self.0)
    }
}

/// Who holds a claim, as the other devices of the family read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ClaimHolder {
    /// The caregiver, as they name themselves ("Mum").
    pub caregiver: String,
    /// The holding device's id, hex.
    pub device: String,
    /// When the caregiver claimed (or, once logged, gave) the dose, UTC epoch ms on the
    /// holding device's clock.
    pub at_ms: i64,
}

/// The claim keys of one key epoch, derived from its family key.
#[derive(Clone)]
pub struct ClaimKeys {
    /// The key epoch they belong to.
    pub epoch: u32,
    token_key: [u8; KEY_LEN],
    holder_key: [u8; KEY_LEN],
}

impl std::fmt::Debug for ClaimKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClaimKeys {{ epoch: {} }}", self.epoch)
    }
}

impl ClaimKeys {
    /// The claim keys of `key`'s epoch for the family `family`: HKDF-SHA256 with the family
    /// id as salt, the family key as input keying material, one `info` per key.
    pub fn derive(family: &[u8; ID_LEN], key: &FamilyKey) -> ClaimKeys {
        let hkdf = Hkdf::<Sha256>::new(Some(family), &key.to_bytes());
        let mut token_key = [0u8; KEY_LEN];
        let mut holder_key = [0u8; KEY_LEN];
        // 32 bytes is far below HKDF-SHA256's limit (255 × 32), so expand cannot fail.
        hkdf.expand(TOKEN_KEY_INFO, &mut token_key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        hkdf.expand(HOLDER_KEY_INFO, &mut holder_key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        ClaimKeys {
            epoch: key.epoch,
            token_key,
            holder_key,
        }
    }

    /// The token of `slot`: HMAC-SHA256 of its canonical identity under the token key.
    pub fn token(&self, slot: &SlotIdentity) -> Result<ClaimToken> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.token_key)
            .map_err(|_| Error::invalid("claim_key", "has an invalid length"))?;
        mac.update(&slot.encode()?);
        Ok(ClaimToken(mac.finalize().into_bytes().into()))
    }

    /// Seals `holder` for the claim `token`: the epoch (4 bytes, big-endian), a random
    /// 24-byte nonce, then the ciphertext of the holder's JSON with the token as associated
    /// data.
    pub fn seal_holder(&self, token: &ClaimToken, holder: &ClaimHolder) -> Result<Vec<u8>> {
        if holder.caregiver.trim().is_empty()
            || holder.caregiver.chars().count() > MAX_CAREGIVER_CHARS
        {
            return Err(Error::invalid(
                "caregiver",
                format!("must be 1 to {MAX_CAREGIVER_CHARS} characters"),
            ));
        }
        let json = serde_json::to_vec(holder)
            .map_err(|_| Error::invalid("holder", "could not be encoded"))?;
        let nonce: [u8; NONCE_LEN] = random_bytes()?;
        let sealed = XChaCha20Poly1305::new(&self.holder_key.into())
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &json,
                    aad: &token.0,
                },
            )
            .map_err(|_| Error::invalid("holder", "could not be sealed"))?;
        let mut out = Vec::with_capacity(4 + NONCE_LEN + sealed.len());
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a holder sealed for `token` with these keys: refused (`holder`) when it is of
    /// another epoch, altered, or sealed for another slot's token.
    pub fn open_holder(&self, token: &ClaimToken, sealed: &[u8]) -> Result<ClaimHolder> {
        if sealed.len() < 4 + NONCE_LEN {
            return Err(Error::invalid(
                "holder",
                "is too short to be a sealed holder",
            ));
        }
        let (epoch, rest) = sealed.split_at(4);
        if u32::from_be_bytes([epoch[0], epoch[1], epoch[2], epoch[3]]) != self.epoch {
            return Err(Error::invalid(
                "holder",
                "is sealed under another key epoch",
            ));
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let mut nonce_bytes = [0u8; NONCE_LEN];
        nonce_bytes.copy_from_slice(nonce);
        let json = XChaCha20Poly1305::new(&self.holder_key.into())
            .decrypt(
                &XNonce::from(nonce_bytes),
                Payload {
                    msg: body,
                    aad: &token.0,
                },
            )
            .map_err(|_| Error::invalid("holder", "failed authentication (altered or not ours)"))?;
        serde_json::from_slice(&json).map_err(|_| Error::invalid("holder", "is not a holder"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> SlotIdentity {
        SlotIdentity {
            patient: "0190f5a2-7c3e-7000-8000-000000000001".into(),
            medication: "0190f5a2-7c3e-7000-8000-0000000000aa".into(),
            slot_date: NaiveDate::from_ymd_opt(2026, 3, 14).unwrap(),
            slot_time: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
        }
    }

    fn keys(epoch: u32, byte: u8) -> ClaimKeys {
        ClaimKeys::derive(&[7; ID_LEN], &FamilyKey::from_bytes(epoch, [byte; KEY_LEN]))
    }

    fn holder() -> ClaimHolder {
        ClaimHolder {
            caregiver: "Mum".into(),
            device: "00".repeat(ID_LEN),
            at_ms: 1_773_518_520_000,
        }
    }

    #[test]
    fn every_device_of_the_family_names_a_slot_alike() {
        let a = keys(1, 9).token(&slot()).unwrap();
        let b = keys(1, 9).token(&slot()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn the_token_is_the_hmac_of_the_canonical_slot_under_the_hkdf_key() {
        // Recomputed from the primitives, so a change of encoding or derivation shows.
        let family = [7u8; ID_LEN];
        let hkdf = Hkdf::<Sha256>::new(Some(&family), &[9u8; KEY_LEN]);
        let mut token_key = [0u8; 32];
        hkdf.expand(b"nephrodiary claim token key v1", &mut token_key)
            .unwrap();
        let mut message = Vec::new();
        for part in [
            &b"nephrodiary slot v1"[..],
            b"0190f5a2-7c3e-7000-8000-000000000001",
            b"0190f5a2-7c3e-7000-8000-0000000000aa",
            b"2026-03-14",
            b"20:00:00",
        ] {
            message.extend_from_slice(&(part.len() as u32).to_be_bytes());
            message.extend_from_slice(part);
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&token_key).unwrap();
        mac.update(&message);
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(keys(1, 9).token(&slot()).unwrap().0, expected);
    }

    #[test]
    fn another_slot_epoch_or_family_gives_another_token() {
        let base = keys(1, 9).token(&slot()).unwrap();
        let mut later = slot();
        later.slot_time = NaiveTime::from_hms_opt(20, 0, 1).unwrap();
        assert_ne!(keys(1, 9).token(&later).unwrap(), base);
        let mut next_day = slot();
        next_day.slot_date = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        assert_ne!(keys(1, 9).token(&next_day).unwrap(), base);
        let mut other_drug = slot();
        other_drug.medication.push('b');
        assert_ne!(keys(1, 9).token(&other_drug).unwrap(), base);
        // A rotated key (a new epoch) names the slot anew.
        assert_ne!(keys(2, 10).token(&slot()).unwrap(), base);
        let other_family = ClaimKeys::derive(&[8; ID_LEN], &FamilyKey::from_bytes(1, [9; KEY_LEN]));
        assert_ne!(other_family.token(&slot()).unwrap(), base);
    }

    #[test]
    fn parts_are_length_prefixed_so_shifting_a_boundary_changes_the_token() {
        let mut a = slot();
        a.patient = "ab".into();
        a.medication = "c".into();
        let mut b = slot();
        b.patient = "a".into();
        b.medication = "bc".into();
        assert_ne!(keys(1, 9).token(&a).unwrap(), keys(1, 9).token(&b).unwrap());
    }

    #[test]
    fn a_slot_without_ids_is_refused_by_field() {
        let mut s = slot();
        s.patient = " ".into();
        match keys(1, 9).token(&s) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "patient"),
            other => panic!("expected an invalid patient, got {other:?}"),
        }
        let mut s = slot();
        s.medication = "m".repeat(super::super::merge::MAX_ID_CHARS + 1);
        match keys(1, 9).token(&s) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "medication"),
            other => panic!("expected an invalid medication, got {other:?}"),
        }
    }

    #[test]
    fn a_holder_opens_with_the_family_keys_and_hides_the_name() {
        let k = keys(1, 9);
        let token = k.token(&slot()).unwrap();
        let sealed = k.seal_holder(&token, &holder()).unwrap();
        assert!(!sealed.windows(3).any(|w| w == b"Mum"));
        assert_eq!(k.open_holder(&token, &sealed).unwrap(), holder());
    }

    #[test]
    fn a_holder_is_refused_when_altered_moved_or_of_another_key() {
        let k = keys(1, 9);
        let token = k.token(&slot()).unwrap();
        let sealed = k.seal_holder(&token, &holder()).unwrap();
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(k.open_holder(&token, &altered).is_err());
        let mut other = slot();
        other.slot_time = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
        let moved_to = k.token(&other).unwrap();
        assert!(k.open_holder(&moved_to, &sealed).is_err());
        assert!(keys(1, 10).open_holder(&token, &sealed).is_err());
        assert!(keys(2, 9).open_holder(&token, &sealed).is_err());
        assert!(k.open_holder(&token, &sealed[..10]).is_err());
    }

    #[test]
    fn a_holder_without_a_caregiver_is_refused() {
        let k = keys(1, 9);
        let token = k.token(&slot()).unwrap();
        let mut nobody = holder();
        nobody.caregiver = "  ".into();
        assert!(matches!(
            k.seal_holder(&token, &nobody),
            Err(Error::Invalid { field, .. }) if field == "caregiver"
        ));
    }
}

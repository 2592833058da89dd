//! The two secrets a caregiver handles as text: an **invitation** (shown by a caregiver's phone
//! as a QR code, scanned by the joining phone) and a **recovery code** (printed once, kept on
//! paper, restores the diary on a new phone when no other caregiver's phone is at hand).
//!
//! Each is the family's id, the key epoch it opens and a one-time [`SecretCode`], in RFC 4648
//! base32 with a 2-byte SHA-256 check so that a mistyped code is told apart from a wrong one.
//! The secret opens the family key wrapped to the key pair derived from it
//! ([`super::crypto::DeviceKeys::from_code`]).

use data_encoding::BASE32_NOPAD;
use sha2::{Digest, Sha256};

use super::crypto::{SecretCode, ID_LEN, KEY_LEN};
use crate::error::{Error, Result};

/// What an invitation's text starts with.
pub const INVITATION_PREFIX: &str = "NEPHRO-JOIN:";
/// What a recovery code's text starts with.
pub const RECOVERY_PREFIX: &str = "NEPHRO-RECOVER:";
const PAYLOAD_LEN: usize = ID_LEN + 4 + KEY_LEN;
const CHECK_LEN: usize = 2;

/// A family id, a key epoch and a one-time secret: an invitation or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilySecret {
    /// The family's id.
    pub family: [u8; ID_LEN],
    /// The key epoch whose family key the secret opens.
    pub epoch: u32,
    /// The secret.
    pub code: SecretCode,
}

impl FamilySecret {
    /// A new secret for the family's epoch.
    pub fn generate(family: [u8; ID_LEN], epoch: u32) -> Result<FamilySecret> {
        Ok(FamilySecret {
            family,
            epoch,
            code: SecretCode::generate()?,
        })
    }

    /// The invitation's text (one line, for a QR code).
    pub fn invitation_text(&self) -> String {
        format!("{INVITATION_PREFIX}{}", self.encoded())
    }

    /// The recovery code's text, in groups of four for writing down.
    pub fn recovery_text(&self) -> String {
        let encoded = self.encoded();
        let groups: Vec<&str> = encoded
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        format!("{RECOVERY_PREFIX}{}", groups.join("-"))
    }

    /// Reads an invitation's text. Refuses anything else, naming `invitation`.
    pub fn parse_invitation(text: &str) -> Result<FamilySecret> {
        FamilySecret::parse("invitation", INVITATION_PREFIX, text)
    }

    /// Reads a recovery code as written down: case, spaces and dashes do not matter. Refuses
    /// anything else, naming `recovery_code`.
    pub fn parse_recovery(text: &str) -> Result<FamilySecret> {
        FamilySecret::parse("recovery_code", RECOVERY_PREFIX, text)
    }

    fn encoded(&self) -> String {
        let mut bytes = Vec::with_capacity(PAYLOAD_LEN + CHECK_LEN);
        bytes.extend_from_slice(&self.family);
        bytes.extend_from_slice(&self.epoch.to_be_bytes());
        bytes.extend_from_slice(&self.code.to_bytes());
        let check = Sha256::digest(&bytes);
        bytes.extend_from_slice(&check[..CHECK_LEN]);
        BASE32_NOPAD.encode(&bytes)
    }

    fn parse(field: &str, prefix: &str, text: &str) -> Result<FamilySecret> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let compact_prefix: String = prefix.chars().filter(|c| *c != '-').collect();
        let Some(body) = cleaned.strip_prefix(&compact_prefix) else {
            return Err(Error::invalid(field, format!("must start with {prefix}")));
        };
        let bytes = BASE32_NOPAD
            .decode(body.as_bytes())
            .ok()
            .filter(|b| b.len() == PAYLOAD_LEN + CHECK_LEN)
            .ok_or_else(|| Error::invalid(field, "is not complete: check every character"))?;
        let (payload, check) = bytes.split_at(PAYLOAD_LEN);
        if Sha256::digest(payload)[..CHECK_LEN] != *check {
            return Err(Error::invalid(
                field,
                "has a typing mistake: check every character",
            ));
        }
        let mut family = [0u8; ID_LEN];
        family.copy_from_slice(&payload[..ID_LEN]);
        let mut epoch = [0u8; 4];
        epoch.copy_from_slice(&payload[ID_LEN..ID_LEN + 4]);
        let mut code = [0u8; KEY_LEN];
        code.copy_from_slice(&payload[ID_LEN + 4..]);
        Ok(FamilySecret {
            family,
            epoch: u32::from_be_bytes(epoch),
            code: SecretCode::from_bytes(code),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_and_a_recovery_code_read_back_as_written() {
        let secret = FamilySecret::generate([3; ID_LEN], 2).unwrap();
        let invitation = secret.invitation_text();
        assert!(invitation.starts_with(INVITATION_PREFIX));
        assert!(invitation
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "-:".contains(c)));
        assert_eq!(FamilySecret::parse_invitation(&invitation).unwrap(), secret);
        let recovery = secret.recovery_text();
        assert_eq!(FamilySecret::parse_recovery(&recovery).unwrap(), secret);
        // As written down by hand: lower case, spaces for dashes.
        let by_hand = recovery.to_lowercase().replace('-', " ");
        assert_eq!(FamilySecret::parse_recovery(&by_hand).unwrap(), secret);
        // Not interchangeable.
        assert!(FamilySecret::parse_invitation(&recovery).is_err());
    }

    #[test]
    fn a_mistyped_or_cut_code_is_refused_naming_the_field() {
        let secret = FamilySecret::generate([3; ID_LEN], 2).unwrap();
        let text = secret.invitation_text();
        let last = text.chars().last().unwrap();
        let typo = format!(
            "{}{}",
            &text[..text.len() - 1],
            if last == 'A' { 'B' } else { 'A' }
        );
        let err = FamilySecret::parse_invitation(&typo).unwrap_err();
        assert!(err.to_string().contains("invitation"), "{err}");
        assert!(FamilySecret::parse_invitation(&text[..text.len() - 8]).is_err());
        assert!(FamilySecret::parse_invitation("hello").is_err());
        assert!(FamilySecret::parse_recovery("").is_err());
    }
}

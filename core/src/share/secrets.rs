//! Where a device keeps its membership (family id, device id and key pair, the family keys):
//! the platform's secure storage (Keychain, Android Keystore) through [`SecretStore`], which the
//! shells implement; the CLI and the tests use [`FileSecretStore`], a file readable by its owner
//! only. Nothing here is ever written to the diary or to a transport.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::crypto::{DeviceKeys, FamilyKey, ID_LEN, KEY_LEN};
use super::sync::Membership;
use crate::error::{Error, Result};

/// A device's secure storage of small secrets, by name.
pub trait SecretStore {
    /// The secret stored under `name`, if any.
    fn load(&self, name: &str) -> Result<Option<Vec<u8>>>;
    /// Stores `secret` under `name`, replacing what was there.
    fn save(&self, name: &str, secret: &[u8]) -> Result<()>;
}

/// The name a membership is kept under.
pub const MEMBERSHIP_SECRET: &str = "nephrodiary.membership";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredMembership {
    family: [u8; ID_LEN],
    device: [u8; ID_LEN],
    device_secret: [u8; KEY_LEN],
    keys: Vec<(u32, [u8; KEY_LEN])>,
    caregiver: String,
    next_sequence: u64,
}

impl Membership {
    /// Saves this membership in `store`.
    pub fn save(&self, store: &dyn SecretStore) -> Result<()> {
        let stored = StoredMembership {
            family: self.family,
            device: self.device,
            device_secret: self.device_keys.secret_bytes(),
            keys: self.keys.iter().map(|k| (k.epoch, k.to_bytes())).collect(),
            caregiver: self.caregiver.clone(),
            next_sequence: self.next_sequence,
        };
        let bytes = serde_json::to_vec(&stored)
            .map_err(|_| Error::invalid("membership", "could not be encoded"))?;
        store.save(MEMBERSHIP_SECRET, &bytes)
    }

    /// The membership kept in `store`, if this device has joined a family.
    pub fn load(store: &dyn SecretStore) -> Result<Option<Membership>> {
        let Some(bytes) = store.load(MEMBERSHIP_SECRET)? else {
            return Ok(None);
        };
        let stored: StoredMembership = serde_json::from_slice(&bytes)
            .map_err(|_| Error::invalid("membership", "the stored membership cannot be read"))?;
        Ok(Some(Membership {
            family: stored.family,
            device: stored.device,
            device_keys: DeviceKeys::from_secret(stored.device_secret)?,
            keys: stored
                .keys
                .into_iter()
                .map(|(epoch, bytes)| FamilyKey::from_bytes(epoch, bytes))
                .collect(),
            caregiver: stored.caregiver,
            next_sequence: stored.next_sequence,
        }))
    }
}

/// Secrets kept as files in one folder, each readable and writable by its owner only (for the
/// CLI and the tests; a phone uses its platform's secure storage).
#[derive(Debug, Clone)]
pub struct FileSecretStore {
    dir: PathBuf,
}

impl FileSecretStore {
    /// The store in `dir` (created if missing, owner-only).
    pub fn new(dir: impl Into<PathBuf>) -> Result<FileSecretStore> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(FileSecretStore { dir })
    }

    fn path(&self, name: &str) -> Result<PathBuf> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
            || name.starts_with('.')
        {
            return Err(Error::invalid("name", "is not a secret's name"));
        }
        Ok(self.dir.join(name))
    }
}

impl SecretStore for FileSecretStore {
    fn load(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match fs::read(self.path(name)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn save(&self, name: &str, secret: &[u8]) -> Result<()> {
        let path = self.path(name)?;
        let temporary = self.dir.join(format!(".{name}.new"));
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temporary)?;
        file.write_all(secret)?;
        file.sync_all()?;
        fs::rename(&temporary, &path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::folder::FolderTransport;

    #[test]
    fn a_membership_is_kept_and_read_back_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let folder = FolderTransport::new(dir.path().join("shared")).unwrap();
        let store = FileSecretStore::new(dir.path().join("secrets")).unwrap();
        assert!(Membership::load(&store).unwrap().is_none());
        let (membership, _) = Membership::create("Mum", &folder).unwrap();
        membership.save(&store).unwrap();
        let back = Membership::load(&store).unwrap().unwrap();
        assert_eq!(back.family, membership.family);
        assert_eq!(back.device_keys.public, membership.device_keys.public);
        assert_eq!(back.keys, membership.keys);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("secrets").join(MEMBERSHIP_SECRET))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "owner only");
        }
        store.save(MEMBERSHIP_SECRET, b"not a membership").unwrap();
        let err = Membership::load(&store).unwrap_err();
        assert!(err.to_string().contains("membership"), "{err}");
        assert!(store.save("../escape", b"x").is_err());
    }
}

//! The shared-folder transport: each name is a file under the folder (iCloud Drive, Google
//! Drive, Syncthing or a USB stick carries them between phones). Files are written beside their
//! place, flushed to disk and renamed into it, so a killed process or a full disk never leaves
//! half a batch under a batch's name; a file is written once and never rewritten. Only names of
//! the protocol's shape are read or written: a file that is not ours is never touched.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::sync::Transport;
use crate::error::{Error, Result};

/// A folder shared between the family's phones.
#[derive(Debug, Clone)]
pub struct FolderTransport {
    root: PathBuf,
}

impl FolderTransport {
    /// The transport over `root` (created if missing).
    pub fn new(root: impl Into<PathBuf>) -> Result<FolderTransport> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(FolderTransport { root })
    }

    /// The folder's path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, name: &str) -> Result<PathBuf> {
        let parts: Vec<&str> = name.split('/').collect();
        let well_formed = !name.is_empty()
            && parts.iter().all(|p| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !well_formed {
            return Err(Error::invalid(
                "name",
                "is not a name of the sharing protocol",
            ));
        }
        Ok(parts
            .iter()
            .fold(self.root.clone(), |path, part| path.join(part)))
    }
}

impl Transport for FolderTransport {
    fn put(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path_of(name)?;
        if let Some(existing) = self.get(name)? {
            return if existing == bytes {
                Ok(())
            } else {
                Err(Error::conflict(
                    crate::error::ConflictKind::ClientIdReused,
                    "shared_file",
                ))
            };
        }
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir)?;
        let suffix: [u8; 8] = super::crypto::random_bytes()?;
        let temporary = dir.join(format!(".writing-{}", super::sync::hex(&suffix)));
        let written = (|| -> Result<()> {
            let mut file = fs::File::create_new(&temporary)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            Ok(())
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            return Err(e);
        }
        // No-clobber: a file that appeared meanwhile (another device's copy) is kept.
        match fs::hard_link(&temporary, &path) {
            Ok(()) => {
                let _ = fs::remove_file(&temporary);
                if let Ok(dir) = fs::File::open(dir) {
                    let _ = dir.sync_all();
                }
                Ok(())
            }
            Err(e) => {
                let _ = fs::remove_file(&temporary);
                if path.exists() {
                    self.put(name, bytes)
                } else {
                    Err(e.into())
                }
            }
        }
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path_of(name)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) if path.is_dir() => Err(Error::invalid("name", format!("is a folder ({e})"))),
            Err(e) => Err(e.into()),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let dir = self.path_of(prefix)?;
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut names = Vec::new();
        for entry in entries {
            let name = entry?.file_name();
            if let Some(name) = name.to_str() {
                if !name.starts_with('.') && self.path_of(name).is_ok() {
                    names.push(name.to_string());
                }
            }
        }
        names.sort();
        Ok(names)
    }
}

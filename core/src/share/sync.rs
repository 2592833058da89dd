//! The sharing protocol over any [`Transport`] (a shared folder here; the relay later): a
//! family's members, their keys, and the batches they exchange. Everything a transport holds is
//! sealed or wrapped ([`super::crypto`]); its names are random ids and counters.
//!
//! What a transport holds for a family (`<f>` its id in hex):
//! - `<f>/batches/<device>/<epoch>-<sequence>`: a device's sealed batches, each written once;
//! - `<f>/members/<epoch>/<device>`: a member device's public key and caregiver name, sealed
//!   under that epoch's key, so only a member of the epoch can add one;
//! - `<f>/keys/<epoch>/<device>`: every family key so far, wrapped to that member's public key;
//! - `<f>/invitations/<code public key>`: the keys wrapped to an invitation's secret code;
//! - `<f>/invitations-used/<code public key>`: the device that used the invitation (one only);
//! - `<f>/recovery/<epoch>`: the keys wrapped to the epoch's recovery code;
//! - `<f>/closed/<epoch>`: sealed under the next epoch's key, each device's last batch of an
//!   epoch closed by a removal: a later batch sealed with the old key is refused.
//!
//! Removing a device starts a new epoch: a new key, wrapped to every other member, members
//! re-sealed under it, and a new recovery code; the removed device cannot read what is written
//! afterwards.

use std::collections::{BTreeMap, BTreeSet};

use data_encoding::HEXLOWER;
use serde::{Deserialize, Serialize};

use super::batch::{open_changes, seal_changes};
use super::codes::FamilySecret;
use super::crypto::{
    open_batch, random_bytes, seal_batch, unwrap_keys, wrap_keys, BatchHeader, DeviceKeys,
    FamilyKey, ID_LEN, KEY_LEN,
};
use super::merge::Change;
use crate::error::{Error, Result};

/// Where a family's batches and wrapped keys travel. The shells may implement it (a cloud
/// drive, the relay); [`super::folder::FolderTransport`] is the shared-folder one.
pub trait Transport {
    /// Stores `bytes` under `name` once: a name already holding the same bytes is left as it
    /// is; holding other bytes, it is a conflict. Names are ASCII letters, digits, `-` and `/`.
    fn put(&self, name: &str, bytes: &[u8]) -> Result<()>;
    /// The bytes under `name`, if any.
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>>;
    /// The names directly under the folder `prefix` (no trailing `/`), in any order.
    fn list(&self, prefix: &str) -> Result<Vec<String>>;
}

/// What one device knows of its family: ids, its own key pair and the family keys it holds.
/// Kept in the platform's secure storage.
#[derive(Debug, Clone)]
pub struct Membership {
    /// The family's id.
    pub family: [u8; ID_LEN],
    /// This device's id.
    pub device: [u8; ID_LEN],
    /// This device's key pair.
    pub device_keys: DeviceKeys,
    /// Every family key this device holds, oldest epoch first.
    pub keys: Vec<FamilyKey>,
    /// The caregiver using this device, as they name themselves.
    pub caregiver: String,
    /// The sequence number of this device's next batch.
    pub next_sequence: u64,
}

/// A member device as the family sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The device's id, hex.
    pub device: String,
    /// Its public key, hex.
    pub public_key: String,
    /// Its caregiver.
    pub caregiver: String,
}

/// What a pull brought: the batches opened, and those refused (altered, foreign, of an epoch
/// this device does not hold), which change nothing.
#[derive(Debug, Default)]
pub struct Pulled {
    /// Batches opened, each with its changes.
    pub batches: Vec<(BatchHeader, Vec<Change>)>,
    /// Names of the batches refused, and why.
    pub refused: Vec<(String, String)>,
}

/// Hex of bytes (names and ids in a transport).
pub fn hex(bytes: &[u8]) -> String {
    HEXLOWER.encode(bytes)
}

/// The epoch and sequence a batch's file name gives (`<epoch>-<sequence>` in hex).
fn batch_position(name: &str) -> Option<(u32, u64)> {
    let (epoch, sequence) = name.split_once('-')?;
    if epoch.len() != 8 || sequence.len() != 16 {
        return None;
    }
    Some((
        u32::from_str_radix(epoch, 16).ok()?,
        u64::from_str_radix(sequence, 16).ok()?,
    ))
}

/// The `N` bytes a lowercase hex name gives, if it is one.
fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    HEXLOWER.decode(text.as_bytes()).ok()?.try_into().ok()
}

impl Membership {
    /// The key of the current (latest) epoch.
    pub fn current_key(&self) -> Result<&FamilyKey> {
        self.keys
            .last()
            .ok_or_else(|| Error::invalid("keys", "this device holds no family key"))
    }

    fn root(&self) -> String {
        hex(&self.family)
    }

    /// Starts a family on this device (epoch 1) and returns it with its recovery code.
    pub fn create(
        caregiver: &str,
        transport: &dyn Transport,
    ) -> Result<(Membership, FamilySecret)> {
        crate::model::require_text("caregiver", caregiver, 100)?;
        let mut membership = Membership {
            family: random_bytes()?,
            device: random_bytes()?,
            device_keys: DeviceKeys::generate(),
            keys: vec![FamilyKey::generate(1)?],
            caregiver: caregiver.trim().to_string(),
            next_sequence: 1,
        };
        membership.publish_member(transport)?;
        let recovery = membership.issue_recovery(transport)?;
        Ok((membership, recovery))
    }

    /// Makes an invitation: the family keys wrapped to a new one-time secret code, whose text
    /// (for a QR code) goes to the joining device.
    pub fn invite(&self, transport: &dyn Transport) -> Result<FamilySecret> {
        let secret = FamilySecret::generate(self.family, self.current_key()?.epoch)?;
        let code_keys = DeviceKeys::from_code(&secret.code);
        transport.put(
            &format!("{}/invitations/{}", self.root(), hex(&code_keys.public)),
            &wrap_keys(&code_keys.public, &self.family, &self.keys)?,
        )?;
        Ok(secret)
    }

    /// Joins a family with an invitation's text (or, [`Membership::recover`], a recovery code):
    /// this device gets the family keys, a new device id and key pair, and becomes a member.
    pub fn join(
        invitation: &str,
        caregiver: &str,
        transport: &dyn Transport,
    ) -> Result<Membership> {
        let secret = FamilySecret::parse_invitation(invitation)?;
        let code_keys = DeviceKeys::from_code(&secret.code);
        let name = format!(
            "{}/invitations/{}",
            hex(&secret.family),
            hex(&code_keys.public)
        );
        // An invitation admits one device: the first to join marks it used.
        let used = format!(
            "{}/invitations-used/{}",
            hex(&secret.family),
            hex(&code_keys.public)
        );
        if transport.get(&used)?.is_some() {
            return Err(Error::invalid(
                "invitation",
                "was already used by another device; ask for a new one",
            ));
        }
        let membership = Membership::enter(
            &secret,
            &code_keys,
            &name,
            "invitation",
            caregiver,
            transport,
        )?;
        transport.put(&used, hex(&membership.device).as_bytes())?;
        Ok(membership)
    }

    /// Restores a family on a new phone from its recovery code (printed when the family was
    /// started or a device was removed): as [`Membership::join`].
    pub fn recover(
        recovery: &str,
        caregiver: &str,
        transport: &dyn Transport,
    ) -> Result<Membership> {
        let secret = FamilySecret::parse_recovery(recovery)?;
        let code_keys = DeviceKeys::from_code(&secret.code);
        let name = format!("{}/recovery/{:08x}", hex(&secret.family), secret.epoch);
        Membership::enter(
            &secret,
            &code_keys,
            &name,
            "recovery_code",
            caregiver,
            transport,
        )
    }

    fn enter(
        secret: &FamilySecret,
        code_keys: &DeviceKeys,
        name: &str,
        field: &str,
        caregiver: &str,
        transport: &dyn Transport,
    ) -> Result<Membership> {
        crate::model::require_text("caregiver", caregiver, 100)?;
        let wrapped = transport.get(name)?.ok_or_else(|| {
            Error::invalid(field, "is not (or no longer) known in this shared folder")
        })?;
        let keys = unwrap_keys(code_keys, &secret.family, &wrapped)
            .map_err(|_| Error::invalid(field, "does not open this family's keys"))?;
        let mut membership = Membership {
            family: secret.family,
            device: random_bytes()?,
            device_keys: DeviceKeys::generate(),
            keys,
            caregiver: caregiver.trim().to_string(),
            next_sequence: 1,
        };
        membership.publish_member(transport)?;
        // Older epochs' keys only: a code of an old epoch still opens them, but not what came later.
        membership.refresh_keys(transport)?;
        Ok(membership)
    }

    /// Seals this device's entry (public key, caregiver) under the current key.
    fn publish_member(&mut self, transport: &dyn Transport) -> Result<()> {
        let key = self.current_key()?.clone();
        let member = Member {
            device: hex(&self.device),
            public_key: hex(&self.device_keys.public),
            caregiver: self.caregiver.clone(),
        };
        self.put_member(transport, &key, &member)?;
        transport.put(
            &format!(
                "{}/keys/{:08x}/{}",
                self.root(),
                key.epoch,
                hex(&self.device)
            ),
            &wrap_keys(&self.device_keys.public, &self.family, &self.keys)?,
        )
    }

    fn put_member(
        &self,
        transport: &dyn Transport,
        key: &FamilyKey,
        member: &Member,
    ) -> Result<()> {
        let header = BatchHeader {
            family: self.family,
            epoch: key.epoch,
            device: unhex(&member.device).unwrap_or_default(),
            sequence: 0,
        };
        let json = serde_json::to_vec(member)
            .map_err(|_| Error::invalid("member", "could not be encoded"))?;
        transport.put(
            &format!(
                "{}/members/{:08x}/{}",
                self.root(),
                key.epoch,
                member.device
            ),
            &seal_batch(key, header, &json)?,
        )
    }

    /// The members of the current epoch (those whose entry is sealed under its key).
    pub fn members(&self, transport: &dyn Transport) -> Result<Vec<Member>> {
        let key = self.current_key()?;
        let folder = format!("{}/members/{:08x}", self.root(), key.epoch);
        let mut members = Vec::new();
        for name in transport.list(&folder)? {
            let Some(bytes) = transport.get(&format!("{folder}/{name}"))? else {
                continue;
            };
            let Ok((header, json)) = open_batch(&self.family, std::slice::from_ref(key), &bytes)
            else {
                continue;
            };
            let Ok(member) = serde_json::from_slice::<Member>(&json) else {
                continue;
            };
            if member.device == name && hex(&header.device) == name {
                members.push(member);
            }
        }
        members.sort_by(|a, b| a.device.cmp(&b.device));
        Ok(members)
    }

    /// Picks up family keys of epochs this device does not hold yet (after another device
    /// removed a caregiver). A removed device finds none.
    pub fn refresh_keys(&mut self, transport: &dyn Transport) -> Result<()> {
        let me = hex(&self.device);
        let mut epochs: Vec<u32> = transport
            .list(&format!("{}/keys", self.root()))?
            .iter()
            .filter_map(|e| u32::from_str_radix(e, 16).ok().filter(|_| e.len() == 8))
            .collect();
        epochs.sort_unstable();
        let current = self.current_key()?.epoch;
        for epoch in epochs.into_iter().filter(|e| *e > current) {
            let name = format!("{}/keys/{epoch:08x}/{me}", self.root());
            if let Some(wrapped) = transport.get(&name)? {
                if let Ok(ring) = unwrap_keys(&self.device_keys, &self.family, &wrapped) {
                    if ring.iter().any(|k| k.epoch == epoch) {
                        self.keys = ring;
                    }
                }
            }
        }
        Ok(())
    }

    /// Removes a member device: a new epoch whose key is wrapped to every other member, their
    /// entries re-sealed under it, and a new recovery code (the removed caregiver may know the
    /// old one), returned to be printed.
    pub fn remove(&mut self, device: &str, transport: &dyn Transport) -> Result<FamilySecret> {
        let members = self.members(transport)?;
        if !members.iter().any(|m| m.device == device) {
            return Err(Error::invalid("device", "is not a member of this family"));
        }
        if device == hex(&self.device) {
            return Err(Error::invalid(
                "device",
                "is this device: another caregiver removes it",
            ));
        }
        let old_epoch = self.current_key()?.epoch;
        let epoch = old_epoch + 1;
        let key = FamilyKey::generate(epoch)?;
        // The old epoch is closed where it stands: a batch sealed with its key later (by the
        // removed device, which holds that key) is refused by every member.
        let mut closed: BTreeMap<String, u64> = BTreeMap::new();
        let batches = format!("{}/batches", self.root());
        for device in transport.list(&batches)? {
            for name in transport.list(&format!("{batches}/{device}"))? {
                if let Some((e, sequence)) = batch_position(&name) {
                    if e == old_epoch {
                        let last = closed.entry(device.clone()).or_default();
                        *last = (*last).max(sequence);
                    }
                }
            }
        }
        let json = serde_json::to_vec(&closed)
            .map_err(|_| Error::invalid("closed", "could not be encoded"))?;
        let header = BatchHeader {
            family: self.family,
            epoch,
            device: self.device,
            sequence: 0,
        };
        transport.put(
            &format!("{}/closed/{old_epoch:08x}", self.root()),
            &seal_batch(&key, header, &json)?,
        )?;
        self.keys.push(key.clone());
        for member in members.iter().filter(|m| m.device != device) {
            let public: [u8; KEY_LEN] = unhex(&member.public_key)
                .ok_or_else(|| Error::invalid("member", "has no readable public key"))?;
            self.put_member(transport, &key, member)?;
            transport.put(
                &format!("{}/keys/{epoch:08x}/{}", self.root(), member.device),
                &wrap_keys(&public, &self.family, &self.keys)?,
            )?;
        }
        self.issue_recovery(transport)
    }

    /// A new recovery code for the current epoch.
    fn issue_recovery(&self, transport: &dyn Transport) -> Result<FamilySecret> {
        let epoch = self.current_key()?.epoch;
        let secret = FamilySecret::generate(self.family, epoch)?;
        let code_keys = DeviceKeys::from_code(&secret.code);
        transport.put(
            &format!("{}/recovery/{epoch:08x}", self.root()),
            &wrap_keys(&code_keys.public, &self.family, &self.keys)?,
        )?;
        Ok(secret)
    }

    /// Seals `changes` as this device's next batch and puts it on the transport; returns its
    /// header (none for no changes).
    pub fn push(
        &mut self,
        transport: &dyn Transport,
        changes: &[Change],
    ) -> Result<Option<BatchHeader>> {
        if changes.is_empty() {
            return Ok(None);
        }
        let key = self.current_key()?.clone();
        let folder = format!("{}/batches/{}", self.root(), hex(&self.device));
        // A batch written before a crash, its sequence not yet saved, keeps its number.
        while transport
            .get(&format!(
                "{folder}/{:08x}-{:016x}",
                key.epoch, self.next_sequence
            ))?
            .is_some()
        {
            self.next_sequence += 1;
        }
        let header = BatchHeader {
            family: self.family,
            epoch: key.epoch,
            device: self.device,
            sequence: self.next_sequence,
        };
        transport.put(
            &format!("{folder}/{:08x}-{:016x}", key.epoch, header.sequence),
            &seal_changes(&key, header, changes)?,
        )?;
        self.next_sequence += 1;
        Ok(Some(header))
    }

    /// The last sequence of each device in `epoch`, when a removal closed it (sealed under a
    /// later key this device holds); read once per pull.
    fn closed_epoch<'a>(
        &self,
        transport: &dyn Transport,
        epoch: u32,
        cache: &'a mut BTreeMap<u32, Option<BTreeMap<String, u64>>>,
    ) -> Result<Option<&'a BTreeMap<String, u64>>> {
        if let std::collections::btree_map::Entry::Vacant(slot) = cache.entry(epoch) {
            let name = format!("{}/closed/{epoch:08x}", self.root());
            let closed = match transport.get(&name)? {
                Some(bytes) => match open_batch(&self.family, &self.keys, &bytes) {
                    Ok((header, json)) if header.epoch > epoch => {
                        serde_json::from_slice(&json).ok()
                    }
                    _ => None,
                },
                None => None,
            };
            slot.insert(closed);
        }
        Ok(cache.get(&epoch).and_then(Option::as_ref))
    }

    /// Opens every batch of the family not in `seen` (by device, epoch and sequence), this
    /// device's own included. A batch that is altered, of another family, of an epoch this
    /// device does not hold, or stored under another device's or position's name, is refused
    /// and reported; a batch seen before is skipped (a replay changes nothing).
    pub fn pull(
        &self,
        transport: &dyn Transport,
        seen: &BTreeSet<(String, u32, u64)>,
    ) -> Result<Pulled> {
        let mut pulled = Pulled::default();
        let mut closed_epochs = BTreeMap::new();
        let root = format!("{}/batches", self.root());
        for device in transport.list(&root)? {
            if unhex::<ID_LEN>(&device).is_none() {
                continue;
            }
            for name in transport.list(&format!("{root}/{device}"))? {
                let Some((epoch, sequence)) = batch_position(&name) else {
                    continue;
                };
                if seen.contains(&(device.clone(), epoch, sequence)) {
                    continue;
                }
                let path = format!("{root}/{device}/{name}");
                if let Some(closed) = self.closed_epoch(transport, epoch, &mut closed_epochs)? {
                    if closed.get(&device).is_none_or(|last| sequence > *last) {
                        pulled
                            .refused
                            .push((path, "was written after its key epoch was closed".into()));
                        continue;
                    }
                }
                let Some(bytes) = transport.get(&path)? else {
                    continue;
                };
                match open_changes(&self.family, &self.keys, &bytes) {
                    Ok((header, changes))
                        if hex(&header.device) == device
                            && header.epoch == epoch
                            && header.sequence == sequence =>
                    {
                        pulled.batches.push((header, changes));
                    }
                    Ok(_) => pulled
                        .refused
                        .push((path, "is stored under another name than its own".into())),
                    Err(e) => pulled.refused.push((path, e.to_string())),
                }
            }
        }
        pulled.batches.sort_by(|a, b| {
            (a.0.device, a.0.epoch, a.0.sequence).cmp(&(b.0.device, b.0.epoch, b.0.sequence))
        });
        Ok(pulled)
    }
}

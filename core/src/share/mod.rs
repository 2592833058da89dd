//! Shared care (clinical-rules §11, issue 15): one child's diary on every caregiver's phone.
//! This part holds what needs no store: the cryptography of batches and keys, the hybrid
//! logical clock that orders concurrent changes, the merge of every device's changes, and the
//! protocol over a transport (a shared folder, or the relay through the shell's HTTP client).

pub mod batch;
pub mod claims;
pub mod codes;
pub mod crypto;
pub mod folder;
pub mod hlc;
pub mod merge;
pub mod relay;
pub mod relay_protocol;
pub mod secrets;
pub mod sync;

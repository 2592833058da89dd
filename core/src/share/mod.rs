//! Shared care (clinical-rules §11, issue 15): one child's diary on every caregiver's phone.
//! This part holds what needs no store: the cryptography of batches and keys, and the hybrid
//! logical clock that orders concurrent changes.

pub mod batch;
pub mod codes;
pub mod crypto;
pub mod hlc;
pub mod merge;

//! NephroDiary core: the clinical engines and the embedded SQLite store behind the
//! NephroDiary app for families of children with frequently relapsing or steroid-dependent
//! nephrotic syndrome.
//!
//! Engines are pure functions over values (the clock is a parameter); the store is the only I/O.
#![deny(missing_docs)]

// First: the `message!` macro is used by the modules below.
#[macro_use]
pub mod messages;
pub mod body;
pub mod bounds;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod dates;
pub mod diary;
pub mod dipstick;
pub mod dose;
pub mod drug;
pub mod error;
pub mod export;
pub mod growth;
pub mod ids;
pub mod labs;
pub mod locale;
pub mod medicine;
pub mod model;
pub mod numeric;
pub mod protein;
pub mod relapse;
pub mod schedule;
pub mod share;
pub mod store;
pub mod taper;
#[cfg(test)]
mod test_support;
#[cfg(feature = "uniffi")]
pub mod uniffi_support;

pub use error::{Error, Result};

// The namespace of the core's types across the FFI (`uniffi_support`).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("nephro_core");

//! UniFFI bindings of the NephroDiary core (namespace `nephro`) for Kotlin, Swift and Python.
//!
//! This crate only converts and delegates: FFI records mirror the core's types, one
//! [`NephroError`] carries every refusal, and the [`Diary`] object wraps the core's store.
//! Dates cross as `YYYY-MM-DD` strings, wall-clock times as `HH:MM`, instants as UTC epoch
//! milliseconds (`i64`).
#![deny(missing_docs)]

#[cfg(feature = "conformance")]
mod conformance;
mod diagnostics;
mod diary;
mod dipstick;
mod error;
mod export;
mod growth;
mod home;
mod labs;
mod medicine;
mod records;
mod reminders;
mod share;
mod taper;
mod types;
mod urine;

#[cfg(feature = "conformance")]
pub use conformance::*;
pub use diagnostics::{
    clear_diagnostics_reporter, failure_report, set_diagnostics_reporter, DiagnosticsReporter,
    FailureReport,
};
pub use diary::*;
pub use dipstick::*;
pub use error::{ConflictKind, DoseLimit, NephroError};
pub use export::*;
pub use growth::*;
pub use home::*;
pub use labs::*;
pub use medicine::*;
/// The language of family-facing texts; crosses the FFI as its tag (`en`, `zh-Hans`).
pub use nephro_core::locale::Locale;
pub use records::*;
pub use reminders::*;
pub use share::*;
pub use taper::*;
pub use urine::*;

uniffi::setup_scaffolding!("nephro");

/// Returns its argument unchanged. Lets a shell check that the library loads, and lets the
/// benchmarks measure the cost of one call across the FFI.
#[uniffi::export]
pub fn ping(value: i64) -> i64 {
    value
}

/// The version of the NephroDiary core in this library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

//! UniFFI bindings of the NephroDiary core (namespace `nephro`) for Kotlin, Swift and Python.
//!
//! This crate only converts and delegates: FFI records mirror the core's types, one
//! [`NephroError`] carries every refusal, and the [`Diary`] object wraps the core's store.
//! Dates cross as `YYYY-MM-DD` strings, wall-clock times as `HH:MM`, instants as UTC epoch
//! milliseconds (`i64`).
#![deny(missing_docs)]

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
mod taper;
mod types;
mod urine;

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
pub use records::*;
pub use reminders::*;
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

/// Evaluates one conformance case (the text of a case file, see `conformance.md`) and returns
/// the engine's output as JSON text, exactly as `nephro eval` prints it. Only in a library built
/// with the `conformance` feature (tests): the shipped library has no case-file runner.
#[cfg(feature = "conformance")]
#[uniffi::export]
pub fn evaluate_conformance_case(case_json: String) -> Result<String, NephroError> {
    nephro_core::conformance::evaluate_case_text(&case_json)
        .map(|v| v.to_string())
        .map_err(|e| NephroError::Validation {
            field: "case".into(),
            reason: e.to_string(),
        })
}

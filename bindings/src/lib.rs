//! UniFFI bindings of the NephroDiary core (namespace `nephro`) for Kotlin, Swift and Python.
//!
//! This crate only converts and delegates. The core's own records and enums cross the FFI as
//! they are, derived in the core behind its `uniffi` feature (namespace `nephro_core`, with the
//! one [`NephroError`] and the conversions of dates, times, instants, locales and medication
//! ids: `nephro_core::uniffi_support`). Inputs whose dates or instants must be named in a
//! refusal are the core's records too, carrying their text and parsed in the core; so are the
//! views of stored rows the screens read. This crate holds the [`Diary`] object wrapping the
//! core's store, whose methods each delegate in a line or two, and the foreign traits the shells
//! implement (sharing transport, secure storage, the relay's HTTP client, the diagnostics
//! reporter) with their adapters to the core's. Dates cross as
//! `YYYY-MM-DD` strings, wall-clock times as `HH:MM`, instants as UTC epoch milliseconds
//! (`i64`).
#![deny(missing_docs)]

#[cfg(feature = "conformance")]
mod conformance;
mod diagnostics;
mod diary;
mod dipstick;
mod export;
mod growth;
mod home;
mod labs;
mod medicine;
mod records;
mod relay;
mod reminders;
mod share;
mod taper;
mod urine;

#[cfg(feature = "conformance")]
pub use conformance::*;
pub use diagnostics::{
    clear_diagnostics_reporter, set_diagnostics_reporter, DiagnosticsReporter, FailureReport,
};
pub use diary::*;
pub use dipstick::*;
pub use export::*;
pub use growth::*;
pub use home::*;
pub use labs::*;
pub use medicine::*;
pub use nephro_core::error::ConflictKind;
pub use nephro_core::ids::{MedicineId, PatientId, RegimenId};
pub use nephro_core::locale::Locale;
pub use nephro_core::uniffi_support::{DoseLimit, NephroError};
pub use records::*;
pub use reminders::*;
pub use share::*;
pub use taper::*;
pub use urine::*;

uniffi::setup_scaffolding!("nephro");

// The core's conversions of dates, times and instants (`nephro_core::uniffi_support`), used
// by this crate's functions and records too.
uniffi::use_remote_type!(nephro_core::chrono::NaiveDate);
uniffi::use_remote_type!(nephro_core::chrono::NaiveTime);
uniffi::use_remote_type!(nephro_core::chrono::DateTime<chrono::Utc>);
uniffi::use_remote_type!(nephro_core::chrono::DateTime<chrono::FixedOffset>);

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

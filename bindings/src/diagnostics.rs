//! The diagnostics callback: a shell may register a reporter that is told of every failed
//! call of a [`crate::Diary`] (its name and the error's kind), and of nothing the family wrote.

use std::sync::{Arc, RwLock};

use nephro_core::Error;

use crate::NephroError;

/// A failed call, as a [`DiagnosticsReporter`] sees it. It holds identifiers only, never a
/// value, a name, a note, a path or SQL, so it may go to logs and crash reports as it is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FailureReport {
    /// The call that failed, as the Rust method is named: `open`, `log_dose`, `home_screen`…
    pub operation: String,
    /// The error's variant as an identifier: `validation`, `dose_out_of_range`, `not_measurable`,
    /// `not_found`,
    /// `conflict`, `corrupt_database`, `not_a_diary`, `newer_schema`, `unknown_schema`,
    /// `upgrade_failed`, `migration_failed`, `read_only`, `needs_confirmation`, `photo` or
    /// `storage`.
    pub error: String,
    /// A finer identifier where the error has one: the conflict's kind (`client_id_reused`),
    /// the field of a validation error (`weight_kg`), the check of a confirmation, the photo
    /// problem, the drug of a dose limit, the entity not found, SQLite's result code
    /// (`DatabaseBusy`, `DiskFull`) or the file error's kind (`PermissionDenied`).
    pub code: Option<String>,
}

/// What a shell implements to hear of failed calls (to count them, or to send them with its
/// crash reports). Called on the thread of the failed call, after the diary is released, so it
/// may call the diary again; it should return quickly.
#[uniffi::export(with_foreign)]
pub trait DiagnosticsReporter: Send + Sync {
    /// Reports one failed call. An error thrown here is ignored: it never changes the outcome
    /// of the call that failed.
    fn report_failure(&self, report: FailureReport) -> Result<(), NephroError>;
}

/// The reporter of this process, if one is registered.
static REPORTER: RwLock<Option<Arc<dyn DiagnosticsReporter>>> = RwLock::new(None);

/// Registers `reporter` to hear of every later failed call in this process, replacing any
/// earlier one.
#[uniffi::export]
pub fn set_diagnostics_reporter(reporter: Arc<dyn DiagnosticsReporter>) {
    *REPORTER
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(reporter);
}

/// Stops reporting failed calls.
#[uniffi::export]
pub fn clear_diagnostics_reporter() {
    *REPORTER
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
}

/// Tells the registered reporter, if any, that `operation` failed with `error`.
pub(crate) fn report_failure(operation: &str, error: &Error) {
    let reporter = REPORTER
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    if let Some(reporter) = reporter {
        // A reporter's own failure is not the caller's concern.
        let _ = reporter.report_failure(failure_report(operation, error));
    }
}

/// The report of `operation` failing with `error`: identifiers only.
pub fn failure_report(operation: &str, error: &Error) -> FailureReport {
    FailureReport {
        operation: operation.to_string(),
        error: error_id(error).to_string(),
        code: error.diagnostic_code(),
    }
}

/// The [`NephroError`] variant `error` becomes, as an identifier.
fn error_id(error: &Error) -> &'static str {
    match error {
        Error::Invalid { .. } => "validation",
        Error::DoseOutOfRange { .. }
        | Error::DailyMaximumExceeded { .. }
        | Error::CumulativeDoseExceeded { .. } => "dose_out_of_range",
        Error::NotMeasurable { .. } => "not_measurable",
        Error::NotFound { .. } => "not_found",
        Error::Conflict { .. } => "conflict",
        Error::CorruptDatabase { .. } => "corrupt_database",
        Error::NotADiary { .. } => "not_a_diary",
        Error::NewerSchema { .. } => "newer_schema",
        Error::UnknownSchema { .. } => "unknown_schema",
        Error::UpgradeFailed { .. } => "upgrade_failed",
        Error::MigrationFailed { .. } => "migration_failed",
        Error::ReadOnly => "read_only",
        Error::NeedsConfirmation { .. } => "needs_confirmation",
        Error::Photo(_) => "photo",
        Error::Sqlite(_) | Error::Io(_) => "storage",
    }
}

/// The name of the method whose closure is `F`: `log_dose` for a closure written in
/// `Diary::log_dose` (the closure's type is named after the function it is written in).
pub(crate) fn operation_of<F>() -> &'static str {
    let mut name = std::any::type_name::<F>();
    while let Some(outer) = name.strip_suffix("::{{closure}}") {
        name = outer;
    }
    name.rsplit("::").next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_is_named_after_the_function_its_closure_is_written_in() {
        fn log_dose() -> &'static str {
            let f = |x: i64| x;
            fn name_of<F>(_: &F) -> &'static str {
                operation_of::<F>()
            }
            name_of(&f)
        }
        assert_eq!(log_dose(), "log_dose");
    }
}

//! The diagnostics callback: a shell may register a reporter that is told of every failed
//! call of a [`crate::Diary`] (its name and the error's kind), and of nothing the family wrote.

use std::sync::{Arc, RwLock};

pub use nephro_core::error::FailureReport;
pub use nephro_core::uniffi_support::DiagnosticsReporter;
use nephro_core::Error;

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
        let _ = reporter.report_failure(error.failure_report(operation));
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

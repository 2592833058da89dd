//! `nephro eval`: one conformance case in, one JSON object out (conformance.md, "The command").

use std::path::Path;
use std::process::ExitCode;

use nephro_core::conformance::evaluate_case_text;

use crate::terminal::{emit, is_broken_pipe, without_control_characters};

/// Writes `nephro eval: <message>` to standard error, control characters escaped.
fn report(message: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "nephro eval: {}",
        without_control_characters(message)
    );
}

/// Exit status when the file is not a readable case.
const NOT_A_CASE: u8 = 2;

/// Prints the engine's output (or its refusal) and exits 0; exits 2 when the file is not a case.
pub fn run(path: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            report(&format!("cannot read {}: {e}", path.display()));
            return ExitCode::from(NOT_A_CASE);
        }
    };
    match evaluate_case_text(&text) {
        Ok(output) => match emit(&format!("{output}\n")) {
            Err(e) if !is_broken_pipe(e.as_ref()) => {
                report(&e.to_string());
                ExitCode::FAILURE
            }
            _ => ExitCode::SUCCESS,
        },
        Err(e) => {
            report(&format!("{}: {e}", path.display()));
            ExitCode::from(NOT_A_CASE)
        }
    }
}

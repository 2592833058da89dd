//! `nephro eval`: one conformance case in, one JSON object out (conformance.md, "The command").

use std::path::Path;
use std::process::ExitCode;

use nephro_core::conformance::evaluate_case_text;

/// Exit status when the file is not a readable case.
const NOT_A_CASE: u8 = 2;

/// Prints the engine's output (or its refusal) and exits 0; exits 2 when the file is not a case.
pub fn run(path: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("nephro eval: cannot read {}: {e}", path.display());
            return ExitCode::from(NOT_A_CASE);
        }
    };
    match evaluate_case_text(&text) {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nephro eval: {}: {e}", path.display());
            ExitCode::from(NOT_A_CASE)
        }
    }
}

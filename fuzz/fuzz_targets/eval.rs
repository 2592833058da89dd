//! `nephro eval`: the text of a conformance case file, as the CLI and the FFI's
//! `evaluate_conformance_case` read it. Any text is either a case (whose engine answers or
//! refuses with a typed error object) or a file error; it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nephro_core::conformance::evaluate_case_text;

fuzz_target!(|data: &[u8]| {
    // The CLI reads the file as UTF-8 and the FFI receives a String: other bytes never get here.
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(answer) = evaluate_case_text(text) {
        // The CLI prints the answer; printing must not fail either.
        let printed = answer.to_string();
        assert!(serde_json::from_str::<serde_json::Value>(&printed).is_ok());
        if let Some(error) = answer.get("error") {
            let code = error.get("code").and_then(|c| c.as_str()).unwrap_or_default();
            assert!(
                ["invalid_input", "dose_out_of_range", "not_found", "conflict", "unsupported_suite"].contains(&code),
                "unknown error code {code}"
            );
        }
    }
});

//! The conformance case runner behind `nephro eval` (`shared/spec/conformance.md`).
//!
//! A case names a suite and an `input` object; [`evaluate_case`] runs the input through that
//! suite's engine and returns its output, or `{"error": {"code", "message"}}` when the engine
//! refuses the input. Only a file that is not a readable case is a [`CaseFileError`].
//! Each suite's JSON adapter lives in its own submodule; the engines themselves know no JSON.

mod dipstick;
mod dose;
mod input;
mod labs;
mod medicine;
mod relapse;
mod schedule;
mod taper;

use serde_json::{json, Value};

use crate::error::{Error, Result};

pub use dipstick::samples as dipstick_samples;
pub use input::Input;

/// A file that is not a readable conformance case (`nephro eval` exits 2).
#[derive(Debug, thiserror::Error)]
pub enum CaseFileError {
    /// The text is not JSON.
    #[error("the case is not valid JSON: {0}")]
    NotJson(String),
    /// The JSON is not an object.
    #[error("the case is not a JSON object")]
    NotAnObject,
    /// `suite` is missing or names no known suite.
    #[error("unknown suite {0:?}; expected one of relapse, taper, schedule, dose, dipstick, labs, liquid_taper, cyclophosphamide")]
    UnknownSuite(String),
    /// `input` is missing or not an object.
    #[error("the case has no `input` object")]
    NoInput,
}

/// The engine behind each suite a case may name (`labs`, `liquid_taper` and `cyclophosphamide`
/// are the project's own suites, documented in `tests/conformance/README.md`).
fn engine_of(suite: &str) -> Option<fn(&Input) -> Result<Value>> {
    match suite {
        "dipstick" => Some(dipstick::evaluate),
        "cyclophosphamide" => Some(medicine::evaluate_cyclophosphamide),
        "dose" => Some(dose::evaluate),
        "labs" => Some(labs::evaluate),
        "liquid_taper" => Some(medicine::evaluate_liquid_taper),
        "relapse" => Some(relapse::evaluate),
        "schedule" => Some(schedule::evaluate),
        "taper" => Some(taper::evaluate),
        _ => None,
    }
}

/// Evaluates the text of a case file.
pub fn evaluate_case_text(text: &str) -> Result<Value, CaseFileError> {
    let case: Value =
        serde_json::from_str(text).map_err(|e| CaseFileError::NotJson(e.to_string()))?;
    evaluate_case(&case)
}

/// Evaluates a parsed case: the engine's output, or the engine's refusal as an error object.
pub fn evaluate_case(case: &Value) -> Result<Value, CaseFileError> {
    let case = case.as_object().ok_or(CaseFileError::NotAnObject)?;
    let engine = case
        .get("suite")
        .and_then(Value::as_str)
        .and_then(engine_of)
        .ok_or_else(|| {
            CaseFileError::UnknownSuite(
                case.get("suite")
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "(missing)".into()),
            )
        })?;
    let input = case
        .get("input")
        .and_then(Value::as_object)
        .ok_or(CaseFileError::NoInput)?;
    Ok(engine(&Input::new(input)).unwrap_or_else(|refusal| refusal_json(&refusal)))
}

/// The error object of an engine's refusal, with its conformance code.
pub fn refusal_json(error: &Error) -> Value {
    json!({"error": {"code": error.code(), "message": error.to_string()}})
}

/// Whether `actual` matches `expected` by the rules of `conformance.md`: every key of an
/// expected object present with a matching value (extra keys allowed), arrays element by element
/// with equal length, numbers within 1e-6, strings/booleans/null exactly (a boolean never
/// matches a number). Returns the path of the first mismatch.
pub fn mismatch(expected: &Value, actual: &Value) -> Option<String> {
    fn walk(path: &str, e: &Value, a: &Value) -> Option<String> {
        match (e, a) {
            (Value::Object(eo), Value::Object(ao)) => {
                eo.iter().find_map(|(k, ev)| match ao.get(k) {
                    Some(av) => walk(&format!("{path}.{k}"), ev, av),
                    None => Some(format!("{path}.{k}: missing")),
                })
            }
            (Value::Array(ea), Value::Array(aa)) => {
                if ea.len() != aa.len() {
                    return Some(format!(
                        "{path}: expected {} elements, got {}",
                        ea.len(),
                        aa.len()
                    ));
                }
                ea.iter()
                    .zip(aa)
                    .enumerate()
                    .find_map(|(i, (ev, av))| walk(&format!("{path}[{i}]"), ev, av))
            }
            (Value::Number(en), Value::Number(an)) => {
                let (x, y) = (
                    en.as_f64().unwrap_or(f64::NAN),
                    an.as_f64().unwrap_or(f64::NAN),
                );
                ((x - y).abs() > 1e-6).then(|| format!("{path}: expected {x}, got {y}"))
            }
            _ => (e != a).then(|| format!("{path}: expected {e}, got {a}")),
        }
    }
    walk("$", expected, actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_follows_the_spec() {
        assert!(mismatch(&json!({"a": 1}), &json!({"a": 1.0000001, "b": 2})).is_none());
        assert!(mismatch(&json!({"a": 1}), &json!({"a": 1.1})).is_some());
        assert!(mismatch(&json!({"a": true}), &json!({"a": 1})).is_some());
        assert!(mismatch(&json!([1, 2]), &json!([1, 2, 3])).is_some());
        assert!(mismatch(&json!({"a": null}), &json!({})).is_some());
        assert!(mismatch(
            &json!({"error": {"code": "x"}}),
            &json!({"error": {"code": "x", "message": "m"}})
        )
        .is_none());
    }

    #[test]
    fn unreadable_cases_are_file_errors() {
        assert!(matches!(
            evaluate_case_text("not json"),
            Err(CaseFileError::NotJson(_))
        ));
        assert!(matches!(
            evaluate_case_text("[1]"),
            Err(CaseFileError::NotAnObject)
        ));
        assert!(matches!(
            evaluate_case_text(r#"{"suite":"nope","input":{}}"#),
            Err(CaseFileError::UnknownSuite(_))
        ));
        assert!(matches!(
            evaluate_case_text(r#"{"suite":"dose"}"#),
            Err(CaseFileError::NoInput)
        ));
        assert!(matches!(
            evaluate_case_text(r#"{"suite":"dose","input":3}"#),
            Err(CaseFileError::NoInput)
        ));
    }

    #[test]
    fn problems_inside_input_are_refusals() {
        let out = evaluate_case_text(r#"{"suite":"dose","input":{"drug":"aspirin"}}"#).unwrap();
        assert_eq!(out["error"]["code"], "invalid_input");
        assert!(out["error"]["message"].as_str().unwrap().contains("drug"));
    }
}

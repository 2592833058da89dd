//! Every `schedule` conformance case through the typed `next_reminders_for`, a test-only entry
//! point (the `conformance` feature: `cargo test -p nephro-ffi --features conformance`).

use std::path::{Path, PathBuf};

use nephro_ffi::*;
use serde_json::Value;

fn case_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files: Vec<PathBuf> = [
        root.join("../shared/conformance/schedule"),
        root.join("tests/conformance/schedule"),
    ]
    .iter()
    .flat_map(|dir| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
    })
    .filter(|p| p.extension().is_some_and(|e| e == "json"))
    .collect();
    files.sort();
    files
}

/// The typed input of a case (as the Kotlin, Swift and Python tests build it).
fn case_input(input: &Value) -> ScheduleCaseInput {
    let text = |v: &Value| v.as_str().unwrap().to_string();
    ScheduleCaseInput {
        timezone: text(&input["timezone"]),
        from: text(&input["from"]),
        count: input.get("count").map(|c| c.as_u64().unwrap() as u32),
        medications: input["medications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| ScheduleMedication {
                id: text(&m["id"]),
                times: m["times"].as_array().unwrap().iter().map(text).collect(),
                days: match m.get("days") {
                    None => ScheduleDays::Daily,
                    Some(Value::String(s)) if s == "daily" => ScheduleDays::Daily,
                    Some(days) if days.get("alternate_from").is_some() => {
                        ScheduleDays::AlternateFrom {
                            anchor: text(&days["alternate_from"]),
                        }
                    }
                    Some(days) => ScheduleDays::Dates {
                        dates: days["dates"].as_array().unwrap().iter().map(text).collect(),
                    },
                },
                start: m.get("start").map(text),
                end: m.get("end").map(text),
            })
            .collect(),
    }
}

#[test]
fn every_schedule_case_passes_through_the_typed_function() {
    let files = case_files();
    assert!(
        files.len() >= 8,
        "only {} schedule cases found",
        files.len()
    );
    for file in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let output = match next_reminders_for(case_input(&case["input"])) {
            Ok(reminders) => serde_json::json!({
                "reminders": reminders
                    .iter()
                    .map(|r| serde_json::json!({"medication": r.medication_id, "local": r.local, "utc": r.utc}))
                    .collect::<Vec<_>>()
            }),
            Err(NephroError::Validation { .. }) => {
                serde_json::json!({"error": {"code": "invalid_input"}})
            }
            Err(other) => panic!("{}: {other}", file.display()),
        };
        let why = nephro_core::conformance::mismatch(&case["expected"], &output);
        assert!(
            why.is_none(),
            "{}: {why:?}\n  output: {output}",
            file.display()
        );
    }
}

#[test]
fn typed_refusals_name_the_field_like_the_json_cases() {
    let base = || ScheduleCaseInput {
        timezone: "Asia/Shanghai".into(),
        from: "2025-06-01T00:00:00+08:00".into(),
        count: Some(2),
        medications: vec![ScheduleMedication {
            id: "t".into(),
            times: vec!["08:00".into()],
            days: ScheduleDays::Daily,
            start: None,
            end: None,
        }],
    };
    let field_of = |input: ScheduleCaseInput| match next_reminders_for(input) {
        Err(NephroError::Validation { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field_of(ScheduleCaseInput {
            count: Some(0),
            ..base()
        }),
        "count"
    );
    assert_eq!(
        field_of(ScheduleCaseInput {
            from: "2025-06-01T00:00:00".into(),
            ..base()
        }),
        "from"
    );
    assert_eq!(
        field_of(ScheduleCaseInput {
            timezone: "Mars/Base".into(),
            ..base()
        }),
        "timezone"
    );
    let mut bad_time = base();
    bad_time.medications[0].times.push("24:00".into());
    assert_eq!(field_of(bad_time), "medications[0].times[1]");
    let mut bad_date = base();
    bad_date.medications[0].days = ScheduleDays::Dates {
        dates: vec!["2025-06-31".into()],
    };
    assert_eq!(field_of(bad_date), "medications[0].days.dates[0]");
    let mut inverted = base();
    inverted.medications[0].start = Some("2025-06-02".into());
    inverted.medications[0].end = Some("2025-06-01".into());
    assert_eq!(field_of(inverted), "medications[0].end");
    let mut blank = base();
    blank.medications[0].id = String::new();
    assert_eq!(field_of(blank), "medications[0].id");
    assert_eq!(
        next_reminders_for(ScheduleCaseInput {
            count: None,
            ..base()
        })
        .unwrap()
        .len(),
        64
    );
}

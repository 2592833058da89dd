//! Suite `schedule` (clinical-rules §7).

use std::collections::HashSet;

use chrono::Utc;
use serde_json::{json, Map, Value};

use super::input::element;
use super::Input;
use crate::dates::{
    format_local, format_utc, parse_clock_time, parse_date, parse_instant, parse_time_zone,
};
use crate::error::{Error, Result};
use crate::schedule::{
    next_reminders, DayPattern, MedicationSchedule, IOS_PENDING_NOTIFICATION_LIMIT,
};

/// Runs a `schedule` case input. `count` defaults to 64 (clinical-rules §7); each medication may
/// also carry optional `start` and `end` dates (inclusive active range).
pub fn evaluate(input: &Input) -> Result<Value> {
    let tz = parse_time_zone("timezone", input.text("timezone")?)?;
    let from = parse_instant("from", input.text("from")?)?.with_timezone(&Utc);
    let count = match input.get("count") {
        None => IOS_PENDING_NOTIFICATION_LIMIT,
        Some(_) => {
            let count = input.whole("count")?;
            usize::try_from(count)
                .ok()
                .filter(|&c| c >= 1)
                .ok_or_else(|| Error::invalid("count", "must be at least 1"))?
        }
    };
    let medications = input
        .array("medications")?
        .iter()
        .enumerate()
        .map(|(i, value)| medication(i, element("medications", i, value)?))
        .collect::<Result<Vec<_>>>()?;

    let reminders = next_reminders(&medications, tz, from, count, &HashSet::new());
    Ok(json!({
        "reminders": reminders
            .iter()
            .map(|r| json!({"medication": r.medication_id, "local": format_local(&r.local), "utc": format_utc(&r.instant_utc)}))
            .collect::<Vec<_>>(),
    }))
}

fn medication(index: usize, map: &Map<String, Value>) -> Result<MedicationSchedule> {
    let prefix = format!("medications[{index}]");
    let input = Input::nested(map, &prefix);
    let id = input.text("id")?;
    if id.is_empty() {
        return Err(Error::invalid(input.field("id"), "must not be empty"));
    }
    let times = input
        .array("times")?
        .iter()
        .enumerate()
        .map(|(j, value)| {
            let field = format!("{prefix}.times[{j}]");
            let text = value
                .as_str()
                .ok_or_else(|| Error::invalid(&field, "must be a time written HH:MM"))?;
            parse_clock_time(&field, text)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut schedule = MedicationSchedule::new(id, times, day_pattern(&input)?);
    schedule.start = input.opt_date("start")?;
    schedule.end = input.opt_date("end")?;
    if let (Some(start), Some(end)) = (schedule.start, schedule.end) {
        if end < start {
            return Err(Error::invalid(
                input.field("end"),
                "must not be before start",
            ));
        }
    }
    Ok(schedule)
}

/// `"daily"` (the default), `{"alternate_from": date}` or `{"dates": [date, ...]}`.
fn day_pattern(input: &Input) -> Result<DayPattern> {
    let field = input.field("days");
    let wrong = || {
        Error::invalid(
            &field,
            r#"must be "daily", {"alternate_from": date} or {"dates": [date, ...]}"#,
        )
    };
    let Some(days) = input.get("days") else {
        return Ok(DayPattern::Daily);
    };
    if days.as_str() == Some("daily") {
        return Ok(DayPattern::Daily);
    }
    let object = days
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(wrong)?;
    let nested = Input::nested(object, &field);
    if nested.has("alternate_from") {
        return Ok(DayPattern::AlternateFrom(nested.date("alternate_from")?));
    }
    if nested.has("dates") {
        let list_field = nested.field("dates");
        let dates = nested
            .array("dates")?
            .iter()
            .enumerate()
            .map(|(k, value)| {
                let item = format!("{list_field}[{k}]");
                let text = value
                    .as_str()
                    .ok_or_else(|| Error::invalid(&item, "must be a date written YYYY-MM-DD"))?;
                parse_date(&item, text)
            })
            .collect::<Result<Vec<_>>>()?;
        return Ok(DayPattern::Dates(dates));
    }
    Err(wrong())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::conformance::evaluate_case;

    fn run(input: serde_json::Value) -> serde_json::Value {
        evaluate_case(&json!({"suite": "schedule", "input": input})).unwrap()
    }

    fn refusal(input: serde_json::Value) -> String {
        let out = run(input);
        assert_eq!(out["error"]["code"], "invalid_input", "{out}");
        out["error"]["message"].as_str().unwrap().to_string()
    }

    fn base() -> serde_json::Value {
        json!({
            "timezone": "Asia/Shanghai",
            "from": "2025-06-01T00:00:00+08:00",
            "count": 2,
            "medications": [{"id": "tacrolimus", "times": ["08:00", "20:00"]}]
        })
    }

    /// The suite's own cases (shared and project) all run here, not skipped as unsupported.
    #[test]
    fn every_schedule_case_passes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut passed = 0;
        for dir in [
            root.join("../shared/conformance/schedule"),
            root.join("tests/conformance/schedule"),
        ] {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
            {
                let case: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let output = evaluate_case(&case).unwrap();
                let why = crate::conformance::mismatch(&case["expected"], &output);
                assert!(
                    why.is_none(),
                    "{}: {why:?}\n  output: {output}",
                    path.display()
                );
                passed += 1;
            }
        }
        eprintln!("schedule: {passed} cases passed");
    }

    #[test]
    fn days_default_to_daily_and_count_to_64() {
        let out = run(base());
        assert_eq!(out["reminders"].as_array().unwrap().len(), 2);
        let mut input = base();
        input.as_object_mut().unwrap().remove("count");
        assert_eq!(run(input)["reminders"].as_array().unwrap().len(), 64);
    }

    #[test]
    fn refusals_name_the_field() {
        let with = |key: &str, value: serde_json::Value| {
            let mut input = base();
            input[key] = value;
            input
        };
        assert!(refusal(with("timezone", json!("Mars/Olympus_Mons"))).contains("timezone"));
        assert!(refusal(with("from", json!("2025-06-01T00:00:00"))).contains("from"));
        assert!(refusal(with("from", json!("2025-06-01"))).contains("from"));
        assert!(refusal(with("count", json!(0))).contains("count"));
        assert!(refusal(with("count", json!(-3))).contains("count"));
        assert!(refusal(with("count", json!(1.5))).contains("count"));
        let bad_time = with(
            "medications",
            json!([{"id": "t", "times": ["08:00", "24:00"]}]),
        );
        assert!(refusal(bad_time).contains("medications[0].times[1]"));
        assert!(
            refusal(with("medications", json!([{"id": "t", "times": ["7:5"]}])))
                .contains("medications[0].times[0]")
        );
        assert!(
            refusal(with("medications", json!([{"id": "t", "times": [800]}]))).contains("times[0]")
        );
        let bad_days = with(
            "medications",
            json!([{"id": "t", "times": ["08:00"], "days": "weekly"}]),
        );
        assert!(refusal(bad_days).contains("medications[0].days"));
        let two_keys = json!([{"id": "t", "times": ["08:00"], "days": {"alternate_from": "2025-06-01", "dates": []}}]);
        assert!(refusal(with("medications", two_keys)).contains("medications[0].days"));
        let bad_date = json!([{"id": "t", "times": ["08:00"], "days": {"dates": ["2025-06-31"]}}]);
        assert!(refusal(with("medications", bad_date)).contains("medications[0].days.dates[0]"));
        assert!(refusal(with("medications", json!([{"times": ["08:00"]}])))
            .contains("medications[0].id"));
        assert!(refusal(with("medications", json!(["t"]))).contains("medications[0]"));
        assert!(refusal(with("medications", json!({}))).contains("medications"));
    }
}

//! Suite `relapse` (clinical-rules §5 and §6).

use serde_json::{json, Value};

use super::input::element;
use super::Input;
use crate::dates::format_date;
use crate::error::{Error, Result};
use crate::protein::{DipstickGrade, UpcrUnit, UrineMeasurement, UrineReading};
use crate::relapse::{assess, DefinitionSet, DiseaseState, RelapseInput, SteroidCourse};

/// Runs a `relapse` case input.
///
/// Output: the keys of `conformance.md` (`state`, `relapses` and `remissions` as onset dates,
/// `frequently_relapsing`, `steroid_dependent`) plus `as_of`, `relapse_episodes`
/// (`onset`, `confirmed`, `remission_onset`), `remission_episodes` (`onset`, `confirmed`),
/// `relapse_rate_per_year`, `days_since_last_relapse`, `days_in_current_remission` and
/// `next_action` (`kind`, `date`), each null when unknown.
pub fn evaluate(input: &Input) -> Result<Value> {
    let definitions = match input.opt_text("definitions")? {
        Some(text) => DefinitionSet::parse("definitions", text)?,
        None => DefinitionSet::default(),
    };
    let initial_state = match input.opt_text("initial_state")? {
        Some(text) => DiseaseState::parse("initial_state", text)?,
        None => DiseaseState::default(),
    };
    let readings = input
        .opt_array("readings")?
        .map(Vec::as_slice)
        .unwrap_or_default();
    let readings = readings
        .iter()
        .enumerate()
        .map(|(i, v)| reading(i, v))
        .collect::<Result<Vec<_>>>()?;
    let courses = input
        .opt_array("steroid_courses")?
        .map(Vec::as_slice)
        .unwrap_or_default();
    let steroid_courses = courses
        .iter()
        .enumerate()
        .map(|(i, v)| course(i, v))
        .collect::<Result<Vec<_>>>()?;
    let request = RelapseInput {
        definitions,
        initial_state,
        initial_remission: input.opt_date("initial_remission")?,
        readings,
        steroid_courses,
        as_of: input.opt_date("as_of")?,
    };
    let a = assess(&request)?;
    let date = |d: Option<chrono::NaiveDate>| d.map(format_date);
    Ok(json!({
        "state": a.state.id(),
        "relapses": a.relapses.iter().map(|r| format_date(r.onset)).collect::<Vec<_>>(),
        "remissions": a.remissions.iter().map(|r| format_date(r.onset)).collect::<Vec<_>>(),
        "frequently_relapsing": a.frequently_relapsing,
        "steroid_dependent": a.steroid_dependent,
        "as_of": date(a.as_of),
        "relapse_episodes": a.relapses.iter().map(|r| json!({
            "onset": format_date(r.onset),
            "confirmed": format_date(r.confirmed),
            "remission_onset": date(r.remission_onset),
        })).collect::<Vec<_>>(),
        "remission_episodes": a.remissions.iter().map(|r| json!({
            "onset": format_date(r.onset),
            "confirmed": format_date(r.confirmed),
        })).collect::<Vec<_>>(),
        "relapse_rate_per_year": a.relapse_rate_per_year,
        "days_since_last_relapse": a.days_since_last_relapse,
        "days_in_current_remission": a.days_in_current_remission,
        "next_action": a.next_action.map(|n| json!({"kind": n.kind, "date": format_date(n.date)})),
    }))
}

/// One element of `readings`: a date and exactly one of `dipstick` and `upcr` (with `unit`).
fn reading(index: usize, value: &Value) -> Result<UrineReading> {
    let name = format!("readings[{index}]");
    let r = Input::nested(element("readings", index, value)?, &name);
    let date = r.date("date")?;
    let measurement = match (r.has("dipstick"), r.has("upcr")) {
        (true, false) => UrineMeasurement::Dipstick(DipstickGrade::parse(
            &r.field("dipstick"),
            r.text("dipstick")?,
        )?),
        (false, true) => {
            let upcr = r.number("upcr")?;
            let unit = UpcrUnit::parse(&r.field("unit"), r.text("unit")?)?;
            UrineMeasurement::upcr(&r.field("upcr"), upcr, unit)?
        }
        _ => {
            return Err(Error::invalid(
                name,
                "must have exactly one of dipstick and upcr",
            ))
        }
    };
    Ok(UrineReading {
        date,
        measurement,
        first_morning: r.flag("first_morning", false)?,
    })
}

/// One element of `steroid_courses` (the engine refuses one that ends before it starts).
fn course(index: usize, value: &Value) -> Result<SteroidCourse> {
    let name = format!("steroid_courses[{index}]");
    let c = Input::nested(element("steroid_courses", index, value)?, &name);
    Ok(SteroidCourse {
        start: c.date("start")?,
        end: c.date("end")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: Value) -> Result<Value> {
        evaluate(&Input::new(input.as_object().unwrap()))
    }

    fn refusal_field(input: Value) -> String {
        match run(input).unwrap_err() {
            Error::Invalid { field, .. } => field,
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn every_refusal_names_its_field() {
        let cases = [
            (
                json!({"readings": [{"date": "2025-01-01", "dipstick": "5+"}]}),
                "readings[0].dipstick",
            ),
            (
                json!({"readings": [{"date": "2025-01-01"}, {"date": "2025-01-02", "upcr": 3, "unit": "mg/dl"}]}),
                "readings[0]",
            ),
            (
                json!({"readings": [{"date": "2025-01-02", "upcr": 3, "unit": "mg/dl"}]}),
                "readings[0].unit",
            ),
            (
                json!({"readings": [{"date": "2025-01-02", "upcr": 3}]}),
                "readings[0].unit",
            ),
            (
                json!({"readings": [{"date": "2025-01-02", "upcr": -3, "unit": "g/g"}]}),
                "readings[0].upcr",
            ),
            (
                json!({"readings": [{"date": "2025-01-02", "upcr": "3", "unit": "g/g"}]}),
                "readings[0].upcr",
            ),
            (
                json!({"readings": [{"date": "2025-01-02", "upcr": 3, "unit": "g/g", "dipstick": "1+"}]}),
                "readings[0]",
            ),
            (
                json!({"readings": [{"date": "2025-1-2", "dipstick": "1+"}]}),
                "readings[0].date",
            ),
            (
                json!({"readings": [{"date": "2025-01-02", "dipstick": "1+", "first_morning": "yes"}]}),
                "readings[0].first_morning",
            ),
            (json!({"readings": [3]}), "readings[0]"),
            (json!({"readings": {}}), "readings"),
            (
                json!({"steroid_courses": [{"start": "2025-02-01", "end": "2025-01-31"}]}),
                "steroid_courses[0].end",
            ),
            (
                json!({"steroid_courses": [{"start": "2025-02-01"}]}),
                "steroid_courses[0].end",
            ),
            (json!({"definitions": "kdigo"}), "definitions"),
            (json!({"initial_state": "watch"}), "initial_state"),
            (json!({"as_of": "yesterday"}), "as_of"),
            (
                json!({"initial_remission": "2025-02-30"}),
                "initial_remission",
            ),
        ];
        for (input, field) in cases {
            assert_eq!(refusal_field(input.clone()), field, "{input}");
        }
    }

    #[test]
    fn readings_after_as_of_are_still_validated() {
        let input = json!({
            "as_of": "2025-01-01",
            "readings": [{"date": "2025-01-01", "dipstick": "negative"}, {"date": "2025-01-05", "dipstick": "9+"}]
        });
        assert_eq!(refusal_field(input), "readings[1].dipstick");
    }

    #[test]
    fn output_carries_the_spec_keys_and_the_extras() {
        let out = run(json!({
            "readings": [
                {"date": "2025-03-03", "dipstick": "3+"},
                {"date": "2025-03-01", "dipstick": "3+"},
                {"date": "2025-03-02", "upcr": 2, "unit": "mg/mg"}
            ]
        }))
        .unwrap();
        assert_eq!(out["state"], "relapse");
        assert_eq!(out["relapses"], json!(["2025-03-01"]));
        assert_eq!(out["relapse_episodes"][0]["confirmed"], "2025-03-03");
        assert_eq!(out["relapse_episodes"][0]["remission_onset"], Value::Null);
        assert_eq!(
            out["next_action"],
            json!({"kind": "follow_action_plan", "date": "2025-03-03"})
        );
        assert_eq!(out["as_of"], "2025-03-03");
        assert_eq!(out["relapse_rate_per_year"], json!(1.0 / (2.0 / 365.25)));
        let empty = run(json!({})).unwrap();
        assert_eq!(empty["state"], "remission");
        assert_eq!(empty["relapses"], json!([]));
        assert_eq!(empty["relapse_rate_per_year"], Value::Null);
    }
}

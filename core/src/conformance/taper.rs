//! Suite `taper` (clinical-rules §2 and §4; conformance.md suite `taper`).

use serde_json::{json, Map, Value};

use super::input::element;
use super::Input;
use crate::dates::format_date;
use crate::error::{Error, Result};
use crate::taper::{
    build_calendar, CoursePlan, CourseTemplate, DoseBasis, Frequency, Phase, PhaseLength,
    TabletSpec,
};

/// Runs a `taper` case input.
pub fn evaluate(input: &Input) -> Result<Value> {
    let defaults = TabletSpec::default();
    let tablets = TabletSpec {
        tablet_mg: input.opt_number("tablet_mg")?.unwrap_or(defaults.tablet_mg),
        allow_half: input.flag("allow_half", defaults.allow_half)?,
    };
    let plan = course_plan(input, tablets)?;
    let remission_confirmed = input.opt_date("remission_confirmed")?;
    let calendar = build_calendar(&plan, remission_confirmed)?;
    let mg_by_date: Map<String, Value> = calendar
        .days
        .iter()
        .map(|day| (format_date(day.date), json!(day.mg)))
        .collect();
    Ok(json!({
        "mg_by_date": mg_by_date,
        "total_mg": calendar.total_mg,
        "dosing_days": calendar.dosing_days,
        "first_dosing_day": calendar.first_dosing_day.map(format_date),
        "last_dosing_day": calendar.last_dosing_day.map(format_date),
    }))
}

/// The course plan of a `taper` (or `liquid_taper`) case input with the given tablets: `start`,
/// `weight_kg`, `height_cm`, and a `template` or `phases`.
pub(super) fn course_plan(input: &Input, tablets: TabletSpec) -> Result<CoursePlan> {
    let start = input.date("start")?;
    let weight_kg = input.number("weight_kg")?;
    let height_cm = input.opt_number("height_cm")?;
    let phases = match (input.has("template"), input.has("phases")) {
        (true, true) => {
            return Err(Error::invalid(
                "template",
                "give either template or phases, not both",
            ))
        }
        (true, false) => CourseTemplate::parse("template", input.text("template")?)?.phases()?,
        (false, true) => input
            .array("phases")?
            .iter()
            .enumerate()
            .map(|(i, value)| phase(i, value))
            .collect::<Result<Vec<_>>>()?,
        (false, false) => {
            return Err(Error::invalid(
                "phases",
                "give a template or a list of phases",
            ))
        }
    };
    Ok(CoursePlan {
        start,
        weight_kg,
        height_cm,
        tablets,
        liquid: None,
        phases,
    })
}

/// Reads `phases[index]`: a frequency, an optional dose and cap, and exactly one length.
fn phase(index: usize, value: &Value) -> Result<Phase> {
    let name = format!("phases[{index}]");
    let p = Input::nested(element("phases", index, value)?, &name);
    let frequency = Frequency::parse(&p.field("frequency"), p.text("frequency")?)?;
    let lengths = ["days", "until_remission", "taper"]
        .into_iter()
        .filter(|key| p.has(key))
        .count();
    if lengths != 1 {
        return Err(Error::invalid(
            name,
            "needs exactly one length: days, until_remission or taper",
        ));
    }
    let length = if p.has("days") {
        PhaseLength::Days(day_count(p.whole("days")?))
    } else if p.has("until_remission") {
        if !p.flag("until_remission", false)? {
            return Err(Error::invalid(
                p.field("until_remission"),
                "must be true when given",
            ));
        }
        PhaseLength::UntilRemission
    } else {
        let taper_name = p.field("taper");
        let t = Input::nested(p.object("taper")?, &taper_name);
        PhaseLength::Taper {
            from_mg: t.number("from_mg")?,
            to_mg: t.number("to_mg")?,
            step_mg: t.number("step_mg")?,
            every_days: day_count(t.whole("every_days")?),
        }
    };
    let dose = if p.has("dose") {
        let dose_name = p.field("dose");
        let d = Input::nested(p.object("dose")?, &dose_name);
        Some(
            match (d.has("mg_per_kg"), d.has("mg_per_m2"), d.has("mg")) {
                (true, false, false) => DoseBasis::MgPerKg(d.number("mg_per_kg")?),
                (false, true, false) => DoseBasis::MgPerM2(d.number("mg_per_m2")?),
                (false, false, true) => DoseBasis::Mg(d.number("mg")?),
                _ => {
                    return Err(Error::invalid(
                        dose_name,
                        "needs exactly one of mg_per_kg, mg_per_m2 or mg",
                    ))
                }
            },
        )
    } else {
        None
    };
    Ok(Phase {
        dose,
        max_mg: p.opt_number("max_mg")?,
        frequency,
        length,
    })
}

/// A whole-number day count as the engine's `u32`: a negative count becomes 0 (refused by the
/// engine as "at least 1"), a huge one saturates (refused as longer than 10 years).
fn day_count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::conformance::evaluate_case;

    fn run(input: serde_json::Value) -> serde_json::Value {
        evaluate_case(&json!({"suite": "taper", "input": input})).unwrap()
    }

    fn refused_naming(input: serde_json::Value, field: &str) {
        let out = run(input);
        assert_eq!(out["error"]["code"], "invalid_input", "{out}");
        let message = out["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{message} should name {field}");
    }

    #[test]
    fn every_date_is_listed_and_defaults_apply() {
        let out = run(json!({"start": "2025-01-30", "weight_kg": 20,
            "phases": [{"dose": {"mg": 12.5}, "frequency": "alternate_day", "days": 3}]}));
        assert_eq!(
            out["mg_by_date"],
            json!({"2025-01-30": 12.5, "2025-01-31": 0.0, "2025-02-01": 12.5})
        );
        assert_eq!(out["dosing_days"], 2);
        assert_eq!(out["last_dosing_day"], "2025-02-01");
        let none = run(json!({"start": "2025-01-30", "weight_kg": 20,
            "phases": [{"dose": {"mg": 0}, "frequency": "daily", "days": 1}]}));
        assert_eq!(none["last_dosing_day"], serde_json::Value::Null);
    }

    #[test]
    fn malformed_inputs_name_their_key() {
        let ok_phase = json!({"dose": {"mg": 10}, "frequency": "daily", "days": 2});
        refused_naming(
            json!({"start": "2025-1-1", "weight_kg": 20, "phases": [ok_phase]}),
            "start",
        );
        refused_naming(
            json!({"start": "2025-01-01", "phases": [ok_phase]}),
            "weight_kg",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": -3, "phases": [ok_phase]}),
            "weight_kg",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20, "height_cm": 0, "phases": [ok_phase]}),
            "height_cm",
        );
        refused_naming(json!({"start": "2025-01-01", "weight_kg": 20}), "phases");
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20, "template": "kdigo2012"}),
            "template",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20, "phases": [ok_phase, 3]}),
            "phases[1]",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20, "phases": [{"frequency": "daily", "days": 2}]}),
            "phases[0].dose",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20,
                "phases": [{"dose": {"mg": 10, "mg_per_kg": 1}, "frequency": "daily", "days": 2}]}),
            "phases[0].dose",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20, "phases": [{"dose": {"mg": 10}, "frequency": "daily"}]}),
            "phases[0]",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20,
                "phases": [{"dose": {"mg": 10}, "frequency": "daily", "until_remission": false}]}),
            "phases[0].until_remission",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20, "phases": [{"dose": {"mg": 10}, "frequency": "daily", "days": -2}]}),
            "phases[0].days",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20, "phases": [{"frequency": "daily",
                "taper": {"from_mg": 20, "to_mg": 5, "step_mg": 5, "every_days": 1.5}}]}),
            "phases[0].taper.every_days",
        );
        refused_naming(
            json!({"start": "2025-01-01", "weight_kg": 20, "template": "stamp_protocol"}),
            "template",
        );
    }
}

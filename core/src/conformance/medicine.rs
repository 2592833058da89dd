//! The project's suites for clinical-rules §12 (`tests/conformance/README.md`): `liquid_taper`
//! (a steroid calendar given as a liquid, in mg and mL) and `cyclophosphamide` (the cumulative
//! dose, its warning and the planned course's limit).

use serde_json::{json, Map, Value};

use super::dose::liquid;
use super::input::element;
use super::taper::course_plan;
use super::Input;
use crate::dates::format_date;
use crate::error::{Error, Result};
use crate::medicine::cyclophosphamide::{
    check_course_plan, cumulative_dose, DatedWeight, TakenDose,
};
use crate::medicine::liquid_taper::build_liquid_calendar;
use crate::taper::TabletSpec;

/// Runs a `liquid_taper` case input: the `taper` suite's input with a `liquid` instead of
/// `tablet_mg` and `allow_half`.
pub fn evaluate_liquid_taper(input: &Input) -> Result<Value> {
    for tablets in ["tablet_mg", "allow_half"] {
        if input.has(tablets) {
            return Err(Error::invalid(
                tablets,
                "a liquid calendar has no tablets; give liquid only",
            ));
        }
    }
    let liquid = liquid(input)?.ok_or_else(|| Error::invalid("liquid", "is required"))?;
    let plan = course_plan(input, TabletSpec::default())?;
    let calendar = build_liquid_calendar(&plan, liquid, input.opt_date("remission_confirmed")?)?;
    let by_date = |value: fn(&crate::medicine::liquid_taper::LiquidTaperDay) -> f64| {
        calendar
            .days
            .iter()
            .map(|day| (format_date(day.date), json!(value(day))))
            .collect::<Map<String, Value>>()
    };
    Ok(json!({
        "mg_by_date": by_date(|d| d.mg),
        "ml_by_date": by_date(|d| d.ml),
        "total_mg": calendar.total_mg,
        "total_ml": calendar.total_ml,
        "dosing_days": calendar.dosing_days,
        "first_dosing_day": calendar.first_dosing_day.map(format_date),
        "last_dosing_day": calendar.last_dosing_day.map(format_date),
    }))
}

/// Runs a `cyclophosphamide` case input: `prior_mg_per_kg` (default 0), `weights`
/// (`{"date", "weight_kg"}`), `doses` (`{"date", "mg"}`, taken), and optionally `plan`
/// (`{"mg_per_kg_per_day", "days"}`) with `override`.
pub fn evaluate_cyclophosphamide(input: &Input) -> Result<Value> {
    let prior = input.opt_number("prior_mg_per_kg")?.unwrap_or(0.0);
    let weights = input
        .opt_array("weights")?
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let name = format!("weights[{i}]");
            let w = Input::nested(element("weights", i, value)?, &name);
            Ok(DatedWeight {
                date: w.date("date")?,
                weight_kg: w.number("weight_kg")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let doses = input
        .opt_array("doses")?
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let name = format!("doses[{i}]");
            let d = Input::nested(element("doses", i, value)?, &name);
            Ok(TakenDose {
                date: d.date("date")?,
                mg: d.number("mg")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let cumulative = cumulative_dose(prior, &doses, &weights)?;
    let mut output = json!({
        "cumulative_mg_per_kg": cumulative.mg_per_kg,
        "warning": cumulative.warning,
    });
    if input.has("plan") {
        let plan = Input::nested(input.object("plan")?, "plan");
        let days = u32::try_from(plan.whole("days")?)
            .map_err(|_| Error::invalid("plan.days", "must be between 1 and 366 days"))?;
        let total = check_course_plan(
            prior,
            plan.number("mg_per_kg_per_day")?,
            days,
            input.flag("override", false)?,
        )?;
        output["planned_total_mg_per_kg"] = json!(total);
    }
    Ok(output)
}

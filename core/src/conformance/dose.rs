//! Suite `dose` (clinical-rules §3).

use serde_json::{json, Value};

use super::Input;
use crate::dose::{calculate_dose, DoseRate, DoseRequest};
use crate::drug::Drug;
use crate::error::{Error, Result};

/// Runs a `dose` case input.
pub fn evaluate(input: &Input) -> Result<Value> {
    let drug = Drug::parse("drug", input.text("drug")?)?;
    let rate = match (
        input.has("mg_per_kg_per_day"),
        input.has("mg_per_m2_per_day"),
    ) {
        (true, false) => DoseRate::MgPerKgPerDay(input.number("mg_per_kg_per_day")?),
        (false, true) => DoseRate::MgPerM2PerDay {
            rate: input.number("mg_per_m2_per_day")?,
            height_cm: input
                .opt_number("height_cm")?
                .ok_or_else(|| Error::invalid("height_cm", "is required for a mg/m² rate"))?,
        },
        _ => {
            return Err(Error::invalid(
                "mg_per_kg_per_day",
                "give exactly one of mg_per_kg_per_day and mg_per_m2_per_day",
            ))
        }
    };
    let doses_per_day = input.whole("doses_per_day")?;
    let strengths = input.array("strengths_mg")?;
    let strengths_mg = strengths
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_f64()
                .ok_or_else(|| Error::invalid(format!("strengths_mg[{i}]"), "must be a number"))
        })
        .collect::<Result<Vec<_>>>()?;
    let request = DoseRequest {
        drug,
        weight_kg: input.number("weight_kg")?,
        rate,
        doses_per_day: u32::try_from(doses_per_day)
            .map_err(|_| Error::invalid("doses_per_day", "must be between 1 and 24"))?,
        strengths_mg,
        allow_split: input.flag("allow_split", false)?,
        override_range: input.flag("override", false)?,
    };
    let result = calculate_dose(&request)?;
    Ok(json!({
        "per_dose_mg": result.per_dose_mg,
        "daily_mg": result.daily_mg,
        "mg_per_kg_per_day": result.mg_per_kg_per_day,
        "units": result.units.iter().map(|u| json!({"strength_mg": u.strength_mg, "count": u.count})).collect::<Vec<_>>(),
    }))
}

//! Suite `dose` (clinical-rules §3, §10 daily maxima, §12 agents and liquids).

use serde_json::{json, Value};

use super::Input;
use crate::dose::{calculate_dose, DoseRate, DoseRequest};
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::medicine::liquid::{Liquid, DEFAULT_SYRINGE_STEP_ML};

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
    let liquid = liquid(input)?;
    // A liquid is measured by volume: strengths are then optional (and refused when given).
    let strengths = match (input.opt_array("strengths_mg")?, &liquid) {
        (Some(list), _) => list.clone(),
        (None, Some(_)) => Vec::new(),
        (None, None) => input.array("strengths_mg")?.clone(),
    };
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
        liquid,
    };
    let result = calculate_dose(&request)?;
    if let Some(ml) = result.per_dose_ml {
        return Ok(json!({
            "per_dose_mg": result.per_dose_mg,
            "daily_mg": result.daily_mg,
            "mg_per_kg_per_day": result.mg_per_kg_per_day,
            "per_dose_ml": ml,
        }));
    }
    Ok(json!({
        "per_dose_mg": result.per_dose_mg,
        "daily_mg": result.daily_mg,
        "mg_per_kg_per_day": result.mg_per_kg_per_day,
        "units": result.units.iter().map(|u| json!({"strength_mg": u.strength_mg, "count": u.count})).collect::<Vec<_>>(),
    }))
}

/// Reads the optional `liquid` object: `concentration_mg_per_ml` and `syringe_step_ml` (default
/// 0.1 mL, clinical-rules §12).
pub(super) fn liquid(input: &Input) -> Result<Option<Liquid>> {
    if !input.has("liquid") {
        return Ok(None);
    }
    let liquid = Input::nested(input.object("liquid")?, "liquid");
    Ok(Some(Liquid {
        concentration_mg_per_ml: liquid.number("concentration_mg_per_ml")?,
        syringe_step_ml: liquid
            .opt_number("syringe_step_ml")?
            .unwrap_or(DEFAULT_SYRINGE_STEP_ML),
    }))
}

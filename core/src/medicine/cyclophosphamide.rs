//! The cumulative cyclophosphamide dose (clinical-rules §12; IPNA 2022, Trautmann et al.,
//! Table 5: 2 mg/kg/day for 12 weeks or 3 mg/kg/day for 8 weeks, one course, a total cumulative
//! dose of at most 168 mg/kg).
//!
//! Tracked from the doses taken, each dose's mg divided by the weight on or before its day
//! (§2), summed, plus any prior cumulative dose the care team enters when the course starts
//! (courses given before the app). The family and the report are warned from 150 mg/kg; a course
//! whose planned total would exceed 168 mg/kg is refused unless the care team overrides.

mod case;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::bounds;
use crate::error::{Error, Result};
use crate::numeric::{clean, require_non_negative, require_positive, TIE_EPSILON};

pub use case::{
    CyclophosphamideCumulative, CyclophosphamideInput, CyclophosphamidePlan, DatedWeightInput,
    TakenDoseInput,
};

/// From this cumulative dose (mg/kg, inclusive) the family and the report are warned.
pub const WARNING_MG_PER_KG: f64 = 150.0;
/// The cumulative limit in mg/kg (IPNA 2022 Table 5); a plan above it is refused.
pub const LIMIT_MG_PER_KG: f64 = 168.0;
/// The most mg accepted for one logged dose (ten times the 150 mg/day maximum): a larger figure
/// is a slip of a finger, not a dose.
const MAX_DOSE_MG: f64 = 1500.0;
/// The most prior cumulative dose accepted, in mg/kg (well above any course given).
const MAX_PRIOR_MG_PER_KG: f64 = 1000.0;

/// A cyclophosphamide dose taken.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TakenDose {
    /// The local date it was taken on.
    pub date: NaiveDate,
    /// The mg taken.
    pub mg: f64,
}

/// A weight measured on a date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DatedWeight {
    /// The date of the measurement.
    pub date: NaiveDate,
    /// The weight in kg.
    pub weight_kg: f64,
}

/// The cumulative dose so far.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CumulativeDose {
    /// Prior dose plus every dose taken, in mg/kg.
    pub mg_per_kg: f64,
    /// True from [`WARNING_MG_PER_KG`]: the family and the report are warned.
    pub warning: bool,
}

/// Sums the cumulative dose (clinical-rules §12): `prior_mg_per_kg` plus each dose's mg divided by
/// the latest weight on or before its date. A dose with no weight on or before its date is
/// invalid input naming it (`doses[i].date`); weights outside 1–250 kg, doses that are not above
/// 0 mg or above 1500 mg, and a negative prior are invalid too.
pub fn cumulative_dose(
    prior_mg_per_kg: f64,
    doses: &[TakenDose],
    weights: &[DatedWeight],
) -> Result<CumulativeDose> {
    let prior = require_non_negative("prior_mg_per_kg", prior_mg_per_kg)?;
    if prior > MAX_PRIOR_MG_PER_KG {
        return Err(Error::invalid(
            "prior_mg_per_kg",
            "must be at most 1000 mg/kg",
        ));
    }
    for (i, w) in weights.iter().enumerate() {
        bounds::weight_kg(&format!("weights[{i}].weight_kg"), w.weight_kg)?;
    }
    let mut total = prior;
    for (i, dose) in doses.iter().enumerate() {
        let mg = require_positive(&format!("doses[{i}].mg"), dose.mg)?;
        if mg > MAX_DOSE_MG {
            return Err(Error::invalid(
                format!("doses[{i}].mg"),
                "must be at most 1500 mg",
            ));
        }
        // The latest weight on or before the dose's day (§2); the first listed wins a tie of dates.
        let weight = weights
            .iter()
            .filter(|w| w.date <= dose.date)
            .fold(None::<&DatedWeight>, |best, w| match best {
                Some(b) if b.date >= w.date => Some(b),
                _ => Some(w),
            })
            .ok_or_else(|| {
                Error::invalid(
                    format!("doses[{i}].date"),
                    "no weight is recorded on or before this day",
                )
            })?;
        total += mg / weight.weight_kg;
    }
    let mg_per_kg = clean(total);
    Ok(CumulativeDose {
        mg_per_kg,
        warning: mg_per_kg >= WARNING_MG_PER_KG - TIE_EPSILON,
    })
}

/// Checks a planned course (clinical-rules §12): the prior cumulative dose plus `mg_per_kg_per_day`
/// × `days` must not exceed 168 mg/kg unless `override_limit`; returns the planned total in mg/kg.
/// 2 mg/kg/day for 84 days (12 weeks) and 3 mg/kg/day for 56 days (8 weeks) are exactly 168.
pub fn check_course_plan(
    prior_mg_per_kg: f64,
    mg_per_kg_per_day: f64,
    days: u32,
    override_limit: bool,
) -> Result<f64> {
    let prior = require_non_negative("prior_mg_per_kg", prior_mg_per_kg)?;
    if prior > MAX_PRIOR_MG_PER_KG {
        return Err(Error::invalid(
            "prior_mg_per_kg",
            "must be at most 1000 mg/kg",
        ));
    }
    let rate = require_positive("plan.mg_per_kg_per_day", mg_per_kg_per_day)?;
    if !(1..=366).contains(&days) {
        return Err(Error::invalid(
            "plan.days",
            "must be between 1 and 366 days",
        ));
    }
    let total = clean(prior + rate * f64::from(days));
    if total > LIMIT_MG_PER_KG + TIE_EPSILON && !override_limit {
        return Err(Error::CumulativeDoseExceeded {
            limit_mg_per_kg: LIMIT_MG_PER_KG,
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 5, d).unwrap()
    }

    #[test]
    fn each_dose_is_divided_by_the_weight_on_or_before_its_day() {
        let weights = [
            DatedWeight {
                date: day(1),
                weight_kg: 20.0,
            },
            DatedWeight {
                date: day(3),
                weight_kg: 25.0,
            },
        ];
        let doses = [
            TakenDose {
                date: day(2),
                mg: 50.0,
            },
            TakenDose {
                date: day(3),
                mg: 50.0,
            },
        ];
        // 50/20 + 50/25 + prior 10 = 2.5 + 2 + 10.
        let c = cumulative_dose(10.0, &doses, &weights).unwrap();
        assert_eq!(c.mg_per_kg, 14.5);
        assert!(!c.warning);
        let early = [TakenDose {
            date: NaiveDate::from_ymd_opt(2025, 4, 30).unwrap(),
            mg: 50.0,
        }];
        let err = cumulative_dose(0.0, &early, &weights).unwrap_err();
        assert!(matches!(err, Error::Invalid { ref field, .. } if field == "doses[0].date"));
    }

    #[test]
    fn the_warning_starts_at_150_mg_per_kg() {
        let weights = [DatedWeight {
            date: day(1),
            weight_kg: 20.0,
        }];
        let dose = [TakenDose {
            date: day(1),
            mg: 40.0,
        }];
        assert!(cumulative_dose(148.0, &dose, &weights).unwrap().warning);
        assert!(!cumulative_dose(147.9, &dose, &weights).unwrap().warning);
    }

    #[test]
    fn a_plan_above_168_mg_per_kg_is_refused_unless_overridden() {
        assert_eq!(check_course_plan(0.0, 2.0, 84, false).unwrap(), 168.0);
        assert_eq!(check_course_plan(0.0, 3.0, 56, false).unwrap(), 168.0);
        let err = check_course_plan(0.5, 2.0, 84, false).unwrap_err();
        assert_eq!(err.code(), "dose_out_of_range");
        assert_eq!(check_course_plan(0.5, 2.0, 84, true).unwrap(), 168.5);
        assert!(matches!(
            check_course_plan(-1.0, 2.0, 84, false),
            Err(Error::Invalid { .. })
        ));
    }
}

//! Weight-based dose calculation (clinical-rules §3; protocol ranges from §1, NCT04048161; the
//! agents and liquids of §12, IPNA 2022 Table 5).

use serde::{Deserialize, Serialize};

use crate::body::bsa_mosteller;
use crate::bounds;
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::medicine::liquid::Liquid;
use crate::numeric::{
    clean, require_positive, round_steps_ties_down, steps_to_amount, TIE_EPSILON,
};

/// The daily rate the care team prescribes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseRate {
    /// mg per kg of body weight per day.
    MgPerKgPerDay(f64),
    /// mg per m² of body surface area per day; BSA by Mosteller from `height_cm` and the weight.
    MgPerM2PerDay {
        /// The rate in mg/m²/day.
        rate: f64,
        /// Height used for the BSA.
        height_cm: f64,
    },
}

/// What the dose calculator needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseRequest {
    /// The drug.
    pub drug: Drug,
    /// Body weight in kg (the most recent on or before the dosing day).
    pub weight_kg: f64,
    /// The prescribed daily rate.
    pub rate: DoseRate,
    /// Doses per day (2 for BID).
    pub doses_per_day: u32,
    /// Available unit strengths in mg (empty for a liquid).
    pub strengths_mg: Vec<f64>,
    /// Whether a unit may be split in half.
    pub allow_split: bool,
    /// The care team explicitly accepts a rate outside the protocol range.
    pub override_range: bool,
    /// An oral solution or suspension measured by volume instead of units of a strength
    /// (clinical-rules §12); `strengths_mg` must then be empty.
    #[serde(default)]
    pub liquid: Option<Liquid>,
}

/// One line of "what to give": a strength and how many units (a split unit counts 0.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UnitCount {
    /// Strength of the unit in mg.
    pub strength_mg: f64,
    /// Number of units; 0.5 steps only where splitting is allowed.
    pub count: f64,
}

/// The calculated dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseResult {
    /// mg per dose after rounding.
    pub per_dose_mg: f64,
    /// mg per day (per dose × doses per day).
    pub daily_mg: f64,
    /// The actual mg/kg/day after rounding (reported, never refused).
    pub mg_per_kg_per_day: f64,
    /// Units to give per dose, largest strength first (empty for a liquid).
    pub units: Vec<UnitCount>,
    /// For a liquid, the volume to give per dose in mL (a whole number of syringe graduations).
    pub per_dose_ml: Option<f64>,
}

/// Calculates a per-dose amount and the units to give (clinical-rules §3), or for a liquid the
/// volume to give (§12).
///
/// Invalid input is reported before an out-of-range rate, and that before a liquid dose that is
/// not measurable; a dose from strengths that rounds to 0 mg is invalid. The weight, the height of
/// a mg/m² rate and every strength must lie within the hard bounds of clinical-rules §10
/// ([`crate::bounds`]: 1–250 kg, 40–230 cm, 0.01–1000 mg); a liquid's concentration within
/// (0, 1000] mg/mL and its syringe graduation within (0, 10] mL.
pub fn calculate_dose(request: &DoseRequest) -> Result<DoseResult> {
    let weight = bounds::weight_kg("weight_kg", request.weight_kg)?;
    if request.doses_per_day < 1 {
        return Err(Error::invalid("doses_per_day", "must be at least 1"));
    }
    match &request.liquid {
        Some(_) if !request.strengths_mg.is_empty() => {
            return Err(Error::invalid(
                "liquid",
                "give strengths_mg or a liquid, not both",
            ))
        }
        Some(liquid) => liquid.validate("liquid")?,
        None if request.strengths_mg.is_empty() => {
            return Err(Error::invalid(
                "strengths_mg",
                "needs at least one strength",
            ))
        }
        None => {}
    }
    for (i, s) in request.strengths_mg.iter().enumerate() {
        // Clinical-rules §10: a strength of 1e-9 mg would show billions of tablets a day.
        bounds::strength_mg(&format!("strengths_mg[{i}]"), *s)?;
    }
    let (daily_raw, requested_mg_per_kg) = match request.rate {
        DoseRate::MgPerKgPerDay(rate) => {
            let rate = require_positive("mg_per_kg_per_day", rate)?;
            (rate * weight, rate)
        }
        DoseRate::MgPerM2PerDay { rate, height_cm } => {
            let rate = require_positive("mg_per_m2_per_day", rate)?;
            bounds::height_cm("height_cm", height_cm)?;
            let bsa = bsa_mosteller(height_cm, weight)?;
            (rate * bsa, rate * bsa / weight)
        }
    };
    if !daily_raw.is_finite() {
        return Err(Error::invalid(
            "weight_kg",
            "the daily dose is too large to calculate",
        ));
    }
    let per_dose_raw = daily_raw / f64::from(request.doses_per_day);
    // Units of a strength: the rounding is known before the range check, and a dose that rounds
    // to 0 mg is invalid input (§3). A liquid is measured after it (§12, not measurable).
    let tablets = if request.liquid.is_none() {
        let smallest = request
            .strengths_mg
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let step = if request.allow_split {
            smallest / 2.0
        } else {
            smallest
        };
        let steps = round_steps_ties_down(per_dose_raw, step);
        if steps == 0 {
            return Err(Error::invalid(
                "mg_per_kg_per_day",
                "the dose rounds to 0 mg with these strengths",
            ));
        }
        Some(steps_to_amount(steps, step))
    } else {
        None
    };
    if let Some((min, max)) = request.drug.protocol_range_mg_per_kg_per_day() {
        let outside =
            requested_mg_per_kg < min - TIE_EPSILON || requested_mg_per_kg > max + TIE_EPSILON;
        if outside && !request.override_range {
            return Err(Error::DoseOutOfRange {
                drug: request.drug.id(),
                requested: clean(requested_mg_per_kg),
                min,
                max,
            });
        }
    }
    // Clinical-rules §10 and §12: the requested daily dose (before rounding) above the drug's
    // daily maximum is out of range unless the care team overrides (a weight typed 200 for 20.0
    // at 0.1 mg/kg/day asks 20 mg of tacrolimus a day).
    if let Some(max) = request.drug.daily_maximum_mg() {
        if daily_raw > max + TIE_EPSILON && !request.override_range {
            return Err(Error::DailyMaximumExceeded {
                drug: request.drug.id(),
                max_mg_per_day: max,
            });
        }
    }
    let (per_dose, per_dose_ml) = match (tablets, &request.liquid) {
        (Some(mg), _) => (mg, None),
        (None, Some(liquid)) => {
            let measured = liquid.measure(per_dose_raw)?;
            (measured.mg, Some(measured.ml))
        }
        (None, None) => unreachable!("a request without a liquid has strengths"),
    };
    let daily = clean(per_dose * f64::from(request.doses_per_day));
    if !daily.is_finite() || !(daily / weight).is_finite() {
        return Err(Error::invalid(
            "weight_kg",
            "the daily dose is too large to calculate",
        ));
    }
    let units = if per_dose_ml.is_some() {
        Vec::new()
    } else {
        units_for(per_dose, &request.strengths_mg, request.allow_split)
    };
    // The units are counted in whole micrograms: strengths finer than that (64.9940064 mg) could
    // describe a different amount than the dose. Never show units that do not add up.
    let given: f64 = units.iter().map(|u| u.strength_mg * u.count).sum();
    if per_dose_ml.is_none() && (given - per_dose).abs() > 1e-6 * per_dose.max(1.0) {
        return Err(Error::invalid(
            "strengths_mg",
            "these strengths cannot make up the dose exactly",
        ));
    }
    Ok(DoseResult {
        per_dose_mg: per_dose,
        daily_mg: daily,
        mg_per_kg_per_day: daily / weight,
        units,
        per_dose_ml,
    })
}

/// Splits an amount into units: whole units first, the fewest and among equally few the most of
/// the larger strengths; then, only when splitting is allowed and needed, one half of the smallest.
fn units_for(amount_mg: f64, strengths_mg: &[f64], allow_split: bool) -> Vec<UnitCount> {
    // Work in integer micrograms so that strengths such as 0.5 mg compare exactly.
    let micro = |mg: f64| (mg * 1000.0).round() as u64;
    let mut strengths: Vec<u64> = strengths_mg.iter().map(|&s| micro(s)).collect();
    strengths.sort_unstable_by(|a, b| b.cmp(a));
    strengths.dedup();
    let smallest = *strengths.last().expect("validated non-empty");
    let amount = micro(amount_mg);
    // Whole units first: a half of the smallest strength only when splitting is allowed and
    // whole units cannot make the amount (clinical-rules §3, "only where splitting is allowed
    // and the amount needs it"): 7.5 mg from {5, 2.5, 1} is 5 + 2.5, not 5 + 1 + 1 + half of 1.
    let whole_only = fewest_units(amount, &strengths);
    let half_of_smallest = whole_only.is_none() && allow_split && !amount.is_multiple_of(smallest);
    let whole_amount = if half_of_smallest {
        amount.saturating_sub(smallest / 2)
    } else {
        amount
    };
    let counts = whole_only
        .or_else(|| fewest_units(whole_amount, &strengths))
        .unwrap_or_else(|| {
            // Unreachable for a rounded amount (a multiple of the smallest strength) unless the
            // table is too large; keep the smallest-strength decomposition rather than panic.
            let mut c = vec![0; strengths.len()];
            *c.last_mut().expect("non-empty") = whole_amount / smallest;
            c
        });
    strengths
        .iter()
        .zip(counts)
        .map(|(&s, n)| {
            let half = if half_of_smallest && s == smallest {
                0.5
            } else {
                0.0
            };
            UnitCount {
                strength_mg: s as f64 / 1000.0,
                count: n as f64 + half,
            }
        })
        .filter(|u| u.count > 0.0)
        .collect()
}

/// Fewest units summing exactly to `amount` (strengths sorted largest first); among equally few,
/// the lexicographically largest counts, i.e. the most of the larger strengths.
fn fewest_units(amount: u64, strengths: &[u64]) -> Option<Vec<u64>> {
    let quantum = strengths.iter().fold(0, |g, &s| gcd(g, s));
    if !amount.is_multiple_of(quantum) {
        return None;
    }
    // Absurd inputs (a 0.001 mg strength for a 2 g dose) would make the table huge; the
    // caller then falls back to units of the smallest strength.
    const MAX_QUANTA: u64 = 20_000;
    if amount / quantum > MAX_QUANTA {
        return None;
    }
    let target = (amount / quantum) as usize;
    let sizes: Vec<usize> = strengths.iter().map(|&s| (s / quantum) as usize).collect();
    let mut best: Vec<Option<Vec<u64>>> = vec![None; target + 1];
    best[0] = Some(vec![0; sizes.len()]);
    for total in 1..=target {
        let mut chosen: Option<Vec<u64>> = None;
        for (i, &size) in sizes.iter().enumerate() {
            let Some(Some(prev)) = total.checked_sub(size).map(|r| &best[r]) else {
                continue;
            };
            let mut candidate = prev.clone();
            candidate[i] += 1;
            let better = match &chosen {
                None => true,
                Some(c) => {
                    let (n_new, n_old): (u64, u64) = (candidate.iter().sum(), c.iter().sum());
                    n_new < n_old || (n_new == n_old && candidate > *c)
                }
            };
            if better {
                chosen = Some(candidate);
            }
        }
        best[total] = chosen;
    }
    best[target].take()
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tac(weight: f64, rate: f64) -> DoseRequest {
        DoseRequest {
            drug: Drug::Tacrolimus,
            weight_kg: weight,
            rate: DoseRate::MgPerKgPerDay(rate),
            doses_per_day: 2,
            strengths_mg: vec![0.5, 1.0],
            allow_split: false,
            override_range: false,
            liquid: None,
        }
    }

    #[test]
    fn fewest_units_prefers_larger_strengths() {
        // 3 mg from {1, 0.5}: three 1 mg capsules.
        let r = calculate_dose(&tac(60.0, 0.1)).unwrap();
        assert_eq!(
            r.units,
            vec![UnitCount {
                strength_mg: 1.0,
                count: 3.0
            }]
        );
        // 7 from {4, 3, 1}: 4+3 (two units), not 4+1+1+1.
        assert_eq!(fewest_units(7, &[4, 3, 1]), Some(vec![1, 1, 0]));
        // 6 from {4, 3, 1}: 3+3 (two units) beats 4+1+1.
        assert_eq!(fewest_units(6, &[4, 3, 1]), Some(vec![0, 2, 0]));
        // A table too large to build falls back rather than exhausting memory.
        assert_eq!(fewest_units(2_000_000, &[1]), None);
    }

    #[test]
    fn half_unit_only_when_whole_units_cannot_make_the_amount() {
        // 7.5 mg from {5, 2.5, 1}: whole 5 + 2.5, no half of the 1 mg tablet (clinical-rules §3).
        assert_eq!(
            units_for(7.5, &[5.0, 2.5, 1.0], true),
            vec![
                UnitCount {
                    strength_mg: 5.0,
                    count: 1.0
                },
                UnitCount {
                    strength_mg: 2.5,
                    count: 1.0
                }
            ]
        );
        // 5 mg from {5, 2}: one 5 mg tablet, not two and a half 2 mg tablets.
        assert_eq!(
            units_for(5.0, &[5.0, 2.0], true),
            vec![UnitCount {
                strength_mg: 5.0,
                count: 1.0
            }]
        );
        // 6.5 mg from {5, 1}: whole units cannot make it, so one half of the 1 mg tablet.
        assert_eq!(
            units_for(6.5, &[5.0, 1.0], true),
            vec![
                UnitCount {
                    strength_mg: 5.0,
                    count: 1.0
                },
                UnitCount {
                    strength_mg: 1.0,
                    count: 1.5
                }
            ]
        );
        // 3 mg from {5, 2}: 2 + half of 2.
        assert_eq!(
            units_for(3.0, &[5.0, 2.0], true),
            vec![UnitCount {
                strength_mg: 2.0,
                count: 1.5
            }]
        );
    }

    #[test]
    fn invalid_input_comes_before_out_of_range() {
        let mut r = tac(20.0, 0.5);
        r.strengths_mg.clear();
        assert!(matches!(calculate_dose(&r), Err(Error::Invalid { .. })));
        assert!(matches!(
            calculate_dose(&tac(20.0, 0.5)),
            Err(Error::DoseOutOfRange { .. })
        ));
        assert!(matches!(
            calculate_dose(&tac(f64::NAN, 0.1)),
            Err(Error::Invalid { .. })
        ));
    }

    #[test]
    fn a_dose_rounding_to_zero_is_invalid() {
        let err = calculate_dose(&tac(2.0, 0.1)).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err}");
    }

    #[test]
    fn range_bounds_are_inclusive() {
        assert!(calculate_dose(&tac(20.0, 0.05)).is_ok());
        assert!(calculate_dose(&tac(20.0, 0.10)).is_ok());
        assert!(calculate_dose(&tac(20.0, 0.0499)).is_err());
    }

    #[test]
    fn a_daily_dose_above_the_drugs_maximum_is_out_of_range_unless_overridden() {
        // Clinical-rules §10: 200 kg (a slip for 20.0) × 0.1 mg/kg/day = 20 mg/day > 10 mg/day.
        let slip = tac(200.0, 0.1);
        let err = calculate_dose(&slip).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DailyMaximumExceeded {
                    drug: "tacrolimus",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.code(), "dose_out_of_range");
        assert!(
            !err.to_string().contains("20"),
            "no requested amount: {err}"
        );
        // Exactly 10 mg/day is allowed (100 kg × 0.1); the care team may override above it.
        assert_eq!(calculate_dose(&tac(100.0, 0.1)).unwrap().daily_mg, 10.0);
        let overridden = calculate_dose(&DoseRequest {
            override_range: true,
            ..slip
        })
        .unwrap();
        assert_eq!(overridden.daily_mg, 20.0);
        // Drugs without a maximum are not capped (MMF 30 mg/kg/day × 60 kg = 1800 mg/day).
        let mmf = DoseRequest {
            drug: Drug::MycophenolateMofetil,
            rate: DoseRate::MgPerKgPerDay(30.0),
            strengths_mg: vec![250.0],
            ..tac(60.0, 0.1)
        };
        assert!(calculate_dose(&mmf).is_ok());
    }

    #[test]
    fn bounds_of_clinical_rules_10_are_invalid_input_naming_the_field() {
        let field = |r: &DoseRequest| match calculate_dose(r) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        };
        assert_eq!(field(&tac(250.5, 0.1)), "weight_kg");
        assert_eq!(field(&tac(0.5, 0.1)), "weight_kg");
        let mut tiny = tac(20.0, 0.1);
        tiny.strengths_mg = vec![1e-9];
        assert_eq!(field(&tiny), "strengths_mg[0]");
        tiny.strengths_mg = vec![0.5, 1000.5];
        assert_eq!(field(&tiny), "strengths_mg[1]");
        let tall = DoseRequest {
            rate: DoseRate::MgPerM2PerDay {
                rate: 3.0,
                height_cm: 231.0,
            },
            ..tac(20.0, 0.1)
        };
        assert_eq!(field(&tall), "height_cm");
    }

    #[test]
    fn mg_per_m2_is_range_checked_as_mg_per_kg() {
        // 120 cm, 30 kg: BSA 1.0 m²; 1200 mg/m²/day = 40 mg/kg/day, above the MMF range.
        let request = DoseRequest {
            drug: Drug::MycophenolateMofetil,
            weight_kg: 30.0,
            rate: DoseRate::MgPerM2PerDay {
                rate: 1200.0,
                height_cm: 120.0,
            },
            doses_per_day: 2,
            strengths_mg: vec![250.0],
            allow_split: false,
            override_range: false,
            liquid: None,
        };
        assert!(matches!(
            calculate_dose(&request),
            Err(Error::DoseOutOfRange { .. })
        ));
        let accepted = calculate_dose(&DoseRequest {
            override_range: true,
            ..request
        })
        .unwrap();
        assert_eq!(accepted.per_dose_mg, 500.0);
    }
}

//! Arithmetic rules shared by every engine (clinical-rules.md, preamble).

use crate::error::{Error, Result};

/// Values within this distance of a half step count as an exact tie (clinical-rules.md, "Ties").
pub const TIE_EPSILON: f64 = 1e-9;

/// Rounds `value` to the nearest multiple of `step`; an exact tie rounds **down**
/// (clinical-rules §3 and §4, policy: the lower dose on a tie). A value within
/// [`TIE_EPSILON`] (in steps) of a half step is a tie, so binary floating point cannot move it.
/// Returns the number of steps.
pub fn round_steps_ties_down(value: f64, step: f64) -> u64 {
    let steps = value / step;
    let whole = steps.floor();
    let fraction = steps - whole;
    let rounded = if fraction > 0.5 + TIE_EPSILON {
        whole + 1.0
    } else {
        whole
    };
    // `fraction` just below 1 from binary error (e.g. 2.9999999999) has already rounded up.
    rounded.max(0.0) as u64
}

/// Multiplies a whole number of steps back into a quantity, trimming binary noise so that
/// 3 × 0.1 reports as 0.3.
pub fn steps_to_amount(steps: u64, step: f64) -> f64 {
    clean(steps as f64 * step)
}

/// Trims binary noise below 1e-9 (e.g. 0.30000000000000004 → 0.3).
pub fn clean(value: f64) -> f64 {
    (value * 1e9).round() / 1e9
}

/// Refuses a number that is not finite and strictly positive.
pub fn require_positive(field: &str, value: f64) -> Result<f64> {
    if !value.is_finite() {
        return Err(Error::invalid(field, "must be a finite number"));
    }
    if value <= 0.0 {
        return Err(Error::invalid(field, "must be greater than zero"));
    }
    Ok(value)
}

/// Refuses a number that is not finite or is negative.
pub fn require_non_negative(field: &str, value: f64) -> Result<f64> {
    if !value.is_finite() {
        return Err(Error::invalid(field, "must be a finite number"));
    }
    if value < 0.0 {
        return Err(Error::invalid(field, "must not be negative"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_tie_rounds_down_even_with_binary_error() {
        // 1.1 mg/kg × 25 kg = 27.5 mg, a tie between 25 and 30 on a 5 mg step.
        assert_eq!(round_steps_ties_down(1.1 * 25.0, 5.0), 5);
        assert_eq!(round_steps_ties_down(375.0, 250.0), 1);
        assert_eq!(round_steps_ties_down(27.6, 5.0), 6);
        assert_eq!(round_steps_ties_down(27.4, 5.0), 5);
    }

    #[test]
    fn values_a_hair_below_a_whole_step_round_up() {
        assert_eq!(round_steps_ties_down(0.1 * 3.0 * 10.0, 1.0), 3);
        assert_eq!(round_steps_ties_down(2.9999999999, 0.5), 6);
    }

    #[test]
    fn clean_trims_noise() {
        assert_eq!(clean(0.1 + 0.2), 0.3);
        assert_eq!(steps_to_amount(3, 0.5), 1.5);
    }

    #[test]
    fn positivity_checks_name_the_field() {
        let err = require_positive("weight_kg", 0.0).unwrap_err();
        assert!(err.to_string().contains("weight_kg"));
        assert!(require_positive("weight_kg", f64::NAN).is_err());
        assert!(require_non_negative("upcr", -1.0).is_err());
        assert_eq!(require_non_negative("upcr", 0.0).unwrap(), 0.0);
    }
}

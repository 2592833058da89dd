//! The `labs` conformance suite as one typed call (tests/conformance/README.md, suite `labs`):
//! the JSON adapter and the bindings' typed mirror both run a case through [`run_labs_case`], so
//! the Rust and the binding-language conformance tests exercise the same code.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::assess::{assess_labs, LabHistory, LabPolicy, LabReport};
use super::growth::{recalculate_prompt, RecalculatePrompt, DEFAULT_RECALCULATE_THRESHOLD};
use crate::error::{Error, Result};

/// The weights of a case's "recalculate dose" check (clinical-rules §2).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct WeightCheck {
    /// The weight the regimen was calculated on, kg (both weights or neither).
    pub regimen_weight_kg: Option<f64>,
    /// The latest weight, kg (both weights or neither).
    pub latest_weight_kg: Option<f64>,
    /// The threshold fraction; default [`DEFAULT_RECALCULATE_THRESHOLD`] (**policy**).
    pub recalculate_threshold: Option<f64>,
}

/// What a `labs` case produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabsCaseOutcome {
    /// The assessment of the case's labs.
    pub report: LabReport,
    /// The recalculate prompt, when both weights were given and they differ by at least the
    /// threshold.
    pub recalculate_prompt: Option<RecalculatePrompt>,
}

/// Runs one `labs` case: [`assess_labs`] over the history, then the recalculate check. Refuses
/// what [`assess_labs`] refuses, one weight without the other, and a weight or threshold that
/// is not > 0.
pub fn run_labs_case(
    history: &LabHistory,
    policy: &LabPolicy,
    time_zone: Tz,
    weights: &WeightCheck,
) -> Result<LabsCaseOutcome> {
    let report = assess_labs(history, policy, time_zone)?;
    let recalculate_prompt = match (weights.regimen_weight_kg, weights.latest_weight_kg) {
        (Some(regimen), Some(latest)) => {
            let threshold = weights
                .recalculate_threshold
                .unwrap_or(DEFAULT_RECALCULATE_THRESHOLD);
            recalculate_prompt(regimen, latest, threshold)?
        }
        (None, None) => None,
        (Some(_), None) => {
            return Err(Error::invalid(
                "latest_weight_kg",
                "is required with regimen_weight_kg",
            ))
        }
        (None, Some(_)) => {
            return Err(Error::invalid(
                "regimen_weight_kg",
                "is required with latest_weight_kg",
            ))
        }
    };
    Ok(LabsCaseOutcome {
        report,
        recalculate_prompt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::TargetPhase;

    #[test]
    fn weights_come_in_pairs() {
        let policy = LabPolicy::protocol(TargetPhase::Initial);
        let run =
            |w: WeightCheck| run_labs_case(&LabHistory::default(), &policy, chrono_tz::UTC, &w);
        assert_eq!(
            run(WeightCheck::default()).unwrap().recalculate_prompt,
            None
        );
        let one = WeightCheck {
            latest_weight_kg: Some(20.0),
            ..WeightCheck::default()
        };
        assert!(run(one)
            .unwrap_err()
            .to_string()
            .contains("regimen_weight_kg"));
        let both = WeightCheck {
            regimen_weight_kg: Some(20.0),
            latest_weight_kg: Some(18.0),
            recalculate_threshold: None,
        };
        assert!(
            (run(both)
                .unwrap()
                .recalculate_prompt
                .unwrap()
                .change_fraction
                + 0.1)
                .abs()
                < 1e-12
        );
        let zero = WeightCheck {
            recalculate_threshold: Some(0.0),
            ..both
        };
        assert!(run(zero)
            .unwrap_err()
            .to_string()
            .contains("recalculate_threshold"));
    }
}

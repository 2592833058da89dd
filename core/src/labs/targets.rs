//! Drug-level targets (clinical-rules §1, NCT04048161). The targets are a care-team choice
//! (**policy**): [`LevelTargets::protocol`] gives the trial protocol's defaults for a phase.

use serde::{Deserialize, Serialize};

use super::compare;
use crate::error::{Error, Result};
use crate::numeric::require_non_negative;

/// A target range for a drug level. The low bound is inclusive; the high bound is inclusive or
/// exclusive as the rule says ("5–10 ng/mL" includes 10; "keep < 5 ng/mL" excludes 5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LevelTarget {
    /// Lowest value in range (inclusive), if any.
    pub low: Option<f64>,
    /// Highest value in range, if any.
    pub high: Option<f64>,
    /// Whether `high` itself is in range.
    pub high_inclusive: bool,
}

/// Where a drug level falls relative to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TargetFlag {
    /// Below the low bound.
    Below,
    /// Within the range.
    InRange,
    /// Above the high bound (or at an exclusive high bound).
    Above,
    /// A tacrolimus level not drawn as a trough; not compared with the target
    /// (clinical-rules §8).
    NotATrough,
}

impl TargetFlag {
    /// The identifier used in files and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            TargetFlag::Below => "below",
            TargetFlag::InRange => "in_range",
            TargetFlag::Above => "above",
            TargetFlag::NotATrough => "not_a_trough",
        }
    }

    /// The key of the family-facing text ([`super::text::message`]).
    pub fn message_key(self) -> &'static str {
        match self {
            TargetFlag::Below => "labs.flag.below",
            TargetFlag::InRange => "labs.flag.in_range",
            TargetFlag::Above => "labs.flag.above",
            TargetFlag::NotATrough => "labs.flag.not_a_trough",
        }
    }
}

/// The treatment phase whose protocol targets apply (clinical-rules §1: a first target range,
/// "then reduced to keep" a lower level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TargetPhase {
    /// The first months: tacrolimus trough 5–10 ng/mL, MPA-AUC 30–50 µg·h/mL.
    Initial,
    /// After the reduction: tacrolimus trough < 5 ng/mL, MPA-AUC ≤ 40 µg·h/mL.
    Maintenance,
}

impl TargetPhase {
    /// Both phases, in treatment order.
    pub const ALL: [TargetPhase; 2] = [TargetPhase::Initial, TargetPhase::Maintenance];

    /// The identifier used in files, policy keys and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            TargetPhase::Initial => "initial",
            TargetPhase::Maintenance => "maintenance",
        }
    }

    /// Parses `initial` or `maintenance`.
    pub fn parse(field: &str, text: &str) -> Result<TargetPhase> {
        match text {
            "initial" => Ok(TargetPhase::Initial),
            "maintenance" => Ok(TargetPhase::Maintenance),
            _ => Err(Error::invalid(field, "must be initial or maintenance")),
        }
    }
}

impl LevelTarget {
    /// A range `low ≤ x ≤ high`.
    pub const fn between(low: f64, high: f64) -> Self {
        LevelTarget {
            low: Some(low),
            high: Some(high),
            high_inclusive: true,
        }
    }

    /// `x < high`.
    pub const fn below(high: f64) -> Self {
        LevelTarget {
            low: None,
            high: Some(high),
            high_inclusive: false,
        }
    }

    /// `x ≤ high`.
    pub const fn at_most(high: f64) -> Self {
        LevelTarget {
            low: None,
            high: Some(high),
            high_inclusive: true,
        }
    }

    /// Refuses bounds that are not finite numbers ≥ 0, a low bound above the high bound, and an
    /// empty range (low equal to an exclusive high). `field` names the target, e.g.
    /// `targets.tacrolimus_trough`.
    pub fn validate(&self, field: &str) -> Result<()> {
        if let Some(low) = self.low {
            require_non_negative(&format!("{field}.low"), low)?;
        }
        if let Some(high) = self.high {
            require_non_negative(&format!("{field}.high"), high)?;
        }
        if let (Some(low), Some(high)) = (self.low, self.high) {
            if low > high || (low == high && !self.high_inclusive) {
                return Err(Error::invalid(
                    format!("{field}.low"),
                    "must be below the high bound",
                ));
            }
        }
        Ok(())
    }

    /// Where `value` falls (values within 1e-9 of a bound count as on it).
    pub fn flag(&self, value: f64) -> TargetFlag {
        if self.low.is_some_and(|low| compare::below(value, low)) {
            return TargetFlag::Below;
        }
        let over = match self.high {
            Some(high) if self.high_inclusive => compare::above(value, high),
            Some(high) => compare::at_or_above(value, high),
            None => false,
        };
        if over {
            TargetFlag::Above
        } else {
            TargetFlag::InRange
        }
    }
}

/// The targets in force for a patient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LevelTargets {
    /// Tacrolimus 12-h trough, ng/mL.
    pub tacrolimus_trough: LevelTarget,
    /// MPA-AUC, µg·h/mL.
    pub mpa_auc: LevelTarget,
}

impl LevelTargets {
    /// The STAMP protocol targets (clinical-rules §1, NCT04048161): tacrolimus "trough 5–10 ng/mL,
    /// then reduced to keep < 5 ng/mL"; MMF "MPA-AUC 30–50 µg·h/mL, then reduced to keep
    /// ≤ 40 µg·h/mL". (KDIGO 2025 suggests a 5–10 ng/mL trough and an MPA-AUC > 50 µg·h/mL; a care
    /// team following it sets its own targets, which is why targets are policy.)
    pub const fn protocol(phase: TargetPhase) -> Self {
        match phase {
            TargetPhase::Initial => LevelTargets {
                tacrolimus_trough: LevelTarget::between(5.0, 10.0),
                mpa_auc: LevelTarget::between(30.0, 50.0),
            },
            TargetPhase::Maintenance => LevelTargets {
                tacrolimus_trough: LevelTarget::below(5.0),
                mpa_auc: LevelTarget::at_most(40.0),
            },
        }
    }

    /// Validates both targets, naming them `targets.tacrolimus_trough` and `targets.mpa_auc`.
    pub fn validate(&self) -> Result<()> {
        self.tacrolimus_trough
            .validate("targets.tacrolimus_trough")?;
        self.mpa_auc.validate("targets.mpa_auc")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_bounds_are_inclusive_or_exclusive_as_written() {
        let initial = LevelTargets::protocol(TargetPhase::Initial);
        let maintenance = LevelTargets::protocol(TargetPhase::Maintenance);
        let tac = |t: &LevelTargets, v: f64| t.tacrolimus_trough.flag(v);
        assert_eq!(tac(&initial, 4.99), TargetFlag::Below);
        assert_eq!(tac(&initial, 5.0), TargetFlag::InRange);
        assert_eq!(tac(&initial, 10.0), TargetFlag::InRange);
        assert_eq!(tac(&initial, 10.01), TargetFlag::Above);
        assert_eq!(tac(&maintenance, 4.99), TargetFlag::InRange);
        assert_eq!(tac(&maintenance, 5.0), TargetFlag::Above);
        assert_eq!(tac(&maintenance, 0.0), TargetFlag::InRange);
        let mpa = |t: &LevelTargets, v: f64| t.mpa_auc.flag(v);
        assert_eq!(mpa(&initial, 29.9), TargetFlag::Below);
        assert_eq!(mpa(&initial, 30.0), TargetFlag::InRange);
        assert_eq!(mpa(&initial, 50.0), TargetFlag::InRange);
        assert_eq!(mpa(&initial, 50.1), TargetFlag::Above);
        assert_eq!(mpa(&maintenance, 40.0), TargetFlag::InRange);
        assert_eq!(mpa(&maintenance, 40.1), TargetFlag::Above);
    }

    #[test]
    fn inconsistent_targets_are_refused() {
        assert!(LevelTarget::between(10.0, 5.0).validate("t").is_err());
        assert!(LevelTarget {
            low: Some(5.0),
            high: Some(5.0),
            high_inclusive: false
        }
        .validate("t")
        .is_err());
        assert!(LevelTarget {
            low: Some(5.0),
            high: Some(5.0),
            high_inclusive: true
        }
        .validate("t")
        .is_ok());
        let err = LevelTarget {
            low: Some(f64::NAN),
            high: None,
            high_inclusive: true,
        }
        .validate("targets.mpa_auc")
        .unwrap_err();
        assert!(err.to_string().contains("targets.mpa_auc.low"));
        assert!(LevelTargets::protocol(TargetPhase::Maintenance)
            .validate()
            .is_ok());
        assert_eq!(
            TargetPhase::parse("phase", "maintenance").unwrap(),
            TargetPhase::Maintenance
        );
        assert!(TargetPhase::parse("phase", "induction").is_err());
    }
}

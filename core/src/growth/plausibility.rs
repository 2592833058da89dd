//! Is a weight or height plausible for this child? The "held until confirmed" tier of
//! clinical-rules §10: a value that fails a check is refused with
//! [`Error::NeedsConfirmation`] naming the check, so that the app can ask "20.0 or 200 kg?",
//! and is stored once the input says it was confirmed.
//!
//! The checks, in this order (the first that fails is reported):
//!
//! | check | field | holds when |
//! |---|---|---|
//! | `weight_change` | `weight_kg` | the weight differs from a neighbouring weight by date by more than 20 % (**policy**) |
//! | `weight_for_age` | `weight_kg` | the child's first weight is more than 4 SD from the median for age and sex |
//! | `height_decrease` | `height_cm` | the heights by date would fall by more than 2 cm (**policy**) |
//! | `height_increase` | `height_cm` | two heights measured within 90 days (**policy**) would rise by more than 10 cm (**policy**) |
//! | `height_for_age` | `height_cm` | the child's first height is more than 4 SD from the median for age and sex |
//!
//! Choices the rule leaves open, made here:
//!
//! - **Neighbours by date.** "Previous" is the measurement immediately before the new one by
//!   date (on the same date, the one entered earlier). A back-dated entry lands between two
//!   measurements and becomes the next one's previous, so it is compared with both neighbours:
//!   the weight change with the previous weight (relative to it) and with the next later weight
//!   (relative to the new one, which becomes that weight's previous); the height with the
//!   previous height (not more than 2 cm lower) and the next later one (not more than 2 cm
//!   higher than it), and with every height within 90 days before or after (no rise of more
//!   than 10 cm from the earlier to the later of the two).
//! - **First.** The 4 SD check applies to the child's first weight (height): when no other
//!   weight (height) is recorded at all. Once one is, the change checks against the child's own
//!   values are the better test, back-dated or not.
//! - **Unspecified sex.** The value is checked against both sexes' references and held only if
//!   it is more than 4 SD from the median for both.
//! - **Ages without a reference** (19 years and over): no 4 SD check. A date before birth never
//!   reaches these checks: the store refuses it as invalid.
//! - The limits are strict: a change of exactly 20 %, 2 cm or 10 cm, or exactly 4 SD, passes.
//! - Reasons name the check in plain words, never the values.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{age_in_days, z_score, Measure};
use crate::error::{Error, Result};
use crate::model::{Measurement, Sex};
use crate::numeric::require_positive;

/// Default largest change of weight from a neighbouring weight, as a fraction: 20 %
/// (clinical-rules §10, **policy**).
pub const DEFAULT_WEIGHT_CHANGE: f64 = 0.20;

/// Default largest fall of height from the previous height: 2 cm (clinical-rules §10, **policy**).
pub const DEFAULT_HEIGHT_DECREASE_CM: f64 = 2.0;

/// Default largest rise of height over a height measured within the window: 10 cm
/// (clinical-rules §10, **policy**).
pub const DEFAULT_HEIGHT_INCREASE_CM: f64 = 10.0;

/// Default window of the height-rise check: 90 days (clinical-rules §10, **policy**).
pub const DEFAULT_HEIGHT_INCREASE_DAYS: u32 = 90;

/// A first weight or height further than this many SD from the median for age and sex is held
/// (clinical-rules §10; not a policy).
pub const GROWTH_Z_LIMIT: f64 = 4.0;

/// The care team's limits of the checks (clinical-rules §10, **policy**, per patient).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlausibilityPolicy {
    /// Largest change from a neighbouring weight, as a fraction (0.20 is 20 %).
    pub weight_change: f64,
    /// Largest fall of height from the previous height, cm.
    pub height_decrease_cm: f64,
    /// Largest rise of height over a height measured within `height_increase_days`, cm.
    pub height_increase_cm: f64,
    /// The window of the height-rise check, days.
    pub height_increase_days: u32,
}

impl Default for PlausibilityPolicy {
    /// The values of clinical-rules §10: 20 %, 2 cm, 10 cm within 90 days.
    fn default() -> Self {
        PlausibilityPolicy {
            weight_change: DEFAULT_WEIGHT_CHANGE,
            height_decrease_cm: DEFAULT_HEIGHT_DECREASE_CM,
            height_increase_cm: DEFAULT_HEIGHT_INCREASE_CM,
            height_increase_days: DEFAULT_HEIGHT_INCREASE_DAYS,
        }
    }
}

impl PlausibilityPolicy {
    /// Refuses limits that would make a check meaningless: a weight change that is not a
    /// fraction in (0, 1] (20 typed for 20 % is refused), a height limit that is not a finite
    /// number above 0, a window of 0 days or more than ten years.
    pub fn validate(&self) -> Result<()> {
        require_positive("weight_change", self.weight_change)?;
        if self.weight_change > 1.0 {
            return Err(Error::invalid(
                "weight_change",
                "must be a fraction of at most 1 (0.20 is 20 %)",
            ));
        }
        require_positive("height_decrease_cm", self.height_decrease_cm)?;
        require_positive("height_increase_cm", self.height_increase_cm)?;
        if !(1..=3653).contains(&self.height_increase_days) {
            return Err(Error::invalid(
                "height_increase_days",
                "must be between 1 and 3653 days",
            ));
        }
        Ok(())
    }
}

/// Why a measurement is held: the field, the check's identifier and a reason without values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    /// `weight_kg` or `height_cm`.
    pub field: &'static str,
    /// `weight_change`, `weight_for_age`, `height_decrease`, `height_increase` or
    /// `height_for_age`.
    pub check: &'static str,
    /// Why, in plain words.
    pub reason: &'static str,
}

impl From<Hold> for Error {
    fn from(hold: Hold) -> Self {
        Error::NeedsConfirmation {
            field: hold.field.into(),
            check: hold.check.into(),
            reason: hold.reason.into(),
        }
    }
}

/// The child whose measurement is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Child {
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Sex in the profile.
    pub sex: Sex,
}

/// The first check that `new` fails for this child, or `None` when it is plausible.
/// `history` is every stored measurement of the child by date, then entry order (as
/// [`crate::store::Store::measurements`] lists them), without `new`. Whether `new` was
/// confirmed is the caller's business: this says what would be held.
pub fn check(
    child: Child,
    history: &[Measurement],
    new: &Measurement,
    policy: &PlausibilityPolicy,
) -> Result<Option<Hold>> {
    if let Some(weight) = new.weight_kg {
        let weights: Vec<(NaiveDate, f64)> = history
            .iter()
            .filter_map(|m| m.weight_kg.map(|w| (m.measured_on, w)))
            .collect();
        if let Some(hold) = weight_change(&weights, new.measured_on, weight, policy) {
            return Ok(Some(hold));
        }
        if weights.is_empty() && outside_for_age(child, new.measured_on, Measure::Weight, weight)? {
            return Ok(Some(Hold {
                field: "weight_kg",
                check: "weight_for_age",
                reason: "a first weight more than 4 SD from the median weight for age and sex",
            }));
        }
    }
    if let Some(height) = new.height_cm {
        let heights: Vec<(NaiveDate, f64)> = history
            .iter()
            .filter_map(|m| m.height_cm.map(|h| (m.measured_on, h)))
            .collect();
        if let Some(hold) = height_change(&heights, new.measured_on, height, policy) {
            return Ok(Some(hold));
        }
        if heights.is_empty() && outside_for_age(child, new.measured_on, Measure::Height, height)? {
            return Ok(Some(Hold {
                field: "height_cm",
                check: "height_for_age",
                reason: "a first height more than 4 SD from the median height for age and sex",
            }));
        }
    }
    Ok(None)
}

/// The last value on or before `on` and the first after it, from values by date (entry order
/// within a date).
fn neighbours(values: &[(NaiveDate, f64)], on: NaiveDate) -> (Option<f64>, Option<f64>) {
    let split = values.partition_point(|(date, _)| *date <= on);
    let previous = split.checked_sub(1).map(|i| values[i].1);
    let next = values.get(split).map(|(_, v)| *v);
    (previous, next)
}

fn weight_change(
    weights: &[(NaiveDate, f64)],
    on: NaiveDate,
    weight: f64,
    policy: &PlausibilityPolicy,
) -> Option<Hold> {
    let (previous, next) = neighbours(weights, on);
    let hold = |reason| Hold {
        field: "weight_kg",
        check: "weight_change",
        reason,
    };
    if previous.is_some_and(|p| (weight - p).abs() / p > policy.weight_change) {
        return Some(hold(
            "differs from the previous weight by more than the plausible change",
        ));
    }
    if next.is_some_and(|n| (n - weight).abs() / weight > policy.weight_change) {
        return Some(hold(
            "differs from the next later weight by more than the plausible change",
        ));
    }
    None
}

fn height_change(
    heights: &[(NaiveDate, f64)],
    on: NaiveDate,
    height: f64,
    policy: &PlausibilityPolicy,
) -> Option<Hold> {
    let (previous, next) = neighbours(heights, on);
    let decrease = |reason| Hold {
        field: "height_cm",
        check: "height_decrease",
        reason,
    };
    if previous.is_some_and(|p| p - height > policy.height_decrease_cm) {
        return Some(decrease(
            "is lower than the previous height by more than the plausible decrease",
        ));
    }
    if next.is_some_and(|n| height - n > policy.height_decrease_cm) {
        return Some(decrease(
            "is higher than the next later height by more than the plausible decrease",
        ));
    }
    let window = i64::from(policy.height_increase_days);
    for (date, other) in heights {
        let days = (on - *date).num_days();
        let rise = if days >= 0 {
            height - other
        } else {
            other - height
        };
        if days.abs() <= window && rise > policy.height_increase_cm {
            return Some(Hold {
                field: "height_cm",
                check: "height_increase",
                reason: if days >= 0 {
                    "is higher than a height measured shortly before by more than the plausible increase"
                } else {
                    "is lower than a height measured shortly after by more than the plausible increase"
                },
            });
        }
    }
    None
}

/// Whether a value is more than [`GROWTH_Z_LIMIT`] SD from the median for the child's age and
/// sex (for an unspecified sex: for both sexes). No reference at the age: not outside.
fn outside_for_age(child: Child, on: NaiveDate, measure: Measure, value: f64) -> Result<bool> {
    let age = age_in_days(child.birth_date, on);
    let outside_for = |sex: Sex| -> Result<bool> {
        Ok(z_score(sex, age, measure, value)?.is_some_and(|z| z.z.abs() > GROWTH_Z_LIMIT))
    };
    match child.sex {
        Sex::Unspecified => Ok(outside_for(Sex::Female)? && outside_for(Sex::Male)?),
        sex => outside_for(sex),
    }
}

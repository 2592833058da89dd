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
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::growth::{reference_lms, Lms};

    use crate::test_support::date;

    const GIRL: Child = Child {
        birth_date: match NaiveDate::from_ymd_opt(2019, 4, 2) {
            Some(d) => d,
            None => panic!(),
        },
        sex: Sex::Female,
    };

    fn m(on: &str, weight_kg: Option<f64>, height_cm: Option<f64>) -> Measurement {
        Measurement {
            global_id: Default::default(),
            id: Default::default(),
            measured_on: date(on),
            weight_kg,
            height_cm,
            confirmed: false,
        }
    }

    fn w(on: &str, kg: f64) -> Measurement {
        m(on, Some(kg), None)
    }

    fn h(on: &str, cm: f64) -> Measurement {
        m(on, None, Some(cm))
    }

    /// The check that fails for `new` with the default policy, if any.
    fn held(child: Child, history: &[Measurement], new: &Measurement) -> Option<&'static str> {
        check(child, history, new, &PlausibilityPolicy::default())
            .unwrap()
            .map(|hold| hold.check)
    }

    #[test]
    fn the_defaults_are_those_of_clinical_rules_10() {
        let p = PlausibilityPolicy::default();
        assert_eq!(
            (
                p.weight_change,
                p.height_decrease_cm,
                p.height_increase_cm,
                p.height_increase_days
            ),
            (0.20, 2.0, 10.0, 90)
        );
        p.validate().unwrap();
    }

    #[test]
    fn a_weight_change_of_more_than_20_percent_from_the_previous_is_held() {
        let history = [w("2025-01-10", 20.0)];
        let on = "2025-02-10";
        assert_eq!(held(GIRL, &history, &w(on, 23.98)), None, "+19.9 %");
        assert_eq!(held(GIRL, &history, &w(on, 24.0)), None, "+20 % exactly");
        assert_eq!(
            held(GIRL, &history, &w(on, 24.02)),
            Some("weight_change"),
            "+20.1 %"
        );
        assert_eq!(held(GIRL, &history, &w(on, 16.02)), None, "-19.9 %");
        assert_eq!(
            held(GIRL, &history, &w(on, 15.98)),
            Some("weight_change"),
            "-20.1 %"
        );
        // "20.0 or 200 kg?"
        let hold = check(
            GIRL,
            &history,
            &w(on, 200.0),
            &PlausibilityPolicy::default(),
        )
        .unwrap()
        .unwrap();
        assert_eq!((hold.field, hold.check), ("weight_kg", "weight_change"));
        assert!(!hold.reason.contains("200"));
        // The previous on the same date is the one entered before.
        assert_eq!(
            held(GIRL, &history, &w("2025-01-10", 24.02)),
            Some("weight_change")
        );
        // A height alone is not compared with weights (115 cm at almost 6 years is plausible).
        assert_eq!(held(GIRL, &history, &h(on, 115.0)), None);
    }

    #[test]
    fn a_back_dated_weight_is_compared_with_both_neighbours() {
        // Between 20 kg (January) and a confirmed 30 kg (March).
        let history = [w("2025-01-01", 20.0), w("2025-03-01", 30.0)];
        let feb = "2025-02-01";
        assert_eq!(held(GIRL, &history, &w(feb, 24.02)), Some("weight_change"));
        // 24 is 20 % above January but March's 30 is 25 % above 24.
        assert_eq!(held(GIRL, &history, &w(feb, 24.0)), Some("weight_change"));
        // Before every other weight: relative to the new value, which becomes the previous.
        let later = [w("2025-03-01", 20.0)];
        assert_eq!(
            held(GIRL, &later, &w(feb, 16.0)),
            Some("weight_change"),
            "20 is 25 % above 16"
        );
        assert_eq!(
            held(GIRL, &later, &w(feb, 16.7)),
            None,
            "20 is 19.8 % above 16.7"
        );
        assert_eq!(
            held(GIRL, &later, &w(feb, 25.1)),
            Some("weight_change"),
            "20 is 20.3 % below 25.1"
        );
        assert_eq!(
            held(GIRL, &later, &w(feb, 24.9)),
            None,
            "20 is 19.7 % below 24.9"
        );
        let hold = check(GIRL, &later, &w(feb, 16.0), &PlausibilityPolicy::default())
            .unwrap()
            .unwrap();
        assert!(hold.reason.contains("later"), "{}", hold.reason);
    }

    #[test]
    fn a_height_more_than_2_cm_below_the_previous_is_held() {
        let history = [h("2025-01-10", 115.0)];
        let on = "2025-02-10";
        assert_eq!(held(GIRL, &history, &h(on, 113.1)), None, "-1.9 cm");
        assert_eq!(held(GIRL, &history, &h(on, 113.0)), None, "-2 cm exactly");
        assert_eq!(
            held(GIRL, &history, &h(on, 112.9)),
            Some("height_decrease"),
            "-2.1 cm"
        );
        // Back-dated before a later height: no more than 2 cm above it.
        let later = [h("2025-03-10", 115.0)];
        assert_eq!(held(GIRL, &later, &h(on, 116.9)), None);
        assert_eq!(held(GIRL, &later, &h(on, 117.1)), Some("height_decrease"));
        // Only the previous counts for a fall: an older, taller height is not compared.
        let older = [h("2024-01-10", 118.0), h("2025-01-10", 115.0)];
        assert_eq!(held(GIRL, &older, &h(on, 115.5)), None);
    }

    #[test]
    fn a_height_more_than_10_cm_above_one_within_90_days_is_held() {
        let history = [h("2025-01-10", 115.0)];
        // 2025-04-10 is 90 days after 2025-01-10; 2025-04-11 is 91.
        assert_eq!(
            held(GIRL, &history, &h("2025-04-10", 124.9)),
            None,
            "+9.9 cm"
        );
        assert_eq!(
            held(GIRL, &history, &h("2025-04-10", 125.0)),
            None,
            "+10 cm exactly"
        );
        assert_eq!(
            held(GIRL, &history, &h("2025-04-10", 125.1)),
            Some("height_increase"),
            "+10.1 cm within 90 days"
        );
        assert_eq!(
            held(GIRL, &history, &h("2025-04-11", 125.1)),
            None,
            "+10.1 cm after 91 days"
        );
        // Any height within the window counts, not only the previous one.
        let two = [h("2025-01-10", 110.0), h("2025-02-10", 118.0)];
        assert_eq!(
            held(GIRL, &two, &h("2025-03-10", 120.5)),
            Some("height_increase")
        );
        // Back-dated: a later height within 90 days more than 10 cm above the new one.
        let later = [h("2025-04-10", 125.1)];
        assert_eq!(
            held(GIRL, &later, &h("2025-01-10", 115.0)),
            Some("height_increase")
        );
        assert_eq!(
            held(GIRL, &later, &h("2025-01-09", 115.0)),
            None,
            "91 days before"
        );
        assert_eq!(held(GIRL, &later, &h("2025-01-10", 115.2)), None, "+9.9 cm");
    }

    /// The weight at SD score `z` for a WHO weight-for-age (restricted application beyond ±3).
    fn who_weight_at(lms: Lms, z: f64) -> f64 {
        if z > 3.0 {
            let (sd2, sd3) = (lms.value_at(2.0), lms.value_at(3.0));
            sd3 + (z - 3.0) * (sd3 - sd2)
        } else if z < -3.0 {
            let (sd2, sd3) = (lms.value_at(-2.0), lms.value_at(-3.0));
            sd3 - (-3.0 - z) * (sd2 - sd3)
        } else {
            lms.value_at(z)
        }
    }

    #[test]
    fn a_first_weight_or_height_more_than_4_sd_from_the_median_is_held() {
        // Ages: 200 days (WHO 2006), 8 years (WHO 2007), 12 years (CDC 2000 for weight).
        for on in ["2019-10-19", "2027-04-02", "2031-04-02"] {
            let age = (date(on) - GIRL.birth_date).num_days();
            let (reference, weight) = reference_lms(Sex::Female, Measure::Weight, age)
                .unwrap()
                .unwrap();
            let at = |z: f64| match reference {
                crate::growth::Reference::Cdc2000 => weight.value_at(z),
                _ => who_weight_at(weight, z),
            };
            assert_eq!(held(GIRL, &[], &w(on, at(3.99))), None, "{on}");
            assert_eq!(
                held(GIRL, &[], &w(on, at(4.01))),
                Some("weight_for_age"),
                "{on}"
            );
            assert_eq!(held(GIRL, &[], &w(on, at(-3.99))), None, "{on}");
            assert_eq!(
                held(GIRL, &[], &w(on, at(-4.01))),
                Some("weight_for_age"),
                "{on}"
            );
            let (_, height) = reference_lms(Sex::Female, Measure::Height, age)
                .unwrap()
                .unwrap();
            for (z, expected) in [(3.99, None), (4.01, Some("height_for_age"))] {
                assert_eq!(
                    held(GIRL, &[], &h(on, height.value_at(z))),
                    expected,
                    "{on}"
                );
                assert_eq!(
                    held(GIRL, &[], &h(on, height.value_at(-z))),
                    expected,
                    "{on}"
                );
            }
        }
    }

    #[test]
    fn the_4_sd_check_is_for_a_first_value_only_and_within_the_references() {
        // A confirmed extreme weight on record: the next one is compared with it, not the median.
        let history = [w("2025-01-10", 60.0)];
        assert_eq!(held(GIRL, &history, &w("2025-02-10", 62.0)), None);
        // A weight on record does not make a height "not first".
        assert_eq!(
            held(GIRL, &history, &h("2025-02-10", 200.0)),
            Some("height_for_age")
        );
        // From 19 years no reference: no 4 SD check.
        let adult = Child {
            birth_date: date("2000-01-01"),
            sex: Sex::Female,
        };
        assert_eq!(
            held(adult, &[], &h("2018-12-01", 200.0)),
            Some("height_for_age")
        );
        assert_eq!(held(adult, &[], &h("2019-01-05", 200.0)), None);
    }

    #[test]
    fn an_unspecified_sex_is_held_only_outside_both_references() {
        let on = "2034-04-02"; // 15 years
        let age = (date(on) - GIRL.birth_date).num_days();
        let four_sd = |sex| {
            reference_lms(sex, Measure::Height, age)
                .unwrap()
                .unwrap()
                .1
                .value_at(4.0)
        };
        let (girls, boys) = (four_sd(Sex::Female), four_sd(Sex::Male));
        assert!(girls < boys);
        let between = (girls + boys) / 2.0;
        let child = |sex| Child { sex, ..GIRL };
        let new = h(on, between);
        assert_eq!(held(child(Sex::Female), &[], &new), Some("height_for_age"));
        assert_eq!(held(child(Sex::Male), &[], &new), None);
        assert_eq!(held(child(Sex::Unspecified), &[], &new), None);
        let above = h(on, boys + 1.0);
        assert_eq!(
            held(child(Sex::Unspecified), &[], &above),
            Some("height_for_age")
        );
    }

    #[test]
    fn weight_is_checked_before_height_and_the_policy_sets_the_limits() {
        let history = [m("2025-01-10", Some(20.0), Some(115.0))];
        let both = m("2025-02-10", Some(30.0), Some(100.0));
        assert_eq!(held(GIRL, &history, &both), Some("weight_change"));
        let policy = PlausibilityPolicy {
            weight_change: 0.10,
            height_decrease_cm: 0.5,
            height_increase_cm: 3.0,
            height_increase_days: 30,
        };
        let held_by = |new: &Measurement| {
            check(GIRL, &history, new, &policy)
                .unwrap()
                .map(|hold| hold.check)
        };
        assert_eq!(held_by(&w("2025-02-10", 22.1)), Some("weight_change"));
        assert_eq!(held_by(&w("2025-02-10", 21.9)), None);
        assert_eq!(held_by(&h("2025-02-10", 114.4)), Some("height_decrease"));
        assert_eq!(held_by(&h("2025-02-09", 118.1)), Some("height_increase"));
        assert_eq!(
            held_by(&h("2025-02-10", 118.1)),
            None,
            "31 days: outside the window"
        );
    }

    #[test]
    fn a_policy_outside_its_range_is_refused_naming_the_limit() {
        let base = PlausibilityPolicy::default();
        let cases = [
            (
                PlausibilityPolicy {
                    weight_change: 20.0,
                    ..base
                },
                "weight_change",
            ),
            (
                PlausibilityPolicy {
                    weight_change: 0.0,
                    ..base
                },
                "weight_change",
            ),
            (
                PlausibilityPolicy {
                    height_decrease_cm: f64::NAN,
                    ..base
                },
                "height_decrease_cm",
            ),
            (
                PlausibilityPolicy {
                    height_increase_cm: -1.0,
                    ..base
                },
                "height_increase_cm",
            ),
            (
                PlausibilityPolicy {
                    height_increase_days: 0,
                    ..base
                },
                "height_increase_days",
            ),
        ];
        for (policy, field) in cases {
            let err = policy.validate().unwrap_err();
            assert!(
                matches!(&err, Error::Invalid { field: f, .. } if f == field),
                "{err}"
            );
        }
    }
}

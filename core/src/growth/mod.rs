//! Growth references: SD scores (z-scores) of weight-for-age and length/height-for-age by the LMS
//! method, for the plausibility checks of clinical-rules §10 ([`plausibility`]). Pure functions
//! over embedded tables (`tables.rs` beside this file states their sources and licences).
//!
//! Which reference, by the age in completed days since birth:
//!
//! | age | weight-for-age | length/height-for-age |
//! |---|---|---|
//! | 0–1856 days (to 5 years and about a month) | WHO 2006 standards, by day | WHO 2006 standards, by day |
//! | 1857 days (61 months) to 120 months | WHO 2007 reference | WHO 2007 reference |
//! | above 120 months, below 228 months (19 years) | CDC 2000 | WHO 2007 reference |
//! | 228 months and over, or before birth | none | none |
//!
//! - WHO 2006 tabulates every day from birth to 1856 days: the day's row is used as it is (WHO,
//!   *WHO Child Growth Standards: Methods and development*, 2006, and its igrowup software, which
//!   work in completed days).
//! - WHO 2007 and CDC 2000 tabulate months: the age in months is days ÷ 30.4375 (365.25 ÷ 12, as
//!   WHO's software counts), and L, M and S are interpolated linearly between the two tabulated
//!   ages around it. CDC 2000 tabulates the middle of each month (119.5, 120.5, …).
//! - WHO 2007 gives no weight-for-age after 10 years (it does not tell excess weight from
//!   height during the pubertal spurt, de Onis et al. 2007); above 120 months the CDC 2000
//!   weight-for-age reference is used, the alternative clinical-rules §10 names.
//! - z = ((x ÷ M)^L − 1) ÷ (L·S), or ln(x ÷ M) ÷ S when L = 0 (Cole TJ, Green PJ, Stat Med
//!   1992;11:1305-19).
//! - WHO weight-for-age (2006 and 2007) uses WHO's restricted application of the LMS method
//!   beyond ±3 SD: there the distance from the 3 SD curve is counted in units of the distance
//!   between the 2 and 3 SD curves, so that the skewed upper tail does not shrink extreme
//!   z-scores (WHO 2006, *Methods and development*, ch. 7 "Computation of centiles and z-scores";
//!   WHO 2007 computation notes for 5–19 years). Length/height-for-age needs no such step (its
//!   L is 1). CDC 2000 uses the LMS formula as it is.
//! - Length or height: WHO 2006 expects a length (lying) to 730 days and a standing height from
//!   731 days, and adds or subtracts 0.7 cm when the other was measured. The diary does not
//!   record how a height was measured, so a height is taken as measured the way the table
//!   expects at that age and no 0.7 cm is added (about 0.2 SD: small beside the 4 SD of §10).

pub mod plausibility;
#[rustfmt::skip]
mod tables;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Sex;
use crate::numeric::require_positive;

/// Days in a month of age, 365.25 ÷ 12 (WHO's software counts months this way).
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// The last day of age tabulated by the WHO 2006 standards (5 years and 31 days).
pub const LAST_WHO2006_DAY: i64 = 1856;

/// The age in months from which no reference applies: 228 months, 19 years (the end of WHO 2007).
pub const END_MONTHS: f64 = 228.0;

/// The last age in months with a WHO 2007 weight-for-age (10 years).
pub const LAST_WHO2007_WEIGHT_MONTH: f64 = 120.0;

/// What was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "GrowthMeasure"))]
pub enum Measure {
    /// Body weight in kg (weight-for-age).
    Weight,
    /// Length (lying, to 730 days) or standing height in cm (length/height-for-age).
    Height,
}

impl Measure {
    /// The input field that holds this measure: `weight_kg` or `height_cm`.
    pub fn field(self) -> &'static str {
        match self {
            Measure::Weight => "weight_kg",
            Measure::Height => "height_cm",
        }
    }
}

/// The growth reference a z-score was computed against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// WHO Child Growth Standards (2006), birth to 1856 days.
    Who2006,
    /// WHO Growth Reference 5–19 years (2007).
    Who2007,
    /// CDC 2000 Growth Charts (weight-for-age above 10 years).
    Cdc2000,
}

impl Reference {
    /// The identifier: `who2006`, `who2007` or `cdc2000`.
    pub fn id(self) -> &'static str {
        match self {
            Reference::Who2006 => "who2006",
            Reference::Who2007 => "who2007",
            Reference::Cdc2000 => "cdc2000",
        }
    }
}

/// The L (Box-Cox power), M (median) and S (coefficient of variation) of a reference at one age.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lms {
    /// Box-Cox power.
    pub l: f64,
    /// Median.
    pub m: f64,
    /// Coefficient of variation.
    pub s: f64,
}

impl Lms {
    /// The z-score of `x` by the LMS formula: ((x ÷ M)^L − 1) ÷ (L·S), or ln(x ÷ M) ÷ S when
    /// L = 0.
    pub fn z(&self, x: f64) -> f64 {
        if self.l == 0.0 {
            (x / self.m).ln() / self.s
        } else {
            ((x / self.m).powf(self.l) - 1.0) / (self.l * self.s)
        }
    }

    /// The measurement at z-score `z`: M·(1 + L·S·z)^(1/L), or M·e^(S·z) when L = 0.
    pub fn value_at(&self, z: f64) -> f64 {
        if self.l == 0.0 {
            self.m * (self.s * z).exp()
        } else {
            self.m * (1.0 + self.l * self.s * z).powf(1.0 / self.l)
        }
    }

    /// WHO's restricted application of the LMS method (WHO 2006, ch. 7): the LMS z-score within
    /// ±3; beyond, 3 plus the distance from the 3 SD curve in units of the distance between the
    /// 2 and 3 SD curves (and likewise below −3).
    pub fn who_restricted_z(&self, x: f64) -> f64 {
        let z = self.z(x);
        if z > 3.0 {
            let (sd2, sd3) = (self.value_at(2.0), self.value_at(3.0));
            3.0 + (x - sd3) / (sd3 - sd2)
        } else if z < -3.0 {
            let (sd2, sd3) = (self.value_at(-2.0), self.value_at(-3.0));
            -3.0 + (x - sd3) / (sd2 - sd3)
        } else {
            z
        }
    }
}

/// A z-score and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZScore {
    /// The SD score.
    pub z: f64,
    /// The reference it was computed against.
    pub reference: Reference,
    /// The reference's L, M and S at the age (interpolated where the table is by month).
    pub lms: Lms,
}

/// A z-score (SD score) against a growth reference, as a shell reads it: the reference by its
/// identifier and its L, M and S beside the score.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GrowthZScore {
    /// The SD score (WHO weight-for-age: WHO's restricted application beyond ±3).
    pub z: f64,
    /// The reference: `who2006`, `who2007` or `cdc2000`.
    pub reference: String,
    /// The reference's L (Box-Cox power) at the age.
    pub l: f64,
    /// The reference's M (median) at the age.
    pub m: f64,
    /// The reference's S (coefficient of variation) at the age.
    pub s: f64,
}

impl From<ZScore> for GrowthZScore {
    fn from(score: ZScore) -> Self {
        GrowthZScore {
            z: score.z,
            reference: score.reference.id().to_string(),
            l: score.lms.l,
            m: score.lms.m,
            s: score.lms.s,
        }
    }
}

/// The age in completed days on `on` of a child born on `birth` (negative before birth).
pub fn age_in_days(birth: chrono::NaiveDate, on: chrono::NaiveDate) -> i64 {
    (on - birth).num_days()
}

/// The reference and its L, M, S for a sex, a measure and an age in completed days; `None`
/// outside the references (before birth, from 228 months). A sex that is not female or male is
/// refused: the caller decides what an unspecified sex means ([`plausibility`] checks both).
pub fn reference_lms(
    sex: Sex,
    measure: Measure,
    age_days: i64,
) -> Result<Option<(Reference, Lms)>> {
    let female = match sex {
        Sex::Female => true,
        Sex::Male => false,
        Sex::Unspecified => {
            return Err(Error::invalid(
                "sex",
                "must be female or male for a growth reference",
            ))
        }
    };
    if age_days < 0 {
        return Ok(None);
    }
    if age_days <= LAST_WHO2006_DAY {
        let table = match (measure, female) {
            (Measure::Weight, false) => &tables::WHO2006_WEIGHT_MALE,
            (Measure::Weight, true) => &tables::WHO2006_WEIGHT_FEMALE,
            (Measure::Height, false) => &tables::WHO2006_HEIGHT_MALE,
            (Measure::Height, true) => &tables::WHO2006_HEIGHT_FEMALE,
        };
        let [l, m, s] = table[age_days as usize];
        return Ok(Some((Reference::Who2006, Lms { l, m, s })));
    }
    let months = age_days as f64 / DAYS_PER_MONTH;
    if months >= END_MONTHS {
        return Ok(None);
    }
    let found = match measure {
        Measure::Height => {
            let table = if female {
                &tables::WHO2007_HEIGHT_FEMALE[..]
            } else {
                &tables::WHO2007_HEIGHT_MALE[..]
            };
            (
                Reference::Who2007,
                interpolate(table.len(), |i| table[i], months - 61.0),
            )
        }
        Measure::Weight if months <= LAST_WHO2007_WEIGHT_MONTH => {
            let table = if female {
                &tables::WHO2007_WEIGHT_FEMALE[..]
            } else {
                &tables::WHO2007_WEIGHT_MALE[..]
            };
            (
                Reference::Who2007,
                interpolate(table.len(), |i| table[i], months - 61.0),
            )
        }
        Measure::Weight => {
            let table = if female {
                &tables::CDC2000_WEIGHT_FEMALE[..]
            } else {
                &tables::CDC2000_WEIGHT_MALE[..]
            };
            let row = |i: usize| [table[i][1], table[i][2], table[i][3]];
            (
                Reference::Cdc2000,
                interpolate(table.len(), row, months - table[0][0]),
            )
        }
    };
    Ok(Some(found))
}

/// L, M and S at `position` (in rows from the first, ≥ 0), linearly between the two rows around
/// it; the last row at or past the end.
fn interpolate(len: usize, row: impl Fn(usize) -> [f64; 3], position: f64) -> Lms {
    let last = len - 1;
    let index = (position.max(0.0).floor() as usize).min(last);
    let [l0, m0, s0] = row(index);
    if index == last {
        return Lms {
            l: l0,
            m: m0,
            s: s0,
        };
    }
    let [l1, m1, s1] = row(index + 1);
    let t = position - index as f64;
    Lms {
        l: l0 + t * (l1 - l0),
        m: m0 + t * (m1 - m0),
        s: s0 + t * (s1 - s0),
    }
}

/// The z-score of a weight (kg) or height (cm) for a sex and an age in completed days; `None`
/// outside the references (before birth, from 228 months). A value that is not a finite number
/// above 0, or a sex other than female or male, is refused naming the field.
pub fn z_score(sex: Sex, age_days: i64, measure: Measure, value: f64) -> Result<Option<ZScore>> {
    require_positive(measure.field(), value)?;
    let Some((reference, lms)) = reference_lms(sex, measure, age_days)? else {
        return Ok(None);
    };
    let z = match (measure, reference) {
        (Measure::Weight, Reference::Who2006 | Reference::Who2007) => lms.who_restricted_z(value),
        _ => lms.z(value),
    };
    Ok(Some(ZScore { z, reference, lms }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn z(sex: Sex, days: i64, measure: Measure, value: f64) -> ZScore {
        z_score(sex, days, measure, value).unwrap().unwrap()
    }

    #[test]
    fn a_shown_z_score_names_its_reference_beside_its_lms() {
        // WHO 2006 weight-for-age, boys, day 0: L 0.3487, M 3.3464, S 0.14602.
        let shown = GrowthZScore::from(z(Sex::Male, 0, Measure::Weight, 3.3464));
        assert_eq!(shown.reference, "who2006");
        assert_eq!((shown.l, shown.m, shown.s), (0.3487, 3.3464, 0.14602));
        assert!(shown.z.abs() < 1e-12);
        // Above 10 years a weight is read against CDC 2000.
        let older = GrowthZScore::from(z(Sex::Female, 4000, Measure::Weight, 40.0));
        assert_eq!(older.reference, "cdc2000");
    }

    #[test]
    fn the_median_at_birth_is_zero_and_the_who_rows_are_read_by_day() {
        // WHO 2006 weight-for-age, boys, day 0: L 0.3487, M 3.3464, S 0.14602.
        let at_birth = z(Sex::Male, 0, Measure::Weight, 3.3464);
        assert_eq!(at_birth.reference, Reference::Who2006);
        assert!(at_birth.z.abs() < 1e-12);
        // Girls' length at 730 days (M 86.4008, S 0.03733) and height at 731 days (M 85.7299).
        let length = z(Sex::Female, 730, Measure::Height, 86.4008);
        assert!(length.z.abs() < 1e-12);
        assert_eq!(length.lms.s, 0.03733);
        assert_eq!(z(Sex::Female, 731, Measure::Height, 85.7299).lms.m, 85.7299);
        // Last day of WHO 2006, boys' height: M 110.4969.
        assert_eq!(
            z(Sex::Male, LAST_WHO2006_DAY, Measure::Height, 110.0).lms.m,
            110.4969
        );
    }

    #[test]
    fn a_hand_computed_lms_z_score() {
        // L 0.3487, M 3.3464, S 0.14602 at 4.0 kg: ((4/3.3464)^0.3487 − 1) / (0.3487 × 0.14602).
        let expected = ((4.0f64 / 3.3464).powf(0.3487) - 1.0) / (0.3487 * 0.14602);
        assert!((z(Sex::Male, 0, Measure::Weight, 4.0).z - expected).abs() < 1e-12);
        let lms = Lms {
            l: 0.0,
            m: 10.0,
            s: 0.1,
        };
        assert!((lms.z(10.0 * 0.2f64.exp()) - 2.0).abs() < 1e-12);
        assert!((lms.value_at(-1.5) - 10.0 * (-0.15f64).exp()).abs() < 1e-12);
    }

    #[test]
    fn who_weight_beyond_three_sd_is_counted_in_two_to_three_sd_steps() {
        let zs = z(Sex::Female, 400, Measure::Weight, 1.0);
        let lms = zs.lms;
        let (sd2, sd3) = (lms.value_at(2.0), lms.value_at(3.0));
        // Exactly one 2-to-3 SD step above the 3 SD curve is +4.
        let four = z(Sex::Female, 400, Measure::Weight, sd3 + (sd3 - sd2));
        assert!((four.z - 4.0).abs() < 1e-9, "{}", four.z);
        assert!(four.z < lms.z(sd3 + (sd3 - sd2)) + 1.0);
        let (sd2n, sd3n) = (lms.value_at(-2.0), lms.value_at(-3.0));
        let minus_four = z(Sex::Female, 400, Measure::Weight, sd3n - (sd2n - sd3n));
        assert!((minus_four.z + 4.0).abs() < 1e-9, "{}", minus_four.z);
        // Within ±3 the plain LMS z-score.
        let inside = lms.value_at(2.5);
        assert!((z(Sex::Female, 400, Measure::Weight, inside).z - 2.5).abs() < 1e-9);
    }

    #[test]
    fn months_are_interpolated_linearly_and_references_change_at_their_ages() {
        // 1857 days = 61.0078 months: WHO 2007, between months 61 and 62.
        let first = z(Sex::Male, 1857, Measure::Height, 110.0);
        assert_eq!(first.reference, Reference::Who2007);
        let t = 1857.0 / DAYS_PER_MONTH - 61.0;
        let [_, m61, _] = tables::WHO2007_HEIGHT_MALE[0];
        let [_, m62, _] = tables::WHO2007_HEIGHT_MALE[1];
        assert!((first.lms.m - (m61 + t * (m62 - m61))).abs() < 1e-12);
        // Weight: WHO 2007 to 120 months (3652 days = 119.98), CDC 2000 above (3653 = 120.02).
        assert_eq!(
            z(Sex::Female, 3652, Measure::Weight, 30.0).reference,
            Reference::Who2007
        );
        let cdc = z(Sex::Female, 3653, Measure::Weight, 30.0);
        assert_eq!(cdc.reference, Reference::Cdc2000);
        let t = 3653.0 / DAYS_PER_MONTH - 119.5;
        let m0 = tables::CDC2000_WEIGHT_FEMALE[0][2];
        let m1 = tables::CDC2000_WEIGHT_FEMALE[1][2];
        assert!((cdc.lms.m - (m0 + t * (m1 - m0))).abs() < 1e-12);
        // Height stays WHO 2007 to the end.
        assert_eq!(
            z(Sex::Female, 5000, Measure::Height, 150.0).reference,
            Reference::Who2007
        );
    }

    #[test]
    fn no_reference_before_birth_or_from_nineteen_years() {
        for measure in [Measure::Weight, Measure::Height] {
            assert_eq!(z_score(Sex::Male, -1, measure, 10.0).unwrap(), None);
            // 6939 days = 227.98 months: the last day; 6940 = 228.01: none.
            assert!(z_score(Sex::Male, 6939, measure, 60.0).unwrap().is_some());
            assert_eq!(z_score(Sex::Male, 6940, measure, 60.0).unwrap(), None);
        }
    }

    #[test]
    fn refusals_name_the_field() {
        let err = z_score(Sex::Unspecified, 10, Measure::Weight, 3.0).unwrap_err();
        assert!(err.to_string().contains("sex"), "{err}");
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = z_score(Sex::Female, 10, Measure::Height, bad).unwrap_err();
            assert!(err.to_string().contains("height_cm"), "{err}");
        }
    }

    #[test]
    fn every_table_is_sorted_where_it_must_be_and_plausible() {
        let by_day = [
            &tables::WHO2006_WEIGHT_MALE,
            &tables::WHO2006_WEIGHT_FEMALE,
            &tables::WHO2006_HEIGHT_MALE,
            &tables::WHO2006_HEIGHT_FEMALE,
        ];
        for table in by_day {
            assert_eq!(table.len() as i64, LAST_WHO2006_DAY + 1);
            assert!(table.iter().all(|[_, m, s]| *m > 0.0 && *s > 0.0));
        }
        for table in [&tables::CDC2000_WEIGHT_MALE, &tables::CDC2000_WEIGHT_FEMALE] {
            for (i, row) in table.iter().enumerate() {
                assert_eq!(row[0], 119.5 + i as f64);
            }
        }
        assert_eq!(tables::WHO2007_HEIGHT_MALE.len(), 228 - 61 + 1);
        assert_eq!(tables::WHO2007_WEIGHT_FEMALE.len(), 120 - 61 + 1);
    }
}

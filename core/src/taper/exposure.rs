//! Cumulative steroid exposure over a date range (clinical-rules §4: "a first-class figure:
//! cumulative steroid dose is a standard outcome of these trials").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::numeric::{clean, require_positive};

/// Cumulative steroid exposure over an inclusive date range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Exposure {
    /// Total mg on the dates of the range.
    pub mg: f64,
    /// `mg` ÷ the weight given.
    pub mg_per_kg: f64,
    /// `mg` ÷ the BSA given; `None` when no BSA was given.
    pub mg_per_m2: Option<f64>,
    /// `mg` ÷ (days in range ÷ 365.25): the annualised exposure.
    pub mg_per_year: f64,
    /// Days in the range, both ends included.
    pub days: u32,
}

/// Sums (date, mg) pairs whose date lies in `range` (first and last date, inclusive) and scales
/// the sum by weight, BSA and range length.
///
/// The pairs may be a planned calendar ([`super::TaperCalendar::daily_mg`]) or doses logged as
/// taken; they may come in any order, several on one date are added, and dates outside the range
/// are skipped. `weight_kg` and `bsa_m2` are the figures to normalise by (the caller chooses,
/// e.g. the weight the course was calculated on, or the latest); `bsa_m2` is unrounded Mosteller
/// (clinical-rules §2) or `None` when no height is known.
pub fn cumulative_exposure<I>(
    doses: I,
    range: (NaiveDate, NaiveDate),
    weight_kg: f64,
    bsa_m2: Option<f64>,
) -> Result<Exposure>
where
    I: IntoIterator<Item = (NaiveDate, f64)>,
{
    let (first, last) = range;
    if last < first {
        return Err(Error::invalid(
            "range",
            "the last date must not be before the first",
        ));
    }
    let weight_kg = require_positive("weight_kg", weight_kg)?;
    let bsa_m2 = bsa_m2
        .map(|bsa| require_positive("bsa_m2", bsa))
        .transpose()?;
    let mut mg = 0.0;
    for (index, (date, amount)) in doses.into_iter().enumerate() {
        if !amount.is_finite() || amount < 0.0 {
            return Err(Error::invalid(
                format!("doses[{index}]"),
                "must be a finite, non-negative number of mg",
            ));
        }
        if (first..=last).contains(&date) {
            mg += amount;
        }
    }
    let mg = clean(mg);
    let days = u32::try_from((last - first).num_days() + 1).unwrap_or(u32::MAX);
    let exposure = Exposure {
        mg,
        mg_per_kg: mg / weight_kg,
        mg_per_m2: bsa_m2.map(|bsa| mg / bsa),
        mg_per_year: mg / (f64::from(days) / 365.25),
        days,
    };
    // Absurd amounts or a vanishing weight would overflow to infinity: refuse, don't report it.
    let figures = [
        exposure.mg,
        exposure.mg_per_kg,
        exposure.mg_per_m2.unwrap_or(0.0),
        exposure.mg_per_year,
    ];
    if figures.iter().any(|f| !f.is_finite()) {
        return Err(Error::invalid(
            "doses",
            "the total is too large to calculate",
        ));
    }
    Ok(exposure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        crate::dates::parse_date("d", text).unwrap()
    }

    #[test]
    fn range_is_inclusive_and_outside_dates_are_skipped() {
        let doses = [
            (d("2025-01-01"), 10.0),
            (d("2025-01-02"), 20.0),
            (d("2025-01-03"), 30.0),
            (d("2025-01-04"), 40.0),
        ];
        let e = cumulative_exposure(doses, (d("2025-01-02"), d("2025-01-03")), 25.0, Some(0.8))
            .unwrap();
        assert_eq!(e.mg, 50.0);
        assert_eq!(e.days, 2);
        assert!((e.mg_per_kg - 2.0).abs() < 1e-12);
        assert!((e.mg_per_m2.unwrap() - 62.5).abs() < 1e-12);
        assert!((e.mg_per_year - 50.0 * 365.25 / 2.0).abs() < 1e-9);
    }

    #[test]
    fn several_doses_on_a_date_add_up_in_any_order() {
        let doses = vec![
            (d("2025-03-02"), 2.5),
            (d("2025-03-01"), 5.0),
            (d("2025-03-02"), 2.5),
        ];
        let e = cumulative_exposure(doses, (d("2025-03-01"), d("2025-03-31")), 20.0, None).unwrap();
        assert_eq!(e.mg, 10.0);
        assert_eq!(e.days, 31);
        assert_eq!(e.mg_per_m2, None);
    }

    #[test]
    fn a_year_of_365_25_days_equals_its_total() {
        // 2024-01-01..2024-12-31 is 366 days.
        let e = cumulative_exposure(
            [(d("2024-06-01"), 366.0)],
            (d("2024-01-01"), d("2024-12-31")),
            30.0,
            None,
        )
        .unwrap();
        assert!((e.mg_per_year - 365.25).abs() < 1e-9);
        let empty = cumulative_exposure(
            std::iter::empty(),
            (d("2024-01-01"), d("2024-01-01")),
            30.0,
            None,
        )
        .unwrap();
        assert_eq!((empty.mg, empty.mg_per_year, empty.days), (0.0, 0.0, 1));
    }

    #[test]
    fn bad_input_is_refused_with_its_field() {
        let range = (d("2025-01-01"), d("2025-01-31"));
        let reversed = (d("2025-01-31"), d("2025-01-01"));
        assert!(cumulative_exposure([], reversed, 20.0, None)
            .unwrap_err()
            .to_string()
            .contains("range"));
        assert!(cumulative_exposure([], range, 0.0, None)
            .unwrap_err()
            .to_string()
            .contains("weight_kg"));
        assert!(cumulative_exposure([], range, f64::NAN, None).is_err());
        assert!(cumulative_exposure([], range, 20.0, Some(0.0))
            .unwrap_err()
            .to_string()
            .contains("bsa_m2"));
        let negative = [(d("2025-01-05"), 5.0), (d("2025-01-06"), -5.0)];
        assert!(cumulative_exposure(negative, range, 20.0, None)
            .unwrap_err()
            .to_string()
            .contains("doses[1]"));
        assert!(
            cumulative_exposure([(d("2025-01-05"), f64::INFINITY)], range, 20.0, None).is_err()
        );
    }
}

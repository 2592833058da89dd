//! Growth and kidney function (clinical-rules §2): bedside Schwartz eGFR, heights by date, the
//! "recalculate dose" prompt, and blood-pressure records.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::compare;
use crate::error::{Error, Result};
use crate::numeric::require_positive;

/// The bedside Schwartz coefficient (Schwartz GJ et al., J Am Soc Nephrol 2009;20:629-37;
/// clinical-rules §2), for height in cm and creatinine in mg/dL.
pub const BEDSIDE_SCHWARTZ_K: f64 = 0.413;

/// Default weight change that raises the "recalculate dose" prompt: 10 % (clinical-rules §2,
/// **policy**, configurable per patient).
pub const DEFAULT_RECALCULATE_THRESHOLD: f64 = 0.10;

/// The message key of the recalculate prompt ([`super::text::message`]).
pub const RECALCULATE_DOSE_KEY: &str = "labs.prompt.recalculate_dose";

/// Bedside Schwartz 2009 eGFR in mL/min/1.73 m² (clinical-rules §2):
/// `0.413 × height_cm ÷ creatinine_mg_per_dL`, unrounded. A creatinine in µmol/L is converted
/// first (÷ 88.42, [`super::convert_value`]).
pub fn egfr_bedside_schwartz(height_cm: f64, creatinine_mg_per_dl: f64) -> Result<f64> {
    let height = require_positive("height_cm", height_cm)?;
    let creatinine = require_positive("creatinine_mg_per_dl", creatinine_mg_per_dl)?;
    Ok(BEDSIDE_SCHWARTZ_K * height / creatinine)
}

/// A height measured on a local date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeightRecord {
    /// Local date of the measurement.
    pub date: NaiveDate,
    /// Height in cm.
    pub height_cm: f64,
}

/// Heights ordered by date, for "the most recent height on or before the day"
/// (clinical-rules §2). Among several heights on one date, the one listed last wins
/// (a re-measurement entered later corrects the first).
#[derive(Debug, Clone, PartialEq)]
pub struct HeightHistory {
    /// Ascending by date; equal dates keep their listed order.
    sorted: Vec<HeightRecord>,
}

impl HeightHistory {
    /// Validates (every height a finite number > 0, named `heights[i].height_cm`) and orders
    /// the records.
    pub fn new(heights: &[HeightRecord]) -> Result<Self> {
        for (i, h) in heights.iter().enumerate() {
            require_positive(&format!("heights[{i}].height_cm"), h.height_cm)?;
        }
        let mut sorted = heights.to_vec();
        sorted.sort_by_key(|h| h.date); // stable: equal dates stay in listed order
        Ok(HeightHistory { sorted })
    }

    /// The most recent height on or before `date`, if any.
    pub fn on_or_before(&self, date: NaiveDate) -> Option<f64> {
        let count = self.sorted.partition_point(|h| h.date <= date);
        count
            .checked_sub(1)
            .and_then(|i| self.sorted.get(i))
            .map(|h| h.height_cm)
    }
}

/// The most recent height on or before `date` (clinical-rules §2), or `None` when no height
/// was measured by then.
pub fn latest_height_cm(heights: &[HeightRecord], date: NaiveDate) -> Result<Option<f64>> {
    Ok(HeightHistory::new(heights)?.on_or_before(date))
}

/// The care team's prompt to recalculate a weight-based dose (clinical-rules §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecalculatePrompt {
    /// The weight the regimen was calculated on, kg.
    pub regimen_weight_kg: f64,
    /// The most recent weight, kg.
    pub latest_weight_kg: f64,
    /// `(latest − regimen) ÷ regimen`: positive for a gain, negative for a loss.
    pub change_fraction: f64,
    /// The threshold in force (e.g. 0.10).
    pub threshold_fraction: f64,
    /// The key of the text ([`super::text::message`]).
    pub message_key: String,
}

/// Raises the "recalculate dose" prompt when the latest weight differs from the regimen's
/// weight by at least `threshold_fraction` of it (clinical-rules §2: "differs … by ≥ 10 %",
/// **policy**, default [`DEFAULT_RECALCULATE_THRESHOLD`]); exactly the threshold raises it.
/// The prompt asks the care team to recalculate; the app never changes the dose itself.
pub fn recalculate_prompt(
    regimen_weight_kg: f64,
    latest_weight_kg: f64,
    threshold_fraction: f64,
) -> Result<Option<RecalculatePrompt>> {
    let regimen = require_positive("regimen_weight_kg", regimen_weight_kg)?;
    let latest = require_positive("latest_weight_kg", latest_weight_kg)?;
    let threshold = require_positive("recalculate_threshold", threshold_fraction)?;
    let change = (latest - regimen) / regimen;
    Ok(
        compare::at_or_above(change.abs(), threshold).then(|| RecalculatePrompt {
            regimen_weight_kg: regimen,
            latest_weight_kg: latest,
            change_fraction: change,
            threshold_fraction: threshold,
            message_key: RECALCULATE_DOSE_KEY.to_string(),
        }),
    )
}

/// Highest systolic or diastolic pressure accepted as a reading, mmHg (an input check against
/// typing errors, not a clinical rule).
pub const MAX_BLOOD_PRESSURE_MMHG: f64 = 300.0;

/// A blood-pressure reading. The rules define no blood-pressure alert, so none is raised;
/// readings are kept for the report and export (LOINC 85354-9, 8480-6, 8462-4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BloodPressure {
    /// When it was measured.
    pub measured_at: DateTime<Utc>,
    /// Systolic pressure, mmHg.
    pub systolic_mmhg: f64,
    /// Diastolic pressure, mmHg.
    pub diastolic_mmhg: f64,
}

impl BloodPressure {
    /// Refuses pressures that are not finite numbers in (0, 300] mmHg, a diastolic pressure
    /// not below the systolic one (swapped fields), and a measurement time outside 1900–2200
    /// (clinical-rules §10, [`crate::bounds`]). `field` names the reading, e.g.
    /// `blood_pressure[2]`.
    pub fn validate(&self, field: &str) -> Result<()> {
        crate::bounds::instant(&format!("{field}.measured_at"), self.measured_at)?;
        for (name, value) in [
            ("systolic_mmhg", self.systolic_mmhg),
            ("diastolic_mmhg", self.diastolic_mmhg),
        ] {
            let name = format!("{field}.{name}");
            require_positive(&name, value)?;
            if value > MAX_BLOOD_PRESSURE_MMHG {
                return Err(Error::invalid(name, "must be at most 300 mmHg"));
            }
        }
        if self.diastolic_mmhg >= self.systolic_mmhg {
            return Err(Error::invalid(
                format!("{field}.diastolic_mmhg"),
                "must be below the systolic pressure",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_date;
    use crate::labs::{convert_value, LabKind, LabUnit};

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    fn h(date: &str, cm: f64) -> HeightRecord {
        HeightRecord {
            date: d(date),
            height_cm: cm,
        }
    }

    #[test]
    fn schwartz_matches_hand_values() {
        // 0.413 × 120 ÷ 0.5 = 99.12.
        assert!((egfr_bedside_schwartz(120.0, 0.5).unwrap() - 99.12).abs() < 1e-9);
        // 44.21 µmol/L = 0.5 mg/dL.
        let mg = convert_value(
            LabKind::Creatinine,
            44.21,
            LabUnit::MicromolesPerLitre,
            LabUnit::MilligramsPerDecilitre,
        );
        let mg = mg.unwrap();
        assert!((egfr_bedside_schwartz(120.0, mg).unwrap() - 99.12).abs() < 1e-9);
        assert!(egfr_bedside_schwartz(120.0, 0.0).is_err());
        assert!(egfr_bedside_schwartz(-1.0, 0.5).is_err());
    }

    #[test]
    fn latest_height_on_or_before_the_date() {
        let heights = [
            h("2025-03-01", 121.0),
            h("2025-01-01", 119.0),
            h("2025-03-01", 121.5),
        ];
        assert_eq!(latest_height_cm(&heights, d("2024-12-31")).unwrap(), None);
        assert_eq!(
            latest_height_cm(&heights, d("2025-01-01")).unwrap(),
            Some(119.0)
        );
        assert_eq!(
            latest_height_cm(&heights, d("2025-02-28")).unwrap(),
            Some(119.0)
        );
        // Same date twice: the one listed last.
        assert_eq!(
            latest_height_cm(&heights, d("2025-03-01")).unwrap(),
            Some(121.5)
        );
        let err = latest_height_cm(&[h("2025-01-01", 0.0)], d("2025-02-01")).unwrap_err();
        assert!(err.to_string().contains("heights[0].height_cm"));
    }

    #[test]
    fn recalculate_prompt_at_exactly_the_threshold() {
        assert!(
            recalculate_prompt(20.0, 22.0, DEFAULT_RECALCULATE_THRESHOLD)
                .unwrap()
                .is_some()
        );
        assert!(
            recalculate_prompt(20.0, 18.0, DEFAULT_RECALCULATE_THRESHOLD)
                .unwrap()
                .is_some()
        );
        assert!(
            recalculate_prompt(20.0, 21.99, DEFAULT_RECALCULATE_THRESHOLD)
                .unwrap()
                .is_none()
        );
        assert!(
            recalculate_prompt(20.0, 18.01, DEFAULT_RECALCULATE_THRESHOLD)
                .unwrap()
                .is_none()
        );
        // 10 % of 33.3 kg computed in binary is not exactly 3.33 kg; it still raises.
        assert!(
            recalculate_prompt(33.3, 33.3 * 1.1, DEFAULT_RECALCULATE_THRESHOLD)
                .unwrap()
                .is_some()
        );
        let p = recalculate_prompt(25.0, 20.0, 0.15).unwrap().unwrap();
        assert!((p.change_fraction + 0.2).abs() < 1e-12);
        assert!(recalculate_prompt(0.0, 20.0, 0.1).is_err());
        assert!(recalculate_prompt(20.0, 20.0, 0.0).is_err());
    }

    #[test]
    fn blood_pressure_validation() {
        let at = DateTime::from_timestamp(1_750_000_000, 0).unwrap();
        let bp = |s, d| BloodPressure {
            measured_at: at,
            systolic_mmhg: s,
            diastolic_mmhg: d,
        };
        assert!(bp(105.0, 65.0).validate("bp").is_ok());
        assert!(bp(65.0, 105.0)
            .validate("bp")
            .unwrap_err()
            .to_string()
            .contains("bp.diastolic_mmhg"));
        assert!(bp(0.0, 60.0).validate("bp").is_err());
        assert!(bp(1050.0, 60.0)
            .validate("bp")
            .unwrap_err()
            .to_string()
            .contains("bp.systolic_mmhg"));
        assert!(bp(f64::NAN, 60.0).validate("bp").is_err());
    }
}

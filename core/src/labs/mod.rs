//! Labs, growth and safety monitoring (clinical-rules §1, §2 and §8).
//!
//! - [`LabKind`] and [`LabUnit`]: what a lab result measures and the units each kind accepts,
//!   with the conversions the rules need ([`convert_value`]).
//! - [`targets`]: drug-level targets by phase (clinical-rules §1, NCT04048161; **policy**).
//! - [`trough`]: whether a tacrolimus level was drawn as a trough (clinical-rules §8).
//! - [`growth`]: bedside Schwartz eGFR, heights by date, the "recalculate dose" prompt
//!   (clinical-rules §2) and blood-pressure records.
//! - [`alerts`]: the protocol's safety thresholds (clinical-rules §1) as lab alerts.
//! - [`assess`]: [`assess_labs`], one pass over a patient's labs for the lab screen and reports.
//! - [`case`]: [`run_labs_case`], the conformance suite `labs` as one typed call.
//! - [`text`]: the family-facing texts of flags, alerts and prompts (English, Simplified Chinese).
//!
//! Engines here are pure: no clock, no I/O, no JSON.

pub mod alerts;
pub mod assess;
pub mod case;
pub mod growth;
pub mod targets;
pub mod text;
pub mod trough;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::numeric::{require_non_negative, require_positive, TIE_EPSILON};

pub use alerts::{AlertKind, SafetyAlert};
pub use assess::{
    assess_labs, AssessmentNote, BaselineSource, LabAssessment, LabHistory, LabPolicy, LabReport,
};
pub use case::{run_labs_case, LabsCaseOutcome, WeightCheck};
pub use growth::{
    egfr_bedside_schwartz, latest_height_cm, recalculate_prompt, BloodPressure, HeightHistory,
    HeightRecord, RecalculatePrompt, DEFAULT_RECALCULATE_THRESHOLD,
};
pub use targets::{LevelTarget, LevelTargets, TargetFlag, TargetPhase};
pub use trough::{trough_validity, TakenDose, TroughDoseIndex, TroughValidity};

/// Micromoles per litre of creatinine in one mg/dL (clinical-rules §2: "creatinine in µmol/L is
/// divided by 88.42 first").
pub const CREATININE_UMOL_PER_L_PER_MG_PER_DL: f64 = 88.42;

/// What a lab result measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LabKind {
    /// Tacrolimus whole-blood 12-h trough level (LOINC 11253-2), ng/mL.
    TacrolimusTrough,
    /// Mycophenolic acid area under the curve (MPA-AUC), µg·h/mL.
    MpaAuc,
    /// Serum or plasma creatinine (LOINC 2160-0 mass, 14682-9 moles), mg/dL or µmol/L.
    Creatinine,
    /// White blood cell count, 10⁹/L.
    Wbc,
    /// Haemoglobin, g/dL or g/L.
    Haemoglobin,
    /// Platelet count, 10⁹/L.
    Platelets,
    /// Alanine aminotransferase (ALT), U/L.
    Alt,
    /// Total bilirubin, mg/dL or µmol/L.
    TotalBilirubin,
    /// Serum albumin, g/dL or g/L.
    Albumin,
    /// Urine protein/creatinine ratio (LOINC 2890-2), mg/mmol, mg/mg, g/g or mg/g.
    Upcr,
}

impl LabKind {
    /// Every kind, in a stable order.
    pub const ALL: [LabKind; 10] = [
        LabKind::TacrolimusTrough,
        LabKind::MpaAuc,
        LabKind::Creatinine,
        LabKind::Wbc,
        LabKind::Haemoglobin,
        LabKind::Platelets,
        LabKind::Alt,
        LabKind::TotalBilirubin,
        LabKind::Albumin,
        LabKind::Upcr,
    ];

    /// The identifier used in files, the database and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            LabKind::TacrolimusTrough => "tacrolimus_trough",
            LabKind::MpaAuc => "mpa_auc",
            LabKind::Creatinine => "creatinine",
            LabKind::Wbc => "wbc",
            LabKind::Haemoglobin => "haemoglobin",
            LabKind::Platelets => "platelets",
            LabKind::Alt => "alt",
            LabKind::TotalBilirubin => "total_bilirubin",
            LabKind::Albumin => "albumin",
            LabKind::Upcr => "upcr",
        }
    }

    /// Parses an identifier from [`LabKind::id`].
    pub fn parse(field: &str, text: &str) -> Result<LabKind> {
        LabKind::ALL
            .into_iter()
            .find(|k| k.id() == text)
            .ok_or_else(|| {
                Error::invalid(
                field,
                "must be tacrolimus_trough, mpa_auc, creatinine, wbc, haemoglobin, platelets, alt, \
                 total_bilirubin, albumin or upcr",
            )
            })
    }

    /// The units a result of this kind may be reported in.
    pub fn accepted_units(self) -> &'static [LabUnit] {
        use LabUnit::*;
        match self {
            LabKind::TacrolimusTrough => &[NanogramsPerMillilitre],
            LabKind::MpaAuc => &[MicrogramHoursPerMillilitre],
            LabKind::Creatinine | LabKind::TotalBilirubin => {
                &[MilligramsPerDecilitre, MicromolesPerLitre]
            }
            LabKind::Wbc | LabKind::Platelets => &[BillionsPerLitre],
            LabKind::Haemoglobin | LabKind::Albumin => &[GramsPerDecilitre, GramsPerLitre],
            LabKind::Alt => &[UnitsPerLitre],
            LabKind::Upcr => &[
                MilligramsPerMillimole,
                MilligramsPerMilligram,
                GramsPerGram,
                MilligramsPerGram,
            ],
        }
    }

    /// Whether alerts on this kind are relative to the laboratory's upper limit of normal
    /// (clinical-rules §1: "ALT or total bilirubin ≥ 2 × the upper limit of normal").
    pub fn needs_upper_limit_of_normal(self) -> bool {
        matches!(self, LabKind::Alt | LabKind::TotalBilirubin)
    }
}

/// A unit of a lab result; [`LabUnit::id`] is its UCUM spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LabUnit {
    /// `ng/mL` (tacrolimus).
    NanogramsPerMillilitre,
    /// `ug.h/mL`, µg·h/mL (MPA-AUC).
    MicrogramHoursPerMillilitre,
    /// `mg/dL` (creatinine, bilirubin).
    MilligramsPerDecilitre,
    /// `umol/L`, µmol/L (creatinine, bilirubin).
    MicromolesPerLitre,
    /// `10*9/L`, 10⁹ per litre (white cells, platelets).
    BillionsPerLitre,
    /// `g/dL` (haemoglobin, albumin).
    GramsPerDecilitre,
    /// `g/L` (haemoglobin, albumin).
    GramsPerLitre,
    /// `U/L` (ALT).
    UnitsPerLitre,
    /// `mg/mmol` (UPCR).
    MilligramsPerMillimole,
    /// `mg/mg` (UPCR).
    MilligramsPerMilligram,
    /// `g/g` (UPCR).
    GramsPerGram,
    /// `mg/g` (UPCR).
    MilligramsPerGram,
}

impl LabUnit {
    /// Every unit, in a stable order.
    pub const ALL: [LabUnit; 12] = [
        LabUnit::NanogramsPerMillilitre,
        LabUnit::MicrogramHoursPerMillilitre,
        LabUnit::MilligramsPerDecilitre,
        LabUnit::MicromolesPerLitre,
        LabUnit::BillionsPerLitre,
        LabUnit::GramsPerDecilitre,
        LabUnit::GramsPerLitre,
        LabUnit::UnitsPerLitre,
        LabUnit::MilligramsPerMillimole,
        LabUnit::MilligramsPerMilligram,
        LabUnit::GramsPerGram,
        LabUnit::MilligramsPerGram,
    ];

    /// The UCUM spelling used in files, exports and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            LabUnit::NanogramsPerMillilitre => "ng/mL",
            LabUnit::MicrogramHoursPerMillilitre => "ug.h/mL",
            LabUnit::MilligramsPerDecilitre => "mg/dL",
            LabUnit::MicromolesPerLitre => "umol/L",
            LabUnit::BillionsPerLitre => "10*9/L",
            LabUnit::GramsPerDecilitre => "g/dL",
            LabUnit::GramsPerLitre => "g/L",
            LabUnit::UnitsPerLitre => "U/L",
            LabUnit::MilligramsPerMillimole => "mg/mmol",
            LabUnit::MilligramsPerMilligram => "mg/mg",
            LabUnit::GramsPerGram => "g/g",
            LabUnit::MilligramsPerGram => "mg/g",
        }
    }

    /// Parses a unit of `kind` from its [`LabUnit::id`]; a known unit that does not fit the kind
    /// (e.g. `g/dL` for a platelet count) is refused too.
    pub fn parse_for(field: &str, kind: LabKind, text: &str) -> Result<LabUnit> {
        kind.accepted_units()
            .iter()
            .copied()
            .find(|u| u.id() == text)
            .ok_or_else(|| unit_error(field, kind))
    }
}

fn unit_error(field: &str, kind: LabKind) -> Error {
    let ids: Vec<&str> = kind.accepted_units().iter().map(|u| u.id()).collect();
    let reason = match ids.as_slice() {
        [only] => format!("must be {only} for {}", kind.id()),
        [rest @ .., last] => format!("must be {} or {last} for {}", rest.join(", "), kind.id()),
        [] => format!("{} has no unit", kind.id()),
    };
    Error::invalid(field, reason)
}

/// Converts a value of `kind` between two of its units, for the conversions the rules use:
/// creatinine µmol/L ÷ 88.42 = mg/dL (clinical-rules §2, bedside Schwartz), and g/L ÷ 10 = g/dL
/// for haemoglobin and albumin (the §1 anaemia threshold is in g/dL). Returns `None` for any other
/// pair of different units: bilirubin has no conversion factor in the rules (its alert is relative
/// to the laboratory's upper limit of normal in the same unit), and UPCR thresholds are applied in
/// the unit given (clinical-rules §5: "do not convert one into the other to decide").
pub fn convert_value(kind: LabKind, value: f64, from: LabUnit, to: LabUnit) -> Option<f64> {
    use LabUnit::*;
    if from == to {
        return Some(value);
    }
    match (kind, from, to) {
        (LabKind::Creatinine, MicromolesPerLitre, MilligramsPerDecilitre) => {
            Some(value / CREATININE_UMOL_PER_L_PER_MG_PER_DL)
        }
        (LabKind::Creatinine, MilligramsPerDecilitre, MicromolesPerLitre) => {
            Some(value * CREATININE_UMOL_PER_L_PER_MG_PER_DL)
        }
        (LabKind::Haemoglobin | LabKind::Albumin, GramsPerLitre, GramsPerDecilitre) => {
            Some(value / 10.0)
        }
        (LabKind::Haemoglobin | LabKind::Albumin, GramsPerDecilitre, GramsPerLitre) => {
            Some(value * 10.0)
        }
        _ => None,
    }
}

pub use crate::dates::instant_from_millis;

/// One laboratory result as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabResult {
    /// What was measured.
    pub kind: LabKind,
    /// The value as reported, in `unit`.
    pub value: f64,
    /// The unit of `value`; must be one of `kind`'s [`LabKind::accepted_units`].
    pub unit: LabUnit,
    /// When the sample was drawn.
    pub drawn_at: DateTime<Utc>,
    /// The laboratory's upper limit of normal, in `unit`. Needed for the ALT and total bilirubin
    /// alerts (≥ 2 × ULN); without it those alerts cannot be decided and none is raised.
    pub upper_limit_of_normal: Option<f64>,
}

impl LabResult {
    /// Refuses a unit that does not fit the kind, a value that is not a finite number ≥ 0
    /// (a creatinine must be > 0: the eGFR divides by it), an upper limit of normal that is
    /// not a finite number > 0, and a draw time outside 1900–2200 (clinical-rules §10,
    /// [`crate::bounds`]). `field` names the result, e.g. `labs[3]`.
    pub fn validate(&self, field: &str) -> Result<()> {
        crate::bounds::instant(&format!("{field}.drawn_at"), self.drawn_at)?;
        if !self.kind.accepted_units().contains(&self.unit) {
            return Err(unit_error(&format!("{field}.unit"), self.kind));
        }
        let value_field = format!("{field}.value");
        if self.kind == LabKind::Creatinine {
            require_positive(&value_field, self.value)?;
        } else {
            require_non_negative(&value_field, self.value)?;
        }
        if let Some(uln) = self.upper_limit_of_normal {
            require_positive(&format!("{field}.upper_limit_of_normal"), uln)?;
        }
        Ok(())
    }

    /// The value converted to `unit` (see [`convert_value`]).
    pub fn value_in(&self, unit: LabUnit) -> Option<f64> {
        convert_value(self.kind, self.value, self.unit, unit)
    }
}

/// Threshold comparisons on values the rules state exactly: a value within [`TIE_EPSILON`] of
/// the limit counts as equal to it, so a unit conversion's binary noise (114.946 µmol/L ÷ 88.42
/// is not exactly 1.3 mg/dL) cannot move a result across a boundary.
pub(crate) mod compare {
    use super::TIE_EPSILON;

    /// `value < limit`.
    pub fn below(value: f64, limit: f64) -> bool {
        value < limit - TIE_EPSILON
    }

    /// `value ≤ limit`.
    pub fn at_or_below(value: f64, limit: f64) -> bool {
        value <= limit + TIE_EPSILON
    }

    /// `value > limit`.
    pub fn above(value: f64, limit: f64) -> bool {
        value > limit + TIE_EPSILON
    }

    /// `value ≥ limit`.
    pub fn at_or_above(value: f64, limit: f64) -> bool {
        value >= limit - TIE_EPSILON
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(kind: LabKind, value: f64, unit: LabUnit) -> LabResult {
        LabResult {
            kind,
            value,
            unit,
            drawn_at: DateTime::from_timestamp(1_750_000_000, 0).unwrap(),
            upper_limit_of_normal: None,
        }
    }

    #[test]
    fn ids_round_trip_and_unknowns_are_refused() {
        for kind in LabKind::ALL {
            assert_eq!(LabKind::parse("k", kind.id()).unwrap(), kind);
            for unit in kind.accepted_units() {
                assert_eq!(LabUnit::parse_for("u", kind, unit.id()).unwrap(), *unit);
            }
        }
        let err = LabKind::parse("labs[0].kind", "vitamin_d").unwrap_err();
        assert!(err.to_string().contains("labs[0].kind"));
        let err = LabUnit::parse_for("labs[1].unit", LabKind::Platelets, "g/dL").unwrap_err();
        assert!(
            err.to_string().contains("labs[1].unit") && err.to_string().contains("10*9/L"),
            "{err}"
        );
        assert!(LabUnit::parse_for("u", LabKind::Creatinine, "mmol/L").is_err());
        // Units are case-sensitive UCUM: "MG/DL" is not "mg/dL".
        assert!(LabUnit::parse_for("u", LabKind::Creatinine, "MG/DL").is_err());
    }

    #[test]
    fn every_unit_belongs_to_some_kind() {
        for unit in LabUnit::ALL {
            assert!(
                LabKind::ALL
                    .iter()
                    .any(|k| k.accepted_units().contains(&unit)),
                "{unit:?}"
            );
        }
    }

    #[test]
    fn conversions_the_rules_use() {
        let c = convert_value(
            LabKind::Creatinine,
            88.42,
            LabUnit::MicromolesPerLitre,
            LabUnit::MilligramsPerDecilitre,
        );
        assert!((c.unwrap() - 1.0).abs() < 1e-12);
        let hb = lab(LabKind::Haemoglobin, 89.9, LabUnit::GramsPerLitre)
            .value_in(LabUnit::GramsPerDecilitre);
        assert!((hb.unwrap() - 8.99).abs() < 1e-12);
        assert_eq!(
            convert_value(
                LabKind::TotalBilirubin,
                1.0,
                LabUnit::MilligramsPerDecilitre,
                LabUnit::MicromolesPerLitre
            ),
            None
        );
        assert_eq!(
            convert_value(
                LabKind::Upcr,
                2.0,
                LabUnit::MilligramsPerMilligram,
                LabUnit::MilligramsPerMillimole
            ),
            None
        );
        assert_eq!(
            convert_value(
                LabKind::Upcr,
                2.0,
                LabUnit::GramsPerGram,
                LabUnit::GramsPerGram
            ),
            Some(2.0)
        );
    }

    #[test]
    fn validation_names_the_field_and_refuses_bad_numbers() {
        let ok = lab(LabKind::Wbc, 0.0, LabUnit::BillionsPerLitre);
        assert!(ok.validate("labs[0]").is_ok());
        for bad in [-0.1, f64::NAN, f64::INFINITY] {
            let err = lab(LabKind::Wbc, bad, LabUnit::BillionsPerLitre)
                .validate("labs[2]")
                .unwrap_err();
            assert!(err.to_string().contains("labs[2].value"), "{err}");
        }
        let err = lab(LabKind::Creatinine, 0.0, LabUnit::MilligramsPerDecilitre)
            .validate("labs[0]")
            .unwrap_err();
        assert!(err.to_string().contains("labs[0].value"));
        let err = lab(LabKind::Wbc, 4.0, LabUnit::GramsPerLitre)
            .validate("labs[5]")
            .unwrap_err();
        assert!(err.to_string().contains("labs[5].unit"));
        let mut alt = lab(LabKind::Alt, 40.0, LabUnit::UnitsPerLitre);
        alt.upper_limit_of_normal = Some(0.0);
        let err = alt.validate("labs[1]").unwrap_err();
        assert!(err.to_string().contains("labs[1].upper_limit_of_normal"));
    }

    #[test]
    fn comparisons_treat_binary_noise_as_equal() {
        let ratio = 114.946 / 88.42;
        assert!(!compare::above(ratio, 1.0 * 1.3));
        assert!(compare::at_or_below(3.0, 3.0) && !compare::at_or_below(3.01, 3.0));
        assert!(!compare::below(9.0, 9.0) && compare::below(8.99, 9.0));
        assert!(compare::at_or_above(80.0, 2.0 * 40.0) && !compare::at_or_above(79.99, 80.0));
    }
}

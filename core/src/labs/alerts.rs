//! Safety alerts on lab results (clinical-rules §1: the STAMP protocol's exclusion criteria,
//! NCT04048161, used as lab alerts; the creatinine rise from KDIGO 2025).
//!
//! The app never changes a prescription: an alert tells the family that their care team has
//! been sent the result and to contact their team ([`super::text`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{compare, LabKind, LabResult, LabUnit};

/// Leukopenia: WBC ≤ 3.0 × 10⁹/L (clinical-rules §1, NCT04048161 exclusion criteria).
pub const WBC_AT_OR_BELOW: f64 = 3.0;
/// Moderate to severe anaemia: haemoglobin < 9.0 g/dL (clinical-rules §1, NCT04048161).
pub const HAEMOGLOBIN_BELOW_G_PER_DL: f64 = 9.0;
/// Thrombocytopenia: platelets < 100 × 10⁹/L (clinical-rules §1, NCT04048161). The registry
/// text says "10^12/L"; §1: "that is a typo — platelet counts are reported in 10⁹/L. Use 10⁹/L."
pub const PLATELETS_BELOW: f64 = 100.0;
/// Liver: ALT or total bilirubin ≥ 2 × the upper limit of normal (clinical-rules §1, NCT04048161).
pub const LIVER_ULN_MULTIPLE: f64 = 2.0;
/// Creatinine rise: more than 30 % above baseline (clinical-rules §1, KDIGO 2025: reduce the
/// calcineurin inhibitor or MMF — a decision for the care team).
pub const CREATININE_RISE_ABOVE_FRACTION: f64 = 0.30;
/// eGFR below the protocol's entry criterion, eGFR ≥ 90 mL/min/1.73 m² (clinical-rules §1,
/// NCT04048161); informational.
pub const EGFR_BELOW: f64 = 90.0;

/// UCUM unit of an eGFR.
pub const EGFR_UNIT: &str = "mL/min/{1.73_m2}";

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlertKind {
    /// WBC ≤ 3.0 × 10⁹/L.
    Leukopenia,
    /// Haemoglobin < 9.0 g/dL.
    Anaemia,
    /// Platelets < 100 × 10⁹/L.
    Thrombocytopenia,
    /// ALT ≥ 2 × ULN.
    AltRaised,
    /// Total bilirubin ≥ 2 × ULN.
    BilirubinRaised,
    /// Creatinine > 30 % above baseline.
    CreatinineRise,
    /// eGFR < 90 mL/min/1.73 m² (informational).
    EgfrBelow90,
}

impl AlertKind {
    /// Every kind, in the order alerts are listed.
    pub const ALL: [AlertKind; 7] = [
        AlertKind::Leukopenia,
        AlertKind::Anaemia,
        AlertKind::Thrombocytopenia,
        AlertKind::AltRaised,
        AlertKind::BilirubinRaised,
        AlertKind::CreatinineRise,
        AlertKind::EgfrBelow90,
    ];

    /// The identifier used in files and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            AlertKind::Leukopenia => "leukopenia",
            AlertKind::Anaemia => "anaemia",
            AlertKind::Thrombocytopenia => "thrombocytopenia",
            AlertKind::AltRaised => "alt_raised",
            AlertKind::BilirubinRaised => "bilirubin_raised",
            AlertKind::CreatinineRise => "creatinine_rise",
            AlertKind::EgfrBelow90 => "egfr_below_90",
        }
    }

    /// The key of the family-facing text ([`super::text::message`]).
    pub fn message_key(self) -> &'static str {
        match self {
            AlertKind::Leukopenia => "labs.alert.leukopenia",
            AlertKind::Anaemia => "labs.alert.anaemia",
            AlertKind::Thrombocytopenia => "labs.alert.thrombocytopenia",
            AlertKind::AltRaised => "labs.alert.alt_raised",
            AlertKind::BilirubinRaised => "labs.alert.bilirubin_raised",
            AlertKind::CreatinineRise => "labs.alert.creatinine_rise",
            AlertKind::EgfrBelow90 => "labs.alert.egfr_below_90",
        }
    }

    /// Whether the alert is for information only (the eGFR entry criterion) rather than a
    /// safety threshold.
    pub fn is_informational(self) -> bool {
        self == AlertKind::EgfrBelow90
    }
}

/// A lab result that crossed a safety threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetyAlert {
    /// What crossed which threshold.
    pub kind: AlertKind,
    /// When the sample was drawn.
    pub drawn_at: DateTime<Utc>,
    /// The value compared, in `unit` (haemoglobin in g/dL and creatinine in mg/dL after
    /// conversion; ALT and bilirubin in the lab's own unit; the eGFR for `egfr_below_90`).
    pub value: f64,
    /// The limit it was compared with, in `unit` (for ALT and bilirubin, 2 × ULN; for a
    /// creatinine rise, 1.3 × baseline).
    pub threshold: f64,
    /// UCUM unit of `value` and `threshold`.
    pub unit: String,
    /// The key of the family-facing text ([`super::text::message`]).
    pub message_key: String,
}

fn alert(kind: AlertKind, lab: &LabResult, value: f64, threshold: f64, unit: &str) -> SafetyAlert {
    SafetyAlert {
        kind,
        drawn_at: lab.drawn_at,
        value,
        threshold,
        unit: unit.to_string(),
        message_key: kind.message_key().to_string(),
    }
}

/// The §1 threshold alert of one validated result, if it crosses one: leukopenia, anaemia,
/// thrombocytopenia, or ALT / total bilirubin ≥ 2 × ULN. Without an upper limit of normal the
/// liver alerts cannot be decided and none is raised (the assessment notes the missing ULN).
/// Creatinine alerts need a baseline or a height: see [`creatinine_rise_alert`] and [`egfr_alert`].
pub fn threshold_alert(lab: &LabResult) -> Option<SafetyAlert> {
    let billions = LabUnit::BillionsPerLitre.id();
    match lab.kind {
        LabKind::Wbc => compare::at_or_below(lab.value, WBC_AT_OR_BELOW).then(|| {
            alert(
                AlertKind::Leukopenia,
                lab,
                lab.value,
                WBC_AT_OR_BELOW,
                billions,
            )
        }),
        LabKind::Haemoglobin => {
            let g_per_dl = lab.value_in(LabUnit::GramsPerDecilitre)?;
            compare::below(g_per_dl, HAEMOGLOBIN_BELOW_G_PER_DL).then(|| {
                alert(
                    AlertKind::Anaemia,
                    lab,
                    g_per_dl,
                    HAEMOGLOBIN_BELOW_G_PER_DL,
                    LabUnit::GramsPerDecilitre.id(),
                )
            })
        }
        LabKind::Platelets => compare::below(lab.value, PLATELETS_BELOW).then(|| {
            alert(
                AlertKind::Thrombocytopenia,
                lab,
                lab.value,
                PLATELETS_BELOW,
                billions,
            )
        }),
        LabKind::Alt | LabKind::TotalBilirubin => {
            let limit = LIVER_ULN_MULTIPLE * lab.upper_limit_of_normal?;
            let kind = if lab.kind == LabKind::Alt {
                AlertKind::AltRaised
            } else {
                AlertKind::BilirubinRaised
            };
            compare::at_or_above(lab.value, limit)
                .then(|| alert(kind, lab, lab.value, limit, lab.unit.id()))
        }
        LabKind::TacrolimusTrough
        | LabKind::MpaAuc
        | LabKind::Creatinine
        | LabKind::Albumin
        | LabKind::Upcr => None,
    }
}

/// Creatinine more than 30 % above the baseline (clinical-rules §1, KDIGO 2025): raised when
/// the creatinine in mg/dL exceeds 1.3 × `baseline_mg_per_dl`; exactly +30 % does not raise it.
pub fn creatinine_rise_alert(lab: &LabResult, baseline_mg_per_dl: f64) -> Option<SafetyAlert> {
    if lab.kind != LabKind::Creatinine {
        return None;
    }
    let mg_per_dl = lab.value_in(LabUnit::MilligramsPerDecilitre)?;
    let limit = baseline_mg_per_dl * (1.0 + CREATININE_RISE_ABOVE_FRACTION);
    compare::above(mg_per_dl, limit).then(|| {
        alert(
            AlertKind::CreatinineRise,
            lab,
            mg_per_dl,
            limit,
            LabUnit::MilligramsPerDecilitre.id(),
        )
    })
}

/// eGFR below 90 mL/min/1.73 m² (clinical-rules §1, the protocol's entry criterion eGFR ≥ 90),
/// informational; `egfr` from [`super::egfr_bedside_schwartz`] for this creatinine `lab`.
pub fn egfr_alert(lab: &LabResult, egfr: f64) -> Option<SafetyAlert> {
    compare::below(egfr, EGFR_BELOW)
        .then(|| alert(AlertKind::EgfrBelow90, lab, egfr, EGFR_BELOW, EGFR_UNIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(kind: LabKind, value: f64, unit: LabUnit, uln: Option<f64>) -> LabResult {
        LabResult {
            kind,
            value,
            unit,
            drawn_at: DateTime::from_timestamp(1_750_000_000, 0).unwrap(),
            upper_limit_of_normal: uln,
        }
    }

    fn kind_of(l: &LabResult) -> Option<AlertKind> {
        threshold_alert(l).map(|a| a.kind)
    }

    #[test]
    fn every_threshold_at_its_boundary() {
        use LabUnit::*;
        assert_eq!(
            kind_of(&lab(LabKind::Wbc, 3.0, BillionsPerLitre, None)),
            Some(AlertKind::Leukopenia)
        );
        assert_eq!(
            kind_of(&lab(LabKind::Wbc, 3.01, BillionsPerLitre, None)),
            None
        );
        assert_eq!(
            kind_of(&lab(LabKind::Haemoglobin, 9.0, GramsPerDecilitre, None)),
            None
        );
        assert_eq!(
            kind_of(&lab(LabKind::Haemoglobin, 8.99, GramsPerDecilitre, None)),
            Some(AlertKind::Anaemia)
        );
        assert_eq!(
            kind_of(&lab(LabKind::Haemoglobin, 90.0, GramsPerLitre, None)),
            None
        );
        assert_eq!(
            kind_of(&lab(LabKind::Haemoglobin, 89.9, GramsPerLitre, None)),
            Some(AlertKind::Anaemia)
        );
        assert_eq!(
            kind_of(&lab(LabKind::Platelets, 100.0, BillionsPerLitre, None)),
            None
        );
        assert_eq!(
            kind_of(&lab(LabKind::Platelets, 99.9, BillionsPerLitre, None)),
            Some(AlertKind::Thrombocytopenia)
        );
        assert_eq!(
            kind_of(&lab(LabKind::Alt, 80.0, UnitsPerLitre, Some(40.0))),
            Some(AlertKind::AltRaised)
        );
        assert_eq!(
            kind_of(&lab(LabKind::Alt, 79.9, UnitsPerLitre, Some(40.0))),
            None
        );
        assert_eq!(
            kind_of(&lab(
                LabKind::TotalBilirubin,
                2.4,
                MilligramsPerDecilitre,
                Some(1.2)
            )),
            Some(AlertKind::BilirubinRaised)
        );
        assert_eq!(
            kind_of(&lab(
                LabKind::TotalBilirubin,
                41.0,
                MicromolesPerLitre,
                Some(21.0)
            )),
            None
        );
        assert_eq!(
            kind_of(&lab(
                LabKind::TotalBilirubin,
                42.0,
                MicromolesPerLitre,
                Some(21.0)
            )),
            Some(AlertKind::BilirubinRaised)
        );
    }

    #[test]
    fn alert_values_are_in_the_threshold_unit() {
        let a = threshold_alert(&lab(
            LabKind::Haemoglobin,
            85.0,
            LabUnit::GramsPerLitre,
            None,
        ))
        .unwrap();
        assert_eq!((a.value, a.threshold, a.unit.as_str()), (8.5, 9.0, "g/dL"));
        assert_eq!(a.message_key, "labs.alert.anaemia");
        let a = threshold_alert(&lab(
            LabKind::Alt,
            100.0,
            LabUnit::UnitsPerLitre,
            Some(40.0),
        ))
        .unwrap();
        assert_eq!((a.threshold, a.unit.as_str()), (80.0, "U/L"));
    }

    #[test]
    fn a_liver_result_without_uln_raises_nothing() {
        assert_eq!(
            kind_of(&lab(LabKind::Alt, 1000.0, LabUnit::UnitsPerLitre, None)),
            None
        );
    }

    #[test]
    fn creatinine_rise_is_strictly_above_thirty_percent() {
        let baseline = 0.5;
        let at = |v, u| creatinine_rise_alert(&lab(LabKind::Creatinine, v, u, None), baseline);
        assert!(at(0.65, LabUnit::MilligramsPerDecilitre).is_none());
        assert!(at(0.66, LabUnit::MilligramsPerDecilitre).is_some());
        // 0.65 mg/dL = 57.473 µmol/L: still exactly +30 % after conversion.
        assert!(at(57.473, LabUnit::MicromolesPerLitre).is_none());
        assert!(at(57.6, LabUnit::MicromolesPerLitre).is_some());
    }

    #[test]
    fn egfr_below_90_is_informational() {
        let c = lab(
            LabKind::Creatinine,
            0.5,
            LabUnit::MilligramsPerDecilitre,
            None,
        );
        assert!(egfr_alert(&c, 90.0).is_none());
        let a = egfr_alert(&c, 89.99).unwrap();
        assert!(a.kind.is_informational() && !AlertKind::Anaemia.is_informational());
    }
}

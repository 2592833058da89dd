//! The drugs the app knows and their protocol facts (clinical-rules §1, NCT04048161).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A drug of the FRNS/SDNS regimens the app supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Drug {
    /// Tacrolimus capsules 0.5 mg and 1 mg, twice daily.
    Tacrolimus,
    /// Mycophenolate mofetil dispersible tablets 250 mg, twice daily.
    MycophenolateMofetil,
    /// Prednisolone tablets 5 mg.
    Prednisolone,
    /// Prednisone tablets 5 mg.
    Prednisone,
    /// Cyclophosphamide, once daily for one course (clinical-rules §12; IPNA 2022 Table 5).
    Cyclophosphamide,
    /// Cyclosporin A, twice daily (clinical-rules §12; IPNA 2022 Table 5).
    Ciclosporin,
    /// Levamisole, alternate days; known to the app but not range-checked (clinical-rules §12).
    Levamisole,
}

impl Drug {
    /// Every drug, in a stable order.
    pub const ALL: [Drug; 7] = [
        Drug::Tacrolimus,
        Drug::MycophenolateMofetil,
        Drug::Prednisolone,
        Drug::Prednisone,
        Drug::Cyclophosphamide,
        Drug::Ciclosporin,
        Drug::Levamisole,
    ];

    /// The identifier used in files, the database and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            Drug::Tacrolimus => "tacrolimus",
            Drug::MycophenolateMofetil => "mycophenolate_mofetil",
            Drug::Prednisolone => "prednisolone",
            Drug::Prednisone => "prednisone",
            Drug::Cyclophosphamide => "cyclophosphamide",
            Drug::Ciclosporin => "ciclosporin",
            Drug::Levamisole => "levamisole",
        }
    }

    /// Parses an identifier from [`Drug::id`].
    pub fn parse(field: &str, text: &str) -> Result<Drug> {
        Drug::ALL
            .into_iter()
            .find(|d| d.id() == text)
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    "must be tacrolimus, mycophenolate_mofetil, prednisolone, prednisone, \
                     cyclophosphamide, ciclosporin or levamisole",
                )
            })
    }

    /// A readable name for summaries and reports.
    pub fn display_name(self) -> &'static str {
        match self {
            Drug::Tacrolimus => "Tacrolimus",
            Drug::MycophenolateMofetil => "Mycophenolate mofetil",
            Drug::Prednisolone => "Prednisolone",
            Drug::Prednisone => "Prednisone",
            Drug::Cyclophosphamide => "Cyclophosphamide",
            Drug::Ciclosporin => "Ciclosporin",
            Drug::Levamisole => "Levamisole",
        }
    }

    /// Whether the drug is a steroid (its course comes from a taper calendar).
    pub fn is_steroid(self) -> bool {
        matches!(self, Drug::Prednisolone | Drug::Prednisone)
    }

    /// The protocol range of the daily dose in mg/kg/day, inclusive, for the drugs that are
    /// range-checked (clinical-rules §3: tacrolimus 0.05–0.10, MMF 20–30; NCT04048161; §12:
    /// cyclophosphamide 2–3, ciclosporin 3–5, IPNA 2022, Trautmann et al., Table 5 "Dose,
    /// monitoring, adverse effects, and cost of all agents used as maintenance in FRNS and SDNS
    /// patients"). Levamisole is known but not range-checked: the care team's dose stands.
    pub fn protocol_range_mg_per_kg_per_day(self) -> Option<(f64, f64)> {
        match self {
            Drug::Tacrolimus => Some((0.05, 0.10)),
            Drug::MycophenolateMofetil => Some((20.0, 30.0)),
            Drug::Cyclophosphamide => Some((2.0, 3.0)),
            Drug::Ciclosporin => Some((3.0, 5.0)),
            Drug::Prednisolone | Drug::Prednisone | Drug::Levamisole => None,
        }
    }

    /// The daily maximum in mg/day, for the drugs that have one (clinical-rules §10, "a daily
    /// maximum per drug stops what slips past the weight"): tacrolimus 10 mg/day (IPNA 2022,
    /// Trautmann et al., Table 5), cyclophosphamide 150 mg/day and ciclosporin 250 mg/day (§12,
    /// same table). A requested daily dose above it is refused unless the care team overrides,
    /// as in §3.
    pub fn daily_maximum_mg(self) -> Option<f64> {
        match self {
            Drug::Tacrolimus => Some(10.0),
            Drug::Cyclophosphamide => Some(150.0),
            Drug::Ciclosporin => Some(250.0),
            Drug::MycophenolateMofetil
            | Drug::Prednisolone
            | Drug::Prednisone
            | Drug::Levamisole => None,
        }
    }

    /// The strengths the protocol uses, in mg (clinical-rules §1).
    pub fn default_strengths_mg(self) -> &'static [f64] {
        match self {
            Drug::Tacrolimus => &[0.5, 1.0],
            Drug::MycophenolateMofetil => &[250.0],
            Drug::Prednisolone | Drug::Prednisone => &[5.0],
            // Common tablet and capsule strengths (BNF for Children); the care team enters the
            // family's own.
            Drug::Cyclophosphamide => &[50.0],
            Drug::Ciclosporin => &[25.0],
            Drug::Levamisole => &[50.0],
        }
    }
}

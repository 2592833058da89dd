//! The drugs the app knows and their protocol facts (clinical-rules §1, NCT04048161).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A drug of the FRNS/SDNS regimens the app supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drug {
    /// Tacrolimus capsules 0.5 mg and 1 mg, twice daily.
    Tacrolimus,
    /// Mycophenolate mofetil dispersible tablets 250 mg, twice daily.
    MycophenolateMofetil,
    /// Prednisolone tablets 5 mg.
    Prednisolone,
    /// Prednisone tablets 5 mg.
    Prednisone,
}

impl Drug {
    /// Every drug, in a stable order.
    pub const ALL: [Drug; 4] = [
        Drug::Tacrolimus,
        Drug::MycophenolateMofetil,
        Drug::Prednisolone,
        Drug::Prednisone,
    ];

    /// The identifier used in files, the database and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            Drug::Tacrolimus => "tacrolimus",
            Drug::MycophenolateMofetil => "mycophenolate_mofetil",
            Drug::Prednisolone => "prednisolone",
            Drug::Prednisone => "prednisone",
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
                    "must be tacrolimus, mycophenolate_mofetil, prednisolone or prednisone",
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
        }
    }

    /// Whether the drug is a steroid (its course comes from a taper calendar).
    pub fn is_steroid(self) -> bool {
        matches!(self, Drug::Prednisolone | Drug::Prednisone)
    }

    /// The protocol range of the daily dose in mg/kg/day, inclusive, for the drugs that are
    /// range-checked (clinical-rules §3: tacrolimus 0.05–0.10, MMF 20–30; NCT04048161).
    pub fn protocol_range_mg_per_kg_per_day(self) -> Option<(f64, f64)> {
        match self {
            Drug::Tacrolimus => Some((0.05, 0.10)),
            Drug::MycophenolateMofetil => Some((20.0, 30.0)),
            Drug::Prednisolone | Drug::Prednisone => None,
        }
    }

    /// The daily maximum in mg/day, for the drugs that have one (clinical-rules §10, "a daily
    /// maximum per drug stops what slips past the weight"): tacrolimus 10 mg/day (IPNA 2022,
    /// Trautmann et al., Table 5). A requested daily dose above it is refused unless the care team
    /// overrides, as in §3. One row per drug: the agents of §12 (cyclophosphamide 150 mg/day,
    /// ciclosporin 250 mg/day) join this table when the app knows them.
    pub fn daily_maximum_mg(self) -> Option<f64> {
        match self {
            Drug::Tacrolimus => Some(10.0),
            Drug::MycophenolateMofetil | Drug::Prednisolone | Drug::Prednisone => None,
        }
    }

    /// The strengths the protocol uses, in mg (clinical-rules §1).
    pub fn default_strengths_mg(self) -> &'static [f64] {
        match self {
            Drug::Tacrolimus => &[0.5, 1.0],
            Drug::MycophenolateMofetil => &[250.0],
            Drug::Prednisolone | Drug::Prednisone => &[5.0],
        }
    }
}

//! The medicines the app knows by name (clinical-rules §12): the trial's drugs and the other
//! steroid-sparing agents, the glucocorticoids that count as steroid, and the supportive
//! medicines families give most (an ACE inhibitor, a proton-pump inhibitor, calcium and
//! vitamin D, a diuretic). Any other medicine is typed in by name and is never a steroid.

use serde::{Deserialize, Serialize};

use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::locale::Locale;

/// A medicine chosen from the app's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnownMedicine {
    /// Tacrolimus (clinical-rules §1).
    Tacrolimus,
    /// Mycophenolate mofetil (clinical-rules §1).
    MycophenolateMofetil,
    /// Prednisolone, a glucocorticoid (clinical-rules §1, §12).
    Prednisolone,
    /// Prednisone, a glucocorticoid (clinical-rules §1, §12).
    Prednisone,
    /// Methylprednisolone, a glucocorticoid (clinical-rules §12).
    Methylprednisolone,
    /// Deflazacort, a glucocorticoid (clinical-rules §12).
    Deflazacort,
    /// Hydrocortisone, a glucocorticoid (clinical-rules §12).
    Hydrocortisone,
    /// Dexamethasone, a glucocorticoid (clinical-rules §12).
    Dexamethasone,
    /// Cyclophosphamide (clinical-rules §12).
    Cyclophosphamide,
    /// Cyclosporin A (clinical-rules §12).
    Ciclosporin,
    /// Levamisole (clinical-rules §12).
    Levamisole,
    /// Rituximab, an infusion given in hospital: logged, never reminded (clinical-rules §12).
    Rituximab,
    /// Enalapril, an ACE inhibitor.
    Enalapril,
    /// Lisinopril, an ACE inhibitor.
    Lisinopril,
    /// Omeprazole, a proton-pump inhibitor.
    Omeprazole,
    /// Calcium carbonate.
    CalciumCarbonate,
    /// Colecalciferol (vitamin D3).
    Colecalciferol,
    /// Furosemide, a diuretic.
    Furosemide,
}

impl KnownMedicine {
    /// Every known medicine, in a stable order.
    pub const ALL: [KnownMedicine; 18] = [
        KnownMedicine::Tacrolimus,
        KnownMedicine::MycophenolateMofetil,
        KnownMedicine::Prednisolone,
        KnownMedicine::Prednisone,
        KnownMedicine::Methylprednisolone,
        KnownMedicine::Deflazacort,
        KnownMedicine::Hydrocortisone,
        KnownMedicine::Dexamethasone,
        KnownMedicine::Cyclophosphamide,
        KnownMedicine::Ciclosporin,
        KnownMedicine::Levamisole,
        KnownMedicine::Rituximab,
        KnownMedicine::Enalapril,
        KnownMedicine::Lisinopril,
        KnownMedicine::Omeprazole,
        KnownMedicine::CalciumCarbonate,
        KnownMedicine::Colecalciferol,
        KnownMedicine::Furosemide,
    ];

    /// The identifier used in files, the database and across the FFI.
    pub fn id(self) -> &'static str {
        match self {
            KnownMedicine::Tacrolimus => "tacrolimus",
            KnownMedicine::MycophenolateMofetil => "mycophenolate_mofetil",
            KnownMedicine::Prednisolone => "prednisolone",
            KnownMedicine::Prednisone => "prednisone",
            KnownMedicine::Methylprednisolone => "methylprednisolone",
            KnownMedicine::Deflazacort => "deflazacort",
            KnownMedicine::Hydrocortisone => "hydrocortisone",
            KnownMedicine::Dexamethasone => "dexamethasone",
            KnownMedicine::Cyclophosphamide => "cyclophosphamide",
            KnownMedicine::Ciclosporin => "ciclosporin",
            KnownMedicine::Levamisole => "levamisole",
            KnownMedicine::Rituximab => "rituximab",
            KnownMedicine::Enalapril => "enalapril",
            KnownMedicine::Lisinopril => "lisinopril",
            KnownMedicine::Omeprazole => "omeprazole",
            KnownMedicine::CalciumCarbonate => "calcium_carbonate",
            KnownMedicine::Colecalciferol => "colecalciferol",
            KnownMedicine::Furosemide => "furosemide",
        }
    }

    /// Parses an identifier from [`KnownMedicine::id`], naming `field` when it is not one.
    pub fn parse(field: &str, text: &str) -> Result<KnownMedicine> {
        KnownMedicine::ALL
            .into_iter()
            .find(|m| m.id() == text)
            .ok_or_else(|| Error::invalid(field, "is not a medicine of the app's list"))
    }

    /// The known medicine a drug of the dose engine is.
    pub fn from_drug(drug: Drug) -> KnownMedicine {
        match drug {
            Drug::Tacrolimus => KnownMedicine::Tacrolimus,
            Drug::MycophenolateMofetil => KnownMedicine::MycophenolateMofetil,
            Drug::Prednisolone => KnownMedicine::Prednisolone,
            Drug::Prednisone => KnownMedicine::Prednisone,
            Drug::Cyclophosphamide => KnownMedicine::Cyclophosphamide,
            Drug::Ciclosporin => KnownMedicine::Ciclosporin,
            Drug::Levamisole => KnownMedicine::Levamisole,
        }
    }

    /// The drug of the dose engine this medicine is, if it is one.
    pub fn drug(self) -> Option<Drug> {
        match self {
            KnownMedicine::Tacrolimus => Some(Drug::Tacrolimus),
            KnownMedicine::MycophenolateMofetil => Some(Drug::MycophenolateMofetil),
            KnownMedicine::Prednisolone => Some(Drug::Prednisolone),
            KnownMedicine::Prednisone => Some(Drug::Prednisone),
            KnownMedicine::Cyclophosphamide => Some(Drug::Cyclophosphamide),
            KnownMedicine::Ciclosporin => Some(Drug::Ciclosporin),
            KnownMedicine::Levamisole => Some(Drug::Levamisole),
            _ => None,
        }
    }

    /// The medicine's name in the family's language (from the message catalogue).
    pub fn name(self, locale: Locale) -> &'static str {
        let id = match self {
            KnownMedicine::Tacrolimus => "drug-tacrolimus",
            KnownMedicine::MycophenolateMofetil => "drug-mycophenolate-mofetil",
            KnownMedicine::Prednisolone => "drug-prednisolone",
            KnownMedicine::Prednisone => "drug-prednisone",
            KnownMedicine::Methylprednisolone => "medicine-methylprednisolone",
            KnownMedicine::Deflazacort => "medicine-deflazacort",
            KnownMedicine::Hydrocortisone => "medicine-hydrocortisone",
            KnownMedicine::Dexamethasone => "medicine-dexamethasone",
            KnownMedicine::Cyclophosphamide => "drug-cyclophosphamide",
            KnownMedicine::Ciclosporin => "drug-ciclosporin",
            KnownMedicine::Levamisole => "drug-levamisole",
            KnownMedicine::Rituximab => "medicine-rituximab",
            KnownMedicine::Enalapril => "medicine-enalapril",
            KnownMedicine::Lisinopril => "medicine-lisinopril",
            KnownMedicine::Omeprazole => "medicine-omeprazole",
            KnownMedicine::CalciumCarbonate => "medicine-calcium-carbonate",
            KnownMedicine::Colecalciferol => "medicine-colecalciferol",
            KnownMedicine::Furosemide => "medicine-furosemide",
        };
        crate::messages::text(locale, id)
    }

    /// The RxNorm ingredient code (NLM), where the app knows one (clinical-rules §9, §12).
    pub fn rxnorm(self) -> Option<&'static str> {
        match self {
            KnownMedicine::Tacrolimus => Some("42316"),
            KnownMedicine::MycophenolateMofetil => Some("68149"),
            KnownMedicine::Prednisolone => Some("8638"),
            KnownMedicine::Prednisone => Some("8640"),
            KnownMedicine::Methylprednisolone => Some("6902"),
            KnownMedicine::Hydrocortisone => Some("5492"),
            KnownMedicine::Dexamethasone => Some("3264"),
            KnownMedicine::Cyclophosphamide => Some("3002"),
            KnownMedicine::Ciclosporin => Some("3008"),
            // Not confirmed against a published RxNorm listing yet.
            KnownMedicine::Levamisole => Some("6373"),
            KnownMedicine::Enalapril => Some("3827"),
            KnownMedicine::Lisinopril => Some("29046"),
            KnownMedicine::Omeprazole => Some("7646"),
            KnownMedicine::CalciumCarbonate => Some("1897"),
            KnownMedicine::Colecalciferol => Some("2418"),
            KnownMedicine::Furosemide => Some("4603"),
            // RxNorm ingredient "deflazacort" (TTY IN), as listed in HL7's Deflazacort
            // Medications value set (http://hl7.org/fhir/uv/pddi/ValueSet/valueset-deflazacort,
            // PDDI CDS IG STU 1).
            KnownMedicine::Deflazacort => Some("22396"),
            // Exported by name only: its ingredient code is not confirmed against a published
            // RxNorm listing yet (121191 appears only in third-party examples).
            KnownMedicine::Rituximab => None,
        }
    }

    /// The mg of this medicine equivalent to 1 mg of prednisolone, for the glucocorticoids that
    /// count as steroid (clinical-rules §12, "Which medicines are steroids": prednisolone 5 mg =
    /// prednisone 5 mg = methylprednisolone 4 mg = deflazacort 6 mg = hydrocortisone 20 mg =
    /// dexamethasone 0.75 mg; BNF, corticosteroid equivalent anti-inflammatory doses). None for
    /// every other medicine: it never counts as steroid.
    pub fn mg_per_prednisolone_mg(self) -> Option<f64> {
        match self {
            KnownMedicine::Prednisolone | KnownMedicine::Prednisone => Some(1.0),
            KnownMedicine::Methylprednisolone => Some(4.0 / 5.0),
            KnownMedicine::Deflazacort => Some(6.0 / 5.0),
            KnownMedicine::Hydrocortisone => Some(20.0 / 5.0),
            KnownMedicine::Dexamethasone => Some(0.75 / 5.0),
            _ => None,
        }
    }

    /// Whether the medicine is only ever given as an infusion in hospital (clinical-rules §12:
    /// rituximab is "logged as an event with its dose ..., never reminded"): its amount is an
    /// infusion's mg and its schedule is "as needed".
    pub fn is_infusion_only(self) -> bool {
        self == KnownMedicine::Rituximab
    }

    /// Whether the medicine counts as steroid for exposure and steroid dependence
    /// (clinical-rules §12: only the listed glucocorticoids).
    pub fn is_steroid(self) -> bool {
        self.mg_per_prednisolone_mg().is_some()
    }
}

/// A medicine of the app's list as a shell lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KnownMedicineInfo {
    /// Its id, for a medicine named from the list.
    pub id: String,
    /// Its name in the locale asked for.
    pub name: String,
    /// Its RxNorm ingredient code, where the app knows one.
    pub rxnorm: Option<String>,
    /// Whether it counts as steroid (clinical-rules §12).
    pub is_steroid: bool,
}

impl KnownMedicine {
    /// Every medicine of the list, in its stable order, named in `locale`.
    pub fn catalogue(locale: Locale) -> Vec<KnownMedicineInfo> {
        KnownMedicine::ALL
            .into_iter()
            .map(|m| KnownMedicineInfo {
                id: m.id().to_string(),
                name: m.name(locale).to_string(),
                rxnorm: m.rxnorm().map(str::to_string),
                is_steroid: m.is_steroid(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_an_unknown_one_names_the_field() {
        for m in KnownMedicine::ALL {
            assert_eq!(KnownMedicine::parse("name", m.id()).unwrap(), m);
        }
        match KnownMedicine::parse("name.known", "aspirin") {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "name.known"),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn only_the_listed_glucocorticoids_are_steroids() {
        let steroids: Vec<&str> = KnownMedicine::ALL
            .into_iter()
            .filter(|m| m.is_steroid())
            .map(KnownMedicine::id)
            .collect();
        assert_eq!(
            steroids,
            [
                "prednisolone",
                "prednisone",
                "methylprednisolone",
                "deflazacort",
                "hydrocortisone",
                "dexamethasone"
            ]
        );
    }

    #[test]
    fn every_medicine_has_a_name_in_every_locale() {
        for locale in Locale::ALL {
            for m in KnownMedicine::ALL {
                let name = m.name(locale);
                assert!(!name.starts_with("medicine-") && !name.starts_with("drug-"));
            }
        }
        assert_eq!(KnownMedicine::Enalapril.name(Locale::ZhHans), "依那普利");
    }

    #[test]
    fn the_dose_engine_drugs_keep_their_rxnorm_codes() {
        for m in KnownMedicine::ALL {
            if let Some(drug) = m.drug() {
                assert_eq!(m.rxnorm(), Some(crate::export::fhir::rxnorm(drug)));
                assert_eq!(m.id(), drug.id());
            }
        }
        // Every glucocorticoid of clinical-rules §12 is coded (deflazacort: HL7 PDDI value set).
        for m in KnownMedicine::ALL.into_iter().filter(|m| m.is_steroid()) {
            assert!(m.rxnorm().is_some(), "{m:?}");
        }
        assert_eq!(KnownMedicine::Deflazacort.rxnorm(), Some("22396"));
        // Unconfirmed codes are not exported: rituximab goes by name only.
        assert_eq!(KnownMedicine::Rituximab.rxnorm(), None);
    }

    #[test]
    fn only_rituximab_is_given_only_as_an_infusion() {
        let infusions: Vec<&str> = KnownMedicine::ALL
            .into_iter()
            .filter(|m| m.is_infusion_only())
            .map(KnownMedicine::id)
            .collect();
        assert_eq!(infusions, ["rituximab"]);
        assert!(!KnownMedicine::Rituximab.is_steroid());
        assert_eq!(KnownMedicine::Rituximab.drug(), None);
    }
}

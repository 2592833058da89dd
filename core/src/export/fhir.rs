//! The FHIR R4 export: one JSON `Bundle`, a `collection` (the default, for files) or a
//! `transaction` (identified exports only, for loading into a server; [`BundleKind`]).
//!
//! Resources (typed serde structs below, only the elements this export fills), each with a
//! generated narrative (`dom-6`):
//! - `List`: what the export contains (the manifest, as notes);
//! - `Patient`: sex, and name and birth date unless de-identified (then an age `Observation`,
//!   LOINC 30525-0, in UCUM `a`);
//! - `MedicationRequest`: each regimen and steroid course (RxNorm codes, clinical-rules §9),
//!   `reportedBoolean` true because the family copied it from the care team's prescription;
//! - `MedicationStatement`: each logged dose, status `completed` (taken) or `not-taken`
//!   (skipped), with the scheduled slot in `dosage.timing.event`;
//! - `Observation`: dipsticks (LOINC 20454-5, SNOMED CT grade in `valueCodeableConcept`; a grade
//!   read from a photo says so in `method.text`: photo-assisted, confirmed by the caregiver), UPCR
//!   (2890-2 for a mass ratio; mg/mmol with `code.text` and its unit only: [`upcr_loinc`]), labs (LOINC and UCUM as §9
//!   lists them, [`lab_loinc`]; judgements as coded `interpretation` with the `referenceRange`
//!   judged against, §9's table), weight and height (29463-7, 8302-2), blood pressure
//!   panels (85354-9 with 8480-6 and 8462-4 components, `mm[Hg]`);
//! - `Condition`: each relapse episode (SNOMED CT 52254009 nephrotic syndrome, onset = relapse
//!   onset, abatement = remission onset, clinical status `relapse` or `remission`).
//!
//! Every entry's `fullUrl` is `urn:uuid:<id>`; references use the `urn:uuid:` form, which
//! resolves inside a `collection` and which a server rewrites in a `transaction`. In a collection
//! the resource id is the same UUID: an identified export derives ids deterministically from the
//! record (the same diary exports to the same ids); a de-identified one keys them with its secret
//! ([`Deidentify::uuid`]: random version 4 UUIDs, new for every export) and has no `timestamp`,
//! no `List.date` and no identifiers (both optional in R4; a generation time would pair the real
//! day of the export with a shifted one). An identified export gives every resource an
//! identifier scoped to the diary (system `urn:uuid:<the diary's record namespace>`, value the
//! record's path, e.g. `lab/<client id>`); a transaction carries no resource ids and makes each
//! entry a conditional update on that identifier, and sends withdrawn records (an undone dose, a
//! retracted reading or lab) as `entered-in-error`. Date-times carry seconds and an offset as R4
//! requires (`Z` when de-identified). The document is streamed entry by entry.
//!
//! Android Health Connect's medical records API takes single R4/R4B resources (not bundles) of
//! the types above except `List`, and Observations only in the laboratory or vital-signs
//! categories (README, "FHIR export").

use std::collections::HashMap;
use std::io::Write;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use super::snapshot::*;
use super::text::{self, instant, num, tr};
use super::{Deidentify, Manifest};
use crate::dates::{format_date, format_utc};
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::labs::{AlertKind, LabKind, LabUnit, LevelTarget, TargetFlag, TroughValidity};
use crate::locale::Locale;
use crate::model::{DoseOutcome, MedicationId, Sex};
use crate::protein::{DipstickGrade, UpcrUnit, UrineMeasurement};
use crate::schedule::resolve_local;

/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// SNOMED CT.
pub const SNOMED: &str = "http://snomed.info/sct";
/// RxNorm.
pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
/// UCUM.
pub const UCUM: &str = "http://unitsofmeasure.org";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const CONDITION_VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
const SECURITY_OBSERVATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

/// SNOMED CT code of nephrotic syndrome (clinical-rules §9).
pub const NEPHROTIC_SYNDROME: &str = "52254009";

/// The RxNorm ingredient code of a drug (clinical-rules §9).
pub fn rxnorm(drug: Drug) -> &'static str {
    match drug {
        Drug::Prednisone => "8640",
        Drug::Prednisolone => "8638",
        Drug::Tacrolimus => "42316",
        Drug::MycophenolateMofetil => "68149",
        // Ingredient codes of the agents of clinical-rules §12 (RxNorm, NLM).
        Drug::Cyclophosphamide => "3002",
        Drug::Ciclosporin => "3008",
        Drug::Levamisole => "6373",
    }
}

/// The SNOMED CT code and display of a dipstick grade (clinical-rules §9).
pub fn dipstick_snomed(grade: DipstickGrade) -> (&'static str, &'static str) {
    match grade {
        DipstickGrade::Negative => ("167273002", "Urine protein test negative"),
        DipstickGrade::Trace => ("167274008", "Urine protein test = trace"),
        DipstickGrade::OnePlus => ("167275009", "Urine protein test = +"),
        DipstickGrade::TwoPlus => ("167276005", "Urine protein test = ++"),
        DipstickGrade::ThreePlus => ("167277001", "Urine protein test = +++"),
        DipstickGrade::FourPlus => ("167278006", "Urine protein test = ++++"),
    }
}

/// A LOINC code and its display name.
pub type Loinc = (&'static str, &'static str);

/// Tacrolimus in blood at any draw time (clinical-rules §9): the code of a level that is not a
/// valid trough (§8), or whose validity is unknown.
pub const TACROLIMUS_ANY_TIME: Loinc = ("11253-2", "Tacrolimus [Mass/volume] in Blood");

/// The trough-specific tacrolimus code (clinical-rules §9: "used only for a level that is a
/// valid trough under §8"). Source: LOINC 77348-1, listed as LOINC's tacrolimus trough (C0)
/// code in the HL7 Europe PROTECT-CHILD implementation guide, value set
/// ImmPatPKMeasurementVS (<https://build.fhir.org/ig/hl7-eu/protect-child/ValueSet-imm-pat-pk-measurement-vs.html>;
/// <https://loinc.org/77348-1/>).
pub const TACROLIMUS_TROUGH: Loinc = ("77348-1", "Tacrolimus [Mass/volume] in Blood --trough");

/// UPCR as a mass ratio (mg/mg, g/g, mg/g): LOINC 2890-2 (clinical-rules §9).
pub const UPCR_MASS_RATIO: Loinc = ("2890-2", "Protein/Creatinine [Mass Ratio] in Urine");

/// Total bilirubin in µmol/L: a substance concentration, so not under the mass code 1975-2
/// of §9. LOINC 14631-6 "Bilirubin.total [Moles/volume] in Serum or Plasma"
/// (<https://loinc.org/14631-6/>).
pub const BILIRUBIN_MOLES: Loinc = (
    "14631-6",
    "Bilirubin.total [Moles/volume] in Serum or Plasma",
);

/// The LOINC code of a urine protein/creatinine ratio in its unit (clinical-rules §9): 2890-2
/// for a mass ratio; `None` for mg/mmol, which is exported with `code.text` and its UCUM unit
/// only.
///
/// §9 asks for the Protein/Creatinine \[Mass/Moles\] in Urine term for mg/mmol, and no such
/// LOINC term could be confirmed from a public source. PEDSnet's UPCR code set, drawn from the
/// OMOP copy of LOINC (<https://github.com/PEDSnet/Variable-Dictionary/blob/main/lab_meas/upcr.csv>),
/// lists every protein/creatinine term in urine and LOINC's two groups of them,
/// LG34791-0 `Protein/Creatinine|MRto|Urine` (2890-2, 13801-6, 60678-0: \[Mass Ratio\]) and
/// LG36198-6 `Protein/Creatinine|Ratio|Urine` (34366-5, 40486-3: \[Ratio\], any unit): none has
/// a mass/moles property. So a mg/mmol value carries its UCUM unit and `code.text`, and no code
/// that would not say mg/mmol.
pub fn upcr_loinc(unit: UpcrUnit) -> Option<Loinc> {
    match unit {
        UpcrUnit::MgPerMmol => None,
        _ => Some(UPCR_MASS_RATIO),
    }
}

/// The LOINC code and display of a lab result in its unit (clinical-rules §9). A tacrolimus
/// level carries the trough code only when it is a valid trough (§8). `None` for an MPA-AUC: an
/// AUC is not a concentration, so it is exported with `code.text` only (§9); and for a UPCR in
/// mg/mmol, which has no confirmed LOINC term ([`upcr_loinc`]).
pub fn lab_loinc(kind: LabKind, unit: LabUnit, trough: Option<TroughValidity>) -> Option<Loinc> {
    Some(match (kind, unit) {
        (LabKind::TacrolimusTrough, _) if trough == Some(TroughValidity::Valid) => {
            TACROLIMUS_TROUGH
        }
        (LabKind::TacrolimusTrough, _) => TACROLIMUS_ANY_TIME,
        (LabKind::MpaAuc, _) => return None,
        (LabKind::Creatinine, LabUnit::MicromolesPerLitre) => {
            ("14682-9", "Creatinine [Moles/volume] in Serum or Plasma")
        }
        (LabKind::Creatinine, _) => ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
        (LabKind::Wbc, _) => ("6690-2", "Leukocytes [#/volume] in Blood"),
        (LabKind::Haemoglobin, _) => ("718-7", "Hemoglobin [Mass/volume] in Blood"),
        (LabKind::Platelets, _) => ("777-3", "Platelets [#/volume] in Blood"),
        (LabKind::Alt, _) => (
            "1742-6",
            "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        ),
        (LabKind::TotalBilirubin, LabUnit::MicromolesPerLitre) => BILIRUBIN_MOLES,
        (LabKind::TotalBilirubin, _) => {
            ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma")
        }
        (LabKind::Albumin, _) => ("1751-7", "Albumin [Mass/volume] in Serum or Plasma"),
        (LabKind::Upcr, LabUnit::MilligramsPerMillimole) => return upcr_loinc(UpcrUnit::MgPerMmol),
        (LabKind::Upcr, _) => UPCR_MASS_RATIO,
    })
}

/// The UCUM code of a UPCR unit: `mg/mmol`, `mg/mg`, `g/g`, `mg/g` (clinical-rules §9).
pub fn upcr_ucum(unit: UpcrUnit) -> &'static str {
    unit.as_str()
}

// ---------------------------------------------------------------------------------------------
// Data types (hl7.org/fhir/R4/datatypes.html), only the elements used.

#[derive(Serialize)]
struct Coding<'a> {
    system: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<&'a str>,
}

#[derive(Serialize)]
struct CodeableConcept<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coding: Vec<Coding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

impl<'a> CodeableConcept<'a> {
    fn coded(system: &'a str, code: &'a str, display: &'a str) -> Self {
        CodeableConcept {
            coding: vec![Coding {
                system,
                code,
                display: Some(display),
            }],
            text: None,
        }
    }

    fn text(text: impl Into<String>) -> Self {
        CodeableConcept {
            coding: Vec::new(),
            text: Some(text.into()),
        }
    }

    fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }
}

#[derive(Serialize)]
struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<String>,
}

impl Reference {
    fn to(uuid: &str) -> Self {
        Reference {
            reference: Some(format!("urn:uuid:{uuid}")),
            display: None,
        }
    }

    fn display(text: &str) -> Self {
        Reference {
            reference: None,
            display: Some(text.to_string()),
        }
    }
}

#[derive(Serialize)]
struct Quantity<'a> {
    value: f64,
    unit: &'a str,
    system: &'a str,
    code: &'a str,
}

impl<'a> Quantity<'a> {
    fn ucum(value: f64, code: &'a str) -> Self {
        Quantity {
            value: crate::numeric::clean(value),
            unit: code,
            system: UCUM,
            code,
        }
    }
}

#[derive(Serialize)]
struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<String>,
}

#[derive(Serialize)]
struct Annotation {
    text: String,
}

#[derive(Serialize)]
struct HumanName {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TimingRepeat {
    #[serde(skip_serializing_if = "Option::is_none")]
    bounds_period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frequency: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    period_unit: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    time_of_day: Vec<String>,
}

#[derive(Serialize)]
struct Timing {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    event: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repeat: Option<TimingRepeat>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DoseAndRate<'a> {
    dose_quantity: Quantity<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dosage<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timing: Option<Timing>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dose_and_rate: Vec<DoseAndRate<'a>>,
}

#[derive(Serialize)]
struct ReferenceRange<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    low: Option<Quantity<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    high: Option<Quantity<'a>>,
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Component<'a> {
    code: CodeableConcept<'a>,
    value_quantity: Quantity<'a>,
}

#[derive(Serialize)]
struct Meta<'a> {
    security: Vec<Coding<'a>>,
}

// ---------------------------------------------------------------------------------------------
// Resources.

/// `Narrative` (hl7.org/fhir/R4/narrative.html): a generated XHTML summary, so every resource
/// satisfies `dom-6` ("A resource should have narrative for robust management").
#[derive(Serialize)]
struct Narrative {
    status: &'static str,
    div: String,
}

impl Narrative {
    /// One paragraph per line, escaped.
    fn of(lines: &[String]) -> Self {
        let mut div = String::from("<div xmlns=\"http://www.w3.org/1999/xhtml\">");
        for line in lines {
            div.push_str("<p>");
            div.push_str(&escape_xml(line));
            div.push_str("</p>");
        }
        div.push_str("</div>");
        Narrative {
            status: "generated",
            div,
        }
    }
}

/// Text escaped for XHTML.
fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Serialize)]
struct Identifier<'a> {
    system: &'a str,
    value: String,
}

/// What every resource starts with: its type, its id (none in a transaction, where the server
/// names resources), the diary-scoped identifier of its record (identified exports), and its
/// narrative.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Head<'a> {
    resource_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identifier: Vec<Identifier<'a>>,
    text: Narrative,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListResource<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    status: &'static str,
    mode: &'static str,
    title: String,
    code: CodeableConcept<'a>,
    subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    note: Vec<Annotation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PatientResource<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    active: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    name: Vec<HumanName>,
    gender: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MedicationRequestResource<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    status: &'static str,
    intent: &'static str,
    reported_boolean: bool,
    medication_codeable_concept: CodeableConcept<'a>,
    subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    authored_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requester: Option<Reference>,
    dosage_instruction: Vec<Dosage<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MedicationStatementResource<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    based_on: Vec<Reference>,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    status_reason: Vec<CodeableConcept<'a>>,
    medication_codeable_concept: CodeableConcept<'a>,
    subject: Reference,
    effective_date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_source: Option<Reference>,
    dosage: Vec<Dosage<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    note: Vec<Annotation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObservationResource<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    status: &'static str,
    category: Vec<CodeableConcept<'a>>,
    code: CodeableConcept<'a>,
    subject: Reference,
    effective_date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_quantity: Option<Quantity<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_codeable_concept: Option<CodeableConcept<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    interpretation: Vec<CodeableConcept<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    note: Vec<Annotation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<CodeableConcept<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    reference_range: Vec<ReferenceRange<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    component: Vec<Component<'a>>,
}

impl<'a> ObservationResource<'a> {
    fn new(
        head: Head<'a>,
        category: &'a str,
        code: CodeableConcept<'a>,
        subject: &str,
        effective: String,
    ) -> Self {
        ObservationResource {
            head,
            status: "final",
            category: vec![CodeableConcept {
                coding: vec![Coding {
                    system: OBSERVATION_CATEGORY,
                    code: category,
                    display: None,
                }],
                text: None,
            }],
            code,
            subject: Reference::to(subject),
            effective_date_time: effective,
            value_quantity: None,
            value_codeable_concept: None,
            interpretation: Vec::new(),
            note: Vec::new(),
            method: None,
            reference_range: Vec::new(),
            component: Vec::new(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConditionResource<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    clinical_status: CodeableConcept<'a>,
    verification_status: CodeableConcept<'a>,
    category: Vec<CodeableConcept<'a>>,
    code: CodeableConcept<'a>,
    subject: Reference,
    onset_date_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    abatement_date_time: Option<String>,
    recorded_date: String,
    note: Vec<Annotation>,
}

// ---------------------------------------------------------------------------------------------
// Ids.

/// A deterministic UUID (RFC 9562 version 8, name-based with a project hash) for a record: the
/// same parts give the same UUID, different parts different ones (128-bit hash).
pub fn stable_uuid(parts: &[&str]) -> String {
    // Two FNV-1a 64 passes with different offset bases, each finished by a SplitMix64 mix.
    let hash = |basis: u64| {
        let mut h = basis;
        for (i, part) in parts.iter().enumerate() {
            for byte in part
                .bytes()
                .chain(std::iter::once(0xff_u8.wrapping_sub(i as u8)))
            {
                h ^= u64::from(byte);
                h = h.wrapping_mul(0x0000_0100_0000_01B3);
            }
        }
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^ (h >> 31)
    };
    let (high, low) = (hash(0xCBF2_9CE4_8422_2325), hash(0x6C62_272E_07BB_0142));
    let high = (high & !0xF000) | 0x8000; // version 8
    let low = (low & !(0b11 << 62)) | (0b10 << 62); // RFC variant
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xFFFF,
        high & 0xFFFF,
        low >> 48,
        low & 0xFFFF_FFFF_FFFF
    )
}

/// Makes the ids of one export: salted by the patient when identified (stable across exports);
/// keyed by the export's secret when de-identified (random for each export, and never derived
/// from the patient, the shift or a record's own id).
enum Ids {
    Stable(String),
    Keyed(Deidentify),
}

impl Ids {
    fn new(snapshot: &DiarySnapshot) -> Self {
        match snapshot.deidentified {
            Some(d) => Ids::Keyed(d),
            None => Ids::Stable(format!("nephrodiary/{}", snapshot.patient.id)),
        }
    }

    fn of(&self, kind: &str, key: &str) -> String {
        match self {
            Ids::Stable(salt) => stable_uuid(&[salt, kind, key]),
            Ids::Keyed(d) => d.uuid(&["fhir", kind, key]),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The bundle.

/// How a FHIR export is bundled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "FhirBundle"))]
pub enum BundleKind {
    /// A `collection` (the default, for files): resources with ids, references as `urn:uuid:`.
    Collection,
    /// A `transaction` a FHIR server loads as is (identified exports only): every entry a
    /// conditional update (`PUT Observation?identifier=<diary namespace>|lab/<record id>`), so
    /// loading next month's export updates what changed and duplicates nothing; withdrawn
    /// records are sent as `entered-in-error`.
    Transaction,
}

impl BundleKind {
    /// The identifier on the command line: `collection` or `transaction`.
    pub fn id(self) -> &'static str {
        match self {
            BundleKind::Collection => "collection",
            BundleKind::Transaction => "transaction",
        }
    }

    /// Parses [`BundleKind::id`], naming `field` when unknown.
    pub fn parse(field: &str, text: &str) -> Result<BundleKind> {
        [BundleKind::Collection, BundleKind::Transaction]
            .into_iter()
            .find(|k| k.id() == text)
            .ok_or_else(|| Error::invalid(field, "must be collection or transaction"))
    }
}

/// The refusal of a transaction bundle for a de-identified snapshot.
pub(crate) fn deidentified_transaction_refused() -> Error {
    Error::invalid(
        "fhir_bundle",
        "a de-identified export is for sharing, not for loading into a record: it has no \
         transaction form (export it as a collection)",
    )
}

/// Streams `{"resourceType":"Bundle",…,"entry":[…]}` one entry at a time. Each entry is
/// serialized into a reused buffer and written with one call: serde_json makes a write per
/// token, which through `dyn Write` costs more than the JSON itself.
struct BundleWriter<'w> {
    out: &'w mut dyn Write,
    entries: usize,
    kind: BundleKind,
    buffer: Vec<u8>,
}

impl<'w> BundleWriter<'w> {
    fn start(
        out: &'w mut dyn Write,
        kind: BundleKind,
        id: &str,
        timestamp: Option<&str>,
        meta: Option<&Meta>,
    ) -> Result<Self> {
        out.write_all(b"{\"resourceType\":\"Bundle\",\"id\":")?;
        serde_json::to_writer(&mut *out, id).map_err(std::io::Error::from)?;
        if let Some(meta) = meta {
            out.write_all(b",\"meta\":")?;
            serde_json::to_writer(&mut *out, meta).map_err(std::io::Error::from)?;
        }
        write!(out, ",\"type\":\"{}\"", kind.id())?;
        if let Some(timestamp) = timestamp {
            out.write_all(b",\"timestamp\":")?;
            serde_json::to_writer(&mut *out, timestamp).map_err(std::io::Error::from)?;
        }
        out.write_all(b",\"entry\":[")?;
        Ok(BundleWriter {
            out,
            entries: 0,
            kind,
            buffer: Vec::with_capacity(4096),
        })
    }

    /// Writes one entry; in a transaction, with its conditional update keyed by the resource's
    /// first identifier.
    fn entry<R: Serialize>(&mut self, uuid: &str, head_of: &Head, resource: &R) -> Result<()> {
        let buffer = &mut self.buffer;
        buffer.clear();
        if self.entries > 0 {
            buffer.extend_from_slice(b",\n");
        }
        buffer.extend_from_slice(b"{\"fullUrl\":\"urn:uuid:");
        buffer.extend_from_slice(uuid.as_bytes());
        buffer.extend_from_slice(b"\",\"resource\":");
        serde_json::to_writer(&mut *buffer, resource).map_err(std::io::Error::from)?;
        if self.kind == BundleKind::Transaction {
            let identifier = head_of
                .identifier
                .first()
                .ok_or_else(|| Error::invalid("fhir_bundle", "a record has no identifier"))?;
            let url = format!(
                "{}?identifier={}",
                head_of.resource_type,
                percent_encode(&format!("{}|{}", identifier.system, identifier.value))
            );
            buffer.extend_from_slice(b",\"request\":{\"method\":\"PUT\",\"url\":");
            serde_json::to_writer(&mut *buffer, &url).map_err(std::io::Error::from)?;
            buffer.push(b'}');
        }
        buffer.push(b'}');
        self.out.write_all(buffer)?;
        self.entries += 1;
        Ok(())
    }

    fn finish(self) -> Result<()> {
        self.out.write_all(b"]}\n")?;
        self.out.flush()?;
        Ok(())
    }
}

/// Percent-encodes a search parameter value (RFC 3986: everything but the unreserved
/// characters).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
    out
}

/// Names the resources of one export: their ids ([`Ids`]), their diary-scoped identifiers and
/// whether ids are written at all (not in a transaction).
struct Namer {
    ids: Ids,
    /// The `MedicationRequest` id of each medication, made once (every dose refers to one).
    requests: HashMap<MedicationId, String>,
    /// `urn:uuid:<the diary's record namespace>`, when identified.
    system: Option<String>,
    kind: BundleKind,
}

impl Namer {
    /// The id of the `MedicationRequest` of `medication`.
    fn request_id(&self, medication: &MedicationId) -> String {
        self.requests
            .get(medication)
            .cloned()
            .unwrap_or_else(|| self.ids.of("MedicationRequest", &medication.to_string()))
    }

    /// The head of a resource whose record is `record` (a path unique in the diary, e.g.
    /// `lab/<client id>`), with narrative `lines`.
    fn head<'a>(
        &'a self,
        resource_type: &'static str,
        id: &'a str,
        record: &str,
        lines: &[String],
    ) -> Head<'a> {
        Head {
            resource_type,
            id: (self.kind == BundleKind::Collection).then_some(id),
            identifier: self
                .system
                .as_deref()
                .map(|system| Identifier {
                    system,
                    value: record.to_string(),
                })
                .into_iter()
                .collect(),
            text: Narrative::of(lines),
        }
    }
}

fn time_of_day(t: NaiveTime) -> String {
    t.format("%H:%M:%S").to_string()
}

/// A medication's concept: RxNorm where the app knows the code (clinical-rules §9, §12), and
/// always the medicine's name as text ("other medicine" for a typed-in name when de-identified).
fn medication_concept(medicine: &ExportedMedicine, locale: Locale) -> CodeableConcept<'static> {
    let name = medicine.name(locale);
    match (medicine, medicine.rxnorm()) {
        (ExportedMedicine::Known(known), Some(code)) => {
            CodeableConcept::coded(RXNORM, code, known.name(Locale::En)).with_text(name)
        }
        _ => CodeableConcept::text(name),
    }
}

fn gender(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Unspecified => "unknown",
    }
}

/// Writes the snapshot as a FHIR R4 JSON bundle of type `collection`.
pub fn write(s: &DiarySnapshot, out: &mut dyn Write) -> Result<()> {
    write_bundle(s, BundleKind::Collection, out)
}

/// Writes the snapshot as a FHIR R4 `transaction` bundle (see [`BundleKind::Transaction`]).
/// A de-identified snapshot is refused with a `Validation` error naming `fhir_bundle`, before
/// anything is written.
pub fn write_transaction(s: &DiarySnapshot, out: &mut dyn Write) -> Result<()> {
    write_bundle(s, BundleKind::Transaction, out)
}

/// Writes the snapshot as a FHIR R4 JSON bundle of `kind`.
pub fn write_bundle(s: &DiarySnapshot, kind: BundleKind, out: &mut dyn Write) -> Result<()> {
    if kind == BundleKind::Transaction
        && (s.deidentified.is_some() || s.patient.record_namespace.is_none())
    {
        return Err(deidentified_transaction_refused());
    }
    let l = s.locale;
    let ids = Ids::new(s);
    let requests = s
        .medications
        .iter()
        .map(|m| {
            let id = ids.of("MedicationRequest", &m.id.to_string());
            (m.id.clone(), id)
        })
        .collect();
    let namer = Namer {
        ids,
        requests,
        system: s
            .patient
            .record_namespace
            .as_deref()
            .map(|ns| format!("urn:uuid:{ns}")),
        kind,
    };
    let ids = &namer.ids;
    let patient_id = ids.of("Patient", &s.patient.id.to_string());
    let meta = s.deidentified.map(|_| Meta {
        security: vec![Coding {
            system: SECURITY_OBSERVATION,
            code: "PSEUDED",
            display: Some("pseudonymized"),
        }],
    });
    let generated = s.generated_at.as_ref().map(format_utc);
    let bundle_id = ids.of("Bundle", generated.as_deref().unwrap_or("bundle"));
    let mut bundle =
        BundleWriter::start(out, kind, &bundle_id, generated.as_deref(), meta.as_ref())?;

    // What the export contains.
    let manifest = Manifest::of(s);
    let list_id = ids.of("List", "manifest");
    let mut list_lines = vec![manifest.title.clone()];
    list_lines.extend(manifest.lines.iter().cloned());
    let list = ListResource {
        head: namer.head("List", &list_id, "list/manifest", &list_lines),
        status: "current",
        mode: "snapshot",
        title: manifest.title.clone(),
        code: CodeableConcept::text(tr(l, "export-nephrodiary-export-contents")),
        subject: Reference::to(&patient_id),
        date: generated.clone(),
        note: manifest
            .lines
            .into_iter()
            .map(|text| Annotation { text })
            .collect(),
    };
    bundle.entry(&list_id, &list.head, &list)?;

    let patient_line = match (&s.patient.name, s.patient.birth_date) {
        (Some(name), Some(born)) => format!(
            "{name} · {} · {} {born}",
            text::sex(s.patient.sex, l),
            tr(l, "export-born")
        ),
        _ => format!(
            "{} · {} · {} {}",
            tr(l, "export-de-identified-patient"),
            text::sex(s.patient.sex, l),
            tr(l, "export-age"),
            s.patient.age_years
        ),
    };
    let patient = PatientResource {
        head: namer.head("Patient", &patient_id, "patient", &[patient_line]),
        active: true,
        name: s
            .patient
            .name
            .iter()
            .map(|n| HumanName { text: n.clone() })
            .collect(),
        gender: gender(s.patient.sex),
        birth_date: s.patient.birth_date.map(format_date),
    };
    bundle.entry(&patient_id, &patient.head, &patient)?;
    if s.deidentified.is_some() {
        let id = ids.of("Observation", "age");
        let label = tr(l, "export-age-heading");
        let line = format!("{label}: {} a", s.patient.age_years);
        let mut age = ObservationResource::new(
            namer.head("Observation", &id, "age", &[line]),
            "survey",
            CodeableConcept::coded(LOINC, "30525-0", "Age").with_text(label),
            &patient_id,
            format_date(s.to),
        );
        age.value_quantity = Some(Quantity::ucum(f64::from(s.patient.age_years), "a"));
        bundle.entry(&id, &age.head, &age)?;
    }

    // Regimens and steroid courses.
    for m in &s.medications {
        let id = namer.request_id(&m.id);
        let finished = m.end.is_some_and(|end| end < s.today);
        let bounds = Period {
            start: Some(format_date(m.start)),
            end: m.end.map(format_date),
        };
        let times: Vec<String> = m.times.iter().map(|t| time_of_day(*t)).collect();
        let dosage = match &m.kind {
            MedicationKind::Regimen {
                per_dose_mg,
                units,
                form,
                ..
            } => {
                let units: Vec<String> = units
                    .iter()
                    .map(|u| text::units(u, form.as_deref()))
                    .collect();
                Dosage {
                    text: Some(format!(
                        "{} mg {} {} ({})",
                        num(*per_dose_mg),
                        tr(l, "export-per-dose-at"),
                        m.times
                            .iter()
                            .map(|t| t.format("%H:%M").to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        units.join(" + ")
                    )),
                    timing: Some(Timing {
                        event: Vec::new(),
                        repeat: Some(TimingRepeat {
                            bounds_period: Some(bounds),
                            frequency: Some(m.times.len() as u32),
                            period: Some(1.0),
                            period_unit: Some("d"),
                            time_of_day: times,
                        }),
                    }),
                    dose_and_rate: vec![DoseAndRate {
                        dose_quantity: Quantity::ucum(*per_dose_mg, "mg"),
                    }],
                }
            }
            MedicationKind::Course { .. } => Dosage {
                text: Some(course_summary(s, &m.id)),
                timing: Some(Timing {
                    event: Vec::new(),
                    repeat: Some(TimingRepeat {
                        bounds_period: Some(bounds),
                        frequency: None,
                        period: None,
                        period_unit: None,
                        time_of_day: times,
                    }),
                }),
                dose_and_rate: Vec::new(),
            },
            MedicationKind::Medicine {
                dose_mg,
                dose_ml,
                interval_days,
                dates,
                as_needed,
                ..
            } => {
                let dose = crate::medicine::record::MedicineDose {
                    mg: *dose_mg,
                    ml: *dose_ml,
                };
                let clock: Vec<String> = m
                    .times
                    .iter()
                    .map(|t| t.format("%H:%M").to_string())
                    .collect();
                let mut summary = format!("{} {}", dose.text(), tr(l, "export-per-dose"));
                if !clock.is_empty() {
                    summary = format!(
                        "{} {} {}",
                        dose.text(),
                        tr(l, "export-per-dose-at"),
                        clock.join(", ")
                    );
                }
                let days = text::medicine_days(&m.kind, l);
                if !days.is_empty() {
                    summary = format!("{summary} ({days})");
                }
                let timing = (!*as_needed).then(|| Timing {
                    event: dates.iter().map(|d| format_date(*d)).collect(),
                    repeat: Some(TimingRepeat {
                        bounds_period: Some(bounds),
                        frequency: interval_days.map(|_| m.times.len() as u32),
                        period: interval_days.map(f64::from),
                        period_unit: interval_days.map(|_| "d"),
                        time_of_day: times,
                    }),
                });
                Dosage {
                    text: Some(summary),
                    timing,
                    dose_and_rate: vec![DoseAndRate {
                        dose_quantity: Quantity::ucum(*dose_mg, "mg"),
                    }],
                }
            }
        };
        let line = format!(
            "{}: {}",
            text::medication(m, l),
            dosage.text.as_deref().unwrap_or_default()
        );
        let request = MedicationRequestResource {
            head: namer.head(
                "MedicationRequest",
                &id,
                &format!("medication/{}", m.id),
                &[line],
            ),
            status: if finished { "completed" } else { "active" },
            intent: "order",
            reported_boolean: true,
            medication_codeable_concept: medication_concept(&m.medicine, l),
            subject: Reference::to(&patient_id),
            authored_on: m.prescribed_on.map(format_date),
            requester: m.prescribed_by.as_deref().map(Reference::display),
            dosage_instruction: vec![dosage],
        };
        bundle.entry(&id, &request.head, &request)?;
    }

    // Logged doses, then the family's withdrawn records (transactions only).
    for d in &s.doses {
        write_dose(&mut bundle, &namer, s, &patient_id, d, false)?;
    }
    for u in &s.urine {
        write_urine(&mut bundle, &namer, s, &patient_id, u, false)?;
    }
    for lab in &s.labs {
        write_lab(&mut bundle, &namer, s, &patient_id, lab, false)?;
    }
    if kind == BundleKind::Transaction {
        for w in &s.withdrawn {
            match w {
                WithdrawnView::Dose(d) => write_dose(&mut bundle, &namer, s, &patient_id, d, true)?,
                WithdrawnView::Urine(u) => {
                    write_urine(&mut bundle, &namer, s, &patient_id, u, true)?
                }
                WithdrawnView::Lab(lab) => {
                    write_lab(&mut bundle, &namer, s, &patient_id, lab, true)?
                }
            }
        }
    }

    // Weight, height and blood pressure, keyed by date (or instant) and their order on it, so
    // a record keeps its identifier whatever period is exported.
    let mut seen_on: HashMap<NaiveDate, usize> = Default::default();
    for g in &s.growth {
        let nth = {
            let n = seen_on.entry(g.date).or_default();
            *n += 1;
            *n
        };
        for (loinc, display, value, unit, label) in [
            (
                "29463-7",
                "Body weight",
                g.weight_kg,
                "kg",
                tr(l, "export-weight"),
            ),
            (
                "8302-2",
                "Body height",
                g.height_cm,
                "cm",
                tr(l, "export-height"),
            ),
        ] {
            let Some(value) = value else { continue };
            let record = format!("growth/{}/{nth}/{loinc}", g.date);
            let id = ids.of("Observation/growth", &record);
            let code = CodeableConcept::coded(LOINC, loinc, display).with_text(label);
            let line = format!("{label}: {} {unit} · {}", num(value), g.date);
            let mut o = ObservationResource::new(
                namer.head("Observation", &id, &record, &[line]),
                "vital-signs",
                code,
                &patient_id,
                format_date(g.date),
            );
            o.value_quantity = Some(Quantity::ucum(value, unit));
            bundle.entry(&id, &o.head, &o)?;
        }
    }
    let mut seen_at: HashMap<String, usize> = Default::default();
    for bp in &s.blood_pressures {
        let at = instant(&bp.measured_at);
        let nth = {
            let n = seen_at.entry(at.clone()).or_default();
            *n += 1;
            *n
        };
        let record = format!("bp/{at}/{nth}");
        let id = ids.of("Observation/bp", &record);
        let label = tr(l, "export-blood-pressure");
        let code = CodeableConcept::coded(
            LOINC,
            "85354-9",
            "Blood pressure panel with all children optional",
        )
        .with_text(label);
        let line = format!(
            "{label}: {}/{} mmHg · {at}",
            num(bp.systolic_mmhg),
            num(bp.diastolic_mmhg)
        );
        let mut o = ObservationResource::new(
            namer.head("Observation", &id, &record, &[line]),
            "vital-signs",
            code,
            &patient_id,
            at,
        );
        o.component = vec![
            Component {
                code: CodeableConcept::coded(LOINC, "8480-6", "Systolic blood pressure"),
                value_quantity: Quantity::ucum(bp.systolic_mmhg, "mm[Hg]"),
            },
            Component {
                code: CodeableConcept::coded(LOINC, "8462-4", "Diastolic blood pressure"),
                value_quantity: Quantity::ucum(bp.diastolic_mmhg, "mm[Hg]"),
            },
        ];
        bundle.entry(&id, &o.head, &o)?;
    }

    // Relapse episodes.
    for episode in &s.relapse.episodes {
        let onset = format_date(episode.onset);
        let id = ids.of("Condition", &onset);
        let (status, status_display) = match episode.remission_onset {
            Some(_) => ("remission", "Remission"),
            None => ("relapse", "Relapse"),
        };
        let note = match episode.remission_onset {
            Some(remission) => message!(
                l,
                "export-relapse-note-remission",
                onset = episode.onset.to_string(),
                confirmed = episode.confirmed.to_string(),
                remission = remission.to_string(),
                definitions = s.patient.definitions.id()
            ),
            None => message!(
                l,
                "export-relapse-note-ongoing",
                onset = episode.onset.to_string(),
                confirmed = episode.confirmed.to_string(),
                definitions = s.patient.definitions.id()
            ),
        };
        let condition = ConditionResource {
            head: namer.head(
                "Condition",
                &id,
                &format!("relapse/{onset}"),
                std::slice::from_ref(&note),
            ),
            clinical_status: CodeableConcept::coded(CONDITION_CLINICAL, status, status_display),
            verification_status: CodeableConcept::coded(
                CONDITION_VERIFICATION,
                "confirmed",
                "Confirmed",
            ),
            category: vec![CodeableConcept::coded(
                CONDITION_CATEGORY,
                "problem-list-item",
                "Problem List Item",
            )],
            code: CodeableConcept::coded(SNOMED, NEPHROTIC_SYNDROME, "Nephrotic syndrome")
                .with_text(tr(l, "export-nephrotic-syndrome-relapse")),
            subject: Reference::to(&patient_id),
            onset_date_time: onset,
            abatement_date_time: episode.remission_onset.map(format_date),
            recorded_date: format_date(episode.confirmed),
            note: vec![Annotation { text: note }],
        };
        bundle.entry(&id, &condition.head, &condition)?;
    }
    bundle.finish()
}

/// What a withdrawn record says in its narrative and note.
fn withdrawn_text(l: Locale) -> &'static str {
    tr(l, "export-entered-in-error-withdrawn-by-the")
}

/// A logged dose as a `MedicationStatement`; `withdrawn`: an undone log, `entered-in-error`.
fn write_dose(
    bundle: &mut BundleWriter,
    namer: &Namer,
    s: &DiarySnapshot,
    patient_id: &str,
    d: &DoseView,
    withdrawn: bool,
) -> Result<()> {
    let l = s.locale;
    let id = namer.ids.of("MedicationStatement", &d.key);
    let request = namer.request_id(&d.medication);
    let scheduled = instant(&resolve_local(d.slot_date, d.slot_time, s.time_zone).fixed_offset());
    let taken = d.outcome == DoseOutcome::Taken;
    let scheduled_text = format!(
        "{} {} {}",
        tr(l, "export-scheduled"),
        d.slot_date,
        text::hhmm(d.slot_time)
    );
    let effective = instant(&d.actual_at);
    let mut line = format!(
        "{}: {} {effective} ({scheduled_text})",
        d.medicine.name(l),
        if taken {
            tr(l, "export-taken")
        } else {
            tr(l, "export-skipped")
        }
    );
    if withdrawn {
        line = format!("{line}. {}", withdrawn_text(l));
    }
    let statement = MedicationStatementResource {
        head: namer.head(
            "MedicationStatement",
            &id,
            &format!("dose/{}", d.key),
            &[line],
        ),
        based_on: vec![Reference::to(&request)],
        status: match (withdrawn, taken) {
            (true, _) => "entered-in-error",
            (false, true) => "completed",
            (false, false) => "not-taken",
        },
        status_reason: if taken || withdrawn {
            Vec::new()
        } else {
            vec![CodeableConcept::text(tr(
                l,
                "export-skipped-logged-by-the-family",
            ))]
        },
        medication_codeable_concept: medication_concept(&d.medicine, l),
        subject: Reference::to(patient_id),
        effective_date_time: effective,
        information_source: d.logged_by.as_deref().map(Reference::display),
        note: d
            .note
            .iter()
            .map(|text| Annotation { text: text.clone() })
            .collect(),
        dosage: vec![Dosage {
            text: Some(scheduled_text),
            timing: Some(Timing {
                event: vec![scheduled],
                repeat: None,
            }),
            dose_and_rate: d
                .mg
                .map(|mg| {
                    vec![DoseAndRate {
                        dose_quantity: Quantity::ucum(mg, "mg"),
                    }]
                })
                .unwrap_or_default(),
        }],
    };
    bundle.entry(&id, &statement.head, &statement)
}

/// A urine reading as an `Observation`; `withdrawn`: a retracted reading, `entered-in-error`.
fn write_urine(
    bundle: &mut BundleWriter,
    namer: &Namer,
    s: &DiarySnapshot,
    patient_id: &str,
    u: &UrineView,
    withdrawn: bool,
) -> Result<()> {
    let l = s.locale;
    let id = namer.ids.of("Observation/urine", &u.key);
    let (code, value_quantity, value_codeable_concept, shown) = match u.measurement {
        UrineMeasurement::Dipstick(grade) => {
            let (snomed, display) = dipstick_snomed(grade);
            (
                CodeableConcept::coded(
                    LOINC,
                    "20454-5",
                    "Protein [Presence] in Urine by Test strip",
                )
                .with_text(tr(l, "export-urine-protein-dipstick")),
                None,
                Some(CodeableConcept::coded(SNOMED, snomed, display).with_text(grade.as_str())),
                grade.as_str().to_string(),
            )
        }
        UrineMeasurement::Upcr { value, unit } => {
            let name = text::lab_kind(LabKind::Upcr, l);
            (
                match upcr_loinc(unit) {
                    Some((code, display)) => {
                        CodeableConcept::coded(LOINC, code, display).with_text(name)
                    }
                    None => CodeableConcept::text(name),
                },
                Some(Quantity::ucum(value, upcr_ucum(unit))),
                None,
                format!("{} {}", num(value), upcr_ucum(unit)),
            )
        }
    };
    let level = format!(
        "{}: {}",
        tr(l, "export-level-clinical-rules-5"),
        text::level(u.level, l)
    );
    let mut lines = vec![format!(
        "{}: {shown} · {}",
        code.text.as_deref().unwrap_or_default(),
        instant(&u.taken_at)
    )];
    if withdrawn {
        lines.push(withdrawn_text(l).to_string());
    } else {
        lines.push(level.clone());
    }
    let mut o = ObservationResource::new(
        namer.head("Observation", &id, &format!("urine/{}", u.key), &lines),
        "laboratory",
        code,
        patient_id,
        instant(&u.taken_at),
    );
    o.value_quantity = value_quantity;
    o.value_codeable_concept = value_codeable_concept;
    let sample = if u.first_morning {
        tr(l, "export-first-morning-urine")
    } else {
        tr(l, "export-urine-sample-not-first-morning")
    };
    o.method = Some(CodeableConcept::text(match u.photo {
        // Clinical-rules §13: the grade was read from a photo and confirmed by the caregiver.
        Some(_) => format!(
            "{sample}{}",
            tr(l, "export-photo-assisted-confirmed-by-the-caregiver")
        ),
        None => sample.to_string(),
    }));
    if withdrawn {
        o.status = "entered-in-error";
        o.note = vec![Annotation {
            text: withdrawn_text(l).to_string(),
        }];
    } else {
        o.interpretation = vec![CodeableConcept::text(level)];
        o.note = u
            .note
            .iter()
            .map(|text| Annotation { text: text.clone() })
            .collect();
    }
    bundle.entry(&id, &o.head, &o)
}

/// A lab result as an `Observation`, coded and judged as clinical-rules §9 says; `withdrawn`:
/// a retracted result, `entered-in-error`, not judged.
fn write_lab(
    bundle: &mut BundleWriter,
    namer: &Namer,
    s: &DiarySnapshot,
    patient_id: &str,
    lab: &LabView,
    withdrawn: bool,
) -> Result<()> {
    let l = s.locale;
    let id = namer.ids.of("Observation/lab", &lab.key);
    let name = text::lab_kind(lab.kind, l);
    let code = match lab_loinc(lab.kind, lab.unit, lab.trough) {
        Some((code, display)) => CodeableConcept::coded(LOINC, code, display).with_text(name),
        None => CodeableConcept::text(name),
    };
    let judgement = if withdrawn {
        Judgement {
            interpretation: Vec::new(),
            ranges: Vec::new(),
            notes: vec![withdrawn_text(l).to_string()],
        }
    } else {
        judge(s, lab)
    };
    let mut lines = vec![format!(
        "{name}: {} · {}",
        text::with_unit(lab.value, lab.unit),
        instant(&lab.drawn_at)
    )];
    lines.extend(
        judgement
            .interpretation
            .iter()
            .filter_map(|i| i.text.clone()),
    );
    lines.extend(judgement.ranges.iter().map(|r| r.text.clone()));
    lines.extend(judgement.notes.iter().cloned());
    let mut o = ObservationResource::new(
        namer.head("Observation", &id, &format!("lab/{}", lab.key), &lines),
        "laboratory",
        code,
        patient_id,
        instant(&lab.drawn_at),
    );
    if withdrawn {
        o.status = "entered-in-error";
    }
    o.value_quantity = Some(Quantity::ucum(lab.value, lab.unit.id()));
    o.interpretation = judgement.interpretation;
    o.reference_range = judgement.ranges;
    o.note = judgement
        .notes
        .into_iter()
        .map(|text| Annotation { text })
        .collect();
    bundle.entry(&id, &o.head, &o)
}

/// How a lab result was judged (clinical-rules §9's table): coded interpretations, the ranges
/// or rules they were judged against, and notes.
struct Judgement<'a> {
    interpretation: Vec<CodeableConcept<'a>>,
    ranges: Vec<ReferenceRange<'a>>,
    notes: Vec<String>,
}

/// Judges a lab result as clinical-rules §9 says: a target flag as `N`/`L`/`H` with the target
/// band; a safety alert as `LL` (low counts) or `HH` (liver, creatinine rise) with the rule
/// and its limit; a level that is not a trough (§8) with neither, only its note.
fn judge<'a>(s: &DiarySnapshot, lab: &LabView) -> Judgement<'a> {
    let l = s.locale;
    let mut j = Judgement {
        interpretation: Vec::new(),
        ranges: Vec::new(),
        notes: Vec::new(),
    };
    let not_a_trough = lab.flag == Some(TargetFlag::NotATrough)
        || lab.trough.is_some_and(|v| v != TroughValidity::Valid);
    if not_a_trough {
        j.notes.push(
            match lab.trough {
                Some(TroughValidity::LessThan10HoursAfterDose) => {
                    tr(l, "export-drawn-less-than-10-h-after")
                }
                _ => tr(l, "export-drawn-after-the-morning-dose-not"),
            }
            .to_string(),
        );
    } else if let Some(flag) = lab.flag {
        let (code, display) = match flag {
            TargetFlag::Below => ("L", "Low"),
            TargetFlag::Above => ("H", "High"),
            _ => ("N", "Normal"),
        };
        j.interpretation.push(
            CodeableConcept::coded(INTERPRETATION, code, display).with_text(text::flag(flag, l)),
        );
        if let Some(target) = &lab.target {
            j.ranges.push(target_range(
                target,
                lab.unit,
                text::phase(s.target_phase, l),
                l,
            ));
        }
    }
    for alert in &lab.alerts {
        let limit = alert.limit;
        let shown = limit.map_or_else(|| "–".to_string(), |v| text::with_unit(v, lab.unit));
        let (code, display, low, rule) = match alert.kind {
            AlertKind::Leukopenia => (
                "LL",
                "Critical low",
                true,
                message!(l, "export-rule-leukopenia", limit = &shown),
            ),
            AlertKind::Anaemia => (
                "LL",
                "Critical low",
                true,
                message!(l, "export-rule-anaemia", limit = &shown),
            ),
            AlertKind::Thrombocytopenia => (
                "LL",
                "Critical low",
                true,
                message!(l, "export-rule-thrombocytopenia", limit = &shown),
            ),
            AlertKind::AltRaised | AlertKind::BilirubinRaised => (
                "HH",
                "Critical high",
                false,
                message!(l, "export-rule-twice-upper-limit", limit = &shown),
            ),
            AlertKind::CreatinineRise => (
                "HH",
                "Critical high",
                false,
                message!(l, "export-rule-creatinine-rise", limit = &shown),
            ),
            AlertKind::EgfrBelow90 => {
                // Informational (the protocol's entry criterion): a note, not a judgement.
                j.notes.push(format!(
                    "{}: {}",
                    tr(l, "export-note"),
                    text::alert_kind(alert.kind, l)
                ));
                continue;
            }
        };
        j.interpretation.push(
            CodeableConcept::coded(INTERPRETATION, code, display)
                .with_text(text::alert_kind(alert.kind, l)),
        );
        let quantity = limit.map(|v| Quantity::ucum(v, lab.unit.id()));
        j.ranges.push(ReferenceRange {
            low: if low { quantity } else { None },
            high: if low {
                None
            } else {
                limit.map(|v| Quantity::ucum(v, lab.unit.id()))
            },
            text: rule,
        });
        j.notes.push(format!(
            "{}: {}",
            tr(l, "export-safety-alert"),
            text::alert_kind(alert.kind, l)
        ));
    }
    if let Some(egfr) = lab.egfr {
        j.notes.push(format!(
            "eGFR (bedside Schwartz): {} mL/min/1.73 m²",
            text::round(egfr, 1)
        ));
    }
    j
}

fn target_range<'a>(
    target: &LevelTarget,
    unit: LabUnit,
    phase: &str,
    l: Locale,
) -> ReferenceRange<'a> {
    let code = unit.id();
    let human = text::human_unit(unit);
    let band = match (target.low, target.high) {
        (Some(low), Some(high)) => format!("{}–{} {human}", num(low), num(high)),
        (None, Some(high)) if target.high_inclusive => format!("≤ {} {human}", num(high)),
        (None, Some(high)) => format!("< {} {human}", num(high)),
        (Some(low), None) => format!("≥ {} {human}", num(low)),
        (None, None) => tr(l, "export-none-set").to_string(),
    };
    let text = message!(l, "export-target-range", band = band, phase = phase);
    ReferenceRange {
        low: target.low.map(|v| Quantity::ucum(v, code)),
        high: target.high.map(|v| Quantity::ucum(v, code)),
        text,
    }
}

/// A course's calendar in words, phase by phase: "phase 1: 2025-06-01 to 2025-06-28, 28 dosing
/// days, 30 mg"; for a course given as a liquid, "6 mL (30 mg)" (clinical-rules §12).
fn course_summary(s: &DiarySnapshot, medication: &MedicationId) -> String {
    use crate::medicine::record::MedicineDose;
    /// One phase: number, first and last date, dosing days, lowest and highest dose, provisional.
    struct PhaseSpan {
        phase: u32,
        first: NaiveDate,
        last: NaiveDate,
        dosing: u32,
        low: Option<MedicineDose>,
        high: Option<MedicineDose>,
        provisional: bool,
    }
    let l = s.locale;
    let mut phases: Vec<PhaseSpan> = Vec::new();
    for day in s
        .steroid_days
        .iter()
        .filter(|d| &d.medication == medication)
    {
        if phases.last().is_none_or(|p| p.phase != day.phase) {
            phases.push(PhaseSpan {
                phase: day.phase,
                first: day.date,
                last: day.date,
                dosing: 0,
                low: None,
                high: None,
                provisional: false,
            });
        }
        let Some(p) = phases.last_mut() else {
            continue;
        };
        p.last = day.date;
        p.provisional |= day.provisional;
        if day.mg > 0.0 {
            let dose = MedicineDose {
                mg: day.mg,
                ml: day.ml,
            };
            p.dosing += 1;
            if p.low.is_none_or(|low| dose.mg < low.mg) {
                p.low = Some(dose);
            }
            if p.high.is_none_or(|high| dose.mg > high.mg) {
                p.high = Some(dose);
            }
        }
    }
    let parts: Vec<String> = phases
        .iter()
        .map(|p| {
            let mg = match (p.low, p.high) {
                (Some(low), Some(high)) if (high.mg - low.mg).abs() >= 1e-9 => match high.ml {
                    Some(_) => format!("{}–{}", low.text(), high.text()),
                    None => format!("{}–{} mg", num(low.mg), num(high.mg)),
                },
                (_, Some(high)) if high.ml.is_some() => high.text(),
                (_, Some(high)) => format!("{} mg", num(high.mg)),
                _ => "0 mg".to_string(),
            };
            let guess = if p.provisional {
                tr(l, "export-until-remission-provisional")
            } else {
                ""
            };
            message!(
                l,
                "export-course-phase",
                phase = p.phase,
                first = p.first.to_string(),
                last = p.last.to_string(),
                dosing = p.dosing,
                mg = mg,
                guess = guess
            )
        })
        .collect();
    if parts.is_empty() {
        tr(l, "export-steroid-course-no-calendar-days").to_string()
    } else {
        parts.join("; ")
    }
}

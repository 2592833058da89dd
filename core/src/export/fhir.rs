//! The FHIR R4 export: one JSON `Bundle` of type `collection` (hl7.org/fhir/R4/bundle.html).
//!
//! Resources (typed serde structs below, only the elements this export fills):
//! - `List`: what the export contains (the manifest, as notes);
//! - `Patient`: sex, and name and birth date unless de-identified (then an age `Observation`,
//!   LOINC 30525-0, in UCUM `a`);
//! - `MedicationRequest`: each regimen and steroid course (RxNorm codes, clinical-rules §9),
//!   `reportedBoolean` true because the family copied it from the care team's prescription;
//! - `MedicationStatement`: each logged dose, status `completed` (taken) or `not-taken`
//!   (skipped), with the scheduled slot in `dosage.timing.event`;
//! - `Observation`: dipsticks (LOINC 20454-5, SNOMED CT grade in `valueCodeableConcept`; a grade
//!   read from a photo says so in `method.text`: photo-assisted, confirmed by the caregiver), UPCR
//!   (LOINC 2890-2 in its UCUM unit), labs (LOINC where §9 lists one, text otherwise; targets as
//!   `referenceRange`, flags as `interpretation`), weight and height (29463-7, 8302-2), blood
//!   pressure panels (85354-9 with 8480-6 and 8462-4 components, `mm[Hg]`);
//! - `Condition`: each relapse episode (SNOMED CT 52254009 nephrotic syndrome, onset = relapse
//!   onset, abatement = remission onset, clinical status `relapse` or `remission`).
//!
//! Every entry's `fullUrl` is `urn:uuid:<id>` and the resource id is the same UUID; references
//! use the `urn:uuid:` form, which resolves inside a `collection` bundle. An identified export
//! derives ids deterministically from the record (the same diary exports to the same ids); a
//! de-identified one keys them with its secret ([`Deidentify::uuid`]: random version 4 UUIDs,
//! new for every export) and has no `timestamp` and no `List.date` (both optional in R4; a
//! generation time would pair the real day of the export with a shifted one). Date-times carry
//! seconds and an offset as R4 requires (`Z` when de-identified). The document is streamed entry
//! by entry.

use std::io::Write;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use super::snapshot::*;
use super::text::{self, instant, num, tr};
use super::{Deidentify, Manifest};
use crate::dates::{format_date, format_utc};
use crate::drug::Drug;
use crate::error::Result;
use crate::labs::{LabKind, LabUnit, LevelTarget, TargetFlag, TroughValidity};
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

/// The LOINC code and display of a lab result in a unit, where clinical-rules §9 lists one.
pub fn lab_loinc(kind: LabKind, unit: LabUnit) -> Option<(&'static str, &'static str)> {
    match (kind, unit) {
        (LabKind::TacrolimusTrough, _) => Some(("11253-2", "Tacrolimus [Mass/volume] in Blood")),
        (LabKind::Creatinine, LabUnit::MilligramsPerDecilitre) => {
            Some(("2160-0", "Creatinine [Mass/volume] in Serum or Plasma"))
        }
        (LabKind::Creatinine, LabUnit::MicromolesPerLitre) => {
            Some(("14682-9", "Creatinine [Moles/volume] in Serum or Plasma"))
        }
        (LabKind::Upcr, _) => Some(UPCR_LOINC),
        _ => None,
    }
}

const UPCR_LOINC: (&str, &str) = ("2890-2", "Protein/Creatinine [Mass Ratio] in Urine");

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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListResource<'a> {
    resource_type: &'static str,
    id: &'a str,
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
    resource_type: &'static str,
    id: &'a str,
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
    resource_type: &'static str,
    id: &'a str,
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
    resource_type: &'static str,
    id: &'a str,
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
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObservationResource<'a> {
    resource_type: &'static str,
    id: &'a str,
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
        id: &'a str,
        category: &'a str,
        code: CodeableConcept<'a>,
        subject: &str,
        effective: String,
    ) -> Self {
        ObservationResource {
            resource_type: "Observation",
            id,
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
    resource_type: &'static str,
    id: &'a str,
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

/// Streams `{"resourceType":"Bundle",…,"entry":[…]}` one entry at a time.
struct BundleWriter<'w> {
    out: &'w mut dyn Write,
    entries: usize,
}

impl<'w> BundleWriter<'w> {
    fn start(
        out: &'w mut dyn Write,
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
        out.write_all(b",\"type\":\"collection\"")?;
        if let Some(timestamp) = timestamp {
            out.write_all(b",\"timestamp\":")?;
            serde_json::to_writer(&mut *out, timestamp).map_err(std::io::Error::from)?;
        }
        out.write_all(b",\"entry\":[")?;
        Ok(BundleWriter { out, entries: 0 })
    }

    fn entry<R: Serialize>(&mut self, uuid: &str, resource: &R) -> Result<()> {
        if self.entries > 0 {
            self.out.write_all(b",\n")?;
        }
        write!(self.out, "{{\"fullUrl\":\"urn:uuid:{uuid}\",\"resource\":")?;
        serde_json::to_writer(&mut *self.out, resource).map_err(std::io::Error::from)?;
        self.out.write_all(b"}")?;
        self.entries += 1;
        Ok(())
    }

    fn finish(self) -> Result<()> {
        self.out.write_all(b"]}\n")?;
        self.out.flush()?;
        Ok(())
    }
}

fn time_of_day(t: NaiveTime) -> String {
    t.format("%H:%M:%S").to_string()
}

fn medication_concept(drug: Drug, locale: Locale) -> CodeableConcept<'static> {
    CodeableConcept::coded(RXNORM, rxnorm(drug), drug.display_name())
        .with_text(text::drug(drug, locale))
}

fn gender(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Unspecified => "unknown",
    }
}

/// Writes the snapshot as a FHIR R4 JSON bundle.
pub fn write(s: &DiarySnapshot, out: &mut dyn Write) -> Result<()> {
    let l = s.locale;
    let ids = Ids::new(s);
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
    let mut bundle = BundleWriter::start(out, &bundle_id, generated.as_deref(), meta.as_ref())?;

    // What the export contains.
    let manifest = Manifest::of(s);
    let list_id = ids.of("List", "manifest");
    bundle.entry(
        &list_id,
        &ListResource {
            resource_type: "List",
            id: &list_id,
            status: "current",
            mode: "snapshot",
            title: manifest.title.clone(),
            code: CodeableConcept::text(tr(
                l,
                "NephroDiary export contents",
                "NephroDiary 导出内容",
            )),
            subject: Reference::to(&patient_id),
            date: generated.clone(),
            note: manifest
                .lines
                .into_iter()
                .map(|text| Annotation { text })
                .collect(),
        },
    )?;

    bundle.entry(
        &patient_id,
        &PatientResource {
            resource_type: "Patient",
            id: &patient_id,
            active: true,
            name: s
                .patient
                .name
                .iter()
                .map(|n| HumanName { text: n.clone() })
                .collect(),
            gender: gender(s.patient.sex),
            birth_date: s.patient.birth_date.map(format_date),
        },
    )?;
    if s.deidentified.is_some() {
        let id = ids.of("Observation", "age");
        let mut age = ObservationResource::new(
            &id,
            "survey",
            CodeableConcept::coded(LOINC, "30525-0", "Age").with_text(tr(l, "Age", "年龄")),
            &patient_id,
            format_date(s.to),
        );
        age.value_quantity = Some(Quantity::ucum(f64::from(s.patient.age_years), "a"));
        bundle.entry(&id, &age)?;
    }

    // Regimens and steroid courses.
    for m in &s.medications {
        let id = ids.of("MedicationRequest", &m.id.to_string());
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
                        tr(l, "per dose at", "每次，服药时间"),
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
        };
        bundle.entry(
            &id,
            &MedicationRequestResource {
                resource_type: "MedicationRequest",
                id: &id,
                status: if finished { "completed" } else { "active" },
                intent: "order",
                reported_boolean: true,
                medication_codeable_concept: medication_concept(m.drug, l),
                subject: Reference::to(&patient_id),
                authored_on: m.prescribed_on.map(format_date),
                requester: m.prescribed_by.as_deref().map(Reference::display),
                dosage_instruction: vec![dosage],
            },
        )?;
    }

    // Logged doses.
    for d in &s.doses {
        let id = ids.of("MedicationStatement", &d.key);
        let request = ids.of("MedicationRequest", &d.medication.to_string());
        let scheduled =
            instant(&resolve_local(d.slot_date, d.slot_time, s.time_zone).fixed_offset());
        let taken = d.outcome == DoseOutcome::Taken;
        bundle.entry(
            &id,
            &MedicationStatementResource {
                resource_type: "MedicationStatement",
                id: &id,
                based_on: vec![Reference::to(&request)],
                status: if taken { "completed" } else { "not-taken" },
                status_reason: if taken {
                    Vec::new()
                } else {
                    vec![CodeableConcept::text(tr(
                        l,
                        "skipped (logged by the family)",
                        "跳过（家长记录）",
                    ))]
                },
                medication_codeable_concept: medication_concept(d.drug, l),
                subject: Reference::to(&patient_id),
                effective_date_time: instant(&d.actual_at),
                information_source: d.logged_by.as_deref().map(Reference::display),
                dosage: vec![Dosage {
                    text: Some(format!(
                        "{} {} {}",
                        tr(l, "scheduled", "计划时间"),
                        d.slot_date,
                        d.slot_time.format("%H:%M")
                    )),
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
            },
        )?;
    }

    // Urine readings.
    for u in &s.urine {
        let id = ids.of("Observation/urine", &u.key);
        let (code, value_quantity, value_codeable_concept) = match u.measurement {
            UrineMeasurement::Dipstick(grade) => {
                let (snomed, display) = dipstick_snomed(grade);
                (
                    CodeableConcept::coded(
                        LOINC,
                        "20454-5",
                        "Protein [Presence] in Urine by Test strip",
                    ),
                    None,
                    Some(CodeableConcept::coded(SNOMED, snomed, display).with_text(grade.as_str())),
                )
            }
            UrineMeasurement::Upcr { value, unit } => (
                CodeableConcept::coded(LOINC, UPCR_LOINC.0, UPCR_LOINC.1),
                Some(Quantity::ucum(value, upcr_ucum(unit))),
                None,
            ),
        };
        let mut o =
            ObservationResource::new(&id, "laboratory", code, &patient_id, instant(&u.taken_at));
        o.value_quantity = value_quantity;
        o.value_codeable_concept = value_codeable_concept;
        let sample = if u.first_morning {
            tr(l, "first-morning urine", "晨尿")
        } else {
            tr(l, "urine sample (not first-morning)", "非晨尿样本")
        };
        o.method = Some(CodeableConcept::text(match u.photo {
            // Clinical-rules §13: the grade was read from a photo and confirmed by the caregiver.
            Some(_) => format!(
                "{sample}{}",
                tr(
                    l,
                    "; photo-assisted, confirmed by the caregiver",
                    "；拍照辅助判读，经照护者确认"
                )
            ),
            None => sample.to_string(),
        }));
        o.interpretation = vec![CodeableConcept::text(format!(
            "{}: {}",
            tr(l, "level (clinical-rules §5)", "水平"),
            text::level(u.level, l)
        ))];
        o.note = u
            .note
            .iter()
            .map(|text| Annotation { text: text.clone() })
            .collect();
        bundle.entry(&id, &o)?;
    }

    // Laboratory results.
    for lab in &s.labs {
        let id = ids.of("Observation/lab", &lab.key);
        let name = text::lab_kind(lab.kind, l);
        let code = match lab_loinc(lab.kind, lab.unit) {
            Some((code, display)) => CodeableConcept::coded(LOINC, code, display).with_text(name),
            None => CodeableConcept::text(name),
        };
        let mut o =
            ObservationResource::new(&id, "laboratory", code, &patient_id, instant(&lab.drawn_at));
        o.value_quantity = Some(Quantity::ucum(lab.value, lab.unit.id()));
        if let Some(target) = &lab.target {
            o.reference_range = vec![target_range(target, lab.unit, l)];
        }
        if let Some(flag) = lab.flag {
            let code = match flag {
                TargetFlag::Below => Some(("L", "Low")),
                TargetFlag::InRange => Some(("N", "Normal")),
                TargetFlag::Above => Some(("H", "High")),
                TargetFlag::NotATrough => None,
            };
            o.interpretation = vec![match code {
                Some((code, display)) => CodeableConcept::coded(INTERPRETATION, code, display)
                    .with_text(text::flag(flag, l)),
                None => CodeableConcept::text(text::flag(flag, l)),
            }];
        }
        let mut notes = Vec::new();
        if let Some(validity) = lab.trough.filter(|v| *v != TroughValidity::Valid) {
            notes.push(match validity {
                TroughValidity::AfterMorningDose => {
                    tr(l, "Not a trough: drawn after the morning dose (clinical-rules §8).", "非谷浓度：在早晨服药后抽血。")
                }
                _ => tr(
                    l,
                    "Not a trough: drawn less than 10 h after the previous dose (clinical-rules §8).",
                    "非谷浓度：距上一次服药不足 10 小时。",
                ),
            });
        }
        let mut texts: Vec<String> = notes.into_iter().map(str::to_string).collect();
        for kind in &lab.alerts {
            texts.push(format!(
                "{}: {}",
                tr(l, "Safety alert", "安全警示"),
                text::alert_kind(*kind, l)
            ));
        }
        if let Some(egfr) = lab.egfr {
            texts.push(format!(
                "eGFR (bedside Schwartz): {} mL/min/1.73 m²",
                text::round(egfr, 1)
            ));
        }
        o.note = texts.into_iter().map(|text| Annotation { text }).collect();
        bundle.entry(&id, &o)?;
    }

    // Weight, height and blood pressure.
    for (i, g) in s.growth.iter().enumerate() {
        for (loinc, display, value, unit, label) in [
            (
                "29463-7",
                "Body weight",
                g.weight_kg,
                "kg",
                tr(l, "Weight", "体重"),
            ),
            (
                "8302-2",
                "Body height",
                g.height_cm,
                "cm",
                tr(l, "Height", "身高"),
            ),
        ] {
            let Some(value) = value else { continue };
            let id = ids.of("Observation/growth", &format!("{}/{i}/{loinc}", g.date));
            let code = CodeableConcept::coded(LOINC, loinc, display).with_text(label);
            let mut o = ObservationResource::new(
                &id,
                "vital-signs",
                code,
                &patient_id,
                format_date(g.date),
            );
            o.value_quantity = Some(Quantity::ucum(value, unit));
            bundle.entry(&id, &o)?;
        }
    }
    for (i, bp) in s.blood_pressures.iter().enumerate() {
        let id = ids.of(
            "Observation/bp",
            &format!("{}/{i}", instant(&bp.measured_at)),
        );
        let code = CodeableConcept::coded(
            LOINC,
            "85354-9",
            "Blood pressure panel with all children optional",
        )
        .with_text(tr(l, "Blood pressure", "血压"));
        let mut o = ObservationResource::new(
            &id,
            "vital-signs",
            code,
            &patient_id,
            instant(&bp.measured_at),
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
        bundle.entry(&id, &o)?;
    }

    // Relapse episodes.
    for episode in &s.relapse.episodes {
        let id = ids.of("Condition", &format_date(episode.onset));
        let (status, status_display) = match episode.remission_onset {
            Some(_) => ("remission", "Remission"),
            None => ("relapse", "Relapse"),
        };
        let note = match (l, episode.remission_onset) {
            (Locale::En, Some(remission)) => format!(
                "Relapse from {} (three consecutive days at nephrotic level, confirmed {}); remission from {}. \
                 Found by the app from home urine readings ({} definitions).",
                episode.onset,
                episode.confirmed,
                remission,
                s.patient.definitions.id()
            ),
            (Locale::En, None) => format!(
                "Relapse from {} (three consecutive days at nephrotic level, confirmed {}); no remission confirmed yet. \
                 Found by the app from home urine readings ({} definitions).",
                episode.onset,
                episode.confirmed,
                s.patient.definitions.id()
            ),
            (Locale::ZhHans, Some(remission)) => format!(
                "复发起始于 {}（连续三天肾病水平蛋白尿，{} 确认）；自 {} 起缓解。由应用根据居家尿检记录判定（{} 定义）。",
                episode.onset,
                episode.confirmed,
                remission,
                s.patient.definitions.id()
            ),
            (Locale::ZhHans, None) => format!(
                "复发起始于 {}（连续三天肾病水平蛋白尿，{} 确认）；尚未确认缓解。由应用根据居家尿检记录判定（{} 定义）。",
                episode.onset,
                episode.confirmed,
                s.patient.definitions.id()
            ),
        };
        bundle.entry(
            &id,
            &ConditionResource {
                resource_type: "Condition",
                id: &id,
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
                    .with_text(tr(l, "Nephrotic syndrome relapse", "肾病综合征复发")),
                subject: Reference::to(&patient_id),
                onset_date_time: format_date(episode.onset),
                abatement_date_time: episode.remission_onset.map(format_date),
                recorded_date: format_date(episode.confirmed),
                note: vec![Annotation { text: note }],
            },
        )?;
    }
    bundle.finish()
}

fn target_range<'a>(target: &LevelTarget, unit: LabUnit, l: Locale) -> ReferenceRange<'a> {
    let code = unit.id();
    let text = match (target.low, target.high) {
        (Some(low), Some(high)) => format!(
            "{} {}–{} {code}",
            tr(l, "target", "目标"),
            num(low),
            num(high)
        ),
        (None, Some(high)) if target.high_inclusive => {
            format!("{} ≤ {} {code}", tr(l, "target", "目标"), num(high))
        }
        (None, Some(high)) => format!("{} < {} {code}", tr(l, "target", "目标"), num(high)),
        (Some(low), None) => format!("{} ≥ {} {code}", tr(l, "target", "目标"), num(low)),
        (None, None) => tr(l, "no target set", "未设目标").to_string(),
    };
    ReferenceRange {
        low: target.low.map(|v| Quantity::ucum(v, code)),
        high: target.high.map(|v| Quantity::ucum(v, code)),
        text,
    }
}

/// A course's calendar in words, phase by phase: "phase 1: 2025-06-01 to 2025-06-28, 28 dosing
/// days, 30 mg".
fn course_summary(s: &DiarySnapshot, medication: &MedicationId) -> String {
    let l = s.locale;
    let mut phases: Vec<(u32, NaiveDate, NaiveDate, u32, f64, f64, bool)> = Vec::new();
    for day in s
        .steroid_days
        .iter()
        .filter(|d| &d.medication == medication)
    {
        match phases.last_mut() {
            Some(p) if p.0 == day.phase => {
                p.2 = day.date;
                if day.mg > 0.0 {
                    p.3 += 1;
                    p.4 = p.4.min(day.mg);
                    p.5 = p.5.max(day.mg);
                }
                p.6 |= day.provisional;
            }
            _ => phases.push((
                day.phase,
                day.date,
                day.date,
                u32::from(day.mg > 0.0),
                if day.mg > 0.0 { day.mg } else { f64::INFINITY },
                day.mg,
                day.provisional,
            )),
        }
    }
    let parts: Vec<String> = phases
        .iter()
        .map(|&(phase, first, last, dosing, low, high, provisional)| {
            let mg = if dosing == 0 {
                "0 mg".to_string()
            } else if (high - low).abs() < 1e-9 {
                format!("{} mg", num(high))
            } else {
                format!("{}–{} mg", num(low), num(high))
            };
            let guess = if provisional {
                tr(l, " (until remission; provisional)", "（至缓解；暂定）")
            } else {
                ""
            };
            match l {
                Locale::En => {
                    format!("phase {phase}: {first} to {last}, {dosing} dosing days, {mg}{guess}")
                }
                Locale::ZhHans => {
                    format!("第 {phase} 阶段：{first} 至 {last}，服药 {dosing} 天，{mg}{guess}")
                }
            }
        })
        .collect();
    if parts.is_empty() {
        tr(l, "Steroid course (no calendar days)", "激素疗程（无日历）").to_string()
    } else {
        parts.join("; ")
    }
}

//! FFI records and enums, and their conversions to and from the core's types.

use nephro_core::dates::{format_date, parse_clock_time, parse_date};
use nephro_core::{dose, model, Error};

use crate::NephroError;
pub use nephro_core::dose::UnitCount;
pub use nephro_core::drug::Drug;
pub use nephro_core::model::{DoseOutcome, Sex};
pub use nephro_core::store::DoseRevision;

/// A patient profile as entered.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PatientProfile {
    /// The name the family sees (never logged).
    pub display_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: String,
    /// Sex.
    pub sex: Sex,
    /// IANA time zone of the dosing times, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// Relapse definition set: `ipna2022` (default), `kdigo2025` or `kdigo2012`.
    pub definition_set: String,
}

/// A stored patient.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Patient {
    /// Patient id.
    pub id: i64,
    /// The profile.
    pub profile: PatientProfile,
    /// The patient's globally unique id (a version 7 UUID, hyphenated): made when the profile
    /// was created, unique across every diary, so records from two phones can meet.
    pub global_id: String,
}

impl TryFrom<PatientProfile> for model::NewPatient {
    type Error = NephroError;
    fn try_from(p: PatientProfile) -> Result<Self, NephroError> {
        Ok(model::NewPatient {
            display_name: p.display_name,
            birth_date: parse_date("birth_date", &p.birth_date)?,
            sex: p.sex,
            time_zone: p.time_zone,
            definition_set: p.definition_set,
        })
    }
}

impl From<model::Patient> for Patient {
    fn from(p: model::Patient) -> Self {
        let profile = p.profile;
        Patient {
            global_id: p.global_id.to_string(),
            id: p.id.into(),
            profile: PatientProfile {
                display_name: profile.display_name,
                birth_date: format_date(profile.birth_date),
                sex: profile.sex,
                time_zone: profile.time_zone,
                definition_set: profile.definition_set,
            },
        }
    }
}

/// A weight and/or height measured on a date.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Measurement {
    /// Date, `YYYY-MM-DD`.
    pub measured_on: String,
    /// Weight in kg.
    pub weight_kg: Option<f64>,
    /// Height in cm.
    pub height_cm: Option<f64>,
    /// The family confirmed the values after the app asked: a value implausible for this child
    /// (clinical-rules §10) is refused with [`NephroError::NeedsConfirmation`] until it is sent
    /// again with `confirmed` true. Stored with the record (a stored record shows whether it was
    /// confirmed). Default false.
    #[uniffi(default = false)]
    pub confirmed: bool,
    /// The stored measurement's globally unique id (a version 7 UUID, hyphenated); empty in a
    /// measurement to store (ignored there).
    #[uniffi(default = "")]
    pub global_id: String,
}

impl TryFrom<Measurement> for model::Measurement {
    type Error = NephroError;
    fn try_from(m: Measurement) -> Result<Self, NephroError> {
        Ok(model::Measurement {
            id: 0.into(),
            global_id: Default::default(),
            measured_on: parse_date("measured_on", &m.measured_on)?,
            weight_kg: m.weight_kg,
            height_cm: m.height_cm,
            confirmed: m.confirmed,
        })
    }
}

impl From<model::Measurement> for Measurement {
    fn from(m: model::Measurement) -> Self {
        Measurement {
            global_id: m.global_id.to_string(),
            measured_on: format_date(m.measured_on),
            weight_kg: m.weight_kg,
            height_cm: m.height_cm,
            confirmed: m.confirmed,
        }
    }
}

/// A request to the weight-based dose calculator (clinical-rules §3).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoseRequest {
    /// The drug.
    pub drug: Drug,
    /// Body weight in kg.
    pub weight_kg: f64,
    /// Daily rate in mg per kg; give this or `mg_per_m2_per_day`.
    pub mg_per_kg_per_day: Option<f64>,
    /// Daily rate in mg per m² of body surface area (needs `height_cm`).
    pub mg_per_m2_per_day: Option<f64>,
    /// Height in cm, for a mg per m² rate.
    pub height_cm: Option<f64>,
    /// Doses per day (2 for twice daily).
    pub doses_per_day: u32,
    /// Available strengths in mg (empty for a liquid).
    pub strengths_mg: Vec<f64>,
    /// Whether a unit may be split in half.
    pub allow_split: bool,
    /// The care team explicitly accepts a rate outside the protocol range.
    pub override_range: bool,
    /// An oral solution or suspension measured by volume instead of strengths (clinical-rules
    /// §12); `strengths_mg` must then be empty.
    #[uniffi(default = None)]
    pub liquid: Option<LiquidInput>,
}

/// An oral solution or suspension measured with an oral syringe (clinical-rules §12).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct LiquidInput {
    /// The concentration in mg per mL, above 0 and at most 1000.
    pub concentration_mg_per_ml: f64,
    /// The graduation of the family's oral syringe in mL (policy; 0.1 when not given), above 0
    /// and at most 10.
    #[uniffi(default = None)]
    pub syringe_step_ml: Option<f64>,
}

impl From<nephro_core::medicine::liquid::Liquid> for LiquidInput {
    fn from(l: nephro_core::medicine::liquid::Liquid) -> Self {
        LiquidInput {
            concentration_mg_per_ml: l.concentration_mg_per_ml,
            syringe_step_ml: Some(l.syringe_step_ml),
        }
    }
}

impl From<LiquidInput> for nephro_core::medicine::liquid::Liquid {
    fn from(l: LiquidInput) -> Self {
        nephro_core::medicine::liquid::Liquid {
            concentration_mg_per_ml: l.concentration_mg_per_ml,
            syringe_step_ml: l
                .syringe_step_ml
                .unwrap_or(nephro_core::medicine::liquid::DEFAULT_SYRINGE_STEP_ML),
        }
    }
}

impl TryFrom<DoseRequest> for dose::DoseRequest {
    type Error = NephroError;
    fn try_from(r: DoseRequest) -> Result<Self, NephroError> {
        let rate = match (r.mg_per_kg_per_day, r.mg_per_m2_per_day) {
            (Some(rate), None) => dose::DoseRate::MgPerKgPerDay(rate),
            (None, Some(rate)) => dose::DoseRate::MgPerM2PerDay {
                rate,
                height_cm: r.height_cm.ok_or_else(|| {
                    Error::invalid("height_cm", "is required for a mg per m² rate")
                })?,
            },
            _ => Err(Error::invalid(
                "mg_per_kg_per_day",
                "give exactly one of mg_per_kg_per_day and mg_per_m2_per_day",
            ))?,
        };
        Ok(dose::DoseRequest {
            drug: r.drug,
            weight_kg: r.weight_kg,
            rate,
            doses_per_day: r.doses_per_day,
            strengths_mg: r.strengths_mg,
            allow_split: r.allow_split,
            override_range: r.override_range,
            liquid: r.liquid.map(Into::into),
        })
    }
}

/// The calculated dose.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoseResult {
    /// mg per dose after rounding.
    pub per_dose_mg: f64,
    /// mg per day.
    pub daily_mg: f64,
    /// The actual mg per kg per day after rounding.
    pub mg_per_kg_per_day: f64,
    /// Units per dose, largest strength first (empty for a liquid).
    pub units: Vec<UnitCount>,
    /// For a liquid, the volume per dose in mL (a whole number of syringe graduations).
    pub per_dose_ml: Option<f64>,
    /// What the family reads for one dose: "2.4 mL (12 mg)" for a liquid, "1 mg" otherwise.
    pub family_text: String,
}

impl From<dose::DoseResult> for DoseResult {
    fn from(r: dose::DoseResult) -> Self {
        let family_text = match r.per_dose_ml {
            Some(ml) => nephro_core::medicine::liquid::family_text(
                nephro_core::medicine::liquid::Measured {
                    ml,
                    mg: r.per_dose_mg,
                },
            ),
            None => format!("{} mg", nephro_core::numeric::clean(r.per_dose_mg)),
        };
        DoseResult {
            family_text,
            per_dose_ml: r.per_dose_ml,
            per_dose_mg: r.per_dose_mg,
            daily_mg: r.daily_mg,
            mg_per_kg_per_day: r.mg_per_kg_per_day,
            units: r
                .units
                .into_iter()
                .map(|u| UnitCount {
                    strength_mg: u.strength_mg,
                    count: u.count,
                })
                .collect(),
        }
    }
}

/// How a regimen's daily dose is prescribed.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum RegimenRate {
    /// mg per kg per day, on the latest weight on or before the start date.
    MgPerKgPerDay {
        /// The rate.
        rate: f64,
    },
    /// mg per m² per day, on the latest weight and height on or before the start date.
    MgPerM2PerDay {
        /// The rate.
        rate: f64,
    },
}

/// A prescription as the care team gave it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RegimenInput {
    /// The drug.
    pub drug: Drug,
    /// Form, e.g. `capsule`.
    pub form: String,
    /// Available strengths in mg.
    pub strengths_mg: Vec<f64>,
    /// Whether a unit may be split in half.
    pub allow_split: bool,
    /// The daily rate.
    pub rate: RegimenRate,
    /// Local dosing times `HH:MM`, one per dose (twice daily: `08:00`, `20:00`).
    pub times: Vec<String>,
    /// First day, `YYYY-MM-DD`.
    pub start_date: String,
    /// Last day, if any.
    pub end_date: Option<String>,
    /// Who prescribed it.
    pub prescribed_by: String,
    /// When it was prescribed, `YYYY-MM-DD`.
    pub prescribed_on: String,
    /// The care team accepts a rate outside the protocol range.
    pub override_range: bool,
}

/// A stored regimen with its calculated dose.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Regimen {
    /// Regimen id.
    pub id: i64,
    /// The id its doses and reminders use, `regimen-<id>`.
    pub medication_id: String,
    /// Patient id.
    pub patient_id: i64,
    /// The prescription.
    pub prescription: RegimenInput,
    /// Weight the dose was calculated on, kg.
    pub weight_kg: f64,
    /// The calculated dose.
    pub dose: DoseResult,
    /// The regimen's globally unique id (a version 7 UUID, hyphenated).
    pub global_id: String,
}

impl TryFrom<RegimenInput> for model::NewRegimen {
    type Error = NephroError;
    fn try_from(r: RegimenInput) -> Result<Self, NephroError> {
        let times = r
            .times
            .iter()
            .enumerate()
            .map(|(i, t)| parse_clock_time(&format!("times[{i}]"), t))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(model::NewRegimen {
            drug: r.drug,
            form: r.form,
            strengths_mg: r.strengths_mg,
            allow_split: r.allow_split,
            rate: match r.rate {
                RegimenRate::MgPerKgPerDay { rate } => dose::DoseRate::MgPerKgPerDay(rate),
                // The store fills in the height from the measurements.
                RegimenRate::MgPerM2PerDay { rate } => dose::DoseRate::MgPerM2PerDay {
                    rate,
                    height_cm: f64::NAN,
                },
            },
            times,
            start_date: parse_date("start_date", &r.start_date)?,
            end_date: r
                .end_date
                .as_deref()
                .map(|d| parse_date("end_date", d))
                .transpose()?,
            prescribed_by: r.prescribed_by,
            prescribed_on: parse_date("prescribed_on", &r.prescribed_on)?,
            override_range: r.override_range,
        })
    }
}

impl From<model::Regimen> for Regimen {
    fn from(r: model::Regimen) -> Self {
        let p = r.prescription;
        Regimen {
            global_id: r.global_id.to_string(),
            id: r.id.into(),
            medication_id: model::MedicationId::Regimen(r.id).to_string(),
            patient_id: r.patient_id.into(),
            prescription: RegimenInput {
                drug: p.drug,
                form: p.form,
                strengths_mg: p.strengths_mg,
                allow_split: p.allow_split,
                rate: match p.rate {
                    dose::DoseRate::MgPerKgPerDay(rate) => RegimenRate::MgPerKgPerDay { rate },
                    dose::DoseRate::MgPerM2PerDay { rate, .. } => {
                        RegimenRate::MgPerM2PerDay { rate }
                    }
                },
                times: p
                    .times
                    .iter()
                    .map(|t| t.format("%H:%M").to_string())
                    .collect(),
                start_date: format_date(p.start_date),
                end_date: p.end_date.map(format_date),
                prescribed_by: p.prescribed_by,
                prescribed_on: format_date(p.prescribed_on),
                override_range: p.override_range,
            },
            weight_kg: r.weight_kg,
            dose: r.dose.into(),
        }
    }
}

/// A dose to log for a scheduled slot.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoseLogInput {
    /// Id made by the app when the button was pressed (e.g. a UUID); resubmitting it stores
    /// the dose once.
    pub client_id: String,
    /// The medication the dose belongs to: `regimen-<id>` or `course-<key>` (as in reminders).
    pub medication_id: String,
    /// Local date of the slot, `YYYY-MM-DD`.
    pub slot_date: String,
    /// Local time of the slot, `HH:MM`.
    pub slot_time: String,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was given, UTC epoch ms.
    pub actual_at_ms: i64,
    /// Who logged it, e.g. `mother`.
    pub logged_by: String,
    /// The family's note ("spat out half, gave again"), at most 500 characters; shown in
    /// identified exports, never in de-identified ones.
    #[uniffi(default = None)]
    pub note: Option<String>,
}

impl TryFrom<DoseLogInput> for model::NewDoseLog {
    type Error = NephroError;
    fn try_from(d: DoseLogInput) -> Result<Self, NephroError> {
        Ok(model::NewDoseLog::new(
            d.client_id,
            model::MedicationId::parse("medication_id", &d.medication_id)?,
            parse_date("slot_date", &d.slot_date)?,
            parse_clock_time("slot_time", &d.slot_time)?,
            d.outcome,
            d.actual_at_ms,
            d.logged_by,
        )
        .with_note(d.note))
    }
}

/// A logged dose in its current revision.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DoseLogEntry {
    /// The dose as last logged or edited.
    pub dose: DoseLogInput,
    /// 1 when first logged, +1 per edit or undo.
    pub revision: i64,
    /// Whether it was undone (kept in history, no longer counted).
    pub undone: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: i64,
    /// The logged dose's globally unique id (a version 7 UUID, hyphenated): made when it was
    /// first logged and kept through every edit and undo (a revision is this id and `revision`).
    pub global_id: String,
}

impl From<model::DoseLogEntry> for DoseLogEntry {
    fn from(e: model::DoseLogEntry) -> Self {
        let d = e.dose;
        DoseLogEntry {
            global_id: e.global_id.to_string(),
            dose: DoseLogInput {
                client_id: d.client_id,
                medication_id: d.medication.to_string(),
                slot_date: format_date(d.slot_date),
                slot_time: d.slot_time.format("%H:%M").to_string(),
                outcome: d.outcome,
                actual_at_ms: d.actual_at_ms,
                logged_by: d.logged_by,
                note: d.note,
            },
            revision: e.revision,
            undone: e.undone,
            recorded_at_ms: e.recorded_at_ms,
        }
    }
}

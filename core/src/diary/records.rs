//! Patients, measurements, regimens, logged doses and the dose calculator's request as a shell
//! enters and reads them: dates as `YYYY-MM-DD` text, wall-clock times as `HH:MM`, medications
//! as `regimen-<id>` / `course-<key>` text. Each input is read here and refused naming its own
//! field (`birth_date`, `times[1]`, `slot_date` …); each stored record reads back in the same
//! shape, so a shell can show it and send it again.

use chrono::NaiveTime;

use crate::dates::{format_date, parse_clock_time, parse_date};
use crate::dose::{self, DoseRate, UnitCount};
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::ids::{GlobalId, MeasurementId, PatientId, RegimenId};
use crate::medicine::liquid::{self, LiquidInput, Measured};
use crate::model::{self, DoseOutcome, MedicationId, Sex};
use crate::numeric::clean;

/// A wall-clock time as it crosses to a shell, `HH:MM`.
fn clock_text(time: &NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// Reads dosing times `HH:MM`, refusing one naming `<field>[<index>]`.
pub fn parse_times(field: &str, times: &[String]) -> Result<Vec<NaiveTime>> {
    (times.iter().enumerate())
        .map(|(i, t)| parse_clock_time(&format!("{field}[{i}]"), t))
        .collect()
}

/// Reads an optional date, naming `field` when it is not `YYYY-MM-DD`.
pub fn parse_optional_date(field: &str, text: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    text.map(|d| parse_date(field, d)).transpose()
}

/// Each stored row as the record a shell reads (`records_from(store.patients()?)`), in order.
pub fn records_from<Row, Record: From<Row>>(rows: Vec<Row>) -> Vec<Record> {
    rows.into_iter().map(Record::from).collect()
}

/// A patient profile as entered.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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

impl PatientProfile {
    /// The profile to store (the store checks the rest, naming each field).
    pub fn parse(self) -> Result<model::NewPatient> {
        Ok(model::NewPatient {
            birth_date: parse_date("birth_date", &self.birth_date)?,
            display_name: self.display_name,
            sex: self.sex,
            time_zone: self.time_zone,
            definition_set: self.definition_set,
        })
    }
}

impl From<model::NewPatient> for PatientProfile {
    fn from(p: model::NewPatient) -> Self {
        PatientProfile {
            display_name: p.display_name,
            birth_date: format_date(p.birth_date),
            sex: p.sex,
            time_zone: p.time_zone,
            definition_set: p.definition_set,
        }
    }
}

/// A stored patient.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "Patient"))]
pub struct PatientRecord {
    /// Patient id.
    pub id: PatientId,
    /// The profile.
    pub profile: PatientProfile,
    /// The patient's globally unique id (a version 7 UUID, hyphenated): made when the profile
    /// was created, unique across every diary, so records from two phones can meet.
    pub global_id: GlobalId,
}

impl From<model::Patient> for PatientRecord {
    fn from(p: model::Patient) -> Self {
        PatientRecord {
            id: p.id,
            profile: p.profile.into(),
            global_id: p.global_id,
        }
    }
}

/// A weight and/or height measured on a date, as entered and as stored.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "Measurement"))]
pub struct MeasurementEntry {
    /// Date, `YYYY-MM-DD`.
    pub measured_on: String,
    /// Weight in kg.
    pub weight_kg: Option<f64>,
    /// Height in cm.
    pub height_cm: Option<f64>,
    /// The family confirmed the values after the app asked: a value implausible for this child
    /// (clinical-rules §10) is refused with `NeedsConfirmation` until it is sent again with
    /// `confirmed` true. Stored with the record (a stored record shows whether it was
    /// confirmed). Default false.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub confirmed: bool,
    /// The stored measurement's globally unique id (a version 7 UUID, hyphenated); empty in a
    /// measurement to store (ignored there).
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub global_id: String,
}

impl MeasurementEntry {
    /// The measurement to store (its ids are made when it is stored).
    pub fn parse(self) -> Result<model::Measurement> {
        Ok(model::Measurement {
            id: MeasurementId::default(),
            global_id: GlobalId::nil(),
            measured_on: parse_date("measured_on", &self.measured_on)?,
            weight_kg: self.weight_kg,
            height_cm: self.height_cm,
            confirmed: self.confirmed,
        })
    }
}

impl From<model::Measurement> for MeasurementEntry {
    fn from(m: model::Measurement) -> Self {
        MeasurementEntry {
            measured_on: format_date(m.measured_on),
            weight_kg: m.weight_kg,
            height_cm: m.height_cm,
            confirmed: m.confirmed,
            global_id: m.global_id.to_string(),
        }
    }
}

/// A request to the weight-based dose calculator (clinical-rules §3).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "DoseRequest"))]
pub struct DoseRequestInput {
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
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub liquid: Option<LiquidInput>,
}

impl DoseRequestInput {
    /// The calculator's request: exactly one rate, and a height with a mg per m² rate.
    pub fn parse(self) -> Result<dose::DoseRequest> {
        let rate = match (self.mg_per_kg_per_day, self.mg_per_m2_per_day) {
            (Some(rate), None) => DoseRate::MgPerKgPerDay(rate),
            (None, Some(rate)) => DoseRate::MgPerM2PerDay {
                rate,
                height_cm: self.height_cm.ok_or_else(|| {
                    Error::invalid("height_cm", "is required for a mg per m² rate")
                })?,
            },
            _ => {
                return Err(Error::invalid(
                    "mg_per_kg_per_day",
                    "give exactly one of mg_per_kg_per_day and mg_per_m2_per_day",
                ))
            }
        };
        Ok(dose::DoseRequest {
            drug: self.drug,
            weight_kg: self.weight_kg,
            rate,
            doses_per_day: self.doses_per_day,
            strengths_mg: self.strengths_mg,
            allow_split: self.allow_split,
            override_range: self.override_range,
            liquid: self.liquid.map(Into::into),
        })
    }

    /// Calculates the dose (clinical-rules §3, and §12 for a liquid) without storing anything.
    pub fn calculate(self) -> Result<DoseCalculation> {
        Ok(dose::calculate_dose(&self.parse()?)?.into())
    }
}

/// The calculated dose, with what the family reads for one dose.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "DoseResult"))]
pub struct DoseCalculation {
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

impl From<dose::DoseResult> for DoseCalculation {
    fn from(r: dose::DoseResult) -> Self {
        // Clinical-rules §12: a liquid dose reads in mL, then the mg that volume holds.
        let family_text = match r.per_dose_ml {
            Some(ml) => liquid::family_text(Measured {
                ml,
                mg: r.per_dose_mg,
            }),
            None => format!("{} mg", clean(r.per_dose_mg)),
        };
        DoseCalculation {
            per_dose_mg: r.per_dose_mg,
            daily_mg: r.daily_mg,
            mg_per_kg_per_day: r.mg_per_kg_per_day,
            units: r.units,
            per_dose_ml: r.per_dose_ml,
            family_text,
        }
    }
}

/// How a regimen's daily dose is prescribed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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

impl RegimenInput {
    /// The prescription to store (the store calculates its dose).
    pub fn parse(self) -> Result<model::NewRegimen> {
        Ok(model::NewRegimen {
            times: parse_times("times", &self.times)?,
            start_date: parse_date("start_date", &self.start_date)?,
            end_date: parse_optional_date("end_date", self.end_date.as_deref())?,
            prescribed_on: parse_date("prescribed_on", &self.prescribed_on)?,
            drug: self.drug,
            form: self.form,
            strengths_mg: self.strengths_mg,
            allow_split: self.allow_split,
            rate: match self.rate {
                RegimenRate::MgPerKgPerDay { rate } => DoseRate::MgPerKgPerDay(rate),
                // The store fills in the height from the measurements.
                RegimenRate::MgPerM2PerDay { rate } => DoseRate::MgPerM2PerDay {
                    rate,
                    height_cm: f64::NAN,
                },
            },
            prescribed_by: self.prescribed_by,
            override_range: self.override_range,
        })
    }
}

impl From<model::NewRegimen> for RegimenInput {
    fn from(p: model::NewRegimen) -> Self {
        RegimenInput {
            drug: p.drug,
            form: p.form,
            strengths_mg: p.strengths_mg,
            allow_split: p.allow_split,
            rate: match p.rate {
                DoseRate::MgPerKgPerDay(rate) => RegimenRate::MgPerKgPerDay { rate },
                DoseRate::MgPerM2PerDay { rate, .. } => RegimenRate::MgPerM2PerDay { rate },
            },
            times: p.times.iter().map(clock_text).collect(),
            start_date: format_date(p.start_date),
            end_date: p.end_date.map(format_date),
            prescribed_by: p.prescribed_by,
            prescribed_on: format_date(p.prescribed_on),
            override_range: p.override_range,
        }
    }
}

/// A stored regimen with its calculated dose.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "Regimen"))]
pub struct RegimenRecord {
    /// Regimen id.
    pub id: RegimenId,
    /// The id its doses and reminders use, `regimen-<id>`.
    pub medication_id: MedicationId,
    /// Patient id.
    pub patient_id: PatientId,
    /// The prescription.
    pub prescription: RegimenInput,
    /// Weight the dose was calculated on, kg.
    pub weight_kg: f64,
    /// The calculated dose.
    pub dose: DoseCalculation,
    /// The regimen's globally unique id (a version 7 UUID, hyphenated).
    pub global_id: GlobalId,
}

impl From<model::Regimen> for RegimenRecord {
    fn from(r: model::Regimen) -> Self {
        RegimenRecord {
            id: r.id,
            medication_id: MedicationId::Regimen(r.id),
            patient_id: r.patient_id,
            prescription: r.prescription.into(),
            weight_kg: r.weight_kg,
            dose: r.dose.into(),
            global_id: r.global_id,
        }
    }
}

/// A dose to log for a scheduled slot.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub note: Option<String>,
}

impl DoseLogInput {
    /// The dose to log (the diary checks its timing and slot, clinical-rules §10).
    pub fn parse(self) -> Result<model::NewDoseLog> {
        Ok(model::NewDoseLog::new(
            self.client_id,
            MedicationId::parse("medication_id", &self.medication_id)?,
            parse_date("slot_date", &self.slot_date)?,
            parse_clock_time("slot_time", &self.slot_time)?,
            self.outcome,
            self.actual_at_ms,
            self.logged_by,
        )
        .with_note(self.note))
    }
}

impl From<model::NewDoseLog> for DoseLogInput {
    fn from(d: model::NewDoseLog) -> Self {
        DoseLogInput {
            client_id: d.client_id,
            medication_id: d.medication.to_string(),
            slot_date: format_date(d.slot_date),
            slot_time: clock_text(&d.slot_time),
            outcome: d.outcome,
            actual_at_ms: d.actual_at_ms,
            logged_by: d.logged_by,
            note: d.note,
        }
    }
}

/// A logged dose in its current revision.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "DoseLogEntry"))]
pub struct DoseLogRecord {
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
    pub global_id: GlobalId,
}

impl From<model::DoseLogEntry> for DoseLogRecord {
    fn from(e: model::DoseLogEntry) -> Self {
        DoseLogRecord {
            dose: e.dose.into(),
            revision: e.revision,
            undone: e.undone,
            recorded_at_ms: e.recorded_at_ms,
            global_id: e.global_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::refused_field;
    use crate::test_support::{date, time};

    /// A named change that spoils one field of an input.
    type Spoil<T> = (&'static str, fn(&mut T));

    fn profile() -> PatientProfile {
        PatientProfile {
            display_name: "Mia".into(),
            birth_date: "2019-03-04".into(),
            sex: Sex::Female,
            time_zone: "Asia/Shanghai".into(),
            definition_set: "ipna2022".into(),
        }
    }

    fn regimen() -> RegimenInput {
        RegimenInput {
            drug: Drug::Tacrolimus,
            form: "capsule".into(),
            strengths_mg: vec![0.5, 1.0],
            allow_split: false,
            rate: RegimenRate::MgPerM2PerDay { rate: 3.0 },
            times: vec!["08:00".into(), "20:00".into()],
            start_date: "2025-06-01".into(),
            end_date: Some("2025-12-01".into()),
            prescribed_by: "nephrologist".into(),
            prescribed_on: "2025-05-30".into(),
            override_range: false,
        }
    }

    fn dose_log() -> DoseLogInput {
        DoseLogInput {
            client_id: "tap-1".into(),
            medication_id: "regimen-3".into(),
            slot_date: "2025-06-02".into(),
            slot_time: "20:00".into(),
            outcome: DoseOutcome::Taken,
            actual_at_ms: 1_748_865_600_000,
            logged_by: "mother".into(),
            note: Some("spat out half, gave again".into()),
        }
    }

    #[test]
    fn a_profile_reads_its_birth_date_and_reads_back_as_entered() {
        let new = profile().parse().unwrap();
        assert_eq!(new.birth_date, date("2019-03-04"));
        assert_eq!(PatientProfile::from(new), profile());
        let bad = PatientProfile {
            birth_date: "2019-02-30".into(),
            ..profile()
        };
        assert_eq!(refused_field(bad.parse()), "birth_date");
    }

    #[test]
    fn a_measurement_reads_its_date_and_a_stored_one_shows_its_global_id() {
        let entered = MeasurementEntry {
            measured_on: "2025-06-01".into(),
            weight_kg: Some(20.5),
            height_cm: None,
            confirmed: true,
            global_id: String::new(),
        };
        let mut stored = entered.clone().parse().unwrap();
        assert_eq!(stored.measured_on, date("2025-06-01"));
        assert!(stored.global_id.is_nil() && stored.confirmed);
        stored.global_id = GlobalId::new_at(1_748_736_000_000);
        let shown = MeasurementEntry::from(stored.clone());
        assert_eq!(shown.global_id, stored.global_id.to_string());
        assert_eq!(shown.measured_on, "2025-06-01");
        let bad = MeasurementEntry {
            measured_on: "01/06/2025".into(),
            ..entered
        };
        assert_eq!(refused_field(bad.parse()), "measured_on");
    }

    #[test]
    fn a_dose_request_needs_exactly_one_rate_and_a_height_with_a_body_surface_rate() {
        let request = DoseRequestInput {
            drug: Drug::Tacrolimus,
            weight_kg: 20.0,
            mg_per_kg_per_day: Some(0.1),
            mg_per_m2_per_day: None,
            height_cm: None,
            doses_per_day: 2,
            strengths_mg: vec![0.5, 1.0],
            allow_split: false,
            override_range: false,
            liquid: None,
        };
        let both = DoseRequestInput {
            mg_per_m2_per_day: Some(3.0),
            ..request.clone()
        };
        assert_eq!(refused_field(both.parse()), "mg_per_kg_per_day");
        let neither = DoseRequestInput {
            mg_per_kg_per_day: None,
            ..request.clone()
        };
        assert_eq!(refused_field(neither.parse()), "mg_per_kg_per_day");
        let no_height = DoseRequestInput {
            mg_per_kg_per_day: None,
            mg_per_m2_per_day: Some(3.0),
            ..request.clone()
        };
        assert_eq!(refused_field(no_height.parse()), "height_cm");
        // 0.1 mg/kg/day × 20 kg in two doses: 1 mg a dose.
        let dose = request.clone().calculate().unwrap();
        assert_eq!((dose.per_dose_mg, dose.family_text.as_str()), (1.0, "1 mg"));
        assert_eq!(
            dose.units,
            vec![UnitCount {
                strength_mg: 1.0,
                count: 1.0
            }]
        );
    }

    #[test]
    fn a_liquid_dose_reads_in_millilitres_then_milligrams() {
        // Clinical-rules §12: 2 mg/kg/day × 12 kg once a day of 5 mg/mL is 4.8 mL (24 mg).
        let request = DoseRequestInput {
            drug: Drug::Prednisolone,
            weight_kg: 12.0,
            mg_per_kg_per_day: Some(2.0),
            mg_per_m2_per_day: None,
            height_cm: None,
            doses_per_day: 1,
            strengths_mg: vec![],
            allow_split: false,
            override_range: false,
            liquid: Some(LiquidInput {
                concentration_mg_per_ml: 5.0,
                syringe_step_ml: None,
            }),
        };
        let dose = request.calculate().unwrap();
        assert_eq!(dose.per_dose_ml, Some(4.8));
        assert_eq!(dose.family_text, "4.8 mL (24 mg)");
        assert!(dose.units.is_empty());
    }

    #[test]
    fn a_regimen_names_each_bad_date_and_time_and_reads_back_as_entered() {
        let new = regimen().parse().unwrap();
        assert_eq!(new.times, vec![time("08:00"), time("20:00")]);
        assert_eq!(new.end_date, Some(date("2025-12-01")));
        assert!(matches!(new.rate, DoseRate::MgPerM2PerDay { rate, .. } if rate == 3.0));
        assert_eq!(RegimenInput::from(new), regimen());
        let cases: [Spoil<RegimenInput>; 4] = [
            ("times[1]", |r| r.times[1] = "25:00".into()),
            ("start_date", |r| r.start_date = "June".into()),
            ("end_date", |r| r.end_date = Some("2025-13-01".into())),
            ("prescribed_on", |r| r.prescribed_on = String::new()),
        ];
        for (field, spoil) in cases {
            let mut bad = regimen();
            spoil(&mut bad);
            assert_eq!(refused_field(bad.parse()), field);
        }
    }

    #[test]
    fn a_stored_regimen_shows_its_medication_id() {
        let id = RegimenId::from(3);
        let stored = model::Regimen {
            id,
            global_id: GlobalId::new_at(1_748_736_000_000),
            patient_id: PatientId::from(1),
            prescription: regimen().parse().unwrap(),
            weight_kg: 20.0,
            dose: dose::DoseResult {
                per_dose_mg: 1.0,
                daily_mg: 2.0,
                mg_per_kg_per_day: 0.1,
                units: vec![],
                per_dose_ml: None,
            },
        };
        let shown = RegimenRecord::from(stored);
        assert_eq!(shown.medication_id.to_string(), "regimen-3");
        assert_eq!(
            shown.prescription.rate,
            RegimenRate::MgPerM2PerDay { rate: 3.0 }
        );
        assert_eq!(shown.dose.family_text, "1 mg");
    }

    #[test]
    fn a_dose_log_names_its_slot_and_medication_and_reads_back_with_its_note() {
        let new = dose_log().parse().unwrap();
        assert_eq!(new.medication, MedicationId::Regimen(RegimenId::from(3)));
        assert_eq!(
            (new.slot_date, new.slot_time),
            (date("2025-06-02"), time("20:00"))
        );
        assert_eq!(new.note.as_deref(), Some("spat out half, gave again"));
        assert_eq!(DoseLogInput::from(new), dose_log());
        let cases: [Spoil<DoseLogInput>; 3] = [
            ("medication_id", |d| d.medication_id = "pill-3".into()),
            ("slot_date", |d| d.slot_date = "2025-06-31".into()),
            ("slot_time", |d| d.slot_time = "8pm".into()),
        ];
        for (field, spoil) in cases {
            let mut bad = dose_log();
            spoil(&mut bad);
            assert_eq!(refused_field(bad.parse()), field);
        }
    }
}

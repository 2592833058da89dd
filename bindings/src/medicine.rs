//! Every medicine the child takes (clinical-rules §12): any medicine with any schedule (added,
//! listed and stopped in a diary), steroid calendars given as a liquid, the
//! cumulative cyclophosphamide dose, and what the family reads for a liquid dose. Converts and
//! delegates to `nephro_core::medicine`.

use nephro_core::dates::{format_date, parse_clock_time, parse_date};
use nephro_core::locale::Locale;
use nephro_core::medicine::known::KnownMedicine;
pub use nephro_core::medicine::known::KnownMedicineInfo;
use nephro_core::medicine::record;
use nephro_core::model;

use crate::{Diary, LiquidInput, NephroError, TaperCaseInput};
pub use nephro_core::medicine::cyclophosphamide::{
    CyclophosphamideCumulative, CyclophosphamideInput, CyclophosphamidePlan, DatedWeightInput,
    TakenDoseInput,
};
pub use nephro_core::medicine::liquid_taper::{LiquidTaperCalendar, LiquidTaperDay};

/// Builds a steroid calendar given as a liquid, without storing anything: every dosing day in mg
/// and mL (clinical-rules §4 with §12). `input.tablet_mg` and `input.allow_half` must be empty
/// (field named otherwise). Refuses a bad concentration or graduation naming
/// `liquid.concentration_mg_per_ml` / `liquid.syringe_step_ml`, and a dosing day the syringe
/// cannot measure with `NotMeasurable` (its message names the date).
#[uniffi::export]
pub fn build_liquid_taper_calendar(
    input: TaperCaseInput,
    liquid: LiquidInput,
) -> Result<LiquidTaperCalendar, NephroError> {
    Ok(input.liquid_calendar(liquid.into())?)
}

/// Sums the cumulative cyclophosphamide dose and checks a planned course (clinical-rules §12;
/// IPNA 2022 Table 5). A plan above 168 mg/kg is `DoseOutOfRange` unless overridden; a dose with
/// no weight on or before its day is refused naming `doses[i].date`.
#[uniffi::export]
pub fn cumulative_cyclophosphamide(
    input: CyclophosphamideInput,
) -> Result<CyclophosphamideCumulative, NephroError> {
    Ok(input.cumulative()?)
}

/// What a medicine is called: one of the app's list, or a name typed in as prescribed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum MedicineNameInput {
    /// A medicine of the app's list by its id (`enalapril`, `prednisolone`, `calcium_carbonate` …;
    /// see `known_medicines`).
    Known {
        /// The medicine's id.
        id: String,
    },
    /// A name typed in (1 to 200 characters): never a steroid, never range-checked.
    Typed {
        /// The name as prescribed.
        name: String,
    },
}

/// How much one dose of a medicine is.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum MedicineAmountInput {
    /// `units` tablets (whole or half) of `strength_mg` each.
    Tablets {
        /// mg in one tablet.
        strength_mg: f64,
        /// Tablets per dose, in halves.
        units: f64,
    },
    /// `mg` of a liquid, measured with the family's oral syringe (clinical-rules §12).
    Liquid {
        /// The prescribed mg a dose.
        mg: f64,
        /// The liquid's concentration and the syringe's graduation.
        liquid: LiquidInput,
    },
    /// `mg` of one infusion given in hospital (clinical-rules §12: rituximab, usually
    /// 375 mg/m²): the medicine is given as needed, each infusion logged as a dose when given.
    Infusion {
        /// mg given in one infusion.
        mg: f64,
    },
}

/// On which days a medicine is given.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum MedicineDaysInput {
    /// Every day.
    EveryDay,
    /// The start date and every second day after it.
    AlternateDays,
    /// The start date and every `n`-th day after it (2 to 366).
    EveryNDays {
        /// The interval in days.
        n: u32,
    },
    /// Exactly these dates, `YYYY-MM-DD`.
    Dates {
        /// The dates.
        dates: Vec<String>,
    },
    /// Only when needed: logged, never reminded (no times).
    AsNeeded,
}

/// When a medicine is given.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MedicineScheduleInput {
    /// Local times of day, `HH:MM`, one per dose (none for a medicine given as needed).
    pub times: Vec<String>,
    /// The dosing days.
    pub days: MedicineDaysInput,
    /// The first day, `YYYY-MM-DD`.
    pub start_date: String,
    /// The last day, `YYYY-MM-DD`, if there is one (not with `course_days`).
    #[uniffi(default = None)]
    pub end_date: Option<String>,
    /// The course's length in days, the start day included (not with `end_date`).
    #[uniffi(default = None)]
    pub course_days: Option<u32>,
}

/// A medicine to add (clinical-rules §12, "Any medicine").
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewMedicineInput {
    /// The patient's id.
    pub patient_id: i64,
    /// The client's id of the request: adding it again returns the stored medicine.
    pub client_id: String,
    /// The medicine's name.
    pub name: MedicineNameInput,
    /// The form, e.g. `tablet` or `oral solution`.
    pub form: String,
    /// How much one dose is.
    pub amount: MedicineAmountInput,
    /// When it is given.
    pub schedule: MedicineScheduleInput,
    /// Who added it, e.g. `mother` or `nephrologist`.
    pub added_by: String,
}

/// A stored medicine.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MedicineRecord {
    /// Row id.
    pub id: i64,
    /// Its id in dose logs and reminders: `medicine-<id>`.
    pub medication_id: String,
    /// The medicine as added.
    pub prescription: NewMedicineInput,
    /// mg actually given a dose (a liquid's measured volume × concentration).
    pub dose_mg: f64,
    /// mL to draw a dose, for a liquid.
    pub dose_ml: Option<f64>,
    /// What the family reads for a dose: "2.4 mL (12 mg)" or "2.5 mg".
    pub dose_text: String,
    /// Whether it counts as steroid (clinical-rules §12: only the listed glucocorticoids).
    pub is_steroid: bool,
    /// The day it was stopped, `YYYY-MM-DD`, if it was.
    pub stopped_on: Option<String>,
    /// The medicine's globally unique id (a version 7 UUID, hyphenated).
    pub global_id: String,
}

/// The medicines of the app's list, with their names in `locale` (`en` or `zh-Hans`).
#[uniffi::export]
pub fn known_medicines(locale: Locale) -> Result<Vec<KnownMedicineInfo>, NephroError> {
    Ok(KnownMedicine::catalogue(locale))
}

impl TryFrom<NewMedicineInput> for record::NewMedicine {
    type Error = NephroError;
    fn try_from(m: NewMedicineInput) -> Result<Self, NephroError> {
        let name = match m.name {
            MedicineNameInput::Known { id } => {
                record::MedicineName::Known(KnownMedicine::parse("name.known", &id)?)
            }
            MedicineNameInput::Typed { name } => record::MedicineName::Typed(name),
        };
        let amount = match m.amount {
            MedicineAmountInput::Tablets { strength_mg, units } => {
                record::MedicineAmount::Tablets { strength_mg, units }
            }
            MedicineAmountInput::Liquid { mg, liquid } => record::MedicineAmount::Liquid {
                mg,
                liquid: liquid.into(),
            },
            MedicineAmountInput::Infusion { mg } => record::MedicineAmount::Infusion { mg },
        };
        let s = m.schedule;
        let days = match s.days {
            MedicineDaysInput::EveryDay => record::MedicineDays::EveryDay,
            MedicineDaysInput::AlternateDays => record::MedicineDays::AlternateDays,
            MedicineDaysInput::EveryNDays { n } => record::MedicineDays::EveryNDays(n),
            MedicineDaysInput::AsNeeded => record::MedicineDays::AsNeeded,
            MedicineDaysInput::Dates { dates } => record::MedicineDays::Dates(
                dates
                    .iter()
                    .enumerate()
                    .map(|(i, d)| parse_date(&format!("schedule.days.dates[{i}]"), d))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let schedule = record::MedicineSchedule {
            times: s
                .times
                .iter()
                .enumerate()
                .map(|(i, t)| parse_clock_time(&format!("schedule.times[{i}]"), t))
                .collect::<Result<_, _>>()?,
            days,
            start_date: parse_date("schedule.start_date", &s.start_date)?,
            end_date: s
                .end_date
                .as_deref()
                .map(|d| parse_date("schedule.end_date", d))
                .transpose()?,
            course_days: s.course_days,
        };
        Ok(record::NewMedicine {
            patient_id: m.patient_id.into(),
            client_id: m.client_id,
            name,
            form: m.form,
            amount,
            schedule,
            added_by: m.added_by,
        })
    }
}

impl From<record::Medicine> for MedicineRecord {
    fn from(m: record::Medicine) -> Self {
        let p = m.prescription;
        let s = p.schedule;
        MedicineRecord {
            global_id: m.global_id.to_string(),
            id: m.id.into(),
            medication_id: model::MedicationId::Medicine(m.id).to_string(),
            dose_mg: m.dose.mg,
            dose_ml: m.dose.ml,
            dose_text: m.dose.text(),
            is_steroid: p.name.known().is_some_and(KnownMedicine::is_steroid),
            stopped_on: m.stopped_on.map(format_date),
            prescription: NewMedicineInput {
                patient_id: p.patient_id.into(),
                client_id: p.client_id,
                name: match p.name {
                    record::MedicineName::Known(k) => MedicineNameInput::Known {
                        id: k.id().to_string(),
                    },
                    record::MedicineName::Typed(name) => MedicineNameInput::Typed { name },
                },
                form: p.form,
                amount: match p.amount {
                    record::MedicineAmount::Tablets { strength_mg, units } => {
                        MedicineAmountInput::Tablets { strength_mg, units }
                    }
                    record::MedicineAmount::Liquid { mg, liquid } => MedicineAmountInput::Liquid {
                        mg,
                        liquid: LiquidInput {
                            concentration_mg_per_ml: liquid.concentration_mg_per_ml,
                            syringe_step_ml: Some(liquid.syringe_step_ml),
                        },
                    },
                    record::MedicineAmount::Infusion { mg } => MedicineAmountInput::Infusion { mg },
                },
                schedule: MedicineScheduleInput {
                    times: s
                        .times
                        .iter()
                        .map(|t| t.format("%H:%M").to_string())
                        .collect(),
                    days: match s.days {
                        record::MedicineDays::EveryDay => MedicineDaysInput::EveryDay,
                        record::MedicineDays::AlternateDays => MedicineDaysInput::AlternateDays,
                        record::MedicineDays::EveryNDays(n) => MedicineDaysInput::EveryNDays { n },
                        record::MedicineDays::AsNeeded => MedicineDaysInput::AsNeeded,
                        record::MedicineDays::Dates(dates) => MedicineDaysInput::Dates {
                            dates: dates.into_iter().map(format_date).collect(),
                        },
                    },
                    start_date: format_date(s.start_date),
                    end_date: s.end_date.map(format_date),
                    course_days: s.course_days,
                },
                added_by: p.added_by,
            },
        }
    }
}

#[uniffi::export]
impl Diary {
    /// Adds a medicine of any kind with any schedule (clinical-rules §12). Bad input is
    /// `Validation` naming the field (`name`, `form`, `amount.liquid.concentration_mg_per_ml`,
    /// `amount.liquid.syringe_step_ml` for a graduation larger than the dose, `schedule.times` for
    /// a medicine with no schedule …) and nothing is stored; a liquid dose that rounding moves by
    /// more than 10 % is `NotMeasurable`. Adding the same `client_id` again returns the stored
    /// medicine.
    pub fn add_medicine(&self, medicine: NewMedicineInput) -> Result<MedicineRecord, NephroError> {
        let new: record::NewMedicine = medicine.try_into()?;
        Ok(self.call(|s| s.add_medicine(&new))?.into())
    }

    /// A patient's medicines, stopped ones included, oldest first.
    pub fn medicines(&self, patient_id: i64) -> Result<Vec<MedicineRecord>, NephroError> {
        let medicines = self.call(|s| s.medicines(patient_id.into()))?;
        Ok(medicines.into_iter().map(Into::into).collect())
    }

    /// Stops a medicine from `stopped_on` (`YYYY-MM-DD`) on: no dose or reminder that day or
    /// after; its logged doses stay.
    pub fn stop_medicine(
        &self,
        medicine_id: i64,
        stopped_on: String,
    ) -> Result<MedicineRecord, NephroError> {
        let stopped_on = parse_date("stopped_on", &stopped_on)?;
        Ok(self
            .call(|s| s.stop_medicine(medicine_id.into(), stopped_on))?
            .into())
    }
}

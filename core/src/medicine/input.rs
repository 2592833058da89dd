//! Any medicine (clinical-rules §12, "Any medicine") as a shell enters and reads it: a known
//! medicine by its id, dates as `YYYY-MM-DD` text and times as `HH:MM`, each refused naming its
//! own field (`name.known`, `schedule.times[0]`, `schedule.days.dates[1]` …). A stored medicine
//! reads back in the same shape, with the dose the family reads.

use crate::dates::{format_date, parse_clock_time, parse_date};
use crate::error::Result;
use crate::ids::{GlobalId, MedicineId, PatientId};
use crate::medicine::known::KnownMedicine;
use crate::medicine::liquid::LiquidInput;
use crate::medicine::record::{
    Medicine, MedicineAmount, MedicineDays, MedicineName, MedicineSchedule, NewMedicine,
};
use crate::model::MedicationId;

/// What a medicine is called: one of the app's list, or a name typed in as prescribed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MedicineScheduleInput {
    /// Local times of day, `HH:MM`, one per dose (none for a medicine given as needed).
    pub times: Vec<String>,
    /// The dosing days.
    pub days: MedicineDaysInput,
    /// The first day, `YYYY-MM-DD`.
    pub start_date: String,
    /// The last day, `YYYY-MM-DD`, if there is one (not with `course_days`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub end_date: Option<String>,
    /// The course's length in days, the start day included (not with `end_date`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub course_days: Option<u32>,
}

/// A medicine to add (clinical-rules §12, "Any medicine").
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewMedicineInput {
    /// The patient's id.
    pub patient_id: PatientId,
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

impl NewMedicineInput {
    /// The medicine to add (the diary checks the amount and schedule, naming each field).
    pub fn parse(self) -> Result<NewMedicine> {
        let name = match self.name {
            MedicineNameInput::Known { id } => {
                MedicineName::Known(KnownMedicine::parse("name.known", &id)?)
            }
            MedicineNameInput::Typed { name } => MedicineName::Typed(name),
        };
        let amount = match self.amount {
            MedicineAmountInput::Tablets { strength_mg, units } => {
                MedicineAmount::Tablets { strength_mg, units }
            }
            MedicineAmountInput::Liquid { mg, liquid } => MedicineAmount::Liquid {
                mg,
                liquid: liquid.into(),
            },
            MedicineAmountInput::Infusion { mg } => MedicineAmount::Infusion { mg },
        };
        let s = self.schedule;
        let days = match s.days {
            MedicineDaysInput::EveryDay => MedicineDays::EveryDay,
            MedicineDaysInput::AlternateDays => MedicineDays::AlternateDays,
            MedicineDaysInput::EveryNDays { n } => MedicineDays::EveryNDays(n),
            MedicineDaysInput::AsNeeded => MedicineDays::AsNeeded,
            MedicineDaysInput::Dates { dates } => MedicineDays::Dates(
                (dates.iter().enumerate())
                    .map(|(i, d)| parse_date(&format!("schedule.days.dates[{i}]"), d))
                    .collect::<Result<_>>()?,
            ),
        };
        let schedule = MedicineSchedule {
            times: (s.times.iter().enumerate())
                .map(|(i, t)| parse_clock_time(&format!("schedule.times[{i}]"), t))
                .collect::<Result<_>>()?,
            days,
            start_date: parse_date("schedule.start_date", &s.start_date)?,
            end_date: (s.end_date.as_deref())
                .map(|d| parse_date("schedule.end_date", d))
                .transpose()?,
            course_days: s.course_days,
        };
        Ok(NewMedicine {
            patient_id: self.patient_id,
            client_id: self.client_id,
            name,
            form: self.form,
            amount,
            schedule,
            added_by: self.added_by,
        })
    }
}

impl From<NewMedicine> for NewMedicineInput {
    fn from(p: NewMedicine) -> Self {
        let s = p.schedule;
        NewMedicineInput {
            patient_id: p.patient_id,
            client_id: p.client_id,
            name: match p.name {
                MedicineName::Known(k) => MedicineNameInput::Known {
                    id: k.id().to_string(),
                },
                MedicineName::Typed(name) => MedicineNameInput::Typed { name },
            },
            form: p.form,
            amount: match p.amount {
                MedicineAmount::Tablets { strength_mg, units } => {
                    MedicineAmountInput::Tablets { strength_mg, units }
                }
                MedicineAmount::Liquid { mg, liquid } => MedicineAmountInput::Liquid {
                    mg,
                    liquid: liquid.into(),
                },
                MedicineAmount::Infusion { mg } => MedicineAmountInput::Infusion { mg },
            },
            schedule: MedicineScheduleInput {
                times: s
                    .times
                    .iter()
                    .map(|t| t.format("%H:%M").to_string())
                    .collect(),
                days: match s.days {
                    MedicineDays::EveryDay => MedicineDaysInput::EveryDay,
                    MedicineDays::AlternateDays => MedicineDaysInput::AlternateDays,
                    MedicineDays::EveryNDays(n) => MedicineDaysInput::EveryNDays { n },
                    MedicineDays::AsNeeded => MedicineDaysInput::AsNeeded,
                    MedicineDays::Dates(dates) => MedicineDaysInput::Dates {
                        dates: dates.into_iter().map(format_date).collect(),
                    },
                },
                start_date: format_date(s.start_date),
                end_date: s.end_date.map(format_date),
                course_days: s.course_days,
            },
            added_by: p.added_by,
        }
    }
}

/// A stored medicine.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MedicineRecord {
    /// Row id.
    pub id: MedicineId,
    /// Its id in dose logs and reminders: `medicine-<id>`.
    pub medication_id: MedicationId,
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
    pub global_id: GlobalId,
}

impl From<Medicine> for MedicineRecord {
    fn from(m: Medicine) -> Self {
        MedicineRecord {
            id: m.id,
            medication_id: m.medication_id(),
            is_steroid: (m.prescription.name.known()).is_some_and(KnownMedicine::is_steroid),
            prescription: m.prescription.into(),
            dose_mg: m.dose.mg,
            dose_ml: m.dose.ml,
            dose_text: m.dose.text(),
            stopped_on: m.stopped_on.map(format_date),
            global_id: m.global_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medicine::liquid::Liquid;
    use crate::medicine::record::MedicineDose;
    use crate::test_support::refused_field;
    use crate::test_support::{date, time};

    fn liquid_course() -> NewMedicineInput {
        NewMedicineInput {
            patient_id: PatientId::from(1),
            client_id: "add-1".into(),
            name: MedicineNameInput::Known {
                id: "prednisolone".into(),
            },
            form: "oral solution".into(),
            amount: MedicineAmountInput::Liquid {
                mg: 12.0,
                liquid: LiquidInput {
                    concentration_mg_per_ml: 5.0,
                    syringe_step_ml: Some(0.1),
                },
            },
            schedule: MedicineScheduleInput {
                times: vec!["08:00".into()],
                days: MedicineDaysInput::Dates {
                    dates: vec!["2025-06-01".into(), "2025-06-03".into()],
                },
                start_date: "2025-06-01".into(),
                end_date: Some("2025-06-03".into()),
                course_days: None,
            },
            added_by: "nephrologist".into(),
        }
    }

    #[test]
    fn a_medicine_reads_its_name_dates_and_times_and_reads_back_as_entered() {
        let new = liquid_course().parse().unwrap();
        assert_eq!(new.name, MedicineName::Known(KnownMedicine::Prednisolone));
        assert_eq!(new.schedule.times, vec![time("08:00")]);
        assert_eq!(
            new.schedule.days,
            MedicineDays::Dates(vec![date("2025-06-01"), date("2025-06-03")])
        );
        assert!(
            matches!(new.amount, MedicineAmount::Liquid { liquid, .. } if liquid == Liquid::new(5.0))
        );
        assert_eq!(NewMedicineInput::from(new), liquid_course());
    }

    #[test]
    fn each_bad_part_is_refused_under_its_own_name() {
        type Spoil = (&'static str, fn(&mut NewMedicineInput));
        let cases: [Spoil; 5] = [
            ("name.known", |m| {
                m.name = MedicineNameInput::Known {
                    id: "aspirin-ish".into(),
                }
            }),
            ("schedule.times[0]", |m| {
                m.schedule.times = vec!["8 am".into()]
            }),
            ("schedule.days.dates[1]", |m| {
                m.schedule.days = MedicineDaysInput::Dates {
                    dates: vec!["2025-06-01".into(), "2025-06-31".into()],
                }
            }),
            ("schedule.start_date", |m| {
                m.schedule.start_date = String::new()
            }),
            ("schedule.end_date", |m| {
                m.schedule.end_date = Some("soon".into())
            }),
        ];
        for (field, spoil) in cases {
            let mut bad = liquid_course();
            spoil(&mut bad);
            assert_eq!(refused_field(bad.parse()), field);
        }
    }

    #[test]
    fn a_stored_medicine_shows_its_dose_its_id_and_whether_it_is_a_steroid() {
        let stored = Medicine {
            id: MedicineId::from(4),
            global_id: GlobalId::new_at(1_748_736_000_000),
            prescription: liquid_course().parse().unwrap(),
            dose: MedicineDose {
                mg: 12.0,
                ml: Some(2.4),
            },
            stopped_on: Some(date("2025-06-02")),
        };
        let shown = MedicineRecord::from(stored);
        assert_eq!(shown.medication_id.to_string(), "medicine-4");
        assert_eq!(shown.dose_text, "2.4 mL (12 mg)");
        // Clinical-rules §12: prednisolone is one of the listed glucocorticoids.
        assert!(shown.is_steroid);
        assert_eq!(shown.stopped_on.as_deref(), Some("2025-06-02"));
        let typed = NewMedicineInput {
            name: MedicineNameInput::Typed {
                name: "Vitamin D drops".into(),
            },
            ..liquid_course()
        };
        let stored = Medicine {
            id: MedicineId::from(5),
            global_id: GlobalId::new_at(1_748_736_000_000),
            prescription: typed.parse().unwrap(),
            dose: MedicineDose { mg: 12.0, ml: None },
            stopped_on: None,
        };
        assert!(!MedicineRecord::from(stored).is_steroid);
    }
}

//! A medicine of any kind with any schedule (clinical-rules §12, "Any medicine"): a name as
//! prescribed (from the app's list or typed in), a form, an amount per dose (tablets, or a liquid
//! measured with an oral syringe) and a schedule — times of day on every day, alternate days,
//! every N days or listed dates, from a start to an optional end or for a course length; or as
//! needed (logged, never reminded). No range check for a medicine the app does not know.
//!
//! Everything here is pure: [`NewMedicine::validate`] refuses bad input naming the field, and
//! [`Medicine::schedule`] gives the schedule the reminder, status and adherence engines read.

use crate::ids::{MedicineId, PatientId};
use chrono::{NaiveDate, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::known::KnownMedicine;
use super::liquid::Liquid;
use crate::error::{Error, Result};
use crate::locale::Locale;
use crate::model::{require_storable_date, require_text, MedicationId};
use crate::numeric::clean;
use crate::schedule::{DayPattern, MedicationSchedule};

/// The longest name a family may type for a medicine, in characters.
pub const MAX_MEDICINE_NAME_CHARS: usize = 200;
/// The longest form ("oral solution", "tablet"), in characters.
pub const MAX_FORM_CHARS: usize = 100;
/// The most dosing times a day.
pub const MAX_TIMES_PER_DAY: usize = 12;
/// The most listed dates a schedule may hold (ten years of days).
pub const MAX_LISTED_DATES: usize = 3653;
/// The longest interval of an every-N-days schedule, in days.
pub const MAX_INTERVAL_DAYS: u32 = 366;
/// The longest course, in days (ten years).
pub const MAX_COURSE_DAYS: u32 = 3653;
/// The largest single dose accepted, in mg (a hard bound of clinical-rules §10: no oral dose of
/// a child comes near it; a slip of a finger does).
pub const MAX_DOSE_MG: f64 = 10_000.0;
/// The most tablets (or capsules) in one dose.
pub const MAX_UNITS_PER_DOSE: f64 = 20.0;

/// What a medicine is called: one the app knows, or a name typed in as prescribed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicineName {
    /// Chosen from the app's list.
    Known(KnownMedicine),
    /// Typed in by the family or the care team (never a steroid, never range-checked).
    Typed(String),
}

impl MedicineName {
    /// The name as the family reads it.
    pub fn text(&self, locale: Locale) -> String {
        match self {
            MedicineName::Known(m) => m.name(locale).to_string(),
            MedicineName::Typed(name) => name.clone(),
        }
    }

    /// The known medicine, if it is one.
    pub fn known(&self) -> Option<KnownMedicine> {
        match self {
            MedicineName::Known(m) => Some(*m),
            MedicineName::Typed(_) => None,
        }
    }
}

/// How much one dose is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicineAmount {
    /// Whole or half tablets (or capsules) of one strength: `units` × `strength_mg` mg a dose.
    Tablets {
        /// mg in one tablet.
        strength_mg: f64,
        /// Tablets per dose, in halves (0.5, 1, 1.5 …).
        units: f64,
    },
    /// A liquid measured with an oral syringe (clinical-rules §12, "Liquids"): the prescribed mg
    /// is measured to the syringe's graduation.
    Liquid {
        /// The prescribed mg a dose.
        mg: f64,
        /// The liquid's concentration and the syringe's graduation.
        liquid: Liquid,
    },
    /// An infusion given in hospital (clinical-rules §12: rituximab, 375 mg/m² per infusion
    /// being the usual dose): the mg of one infusion as prescribed by the care team. A medicine
    /// given as an infusion is logged when it was given and never reminded.
    Infusion {
        /// mg given in one infusion.
        mg: f64,
    },
}

/// On which days a medicine is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicineDays {
    /// Every day.
    EveryDay,
    /// The start date and every second day after it.
    AlternateDays,
    /// The start date and every `n`-th day after it (n from 2 to 366).
    EveryNDays(u32),
    /// Exactly these dates.
    Dates(Vec<NaiveDate>),
    /// Only when needed: logged, never reminded, no dose status or adherence.
    AsNeeded,
}

/// When a medicine is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicineSchedule {
    /// Local times of day, one per dose (none for a medicine given as needed).
    pub times: Vec<NaiveTime>,
    /// The dosing days.
    pub days: MedicineDays,
    /// The first day.
    pub start_date: NaiveDate,
    /// The last day, if there is one (not with `course_days`).
    pub end_date: Option<NaiveDate>,
    /// The course's length in days, the start day included (not with `end_date`).
    pub course_days: Option<u32>,
}

impl MedicineSchedule {
    /// The last day: the end date, or the start plus the course length less one day.
    pub fn last_day(&self) -> Option<NaiveDate> {
        match (self.end_date, self.course_days) {
            (Some(end), _) => Some(end),
            (None, Some(days)) => self
                .start_date
                .checked_add_signed(TimeDelta::days(i64::from(days) - 1)),
            (None, None) => None,
        }
    }
}

/// A medicine as prescribed, before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMedicine {
    /// The patient's row id.
    pub patient_id: PatientId,
    /// The client's id of the request: adding the same id again returns the stored medicine.
    pub client_id: String,
    /// The medicine's name.
    pub name: MedicineName,
    /// The pharmaceutical form, e.g. `tablet` or `oral solution`.
    pub form: String,
    /// How much one dose is.
    pub amount: MedicineAmount,
    /// When it is given.
    pub schedule: MedicineSchedule,
    /// Who added it (a role such as `mother` or `nephrologist`).
    pub added_by: String,
}

/// The dose a medicine's amount gives: mg, and for a liquid the mL to draw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedicineDose {
    /// mg actually given a dose (a liquid's volume × concentration).
    pub mg: f64,
    /// mL to draw a dose, for a liquid.
    pub ml: Option<f64>,
}

impl MedicineDose {
    /// What the family reads: "2.4 mL (12 mg)" for a liquid, "5 mg" for tablets.
    pub fn text(&self) -> String {
        match self.ml {
            Some(ml) => format!("{} mL ({} mg)", clean(ml), clean(self.mg)),
            None => format!("{} mg", clean(self.mg)),
        }
    }
}

impl MedicineAmount {
    /// Checks the amount and gives its dose, naming the field (`amount.…`) of bad input: a
    /// strength, tablet count or mg that is not a number, 0 or beyond the hard bounds; a liquid's
    /// concentration or graduation outside its bounds (clinical-rules §12); a graduation larger
    /// than the dose's volume. A liquid dose that rounding moves by more than 10 % is
    /// [`Error::NotMeasurable`] ("ask your pharmacist for a different strength").
    pub fn dose(&self) -> Result<MedicineDose> {
        match *self {
            MedicineAmount::Tablets { strength_mg, units } => {
                positive("amount.strength_mg", strength_mg, MAX_DOSE_MG)?;
                positive("amount.units", units, MAX_UNITS_PER_DOSE)?;
                if (units * 2.0).fract() != 0.0 {
                    return Err(Error::invalid(
                        "amount.units",
                        "must be a whole or half number of tablets",
                    ));
                }
                let mg = clean(strength_mg * units);
                positive("amount.strength_mg", mg, MAX_DOSE_MG)?;
                Ok(MedicineDose { mg, ml: None })
            }
            MedicineAmount::Liquid { mg, liquid } => {
                positive("amount.mg", mg, MAX_DOSE_MG)?;
                liquid.validate("amount.liquid")?;
                let requested_ml = mg / liquid.concentration_mg_per_ml;
                // The syringe cannot measure a dose smaller than one of its marks: the field at
                // fault is the graduation (the family can use a finer syringe).
                if liquid.syringe_step_ml > requested_ml * (1.0 + crate::numeric::TIE_EPSILON) {
                    return Err(Error::invalid(
                        "amount.liquid.syringe_step_ml",
                        "one mark of the syringe is more than the dose's volume; use a syringe with finer marks",
                    ));
                }
                let measured = liquid.measure(mg)?;
                Ok(MedicineDose {
                    mg: measured.mg,
                    ml: Some(measured.ml),
                })
            }
            MedicineAmount::Infusion { mg } => {
                positive("amount.mg", mg, MAX_DOSE_MG)?;
                Ok(MedicineDose {
                    mg: clean(mg),
                    ml: None,
                })
            }
        }
    }
}

fn positive(field: &str, value: f64, max: f64) -> Result<()> {
    if !value.is_finite() || value <= 0.0 || value > max {
        return Err(Error::invalid(
            field,
            format!("must be a number above 0 and at most {max}"),
        ));
    }
    Ok(())
}

impl NewMedicine {
    /// Refuses bad input naming the field: an empty, over-long (more than
    /// [`MAX_MEDICINE_NAME_CHARS`]) or control-character name; an empty or over-long form; a bad
    /// amount ([`MedicineAmount::dose`]); a schedule with no dosing time (unless as needed), with
    /// times given as needed, with no listed date, an end before the start, both an end and a
    /// course length, or an interval or course out of bounds. An infusion given in hospital
    /// (clinical-rules §12) is never reminded: rituximab must have an infusion amount
    /// (`amount`), and an infusion must be given as needed (`schedule.times` when reminder times
    /// are set, else `schedule.days`). Gives the dose of the amount.
    pub fn validate(&self) -> Result<MedicineDose> {
        require_text("client_id", &self.client_id, 200)?;
        if let MedicineName::Typed(name) = &self.name {
            require_text("name", name, MAX_MEDICINE_NAME_CHARS)?;
        }
        require_text("form", &self.form, MAX_FORM_CHARS)?;
        require_text("added_by", &self.added_by, 100)?;
        let is_infusion = matches!(self.amount, MedicineAmount::Infusion { .. });
        if self
            .name
            .known()
            .is_some_and(KnownMedicine::is_infusion_only)
            && !is_infusion
        {
            return Err(Error::invalid(
                "amount",
                "must be an infusion's mg: this medicine is given as an infusion in hospital",
            ));
        }
        let dose = self.amount.dose()?;
        if is_infusion && !self.schedule.times.is_empty() {
            return Err(Error::invalid(
                "schedule.times",
                "must be empty for an infusion given in hospital (it is never reminded)",
            ));
        }
        if is_infusion && self.schedule.days != MedicineDays::AsNeeded {
            return Err(Error::invalid(
                "schedule.days",
                "must be as needed for an infusion given in hospital (it is logged when given)",
            ));
        }
        self.schedule.validate()?;
        Ok(dose)
    }
}

impl MedicineSchedule {
    /// See [`NewMedicine::validate`]; fields are named `schedule.…`.
    pub fn validate(&self) -> Result<()> {
        require_storable_date("schedule.start_date", self.start_date)?;
        let as_needed = self.days == MedicineDays::AsNeeded;
        if as_needed && !self.times.is_empty() {
            return Err(Error::invalid(
                "schedule.times",
                "must be empty for a medicine given as needed (it is never reminded)",
            ));
        }
        if !as_needed && self.times.is_empty() {
            return Err(Error::invalid(
                "schedule.times",
                "must hold at least one time of day (or choose as needed)",
            ));
        }
        if self.times.len() > MAX_TIMES_PER_DAY {
            return Err(Error::invalid(
                "schedule.times",
                format!("must hold at most {MAX_TIMES_PER_DAY} times"),
            ));
        }
        let mut distinct = self.times.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != self.times.len() {
            return Err(Error::invalid("schedule.times", "must not repeat a time"));
        }
        match &self.days {
            MedicineDays::EveryNDays(n) if !(2..=MAX_INTERVAL_DAYS).contains(n) => {
                return Err(Error::invalid(
                    "schedule.days.every_n_days",
                    format!("must be between 2 and {MAX_INTERVAL_DAYS} days"),
                ));
            }
            MedicineDays::Dates(dates) => {
                if dates.is_empty() {
                    return Err(Error::invalid(
                        "schedule.days.dates",
                        "must hold at least one date",
                    ));
                }
                if dates.len() > MAX_LISTED_DATES {
                    return Err(Error::invalid(
                        "schedule.days.dates",
                        format!("must hold at most {MAX_LISTED_DATES} dates"),
                    ));
                }
                for (i, date) in dates.iter().enumerate() {
                    require_storable_date(&format!("schedule.days.dates[{i}]"), *date)?;
                    if *date < self.start_date {
                        return Err(Error::invalid(
                            format!("schedule.days.dates[{i}]"),
                            "must not be before the start date",
                        ));
                    }
                }
            }
            _ => {}
        }
        if let Some(end) = self.end_date {
            require_storable_date("schedule.end_date", end)?;
            if end < self.start_date {
                return Err(Error::invalid(
                    "schedule.end_date",
                    "must not be before the start date",
                ));
            }
            if self.course_days.is_some() {
                return Err(Error::invalid(
                    "schedule.course_days",
                    "give an end date or a course length, not both",
                ));
            }
        }
        if let Some(days) = self.course_days {
            if !(1..=MAX_COURSE_DAYS).contains(&days) {
                return Err(Error::invalid(
                    "schedule.course_days",
                    format!("must be between 1 and {MAX_COURSE_DAYS} days"),
                ));
            }
            if let Some(last) = self.last_day() {
                require_storable_date("schedule.course_days", last)?;
            }
        }
        Ok(())
    }
}

/// A stored medicine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medicine {
    /// Row id.
    pub id: MedicineId,
    /// Its globally unique id ([`crate::ids::GlobalId`]).
    pub global_id: crate::ids::GlobalId,
    /// The medicine as prescribed.
    pub prescription: NewMedicine,
    /// The dose its amount gives (measured for a liquid).
    pub dose: MedicineDose,
    /// The day it was stopped, if it was: no dose after it.
    pub stopped_on: Option<NaiveDate>,
}

impl Medicine {
    /// Its id in dose logs, reminders and policies: `medicine-<id>`.
    pub fn medication_id(&self) -> MedicationId {
        MedicationId::Medicine(self.id)
    }

    /// The last day a dose is given: the schedule's last day or the day before it was stopped,
    /// whichever comes first.
    pub fn last_day(&self) -> Option<NaiveDate> {
        let stopped = self.stopped_on.and_then(|d| d.pred_opt());
        match (self.prescription.schedule.last_day(), stopped) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the medicine is given as needed (no reminders, status or adherence).
    pub fn as_needed(&self) -> bool {
        self.prescription.schedule.days == MedicineDays::AsNeeded
    }

    /// The schedule the reminder, status and adherence engines read (clinical-rules §7), or none
    /// for a medicine given as needed.
    pub fn schedule(&self) -> Option<MedicationSchedule> {
        let s = &self.prescription.schedule;
        let days = match &s.days {
            MedicineDays::AsNeeded => return None,
            MedicineDays::EveryDay => DayPattern::Daily,
            MedicineDays::AlternateDays => DayPattern::EveryNDaysFrom(s.start_date, 2),
            MedicineDays::EveryNDays(n) => DayPattern::EveryNDaysFrom(s.start_date, *n),
            MedicineDays::Dates(dates) => DayPattern::Dates(dates.clone()),
        };
        let mut schedule =
            MedicationSchedule::new(self.medication_id().to_string(), s.times.clone(), days);
        schedule.start = Some(s.start_date);
        schedule.end = self.last_day();
        Some(schedule)
    }

    /// Whether a dose is scheduled at this local date and time (stop and course included).
    pub fn has_slot(&self, date: NaiveDate, time: NaiveTime) -> bool {
        self.schedule()
            .is_some_and(|s| s.times.contains(&time) && s.is_dosing_day(date))
    }

    /// Whether a dose may be logged on this local date: a scheduled one, or for a medicine given
    /// as needed any day from its start to its last day.
    pub fn accepts_log(&self, date: NaiveDate, time: NaiveTime) -> bool {
        if self.as_needed() {
            let s = &self.prescription.schedule;
            return s.start_date <= date && self.last_day().is_none_or(|last| date <= last);
        }
        self.has_slot(date, time)
    }

    /// The prednisolone-equivalent mg of one dose, for a glucocorticoid of the app's list; none
    /// for every other medicine, a typed-in name above all (clinical-rules §12, "Which medicines
    /// are steroids"; BNF, corticosteroid equivalent anti-inflammatory doses).
    pub fn prednisolone_equivalent_mg(&self) -> Option<f64> {
        let per_prednisolone_mg = self.prescription.name.known()?.mg_per_prednisolone_mg()?;
        Some(clean(self.dose.mg / per_prednisolone_mg))
    }

    /// The planned (date, prednisolone-equivalent mg) of each dosing day in `[from, to]`, for a
    /// glucocorticoid given on a schedule (clinical-rules §4 exposure with §12); empty for any
    /// other medicine and for one given as needed (nothing is planned; its taken doses count).
    pub fn planned_steroid_mg(&self, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, f64)> {
        let (Some(mg), Some(schedule)) = (self.prednisolone_equivalent_mg(), self.schedule())
        else {
            return Vec::new();
        };
        let first = from.max(self.prescription.schedule.start_date);
        let last = self.last_day().map_or(to, |last| to.min(last));
        let doses = schedule.doses_per_day() as f64;
        first
            .iter_days()
            .take_while(|day| *day <= last)
            .filter(|day| schedule.is_dosing_day(*day))
            .map(|day| (day, clean(mg * doses)))
            .collect()
    }

    /// The first and last dosing day on or before `through` of a glucocorticoid of the app's
    /// list given on a schedule, in tablets or liquid: steroid therapy for §6 steroid dependence
    /// ("onset during steroid therapy or within D days of stopping it"; clinical-rules §12,
    /// "Which medicines are steroids"). None for any other medicine (a typed-in name above all),
    /// for one given as needed, and when no dosing day falls on or before `through`. An
    /// open-ended medicine is steroid therapy through `through` (the diary passes today, as a
    /// course until remission is shown continuing through today).
    pub fn steroid_span(&self, through: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        self.prednisolone_equivalent_mg()?;
        let schedule = self.schedule()?;
        let first_allowed = self.prescription.schedule.start_date;
        let last_allowed = self.last_day().map_or(through, |last| last.min(through));
        if last_allowed < first_allowed {
            return None;
        }
        if let MedicineDays::Dates(dates) = &self.prescription.schedule.days {
            let listed = || {
                dates
                    .iter()
                    .copied()
                    .filter(|d| (first_allowed..=last_allowed).contains(d))
            };
            return Some((listed().min()?, listed().max()?));
        }
        // Every day, alternate days or every N days (N ≤ 366): a dosing day is within N days
        // of either end.
        let first = first_allowed
            .iter_days()
            .take(367)
            .take_while(|d| *d <= last_allowed)
            .find(|d| schedule.is_dosing_day(*d))?;
        let last = (0..367u64)
            .filter_map(|back| last_allowed.checked_sub_days(chrono::Days::new(back)))
            .take_while(|d| *d >= first)
            .find(|d| schedule.is_dosing_day(*d))
            .unwrap_or(first);
        Some((first, last))
    }

    /// Whether each dose is an infusion given in hospital (clinical-rules §12), logged as an
    /// event with its mg and shown on the report's timeline.
    pub fn is_infusion(&self) -> bool {
        matches!(self.prescription.amount, MedicineAmount::Infusion { .. })
    }

    /// What the family calls a dose: "Enalapril 2.5 mg", "Prednisolone 2.4 mL (12 mg)".
    pub fn label(&self, locale: Locale) -> String {
        format!(
            "{} {}",
            self.prescription.name.text(locale),
            self.dose.text()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    pub(crate) fn enalapril() -> NewMedicine {
        NewMedicine {
            patient_id: PatientId::from(1),
            client_id: "m1".into(),
            name: MedicineName::Known(KnownMedicine::Enalapril),
            form: "tablet".into(),
            amount: MedicineAmount::Tablets {
                strength_mg: 2.5,
                units: 1.0,
            },
            schedule: MedicineSchedule {
                times: vec![t("08:00")],
                days: MedicineDays::EveryDay,
                start_date: d("2025-06-01"),
                end_date: None,
                course_days: None,
            },
            added_by: "nephrologist".into(),
        }
    }

    fn field(result: Result<MedicineDose>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    fn liquid(mg: f64, concentration: f64, step: f64) -> MedicineAmount {
        MedicineAmount::Liquid {
            mg,
            liquid: Liquid {
                concentration_mg_per_ml: concentration,
                syringe_step_ml: step,
            },
        }
    }

    #[test]
    fn a_liquid_dose_is_measured_and_read_in_millilitres_then_milligrams() {
        let mut m = enalapril();
        m.name = MedicineName::Known(KnownMedicine::Prednisolone);
        m.amount = liquid(12.0, 5.0, 0.1);
        let dose = m.validate().unwrap();
        assert_eq!((dose.ml, dose.mg), (Some(2.4), 12.0));
        assert_eq!(dose.text(), "2.4 mL (12 mg)");
        assert_eq!(enalapril().validate().unwrap().text(), "2.5 mg");
    }

    #[test]
    fn bad_liquids_name_their_field() {
        let mut m = enalapril();
        for bad in [0.0, f64::NAN, 1e9] {
            m.amount = liquid(10.0, bad, 0.1);
            assert_eq!(field(m.validate()), "amount.liquid.concentration_mg_per_ml");
        }
        // 1 mg of 5 mg/mL is 0.2 mL: a 0.5 mL syringe's one mark is more than the dose.
        m.amount = liquid(1.0, 5.0, 0.5);
        assert_eq!(field(m.validate()), "amount.liquid.syringe_step_ml");
        // Exactly one mark is measurable.
        m.amount = liquid(2.5, 5.0, 0.5);
        assert_eq!(m.validate().unwrap().ml, Some(0.5));
        // A rounding that moves the dose by more than 10 % stays not measurable.
        m.amount = liquid(7.5, 5.0, 1.0);
        assert_eq!(m.validate().unwrap_err().code(), "not_measurable");
        for bad in [0.0, -1.0, f64::NAN, 1e9] {
            m.amount = liquid(bad, 5.0, 0.1);
            assert_eq!(field(m.validate()), "amount.mg");
        }
    }

    #[test]
    fn bad_tablets_name_their_field() {
        let mut m = enalapril();
        m.amount = MedicineAmount::Tablets {
            strength_mg: f64::NAN,
            units: 1.0,
        };
        assert_eq!(field(m.validate()), "amount.strength_mg");
        for units in [0.0, 0.3, 21.0] {
            m.amount = MedicineAmount::Tablets {
                strength_mg: 5.0,
                units,
            };
            assert_eq!(field(m.validate()), "amount.units");
        }
    }

    #[test]
    fn names_are_bounded() {
        let mut m = enalapril();
        m.name = MedicineName::Typed("x".repeat(10_000));
        assert_eq!(field(m.validate()), "name");
        m.name = MedicineName::Typed(" ".into());
        assert_eq!(field(m.validate()), "name");
        m.name = MedicineName::Typed("é".repeat(MAX_MEDICINE_NAME_CHARS));
        assert!(m.validate().is_ok(), "200 characters, not bytes");
    }

    #[test]
    fn a_medicine_needs_a_schedule() {
        let mut m = enalapril();
        m.schedule.times.clear();
        assert_eq!(field(m.validate()), "schedule.times");
        m.schedule.days = MedicineDays::AsNeeded;
        assert!(m.validate().is_ok(), "as needed has no times");
        m.schedule.times = vec![t("08:00")];
        assert_eq!(field(m.validate()), "schedule.times");
        let mut m = enalapril();
        m.schedule.days = MedicineDays::Dates(vec![]);
        assert_eq!(field(m.validate()), "schedule.days.dates");
        m.schedule.days = MedicineDays::Dates(vec![d("2025-05-31")]);
        assert_eq!(field(m.validate()), "schedule.days.dates[0]");
        m.schedule.days = MedicineDays::EveryNDays(1);
        assert_eq!(field(m.validate()), "schedule.days.every_n_days");
        m.schedule.days = MedicineDays::EveryDay;
        m.schedule.end_date = Some(d("2025-05-31"));
        assert_eq!(field(m.validate()), "schedule.end_date");
        m.schedule.end_date = Some(d("2025-06-30"));
        m.schedule.course_days = Some(10);
        assert_eq!(field(m.validate()), "schedule.course_days");
        m.schedule.end_date = None;
        m.schedule.course_days = Some(0);
        assert_eq!(field(m.validate()), "schedule.course_days");
        m.schedule.times = vec![t("08:00"), t("08:00")];
        m.schedule.course_days = None;
        assert_eq!(field(m.validate()), "schedule.times");
    }

    /// Rituximab as the care team enters it: 375 mg/m² of a 1.2 m² child, as needed.
    pub(crate) fn rituximab() -> NewMedicine {
        let mut m = enalapril();
        m.client_id = "rituximab".into();
        m.name = MedicineName::Known(KnownMedicine::Rituximab);
        m.form = "intravenous infusion".into();
        m.amount = MedicineAmount::Infusion { mg: 450.0 };
        m.schedule.times.clear();
        m.schedule.days = MedicineDays::AsNeeded;
        m
    }

    #[test]
    fn rituximab_is_an_infusion_that_is_never_reminded() {
        let m = rituximab();
        assert_eq!(m.validate().unwrap().text(), "450 mg");
        let stored = stored(m.clone());
        assert!(stored.is_infusion() && stored.as_needed());
        assert_eq!(stored.schedule(), None, "no reminder, status or adherence");
        assert!(stored.accepts_log(d("2025-07-01"), t("10:42")));

        // Reminder times are refused naming the field, with or without a dosing pattern.
        let mut timed = m.clone();
        timed.schedule.times = vec![t("08:00")];
        assert_eq!(field(timed.validate()), "schedule.times");
        timed.schedule.days = MedicineDays::EveryDay;
        assert_eq!(field(timed.validate()), "schedule.times");
        let mut listed = m.clone();
        listed.schedule.days = MedicineDays::Dates(vec![d("2025-06-15")]);
        assert_eq!(field(listed.validate()), "schedule.days");

        // Rituximab in tablets is no rituximab; an infusion's mg is bounded like any dose.
        let mut tablets = m.clone();
        tablets.amount = MedicineAmount::Tablets {
            strength_mg: 500.0,
            units: 1.0,
        };
        assert_eq!(field(tablets.validate()), "amount");
        for bad in [0.0, -375.0, f64::NAN, f64::INFINITY, 1e9] {
            let mut wrong = m.clone();
            wrong.amount = MedicineAmount::Infusion { mg: bad };
            assert_eq!(field(wrong.validate()), "amount.mg", "{bad}");
        }

        // Another medicine may be given as an infusion too, under the same rule.
        let mut pulse = m.clone();
        pulse.name = MedicineName::Known(KnownMedicine::Cyclophosphamide);
        assert!(pulse.validate().is_ok());
        pulse.schedule.times = vec![t("09:00")];
        assert_eq!(field(pulse.validate()), "schedule.times");
    }

    fn stored(new: NewMedicine) -> Medicine {
        let dose = new.validate().unwrap();
        Medicine {
            id: MedicineId::from(4),
            global_id: Default::default(),
            prescription: new,
            dose,
            stopped_on: None,
        }
    }

    #[test]
    fn schedules_give_their_dosing_days() {
        let mut m = enalapril();
        m.schedule.days = MedicineDays::EveryNDays(3);
        m.schedule.course_days = Some(7);
        let med = stored(m);
        let s = med.schedule().unwrap();
        assert_eq!(s.id, "medicine-4");
        let days: Vec<bool> = (0..9)
            .map(|i| s.is_dosing_day(d("2025-06-01") + TimeDelta::days(i)))
            .collect();
        // 1, 4 and 7 June; the course's 7 days end on 7 June.
        assert_eq!(
            days,
            [true, false, false, true, false, false, true, false, false]
        );
        let mut alt = enalapril();
        alt.schedule.days = MedicineDays::AlternateDays;
        let alt = stored(alt).schedule().unwrap();
        assert!(alt.is_dosing_day(d("2025-06-03")) && !alt.is_dosing_day(d("2025-06-02")));
        assert!(!alt.is_dosing_day(d("2025-05-30")), "none before the start");
    }

    #[test]
    fn only_the_listed_glucocorticoids_count_in_prednisolone_equivalent_mg() {
        let with = |name: MedicineName, mg: f64| {
            let mut m = enalapril();
            m.name = name;
            m.amount = MedicineAmount::Tablets {
                strength_mg: mg,
                units: 1.0,
            };
            stored(m).prednisolone_equivalent_mg()
        };
        let known = |k: KnownMedicine, mg: f64| with(MedicineName::Known(k), mg);
        // BNF: prednisolone 5 = prednisone 5 = methylprednisolone 4 = deflazacort 6 =
        // hydrocortisone 20 = dexamethasone 0.75 mg.
        assert_eq!(known(KnownMedicine::Prednisolone, 5.0), Some(5.0));
        assert_eq!(known(KnownMedicine::Prednisone, 5.0), Some(5.0));
        assert_eq!(known(KnownMedicine::Methylprednisolone, 4.0), Some(5.0));
        assert_eq!(known(KnownMedicine::Deflazacort, 6.0), Some(5.0));
        assert_eq!(known(KnownMedicine::Hydrocortisone, 20.0), Some(5.0));
        assert_eq!(known(KnownMedicine::Dexamethasone, 0.75), Some(5.0));
        assert_eq!(known(KnownMedicine::Enalapril, 5.0), None);
        assert_eq!(known(KnownMedicine::Tacrolimus, 1.0), None);
        assert_eq!(
            with(MedicineName::Typed("Prednisolone".into()), 5.0),
            None,
            "a typed-in name never counts, whatever it says"
        );
    }

    #[test]
    fn a_liquid_steroid_is_planned_on_its_dosing_days() {
        let mut m = enalapril();
        m.name = MedicineName::Known(KnownMedicine::Prednisolone);
        m.amount = liquid(12.0, 5.0, 0.1);
        m.schedule.times = vec![t("08:00"), t("20:00")];
        m.schedule.days = MedicineDays::AlternateDays;
        m.schedule.course_days = Some(5);
        let planned = stored(m).planned_steroid_mg(d("2025-05-01"), d("2025-12-31"));
        assert_eq!(
            planned,
            [
                (d("2025-06-01"), 24.0),
                (d("2025-06-03"), 24.0),
                (d("2025-06-05"), 24.0)
            ]
        );
        assert!(stored(enalapril())
            .planned_steroid_mg(d("2025-06-01"), d("2025-06-30"))
            .is_empty());
    }

    #[test]
    fn a_listed_glucocorticoid_on_a_schedule_is_steroid_therapy_from_its_first_to_its_last_dose() {
        let mut m = enalapril();
        m.name = MedicineName::Known(KnownMedicine::Prednisolone);
        m.amount = liquid(12.0, 5.0, 0.1);
        m.schedule.days = MedicineDays::AlternateDays;
        m.schedule.course_days = Some(6);
        // 06-01, 06-03, 06-05: the sixth day (06-06) is not a dosing day.
        let med = stored(m.clone());
        assert_eq!(
            med.steroid_span(d("2025-12-31")),
            Some((d("2025-06-01"), d("2025-06-05")))
        );
        // Through a date inside the course: its last dosing day on or before that date.
        assert_eq!(
            med.steroid_span(d("2025-06-04")),
            Some((d("2025-06-01"), d("2025-06-03")))
        );
        assert_eq!(med.steroid_span(d("2025-05-31")), None);
        // Stopped on 06-03: the last dose was 06-01.
        let mut stopped = stored(m.clone());
        stopped.stopped_on = Some(d("2025-06-03"));
        assert_eq!(
            stopped.steroid_span(d("2025-12-31")),
            Some((d("2025-06-01"), d("2025-06-01")))
        );
        // Listed dates.
        let mut listed = m.clone();
        listed.schedule.days = MedicineDays::Dates(vec![d("2025-06-02"), d("2025-06-04")]);
        listed.schedule.course_days = None;
        assert_eq!(
            stored(listed).steroid_span(d("2025-12-31")),
            Some((d("2025-06-02"), d("2025-06-04")))
        );
        // A typed-in name, a medicine that is not a steroid, or one given as needed never is.
        let mut typed = m.clone();
        typed.name = MedicineName::Typed("Prednisolone".into());
        assert_eq!(stored(typed).steroid_span(d("2025-12-31")), None);
        assert_eq!(stored(enalapril()).steroid_span(d("2025-12-31")), None);
        let mut prn = m;
        prn.schedule.days = MedicineDays::AsNeeded;
        prn.schedule.times.clear();
        prn.schedule.course_days = None;
        assert_eq!(stored(prn).steroid_span(d("2025-12-31")), None);
    }

    #[test]
    fn a_stopped_medicine_has_no_dose_from_its_stop_day() {
        let mut med = stored(enalapril());
        med.stopped_on = Some(d("2025-06-10"));
        assert!(med.has_slot(d("2025-06-09"), t("08:00")));
        assert!(!med.has_slot(d("2025-06-10"), t("08:00")));
        assert!(!med.has_slot(d("2025-06-09"), t("09:00")));
        let mut prn = enalapril();
        prn.schedule.days = MedicineDays::AsNeeded;
        prn.schedule.times.clear();
        let prn = stored(prn);
        assert!(prn.schedule().is_none(), "never reminded");
        assert!(prn.accepts_log(d("2025-06-02"), t("13:17")));
        assert!(!prn.accepts_log(d("2025-05-31"), t("13:17")));
    }
}

//! [`DiarySnapshot`]: everything an export shows, gathered once from the store and the
//! application services. Renderers read nothing else.

use crate::ids::{MedicineId, PatientId, RegimenId};
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::deidentify::{self, Deidentify};
use super::ExportOptions;
use crate::dates::parse_time_zone;
use crate::diary;
use crate::diary::labs::GrowthPoint;
use crate::diary::LoggedDoses;
use crate::dipstick::PhotoSuggestion;
use crate::dose::{DoseRate, UnitCount};
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::labs::{
    convert_value, AlertKind, LabKind, LabUnit, LevelTarget, LevelTargets, TargetFlag, TargetPhase,
    TroughValidity,
};
use crate::locale::Locale;
use crate::medicine::known::KnownMedicine;
use crate::medicine::record::{MedicineDays, MedicineName};
use crate::model::{DoseOutcome, MedicationId, Sex};
use crate::protein::{daily_levels, DayLevel, ProteinLevel, UrineMeasurement, UrineReading};
use crate::relapse::{DefinitionSet, RelapseEpisode, ReportedState};
use crate::schedule::adherence::{AdherenceSummary, CalendarDay, MAX_RANGE_DAYS};
use crate::schedule::local_date;
use crate::store::{Store, UnreadableRow};
use crate::taper::{CourseTemplate, Exposure, Tablets};

/// Everything an export shows. Dates are the patient's local dates; instants are local times
/// with their UTC offset. After [`deidentify::apply`] every date is shifted, instants are local
/// clock times in UTC notation, and the identifying fields are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiarySnapshot {
    /// When the export was made; `None` when de-identified (a shifted generation time would give
    /// the shift away against the real day of the export).
    pub generated_at: Option<DateTime<Utc>>,
    /// Language of the texts.
    pub locale: Locale,
    /// The patient's local date when the export was made; when de-identified, the (shifted) last
    /// date of the period, as of which the export is made.
    pub today: NaiveDate,
    /// First date of the exported period (inclusive).
    pub from: NaiveDate,
    /// Last date of the exported period (inclusive).
    pub to: NaiveDate,
    /// First date of the calendar file's schedule.
    pub schedule_from: NaiveDate,
    /// Last date of the calendar file's schedule; `None`: open-ended.
    pub schedule_to: Option<NaiveDate>,
    /// The de-identification applied, if any.
    pub deidentified: Option<Deidentify>,
    /// The patient's time zone (offsets of instants; the calendar file's zone).
    pub time_zone: Tz,
    /// The patient.
    pub patient: PatientView,
    /// Regimens and steroid courses, in creation order (regimens first).
    pub medications: Vec<MedicationView>,
    /// Logged doses in the period (undone logs left out), in slot order.
    pub doses: Vec<DoseView>,
    /// The infusions given in hospital in the period (clinical-rules §12: rituximab), by date:
    /// markers on the proteinuria timeline and lines of the report.
    pub infusions: Vec<InfusionView>,
    /// Urine readings in the period (retracted ones left out), in time order.
    pub urine: Vec<UrineView>,
    /// One protein level per day with a reading (clinical-rules §5).
    pub day_levels: Vec<DayLevel>,
    /// Relapse state and episodes (clinical-rules §6), as of the end of the period.
    pub relapse: RelapseView,
    /// Laboratory results in the period (retracted ones left out), in draw order.
    pub labs: Vec<LabView>,
    /// The drug-level targets in force.
    pub targets: LevelTargets,
    /// The treatment phase whose targets are in force (named beside a target band).
    pub target_phase: TargetPhase,
    /// Weights and heights in the period.
    pub growth: Vec<GrowthPoint>,
    /// Blood pressures in the period.
    pub blood_pressures: Vec<BloodPressureView>,
    /// Every day of every steroid course calendar (days off included), by course then date.
    pub steroid_days: Vec<SteroidDayView>,
    /// Every steroid dose (dosing time of a dosing day), by course then date and time.
    pub steroid_slots: Vec<SteroidSlotView>,
    /// Adherence over the period (at most its last 10 years).
    pub adherence: AdherenceView,
    /// Cumulative steroid over the period.
    pub cumulative_steroid: SteroidExposureView,
    /// What needs the care team's attention, newest first.
    pub alerts: Vec<AlertView>,
    /// Parts of the period a section could not cover, for the manifest.
    pub limits: Vec<Limit>,
    /// Stored records of the patient that could not be read and are not in the export
    /// (clinical-rules §10; [`Store::unreadable_rows`]); the manifest says how many.
    pub unreadable: Vec<UnreadableRow>,
    /// Records of the period withdrawn by the family (an undone dose, a retracted reading or
    /// lab result), as they were last stored: a FHIR transaction sends them as
    /// `entered-in-error`, so a server that loaded them before marks them so. Every other
    /// format leaves them out. Empty when de-identified.
    pub withdrawn: Vec<WithdrawnView>,
}

/// A record the family withdrew: still named, so a receiving system can mark it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WithdrawnView {
    /// An undone dose log.
    Dose(DoseView),
    /// A retracted urine reading.
    Urine(UrineView),
    /// A retracted lab result (no assessment: a withdrawn result is not judged).
    Lab(LabView),
}

/// The patient as the export shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientView {
    /// Row id in the diary.
    pub id: i64,
    /// Name; `None` when de-identified.
    pub name: Option<String>,
    /// Date of birth; `None` when de-identified.
    pub birth_date: Option<NaiveDate>,
    /// Age in whole years at the end of the period.
    pub age_years: u32,
    /// Sex.
    pub sex: Sex,
    /// IANA zone name; `None` when de-identified.
    pub time_zone_name: Option<String>,
    /// The relapse definition set of the profile.
    pub definitions: DefinitionSet,
    /// A UUID naming this diary's patient, stable across exports (from the profile's row id
    /// and creation time): the namespace of the record identifiers a FHIR transaction is keyed
    /// by. `None` when de-identified.
    pub record_namespace: Option<String>,
}

/// Whether a medication is a regimen or a steroid course, with what only that kind has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MedicationKind {
    /// A regimen: a fixed dose every day.
    Regimen {
        /// The prescribed rate.
        rate: DoseRate,
        /// Weight the dose was calculated on, kg.
        weight_kg: f64,
        /// mg per dose.
        per_dose_mg: f64,
        /// Actual mg/kg/day after rounding.
        mg_per_kg_per_day: f64,
        /// Units per dose, largest strength first.
        units: Vec<UnitCount>,
        /// Pharmaceutical form, as typed when the regimen was entered; `None` when de-identified
        /// (free text).
        form: Option<String>,
    },
    /// A steroid course: a taper calendar.
    Course {
        /// The template it was made from, if any.
        template: Option<CourseTemplate>,
        /// Version of the course the calendar comes from.
        version: i64,
        /// Tablet strength, mg (not used when the course is given as a liquid).
        tablet_mg: f64,
        /// The oral solution's concentration in mg/mL when the course is given as a liquid
        /// (clinical-rules §12).
        concentration_mg_per_ml: Option<f64>,
        /// Whether the calendar is provisional (an "until remission" phase not yet confirmed).
        provisional: bool,
        /// Total mg of the calendar as known.
        total_mg: f64,
    },
    /// Any other medicine (clinical-rules §12).
    Medicine {
        /// Pharmaceutical form as typed; `None` when de-identified (free text).
        form: Option<String>,
        /// mg a dose (a liquid's measured mg).
        dose_mg: f64,
        /// mL a dose, for a liquid.
        dose_ml: Option<f64>,
        /// The dosing days: every `interval_days` days from the start (1: every day); none for
        /// listed dates or as needed.
        interval_days: Option<u32>,
        /// The listed dosing dates, when the schedule lists them.
        dates: Vec<NaiveDate>,
        /// Given only when needed (never reminded, no calendar event).
        as_needed: bool,
    },
}

/// A regimen or steroid course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicationView {
    /// `regimen-<id>`, `course-<key>` or `medicine-<id>`.
    pub id: MedicationId,
    /// What the medication is.
    pub medicine: ExportedMedicine,
    /// Local dosing times.
    pub times: Vec<NaiveTime>,
    /// First day (a course: its first calendar day).
    pub start: NaiveDate,
    /// Last day, if known (a course: its last calendar day unless provisional).
    pub end: Option<NaiveDate>,
    /// Who prescribed or last changed it; `None` when de-identified.
    pub prescribed_by: Option<String>,
    /// When it was prescribed (a course: when its version was recorded); `None` when
    /// de-identified and after the end of the period.
    pub prescribed_on: Option<NaiveDate>,
    /// Regimen or course details.
    pub kind: MedicationKind,
}

impl MedicationView {
    /// Whether the medication is active (prescribed) on a date.
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        self.start <= date && self.end.is_none_or(|end| date <= end)
    }
}

/// What a medication of an export is (clinical-rules §9, §12): a medicine of the app's list
/// (every regimen and course is one), a name typed in, or, in a de-identified export, "other
/// medicine" in place of a typed-in name (free text may identify the child).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExportedMedicine {
    /// A medicine of the app's list.
    Known(KnownMedicine),
    /// A name typed in as prescribed (identified exports only).
    Typed(String),
    /// A typed-in name left out of a de-identified export.
    Other,
}

impl ExportedMedicine {
    /// The medication of a drug of the dose engine.
    pub fn of_drug(drug: Drug) -> Self {
        ExportedMedicine::Known(KnownMedicine::from_drug(drug))
    }

    /// The drug of the dose engine, if it is one.
    pub fn drug(&self) -> Option<Drug> {
        match self {
            ExportedMedicine::Known(m) => m.drug(),
            _ => None,
        }
    }

    /// The name a reader sees, in the export's language.
    pub fn name(&self, locale: Locale) -> String {
        match self {
            ExportedMedicine::Known(m) => m.name(locale).to_string(),
            ExportedMedicine::Typed(name) => name.clone(),
            ExportedMedicine::Other => crate::messages::text(locale, "medicine-other").to_string(),
        }
    }

    /// The identifier in machine-readable columns: the known medicine's id, the typed-in name,
    /// or `other_medicine`.
    pub fn id(&self) -> String {
        match self {
            ExportedMedicine::Known(m) => m.id().to_string(),
            ExportedMedicine::Typed(name) => name.clone(),
            ExportedMedicine::Other => "other_medicine".to_string(),
        }
    }

    /// The RxNorm ingredient code, where known.
    pub fn rxnorm(&self) -> Option<&'static str> {
        match self {
            ExportedMedicine::Known(m) => m.rxnorm(),
            _ => None,
        }
    }
}

impl From<&MedicineName> for ExportedMedicine {
    fn from(name: &MedicineName) -> Self {
        match name {
            MedicineName::Known(m) => ExportedMedicine::Known(*m),
            MedicineName::Typed(text) => ExportedMedicine::Typed(text.clone()),
        }
    }
}

/// A logged dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseView {
    /// A stable key: the client id, or an ordinal when de-identified.
    pub key: String,
    /// The regimen, course or medicine.
    pub medication: MedicationId,
    /// What the medication is.
    pub medicine: ExportedMedicine,
    /// Local date of the scheduled slot.
    pub slot_date: NaiveDate,
    /// Local time of the scheduled slot.
    pub slot_time: NaiveTime,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was given or skipped, local time with offset.
    pub actual_at: DateTime<FixedOffset>,
    /// mg of the dose, if known.
    pub mg: Option<f64>,
    /// Who logged it; `None` when de-identified.
    pub logged_by: Option<String>,
    /// Revision number (1: never edited).
    pub revision: i64,
    /// The family's note; `None` when de-identified (free text).
    pub note: Option<String>,
}

/// An infusion given in hospital (clinical-rules §12: rituximab, "logged as an event with
/// its dose, never reminded, shown on the report's timeline"): a dose of a medicine given as
/// an infusion that was logged as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InfusionView {
    /// The medicine (`medicine-<id>`).
    pub medication: MedicationId,
    /// What the medicine is.
    pub medicine: ExportedMedicine,
    /// Local date it was given (the logged dose's date).
    pub date: NaiveDate,
    /// mg given.
    pub mg: f64,
    /// Mosteller body surface area on that day (clinical-rules §2: the latest weight and height
    /// on or before it), m²; `None` when no height or no weight was recorded by then.
    pub bsa_m2: Option<f64>,
    /// mg per m² of that body surface area (375 mg/m² is the usual rituximab dose), unrounded.
    pub mg_per_m2: Option<f64>,
}

/// The infusions among the logged doses, each with the body surface area on its day.
/// `infused`: the medicines given as infusions; `growth`: every growth point of the patient,
/// by date (each point's BSA is the one on its date).
fn infusions(
    doses: &[DoseView],
    infused: &[MedicationId],
    growth: &[GrowthPoint],
) -> Vec<InfusionView> {
    let mut infusions: Vec<InfusionView> = doses
        .iter()
        .filter(|d| d.outcome == DoseOutcome::Taken && infused.contains(&d.medication))
        .filter_map(|d| {
            let mg = d.mg?;
            let bsa_m2 = growth
                .iter()
                .rfind(|p| p.date <= d.slot_date)
                .and_then(|p| p.bsa_m2);
            Some(InfusionView {
                medication: d.medication.clone(),
                medicine: d.medicine.clone(),
                date: d.slot_date,
                mg,
                bsa_m2,
                mg_per_m2: bsa_m2.map(|bsa| mg / bsa),
            })
        })
        .collect();
    infusions.sort_by_key(|i| i.date);
    infusions
}

/// A urine reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrineView {
    /// A stable key: the client id, or an ordinal when de-identified.
    pub key: String,
    /// Local date the reading counts for.
    pub taken_on: NaiveDate,
    /// When the sample was taken.
    pub taken_at: DateTime<FixedOffset>,
    /// Dipstick grade or UPCR.
    pub measurement: UrineMeasurement,
    /// Its level (clinical-rules §5).
    pub level: ProteinLevel,
    /// First urine of the morning.
    pub first_morning: bool,
    /// The family's note; `None` when de-identified (free text).
    pub note: Option<String>,
    /// Who logged it; `None` when de-identified.
    pub logged_by: Option<String>,
    /// The core's suggestion when the grade was read from a photo and confirmed by the caregiver
    /// (clinical-rules §13); `measurement` is the confirmed grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoSuggestion>,
}

/// Relapse state and episodes as of the end of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelapseView {
    /// Reported state at the end of the period.
    pub state: ReportedState,
    /// Relapses whose episode overlaps the period, by onset.
    pub episodes: Vec<RelapseEpisode>,
    /// Relapses with onset in the period.
    pub relapses_in_period: usize,
    /// Frequently relapsing under the definition set.
    pub frequently_relapsing: bool,
    /// Steroid dependent under the definition set.
    pub steroid_dependent: bool,
    /// Relapses per patient-year of observation (whole record).
    pub relapse_rate_per_year: Option<f64>,
}

/// A laboratory result with its assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabView {
    /// A stable key: the client id, or an ordinal when de-identified.
    pub key: String,
    /// What was measured.
    pub kind: LabKind,
    /// Value in `unit`.
    pub value: f64,
    /// Unit (UCUM spelling).
    pub unit: LabUnit,
    /// When it was drawn.
    pub drawn_at: DateTime<FixedOffset>,
    /// The laboratory's upper limit of normal, if given.
    pub upper_limit_of_normal: Option<f64>,
    /// Target flag (tacrolimus trough, MPA-AUC).
    pub flag: Option<TargetFlag>,
    /// Trough validity (tacrolimus).
    pub trough: Option<TroughValidity>,
    /// The target compared with.
    pub target: Option<LevelTarget>,
    /// eGFR of a creatinine, mL/min/1.73 m².
    pub egfr: Option<f64>,
    /// Safety alerts raised.
    pub alerts: Vec<LabAlertView>,
}

/// A safety alert on a lab result (clinical-rules §1), with the limit it was judged against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LabAlertView {
    /// Which threshold.
    pub kind: AlertKind,
    /// The limit, in the result's own unit (the ALT or bilirubin 2 × ULN, the creatinine
    /// 1.3 × baseline, the count threshold); `None` for an informational alert or a limit that
    /// has no conversion into the result's unit.
    pub limit: Option<f64>,
}

/// A blood pressure reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BloodPressureView {
    /// When measured.
    pub measured_at: DateTime<FixedOffset>,
    /// Systolic, mm Hg.
    pub systolic_mmhg: f64,
    /// Diastolic, mm Hg.
    pub diastolic_mmhg: f64,
}

/// One day of a steroid course calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SteroidDayView {
    /// The course.
    pub medication: MedicationId,
    /// The drug.
    pub drug: Drug,
    /// The date.
    pub date: NaiveDate,
    /// mg that day (0 on a day off).
    pub mg: f64,
    /// Tablets that day (none for a liquid).
    pub tablets: Tablets,
    /// mL that day, for a course given as a liquid (0 on a day off; clinical-rules §12).
    pub ml: Option<f64>,
    /// Phase number, from 1.
    pub phase: u32,
    /// Whether the day is a guess: an "until remission" phase continuing past today.
    pub provisional: bool,
}

/// One steroid dose of a course calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SteroidSlotView {
    /// The course.
    pub medication: MedicationId,
    /// The drug.
    pub drug: Drug,
    /// Local date.
    pub date: NaiveDate,
    /// Local time.
    pub time: NaiveTime,
    /// mg at this time.
    pub mg: f64,
    /// Tablets at this time (none for a liquid).
    pub tablets: Tablets,
    /// mL at this time, for a course given as a liquid (clinical-rules §12).
    pub ml: Option<f64>,
    /// Whether the dose is a guess (see [`SteroidDayView::provisional`]).
    pub provisional: bool,
}

/// Adherence for one medication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicationAdherenceView {
    /// The medication.
    pub medication: MedicationId,
    /// What the medication is.
    pub medicine: ExportedMedicine,
    /// Counts and rates.
    pub summary: AdherenceSummary,
}

/// Adherence over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdherenceView {
    /// First date counted.
    pub from: NaiveDate,
    /// Last date counted.
    pub to: NaiveDate,
    /// All medications together.
    pub overall: AdherenceSummary,
    /// Per medication.
    pub medications: Vec<MedicationAdherenceView>,
    /// The per-day calendar.
    pub calendar: Vec<CalendarDay>,
}

/// Cumulative steroid over the period (clinical-rules §4: a first-class figure), in mg, mg/kg
/// and mg/m² on the latest weight and height of the period; `None` without a steroid course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SteroidExposureView {
    /// By the course calendars.
    pub planned: Option<Exposure>,
    /// By the steroid doses logged as taken.
    pub taken: Option<Exposure>,
}

/// Something the care team should look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AlertView {
    /// A lab crossed a safety threshold (clinical-rules §1).
    Lab {
        /// Local date drawn.
        drawn_on: NaiveDate,
        /// Which threshold.
        kind: AlertKind,
        /// The lab kind.
        lab: LabKind,
        /// Value and unit as reported.
        value: f64,
        /// Unit.
        unit: LabUnit,
    },
    /// A drug level outside its target, or not drawn as a trough (clinical-rules §1, §8).
    Level {
        /// Local date drawn.
        drawn_on: NaiveDate,
        /// Tacrolimus trough or MPA-AUC.
        lab: LabKind,
        /// Below, above or not a trough.
        flag: TargetFlag,
        /// Value.
        value: f64,
        /// Unit.
        unit: LabUnit,
    },
    /// A dose slot logged on more than one live record, by caregivers on different phones
    /// (clinical-rules §11): twice as taken is a possible double dose; taken and skipped is a
    /// disagreement the family was asked about. Never resolved automatically.
    SlotLoggedTwice {
        /// Local date of the slot.
        slot_date: NaiveDate,
        /// Local time of the slot.
        slot_time: NaiveTime,
        /// The medication.
        medicine: ExportedMedicine,
        /// Live logs of the slot as taken.
        taken: u32,
        /// Live logs of the slot as skipped.
        skipped: u32,
    },
    /// The weight changed enough since a regimen's dose was calculated (clinical-rules §2).
    RecalculateDose {
        /// Date of the latest weight.
        weighed_on: NaiveDate,
        /// The regimen's drug.
        drug: Drug,
        /// Weight change as a fraction of the regimen's weight.
        change_fraction: f64,
    },
}

impl AlertView {
    /// The date the alert is about.
    pub fn date(&self) -> NaiveDate {
        match self {
            AlertView::Lab { drawn_on, .. } | AlertView::Level { drawn_on, .. } => *drawn_on,
            AlertView::RecalculateDose { weighed_on, .. } => *weighed_on,
            AlertView::SlotLoggedTwice { slot_date, .. } => *slot_date,
        }
    }
}

/// The slots of `doses` (live logs) logged more than once with at least one "taken"
/// (clinical-rules §11): the possible double doses and the taken-and-skipped disagreements.
fn slots_logged_twice(doses: &[DoseView]) -> Vec<AlertView> {
    let mut by_slot: BTreeMap<(String, NaiveDate, NaiveTime), (ExportedMedicine, u32, u32)> =
        BTreeMap::new();
    for dose in doses {
        let slot = by_slot
            .entry((dose.medication.to_string(), dose.slot_date, dose.slot_time))
            .or_insert_with(|| (dose.medicine.clone(), 0, 0));
        match dose.outcome {
            DoseOutcome::Taken => slot.1 += 1,
            DoseOutcome::Skipped => slot.2 += 1,
        }
    }
    by_slot
        .into_iter()
        .filter(|(_, (_, taken, skipped))| *taken >= 1 && taken + skipped >= 2)
        .map(
            |((_, slot_date, slot_time), (medicine, taken, skipped))| AlertView::SlotLoggedTwice {
                slot_date,
                slot_time,
                medicine,
                taken,
                skipped,
            },
        )
        .collect()
}

/// A section that does not cover the whole period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Limit {
    /// Adherence counts only the period's last 10 years, from this date.
    AdherenceFrom(NaiveDate),
}

/// The earliest date the store holds (`YYYY-MM-DD` text, years 1–9999).
fn earliest_storable() -> NaiveDate {
    diary::storable(NaiveDate::MIN)
}

impl DiarySnapshot {
    /// Gathers a patient's diary for an export and applies the options: the period, the
    /// locale, and de-identification (applied last, so nothing identifying leaves this call).
    ///
    /// A de-identified period ends [`Deidentify::cutoff_days`] before the end asked for (at the
    /// latest the day of the export), and is as of that end: nothing dated after it is gathered
    /// (see [`deidentify`]'s module doc). Its start, when asked for, must then be at least
    /// [`deidentify::CUTOFF_MAX_DAYS`] days before the end asked for.
    pub fn for_export(
        store: &Store,
        patient_id: PatientId,
        options: &ExportOptions,
    ) -> Result<DiarySnapshot> {
        let mut snapshot =
            DiarySnapshot::gather_as(store, patient_id, options, options.deidentify)?;
        if let Some(deid) = options.deidentify {
            deidentify::apply(&mut snapshot, deid)?;
        }
        Ok(snapshot)
    }

    /// Gathers a patient's diary as it is (not de-identified): see [`DiarySnapshot::for_export`].
    pub fn gather(
        store: &Store,
        patient_id: PatientId,
        options: &ExportOptions,
    ) -> Result<DiarySnapshot> {
        DiarySnapshot::gather_as(store, patient_id, options, None)
    }

    /// Gathers a patient's diary, over the period a de-identification leaves when one is given
    /// (not yet applied).
    fn gather_as(
        store: &Store,
        patient_id: PatientId,
        options: &ExportOptions,
        deid: Option<Deidentify>,
    ) -> Result<DiarySnapshot> {
        // One read transaction: a dose logged meanwhile (the notification extension) is in
        // every part of the export or in none.
        store.in_one_read(|| DiarySnapshot::gather_in_one_read(store, patient_id, options, deid))
    }

    fn gather_in_one_read(
        store: &Store,
        patient_id: PatientId,
        options: &ExportOptions,
        deid: Option<Deidentify>,
    ) -> Result<DiarySnapshot> {
        let patient = store.patient(patient_id)?;
        let zone = parse_time_zone("time_zone", &patient.profile.time_zone)?;
        let real_today = local_date(options.now, zone);
        let (today, to) = match deid {
            None => (real_today, options.to.unwrap_or(real_today)),
            Some(d) => {
                // The end asked for, never after the day of the export, less the cutoff; the
                // export is as of that end.
                let asked = options.to.unwrap_or(real_today).min(real_today);
                let earliest_start = asked
                    .checked_sub_days(Days::new(u64::from(deidentify::CUTOFF_MAX_DAYS)))
                    .unwrap_or(NaiveDate::MIN);
                if options.from.is_some_and(|from| from > earliest_start) {
                    return Err(Error::invalid(
                        "from",
                        "must be at least 69 days before the end of a de-identified export \
                         (its last 14 to 69 days are left out)",
                    ));
                }
                let end = d.period_end(asked)?;
                (end, end)
            }
        };
        if options.from.is_some_and(|from| from > to) {
            return Err(Error::invalid("from", "must not be after to"));
        }
        let local = |at: DateTime<Utc>| at.with_timezone(&zone).fixed_offset();
        let in_any_period =
            |date: NaiveDate| date <= to && options.from.is_none_or(|from| from <= date);

        // Medications: regimens, then the latest version of each steroid course.
        let regimens = store.regimens(patient_id)?;
        // Calendars of the steroid courses; an "until remission" phase not yet confirmed runs on
        // provisionally a few weeks past today (diary::taper).
        let calendars = diary::taper::course_calendars(store, patient_id, today)?;
        let mut medications: Vec<MedicationView> = regimens
            .iter()
            .map(|r| {
                let p = &r.prescription;
                MedicationView {
                    id: MedicationId::Regimen(r.id),
                    medicine: ExportedMedicine::of_drug(p.drug),
                    times: p.times.clone(),
                    start: p.start_date,
                    end: p.end_date,
                    prescribed_by: Some(p.prescribed_by.clone()),
                    prescribed_on: Some(p.prescribed_on),
                    kind: MedicationKind::Regimen {
                        rate: p.rate,
                        weight_kg: r.weight_kg,
                        per_dose_mg: r.dose.per_dose_mg,
                        mg_per_kg_per_day: r.dose.mg_per_kg_per_day,
                        units: r.dose.units.clone(),
                        form: Some(p.form.clone()),
                    },
                }
            })
            .collect();
        let mut steroid_days = Vec::new();
        let mut steroid_slots = Vec::new();
        for c in &calendars {
            let medication = MedicationId::Course(c.course.course_key.clone());
            let drug = c.course.drug;
            let provisional_after = |date: NaiveDate| c.calendar.provisional && date > today;
            let first = c
                .calendar
                .days
                .first()
                .map_or(c.course.plan.start, |d| d.date);
            let last = c.calendar.days.last().map(|d| d.date);
            medications.push(MedicationView {
                id: medication.clone(),
                medicine: ExportedMedicine::of_drug(drug),
                times: c.course.times.clone(),
                start: first,
                end: if c.calendar.provisional { None } else { last },
                prescribed_by: Some(c.course.changed_by.clone()),
                prescribed_on: Some(local_date(
                    DateTime::from_timestamp_millis(c.course.recorded_at_ms).unwrap_or_default(),
                    zone,
                )),
                kind: MedicationKind::Course {
                    template: c.course.template,
                    version: c.course.version,
                    tablet_mg: c.course.plan.tablets.tablet_mg,
                    concentration_mg_per_ml: c
                        .course
                        .plan
                        .liquid
                        .map(|liquid| liquid.concentration_mg_per_ml),
                    provisional: c.calendar.provisional,
                    total_mg: c.calendar.total_mg,
                },
            });
            steroid_days.extend(c.calendar.days.iter().map(|d| SteroidDayView {
                medication: medication.clone(),
                drug,
                date: d.date,
                mg: d.mg,
                tablets: d.tablets,
                ml: d.ml,
                phase: d.phase + 1,
                provisional: provisional_after(d.date),
            }));
            steroid_slots.extend(c.slots().into_iter().map(|s| SteroidSlotView {
                medication: medication.clone(),
                drug,
                date: s.date,
                time: s.time,
                mg: s.mg,
                tablets: s.tablets,
                ml: s.ml,
                provisional: provisional_after(s.date),
            }));
        }

        // Every other medicine (clinical-rules §12), its end the earlier of its schedule's last
        // day and the day before it was stopped.
        let other_medicines = store.medicines(patient_id)?;
        for m in &other_medicines {
            let p = &m.prescription;
            let (interval_days, dates) = match &p.schedule.days {
                MedicineDays::EveryDay => (Some(1), Vec::new()),
                MedicineDays::AlternateDays => (Some(2), Vec::new()),
                MedicineDays::EveryNDays(n) => (Some(*n), Vec::new()),
                MedicineDays::Dates(dates) => (None, dates.clone()),
                MedicineDays::AsNeeded => (None, Vec::new()),
            };
            medications.push(MedicationView {
                id: m.medication_id(),
                medicine: ExportedMedicine::from(&p.name),
                times: p.schedule.times.clone(),
                start: p.schedule.start_date,
                end: m.last_day(),
                prescribed_by: Some(p.added_by.clone()),
                prescribed_on: None,
                kind: MedicationKind::Medicine {
                    form: Some(p.form.clone()),
                    dose_mg: m.dose.mg,
                    dose_ml: m.dose.ml,
                    interval_days,
                    dates,
                    as_needed: m.as_needed(),
                },
            });
        }

        if deid.is_some() {
            // Nothing dated after the end of a de-identified period: medications started later
            // are left out, later ends and calendar days cut, a later version date dropped.
            medications.retain(|m| m.start <= to);
            for m in &mut medications {
                m.end = m.end.filter(|end| *end <= to);
                m.prescribed_on = m.prescribed_on.filter(|date| *date <= to);
            }
            steroid_days
                .retain(|d| d.date <= to && medications.iter().any(|m| m.id == d.medication));
            steroid_slots
                .retain(|s| s.date <= to && medications.iter().any(|m| m.id == s.medication));
        }

        // Doses, with the mg of each (a regimen's fixed dose, a course slot's mg).
        let medicine_of: HashMap<MedicationId, ExportedMedicine> = medications
            .iter()
            .map(|m| (m.id.clone(), m.medicine.clone()))
            .collect();
        let other_mg: HashMap<MedicineId, f64> =
            other_medicines.iter().map(|m| (m.id, m.dose.mg)).collect();
        let regimen_mg: HashMap<RegimenId, f64> = regimens
            .iter()
            .map(|r| (r.id, r.dose.per_dose_mg))
            .collect();
        let course_mg: HashMap<(&MedicationId, NaiveDate, NaiveTime), f64> = steroid_slots
            .iter()
            .map(|s| ((&s.medication, s.date, s.time), s.mg))
            .collect();
        let mut doses = Vec::new();
        // Withdrawn records are named only in an identified export (a transaction marks them).
        let mut withdrawn = Vec::new();
        // The dose log is read once, for the doses, the labs, adherence, steroid exposure and
        // the unreadable rows.
        let (logged, mut unreadable) = LoggedDoses::read_all(store, patient_id)?;
        for entry in logged.all() {
            let d = entry.dose.clone();
            if !in_any_period(d.slot_date) || (entry.undone && deid.is_some()) {
                continue;
            }
            let Some(medicine) = medicine_of.get(&d.medication).cloned() else {
                continue;
            };
            let mg = match &d.medication {
                MedicationId::Regimen(id) => regimen_mg.get(id).copied(),
                MedicationId::Medicine(id) => other_mg.get(id).copied(),
                course => course_mg.get(&(course, d.slot_date, d.slot_time)).copied(),
            };
            let actual = DateTime::from_timestamp_millis(d.actual_at_ms)
                .ok_or_else(|| Error::invalid("actual_at_ms", "is out of range"))?;
            let view = DoseView {
                key: d.client_id,
                medication: d.medication,
                medicine,
                slot_date: d.slot_date,
                slot_time: d.slot_time,
                outcome: d.outcome,
                actual_at: local(actual),
                mg,
                logged_by: Some(d.logged_by),
                revision: entry.revision,
                note: d.note,
            };
            if entry.undone {
                withdrawn.push(WithdrawnView::Dose(view));
            } else {
                doses.push(view);
            }
        }

        // Urine readings and the relapse engine's view, as of the end of the period.
        let mut urine = Vec::new();
        let mut retracted_urine = Vec::new();
        let mut engine_readings: Vec<UrineReading> = Vec::new();
        let readings = if deid.is_some() {
            store.urine_readings(patient_id, earliest_storable(), to)?
        } else {
            store.urine_readings_including_retracted(patient_id, earliest_storable(), to)?
        };
        for entry in readings {
            if !in_any_period(entry.taken_on) {
                continue;
            }
            if !entry.retracted {
                engine_readings.push(entry.engine_reading());
            }
            let taken = DateTime::from_timestamp_millis(entry.taken_at_ms)
                .ok_or_else(|| Error::invalid("taken_at_ms", "is out of range"))?;
            let list = if entry.retracted {
                &mut retracted_urine
            } else {
                &mut urine
            };
            list.push(UrineView {
                key: entry.client_id,
                taken_on: entry.taken_on,
                taken_at: local(taken),
                measurement: entry.measurement,
                level: entry.level,
                first_morning: entry.first_morning,
                note: entry.note,
                logged_by: Some(entry.logged_by),
                photo: entry.photo,
            });
        }
        let day_levels = daily_levels(engine_readings.iter());
        withdrawn.extend(retracted_urine.into_iter().map(WithdrawnView::Urine));
        let status = diary::relapse::relapse_status(store, patient_id, to, options.locale)?;

        // Labs, growth and blood pressure.
        let lab_from = options.from.unwrap_or(earliest_storable());
        let lab_report = diary::labs::lab_report_with(
            store,
            patient_id,
            lab_from,
            to,
            options.locale,
            Some(&logged),
        )?;
        let labs: Vec<LabView> = lab_report
            .lines
            .iter()
            .map(|line| {
                let r = &line.record.result;
                LabView {
                    key: line.record.client_id.clone(),
                    kind: r.kind,
                    value: r.value,
                    unit: r.unit,
                    drawn_at: local(r.drawn_at),
                    upper_limit_of_normal: r.upper_limit_of_normal,
                    flag: line.assessment.flag,
                    trough: line.assessment.trough,
                    target: line.target,
                    egfr: line.assessment.egfr,
                    alerts: line
                        .assessment
                        .alerts
                        .iter()
                        .map(|a| LabAlertView {
                            kind: a.kind,
                            limit: (!a.kind.is_informational())
                                .then(|| {
                                    let from =
                                        LabUnit::ALL.into_iter().find(|u| u.id() == a.unit)?;
                                    convert_value(r.kind, a.threshold, from, r.unit)
                                })
                                .flatten(),
                        })
                        .collect(),
                }
            })
            .collect();
        if deid.is_none() {
            for record in store.lab_results(patient_id, lab_from, to)? {
                if !record.retracted {
                    continue;
                }
                let r = &record.result;
                withdrawn.push(WithdrawnView::Lab(LabView {
                    key: record.client_id.clone(),
                    kind: r.kind,
                    value: r.value,
                    unit: r.unit,
                    drawn_at: local(r.drawn_at),
                    upper_limit_of_normal: r.upper_limit_of_normal,
                    flag: None,
                    trough: None,
                    target: None,
                    egfr: None,
                    alerts: Vec::new(),
                }));
            }
        }
        let growth_all = diary::labs::growth(store, patient_id)?;
        let infused: Vec<MedicationId> = other_medicines
            .iter()
            .filter(|m| m.is_infusion())
            .map(|m| m.medication_id())
            .collect();
        let infusions = infusions(&doses, &infused, &growth_all.points);
        let growth: Vec<GrowthPoint> = growth_all
            .points
            .iter()
            .filter(|p| in_any_period(p.date))
            .cloned()
            .collect();
        let blood_pressures = growth_all
            .blood_pressures
            .iter()
            .filter(|b| in_any_period(local_date(b.reading.measured_at, zone)))
            .map(|b| BloodPressureView {
                measured_at: local(b.reading.measured_at),
                systolic_mmhg: b.reading.systolic_mmhg,
                diastolic_mmhg: b.reading.diastolic_mmhg,
            })
            .collect();

        // The period: as asked, or from the diary's first record.
        let first_record = medications
            .iter()
            .map(|m| m.start)
            .chain(doses.first().map(|d| d.slot_date))
            .chain(urine.first().map(|u| u.taken_on))
            .chain(labs.first().map(|l| l.drawn_at.date_naive()))
            .chain(growth.first().map(|g| g.date))
            .filter(|date| *date <= to)
            .min();
        let from = options.from.unwrap_or(first_record.unwrap_or(to));
        let in_period = |date: NaiveDate| (from..=to).contains(&date);
        // The calendar file: from today on, or the period asked for; a de-identified one is a
        // record of its period, not a plan.
        let (schedule_from, schedule_to) = match deid {
            None => (options.from.unwrap_or(today), options.to),
            Some(_) => (from, Some(to)),
        };

        let episodes: Vec<RelapseEpisode> = status
            .assessment
            .relapses
            .iter()
            .filter(|e| e.onset <= to && e.remission_onset.is_none_or(|end| end >= from))
            .cloned()
            .collect();
        let relapse = RelapseView {
            state: status.assessment.state,
            relapses_in_period: status
                .assessment
                .relapses
                .iter()
                .filter(|e| in_period(e.onset))
                .count(),
            episodes,
            frequently_relapsing: status.assessment.frequently_relapsing,
            steroid_dependent: status.assessment.steroid_dependent,
            relapse_rate_per_year: status.assessment.relapse_rate_per_year,
        };

        // Adherence: the engine counts at most 10 years; the period's last 10 years then.
        let mut limits = Vec::new();
        let earliest_counted = to
            .checked_sub_days(Days::new(MAX_RANGE_DAYS as u64))
            .unwrap_or(from);
        let adherence_from = from.max(earliest_counted);
        if adherence_from > from {
            limits.push(Limit::AdherenceFrom(adherence_from));
        }
        let patient_adherence = diary::reminders::adherence_with(
            store,
            patient_id,
            adherence_from,
            to,
            options.now,
            Some(&logged),
        )?;
        let adherence = AdherenceView {
            from: adherence_from,
            to,
            overall: patient_adherence.report.overall.clone(),
            medications: patient_adherence
                .report
                .medications
                .iter()
                .filter_map(|m| {
                    let medication = MedicationId::parse("medication_id", &m.medication_id).ok()?;
                    let medicine = medicine_of.get(&medication).cloned()?;
                    Some(MedicationAdherenceView {
                        medication,
                        medicine,
                        summary: m.summary.clone(),
                    })
                })
                .collect(),
            calendar: patient_adherence.report.calendar,
        };

        // Cumulative steroid over the period, planned by the calendars and logged as taken
        // (clinical-rules §4), on the latest weight and height of the period (diary::taper).
        let cumulative_steroid = if calendars.is_empty() {
            SteroidExposureView {
                planned: None,
                taken: None,
            }
        } else {
            let exposure = diary::taper::steroid_exposure_with(
                store,
                patient_id,
                None,
                from,
                to,
                today,
                Some(&logged),
            )?;
            SteroidExposureView {
                planned: Some(exposure.planned),
                taken: Some(exposure.taken),
            }
        };

        // Alerts: lab safety thresholds, drug levels off target, recalculate-dose prompts.
        let mut alerts: Vec<AlertView> = Vec::new();
        for lab in &labs {
            let drawn_on = lab.drawn_at.date_naive();
            for alert in &lab.alerts {
                alerts.push(AlertView::Lab {
                    drawn_on,
                    kind: alert.kind,
                    lab: lab.kind,
                    value: lab.value,
                    unit: lab.unit,
                });
            }
            if let Some(flag) = lab.flag.filter(|f| *f != TargetFlag::InRange) {
                alerts.push(AlertView::Level {
                    drawn_on,
                    lab: lab.kind,
                    flag,
                    value: lab.value,
                    unit: lab.unit,
                });
            }
        }
        for prompt in diary::labs::recalculate_prompts(store, patient_id, to)? {
            alerts.push(AlertView::RecalculateDose {
                weighed_on: prompt.weighed_on,
                drug: prompt.drug,
                change_fraction: prompt.prompt.change_fraction,
            });
        }
        alerts.extend(slots_logged_twice(&doses));
        alerts.sort_by_key(|a| std::cmp::Reverse(a.date()));

        unreadable.extend(store.unreadable_rows_but(patient_id, Some("dose_log"))?);
        unreadable.sort();
        let profile = &patient.profile;
        Ok(DiarySnapshot {
            generated_at: Some(options.now),
            locale: options.locale,
            today,
            from,
            to,
            schedule_from,
            schedule_to,
            deidentified: None,
            time_zone: zone,
            patient: PatientView {
                id: patient.id.into(),
                name: Some(profile.display_name.clone()),
                birth_date: Some(profile.birth_date),
                age_years: to.years_since(profile.birth_date).unwrap_or(0),
                sex: profile.sex,
                time_zone_name: Some(profile.time_zone.clone()),
                definitions: status.definitions,
                record_namespace: Some(super::fhir::stable_uuid(&[
                    "nephrodiary/records",
                    &patient.id.to_string(),
                    &store.patient_created_at_ms(patient.id)?.to_string(),
                ])),
            },
            medications,
            doses,
            infusions,
            urine,
            day_levels,
            relapse,
            labs,
            targets: lab_report.settings.targets(),
            target_phase: lab_report.settings.phase,
            growth,
            blood_pressures,
            steroid_days,
            steroid_slots,
            adherence,
            cumulative_steroid,
            alerts,
            limits,
            unreadable,
            withdrawn,
        })
    }
}

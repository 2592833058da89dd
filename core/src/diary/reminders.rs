//! Reminders, today's doses, dose status, snooze, travel and adherence for one patient, computed
//! from the store by the pure engines of [`crate::schedule`] (clinical-rules §7).
//!
//! - The patient's medications: every regimen (`regimen-<id>`, its times, daily from its start to
//!   its end date) and every steroid course (`course-<key>`, the dosing dates of its taper
//!   calendar), each with its dose-window policy.
//! - The zone their times are read in: the profile's time zone, or — with the travel policy
//!   "keep the wall clock" (the default) and a device zone given — the device's current zone.
//! - Handled slots: the live (not undone) dose logs; a taken or skipped dose cancels its reminder.
//!
//! Policy (clinical-rules §7, **policy**), kept in the patient's policy settings
//! ([`crate::store::Store::set_policy_value`]):
//! - `dose_window` — the default [`DoseWindow`] of every medication (grace 60 min, take-window
//!   half the dosing interval); `dose_window.<medication id>` — one medication's window;
//! - `travel_policy` — [`TravelPolicy`] (`"keep_wall_clock"`, the default, or
//!   `"keep_home_instants"`);
//! - `shift_rules` — [`ShiftRules`] of the stepwise travel plan (3 h threshold, 10–14 h).
//!
//! Nothing here reads the clock: `now` is always a parameter.

pub mod records;

use crate::ids::PatientId;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::LoggedDoses;
use crate::dates::{parse_clock_time, parse_date, parse_time_zone};
use crate::diary::taper::course_calendars;
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::locale::Locale;
use crate::medicine::known::KnownMedicine;
use crate::medicine::record::{Medicine, MedicineDose, MedicineName};
use crate::model::{DoseLogEntry, DoseOutcome, MedicationId, Regimen};
use crate::numeric::clean;
use crate::schedule::{
    self, adherence_report, guidance, local_date, reminder_id, reminder_text, scheduled_slots,
    shift_plan, slot_instant, AdherenceReport, DayPattern, DoseStatus, Guidance, LoggedDose,
    LoggedOutcome, MedicationSchedule, NotificationText, PlannedDose, Reminder, ShiftRules,
    TravelPolicy, DEFAULT_GRACE_MINUTES, REMINDER_HORIZON_DAYS,
};
use crate::store::{CourseCalendar, Store};

/// Policy key of the default dose window of every medication (a [`DoseWindow`]).
pub const DOSE_WINDOW_KEY: &str = "dose_window";

/// Policy key of the travel policy (a [`TravelPolicy`]).
pub const TRAVEL_POLICY_KEY: &str = "travel_policy";

/// Policy key of the stepwise shift plan's limits (a [`ShiftRules`]).
pub const SHIFT_RULES_KEY: &str = "shift_rules";

/// The most reminders one call returns. iOS keeps 64 pending notifications
/// ([`schedule::IOS_PENDING_NOTIFICATION_LIMIT`]); a larger count only serves reports.
pub const MAX_REMINDER_COUNT: usize = 1000;

/// The longest grace or take-window a policy may set, in minutes (a day: a window that long
/// already reaches the next day's dose of a once-daily drug).
pub const MAX_WINDOW_MINUTES: u32 = 24 * 60;

/// The policy key of one medication's dose window: `dose_window.<medication id>`.
pub fn dose_window_key(medication: &MedicationId) -> String {
    format!("{DOSE_WINDOW_KEY}.{medication}")
}

pub use crate::dates::instant_from_millis;

/// Parses the phone's current IANA zone, if given, naming `device_time_zone` when it is unknown.
pub fn parse_device_zone(zone: Option<&str>) -> Result<Option<Tz>> {
    zone.map(|name| parse_time_zone("device_time_zone", name))
        .transpose()
}

/// The phone's clock and zone at a call, as a shell sends them with every reminder, dose-status
/// and snooze call: the instant its clock reads and its current zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceClock {
    /// What the phone's clock reads.
    pub now: DateTime<Utc>,
    /// The phone's current IANA zone; `None` at home (the profile's zone).
    pub zone: Option<Tz>,
}

impl DeviceClock {
    /// Reads the phone's clock (`now_ms`, UTC epoch ms) and zone (`device_time_zone`, an IANA
    /// name or none), refusing each naming its own field.
    pub fn read(now_ms: i64, device_time_zone: Option<&str>) -> Result<DeviceClock> {
        Ok(DeviceClock {
            now: instant_from_millis("now_ms", now_ms)?,
            zone: parse_device_zone(device_time_zone)?,
        })
    }
}

/// A medication's dose-status policy (clinical-rules §7, **policy**): the grace after the
/// scheduled instant during which a dose is `due`, and the take-window up to which a late dose
/// may still be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DoseWindow {
    /// Minutes after the scheduled instant during which the dose is `due` (default 60).
    pub grace_minutes: u32,
    /// Minutes after the scheduled instant up to which it is `late` rather than `missed`;
    /// none: half the dosing interval (6 h for twice daily, 12 h once daily).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub take_window_minutes: Option<u32>,
}

impl Default for DoseWindow {
    fn default() -> Self {
        DoseWindow {
            grace_minutes: DEFAULT_GRACE_MINUTES,
            take_window_minutes: None,
        }
    }
}

impl DoseWindow {
    /// Refuses a window longer than a day, an empty take-window, or a take-window shorter than
    /// the grace, naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.grace_minutes > MAX_WINDOW_MINUTES {
            return Err(Error::invalid(
                "grace_minutes",
                "must be at most 1440 (a day)",
            ));
        }
        if let Some(window) = self.take_window_minutes {
            if window == 0 || window > MAX_WINDOW_MINUTES {
                return Err(Error::invalid(
                    "take_window_minutes",
                    "must be between 1 and 1440 (a day)",
                ));
            }
            if window < self.grace_minutes {
                return Err(Error::invalid(
                    "take_window_minutes",
                    "must not be shorter than grace_minutes",
                ));
            }
        }
        Ok(())
    }

    /// Sets the schedule's window. Without a take-window of its own the schedule keeps the one
    /// it came with (a course split per dosing time carries the course's half interval).
    fn apply_to(&self, schedule: &mut MedicationSchedule) {
        schedule.grace_minutes = self.grace_minutes;
        schedule.take_window_minutes = self.take_window_minutes.or(schedule.take_window_minutes);
    }
}

/// A patient's reminder policy as stored, with the documented defaults filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReminderPolicy {
    /// Dosing times after a time-zone change (default: keep the wall clock).
    pub travel: TravelPolicy,
    /// The dose window of every medication without its own.
    pub default_window: DoseWindow,
    /// Medication-specific windows, by medication id.
    pub windows: BTreeMap<String, DoseWindow>,
    /// The stepwise shift plan's limits.
    pub shift_rules: ShiftRules,
}

impl ReminderPolicy {
    /// The window that applies to a medication.
    pub fn window_for(&self, medication_id: &str) -> DoseWindow {
        self.windows
            .get(medication_id)
            .copied()
            .unwrap_or(self.default_window)
    }
}

/// A patient's reminder policy (defaults for every key not set).
pub fn reminder_policy(store: &Store, patient_id: PatientId) -> Result<ReminderPolicy> {
    store.patient(patient_id)?;
    let mut default_window = DoseWindow::default();
    let mut windows = BTreeMap::new();
    for entry in store.policy_entries(patient_id, DOSE_WINDOW_KEY)? {
        let field = format!("policy.{}", entry.key);
        let window: DoseWindow = serde_json::from_value(entry.value)
            .map_err(|_| Error::invalid(&field, "the stored value is not a dose window"))?;
        if entry.key == DOSE_WINDOW_KEY {
            default_window = window;
        } else if let Some(medication) = entry
            .key
            .strip_prefix(DOSE_WINDOW_KEY)
            .and_then(|rest| rest.strip_prefix('.'))
        {
            windows.insert(medication.to_string(), window);
        }
    }
    Ok(ReminderPolicy {
        travel: store
            .policy(patient_id, TRAVEL_POLICY_KEY)?
            .unwrap_or_default(),
        default_window,
        windows,
        shift_rules: store
            .policy(patient_id, SHIFT_RULES_KEY)?
            .unwrap_or_default(),
    })
}

/// Sets the dose window of one medication of the patient, or (`medication` none) the default of
/// every medication. Refused (nothing changes) when the window is invalid for any medication it
/// applies to, e.g. a grace longer than a four-times-daily drug's default take-window.
pub fn set_dose_window(
    store: &mut Store,
    patient_id: PatientId,
    medication: Option<&MedicationId>,
    window: &DoseWindow,
    changed_by: &str,
) -> Result<()> {
    window.validate()?;
    let policy = reminder_policy(store, patient_id)?;
    let medications = medications_by_times(store, patient_id)?;
    let key = match medication {
        Some(id) => {
            let id_text = id.to_string();
            let target = medications
                .iter()
                .find(|m| m.schedule.id == id_text)
                .ok_or_else(|| Error::NotFound {
                    entity: "medication",
                    id: id_text.clone(),
                })?;
            check_window(target, window)?;
            dose_window_key(id)
        }
        None => {
            for m in medications
                .iter()
                .filter(|m| !policy.windows.contains_key(&m.schedule.id))
            {
                check_window(m, window)?;
            }
            DOSE_WINDOW_KEY.to_string()
        }
    };
    store.set_policy(patient_id, &key, window, changed_by)?;
    Ok(())
}

/// Sets the patient's travel policy (clinical-rules §7, **policy**).
pub fn set_travel_policy(
    store: &mut Store,
    patient_id: PatientId,
    policy: TravelPolicy,
    changed_by: &str,
) -> Result<()> {
    store.set_policy(patient_id, TRAVEL_POLICY_KEY, &policy, changed_by)?;
    Ok(())
}

fn check_window(medication: &PatientMedication, window: &DoseWindow) -> Result<()> {
    let mut schedule = medication.schedule.clone();
    window.apply_to(&mut schedule);
    schedule.validate().map_err(|_| {
        Error::invalid(
            "grace_minutes",
            "is longer than this medication's take-window; set a longer take_window_minutes",
        )
    })
}

/// How much one dose of a medication is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseAmount {
    /// The same mg at every dose (a regimen's calculated dose).
    Fixed(f64),
    /// The dose of each slot (a steroid course's taper calendar, its day split across its times;
    /// mL as well for a course given as a liquid), sorted by date and time.
    BySlot(Vec<(NaiveDate, NaiveTime, MedicineDose)>),
    /// The same dose at every slot of a medicine (clinical-rules §12): mg, and mL for a liquid.
    Medicine(MedicineDose),
}

impl DoseAmount {
    /// The mg of the dose of a slot, if known.
    pub fn on(&self, date: NaiveDate, time: NaiveTime) -> Option<f64> {
        self.dose_on(date, time).map(|dose| dose.mg)
    }

    /// The dose of a slot (mg, and mL for a liquid), if known.
    pub fn dose_on(&self, date: NaiveDate, time: NaiveTime) -> Option<MedicineDose> {
        match self {
            DoseAmount::Fixed(mg) => Some(MedicineDose { mg: *mg, ml: None }),
            DoseAmount::Medicine(dose) => Some(*dose),
            DoseAmount::BySlot(slots) => slots
                .binary_search_by_key(&(date, time), |(d, t, _)| (*d, *t))
                .ok()
                .and_then(|i| slots.get(i))
                .map(|(_, _, dose)| *dose),
        }
    }
}

/// One medication of a patient, as reminders, dose status and adherence see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientMedication {
    /// The regimen, steroid course or medicine.
    pub medication: MedicationId,
    /// The drug, for a regimen, a course or a medicine the dose engine knows.
    pub drug: Option<Drug>,
    /// What the medicine is called.
    pub name: MedicineName,
    /// How much each dose is.
    pub amount: DoseAmount,
    /// When it is given, with its dose-window policy applied; `schedule.id` is the medication
    /// id's text (`regimen-3`, `course-abc`).
    pub schedule: MedicationSchedule,
}

impl PatientMedication {
    /// A regimen's medication: its times every day from its start date to its end date, at its
    /// calculated dose, with the default dose window.
    pub fn from_regimen(regimen: &Regimen) -> Self {
        let medication = MedicationId::Regimen(regimen.id);
        let p = &regimen.prescription;
        let mut schedule =
            MedicationSchedule::new(medication.to_string(), p.times.clone(), DayPattern::Daily);
        schedule.start = Some(p.start_date);
        schedule.end = p.end_date;
        PatientMedication {
            medication,
            drug: Some(p.drug),
            name: MedicineName::Known(KnownMedicine::from_drug(p.drug)),
            amount: DoseAmount::Fixed(regimen.dose.per_dose_mg),
            schedule,
        }
    }

    /// Any other medicine (clinical-rules §12): its schedule, or for a medicine given as needed
    /// one with no dosing time (never reminded, no status or adherence; logs are still checked
    /// against its take-window).
    pub fn from_medicine(medicine: &Medicine) -> Self {
        let medication = medicine.medication_id();
        let schedule = medicine.schedule().unwrap_or_else(|| {
            let mut none =
                MedicationSchedule::new(medication.to_string(), Vec::new(), DayPattern::Daily);
            none.start = Some(medicine.prescription.schedule.start_date);
            none.end = medicine.last_day();
            none
        });
        PatientMedication {
            medication,
            drug: medicine
                .prescription
                .name
                .known()
                .and_then(KnownMedicine::drug),
            name: medicine.prescription.name.clone(),
            amount: DoseAmount::Medicine(medicine.dose),
            schedule,
        }
    }

    /// What the family calls the dose of a slot: "Tacrolimus 1 mg", "他克莫司 1 mg",
    /// "Prednisolone 2.4 mL (12 mg)".
    pub fn label(&self, date: NaiveDate, time: NaiveTime, locale: Locale) -> String {
        let name = self.name.text(locale);
        match self.amount.dose_on(date, time) {
            Some(dose) => format!("{name} {}", dose.text()),
            None => name,
        }
    }
}

/// The drug's name in the family's language.
pub fn drug_name(drug: Drug, locale: Locale) -> &'static str {
    let id = match drug {
        Drug::Tacrolimus => "drug-tacrolimus",
        Drug::MycophenolateMofetil => "drug-mycophenolate-mofetil",
        Drug::Prednisolone => "drug-prednisolone",
        Drug::Prednisone => "drug-prednisone",
        Drug::Cyclophosphamide => "drug-cyclophosphamide",
        Drug::Ciclosporin => "drug-ciclosporin",
        Drug::Levamisole => "drug-levamisole",
    };
    crate::messages::text(locale, id)
}

/// A drug and its dose as the family knows them: "Tacrolimus 1 mg", "泼尼松龙 12.5 mg"
/// (the name alone when the dose is unknown).
pub fn medication_label(drug: Drug, dose_mg: Option<f64>, locale: Locale) -> String {
    let name = drug_name(drug, locale);
    match dose_mg {
        Some(mg) => format!("{name} {} mg", clean(mg)),
        None => name.to_string(),
    }
}

/// A patient's medications with their policy applied, and the zone their times are read in.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientSchedule {
    /// The profile's time zone.
    pub home_zone: Tz,
    /// The zone dosing times are read in now (see [`schedule::reminder_zone`]).
    pub zone: Tz,
    /// The policy in force.
    pub policy: ReminderPolicy,
    /// Every regimen and steroid course, ended ones included (their date ranges end them).
    pub medications: Vec<PatientMedication>,
}

impl PatientSchedule {
    /// The schedules alone, in the same order as [`PatientSchedule::medications`].
    pub fn schedules(&self) -> Vec<MedicationSchedule> {
        self.medications
            .iter()
            .map(|m| m.schedule.clone())
            .collect()
    }

    /// A medication by its id's text (the first entry, for a course split per dosing time: they
    /// share the drug and the doses).
    pub fn medication(&self, medication_id: &str) -> Option<&PatientMedication> {
        self.medications
            .iter()
            .find(|m| m.schedule.id == medication_id)
    }
}

/// Loads a patient's medications and policy at `now`. `device_zone` is the phone's current zone
/// (none: the phone is at home): with the travel policy "keep the wall clock" the times are read
/// in it, with "keep home instants" in the profile's zone (clinical-rules §7, **policy**).
pub fn patient_schedule(
    store: &Store,
    patient_id: PatientId,
    now: DateTime<Utc>,
    device_zone: Option<Tz>,
) -> Result<PatientSchedule> {
    let patient = store.patient(patient_id)?;
    let home_zone = parse_time_zone("time_zone", &patient.profile.time_zone)?;
    let policy = reminder_policy(store, patient_id)?;
    let zone = device_zone.map_or(home_zone, |current| {
        schedule::reminder_zone(policy.travel, home_zone, current)
    });
    let mut medications = load_medications(store, patient_id, local_date(now, zone))?;
    for m in &mut medications {
        let window = policy.window_for(&m.schedule.id);
        window.apply_to(&mut m.schedule);
        m.schedule.validate().map_err(|_| {
            Error::invalid(
                format!("policy.{}", dose_window_key(&m.medication)),
                "the dose window does not fit this medication; set a longer take-window",
            )
        })?;
    }
    Ok(PatientSchedule {
        home_zone,
        zone,
        policy,
        medications,
    })
}

/// Every regimen and steroid course of the patient, with the default dose window; `today` is the
/// patient's local date (a course still waiting for remission runs on provisionally past it).
fn load_medications(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
) -> Result<Vec<PatientMedication>> {
    let mut medications: Vec<PatientMedication> = store
        .regimens(patient_id)?
        .iter()
        .map(PatientMedication::from_regimen)
        .collect();
    for calendar in course_calendars(store, patient_id, today)? {
        medications.extend(course_medications(&calendar));
    }
    medications.extend(
        store
            .medicines(patient_id)?
            .iter()
            .map(PatientMedication::from_medicine),
    );
    Ok(medications)
}

/// One entry per regimen and steroid course with its daily times only (the dates do not
/// matter): what a dose-window policy is checked against.
fn medications_by_times(store: &Store, patient_id: PatientId) -> Result<Vec<PatientMedication>> {
    let mut medications: Vec<PatientMedication> = store
        .regimens(patient_id)?
        .iter()
        .map(PatientMedication::from_regimen)
        .collect();
    medications.extend(
        store
            .courses(patient_id)?
            .into_iter()
            .map(|course| PatientMedication {
                schedule: MedicationSchedule::new(
                    course.medication_id(),
                    course.times.clone(),
                    DayPattern::Daily,
                ),
                medication: MedicationId::Course(course.course_key),
                drug: Some(course.drug),
                name: MedicineName::Known(KnownMedicine::from_drug(course.drug)),
                amount: DoseAmount::BySlot(Vec::new()),
            }),
    );
    medications.extend(
        store
            .medicines(patient_id)?
            .iter()
            .map(PatientMedication::from_medicine),
    );
    Ok(medications)
}

/// A steroid course as medications: `course-<key>`, the dosing dates of its calendar and the mg
/// of each dose.
///
/// A course's day is split across its dosing times and a time whose share is 0 mg is not a dose
/// (`CourseCalendar::slots`). When that happens on some day, the course becomes one schedule per
/// dosing time (same id, each with its own dates), so that no reminder, status or adherence
/// count is made for a dose that does not exist; each keeps the course's default take-window
/// (half its dosing interval).
fn course_medications(calendar: &CourseCalendar) -> Vec<PatientMedication> {
    let course = &calendar.course;
    let slots = calendar.slots();
    let amount: Vec<(NaiveDate, NaiveTime, MedicineDose)> =
        slots.iter().map(|s| (s.date, s.time, s.dose())).collect();
    let medication = |schedule: MedicationSchedule| PatientMedication {
        medication: MedicationId::Course(course.course_key.clone()),
        drug: Some(course.drug),
        name: MedicineName::Known(KnownMedicine::from_drug(course.drug)),
        amount: DoseAmount::BySlot(amount.clone()),
        schedule,
    };
    let dates = calendar.calendar.dosing_dates();
    let every_time_every_day = slots.len() == dates.len() * course.times.len();
    if slots.is_empty() {
        return Vec::new();
    }
    if every_time_every_day {
        let schedule = MedicationSchedule::new(
            course.medication_id(),
            course.times.clone(),
            DayPattern::Dates(dates),
        );
        return vec![medication(schedule)];
    }
    let whole = MedicationSchedule::new(
        course.medication_id(),
        course.times.clone(),
        DayPattern::Daily,
    );
    let take_window = u32::try_from(whole.take_window().num_minutes()).ok();
    let mut times = course.times.clone();
    times.sort_unstable();
    times.dedup();
    times
        .into_iter()
        .filter_map(|time| {
            let dates: Vec<NaiveDate> = slots
                .iter()
                .filter(|s| s.time == time)
                .map(|s| s.date)
                .collect();
            (!dates.is_empty()).then(|| {
                let mut schedule = MedicationSchedule::new(
                    course.medication_id(),
                    vec![time],
                    DayPattern::Dates(dates),
                );
                schedule.take_window_minutes = take_window;
                medication(schedule)
            })
        })
        .collect()
}

/// The reminder ids of every slot with a live (not undone) log, taken or skipped, with slot
/// dates in `[from, to]`.
fn handled_slots(
    store: &Store,
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashSet<String>> {
    Ok(store
        .dose_logs(patient_id, from, to)?
        .iter()
        .filter(|entry| !entry.undone)
        .map(slot_id)
        .collect())
}

fn slot_id(entry: &DoseLogEntry) -> String {
    reminder_id(
        &entry.dose.medication.to_string(),
        entry.dose.slot_date,
        entry.dose.slot_time,
    )
}

/// A reminder with what the phone's notification shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReminderNotice {
    /// The slot and when the notification fires; `reminder.id` is the notification's stable id.
    pub reminder: Reminder,
    /// The regimen, course or medicine.
    pub medication: MedicationId,
    /// The drug, if the dose engine knows it (none for most medicines of clinical-rules §12).
    pub drug: Option<Drug>,
    /// mg of this dose, if known.
    pub dose_mg: Option<f64>,
    /// mL to draw for this dose, for a liquid (clinical-rules §12).
    pub dose_ml: Option<f64>,
    /// Title and body in the family's language.
    pub text: NotificationText,
}

/// A dose reminder as the phone keeps it pending: one local notification, flat (the slot,
/// the instants, the dose and the text side by side) for the shells' notification centres.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReminderNotification {
    /// Stable id `"{medication_id}@{YYYY-MM-DD}T{HH:MM}"`: use it as the notification's id.
    pub id: String,
    /// The medication: `regimen-<id>`, `course-<key>` or `medicine-<id>` (as in `log_dose`).
    pub medication_id: String,
    /// The drug, when the dose engine knows it (none for most medicines added with
    /// `add_medicine`; the title names every medicine).
    pub drug: Option<Drug>,
    /// mg of this dose, if known.
    pub dose_mg: Option<f64>,
    /// mL to draw for this dose, for a liquid (clinical-rules §12).
    pub dose_ml: Option<f64>,
    /// Local date of the slot, `YYYY-MM-DD` (log the dose with it).
    pub slot_date: NaiveDate,
    /// Local time of the slot, `HH:MM` (log the dose with it).
    pub slot_time: NaiveTime,
    /// When the notification fires (across the FFI: UTC epoch ms).
    pub fire_at_ms: DateTime<Utc>,
    /// The same instant on the local clock, RFC 3339 with its offset.
    pub fire_at_local: DateTime<FixedOffset>,
    /// Notification title in the family's language.
    pub title: String,
    /// Notification body in the family's language.
    pub body: String,
    /// Whether this is a snoozed reminder (the shell schedules and keeps it).
    pub snoozed: bool,
}

impl ReminderNotice {
    /// The notification the phone keeps pending for this reminder; `snoozed` marks one made by
    /// a snooze.
    pub fn into_notification(self, snoozed: bool) -> ReminderNotification {
        let (reminder, text) = (self.reminder, self.text);
        ReminderNotification {
            id: reminder.id,
            medication_id: reminder.medication_id,
            drug: self.drug,
            dose_mg: self.dose_mg,
            dose_ml: self.dose_ml,
            slot_date: reminder.slot_date,
            slot_time: reminder.slot_time,
            fire_at_ms: reminder.instant_utc,
            fire_at_local: reminder.local,
            title: text.title,
            body: text.body,
            snoozed,
        }
    }
}

fn notice(reminder: Reminder, medication: &PatientMedication, locale: Locale) -> ReminderNotice {
    let label = medication.label(reminder.slot_date, reminder.slot_time, locale);
    ReminderNotice {
        text: reminder_text(&label, reminder.slot_time, locale),
        medication: medication.medication.clone(),
        drug: medication.drug,
        dose_mg: medication.amount.on(reminder.slot_date, reminder.slot_time),
        dose_ml: medication
            .amount
            .dose_on(reminder.slot_date, reminder.slot_time)
            .and_then(|dose| dose.ml),
        reminder,
    }
}

/// The next `count` reminders at or after `now` across all the patient's medications
/// (clinical-rules §7; 64 for the phone's queue, [`schedule::IOS_PENDING_NOTIFICATION_LIMIT`]),
/// with their notification texts. Slots with a live dose log (taken or skipped) have none.
/// Refuses a count of 0 or above [`MAX_REMINDER_COUNT`].
pub fn next_reminders(
    store: &Store,
    patient_id: PatientId,
    now: DateTime<Utc>,
    device_zone: Option<Tz>,
    count: usize,
    locale: Locale,
) -> Result<Vec<ReminderNotice>> {
    if count == 0 || count > MAX_REMINDER_COUNT {
        return Err(Error::invalid("count", "must be between 1 and 1000"));
    }
    // One read: the schedule and the logs it is checked against are of one state of the diary.
    store.in_one_read(|| {
        let plan = patient_schedule(store, patient_id, now, device_zone)?;
        next_reminders_of(store, &plan, patient_id, now, count, locale)
    })
}

/// [`next_reminders`] on a patient schedule already loaded for `now` (the count is checked).
pub(crate) fn next_reminders_of(
    store: &Store,
    plan: &PatientSchedule,
    patient_id: PatientId,
    now: DateTime<Utc>,
    count: usize,
    locale: Locale,
) -> Result<Vec<ReminderNotice>> {
    let today = local_date(now, plan.zone);
    // A slot of yesterday can still be ahead (a DST gap); the engine's horizon bounds the rest.
    let from = today.pred_opt().unwrap_or(today);
    let to = today
        .checked_add_signed(TimeDelta::days(REMINDER_HORIZON_DAYS + 1))
        .unwrap_or(NaiveDate::MAX);
    let handled = handled_slots(store, patient_id, from, to)?;
    let schedules = plan.schedules();
    Ok(
        schedule::next_reminders(&schedules, plan.zone, now, count, &handled)
            .into_iter()
            .filter_map(|r| {
                let medication = plan.medication(&r.medication_id)?;
                Some(notice(r, medication, locale))
            })
            .collect(),
    )
}

/// The next `count` reminders at `clock` ([`next_reminders`], clinical-rules §7) as the
/// notifications a shell schedules.
pub fn next_notifications(
    store: &Store,
    patient_id: PatientId,
    clock: DeviceClock,
    count: u32,
    locale: Locale,
) -> Result<Vec<ReminderNotification>> {
    let notices = next_reminders(
        store,
        patient_id,
        clock.now,
        clock.zone,
        count as usize,
        locale,
    )?;
    Ok(notices
        .into_iter()
        .map(|n| n.into_notification(false))
        .collect())
}

/// A dose slot named by its medication, local date and local time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlotRef {
    /// The regimen or course.
    pub medication: MedicationId,
    /// Local date.
    pub date: NaiveDate,
    /// Local wall-clock time.
    pub time: NaiveTime,
}

impl SlotRef {
    /// The slot's reminder id, `"{medication}@{YYYY-MM-DD}T{HH:MM}"`.
    pub fn reminder_id(&self) -> String {
        reminder_id(&self.medication.to_string(), self.date, self.time)
    }

    /// Parses a reminder id (see [`schedule::reminder_id`]), naming `field` when malformed.
    pub fn parse_reminder_id(field: &str, text: &str) -> Result<SlotRef> {
        let wrong = || {
            Error::invalid(
                field,
                "must be a reminder id written <medication>@YYYY-MM-DDTHH:MM",
            )
        };
        let (medication, slot) = text.rsplit_once('@').ok_or_else(wrong)?;
        let (date, time) = slot.split_once('T').ok_or_else(wrong)?;
        Ok(SlotRef {
            medication: MedicationId::parse(field, medication)?,
            date: parse_date(field, date).map_err(|_| wrong())?,
            time: parse_clock_time(field, time).map_err(|_| wrong())?,
        })
    }
}

/// How a slot was logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SlotLog"))]
pub struct LoggedSlot {
    /// The log's client id (to edit or undo it).
    pub client_id: String,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was given (or the skip decided).
    #[cfg_attr(feature = "uniffi", uniffi(name = "at_ms"))]
    pub at: DateTime<Utc>,
    /// Who logged it.
    pub logged_by: String,
}

/// One dose slot with where it stands at `now` and what to tell the family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DoseSlot {
    /// The slot's stable reminder id.
    pub reminder_id: String,
    /// The regimen, course or medicine.
    #[cfg_attr(feature = "uniffi", uniffi(name = "medication_id"))]
    pub medication: MedicationId,
    /// The drug, if the dose engine knows it (none for most medicines of clinical-rules §12).
    pub drug: Option<Drug>,
    /// mg of this dose, if known.
    pub dose_mg: Option<f64>,
    /// mL to draw for this dose, for a liquid (clinical-rules §12).
    pub dose_ml: Option<f64>,
    /// Drug and dose in the family's language, e.g. "Tacrolimus 1 mg", "Prednisolone 2.4 mL
    /// (12 mg)".
    pub label: String,
    /// Local date of the slot.
    pub slot_date: NaiveDate,
    /// Local wall-clock time of the slot.
    pub slot_time: NaiveTime,
    /// The slot's instant (DST gap: moved forward; overlap: first occurrence).
    #[cfg_attr(feature = "uniffi", uniffi(name = "scheduled_at_ms"))]
    pub scheduled_utc: DateTime<Utc>,
    /// The same instant on the local clock.
    pub scheduled_local: DateTime<FixedOffset>,
    /// Upcoming, due, late or missed at `now`, by the slot's instant and the medication's
    /// dose window (whether or not it was logged).
    pub status: DoseStatus,
    /// A short label for the status in the family's language.
    pub status_label: String,
    /// The live log of the slot, if any. Logged on two phones (clinical-rules §11), the first
    /// "taken" log: the slot counts as given until the family answers.
    pub logged: Option<LoggedSlot>,
    /// Who logged it and when, in the family's language: "Given by Dad at 8:02 pm".
    pub logged_text: Option<String>,
    /// What to tell the family about a dose not logged yet (none once logged).
    pub guidance: Option<Guidance>,
    /// The guidance sentence in the family's language (none once logged).
    pub guidance_text: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn dose_slot(
    medication: &PatientMedication,
    date: NaiveDate,
    time: NaiveTime,
    scheduled: DateTime<Utc>,
    zone: Tz,
    logged: Option<LoggedSlot>,
    now: DateTime<Utc>,
    locale: Locale,
) -> DoseSlot {
    let status = medication.schedule.dose_status(scheduled, now);
    let advice = logged.is_none().then(|| guidance(status));
    DoseSlot {
        reminder_id: reminder_id(&medication.schedule.id, date, time),
        medication: medication.medication.clone(),
        drug: medication.drug,
        dose_mg: medication.amount.on(date, time),
        dose_ml: medication
            .amount
            .dose_on(date, time)
            .and_then(|dose| dose.ml),
        label: medication.label(date, time, locale),
        slot_date: date,
        slot_time: time,
        scheduled_utc: scheduled,
        scheduled_local: scheduled.with_timezone(&zone).fixed_offset(),
        status,
        status_label: status.label(locale).to_string(),
        logged_text: logged.as_ref().map(|log| logged_text(log, zone, locale)),
        logged,
        guidance: advice,
        guidance_text: advice.map(|g| g.text(locale).to_string()),
    }
}

/// "Given by Dad at 8:02 pm" (or skipped), the time on the patient's clock.
fn logged_text(log: &LoggedSlot, zone: Tz, locale: Locale) -> String {
    let time = locale.clock_time(log.at.with_timezone(&zone).time());
    let caregiver = log.logged_by.clone();
    match log.outcome {
        DoseOutcome::Taken => crate::message!(
            locale,
            "shared-given-by",
            caregiver = caregiver,
            time = time
        ),
        DoseOutcome::Skipped => {
            crate::message!(
                locale,
                "shared-skipped-by",
                caregiver = caregiver,
                time = time
            )
        }
    }
}

/// The log a slot shows when several live logs name it (phones that logged it apart,
/// clinical-rules §11): a "taken" log before a "skipped" one (the slot counts as given until the
/// family answers; never prompt a second dose), then the earliest.
fn shown_log(a: LoggedSlot, b: LoggedSlot) -> LoggedSlot {
    let rank = |l: &LoggedSlot| (l.outcome != DoseOutcome::Taken, l.at, l.client_id.clone());
    if rank(&b) < rank(&a) {
        b
    } else {
        a
    }
}

fn logged_slot(entry: &DoseLogEntry) -> LoggedSlot {
    LoggedSlot {
        client_id: entry.dose.client_id.clone(),
        outcome: entry.dose.outcome,
        at: DateTime::<Utc>::from_timestamp_millis(entry.dose.actual_at_ms).unwrap_or_default(),
        logged_by: entry.dose.logged_by.clone(),
    }
}

/// Every dose slot of the patient's local today (in the reminder zone), ordered by instant then
/// medication id, with its status, guidance and log: what the home screen shows.
pub fn today_doses(
    store: &Store,
    patient_id: PatientId,
    now: DateTime<Utc>,
    device_zone: Option<Tz>,
    locale: Locale,
) -> Result<Vec<DoseSlot>> {
    store.in_one_read(|| {
        let plan = patient_schedule(store, patient_id, now, device_zone)?;
        today_doses_of(store, &plan, patient_id, now, locale)
    })
}

/// [`today_doses`] on a patient schedule already loaded for `now`.
pub(crate) fn today_doses_of(
    store: &Store,
    plan: &PatientSchedule,
    patient_id: PatientId,
    now: DateTime<Utc>,
    locale: Locale,
) -> Result<Vec<DoseSlot>> {
    let today = local_date(now, plan.zone);
    let mut logs: HashMap<String, LoggedSlot> = HashMap::new();
    for entry in store.dose_logs(patient_id, today, today)? {
        if entry.undone {
            continue;
        }
        let log = logged_slot(&entry);
        let shown = match logs.remove(&slot_id(&entry)) {
            Some(held) => shown_log(held, log),
            None => log,
        };
        logs.insert(slot_id(&entry), shown);
    }
    let schedules = plan.schedules();
    Ok(scheduled_slots(&schedules, plan.zone, today, today)?
        .into_iter()
        .filter_map(|slot| {
            let medication = plan.medication(&slot.medication_id)?;
            let logged = logs.get(&slot.reminder_id()).cloned();
            Some(dose_slot(
                medication,
                slot.slot_date,
                slot.slot_time,
                slot.instant_utc,
                plan.zone,
                logged,
                now,
                locale,
            ))
        })
        .collect())
}

/// One slot's status at `now`. Refuses a slot the patient's schedule does not have (unknown
/// medication: not found; a date or time it is not given at: invalid, naming `slot_date` or
/// `slot_time`).
pub fn dose_status(
    store: &Store,
    patient_id: PatientId,
    slot: &SlotRef,
    now: DateTime<Utc>,
    device_zone: Option<Tz>,
    locale: Locale,
) -> Result<DoseSlot> {
    store.in_one_read(|| {
        let plan = patient_schedule(store, patient_id, now, device_zone)?;
        dose_status_of(store, &plan, patient_id, slot, now, locale)
    })
}

/// [`dose_status`] on a patient schedule already loaded for `now`.
pub(crate) fn dose_status_of(
    store: &Store,
    plan: &PatientSchedule,
    patient_id: PatientId,
    slot: &SlotRef,
    now: DateTime<Utc>,
    locale: Locale,
) -> Result<DoseSlot> {
    let medication = scheduled_medication(plan, slot)?;
    let logged = store
        .dose_logs(patient_id, slot.date, slot.date)?
        .iter()
        .filter(|entry| {
            !entry.undone
                && entry.dose.medication == slot.medication
                && entry.dose.slot_time == slot.time
        })
        .map(logged_slot)
        .reduce(shown_log);
    let scheduled = slot_instant(slot.date, slot.time, plan.zone);
    Ok(dose_slot(
        medication, slot.date, slot.time, scheduled, plan.zone, logged, now, locale,
    ))
}

/// A slot's scheduled instant and its medication's take-window (clinical-rules §7), at `now`
/// with the phone in `device_zone` (the zone the slot's local date and time are read in, as for
/// reminders): what the dose-timing check of clinical-rules §10 needs
/// ([`schedule::check_log_timing`]). The medication's window is the one of its entry at that
/// time on that day, or of any of its entries (a slot it no longer schedules, e.g. after a course
/// was revised, keeps the medication's window). Refuses a medication the patient does not have.
pub fn slot_timing(
    store: &Store,
    slot: &SlotRef,
    now: DateTime<Utc>,
    device_zone: Option<Tz>,
) -> Result<(DateTime<Utc>, TimeDelta)> {
    let patient_id = store.medication_patient(&slot.medication)?;
    let plan = patient_schedule(store, patient_id, now, device_zone)?;
    let id = slot.medication.to_string();
    let entries: Vec<&PatientMedication> = plan
        .medications
        .iter()
        .filter(|m| m.schedule.id == id)
        .collect();
    let medication = entries
        .iter()
        .find(|m| m.schedule.times.contains(&slot.time) && m.schedule.is_dosing_day(slot.date))
        .or_else(|| entries.first())
        .ok_or(Error::NotFound {
            entity: "medication",
            id,
        })?;
    Ok((
        slot_instant(slot.date, slot.time, plan.zone),
        medication.schedule.take_window(),
    ))
}

fn scheduled_medication<'a>(
    plan: &'a PatientSchedule,
    slot: &SlotRef,
) -> Result<&'a PatientMedication> {
    let id = slot.medication.to_string();
    let entries: Vec<&PatientMedication> = plan
        .medications
        .iter()
        .filter(|m| m.schedule.id == id)
        .collect();
    if entries.is_empty() {
        return Err(Error::NotFound {
            entity: "medication",
            id,
        });
    }
    let at_time: Vec<&PatientMedication> = entries
        .into_iter()
        .filter(|m| m.schedule.times.contains(&slot.time))
        .collect();
    if at_time.is_empty() {
        return Err(Error::invalid(
            "slot_time",
            "is not one of the medication's dosing times",
        ));
    }
    at_time
        .into_iter()
        .find(|m| m.schedule.is_dosing_day(slot.date))
        .ok_or_else(|| {
            Error::invalid(
                "slot_date",
                "the medication is not given on this date at this time",
            )
        })
}

/// Snoozes a slot's reminder by `minutes` from `now`: the same reminder (same id) firing later,
/// never past the end of the slot's take-window (clinical-rules §7). `None` when there is nothing
/// to snooze: the dose is already logged, `minutes` is 0, or the take-window has ended.
#[allow(clippy::too_many_arguments)]
pub fn snooze(
    store: &Store,
    patient_id: PatientId,
    slot: &SlotRef,
    now: DateTime<Utc>,
    minutes: u32,
    device_zone: Option<Tz>,
    locale: Locale,
) -> Result<Option<ReminderNotice>> {
    let plan = patient_schedule(store, patient_id, now, device_zone)?;
    let medication = scheduled_medication(&plan, slot)?;
    let handled = handled_slots(store, patient_id, slot.date, slot.date)?;
    let id = slot.reminder_id();
    if handled.contains(&id) {
        return Ok(None);
    }
    let scheduled = slot_instant(slot.date, slot.time, plan.zone);
    let reminder = Reminder {
        id,
        medication_id: medication.schedule.id.clone(),
        slot_date: slot.date,
        slot_time: slot.time,
        instant_utc: scheduled,
        local: scheduled.with_timezone(&plan.zone).fixed_offset(),
    };
    Ok(
        schedule::snooze(&reminder, &medication.schedule, plan.zone, now, minutes)
            .map(|r| notice(r, medication, locale)),
    )
}

/// [`snooze`] at `clock`, as the notification a shell schedules itself (marked snoozed).
pub fn snooze_notification(
    store: &Store,
    patient_id: PatientId,
    slot: &SlotRef,
    clock: DeviceClock,
    minutes: u32,
    locale: Locale,
) -> Result<Option<ReminderNotification>> {
    let snoozed = snooze(
        store, patient_id, slot, clock.now, minutes, clock.zone, locale,
    )?;
    Ok(snoozed.map(|n| n.into_notification(true)))
}

/// Adherence with the drug of every medication in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientAdherence {
    /// The report (clinical-rules §7 slots; see [`schedule::adherence_report`]).
    pub report: AdherenceReport,
    /// The drug of each medication id in the report that has one (a medicine of
    /// clinical-rules §12 the dose engine does not know has none).
    pub drugs: BTreeMap<String, Drug>,
}

/// Adherence from `from` to `to` (local dates of the profile's zone, inclusive) at `now`: doses
/// taken of those scheduled, on-time rate, the twice-daily drugs' interval mean and spread,
/// missed streaks and the per-day calendar. Live logs count; undone ones do not.
///
/// Slots are read in the home zone: a dose logged while travelling names its slot by the same
/// local date and time, and its punctuality is measured against the home instant.
pub fn adherence(
    store: &Store,
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PatientAdherence> {
    adherence_with(store, patient_id, from, to, now, None)
}

/// [`adherence`], taking the logged doses from `read` when it covers the range.
pub(crate) fn adherence_with(
    store: &Store,
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
    read: Option<&LoggedDoses>,
) -> Result<PatientAdherence> {
    let plan = patient_schedule(store, patient_id, now, None)?;
    let logs: Vec<LoggedDose> = LoggedDoses::between(read, store, patient_id, from, to)?
        .iter()
        .filter(|entry| !entry.undone)
        .filter_map(|entry| {
            let at = DateTime::<Utc>::from_timestamp_millis(entry.dose.actual_at_ms)?;
            Some(LoggedDose {
                medication_id: entry.dose.medication.to_string(),
                slot_date: entry.dose.slot_date,
                slot_time: entry.dose.slot_time,
                outcome: match entry.dose.outcome {
                    DoseOutcome::Taken => LoggedOutcome::Taken { at },
                    DoseOutcome::Skipped => LoggedOutcome::Skipped { at },
                },
            })
        })
        .collect();
    let mut report = adherence_report(&plan.schedules(), plan.home_zone, from, to, &logs, now)?;
    let drugs: BTreeMap<String, Drug> = plan
        .medications
        .iter()
        .filter_map(|m| Some((m.schedule.id.clone(), m.drug?)))
        .collect();
    for medication in &mut report.medications {
        medication.drug = drugs.get(&medication.medication_id).copied();
    }
    Ok(PatientAdherence { report, drugs })
}

/// The stepwise plan that moves a twice-daily medication from the home zone's wall clock to
/// `new_zone`'s, starting on `change_date` (clinical-rules §7, **policy** `shift_rules`): empty
/// when the offset changes by no more than the threshold (3 h). Refuses a medication without
/// two 12-hourly times (naming `times`).
pub fn travel_shift_plan(
    store: &Store,
    patient_id: PatientId,
    medication: &MedicationId,
    new_zone: Tz,
    change_date: NaiveDate,
) -> Result<Vec<PlannedDose>> {
    let now = change_date.and_time(NaiveTime::MIN).and_utc();
    let plan = patient_schedule(store, patient_id, now, None)?;
    let id = medication.to_string();
    // A course split per dosing time has several entries: its times are all of theirs.
    let times: Vec<NaiveTime> = plan
        .medications
        .iter()
        .filter(|m| m.schedule.id == id)
        .flat_map(|m| m.schedule.times.iter().copied())
        .collect();
    if times.is_empty() {
        return Err(Error::NotFound {
            entity: "medication",
            id,
        });
    }
    shift_plan(
        plan.home_zone,
        new_zone,
        &times,
        change_date,
        &plan.policy.shift_rules,
    )
}

/// Reads a travel shift plan's request as a shell sends it: the medication (`medication_id`),
/// the zone travelled to (`new_time_zone`) and the day of the change (`change_date`), each
/// refused naming its own field.
pub fn parse_shift_request(
    medication_id: &str,
    new_time_zone: &str,
    change_date: &str,
) -> Result<(MedicationId, Tz, NaiveDate)> {
    Ok((
        MedicationId::parse("medication_id", medication_id)?,
        parse_time_zone("new_time_zone", new_time_zone)?,
        parse_date("change_date", change_date)?,
    ))
}

/// The stepwise shift plan of a twice-daily drug given at `times` (`HH:MM`) moving from
/// `old_time_zone` to `new_time_zone` on `change_date` (`YYYY-MM-DD`), with the default limits
/// (clinical-rules §7: a plan above a 3 h change, 10–14 h between doses). Each text is refused
/// naming its own field (`times[i]` for a time).
pub fn shift_plan_for(
    old_time_zone: &str,
    new_time_zone: &str,
    times: &[String],
    change_date: &str,
) -> Result<Vec<PlannedDose>> {
    let old = parse_time_zone("old_time_zone", old_time_zone)?;
    let new = parse_time_zone("new_time_zone", new_time_zone)?;
    let times = crate::diary::records::parse_times("times", times)?;
    let date = parse_date("change_date", change_date)?;
    shift_plan(old, new, &times, date, &ShiftRules::default())
}

#[cfg(test)]
mod tests {
    use chrono_tz::{Asia, Europe};

    use super::*;
    use crate::dates::{format_local, parse_instant};
    use crate::dose::DoseRate;
    use crate::model::{Measurement, NewDoseLog, NewPatient, NewRegimen, RegimenId, Sex};
    use crate::schedule::{DayStatus, IOS_PENDING_NOTIFICATION_LIMIT};
    use crate::store::NewCourse;
    use crate::taper::{DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }
    fn t(s: &str) -> NaiveTime {
        parse_clock_time("t", s).unwrap()
    }
    fn at(s: &str) -> DateTime<Utc> {
        parse_instant("at", s).unwrap().with_timezone(&Utc)
    }

    fn regimen(drug: Drug, rate: f64, strengths: &[f64], start: &str) -> NewRegimen {
        NewRegimen {
            drug,
            form: "capsule".into(),
            strengths_mg: strengths.to_vec(),
            allow_split: false,
            rate: DoseRate::MgPerKgPerDay(rate),
            times: vec![t("08:00"), t("20:00")],
            start_date: d(start),
            end_date: None,
            prescribed_by: "Dr. Li".into(),
            prescribed_on: d(start),
            override_range: false,
        }
    }

    /// A 20 kg child in Shanghai on tacrolimus 1 mg twice daily from 2025-06-01.
    fn diary() -> (Store, i64, MedicationId) {
        let mut store = Store::open_in_memory().unwrap();
        let patient = store
            .create_patient(&NewPatient {
                display_name: "Test Child".into(),
                birth_date: d("2019-04-02"),
                sex: Sex::Female,
                time_zone: "Asia/Shanghai".into(),
                definition_set: "ipna2022".into(),
            })
            .unwrap();
        store
            .add_measurement(
                patient.id,
                &Measurement {
                    global_id: Default::default(),
                    id: Default::default(),
                    measured_on: d("2025-05-30"),
                    weight_kg: Some(20.0),
                    height_cm: Some(115.0),
                    confirmed: false,
                },
            )
            .unwrap();
        let tac = store
            .add_regimen(
                patient.id,
                &regimen(Drug::Tacrolimus, 0.1, &[0.5, 1.0], "2025-06-01"),
            )
            .unwrap();
        (store, patient.id.into(), MedicationId::Regimen(tac.id))
    }

    fn log(
        store: &mut Store,
        medication: &MedicationId,
        date: &str,
        time: &str,
        outcome: DoseOutcome,
        actual: &str,
    ) {
        store
            .log_dose(
                &NewDoseLog::new(
                    format!("{medication}-{date}-{time}"),
                    medication.clone(),
                    d(date),
                    t(time),
                    outcome,
                    at(actual).timestamp_millis(),
                    "mother".into(),
                ),
                at(actual).timestamp_millis(),
                None,
            )
            .unwrap();
    }

    fn ids(notices: &[ReminderNotice]) -> Vec<String> {
        notices.iter().map(|n| n.reminder.id.clone()).collect()
    }

    #[test]
    fn reminders_carry_stable_ids_and_localised_texts() {
        let (store, patient, tac) = diary();
        let now = at("2025-06-01T07:00:00+08:00");
        let rs =
            next_reminders(&store, PatientId::from(patient), now, None, 3, Locale::En).unwrap();
        assert_eq!(
            ids(&rs),
            [
                format!("{tac}@2025-06-01T08:00"),
                format!("{tac}@2025-06-01T20:00"),
                format!("{tac}@2025-06-02T08:00")
            ]
        );
        assert_eq!(rs[0].text.title, "Tacrolimus 1 mg — 8:00 am dose");
        assert_eq!(rs[0].dose_mg, Some(1.0));
        assert_eq!(
            format_local(&rs[1].reminder.local),
            "2025-06-01T20:00:00+08:00"
        );
        let zh = next_reminders(
            &store,
            PatientId::from(patient),
            now,
            None,
            1,
            Locale::ZhHans,
        )
        .unwrap();
        assert_eq!(zh[0].text.title, "他克莫司 1 mg — 08:00 服药");
        assert_eq!(
            zh[0].reminder.id, rs[0].reminder.id,
            "ids do not depend on the locale"
        );
        let full = next_reminders(
            &store,
            PatientId::from(patient),
            now,
            None,
            IOS_PENDING_NOTIFICATION_LIMIT,
            Locale::En,
        )
        .unwrap();
        assert_eq!(full.len(), 64);
        assert_eq!(
            next_reminders(&store, PatientId::from(patient), now, None, 64, Locale::En).unwrap(),
            full,
            "the same instant gives the same set"
        );
    }

    #[test]
    fn a_logged_dose_removes_its_reminder_and_an_undo_restores_it() {
        let (mut store, patient, tac) = diary();
        // Clinical-rules §10: a slot can be logged from its take-window before it (6 h), so the
        // evening dose is skipped in the evening, not at breakfast.
        let now = at("2025-06-01T19:57:00+08:00");
        log(
            &mut store,
            &tac,
            "2025-06-01",
            "08:00",
            DoseOutcome::Taken,
            "2025-06-01T07:55:00+08:00",
        );
        log(
            &mut store,
            &tac,
            "2025-06-01",
            "20:00",
            DoseOutcome::Skipped,
            "2025-06-01T19:56:00+08:00",
        );
        let rs =
            next_reminders(&store, PatientId::from(patient), now, None, 2, Locale::En).unwrap();
        assert_eq!(
            ids(&rs),
            [
                format!("{tac}@2025-06-02T08:00"),
                format!("{tac}@2025-06-02T20:00")
            ]
        );
        store
            .undo_dose(&format!("{tac}-2025-06-01-20:00"), "mother")
            .unwrap();
        let rs =
            next_reminders(&store, PatientId::from(patient), now, None, 1, Locale::En).unwrap();
        assert_eq!(ids(&rs), [format!("{tac}@2025-06-01T20:00")]);
    }

    #[test]
    fn counts_outside_the_range_are_refused() {
        let (store, patient, _) = diary();
        let now = at("2025-06-01T07:00:00+08:00");
        for count in [0, MAX_REMINDER_COUNT + 1] {
            let err = next_reminders(
                &store,
                PatientId::from(patient),
                now,
                None,
                count,
                Locale::En,
            )
            .unwrap_err();
            assert!(err.to_string().contains("count"), "{err}");
        }
        assert!(matches!(
            next_reminders(
                &store,
                PatientId::from(patient + 1),
                now,
                None,
                1,
                Locale::En
            ),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn ended_and_later_regimens_take_turns() {
        let (mut store, patient, tac) = diary();
        let MedicationId::Regimen(tac_id) = tac else {
            unreachable!()
        };
        store.end_regimen(tac_id, d("2025-06-01")).unwrap();
        let mmf = store
            .add_regimen(
                PatientId::from(patient),
                &regimen(Drug::MycophenolateMofetil, 25.0, &[250.0], "2025-06-02"),
            )
            .unwrap();
        let rs = next_reminders(
            &store,
            PatientId::from(patient),
            at("2025-06-01T12:00:00+08:00"),
            None,
            2,
            Locale::En,
        )
        .unwrap();
        assert_eq!(
            ids(&rs),
            [
                format!("{tac}@2025-06-01T20:00"),
                format!("regimen-{}@2025-06-02T08:00", mmf.id)
            ]
        );
        assert_eq!(
            rs[1].text.title,
            "Mycophenolate mofetil 250 mg — 8:00 am dose"
        );
    }

    #[test]
    fn travel_policy_picks_the_zone() {
        let (mut store, patient, tac) = diary();
        let now = at("2025-06-10T01:00:00Z");
        let paris = Some(Europe::Paris);
        // Default: keep the wall clock, so 08:00 in Paris.
        let rs =
            next_reminders(&store, PatientId::from(patient), now, paris, 1, Locale::En).unwrap();
        assert_eq!(
            format_local(&rs[0].reminder.local),
            "2025-06-10T08:00:00+02:00"
        );
        assert_eq!(rs[0].reminder.id, format!("{tac}@2025-06-10T08:00"));
        // Keep the home instants: 08:00 and 20:00 in Shanghai, i.e. 02:00 and 14:00 in Paris.
        set_travel_policy(
            &mut store,
            PatientId::from(patient),
            TravelPolicy::KeepHomeInstants,
            "Dr. Li",
        )
        .unwrap();
        let rs =
            next_reminders(&store, PatientId::from(patient), now, paris, 1, Locale::En).unwrap();
        assert_eq!(
            format_local(&rs[0].reminder.local),
            "2025-06-10T20:00:00+08:00"
        );
        assert_eq!(rs[0].reminder.instant_utc, at("2025-06-10T12:00:00Z"));
        // No device zone: the profile's zone whatever the policy.
        let home =
            next_reminders(&store, PatientId::from(patient), now, None, 1, Locale::En).unwrap();
        assert_eq!(home, rs);
    }

    #[test]
    fn today_shows_every_slot_with_status_guidance_and_log() {
        let (mut store, patient, tac) = diary();
        log(
            &mut store,
            &tac,
            "2025-06-02",
            "08:00",
            DoseOutcome::Taken,
            "2025-06-02T08:10:00+08:00",
        );
        let now = at("2025-06-02T21:30:00+08:00");
        let today = today_doses(&store, PatientId::from(patient), now, None, Locale::En).unwrap();
        assert_eq!(today.len(), 2);
        let (morning, evening) = (&today[0], &today[1]);
        assert_eq!(
            morning.status,
            DoseStatus::Missed,
            "the time status ignores the log"
        );
        let logged = morning.logged.as_ref().unwrap();
        assert_eq!(
            (logged.outcome, logged.at),
            (DoseOutcome::Taken, at("2025-06-02T08:10:00+08:00"))
        );
        assert_eq!(morning.guidance, None);
        assert_eq!(evening.status, DoseStatus::Late);
        assert_eq!(evening.guidance, Some(Guidance::TakeNowLate));
        assert!(evening
            .guidance_text
            .as_deref()
            .unwrap()
            .contains("Never take a double dose"));
        assert_eq!(evening.reminder_id, format!("{tac}@2025-06-02T20:00"));
        assert_eq!(evening.label, "Tacrolimus 1 mg");
        let zh = today_doses(&store, PatientId::from(patient), now, None, Locale::ZhHans).unwrap();
        assert_eq!(zh[1].status_label, "已延迟");
        // Before the regimen starts there is nothing to show.
        assert!(today_doses(
            &store,
            PatientId::from(patient),
            at("2025-05-31T12:00:00+08:00"),
            None,
            Locale::En
        )
        .unwrap()
        .is_empty());
    }

    #[test]
    fn dose_windows_are_policy_per_medication() {
        let (mut store, patient, tac) = diary();
        let slot = SlotRef {
            medication: tac.clone(),
            date: d("2025-06-02"),
            time: t("08:00"),
        };
        let status_at = |store: &Store, when: &str| {
            dose_status(
                store,
                PatientId::from(patient),
                &slot,
                at(when),
                None,
                Locale::En,
            )
            .unwrap()
            .status
        };
        // Defaults: grace 1 h, take-window 6 h (twice daily).
        assert_eq!(
            status_at(&store, "2025-06-02T08:59:00+08:00"),
            DoseStatus::Due
        );
        assert_eq!(
            status_at(&store, "2025-06-02T14:00:00+08:00"),
            DoseStatus::Late
        );
        assert_eq!(
            status_at(&store, "2025-06-02T14:01:00+08:00"),
            DoseStatus::Missed
        );
        // A default grace longer than a twice-daily drug's default take-window (6 h) is refused.
        let long_grace = DoseWindow {
            grace_minutes: 420,
            take_window_minutes: None,
        };
        let err = set_dose_window(
            &mut store,
            PatientId::from(patient),
            None,
            &long_grace,
            "Dr. Li",
        )
        .unwrap_err();
        assert!(err.to_string().contains("grace_minutes"), "{err}");
        let window = DoseWindow {
            grace_minutes: 30,
            take_window_minutes: Some(120),
        };
        set_dose_window(
            &mut store,
            PatientId::from(patient),
            Some(&tac),
            &window,
            "Dr. Li",
        )
        .unwrap();
        assert_eq!(
            status_at(&store, "2025-06-02T08:30:00+08:00"),
            DoseStatus::Late
        );
        assert_eq!(
            status_at(&store, "2025-06-02T10:01:00+08:00"),
            DoseStatus::Missed
        );
        let policy = reminder_policy(&store, PatientId::from(patient)).unwrap();
        assert_eq!(policy.window_for(&tac.to_string()), window);
        assert_eq!(policy.default_window, DoseWindow::default());

        // Refusals change nothing.
        let too_long_grace = DoseWindow {
            grace_minutes: 420,
            take_window_minutes: None,
        };
        let err = set_dose_window(
            &mut store,
            PatientId::from(patient),
            Some(&tac),
            &too_long_grace,
            "Dr. Li",
        )
        .unwrap_err();
        assert!(err.to_string().contains("grace_minutes"), "{err}");
        let inverted = DoseWindow {
            grace_minutes: 90,
            take_window_minutes: Some(60),
        };
        assert!(set_dose_window(
            &mut store,
            PatientId::from(patient),
            Some(&tac),
            &inverted,
            "Dr. Li"
        )
        .unwrap_err()
        .to_string()
        .contains("take_window_minutes"));
        assert!(matches!(
            set_dose_window(
                &mut store,
                PatientId::from(patient),
                Some(&MedicationId::Regimen(RegimenId::from(999))),
                &window,
                "Dr. Li"
            ),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(
            reminder_policy(&store, PatientId::from(patient)).unwrap(),
            policy
        );
        // The medication's own window outranks a default that would not fit it.
        let wide_default = DoseWindow {
            grace_minutes: 420,
            take_window_minutes: Some(600),
        };
        set_dose_window(
            &mut store,
            PatientId::from(patient),
            None,
            &wide_default,
            "Dr. Li",
        )
        .unwrap();
        assert_eq!(
            status_at(&store, "2025-06-02T08:30:00+08:00"),
            DoseStatus::Late
        );
    }

    #[test]
    fn a_stored_window_that_does_not_fit_is_reported_with_its_key() {
        let (mut store, patient, tac) = diary();
        store
            .set_policy_value(
                PatientId::from(patient),
                DOSE_WINDOW_KEY,
                &serde_json::json!({"grace_minutes": 500}),
                "x",
            )
            .unwrap();
        let err = next_reminders(
            &store,
            PatientId::from(patient),
            at("2025-06-02T00:00:00Z"),
            None,
            1,
            Locale::En,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("policy.dose_window.{tac}")),
            "{err}"
        );
        store
            .set_policy_value(
                PatientId::from(patient),
                TRAVEL_POLICY_KEY,
                &serde_json::json!("fly"),
                "x",
            )
            .unwrap();
        let err = reminder_policy(&store, PatientId::from(patient)).unwrap_err();
        assert!(err.to_string().contains("policy.travel_policy"), "{err}");
    }

    #[test]
    fn slots_outside_the_schedule_are_refused() {
        let (store, patient, tac) = diary();
        let now = at("2025-06-02T00:00:00Z");
        let status = |slot: SlotRef| {
            dose_status(
                &store,
                PatientId::from(patient),
                &slot,
                now,
                None,
                Locale::En,
            )
        };
        let wrong_time = SlotRef {
            medication: tac.clone(),
            date: d("2025-06-02"),
            time: t("09:00"),
        };
        assert!(status(wrong_time)
            .unwrap_err()
            .to_string()
            .contains("slot_time"));
        let before_start = SlotRef {
            medication: tac.clone(),
            date: d("2025-05-31"),
            time: t("08:00"),
        };
        assert!(status(before_start)
            .unwrap_err()
            .to_string()
            .contains("slot_date"));
        let unknown = SlotRef {
            medication: MedicationId::Course("x".into()),
            date: d("2025-06-02"),
            time: t("08:00"),
        };
        assert!(matches!(status(unknown), Err(Error::NotFound { .. })));
    }

    #[test]
    fn reminder_ids_parse_back_to_their_slot() {
        let slot = SlotRef {
            medication: MedicationId::Regimen(RegimenId::from(12)),
            date: d("2025-06-02"),
            time: t("20:00"),
        };
        assert_eq!(slot.reminder_id(), "regimen-12@2025-06-02T20:00");
        assert_eq!(
            SlotRef::parse_reminder_id("id", &slot.reminder_id()).unwrap(),
            slot
        );
        let course = SlotRef::parse_reminder_id("id", "course-a_1@2025-01-31T07:30").unwrap();
        assert_eq!(course.medication, MedicationId::Course("a_1".into()));
        for bad in [
            "",
            "regimen-12",
            "regimen-12@2025-06-02",
            "regimen-12@2025-06-02T24:00",
            "regimen-12@2025-6-2T20:00",
            "pill@2025-06-02T20:00",
            "regimen-12@2025-06-02T20:00:00",
            "regimen-12@2025-06-02é20:00",
        ] {
            let err = SlotRef::parse_reminder_id("reminder_id", bad).unwrap_err();
            assert!(err.to_string().contains("reminder_id"), "{bad}: {err}");
        }
    }

    #[test]
    fn snooze_keeps_the_id_until_the_window_ends() {
        let (mut store, patient, tac) = diary();
        let slot = SlotRef {
            medication: tac.clone(),
            date: d("2025-06-02"),
            time: t("08:00"),
        };
        let snoozed = snooze(
            &store,
            PatientId::from(patient),
            &slot,
            at("2025-06-02T08:05:00+08:00"),
            15,
            None,
            Locale::En,
        )
        .unwrap()
        .unwrap();
        assert_eq!(snoozed.reminder.id, slot.reminder_id());
        assert_eq!(
            format_local(&snoozed.reminder.local),
            "2025-06-02T08:20:00+08:00"
        );
        assert_eq!(snoozed.text.title, "Tacrolimus 1 mg — 8:00 am dose");
        let clipped = snooze(
            &store,
            PatientId::from(patient),
            &slot,
            at("2025-06-02T13:50:00+08:00"),
            30,
            None,
            Locale::En,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            format_local(&clipped.reminder.local),
            "2025-06-02T14:00:00+08:00"
        );
        assert!(snooze(
            &store,
            PatientId::from(patient),
            &slot,
            at("2025-06-02T14:00:00+08:00"),
            30,
            None,
            Locale::En
        )
        .unwrap()
        .is_none());
        log(
            &mut store,
            &tac,
            "2025-06-02",
            "08:00",
            DoseOutcome::Taken,
            "2025-06-02T08:06:00+08:00",
        );
        assert!(snooze(
            &store,
            PatientId::from(patient),
            &slot,
            at("2025-06-02T08:07:00+08:00"),
            15,
            None,
            Locale::En
        )
        .unwrap()
        .is_none());
    }

    #[test]
    fn adherence_counts_live_logs_only() {
        let (mut store, patient, tac) = diary();
        // Day 1: both on time. Day 2: morning 2 h late, evening skipped. Day 3: morning undone.
        log(
            &mut store,
            &tac,
            "2025-06-01",
            "08:00",
            DoseOutcome::Taken,
            "2025-06-01T08:00:00+08:00",
        );
        log(
            &mut store,
            &tac,
            "2025-06-01",
            "20:00",
            DoseOutcome::Taken,
            "2025-06-01T20:30:00+08:00",
        );
        log(
            &mut store,
            &tac,
            "2025-06-02",
            "08:00",
            DoseOutcome::Taken,
            "2025-06-02T10:00:00+08:00",
        );
        log(
            &mut store,
            &tac,
            "2025-06-02",
            "20:00",
            DoseOutcome::Skipped,
            "2025-06-02T20:00:00+08:00",
        );
        log(
            &mut store,
            &tac,
            "2025-06-03",
            "08:00",
            DoseOutcome::Taken,
            "2025-06-03T08:00:00+08:00",
        );
        store
            .undo_dose(&format!("{tac}-2025-06-03-08:00"), "mother")
            .unwrap();
        // 15:00: the undone 08:00 dose of 06-03 is past its 6-hour take-window, so missed.
        let now = at("2025-06-03T15:00:00+08:00");
        let result = adherence(
            &store,
            PatientId::from(patient),
            d("2025-06-01"),
            d("2025-06-30"),
            now,
        )
        .unwrap();
        let overall = &result.report.overall;
        assert_eq!(
            (
                overall.scheduled,
                overall.taken,
                overall.skipped,
                overall.missed
            ),
            (5, 3, 1, 1)
        );
        assert_eq!(overall.on_time_rate, Some(0.4));
        let tac_report = &result.report.medications[0];
        assert_eq!(tac_report.medication_id, tac.to_string());
        // Intervals: 08:00 → 20:30 (12.5 h), 20:30 → 10:00 next day (13.5 h).
        assert_eq!(tac_report.interval_mean_hours, Some(13.0));
        assert_eq!(tac_report.longest_missed_streak, 2);
        assert_eq!(result.drugs[&tac.to_string()], Drug::Tacrolimus);
        let days = &result.report.calendar;
        assert_eq!(days.len(), 3, "the calendar stops at today");
        assert_eq!(days[0].medications[0].status, DayStatus::Full);
        assert_eq!(days[1].medications[0].status, DayStatus::Partial);
        assert_eq!(days[2].medications[0].status, DayStatus::NoneTaken);
        assert!(adherence(
            &store,
            PatientId::from(patient),
            d("2025-06-30"),
            d("2025-06-01"),
            now
        )
        .is_err());
    }

    #[test]
    fn shift_plan_for_a_twice_daily_regimen() {
        let (store, patient, tac) = diary();
        // Shanghai (+08:00) to Paris (+02:00 in summer): a 6-hour change gets a plan.
        let plan = travel_shift_plan(
            &store,
            PatientId::from(patient),
            &tac,
            Europe::Paris,
            d("2025-07-01"),
        )
        .unwrap();
        assert!(plan.len() >= 3, "{plan:?}");
        for pair in plan.windows(2) {
            let hours = (pair[1].instant_utc - pair[0].instant_utc).num_minutes();
            assert!((600..=840).contains(&hours), "{hours} min");
        }
        // Shanghai to Tokyo (+1 h): no plan, switch to the new wall clock.
        assert!(travel_shift_plan(
            &store,
            PatientId::from(patient),
            &tac,
            Asia::Tokyo,
            d("2025-07-01")
        )
        .unwrap()
        .is_empty());
        assert!(matches!(
            travel_shift_plan(
                &store,
                PatientId::from(patient),
                &MedicationId::Regimen(RegimenId::from(42)),
                Asia::Tokyo,
                d("2025-07-01")
            ),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn a_shift_plan_of_text_reads_each_field_under_its_own_name() {
        use crate::test_support::refused_field;
        let times = ["08:00".to_string(), "20:00".to_string()];
        // Clinical-rules §7: Shanghai to Paris in summer is a 6-hour change, above the 3 h
        // threshold, so the doses move in steps of 10 to 14 hours.
        let plan = shift_plan_for("Asia/Shanghai", "Europe/Paris", &times, "2025-07-01").unwrap();
        let typed = shift_plan(
            Asia::Shanghai,
            Europe::Paris,
            &[t("08:00"), t("20:00")],
            d("2025-07-01"),
            &ShiftRules::default(),
        )
        .unwrap();
        assert!(!plan.is_empty());
        assert_eq!(plan, typed);
        let refused = |old: &str, new: &str, times: &[String], date: &str| {
            refused_field(shift_plan_for(old, new, times, date))
        };
        assert_eq!(
            refused("Mars/Base", "Europe/Paris", &times, "2025-07-01"),
            "old_time_zone"
        );
        assert_eq!(
            refused("Asia/Shanghai", "", &times, "2025-07-01"),
            "new_time_zone"
        );
        let late = ["08:00".to_string(), "25:00".to_string()];
        assert_eq!(
            refused("Asia/Shanghai", "Europe/Paris", &late, "2025-07-01"),
            "times[1]"
        );
        assert_eq!(
            refused("Asia/Shanghai", "Europe/Paris", &times, "1 July"),
            "change_date"
        );

        let (medication, zone, date) =
            parse_shift_request("regimen-3", "Europe/Paris", "2025-07-01").unwrap();
        assert_eq!(
            (medication, zone, date),
            (
                MedicationId::Regimen(RegimenId::from(3)),
                Europe::Paris,
                d("2025-07-01")
            )
        );
        let refused = |m: &str, z: &str, c: &str| refused_field(parse_shift_request(m, z, c));
        assert_eq!(
            refused("tablet", "Europe/Paris", "2025-07-01"),
            "medication_id"
        );
        assert_eq!(refused("regimen-3", "Paris", "2025-07-01"), "new_time_zone");
        assert_eq!(
            refused("regimen-3", "Europe/Paris", "2025-7-1x"),
            "change_date"
        );
    }

    #[test]
    fn the_device_clock_refuses_its_instant_and_zone_by_name() {
        use crate::test_support::refused_field;
        let clock = DeviceClock::read(1_751_328_000_000, Some("Europe/Paris")).unwrap();
        assert_eq!(clock.now, at("2025-07-01T00:00:00Z"));
        assert_eq!(clock.zone, Some(Europe::Paris));
        assert_eq!(DeviceClock::read(0, None).unwrap().zone, None);
        assert_eq!(refused_field(DeviceClock::read(i64::MAX, None)), "now_ms");
        assert_eq!(
            refused_field(DeviceClock::read(0, Some("Europe/Atlantis"))),
            "device_time_zone"
        );
    }

    fn add_course(
        store: &mut Store,
        patient: i64,
        times: &[&str],
        phases: &[(f64, Frequency, u32)],
    ) -> MedicationId {
        let course = NewCourse {
            drug: Drug::Prednisolone,
            template: None,
            phases: phases
                .iter()
                .map(|&(mg, frequency, days)| Phase {
                    dose: Some(DoseBasis::Mg(mg)),
                    max_mg: None,
                    frequency,
                    length: PhaseLength::Days(days),
                })
                .collect(),
            stamp: None,
            start: d("2025-06-02"),
            tablets: TabletSpec::default(),
            liquid: None,
            times: times.iter().map(|x| t(x)).collect(),
            remission_confirmed: None,
            changed_by: "Dr. Li".into(),
            reason: None,
            client_id: None,
        };
        MedicationId::Course(
            store
                .create_course(PatientId::from(patient), &course)
                .unwrap()
                .course_key,
        )
    }

    #[test]
    fn a_steroid_course_given_as_a_liquid_is_reminded_in_millilitres() {
        let (mut store, patient, _) = diary();
        // 12 mg daily for 3 days of a 5 mg/mL solution (clinical-rules §12).
        let course = NewCourse {
            drug: Drug::Prednisolone,
            template: None,
            phases: vec![Phase {
                dose: Some(DoseBasis::Mg(12.0)),
                max_mg: None,
                frequency: Frequency::Daily,
                length: PhaseLength::Days(3),
            }],
            stamp: None,
            start: d("2025-06-02"),
            tablets: TabletSpec::default(),
            liquid: Some(crate::medicine::liquid::Liquid::new(5.0)),
            times: vec![t("08:00")],
            remission_confirmed: None,
            changed_by: "Dr. Li".into(),
            reason: None,
            client_id: None,
        };
        let key = store
            .create_course(PatientId::from(patient), &course)
            .unwrap()
            .course_key;
        let course = MedicationId::Course(key);
        let now = at("2025-06-03T12:00:00+08:00");
        let rs =
            next_reminders(&store, PatientId::from(patient), now, None, 64, Locale::En).unwrap();
        let steroid: Vec<&ReminderNotice> = rs.iter().filter(|r| r.medication == course).collect();
        assert_eq!(steroid.len(), 1);
        assert_eq!(
            (steroid[0].dose_mg, steroid[0].dose_ml),
            (Some(12.0), Some(2.4))
        );
        assert!(
            steroid[0]
                .text
                .title
                .starts_with("Prednisolone 2.4 mL (12 mg)"),
            "{:?}",
            steroid[0].text
        );
    }

    #[test]
    fn steroid_course_days_come_from_the_taper_calendar() {
        let (mut store, patient, tac) = diary();
        // 40 mg daily for 3 days, then 20 mg on alternate days for 4 days (06-05 and 06-07).
        let course = add_course(
            &mut store,
            patient,
            &["08:00"],
            &[
                (40.0, Frequency::Daily, 3),
                (20.0, Frequency::AlternateDay, 4),
            ],
        );
        let now = at("2025-06-04T12:00:00+08:00");
        let rs =
            next_reminders(&store, PatientId::from(patient), now, None, 64, Locale::En).unwrap();
        let steroid: Vec<(String, Option<f64>)> = rs
            .iter()
            .filter(|r| r.medication == course)
            .map(|r| (r.reminder.id.clone(), r.dose_mg))
            .collect();
        assert_eq!(
            steroid,
            [
                (format!("{course}@2025-06-05T08:00"), Some(20.0)),
                (format!("{course}@2025-06-07T08:00"), Some(20.0))
            ]
        );
        let first = rs.iter().position(|r| r.medication == course).unwrap();
        assert_eq!(rs[first].text.title, "Prednisolone 20 mg — 8:00 am dose");
        // Same instant as tacrolimus: ordered by id, "course-…" before "regimen-…".
        assert_eq!(rs[first + 1].reminder.id, format!("{tac}@2025-06-05T08:00"));
        let zh = next_reminders(
            &store,
            PatientId::from(patient),
            now,
            None,
            64,
            Locale::ZhHans,
        )
        .unwrap();
        assert_eq!(zh[first].text.title, "泼尼松龙 20 mg — 08:00 服药");
        // Logging the steroid dose cancels its reminder.
        log(
            &mut store,
            &course,
            "2025-06-05",
            "08:00",
            DoseOutcome::Taken,
            "2025-06-05T08:00:00+08:00",
        );
        let rs =
            next_reminders(&store, PatientId::from(patient), now, None, 64, Locale::En).unwrap();
        assert_eq!(rs.iter().filter(|r| r.medication == course).count(), 1);
        // A day off of the alternate-day phase has no steroid slot.
        let off = today_doses(
            &store,
            PatientId::from(patient),
            at("2025-06-06T09:00:00+08:00"),
            None,
            Locale::En,
        )
        .unwrap();
        assert!(off.iter().all(|slot| slot.medication == tac));
        let slot = SlotRef {
            medication: course.clone(),
            date: d("2025-06-06"),
            time: t("08:00"),
        };
        let err = dose_status(
            &store,
            PatientId::from(patient),
            &slot,
            now,
            None,
            Locale::En,
        )
        .unwrap_err();
        assert!(err.to_string().contains("slot_date"), "{err}");
    }

    #[test]
    fn a_course_dose_split_across_two_times_reminds_only_for_real_doses() {
        let (mut store, patient, _) = diary();
        // 2.5 mg (one half tablet) a day for 2 days: only the 08:00 share is a dose; then 5 mg:
        // one half tablet at each time.
        let course = add_course(
            &mut store,
            patient,
            &["08:00", "20:00"],
            &[(2.5, Frequency::Daily, 2), (5.0, Frequency::Daily, 1)],
        );
        let now = at("2025-06-01T12:00:00+08:00");
        let ids: Vec<String> =
            next_reminders(&store, PatientId::from(patient), now, None, 64, Locale::En)
                .unwrap()
                .into_iter()
                .filter(|r| r.medication == course)
                .map(|r| r.reminder.id)
                .collect();
        assert_eq!(
            ids,
            [
                format!("{course}@2025-06-02T08:00"),
                format!("{course}@2025-06-03T08:00"),
                format!("{course}@2025-06-04T08:00"),
                format!("{course}@2025-06-04T20:00")
            ]
        );
        let slot = |date: &str, time: &str| SlotRef {
            medication: course.clone(),
            date: d(date),
            time: t(time),
        };
        let status = |store: &Store, s: &SlotRef, when: &str| {
            dose_status(
                store,
                PatientId::from(patient),
                s,
                at(when),
                None,
                Locale::En,
            )
        };
        assert!(status(
            &store,
            &slot("2025-06-02", "20:00"),
            "2025-06-02T21:00:00+08:00"
        )
        .is_err());
        // The course is twice daily: its default take-window is 6 h, not the 12 h of one time.
        let evening = slot("2025-06-04", "20:00");
        assert_eq!(
            status(&store, &evening, "2025-06-05T02:00:00+08:00")
                .unwrap()
                .status,
            DoseStatus::Late
        );
        assert_eq!(
            status(&store, &evening, "2025-06-05T02:01:00+08:00")
                .unwrap()
                .status,
            DoseStatus::Missed
        );
        assert_eq!(
            status(&store, &evening, "2025-06-04T21:00:00+08:00")
                .unwrap()
                .dose_mg,
            Some(2.5)
        );
        // Adherence counts only real doses: 4 course slots by 06-05.
        let report = adherence(
            &store,
            PatientId::from(patient),
            d("2025-06-01"),
            d("2025-06-05"),
            at("2025-06-05T12:00:00+08:00"),
        )
        .unwrap();
        let steroid = report
            .report
            .medications
            .iter()
            .find(|m| m.medication_id == course.to_string())
            .unwrap();
        assert_eq!(steroid.summary.scheduled, 4);
        assert_eq!(report.drugs[&course.to_string()], Drug::Prednisolone);
        // A dose window can be set for the course.
        let window = DoseWindow {
            grace_minutes: 30,
            take_window_minutes: None,
        };
        set_dose_window(
            &mut store,
            PatientId::from(patient),
            Some(&course),
            &window,
            "Dr. Li",
        )
        .unwrap();
        assert_eq!(
            status(&store, &evening, "2025-06-05T02:00:00+08:00")
                .unwrap()
                .status,
            DoseStatus::Late
        );
    }

    #[test]
    fn drug_names_exist_in_every_locale() {
        for drug in Drug::ALL {
            for locale in Locale::ALL {
                assert!(!drug_name(drug, locale).is_empty());
            }
        }
        assert_eq!(
            medication_label(Drug::Prednisolone, Some(12.5), Locale::ZhHans),
            "泼尼松龙 12.5 mg"
        );
        assert_eq!(
            medication_label(Drug::Tacrolimus, Some(0.1 + 0.2), Locale::En),
            "Tacrolimus 0.3 mg"
        );
        assert_eq!(
            medication_label(Drug::Prednisone, None, Locale::En),
            "Prednisone"
        );
    }
}

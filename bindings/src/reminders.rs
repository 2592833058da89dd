//! Reminders, dose status, snooze, travel and adherence (clinical-rules §7), and the
//! [`NotificationScheduler`] the phone shells implement.
//!
//! How a shell keeps its local notifications right:
//! 1. Implement [`NotificationScheduler`] over the platform's notification centre
//!    (`UNUserNotificationCenter` on iOS, `AlarmManager`/`WorkManager` on Android).
//! 2. Call [`Diary::refresh_notifications`] when the app starts or comes to the foreground, when
//!    the time zone changes, and **after every `log_dose`, `edit_dose` or `undo_dose`**: the core
//!    hands the scheduler the next 64 reminders (the iOS limit), so a logged dose's reminder
//!    disappears and the next one takes its place. Reminder ids are stable, so replacing the
//!    pending set is idempotent.
//! 3. A snoozed reminder ([`Diary::snooze`], `snoozed = true`) is the shell's to schedule and
//!    keep: its slot is in the past, so refreshes never contain it. Cancel it when its dose is
//!    logged.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use nephro_core::dates::{parse_clock_time, parse_date, parse_time_zone};
use nephro_core::diary::reminders as service;
pub use nephro_core::diary::reminders::{DoseSlot, DoseWindow, LoggedSlot as SlotLog};
use nephro_core::locale::Locale;
use nephro_core::model::MedicationId;
use nephro_core::schedule::{self, IOS_PENDING_NOTIFICATION_LIMIT};
pub use nephro_core::schedule::{
    AdherenceSummary, CalendarDay as AdherenceDay, DayMedication as AdherenceDayMedication,
    DayStatus as AdherenceDayStatus, DoseStatus, Guidance as DoseGuidance, PlannedDose,
    PlannedDoseKind, TravelPolicy,
};
use nephro_core::Error;

use crate::records::{DoseOutcome, Drug};
use crate::{Diary, NephroError};

/// A foreign implementation (Kotlin, Swift) reports an unexpected error; it reaches the caller of
/// [`Diary::refresh_notifications`] as [`NephroError::Storage`].
impl From<uniffi::UnexpectedUniFFICallbackError> for NephroError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        NephroError::Storage {
            detail: format!("the notification scheduler failed: {}", e.reason),
        }
    }
}

/// What the phone shells implement to keep the dose reminders pending as local notifications.
/// Called synchronously on the thread that called [`Diary::refresh_notifications`].
#[uniffi::export(with_foreign)]
pub trait NotificationScheduler: Send + Sync {
    /// Makes exactly `reminders` the pending dose reminders: schedules each one under its `id`
    /// (replacing a pending one with the same id) and cancels every other pending dose reminder
    /// except snoozed ones. `reminders` are ordered by `fire_at_ms`. A refusal (e.g. notifications
    /// not permitted) is reported by throwing a [`NephroError`].
    fn replace_pending(&self, reminders: Vec<ReminderNotification>) -> Result<(), NephroError>;
}

/// A dose reminder to keep pending as a local notification.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
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
    /// When the notification fires, UTC epoch ms.
    pub fire_at_ms: DateTime<Utc>,
    /// The same instant on the local clock, RFC 3339 with its offset.
    pub fire_at_local: DateTime<FixedOffset>,
    /// Notification title in the family's language.
    pub title: String,
    /// Notification body in the family's language.
    pub body: String,
    /// Whether this is a snoozed reminder (from [`Diary::snooze`]).
    pub snoozed: bool,
}

fn notification(notice: service::ReminderNotice, snoozed: bool) -> ReminderNotification {
    let (reminder, text) = (notice.reminder, notice.text);
    ReminderNotification {
        id: reminder.id,
        medication_id: reminder.medication_id,
        drug: notice.drug,
        dose_mg: notice.dose_mg,
        dose_ml: notice.dose_ml,
        slot_date: reminder.slot_date,
        slot_time: reminder.slot_time,
        fire_at_ms: reminder.instant_utc,
        fire_at_local: reminder.local,
        title: text.title,
        body: text.body,
        snoozed,
    }
}

/// Where a dose stands relative to its scheduled instant (clinical-rules §7).
#[uniffi::remote(Enum)]
pub enum DoseStatus {
    /// Before the scheduled instant.
    Upcoming,
    /// Within the grace after it (default 1 h).
    Due,
    /// After the grace, up to the end of the take-window (default half the dosing interval).
    Late,
    /// After the take-window: skip it, never take a double dose.
    Missed,
}

/// What to tell the family about a dose not logged yet.
#[uniffi::remote(Enum)]
pub enum DoseGuidance {
    /// Not yet.
    NotYet,
    /// Take it now.
    TakeNow,
    /// Late: take it now, as soon as remembered; never double.
    TakeNowLate,
    /// Missed: skip it and take the next dose at the usual time; never take a double dose.
    SkipNeverDouble,
}

/// How a slot was logged.
#[uniffi::remote(Record)]
pub struct SlotLog {
    /// The log's client id (to edit or undo it).
    pub client_id: String,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was given (or the skip decided), UTC epoch ms.
    #[uniffi(name = "at_ms")]
    pub at: DateTime<Utc>,
    /// Who logged it.
    pub logged_by: String,
}

/// One dose slot with its status at the time asked and what to tell the family.
#[uniffi::remote(Record)]
pub struct DoseSlot {
    /// The slot's stable reminder id.
    pub reminder_id: String,
    /// The medication: `regimen-<id>`, `course-<key>` or `medicine-<id>`.
    #[uniffi(name = "medication_id")]
    pub medication: MedicationId,
    /// The drug, when the dose engine knows it (none for most medicines added with
    /// `add_medicine`; the label names every medicine).
    pub drug: Option<Drug>,
    /// mg of this dose, if known.
    pub dose_mg: Option<f64>,
    /// mL to draw for this dose, for a liquid (clinical-rules §12).
    pub dose_ml: Option<f64>,
    /// Drug and dose in the family's language, e.g. "Tacrolimus 1 mg" or
    /// "Prednisolone 2.4 mL (12 mg)".
    pub label: String,
    /// Local date, `YYYY-MM-DD`.
    pub slot_date: NaiveDate,
    /// Local time, `HH:MM`.
    pub slot_time: NaiveTime,
    /// The scheduled instant, UTC epoch ms (DST gap: moved forward; overlap: first occurrence).
    #[uniffi(name = "scheduled_at_ms")]
    pub scheduled_utc: DateTime<Utc>,
    /// The scheduled instant on the local clock, RFC 3339 with its offset.
    pub scheduled_local: DateTime<FixedOffset>,
    /// Upcoming, due, late or missed by the clock (whether or not it was logged).
    pub status: DoseStatus,
    /// A short label for the status in the family's language.
    pub status_label: String,
    /// The live log of the slot, if any (logged on two phones: the first "taken" log).
    pub logged: Option<SlotLog>,
    /// Who logged it and when, in the family's language: "Given by Dad at 8:02 pm".
    pub logged_text: Option<String>,
    /// What to tell the family (none once logged).
    pub guidance: Option<DoseGuidance>,
    /// The guidance sentence in the family's language (none once logged).
    pub guidance_text: Option<String>,
}

/// A medication's dose window (clinical-rules §7, **policy**).
#[uniffi::remote(Record)]
pub struct DoseWindow {
    /// Minutes after the scheduled instant during which the dose is due (default 60).
    pub grace_minutes: u32,
    /// Minutes after the scheduled instant up to which it is late rather than missed;
    /// none: half the dosing interval (6 h twice daily, 12 h once daily).
    #[uniffi(default = None)]
    pub take_window_minutes: Option<u32>,
}

/// What happens to dosing times when the family travels (clinical-rules §7, **policy**).
#[uniffi::remote(Enum)]
pub enum TravelPolicy {
    /// Keep the wall-clock times in the new zone (the default).
    KeepWallClock,
    /// Keep the home zone's instants.
    KeepHomeInstants,
}

/// One medication's own dose window.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MedicationDoseWindow {
    /// The medication.
    pub medication_id: String,
    /// Its window.
    pub window: DoseWindow,
}

/// A patient's reminder policy, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderPolicy {
    /// Dosing times after a time-zone change.
    pub travel: TravelPolicy,
    /// The window of every medication without its own.
    pub default_window: DoseWindow,
    /// Medication-specific windows.
    pub windows: Vec<MedicationDoseWindow>,
    /// A zone change of more than this many minutes gets a shift plan (default 180).
    pub shift_threshold_minutes: u32,
    /// Shortest interval of a shift plan, minutes (default 600).
    pub shift_min_interval_minutes: u32,
    /// Longest interval of a shift plan, minutes (default 840).
    pub shift_max_interval_minutes: u32,
}

fn reminder_policy(policy: service::ReminderPolicy) -> ReminderPolicy {
    let rules = policy.shift_rules;
    ReminderPolicy {
        travel: policy.travel,
        default_window: policy.default_window,
        windows: (policy.windows.into_iter())
            .map(|(medication_id, window)| MedicationDoseWindow {
                medication_id,
                window,
            })
            .collect(),
        shift_threshold_minutes: rules.threshold_minutes,
        shift_min_interval_minutes: rules.min_interval_minutes,
        shift_max_interval_minutes: rules.max_interval_minutes,
    }
}

/// The role of a dose in a travel shift plan.
#[uniffi::remote(Enum)]
pub enum PlannedDoseKind {
    /// The last dose on the home schedule.
    LastHomeDose,
    /// A dose at a shifted time.
    Shifted,
    /// The first dose on the new zone's schedule; the regular schedule continues after it.
    FirstNewZoneDose,
}

/// One dose of a travel shift plan.
#[uniffi::remote(Record)]
pub struct PlannedDose {
    /// When to give it, UTC epoch ms.
    #[uniffi(name = "at_ms")]
    pub instant_utc: DateTime<Utc>,
    /// The same instant on the home clock, RFC 3339.
    pub local_home: DateTime<FixedOffset>,
    /// The same instant on the new zone's clock, RFC 3339.
    pub local_new: DateTime<FixedOffset>,
    /// Its role in the plan.
    pub kind: PlannedDoseKind,
}

/// Counts and rates over the slots scheduled so far.
#[uniffi::remote(Record)]
pub struct AdherenceSummary {
    /// Slots whose instant has passed.
    pub scheduled: u32,
    /// Of those, taken.
    pub taken: u32,
    /// Of those, skipped.
    pub skipped: u32,
    /// Of those, not logged.
    pub missed: u32,
    /// taken ÷ scheduled (none when nothing was scheduled).
    pub taken_rate: Option<f64>,
    /// Taken within the grace of the slot, either side, ÷ scheduled.
    pub on_time_rate: Option<f64>,
}

/// Adherence of one medication.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MedicationAdherence {
    /// The medication.
    pub medication_id: String,
    /// Its drug, when the dose engine knows it (none for most medicines added with
    /// `add_medicine`).
    pub drug: Option<Drug>,
    /// Counts and rates.
    pub summary: AdherenceSummary,
    /// Twice-daily drugs: mean hours between consecutive taken doses.
    pub interval_mean_hours: Option<f64>,
    /// Twice-daily drugs: sample standard deviation of those intervals, hours.
    pub interval_sd_hours: Option<f64>,
    /// Longest run of consecutive slots not taken.
    pub longest_missed_streak: u32,
}

/// How a day went for one medication.
#[uniffi::remote(Enum)]
pub enum AdherenceDayStatus {
    /// Every dose scheduled so far was taken.
    Full,
    /// Some were taken.
    Partial,
    /// None was taken.
    NoneTaken,
    /// No dose was scheduled.
    NoDose,
}

/// One medication on one calendar day.
#[uniffi::remote(Record)]
pub struct AdherenceDayMedication {
    /// The medication.
    pub medication_id: String,
    /// Slots of the day so far.
    pub scheduled: u32,
    /// Of those, taken.
    pub taken: u32,
    /// Full, partial, none or no dose.
    pub status: AdherenceDayStatus,
}

/// One day of the adherence calendar.
#[uniffi::remote(Record)]
pub struct AdherenceDay {
    /// The local date, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// Every medication, in id order.
    pub medications: Vec<AdherenceDayMedication>,
}

/// Adherence over a date range.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AdherenceReport {
    /// All medications together.
    pub overall: AdherenceSummary,
    /// The longest missed streak of any medication.
    pub longest_missed_streak: u32,
    /// Per medication, in id order.
    pub medications: Vec<MedicationAdherence>,
    /// Every date of the range up to today.
    pub calendar: Vec<AdherenceDay>,
}

fn adherence_report(adherence: service::PatientAdherence) -> AdherenceReport {
    let (report, drugs) = (adherence.report, adherence.drugs);
    let medications = (report.medications.into_iter())
        .map(|m| MedicationAdherence {
            drug: drugs.get(&m.medication_id).copied(),
            medication_id: m.medication_id,
            summary: m.summary,
            interval_mean_hours: m.interval_mean_hours,
            interval_sd_hours: m.interval_sd_hours,
            longest_missed_streak: m.longest_missed_streak,
        })
        .collect();
    AdherenceReport {
        overall: report.overall,
        longest_missed_streak: report.longest_missed_streak,
        medications,
        calendar: report.calendar,
    }
}

#[uniffi::export]
impl Diary {
    /// Computes the next 64 reminders from `now_ms` (clinical-rules §7: the iOS limit on pending
    /// notifications) and hands them to `scheduler.replace_pending`. Returns how many were handed.
    ///
    /// Call it when the app starts or resumes, when the device's time zone changes, and after
    /// every `log_dose`, `edit_dose` or `undo_dose` (a taken or skipped dose removes its own
    /// reminder). `device_time_zone` is the phone's current IANA zone (none: at home); `locale` is
    /// `en` or `zh-Hans`. The diary is not locked while the scheduler runs, so it may call back.
    pub fn refresh_notifications(
        &self,
        patient_id: i64,
        now_ms: i64,
        device_time_zone: Option<String>,
        locale: Locale,
        scheduler: Arc<dyn NotificationScheduler>,
    ) -> Result<u32, NephroError> {
        let reminders = self.next_reminders(
            patient_id,
            now_ms,
            device_time_zone,
            IOS_PENDING_NOTIFICATION_LIMIT as u32,
            locale,
        )?;
        let handed = reminders.len() as u32;
        scheduler.replace_pending(reminders)?;
        Ok(handed)
    }

    /// The next `count` reminders at or after `now_ms` (1 to 1000; 64 fills the iOS queue), with
    /// their notification texts. A slot already logged (taken or skipped) has none.
    pub fn next_reminders(
        &self,
        patient_id: i64,
        now_ms: i64,
        device_time_zone: Option<String>,
        count: u32,
        locale: Locale,
    ) -> Result<Vec<ReminderNotification>, NephroError> {
        let now = service::instant_from_millis("now_ms", now_ms)?;
        let zone = service::parse_device_zone(device_time_zone.as_deref())?;
        let notices = self.call(|s| {
            service::next_reminders(s, patient_id.into(), now, zone, count as usize, locale)
        })?;
        Ok(notices
            .into_iter()
            .map(|n| notification(n, false))
            .collect())
    }

    /// Every dose slot of the patient's local today with its status, guidance and log, ordered by
    /// time: what the home screen shows.
    pub fn today_doses(
        &self,
        patient_id: i64,
        now_ms: i64,
        device_time_zone: Option<String>,
        locale: Locale,
    ) -> Result<Vec<DoseSlot>, NephroError> {
        let now = service::instant_from_millis("now_ms", now_ms)?;
        let zone = service::parse_device_zone(device_time_zone.as_deref())?;
        Ok(self.call(|s| service::today_doses(s, patient_id.into(), now, zone, locale))?)
    }

    /// The status of one slot (named by its reminder id) at `now_ms`, with guidance.
    pub fn dose_status(
        &self,
        patient_id: i64,
        reminder_id: String,
        now_ms: i64,
        device_time_zone: Option<String>,
        locale: Locale,
    ) -> Result<DoseSlot, NephroError> {
        let slot = service::SlotRef::parse_reminder_id("reminder_id", &reminder_id)?;
        let now = service::instant_from_millis("now_ms", now_ms)?;
        let zone = service::parse_device_zone(device_time_zone.as_deref())?;
        Ok(self.call(|s| service::dose_status(s, patient_id.into(), &slot, now, zone, locale))?)
    }

    /// Snoozes a reminder by `minutes` from `now_ms`: the same reminder (same id) later, never
    /// past the end of its take-window. None when the dose is logged or the window is over.
    /// The shell schedules the result itself (see the module documentation).
    pub fn snooze(
        &self,
        patient_id: i64,
        reminder_id: String,
        now_ms: i64,
        minutes: u32,
        device_time_zone: Option<String>,
        locale: Locale,
    ) -> Result<Option<ReminderNotification>, NephroError> {
        let slot = service::SlotRef::parse_reminder_id("reminder_id", &reminder_id)?;
        let now = service::instant_from_millis("now_ms", now_ms)?;
        let zone = service::parse_device_zone(device_time_zone.as_deref())?;
        let snoozed = self
            .call(|s| service::snooze(s, patient_id.into(), &slot, now, minutes, zone, locale))?;
        Ok(snoozed.map(|n| notification(n, true)))
    }

    /// Adherence from `from` to `to` (`YYYY-MM-DD`, inclusive, at most 10 years) at `now_ms`.
    pub fn adherence(
        &self,
        patient_id: i64,
        from: String,
        to: String,
        now_ms: i64,
    ) -> Result<AdherenceReport, NephroError> {
        let (from, to) = (parse_date("from", &from)?, parse_date("to", &to)?);
        let now = service::instant_from_millis("now_ms", now_ms)?;
        let adherence = self.call(|s| service::adherence(s, patient_id.into(), from, to, now))?;
        Ok(adherence_report(adherence))
    }

    /// The stepwise plan that moves a twice-daily medication to `new_time_zone`'s wall clock
    /// from `change_date` (`YYYY-MM-DD`); empty when the change is 3 hours or less.
    pub fn shift_plan(
        &self,
        patient_id: i64,
        medication_id: String,
        new_time_zone: String,
        change_date: String,
    ) -> Result<Vec<PlannedDose>, NephroError> {
        let medication = MedicationId::parse("medication_id", &medication_id)?;
        let zone = parse_time_zone("new_time_zone", &new_time_zone)?;
        let date = parse_date("change_date", &change_date)?;
        Ok(self
            .call(|s| service::travel_shift_plan(s, patient_id.into(), &medication, zone, date))?)
    }

    /// The patient's reminder policy, defaults filled in.
    pub fn reminder_policy(&self, patient_id: i64) -> Result<ReminderPolicy, NephroError> {
        let policy = self.call(|s| service::reminder_policy(s, patient_id.into()))?;
        Ok(reminder_policy(policy))
    }

    /// Sets one medication's dose window, or (`medication_id` none) the default of every
    /// medication. Refused when it does not fit a medication it applies to.
    pub fn set_dose_window(
        &self,
        patient_id: i64,
        medication_id: Option<String>,
        window: DoseWindow,
        changed_by: String,
    ) -> Result<(), NephroError> {
        let medication = medication_id
            .as_deref()
            .map(|m| MedicationId::parse("medication_id", m))
            .transpose()?;
        self.call(|s| {
            service::set_dose_window(
                s,
                patient_id.into(),
                medication.as_ref(),
                &window,
                &changed_by,
            )
        })?;
        Ok(())
    }

    /// Sets the travel policy.
    pub fn set_travel_policy(
        &self,
        patient_id: i64,
        policy: TravelPolicy,
        changed_by: String,
    ) -> Result<(), NephroError> {
        self.call(|s| service::set_travel_policy(s, patient_id.into(), policy, &changed_by))?;
        Ok(())
    }
}

/// A drug's name in the family's language (`en` or `zh-Hans`).
#[uniffi::export]
pub fn drug_name(drug: Drug, locale: Locale) -> Result<String, NephroError> {
    Ok(service::drug_name(drug, locale).to_string())
}

/// The stepwise shift plan of a twice-daily drug (`times`, `HH:MM`) moving from `old_time_zone`
/// to `new_time_zone` on `change_date`, with the default limits (3 h threshold, 10–14 h).
#[uniffi::export]
pub fn shift_plan_for(
    old_time_zone: String,
    new_time_zone: String,
    times: Vec<String>,
    change_date: String,
) -> Result<Vec<PlannedDose>, NephroError> {
    let old = parse_time_zone("old_time_zone", &old_time_zone)?;
    let new = parse_time_zone("new_time_zone", &new_time_zone)?;
    let times = times
        .iter()
        .enumerate()
        .map(|(i, t)| parse_clock_time(&format!("times[{i}]"), t))
        .collect::<Result<Vec<_>, Error>>()?;
    let date = parse_date("change_date", &change_date)?;
    Ok(schedule::shift_plan(
        old,
        new,
        &times,
        date,
        &schedule::ShiftRules::default(),
    )?)
}

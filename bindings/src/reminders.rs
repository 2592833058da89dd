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

use nephro_core::ids::PatientId;
use std::sync::Arc;

use nephro_core::diary::parse_period;
pub use nephro_core::diary::reminders::records::{
    MedicationDoseWindow, ReminderPolicyRecord as ReminderPolicy,
};
use nephro_core::diary::reminders::{self as service, DeviceClock};
pub use nephro_core::diary::reminders::{
    DoseSlot, DoseWindow, LoggedSlot as SlotLog, ReminderNotification,
};
use nephro_core::locale::Locale;
use nephro_core::model::MedicationId;
use nephro_core::schedule::IOS_PENDING_NOTIFICATION_LIMIT;
pub use nephro_core::schedule::{
    AdherenceReport, AdherenceSummary, CalendarDay as AdherenceDay,
    DayMedication as AdherenceDayMedication, DayStatus as AdherenceDayStatus, DoseStatus,
    Guidance as DoseGuidance, MedicationAdherence, PlannedDose, PlannedDoseKind, TravelPolicy,
};
pub use nephro_core::uniffi_support::NotificationScheduler;

use crate::records::Drug;
use crate::{Diary, NephroError};

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
        patient_id: PatientId,
        now_ms: i64,
        device_time_zone: Option<String>,
        locale: Locale,
        scheduler: Arc<dyn NotificationScheduler>,
    ) -> Result<u32, NephroError> {
        let limit = IOS_PENDING_NOTIFICATION_LIMIT as u32;
        let reminders = self.next_reminders(patient_id, now_ms, device_time_zone, limit, locale)?;
        let handed = reminders.len() as u32;
        scheduler.replace_pending(reminders)?;
        Ok(handed)
    }

    /// The next `count` reminders at or after `now_ms` (1 to 1000; 64 fills the iOS queue), with
    /// their notification texts. A slot already logged (taken or skipped) has none.
    pub fn next_reminders(
        &self,
        patient_id: PatientId,
        now_ms: i64,
        device_time_zone: Option<String>,
        count: u32,
        locale: Locale,
    ) -> Result<Vec<ReminderNotification>, NephroError> {
        let clock = DeviceClock::read(now_ms, device_time_zone.as_deref())?;
        self.call_into(|s| service::next_notifications(s, patient_id, clock, count, locale))
    }

    /// Every dose slot of the patient's local today with its status, guidance and log, ordered by
    /// time: what the home screen shows.
    pub fn today_doses(
        &self,
        patient_id: PatientId,
        now_ms: i64,
        device_time_zone: Option<String>,
        locale: Locale,
    ) -> Result<Vec<DoseSlot>, NephroError> {
        let clock = DeviceClock::read(now_ms, device_time_zone.as_deref())?;
        self.call_into(|s| service::today_doses(s, patient_id, clock.now, clock.zone, locale))
    }

    /// The status of one slot (named by its reminder id) at `now_ms`, with guidance.
    pub fn dose_status(
        &self,
        patient_id: PatientId,
        reminder_id: String,
        now_ms: i64,
        device_time_zone: Option<String>,
        locale: Locale,
    ) -> Result<DoseSlot, NephroError> {
        let slot = service::SlotRef::parse_reminder_id("reminder_id", &reminder_id)?;
        let clock = DeviceClock::read(now_ms, device_time_zone.as_deref())?;
        self.call_into(|s| {
            service::dose_status(s, patient_id, &slot, clock.now, clock.zone, locale)
        })
    }

    /// Snoozes a reminder by `minutes` from `now_ms`: the same reminder (same id) later, never
    /// past the end of its take-window. None when the dose is logged or the window is over.
    /// The shell schedules the result itself (see the module documentation).
    pub fn snooze(
        &self,
        patient_id: PatientId,
        reminder_id: String,
        now_ms: i64,
        minutes: u32,
        device_time_zone: Option<String>,
        locale: Locale,
    ) -> Result<Option<ReminderNotification>, NephroError> {
        let slot = service::SlotRef::parse_reminder_id("reminder_id", &reminder_id)?;
        let clock = DeviceClock::read(now_ms, device_time_zone.as_deref())?;
        self.call_into(|s| {
            service::snooze_notification(s, patient_id, &slot, clock, minutes, locale)
        })
    }

    /// Adherence from `from` to `to` (`YYYY-MM-DD`, inclusive, at most 10 years) at `now_ms`.
    pub fn adherence(
        &self,
        patient_id: PatientId,
        from: String,
        to: String,
        now_ms: i64,
    ) -> Result<AdherenceReport, NephroError> {
        let (from, to) = parse_period(&from, &to)?;
        let now = service::instant_from_millis("now_ms", now_ms)?;
        let adherence = self.call(|s| service::adherence(s, patient_id, from, to, now))?;
        Ok(adherence.report)
    }

    /// The stepwise plan that moves a twice-daily medication to `new_time_zone`'s wall clock
    /// from `change_date` (`YYYY-MM-DD`); empty when the change is 3 hours or less.
    pub fn shift_plan(
        &self,
        patient_id: PatientId,
        medication_id: String,
        new_time_zone: String,
        change_date: String,
    ) -> Result<Vec<PlannedDose>, NephroError> {
        let (medication, zone, date) =
            service::parse_shift_request(&medication_id, &new_time_zone, &change_date)?;
        self.call_into(|s| service::travel_shift_plan(s, patient_id, &medication, zone, date))
    }

    /// The patient's reminder policy, defaults filled in.
    pub fn reminder_policy(&self, patient_id: PatientId) -> Result<ReminderPolicy, NephroError> {
        self.call_into(|s| service::reminder_policy(s, patient_id))
    }

    /// Sets one medication's dose window, or (`medication_id` none) the default of every
    /// medication. Refused when it does not fit a medication it applies to.
    pub fn set_dose_window(
        &self,
        patient_id: PatientId,
        medication_id: Option<String>,
        window: DoseWindow,
        changed_by: String,
    ) -> Result<(), NephroError> {
        let medication = MedicationId::parse_optional("medication_id", medication_id.as_deref())?;
        self.call_into(|s| {
            service::set_dose_window(s, patient_id, medication.as_ref(), &window, &changed_by)
        })
    }

    /// Sets the travel policy.
    pub fn set_travel_policy(
        &self,
        patient_id: PatientId,
        policy: TravelPolicy,
        changed_by: String,
    ) -> Result<(), NephroError> {
        self.call_into(|s| service::set_travel_policy(s, patient_id, policy, &changed_by))
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
    Ok(service::shift_plan_for(
        &old_time_zone,
        &new_time_zone,
        &times,
        &change_date,
    )?)
}

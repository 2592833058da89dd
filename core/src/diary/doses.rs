//! Logging and editing doses: the checks of clinical-rules §10 (dose timing) and of the
//! medication's schedule, made in one read of the diary, before the store writes. These are
//! methods of [`Store`] so that a shell keeps one object; the store's own part
//! (`Store::insert_dose_log`, `Store::revise`) only stores.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::bounds;
use crate::diary::reminders::{slot_timing, SlotRef};
use crate::error::{Error, Result};
use crate::model::{
    require_storable_date, require_text, DoseEdit, DoseLogEntry, DoseOutcome, EpochMillis,
    MedicationId, NewDoseLog,
};
use crate::schedule::check_log_timing;
use crate::store::NextDoseRevision;
use crate::store::Store;
use crate::taper::course::build_course_calendar;

impl Store {
    /// Logs a dose for a scheduled slot. Logging the same `client_id` again returns the stored
    /// entry unchanged (a double tap or a retry stores the dose once, whatever the clock says
    /// then); a different dose under a used `client_id`, or a second live log for the same slot,
    /// is a conflict.
    ///
    /// `device_now_ms` is the clock of the device that logs (UTC epoch ms) and `device_zone` the phone's
    /// current IANA zone (none: at home), the same two values the reminders were made with: the
    /// slot's local date and time are read in that zone. Clinical-rules §10 "Dose timing"
    /// ([`crate::schedule::check_log_timing`], with the medication's take-window of §7): a slot
    /// more than its take-window after `device_now_ms` cannot be logged yet (`slot_date`); a dose logged
    /// as taken has `actual_at_ms` no earlier than the slot minus its take-window and no later
    /// than `device_now_ms` plus 5 minutes. A steroid course's dose must be for a dosing day and
    /// time of its calendar. Dates and instants outside 1900–2200 are refused
    /// ([`crate::bounds`]: `slot_date`, `actual_at_ms`, `now_ms` for the clock). Nothing is stored when refused.
    pub fn log_dose(
        &mut self,
        dose: &NewDoseLog,
        device_now_ms: EpochMillis,
        device_zone: Option<Tz>,
    ) -> Result<DoseLogEntry> {
        require_text("client_id", &dose.client_id, 100)?;
        require_text("logged_by", &dose.logged_by, 100)?;
        let note = crate::store::urine::clean_note(dose.note.as_deref())?;
        require_storable_date("slot_date", dose.slot_date)?;
        let actual = bounds::instant_ms("actual_at_ms", dose.actual_at_ms)?;
        let now = bounds::instant_ms("now_ms", device_now_ms)?;
        // A resubmission is recognised by the store before any timing rule.
        match self.dose(&dose.client_id) {
            Ok(_) => return self.insert_dose_log(dose, note, None),
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        // The checks read the diary once; the store then writes only if the course they checked
        // is still the latest version.
        let checked_course_version = self.in_one_read(|| {
            check_timing(
                self,
                &dose.medication,
                dose.slot_date,
                dose.slot_time,
                dose.outcome,
                actual,
                now,
                device_zone,
            )?;
            match &dose.medication {
                MedicationId::Course(key) => {
                    require_course_slot(self, key, dose.slot_date, dose.slot_time).map(Some)
                }
                _ => Ok(None),
            }
        })?;
        self.insert_dose_log(dose, note, checked_course_version)
    }

    /// Changes a logged dose (outcome, time or note); the previous revision stays in the
    /// history. An edit that only changes the note is a revision like any other (a note that
    /// is too long or holds control characters is refused naming `note`).
    /// `device_now_ms` and `device_zone` are the device's clock and zone, checked as in
    /// [`Store::log_dose`] (clinical-rules §10): the new time of a dose taken lies between the
    /// slot minus its take-window and `device_now_ms` plus 5 minutes, within 1900–2200.
    pub fn edit_dose(
        &mut self,
        client_id: &str,
        edit: &DoseEdit,
        device_now_ms: EpochMillis,
        device_zone: Option<Tz>,
    ) -> Result<DoseLogEntry> {
        require_text("edited_by", &edit.edited_by, 100)?;
        // None keeps the current note; a blank text removes it.
        let new_note = match &edit.note {
            Some(text) => Some(crate::store::urine::clean_note(Some(text))?),
            None => None,
        };
        let actual = bounds::instant_ms("actual_at_ms", edit.actual_at_ms)?;
        let now = bounds::instant_ms("now_ms", device_now_ms)?;
        let current = self.dose(client_id)?;
        if current.undone {
            return Err(Error::conflict(
                crate::error::ConflictKind::Retracted,
                "dose_log",
            ));
        }
        let slot = &current.dose;
        check_timing(
            self,
            &slot.medication,
            slot.slot_date,
            slot.slot_time,
            edit.outcome,
            actual,
            now,
            device_zone,
        )?;
        self.revise(client_id, |current| {
            if current.undone {
                return Err(Error::conflict(
                    crate::error::ConflictKind::Retracted,
                    "dose_log",
                ));
            }
            Ok(NextDoseRevision {
                outcome: edit.outcome,
                actual_at_ms: edit.actual_at_ms,
                note: new_note.unwrap_or_else(|| current.dose.note.clone()),
                by: edit.edited_by.clone(),
                undone: false,
            })
        })
    }
}

/// The dose-timing rule of clinical-rules §10 for a slot, on the device's clock.
#[allow(clippy::too_many_arguments)]
fn check_timing(
    store: &Store,
    medication: &MedicationId,
    slot_date: NaiveDate,
    slot_time: NaiveTime,
    outcome: DoseOutcome,
    actual: DateTime<Utc>,
    now: DateTime<Utc>,
    device_zone: Option<Tz>,
) -> Result<()> {
    let slot = SlotRef {
        medication: medication.clone(),
        date: slot_date,
        time: slot_time,
    };
    let (scheduled, take_window) = slot_timing(store, &slot, now, device_zone)?;
    check_log_timing(
        scheduled,
        take_window,
        outcome == DoseOutcome::Taken,
        actual,
        now,
    )
}

/// Refuses a steroid dose for a slot that the latest version of the course does not schedule: the
/// time must be one of the course's times and the date a dosing day of its calendar at that time
/// (provisional through the slot's date while remission is not confirmed, clinical-rules §4).
/// Returns the version checked.
fn require_course_slot(
    store: &Store,
    course_key: &str,
    date: NaiveDate,
    time: NaiveTime,
) -> Result<i64> {
    let course = store.course(course_key, None)?;
    if !course.times.contains(&time) {
        return Err(Error::invalid(
            "slot_time",
            "is not one of the course's dosing times",
        ));
    }
    let version = course.version;
    let patient_id = course.patient_id;
    let courses = store.courses(patient_id)?;
    let calendar = build_course_calendar(
        course,
        &courses,
        |from| store.relapse_readings_from(patient_id, from),
        date,
    )?;
    if !calendar.slots_on(date).iter().any(|slot| slot.time == time) {
        return Err(Error::invalid(
            "slot_date",
            "is not a dosing day of the course's calendar",
        ));
    }
    Ok(version)
}

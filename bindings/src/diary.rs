//! The `Diary` object: one open diary file.

use nephro_core::ids::{PatientId, RegimenId};
use std::sync::{Arc, Mutex};

use nephro_core::dates::parse_date;
use nephro_core::diary::parse_period;
use nephro_core::diary::records::records_from;
use nephro_core::diary::reminders::parse_device_zone;
use nephro_core::model::DoseEdit;
use nephro_core::store::Store;

use crate::records::*;
use crate::NephroError;

/// Calculates a weight-based dose (clinical-rules §3) without storing anything.
#[uniffi::export]
pub fn calculate_dose(request: DoseRequest) -> Result<DoseResult, NephroError> {
    Ok(request.calculate()?)
}

/// One open diary file. Calls are synchronous and short; call them off the UI thread.
/// Every write is one short transaction, so the app may be suspended between calls.
#[derive(uniffi::Object)]
pub struct Diary {
    store: Mutex<Store>,
}

impl Diary {
    /// Runs one call on the store. Every call goes through here, so every error is classified
    /// by the store ([`Store::note`]): damage becomes [`NephroError::CorruptDatabase`] naming
    /// the diary's file and stops every later write; a refused write on a read-only file is
    /// [`NephroError::ReadOnly`].
    ///
    /// A failure is told to the diagnostics reporter (if one is registered) under the name of
    /// the method `f` is written in, once the store is released.
    pub(crate) fn call<T, F>(&self, f: F) -> nephro_core::Result<T>
    where
        F: FnOnce(&mut Store) -> nephro_core::Result<T>,
    {
        let outcome = {
            // A panic inside a call cannot leave a half-written transaction (it rolls back), so
            // a poisoned lock still guards a consistent store.
            let mut store = self
                .store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut store).map_err(|e| store.note(e))
        };
        if let Err(error) = &outcome {
            crate::diagnostics::report_failure(crate::diagnostics::operation_of::<F>(), error);
        }
        outcome
    }

    /// Runs one call on the store ([`Diary::call`]) and converts what it returns into the record
    /// the shell reads (its own type when the core's record crosses as it is).
    pub(crate) fn call_into<T, R, F>(&self, f: F) -> Result<R, NephroError>
    where
        R: From<T>,
        F: FnOnce(&mut Store) -> nephro_core::Result<T>,
    {
        Ok(self.call(f)?.into())
    }
}

#[uniffi::export]
impl Diary {
    /// Opens the diary file at `path`, creating a new diary when there is no file.
    ///
    /// Only a real file that is a diary opens: an empty path, `:memory:` or a `file:` URI is
    /// [`NephroError::Validation`] (`path`); a text file, an empty file or another app's
    /// database is [`NephroError::NotADiary`] and left untouched. A diary too damaged to open is
    /// moved aside, kept, and reported as [`NephroError::CorruptDatabase`]; opening the path
    /// again starts a new diary. On a read-only volume the diary opens for reading and every
    /// write is [`NephroError::ReadOnly`].
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Diary>, NephroError> {
        let store = Store::open(path).inspect_err(|e| {
            crate::diagnostics::report_failure("open", e);
        })?;
        Ok(Arc::new(Diary {
            store: Mutex::new(store),
        }))
    }

    /// Copies the diary to a new file at `target` through SQLite's online backup API (the copy
    /// holds every committed change and needs no `-wal` beside it). An existing file at `target`
    /// is never replaced. Returns the path written.
    pub fn backup_to(&self, target: String) -> Result<String, NephroError> {
        let written = self.call(|s| s.backup_to(&target))?;
        Ok(written.display().to_string())
    }

    /// Checkpoints the write-ahead log into the diary file, so that the file alone holds every
    /// change (also done when the diary is released). Call it when the app goes to the
    /// background.
    pub fn checkpoint(&self) -> Result<(), NephroError> {
        self.call_into(|s| s.checkpoint())
    }

    /// Whether the diary opened read-only (a read-only volume): reads work, writes are refused.
    pub fn is_read_only(&self) -> bool {
        self.call(|s| Ok(s.is_read_only())).unwrap_or(false)
    }

    /// Creates a patient profile.
    pub fn create_patient(&self, profile: PatientProfile) -> Result<Patient, NephroError> {
        let profile = profile.parse()?;
        self.call_into(|s| s.create_patient(&profile))
    }

    /// Replaces a patient's profile.
    pub fn update_patient(
        &self,
        patient_id: PatientId,
        profile: PatientProfile,
    ) -> Result<Patient, NephroError> {
        let profile = profile.parse()?;
        self.call_into(|s| s.update_patient(patient_id, &profile))
    }

    /// A patient by id.
    pub fn patient(&self, patient_id: PatientId) -> Result<Patient, NephroError> {
        self.call_into(|s| s.patient(patient_id))
    }

    /// Every patient in the diary.
    pub fn patients(&self) -> Result<Vec<Patient>, NephroError> {
        self.call_into(|s| s.patients().map(records_from))
    }

    /// Records a weight and/or height. A value implausible for this child (clinical-rules §10: a
    /// weight more than 20 % from its neighbour by date, a height falling by more than 2 cm or
    /// rising by more than 10 cm within 90 days, a first value more than 4 SD from the median
    /// for age and sex; limits in [`Diary::plausibility_policy`]) is refused with
    /// [`NephroError::NeedsConfirmation`] naming the check; ask the family ("20.0 or 200 kg?")
    /// and send it again with `confirmed` true. Nothing is stored until then. A date before the
    /// child's birth is refused as invalid.
    pub fn add_measurement(
        &self,
        patient_id: PatientId,
        measurement: Measurement,
    ) -> Result<Measurement, NephroError> {
        let m = measurement.parse()?;
        self.call_into(|s| s.add_measurement(patient_id, &m))
    }

    /// A patient's measurements, oldest first.
    pub fn measurements(&self, patient_id: PatientId) -> Result<Vec<Measurement>, NephroError> {
        self.call_into(|s| s.measurements(patient_id).map(records_from))
    }

    /// Stores a regimen, calculating its dose on the latest weight on or before its start.
    pub fn add_regimen(
        &self,
        patient_id: PatientId,
        regimen: RegimenInput,
    ) -> Result<Regimen, NephroError> {
        let r = regimen.parse()?;
        self.call_into(|s| s.add_regimen(patient_id, &r))
    }

    /// Ends a regimen on a date (`YYYY-MM-DD`); it stays in the history.
    pub fn end_regimen(
        &self,
        regimen_id: RegimenId,
        end_date: String,
    ) -> Result<Regimen, NephroError> {
        let end = parse_date("end_date", &end_date)?;
        self.call_into(|s| s.end_regimen(regimen_id, end))
    }

    /// A patient's regimens, oldest first.
    pub fn regimens(&self, patient_id: PatientId) -> Result<Vec<Regimen>, NephroError> {
        self.call_into(|s| s.regimens(patient_id).map(records_from))
    }

    /// Logs a dose. Resubmitting the same `client_id` returns the stored entry unchanged.
    ///
    /// `now_ms` is the phone's clock when the parent taps (UTC epoch ms) and `device_time_zone`
    /// its current IANA zone (none: at home) — the same two values the reminders and
    /// `today_doses` were asked with, so the slot's local date and time are read in the same zone.
    /// Refused with `Validation` (clinical-rules §10, nothing stored): a slot more than its
    /// take-window after `now_ms` (`slot_date`: "cannot be logged yet", e.g. tomorrow morning's
    /// dose tapped tonight; 19:55 for the 20:00 dose is fine); a dose taken with `actual_at_ms`
    /// earlier than the slot minus its take-window, or later than `now_ms` plus 5 minutes
    /// (`actual_at_ms`); any date or instant outside 1900–2200 (`slot_date`, `actual_at_ms`,
    /// `now_ms`).
    pub fn log_dose(
        &self,
        dose: DoseLogInput,
        now_ms: i64,
        device_time_zone: Option<String>,
    ) -> Result<DoseLogEntry, NephroError> {
        let d = dose.parse()?;
        let zone = parse_device_zone(device_time_zone.as_deref())?;
        self.call_into(|s| s.log_dose(&d, now_ms, zone))
    }

    /// Changes a logged dose's outcome, time or note; the previous revision stays in the
    /// history. `now_ms` and `device_time_zone` are the phone's clock and zone, checked as in
    /// [`Diary::log_dose`]: the new time of a dose taken lies between its slot minus the
    /// take-window and `now_ms` plus 5 minutes (clinical-rules §10). `note`: none keeps the
    /// dose's note, a text replaces it (at most 500 characters), a blank text removes it; an
    /// edit of only the note is a revision.
    #[uniffi::method(default(note = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn edit_dose(
        &self,
        client_id: String,
        outcome: DoseOutcome,
        actual_at_ms: i64,
        edited_by: String,
        now_ms: i64,
        device_time_zone: Option<String>,
        note: Option<String>,
    ) -> Result<DoseLogEntry, NephroError> {
        let edit = DoseEdit::new(outcome, actual_at_ms, edited_by).with_note(note);
        let zone = parse_device_zone(device_time_zone.as_deref())?;
        self.call_into(|s| s.edit_dose(&client_id, &edit, now_ms, zone))
    }

    /// Undoes a logged dose; it stays in the history and no longer counts.
    pub fn undo_dose(
        &self,
        client_id: String,
        undone_by: String,
    ) -> Result<DoseLogEntry, NephroError> {
        self.call_into(|s| s.undo_dose(&client_id, &undone_by))
    }

    /// A logged dose by client id.
    pub fn dose(&self, client_id: String) -> Result<DoseLogEntry, NephroError> {
        self.call_into(|s| s.dose(&client_id))
    }

    /// Every revision of a logged dose, oldest first.
    pub fn dose_history(&self, client_id: String) -> Result<Vec<DoseRevision>, NephroError> {
        self.call_into(|s| s.dose_history(&client_id))
    }

    /// A patient's logged doses with slot dates from `from` to `to` (inclusive, `YYYY-MM-DD`).
    pub fn dose_logs(
        &self,
        patient_id: PatientId,
        from: String,
        to: String,
    ) -> Result<Vec<DoseLogEntry>, NephroError> {
        let (from, to) = parse_period(&from, &to)?;
        self.call_into(|s| s.dose_logs(patient_id, from, to).map(records_from))
    }
}

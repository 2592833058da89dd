//! The `Diary` object: one open diary file.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use nephro_core::dates::parse_date;
use nephro_core::store::{classify_error, Store};
use nephro_core::{dose, model};

use crate::records::*;
use crate::NephroError;

/// Calculates a weight-based dose (clinical-rules §3) without storing anything.
#[uniffi::export]
pub fn calculate_dose(request: DoseRequest) -> Result<DoseResult, NephroError> {
    let request: dose::DoseRequest = request.try_into()?;
    Ok(dose::calculate_dose(&request)?.into())
}

/// One open diary file. Calls are synchronous and short; call them off the UI thread.
/// Every write is one short transaction, so the app may be suspended between calls.
#[derive(uniffi::Object)]
pub struct Diary {
    store: Mutex<Store>,
    /// The diary file, named in [`NephroError::CorruptDatabase`] when damage is met.
    path: PathBuf,
    /// Damage was met by a call: every later write is refused, the file is kept.
    damaged: AtomicBool,
}

impl Diary {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic inside a call cannot leave a half-written transaction (it rolls back), so a
        // poisoned lock still guards a consistent store.
        let store = self
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.damaged.load(Ordering::Relaxed) && !store.is_damaged() {
            // A read met the damage: stop the writes too.
            store.note(nephro_core::Error::CorruptDatabase {
                kept_at: self.path.clone(),
            });
        }
        store
    }
}

/// Passes the error of a call on a diary through the store's classification
/// ([`nephro_core::store::classify_error`]): damage becomes [`NephroError::CorruptDatabase`]
/// naming the diary's file and stops every later write.
pub(crate) trait Noted<T> {
    /// The result, with damage and read-only refusals classified.
    fn noted(self, diary: &Diary) -> Result<T, nephro_core::Error>;
}

impl<T> Noted<T> for Result<T, nephro_core::Error> {
    fn noted(self, diary: &Diary) -> Result<T, nephro_core::Error> {
        self.map_err(|error| {
            let error = classify_error(error, &diary.path);
            if matches!(error, nephro_core::Error::CorruptDatabase { .. }) {
                diary.damaged.store(true, Ordering::Relaxed);
            }
            error
        })
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
        let store = Store::open(&path)?;
        Ok(Arc::new(Diary {
            store: Mutex::new(store),
            path: PathBuf::from(path),
            damaged: AtomicBool::new(false),
        }))
    }

    /// Copies the diary to a new file at `target` through SQLite's online backup API (the copy
    /// holds every committed change and needs no `-wal` beside it). An existing file at `target`
    /// is never replaced. Returns the path written.
    pub fn backup_to(&self, target: String) -> Result<String, NephroError> {
        let written = self.store().backup_to(&target).noted(self)?;
        Ok(written.display().to_string())
    }

    /// Checkpoints the write-ahead log into the diary file, so that the file alone holds every
    /// change (also done when the diary is released). Call it when the app goes to the
    /// background.
    pub fn checkpoint(&self) -> Result<(), NephroError> {
        Ok(self.store().checkpoint().noted(self)?)
    }

    /// Whether the diary opened read-only (a read-only volume): reads work, writes are refused.
    pub fn is_read_only(&self) -> bool {
        self.store().is_read_only()
    }

    /// Creates a patient profile.
    pub fn create_patient(&self, profile: PatientProfile) -> Result<Patient, NephroError> {
        Ok(self
            .store()
            .create_patient(&profile.try_into()?)
            .noted(self)?
            .into())
    }

    /// Replaces a patient's profile.
    pub fn update_patient(
        &self,
        patient_id: i64,
        profile: PatientProfile,
    ) -> Result<Patient, NephroError> {
        Ok(self
            .store()
            .update_patient(patient_id, &profile.try_into()?)?
            .into())
    }

    /// A patient by id.
    pub fn patient(&self, patient_id: i64) -> Result<Patient, NephroError> {
        Ok(self.store().patient(patient_id).noted(self)?.into())
    }

    /// Every patient in the diary.
    pub fn patients(&self) -> Result<Vec<Patient>, NephroError> {
        Ok(self
            .store()
            .patients()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Records a weight and/or height.
    pub fn add_measurement(
        &self,
        patient_id: i64,
        measurement: Measurement,
    ) -> Result<Measurement, NephroError> {
        let m: model::Measurement = measurement.try_into()?;
        Ok(self
            .store()
            .add_measurement(patient_id, &m)
            .noted(self)?
            .into())
    }

    /// A patient's measurements, oldest first.
    pub fn measurements(&self, patient_id: i64) -> Result<Vec<Measurement>, NephroError> {
        Ok(self
            .store()
            .measurements(patient_id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Stores a regimen, calculating its dose on the latest weight on or before its start.
    pub fn add_regimen(
        &self,
        patient_id: i64,
        regimen: RegimenInput,
    ) -> Result<Regimen, NephroError> {
        let r: model::NewRegimen = regimen.try_into()?;
        Ok(self.store().add_regimen(patient_id, &r).noted(self)?.into())
    }

    /// Ends a regimen on a date (`YYYY-MM-DD`); it stays in the history.
    pub fn end_regimen(&self, regimen_id: i64, end_date: String) -> Result<Regimen, NephroError> {
        let end = parse_date("end_date", &end_date)?;
        Ok(self
            .store()
            .end_regimen(regimen_id, end)
            .noted(self)?
            .into())
    }

    /// A patient's regimens, oldest first.
    pub fn regimens(&self, patient_id: i64) -> Result<Vec<Regimen>, NephroError> {
        Ok(self
            .store()
            .regimens(patient_id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Logs a dose. Resubmitting the same `client_id` returns the stored entry unchanged.
    pub fn log_dose(&self, dose: DoseLogInput) -> Result<DoseLogEntry, NephroError> {
        let d: model::NewDoseLog = dose.try_into()?;
        Ok(self.store().log_dose(&d).noted(self)?.into())
    }

    /// Changes a logged dose's outcome or time; the previous revision stays in the history.
    pub fn edit_dose(
        &self,
        client_id: String,
        outcome: DoseOutcome,
        actual_at_ms: i64,
        edited_by: String,
    ) -> Result<DoseLogEntry, NephroError> {
        let edit = model::DoseEdit {
            outcome: outcome.into(),
            actual_at_ms,
            edited_by,
        };
        Ok(self
            .store()
            .edit_dose(&client_id, &edit)
            .noted(self)?
            .into())
    }

    /// Undoes a logged dose; it stays in the history and no longer counts.
    pub fn undo_dose(
        &self,
        client_id: String,
        undone_by: String,
    ) -> Result<DoseLogEntry, NephroError> {
        Ok(self
            .store()
            .undo_dose(&client_id, &undone_by)
            .noted(self)?
            .into())
    }

    /// A logged dose by client id.
    pub fn dose(&self, client_id: String) -> Result<DoseLogEntry, NephroError> {
        Ok(self.store().dose(&client_id).noted(self)?.into())
    }

    /// Every revision of a logged dose, oldest first.
    pub fn dose_history(&self, client_id: String) -> Result<Vec<DoseRevision>, NephroError> {
        Ok(self
            .store()
            .dose_history(&client_id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A patient's logged doses with slot dates from `from` to `to` (inclusive, `YYYY-MM-DD`).
    pub fn dose_logs(
        &self,
        patient_id: i64,
        from: String,
        to: String,
    ) -> Result<Vec<DoseLogEntry>, NephroError> {
        let (from, to) = (parse_date("from", &from)?, parse_date("to", &to)?);
        Ok(self
            .store()
            .dose_logs(patient_id, from, to)?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

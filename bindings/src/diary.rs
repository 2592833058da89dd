//! The `Diary` object: one open diary file.

use std::sync::{Arc, Mutex, MutexGuard};

use nephro_core::dates::parse_date;
use nephro_core::store::Store;
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
}

impl Diary {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic inside a call cannot leave a half-written transaction (it rolls back), so a
        // poisoned lock still guards a consistent store.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[uniffi::export]
impl Diary {
    /// Opens (or creates) the diary file at `path`. A damaged file is moved aside and
    /// reported as [`NephroError::CorruptDatabase`]; opening again starts a new diary.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Diary>, NephroError> {
        Ok(Arc::new(Diary {
            store: Mutex::new(Store::open(path)?),
        }))
    }

    /// Creates a patient profile.
    pub fn create_patient(&self, profile: PatientProfile) -> Result<Patient, NephroError> {
        Ok(self.store().create_patient(&profile.try_into()?)?.into())
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
        Ok(self.store().patient(patient_id)?.into())
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

    /// Records a weight and/or height. A value implausible for this child (clinical-rules §10: a
    /// weight more than 20 % from its neighbour by date, a height falling by more than 2 cm or
    /// rising by more than 10 cm within 90 days, a first value more than 4 SD from the median
    /// for age and sex; limits in [`Diary::plausibility_policy`]) is refused with
    /// [`NephroError::NeedsConfirmation`] naming the check; ask the family ("20.0 or 200 kg?")
    /// and send it again with `confirmed` true. Nothing is stored until then. A date before the
    /// child's birth is refused as invalid.
    pub fn add_measurement(
        &self,
        patient_id: i64,
        measurement: Measurement,
    ) -> Result<Measurement, NephroError> {
        let m: model::Measurement = measurement.try_into()?;
        Ok(self.store().add_measurement(patient_id, &m)?.into())
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
        Ok(self.store().add_regimen(patient_id, &r)?.into())
    }

    /// Ends a regimen on a date (`YYYY-MM-DD`); it stays in the history.
    pub fn end_regimen(&self, regimen_id: i64, end_date: String) -> Result<Regimen, NephroError> {
        let end = parse_date("end_date", &end_date)?;
        Ok(self.store().end_regimen(regimen_id, end)?.into())
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
        Ok(self.store().log_dose(&d)?.into())
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
        Ok(self.store().edit_dose(&client_id, &edit)?.into())
    }

    /// Undoes a logged dose; it stays in the history and no longer counts.
    pub fn undo_dose(
        &self,
        client_id: String,
        undone_by: String,
    ) -> Result<DoseLogEntry, NephroError> {
        Ok(self.store().undo_dose(&client_id, &undone_by)?.into())
    }

    /// A logged dose by client id.
    pub fn dose(&self, client_id: String) -> Result<DoseLogEntry, NephroError> {
        Ok(self.store().dose(&client_id)?.into())
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

//! Prescribing a regimen: its dose calculated (clinical-rules §3) on the latest weight, and
//! height for a mg/m² rate, on or before its start (§2), in one read of the diary before the
//! store writes (`Store::insert_regimen` only stores). A method of [`Store`] so that a shell
//! keeps one object.

use crate::diary::measurements::{checked_write, latest_on_or_before};
use crate::dose::{DoseRate, DoseResult};
use crate::error::{Error, Result};
use crate::ids::{MeasurementId, PatientId};
use crate::model::{NewRegimen, Regimen};
use crate::store::{validate_regimen, Store};

impl Store {
    /// Stores a regimen, calculating its dose on the latest weight (and height) on or before its
    /// start date (clinical-rules §2–3). An out-of-range rate without override is refused.
    pub fn add_regimen(&mut self, patient_id: PatientId, new: &NewRegimen) -> Result<Regimen> {
        validate_regimen(new)?;
        self.require_writable()?;
        checked_write(|| {
            let (prescribed, checked_latest) =
                self.in_one_read(|| prescribe(self, patient_id, new))?;
            let Prescribed {
                prescription,
                weight_kg,
                dose,
            } = prescribed;
            self.insert_regimen(patient_id, prescription, weight_kg, dose, checked_latest)
        })
    }
}

/// A regimen as it is stored: the prescription with its rate resolved, the weight the dose was
/// calculated on, and the dose.
struct Prescribed {
    prescription: NewRegimen,
    weight_kg: f64,
    dose: DoseResult,
}

/// The dose of `new` on the patient's measurements (clinical-rules §2–3), with the newest
/// measurement it was calculated against.
fn prescribe(
    store: &Store,
    patient_id: PatientId,
    new: &NewRegimen,
) -> Result<(Prescribed, Option<MeasurementId>)> {
    // The patient is refused as not found before its measurements are read.
    store.require_patient(patient_id)?;
    let history = store.measurements(patient_id)?;
    let weight_kg =
        latest_on_or_before(&history, new.start_date, |m| m.weight_kg).ok_or_else(|| {
            Error::invalid(
                "weight_kg",
                "record a weight on or before the regimen's start date first",
            )
        })?;
    let rate = match new.rate {
        DoseRate::MgPerM2PerDay { rate, .. } => {
            let height_cm = latest_on_or_before(&history, new.start_date, |m| m.height_cm)
                .ok_or_else(|| {
                    Error::invalid(
                        "height_cm",
                        "a mg/m² rate needs a height on or before the start date",
                    )
                })?;
            DoseRate::MgPerM2PerDay { rate, height_cm }
        }
        kg => kg,
    };
    let prescription = NewRegimen {
        rate,
        ..new.clone()
    };
    let dose = prescription.dose_on(weight_kg, new.override_range)?;
    let prescribed = Prescribed {
        prescription,
        weight_kg,
        dose,
    };
    Ok((prescribed, store.latest_measurement_id(patient_id)?))
}

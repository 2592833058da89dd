//! Every medicine the child takes (clinical-rules §12): any medicine with any schedule (added,
//! listed and stopped in a diary), steroid calendars given as a liquid, the
//! cumulative cyclophosphamide dose, and what the family reads for a liquid dose. Converts and
//! delegates to `nephro_core::medicine`.

use nephro_core::dates::parse_date;
use nephro_core::diary::records::records_from;
use nephro_core::ids::{MedicineId, PatientId};
use nephro_core::locale::Locale;
pub use nephro_core::medicine::input::{
    MedicineAmountInput, MedicineDaysInput, MedicineNameInput, MedicineRecord,
    MedicineScheduleInput, NewMedicineInput,
};
use nephro_core::medicine::known::KnownMedicine;
pub use nephro_core::medicine::known::KnownMedicineInfo;

use crate::{Diary, LiquidInput, NephroError, TaperCaseInput};
pub use nephro_core::medicine::cyclophosphamide::{
    CyclophosphamideCumulative, CyclophosphamideInput, CyclophosphamidePlan, DatedWeightInput,
    TakenDoseInput,
};
pub use nephro_core::medicine::liquid_taper::{LiquidTaperCalendar, LiquidTaperDay};

/// Builds a steroid calendar given as a liquid, without storing anything: every dosing day in mg
/// and mL (clinical-rules §4 with §12). `input.tablet_mg` and `input.allow_half` must be empty
/// (field named otherwise). Refuses a bad concentration or graduation naming
/// `liquid.concentration_mg_per_ml` / `liquid.syringe_step_ml`, and a dosing day the syringe
/// cannot measure with `NotMeasurable` (its message names the date).
#[uniffi::export]
pub fn build_liquid_taper_calendar(
    input: TaperCaseInput,
    liquid: LiquidInput,
) -> Result<LiquidTaperCalendar, NephroError> {
    Ok(input.liquid_calendar(liquid.into())?)
}

/// Sums the cumulative cyclophosphamide dose and checks a planned course (clinical-rules §12;
/// IPNA 2022 Table 5). A plan above 168 mg/kg is `DoseOutOfRange` unless overridden; a dose with
/// no weight on or before its day is refused naming `doses[i].date`.
#[uniffi::export]
pub fn cumulative_cyclophosphamide(
    input: CyclophosphamideInput,
) -> Result<CyclophosphamideCumulative, NephroError> {
    Ok(input.cumulative()?)
}

/// The medicines of the app's list, with their names in `locale` (`en` or `zh-Hans`).
#[uniffi::export]
pub fn known_medicines(locale: Locale) -> Result<Vec<KnownMedicineInfo>, NephroError> {
    Ok(KnownMedicine::catalogue(locale))
}

#[uniffi::export]
impl Diary {
    /// Adds a medicine of any kind with any schedule (clinical-rules §12). Bad input is
    /// `Validation` naming the field (`name`, `form`, `amount.liquid.concentration_mg_per_ml`,
    /// `amount.liquid.syringe_step_ml` for a graduation larger than the dose, `schedule.times` for
    /// a medicine with no schedule …) and nothing is stored; a liquid dose that rounding moves by
    /// more than 10 % is `NotMeasurable`. Adding the same `client_id` again returns the stored
    /// medicine.
    pub fn add_medicine(&self, medicine: NewMedicineInput) -> Result<MedicineRecord, NephroError> {
        let new = medicine.parse()?;
        self.call_into(|s| s.add_medicine(&new))
    }

    /// A patient's medicines, stopped ones included, oldest first.
    pub fn medicines(&self, patient_id: PatientId) -> Result<Vec<MedicineRecord>, NephroError> {
        self.call_into(|s| s.medicines(patient_id).map(records_from))
    }

    /// Stops a medicine from `stopped_on` (`YYYY-MM-DD`) on: no dose or reminder that day or
    /// after; its logged doses stay.
    pub fn stop_medicine(
        &self,
        medicine_id: MedicineId,
        stopped_on: String,
    ) -> Result<MedicineRecord, NephroError> {
        let stopped_on = parse_date("stopped_on", &stopped_on)?;
        self.call_into(|s| s.stop_medicine(medicine_id, stopped_on))
    }
}

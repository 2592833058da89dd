//! Growth references and the plausibility limits of measurements (clinical-rules §10).

use nephro_core::growth;
pub use nephro_core::growth::plausibility::PlausibilityPolicy;
pub use nephro_core::growth::GrowthZScore;
pub use nephro_core::growth::Measure as GrowthMeasure;
use nephro_core::growth::Measure;
use nephro_core::ids::PatientId;

use crate::records::Sex;
use crate::{Diary, NephroError};

/// The z-score of a weight (kg) or height (cm) for a sex (female or male) and an age in
/// completed days since birth: WHO 2006 standards to 1856 days, then WHO 2007 (weight to 10
/// years, then CDC 2000). `None` before birth and from 19 years (228 months). A value that is
/// not a finite number above 0, or an unspecified sex, is refused.
#[uniffi::export]
pub fn growth_z_score(
    sex: Sex,
    age_days: i64,
    measure: Measure,
    value: f64,
) -> Result<Option<GrowthZScore>, NephroError> {
    Ok(growth::z_score(sex, age_days, measure, value)?.map(Into::into))
}

#[uniffi::export]
impl Diary {
    /// The plausibility limits of a patient's measurements (defaults where none was set).
    pub fn plausibility_policy(
        &self,
        patient_id: PatientId,
    ) -> Result<PlausibilityPolicy, NephroError> {
        self.call_into(|s| s.plausibility_policy(patient_id))
    }

    /// Sets the plausibility limits of a patient's measurements (validated: a weight change in
    /// (0, 1], heights above 0 cm, a window of 1 to 3653 days).
    pub fn set_plausibility_policy(
        &self,
        patient_id: PatientId,
        policy: PlausibilityPolicy,
        changed_by: String,
    ) -> Result<PlausibilityPolicy, NephroError> {
        self.call_into(|s| s.set_plausibility_policy(patient_id, &policy, &changed_by))
    }
}

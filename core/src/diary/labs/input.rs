//! Lab results and blood pressures as a shell enters them: instants in UTC epoch milliseconds,
//! each refused naming its own field (`drawn_at_ms`, `measured_at_ms`) when out of range.

use crate::dates::instant_from_millis;
use crate::error::Result;
use crate::ids::PatientId;
use crate::labs::{BloodPressure, LabKind, LabResult, LabUnit};
use crate::store::{LabCorrection, NewLabResult};

/// A lab result to log.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LabResultInput {
    /// Id made by the app when the result was entered (e.g. a UUID); resubmitting it stores the
    /// result once.
    pub client_id: String,
    /// The patient.
    pub patient_id: PatientId,
    /// What was measured.
    pub kind: LabKind,
    /// The value as the laboratory reported it, in `unit`.
    pub value: f64,
    /// The unit; it must be one of the kind's units.
    pub unit: LabUnit,
    /// When the sample was drawn, UTC epoch ms.
    pub drawn_at_ms: i64,
    /// The laboratory's upper limit of normal in `unit` (needed for ALT and bilirubin alerts).
    pub upper_limit_of_normal: Option<f64>,
    /// Who entered it, e.g. `mother`.
    pub logged_by: String,
}

impl LabResultInput {
    /// The result to store (the store validates the rest, naming `result.<field>`).
    pub fn parse(&self) -> Result<NewLabResult> {
        Ok(NewLabResult {
            client_id: self.client_id.clone(),
            patient_id: self.patient_id,
            result: LabResult {
                kind: self.kind,
                value: self.value,
                unit: self.unit,
                drawn_at: instant_from_millis("drawn_at_ms", self.drawn_at_ms)?,
                upper_limit_of_normal: self.upper_limit_of_normal,
            },
            logged_by: self.logged_by.clone(),
        })
    }
}

/// A correction of a logged lab result; the kind cannot change (retract and log anew instead).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "LabCorrection"))]
pub struct LabCorrectionInput {
    /// The corrected value.
    pub value: f64,
    /// The corrected unit.
    pub unit: LabUnit,
    /// The corrected draw time, UTC epoch ms.
    pub drawn_at_ms: i64,
    /// The corrected upper limit of normal.
    pub upper_limit_of_normal: Option<f64>,
    /// Who corrected it.
    pub corrected_by: String,
}

impl LabCorrectionInput {
    /// The correction to store.
    pub fn parse(&self) -> Result<LabCorrection> {
        Ok(LabCorrection {
            value: self.value,
            unit: self.unit,
            drawn_at: instant_from_millis("drawn_at_ms", self.drawn_at_ms)?,
            upper_limit_of_normal: self.upper_limit_of_normal,
            corrected_by: self.corrected_by.clone(),
        })
    }
}

/// A blood-pressure reading to record.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BloodPressureInput {
    /// When it was measured, UTC epoch ms.
    pub measured_at_ms: i64,
    /// Systolic pressure, mmHg.
    pub systolic_mmhg: f64,
    /// Diastolic pressure, mmHg (below the systolic).
    pub diastolic_mmhg: f64,
    /// The app's id of this entry (up to 100 characters), generated once per entry and resent
    /// with every retry: the same id with the same reading returns the stored reading without
    /// storing it again; with a different reading it is a conflict. Without it (the default)
    /// every call stores a reading.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub client_id: Option<String>,
}

impl BloodPressureInput {
    /// The reading to store (the store checks the pressures).
    pub fn reading(&self) -> Result<BloodPressure> {
        Ok(BloodPressure {
            measured_at: instant_from_millis("measured_at_ms", self.measured_at_ms)?,
            systolic_mmhg: self.systolic_mmhg,
            diastolic_mmhg: self.diastolic_mmhg,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn refused_field<T: std::fmt::Debug>(result: Result<T>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn each_instant_is_read_and_refused_under_its_own_name() {
        let result = LabResultInput {
            client_id: "lab-1".into(),
            patient_id: PatientId::from(1),
            kind: LabKind::Creatinine,
            value: 0.4,
            unit: LabUnit::MilligramsPerDecilitre,
            drawn_at_ms: 1_750_000_000_000,
            upper_limit_of_normal: None,
            logged_by: "mother".into(),
        };
        let new = result.parse().unwrap();
        assert_eq!(new.result.drawn_at.timestamp_millis(), 1_750_000_000_000);
        assert_eq!(new.patient_id, PatientId::from(1));
        let far = LabResultInput {
            drawn_at_ms: i64::MAX,
            ..result
        };
        assert_eq!(refused_field(far.parse()), "drawn_at_ms");

        let correction = LabCorrectionInput {
            value: 0.5,
            unit: LabUnit::MilligramsPerDecilitre,
            drawn_at_ms: i64::MIN,
            upper_limit_of_normal: None,
            corrected_by: "mother".into(),
        };
        assert_eq!(refused_field(correction.parse()), "drawn_at_ms");

        let pressure = BloodPressureInput {
            measured_at_ms: 1_750_000_000_000,
            systolic_mmhg: 100.0,
            diastolic_mmhg: 60.0,
            client_id: None,
        };
        assert_eq!(pressure.reading().unwrap().systolic_mmhg, 100.0);
        let far = BloodPressureInput {
            measured_at_ms: i64::MAX,
            ..pressure
        };
        assert_eq!(refused_field(far.reading()), "measured_at_ms");
    }
}

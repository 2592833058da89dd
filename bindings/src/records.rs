//! The records of patients, measurements, regimens, logged doses and the dose calculator: the
//! core's own, read and refused by field there (`nephro_core::diary::records`).

pub use nephro_core::diary::records::{
    DoseCalculation as DoseResult, DoseLogInput, DoseLogRecord as DoseLogEntry,
    DoseRequestInput as DoseRequest, MeasurementEntry as Measurement, PatientProfile,
    PatientRecord as Patient, RegimenInput, RegimenRate, RegimenRecord as Regimen,
};
pub use nephro_core::dose::UnitCount;
pub use nephro_core::drug::Drug;
pub use nephro_core::medicine::liquid::LiquidInput;
pub use nephro_core::model::{DoseOutcome, Sex};
pub use nephro_core::store::DoseRevision;

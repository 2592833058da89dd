//! Clinician exports (issue 7): FHIR R4 JSON, CSV tables, the printable HTML report and the
//! iCalendar dosing schedule, as bytes or written to a path the shell chooses; one format or
//! several from one request (one snapshot, so a de-identified request has one shift). The
//! request and its rules are the core's (`nephro_core::export::ExportRequest`).

use nephro_core::export as core_export;
pub use nephro_core::export::fhir::BundleKind;
pub use nephro_core::export::{ExportFormat, ExportRequest, ExportedFile as ExportFile};
use nephro_core::ids::PatientId;

use crate::{Diary, NephroError};

#[uniffi::export]
impl Diary {
    /// Exports a patient's diary in memory: one file for FHIR, HTML and iCalendar; one file per
    /// table plus `manifest.txt` for CSV; the files of every format asked for, in order, each
    /// with its format (their names never collide). Every export states what it contains.
    pub fn export(
        &self,
        patient_id: PatientId,
        request: ExportRequest,
    ) -> Result<Vec<ExportFile>, NephroError> {
        self.call_into(|s| core_export::export_request(s, patient_id, &request))
    }

    /// Exports a patient's diary to `path` and returns the paths written. One format: the file
    /// itself for FHIR, HTML and iCalendar (written whole or not at all); for CSV a directory,
    /// created if missing, that receives one file per table and `manifest.txt`. Several formats
    /// (`extra_formats`): `path` is a directory, created if missing, that receives
    /// `diary.fhir.json`, `report.html`, `dosing.ics` and the CSV tables in `csv/`.
    pub fn export_to_path(
        &self,
        patient_id: PatientId,
        request: ExportRequest,
        path: String,
    ) -> Result<Vec<String>, NephroError> {
        let written = self.call(|s| {
            core_export::export_request_to_path(s, patient_id, &request, path.as_ref())
        })?;
        Ok(written
            .into_iter()
            .map(|p| p.display().to_string())
            .collect())
    }
}

//! Clinician exports (issue 7): FHIR R4 JSON, CSV tables, the printable HTML report and the
//! iCalendar dosing schedule, as bytes or written to a path the shell chooses.

use nephro_core::dates::parse_date;
use nephro_core::export as core_export;
use nephro_core::labs::instant_from_millis;
use nephro_core::locale::Locale;

use crate::{Diary, NephroError};

/// The formats a diary exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExportFormat {
    /// One FHIR R4 JSON Bundle (`diary.fhir.json`).
    Fhir,
    /// One CSV file per table plus `manifest.txt`.
    Csv,
    /// One self-contained, printable HTML report (`report.html`).
    Html,
    /// One iCalendar file of the dosing schedule (`dosing.ics`).
    Ics,
}

impl From<ExportFormat> for core_export::ExportFormat {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Fhir => core_export::ExportFormat::Fhir,
            ExportFormat::Csv => core_export::ExportFormat::Csv,
            ExportFormat::Html => core_export::ExportFormat::Html,
            ExportFormat::Ics => core_export::ExportFormat::Ics,
        }
    }
}

/// What to export.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ExportRequest {
    /// The format.
    pub format: ExportFormat,
    /// First local date (`YYYY-MM-DD`); none: the diary's first record (the calendar: today).
    pub from_date: Option<String>,
    /// Last local date (`YYYY-MM-DD`); none: today (the calendar: open-ended).
    pub to_date: Option<String>,
    /// De-identify for sharing beyond the care team: the seed of the date shift. Pass a fresh
    /// random number for each share (the shift must not be guessable), or the same seed again
    /// to make exports whose dates line up. None: the export names the patient.
    pub deidentify_seed: Option<i64>,
    /// `en` or `zh-Hans`.
    pub locale: String,
    /// The current instant, UTC epoch ms: the export's timestamp and the "so far" of adherence.
    pub now_ms: i64,
}

impl TryFrom<ExportRequest> for core_export::ExportOptions {
    type Error = NephroError;

    fn try_from(r: ExportRequest) -> Result<Self, NephroError> {
        Ok(core_export::ExportOptions {
            from: r
                .from_date
                .as_deref()
                .map(|d| parse_date("from_date", d))
                .transpose()?,
            to: r
                .to_date
                .as_deref()
                .map(|d| parse_date("to_date", d))
                .transpose()?,
            deidentify: r
                .deidentify_seed
                .map(|seed| core_export::Deidentify::from_seed(seed as u64))
                .transpose()?,
            locale: Locale::parse("locale", &r.locale)?,
            now: instant_from_millis("now_ms", r.now_ms)?,
        })
    }
}

/// One exported file.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportFile {
    /// File name without directories, e.g. `report.html` or `doses.csv`.
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
}

#[uniffi::export]
impl Diary {
    /// Exports a patient's diary in memory: one file for FHIR, HTML and iCalendar; one file per
    /// table plus `manifest.txt` for CSV. Every export states what it contains.
    pub fn export(
        &self,
        patient_id: i64,
        request: ExportRequest,
    ) -> Result<Vec<ExportFile>, NephroError> {
        let format = request.format.into();
        let options = request.try_into()?;
        let files = core_export::export(&self.store(), patient_id, format, &options)?;
        Ok(files
            .into_iter()
            .map(|f| ExportFile {
                name: f.name,
                bytes: f.bytes,
            })
            .collect())
    }

    /// Exports a patient's diary to `path` and returns the paths written: the file itself for
    /// FHIR, HTML and iCalendar (written whole or not at all); for CSV a directory, created if
    /// missing, that receives one file per table and `manifest.txt`.
    pub fn export_to_path(
        &self,
        patient_id: i64,
        request: ExportRequest,
        path: String,
    ) -> Result<Vec<String>, NephroError> {
        let format = request.format.into();
        let options = request.try_into()?;
        let written = core_export::export_to_path(
            &self.store(),
            patient_id,
            format,
            &options,
            path.as_ref(),
        )?;
        Ok(written
            .into_iter()
            .map(|p| p.display().to_string())
            .collect())
    }
}

//! Clinician exports (issue 7): FHIR R4 JSON, CSV tables, the printable HTML report and the
//! iCalendar dosing schedule, as bytes or written to a path the shell chooses; one format or
//! several from one request (one snapshot, so a de-identified request has one shift).

use nephro_core::dates::parse_date;
use nephro_core::export as core_export;
pub use nephro_core::export::fhir::BundleKind;
pub use nephro_core::export::ExportFormat;
use nephro_core::labs::instant_from_millis;
use nephro_core::locale::Locale;

use crate::{Diary, NephroError};

/// What to export.
///
/// De-identified (for sharing beyond the care team, when `deidentify` is true or
/// `deidentify_seed` is set): no name, birth date, time-zone name or typed text (notes, who
/// logged or prescribed, a medicine's form); every date moved by one secret number of days;
/// times as local clock times in UTC notation; ids random for the export; no generation time;
/// and the period ends a secret 14 to 69 days before `to_date` (at the latest today), so the
/// latest record does not give the shift away. With a de-identified request, `from_date` must be
/// at least 69 days before that end. Ask for every format a share needs in one request
/// (`format` and `extra_formats`): separate requests get different shifts and their records
/// cannot be matched.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ExportRequest {
    /// The format (the first, when `extra_formats` adds more).
    pub format: ExportFormat,
    /// First local date (`YYYY-MM-DD`); none: the diary's first record (the calendar: today).
    pub from_date: Option<String>,
    /// Last local date (`YYYY-MM-DD`); none: today (the calendar: open-ended).
    pub to_date: Option<String>,
    /// De-identify with a shift and cutoff from this seed: the same seed again makes exports
    /// whose dates line up, and whoever knows the seed knows the shift (keep it secret; choose
    /// it at random). Ids are random for every export regardless. None, with `deidentify` false:
    /// the export names the patient.
    pub deidentify_seed: Option<i64>,
    /// `en` or `zh-Hans`.
    pub locale: Locale,
    /// The current instant, UTC epoch ms: the export's timestamp and the "so far" of adherence.
    pub now_ms: i64,
    /// De-identify with a fresh random shift, cutoff and ids (the recommended way to share).
    #[uniffi(default = false)]
    pub deidentify: bool,
    /// More formats from the same request, rendered from the same snapshot as `format` (one
    /// shift, one period, matching records). A format named twice is exported once.
    #[uniffi(default = [])]
    pub extra_formats: Vec<ExportFormat>,
    /// How the FHIR export is bundled; none: a `collection`. A `transaction` is for identified
    /// exports of the FHIR format alone: with `deidentify` or `deidentify_seed`, or with other
    /// formats, the request is refused with a `Validation` error naming `fhir_bundle`.
    #[uniffi(default = None)]
    pub fhir_bundle: Option<BundleKind>,
}

impl ExportRequest {
    /// Every format asked for, once each, in order.
    fn formats(&self) -> Vec<ExportFormat> {
        let mut formats = Vec::new();
        for format in std::iter::once(self.format).chain(self.extra_formats.iter().copied()) {
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        formats
    }

    /// The transaction asked for, if any: only of the FHIR format alone.
    fn transaction(&self) -> Result<Option<BundleKind>, NephroError> {
        match self.fhir_bundle {
            None | Some(BundleKind::Collection) => Ok(None),
            Some(BundleKind::Transaction) if self.formats() == [ExportFormat::Fhir] => {
                Ok(Some(BundleKind::Transaction))
            }
            Some(BundleKind::Transaction) => Err(nephro_core::error::Error::invalid(
                "fhir_bundle",
                "a transaction is the FHIR format alone: ask for no other format",
            )
            .into()),
        }
    }
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
            deidentify: match (r.deidentify_seed, r.deidentify) {
                (Some(seed), _) => Some(core_export::Deidentify::from_seed(seed as u64)?),
                (None, true) => Some(core_export::Deidentify::random()?),
                (None, false) => None,
            },
            locale: r.locale,
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
    /// The format it belongs to (CSV: every table and its `manifest.txt`).
    pub format: ExportFormat,
}

#[uniffi::export]
impl Diary {
    /// Exports a patient's diary in memory: one file for FHIR, HTML and iCalendar; one file per
    /// table plus `manifest.txt` for CSV; the files of every format asked for, in order, each
    /// with its format (their names never collide). Every export states what it contains.
    pub fn export(
        &self,
        patient_id: i64,
        request: ExportRequest,
    ) -> Result<Vec<ExportFile>, NephroError> {
        let formats = request.formats();
        let transaction = request.transaction()?;
        let options = request.try_into()?;
        if let Some(kind) = transaction {
            let file = self
                .call(|s| core_export::export_fhir_bundle(s, patient_id.into(), kind, &options))?;
            return Ok(vec![ExportFile {
                name: file.name,
                bytes: file.bytes,
                format: ExportFormat::Fhir,
            }]);
        }
        let exported =
            self.call(|s| core_export::export_formats(s, patient_id.into(), &formats, &options))?;
        Ok(exported
            .into_iter()
            .flat_map(|(format, files)| {
                files.into_iter().map(move |f| ExportFile {
                    name: f.name,
                    bytes: f.bytes,
                    format,
                })
            })
            .collect())
    }

    /// Exports a patient's diary to `path` and returns the paths written. One format: the file
    /// itself for FHIR, HTML and iCalendar (written whole or not at all); for CSV a directory,
    /// created if missing, that receives one file per table and `manifest.txt`. Several formats
    /// (`extra_formats`): `path` is a directory, created if missing, that receives
    /// `diary.fhir.json`, `report.html`, `dosing.ics` and the CSV tables in `csv/`.
    pub fn export_to_path(
        &self,
        patient_id: i64,
        request: ExportRequest,
        path: String,
    ) -> Result<Vec<String>, NephroError> {
        let formats = request.formats();
        let transaction = request.transaction()?;
        let options = request.try_into()?;
        let written = self.call(|s| match (transaction, formats.as_slice()) {
            (Some(kind), _) => core_export::export_fhir_bundle_to_path(
                s,
                patient_id.into(),
                kind,
                &options,
                path.as_ref(),
            ),
            (None, [format]) => {
                core_export::export_to_path(s, patient_id.into(), *format, &options, path.as_ref())
            }
            (None, several) => core_export::export_formats_to_dir(
                s,
                patient_id.into(),
                several,
                &options,
                path.as_ref(),
            ),
        })?;
        Ok(written
            .into_iter()
            .map(|p| p.display().to_string())
            .collect())
    }
}

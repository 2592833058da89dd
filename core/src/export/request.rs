//! An export as a shell asks for it: one request naming one format or several, dates as text
//! (refused by name: `from_date`, `to_date`), the instant in epoch milliseconds (`now_ms`), and
//! how to de-identify; answered in memory ([`export_request`]) or written to a path
//! ([`export_request_to_path`]).

use std::path::{Path, PathBuf};

use super::fhir::BundleKind;
use super::{
    export_fhir_bundle, export_fhir_bundle_to_path, export_formats, export_formats_to_dir,
    export_to_path, Deidentify, ExportFormat, ExportOptions,
};
use crate::dates::{instant_from_millis, parse_date};
use crate::error::{Error, Result};
use crate::ids::PatientId;
use crate::locale::Locale;
use crate::store::Store;

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
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub deidentify: bool,
    /// More formats from the same request, rendered from the same snapshot as `format` (one
    /// shift, one period, matching records). A format named twice is exported once.
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub extra_formats: Vec<ExportFormat>,
    /// How the FHIR export is bundled; none: a `collection`. A `transaction` is for identified
    /// exports of the FHIR format alone: with `deidentify` or `deidentify_seed`, or with other
    /// formats, the request is refused with a `Validation` error naming `fhir_bundle`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub fhir_bundle: Option<BundleKind>,
}

/// One exported file with the format it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ExportFile"))]
pub struct ExportedFile {
    /// File name without directories, e.g. `report.html` or `doses.csv`.
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// The format it belongs to (CSV: every table and its `manifest.txt`).
    pub format: ExportFormat,
}

impl ExportRequest {
    /// Every format asked for, once each, in order.
    pub fn formats(&self) -> Vec<ExportFormat> {
        let mut formats = Vec::new();
        for format in std::iter::once(self.format).chain(self.extra_formats.iter().copied()) {
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        formats
    }

    /// The transaction asked for, if any: only of the FHIR format alone (refused naming
    /// `fhir_bundle` otherwise).
    fn transaction(&self) -> Result<Option<BundleKind>> {
        match self.fhir_bundle {
            None | Some(BundleKind::Collection) => Ok(None),
            Some(BundleKind::Transaction) if self.formats() == [ExportFormat::Fhir] => {
                Ok(Some(BundleKind::Transaction))
            }
            Some(BundleKind::Transaction) => Err(Error::invalid(
                "fhir_bundle",
                "a transaction is the FHIR format alone: ask for no other format",
            )),
        }
    }

    /// The options of the export, each field read and refused by name (`from_date`,
    /// `to_date`, `now_ms`), with the de-identification asked for.
    pub fn options(&self) -> Result<ExportOptions> {
        let date = |field: &str, text: &Option<String>| {
            text.as_deref().map(|d| parse_date(field, d)).transpose()
        };
        Ok(ExportOptions {
            from: date("from_date", &self.from_date)?,
            to: date("to_date", &self.to_date)?,
            deidentify: match (self.deidentify_seed, self.deidentify) {
                // The seed's bits as they are: any i64 is a seed.
                (Some(seed), _) => Some(Deidentify::from_seed(seed as u64)?),
                (None, true) => Some(Deidentify::random()?),
                (None, false) => None,
            },
            locale: self.locale,
            now: instant_from_millis("now_ms", self.now_ms)?,
        })
    }
}

/// Exports a patient's diary in memory as `request` asks: one file for FHIR, HTML and
/// iCalendar; one file per table plus `manifest.txt` for CSV; the files of every format asked
/// for, in order, each with its format (their names never collide).
pub fn export_request(
    store: &Store,
    patient_id: PatientId,
    request: &ExportRequest,
) -> Result<Vec<ExportedFile>> {
    let transaction = request.transaction()?;
    let options = request.options()?;
    if let Some(kind) = transaction {
        let file = export_fhir_bundle(store, patient_id, kind, &options)?;
        return Ok(vec![ExportedFile {
            name: file.name,
            bytes: file.bytes,
            format: ExportFormat::Fhir,
        }]);
    }
    let exported = export_formats(store, patient_id, &request.formats(), &options)?;
    Ok(exported
        .into_iter()
        .flat_map(|(format, files)| {
            files.into_iter().map(move |f| ExportedFile {
                name: f.name,
                bytes: f.bytes,
                format,
            })
        })
        .collect())
}

/// Exports a patient's diary to `path` as `request` asks and returns the paths written. One
/// format: the file itself for FHIR, HTML and iCalendar (written whole or not at all); for CSV
/// a directory, created if missing, that receives one file per table and `manifest.txt`.
/// Several formats: `path` is a directory, created if missing, that receives
/// `diary.fhir.json`, `report.html`, `dosing.ics` and the CSV tables in `csv/`.
pub fn export_request_to_path(
    store: &Store,
    patient_id: PatientId,
    request: &ExportRequest,
    path: &Path,
) -> Result<Vec<PathBuf>> {
    let transaction = request.transaction()?;
    let options = request.options()?;
    match (transaction, request.formats().as_slice()) {
        (Some(kind), _) => export_fhir_bundle_to_path(store, patient_id, kind, &options, path),
        (None, [format]) => export_to_path(store, patient_id, *format, &options, path),
        (None, several) => export_formats_to_dir(store, patient_id, several, &options, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::refused_field;

    fn request() -> ExportRequest {
        ExportRequest {
            format: ExportFormat::Csv,
            from_date: Some("2025-01-01".into()),
            to_date: None,
            deidentify_seed: None,
            locale: Locale::En,
            now_ms: 1_750_000_000_000,
            deidentify: false,
            extra_formats: vec![ExportFormat::Html, ExportFormat::Csv, ExportFormat::Html],
            fhir_bundle: None,
        }
    }

    #[test]
    fn a_request_names_each_format_once_and_reads_its_fields_by_name() {
        let r = request();
        assert_eq!(r.formats(), [ExportFormat::Csv, ExportFormat::Html]);
        let options = r.options().unwrap();
        assert_eq!(options.from, Some(parse_date("", "2025-01-01").unwrap()));
        assert!(options.deidentify.is_none());
        assert!(request_with(|r| r.deidentify = true)
            .options()
            .unwrap()
            .deidentify
            .is_some());
        assert!(request_with(|r| r.deidentify_seed = Some(-7))
            .options()
            .unwrap()
            .deidentify
            .is_some());

        assert_eq!(
            refused_field(request_with(|r| r.from_date = Some("2025-1-1".into())).options()),
            "from_date"
        );
        assert_eq!(
            refused_field(request_with(|r| r.to_date = Some("today".into())).options()),
            "to_date"
        );
        assert_eq!(
            refused_field(request_with(|r| r.now_ms = i64::MAX).options()),
            "now_ms"
        );
    }

    #[test]
    fn a_transaction_is_the_fhir_format_alone() {
        let fhir_only = request_with(|r| {
            r.format = ExportFormat::Fhir;
            r.extra_formats = vec![ExportFormat::Fhir];
            r.fhir_bundle = Some(BundleKind::Transaction);
        });
        assert_eq!(
            fhir_only.transaction().unwrap(),
            Some(BundleKind::Transaction)
        );
        let collection = request_with(|r| r.fhir_bundle = Some(BundleKind::Collection));
        assert_eq!(collection.transaction().unwrap(), None);
        let with_others = request_with(|r| {
            r.format = ExportFormat::Fhir;
            r.fhir_bundle = Some(BundleKind::Transaction);
        });
        assert_eq!(refused_field(with_others.transaction()), "fhir_bundle");
    }

    fn request_with(change: impl FnOnce(&mut ExportRequest)) -> ExportRequest {
        let mut r = request();
        change(&mut r);
        r
    }
}

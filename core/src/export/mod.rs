//! Clinician exports (issue 7): a FHIR R4 JSON bundle, CSV tables, a printable HTML report with
//! charts, and an iCalendar file of the dosing schedule — each optionally de-identified.
//!
//! Every export is rendered from one [`DiarySnapshot`], gathered from the store through the
//! application services ([`crate::diary`]) and the store's read methods: the snapshot is the
//! only place exports read data. De-identification ([`deidentify`]) rewrites the snapshot before
//! any renderer sees it (no name, birth date reduced to age, dates shifted by one secret offset,
//! the last weeks left out, free text dropped, ids random), so every format is de-identified the
//! same way; the formats of one request are rendered from one snapshot ([`export_formats`],
//! [`export_formats_to_dir`]), so they share one shift and their records match. Every export
//! states what it contains ([`Manifest`]): a `List` resource in FHIR, `manifest.txt` beside the
//! CSV tables, a section of the report, the calendar's description in iCalendar.
//!
//! Renderers are pure functions of the snapshot; the clock ([`ExportOptions::now`]) and the
//! randomness of de-identification ([`ExportOptions::deidentify`]) are parameters.

pub mod csv;
pub mod deidentify;
pub mod fhir;
pub mod html;
pub mod ics;
mod request;
mod snapshot;
mod text;

use crate::ids::PatientId;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::locale::Locale;
use crate::store::Store;

pub use deidentify::Deidentify;
pub use request::{export_request, export_request_to_path, ExportRequest, ExportedFile};
pub use snapshot::*;

/// The formats a diary exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ExportFormat {
    /// One FHIR R4 JSON `Bundle` of type `collection` (`diary.fhir.json`).
    Fhir,
    /// One RFC 4180 CSV file per table plus `manifest.txt`.
    Csv,
    /// One self-contained, printable HTML report with inline SVG charts (`report.html`).
    Html,
    /// One RFC 5545 iCalendar file of the dosing schedule (`dosing.ics`).
    Ics,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Fhir,
        ExportFormat::Csv,
        ExportFormat::Html,
        ExportFormat::Ics,
    ];

    /// The identifier used on the command line and across the FFI: `fhir`, `csv`, `html`, `ics`.
    pub fn id(self) -> &'static str {
        match self {
            ExportFormat::Fhir => "fhir",
            ExportFormat::Csv => "csv",
            ExportFormat::Html => "html",
            ExportFormat::Ics => "ics",
        }
    }

    /// Parses [`ExportFormat::id`], naming `field` when unknown.
    pub fn parse(field: &str, text: &str) -> Result<ExportFormat> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.id() == text)
            .ok_or_else(|| Error::invalid(field, "must be fhir, csv, html or ics"))
    }

    /// The file name of a single-file format (`None` for CSV, which is a set of files).
    pub fn file_name(self) -> Option<&'static str> {
        match self {
            ExportFormat::Fhir => Some("diary.fhir.json"),
            ExportFormat::Csv => None,
            ExportFormat::Html => Some("report.html"),
            ExportFormat::Ics => Some("dosing.ics"),
        }
    }
}

/// What to export and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportOptions {
    /// First local date of the export (inclusive). Default: the diary's first record (for the
    /// calendar file: `now`'s local date, so a phone gets the schedule from today on).
    pub from: Option<NaiveDate>,
    /// Last local date of the export (inclusive). Default: `now`'s local date (for the calendar
    /// file: open-ended regimens repeat without end). A de-identified export ends a secret 14 to
    /// 69 days before it (see [`deidentify`]).
    pub to: Option<NaiveDate>,
    /// De-identify for sharing beyond the care team (see [`deidentify`]); `None` exports the
    /// diary as it is. Make one [`Deidentify::random`] per request and use it for every format
    /// of the request.
    pub deidentify: Option<Deidentify>,
    /// Language of the report, the manifest and the calendar's event texts.
    pub locale: Locale,
    /// The current instant: the export's timestamp and the "so far" of adherence.
    pub now: DateTime<Utc>,
}

impl ExportOptions {
    /// Options for the whole diary at `now`, in English, not de-identified.
    pub fn new(now: DateTime<Utc>) -> Self {
        ExportOptions {
            from: None,
            to: None,
            deidentify: None,
            locale: Locale::En,
            now,
        }
    }
}

/// One exported file: its name (no directories) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// File name, e.g. `report.html` or `doses.csv`.
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// Exports a patient's diary in memory: one file for FHIR, HTML and iCalendar, one file per
/// table plus `manifest.txt` for CSV.
pub fn export(
    store: &Store,
    patient_id: PatientId,
    format: ExportFormat,
    options: &ExportOptions,
) -> Result<Vec<ExportFile>> {
    let snapshot = DiarySnapshot::for_export(store, patient_id, options)?;
    render(&snapshot, format)
}

/// Exports a patient's diary in several formats from one snapshot: one de-identification (one
/// shift, one period, one set of ids) for all of them. Returns each format with its files, in
/// the order asked (a format asked twice is rendered once).
pub fn export_formats(
    store: &Store,
    patient_id: PatientId,
    formats: &[ExportFormat],
    options: &ExportOptions,
) -> Result<Vec<(ExportFormat, Vec<ExportFile>)>> {
    let snapshot = DiarySnapshot::for_export(store, patient_id, options)?;
    distinct(formats)?
        .into_iter()
        .map(|format| Ok((format, render(&snapshot, format)?)))
        .collect()
}

/// Exports a patient's diary as one FHIR bundle of `kind` in memory (`diary.fhir.json`; see
/// [`fhir::BundleKind`]). A transaction of a de-identified request is refused with a
/// `Validation` error naming `fhir_bundle` before the diary is read: de-identified exports are
/// for sharing, not for loading into a record.
pub fn export_fhir_bundle(
    store: &Store,
    patient_id: PatientId,
    kind: fhir::BundleKind,
    options: &ExportOptions,
) -> Result<ExportFile> {
    refuse_deidentified_transaction(kind, options)?;
    let snapshot = DiarySnapshot::for_export(store, patient_id, options)?;
    let mut bytes = Vec::new();
    fhir::write_bundle(&snapshot, kind, &mut bytes)?;
    Ok(ExportFile {
        name: name_in_directory(ExportFormat::Fhir).to_string(),
        bytes,
    })
}

/// Exports a patient's diary as one FHIR bundle of `kind` to the file `path` (written beside it
/// first, then renamed into place) and returns the path written; refuses a de-identified
/// transaction as [`export_fhir_bundle`] does, before anything is read or written.
pub fn export_fhir_bundle_to_path(
    store: &Store,
    patient_id: PatientId,
    kind: fhir::BundleKind,
    options: &ExportOptions,
    path: &Path,
) -> Result<Vec<PathBuf>> {
    refuse_deidentified_transaction(kind, options)?;
    let snapshot = DiarySnapshot::for_export(store, patient_id, options)?;
    write_fhir_to_path(&snapshot, kind, path)
}

/// A de-identified request has no transaction form (issue 13).
fn refuse_deidentified_transaction(kind: fhir::BundleKind, options: &ExportOptions) -> Result<()> {
    if kind == fhir::BundleKind::Transaction && options.deidentify.is_some() {
        return Err(fhir::deidentified_transaction_refused());
    }
    Ok(())
}

/// The formats asked for, each once, in order; at least one.
fn distinct(formats: &[ExportFormat]) -> Result<Vec<ExportFormat>> {
    let mut once = Vec::new();
    for format in formats {
        if !once.contains(format) {
            once.push(*format);
        }
    }
    if once.is_empty() {
        return Err(Error::invalid("format", "must name at least one format"));
    }
    Ok(once)
}

/// The name of a format inside a directory of several formats: its file name, and `csv` for
/// the directory of CSV tables.
pub fn name_in_directory(format: ExportFormat) -> &'static str {
    format.file_name().unwrap_or("csv")
}

/// Exports a patient's diary in several formats from one snapshot (see [`export_formats`])
/// into `directory`, created if missing: `diary.fhir.json`, `report.html`, `dosing.ics`, and
/// the CSV tables with their `manifest.txt` in `csv/`. Returns the paths written.
pub fn export_formats_to_dir(
    store: &Store,
    patient_id: PatientId,
    formats: &[ExportFormat],
    options: &ExportOptions,
    directory: &Path,
) -> Result<Vec<PathBuf>> {
    let formats = distinct(formats)?;
    let snapshot = DiarySnapshot::for_export(store, patient_id, options)?;
    write_formats_to_dir(&snapshot, &formats, directory)
}

/// Writes a snapshot in several formats into `directory` (see [`export_formats_to_dir`]).
pub fn write_formats_to_dir(
    snapshot: &DiarySnapshot,
    formats: &[ExportFormat],
    directory: &Path,
) -> Result<Vec<PathBuf>> {
    let formats = distinct(formats)?;
    fs::create_dir_all(directory)?;
    let mut written = Vec::new();
    for format in formats {
        let target = directory.join(name_in_directory(format));
        written.extend(write_to_path(snapshot, format, &target)?);
    }
    Ok(written)
}

/// Renders a snapshot in memory (see [`export`]).
pub fn render(snapshot: &DiarySnapshot, format: ExportFormat) -> Result<Vec<ExportFile>> {
    match format.file_name() {
        Some(name) => {
            let mut bytes = Vec::new();
            render_single(snapshot, format, &mut bytes)?;
            Ok(vec![ExportFile {
                name: name.to_string(),
                bytes,
            }])
        }
        None => csv::render(snapshot),
    }
}

/// Writes a single-file format (FHIR, HTML, iCalendar) to `out`, streaming: the whole document
/// is never held in memory. CSV is several files: use [`render`] or [`export_to_path`].
pub fn render_single(
    snapshot: &DiarySnapshot,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        ExportFormat::Fhir => fhir::write(snapshot, out),
        ExportFormat::Html => html::write(snapshot, out),
        ExportFormat::Ics => ics::write(snapshot, out),
        ExportFormat::Csv => Err(Error::invalid(
            "format",
            "csv is a set of files; export it to a directory",
        )),
    }
}

/// Exports a patient's diary to `path` and returns the paths written. For FHIR, HTML and
/// iCalendar `path` is the file (written beside it first, then renamed into place, so a failed
/// export never leaves half a file); for CSV it is a directory, created if missing, that receives
/// one file per table and `manifest.txt`.
pub fn export_to_path(
    store: &Store,
    patient_id: PatientId,
    format: ExportFormat,
    options: &ExportOptions,
    path: &Path,
) -> Result<Vec<PathBuf>> {
    let snapshot = DiarySnapshot::for_export(store, patient_id, options)?;
    write_to_path(&snapshot, format, path)
}

/// Writes a snapshot to `path` (see [`export_to_path`]) and returns the paths written.
pub fn write_to_path(
    snapshot: &DiarySnapshot,
    format: ExportFormat,
    path: &Path,
) -> Result<Vec<PathBuf>> {
    if format == ExportFormat::Csv {
        if crate::store::open::is_database_or_sidecar(path) {
            return Err(Error::invalid(
                "path",
                "is a database file; an export never replaces a diary",
            ));
        }
        // Every table is rendered before the first file is written.
        let files = csv::render(snapshot)?;
        fs::create_dir_all(path)?;
        let mut written = Vec::new();
        for file in files {
            let target = path.join(&file.name);
            write_atomically(&target, |out| Ok(out.write_all(&file.bytes)?))?;
            written.push(target);
        }
        return Ok(written);
    }
    write_atomically(path, |out| render_single(snapshot, format, out))?;
    Ok(vec![path.to_path_buf()])
}

/// Writes a snapshot as a FHIR bundle of `kind` to `path` (see [`fhir::BundleKind`]); a
/// transaction of a de-identified snapshot is refused before anything is written.
pub fn write_fhir_to_path(
    snapshot: &DiarySnapshot,
    kind: fhir::BundleKind,
    path: &Path,
) -> Result<Vec<PathBuf>> {
    if kind == fhir::BundleKind::Transaction && snapshot.deidentified.is_some() {
        // Refused before a temporary file is made (write_bundle refuses it too).
        return Err(fhir::deidentified_transaction_refused());
    }
    write_atomically(path, |out| fhir::write_bundle(snapshot, kind, out))?;
    Ok(vec![path.to_path_buf()])
}

/// Writes through a temporary file beside `target` and renames it into place, so a failed
/// export leaves nothing half-written. A target that is a database (the open diary by any
/// spelling or link, another diary, any SQLite file) or a database's `-wal`, `-shm` or
/// `-journal` file is refused before anything is written: an export must never replace a diary.
fn write_atomically(target: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    if target.file_name().is_none() {
        return Err(Error::invalid("path", "must name a file"));
    }
    if crate::store::open::is_database_or_sidecar(target) {
        return Err(Error::invalid(
            "path",
            "is a database file; an export never replaces a diary",
        ));
    }
    if fs::metadata(target).is_ok_and(|m| !m.is_file()) {
        return Err(Error::invalid("path", "is not a regular file"));
    }
    let temporary = crate::store::open::sibling(target, "partial")?;
    let outcome = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        out.into_inner()
            .map_err(|e| Error::Io(e.into_error()))?
            .sync_all()?;
        // Checked again just before the rename: the target may have become a diary meanwhile.
        if crate::store::open::is_database_or_sidecar(target) {
            return Err(Error::invalid(
                "path",
                "is a database file; an export never replaces a diary",
            ));
        }
        fs::rename(&temporary, target)?;
        crate::store::open::sync_directory(target);
        Ok(())
    })();
    if outcome.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    outcome
}

/// What an export contains, line by line, in the export's language: the period, the counts of
/// each kind of record, and what was left out or changed (de-identification). Every format
/// carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// A one-line title.
    pub title: String,
    /// The statements, in order.
    pub lines: Vec<String>,
}

impl Manifest {
    /// The manifest of a snapshot.
    pub fn of(snapshot: &DiarySnapshot) -> Manifest {
        text::manifest(snapshot)
    }
}

#[cfg(test)]
mod tests;

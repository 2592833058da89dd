//! `nephro export`: a diary as FHIR R4 JSON, CSV tables, a printable HTML report or an
//! iCalendar file, optionally de-identified, in one format or several at once (one snapshot, so
//! a de-identified request has one shift for all of them); and the demo's report.

use std::path::{Path, PathBuf};

use chrono::{NaiveTime, Utc};
use nephro_core::dates::{parse_date, parse_time_zone};
use nephro_core::export::fhir::BundleKind;
use nephro_core::export::{
    export_to_path, write_fhir_to_path, write_formats_to_dir, write_to_path, Deidentify,
    DiarySnapshot, ExportFormat, ExportOptions, Manifest,
};
use nephro_core::locale::Locale;
use nephro_core::schedule::slot_instant;
use nephro_core::store::Store;

use crate::demo_diary::DemoDiary;

use crate::diary_file::{choose_patient, open_existing};
use crate::terminal::{about, emit, CliResult};

/// What `nephro export` was asked for.
pub struct ExportArgs<'a> {
    /// The diary file (must exist).
    pub db: &'a Path,
    /// The patient (default: the only one).
    pub patient: Option<i64>,
    /// `fhir`, `csv`, `html` or `ics`, or several separated by commas (`fhir,csv,html,ics`).
    pub format: &'a str,
    /// First local date, `YYYY-MM-DD`.
    pub from: Option<&'a str>,
    /// Last local date, `YYYY-MM-DD`.
    pub to: Option<&'a str>,
    /// De-identify.
    pub deidentify: bool,
    /// Seed of the de-identification date shift (the same seed gives the same shift).
    pub shift_seed: Option<u64>,
    /// `en` or `zh-Hans`.
    pub locale: &'a str,
    /// Output file (a directory for CSV, or for several formats).
    pub out: &'a Path,
    /// The FHIR bundle type: `collection` (default) or `transaction` (identified, FHIR alone).
    pub fhir_bundle: Option<&'a str>,
}

/// Runs `nephro export`: writes the export and prints what was written and what it contains.
pub fn run(args: &ExportArgs) -> CliResult<()> {
    if args.shift_seed.is_some() && !args.deidentify {
        return Err("--shift-seed only applies with --deidentify".into());
    }
    let store = open_existing(args.db)?;
    let patient_id = choose_patient(&store, args.patient)?;
    let formats = args
        .format
        .split(',')
        .map(|f| ExportFormat::parse("--format", f.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    // One de-identification for the request: random, or its shift and cutoff from the seed
    // (the ids are random either way).
    let deidentify = match (args.deidentify, args.shift_seed) {
        (false, _) => None,
        (true, None) => Some(Deidentify::random()?),
        (true, Some(seed)) => Some(Deidentify::from_seed(seed)?),
    };
    let options = ExportOptions {
        from: args.from.map(|d| parse_date("--from", d)).transpose()?,
        to: args.to.map(|d| parse_date("--to", d)).transpose()?,
        deidentify,
        locale: Locale::parse("--locale", args.locale)?,
        now: Utc::now(),
    };
    let bundle = args
        .fhir_bundle
        .map(|b| BundleKind::parse("--fhir-bundle", b))
        .transpose()?
        .unwrap_or(BundleKind::Collection);
    if bundle == BundleKind::Transaction {
        if formats != [ExportFormat::Fhir] {
            return Err("--fhir-bundle transaction exports --format fhir alone".into());
        }
        if args.deidentify {
            return Err(
                "--fhir-bundle transaction: a de-identified export is for sharing, not \
                        for loading into a record; it has no transaction form"
                    .into(),
            );
        }
    }
    // One snapshot for every format: one shift, one period, one set of ids.
    let snapshot = DiarySnapshot::for_export(&store, patient_id.into(), &options)
        .map_err(|e| store.note(e))?;
    let written = match formats.as_slice() {
        [ExportFormat::Fhir] => write_fhir_to_path(&snapshot, bundle, args.out),
        [format] => write_to_path(&snapshot, *format, args.out),
        several => write_formats_to_dir(&snapshot, several, args.out),
    }
    .map_err(about("--out"))?;
    emit(&describe(&snapshot, &written))
}

/// The files written and what they contain.
fn describe(snapshot: &DiarySnapshot, written: &[PathBuf]) -> String {
    let mut out = String::new();
    for path in written {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        out.push_str(&format!(
            "wrote {} ({} KB)\n",
            path.display(),
            size.div_ceil(1024)
        ));
    }
    let manifest = Manifest::of(snapshot);
    out.push_str(&format!("{}:\n", manifest.title));
    for line in manifest.lines {
        out.push_str(&format!("  - {line}\n"));
    }
    out
}

/// Writes the demo diary's HTML report beside the diary file (`<db>-report.html`) and returns the
/// line that tells where it is. The report is as of the start of the demo's today (the history
/// ends yesterday), so the same `--today` gives the same report.
pub fn demo_report(store: &Store, demo: &DemoDiary, db: &Path) -> CliResult<String> {
    let zone = parse_time_zone("time_zone", &demo.patient.profile.time_zone)?;
    let options = ExportOptions {
        now: slot_instant(demo.today, NaiveTime::MIN, zone),
        to: Some(demo.today),
        ..ExportOptions::new(Utc::now())
    };
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "nephro-demo".into());
    let path = db.with_file_name(format!("{stem}-report.html"));
    export_to_path(store, demo.patient.id, ExportFormat::Html, &options, &path)?;
    let shown = std::fs::canonicalize(&path).unwrap_or(path);
    Ok(format!(
        "\nReport    {} — the clinician report (open it in a browser; it prints to PDF)\n",
        shown.display()
    ))
}

//! The `--db` and `--patient` arguments every report command shares.

use std::path::Path;

use nephro_core::model::Patient;
use nephro_core::store::Store;

use crate::terminal::{about, emit, CliResult};

/// Opens the existing diary named by `--db`; every refusal names the flag. A missing file is
/// refused (a report never creates a diary), and so is a file that is not a diary, which is
/// left untouched.
pub fn open_existing(db: &Path) -> CliResult<Store> {
    if std::fs::symlink_metadata(db).is_err() {
        return Err(format!("--db: {} does not exist", db.display()).into());
    }
    Store::open(db).map_err(about("--db"))
}

/// The patient named by `--patient`, or every patient of the diary when none is named.
pub fn named_or_all_patients(store: &Store, patient: Option<i64>) -> CliResult<Vec<Patient>> {
    match patient {
        Some(id) => Ok(vec![store
            .patient(id.into())
            .map_err(about("--patient"))?]),
        None => Ok(store.patients().map_err(|e| store.note(e))?),
    }
}

/// The patient named by `--patient`, or the diary's only patient.
pub fn choose_patient(store: &Store, patient: Option<i64>) -> CliResult<i64> {
    let patients = named_or_all_patients(store, patient)?;
    match patients.as_slice() {
        [only] => Ok(only.id.into()),
        [] => Err("--db: the diary has no patient".into()),
        several => {
            let ids: Vec<String> = several.iter().map(|p| p.id.to_string()).collect();
            Err(format!(
                "--patient: the diary has several patients; choose one ({})",
                ids.join(", ")
            )
            .into())
        }
    }
}

/// Runs `nephro backup`: copies the diary at `--db` to the new file `--to`.
pub fn backup(db: &Path, to: &Path) -> CliResult<()> {
    let store = open_existing(db)?;
    let written = store.backup_to(to).map_err(about("--to"))?;
    emit(&format!("wrote {}\n", written.display()))
}

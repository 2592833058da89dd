//! Stored rows that cannot be read (clinical-rules §10: "one stored record that is wrong in any
//! way never blocks a screen or an export: reads that meet an unreadable row report it and show
//! the rest").
//!
//! A row is unreadable when its content cannot be decoded into its record: date text that is not
//! a `YYYY-MM-DD` date, a date or an instant outside the bounds of §10 ([`crate::bounds`]), a
//! steroid plan whose JSON no longer parses, an unknown drug or unit, a column of the wrong type.
//! Every list read of the store goes through [`readable`], which leaves such rows out; and
//! [`Store::unreadable_rows`] runs the same row decoders over a patient's rows to report them, so
//! that a screen or an export can say "N records could not be read and are not shown". One
//! decoder per table serves both: nothing is written twice.

use crate::ids::PatientId;
use std::cell::Cell;

use rusqlite::Row;
use serde::{Deserialize, Serialize};

use super::Store;
use crate::error::{Error, Result};

/// A stored row that could not be read, and was left out of what is shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UnreadableRow {
    /// The table it is in, e.g. `dose_log`.
    pub table: String,
    /// Its row id in that table.
    pub row_id: i64,
    /// Why it could not be read, naming the field (never its value).
    pub reason: String,
}

/// One table's rows of a patient and the decoder every read of them uses.
pub(super) struct RowSource {
    /// The table.
    pub table: &'static str,
    /// A SELECT of the decoder's columns followed by the row id, of the patient `?1`'s rows.
    pub sql: String,
    /// The table's row decoder, its record dropped.
    pub check: fn(&Row) -> rusqlite::Result<Result<()>>,
}

/// `select` (`SELECT <columns> FROM …`) with `row_id` added as its last column, for a
/// [`RowSource`]: the decoder reads the columns it always reads, the scan reads the row id last.
pub(super) fn with_row_id(select: &str, row_id: &str) -> String {
    select.replacen(" FROM ", &format!(", {row_id} FROM "), 1)
}

thread_local! {
    /// How many unreadable rows the reads of this thread have left out so far: a computation
    /// that met none needs no scan to report them ([`Store::reading_rows`]). A store is used by
    /// one thread at a time (the bindings hold it behind a lock for the length of a call).
    static LEFT_OUT: Cell<u64> = const { Cell::new(0) };
}

/// The rows a list read could decode, in order; rows it could not (see the module doc) are left
/// out. A failure of the database itself (I/O, a damaged file) still stops the read.
pub(super) fn readable<T>(
    rows: impl Iterator<Item = rusqlite::Result<Result<T>>>,
) -> Result<Vec<T>> {
    let mut records = Vec::new();
    for row in rows {
        match row {
            Ok(Ok(record)) => records.push(record),
            Ok(Err(e)) if is_row_content(&e) => left_out(),
            Ok(Err(e)) => return Err(e),
            Err(e) if is_column_content(&e) => left_out(),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(records)
}

/// The first row a read can decode, reading no further; rows before it that it could not decode
/// are left out as [`readable`] leaves them out.
pub(super) fn first_readable<T>(
    rows: impl Iterator<Item = rusqlite::Result<Result<T>>>,
) -> Result<Option<T>> {
    for row in rows {
        match row {
            Ok(Ok(record)) => return Ok(Some(record)),
            Ok(Err(e)) if is_row_content(&e) => left_out(),
            Ok(Err(e)) => return Err(e),
            Err(e) if is_column_content(&e) => left_out(),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(None)
}

fn left_out() {
    LEFT_OUT.with(|n| n.set(n.get() + 1));
}

/// Why a decoded row is unreadable, in words that name fields and never values; `None` when the
/// failure is not the row's own (the database failed).
pub(super) fn row_reason(row: rusqlite::Result<Result<()>>) -> Result<Option<String>> {
    match row {
        Ok(Ok(())) => Ok(None),
        Ok(Err(e)) if is_row_content(&e) => Ok(Some(e.to_string())),
        Ok(Err(e)) => Err(e),
        Err(e) if is_column_content(&e) => Ok(Some(match e {
            rusqlite::Error::InvalidColumnType(_, name, _) => {
                format!("column {name} holds a value of the wrong type")
            }
            _ => "a column holds a value that cannot be read".to_string(),
        })),
        Err(e) => Err(e.into()),
    }
}

/// A decoder's refusal of the row's content (its messages name fields, never values).
fn is_row_content(e: &Error) -> bool {
    matches!(e, Error::Invalid { .. })
}

/// SQLite returned the column, but not as the type the record needs.
fn is_column_content(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..)
    )
}

impl Store {
    /// Runs `compute` (reads of a patient's records) and reports the unreadable rows of the
    /// patient when its reads met any ([`Store::unreadable_rows`]); when they met none, nothing
    /// is scanned, so a sound diary costs nothing extra. Everything runs in one read
    /// transaction ([`Store::in_one_read`]), so every read sees the same diary.
    pub fn reading_rows<T>(
        &self,
        patient_id: PatientId,
        compute: impl FnOnce() -> Result<T>,
    ) -> Result<(T, Vec<UnreadableRow>)> {
        self.in_one_read(|| {
            let before = LEFT_OUT.with(Cell::get);
            let value = compute()?;
            let unreadable = if LEFT_OUT.with(Cell::get) == before {
                Vec::new()
            } else {
                self.unreadable_rows(patient_id)?
            };
            Ok((value, unreadable))
        })
    }

    /// Runs `reads` inside one read transaction, so that all its reads see one state of the
    /// diary: a write committed meanwhile (by another process, e.g. the phone's notification
    /// extension logging a dose) is either wholly seen or not at all. Inside a transaction
    /// already open, `reads` simply runs in it.
    pub fn in_one_read<T>(&self, reads: impl FnOnce() -> Result<T>) -> Result<T> {
        let conn = self.reader();
        if !conn.is_autocommit() {
            return reads();
        }
        conn.execute_batch("BEGIN DEFERRED")?;
        let value = reads();
        // A read transaction has nothing to keep: ending it either way releases the snapshot.
        let ended = conn.execute_batch(if value.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let value = value?;
        ended?;
        Ok(value)
    }

    /// Every stored row of a patient that the reads leave out because it cannot be read (see
    /// [`UnreadableRow`] and the module doc), by table then row id: measurements, regimens,
    /// logged doses, urine readings, lab results, blood pressures, steroid courses and policy
    /// settings. Screens and exports show the rest and report these.
    pub fn unreadable_rows(&self, patient_id: PatientId) -> Result<Vec<UnreadableRow>> {
        self.unreadable_rows_but(patient_id, None)
    }

    /// [`Store::unreadable_rows`] without the table `skipped`, for a caller that has read all
    /// of that table's rows of the patient itself (an export's single pass over the dose log,
    /// [`Store::all_dose_logs_and_unreadable`]).
    pub(crate) fn unreadable_rows_but(
        &self,
        patient_id: PatientId,
        skipped: Option<&str>,
    ) -> Result<Vec<UnreadableRow>> {
        let sources = [
            super::patients::measurement_rows(),
            super::patients::regimen_rows(),
            super::doses::dose_rows(),
            super::urine::reading_rows(),
            super::labs::lab_rows(),
            super::labs::blood_pressure_rows(),
            super::courses::course_rows(),
            super::policy::policy_rows(),
            super::medicines::medicine_rows(),
        ];
        let mut unreadable = Vec::new();
        for source in sources.iter().filter(|s| Some(s.table) != skipped) {
            let mut stmt = self.reader().prepare_cached(&source.sql)?;
            let mut rows = stmt.query([patient_id])?;
            while let Some(row) = rows.next()? {
                let id_column = row.as_ref().column_count() - 1;
                let row_id: i64 = row.get(id_column)?;
                if let Some(reason) = row_reason((source.check)(row))? {
                    unreadable.push(UnreadableRow {
                        table: source.table.to_string(),
                        row_id,
                        reason,
                    });
                }
            }
        }
        unreadable.sort();
        Ok(unreadable)
    }
}

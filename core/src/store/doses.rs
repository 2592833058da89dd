//! The dose log: idempotent by client id, one live log per slot, every revision kept.

use super::cached_query_row;
use crate::ids::PatientId;
use crate::ids::{MedicineId, RegimenId};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};

use super::patients::{format_time, not_found, regimen, stored_date};
use super::revisions::RevisionLog;
use super::rows::{readable, row_reason, with_row_id, RowSource, UnreadableRow};
use super::{now_ms, Store};
use crate::bounds;
use crate::dates::{format_date, parse_clock_time};
use crate::error::{Error, Result};
use crate::ids::GlobalId;
use crate::model::{require_text, DoseLogEntry, DoseOutcome, MedicationId, NewDoseLog};

/// One revision of a logged dose, as kept in its history.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DoseRevision {
    /// Revision number, from 1.
    pub revision: i64,
    /// Outcome in this revision.
    pub outcome: DoseOutcome,
    /// Actual time in this revision, UTC epoch ms.
    pub actual_at_ms: i64,
    /// Who made this revision.
    pub by: String,
    /// Whether this revision undid the log.
    pub undone: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: i64,
    /// The family's note as of this revision (none: no note). Revisions stored before schema
    /// version 11 hold none: a dose's note could not change then, so its current note is the
    /// one it was logged with.
    pub note: Option<String>,
}

/// What the next revision of a logged dose holds (the store keeps it as given).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NextDoseRevision {
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was given, UTC epoch ms.
    pub actual_at_ms: i64,
    /// The family's note, cleaned (none: no note).
    pub note: Option<String>,
    /// Who makes the revision.
    pub by: String,
    /// Whether the revision undoes the log.
    pub undone: bool,
}

impl Store {
    /// Stores a logged dose (the service [`Store::log_dose`] checks it first). Storing the same
    /// `client_id` again returns the stored entry unchanged; a different dose under a used
    /// `client_id`, or a second live log for the same slot, is a conflict. A regimen's dose must
    /// be for one of its dates and times, a medicine's for one of its doses; a steroid course's
    /// slot was checked against `checked_course_version` of its calendar, which must still be the
    /// course's latest version (a revision stored meanwhile is a conflict). `note` is the cleaned
    /// note.
    pub(crate) fn insert_dose_log(
        &mut self,
        dose: &NewDoseLog,
        note: Option<String>,
        checked_course_version: Option<i64>,
    ) -> Result<DoseLogEntry> {
        self.write(|tx| {
            if let Some(existing) = entry_by_client_id(tx, &dose.client_id)? {
                let first = first_revision(tx, &dose.client_id)?;
                return if same_submission(&existing.dose, dose, &first) {
                    Ok(existing)
                } else {
                    Err(Error::conflict(crate::error::ConflictKind::ClientIdReused, "dose_log"))
                };
            }
            let (regimen_id, course_key, medicine_id) = match &dose.medication {
                MedicationId::Regimen(id) => {
                    let regimen = regimen(tx, *id)?;
                    if !regimen.is_active_on(dose.slot_date) {
                        return Err(Error::invalid("slot_date", "the regimen is not active on this date"));
                    }
                    if !regimen.prescription.times.contains(&dose.slot_time) {
                        return Err(Error::invalid("slot_time", "is not one of the regimen's dosing times"));
                    }
                    (Some(*id), None, None)
                }
                MedicationId::Course(key) => {
                    let latest = super::courses::latest_version_number(tx, key)?;
                    if checked_course_version != Some(latest) {
                        return Err(Error::conflict(
                            crate::error::ConflictKind::StaleVersion {
                                based_on_version: checked_course_version.unwrap_or(0),
                                latest_version: latest,
                            },
                            "steroid_course",
                        ));
                    }
                    (None, Some(key.as_str()), None)
                }
                MedicationId::Medicine(id) => {
                    let medicine = super::medicines::medicine(tx, *id)?;
                    if !medicine.accepts_log(dose.slot_date, dose.slot_time) {
                        return Err(Error::invalid("slot_date", "the medicine has no dose at this date and time"));
                    }
                    (None, None, Some(*id))
                }
            };
            // Cached statements: logging a dose is the app's hottest write (issue 9 benchmark).
            let live: Option<String> = tx
                .prepare_cached(
                    "SELECT client_id FROM dose_log WHERE regimen_id IS ?1 AND course_key IS ?2 AND medicine_id IS ?5
                       AND slot_date = ?3 AND slot_time = ?4 AND undone = 0",
                )?
                .query_row(
                    params![regimen_id, course_key, format_date(dose.slot_date), format_time(dose.slot_time), medicine_id],
                    |r| r.get(0),
                )
                .optional()?;
            if live.is_some() {
                return Err(Error::conflict(crate::error::ConflictKind::AlreadyLogged, "dose_log"));
            }
            let recorded_at_ms = now_ms();
            let global_id = GlobalId::new_at(recorded_at_ms);
            tx.prepare_cached(
                "INSERT INTO dose_log (client_id, regimen_id, course_key, slot_date, slot_time, outcome, actual_at_ms, logged_by,
                    revision, undone, recorded_at_ms, medicine_id, note, global_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 0, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                    dose.client_id,
                    regimen_id,
                    course_key,
                    format_date(dose.slot_date),
                    format_time(dose.slot_time),
                    dose.outcome.id(),
                    dose.actual_at_ms,
                    dose.logged_by,
                    recorded_at_ms,
                    medicine_id,
                    note,
                    global_id
                ])?;
            let id = tx.last_insert_rowid();
            let outcome = dose.outcome.id();
            DOSE_LOG.add(tx, id, 1, &[&outcome as &dyn ToSql, &dose.actual_at_ms, &note], &dose.logged_by, false, recorded_at_ms)?;
            let dose = NewDoseLog { note, ..dose.clone() };
            Ok(DoseLogEntry { dose, global_id, revision: 1, undone: false, recorded_at_ms })
        })
    }

    /// Undoes a logged dose (logged by mistake). It stays in the history, with its note, and
    /// no longer counts.
    pub fn undo_dose(&mut self, client_id: &str, undone_by: &str) -> Result<DoseLogEntry> {
        require_text("undone_by", undone_by, 100)?;
        self.revise(client_id, |current| {
            if current.undone {
                return Err(Error::conflict(
                    crate::error::ConflictKind::AlreadyRetracted,
                    "dose_log",
                ));
            }
            Ok(NextDoseRevision {
                outcome: current.dose.outcome,
                actual_at_ms: current.dose.actual_at_ms,
                note: current.dose.note.clone(),
                by: undone_by.to_string(),
                undone: true,
            })
        })
    }

    /// The patient a regimen or steroid course belongs to.
    pub fn medication_patient(&self, medication: &MedicationId) -> Result<PatientId> {
        let found: Option<PatientId> = match medication {
            MedicationId::Regimen(id) => cached_query_row(
                self.reader(),
                "SELECT patient_id FROM regimen WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?,
            MedicationId::Course(key) => cached_query_row(
                self.reader(),
                "SELECT patient_id FROM steroid_course WHERE course_key = ?1 LIMIT 1",
                [key],
                |r| r.get(0),
            )
            .optional()?,
            MedicationId::Medicine(id) => cached_query_row(
                self.reader(),
                "SELECT patient_id FROM medicine WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?,
        };
        found.ok_or_else(|| match medication {
            MedicationId::Regimen(id) => not_found("regimen", id),
            MedicationId::Course(key) => not_found("steroid course", key),
            MedicationId::Medicine(id) => not_found("medicine", id),
        })
    }

    /// Stores the next revision of a logged dose, made by `change` from the current one, in one
    /// write transaction.
    pub(crate) fn revise(
        &mut self,
        client_id: &str,
        change: impl FnOnce(&DoseLogEntry) -> Result<NextDoseRevision>,
    ) -> Result<DoseLogEntry> {
        self.write(|tx| {
            let current = entry_by_client_id(tx, client_id)?
                .ok_or_else(|| not_found("dose", "(given client_id)"))?;
            let next = change(&current)?;
            let revision = current.revision + 1;
            let recorded_at_ms = DOSE_LOG.revise(
                tx,
                client_id,
                revision,
                &[
                    &next.outcome.id() as &dyn ToSql,
                    &next.actual_at_ms,
                    &next.note,
                ],
                &next.by,
                next.undone,
            )?;
            let undone = next.undone;
            let mut dose = current.dose;
            dose.outcome = next.outcome;
            dose.actual_at_ms = next.actual_at_ms;
            dose.note = next.note;
            Ok(DoseLogEntry {
                dose,
                global_id: current.global_id,
                revision,
                undone,
                recorded_at_ms,
            })
        })
    }

    /// A logged dose by client id, in its current revision.
    pub fn dose(&self, client_id: &str) -> Result<DoseLogEntry> {
        entry_by_client_id(self.reader(), client_id)?
            .ok_or_else(|| not_found("dose", "(given client_id)"))
    }

    /// Every revision of a logged dose, oldest first.
    pub fn dose_history(&self, client_id: &str) -> Result<Vec<DoseRevision>> {
        DOSE_LOG.history(self.reader(), client_id, revision_from_row)
    }

    /// A patient's logged doses with slot dates in `[from, to]`, in slot order; undone logs
    /// are included (flagged) so history views can show them.
    pub fn dose_logs(
        &self,
        patient_id: PatientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DoseLogEntry>> {
        let mut stmt = self.reader().prepare_cached(&format!(
            "{ENTRY_SELECT}
             WHERE d.slot_date BETWEEN ?2 AND ?3
               AND (d.regimen_id IN (SELECT id FROM regimen WHERE patient_id = ?1)
                    OR d.course_key IN (SELECT course_key FROM steroid_course WHERE patient_id = ?1)
                    OR d.medicine_id IN (SELECT id FROM medicine WHERE patient_id = ?1))
             ORDER BY d.slot_date, d.slot_time, d.id"
        ))?;
        let rows = stmt.query_map(
            params![patient_id, format_date(from), format_date(to)],
            entry_from_row,
        )?;
        readable(rows)
    }
}

impl Store {
    /// Every logged dose of the patient (undone ones included) in the order of
    /// [`Store::dose_logs`], and the dose-log rows of the patient that cannot be read, as
    /// [`Store::unreadable_rows`] reports them: one pass over the log, for an export that needs
    /// both.
    pub fn all_dose_logs_and_unreadable(
        &self,
        patient_id: PatientId,
    ) -> Result<(Vec<DoseLogEntry>, Vec<UnreadableRow>)> {
        let source = dose_rows();
        let mut stmt = self.reader().prepare_cached(&format!(
            "{} ORDER BY d.slot_date, d.slot_time, d.id",
            source.sql
        ))?;
        let mut rows = stmt.query([patient_id])?;
        let (mut entries, mut unreadable) = (Vec::new(), Vec::new());
        while let Some(row) = rows.next()? {
            let row_id: i64 = row.get(row.as_ref().column_count() - 1)?;
            match entry_from_row(row) {
                Ok(Ok(entry)) => entries.push(entry),
                failed => {
                    if let Some(reason) = row_reason(failed.map(|r| r.map(drop)))? {
                        unreadable.push(UnreadableRow {
                            table: source.table.to_string(),
                            row_id,
                            reason,
                        });
                    }
                }
            }
        }
        Ok((entries, unreadable))
    }
}

const ENTRY_SELECT: &str = "SELECT d.client_id, d.regimen_id, d.course_key, d.slot_date, d.slot_time, d.outcome, d.actual_at_ms,
    d.logged_by, d.revision, d.undone, d.recorded_at_ms, d.medicine_id, d.note, d.global_id FROM dose_log d";

/// A patient's logged doses as [`Store::unreadable_rows`] scans them.
pub(super) fn dose_rows() -> RowSource {
    RowSource {
        table: "dose_log",
        sql: format!(
            "{} WHERE d.regimen_id IN (SELECT id FROM regimen WHERE patient_id = ?1)
                OR d.course_key IN (SELECT course_key FROM steroid_course WHERE patient_id = ?1)
                OR d.medicine_id IN (SELECT id FROM medicine WHERE patient_id = ?1)",
            with_row_id(ENTRY_SELECT, "d.id")
        ),
        check: |r| entry_from_row(r).map(|e| e.map(drop)),
    }
}

fn entry_by_client_id(conn: &Connection, client_id: &str) -> Result<Option<DoseLogEntry>> {
    conn.prepare_cached(&format!("{ENTRY_SELECT} WHERE d.client_id = ?1"))?
        .query_row([client_id], entry_from_row)
        .optional()?
        .transpose()
}

/// The revision log of logged doses ([`RevisionLog`]): the outcome, the actual time and (since
/// schema version 11) the family's note change.
pub(super) const DOSE_LOG: RevisionLog = RevisionLog {
    record_table: "dose_log",
    revision_table: "dose_log_revision",
    record_id_column: "dose_log_id",
    content_columns: &["outcome", "actual_at_ms", "note"],
    author_column: "logged_by",
    flag_column: "undone",
    record_columns: &[],
};

fn first_revision(conn: &Connection, client_id: &str) -> Result<(DoseOutcome, i64)> {
    let first = DOSE_LOG.first(conn, client_id, revision_from_row)?;
    Ok((first.outcome, first.actual_at_ms))
}

fn revision_from_row(r: &Row) -> rusqlite::Result<Result<DoseRevision>> {
    let outcome: String = r.get(1)?;
    let (revision, actual_at_ms, note, by, undone, recorded_at_ms) = (
        r.get(0)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    );
    Ok(
        DoseOutcome::parse("outcome", &outcome).map(|outcome| DoseRevision {
            revision,
            outcome,
            actual_at_ms,
            by,
            undone,
            recorded_at_ms,
            note,
        }),
    )
}

/// A resubmission is the same dose when it names the same slot with the same first outcome and time.
fn same_submission(stored: &NewDoseLog, again: &NewDoseLog, first: &(DoseOutcome, i64)) -> bool {
    stored.medication == again.medication
        && stored.slot_date == again.slot_date
        && stored.slot_time == again.slot_time
        && first.0 == again.outcome
        && first.1 == again.actual_at_ms
}

fn entry_from_row(r: &Row) -> rusqlite::Result<Result<DoseLogEntry>> {
    let client_id: String = r.get(0)?;
    let medication = match (
        r.get::<_, Option<i64>>(1)?,
        r.get::<_, Option<String>>(2)?,
        r.get::<_, Option<i64>>(11)?,
    ) {
        (Some(id), _, _) => MedicationId::Regimen(RegimenId::from(id)),
        (None, _, Some(id)) => MedicationId::Medicine(MedicineId::from(id)),
        (None, key, None) => MedicationId::Course(key.unwrap_or_default()),
    };
    let (slot_date, slot_time, outcome): (String, String, String) =
        (r.get(3)?, r.get(4)?, r.get(5)?);
    let actual_at_ms: i64 = r.get(6)?;
    let logged_by: String = r.get(7)?;
    let revision: i64 = r.get(8)?;
    let undone: bool = r.get(9)?;
    let recorded_at_ms: i64 = r.get(10)?;
    let note: Option<String> = r.get(12)?;
    let global_id: GlobalId = r.get(13)?;
    Ok((|| {
        bounds::instant_ms("stored actual_at_ms", actual_at_ms)?;
        Ok(DoseLogEntry {
            dose: NewDoseLog::new(
                client_id,
                medication,
                stored_date(&slot_date)?,
                parse_clock_time("slot_time", &slot_time)?,
                DoseOutcome::parse("outcome", &outcome)?,
                actual_at_ms,
                logged_by,
            )
            .with_note(note),
            global_id,
            revision,
            undone,
            recorded_at_ms,
        })
    })())
}

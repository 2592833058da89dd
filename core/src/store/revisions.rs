//! One revision log for the records that keep every change: logged doses, urine readings and
//! lab results. Each is a row of its record table, keyed by a unique `client_id`, that holds the
//! current revision (with `revision`, a flag column saying it was undone or retracted, and
//! `recorded_at_ms`), and one row per revision in its revision table (the record's row id, the
//! revision number, the same content columns, who made it, the flag and when it was recorded).
//! [`RevisionLog`] names those tables and columns; its methods are the only code that writes a
//! revision or reads a history, inside the caller's transaction (every write goes through
//! `Store::write`).

use super::cached_query_row;
use rusqlite::types::ToSql;
use rusqlite::{params_from_iter, Connection, Row, Transaction};

use super::now_ms;
use crate::error::Result;
use crate::model::EpochMillis;

/// The tables and columns of one record's revision log.
pub(super) struct RevisionLog {
    /// The record table (current revision), keyed by `client_id`.
    pub record_table: &'static str,
    /// The revision table (every revision, from 1).
    pub revision_table: &'static str,
    /// The revision table's column naming the record's row id.
    pub record_id_column: &'static str,
    /// The columns a revision changes, named alike in both tables, in the order of the values
    /// given to [`RevisionLog::add`] and [`RevisionLog::revise`].
    pub content_columns: &'static [&'static str],
    /// The revision table's column naming who made the revision.
    pub author_column: &'static str,
    /// The column, in both tables, saying the revision undid or retracted the record.
    pub flag_column: &'static str,
    /// Columns of the record table read beside each revision, after the revision's own (the lab
    /// result's kind, which no revision changes).
    pub record_columns: &'static [&'static str],
}

impl RevisionLog {
    /// Writes revision `revision` of the record with row id `record_id`.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &self,
        tx: &Transaction,
        record_id: i64,
        revision: i64,
        content: &[&dyn ToSql],
        by: &str,
        flagged: bool,
        recorded_at_ms: EpochMillis,
    ) -> Result<()> {
        let columns = self.content_columns.join(", ");
        let count = self.content_columns.len() + 5;
        let placeholders = (1..=count)
            .map(|n| format!("?{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {} ({}, revision, {columns}, {}, {}, recorded_at_ms) VALUES ({placeholders})",
            self.revision_table, self.record_id_column, self.author_column, self.flag_column
        );
        let mut values: Vec<&dyn ToSql> = vec![&record_id, &revision];
        values.extend_from_slice(content);
        values.extend([&by as &dyn ToSql, &flagged, &recorded_at_ms]);
        // Cached: logging and revising a dose are the app's hottest writes.
        tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
        Ok(())
    }

    /// Stores revision `revision` of the record `client_id` with `content`: the record's row
    /// takes it as its current revision and the revision table keeps it. Returns when it was
    /// recorded (UTC epoch ms).
    pub fn revise(
        &self,
        tx: &Transaction,
        client_id: &str,
        revision: i64,
        content: &[&dyn ToSql],
        by: &str,
        flagged: bool,
    ) -> Result<EpochMillis> {
        let recorded_at_ms = now_ms();
        let n = self.content_columns.len();
        let assignments = self
            .content_columns
            .iter()
            .enumerate()
            .map(|(i, column)| format!("{column} = ?{}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE {} SET {assignments}, revision = ?{}, {} = ?{}, recorded_at_ms = ?{} WHERE client_id = ?1",
            self.record_table,
            n + 2,
            self.flag_column,
            n + 3,
            n + 4
        );
        let mut values: Vec<&dyn ToSql> = vec![&client_id];
        values.extend_from_slice(content);
        values.extend([&revision as &dyn ToSql, &flagged, &recorded_at_ms]);
        tx.prepare_cached(&sql)?.execute(params_from_iter(values))?;
        let record_id: i64 = cached_query_row(
            tx,
            &format!("SELECT id FROM {} WHERE client_id = ?1", self.record_table),
            [client_id],
            |r| r.get(0),
        )?;
        self.add(
            tx,
            record_id,
            revision,
            content,
            by,
            flagged,
            recorded_at_ms,
        )?;
        Ok(recorded_at_ms)
    }

    /// Every revision of the record `client_id`, oldest first (none for an unknown client id),
    /// each read by `decode` from the columns `revision`, the content columns, the author, the
    /// flag, `recorded_at_ms` and the record columns, in that order. A revision that cannot be
    /// read fails the whole history.
    pub fn history<T>(
        &self,
        conn: &Connection,
        client_id: &str,
        decode: impl FnMut(&Row) -> rusqlite::Result<Result<T>>,
    ) -> Result<Vec<T>> {
        let mut stmt = conn.prepare_cached(&self.select("ORDER BY r.revision"))?;
        let rows = stmt.query_map([client_id], decode)?;
        rows.map(|row| row?).collect()
    }

    /// The first revision (as first submitted) of the record `client_id`, read by `decode` as
    /// for [`RevisionLog::history`]; recognises a resubmission of the same client id.
    pub fn first<T>(
        &self,
        conn: &Connection,
        client_id: &str,
        decode: impl FnOnce(&Row) -> rusqlite::Result<Result<T>>,
    ) -> Result<T> {
        conn.prepare_cached(&self.select("AND r.revision = 1"))?
            .query_row([client_id], decode)?
    }

    /// The query of [`RevisionLog::history`], the revisions of the record whose client id is
    /// `?1`, ending with `tail`.
    fn select(&self, tail: &str) -> String {
        let mut columns = vec!["r.revision".to_string()];
        columns.extend(self.content_columns.iter().map(|c| format!("r.{c}")));
        columns.extend([
            format!("r.{}", self.author_column),
            format!("r.{}", self.flag_column),
            "r.recorded_at_ms".to_string(),
        ]);
        columns.extend(self.record_columns.iter().map(|c| format!("t.{c}")));
        format!(
            "SELECT {} FROM {} r JOIN {} t ON t.id = r.{} WHERE t.client_id = ?1 {tail}",
            columns.join(", "),
            self.revision_table,
            self.record_table,
            self.record_id_column
        )
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use rusqlite::types::Value;

    use super::*;
    use crate::labs::{LabKind, LabResult, LabUnit};
    use crate::model::{DoseOutcome, MedicationId, NewDoseLog};
    use crate::protein::{DipstickGrade, UrineMeasurement};
    use crate::store::doses::DOSE_LOG;
    use crate::store::labs::LAB_LOG;
    use crate::store::labs::{LabCorrection, NewLabResult};
    use crate::store::tests::seeded;
    use crate::store::urine::READING_LOG;
    use crate::store::urine::{NewUrineReading, UrineReadingCorrection};
    use crate::store::Store;
    use crate::test_support::{date, time};

    /// 2025-06-02T07:00:00+08:00 in epoch ms.
    const MORNING_MS: i64 = 1_748_818_800_000;

    /// The content columns, revision and flag of the record `client_id` as its row holds them
    /// and as its latest revision holds them, and how many revisions it has.
    fn current_and_latest(
        store: &Store,
        log: &RevisionLog,
        client_id: &str,
    ) -> (Vec<Value>, Vec<Value>, i64) {
        let columns = [log.content_columns, &["revision", log.flag_column]].concat();
        let read = |sql: String| -> Vec<Value> {
            store
                .reader()
                .query_row(&sql, [client_id], |r| {
                    (0..columns.len()).map(|i| r.get::<_, Value>(i)).collect()
                })
                .unwrap()
        };
        let current = read(format!(
            "SELECT {} FROM {} WHERE client_id = ?1",
            columns.join(", "),
            log.record_table
        ));
        let latest = read(format!(
            "SELECT {} FROM {} r JOIN {} t ON t.id = r.{} WHERE t.client_id = ?1
             ORDER BY r.revision DESC LIMIT 1",
            columns
                .iter()
                .map(|c| format!("r.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            log.revision_table,
            log.record_table,
            log.record_id_column
        ));
        let count = store
            .reader()
            .query_row(
                &format!(
                    "SELECT count(*) FROM {} r JOIN {} t ON t.id = r.{} WHERE t.client_id = ?1",
                    log.revision_table, log.record_table, log.record_id_column
                ),
                [client_id],
                |r| r.get(0),
            )
            .unwrap();
        (current, latest, count)
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().into()
    }

    #[test]
    fn each_record_holds_its_latest_revision_after_every_change() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, regimen) = seeded(&mut store);
        let check = |store: &Store, log: &RevisionLog, client_id: &str, revisions: i64| {
            let (current, latest, count) = current_and_latest(store, log, client_id);
            assert_eq!(current, latest, "{}", log.record_table);
            assert_eq!(count, revisions, "{}", log.record_table);
            assert_eq!(current[current.len() - 2], Value::Integer(revisions));
        };

        let dose = NewDoseLog::new(
            "dose-1".into(),
            MedicationId::Regimen(regimen.id),
            date("2025-06-02"),
            time("08:00"),
            DoseOutcome::Taken,
            MORNING_MS + 3_600_000,
            "mother".into(),
        );
        store.insert_dose_log(&dose, None, None).unwrap();
        check(&store, &DOSE_LOG, "dose-1", 1);
        store
            .revise("dose-1", |_| {
                Ok(crate::store::NextDoseRevision {
                    outcome: DoseOutcome::Skipped,
                    actual_at_ms: MORNING_MS,
                    note: Some("spat out half".into()),
                    by: "father".into(),
                    undone: false,
                })
            })
            .unwrap();
        check(&store, &DOSE_LOG, "dose-1", 2);
        store.undo_dose("dose-1", "mother").unwrap();
        check(&store, &DOSE_LOG, "dose-1", 3);

        let reading = NewUrineReading {
            client_id: "dip-1".into(),
            patient_id: patient.id,
            measurement: UrineMeasurement::Dipstick(DipstickGrade::TwoPlus),
            taken_at_ms: MORNING_MS,
            taken_on: None,
            first_morning: true,
            note: None,
            logged_by: "mother".into(),
            photo: None,
        };
        store.log_urine_reading(&reading).unwrap();
        check(&store, &READING_LOG, "dip-1", 1);
        let correction = UrineReadingCorrection {
            measurement: UrineMeasurement::Dipstick(DipstickGrade::Trace),
            taken_at_ms: MORNING_MS + 60_000,
            taken_on: Some(date("2025-06-01")),
            first_morning: false,
            note: Some("read again in daylight".into()),
            corrected_by: "father".into(),
        };
        store.correct_urine_reading("dip-1", &correction).unwrap();
        check(&store, &READING_LOG, "dip-1", 2);
        store.retract_urine_reading("dip-1", "mother").unwrap();
        check(&store, &READING_LOG, "dip-1", 3);

        let lab = NewLabResult {
            client_id: "lab-1".into(),
            patient_id: patient.id,
            result: LabResult {
                kind: LabKind::TacrolimusTrough,
                value: 6.5,
                unit: LabUnit::NanogramsPerMillilitre,
                drawn_at: at("2025-06-02T07:30:00+08:00"),
                upper_limit_of_normal: None,
            },
            logged_by: "mother".into(),
        };
        store.log_lab_result(&lab).unwrap();
        check(&store, &LAB_LOG, "lab-1", 1);
        let corrected = LabCorrection {
            value: 5.6,
            unit: LabUnit::NanogramsPerMillilitre,
            drawn_at: at("2025-06-02T07:45:00+08:00"),
            upper_limit_of_normal: Some(20.0),
            corrected_by: "nurse".into(),
        };
        store.correct_lab_result("lab-1", &corrected).unwrap();
        check(&store, &LAB_LOG, "lab-1", 2);
        store.retract_lab_result("lab-1", "nurse").unwrap();
        check(&store, &LAB_LOG, "lab-1", 3);
    }

    #[test]
    fn an_unknown_client_id_has_no_history_and_no_first_revision() {
        let store = Store::open_in_memory().unwrap();
        for log in [&DOSE_LOG, &READING_LOG, &LAB_LOG] {
            let history = log
                .history(store.reader(), "nobody", |r| Ok(Ok(r.get::<_, i64>(0)?)))
                .unwrap();
            assert!(history.is_empty(), "{}", log.record_table);
            assert!(log
                .first(store.reader(), "nobody", |r| Ok(Ok(r.get::<_, i64>(0)?)))
                .is_err());
        }
    }
}

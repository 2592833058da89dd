//! Lab results and blood-pressure readings.
//!
//! A lab result is logged once per client id (a retry returns the stored record), validated by
//! the labs engine ([`LabResult::validate`]) before anything is written. A correction or a
//! retraction adds a revision; the first submission and every change stay readable in
//! [`Store::lab_history`].

use super::{cached_execute, cached_query_row};
use crate::ids::{BloodPressureId, PatientId};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::patients::{not_found, require_patient};
use super::revisions::RevisionLog;
use super::rows::{readable, with_row_id, RowSource};
use super::{now_ms, Store};
use crate::dates::parse_time_zone;
use crate::error::{Error, Result};
use crate::ids::GlobalId;
use crate::labs::{BloodPressure, LabKind, LabResult, LabUnit};
use crate::model::{require_text, EpochMillis};
use crate::schedule::local_date;

/// A lab result to log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewLabResult {
    /// Client-generated id (e.g. a UUID made when the result was entered): logging the same id
    /// again stores the result once.
    pub client_id: String,
    /// The patient the sample was drawn from.
    pub patient_id: PatientId,
    /// The result as the laboratory reported it.
    pub result: LabResult,
    /// Who entered it, e.g. `mother`.
    pub logged_by: String,
}

/// A stored lab result in its current revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabRecord {
    /// The client id it was logged under.
    pub client_id: String,
    /// The result's globally unique id ([`GlobalId`]), made when it was logged and kept through
    /// every correction and the retraction (a revision is named by it and `revision`).
    pub global_id: GlobalId,
    /// The patient.
    pub patient_id: PatientId,
    /// The result as last logged or corrected.
    pub result: LabResult,
    /// Who first entered it.
    pub logged_by: String,
    /// Revision number: 1 when logged, +1 per correction or retraction.
    pub revision: i64,
    /// Whether it was retracted (entered by mistake): kept in the history, no longer assessed.
    pub retracted: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
}

/// A correction of a logged lab result (a typing error, the wrong unit or draw time). The
/// kind cannot change: retract the result and log a new one instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabCorrection {
    /// The corrected value, in `unit`.
    pub value: f64,
    /// The corrected unit.
    pub unit: LabUnit,
    /// The corrected draw time.
    pub drawn_at: DateTime<Utc>,
    /// The corrected upper limit of normal, in `unit`.
    pub upper_limit_of_normal: Option<f64>,
    /// Who made the correction.
    pub corrected_by: String,
}

/// One revision of a lab result, as kept in its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LabRevision {
    /// Revision number, from 1.
    pub revision: i64,
    /// Value in this revision.
    pub value: f64,
    /// Unit in this revision.
    pub unit: LabUnit,
    /// Draw time in this revision.
    #[cfg_attr(feature = "uniffi", uniffi(name = "drawn_at_ms"))]
    pub drawn_at: DateTime<Utc>,
    /// Upper limit of normal in this revision.
    pub upper_limit_of_normal: Option<f64>,
    /// Who made this revision.
    pub by: String,
    /// Whether this revision retracted the result.
    pub retracted: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
}

/// A stored blood-pressure reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BloodPressureRecord {
    /// Row id.
    pub id: BloodPressureId,
    /// Its globally unique id ([`GlobalId`]).
    pub global_id: GlobalId,
    /// The patient.
    pub patient_id: PatientId,
    /// The reading.
    pub reading: BloodPressure,
    /// When it was recorded, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
}

impl Store {
    /// Logs a lab result after validating it ([`LabResult::validate`], fields named
    /// `result.value`, `result.unit`, `result.upper_limit_of_normal`). Logging the same
    /// `client_id` again with the same result returns the stored record (in its current
    /// revision); a different result under a used `client_id` is a conflict.
    pub fn log_lab_result(&mut self, new: &NewLabResult) -> Result<LabRecord> {
        require_text("client_id", &new.client_id, 100)?;
        require_text("logged_by", &new.logged_by, 100)?;
        new.result.validate("result")?;
        let drawn_at_ms = new.result.drawn_at.timestamp_millis();
        self.write(|tx| {
            if let Some(existing) = record_by_client_id(tx, &new.client_id)? {
                let first = first_revision(tx, &new.client_id)?;
                let same = existing.patient_id == new.patient_id
                    && existing.result.kind == new.result.kind
                    && first.value == new.result.value
                    && first.unit == new.result.unit
                    && first.drawn_at == new.result.drawn_at
                    && first.upper_limit_of_normal == new.result.upper_limit_of_normal;
                return if same {
                    Ok(existing)
                } else {
                    Err(Error::conflict(crate::error::ConflictKind::ClientIdReused, "lab_result"))
                };
            }
            require_patient(tx, new.patient_id)?;
            let recorded_at_ms = now_ms();
            let global_id = GlobalId::new_at(recorded_at_ms);
            let result = &new.result;
            cached_execute(tx,
                "INSERT INTO lab_result (client_id, patient_id, kind, value, unit, drawn_at_ms, upper_limit_of_normal,
                    logged_by, revision, retracted, recorded_at_ms, global_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 0, ?9, ?10)",
                params![
                    new.client_id,
                    new.patient_id,
                    result.kind.id(),
                    result.value,
                    result.unit.id(),
                    drawn_at_ms,
                    result.upper_limit_of_normal,
                    new.logged_by,
                    recorded_at_ms,
                    global_id
                ],
            )?;
            let id = tx.last_insert_rowid();
            let (value, unit, drawn_at_ms, upper) = revision_columns(result);
            let content: [&dyn rusqlite::ToSql; 4] = [&value, &unit, &drawn_at_ms, &upper];
            LAB_LOG.add(tx, id, 1, &content, &new.logged_by, false, recorded_at_ms)?;
            Ok(LabRecord {
                client_id: new.client_id.clone(),
                global_id,
                patient_id: new.patient_id,
                result: result.clone(),
                logged_by: new.logged_by.clone(),
                revision: 1,
                retracted: false,
                recorded_at_ms,
            })
        })
    }

    /// Corrects a logged lab result (validated like a new one); the previous revision stays in
    /// the history. A retracted result cannot be corrected.
    pub fn correct_lab_result(
        &mut self,
        client_id: &str,
        correction: &LabCorrection,
    ) -> Result<LabRecord> {
        require_text("corrected_by", &correction.corrected_by, 100)?;
        self.revise_lab(client_id, &correction.corrected_by, false, |current| {
            if current.retracted {
                return Err(Error::conflict(
                    crate::error::ConflictKind::Retracted,
                    "lab_result",
                ));
            }
            let corrected = LabResult {
                kind: current.result.kind,
                value: correction.value,
                unit: correction.unit,
                drawn_at: correction.drawn_at,
                upper_limit_of_normal: correction.upper_limit_of_normal,
            };
            corrected.validate("correction")?;
            Ok(corrected)
        })
    }

    /// Retracts a lab result entered by mistake. It stays in the history and is no longer
    /// assessed.
    pub fn retract_lab_result(&mut self, client_id: &str, retracted_by: &str) -> Result<LabRecord> {
        require_text("retracted_by", retracted_by, 100)?;
        self.revise_lab(client_id, retracted_by, true, |current| {
            if current.retracted {
                return Err(Error::conflict(
                    crate::error::ConflictKind::AlreadyRetracted,
                    "lab_result",
                ));
            }
            Ok(current.result.clone())
        })
    }

    fn revise_lab(
        &mut self,
        client_id: &str,
        by: &str,
        retract: bool,
        change: impl FnOnce(&LabRecord) -> Result<LabResult>,
    ) -> Result<LabRecord> {
        self.write(|tx| {
            let current = record_by_client_id(tx, client_id)?
                .ok_or_else(|| not_found("lab result", "(given client_id)"))?;
            let result = change(&current)?;
            let revision = current.revision + 1;
            let (value, unit, drawn_at_ms, upper) = revision_columns(&result);
            let content: [&dyn rusqlite::ToSql; 4] = [&value, &unit, &drawn_at_ms, &upper];
            let recorded_at_ms = LAB_LOG.revise(tx, client_id, revision, &content, by, retract)?;
            Ok(LabRecord {
                result,
                revision,
                retracted: retract,
                recorded_at_ms,
                ..current
            })
        })
    }

    /// A lab result by client id, in its current revision.
    pub fn lab_result(&self, client_id: &str) -> Result<LabRecord> {
        record_by_client_id(self.reader(), client_id)?
            .ok_or_else(|| not_found("lab result", "(given client_id)"))
    }

    /// A patient's lab results drawn on local dates `from` to `to` (inclusive, in the patient's
    /// time zone), by draw time then entry order. Retracted results are included (flagged) so
    /// history views can show them. `NaiveDate::MIN` and `NaiveDate::MAX` select everything.
    pub fn lab_results(
        &self,
        patient_id: PatientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<LabRecord>> {
        let patient = self.patient(patient_id)?;
        let zone = parse_time_zone("time_zone", &patient.profile.time_zone)?;
        // Select a UTC range wide enough for any offset (±26 h), then keep the exact local dates.
        let margin = TimeDelta::hours(26).num_milliseconds();
        let start = from
            .and_time(NaiveTime::MIN)
            .and_utc()
            .timestamp_millis()
            .saturating_sub(margin);
        let end = to
            .and_time(NaiveTime::MIN)
            .and_utc()
            .timestamp_millis()
            .saturating_add(margin + TimeDelta::days(1).num_milliseconds());
        let mut stmt = self.reader().prepare_cached(&format!(
            "{RECORD_SELECT} WHERE patient_id = ?1 AND drawn_at_ms BETWEEN ?2 AND ?3 ORDER BY drawn_at_ms, id"
        ))?;
        let rows = stmt.query_map(params![patient_id, start, end], record_from_row)?;
        let mut records = readable(rows)?;
        records.retain(|record| {
            let date = local_date(record.result.drawn_at, zone);
            from <= date && date <= to
        });
        Ok(records)
    }

    /// Every revision of a lab result, oldest first.
    pub fn lab_history(&self, client_id: &str) -> Result<Vec<LabRevision>> {
        LAB_LOG.history(self.reader(), client_id, revision_from_row)
    }

    /// Records a blood-pressure reading after validating it ([`BloodPressure::validate`], fields
    /// named `blood_pressure.systolic_mmhg`, `blood_pressure.diastolic_mmhg`).
    ///
    /// With a `client_id` (the app's id of this entry, up to 100 characters) the write is
    /// idempotent: the same id with the same patient and reading returns the stored record
    /// without writing (a double tap, or a retry after a lost response); the same id with a
    /// different patient or reading is a conflict. Without one, every call stores a reading.
    pub fn add_blood_pressure(
        &mut self,
        patient_id: PatientId,
        reading: &BloodPressure,
        client_id: Option<&str>,
    ) -> Result<BloodPressureRecord> {
        if let Some(client_id) = client_id {
            require_text("client_id", client_id, 100)?;
        }
        reading.validate("blood_pressure")?;
        self.write(|tx| {
            require_patient(tx, patient_id)?;
            if let Some(client_id) = client_id {
                let stored = cached_query_row(tx, &format!("{BLOOD_PRESSURE_SELECT} WHERE client_id = ?1"), [client_id], blood_pressure_from_row)
                    .optional()?;
                if let Some(stored) = stored {
                    let stored = stored?;
                    // Compared as stored: the instant to the millisecond.
                    let same = stored.patient_id == patient_id
                        && stored.reading.measured_at.timestamp_millis() == reading.measured_at.timestamp_millis()
                        && stored.reading.systolic_mmhg == reading.systolic_mmhg
                        && stored.reading.diastolic_mmhg == reading.diastolic_mmhg;
                    return if same {
                        Ok(stored)
                    } else {
                        Err(Error::conflict(crate::error::ConflictKind::ClientIdReused, "blood_pressure"))
                    };
                }
            }
            let recorded_at_ms = now_ms();
            let global_id = GlobalId::new_at(recorded_at_ms);
            cached_execute(tx,
                "INSERT INTO blood_pressure (patient_id, measured_at_ms, systolic_mmhg, diastolic_mmhg, recorded_at_ms, client_id,
                    global_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    patient_id,
                    reading.measured_at.timestamp_millis(),
                    reading.systolic_mmhg,
                    reading.diastolic_mmhg,
                    recorded_at_ms,
                    client_id,
                    global_id
                ],
            )?;
            Ok(BloodPressureRecord { id: BloodPressureId::from(tx.last_insert_rowid()), global_id, patient_id, reading: reading.clone(), recorded_at_ms })
        })
    }

    /// A patient's blood-pressure readings by measurement time, then entry order.
    pub fn blood_pressures(&self, patient_id: PatientId) -> Result<Vec<BloodPressureRecord>> {
        let mut stmt = self.reader().prepare_cached(&format!(
            "{BLOOD_PRESSURE_SELECT} WHERE patient_id = ?1 ORDER BY measured_at_ms, id"
        ))?;
        let rows = stmt.query_map([patient_id], blood_pressure_from_row)?;
        readable(rows)
    }
}

const BLOOD_PRESSURE_SELECT: &str =
    "SELECT id, patient_id, measured_at_ms, systolic_mmhg, diastolic_mmhg, recorded_at_ms, global_id FROM blood_pressure";

fn blood_pressure_from_row(r: &Row) -> rusqlite::Result<Result<BloodPressureRecord>> {
    let (id, patient_id, measured_at_ms, systolic_mmhg, diastolic_mmhg, recorded_at_ms): (
        i64,
        i64,
        i64,
        f64,
        f64,
        i64,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    );
    let global_id: GlobalId = r.get(6)?;
    Ok(
        stored_instant(measured_at_ms).map(|measured_at| BloodPressureRecord {
            id: BloodPressureId::from(id),
            global_id,
            patient_id: PatientId::from(patient_id),
            reading: BloodPressure {
                measured_at,
                systolic_mmhg,
                diastolic_mmhg,
            },
            recorded_at_ms,
        }),
    )
}

const RECORD_SELECT: &str =
    "SELECT client_id, patient_id, kind, value, unit, drawn_at_ms, upper_limit_of_normal, logged_by,
    revision, retracted, recorded_at_ms, global_id FROM lab_result";

/// A patient's lab results as [`Store::unreadable_rows`] scans them.
pub(super) fn lab_rows() -> RowSource {
    RowSource {
        table: "lab_result",
        sql: format!("{} WHERE patient_id = ?1", with_row_id(RECORD_SELECT, "id")),
        check: |r| record_from_row(r).map(|e| e.map(drop)),
    }
}

/// A patient's blood pressures as [`Store::unreadable_rows`] scans them.
pub(super) fn blood_pressure_rows() -> RowSource {
    RowSource {
        table: "blood_pressure",
        sql: format!(
            "{} WHERE patient_id = ?1",
            with_row_id(BLOOD_PRESSURE_SELECT, "id")
        ),
        check: |r| blood_pressure_from_row(r).map(|e| e.map(drop)),
    }
}

fn record_by_client_id(conn: &Connection, client_id: &str) -> Result<Option<LabRecord>> {
    cached_query_row(
        conn,
        &format!("{RECORD_SELECT} WHERE client_id = ?1"),
        [client_id],
        record_from_row,
    )
    .optional()?
    .transpose()
}

/// The revision log of lab results ([`RevisionLog`]): the value, unit, draw time and upper
/// limit of normal change; the kind is read from the result.
pub(super) const LAB_LOG: RevisionLog = RevisionLog {
    record_table: "lab_result",
    revision_table: "lab_result_revision",
    record_id_column: "lab_result_id",
    content_columns: &["value", "unit", "drawn_at_ms", "upper_limit_of_normal"],
    author_column: "changed_by",
    flag_column: "retracted",
    record_columns: &["kind"],
};

/// The values of [`LAB_LOG`]'s content columns for `result`: value, unit, draw time and upper
/// limit of normal.
fn revision_columns(result: &LabResult) -> (f64, &'static str, EpochMillis, Option<f64>) {
    (
        result.value,
        result.unit.id(),
        result.drawn_at.timestamp_millis(),
        result.upper_limit_of_normal,
    )
}

/// The result as first submitted (revision 1), for recognising a resubmission.
fn first_revision(conn: &Connection, client_id: &str) -> Result<LabResult> {
    let (kind, first) = LAB_LOG.first(conn, client_id, |r| {
        let kind: String = r.get(8)?;
        Ok(revision_from_row(r)?.map(|first| (kind, first)))
    })?;
    Ok(LabResult {
        kind: LabKind::parse("kind", &kind)?,
        value: first.value,
        unit: first.unit,
        drawn_at: first.drawn_at,
        upper_limit_of_normal: first.upper_limit_of_normal,
    })
}

fn revision_from_row(r: &Row) -> rusqlite::Result<Result<LabRevision>> {
    let (revision, value, unit, drawn_at_ms, upper_limit_of_normal): (
        i64,
        f64,
        String,
        i64,
        Option<f64>,
    ) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let (by, retracted, recorded_at_ms, kind): (String, bool, EpochMillis, String) =
        (r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
    Ok((|| {
        let kind = LabKind::parse("kind", &kind)?;
        Ok(LabRevision {
            revision,
            value,
            unit: LabUnit::parse_for("unit", kind, &unit)?,
            drawn_at: stored_instant(drawn_at_ms)?,
            upper_limit_of_normal,
            by,
            retracted,
            recorded_at_ms,
        })
    })())
}

fn record_from_row(r: &Row) -> rusqlite::Result<Result<LabRecord>> {
    let client_id: String = r.get(0)?;
    let patient_id: PatientId = r.get(1)?;
    let (kind, value, unit): (String, f64, String) = (r.get(2)?, r.get(3)?, r.get(4)?);
    let drawn_at_ms: i64 = r.get(5)?;
    let upper_limit_of_normal: Option<f64> = r.get(6)?;
    let logged_by: String = r.get(7)?;
    let revision: i64 = r.get(8)?;
    let retracted: bool = r.get(9)?;
    let recorded_at_ms: i64 = r.get(10)?;
    let global_id: GlobalId = r.get(11)?;
    Ok((|| {
        let kind = LabKind::parse("kind", &kind)?;
        Ok(LabRecord {
            client_id,
            global_id,
            patient_id,
            result: LabResult {
                kind,
                value,
                unit: LabUnit::parse_for("unit", kind, &unit)?,
                drawn_at: stored_instant(drawn_at_ms)?,
                upper_limit_of_normal,
            },
            logged_by,
            revision,
            retracted,
            recorded_at_ms,
        })
    })())
}

/// An instant read back from the database, within the bounds of clinical-rules §10 (a row whose
/// instant is not is unreadable: left out of lists and reported).
fn stored_instant(ms: EpochMillis) -> Result<DateTime<Utc>> {
    crate::bounds::instant_ms("stored instant", ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::seeded;

    use crate::test_support::{at, date};

    fn trough(client_id: &str, patient_id: PatientId, value: f64, drawn: &str) -> NewLabResult {
        NewLabResult {
            client_id: client_id.into(),
            patient_id,
            result: LabResult {
                kind: LabKind::TacrolimusTrough,
                value,
                unit: LabUnit::NanogramsPerMillilitre,
                drawn_at: at(drawn),
                upper_limit_of_normal: None,
            },
            logged_by: "mother".into(),
        }
    }

    fn count(store: &Store, table: &str) -> i64 {
        store
            .reader()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_retry_stores_once_and_a_different_result_under_the_same_id_conflicts() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let new = trough("lab-1", patient.id, 6.5, "2025-06-02T07:30:00+08:00");
        let first = store.log_lab_result(&new).unwrap();
        assert_eq!(first.revision, 1);
        assert_eq!(store.log_lab_result(&new).unwrap(), first);
        assert_eq!(count(&store, "lab_result"), 1);
        let other = trough("lab-1", patient.id, 6.6, "2025-06-02T07:30:00+08:00");
        assert!(matches!(
            store.log_lab_result(&other),
            Err(Error::Conflict { .. })
        ));
        // After a correction, resubmitting the original still returns the (corrected) record.
        let correction = LabCorrection {
            value: 5.6,
            unit: LabUnit::NanogramsPerMillilitre,
            drawn_at: at("2025-06-02T07:30:00+08:00"),
            upper_limit_of_normal: None,
            corrected_by: "nurse".into(),
        };
        let corrected = store.correct_lab_result("lab-1", &correction).unwrap();
        assert_eq!(store.log_lab_result(&new).unwrap(), corrected);
    }

    #[test]
    fn refusals_name_the_field_and_write_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let mut bad_unit = trough("lab-1", patient.id, 6.5, "2025-06-02T07:30:00+08:00");
        bad_unit.result.unit = LabUnit::GramsPerLitre;
        let err = store.log_lab_result(&bad_unit).unwrap_err();
        assert!(err.to_string().contains("result.unit"), "{err}");
        let negative = trough("lab-2", patient.id, -1.0, "2025-06-02T07:30:00+08:00");
        assert!(store
            .log_lab_result(&negative)
            .unwrap_err()
            .to_string()
            .contains("result.value"));
        let mut nobody = trough("lab-3", patient.id, 6.0, "2025-06-02T07:30:00+08:00");
        nobody.logged_by = " ".into();
        assert!(store
            .log_lab_result(&nobody)
            .unwrap_err()
            .to_string()
            .contains("logged_by"));
        let stranger = trough(
            "lab-4",
            PatientId::from(patient.id.get() + 7),
            6.0,
            "2025-06-02T07:30:00+08:00",
        );
        assert!(matches!(
            store.log_lab_result(&stranger),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(count(&store, "lab_result"), 0);
        assert_eq!(count(&store, "lab_result_revision"), 0);
    }

    #[test]
    fn corrections_and_retractions_keep_every_revision() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let mut creatinine = trough("cr-1", patient.id, 40.0, "2025-06-02T07:30:00+08:00");
        creatinine.result.kind = LabKind::Creatinine;
        creatinine.result.unit = LabUnit::MicromolesPerLitre;
        store.log_lab_result(&creatinine).unwrap();
        let mut correction = LabCorrection {
            value: 0.45,
            unit: LabUnit::MilligramsPerDecilitre,
            drawn_at: at("2025-06-02T08:30:00+08:00"),
            upper_limit_of_normal: None,
            corrected_by: "nurse".into(),
        };
        // A correction is validated against the kind: 0 mg/dL creatinine is refused.
        correction.value = 0.0;
        let err = store.correct_lab_result("cr-1", &correction).unwrap_err();
        assert!(err.to_string().contains("correction.value"), "{err}");
        correction.value = 0.45;
        let corrected = store.correct_lab_result("cr-1", &correction).unwrap();
        assert_eq!(
            (corrected.revision, corrected.result.unit),
            (2, LabUnit::MilligramsPerDecilitre)
        );
        assert_eq!(corrected.logged_by, "mother");
        let retracted = store.retract_lab_result("cr-1", "father").unwrap();
        assert!(retracted.retracted && retracted.revision == 3);
        assert!(matches!(
            store.retract_lab_result("cr-1", "father"),
            Err(Error::Conflict { .. })
        ));
        assert!(matches!(
            store.correct_lab_result("cr-1", &correction),
            Err(Error::Conflict { .. })
        ));
        let history = store.lab_history("cr-1").unwrap();
        let summary: Vec<(i64, f64, &str, bool)> = history
            .iter()
            .map(|r| (r.revision, r.value, r.by.as_str(), r.retracted))
            .collect();
        assert_eq!(
            summary,
            [
                (1, 40.0, "mother", false),
                (2, 0.45, "nurse", false),
                (3, 0.45, "father", true)
            ]
        );
        assert_eq!(store.lab_result("cr-1").unwrap(), retracted);
        assert!(matches!(
            store.lab_result("nope"),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn results_are_selected_by_local_draw_date() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store); // Asia/Shanghai, UTC+8
                                               // 23:30 UTC on 1 June is 07:30 on 2 June in Shanghai.
        store
            .log_lab_result(&trough("a", patient.id, 6.0, "2025-06-01T23:30:00Z"))
            .unwrap();
        store
            .log_lab_result(&trough("b", patient.id, 7.0, "2025-06-01T15:59:00Z"))
            .unwrap();
        store
            .log_lab_result(&trough("c", patient.id, 8.0, "2025-06-02T16:00:00Z"))
            .unwrap();
        let ids = |from, to| -> Vec<String> {
            store
                .lab_results(patient.id, date(from), date(to))
                .unwrap()
                .into_iter()
                .map(|r| r.client_id)
                .collect()
        };
        assert_eq!(ids("2025-06-02", "2025-06-02"), ["a"]);
        assert_eq!(ids("2025-06-01", "2025-06-02"), ["b", "a"]);
        assert_eq!(ids("2025-06-03", "2025-06-03"), ["c"]);
        let all = store
            .lab_results(patient.id, NaiveDate::MIN, NaiveDate::MAX)
            .unwrap();
        assert_eq!(all.len(), 3);
        assert!(matches!(
            store.lab_results(
                PatientId::from(patient.id.get() + 5),
                NaiveDate::MIN,
                NaiveDate::MAX
            ),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn blood_pressures_are_validated_and_ordered() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let reading = |when: &str, s, d| BloodPressure {
            measured_at: at(when),
            systolic_mmhg: s,
            diastolic_mmhg: d,
        };
        store
            .add_blood_pressure(
                patient.id,
                &reading("2025-06-03T08:00:00+08:00", 104.0, 66.0),
                None,
            )
            .unwrap();
        store
            .add_blood_pressure(
                patient.id,
                &reading("2025-06-01T08:00:00+08:00", 99.0, 61.0),
                None,
            )
            .unwrap();
        let err = store
            .add_blood_pressure(
                patient.id,
                &reading("2025-06-02T08:00:00+08:00", 60.0, 100.0),
                None,
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("blood_pressure.diastolic_mmhg"),
            "{err}"
        );
        assert!(matches!(
            store.add_blood_pressure(
                PatientId::from(patient.id.get() + 3),
                &reading("2025-06-02T08:00:00+08:00", 100.0, 60.0),
                None
            ),
            Err(Error::NotFound { .. })
        ));
        let systolic: Vec<f64> = store
            .blood_pressures(patient.id)
            .unwrap()
            .iter()
            .map(|r| r.reading.systolic_mmhg)
            .collect();
        assert_eq!(systolic, [99.0, 104.0]);
    }

    #[test]
    fn a_blood_pressure_retry_stores_once_and_a_different_reading_under_the_same_id_conflicts() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let reading = |s, d| BloodPressure {
            measured_at: at("2025-06-03T08:00:00+08:00"),
            systolic_mmhg: s,
            diastolic_mmhg: d,
        };
        let first = store
            .add_blood_pressure(patient.id, &reading(104.0, 66.0), Some("bp-1"))
            .unwrap();
        // A double tap or a retry after a lost response: the stored record, nothing written.
        let again = store
            .add_blood_pressure(patient.id, &reading(104.0, 66.0), Some("bp-1"))
            .unwrap();
        assert_eq!(again, first);
        assert_eq!(count(&store, "blood_pressure"), 1);
        // The same id for another reading, another time or another patient is a conflict that
        // does not repeat what was entered.
        let other = store
            .create_patient(&crate::store::tests::sample_patient())
            .unwrap();
        for (patient_id, changed) in [
            (patient.id, reading(105.0, 66.0)),
            (patient.id, reading(104.0, 67.0)),
            (
                patient.id,
                BloodPressure {
                    measured_at: at("2025-06-03T08:01:00+08:00"),
                    ..reading(104.0, 66.0)
                },
            ),
            (other.id, reading(104.0, 66.0)),
        ] {
            let err = store
                .add_blood_pressure(patient_id, &changed, Some("bp-1"))
                .unwrap_err();
            assert!(matches!(err, Error::Conflict { .. }), "{err}");
            assert!(
                !err.to_string().contains("104") && !err.to_string().contains("bp-1"),
                "{err}"
            );
        }
        // Without an id every call stores (as before); a new id stores a new reading.
        store
            .add_blood_pressure(patient.id, &reading(104.0, 66.0), None)
            .unwrap();
        store
            .add_blood_pressure(patient.id, &reading(104.0, 66.0), None)
            .unwrap();
        let second = store
            .add_blood_pressure(patient.id, &reading(104.0, 66.0), Some("bp-2"))
            .unwrap();
        assert_ne!(second.id, first.id);
        assert_eq!(count(&store, "blood_pressure"), 4);
        // Refused input changes nothing: a bad id, a bad reading under a new id.
        for bad in ["", "   ", &"x".repeat(101)] {
            let err = store
                .add_blood_pressure(patient.id, &reading(104.0, 66.0), Some(bad))
                .unwrap_err();
            assert!(err.to_string().contains("client_id"), "{err}");
        }
        let err = store
            .add_blood_pressure(patient.id, &reading(60.0, 100.0), Some("bp-3"))
            .unwrap_err();
        assert!(
            err.to_string().contains("blood_pressure.diastolic_mmhg"),
            "{err}"
        );
        assert_eq!(count(&store, "blood_pressure"), 4);
        // The refused id is still free.
        store
            .add_blood_pressure(patient.id, &reading(100.0, 60.0), Some("bp-3"))
            .unwrap();
        assert_eq!(count(&store, "blood_pressure"), 5);
    }
}

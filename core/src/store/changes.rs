//! The change log of shared care (schema version 10; clinical-rules §11): every write of a
//! shared record becomes an immutable [`Change`], and changes received from other caregivers'
//! devices become rows of the diary's tables.
//!
//! - **Capture.** The schema's triggers note every row a write transaction touches
//!   (`share_pending`); before the transaction commits, [`stamp_pending`] turns each into a
//!   change: the row's fields (references to other records as their global ids, never local
//!   keys), the device's next hybrid logical clock reading, and the record's changes seen so far
//!   (`based_on`). A write and its change commit together or not at all.
//! - **Outbox.** Changes made here and not yet in a batch are the outbox; the caregiver's name
//!   is given when they are first sent (a diary may be shared long after its first writes).
//! - **Apply.** Received changes are kept as they are; every record they touch is merged from
//!   all its changes ([`crate::share::merge`]) and the change in force is written to the
//!   record's table, its revisions rebuilt from its history, in the order records refer to each
//!   other. A record whose referenced record has not arrived waits (`share_unapplied`).
//!   Concurrent revisions are kept in `share_conflict`, never resolved here.
//!
//! The store holds no clinical meaning: which slots are double doses is a query over the rows
//! ([`Store::slot_alerts`]), answered the same way on every device.

use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{cached_execute, cached_query_row};
use super::{now_ms, Store};
use crate::dates::{format_date, parse_clock_time, parse_date};
use crate::error::{Error, Result};
use crate::ids::GlobalId;
use crate::model::DoseOutcome;
use crate::share::hlc::Hlc;
use crate::share::merge::{merge, Change, Content, RecordKind, SharedDose};

/// A stored row or change this build cannot read or write (damage, or a newer build's data).
fn unreadable(what: String) -> Error {
    Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, what))
}

/// A table whose rows are shared records.
struct SharedTable {
    /// The table.
    table: &'static str,
    /// The kind of record its rows are.
    kind: RecordKind,
    /// The table of the record's revisions and its column naming the record.
    revisions: Option<(&'static str, &'static str)>,
}

/// The shared tables, in the order records refer to each other (a record is applied after the
/// records it names). The patient's policy is apart: its rows have no id of their own.
const SHARED_TABLES: &[SharedTable] = &[
    SharedTable {
        table: "patient",
        kind: RecordKind::Profile,
        revisions: None,
    },
    SharedTable {
        table: "measurement",
        kind: RecordKind::Measurement,
        revisions: None,
    },
    SharedTable {
        table: "regimen",
        kind: RecordKind::Regimen,
        revisions: None,
    },
    SharedTable {
        table: "medicine",
        kind: RecordKind::Medicine,
        revisions: None,
    },
    SharedTable {
        table: "steroid_course",
        kind: RecordKind::Course,
        revisions: None,
    },
    SharedTable {
        table: "dose_log",
        kind: RecordKind::DoseLog,
        revisions: Some(("dose_log_revision", "dose_log_id")),
    },
    SharedTable {
        table: "urine_reading",
        kind: RecordKind::UrineReading,
        revisions: Some(("urine_reading_revision", "reading_id")),
    },
    SharedTable {
        table: "lab_result",
        kind: RecordKind::Lab,
        revisions: Some(("lab_result_revision", "lab_result_id")),
    },
    SharedTable {
        table: "blood_pressure",
        kind: RecordKind::BloodPressure,
        revisions: None,
    },
];

const POLICY_TABLE: &str = "patient_policy";

/// Columns naming another record by its local key, and that record's table. In a change they
/// name it by its global id.
const REFERENCES: &[(&str, &str)] = &[
    ("patient_id", "patient"),
    ("regimen_id", "regimen"),
    ("medicine_id", "medicine"),
];

/// A revision's columns that say who made the revision, not who first stored the record.
const REVISION_AUTHOR_COLUMNS: &[&str] = &["logged_by", "changed_by"];

fn table_of(kind: RecordKind) -> Option<&'static SharedTable> {
    SHARED_TABLES.iter().find(|t| t.kind == kind)
}

fn table_named(name: &str) -> Option<&'static SharedTable> {
    SHARED_TABLES.iter().find(|t| t.table == name)
}

/// A record of the shared tables, as its fields.
type Fields = Map<String, Value>;

fn to_json(value: ValueRef) -> Result<Value> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(x) => serde_json::Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| unreadable("a stored number is not finite".into()))?,
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => return Err(unreadable("a shared row holds a blob".into())),
    })
}

fn to_sql(field: &str, value: &Value) -> Result<SqlValue> {
    Ok(match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(
                n.as_f64()
                    .ok_or_else(|| Error::invalid(field, "is not a number SQLite holds"))?,
            ),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        _ => return Err(Error::invalid(field, "is not a value a column holds")),
    })
}

/// The rows `sql` selects, each as its columns' values (all but `skip`).
fn rows_as_fields(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    skip: &[&str],
) -> Result<Vec<Fields>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let names: Vec<String> = stmt.column_names().iter().map(|n| n.to_string()).collect();
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut fields = Fields::new();
        for (i, name) in names.iter().enumerate() {
            if !skip.contains(&name.as_str()) {
                fields.insert(name.clone(), to_json(row.get_ref(i)?)?);
            }
        }
        out.push(fields);
    }
    Ok(out)
}

/// Replaces each local key of [`REFERENCES`] by the named record's global id.
fn references_to_global(conn: &Connection, fields: &mut Fields) -> Result<()> {
    for (column, table) in REFERENCES {
        if let Some(Value::Number(id)) = fields.get(*column) {
            let global: Option<String> = conn
                .prepare_cached(&format!("SELECT global_id FROM {table} WHERE id = ?1"))?
                .query_row([id.as_i64()], |r| r.get(0))
                .optional()?
                .flatten();
            fields.insert(
                column.to_string(),
                global.map_or(Value::Null, Value::String),
            );
        }
    }
    Ok(())
}

/// Replaces each global id of [`REFERENCES`] by the local key; `None` when a named record is
/// not (yet) in this diary.
fn references_to_local(conn: &Connection, fields: &mut Fields) -> Result<bool> {
    for (column, table) in REFERENCES {
        if let Some(Value::String(global)) = fields.get(*column) {
            let local: Option<i64> = conn
                .prepare_cached(&format!("SELECT id FROM {table} WHERE global_id = ?1"))?
                .query_row([global], |r| r.get(0))
                .optional()?;
            match local {
                Some(id) => fields.insert(column.to_string(), Value::from(id)),
                None => return Ok(false),
            };
        }
    }
    Ok(true)
}

/// A stored row's fields (all columns but the local key; references as global ids), with its
/// urine photo reading embedded (`photo`).
fn row_fields(conn: &Connection, table: &SharedTable, id: i64) -> Result<Option<Fields>> {
    let sql = format!("SELECT * FROM {} WHERE id = ?1", table.table);
    let Some(mut fields) = rows_as_fields(conn, &sql, [id], &["id"])?.pop() else {
        return Ok(None);
    };
    references_to_global(conn, &mut fields)?;
    if table.kind == RecordKind::UrineReading {
        let photo = rows_as_fields(
            conn,
            "SELECT * FROM urine_reading_photo WHERE reading_id = ?1",
            [id],
            &["reading_id"],
        )?
        .pop();
        fields.insert("photo".into(), photo.map_or(Value::Null, Value::Object));
    }
    Ok(Some(fields))
}

/// A record's revision rows, oldest first (without local keys).
fn revision_rows(conn: &Connection, table: &SharedTable, id: i64) -> Result<Vec<Fields>> {
    let Some((revisions, column)) = table.revisions else {
        return Ok(Vec::new());
    };
    rows_as_fields(
        conn,
        &format!("SELECT * FROM {revisions} WHERE {column} = ?1 ORDER BY revision"),
        [id],
        &["id", column],
    )
}

/// The id a patient's policy value is shared under: one record per patient and key.
fn policy_record(patient: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{patient}/{key}"));
    format!("policy-{}", &crate::share::sync::hex(&digest)[..32])
}

/// What this device is, as the change log knows it.
struct Device {
    id: String,
    hlc: Hlc,
}

fn device(conn: &Connection) -> Result<Device> {
    Ok(cached_query_row(
        conn,
        "SELECT device_id, hlc_wall_ms, hlc_counter FROM share_device WHERE singleton = 1",
        [],
        |r| {
            Ok(Device {
                id: r.get(0)?,
                hlc: Hlc {
                    wall_ms: r.get(1)?,
                    counter: r.get(2)?,
                },
            })
        },
    )?)
}

fn save_clock(tx: &Transaction, hlc: Hlc) -> Result<()> {
    cached_execute(
        tx,
        "UPDATE share_device SET hlc_wall_ms = ?1, hlc_counter = ?2 WHERE singleton = 1",
        params![hlc.wall_ms, hlc.counter],
    )?;
    Ok(())
}

/// Every change of `record` this diary holds.
fn changes_of(conn: &Connection, record: &str) -> Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached("SELECT change_json FROM share_change WHERE record = ?1")?;
    let texts: Vec<String> = stmt
        .query_map([record], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    texts
        .iter()
        .map(|t| {
            serde_json::from_str(t).map_err(|_| unreadable("a stored change cannot be read".into()))
        })
        .collect()
}

/// The changes of a record no other change of it had seen (its heads).
fn heads(changes: &[Change]) -> Vec<String> {
    let seen: BTreeSet<&str> = changes
        .iter()
        .flat_map(|c| c.based_on.iter().map(String::as_str))
        .collect();
    let mut heads: Vec<String> = changes
        .iter()
        .filter(|c| !seen.contains(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();
    heads.sort();
    heads
}

/// What one noted row says, as the content of the change(s) it becomes.
fn capture(
    tx: &Transaction,
    record_table: &str,
    row_key: &str,
) -> Result<Vec<(RecordKind, String, Content)>> {
    if record_table == POLICY_TABLE {
        let Some((patient_id, key)) = row_key.split_once('/') else {
            return Ok(Vec::new());
        };
        let patient_id: i64 = patient_id.parse().unwrap_or(-1);
        let Some(patient) = cached_query_row(
            tx,
            "SELECT global_id FROM patient WHERE id = ?1",
            [patient_id],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten() else {
            return Ok(Vec::new());
        };
        let row = rows_as_fields(
            tx,
            "SELECT * FROM patient_policy WHERE patient_id = ?1 AND key = ?2",
            params![patient_id, key],
            &[],
        )?
        .pop();
        let content = match row {
            Some(mut fields) => {
                references_to_global(tx, &mut fields)?;
                Content::Record {
                    fields: Value::Object(fields),
                }
            }
            None => Content::Retract,
        };
        return Ok(vec![(
            RecordKind::Policy,
            policy_record(&patient, key),
            content,
        )]);
    }
    let Some(table) = table_named(record_table) else {
        return Ok(Vec::new());
    };
    let Ok(id) = row_key.parse::<i64>() else {
        return Ok(Vec::new());
    };
    let Some(fields) = row_fields(tx, table, id)? else {
        return Ok(Vec::new());
    };
    let Some(Value::String(record)) = fields.get("global_id").cloned() else {
        return Ok(Vec::new());
    };
    let mut states = Vec::new();
    let revisions = revision_rows(tx, table, id)?;
    if revisions.len() > 1 && changes_of(tx, &record)?.is_empty() {
        // A record revised before the change log existed: one change per revision, so another
        // device rebuilds the same history.
        for revision in &revisions {
            let mut state = fields.clone();
            for (column, value) in revision {
                if state.contains_key(column) && !REVISION_AUTHOR_COLUMNS.contains(&column.as_str())
                {
                    state.insert(column.clone(), value.clone());
                }
            }
            state.insert("revision_row".into(), Value::Object(revision.clone()));
            states.push(state);
        }
    } else {
        let mut state = fields;
        let current = state.get("revision").cloned();
        if let Some(revision) = revisions
            .into_iter()
            .find(|r| r.get("revision") == current.as_ref())
        {
            state.insert("revision_row".into(), Value::Object(revision));
        }
        states.push(state);
    }
    states
        .into_iter()
        .map(|state| {
            let content = if table.kind == RecordKind::DoseLog {
                Content::Dose(shared_dose(tx, state)?)
            } else {
                Content::Record {
                    fields: Value::Object(state),
                }
            };
            Ok((table.kind, record.clone(), content))
        })
        .collect()
}

/// A dose log's fields as a shared dose: its slot named by global ids (§11).
fn shared_dose(tx: &Transaction, row: Fields) -> Result<SharedDose> {
    let text = |name: &str| {
        row.get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (patient, medication): (Option<String>, Option<String>) = if let Some(Value::String(
        regimen,
    )) = row.get("regimen_id")
    {
        cached_query_row(tx,
            "SELECT p.global_id, r.global_id FROM regimen r JOIN patient p ON p.id = r.patient_id WHERE r.global_id = ?1",
            [regimen],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
    } else if let Some(Value::String(medicine)) = row.get("medicine_id") {
        cached_query_row(tx,
            "SELECT p.global_id, m.global_id FROM medicine m JOIN patient p ON p.id = m.patient_id WHERE m.global_id = ?1",
            [medicine],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
    } else {
        cached_query_row(tx,
            "SELECT p.global_id, c.global_id FROM steroid_course c JOIN patient p ON p.id = c.patient_id
             WHERE c.course_key = ?1 LIMIT 1",
            [text("course_key")],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
    };
    let bad = || unreadable("a stored dose log cannot be shared".into());
    Ok(SharedDose {
        patient: patient.ok_or_else(bad)?,
        medication: medication.ok_or_else(bad)?,
        slot_date: parse_date("slot_date", &text("slot_date")).map_err(|_| bad())?,
        slot_time: parse_clock_time("slot_time", &text("slot_time")).map_err(|_| bad())?,
        outcome: if text("outcome") == "skipped" {
            DoseOutcome::Skipped
        } else {
            DoseOutcome::Taken
        },
        actual_at_ms: row
            .get("actual_at_ms")
            .and_then(Value::as_i64)
            .ok_or_else(bad)?,
        undone: row.get("undone").and_then(Value::as_i64) == Some(1),
        row: Value::Object(row),
    })
}

/// Turns the rows noted in this transaction into changes (called by [`Store::write`] before it
/// commits). The caregiver is left empty until the change is first sent.
pub(super) fn stamp_pending(tx: &Transaction) -> Result<()> {
    let pending: Vec<(i64, String, String)> = tx
        .prepare_cached("SELECT seq, record_table, row_key FROM share_pending ORDER BY seq")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if pending.is_empty() {
        return Ok(());
    }
    let device = device(tx)?;
    let now = now_ms();
    let mut hlc = device.hlc;
    for (_, record_table, row_key) in &pending {
        for (kind, record, content) in capture(tx, record_table, row_key)? {
            hlc = hlc.tick(now)?;
            let change = Change {
                id: GlobalId::new_at(now).to_string(),
                kind,
                based_on: heads(&changes_of(tx, &record)?),
                record,
                hlc,
                device: device.id.clone(),
                caregiver: String::new(),
                content,
            };
            insert_change(tx, &change, true)?;
            // A revision made here has seen every head: a conflict on the record is resolved.
            cached_execute(
                tx,
                "DELETE FROM share_conflict WHERE record = ?1",
                [&change.record],
            )?;
        }
    }
    save_clock(tx, hlc)?;
    cached_execute(tx, "DELETE FROM share_pending", [])?;
    Ok(())
}

fn change_json(change: &Change) -> Result<String> {
    serde_json::to_string(change).map_err(|_| unreadable("a change cannot be written".into()))
}

fn insert_change(tx: &Transaction, change: &Change, local: bool) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO share_change (change_id, record, local, sent, change_json) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![change.id, change.record, local, !local, change_json(change)?])?;
    Ok(())
}

/// Where a received batch came from: the device, key epoch and sequence of its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BatchPosition {
    /// The sending device's id, hex.
    pub device: String,
    /// The key epoch it was sealed in.
    pub epoch: u32,
    /// Its sequence on the sending device.
    pub sequence: u64,
}

/// What applying received batches did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Batches applied now (a batch applied before is skipped).
    pub batches: usize,
    /// Changes new to this diary.
    pub new_changes: usize,
    /// Records written to the diary's tables.
    pub records_written: usize,
    /// Records waiting: for a record they name (it has not arrived yet), or for this app to
    /// be updated. Their changes are kept; each sync tries them again.
    pub waiting: usize,
    /// Of those, records written by a newer version of the app on another phone (a field this
    /// diary does not have yet): the family should update this phone's app.
    pub waiting_for_update: usize,
    /// Changes refused, with the reason (nothing of them was kept).
    pub refused: Vec<String>,
}

/// A revision made on two devices at once, not yet resolved (§11): one of the concurrent
/// versions of a record in conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "ConflictVersion")
)]
pub struct ConflictHead {
    /// The change that wrote it.
    #[cfg_attr(feature = "uniffi", uniffi(name = "change_id"))]
    pub change: String,
    /// The caregiver who made it.
    pub caregiver: String,
    /// When, UTC epoch ms (the writing device's clock).
    pub at_ms: i64,
}

/// A record in conflict.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedConflict {
    /// The record's global id.
    pub record: String,
    /// The kind of record (`dose_log`, `course`, …).
    pub kind: RecordKind,
    /// The concurrent revisions, in display order.
    pub heads: Vec<ConflictHead>,
}

/// A dose slot logged on more than one live record (clinical-rules §11): taken twice is a
/// possible double dose, taken and skipped a disagreement; never resolved automatically. Every
/// device that holds both records sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "uniffi",
    derive(uniffi::Record),
    uniffi(name = "DoubleDoseAlert")
)]
pub struct StoredSlotAlert {
    /// The medication's global id (the same on every device).
    #[cfg_attr(feature = "uniffi", uniffi(name = "medication_global_id"))]
    pub medication: String,
    /// The slot's local date, `YYYY-MM-DD`.
    pub slot_date: String,
    /// The slot's local time, `HH:MM`.
    pub slot_time: String,
    /// Every live log of the slot, earliest first.
    pub entries: Vec<SlotLogEntry>,
}

/// One of the logs of a slot logged on several devices ([`StoredSlotAlert`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SlotLogEntry {
    /// The log's client id.
    pub client_id: String,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was given (or skipped), UTC epoch ms.
    pub at_ms: i64,
    /// Who logged it.
    pub caregiver: String,
}

impl Store {
    /// This diary's device id in the change log (hex).
    pub fn share_device_id(&self) -> Result<String> {
        Ok(device(self.reader())?.id)
    }

    /// Changes made here and not yet sent, oldest first, with `caregiver` given to those that
    /// had none (a change is named once, then never rewritten). Returns each with its log
    /// position, for [`Store::mark_sent`].
    pub fn outbox(&mut self, caregiver: &str) -> Result<Vec<(i64, Change)>> {
        crate::model::require_text("caregiver", caregiver, 100)?;
        self.write(|tx| {
            // Rows noted by the upgrade to version 10 (a diary kept before sharing) are
            // stamped by the first write; this may be it.
            stamp_pending(tx)?;
            let rows: Vec<(i64, String)> = tx
                .prepare_cached(
                    "SELECT seq, change_json FROM share_change WHERE sent = 0 ORDER BY seq",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(rows.len());
            for (seq, text) in rows {
                let mut change: Change = serde_json::from_str(&text)
                    .map_err(|_| unreadable("a stored change cannot be read".into()))?;
                if change.caregiver.is_empty() {
                    change.caregiver = caregiver.trim().to_string();
                    cached_execute(
                        tx,
                        "UPDATE share_change SET change_json = ?2 WHERE seq = ?1",
                        params![seq, change_json(&change)?],
                    )?;
                }
                out.push((seq, change));
            }
            Ok(out)
        })
    }

    /// Marks the outbox's changes at `positions` as sent in `batch`, which is then seen: this
    /// device does not apply its own batch again.
    pub fn mark_sent(&mut self, positions: &[i64], batch: &BatchPosition) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached("UPDATE share_change SET sent = 1 WHERE seq = ?1")?;
            for seq in positions {
                stmt.execute([seq])?;
            }
            cached_execute(tx,
                "INSERT OR IGNORE INTO share_seen_batch (device, epoch, sequence) VALUES (?1, ?2, ?3)",
                params![batch.device, batch.epoch, batch.sequence],
            )?;
            Ok(())
        })
    }

    /// Puts every change this diary holds back in the outbox: a diary that starts (or moves
    /// to) a new family sends it the whole diary, whatever an earlier family received.
    pub fn resend_all_changes(&mut self) -> Result<()> {
        self.write(|tx| {
            stamp_pending(tx)?;
            cached_execute(tx, "UPDATE share_change SET sent = 0 WHERE sent = 1", [])?;
            Ok(())
        })
    }

    /// Notes the family key epoch this diary now sends under; when it is later than the one
    /// noted before (a caregiver was removed), every change held goes back in the outbox and is
    /// sent again under the new key. A batch sent before the removal may reach the remover
    /// after it closed the old epoch (a shared folder is slow) and be refused by some devices
    /// and not others; sending everything again under the new key makes every device hold
    /// every change any of them accepted. Returns whether the changes are sent again.
    pub fn enter_key_epoch(&mut self, epoch: u32) -> Result<bool> {
        self.write(|tx| {
            stamp_pending(tx)?;
            let noted: u32 = cached_query_row(
                tx,
                "SELECT key_epoch FROM share_device WHERE singleton = 1",
                [],
                |r| r.get(0),
            )?;
            if epoch <= noted {
                return Ok(false);
            }
            cached_execute(
                tx,
                "UPDATE share_device SET key_epoch = ?1 WHERE singleton = 1",
                [epoch],
            )?;
            if noted == 0 {
                return Ok(false);
            }
            cached_execute(tx, "UPDATE share_change SET sent = 0 WHERE sent = 1", [])?;
            Ok(true)
        })
    }

    /// The batches applied so far.
    pub fn seen_batches(&self) -> Result<BTreeSet<(String, u32, u64)>> {
        let mut stmt = self
            .reader()
            .prepare("SELECT device, epoch, sequence FROM share_seen_batch")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Applies batches received from the family's devices, in one write transaction: a batch
    /// applied before is skipped; each change is checked against clinical-rules §10's hard
    /// bounds (never this device's clock) and kept; every record touched is merged from all its
    /// changes and written to its table. Nothing received replaces a change already held: a
    /// different change under a held id is kept aside and reported.
    pub fn apply_batches(&mut self, batches: &[(BatchPosition, Vec<Change>)]) -> Result<Applied> {
        self.write(|tx| {
            // This device's own rows noted and not yet stamped become its changes first:
            // what is noted after this point was written by the merge.
            stamp_pending(tx)?;
            let mut applied = Applied::default();
            let mut touched = BTreeSet::new();
            let mut hlc = device(tx)?.hlc;
            let now = now_ms();
            for (position, changes) in batches {
                let fresh = cached_execute(tx,
                    "INSERT OR IGNORE INTO share_seen_batch (device, epoch, sequence) VALUES (?1, ?2, ?3)",
                    params![position.device, position.epoch, position.sequence],
                )?;
                if fresh == 0 {
                    continue;
                }
                applied.batches += 1;
                for change in changes {
                    if let Err(e) = change.validate() {
                        applied.refused.push(e.to_string());
                        continue;
                    }
                    if receive_change(tx, change)? {
                        applied.new_changes += 1;
                        touched.insert(change.record.clone());
                        hlc = hlc.observe(change.hlc, now.max(hlc.wall_ms))?;
                    }
                }
            }
            save_clock(tx, hlc)?;
            let waiting: Vec<String> = tx.prepare_cached("SELECT record FROM share_unapplied")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            touched.extend(waiting);
            let materialized = materialize_all(tx, &touched)?;
            applied.records_written = materialized.written;
            applied.waiting = materialized.waiting;
            applied.waiting_for_update = materialized.need_update;
            // The rows written here are other devices' changes, not this device's.
            cached_execute(tx, "DELETE FROM share_pending", [])?;
            Ok(applied)
        })
    }

    /// Records revised concurrently on two devices and not yet resolved.
    pub fn shared_conflicts(&self) -> Result<Vec<SharedConflict>> {
        let mut stmt = self
            .reader()
            .prepare("SELECT record, kind, heads_json FROM share_conflict ORDER BY record")?;
        let rows: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut caregiver_of = self.reader().prepare_cached(
            "SELECT json_extract(change_json, '$.caregiver') FROM share_change WHERE change_id = ?1",
        )?;
        rows.into_iter()
            .map(|(record, kind, heads)| {
                let bad = |_| unreadable("a stored conflict cannot be read".into());
                let mut heads: Vec<ConflictHead> = serde_json::from_str(&heads).map_err(bad)?;
                // A change of this device is named when it is first sent, perhaps after the
                // conflict was found: its caregiver is read from the change as it is now.
                for head in heads.iter_mut().filter(|h| h.caregiver.is_empty()) {
                    head.caregiver = caregiver_of
                        .query_row([&head.change], |r| r.get::<_, Option<String>>(0))
                        .optional()?
                        .flatten()
                        .unwrap_or_default();
                }
                Ok(SharedConflict {
                    record,
                    kind: serde_json::from_value(Value::String(kind)).map_err(bad)?,
                    heads,
                })
            })
            .collect()
    }

    /// Dose slots of the local dates `from` to `to` logged on more than one live record (§11),
    /// oldest slot first.
    pub fn slot_alerts(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<StoredSlotAlert>> {
        let mut stmt = self.reader().prepare_cached(
            "SELECT coalesce(r.global_id, m.global_id, (SELECT c.global_id FROM steroid_course c WHERE c.course_key = d.course_key LIMIT 1)),
                    d.slot_date, d.slot_time, d.client_id, d.outcome, d.actual_at_ms, d.logged_by
             FROM dose_log d
             LEFT JOIN regimen r ON r.id = d.regimen_id
             LEFT JOIN medicine m ON m.id = d.medicine_id
             WHERE d.slot_date BETWEEN ?1 AND ?2 AND d.undone = 0 AND EXISTS (
                SELECT 1 FROM dose_log o WHERE o.undone = 0 AND o.id <> d.id
                  AND o.regimen_id IS d.regimen_id AND o.medicine_id IS d.medicine_id
                  AND o.course_key IS d.course_key AND o.slot_date = d.slot_date AND o.slot_time = d.slot_time)
             ORDER BY d.slot_date, d.slot_time, 1, d.actual_at_ms, d.client_id",
        )?;
        let rows = stmt.query_map([format_date(from), format_date(to)], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut alerts: Vec<StoredSlotAlert> = Vec::new();
        for row in rows {
            let (medication, slot_date, slot_time, client_id, outcome, at_ms, caregiver) = row?;
            let entry = SlotLogEntry {
                client_id,
                outcome: if outcome == "skipped" {
                    DoseOutcome::Skipped
                } else {
                    DoseOutcome::Taken
                },
                at_ms,
                caregiver,
            };
            match alerts.last_mut() {
                Some(last)
                    if last.medication == medication
                        && last.slot_date == slot_date
                        && last.slot_time == slot_time =>
                {
                    last.entries.push(entry);
                }
                _ => alerts.push(StoredSlotAlert {
                    medication,
                    slot_date,
                    slot_time,
                    entries: vec![entry],
                }),
            }
        }
        Ok(alerts)
    }

    /// A SHA-256 digest of every change this diary holds, merged: equal on two devices exactly
    /// when they hold the same changes.
    pub fn changes_digest(&self) -> Result<[u8; 32]> {
        let mut stmt = self
            .reader()
            .prepare("SELECT change_json FROM share_change")?;
        let texts: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let changes = texts
            .iter()
            .map(|t| serde_json::from_str::<Change>(t))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| unreadable("a stored change cannot be read".into()))?;
        Ok(merge(changes)?.digest())
    }

    /// A SHA-256 digest of every shared row of the diary, as another device would hold it
    /// (local keys replaced by global ids; revisions included): equal on two devices exactly
    /// when their diaries hold the same records.
    pub fn rows_digest(&self) -> Result<[u8; 32]> {
        let conn = self.reader();
        let mut hasher = Sha256::new();
        for table in SHARED_TABLES {
            let order = if table.kind == RecordKind::Course {
                "global_id, version"
            } else {
                "global_id"
            };
            let ids: Vec<i64> = conn
                .prepare_cached(&format!("SELECT id FROM {} ORDER BY {order}", table.table))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                let mut fields = row_fields(conn, table, id)?.unwrap_or_default();
                if table.kind == RecordKind::Course {
                    // A course's client id is its creating device's own retry key.
                    fields.remove("client_id");
                }
                let revisions = revision_rows(conn, table, id)?;
                hasher.update(
                    serde_json::to_vec(&(table.table, fields, revisions)).unwrap_or_default(),
                );
            }
        }
        let mut policy = rows_as_fields(conn, "SELECT * FROM patient_policy", [], &[])?;
        for fields in &mut policy {
            references_to_global(conn, fields)?;
        }
        policy.sort_by_key(|f| serde_json::to_string(f).unwrap_or_default());
        hasher.update(serde_json::to_vec(&policy).unwrap_or_default());
        Ok(hasher.finalize().into())
    }
}

/// Keeps a received change; whether it was new. A change under a held id with other content
/// keeps the one first in content order (so every device keeps the same) and sets the other
/// aside in `share_rejected`.
fn receive_change(tx: &Transaction, change: &Change) -> Result<bool> {
    let text = change_json(change)?;
    let held: Option<String> = tx
        .prepare_cached("SELECT change_json FROM share_change WHERE change_id = ?1")?
        .query_row([&change.id], |r| r.get(0))
        .optional()?;
    match held {
        None => {
            insert_change(tx, change, false)?;
            Ok(true)
        }
        Some(held) if held == text => Ok(false),
        Some(held) => {
            let (kept, aside) = if text < held {
                (text, held)
            } else {
                (held, text)
            };
            cached_execute(
                tx,
                "UPDATE share_change SET change_json = ?2 WHERE change_id = ?1",
                params![change.id, kept],
            )?;
            cached_execute(
                tx,
                "INSERT INTO share_rejected (change_json) VALUES (?1)",
                [aside],
            )?;
            Ok(true)
        }
    }
}

/// What writing records from their changes did.
#[derive(Default)]
struct Materialized {
    written: usize,
    waiting: usize,
    need_update: usize,
}

/// Writes every record of `records` from its merged changes, in the order records refer to
/// each other.
fn materialize_all(tx: &Transaction, records: &BTreeSet<String>) -> Result<Materialized> {
    let mut by_kind: BTreeMap<usize, Vec<(String, Vec<Change>)>> = BTreeMap::new();
    for record in records {
        let changes = changes_of(tx, record)?;
        let Some(first) = changes.first() else {
            continue;
        };
        let rank = SHARED_TABLES
            .iter()
            .position(|t| t.kind == first.kind)
            .unwrap_or(SHARED_TABLES.len());
        // The policy is applied after the patient it belongs to.
        let rank = if first.kind == RecordKind::Policy {
            1
        } else {
            rank
        };
        by_kind
            .entry(rank)
            .or_default()
            .push((record.clone(), changes));
    }
    let mut counts = Materialized::default();
    for (_, records) in by_kind {
        for (record, changes) in records {
            // Each record in its own savepoint: a record written by a newer app (a field this
            // diary lacks) is rolled back alone and waits, its changes kept, until this app is
            // updated; the rest of the sync goes on.
            tx.execute_batch("SAVEPOINT materialize_record")?;
            let outcome = match materialize(tx, &record, changes) {
                Err(error) if is_newer_field(&error) => {
                    tx.execute_batch("ROLLBACK TO materialize_record")?;
                    counts.need_update += 1;
                    Ok(false)
                }
                other => other,
            };
            tx.execute_batch("RELEASE materialize_record")?;
            if outcome? {
                cached_execute(
                    tx,
                    "DELETE FROM share_unapplied WHERE record = ?1",
                    [&record],
                )?;
                counts.written += 1;
            } else {
                cached_execute(
                    tx,
                    "INSERT OR IGNORE INTO share_unapplied (record) VALUES (?1)",
                    [&record],
                )?;
                counts.waiting += 1;
            }
        }
    }
    Ok(counts)
}

/// Why a record cannot be written yet: a change names a field this diary's schema does not
/// have (written by a newer version of the app on another phone).
const NEWER_FIELD: &str = "names a field this version of the app does not have: update the app";

fn newer_field() -> Error {
    Error::invalid("change.content", NEWER_FIELD)
}

fn is_newer_field(error: &Error) -> bool {
    matches!(error, Error::Invalid { field, reason } if field == "change.content" && reason == NEWER_FIELD)
}

/// The fields a change writes: a record's fields or a dose's row.
fn fields_of(change: &Change) -> Option<Fields> {
    match &change.content {
        Content::Dose(dose) => dose.row.as_object().cloned(),
        Content::Record { fields } => fields.as_object().cloned(),
        Content::Retract => None,
    }
}

/// The columns of `table`.
fn columns(tx: &Transaction, table: &str) -> Result<BTreeSet<String>> {
    let mut stmt = tx.prepare_cached("SELECT name FROM pragma_table_info(?1)")?;
    let names = stmt.query_map([table], |r| r.get(0))?;
    Ok(names.collect::<rusqlite::Result<_>>()?)
}

/// Inserts `fields` as a row of `table` (only its own columns; a field naming no column is
/// refused, never spliced into SQL).
fn insert_row(tx: &Transaction, table: &str, fields: &Fields) -> Result<i64> {
    let known = columns(tx, table)?;
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (name, value) in fields {
        if name == "id" {
            continue;
        }
        if !known.contains(name) {
            return Err(newer_field());
        }
        names.push(name.as_str());
        values.push(to_sql("change.content", value)?);
    }
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    cached_execute(
        tx,
        &format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        ),
        rusqlite::params_from_iter(values),
    )?;
    Ok(tx.last_insert_rowid())
}

/// Writes one record from its changes; `false` when a record it names is not here yet.
fn materialize(tx: &Transaction, record: &str, changes: Vec<Change>) -> Result<bool> {
    let merged = merge(changes)?;
    let Some(merged) = merged.records.get(record) else {
        return Ok(true);
    };
    let in_force = merged.in_force();
    let conflict: Vec<ConflictHead> = merged
        .conflict
        .iter()
        .filter_map(|id| merged.history.iter().find(|c| &c.id == id))
        .map(|c| ConflictHead {
            change: c.id.clone(),
            caregiver: c.caregiver.clone(),
            at_ms: c.hlc.wall_ms,
        })
        .collect();
    if merged.kind == RecordKind::Policy {
        let Some(mut fields) = fields_of(in_force) else {
            // Retracted: the default applies again.
            let Some(Value::String(patient)) = merged
                .history
                .iter()
                .filter_map(fields_of)
                .find_map(|f| f.get("patient_id").cloned())
            else {
                return Ok(true);
            };
            let key = merged
                .history
                .iter()
                .filter_map(fields_of)
                .find_map(|f| f.get("key").cloned());
            cached_execute(tx,
                "DELETE FROM patient_policy WHERE patient_id = (SELECT id FROM patient WHERE global_id = ?1) AND key = ?2",
                params![patient, key.and_then(|k| k.as_str().map(str::to_string))],
            )?;
            return Ok(true);
        };
        if !references_to_local(tx, &mut fields)? {
            return Ok(false);
        }
        cached_execute(
            tx,
            "DELETE FROM patient_policy WHERE patient_id = ?1 AND key = ?2",
            params![
                fields.get("patient_id").and_then(Value::as_i64),
                fields.get("key").and_then(Value::as_str)
            ],
        )?;
        insert_row(tx, POLICY_TABLE, &fields)?;
    } else {
        let Some(table) = table_of(merged.kind) else {
            return Ok(true);
        };
        if merged.kind == RecordKind::Course {
            // Every version is a row; the one in force is the latest.
            let mut versions: Vec<&Change> = merged
                .history
                .iter()
                .filter(|c| c.id != in_force.id)
                .collect();
            versions.push(in_force);
            let mut rows = Vec::new();
            for (i, change) in versions.iter().enumerate() {
                let Some(mut fields) = fields_of(change) else {
                    continue;
                };
                if !references_to_local(tx, &mut fields)? {
                    return Ok(false);
                }
                fields.insert("version".into(), Value::from(i as i64 + 1));
                if i > 0 {
                    fields.insert("client_id".into(), Value::Null);
                }
                rows.push(fields);
            }
            cached_execute(
                tx,
                "DELETE FROM steroid_course WHERE global_id = ?1",
                [record],
            )?;
            for fields in rows {
                insert_row(tx, table.table, &fields)?;
            }
        } else {
            let Some(mut fields) = fields_of(in_force) else {
                return Ok(true);
            };
            if !references_to_local(tx, &mut fields)? {
                return Ok(false);
            }
            let photo = fields.remove("photo");
            fields.remove("revision_row");
            if table.revisions.is_some() {
                fields.insert("revision".into(), Value::from(merged.history.len() as i64));
            }
            if let Some(Value::String(client_id)) = fields.get("client_id").cloned() {
                let taken: bool = cached_query_row(tx,
                    &format!("SELECT EXISTS (SELECT 1 FROM {} WHERE client_id = ?1 AND global_id IS NOT ?2)", table.table),
                    params![client_id, record],
                    |r| r.get(0),
                )?;
                if taken {
                    // Another record here already uses this client id: keep both, apart.
                    fields.insert(
                        "client_id".into(),
                        Value::String(format!("{client_id}@{record}")),
                    );
                }
            }
            let existing: Option<i64> = cached_query_row(
                tx,
                &format!("SELECT id FROM {} WHERE global_id = ?1", table.table),
                [record],
                |r| r.get(0),
            )
            .optional()?;
            let id = match existing {
                Some(id) => {
                    if let Some((revisions, column)) = table.revisions {
                        cached_execute(
                            tx,
                            &format!("DELETE FROM {revisions} WHERE {column} = ?1"),
                            [id],
                        )?;
                    }
                    if table.kind == RecordKind::UrineReading {
                        cached_execute(
                            tx,
                            "DELETE FROM urine_reading_photo WHERE reading_id = ?1",
                            [id],
                        )?;
                    }
                    let known = columns(tx, table.table)?;
                    let mut sets = Vec::new();
                    let mut values = Vec::new();
                    for (name, value) in &fields {
                        if !known.contains(name) {
                            return Err(newer_field());
                        }
                        values.push(to_sql("change.content", value)?);
                        sets.push(format!("{name} = ?{}", values.len()));
                    }
                    values.push(SqlValue::Integer(id));
                    cached_execute(
                        tx,
                        &format!(
                            "UPDATE {} SET {} WHERE id = ?{}",
                            table.table,
                            sets.join(", "),
                            values.len()
                        ),
                        rusqlite::params_from_iter(values),
                    )?;
                    id
                }
                None => insert_row(tx, table.table, &fields)?,
            };
            if let Some((revisions, column)) = table.revisions {
                for (i, change) in merged.history.iter().enumerate() {
                    let Some(Value::Object(mut row)) =
                        fields_of(change).and_then(|mut f| f.remove("revision_row"))
                    else {
                        continue;
                    };
                    row.insert(column.into(), Value::from(id));
                    row.insert("revision".into(), Value::from(i as i64 + 1));
                    insert_row(tx, revisions, &row)?;
                }
            }
            if let Some(Value::Object(mut photo)) = photo {
                photo.insert("reading_id".into(), Value::from(id));
                insert_row(tx, "urine_reading_photo", &photo)?;
            }
        }
    }
    if conflict.is_empty() {
        cached_execute(tx, "DELETE FROM share_conflict WHERE record = ?1", [record])?;
    } else {
        let kind = serde_json::to_value(merged.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        cached_execute(
            tx,
            "INSERT OR REPLACE INTO share_conflict (record, kind, heads_json) VALUES (?1, ?2, ?3)",
            params![
                record,
                kind,
                serde_json::to_string(&conflict).unwrap_or_default()
            ],
        )?;
    }
    Ok(true)
}

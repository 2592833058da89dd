//! The database schema and its step-by-step migrations (`PRAGMA user_version`).
//!
//! A fresh database runs [`CREATE_LATEST`]; an older one runs each step of [`UPGRADES`] from its
//! version, each inside its own IMMEDIATE transaction. A test asserts both paths give the same
//! schema. Never edit a shipped step: add a new one and a fixture file of the old version.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// The schema version this build writes.
pub const LATEST_VERSION: i64 = 1;

/// The latest schema, for a new database.
pub const CREATE_LATEST: &str = r#"
CREATE TABLE patient (
    id              INTEGER PRIMARY KEY,
    display_name    TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL CHECK (sex IN ('female', 'male', 'unspecified')),
    time_zone       TEXT NOT NULL,
    definition_set  TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL
);

CREATE TABLE measurement (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    measured_on     TEXT NOT NULL,
    weight_kg       REAL CHECK (weight_kg > 0),
    height_cm       REAL CHECK (height_cm > 0),
    recorded_at_ms  INTEGER NOT NULL,
    CHECK (weight_kg IS NOT NULL OR height_cm IS NOT NULL)
);
CREATE INDEX measurement_by_patient ON measurement(patient_id, measured_on);

CREATE TABLE regimen (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    drug            TEXT NOT NULL,
    form            TEXT NOT NULL,
    strengths_mg    TEXT NOT NULL,
    allow_split     INTEGER NOT NULL,
    rate_basis      TEXT NOT NULL CHECK (rate_basis IN ('mg_per_kg_per_day', 'mg_per_m2_per_day')),
    rate            REAL NOT NULL,
    height_cm       REAL,
    times           TEXT NOT NULL,
    start_date      TEXT NOT NULL,
    end_date        TEXT,
    prescribed_by   TEXT NOT NULL,
    prescribed_on   TEXT NOT NULL,
    override_range  INTEGER NOT NULL,
    weight_kg       REAL NOT NULL,
    per_dose_mg     REAL NOT NULL,
    created_at_ms   INTEGER NOT NULL
);
CREATE INDEX regimen_by_patient ON regimen(patient_id);

-- The current state of each logged dose; every state it ever had is in dose_log_revision.
CREATE TABLE dose_log (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    regimen_id      INTEGER NOT NULL REFERENCES regimen(id),
    slot_date       TEXT NOT NULL,
    slot_time       TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('taken', 'skipped')),
    actual_at_ms    INTEGER NOT NULL,
    logged_by       TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    undone          INTEGER NOT NULL DEFAULT 0,
    recorded_at_ms  INTEGER NOT NULL
);
-- At most one live log per scheduled slot.
CREATE UNIQUE INDEX dose_log_live_slot ON dose_log(regimen_id, slot_date, slot_time) WHERE undone = 0;

CREATE TABLE dose_log_revision (
    id              INTEGER PRIMARY KEY,
    dose_log_id     INTEGER NOT NULL REFERENCES dose_log(id),
    revision        INTEGER NOT NULL,
    outcome         TEXT NOT NULL,
    actual_at_ms    INTEGER NOT NULL,
    logged_by       TEXT NOT NULL,
    undone          INTEGER NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    UNIQUE (dose_log_id, revision)
);
"#;

/// `UPGRADES[i]` upgrades a database from version `i + 1` to `i + 2`.
pub const UPGRADES: &[&str] = &[];

/// Brings a connection's schema to [`LATEST_VERSION`], refusing a newer one.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > LATEST_VERSION {
        return Err(Error::NewerSchema { found: version, supported: LATEST_VERSION });
    }
    if version == 0 {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read inside the write lock: another process may have created it meanwhile.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current == 0 {
            tx.execute_batch(CREATE_LATEST)?;
            tx.pragma_update(None, "user_version", LATEST_VERSION)?;
        }
        tx.commit()?;
        return Ok(());
    }
    for from in version..LATEST_VERSION {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current == from {
            tx.execute_batch(UPGRADES[(from - 1) as usize])?;
            tx.pragma_update(None, "user_version", from + 1)?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// The schema as SQLite reports it, sorted: every table's columns (name, type, not-null,
/// default, primary-key position) and every index's, trigger's and view's SQL with whitespace
/// normalised. Used to prove that a migrated database equals a fresh one.
pub fn describe(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut objects = conn.prepare(
        "SELECT type, name, COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )?;
    let objects: Vec<(String, String, String)> =
        objects.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    for (kind, name, sql) in objects {
        if kind == "table" {
            let mut columns = conn.prepare("SELECT name, type, \"notnull\", COALESCE(dflt_value, ''), pk FROM pragma_table_xinfo(?1)")?;
            let columns = columns.query_map([&name], |r| {
                Ok(format!(
                    "table {name} column {} {} notnull={} default={} pk={}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?
                ))
            })?;
            for column in columns {
                out.push(column?);
            }
        } else {
            out.push(format!("{kind} {name}: {}", sql.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
    }
    Ok(out)
}

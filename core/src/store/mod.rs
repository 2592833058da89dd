//! The embedded SQLite store: the only I/O in the core.
//!
//! One connection per [`Store`]; every write is one short IMMEDIATE transaction (an iOS app
//! holding a write lock when it is suspended is killed, 0xdead10cc). Records are validated before
//! any write, so a refused call changes nothing. Logged doses are never overwritten: edits and
//! undos add a revision and the history stays readable.

mod courses;
mod doses;
mod labs;
mod patients;
mod policy;
pub mod schema;
pub mod urine;

pub use courses::{
    course_phases, CourseCalendar, CourseSlot, CourseVersion, NewCourse, RemissionSource,
    MAX_COURSE_TIMES,
};
pub use doses::DoseRevision;
pub use labs::{BloodPressureRecord, LabCorrection, LabRecord, LabRevision, NewLabResult};
pub use patients::{
    HEIGHT_DECREASE_KEY, HEIGHT_INCREASE_DAYS_KEY, HEIGHT_INCREASE_KEY, WEIGHT_CHANGE_KEY,
};
pub use policy::{PolicyEntry, MAX_POLICY_KEY_CHARS, MAX_POLICY_VALUE_BYTES};

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};
use crate::model::EpochMillis;

/// How durable each commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// WAL with `synchronous=FULL`: a commit survives power loss. The app's setting: a logged
    /// dose must never be lost.
    Full,
    /// WAL with `synchronous=NORMAL`: survives an app crash; the last commits may be lost on
    /// power loss. Faster; for bulk imports and tests.
    Normal,
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Commit durability (default [`Durability::Full`]).
    pub durability: Durability,
    /// How long a write waits for another connection's lock before giving up.
    pub busy_timeout: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(10),
        }
    }
}

/// A diary database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the diary at `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, &OpenOptions::default())
    }

    /// Opens the diary at `path`. A file that is not a readable database is moved aside to
    /// `<path>.corrupt-<epoch ms>` (kept, never deleted) and [`Error::CorruptDatabase`] is
    /// returned; opening the path again starts a new diary.
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Store> {
        let path = path.as_ref();
        match Store::try_open(path, options) {
            Err(Error::Sqlite(e)) if is_corruption(&e) => Err(Error::CorruptDatabase {
                kept_at: move_aside(path)?,
            }),
            other => other,
        }
    }

    /// Opens a private in-memory diary (tests and the conformance tools).
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, &OpenOptions::default())?;
        schema::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    fn try_open(path: &Path, options: &OpenOptions) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        configure(&conn, options)?;
        // Reading the schema makes SQLite parse the file: a damaged header fails here.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        schema::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// Runs `f` in one IMMEDIATE transaction, committed only if `f` succeeds.
    fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// The connection, for read-only helpers.
    fn reader(&self) -> &Connection {
        &self.conn
    }

    /// Runs SQLite's full integrity check; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(Error::Conflict(
                "the database failed its integrity check".into(),
            ))
        }
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

fn configure(conn: &Connection, options: &OpenOptions) -> Result<()> {
    conn.busy_timeout(options.busy_timeout)?;
    // Room for the statements of every hot path (rusqlite's default keeps 16).
    conn.set_prepared_statement_cache_capacity(64);
    enable_wal(conn, options.busy_timeout)?;
    let synchronous = match options.durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.execute_batch(&format!(
        "PRAGMA synchronous={synchronous};
         PRAGMA foreign_keys=ON;
         PRAGMA temp_store=2;
         PRAGMA wal_autocheckpoint=1000;
         PRAGMA journal_size_limit=4194304;"
    ))?;
    Ok(())
}

/// Switches the file to WAL. Two connections doing this at once on a brand-new file (the app
/// and its notification extension on first launch) can get `SQLITE_BUSY` without SQLite ever
/// calling the busy handler: in rollback-journal mode it refuses to wait where waiting could
/// deadlock. So the switch is retried here, with a short backoff, up to the busy timeout.
fn enable_wal(conn: &Connection, timeout: Duration) -> Result<()> {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        // journal_mode answers with a row; in-memory databases answer "memory".
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => return Ok(()),
            Err(e) if is_busy(&e) && started.elapsed() < timeout => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Moves a damaged database (and its WAL and shared-memory files) aside, keeping them.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = now_ms();
    let target = PathBuf::from(format!("{}.corrupt-{stamp}", path.display()));
    std::fs::rename(path, &target)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            std::fs::rename(&side, format!("{}{suffix}", target.display()))?;
        }
    }
    Ok(target)
}

/// The wall clock, for audit timestamps on stored rows only (engines never read it).
pub(crate) fn now_ms() -> EpochMillis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as EpochMillis)
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod tests;

//! The embedded SQLite store: the only I/O in the core.
//!
//! One connection per [`Store`]; every write is one short IMMEDIATE transaction (an iOS app
//! holding a write lock when it is suspended is killed, 0xdead10cc). Records are validated before
//! any write, so a refused call changes nothing. Logged doses are never overwritten: edits and
//! undos add a revision and the history stays readable.

mod changes;
mod checkpoint;
mod courses;
mod doses;
mod labs;
mod medicines;
pub mod open;
mod patients;
mod policy;
mod revisions;
mod rows;
pub mod schema;
pub mod urine;

pub use crate::taper::course::{CourseCalendar, CourseSlot, CourseVersion, RemissionSource};
pub use changes::{
    Applied, BatchPosition, ConflictHead, SharedConflict, SlotLogEntry, StoredSlotAlert,
};
pub use checkpoint::StoredRelapseCheckpoint;
pub use courses::{NewCourse, MAX_COURSE_TIMES};
pub use doses::DoseRevision;
pub(crate) use doses::NextDoseRevision;
pub use labs::{BloodPressureRecord, LabCorrection, LabRecord, LabRevision, NewLabResult};
pub use open::DiaryKind;
pub(crate) use patients::validate_regimen;
pub use patients::{
    HEIGHT_DECREASE_KEY, HEIGHT_INCREASE_DAYS_KEY, HEIGHT_INCREASE_KEY, WEIGHT_CHANGE_KEY,
};
pub use policy::{PolicyEntry, MAX_POLICY_KEY_CHARS, MAX_POLICY_VALUE_BYTES};
pub use rows::UnreadableRow;

use std::cell::Cell;
use std::fs;
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
    /// The kind of diary made when there is no file yet (default [`DiaryKind::Family`]).
    pub create_as: DiaryKind,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(10),
            create_as: DiaryKind::Family,
        }
    }
}

/// A diary database.
pub struct Store {
    conn: Connection,
    /// The diary file (`None` for a private in-memory store).
    path: Option<PathBuf>,
    /// Opened read-only (a read-only volume or file): every write is refused.
    read_only: bool,
    /// Damage was met after opening: every further write is refused, the file is kept.
    damaged: Cell<bool>,
}

/// `execute` through the connection's statement cache: a diary runs the same few statements
/// over and over (every dose logged, every change applied), and parsing them each time was a
/// quarter of `log_dose`'s time.
pub(crate) fn cached_execute<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// `query_row` through the connection's statement cache.
pub(crate) fn cached_query_row<T, P, F>(
    conn: &Connection,
    sql: &str,
    params: P,
    f: F,
) -> rusqlite::Result<T>
where
    P: rusqlite::Params,
    F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
{
    conn.prepare_cached(sql)?.query_row(params, f)
}

impl Store {
    /// Opens (creating if needed) the diary at `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, &OpenOptions::default())
    }

    /// Opens the diary at `path`, creating a new family diary when there is no file.
    ///
    /// Only a diary is ever opened (see [`open`]): an empty path, `:memory:` or a `file:` URI is
    /// [`Error::Invalid`] (`path`); a text file, an empty file or another application's
    /// database is [`Error::NotADiary`] and left untouched; a diary with a schema version no
    /// release wrote is [`Error::UnknownSchema`], a newer one [`Error::NewerSchema`]. A stamped
    /// diary SQLite cannot read is moved aside to `<path>.corrupt-<epoch ms>` (kept, never
    /// deleted) and reported as [`Error::CorruptDatabase`]; opening the path again starts a new
    /// diary. A diary whose file or volume cannot be written opens read-only: reads work and
    /// every write is [`Error::ReadOnly`].
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Store> {
        let path = path.as_ref();
        open::require_file_path(path)?;
        let stamp = match open::read_header(path)? {
            Some(stamp) => stamp,
            None => {
                open::create_new(path, options.create_as)?;
                open::read_header(path)?.unwrap_or(0)
            }
        };
        let recognised = open::recognise(path, stamp)?;
        match Store::open_recognised(path, options, recognised) {
            Err(e) if e.is_corruption() => Err(Error::CorruptDatabase {
                kept_at: open::move_aside(path)?,
            }),
            other => other,
        }
    }

    /// Opens a private in-memory diary (tests and the conformance tools).
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, &OpenOptions::default())?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: None,
            read_only: false,
            damaged: Cell::new(false),
        })
    }

    fn open_recognised(
        path: &Path,
        options: &OpenOptions,
        recognised: open::Recognised,
    ) -> Result<Store> {
        // No CREATE flag: the file exists and was recognised; SQLite falls back to read-only by
        // itself when the file or its volume cannot be written.
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let read_only = conn.is_readonly(rusqlite::DatabaseName::Main)?;
        conn.busy_timeout(options.busy_timeout)?;
        // Before anything is written (the switch to WAL writes the header).
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if let open::Recognised::Stamped(_) = recognised {
            open::require_known_version(version)?;
            // An upgrade is tried on a copy in memory first, as for an unstamped diary: one
            // whose tables are not its version's is refused before anything is written.
            if version < schema::LATEST_VERSION && !read_only && !open::upgrades_in_memory(path)? {
                return Err(Error::UpgradeFailed {
                    from_version: version,
                });
            }
        }
        if read_only {
            // Reading needs the schema this build knows; upgrading or stamping would write.
            if version != schema::LATEST_VERSION {
                return Err(Error::ReadOnly);
            }
            conn.execute_batch("PRAGMA query_only=ON; PRAGMA foreign_keys=ON;")?;
        } else {
            configure(&conn, options)?;
            schema::migrate(&mut conn)?;
            if recognised == open::Recognised::Unstamped {
                schema::stamp(&mut conn, DiaryKind::Family.application_id())?;
            }
        }
        Ok(Store {
            conn,
            path: Some(path.to_path_buf()),
            read_only,
            damaged: Cell::new(false),
        })
    }

    /// Runs `f` in one IMMEDIATE transaction, committed only if `f` succeeds. Refused on a
    /// read-only or damaged diary.
    fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        if self.damaged.get() {
            return Err(self.note(Error::CorruptDatabase {
                kept_at: PathBuf::new(),
            }));
        }
        let outcome = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            // Every write's rows become changes for the caregivers' other devices, in the
            // same transaction (clinical-rules §11).
            changes::stamp_pending(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        outcome.map_err(|e| self.note(e))
    }

    /// Refuses a read-only or damaged diary as [`Store::write`] does, for a service that reads
    /// and checks before it writes: such a diary answers the same whatever the input, as when
    /// the checks ran inside the write.
    pub(crate) fn require_writable(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        if self.damaged.get() {
            return Err(self.note(Error::CorruptDatabase {
                kept_at: PathBuf::new(),
            }));
        }
        Ok(())
    }

    /// The connection, for read-only helpers.
    fn reader(&self) -> &Connection {
        &self.conn
    }

    /// Classifies an error met by a call on this diary: damage (a malformed page, a file that is
    /// no longer a database) becomes [`Error::CorruptDatabase`] naming the diary's own path and
    /// stops every later write; a write refused by a read-only file becomes [`Error::ReadOnly`]. Callers above the store (the bindings, the CLI) pass every
    /// error of a call through this.
    pub fn note(&self, error: Error) -> Error {
        let error = classify_error(error, self.path.as_deref().unwrap_or(Path::new("")));
        if matches!(error, Error::CorruptDatabase { .. }) {
            self.damaged.set(true);
        }
        error
    }

    /// Whether damage was met since opening (writes are then refused).
    pub fn is_damaged(&self) -> bool {
        self.damaged.get()
    }

    /// Whether the diary was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Which kind of diary this is (a family's or a sample made by `nephro demo`).
    pub fn kind(&self) -> Result<DiaryKind> {
        let stamp: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))?;
        Ok(if stamp == DiaryKind::Demo.application_id() {
            DiaryKind::Demo
        } else {
            DiaryKind::Family
        })
    }

    /// Copies the diary to a new file at `target` through SQLite's online backup API, so the
    /// copy holds every committed change, also those still in the write-ahead log. The copy is
    /// built beside `target` and linked into place when complete; an existing file at `target`
    /// (above all another diary) is never replaced. Returns the path written.
    pub fn backup_to(&self, target: impl AsRef<Path>) -> Result<PathBuf> {
        let target = target.as_ref();
        open::require_file_path(target).map_err(|e| rename_field(e, "target"))?;
        if fs::symlink_metadata(target).is_ok() {
            return Err(Error::invalid(
                "target",
                "already exists; a backup never replaces a file",
            ));
        }
        let building = open::sibling(target, "backup")?;
        let outcome = (|| {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&building)?;
            {
                let mut copy = Connection::open_with_flags(
                    &building,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                rusqlite::backup::Backup::new(&self.conn, &mut copy)?
                    .run_to_completion(256, Duration::from_millis(0), None)
                    .map_err(|e| self.note(e.into()))?;
                // The copy is a self-contained file: rollback journal, no -wal beside it.
                copy.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get::<_, String>(0))?;
                copy.close().map_err(|(_, e)| e)?;
            }
            fs::File::open(&building)?.sync_all()?;
            fs::hard_link(&building, target).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::invalid("target", "already exists; a backup never replaces a file")
                } else {
                    e.into()
                }
            })?;
            open::sync_directory(target);
            Ok(target.to_path_buf())
        })();
        let _ = fs::remove_file(&building);
        outcome
    }

    /// Checkpoints the write-ahead log into the diary file and closes it, so that the file alone
    /// holds every change. Dropping a store does the same on a best-effort basis.
    pub fn close(self) -> Result<()> {
        self.checkpoint()?;
        Ok(())
    }

    /// Checkpoints the write-ahead log into the diary file (`TRUNCATE`), so that the file alone
    /// holds every committed change. Nothing to do for a read-only, damaged or in-memory diary.
    pub fn checkpoint(&self) -> Result<()> {
        if self.path.is_some() && !self.read_only && !self.damaged.get() {
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Runs SQLite's full integrity check; `Ok(())` when the file is sound, else
    /// [`Error::CorruptDatabase`] naming the diary's own path (empty in memory).
    pub fn integrity_check(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(Error::CorruptDatabase {
                kept_at: self.path.clone().unwrap_or_default(),
            })
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
    conn.set_prepared_statement_cache_capacity(256);
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

pub(crate) fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

impl Drop for Store {
    fn drop(&mut self) {
        // Best effort: another connection may hold the log open; SQLite checkpoints again when
        // the last connection closes.
        let _ = self.checkpoint();
    }
}

/// Classifies an error met by a call on the diary at `path`: damage (a malformed page, a file
/// that is no longer a database) becomes [`Error::CorruptDatabase`] naming the diary's own path
/// (the file is kept where it is); a write refused by a read-only file becomes
/// [`Error::ReadOnly`]; anything else is returned as it is.
fn classify_error(error: Error, path: &Path) -> Error {
    if error.is_corruption() {
        return Error::CorruptDatabase {
            kept_at: path.to_path_buf(),
        };
    }
    match &error {
        Error::Sqlite(e) if e.sqlite_error_code() == Some(ErrorCode::ReadOnly) => Error::ReadOnly,
        _ => error,
    }
}

/// Renames the field of an [`Error::Invalid`].
fn rename_field(error: Error, field: &str) -> Error {
    match error {
        Error::Invalid { reason, .. } => Error::Invalid {
            field: field.into(),
            reason,
        },
        other => other,
    }
}

/// The wall clock, for audit timestamps on stored rows only (engines never read it).
pub(crate) fn now_ms() -> EpochMillis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as EpochMillis)
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod global_id_tests;
#[cfg(test)]
pub(crate) mod tests;

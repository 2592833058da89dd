//! Opening a diary file: what is recognised as a diary, what is refused, and how a new diary
//! comes into being.
//!
//! A file is touched only once it is known to be a diary:
//! - a path that is empty, `:memory:` or an SQLite `file:` URI is refused (nothing would be kept,
//!   or SQLite would read parameters out of the path);
//! - a missing file becomes a new diary, built beside the target and linked into place only when
//!   it is complete and stamped, so a crash never leaves a half-made diary at the path and two
//!   processes creating the same diary end with one;
//! - an existing file is read first without SQLite (its 100-byte header), then through a
//!   read-only connection; it is opened for writing only when it is a stamped diary
//!   ([`APPLICATION_ID`] or [`DEMO_APPLICATION_ID`]) or an unstamped diary of an earlier release,
//!   recognised by its schema version and its exact set of tables (it is stamped on that open);
//! - anything else (a text file, an empty file, another application's database) is
//!   [`Error::NotADiary`] and left exactly as it was; a diary whose version no release wrote is
//!   [`Error::UnknownSchema`]. Only a stamped diary that SQLite cannot read is moved aside
//!   (kept, never deleted) as [`Error::CorruptDatabase`].

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::schema::{self, LATEST_VERSION};
use crate::error::{Error, Result};

/// `PRAGMA application_id` of every diary this app writes: "NDry" in ASCII. Registered nowhere
/// else that we know of (SQLite's `magic.txt` lists the known ones).
pub const APPLICATION_ID: i32 = 0x4E44_7279;

/// `PRAGMA application_id` of a sample diary made by `nephro demo` ("NDdm"): a diary like any
/// other, which the demo alone may replace.
pub const DEMO_APPLICATION_ID: i32 = 0x4E44_646D;

/// The 16 bytes every SQLite 3 database file starts with (sqlite.org/fileformat.html §1.3).
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Which kind of diary a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiaryKind {
    /// A family's diary.
    Family,
    /// A sample diary made by `nephro demo`.
    Demo,
}

impl DiaryKind {
    /// The `application_id` stamp of this kind.
    pub fn application_id(self) -> i32 {
        match self {
            DiaryKind::Family => APPLICATION_ID,
            DiaryKind::Demo => DEMO_APPLICATION_ID,
        }
    }

    fn of_stamp(application_id: i32) -> Option<DiaryKind> {
        match application_id {
            APPLICATION_ID => Some(DiaryKind::Family),
            DEMO_APPLICATION_ID => Some(DiaryKind::Demo),
            _ => None,
        }
    }
}

/// What an existing file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Recognised {
    /// A stamped diary of this kind.
    Stamped(DiaryKind),
    /// A diary of an earlier release, written before the stamp; stamped as a family diary when
    /// it is opened for writing.
    Unstamped,
}

/// The table names of each schema version written before diaries were stamped (1 to 3), sorted:
/// how such a diary is recognised. Every later version is stamped from creation, so this list
/// never grows; a test recognises the fixture of each version.
pub(super) const TABLES_BY_VERSION: &[(i64, &[&str])] = &[
    (
        1,
        &[
            "dose_log",
            "dose_log_revision",
            "measurement",
            "patient",
            "regimen",
        ],
    ),
    (2, V2_TABLES),
    (3, V2_TABLES),
];

const V2_TABLES: &[&str] = &[
    "blood_pressure",
    "dose_log",
    "dose_log_revision",
    "lab_result",
    "lab_result_revision",
    "measurement",
    "patient",
    "patient_policy",
    "regimen",
    "steroid_course",
    "urine_reading",
    "urine_reading_revision",
];

/// Refuses paths that would not name a kept file: empty, `:memory:`, an SQLite URI, a directory.
pub(super) fn require_file_path(path: &Path) -> Result<()> {
    let text = path.as_os_str().to_string_lossy();
    if text.trim().is_empty() {
        return Err(Error::invalid(
            "path",
            "is empty; give the path of the diary file",
        ));
    }
    if text.starts_with(":memory:") {
        return Err(Error::invalid(
            "path",
            "must be a file; an in-memory database would keep nothing",
        ));
    }
    if text.starts_with("file:") {
        return Err(Error::invalid(
            "path",
            "must be a plain file path, not an SQLite file: URI",
        ));
    }
    if path.is_dir() {
        return Err(Error::NotADiary {
            reason: "it is a directory".into(),
        });
    }
    Ok(())
}

/// Reads the file's header without SQLite: `None` when there is no file. Refuses what cannot be
/// a diary (not a regular file, empty, not SQLite, another application's stamp).
pub(super) fn read_header(path: &Path) -> Result<Option<i32>> {
    let metadata = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if !metadata.is_file() {
        // A FIFO or a device would block or stream forever if read.
        return Err(not_a_diary("it is not a regular file"));
    }
    if metadata.len() == 0 {
        return Err(not_a_diary("the file is empty"));
    }
    let mut header = Vec::with_capacity(100);
    fs::File::open(path)?.take(100).read_to_end(&mut header)?;
    if header.len() < 100 || &header[..16] != SQLITE_MAGIC {
        return Err(not_a_diary("it is not an SQLite database"));
    }
    // The application id: a big-endian 32-bit integer at offset 68 (fileformat.html §1.3.15).
    let stamp = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if stamp != 0 && DiaryKind::of_stamp(stamp).is_none() {
        return Err(not_a_diary("it is another application's database"));
    }
    Ok(Some(stamp))
}

/// Recognises an existing SQLite file through a read-only connection (which writes nothing).
/// `header_stamp` is what [`read_header`] found; a damaged file stamped as ours is moved aside.
pub(super) fn recognise(path: &Path, header_stamp: i32) -> Result<Recognised> {
    // A stamped diary needs no look beforehand: its version is checked on the connection that
    // opens it, before anything is written (the app's everyday open stays one connection).
    if let Some(kind) = DiaryKind::of_stamp(header_stamp) {
        return Ok(Recognised::Stamped(kind));
    }
    match inspect(path) {
        Ok(found) => {
            let recognised = classify(&found)?;
            // An earlier release's diary is checked whole before its first write (the stamp),
            // so a damaged one is kept exactly as it was. Stamped diaries skip this.
            if recognised == Recognised::Unstamped {
                if !passes_quick_check(path)? {
                    return Err(Error::CorruptDatabase {
                        kept_at: move_aside(path)?,
                    });
                }
                // Its upgrade is tried on a copy in memory first: a file whose tables bear a
                // diary's names but not its columns is refused before anything is written.
                if !upgrades_in_memory(path)? {
                    return Err(not_a_diary("its tables are not a diary's"));
                }
            }
            Ok(recognised)
        }
        Err(e) if super::is_corruption(&e) => {
            if DiaryKind::of_stamp(header_stamp).is_some() {
                Err(Error::CorruptDatabase {
                    kept_at: move_aside(path)?,
                })
            } else {
                // Unstamped and unreadable: it may be an earlier diary or another program's
                // file; either way it is left where it is.
                Err(not_a_diary(
                    "it is damaged or not a diary, so it was not opened",
                ))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// A read-only connection that makes nothing beside the file. A plain read-only connection to
/// a file whose header says WAL mode creates `-wal` and `-shm` files beside it; with no log
/// beside the file there is nothing for SQLite to read from one, so the file is opened
/// `immutable` (no locks, no log, no shared memory: sqlite.org/uri.html). A log that is there
/// is read, so an earlier diary's last writes are seen.
fn open_for_a_look(path: &Path) -> rusqlite::Result<Connection> {
    let read_only = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut log = path.as_os_str().to_owned();
    log.push("-wal");
    if Path::new(&log).exists() {
        return Connection::open_with_flags(path, read_only);
    }
    let uri = format!("file:{}?immutable=1", percent_encoded(path));
    Connection::open_with_flags(uri, read_only | OpenFlags::SQLITE_OPEN_URI)
}

/// The path's bytes for an SQLite URI: everything but unreserved characters and `/` escaped,
/// so `?`, `#` and `%` in a file name stay part of the name.
fn percent_encoded(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let bytes = absolute.as_os_str().as_encoded_bytes().to_vec();
    let mut out = String::with_capacity(bytes.len());
    for byte in bytes {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// What a read-only look at a database shows.
struct Inspection {
    application_id: i32,
    version: i64,
    tables: Vec<String>,
}

fn inspect(path: &Path) -> rusqlite::Result<Inspection> {
    let conn = open_for_a_look(path)?;
    let application_id = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let tables = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Inspection {
        application_id,
        version,
        tables,
    })
}

/// SQLite's `quick_check` through a read-only connection: `false` when the file is damaged.
fn passes_quick_check(path: &Path) -> Result<bool> {
    let outcome = open_for_a_look(path)
        .and_then(|conn| conn.query_row("PRAGMA quick_check(1)", [], |r| r.get::<_, String>(0)));
    match outcome {
        Ok(verdict) => Ok(verdict == "ok"),
        Err(e) if super::is_corruption(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether the database at `path`, copied into memory (SQLite's online backup API), upgrades
/// to this build's schema.
pub(super) fn upgrades_in_memory(path: &Path) -> Result<bool> {
    let source = open_for_a_look(path)?;
    let mut copy = Connection::open_in_memory()?;
    rusqlite::backup::Backup::new(&source, &mut copy)?.run_to_completion(
        256,
        std::time::Duration::ZERO,
        None,
    )?;
    Ok(schema::migrate(&mut copy).is_ok())
}

fn classify(found: &Inspection) -> Result<Recognised> {
    if let Some(kind) = DiaryKind::of_stamp(found.application_id) {
        require_known_version(found.version)?;
        return Ok(Recognised::Stamped(kind));
    }
    if found.application_id != 0 {
        return Err(not_a_diary("it is another application's database"));
    }
    let known = TABLES_BY_VERSION
        .iter()
        .find(|(version, _)| *version == found.version);
    match known {
        Some((_, tables))
            if found
                .tables
                .iter()
                .map(String::as_str)
                .eq(tables.iter().copied()) =>
        {
            Ok(Recognised::Unstamped)
        }
        // A diary's tables under a version no release wrote (negative, zero, garbage).
        None if looks_like_a_diary(&found.tables) => Err(Error::UnknownSchema {
            found: found.version,
        }),
        _ => Err(not_a_diary("its tables are not a diary's")),
    }
}

/// Refuses a stamped diary's schema version that this build cannot open: newer than it knows
/// ([`Error::NewerSchema`]) or one no release wrote ([`Error::UnknownSchema`]).
pub(super) fn require_known_version(version: i64) -> Result<()> {
    match version {
        v if v > LATEST_VERSION => Err(Error::NewerSchema {
            found: v,
            supported: LATEST_VERSION,
        }),
        v if v < 1 => Err(Error::UnknownSchema { found: v }),
        _ => Ok(()),
    }
}

/// Whether a table list has the tables every diary version has.
fn looks_like_a_diary(tables: &[String]) -> bool {
    ["patient", "dose_log", "dose_log_revision", "regimen"]
        .iter()
        .all(|t| tables.iter().any(|have| have == t))
}

fn not_a_diary(reason: &str) -> Error {
    Error::NotADiary {
        reason: reason.into(),
    }
}

/// Creates a new, stamped diary at `path` (which did not exist): it is built in a file beside
/// it and linked into place only when complete. If another process created the diary meanwhile,
/// its diary is kept and this one discarded.
pub(super) fn create_new(path: &Path, kind: DiaryKind) -> Result<()> {
    let building = sibling(path, "new")?;
    let outcome = build_and_link(&building, path, kind);
    let _ = fs::remove_file(&building);
    outcome
}

fn build_and_link(building: &Path, path: &Path, kind: DiaryKind) -> Result<()> {
    // Claim the temporary name exclusively: SQLite's own create would open an existing file.
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(building)?;
    {
        let mut conn = Connection::open_with_flags(
            building,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch("PRAGMA synchronous=FULL")?;
        conn.pragma_update(None, "application_id", kind.application_id())?;
        schema::migrate(&mut conn)?;
        conn.close().map_err(|(_, e)| e)?;
    }
    fs::File::open(building)?.sync_all()?;
    // A hard link never replaces an existing file (a rename would).
    match fs::hard_link(building, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(_) => copy_into_new_file(building, path)?,
    }
    sync_directory(path);
    Ok(())
}

/// Fallback for file systems without hard links: claim the name exclusively, then copy.
fn copy_into_new_file(from: &Path, to: &Path) -> Result<()> {
    let mut target = match fs::OpenOptions::new().write(true).create_new(true).open(to) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    std::io::copy(&mut fs::File::open(from)?, &mut target)?;
    target.sync_all()?;
    Ok(())
}

/// Makes a new directory entry durable (best effort: not every platform opens directories).
pub(crate) fn sync_directory(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(handle) = fs::File::open(dir) {
            let _ = handle.sync_all();
        }
    }
}

/// A fresh hidden name beside `path`, for a file being built:
/// `.<name>.<purpose>-<pid>-<sequence>-<nanos>`. The sequence keeps two threads of one process
/// apart when the clock gives them the same nanoseconds; the file is then claimed exclusively.
pub(crate) fn sibling(path: &Path, purpose: &str) -> Result<PathBuf> {
    static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid("path", "must name a file"))?;
    let sequence = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Ok(path.with_file_name(format!(
        ".{}.{purpose}-{}-{sequence}-{nanos}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

/// Moves a damaged diary (and its WAL and shared-memory files) aside, keeping them.
pub(super) fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = super::now_ms();
    let target = PathBuf::from(format!("{}.corrupt-{stamp}", path.display()));
    fs::rename(path, &target)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            fs::rename(&side, format!("{}{suffix}", target.display()))?;
        }
    }
    Ok(target)
}

/// Whether an existing file at `path` is a database (any SQLite file, stamped or not) or the
/// write-ahead log, shared memory or journal beside one: files an export or a backup must never
/// replace.
pub fn is_database_or_sidecar(path: &Path) -> bool {
    if starts_with_sqlite_magic(path) {
        return true;
    }
    let text = path.as_os_str().to_string_lossy();
    ["-wal", "-shm", "-journal"].iter().any(|suffix| {
        text.strip_suffix(suffix)
            .is_some_and(|base| starts_with_sqlite_magic(Path::new(base)))
    })
}

fn starts_with_sqlite_magic(path: &Path) -> bool {
    let Ok(metadata) = fs::metadata(path) else {
        return false;
    };
    if !metadata.is_file() {
        return false;
    }
    let mut head = [0u8; 16];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == SQLITE_MAGIC
}

//! Helpers shared by the core's integration tests and benchmarks (each uses part of them).
#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// A `YYYY-MM-DD` literal as a date.
pub fn date(text: &str) -> NaiveDate {
    nephro_core::dates::parse_date("date", text).expect("test date")
}

/// An `HH:MM` literal as a wall-clock time.
pub fn time(text: &str) -> NaiveTime {
    nephro_core::dates::parse_clock_time("time", text).expect("test time")
}

/// An RFC 3339 literal as a UTC instant.
pub fn at(text: &str) -> DateTime<Utc> {
    nephro_core::dates::parse_instant("instant", text)
        .expect("test instant")
        .to_utc()
}

/// A digest of every row of every table of the database at `path`, read on a separate read-only
/// connection (so a file that is not a diary is not written by the check itself): two equal
/// digests mean nothing changed.
pub fn digest(path: &Path) -> u64 {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("read-only open");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut hasher = DefaultHasher::new();
    for table in tables {
        table.hash(&mut hasher);
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid"))
            .expect("select");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            for c in 0..columns {
                format!("{:?}", row.get_ref(c).expect("value")).hash(&mut hasher);
            }
        }
    }
    hasher.finish()
}

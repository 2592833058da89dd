//! Helpers shared by the core's unit tests: literals written as the FFI writes them.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::error::{Error, Result};

/// A `YYYY-MM-DD` literal as a date.
pub fn date(text: &str) -> NaiveDate {
    crate::dates::parse_date("date", text).expect("test date")
}

/// An `HH:MM` literal as a wall-clock time.
pub fn time(text: &str) -> NaiveTime {
    crate::dates::parse_clock_time("time", text).expect("test time")
}

/// An RFC 3339 literal as a UTC instant.
pub fn at(text: &str) -> DateTime<Utc> {
    crate::dates::parse_instant("instant", text)
        .expect("test instant")
        .to_utc()
}

/// The field a refusal names; panics (failing the test) when `result` is not a validation error.
pub fn refused_field<T: std::fmt::Debug>(result: Result<T>) -> String {
    match result {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

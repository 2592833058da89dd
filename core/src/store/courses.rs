//! Steroid courses: versioned plans whose calendars drive steroid doses and reminders.

use chrono::{NaiveDate, NaiveTime};
use rusqlite::{params, Connection, OptionalExtension};

use super::patients::not_found;
use crate::error::{Error, Result};

/// Refuses a steroid dose for a slot that the latest version of the course does not schedule.
/// (The course engine's calendar decides; until courses are stored, every course is unknown.)
pub(super) fn require_course_slot(conn: &Connection, course_key: &str, _date: NaiveDate, time: NaiveTime) -> Result<()> {
    let times: Option<String> = conn
        .query_row(
            "SELECT times FROM steroid_course WHERE course_key = ?1 ORDER BY version DESC LIMIT 1",
            params![course_key],
            |r| r.get(0),
        )
        .optional()?;
    let times = times.ok_or_else(|| not_found("steroid course", course_key))?;
    if !times.split(',').any(|t| t == time.format("%H:%M").to_string()) {
        return Err(Error::invalid("slot_time", "is not one of the course's dosing times"));
    }
    Ok(())
}

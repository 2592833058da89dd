//! Urine protein readings (clinical-rules §5): a home dipstick grade or a laboratory UPCR with
//! its unit, when it was taken, whether it was the first urine of the morning, an optional note
//! and who logged it.
//!
//! Readings are never rewritten: a correction adds a revision and bumps `revision`, a retraction
//! sets `retracted` and adds a revision; every state a reading ever had stays in its history.
//! A client-generated `client_id` makes logging idempotent.
//!
//! **The local date (`taken_on`).** The relapse engine counts one level per local calendar day
//! of the patient (§5). The store derives `taken_on` from `taken_at_ms` in the patient's time
//! zone (the profile's IANA zone) unless the caller gives it. A given date must lie within one
//! calendar day of the derived one: that admits a family travelling across zones (the morning
//! where the child woke up) and refuses a wrong date (a typo in the year).
//!
//! **Readings from a photo (clinical-rules §13).** A dipstick read from a photo is logged with
//! the core's suggestion ([`PhotoSuggestion`]: read or unsure, the suggested grade, the two
//! nearest swatches with their distances) beside the grade the parent confirmed, which is the
//! reading's measurement. Only that grade counts (§5–6): the suggestion is kept, never read by
//! the relapse engine. It is written once with the reading (table `urine_reading_photo`); a
//! correction revises the confirmed grade and leaves the suggestion as it was made.

use super::{cached_execute, cached_query_row};
use crate::ids::PatientId;
use chrono::{Days, NaiveDate};
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql, Transaction};

use super::patients::{not_found, require_patient, stored_date};
use super::revisions::RevisionLog;
use super::rows::{first_readable, readable, RowSource};
use super::{now_ms, Store};
use crate::bounds;
use crate::dates::{format_date, parse_time_zone};
use crate::dipstick::{PhotoSuggestion, ReadStatus, SwatchDistance};
use crate::error::{Error, Result};
use crate::ids::GlobalId;
use crate::model::{require_text, EpochMillis};
use crate::protein::{DipstickGrade, ProteinLevel, UpcrUnit, UrineMeasurement, UrineReading};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// A urine reading to log.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewUrineReading {
    /// Client-generated id (e.g. a UUID made when the entry was saved): logging the same id
    /// again with the same content stores the reading once.
    pub client_id: String,
    /// The patient the reading belongs to.
    pub patient_id: PatientId,
    /// The dipstick grade as read, or the UPCR with its unit.
    pub measurement: UrineMeasurement,
    /// When the sample was taken, UTC epoch ms.
    pub taken_at_ms: EpochMillis,
    /// The patient's local date of the sample; `None` to derive it from `taken_at_ms` in the
    /// patient's time zone. When given, it must be within one day of that derived date.
    pub taken_on: Option<NaiveDate>,
    /// Whether the sample was the first urine of the morning (only those count on a day that
    /// has one, clinical-rules §5).
    pub first_morning: bool,
    /// Free text such as fever, infection or oedema; never written to logs or errors. An empty
    /// or blank note is stored as no note.
    pub note: Option<String>,
    /// Who logged it, e.g. `mother`.
    pub logged_by: String,
    /// The core's suggestion when the grade was read from a photo (clinical-rules §13); the
    /// measurement is then the dipstick grade the parent confirmed or chose instead, never the
    /// suggestion taken without asking. `None` for a strip read by eye and for a UPCR.
    #[serde(default)]
    pub photo: Option<PhotoSuggestion>,
}

/// The new content of a logged reading; the previous revision stays in the history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UrineReadingCorrection {
    /// The corrected measurement.
    pub measurement: UrineMeasurement,
    /// The corrected sampling time, UTC epoch ms.
    pub taken_at_ms: EpochMillis,
    /// The corrected local date, or `None` to derive it (as when logging).
    pub taken_on: Option<NaiveDate>,
    /// Whether the sample was the first urine of the morning.
    pub first_morning: bool,
    /// The corrected note (blank means none).
    pub note: Option<String>,
    /// Who made the correction.
    pub corrected_by: String,
}

/// A logged reading in its current revision.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UrineReadingEntry {
    /// The client id it was logged under.
    pub client_id: String,
    /// The reading's globally unique id ([`GlobalId`]), made when it was logged and kept
    /// through every correction and the retraction (a revision is named by it and `revision`).
    pub global_id: GlobalId,
    /// The patient.
    pub patient_id: PatientId,
    /// What was measured.
    pub measurement: UrineMeasurement,
    /// The measurement's level (clinical-rules §5).
    pub level: ProteinLevel,
    /// When the sample was taken, UTC epoch ms.
    pub taken_at_ms: EpochMillis,
    /// The patient's local date of the sample.
    pub taken_on: NaiveDate,
    /// Whether it was the first urine of the morning.
    pub first_morning: bool,
    /// The note, if any.
    pub note: Option<String>,
    /// Who first logged it.
    pub logged_by: String,
    /// 1 when logged, +1 per correction or retraction.
    pub revision: i64,
    /// Whether it was retracted (kept in history, no longer counted).
    pub retracted: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
    /// The core's suggestion when the reading was made from a photo; `measurement` is the grade
    /// the parent confirmed (as corrected since, if it was), and only it counts.
    #[serde(default)]
    pub photo: Option<PhotoSuggestion>,
}

impl UrineReadingEntry {
    /// The reading as the relapse engine sees it: the confirmed measurement, never a photo's
    /// suggestion.
    pub fn engine_reading(&self) -> UrineReading {
        UrineReading {
            date: self.taken_on,
            measurement: self.measurement,
            first_morning: self.first_morning,
        }
    }
}

/// One revision of a reading, as kept in its history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UrineReadingRevision {
    /// Revision number, from 1.
    pub revision: i64,
    /// The measurement in this revision.
    pub measurement: UrineMeasurement,
    /// The sampling time in this revision, UTC epoch ms.
    pub taken_at_ms: EpochMillis,
    /// The local date in this revision.
    pub taken_on: NaiveDate,
    /// The first-morning flag in this revision.
    pub first_morning: bool,
    /// The note in this revision.
    pub note: Option<String>,
    /// Who made this revision (the logger for revision 1).
    pub changed_by: String,
    /// Whether this revision retracted the reading.
    pub retracted: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
}

/// The content a revision records (everything but who and when).
#[derive(Debug, Clone, PartialEq)]
struct Content {
    measurement: UrineMeasurement,
    taken_at_ms: EpochMillis,
    taken_on: NaiveDate,
    first_morning: bool,
    note: Option<String>,
}

impl Store {
    /// Logs a urine reading. Logging the same `client_id` again with the same content returns
    /// the stored reading as it is now (a double tap or a retry stores it once); different
    /// content under a used `client_id` is a conflict. Refuses (naming the field, changing
    /// nothing) a negative, NaN or infinite UPCR (`upcr`), an empty `client_id` or `logged_by`,
    /// an over-long note, an unknown patient, an instant or its local date outside 1900-01-01 to
    /// 2200-12-31 (`taken_at_ms`, clinical-rules §10) and a `taken_on` more than one day from the derived date.
    /// With a `photo`, also a measurement that is not a dipstick grade (`dipstick`: the grade the
    /// parent confirmed is required) and a suggestion no reading could have given
    /// ([`PhotoSuggestion::validate`], naming `photo.grade`, `photo.nearest[i].delta_e`, …).
    pub fn log_urine_reading(&mut self, reading: &NewUrineReading) -> Result<UrineReadingEntry> {
        require_text("client_id", &reading.client_id, 100)?;
        require_text("logged_by", &reading.logged_by, 100)?;
        reading.measurement.validate("upcr")?;
        if let Some(photo) = &reading.photo {
            require_confirmed_grade(&reading.measurement)?;
            photo.validate("photo")?;
        }
        let note = clean_note(reading.note.as_deref())?;
        self.write(|tx| {
            let zone = patient_zone(tx, reading.patient_id)?;
            let content = Content {
                measurement: reading.measurement,
                taken_at_ms: reading.taken_at_ms,
                taken_on: resolve_taken_on(&zone, reading.taken_at_ms, reading.taken_on)?,
                first_morning: reading.first_morning,
                note,
            };
            if let Some(existing) = entry_by_client_id(tx, &reading.client_id)? {
                let first = first_revision(tx, &reading.client_id)?;
                return if existing.patient_id == reading.patient_id
                    && first == content
                    && existing.photo == reading.photo
                {
                    Ok(existing)
                } else {
                    Err(Error::conflict(crate::error::ConflictKind::ClientIdReused, "urine_reading"))
                };
            }
            let recorded_at_ms = now_ms();
            let (dipstick, upcr, unit) = measurement_columns(&content.measurement);
            cached_execute(tx,
                "INSERT INTO urine_reading (client_id, patient_id, taken_on, taken_at_ms, dipstick, upcr, upcr_unit,
                    first_morning, note, logged_by, revision, retracted, recorded_at_ms, global_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, 0, ?11, ?12)",
                params![
                    reading.client_id,
                    reading.patient_id,
                    format_date(content.taken_on),
                    content.taken_at_ms,
                    dipstick,
                    upcr,
                    unit,
                    content.first_morning,
                    content.note,
                    reading.logged_by,
                    recorded_at_ms,
                    GlobalId::new_at(recorded_at_ms)
                ],
            )?;
            let id = tx.last_insert_rowid();
            add_revision(tx, id, &content, &reading.logged_by, recorded_at_ms)?;
            if let Some(photo) = &reading.photo {
                add_photo(tx, id, photo)?;
            }
            entry_by_client_id(tx, &reading.client_id)?.ok_or_else(|| not_found("urine reading", "(given client_id)"))
        })
    }

    /// Corrects a logged reading (measurement, time, date, first-morning flag, note); the
    /// previous revision stays in the history. A correction that changes nothing returns the
    /// reading unchanged without a new revision. A retracted reading cannot be corrected (log
    /// it again instead). Refuses bad input like [`Store::log_urine_reading`]; a reading made
    /// from a photo stays a dipstick grade (`dipstick`), and its suggestion stays as it was.
    pub fn correct_urine_reading(
        &mut self,
        client_id: &str,
        correction: &UrineReadingCorrection,
    ) -> Result<UrineReadingEntry> {
        require_text("corrected_by", &correction.corrected_by, 100)?;
        correction.measurement.validate("upcr")?;
        let note = clean_note(correction.note.as_deref())?;
        self.write(|tx| {
            let current = entry_by_client_id(tx, client_id)?
                .ok_or_else(|| not_found("urine reading", "(given client_id)"))?;
            if current.retracted {
                return Err(Error::conflict(
                    crate::error::ConflictKind::Retracted,
                    "urine_reading",
                ));
            }
            if current.photo.is_some() {
                require_confirmed_grade(&correction.measurement)?;
            }
            let zone = patient_zone(tx, current.patient_id)?;
            let content = Content {
                measurement: correction.measurement,
                taken_at_ms: correction.taken_at_ms,
                taken_on: resolve_taken_on(&zone, correction.taken_at_ms, correction.taken_on)?,
                first_morning: correction.first_morning,
                note,
            };
            if content == content_of(&current) {
                return Ok(current);
            }
            revise(tx, &current, &content, &correction.corrected_by, false)
        })
    }

    /// Retracts a reading logged by mistake: it stays in the history and no longer counts.
    /// Retracting it again is a conflict.
    pub fn retract_urine_reading(
        &mut self,
        client_id: &str,
        retracted_by: &str,
    ) -> Result<UrineReadingEntry> {
        require_text("retracted_by", retracted_by, 100)?;
        self.write(|tx| {
            let current = entry_by_client_id(tx, client_id)?
                .ok_or_else(|| not_found("urine reading", "(given client_id)"))?;
            if current.retracted {
                return Err(Error::conflict(
                    crate::error::ConflictKind::AlreadyRetracted,
                    "urine_reading",
                ));
            }
            revise(tx, &current, &content_of(&current), retracted_by, true)
        })
    }

    /// A reading by client id, in its current revision (retracted or not).
    pub fn urine_reading(&self, client_id: &str) -> Result<UrineReadingEntry> {
        entry_by_client_id(self.reader(), client_id)?
            .ok_or_else(|| not_found("urine reading", "(given client_id)"))
    }

    /// A patient's live (not retracted) readings with local dates in `[from, to]`, by date,
    /// then sampling time, then entry order.
    pub fn urine_readings(
        &self,
        patient_id: PatientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UrineReadingEntry>> {
        self.readings_between(patient_id, from, to, false)
    }

    /// Like [`Store::urine_readings`], with retracted readings included (flagged), for history
    /// views.
    pub fn urine_readings_including_retracted(
        &self,
        patient_id: PatientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UrineReadingEntry>> {
        self.readings_between(patient_id, from, to, true)
    }

    /// The last of [`Store::urine_readings`] over `[from, to]` (by date, then sampling time, then
    /// entry order), read without reading the others: what a screen shows as the latest reading.
    pub fn latest_urine_reading(
        &self,
        patient_id: PatientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<UrineReadingEntry>> {
        if to < from {
            return Err(Error::invalid("to", "must not be before from"));
        }
        let conn = self.reader();
        require_patient(conn, patient_id)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM}
             WHERE patient_id = ?1 AND taken_on BETWEEN ?2 AND ?3 AND retracted = 0
             ORDER BY taken_on DESC, taken_at_ms DESC, urine_reading.id DESC"
        ))?;
        let rows = stmt.query_map(
            params![patient_id, format_date(clamp(from)), format_date(clamp(to))],
            entry_from_row,
        )?;
        // Rows that cannot be read are left out as every list read leaves them out.
        first_readable(rows)
    }

    /// Every revision of a reading, oldest first.
    pub fn urine_reading_history(&self, client_id: &str) -> Result<Vec<UrineReadingRevision>> {
        let conn = self.reader();
        // An unknown reading is not found (an unknown dose or lab result has an empty history).
        conn.query_row::<i64, _, _>(
            "SELECT id FROM urine_reading WHERE client_id = ?1",
            [client_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| not_found("urine reading", "(given client_id)"))?;
        READING_LOG.history(conn, client_id, revision_from_row)
    }

    fn readings_between(
        &self,
        patient_id: PatientId,
        from: NaiveDate,
        to: NaiveDate,
        include_retracted: bool,
    ) -> Result<Vec<UrineReadingEntry>> {
        if to < from {
            return Err(Error::invalid("to", "must not be before from"));
        }
        let conn = self.reader();
        require_patient(conn, patient_id)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM}
             WHERE patient_id = ?1 AND taken_on BETWEEN ?2 AND ?3 AND (?4 OR retracted = 0)
             ORDER BY taken_on, taken_at_ms, urine_reading.id"
        ))?;
        let rows = stmt.query_map(
            params![
                patient_id,
                format_date(clamp(from)),
                format_date(clamp(to)),
                include_retracted
            ],
            entry_from_row,
        )?;
        readable(rows)
    }
}

/// Keeps a query bound inside the dates a row may have (clinical-rules §10), so its
/// `YYYY-MM-DD` text sorts like the date.
fn clamp(date: NaiveDate) -> NaiveDate {
    date.clamp(bounds::EARLIEST_DATE, bounds::LATEST_DATE)
}

/// The local date of a reading: `given`, or `taken_at_ms` read in the patient's zone (module
/// doc). A given date must be within one day of the derived one.
fn resolve_taken_on(
    zone: &str,
    taken_at_ms: EpochMillis,
    given: Option<NaiveDate>,
) -> Result<NaiveDate> {
    let tz = parse_time_zone("time_zone", zone)?;
    // Hard bounds of clinical-rules §10: the instant in UTC, the local date it falls on (a few
    // hours past 2200-12-31T23:59Z in a zone east of UTC is 2201) and a given date alike.
    let derived = bounds::instant_ms("taken_at_ms", taken_at_ms)?
        .with_timezone(&tz)
        .date_naive();
    let derived = bounds::date("taken_at_ms", derived)?;
    if let Some(date) = given {
        bounds::date("taken_on", date)?;
    }
    match given {
        None => Ok(derived),
        Some(date) => {
            let near = [
                derived.checked_sub_days(Days::new(1)),
                Some(derived),
                derived.checked_add_days(Days::new(1)),
            ];
            if near.contains(&Some(date)) {
                Ok(date)
            } else {
                Err(Error::invalid(
                    "taken_on",
                    "must be within one day of the local date of taken_at_ms",
                ))
            }
        }
    }
}

/// The measurement of a reading made from a photo must be the dipstick grade the parent
/// confirmed (clinical-rules §13): a UPCR is refused naming `dipstick`.
fn require_confirmed_grade(measurement: &UrineMeasurement) -> Result<()> {
    match measurement {
        UrineMeasurement::Dipstick(_) => Ok(()),
        UrineMeasurement::Upcr { .. } => Err(Error::invalid(
            "dipstick",
            "is required with a photo: a reading made from a photo is the dipstick grade the parent confirmed",
        )),
    }
}

/// Keeps the suggestion of a reading made from a photo (written once, with revision 1).
fn add_photo(tx: &Transaction, reading_id: i64, photo: &PhotoSuggestion) -> Result<()> {
    let [nearest, second] = photo.nearest;
    cached_execute(tx,
        "INSERT INTO urine_reading_photo (reading_id, status, grade, nearest_grade, nearest_delta_e,
            second_grade, second_delta_e)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            reading_id,
            photo.status.as_str(),
            photo.grade.map(DipstickGrade::as_str),
            nearest.grade.as_str(),
            nearest.delta_e,
            second.grade.as_str(),
            second.delta_e
        ],
    )?;
    Ok(())
}

/// A blank note is no note; otherwise at most [`MAX_NOTE_CHARS`] characters without control
/// characters (new lines allowed).
pub(crate) fn clean_note(note: Option<&str>) -> Result<Option<String>> {
    match note {
        Some(text) if !text.trim().is_empty() => {
            require_text("note", text, MAX_NOTE_CHARS)?;
            Ok(Some(text.to_string()))
        }
        _ => Ok(None),
    }
}

fn patient_zone(conn: &Connection, patient_id: PatientId) -> Result<String> {
    cached_query_row(
        conn,
        "SELECT time_zone FROM patient WHERE id = ?1",
        [patient_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| not_found("patient", patient_id))
}

fn content_of(entry: &UrineReadingEntry) -> Content {
    Content {
        measurement: entry.measurement,
        taken_at_ms: entry.taken_at_ms,
        taken_on: entry.taken_on,
        first_morning: entry.first_morning,
        note: entry.note.clone(),
    }
}

/// The revision log of urine readings ([`RevisionLog`]): everything but the suggestion of a
/// photo changes.
pub(super) const READING_LOG: RevisionLog = RevisionLog {
    record_table: "urine_reading",
    revision_table: "urine_reading_revision",
    record_id_column: "reading_id",
    content_columns: &[
        "taken_on",
        "taken_at_ms",
        "dipstick",
        "upcr",
        "upcr_unit",
        "first_morning",
        "note",
    ],
    author_column: "changed_by",
    flag_column: "retracted",
    record_columns: &[],
};

/// Runs `write` with the values of [`READING_LOG`]'s content columns for `content`.
fn with_columns<T>(content: &Content, write: impl FnOnce(&[&dyn ToSql]) -> T) -> T {
    let (dipstick, upcr, unit) = measurement_columns(&content.measurement);
    write(&[
        &format_date(content.taken_on),
        &content.taken_at_ms,
        &dipstick,
        &upcr,
        &unit,
        &content.first_morning,
        &content.note,
    ])
}

/// Writes a new revision of `current` with `content`.
fn revise(
    tx: &Transaction,
    current: &UrineReadingEntry,
    content: &Content,
    by: &str,
    retracted: bool,
) -> Result<UrineReadingEntry> {
    let revision = current.revision + 1;
    with_columns(content, |columns| {
        READING_LOG.revise(tx, &current.client_id, revision, columns, by, retracted)
    })?;
    entry_by_client_id(tx, &current.client_id)?
        .ok_or_else(|| not_found("urine reading", "(given client_id)"))
}

/// Writes the first revision of the reading with row id `reading_id`.
fn add_revision(
    tx: &Transaction,
    reading_id: i64,
    content: &Content,
    by: &str,
    recorded_at_ms: EpochMillis,
) -> Result<()> {
    with_columns(content, |columns| {
        READING_LOG.add(tx, reading_id, 1, columns, by, false, recorded_at_ms)
    })
}

/// The `dipstick`, `upcr` and `upcr_unit` columns of a measurement.
fn measurement_columns(
    measurement: &UrineMeasurement,
) -> (Option<&'static str>, Option<f64>, Option<&'static str>) {
    match *measurement {
        UrineMeasurement::Dipstick(grade) => (Some(grade.as_str()), None, None),
        UrineMeasurement::Upcr { value, unit } => (None, Some(value), Some(unit.as_str())),
    }
}

fn stored_measurement(
    dipstick: Option<String>,
    upcr: Option<f64>,
    unit: Option<String>,
) -> Result<UrineMeasurement> {
    let grade = dipstick
        .as_deref()
        .map(|text| DipstickGrade::parse("stored dipstick", text))
        .transpose()?;
    let unit = unit
        .as_deref()
        .map(|text| UpcrUnit::parse("stored upcr_unit", text))
        .transpose()?;
    UrineMeasurement::from_parts("stored reading", grade, upcr, unit)
}

const ENTRY_COLUMNS: &str =
    "client_id, patient_id, taken_on, taken_at_ms, dipstick, upcr, upcr_unit, first_morning, note,
    logged_by, revision, retracted, recorded_at_ms, photo.status, photo.grade, photo.nearest_grade,
    photo.nearest_delta_e, photo.second_grade, photo.second_delta_e, urine_reading.global_id";

/// A reading with the suggestion of the photo it was made from, if any: one record, decoded
/// (and, when unreadable, left out and reported) as a whole.
const ENTRY_FROM: &str =
    "urine_reading LEFT JOIN urine_reading_photo AS photo ON photo.reading_id = urine_reading.id";

/// A patient's urine readings as [`Store::unreadable_rows`] scans them (a reading's photo
/// suggestion is part of its row: an unreadable suggestion is reported as its reading).
pub(super) fn reading_rows() -> RowSource {
    RowSource {
        table: "urine_reading",
        sql: format!(
            "SELECT {ENTRY_COLUMNS}, urine_reading.id FROM {ENTRY_FROM} WHERE patient_id = ?1"
        ),
        check: |r| entry_from_row(r).map(|e| e.map(drop)),
    }
}

fn entry_by_client_id(conn: &Connection, client_id: &str) -> Result<Option<UrineReadingEntry>> {
    cached_query_row(
        conn,
        &format!("SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE client_id = ?1"),
        [client_id],
        entry_from_row,
    )
    .optional()?
    .transpose()
}

fn entry_from_row(r: &Row) -> rusqlite::Result<Result<UrineReadingEntry>> {
    let client_id: String = r.get(0)?;
    let patient_id: PatientId = r.get(1)?;
    let taken_on: String = r.get(2)?;
    let taken_at_ms: EpochMillis = r.get(3)?;
    let (dipstick, upcr, unit): (Option<String>, Option<f64>, Option<String>) =
        (r.get(4)?, r.get(5)?, r.get(6)?);
    let first_morning: bool = r.get(7)?;
    let note: Option<String> = r.get(8)?;
    let logged_by: String = r.get(9)?;
    let revision: i64 = r.get(10)?;
    let retracted: bool = r.get(11)?;
    let recorded_at_ms: EpochMillis = r.get(12)?;
    let photo: StoredPhoto = (
        r.get(13)?,
        r.get(14)?,
        r.get(15)?,
        r.get(16)?,
        r.get(17)?,
        r.get(18)?,
    );
    let global_id: GlobalId = r.get(19)?;
    Ok((|| {
        let measurement = stored_measurement(dipstick, upcr, unit)?;
        bounds::instant_ms("stored taken_at_ms", taken_at_ms)?;
        let photo = stored_photo(photo)?;
        Ok(UrineReadingEntry {
            client_id,
            global_id,
            patient_id,
            measurement,
            level: measurement.level(),
            taken_at_ms,
            taken_on: stored_date(&taken_on)?,
            first_morning,
            note,
            logged_by,
            revision,
            retracted,
            recorded_at_ms,
            photo,
        })
    })())
}

/// The columns of `urine_reading_photo` as read (all empty when the reading has no photo):
/// status, grade, nearest grade and distance, second grade and distance.
type StoredPhoto = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<String>,
    Option<f64>,
);

/// A stored suggestion, checked as when it was logged ([`PhotoSuggestion::validate`]).
fn stored_photo(columns: StoredPhoto) -> Result<Option<PhotoSuggestion>> {
    let (status, grade, nearest_grade, nearest_delta_e, second_grade, second_delta_e) = columns;
    let Some(status) = status else {
        return Ok(None);
    };
    let status = match status.as_str() {
        "read" => ReadStatus::Read,
        "unsure" => ReadStatus::Unsure,
        _ => {
            return Err(Error::invalid(
                "stored photo.status",
                "must be read or unsure",
            ))
        }
    };
    let grade_of = |field: &str, text: Option<String>| -> Result<DipstickGrade> {
        let text = text.ok_or_else(|| Error::invalid(field, "is missing"))?;
        DipstickGrade::parse(field, &text)
    };
    let distance = |field: &str, value: Option<f64>| -> Result<f64> {
        value.ok_or_else(|| Error::invalid(field, "is missing"))
    };
    let photo = PhotoSuggestion {
        status,
        grade: grade
            .as_deref()
            .map(|text| DipstickGrade::parse("stored photo.grade", text))
            .transpose()?,
        nearest: [
            SwatchDistance {
                grade: grade_of("stored photo.nearest[0].grade", nearest_grade)?,
                delta_e: distance("stored photo.nearest[0].delta_e", nearest_delta_e)?,
            },
            SwatchDistance {
                grade: grade_of("stored photo.nearest[1].grade", second_grade)?,
                delta_e: distance("stored photo.nearest[1].delta_e", second_delta_e)?,
            },
        ],
    };
    photo.validate("stored photo")?;
    Ok(Some(photo))
}

fn first_revision(conn: &Connection, client_id: &str) -> Result<Content> {
    let first = READING_LOG.first(conn, client_id, revision_from_row)?;
    Ok(Content {
        measurement: first.measurement,
        taken_at_ms: first.taken_at_ms,
        taken_on: first.taken_on,
        first_morning: first.first_morning,
        note: first.note,
    })
}

fn revision_from_row(r: &Row) -> rusqlite::Result<Result<UrineReadingRevision>> {
    let revision: i64 = r.get(0)?;
    let taken_on: String = r.get(1)?;
    let taken_at_ms: EpochMillis = r.get(2)?;
    let (dipstick, upcr, unit): (Option<String>, Option<f64>, Option<String>) =
        (r.get(3)?, r.get(4)?, r.get(5)?);
    let first_morning: bool = r.get(6)?;
    let note: Option<String> = r.get(7)?;
    let changed_by: String = r.get(8)?;
    let retracted: bool = r.get(9)?;
    let recorded_at_ms: EpochMillis = r.get(10)?;
    Ok((|| {
        bounds::instant_ms("stored taken_at_ms", taken_at_ms)?;
        Ok(UrineReadingRevision {
            revision,
            measurement: stored_measurement(dipstick, upcr, unit)?,
            taken_at_ms,
            taken_on: stored_date(&taken_on)?,
            first_morning,
            note,
            changed_by,
            retracted,
            recorded_at_ms,
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::seeded;
    use DipstickGrade::{Negative, ThreePlus, Trace, TwoPlus};

    use crate::test_support::date;

    /// 2025-06-02T07:00:00+08:00 (Asia/Shanghai, the seeded patient's zone) in epoch ms.
    const MORNING_MS: i64 = 1_748_818_800_000;
    const HOUR_MS: i64 = 3_600_000;

    fn reading(client_id: &str, patient_id: PatientId, grade: DipstickGrade) -> NewUrineReading {
        NewUrineReading {
            client_id: client_id.into(),
            patient_id,
            measurement: UrineMeasurement::Dipstick(grade),
            taken_at_ms: MORNING_MS,
            taken_on: None,
            first_morning: true,
            note: None,
            logged_by: "mother".into(),
            photo: None,
        }
    }

    fn correction(grade: DipstickGrade) -> UrineReadingCorrection {
        UrineReadingCorrection {
            measurement: UrineMeasurement::Dipstick(grade),
            taken_at_ms: MORNING_MS,
            taken_on: None,
            first_morning: true,
            note: None,
            corrected_by: "father".into(),
        }
    }

    fn store_with_patient() -> (Store, PatientId) {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        (store, patient.id)
    }

    fn all_of(store: &Store, patient_id: PatientId) -> Vec<UrineReadingEntry> {
        store
            .urine_readings_including_retracted(patient_id, date("1900-01-01"), date("9999-12-31"))
            .unwrap()
    }

    #[test]
    fn the_local_date_is_derived_in_the_patients_zone() {
        let (mut store, patient_id) = store_with_patient();
        // 23:30 UTC on 06-01 is 07:30 on 06-02 in Shanghai.
        let late_utc = NewUrineReading {
            taken_at_ms: MORNING_MS + HOUR_MS / 2,
            ..reading("r1", patient_id, Trace)
        };
        let stored = store.log_urine_reading(&late_utc).unwrap();
        assert_eq!(stored.taken_on, date("2025-06-02"));
        assert_eq!(
            (stored.revision, stored.retracted, stored.level),
            (1, false, ProteinLevel::Remission)
        );
        // 23:59 local on 06-02 is still 06-02; one minute later is 06-03.
        let midnight_local = MORNING_MS + 17 * HOUR_MS;
        let before = NewUrineReading {
            taken_at_ms: midnight_local - 60_000,
            ..reading("r2", patient_id, Negative)
        };
        let after = NewUrineReading {
            taken_at_ms: midnight_local,
            ..reading("r3", patient_id, Negative)
        };
        assert_eq!(
            store.log_urine_reading(&before).unwrap().taken_on,
            date("2025-06-02")
        );
        assert_eq!(
            store.log_urine_reading(&after).unwrap().taken_on,
            date("2025-06-03")
        );
    }

    #[test]
    fn a_given_date_must_be_within_a_day_of_the_derived_one() {
        let (mut store, patient_id) = store_with_patient();
        let travelling = NewUrineReading {
            taken_on: Some(date("2025-06-01")),
            ..reading("r1", patient_id, Negative)
        };
        assert_eq!(
            store.log_urine_reading(&travelling).unwrap().taken_on,
            date("2025-06-01")
        );
        let typo = NewUrineReading {
            taken_on: Some(date("2024-06-02")),
            ..reading("r2", patient_id, Negative)
        };
        let err = store.log_urine_reading(&typo).unwrap_err();
        assert!(
            matches!(&err, Error::Invalid { field, .. } if field == "taken_on"),
            "{err}"
        );
        let ancient = NewUrineReading {
            taken_at_ms: -3_000_000_000_000,
            ..reading("r3", patient_id, Negative)
        };
        assert!(store
            .log_urine_reading(&ancient)
            .unwrap_err()
            .to_string()
            .contains("taken_at_ms"));
        let beyond = NewUrineReading {
            taken_at_ms: i64::MAX,
            ..reading("r4", patient_id, Negative)
        };
        assert!(store
            .log_urine_reading(&beyond)
            .unwrap_err()
            .to_string()
            .contains("taken_at_ms"));
        assert_eq!(all_of(&store, patient_id).len(), 1);
    }

    #[test]
    fn logging_the_same_client_id_twice_stores_one_reading() {
        let (mut store, patient_id) = store_with_patient();
        let upcr = NewUrineReading {
            measurement: UrineMeasurement::Upcr {
                value: 0.2,
                unit: UpcrUnit::MgPerMg,
            },
            note: Some("fever".into()),
            ..reading("lab-1", patient_id, Negative)
        };
        let first = store.log_urine_reading(&upcr).unwrap();
        assert_eq!(first.measurement, upcr.measurement);
        assert_eq!(store.log_urine_reading(&upcr).unwrap(), first);
        assert_eq!(all_of(&store, patient_id).len(), 1);
        assert_eq!(store.urine_reading_history("lab-1").unwrap().len(), 1);
        // A retry after a correction returns the corrected reading, not a conflict.
        let corrected = store
            .correct_urine_reading("lab-1", &correction(ThreePlus))
            .unwrap();
        assert_eq!(store.log_urine_reading(&upcr).unwrap(), corrected);
    }

    #[test]
    fn a_reused_client_id_with_other_content_is_a_conflict() {
        let (mut store, patient_id) = store_with_patient();
        store
            .log_urine_reading(&reading("r1", patient_id, Negative))
            .unwrap();
        let other_grade = reading("r1", patient_id, ThreePlus);
        assert!(matches!(
            store.log_urine_reading(&other_grade),
            Err(Error::Conflict { .. })
        ));
        let other_flag = NewUrineReading {
            first_morning: false,
            ..reading("r1", patient_id, Negative)
        };
        assert!(matches!(
            store.log_urine_reading(&other_flag),
            Err(Error::Conflict { .. })
        ));
        let other_note = NewUrineReading {
            note: Some("oedema".into()),
            ..reading("r1", patient_id, Negative)
        };
        assert!(matches!(
            store.log_urine_reading(&other_note),
            Err(Error::Conflict { .. })
        ));
        let other_patient = store
            .create_patient(&crate::store::tests::sample_patient())
            .unwrap();
        assert!(matches!(
            store.log_urine_reading(&reading("r1", other_patient.id, Negative)),
            Err(Error::Conflict { .. })
        ));
        // A blank note is no note, so it is the same content.
        let blank_note = NewUrineReading {
            note: Some("  ".into()),
            ..reading("r1", patient_id, Negative)
        };
        assert_eq!(store.log_urine_reading(&blank_note).unwrap().note, None);
    }

    #[test]
    fn corrections_and_retraction_keep_every_revision() {
        let (mut store, patient_id) = store_with_patient();
        store
            .log_urine_reading(&reading("r1", patient_id, ThreePlus))
            .unwrap();
        let unchanged = store
            .correct_urine_reading("r1", &correction(ThreePlus))
            .unwrap();
        assert_eq!(
            unchanged.revision, 1,
            "a correction that changes nothing adds no revision"
        );
        let fixed = UrineReadingCorrection {
            taken_at_ms: MORNING_MS + 24 * HOUR_MS,
            note: Some("read the wrong strip".into()),
            ..correction(Trace)
        };
        let corrected = store.correct_urine_reading("r1", &fixed).unwrap();
        assert_eq!(
            (corrected.revision, corrected.level),
            (2, ProteinLevel::Remission)
        );
        assert_eq!(
            corrected.taken_on,
            date("2025-06-03"),
            "the date follows the corrected time"
        );
        assert_eq!(
            corrected.logged_by, "mother",
            "the logger stays; the corrector is in the history"
        );
        let retracted = store.retract_urine_reading("r1", "father").unwrap();
        assert!(retracted.retracted);
        assert!(matches!(
            store.retract_urine_reading("r1", "father"),
            Err(Error::Conflict { .. })
        ));
        assert!(matches!(
            store.correct_urine_reading("r1", &correction(Negative)),
            Err(Error::Conflict { .. })
        ));
        let history = store.urine_reading_history("r1").unwrap();
        let summary: Vec<_> = history
            .iter()
            .map(|r| {
                (
                    r.revision,
                    r.measurement.dipstick(),
                    r.taken_on,
                    r.changed_by.as_str(),
                    r.retracted,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (1, Some(ThreePlus), date("2025-06-02"), "mother", false),
                (2, Some(Trace), date("2025-06-03"), "father", false),
                (3, Some(Trace), date("2025-06-03"), "father", true),
            ]
        );
        assert_eq!(history[1].note.as_deref(), Some("read the wrong strip"));
        assert!(store
            .urine_readings(patient_id, date("2025-06-01"), date("2025-06-30"))
            .unwrap()
            .is_empty());
        assert_eq!(all_of(&store, patient_id), [retracted]);
    }

    #[test]
    fn listing_is_by_date_then_time_and_bounded() {
        let (mut store, patient_id) = store_with_patient();
        let day = 24 * HOUR_MS;
        for (id, offset) in [("c", 2 * day), ("a", 0), ("b2", day + HOUR_MS), ("b1", day)] {
            store
                .log_urine_reading(&NewUrineReading {
                    taken_at_ms: MORNING_MS + offset,
                    ..reading(id, patient_id, Negative)
                })
                .unwrap();
        }
        let ids = |from: &str, to: &str| -> Vec<String> {
            store
                .urine_readings(patient_id, date(from), date(to))
                .unwrap()
                .into_iter()
                .map(|r| r.client_id)
                .collect()
        };
        assert_eq!(ids("2025-06-01", "2025-06-30"), ["a", "b1", "b2", "c"]);
        assert_eq!(ids("2025-06-03", "2025-06-03"), ["b1", "b2"]);
        assert_eq!(ids("0001-01-01", "2025-06-02"), ["a"]);
        assert!(store
            .urine_readings(patient_id, date("2025-06-03"), date("2025-06-02"))
            .unwrap_err()
            .to_string()
            .contains("to"));
        assert!(matches!(
            store.urine_readings(
                PatientId::from(patient_id.get() + 9),
                date("2025-06-01"),
                date("2025-06-30")
            ),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn refused_input_names_the_field_and_changes_nothing() {
        let (mut store, patient_id) = store_with_patient();
        let field_of = |err: Error| match err {
            Error::Invalid { field, .. } => field,
            other => panic!("not a validation error: {other}"),
        };
        let negative = NewUrineReading {
            measurement: UrineMeasurement::Upcr {
                value: -5.0,
                unit: UpcrUnit::MgPerMmol,
            },
            ..reading("r1", patient_id, Negative)
        };
        assert_eq!(
            field_of(store.log_urine_reading(&negative).unwrap_err()),
            "upcr"
        );
        let nan = NewUrineReading {
            measurement: UrineMeasurement::Upcr {
                value: f64::NAN,
                unit: UpcrUnit::GPerG,
            },
            ..reading("r1", patient_id, Negative)
        };
        assert_eq!(field_of(store.log_urine_reading(&nan).unwrap_err()), "upcr");
        let nobody = NewUrineReading {
            logged_by: " ".into(),
            ..reading("r1", patient_id, Negative)
        };
        assert_eq!(
            field_of(store.log_urine_reading(&nobody).unwrap_err()),
            "logged_by"
        );
        let no_id = reading("", patient_id, Negative);
        assert_eq!(
            field_of(store.log_urine_reading(&no_id).unwrap_err()),
            "client_id"
        );
        let long_note = NewUrineReading {
            note: Some("x".repeat(MAX_NOTE_CHARS + 1)),
            ..reading("r1", patient_id, Negative)
        };
        assert_eq!(
            field_of(store.log_urine_reading(&long_note).unwrap_err()),
            "note"
        );
        assert!(matches!(
            store.log_urine_reading(&reading(
                "r1",
                PatientId::from(patient_id.get() + 9),
                Negative
            )),
            Err(Error::NotFound { .. })
        ));
        assert!(all_of(&store, patient_id).is_empty());

        store
            .log_urine_reading(&reading("r1", patient_id, Negative))
            .unwrap();
        let bad = UrineReadingCorrection {
            measurement: UrineMeasurement::Upcr {
                value: -1.0,
                unit: UpcrUnit::MgPerG,
            },
            ..correction(Negative)
        };
        assert_eq!(
            field_of(store.correct_urine_reading("r1", &bad).unwrap_err()),
            "upcr"
        );
        let nobody = UrineReadingCorrection {
            corrected_by: String::new(),
            ..correction(ThreePlus)
        };
        assert_eq!(
            field_of(store.correct_urine_reading("r1", &nobody).unwrap_err()),
            "corrected_by"
        );
        assert!(matches!(
            store.correct_urine_reading("nope", &correction(Trace)),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            store.retract_urine_reading("nope", "x"),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            store.urine_reading_history("nope"),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(store.urine_reading_history("r1").unwrap().len(), 1);
        assert_eq!(
            store.urine_reading("r1").unwrap().measurement,
            UrineMeasurement::Dipstick(Negative)
        );
    }

    /// The core suggested 2+ (2+ at ΔE 3.25, 3+ at 6.5).
    fn suggested_two_plus() -> PhotoSuggestion {
        PhotoSuggestion {
            status: ReadStatus::Read,
            grade: Some(TwoPlus),
            nearest: [
                SwatchDistance {
                    grade: TwoPlus,
                    delta_e: 3.25,
                },
                SwatchDistance {
                    grade: ThreePlus,
                    delta_e: 6.5,
                },
            ],
        }
    }

    /// A reading from a photo: the core suggested 2+, the parent confirmed `grade`.
    fn from_photo(client_id: &str, patient_id: PatientId, grade: DipstickGrade) -> NewUrineReading {
        NewUrineReading {
            photo: Some(suggested_two_plus()),
            ..reading(client_id, patient_id, grade)
        }
    }

    #[test]
    fn a_reading_from_a_photo_keeps_the_suggestion_beside_the_confirmed_grade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diary.db");
        let (logged, patient_id) = {
            let mut store = Store::open(&path).unwrap();
            let (patient, _) = seeded(&mut store);
            // The parent looked at the strip and chose 3+ over the suggested 2+.
            let logged = store
                .log_urine_reading(&from_photo("p1", patient.id, ThreePlus))
                .unwrap();
            (logged, patient.id)
        };
        assert_eq!(logged.measurement, UrineMeasurement::Dipstick(ThreePlus));
        assert_eq!(
            logged.level,
            ProteinLevel::Nephrotic,
            "the confirmed grade counts"
        );
        assert_eq!(logged.photo, Some(suggested_two_plus()));
        assert_eq!(
            logged.engine_reading().measurement,
            UrineMeasurement::Dipstick(ThreePlus),
            "the relapse engine sees the confirmed grade, never the suggestion"
        );

        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.urine_reading("p1").unwrap(), logged);
        assert_eq!(all_of(&store, patient_id), std::slice::from_ref(&logged));
        // A retry stores it once; the same id with another suggestion, or none, is a conflict.
        assert_eq!(
            store
                .log_urine_reading(&from_photo("p1", patient_id, ThreePlus))
                .unwrap(),
            logged
        );
        let unsure = NewUrineReading {
            photo: Some(PhotoSuggestion {
                status: ReadStatus::Unsure,
                grade: None,
                ..suggested_two_plus()
            }),
            ..reading("p1", patient_id, ThreePlus)
        };
        for other in [unsure, reading("p1", patient_id, ThreePlus)] {
            assert!(matches!(
                store.log_urine_reading(&other),
                Err(Error::Conflict { .. })
            ));
        }
        // A reading by eye has no suggestion.
        let by_eye = store
            .log_urine_reading(&reading("e1", patient_id, Trace))
            .unwrap();
        assert_eq!(by_eye.photo, None);

        // A correction revises the confirmed grade; the suggestion stays as it was made, and a
        // reading made from a photo stays a dipstick grade.
        let corrected = store
            .correct_urine_reading("p1", &correction(TwoPlus))
            .unwrap();
        assert_eq!(
            (corrected.revision, corrected.measurement, corrected.photo),
            (
                2,
                UrineMeasurement::Dipstick(TwoPlus),
                Some(suggested_two_plus())
            )
        );
        let before = crate::store::tests::digest(&store);
        let to_upcr = UrineReadingCorrection {
            measurement: UrineMeasurement::Upcr {
                value: 250.0,
                unit: UpcrUnit::MgPerMmol,
            },
            ..correction(TwoPlus)
        };
        let err = store.correct_urine_reading("p1", &to_upcr).unwrap_err();
        assert!(
            matches!(&err, Error::Invalid { field, .. } if field == "dipstick"),
            "{err}"
        );
        assert_eq!(crate::store::tests::digest(&store), before);
        let retracted = store.retract_urine_reading("p1", "father").unwrap();
        assert_eq!(retracted.photo, Some(suggested_two_plus()));
    }

    #[test]
    fn a_photo_reading_that_no_reading_could_give_is_refused_naming_the_field_and_nothing_is_stored(
    ) {
        let (mut store, patient_id) = store_with_patient();
        store
            .log_urine_reading(&from_photo("kept", patient_id, TwoPlus))
            .unwrap();
        let before = crate::store::tests::digest(&store);
        let with = |photo: PhotoSuggestion| NewUrineReading {
            photo: Some(photo),
            ..reading("p1", patient_id, ThreePlus)
        };
        let at = |delta_e: [f64; 2]| {
            let mut photo = suggested_two_plus();
            photo.nearest[0].delta_e = delta_e[0];
            photo.nearest[1].delta_e = delta_e[1];
            with(photo)
        };
        let unsure_with_a_grade = with(PhotoSuggestion {
            status: ReadStatus::Unsure,
            ..suggested_two_plus()
        });
        let read_without_a_grade = with(PhotoSuggestion {
            grade: None,
            ..suggested_two_plus()
        });
        let read_not_the_nearest = with(PhotoSuggestion {
            grade: Some(ThreePlus),
            ..suggested_two_plus()
        });
        let mut twice = suggested_two_plus();
        twice.nearest[1].grade = TwoPlus;
        let upcr_from_a_photo = NewUrineReading {
            measurement: UrineMeasurement::Upcr {
                value: 2.5,
                unit: UpcrUnit::MgPerMg,
            },
            ..from_photo("p1", patient_id, ThreePlus)
        };
        let cases = [
            (upcr_from_a_photo, "dipstick"),
            (unsure_with_a_grade, "photo.grade"),
            (read_without_a_grade, "photo.grade"),
            (read_not_the_nearest, "photo.grade"),
            (with(twice), "photo.nearest[1].grade"),
            (at([f64::NAN, 6.5]), "photo.nearest[0].delta_e"),
            (at([-0.5, 6.5]), "photo.nearest[0].delta_e"),
            (at([3.25, f64::INFINITY]), "photo.nearest[1].delta_e"),
            (at([3.25, -1.0]), "photo.nearest[1].delta_e"),
            (at([6.5, 3.25]), "photo.nearest[1].delta_e"),
        ];
        for (bad, expected) in cases {
            match store.log_urine_reading(&bad).unwrap_err() {
                Error::Invalid { field, .. } => assert_eq!(field, expected),
                other => panic!("{expected}: not a validation error: {other}"),
            }
            assert_eq!(
                crate::store::tests::digest(&store),
                before,
                "{expected}: nothing stored"
            );
        }
        // The edges are fine: a pad exactly at a swatch, two swatches at the same distance when
        // unsure.
        let tie = with(PhotoSuggestion {
            status: ReadStatus::Unsure,
            grade: None,
            nearest: [
                SwatchDistance {
                    grade: TwoPlus,
                    delta_e: 0.0,
                },
                SwatchDistance {
                    grade: ThreePlus,
                    delta_e: 0.0,
                },
            ],
        });
        assert_eq!(store.log_urine_reading(&tie).unwrap().photo, tie.photo);
    }

    #[test]
    fn an_unreadable_suggestion_leaves_its_reading_out_and_reports_it() {
        let (mut store, patient_id) = store_with_patient();
        store
            .log_urine_reading(&from_photo("p1", patient_id, ThreePlus))
            .unwrap();
        store
            .log_urine_reading(&reading("e1", patient_id, Trace))
            .unwrap();
        store
            .conn
            .execute("UPDATE urine_reading_photo SET nearest_grade = '5+'", [])
            .unwrap();
        let shown: Vec<_> = all_of(&store, patient_id)
            .into_iter()
            .map(|r| r.client_id)
            .collect();
        assert_eq!(shown, ["e1"]);
        let unreadable = store.unreadable_rows(patient_id).unwrap();
        assert_eq!(unreadable.len(), 1, "{unreadable:?}");
        assert_eq!(unreadable[0].table, "urine_reading");
        assert!(
            unreadable[0].reason.contains("photo.nearest[0].grade"),
            "{}",
            unreadable[0].reason
        );
    }

    #[test]
    fn readings_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diary.db");
        let logged = {
            let mut store = Store::open(&path).unwrap();
            let (patient, _) = seeded(&mut store);
            let lab = NewUrineReading {
                measurement: UrineMeasurement::Upcr {
                    value: 250.0,
                    unit: UpcrUnit::MgPerMmol,
                },
                first_morning: false,
                ..reading("lab-1", patient.id, Negative)
            };
            store.log_urine_reading(&lab).unwrap()
        };
        let store = Store::open(&path).unwrap();
        let again = store.urine_reading("lab-1").unwrap();
        assert_eq!(again, logged);
        assert_eq!(again.level, ProteinLevel::Nephrotic);
        assert_eq!(again.engine_reading().date, date("2025-06-02"));
    }
}

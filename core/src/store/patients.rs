//! Patients, body measurements and regimens.

use super::{cached_execute, cached_query_row};
use crate::ids::MeasurementId;
use crate::ids::{PatientId, RegimenId};
use chrono::{NaiveDate, NaiveTime, Timelike};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::policy::{read_policy, write_policy};
use super::rows::{readable, with_row_id, RowSource};
use super::{now_ms, Store};
use crate::bounds;
use crate::dates::{format_date, parse_clock_time, parse_date, parse_time_zone};
use crate::dose::{DoseRate, DoseResult};
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::growth::plausibility::PlausibilityPolicy;
use crate::ids::GlobalId;
use crate::model::{
    require_storable_date, require_text, Measurement, NewPatient, NewRegimen, Patient, Regimen,
    Sex, DEFINITION_SETS,
};

impl Store {
    /// Creates a patient profile.
    pub fn create_patient(&mut self, new: &NewPatient) -> Result<Patient> {
        validate_patient(new)?;
        let created_at_ms = now_ms();
        let global_id = GlobalId::new_at(created_at_ms);
        let id = self.write(|tx| {
            cached_execute(tx,
                "INSERT INTO patient (display_name, birth_date, sex, time_zone, definition_set, created_at_ms, global_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    new.display_name,
                    format_date(new.birth_date),
                    new.sex.id(),
                    new.time_zone,
                    new.definition_set,
                    created_at_ms,
                    global_id
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })?;
        Ok(Patient {
            id: PatientId::from(id),
            global_id,
            profile: new.clone(),
        })
    }

    /// Replaces a patient's profile (name, zone, definition set…).
    pub fn update_patient(&mut self, patient_id: PatientId, new: &NewPatient) -> Result<Patient> {
        validate_patient(new)?;
        self.write(|tx| {
            let changed = cached_execute(tx,
                "UPDATE patient SET display_name = ?2, birth_date = ?3, sex = ?4, time_zone = ?5, definition_set = ?6
                 WHERE id = ?1",
                params![patient_id, new.display_name, format_date(new.birth_date), new.sex.id(), new.time_zone, new.definition_set],
            )?;
            if changed == 0 {
                return Err(not_found("patient", patient_id));
            }
            patient_in(tx, patient_id)
        })
    }

    /// A patient by id.
    pub fn patient(&self, patient_id: PatientId) -> Result<Patient> {
        patient_in(self.reader(), patient_id)
    }

    /// Refuses an unknown patient as not found, without reading the profile.
    pub(crate) fn require_patient(&self, patient_id: PatientId) -> Result<()> {
        require_patient(self.reader(), patient_id)
    }

    /// When a patient's profile was created (milliseconds since the epoch): with the row id, it
    /// names the diary's patient across exports (the FHIR identifier namespace of
    /// [`crate::export::fhir`]), without a new column.
    pub fn patient_created_at_ms(&self, patient_id: PatientId) -> Result<i64> {
        cached_query_row(
            self.reader(),
            "SELECT created_at_ms FROM patient WHERE id = ?1",
            [patient_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| not_found("patient", patient_id))
    }

    /// Every patient, oldest first.
    pub fn patients(&self) -> Result<Vec<Patient>> {
        let mut stmt = self
            .reader()
            .prepare("SELECT id, display_name, birth_date, sex, time_zone, definition_set, global_id FROM patient ORDER BY id")?;
        let rows = stmt.query_map([], patient_from_row)?;
        readable(rows)
    }

    /// Stores a weight and/or height the service [`Store::add_measurement`] checked (clinical-rules
    /// §10) against the patient's measurements as they were when the newest of them was
    /// `checked_latest` (`None`: there was none). A measurement stored since is a
    /// [`crate::error::ConflictKind::StaleVersion`] conflict on `measurement` and nothing is
    /// written, so that the service checks again.
    pub(crate) fn insert_measurement(
        &mut self,
        patient_id: PatientId,
        m: &Measurement,
        checked_latest: Option<MeasurementId>,
    ) -> Result<Measurement> {
        let id = self.write(|tx| {
            require_patient(tx, patient_id)?;
            require_latest_measurement(tx, patient_id, checked_latest)?;
            let recorded_at_ms = now_ms();
            let global_id = GlobalId::new_at(recorded_at_ms);
            cached_execute(tx,
                "INSERT INTO measurement (patient_id, measured_on, weight_kg, height_cm, recorded_at_ms, confirmed, global_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![patient_id, format_date(m.measured_on), m.weight_kg, m.height_cm, recorded_at_ms, m.confirmed, global_id],
            )?;
            Ok((tx.last_insert_rowid(), global_id))
        })?;
        let (id, global_id) = id;
        Ok(Measurement {
            id: MeasurementId::from(id),
            global_id,
            ..m.clone()
        })
    }

    /// The id of the patient's newest stored measurement (the highest: measurements are only
    /// added), `None` when there is none: what a check of the measurements names as what it
    /// checked.
    pub(crate) fn latest_measurement_id(
        &self,
        patient_id: PatientId,
    ) -> Result<Option<MeasurementId>> {
        latest_measurement_id(self.reader(), patient_id)
    }

    /// The limits of the plausibility checks of a patient's measurements (clinical-rules §10,
    /// **policy**): the stored values, the defaults (20 %, 2 cm, 10 cm within 90 days) where
    /// none is set.
    pub fn plausibility_policy(&self, patient_id: PatientId) -> Result<PlausibilityPolicy> {
        require_patient(self.reader(), patient_id)?;
        plausibility_policy(self.reader(), patient_id)
    }

    /// Sets the limits of the plausibility checks (validated first, see
    /// [`PlausibilityPolicy::validate`]), recording who changed them; each limit is stored under
    /// its own key ([`WEIGHT_CHANGE_KEY`] …).
    pub fn set_plausibility_policy(
        &mut self,
        patient_id: PatientId,
        policy: &PlausibilityPolicy,
        changed_by: &str,
    ) -> Result<PlausibilityPolicy> {
        policy.validate()?;
        require_text("changed_by", changed_by, 100)?;
        let recorded_at_ms = now_ms();
        self.write(|tx| {
            require_patient(tx, patient_id)?;
            let values = [
                (WEIGHT_CHANGE_KEY, serde_json::json!(policy.weight_change)),
                (
                    HEIGHT_DECREASE_KEY,
                    serde_json::json!(policy.height_decrease_cm),
                ),
                (
                    HEIGHT_INCREASE_KEY,
                    serde_json::json!(policy.height_increase_cm),
                ),
                (
                    HEIGHT_INCREASE_DAYS_KEY,
                    serde_json::json!(policy.height_increase_days),
                ),
            ];
            for (key, value) in values {
                write_policy(tx, patient_id, key, &value, changed_by, recorded_at_ms)?;
            }
            Ok(())
        })?;
        self.plausibility_policy(patient_id)
    }

    /// A patient's measurements by date (then by entry order).
    pub fn measurements(&self, patient_id: PatientId) -> Result<Vec<Measurement>> {
        measurements(self.reader(), patient_id)
    }

    /// Stores a regimen the service [`Store::add_regimen`] built: `prescription` with its rate
    /// resolved (the height of a mg/m² rate), the weight its dose was calculated on and that
    /// dose, all on the patient's measurements as they were when the newest of them was
    /// `checked_latest`. A measurement stored since is a conflict, as for
    /// [`Store::insert_measurement`], and nothing is written.
    pub(crate) fn insert_regimen(
        &mut self,
        patient_id: PatientId,
        prescription: NewRegimen,
        weight_kg: f64,
        dose: DoseResult,
        checked_latest: Option<MeasurementId>,
    ) -> Result<Regimen> {
        self.write(|tx| {
            require_patient(tx, patient_id)?;
            require_latest_measurement(tx, patient_id, checked_latest)?;
            let (basis, rate_value, height) = rate_columns(prescription.rate);
            let created_at_ms = now_ms();
            let global_id = GlobalId::new_at(created_at_ms);
            let new = &prescription;
            cached_execute(tx,
                "INSERT INTO regimen (patient_id, drug, form, strengths_mg, allow_split, rate_basis, rate, height_cm, times,
                    start_date, end_date, prescribed_by, prescribed_on, override_range, weight_kg, per_dose_mg, created_at_ms,
                    global_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                params![
                    patient_id,
                    new.drug.id(),
                    new.form,
                    join_numbers(&new.strengths_mg),
                    new.allow_split,
                    basis,
                    rate_value,
                    height,
                    join_times(&new.times),
                    format_date(new.start_date),
                    new.end_date.map(format_date),
                    new.prescribed_by,
                    format_date(new.prescribed_on),
                    new.override_range,
                    weight_kg,
                    dose.per_dose_mg,
                    created_at_ms,
                    global_id
                ],
            )?;
            Ok(Regimen { id: RegimenId::from(tx.last_insert_rowid()), global_id, patient_id, prescription, weight_kg, dose })
        })
    }

    /// Ends a regimen on a date (the care team changed or stopped it); the row is kept.
    pub fn end_regimen(&mut self, regimen_id: RegimenId, end_date: NaiveDate) -> Result<Regimen> {
        require_storable_date("end_date", end_date)?;
        let regimen = self.regimen(regimen_id)?;
        if end_date < regimen.prescription.start_date {
            return Err(Error::invalid(
                "end_date",
                "must not be before the regimen's start date",
            ));
        }
        self.write(|tx| {
            cached_execute(
                tx,
                "UPDATE regimen SET end_date = ?2 WHERE id = ?1",
                params![regimen_id, format_date(end_date)],
            )?;
            Ok(())
        })?;
        self.regimen(regimen_id)
    }

    /// A regimen by id.
    pub fn regimen(&self, regimen_id: RegimenId) -> Result<Regimen> {
        regimen(self.reader(), regimen_id)
    }

    /// A patient's regimens, oldest first.
    pub fn regimens(&self, patient_id: PatientId) -> Result<Vec<Regimen>> {
        let mut stmt = self.reader().prepare_cached(&format!(
            "{REGIMEN_SELECT} WHERE patient_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([patient_id], regimen_from_row)?;
        readable(rows)
    }
}

fn validate_patient(p: &NewPatient) -> Result<()> {
    require_text("display_name", &p.display_name, 100)?;
    require_storable_date("birth_date", p.birth_date)?;
    parse_time_zone("time_zone", &p.time_zone)?;
    if !DEFINITION_SETS.contains(&p.definition_set.as_str()) {
        return Err(Error::invalid(
            "definition_set",
            "must be ipna2022, kdigo2025 or kdigo2012",
        ));
    }
    Ok(())
}

/// Checks a regimen's fields (texts, times, dates, strengths within the hard bounds of
/// clinical-rules §10) before anything is read or stored.
pub(crate) fn validate_regimen(r: &NewRegimen) -> Result<()> {
    require_text("form", &r.form, 60)?;
    require_text("prescribed_by", &r.prescribed_by, 100)?;
    if r.times.is_empty() || r.times.len() > 6 {
        return Err(Error::invalid(
            "times",
            "give between one and six dosing times",
        ));
    }
    if let Some(i) = r
        .times
        .iter()
        .position(|t| t.second() != 0 || t.nanosecond() != 0)
    {
        return Err(Error::invalid(
            format!("times[{i}]"),
            "must be a whole minute (HH:MM)",
        ));
    }
    require_storable_date("start_date", r.start_date)?;
    if let Some(end) = r.end_date {
        require_storable_date("end_date", end)?;
    }
    require_storable_date("prescribed_on", r.prescribed_on)?;
    let mut sorted = r.times.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != r.times.len() {
        return Err(Error::invalid("times", "must not repeat a time"));
    }
    if r.end_date.is_some_and(|end| end < r.start_date) {
        return Err(Error::invalid("end_date", "must not be before start_date"));
    }
    if r.strengths_mg.is_empty() {
        return Err(Error::invalid(
            "strengths_mg",
            "needs at least one strength",
        ));
    }
    // Hard bounds of clinical-rules §10 (crate::bounds): 0.01–1000 mg.
    for (i, s) in r.strengths_mg.iter().enumerate() {
        bounds::strength_mg(&format!("strengths_mg[{i}]"), *s)?;
    }
    Ok(())
}

fn patient_in(conn: &Connection, patient_id: PatientId) -> Result<Patient> {
    conn.prepare_cached(
        "SELECT id, display_name, birth_date, sex, time_zone, definition_set, global_id FROM patient WHERE id = ?1",
    )?
    .query_row([patient_id], patient_from_row)
    .optional()?
    .ok_or_else(|| not_found("patient", patient_id))?
}

pub(super) fn require_patient(conn: &Connection, patient_id: PatientId) -> Result<()> {
    let found: Option<i64> = cached_query_row(
        conn,
        "SELECT id FROM patient WHERE id = ?1",
        [patient_id],
        |r| r.get(0),
    )
    .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| not_found("patient", patient_id))
}

pub(super) fn not_found(entity: &'static str, id: impl ToString) -> Error {
    Error::NotFound {
        entity,
        id: id.to_string(),
    }
}

const MEASUREMENT_SELECT: &str =
    "SELECT id, measured_on, weight_kg, height_cm, confirmed, global_id FROM measurement";

fn measurements(conn: &Connection, patient_id: PatientId) -> Result<Vec<Measurement>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{MEASUREMENT_SELECT} WHERE patient_id = ?1 ORDER BY measured_on, id"
    ))?;
    let rows = stmt.query_map([patient_id], measurement_from_row)?;
    readable(rows)
}

fn latest_measurement_id(
    conn: &Connection,
    patient_id: PatientId,
) -> Result<Option<MeasurementId>> {
    Ok(conn
        .prepare_cached("SELECT max(id) FROM measurement WHERE patient_id = ?1")?
        .query_row([patient_id], |r| r.get::<_, Option<i64>>(0))?
        .map(MeasurementId::from))
}

/// Refuses a write checked against the patient's measurements up to `checked_latest` when a
/// measurement was stored since (a conflict naming both ids).
fn require_latest_measurement(
    conn: &Connection,
    patient_id: PatientId,
    checked_latest: Option<MeasurementId>,
) -> Result<()> {
    let latest = latest_measurement_id(conn, patient_id)?;
    if latest == checked_latest {
        return Ok(());
    }
    Err(Error::conflict(
        crate::error::ConflictKind::StaleVersion {
            based_on_version: checked_latest.map_or(0, i64::from),
            latest_version: latest.map_or(0, i64::from),
        },
        "measurement",
    ))
}

fn measurement_from_row(r: &Row) -> rusqlite::Result<Result<Measurement>> {
    let (id, on, weight_kg, height_cm, confirmed): (i64, String, Option<f64>, Option<f64>, bool) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
    let global_id: GlobalId = r.get(5)?;
    Ok(stored_date(&on).map(|measured_on| Measurement {
        id: MeasurementId::from(id),
        global_id,
        measured_on,
        weight_kg,
        height_cm,
        confirmed,
    }))
}

/// A patient's measurements as [`Store::unreadable_rows`] scans them.
pub(super) fn measurement_rows() -> RowSource {
    RowSource {
        table: "measurement",
        sql: format!(
            "{} WHERE patient_id = ?1",
            with_row_id(MEASUREMENT_SELECT, "id")
        ),
        check: |r| measurement_from_row(r).map(|m| m.map(drop)),
    }
}

/// A patient's regimens as [`Store::unreadable_rows`] scans them.
pub(super) fn regimen_rows() -> RowSource {
    RowSource {
        table: "regimen",
        sql: format!(
            "{} WHERE patient_id = ?1",
            with_row_id(REGIMEN_SELECT, "id")
        ),
        check: |r| regimen_from_row(r).map(|m| m.map(drop)),
    }
}

/// Policy key of the largest weight change, a fraction (clinical-rules §10; default
/// [`crate::growth::plausibility::DEFAULT_WEIGHT_CHANGE`], 20 %).
pub const WEIGHT_CHANGE_KEY: &str = "plausibility.weight_change";
/// Policy key of the largest height fall in cm (default
/// [`crate::growth::plausibility::DEFAULT_HEIGHT_DECREASE_CM`], 2 cm).
pub const HEIGHT_DECREASE_KEY: &str = "plausibility.height_decrease_cm";
/// Policy key of the largest height rise in cm within the window (default
/// [`crate::growth::plausibility::DEFAULT_HEIGHT_INCREASE_CM`], 10 cm).
pub const HEIGHT_INCREASE_KEY: &str = "plausibility.height_increase_cm";
/// Policy key of the height-rise window in days (default
/// [`crate::growth::plausibility::DEFAULT_HEIGHT_INCREASE_DAYS`], 90 days).
pub const HEIGHT_INCREASE_DAYS_KEY: &str = "plausibility.height_increase_days";

/// The patient's plausibility limits, each from its key or its default. A stored value of the
/// wrong shape or outside what [`PlausibilityPolicy::validate`] accepts is refused naming the
/// key, never replaced by a guess.
fn plausibility_policy(conn: &Connection, patient_id: PatientId) -> Result<PlausibilityPolicy> {
    let defaults = PlausibilityPolicy::default();
    let policy = PlausibilityPolicy {
        weight_change: read_policy(conn, patient_id, WEIGHT_CHANGE_KEY)?
            .unwrap_or(defaults.weight_change),
        height_decrease_cm: read_policy(conn, patient_id, HEIGHT_DECREASE_KEY)?
            .unwrap_or(defaults.height_decrease_cm),
        height_increase_cm: read_policy(conn, patient_id, HEIGHT_INCREASE_KEY)?
            .unwrap_or(defaults.height_increase_cm),
        height_increase_days: read_policy(conn, patient_id, HEIGHT_INCREASE_DAYS_KEY)?
            .unwrap_or(defaults.height_increase_days),
    };
    policy.validate().map_err(|e| match e {
        Error::Invalid { field, reason } => {
            let key = match field.as_str() {
                "weight_change" => WEIGHT_CHANGE_KEY,
                "height_decrease_cm" => HEIGHT_DECREASE_KEY,
                "height_increase_cm" => HEIGHT_INCREASE_KEY,
                _ => HEIGHT_INCREASE_DAYS_KEY,
            };
            Error::invalid(format!("policy.{key}"), reason)
        }
        other => other,
    })?;
    Ok(policy)
}

const REGIMEN_SELECT: &str = "SELECT id, patient_id, drug, form, strengths_mg, allow_split, rate_basis, rate, height_cm, times,
    start_date, end_date, prescribed_by, prescribed_on, override_range, weight_kg, global_id FROM regimen";

pub(super) fn regimen(conn: &Connection, regimen_id: RegimenId) -> Result<Regimen> {
    conn.prepare_cached(&format!("{REGIMEN_SELECT} WHERE id = ?1"))?
        .query_row([regimen_id], regimen_from_row)
        .optional()?
        .ok_or_else(|| not_found("regimen", regimen_id))?
}

fn patient_from_row(r: &Row) -> rusqlite::Result<Result<Patient>> {
    let (id, display_name, birth, sex, time_zone, definition_set): (
        i64,
        String,
        String,
        String,
        String,
        String,
    ) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    );
    let global_id: GlobalId = r.get(6)?;
    Ok((|| {
        Ok(Patient {
            id: PatientId::from(id),
            global_id,
            profile: NewPatient {
                display_name,
                birth_date: stored_date(&birth)?,
                sex: Sex::parse("sex", &sex)?,
                time_zone,
                definition_set,
            },
        })
    })())
}

fn regimen_from_row(r: &Row) -> rusqlite::Result<Result<Regimen>> {
    let id: i64 = r.get(0)?;
    let patient_id: PatientId = r.get(1)?;
    let texts: [String; 4] = [r.get(2)?, r.get(3)?, r.get(4)?, r.get(6)?];
    let allow_split: bool = r.get(5)?;
    let rate: f64 = r.get(7)?;
    let height: Option<f64> = r.get(8)?;
    let times: String = r.get(9)?;
    let (start, end): (String, Option<String>) = (r.get(10)?, r.get(11)?);
    let (prescribed_by, prescribed_on): (String, String) = (r.get(12)?, r.get(13)?);
    let override_range: bool = r.get(14)?;
    let weight_kg: f64 = r.get(15)?;
    let global_id: GlobalId = r.get(16)?;
    Ok((|| {
        let [drug, form, strengths, basis] = texts;
        let rate = match (basis.as_str(), height) {
            ("mg_per_m2_per_day", Some(height_cm)) => DoseRate::MgPerM2PerDay { rate, height_cm },
            _ => DoseRate::MgPerKgPerDay(rate),
        };
        let prescription = NewRegimen {
            drug: Drug::parse("drug", &drug)?,
            form,
            strengths_mg: split_numbers(&strengths)?,
            allow_split,
            rate,
            times: split_times(&times)?,
            start_date: stored_date(&start)?,
            end_date: end.as_deref().map(stored_date).transpose()?,
            prescribed_by,
            prescribed_on: stored_date(&prescribed_on)?,
            override_range,
        };
        Regimen::from_stored(
            RegimenId::from(id),
            global_id,
            patient_id,
            prescription,
            weight_kg,
        )
    })())
}

fn rate_columns(rate: DoseRate) -> (&'static str, f64, Option<f64>) {
    match rate {
        DoseRate::MgPerKgPerDay(r) => ("mg_per_kg_per_day", r, None),
        DoseRate::MgPerM2PerDay { rate, height_cm } => ("mg_per_m2_per_day", rate, Some(height_cm)),
    }
}

/// A date read back from the database: `YYYY-MM-DD` within the bounds of clinical-rules §10.
/// A row whose date is not is unreadable (left out of lists and reported, never blocking one).
pub(super) fn stored_date(text: &str) -> Result<NaiveDate> {
    bounds::date("stored date", parse_date("stored date", text)?)
}

fn join_numbers(values: &[f64]) -> String {
    values
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn split_numbers(text: &str) -> Result<Vec<f64>> {
    text.split(',')
        .map(|s| {
            s.parse()
                .map_err(|_| Error::invalid("strengths_mg", "stored value is not a number"))
        })
        .collect()
}

/// Formats a wall-clock time as `HH:MM`.
pub fn format_time(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn join_times(times: &[NaiveTime]) -> String {
    times
        .iter()
        .map(|t| format_time(*t))
        .collect::<Vec<_>>()
        .join(",")
}

fn split_times(text: &str) -> Result<Vec<NaiveTime>> {
    text.split(',')
        .map(|t| parse_clock_time("times", t))
        .collect()
}

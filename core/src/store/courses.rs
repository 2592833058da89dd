//! Steroid courses: versioned plans whose calendars drive steroid doses and reminders
//! (clinical-rules §4 and §7).
//!
//! A course has a stable key (`p<patient>_c<n>`, the `course-<key>` medication id of its doses
//! and reminders) and numbered versions: every change stores a new version and the old ones stay
//! readable. Each version keeps the [`CoursePlan`] as it was built on the patient's weight and
//! height at the course start (clinical-rules §2: the latest on or before that day).
//!
//! The store keeps the versions and returns them as rows ([`CourseVersion`]); the calendar of a
//! course as the diary uses it is computed by [`crate::taper::course`] and composed with these
//! rows by [`crate::diary::taper`]. A course's plan is built and checked by the service
//! ([`crate::diary::courses`]) before the write, and a steroid dose's slot by
//! [`crate::diary::doses`]: the store's writes only store (and refuse a version that is no
//! longer the latest).

use super::{cached_execute, cached_query_row};
use crate::ids::PatientId;
use chrono::{NaiveDate, NaiveTime};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::patients::{format_time, not_found, stored_date};
use super::rows::{readable, with_row_id, RowSource};
use super::{now_ms, Store};
use crate::dates::{format_date, parse_clock_time};
use crate::drug::Drug;
use crate::error::{Error, Result};
use crate::ids::GlobalId;
use crate::medicine::liquid::Liquid;
use crate::protein::{DipstickGrade, UpcrUnit, UrineMeasurement, UrineReading};
use crate::taper::course::CourseVersion;
use crate::taper::{CoursePlan, CourseTemplate, Phase, StampStart, TabletSpec};

/// The most dosing times a course may have in a day.
pub const MAX_COURSE_TIMES: usize = 4;

/// A steroid course as the care team enters it: a new course, or a new version of one.
///
/// The phases come from exactly one source: `phases` (explicit), `template`
/// `kdigo2025_relapse` or `kdigo2025_initial` (its phases, clinical-rules §4), or template
/// `stamp_protocol` with the care team's `stamp` choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCourse {
    /// Prednisolone or prednisone.
    pub drug: Drug,
    /// The template the phases come from, if any.
    pub template: Option<CourseTemplate>,
    /// Explicit phases; empty when a template gives them.
    pub phases: Vec<Phase>,
    /// The care team's STAMP choices; only with template `stamp_protocol`.
    pub stamp: Option<StampStart>,
    /// First day of the course.
    pub start: NaiveDate,
    /// The tablets given (5 mg, halves allowed, by default); not used when `liquid` is given.
    pub tablets: TabletSpec,
    /// The oral solution the course is given as instead of tablets: its concentration (mg/mL)
    /// and the syringe's graduation (clinical-rules §12, "Liquids"; **policy**, default 0.1 mL).
    /// Every dosing day is then measured in mL; a day that cannot be measured refuses the
    /// course.
    #[serde(default)]
    pub liquid: Option<Liquid>,
    /// Local dosing times (usually one, 08:00); one to [`MAX_COURSE_TIMES`], no repeats.
    pub times: Vec<NaiveTime>,
    /// The day remission was confirmed, when the care team enters it; it overrides the date the
    /// relapse engine finds in the urine readings.
    pub remission_confirmed: Option<NaiveDate>,
    /// Who entered or changed the course (a clinician's name or role).
    pub changed_by: String,
    /// Why; required for a new version.
    pub reason: Option<String>,
    /// The app's id of this creation request (up to 100 characters), which makes
    /// [`Store::create_course`] idempotent: the same id with the same course returns the stored
    /// version 1 without writing; with a different course it is a conflict. Only a creation uses
    /// it ([`Store::revise_course`] ignores it: a resent revision is refused by its
    /// `based_on_version`).
    #[serde(default)]
    pub client_id: Option<String>,
}

impl Store {
    /// The version 1 of the course created with `client_id`, if any.
    pub(crate) fn course_by_client_id(&self, client_id: &str) -> Result<Option<CourseVersion>> {
        cached_query_row(
            self.reader(),
            &format!("{COURSE_SELECT} WHERE client_id = ?1"),
            [client_id],
            course_from_row,
        )
        .optional()?
        .transpose()
    }

    /// Stores a new course (version 1, a new key) with its plan (built and checked by the
    /// service). A `client_id` stored meanwhile is a conflict.
    pub(crate) fn insert_course(
        &mut self,
        patient_id: PatientId,
        new: &NewCourse,
        plan: CoursePlan,
    ) -> Result<CourseVersion> {
        self.write(|tx| {
            if let Some(client_id) = &new.client_id {
                let used: Option<i64> = cached_query_row(
                    tx,
                    "SELECT 1 FROM steroid_course WHERE client_id = ?1",
                    [client_id],
                    |r| r.get(0),
                )
                .optional()?;
                if used.is_some() {
                    return Err(Error::conflict(
                        crate::error::ConflictKind::ClientIdReused,
                        "steroid_course",
                    ));
                }
            }
            let course_key = next_course_key(tx, patient_id)?;
            insert_version(
                tx,
                patient_id,
                &course_key,
                1,
                new,
                Origin::Creation {
                    client_id: new.client_id.as_deref(),
                },
                plan,
            )
        })
    }

    /// Stores a new version of a course with its plan (built and checked by the service);
    /// `based_on_version` must still be the latest version, else a conflict.
    pub(crate) fn insert_course_revision(
        &mut self,
        course_key: &str,
        based_on_version: i64,
        new: &NewCourse,
        plan: CoursePlan,
    ) -> Result<CourseVersion> {
        self.write(|tx| {
            let latest = latest_version(tx, course_key)?;
            if latest.version != based_on_version {
                return Err(Error::conflict(
                    crate::error::ConflictKind::StaleVersion {
                        based_on_version,
                        latest_version: latest.version,
                    },
                    "steroid_course",
                ));
            }
            insert_version(
                tx,
                latest.patient_id,
                course_key,
                latest.version + 1,
                new,
                Origin::Revision {
                    of: latest.global_id,
                },
                plan,
            )
        })
    }

    /// A course's latest version, or the version asked for.
    pub fn course(&self, course_key: &str, version: Option<i64>) -> Result<CourseVersion> {
        match version {
            None => latest_version(self.reader(), course_key),
            Some(v) => self
                .reader()
                .query_row(
                    &format!("{COURSE_SELECT} WHERE course_key = ?1 AND version = ?2"),
                    params![course_key, v],
                    course_from_row,
                )
                .optional()?
                .ok_or_else(|| not_found("steroid course version", format!("{course_key} v{v}")))?,
        }
    }

    /// Every version of a course, oldest first.
    pub fn course_versions(&self, course_key: &str) -> Result<Vec<CourseVersion>> {
        let mut stmt = self.reader().prepare_cached(&format!(
            "{COURSE_SELECT} WHERE course_key = ?1 ORDER BY version"
        ))?;
        let versions: Vec<CourseVersion> =
            readable(stmt.query_map([course_key], course_from_row)?)?;
        if versions.is_empty() {
            return Err(not_found("steroid course", course_key));
        }
        Ok(versions)
    }

    /// The latest version of each of a patient's courses, in the order they were created.
    pub fn courses(&self, patient_id: PatientId) -> Result<Vec<CourseVersion>> {
        latest_versions(self.reader(), patient_id)
    }

    /// The patient's live (not retracted) urine readings dated on or after `from`, as the
    /// relapse engine reads them (the remission that ends a course's until-remission phase,
    /// [`crate::taper::course`]).
    pub fn relapse_readings_from(
        &self,
        patient_id: PatientId,
        from: NaiveDate,
    ) -> Result<Vec<UrineReading>> {
        readings_from(self.reader(), patient_id, from)
    }
}

/// The latest version number of a course (refusing an unknown course as not found).
pub(super) fn latest_version_number(conn: &Connection, course_key: &str) -> Result<i64> {
    Ok(latest_version(conn, course_key)?.version)
}

/// What a stored version is: the course's creation or a revision of it.
enum Origin<'a> {
    /// Version 1, with the creation's client id if one was given; the course gets its global id.
    Creation { client_id: Option<&'a str> },
    /// A later version, which keeps the course's global id.
    Revision { of: GlobalId },
}

/// Inserts one version (inside the caller's write transaction) with its plan, built and checked
/// by the service before the transaction.
fn insert_version(
    conn: &Connection,
    patient_id: PatientId,
    course_key: &str,
    version: i64,
    new: &NewCourse,
    origin: Origin,
    plan: CoursePlan,
) -> Result<CourseVersion> {
    let plan_json = serde_json::to_string(&plan)
        .map_err(|_| Error::invalid("phases", "the plan could not be stored"))?;
    let recorded_at_ms = now_ms();
    let (client_id, global_id) = match origin {
        Origin::Creation { client_id } => (client_id, GlobalId::new_at(recorded_at_ms)),
        Origin::Revision { of } => (None, of),
    };
    let reason = new
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    cached_execute(conn,
        "INSERT INTO steroid_course (patient_id, course_key, version, drug, template, plan_json, times,
            remission_confirmed, changed_by, reason, recorded_at_ms, client_id, global_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            patient_id,
            course_key,
            version,
            new.drug.id(),
            new.template.map(CourseTemplate::id),
            plan_json,
            join_times(&new.times),
            new.remission_confirmed.map(format_date),
            new.changed_by,
            reason,
            recorded_at_ms,
            client_id,
            global_id
        ],
    )?;
    let mut times = new.times.clone();
    times.sort();
    Ok(CourseVersion {
        global_id,
        patient_id,
        course_key: course_key.to_string(),
        version,
        drug: new.drug,
        template: new.template,
        plan,
        times,
        remission_confirmed: new.remission_confirmed,
        changed_by: new.changed_by.clone(),
        reason: reason.map(str::to_string),
        recorded_at_ms,
    })
}

/// `p<patient>_c<n>` with n one more than the patient's courses so far (the key stays a valid
/// `course-<key>` medication id: ASCII letters, digits and underscores).
fn next_course_key(conn: &Connection, patient_id: PatientId) -> Result<String> {
    let count: i64 = cached_query_row(
        conn,
        "SELECT count(DISTINCT course_key) FROM steroid_course WHERE patient_id = ?1",
        [patient_id],
        |r| r.get(0),
    )?;
    // A key is never reused: skip any that exists (there is none unless rows were removed).
    for n in count + 1..count + 1000 {
        let key = format!("p{patient_id}_c{n}");
        let taken: Option<i64> = cached_query_row(
            conn,
            "SELECT 1 FROM steroid_course WHERE course_key = ?1 LIMIT 1",
            [&key],
            |r| r.get(0),
        )
        .optional()?;
        if taken.is_none() {
            return Ok(key);
        }
    }
    Err(Error::conflict(
        crate::error::ConflictKind::NoFreeKey,
        "steroid_course",
    ))
}

const COURSE_SELECT: &str =
    "SELECT patient_id, course_key, version, drug, template, plan_json, times, remission_confirmed,
    changed_by, reason, recorded_at_ms, global_id FROM steroid_course";

fn latest_version(conn: &Connection, course_key: &str) -> Result<CourseVersion> {
    cached_query_row(
        conn,
        &format!("{COURSE_SELECT} WHERE course_key = ?1 ORDER BY version DESC LIMIT 1"),
        [course_key],
        course_from_row,
    )
    .optional()?
    .ok_or_else(|| not_found("steroid course", course_key))?
}

/// The latest version of each course of a patient, in the order the courses were created.
fn latest_versions(conn: &Connection, patient_id: PatientId) -> Result<Vec<CourseVersion>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{COURSE_SELECT} s WHERE patient_id = ?1
           AND version = (SELECT max(version) FROM steroid_course v WHERE v.course_key = s.course_key)
         ORDER BY (SELECT min(id) FROM steroid_course f WHERE f.course_key = s.course_key)"
    ))?;
    let rows = stmt.query_map([patient_id], course_from_row)?;
    readable(rows)
}

/// A patient's steroid course versions as [`Store::unreadable_rows`] scans them.
pub(super) fn course_rows() -> RowSource {
    RowSource {
        table: "steroid_course",
        sql: format!("{} WHERE patient_id = ?1", with_row_id(COURSE_SELECT, "id")),
        check: |r| course_from_row(r).map(|c| c.map(drop)),
    }
}

fn course_from_row(r: &Row) -> rusqlite::Result<Result<CourseVersion>> {
    let patient_id: PatientId = r.get(0)?;
    let course_key: String = r.get(1)?;
    let version: i64 = r.get(2)?;
    let drug: String = r.get(3)?;
    let template: Option<String> = r.get(4)?;
    let plan_json: String = r.get(5)?;
    let times: String = r.get(6)?;
    let remission: Option<String> = r.get(7)?;
    let changed_by: String = r.get(8)?;
    let reason: Option<String> = r.get(9)?;
    let recorded_at_ms: i64 = r.get(10)?;
    let global_id: GlobalId = r.get(11)?;
    Ok((|| {
        let plan: CoursePlan = serde_json::from_str(&plan_json)
            .map_err(|_| Error::invalid("plan_json", "the stored plan is not readable"))?;
        // A plan stored before the hard bounds of clinical-rules §10 could not build its calendar
        // any more: such a row is unreadable (reported and left out), not a blocked screen.
        crate::bounds::date("plan_json.start", plan.start)?;
        crate::bounds::weight_kg("plan_json.weight_kg", plan.weight_kg)?;
        if let Some(height) = plan.height_cm {
            crate::bounds::height_cm("plan_json.height_cm", height)?;
        }
        crate::bounds::strength_mg("plan_json.tablets.tablet_mg", plan.tablets.tablet_mg)?;
        if let Some(liquid) = &plan.liquid {
            liquid.validate("plan_json.liquid")?;
        }
        let mut times = times
            .split(',')
            .map(|t| parse_clock_time("times", t))
            .collect::<Result<Vec<_>>>()?;
        times.sort();
        Ok(CourseVersion {
            global_id,
            patient_id,
            course_key,
            version,
            drug: Drug::parse("drug", &drug)?,
            template: template
                .as_deref()
                .map(|t| CourseTemplate::parse("template", t))
                .transpose()?,
            plan,
            times,
            remission_confirmed: remission.as_deref().map(stored_date).transpose()?,
            changed_by,
            reason,
            recorded_at_ms,
        })
    })())
}

fn join_times(times: &[NaiveTime]) -> String {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted
        .iter()
        .map(|t| format_time(*t))
        .collect::<Vec<_>>()
        .join(",")
}

/// The patient's current (not retracted) urine readings dated on or after `from`.
fn readings_from(
    conn: &Connection,
    patient_id: PatientId,
    from: NaiveDate,
) -> Result<Vec<UrineReading>> {
    let mut stmt = conn.prepare_cached(
        "SELECT taken_on, dipstick, upcr, upcr_unit, first_morning FROM urine_reading
         WHERE patient_id = ?1 AND retracted = 0 AND taken_on >= ?2",
    )?;
    let rows = stmt.query_map(params![patient_id, format_date(from)], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<f64>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    readable(rows.map(|row| {
        row.map(|(taken_on, dipstick, upcr, unit, first_morning)| {
            reading_of(taken_on, dipstick, upcr, unit, first_morning)
        })
    }))
}

/// A stored reading's columns as the relapse engine's reading.
fn reading_of(
    taken_on: String,
    dipstick: Option<String>,
    upcr: Option<f64>,
    unit: Option<String>,
    first_morning: bool,
) -> Result<UrineReading> {
    {
        let measurement = UrineMeasurement::from_parts(
            "urine_reading",
            dipstick
                .as_deref()
                .map(|g| DipstickGrade::parse("dipstick", g))
                .transpose()?,
            upcr,
            unit.as_deref()
                .map(|u| UpcrUnit::parse("upcr_unit", u))
                .transpose()?,
        )?;
        Ok(UrineReading {
            date: stored_date(&taken_on)?,
            measurement,
            first_morning,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::taper::{course_calendar_through, course_calendars_through};
    use crate::model::{DoseOutcome, Measurement, MedicationId, NewDoseLog};
    use crate::store::tests::seeded;
    use crate::store::urine::NewUrineReading;
    use crate::taper::course::RemissionSource;
    use crate::taper::{DoseBasis, Frequency};
    use crate::taper::{PhaseLength, Tablets};

    use crate::test_support::{date, time};

    /// A KDIGO 2025 relapse course from `start`, at 08:00.
    fn relapse_course(start: &str) -> NewCourse {
        NewCourse {
            drug: Drug::Prednisolone,
            template: Some(CourseTemplate::Kdigo2025Relapse),
            phases: Vec::new(),
            stamp: None,
            start: date(start),
            tablets: TabletSpec::default(),
            liquid: None,
            times: vec![time("08:00")],
            remission_confirmed: None,
            changed_by: "Dr. Nephrologist".into(),
            reason: None,
            client_id: None,
        }
    }

    fn fixed(mg: f64, frequency: Frequency, days: u32) -> Phase {
        Phase {
            dose: Some(DoseBasis::Mg(mg)),
            max_mg: None,
            frequency,
            length: PhaseLength::Days(days),
        }
    }

    fn steroid_dose(client_id: &str, key: &str, day: &str, at: &str) -> NewDoseLog {
        NewDoseLog::new(
            client_id.into(),
            MedicationId::Course(key.into()),
            date(day),
            time(at),
            DoseOutcome::Taken,
            clock(day, at),
            "mother".into(),
        )
    }

    /// A minute after a slot in the patient's zone (Shanghai): when its dose is given and logged.
    fn clock(day: &str, at: &str) -> i64 {
        crate::schedule::slot_instant(date(day), time(at), chrono_tz::Tz::Asia__Shanghai)
            .timestamp_millis()
            + 60_000
    }

    /// Logs a first-morning dipstick reading at 07:00 Shanghai time on `day`.
    fn dipstick(store: &mut Store, patient_id: PatientId, day: &str, grade: DipstickGrade) {
        let taken_at =
            crate::schedule::slot_instant(date(day), time("07:00"), chrono_tz::Asia::Shanghai);
        store
            .log_urine_reading(&NewUrineReading {
                client_id: format!("urine-{day}"),
                patient_id,
                measurement: UrineMeasurement::Dipstick(grade),
                taken_at_ms: taken_at.timestamp_millis(),
                taken_on: None,
                first_morning: true,
                note: None,
                logged_by: "mother".into(),
                photo: None,
            })
            .unwrap();
    }

    #[test]
    fn a_steroid_dose_checked_against_a_course_version_revised_since_is_not_stored() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let course = store
            .create_course(patient.id, &relapse_course("2025-06-10"))
            .unwrap();
        let key = course.course_key.clone();
        // The service checked the slot against version 1; a revision is stored meanwhile.
        let mut revised = relapse_course("2025-06-10");
        revised.reason = Some("a new weight".into());
        store.revise_course(&key, 1, &revised).unwrap();
        let dose = steroid_dose("late-check", &key, "2025-06-10", "08:00");
        let err = store.insert_dose_log(&dose, None, Some(1)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Conflict {
                    kind: crate::error::ConflictKind::StaleVersion {
                        based_on_version: 1,
                        latest_version: 2
                    },
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(store.dose("late-check").is_err(), "nothing stored");
        // Checked against the latest version, it is stored.
        store.insert_dose_log(&dose, None, Some(2)).unwrap();
    }

    #[test]
    fn a_course_is_built_on_the_weight_and_height_at_its_start() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        // A later measurement does not count for a course that starts before it (a jump this
        // large is held until confirmed, clinical-rules §10).
        let later = Measurement {
            global_id: Default::default(),
            id: Default::default(),
            measured_on: date("2025-07-01"),
            weight_kg: Some(30.0),
            height_cm: Some(130.0),
            confirmed: true,
        };
        store.add_measurement(patient.id, &later).unwrap();
        let course = store
            .create_course(patient.id, &relapse_course("2025-06-10"))
            .unwrap();
        assert_eq!(course.course_key, format!("p{}_c1", patient.id));
        assert_eq!(course.version, 1);
        assert_eq!(
            (course.plan.weight_kg, course.plan.height_cm),
            (20.0, Some(115.0))
        );
        assert_eq!(
            course.plan.phases,
            CourseTemplate::Kdigo2025Relapse.phases().unwrap()
        );
        assert_eq!(store.course(&course.course_key, None).unwrap(), course);
        // The key is a valid medication id.
        let text = course.medication_id().to_string();
        assert_eq!(text, format!("course-{}", course.course_key));
        assert_eq!(
            MedicationId::parse("m", &text).unwrap(),
            course.medication_id()
        );
        let second = store
            .create_course(patient.id, &relapse_course("2025-07-10"))
            .unwrap();
        assert_eq!(second.course_key, format!("p{}_c2", patient.id));
        assert_eq!(second.plan.weight_kg, 30.0);
        let keys: Vec<String> = store
            .courses(patient.id)
            .unwrap()
            .into_iter()
            .map(|c| c.course_key)
            .collect();
        assert_eq!(keys, vec![course.course_key, second.course_key]);
    }

    #[test]
    fn a_revision_is_a_new_version_and_the_old_one_stays_readable() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let first = store
            .create_course(patient.id, &relapse_course("2025-06-10"))
            .unwrap();
        let key = first.course_key.clone();
        let unexplained = store
            .revise_course(&key, 1, &relapse_course("2025-06-11"))
            .unwrap_err();
        assert!(unexplained.to_string().contains("reason"), "{unexplained}");
        let change = NewCourse {
            template: None,
            phases: vec![fixed(20.0, Frequency::Daily, 3)],
            reason: Some("lower dose".into()),
            ..relapse_course("2025-06-10")
        };
        let second = store.revise_course(&key, 1, &change).unwrap();
        assert_eq!(
            (second.version, second.template, second.reason.as_deref()),
            (2, None, Some("lower dose"))
        );
        // Sent again (or from an outdated screen): a conflict, nothing stored.
        assert!(matches!(
            store.revise_course(&key, 1, &change),
            Err(Error::Conflict {
                kind: crate::error::ConflictKind::StaleVersion {
                    based_on_version: 1,
                    latest_version: 2
                },
                record: "steroid_course"
            })
        ));
        assert_eq!(
            store.course_versions(&key).unwrap(),
            vec![first.clone(), second.clone()]
        );
        assert_eq!(store.course(&key, Some(1)).unwrap(), first);
        assert_eq!(store.course(&key, None).unwrap(), second);
        assert_eq!(store.courses(patient.id).unwrap(), vec![second]);
        // The old version's calendar is still built from its own plan.
        let old = course_calendar_through(&store, &key, Some(1), date("2025-06-12")).unwrap();
        assert!(old.calendar.provisional);
        assert_eq!(old.calendar.days.len(), 3);
        let new = course_calendar_through(&store, &key, None, date("2025-06-12")).unwrap();
        assert_eq!(new.calendar.total_mg, 60.0);
        assert!(matches!(
            store.course(&key, Some(3)),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            store.course_versions("nope"),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn bad_courses_are_refused_with_their_field_and_store_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let cases: Vec<(NewCourse, &str)> = vec![
            (
                NewCourse {
                    drug: Drug::Tacrolimus,
                    ..relapse_course("2025-06-10")
                },
                "drug",
            ),
            (
                NewCourse {
                    times: vec![],
                    ..relapse_course("2025-06-10")
                },
                "times",
            ),
            (
                NewCourse {
                    times: vec![time("08:00"), time("08:00")],
                    ..relapse_course("2025-06-10")
                },
                "times",
            ),
            (
                NewCourse {
                    changed_by: " ".into(),
                    ..relapse_course("2025-06-10")
                },
                "changed_by",
            ),
            (
                NewCourse {
                    phases: vec![fixed(20.0, Frequency::Daily, 3)],
                    ..relapse_course("2025-06-10")
                },
                "template",
            ),
            (
                NewCourse {
                    template: None,
                    ..relapse_course("2025-06-10")
                },
                "phases",
            ),
            (
                NewCourse {
                    template: Some(CourseTemplate::StampProtocol),
                    ..relapse_course("2025-06-10")
                },
                "stamp",
            ),
            // No weight on or before the start.
            (relapse_course("2025-05-01"), "weight_kg"),
            // A start past year 9999 could not be stored as a readable date.
            (
                NewCourse {
                    start: NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
                    ..relapse_course("2025-06-10")
                },
                "start",
            ),
            (
                NewCourse {
                    remission_confirmed: Some(date("2025-06-09")),
                    ..relapse_course("2025-06-10")
                },
                "remission_confirmed",
            ),
            (
                NewCourse {
                    template: None,
                    phases: vec![Phase {
                        max_mg: Some(-1.0),
                        ..fixed(20.0, Frequency::Daily, 3)
                    }],
                    ..relapse_course("2025-06-10")
                },
                "phases[0].max_mg",
            ),
            (
                NewCourse {
                    template: None,
                    phases: vec![fixed(20.0, Frequency::Daily, 0)],
                    ..relapse_course("2025-06-10")
                },
                "phases[0].days",
            ),
        ];
        for (course, field) in cases {
            let err = store.create_course(patient.id, &course).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{err}");
            assert!(err.to_string().contains(field), "{err} should name {field}");
        }
        assert!(matches!(
            store.create_course(PatientId::from(999), &relapse_course("2025-06-10")),
            Err(Error::NotFound { .. })
        ));
        assert!(
            store.courses(patient.id).unwrap().is_empty(),
            "a refused course stores nothing"
        );
        // mg/m² needs a height on or before the start.
        let other = store
            .create_patient(&crate::store::tests::sample_patient())
            .unwrap();
        let m = Measurement {
            global_id: Default::default(),
            id: Default::default(),
            measured_on: date("2025-06-01"),
            weight_kg: Some(20.0),
            height_cm: None,
            confirmed: false,
        };
        store.add_measurement(other.id, &m).unwrap();
        let err = store
            .create_course(other.id, &relapse_course("2025-06-10"))
            .unwrap_err();
        assert!(err.to_string().contains("height_cm"), "{err}");
    }

    #[test]
    fn a_stamp_course_takes_the_care_teams_choices_on_the_start_weight() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let stamp = StampStart {
            mg_per_kg: 1.5,
            frequency: Frequency::AlternateDay,
            days: 4,
            step_mg: 10.0,
            every_days: 2,
        };
        let course = NewCourse {
            template: Some(CourseTemplate::StampProtocol),
            stamp: Some(stamp),
            ..relapse_course("2025-06-10")
        };
        let stored = store.create_course(patient.id, &course).unwrap();
        assert_eq!(stored.template, Some(CourseTemplate::StampProtocol));
        let calendar =
            course_calendar_through(&store, &stored.course_key, None, date("2025-06-10"))
                .unwrap()
                .calendar;
        // 1.5 × 20 = 30 mg on days 0 and 2, then 25, 15, 5 on alternate days.
        let mg: Vec<f64> = calendar.days.iter().map(|d| d.mg).collect();
        assert_eq!(
            mg,
            vec![30.0, 0.0, 30.0, 0.0, 25.0, 0.0, 15.0, 0.0, 5.0, 0.0]
        );
        let kdigo_with_stamp = NewCourse {
            stamp: Some(stamp),
            ..relapse_course("2025-06-10")
        };
        assert!(store
            .create_course(patient.id, &kdigo_with_stamp)
            .unwrap_err()
            .to_string()
            .contains("stamp"));
    }

    #[test]
    fn a_steroid_dose_is_valid_only_at_a_dosing_time_of_a_dosing_day() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let course = NewCourse {
            template: None,
            phases: vec![fixed(10.0, Frequency::AlternateDay, 4)],
            ..relapse_course("2025-06-10")
        };
        let key = store.create_course(patient.id, &course).unwrap().course_key;
        store
            .log_dose(
                &steroid_dose("s1", &key, "2025-06-10", "08:00"),
                clock("2025-06-10", "08:00"),
                None,
            )
            .unwrap();
        store
            .log_dose(
                &steroid_dose("s2", &key, "2025-06-12", "08:00"),
                clock("2025-06-12", "08:00"),
                None,
            )
            .unwrap();
        let off_day = store
            .log_dose(
                &steroid_dose("s3", &key, "2025-06-11", "08:00"),
                clock("2025-06-11", "08:00"),
                None,
            )
            .unwrap_err();
        assert!(off_day.to_string().contains("slot_date"), "{off_day}");
        let before = store
            .log_dose(
                &steroid_dose("s4", &key, "2025-06-08", "08:00"),
                clock("2025-06-08", "08:00"),
                None,
            )
            .unwrap_err();
        assert!(before.to_string().contains("slot_date"), "{before}");
        let after = store
            .log_dose(
                &steroid_dose("s5", &key, "2025-06-14", "08:00"),
                clock("2025-06-14", "08:00"),
                None,
            )
            .unwrap_err();
        assert!(after.to_string().contains("slot_date"), "{after}");
        let wrong_time = store
            .log_dose(
                &steroid_dose("s6", &key, "2025-06-12", "20:00"),
                clock("2025-06-12", "20:00"),
                None,
            )
            .unwrap_err();
        assert!(wrong_time.to_string().contains("slot_time"), "{wrong_time}");
        assert!(matches!(
            store.log_dose(
                &steroid_dose("s7", "p9_c9", "2025-06-12", "08:00"),
                clock("2025-06-12", "08:00"),
                None
            ),
            Err(Error::NotFound { .. })
        ));
        let logs = store
            .dose_logs(patient.id, date("2025-06-01"), date("2025-06-30"))
            .unwrap();
        assert_eq!(logs.len(), 2);
    }

    #[test]
    fn until_remission_continues_until_the_readings_confirm_remission() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let key = store
            .create_course(patient.id, &relapse_course("2025-06-10"))
            .unwrap()
            .course_key;
        // No remission yet: the daily dose continues through the date asked for.
        let open = course_calendar_through(&store, &key, None, date("2025-06-20")).unwrap();
        assert!(open.calendar.provisional);
        assert_eq!(
            (open.remission_confirmed, open.remission_source),
            (None, None)
        );
        assert_eq!(open.calendar.days.len(), 11);
        assert!(open.calendar.days.iter().all(|d| d.mg == 47.5));
        store
            .log_dose(
                &steroid_dose("s1", &key, "2025-06-16", "08:00"),
                clock("2025-06-16", "08:00"),
                None,
            )
            .unwrap();
        // Readings before the course do not count; three remission-level mornings do.
        dipstick(
            &mut store,
            patient.id,
            "2025-06-08",
            DipstickGrade::Negative,
        );
        dipstick(
            &mut store,
            patient.id,
            "2025-06-09",
            DipstickGrade::Negative,
        );
        dipstick(
            &mut store,
            patient.id,
            "2025-06-10",
            DipstickGrade::ThreePlus,
        );
        dipstick(&mut store, patient.id, "2025-06-15", DipstickGrade::Trace);
        dipstick(
            &mut store,
            patient.id,
            "2025-06-16",
            DipstickGrade::Negative,
        );
        dipstick(
            &mut store,
            patient.id,
            "2025-06-17",
            DipstickGrade::Negative,
        );
        let closed = course_calendar_through(&store, &key, None, date("2025-06-20")).unwrap();
        assert!(!closed.calendar.provisional);
        assert_eq!(closed.remission_confirmed, Some(date("2025-06-17")));
        assert_eq!(
            closed.remission_source,
            Some(RemissionSource::UrineReadings)
        );
        // Daily 47.5 mg 06-10..06-17 (8 days), then 32.5 mg on 14 alternate days from 06-18.
        assert_eq!(closed.calendar.days.len(), 8 + 28);
        assert_eq!(closed.calendar.total_mg, 8.0 * 47.5 + 14.0 * 32.5);
        assert_eq!(closed.calendar.last_dosing_day, Some(date("2025-07-14")));
        // The recomputed calendar decides which steroid doses may be logged.
        store
            .log_dose(
                &steroid_dose("s2", &key, "2025-06-18", "08:00"),
                clock("2025-06-18", "08:00"),
                None,
            )
            .unwrap();
        let off_day = store
            .log_dose(
                &steroid_dose("s3", &key, "2025-06-19", "08:00"),
                clock("2025-06-19", "08:00"),
                None,
            )
            .unwrap_err();
        assert!(off_day.to_string().contains("slot_date"), "{off_day}");
        // The care team's date wins over the readings.
        let entered = NewCourse {
            remission_confirmed: Some(date("2025-06-14")),
            reason: Some("remission confirmed at clinic".into()),
            ..relapse_course("2025-06-10")
        };
        store.revise_course(&key, 1, &entered).unwrap();
        let by_team = course_calendar_through(&store, &key, None, date("2025-06-20")).unwrap();
        assert_eq!(by_team.remission_confirmed, Some(date("2025-06-14")));
        assert_eq!(by_team.remission_source, Some(RemissionSource::CareTeam));
        assert_eq!(by_team.calendar.days[5].mg, 32.5);
    }

    #[test]
    fn a_new_course_stops_the_one_before_it() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let first = NewCourse {
            template: None,
            phases: vec![fixed(10.0, Frequency::Daily, 10)],
            ..relapse_course("2025-06-10")
        };
        let first_key = store.create_course(patient.id, &first).unwrap().course_key;
        let second = NewCourse {
            template: None,
            phases: vec![fixed(20.0, Frequency::Daily, 5)],
            ..relapse_course("2025-06-15")
        };
        let second_key = store.create_course(patient.id, &second).unwrap().course_key;
        let stopped =
            course_calendar_through(&store, &first_key, None, date("2025-06-10")).unwrap();
        assert_eq!(stopped.stopped_from, Some(date("2025-06-15")));
        assert_eq!(
            (stopped.calendar.days.len(), stopped.calendar.total_mg),
            (5, 50.0)
        );
        assert_eq!(stopped.calendar.last_dosing_day, Some(date("2025-06-14")));
        let dose = store
            .log_dose(
                &steroid_dose("s1", &first_key, "2025-06-15", "08:00"),
                clock("2025-06-15", "08:00"),
                None,
            )
            .unwrap_err();
        assert!(dose.to_string().contains("slot_date"), "{dose}");
        store
            .log_dose(
                &steroid_dose("s2", &second_key, "2025-06-15", "08:00"),
                clock("2025-06-15", "08:00"),
                None,
            )
            .unwrap();
        let calendars = course_calendars_through(&store, patient.id, date("2025-06-10")).unwrap();
        assert_eq!(calendars.len(), 2);
        assert_eq!(calendars[1].stopped_from, None);
        // The same start: the course created later replaces the earlier one entirely.
        let twin = store.create_course(patient.id, &second).unwrap().course_key;
        let replaced =
            course_calendar_through(&store, &second_key, None, date("2025-06-10")).unwrap();
        assert_eq!(
            (replaced.calendar.days.len(), replaced.calendar.dosing_days),
            (0, 0)
        );
        assert_eq!(
            course_calendar_through(&store, &twin, None, date("2025-06-10"))
                .unwrap()
                .calendar
                .total_mg,
            100.0
        );
    }

    #[test]
    fn a_days_tablets_are_split_across_the_dosing_times() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let course = NewCourse {
            template: None,
            phases: vec![
                fixed(12.5, Frequency::Daily, 1),
                fixed(2.5, Frequency::Daily, 1),
            ],
            times: vec![time("20:00"), time("08:00")],
            ..relapse_course("2025-06-10")
        };
        let key = store.create_course(patient.id, &course).unwrap().course_key;
        let calendar = course_calendar_through(&store, &key, None, date("2025-06-10")).unwrap();
        assert_eq!(calendar.course.times, vec![time("08:00"), time("20:00")]);
        let slots: Vec<(NaiveDate, NaiveTime, f64, Tablets)> = calendar
            .slots()
            .into_iter()
            .map(|s| (s.date, s.time, s.mg, s.tablets))
            .collect();
        assert_eq!(
            slots,
            vec![
                (
                    date("2025-06-10"),
                    time("08:00"),
                    7.5,
                    Tablets {
                        whole: 1,
                        halves: 1
                    }
                ),
                (
                    date("2025-06-10"),
                    time("20:00"),
                    5.0,
                    Tablets {
                        whole: 1,
                        halves: 0
                    }
                ),
                // 2.5 mg is one half tablet: given at the first time only.
                (
                    date("2025-06-11"),
                    time("08:00"),
                    2.5,
                    Tablets {
                        whole: 0,
                        halves: 1
                    }
                ),
            ]
        );
        let evening = store
            .log_dose(
                &steroid_dose("s1", &key, "2025-06-11", "20:00"),
                clock("2025-06-11", "20:00"),
                None,
            )
            .unwrap_err();
        assert!(evening.to_string().contains("slot_date"), "{evening}");
    }

    #[test]
    fn a_course_creation_retry_stores_once_and_a_different_course_under_the_same_id_conflicts() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let rows = |store: &Store| -> i64 {
            store
                .reader()
                .query_row("SELECT count(*) FROM steroid_course", [], |r| r.get(0))
                .unwrap()
        };
        let with_id = |start: &str, id: &str| NewCourse {
            client_id: Some(id.into()),
            ..relapse_course(start)
        };
        let first = store
            .create_course(patient.id, &with_id("2025-06-10", "course-1"))
            .unwrap();
        // A double tap or a retry after a lost response: the stored course, nothing written,
        // even after a later weight (the course stays built on its start weight).
        let later = Measurement {
            global_id: Default::default(),
            id: Default::default(),
            measured_on: date("2025-06-01"),
            weight_kg: Some(22.0),
            height_cm: None,
            confirmed: false,
        };
        store.add_measurement(patient.id, &later).unwrap();
        assert_eq!(
            store
                .create_course(patient.id, &with_id("2025-06-10", "course-1"))
                .unwrap(),
            first
        );
        assert_eq!(rows(&store), 1);
        // A revision keeps the id on version 1 only; a retry of the creation still returns version 1.
        let change = NewCourse {
            reason: Some("lower dose".into()),
            ..with_id("2025-06-10", "course-1")
        };
        let second = store.revise_course(&first.course_key, 1, &change).unwrap();
        assert_eq!(second.version, 2);
        assert_eq!(
            store
                .create_course(patient.id, &with_id("2025-06-10", "course-1"))
                .unwrap(),
            first
        );
        assert_eq!(rows(&store), 2);
        // The same id for a different course, or for another patient, is a conflict that does
        // not repeat what was entered.
        let other = store
            .create_patient(&crate::store::tests::sample_patient())
            .unwrap();
        store.add_measurement(other.id, &later).unwrap();
        let changed: Vec<(PatientId, NewCourse)> = vec![
            (patient.id, with_id("2025-06-11", "course-1")),
            (
                patient.id,
                NewCourse {
                    drug: Drug::Prednisone,
                    ..with_id("2025-06-10", "course-1")
                },
            ),
            (
                patient.id,
                NewCourse {
                    times: vec![time("07:00")],
                    ..with_id("2025-06-10", "course-1")
                },
            ),
            (
                patient.id,
                NewCourse {
                    reason: Some("relapse".into()),
                    ..with_id("2025-06-10", "course-1")
                },
            ),
            (
                patient.id,
                NewCourse {
                    template: None,
                    phases: vec![fixed(20.0, Frequency::Daily, 3)],
                    ..with_id("2025-06-10", "course-1")
                },
            ),
            (other.id, with_id("2025-06-10", "course-1")),
        ];
        for (patient_id, course) in changed {
            let err = store.create_course(patient_id, &course).unwrap_err();
            assert!(matches!(err, Error::Conflict { .. }), "{err}");
            assert!(
                !err.to_string().contains("course-1") && !err.to_string().contains("Dr."),
                "{err}"
            );
        }
        assert_eq!(rows(&store), 2);
        // Without an id every call creates a course (as before).
        store
            .create_course(patient.id, &relapse_course("2025-07-10"))
            .unwrap();
        store
            .create_course(patient.id, &relapse_course("2025-07-10"))
            .unwrap();
        assert_eq!(rows(&store), 4);
        // Refused input changes nothing and leaves the id free.
        for bad in ["", " ", &"x".repeat(101)] {
            let err = store
                .create_course(patient.id, &with_id("2025-06-10", bad))
                .unwrap_err();
            assert!(err.to_string().contains("client_id"), "{err}");
        }
        let refused = NewCourse {
            drug: Drug::Tacrolimus,
            ..with_id("2025-06-10", "course-2")
        };
        assert!(store
            .create_course(patient.id, &refused)
            .unwrap_err()
            .to_string()
            .contains("drug"));
        let no_weight = store
            .create_course(patient.id, &with_id("2025-05-01", "course-2"))
            .unwrap_err();
        assert!(no_weight.to_string().contains("weight_kg"), "{no_weight}");
        assert_eq!(rows(&store), 4);
        let created = store
            .create_course(patient.id, &with_id("2025-08-10", "course-2"))
            .unwrap();
        assert_eq!(created.version, 1);
        assert_eq!(rows(&store), 5);
        // Compared as stored: the times in another order, or the reason padded, are the same course.
        let twice_daily = NewCourse {
            times: vec![time("20:00"), time("08:00")],
            reason: Some("relapse".into()),
            ..with_id("2025-09-10", "course-3")
        };
        let created = store.create_course(patient.id, &twice_daily).unwrap();
        let reordered = NewCourse {
            times: vec![time("08:00"), time("20:00")],
            reason: Some(" relapse ".into()),
            ..twice_daily
        };
        assert_eq!(
            store.create_course(patient.id, &reordered).unwrap(),
            created
        );
        assert_eq!(rows(&store), 6);
    }

    /// A liquid of `concentration` mg/mL measured with `step` mL marks.
    fn solution(concentration: f64, step: f64) -> Liquid {
        Liquid {
            concentration_mg_per_ml: concentration,
            syringe_step_ml: step,
        }
    }

    #[test]
    fn a_course_given_as_a_liquid_is_measured_in_millilitres_on_its_dosing_days() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diary.db");
        let mut store = Store::open(&path).unwrap();
        let (patient, _) = seeded(&mut store);
        // 12 mg daily for 2 days, then 8 mg on alternate days for 3 days, of 5 mg/mL, at 08:00
        // and 20:00 (clinical-rules §12: "2.4 mL (12 mg)"; days off are not measured).
        let course = NewCourse {
            template: None,
            phases: vec![
                fixed(12.0, Frequency::Daily, 2),
                fixed(8.0, Frequency::AlternateDay, 3),
            ],
            liquid: Some(Liquid::new(5.0)),
            times: vec![time("08:00"), time("20:00")],
            ..relapse_course("2025-06-10")
        };
        let created = store.create_course(patient.id, &course).unwrap();
        assert_eq!(created.plan.liquid, Some(Liquid::new(5.0)));
        let calendar =
            course_calendar_through(&store, &created.course_key, None, date("2025-06-10")).unwrap();
        let days: Vec<(f64, Option<f64>)> = calendar
            .calendar
            .days
            .iter()
            .map(|d| (d.mg, d.ml))
            .collect();
        assert_eq!(
            days,
            vec![
                (12.0, Some(2.4)),
                (12.0, Some(2.4)),
                (8.0, Some(1.6)),
                (0.0, Some(0.0)),
                (8.0, Some(1.6)),
            ]
        );
        assert_eq!(calendar.calendar.total_mg, 40.0);
        // The day's 24 marks split 12 and 12; 1.6 mL is 16 marks, 8 and 8.
        let slots: Vec<(NaiveTime, String)> = calendar
            .slots_on(date("2025-06-10"))
            .into_iter()
            .chain(calendar.slots_on(date("2025-06-12")))
            .map(|s| (s.time, s.dose().text()))
            .collect();
        assert_eq!(
            slots,
            vec![
                (time("08:00"), "1.2 mL (6 mg)".to_string()),
                (time("20:00"), "1.2 mL (6 mg)".to_string()),
                (time("08:00"), "0.8 mL (4 mg)".to_string()),
                (time("20:00"), "0.8 mL (4 mg)".to_string()),
            ]
        );
        assert!(calendar.slots_on(date("2025-06-13")).is_empty());
        // A retry of the same creation compares the liquid too.
        let with_id = NewCourse {
            client_id: Some("liquid-1".into()),
            ..course.clone()
        };
        let first = store.create_course(patient.id, &with_id).unwrap();
        let other_strength = NewCourse {
            liquid: Some(Liquid::new(10.0)),
            ..with_id.clone()
        };
        assert!(matches!(
            store.create_course(patient.id, &other_strength),
            Err(Error::Conflict { .. })
        ));
        assert_eq!(store.create_course(patient.id, &with_id).unwrap(), first);
        // The liquid is kept in the file.
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.course(&created.course_key, None).unwrap(), created);
    }

    #[test]
    fn a_liquid_course_with_a_day_that_cannot_be_measured_is_refused_and_stores_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let rows = |store: &Store| -> i64 {
            store
                .reader()
                .query_row("SELECT count(*) FROM steroid_course", [], |r| r.get(0))
                .unwrap()
        };
        // 20 kg, 115 cm: the relapse template gives 47.96 mg daily and 31.97 mg on alternate
        // days. 2.4 mg/mL with 10 mL marks is 24 mg a mark: 48 mg is two marks, but 31.97 mg
        // rounds to one mark, 24 mg, 25 % below: the alternate-day phase is not measurable,
        // even though it starts only once remission is confirmed.
        let coarse = NewCourse {
            liquid: Some(solution(2.4, 10.0)),
            ..relapse_course("2025-06-10")
        };
        let err = store.create_course(patient.id, &coarse).unwrap_err();
        assert_eq!(err.code(), "not_measurable");
        assert!(err.to_string().contains("phases[1]"), "{err}");
        // Below one mark: 1 mg of 20 mg/mL is 0.05 mL.
        let tiny = NewCourse {
            template: None,
            phases: vec![fixed(1.0, Frequency::Daily, 3)],
            liquid: Some(Liquid::new(20.0)),
            ..relapse_course("2025-06-10")
        };
        let err = store.create_course(patient.id, &tiny).unwrap_err();
        assert_eq!(err.code(), "not_measurable");
        assert!(err.to_string().contains("phases[0]"), "{err}");
        // A bad concentration or graduation names its field.
        for (liquid, field) in [
            (Liquid::new(0.0), "liquid.concentration_mg_per_ml"),
            (Liquid::new(f64::NAN), "liquid.concentration_mg_per_ml"),
            (Liquid::new(1e9), "liquid.concentration_mg_per_ml"),
            (solution(5.0, 0.0), "liquid.syringe_step_ml"),
        ] {
            let bad = NewCourse {
                liquid: Some(liquid),
                ..relapse_course("2025-06-10")
            };
            match store.create_course(patient.id, &bad) {
                Err(Error::Invalid { field: named, .. }) => assert_eq!(named, field),
                other => panic!("expected invalid input, got {other:?}"),
            }
        }
        assert_eq!(rows(&store), 0);
        // 5 mg/mL measures both phases (9.6 mL = 48 mg, 6.4 mL = 32 mg).
        let fine = NewCourse {
            liquid: Some(Liquid::new(5.0)),
            ..relapse_course("2025-06-10")
        };
        let key = store.create_course(patient.id, &fine).unwrap().course_key;
        let open = course_calendar_through(&store, &key, None, date("2025-06-11")).unwrap();
        assert!(open.calendar.provisional);
        assert_eq!(
            (open.calendar.days[0].mg, open.calendar.days[0].ml),
            (48.0, Some(9.6))
        );
        // A revision to a strength that cannot be measured is refused too.
        let revised = NewCourse {
            reason: Some("new bottle".into()),
            ..coarse
        };
        assert_eq!(
            store.revise_course(&key, 1, &revised).unwrap_err().code(),
            "not_measurable"
        );
        assert_eq!(rows(&store), 1);
    }

    #[test]
    fn courses_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diary.db");
        let created = {
            let mut store = Store::open(&path).unwrap();
            let (patient, _) = seeded(&mut store);
            store
                .create_course(patient.id, &relapse_course("2025-06-10"))
                .unwrap()
        };
        let store = Store::open(&path).unwrap();
        assert_eq!(store.course(&created.course_key, None).unwrap(), created);
    }
}

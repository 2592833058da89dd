//! Global ids of records (schema version 9): made when a record is first stored, kept through
//! its revisions, given to the records of earlier diaries by the upgrade at their own recorded
//! time, and never the same in two diaries.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::tests::{fixture_medicine, fixtures, sample_patient, seeded};
use super::urine::{NewUrineReading, UrineReadingCorrection};
use super::*;
use crate::drug::Drug;
use crate::ids::GlobalId;
use crate::labs::{BloodPressure, LabKind, LabResult, LabUnit};
use crate::model::*;
use crate::protein::{DipstickGrade, UrineMeasurement};
use crate::taper::{CourseTemplate, TabletSpec};
use crate::test_support::{date, time};

/// The tables that hold records with a global id, with the time each row's id carries.
const RECORD_TABLES: &[(&str, &str)] = &[
    ("patient", "created_at_ms"),
    ("measurement", "recorded_at_ms"),
    ("regimen", "created_at_ms"),
    (
        "dose_log",
        "(SELECT min(recorded_at_ms) FROM dose_log_revision r WHERE r.dose_log_id = t.id)",
    ),
    (
        "urine_reading",
        "(SELECT min(recorded_at_ms) FROM urine_reading_revision r WHERE r.reading_id = t.id)",
    ),
    (
        "lab_result",
        "(SELECT min(recorded_at_ms) FROM lab_result_revision r WHERE r.lab_result_id = t.id)",
    ),
    ("blood_pressure", "recorded_at_ms"),
    (
        "steroid_course",
        "(SELECT min(recorded_at_ms) FROM steroid_course c WHERE c.course_key = t.course_key)",
    ),
    ("medicine", "recorded_at_ms"),
];

/// Every stored row's global id with the time it should carry, by table.
fn stored_ids(store: &Store) -> Vec<(&'static str, Option<GlobalId>, i64)> {
    let mut out = Vec::new();
    for (table, first_stored_at) in RECORD_TABLES {
        let mut stmt = store
            .conn
            .prepare(&format!(
                "SELECT global_id, {first_stored_at} FROM {table} t ORDER BY id"
            ))
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((*table, r.get(0)?, r.get(1)?)))
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

/// The distinct records' global ids of a store (a course's versions share one).
pub(crate) fn every_global_id(store: &Store) -> BTreeSet<GlobalId> {
    stored_ids(store)
        .into_iter()
        .map(|(table, id, _)| id.unwrap_or_else(|| panic!("a row of {table} has no global id")))
        .collect()
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A diary with a record of every kind, each revised where it can be.
fn full_diary(store: &mut Store) -> Patient {
    let (patient, regimen) = seeded(store);
    let logged_at = 1_748_867_400_000; // 2025-06-02T12:30:00Z, after the 08:00 slot in Shanghai.
    let dose = NewDoseLog::new(
        "dose-1".into(),
        MedicationId::Regimen(regimen.id),
        date("2025-06-02"),
        time("08:00"),
        DoseOutcome::Taken,
        crate::schedule::slot_instant(
            date("2025-06-02"),
            time("08:00"),
            chrono_tz::Tz::Asia__Shanghai,
        )
        .timestamp_millis()
            + 60_000,
        "mother".into(),
    );
    store.log_dose(&dose, logged_at, None).unwrap();
    store.undo_dose("dose-1", "mother").unwrap();
    store
        .log_urine_reading(&NewUrineReading {
            client_id: "urine-1".into(),
            patient_id: patient.id,
            measurement: UrineMeasurement::Dipstick(DipstickGrade::TwoPlus),
            taken_at_ms: at("2025-06-02T00:00:00Z").timestamp_millis(),
            taken_on: None,
            first_morning: true,
            note: None,
            logged_by: "mother".into(),
            photo: None,
        })
        .unwrap();
    store
        .log_lab_result(&NewLabResult {
            client_id: "lab-1".into(),
            patient_id: patient.id,
            result: LabResult {
                kind: LabKind::TacrolimusTrough,
                value: 6.0,
                unit: LabUnit::NanogramsPerMillilitre,
                drawn_at: at("2025-06-03T00:00:00Z"),
                upper_limit_of_normal: None,
            },
            logged_by: "mother".into(),
        })
        .unwrap();
    store
        .add_blood_pressure(
            patient.id,
            &BloodPressure {
                measured_at: at("2025-06-03T01:00:00Z"),
                systolic_mmhg: 100.0,
                diastolic_mmhg: 60.0,
            },
            None,
        )
        .unwrap();
    let course = store.create_course(patient.id, &relapse_course()).unwrap();
    store
        .revise_course(
            &course.course_key,
            1,
            &NewCourse {
                reason: Some("later start".into()),
                start: date("2025-06-12"),
                ..relapse_course()
            },
        )
        .unwrap();
    store.add_medicine(&fixture_medicine(patient.id)).unwrap();
    patient
}

fn relapse_course() -> NewCourse {
    NewCourse {
        drug: Drug::Prednisolone,
        template: Some(CourseTemplate::Kdigo2025Relapse),
        phases: Vec::new(),
        stamp: None,
        start: date("2025-06-10"),
        tablets: TabletSpec::default(),
        liquid: None,
        times: vec![time("08:00")],
        remission_confirmed: None,
        changed_by: "Dr. Nephrologist".into(),
        reason: None,
        client_id: None,
    }
}

#[test]
fn every_record_gets_a_v7_id_at_its_storing_that_its_reads_return() {
    let mut store = Store::open_in_memory().unwrap();
    let patient = full_diary(&mut store);
    let stored = stored_ids(&store);
    assert_eq!(
        stored
            .iter()
            .map(|(t, _, _)| *t)
            .collect::<BTreeSet<_>>()
            .len(),
        RECORD_TABLES.len(),
        "the diary holds a row of every table: {stored:?}"
    );
    for (table, id, first_stored_at) in &stored {
        let id = id.unwrap_or_else(|| panic!("{table}"));
        assert_eq!(id.recorded_at_ms(), Some(*first_stored_at), "{table}");
        assert_eq!(id.to_string().as_bytes()[14], b'7', "{table}: version 7");
    }
    // Every read gives the stored id.
    let ids = every_global_id(&store);
    let read: BTreeSet<GlobalId> = [store.patient(patient.id).unwrap().global_id]
        .into_iter()
        .chain(
            store
                .measurements(patient.id)
                .unwrap()
                .iter()
                .map(|m| m.global_id),
        )
        .chain(
            store
                .regimens(patient.id)
                .unwrap()
                .iter()
                .map(|r| r.global_id),
        )
        .chain([store.dose("dose-1").unwrap().global_id])
        .chain([store.urine_reading("urine-1").unwrap().global_id])
        .chain([store.lab_result("lab-1").unwrap().global_id])
        .chain(
            store
                .blood_pressures(patient.id)
                .unwrap()
                .iter()
                .map(|b| b.global_id),
        )
        .chain(
            store
                .courses(patient.id)
                .unwrap()
                .iter()
                .map(|c| c.global_id),
        )
        .chain(
            store
                .medicines(patient.id)
                .unwrap()
                .iter()
                .map(|m| m.global_id),
        )
        .collect();
    assert_eq!(read, ids);
    assert!(!ids.iter().any(GlobalId::is_nil));
}

#[test]
fn a_record_keeps_its_global_id_through_every_revision() {
    let mut store = Store::open_in_memory().unwrap();
    let (patient, regimen) = seeded(&mut store);
    let dose = NewDoseLog::new(
        "dose-1".into(),
        MedicationId::Regimen(regimen.id),
        date("2025-06-02"),
        time("08:00"),
        DoseOutcome::Taken,
        1_748_822_460_000,
        "mother".into(),
    );
    let logged = store.log_dose(&dose, 1_748_867_400_000, None).unwrap();
    let edited = store
        .edit_dose(
            "dose-1",
            &DoseEdit::new(DoseOutcome::Skipped, 1_748_822_460_000, "father"),
            1_748_867_400_000,
            None,
        )
        .unwrap();
    let undone = store.undo_dose("dose-1", "mother").unwrap();
    assert_eq!((edited.revision, undone.revision), (2, 3));
    assert_eq!(edited.global_id, logged.global_id);
    assert_eq!(undone.global_id, logged.global_id);
    assert_eq!(store.dose("dose-1").unwrap().global_id, logged.global_id);
    // The dose logged again for the same slot is another record.
    let again = NewDoseLog {
        client_id: "dose-2".into(),
        ..dose
    };
    let relogged = store.log_dose(&again, 1_748_867_400_000, None).unwrap();
    assert_ne!(relogged.global_id, logged.global_id);

    let reading = store
        .log_urine_reading(&NewUrineReading {
            client_id: "urine-1".into(),
            patient_id: patient.id,
            measurement: UrineMeasurement::Dipstick(DipstickGrade::TwoPlus),
            taken_at_ms: at("2025-06-02T00:00:00Z").timestamp_millis(),
            taken_on: None,
            first_morning: true,
            note: None,
            logged_by: "mother".into(),
            photo: None,
        })
        .unwrap();
    let corrected = store
        .correct_urine_reading(
            "urine-1",
            &UrineReadingCorrection {
                measurement: UrineMeasurement::Dipstick(DipstickGrade::ThreePlus),
                taken_at_ms: reading.taken_at_ms,
                taken_on: None,
                first_morning: true,
                note: None,
                corrected_by: "mother".into(),
            },
        )
        .unwrap();
    let retracted = store.retract_urine_reading("urine-1", "mother").unwrap();
    assert_eq!(corrected.revision, 2);
    assert_eq!(corrected.global_id, reading.global_id);
    assert_eq!(retracted.global_id, reading.global_id);

    let lab = store
        .log_lab_result(&NewLabResult {
            client_id: "lab-1".into(),
            patient_id: patient.id,
            result: LabResult {
                kind: LabKind::TacrolimusTrough,
                value: 6.0,
                unit: LabUnit::NanogramsPerMillilitre,
                drawn_at: at("2025-06-03T00:00:00Z"),
                upper_limit_of_normal: None,
            },
            logged_by: "mother".into(),
        })
        .unwrap();
    let corrected = store
        .correct_lab_result(
            "lab-1",
            &LabCorrection {
                value: 6.5,
                unit: LabUnit::NanogramsPerMillilitre,
                drawn_at: at("2025-06-03T00:00:00Z"),
                upper_limit_of_normal: None,
                corrected_by: "mother".into(),
            },
        )
        .unwrap();
    assert_eq!(corrected.revision, 2);
    assert_eq!(corrected.global_id, lab.global_id);
    assert_eq!(store.lab_result("lab-1").unwrap().global_id, lab.global_id);

    // A course's versions share the course's id; another course has its own.
    let course = store.create_course(patient.id, &relapse_course()).unwrap();
    let revised = store
        .revise_course(
            &course.course_key,
            1,
            &NewCourse {
                reason: Some("later start".into()),
                start: date("2025-06-12"),
                ..relapse_course()
            },
        )
        .unwrap();
    assert_eq!(revised.version, 2);
    assert_eq!(revised.global_id, course.global_id);
    let versions = store.course_versions(&course.course_key).unwrap();
    assert!(versions.iter().all(|v| v.global_id == course.global_id));
    let other = store.create_course(patient.id, &relapse_course()).unwrap();
    assert_ne!(other.global_id, course.global_id);

    // A patient's profile change keeps the patient's id.
    let renamed = store
        .update_patient(
            patient.id,
            &NewPatient {
                display_name: "Renamed".into(),
                ..sample_patient()
            },
        )
        .unwrap();
    assert_eq!(renamed.global_id, patient.global_id);
}

#[test]
fn two_diaries_written_apart_never_share_a_global_id() {
    // The same records written at the same moments in two diaries (two phones of one family).
    let mut first = Store::open_in_memory().unwrap();
    let mut second = Store::open_in_memory().unwrap();
    full_diary(&mut first);
    full_diary(&mut second);
    let a = every_global_id(&first);
    let b = every_global_id(&second);
    assert_eq!(a.len(), b.len());
    assert_eq!(a.len(), RECORD_TABLES.len());
    assert!(a.is_disjoint(&b), "{a:?} {b:?}");
    // Nor within one diary: one id per record (the course's two versions share one).
    let rows = stored_ids(&first).len();
    assert_eq!(a.len(), rows - 1);
}

/// Takes version 9's ids (and what later versions added) out of a diary and marks it version 8, as a diary of the release
/// before it: its next open upgrades it.
fn as_version_8(store: &Store) {
    // Version 11's note of each dose revision.
    let mut sql = String::from("ALTER TABLE dose_log_revision DROP COLUMN note;");
    // Version 10's change log: its triggers and tables, and the live-slot indexes unique again.
    let shared: Vec<(String, String)> = store
        .conn
        .prepare("SELECT type, name FROM sqlite_master WHERE name LIKE 'share_%' AND type IN ('trigger', 'table')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (kind, name) in shared {
        sql.push_str(&format!("DROP {} {name};", kind.to_uppercase()));
    }
    for (index, column) in [
        ("dose_log_live_slot", "regimen_id"),
        ("dose_log_live_course_slot", "course_key"),
        ("dose_log_live_medicine_slot", "medicine_id"),
    ] {
        sql.push_str(&format!(
            "DROP INDEX {index}; CREATE UNIQUE INDEX {index} ON dose_log({column}, slot_date, slot_time) WHERE undone = 0 AND {column} IS NOT NULL;"
        ));
    }
    for (table, _) in RECORD_TABLES {
        sql.push_str(&format!(
            "DROP TRIGGER {table}_global_id_given; DROP INDEX {table}_global_id;
             ALTER TABLE {table} DROP COLUMN global_id;"
        ));
    }
    sql.push_str("PRAGMA user_version = 8;");
    store.conn.execute_batch(&sql).unwrap();
}

#[test]
fn the_upgrade_gives_each_record_of_an_earlier_diary_an_id_at_its_own_recorded_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db");
    let mut store = Store::open(&path).unwrap();
    full_diary(&mut store);
    // A second revision of the course, later than its first: the course's id takes the first.
    store
        .conn
        .execute_batch(
            "UPDATE steroid_course SET recorded_at_ms = recorded_at_ms + 5000 WHERE version = 2;
             UPDATE dose_log SET recorded_at_ms = recorded_at_ms + 7000;",
        )
        .unwrap();
    as_version_8(&store);
    drop(store);

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        super::schema::LATEST_VERSION
    );
    let stored = stored_ids(&store);
    for (table, id, first_stored_at) in &stored {
        let id = id.unwrap_or_else(|| panic!("{table} has a row without an id"));
        assert_eq!(id.recorded_at_ms(), Some(*first_stored_at), "{table}");
    }
    let ids = every_global_id(&store);
    assert_eq!(
        ids.len(),
        stored.len() - 1,
        "unique but for the course's versions"
    );
    // Stable: opening the diary again changes none of them.
    drop(store);
    let again = Store::open(&path).unwrap();
    assert_eq!(every_global_id(&again), ids);
}

#[test]
fn every_earlier_fixture_upgrades_with_unique_ids_at_each_records_time() {
    for fixture in fixtures() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("diary.db");
        std::fs::copy(&fixture, &copy).unwrap();
        let store = Store::open(&copy).unwrap();
        let stored = stored_ids(&store);
        assert!(!stored.is_empty());
        for (table, id, first_stored_at) in &stored {
            let id = id.unwrap_or_else(|| panic!("{}: {table}", fixture.display()));
            assert_eq!(
                id.recorded_at_ms(),
                Some(*first_stored_at),
                "{}: {table}",
                fixture.display()
            );
        }
        let ids = every_global_id(&store);
        assert_eq!(ids.len(), stored.len(), "{}", fixture.display());
        // The records read back with them.
        let patient = &store.patients().unwrap()[0];
        assert!(ids.contains(&patient.global_id));
        assert!(ids.contains(&store.dose("fixture-dose").unwrap().global_id));
        drop(store);
        let reopened = Store::open(&copy).unwrap();
        assert_eq!(every_global_id(&reopened), ids, "{}", fixture.display());
    }
}

#[test]
fn a_row_holding_a_malformed_global_id_is_refused_by_the_schema() {
    let mut store = Store::open_in_memory().unwrap();
    let patient = store.create_patient(&sample_patient()).unwrap();
    for bad in [
        "X'0190f1a23b5d7c7e9a1b2c3d4e5f6a7b'",
        "'0190F1A2-3B5D-7C7E-9A1B-2C3D4E5F6A7B'",
        "'0190f1a2'",
        "42",
    ] {
        let err = store
            .conn
            .execute_batch(&format!(
                "UPDATE patient SET global_id = {bad} WHERE id = {}",
                patient.id
            ))
            .unwrap_err();
        assert!(err.to_string().contains("CHECK"), "{bad}: {err}");
    }
    // The same id twice is refused.
    let other = store.create_patient(&sample_patient()).unwrap();
    let err = store
        .conn
        .execute(
            "UPDATE patient SET global_id = ?1 WHERE id = ?2",
            rusqlite::params![patient.global_id, other.id],
        )
        .unwrap_err();
    assert!(err.to_string().contains("UNIQUE"), "{err}");
}

#[test]
fn a_row_another_program_inserts_without_a_global_id_gets_one_at_its_own_time() {
    let mut store = Store::open_in_memory().unwrap();
    let patient = full_diary(&mut store);
    let course = &store.courses(patient.id).unwrap()[0];
    store
        .conn
        .execute_batch(&format!(
            "INSERT INTO measurement (patient_id, measured_on, weight_kg, recorded_at_ms)
                 VALUES ({id}, '2025-06-20', 21.0, 1750000000123);
             INSERT INTO measurement (patient_id, measured_on, weight_kg, recorded_at_ms)
                 VALUES ({id}, '2025-06-21', 21.0, 'yesterday');
             INSERT INTO steroid_course (patient_id, course_key, version, drug, plan_json, times,
                 changed_by, recorded_at_ms)
                 SELECT patient_id, course_key, 3, drug, plan_json, times, 'import', 1750000000999
                 FROM steroid_course WHERE course_key = '{key}' AND version = 2;",
            id = patient.id,
            key = course.course_key
        ))
        .unwrap();
    let measurements = store.measurements(patient.id).unwrap();
    assert_eq!(measurements.len(), 3);
    let given = measurements[1].global_id;
    assert_eq!(given.recorded_at_ms(), Some(1_750_000_000_123));
    assert_eq!(given.to_string().as_bytes()[14], b'7');
    assert!(matches!(
        given.to_string().as_bytes()[19],
        b'8' | b'9' | b'a' | b'b'
    ));
    // The row whose time is not an instant has an id of the insert's time.
    let (id, _): (GlobalId, String) = store
        .conn
        .query_row(
            "SELECT global_id, recorded_at_ms FROM measurement WHERE measured_on = '2025-06-21'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let now = super::now_ms();
    assert!((now - id.recorded_at_ms().unwrap()).abs() < 60_000);
    // The course's third version keeps the course's id.
    let third = store.course(&course.course_key, Some(3)).unwrap();
    assert_eq!(third.global_id, course.global_id);
    store
        .conn
        .execute_batch("DELETE FROM measurement WHERE measured_on = '2025-06-21'")
        .unwrap();
    let rows = stored_ids(&store).len();
    assert_eq!(
        every_global_id(&store).len(),
        rows - 2,
        "unique but for the course"
    );
}

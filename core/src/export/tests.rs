//! Exports of a small but complete diary: structure of each format, de-identification across
//! all of them, determinism.

use crate::ids::{PatientId, RegimenId};
use chrono::{DateTime, Days, TimeZone, Utc};
use serde_json::Value;

use super::*;
use crate::dose::DoseRate;
use crate::drug::Drug;
use crate::error::Error;
use crate::labs::{BloodPressure, LabKind, LabResult, LabUnit};
use crate::model::{
    DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Sex,
};
use crate::protein::{DipstickGrade, UpcrUnit, UrineMeasurement};
use crate::schedule::slot_instant;
use crate::store::urine::NewUrineReading;
use crate::store::{NewCourse, NewLabResult, Store};
use crate::taper::{DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};

/// A name with the characters that break naive CSV, HTML and iCalendar writers.
const NAME: &str = "Mei \"Mimi\", Li; 李小梅";
const NOTE: &str = "fever, \"cold\"\nsecond line 发烧";
const BIRTH: &str = "2019-04-02";
/// The family's note on one logged dose (the 5th), with what a CSV must quote.
const DOSE_NOTE: &str = "spat out half, gave again \"after juice\"";

use crate::test_support::{date, time};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 30, 12, 0, 0).unwrap()
}

struct Fixture {
    store: Store,
    patient_id: PatientId,
    regimen_id: RegimenId,
}

/// A child in Paris (DST on 2025-03-30) on tacrolimus from 2025-03-01, a relapse from
/// 2025-03-20 treated with a prednisolone course, remission from 2025-04-01, labs and growth.
fn fixture() -> Fixture {
    let mut store = Store::open_in_memory().unwrap();
    let zone: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let patient = store
        .create_patient(&NewPatient {
            display_name: NAME.into(),
            birth_date: date(BIRTH),
            sex: Sex::Female,
            time_zone: "Europe/Paris".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap();
    let pid = patient.id;
    for (day, weight, height) in [("2025-02-27", 20.0, 115.0), ("2025-04-15", 20.4, 115.6)] {
        store
            .add_measurement(
                pid,
                &Measurement {
                    global_id: Default::default(),
                    id: Default::default(),
                    measured_on: date(day),
                    weight_kg: Some(weight),
                    height_cm: Some(height),
                    confirmed: false,
                },
            )
            .unwrap();
    }
    let regimen = store
        .add_regimen(
            pid,
            &NewRegimen {
                drug: Drug::Tacrolimus,
                form: "capsule".into(),
                strengths_mg: vec![0.5, 1.0],
                allow_split: false,
                rate: DoseRate::MgPerKgPerDay(0.1),
                times: vec![time("08:00"), time("20:00")],
                start_date: date("2025-03-01"),
                end_date: None,
                prescribed_by: "Dr. Dupont".into(),
                prescribed_on: date("2025-02-27"),
                override_range: false,
            },
        )
        .unwrap();
    let medication = MedicationId::Regimen(regimen.id);
    let mut day = date("2025-03-01");
    let mut n = 0;
    while day < date("2025-04-30") {
        for slot in ["08:00", "20:00"] {
            n += 1;
            if n % 17 == 0 {
                continue; // never logged
            }
            let outcome = if n % 23 == 0 {
                DoseOutcome::Skipped
            } else {
                DoseOutcome::Taken
            };
            let at = slot_instant(day, time(slot), zone).timestamp_millis() + 5 * 60_000;
            store
                .log_dose(
                    &NewDoseLog::new(
                        format!("dose-{day}-{slot}"),
                        medication.clone(),
                        day,
                        time(slot),
                        outcome,
                        at,
                        "Grandma Chen".into(),
                    )
                    .with_note((n == 5).then(|| DOSE_NOTE.to_string())),
                    at,
                    None,
                )
                .unwrap();
        }
        day = day + Days::new(1);
    }
    // Daily first-morning dipsticks: 3+ from 2025-03-20 to 03-24 (relapse), negative from 04-01.
    let mut day = date("2025-03-10");
    while day < date("2025-04-30") {
        let grade = if (date("2025-03-20")..=date("2025-03-24")).contains(&day) {
            DipstickGrade::ThreePlus
        } else if (date("2025-03-25")..date("2025-04-01")).contains(&day) {
            DipstickGrade::OnePlus
        } else {
            DipstickGrade::Negative
        };
        let at = slot_instant(day, time("07:00"), zone).timestamp_millis();
        store
            .log_urine_reading(&NewUrineReading {
                client_id: format!("urine-{day}"),
                patient_id: pid,
                measurement: UrineMeasurement::Dipstick(grade),
                taken_at_ms: at,
                taken_on: None,
                first_morning: true,
                note: (day == date("2025-03-21")).then(|| NOTE.to_string()),
                logged_by: "Grandma Chen".into(),
                photo: None,
            })
            .unwrap();
        day = day + Days::new(1);
    }
    store
        .log_urine_reading(&NewUrineReading {
            client_id: "upcr-1".into(),
            patient_id: pid,
            measurement: UrineMeasurement::Upcr {
                value: 2.5,
                unit: UpcrUnit::MgPerMg,
            },
            taken_at_ms: slot_instant(date("2025-03-22"), time("11:00"), zone).timestamp_millis(),
            taken_on: None,
            first_morning: false,
            note: None,
            logged_by: "clinic".into(),
            photo: None,
        })
        .unwrap();
    let course = store
        .create_course(
            pid,
            &NewCourse {
                drug: Drug::Prednisolone,
                template: None,
                phases: vec![
                    Phase {
                        dose: Some(DoseBasis::Mg(40.0)),
                        max_mg: None,
                        frequency: Frequency::Daily,
                        length: PhaseLength::Days(10),
                    },
                    Phase {
                        dose: Some(DoseBasis::Mg(20.0)),
                        max_mg: None,
                        frequency: Frequency::AlternateDay,
                        length: PhaseLength::Days(10),
                    },
                ],
                stamp: None,
                start: date("2025-03-23"),
                tablets: TabletSpec::default(),
                liquid: None,
                times: vec![time("08:00")],
                remission_confirmed: None,
                changed_by: "Dr. Dupont".into(),
                reason: None,
                client_id: None,
            },
        )
        .unwrap();
    for day in ["2025-03-23", "2025-03-24", "2025-03-25"] {
        store
            .log_dose(
                &NewDoseLog::new(
                    format!("pred-{day}"),
                    MedicationId::Course(course.course_key.clone()),
                    date(day),
                    time("08:00"),
                    DoseOutcome::Taken,
                    slot_instant(date(day), time("08:00"), zone).timestamp_millis(),
                    "Grandma Chen".into(),
                ),
                slot_instant(date(day), time("08:00"), zone).timestamp_millis(),
                None,
            )
            .unwrap();
    }
    for (i, (kind, value, unit, day, at)) in [
        (
            LabKind::TacrolimusTrough,
            6.1,
            LabUnit::NanogramsPerMillilitre,
            "2025-03-15",
            "07:30",
        ),
        (
            LabKind::TacrolimusTrough,
            11.5,
            LabUnit::NanogramsPerMillilitre,
            "2025-04-10",
            "07:30",
        ),
        (
            LabKind::Wbc,
            2.5,
            LabUnit::BillionsPerLitre,
            "2025-04-10",
            "07:30",
        ),
        (
            LabKind::Creatinine,
            0.4,
            LabUnit::MilligramsPerDecilitre,
            "2025-04-10",
            "07:30",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .log_lab_result(&NewLabResult {
                client_id: format!("lab-{i}"),
                patient_id: pid,
                result: LabResult {
                    kind,
                    value,
                    unit,
                    drawn_at: slot_instant(date(day), time(at), zone),
                    upper_limit_of_normal: None,
                },
                logged_by: "clinic".into(),
            })
            .unwrap();
    }
    store
        .add_blood_pressure(
            pid,
            &BloodPressure {
                measured_at: slot_instant(date("2025-04-10"), time("09:00"), zone),
                systolic_mmhg: 104.0,
                diastolic_mmhg: 66.0,
            },
            None,
        )
        .unwrap();
    Fixture {
        store,
        patient_id: pid,
        regimen_id: regimen.id,
    }
}

fn options() -> ExportOptions {
    ExportOptions::new(now())
}

fn one(files: Vec<ExportFile>) -> Vec<u8> {
    assert_eq!(files.len(), 1);
    files.into_iter().next().unwrap().bytes
}

fn fhir(f: &Fixture, options: &ExportOptions) -> Value {
    let bytes = one(export(&f.store, f.patient_id, ExportFormat::Fhir, options).unwrap());
    serde_json::from_slice(&bytes).unwrap()
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

/// R4 dateTime with a time: seconds and an offset are required.
fn is_fhir_date_time(text: &str) -> bool {
    let b = text.as_bytes();
    let date_only = b.len() == 10 && b[4] == b'-' && b[7] == b'-';
    let with_time = b.len() == 25
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && (b[19] == b'+' || b[19] == b'-');
    let utc = b.len() == 20 && b[10] == b'T' && b[19] == b'Z';
    date_only || with_time || utc
}

#[test]
fn the_fhir_bundle_has_every_record_with_valid_references_and_codes() {
    let f = fixture();
    let bundle = fhir(&f, &options());
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert!(is_fhir_date_time(bundle["timestamp"].as_str().unwrap()));
    let entries = bundle["entry"].as_array().unwrap();
    let full_urls: std::collections::HashSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    assert_eq!(full_urls.len(), entries.len(), "fullUrls are unique");
    for entry in entries {
        let url = entry["fullUrl"].as_str().unwrap();
        let id = entry["resource"]["id"].as_str().unwrap();
        assert_eq!(url, format!("urn:uuid:{id}"));
        assert_eq!(id.len(), 36);
    }
    // Every reference resolves inside the bundle.
    let text = bundle.to_string();
    for piece in text.split("\"reference\":\"").skip(1) {
        let target = &piece[..piece.find('"').unwrap()];
        assert!(full_urls.contains(target), "dangling reference {target}");
    }
    let patient = resources(&bundle, "Patient");
    assert_eq!(patient.len(), 1);
    assert_eq!(patient[0]["name"][0]["text"], NAME);
    assert_eq!(patient[0]["birthDate"], BIRTH);
    assert_eq!(patient[0]["gender"], "female");

    let requests = resources(&bundle, "MedicationRequest");
    assert_eq!(requests.len(), 2, "the regimen and the steroid course");
    assert!(requests
        .iter()
        .any(|r| r["medicationCodeableConcept"]["coding"][0]["code"] == "42316"));
    assert!(requests
        .iter()
        .any(|r| r["medicationCodeableConcept"]["coding"][0]["code"] == "8638"));
    let tacrolimus = requests
        .iter()
        .find(|r| r["medicationCodeableConcept"]["coding"][0]["code"] == "42316")
        .unwrap();
    assert_eq!(
        tacrolimus["dosageInstruction"][0]["timing"]["repeat"]["timeOfDay"],
        serde_json::json!(["08:00:00", "20:00:00"])
    );
    assert_eq!(
        tacrolimus["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["code"],
        "mg"
    );

    let doses = f
        .store
        .dose_logs(f.patient_id, date("2025-01-01"), date("2025-04-30"))
        .unwrap();
    let statements = resources(&bundle, "MedicationStatement");
    assert_eq!(statements.len(), doses.len());
    let skipped = doses
        .iter()
        .filter(|d| d.dose.outcome == DoseOutcome::Skipped)
        .count();
    assert!(skipped > 0);
    assert_eq!(
        statements
            .iter()
            .filter(|s| s["status"] == "not-taken")
            .count(),
        skipped
    );
    assert_eq!(
        statements
            .iter()
            .filter(|s| s["status"] == "completed")
            .count(),
        doses.len() - skipped
    );
    for s in &statements {
        assert!(is_fhir_date_time(s["effectiveDateTime"].as_str().unwrap()));
        assert!(is_fhir_date_time(
            s["dosage"][0]["timing"]["event"][0].as_str().unwrap()
        ));
    }
    // Summer time in Paris from 2025-03-30: the offsets follow.
    assert!(statements
        .iter()
        .any(|s| s["effectiveDateTime"].as_str().unwrap().ends_with("+01:00")));
    assert!(statements
        .iter()
        .any(|s| s["effectiveDateTime"].as_str().unwrap().ends_with("+02:00")));

    let observations = resources(&bundle, "Observation");
    for o in &observations {
        assert_eq!(o["status"], "final");
        assert!(o["code"].is_object());
        assert!(
            is_fhir_date_time(o["effectiveDateTime"].as_str().unwrap()),
            "{}",
            o["effectiveDateTime"]
        );
    }
    let dipsticks: Vec<_> = observations
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "20454-5")
        .collect();
    assert_eq!(dipsticks.len(), 51);
    assert!(dipsticks
        .iter()
        .any(
            |o| o["valueCodeableConcept"]["coding"][0]["code"] == "167277001"
                && o["valueCodeableConcept"]["coding"][0]["system"] == fhir::SNOMED
        ));
    assert!(dipsticks.iter().any(|o| o["note"][0]["text"] == NOTE));
    // The family's note on a dose is the statement's note; no other dose has one.
    let noted: Vec<_> = resources(&bundle, "MedicationStatement")
        .into_iter()
        .filter(|s| s.get("note").is_some())
        .collect();
    assert_eq!(noted.len(), 1);
    assert_eq!(noted[0]["note"][0]["text"], DOSE_NOTE);
    let upcr = observations
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "2890-2")
        .unwrap();
    assert_eq!(
        upcr["valueQuantity"],
        serde_json::json!({"value": 2.5, "unit": "mg/mg", "system": fhir::UCUM, "code": "mg/mg"})
    );
    // Both levels were drawn before the morning dose: valid troughs, under the trough code
    // (clinical-rules §9), judged against the target band of the phase.
    let troughs: Vec<_> = observations
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == fhir::TACROLIMUS_TROUGH.0)
        .collect();
    assert_eq!(troughs.len(), 2);
    assert!(troughs
        .iter()
        .any(|o| o["interpretation"][0]["coding"][0]["code"] == "H"));
    assert!(troughs
        .iter()
        .any(|o| o["interpretation"][0]["coding"][0]["code"] == "N"));
    assert_eq!(troughs[0]["referenceRange"][0]["low"]["value"], 5.0);
    assert_eq!(troughs[0]["referenceRange"][0]["high"]["value"], 10.0);
    assert!(troughs[0]["referenceRange"][0]["text"]
        .as_str()
        .unwrap()
        .contains("initial phase"));
    // WBC 2.5: LOINC 6690-2, a leukopenia alert coded LL with the rule and its threshold.
    let wbc = observations
        .iter()
        .find(|o| o["valueQuantity"]["code"] == "10*9/L")
        .unwrap();
    assert_eq!(wbc["code"]["coding"][0]["code"], "6690-2");
    assert_eq!(wbc["code"]["coding"][0]["system"], fhir::LOINC);
    assert_eq!(wbc["interpretation"][0]["coding"][0]["code"], "LL");
    assert_eq!(wbc["referenceRange"][0]["low"]["value"], 3.0);
    assert_eq!(wbc["referenceRange"][0]["low"]["code"], "10*9/L");
    assert!(wbc["referenceRange"][0]["text"]
        .as_str()
        .unwrap()
        .contains("NCT04048161"));
    // Every resource has narrative (dom-6).
    for entry in entries {
        let div = entry["resource"]["text"]["div"].as_str().unwrap();
        assert!(div.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">"));
        assert_eq!(entry["resource"]["text"]["status"], "generated");
    }
    assert!(observations
        .iter()
        .any(|o| o["code"]["coding"][0]["code"] == "2160-0"));
    assert_eq!(
        observations
            .iter()
            .filter(|o| o["code"]["coding"][0]["code"] == "29463-7")
            .count(),
        2
    );
    assert_eq!(
        observations
            .iter()
            .filter(|o| o["code"]["coding"][0]["code"] == "8302-2")
            .count(),
        2
    );
    let bp = observations
        .iter()
        .find(|o| o["code"]["coding"][0]["code"] == "85354-9")
        .unwrap();
    assert_eq!(bp["component"][0]["code"]["coding"][0]["code"], "8480-6");
    assert_eq!(bp["component"][1]["valueQuantity"]["code"], "mm[Hg]");

    let conditions = resources(&bundle, "Condition");
    assert_eq!(conditions.len(), 1);
    assert_eq!(
        conditions[0]["code"]["coding"][0]["code"],
        fhir::NEPHROTIC_SYNDROME
    );
    assert_eq!(conditions[0]["onsetDateTime"], "2025-03-20");
    assert_eq!(conditions[0]["abatementDateTime"], "2025-04-01");
    assert_eq!(
        conditions[0]["clinicalStatus"]["coding"][0]["code"],
        "remission"
    );

    let list = resources(&bundle, "List");
    assert_eq!(list.len(), 1, "the manifest");
    assert!(list[0]["note"].as_array().unwrap().len() >= 5);
}

#[test]
fn exports_are_deterministic() {
    let f = fixture();
    for format in ExportFormat::ALL {
        let a = export(&f.store, f.patient_id, format, &options()).unwrap();
        let b = export(&f.store, f.patient_id, format, &options()).unwrap();
        assert_eq!(a, b, "{}", format.id());
    }
}

#[test]
fn a_date_range_limits_every_section() {
    let f = fixture();
    let mut o = options();
    o.from = Some(date("2025-04-01"));
    o.to = Some(date("2025-04-15"));
    let bundle = fhir(&f, &o);
    for s in resources(&bundle, "MedicationStatement") {
        let effective = s["effectiveDateTime"].as_str().unwrap();
        assert!(
            ("2025-04-01".."2025-04-16").contains(&&effective[..10]),
            "{effective}"
        );
    }
    assert_eq!(
        resources(&bundle, "Condition").len(),
        1,
        "the episode ends in the range"
    );
    let backwards = ExportOptions {
        from: Some(date("2025-04-16")),
        ..o
    };
    assert!(
        export(&f.store, f.patient_id, ExportFormat::Fhir, &backwards)
            .unwrap_err()
            .to_string()
            .contains("from")
    );
}

fn csv_file<'a>(files: &'a [ExportFile], name: &str) -> &'a [u8] {
    &files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name}"))
        .bytes
}

/// The rows of a CSV table without its first column, `patient`, after checking that column:
/// its header, and one non-empty patient on every row.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let (patient, rows) = csv_rows_with_patient(bytes);
    assert!(patient.iter().all(|p| !p.is_empty() && *p == patient[0]));
    rows
}

/// The patient column's values (data rows) and the rest of each row (header included).
fn csv_rows_with_patient(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::str::from_utf8(bytes)
        .unwrap()
        .strip_prefix(csv::BOM)
        .unwrap();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let patient: Vec<String> = rows.iter_mut().map(|r| r.remove(0)).collect();
    assert_eq!(
        patient[0], "patient",
        "every table starts with the patient column"
    );
    (patient[1..].to_vec(), rows)
}

#[test]
fn csv_tables_round_trip_through_a_csv_reader() {
    let f = fixture();
    let files = export(&f.store, f.patient_id, ExportFormat::Csv, &options()).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for table in csv::TABLES {
        assert!(names.contains(&table), "{table}");
    }
    assert!(names.contains(&"manifest.txt"));
    let readings = csv_rows(csv_file(&files, "readings.csv"));
    assert_eq!(readings[0][0], "date");
    let noted = readings
        .iter()
        .find(|r| r[8] == NOTE)
        .expect("the note survives quoting");
    assert_eq!(noted[0], "2025-03-21");
    assert_eq!(noted[3], "3+ (+++)", "a grade a spreadsheet keeps as text");
    let doses = csv_rows(csv_file(&files, "doses.csv"));
    assert_eq!(doses[0][6], "dose (mg)");
    assert_eq!(doses[0].last().unwrap(), "note");
    let noted: Vec<_> = doses[1..].iter().filter(|r| !r[10].is_empty()).collect();
    assert_eq!(noted.len(), 1, "one dose has a note");
    assert_eq!(noted[0][10], DOSE_NOTE, "the note survives quoting");
    assert_eq!(doses[1][0], "2025-03-01");
    assert_eq!(doses[1][5], "2025-03-01T08:05:00+01:00");
    let calendar = csv_rows(csv_file(&files, "steroid_calendar.csv"));
    assert_eq!(calendar.len(), 1 + 20);
    assert_eq!(calendar[1][4], "40");
    let labs = csv_rows(csv_file(&files, "labs.csv"));
    assert!(labs.iter().any(|r| r[1] == "wbc" && r[10] == "leukopenia"));
    // Every table names the patient; so does the manifest.
    for table in csv::TABLES {
        let (patient, _) = csv_rows_with_patient(csv_file(&files, table));
        assert!(patient.iter().all(|p| p == NAME), "{table}");
    }
    let manifest = String::from_utf8(csv_file(&files, "manifest.txt").to_vec()).unwrap();
    assert!(manifest.contains(&format!("Patient: {NAME}, born {BIRTH}")));
    for file in files.iter().filter(|f| f.name.ends_with(".csv")) {
        let text = std::str::from_utf8(&file.bytes).unwrap();
        assert!(text.starts_with(csv::BOM));
        assert!(text.ends_with("\r\n"), "{}", file.name);
    }
}

#[test]
fn the_calendar_repeats_regimens_and_lists_steroid_days() {
    let f = fixture();
    let mut o = options();
    o.from = Some(date("2025-03-20"));
    let bytes = one(export(&f.store, f.patient_id, ExportFormat::Ics, &o).unwrap());
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= ics::MAX_LINE_OCTETS, "{line}");
        assert!(!line.contains('\n'));
    }
    let unfolded = text.replace("\r\n ", "");
    assert!(unfolded.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris"));
    assert!(unfolded.contains("BEGIN:DAYLIGHT"));
    let regimen = format!(
        "UID:regimen-{}@2025-03-01T08:00@{}",
        f.regimen_id,
        ics::UID_DOMAIN
    );
    assert!(unfolded.contains(&regimen), "{unfolded}");
    assert!(unfolded.contains(
        "DTSTART;TZID=Europe/Paris:20250320T080000\r\nDURATION:PT15M\r\nRRULE:FREQ=DAILY\r\n"
    ));
    let steroid_events = unfolded.matches("UID:course-").count();
    assert_eq!(
        steroid_events,
        10 + 5,
        "10 daily days, then every other day of 10"
    );
    assert!(unfolded.contains("SUMMARY:Prednisolone 40 mg"));
    assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 2 + 15);
    assert!(
        unfolded.contains("X-WR-CALNAME:NephroDiary — Mei \"Mimi\"\\, Li\\; 李小梅"),
        "TEXT is escaped"
    );
    // A bounded window ends the repeating events at the last dose, in UTC.
    o.to = Some(date("2025-04-30"));
    let bounded = String::from_utf8(one(
        export(&f.store, f.patient_id, ExportFormat::Ics, &o).unwrap()
    ))
    .unwrap();
    assert!(
        bounded.contains("RRULE:FREQ=DAILY;UNTIL=20250430T060000Z"),
        "08:00 CEST is 06:00 UTC"
    );
}

#[test]
fn the_report_is_self_contained_and_has_its_key_numbers() {
    let f = fixture();
    for locale in Locale::ALL {
        let mut o = options();
        o.locale = locale;
        let html = String::from_utf8(one(
            export(&f.store, f.patient_id, ExportFormat::Html, &o).unwrap()
        ))
        .unwrap();
        assert!(html.contains(&format!("<html lang=\"{}\">", locale.tag())));
        assert!(
            !html.contains("http://") && !html.contains("https://") && !html.contains("<script")
        );
        for testid in [
            "summary",
            "current-state",
            "relapse-rate",
            "cumulative-steroid",
            "adherence-overall",
            "alert-count",
            "manifest",
            "chart-proteinuria",
            "chart-adherence",
            "chart-trough",
            "chart-weight",
            "chart-height",
        ] {
            assert!(
                html.contains(&format!("data-testid=\"{testid}\"")),
                "{testid}"
            );
        }
        // The child takes tacrolimus, not mycophenolate: no MPA-AUC chart or card.
        assert!(!html.contains("data-testid=\"chart-mpa-auc\""));
        assert!(!html.contains("data-testid=\"latest-mpa-auc\""));
        // Human units, never UCUM codes; the WBC 2.5 row carries its safety flag.
        assert!(!html.contains("10*9/L") && html.contains("2.5 × 10⁹/L"));
        assert!(html.contains("data-kind=\"wbc\" data-unit=\"× 10⁹/L\" data-flags=\"leukopenia\""));
        // Every printed page names the child and numbers itself.
        assert!(html.contains("@top-left{content:\"Mei \\\"Mimi\\\", Li; 李小梅 · "));
        assert!(html.contains("counter(page)") && html.contains("counter(pages)"));
        assert!(html.contains("data-testid=\"chart-trough\" data-count=\"2\""));
        assert!(html.contains("data-testid=\"relapse-episode\""));
        assert!(html.contains("data-testid=\"steroid-curve\""));
        assert!(
            html.contains("data-testid=\"cumulative-steroid\" data-value=\"500\""),
            "10 × 40 + 5 × 20 mg"
        );
        assert!(html.contains("Mei &quot;Mimi&quot;, Li; 李小梅"));
        // The family's note on the 5th dose, in the table of dose notes, escaped.
        assert!(html.contains("data-testid=\"table-dose-notes\""));
        assert_eq!(html.matches("data-testid=\"dose-note-row\"").count(), 1);
        assert!(html.contains("spat out half, gave again &quot;after juice&quot;"));
    }
    let mut o = options();
    o.locale = Locale::ZhHans;
    let zh = String::from_utf8(one(
        export(&f.store, f.patient_id, ExportFormat::Html, &o).unwrap()
    ))
    .unwrap();
    assert!(zh.contains("医疗团队报告") && zh.contains("他克莫司"));
}

#[test]
fn de_identified_exports_hold_no_name_birth_date_or_note_and_shift_dates_consistently() {
    let f = fixture();
    let shift = Deidentify::deterministic(-100, 14, [1; 32]).unwrap();
    let mut o = options();
    o.deidentify = Some(shift);
    let identified = export(&f.store, f.patient_id, ExportFormat::Csv, &options()).unwrap();
    // The dose note searched for below is in every identified format that lists doses.
    for format in [ExportFormat::Fhir, ExportFormat::Csv, ExportFormat::Html] {
        let files = export(&f.store, f.patient_id, format, &options()).unwrap();
        assert!(
            files
                .iter()
                .any(|file| String::from_utf8_lossy(&file.bytes).contains("spat out")),
            "{}",
            format.id()
        );
    }
    for locale in Locale::ALL {
        o.locale = locale;
        for format in ExportFormat::ALL {
            for file in export(&f.store, f.patient_id, format, &o).unwrap() {
                let text = String::from_utf8(file.bytes.clone()).unwrap();
                let unfolded = text.replace("\r\n ", "");
                for secret in [
                    "Mei",
                    "Mimi",
                    "李小梅",
                    BIRTH,
                    "fever",
                    "发烧",
                    "Grandma",
                    "spat out",
                    "Dupont",
                    "Europe/Paris",
                    "dose-2025",
                    "urine-2025",
                    "capsule",
                    "p1_c1",
                    "+01:00",
                    "+02:00",
                    // The day of the export, real or shifted.
                    "2025-04-30",
                    "2025-01-20",
                ] {
                    assert!(
                        !unfolded.contains(secret),
                        "{} ({}) contains {secret}",
                        file.name,
                        format.id()
                    );
                }
                // Real dates of the record do not appear either.
                assert!(
                    !unfolded.contains("2025-03-2") && !unfolded.contains("20250320"),
                    "{}",
                    file.name
                );
            }
        }
    }
    // The same shift everywhere: the relapse onset moves by exactly 100 days in FHIR and CSV.
    o.locale = Locale::En;
    let bundle = fhir(&f, &o);
    assert_eq!(
        resources(&bundle, "Condition")[0]["onsetDateTime"],
        "2024-12-10"
    );
    assert!(resources(&bundle, "Patient")[0].get("birthDate").is_none());
    let age = resources(&bundle, "Observation")
        .into_iter()
        .find(|r| r["code"]["coding"][0]["code"] == "30525-0")
        .unwrap();
    assert_eq!(age["valueQuantity"]["value"], 6.0);
    assert_eq!(bundle["meta"]["security"][0]["code"], "PSEUDED");
    let files = export(&f.store, f.patient_id, ExportFormat::Csv, &o).unwrap();
    assert_eq!(
        csv_rows(csv_file(&files, "relapses.csv"))[1][0],
        "2024-12-10"
    );
    // A pseudonym, not the name, in every table and in the manifest.
    let (patient, _) = csv_rows_with_patient(csv_file(&files, "doses.csv"));
    assert!(patient[0].starts_with("P-") && patient[0].len() == 10);
    let manifest = String::from_utf8(csv_file(&files, "manifest.txt").to_vec()).unwrap();
    assert!(manifest.contains(&format!("Patient: {} (a pseudonym", patient[0])));
    let (real, shifted) = (
        csv_rows(csv_file(&identified, "doses.csv")),
        csv_rows(csv_file(&files, "doses.csv")),
    );
    // The period ends 14 days (this de-identification's cutoff) before the day of the export:
    // the doses up to 2025-04-16, shifted.
    let kept: Vec<&Vec<String>> = real
        .iter()
        .skip(1)
        .filter(|r| date(&r[0]) <= date("2025-04-16"))
        .collect();
    assert_eq!(kept.len() + 1, shifted.len());
    assert!(kept.len() + 10 < real.len(), "the last days are left out");
    for (a, b) in kept.iter().zip(&shifted[1..]) {
        assert_eq!(date(&b[0]), date(&a[0]) - Days::new(100));
        assert_eq!(a[1], b[1], "times of day are kept");
        assert_eq!(
            &a[5][10..19],
            &b[5][10..19],
            "instants keep their local clock time"
        );
        assert!(b[5].ends_with('Z'), "in UTC notation: {}", b[5]);
        assert_eq!(b[9].len(), 36, "record keys are UUIDs");
    }
    // Nothing pairs the day of the export with a shifted date.
    assert!(bundle.get("timestamp").is_none());
    assert!(resources(&bundle, "List")[0].get("date").is_none());
    // Ids of a de-identified export do not match the identified ones.
    let plain = fhir(&f, &options());
    assert_ne!(
        resources(&plain, "Patient")[0]["id"],
        resources(&bundle, "Patient")[0]["id"]
    );
    // The calendar names no zone: floating local times.
    let ics = String::from_utf8(one(
        export(&f.store, f.patient_id, ExportFormat::Ics, &o).unwrap()
    ))
    .unwrap();
    assert!(!ics.contains("TZID") && !ics.contains("VTIMEZONE"));
}

#[test]
fn export_to_path_writes_files_and_a_csv_directory() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let written = export_to_path(
        &f.store,
        f.patient_id,
        ExportFormat::Html,
        &options(),
        &report,
    )
    .unwrap();
    assert_eq!(written, vec![report.clone()]);
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    let tables = dir.path().join("tables");
    let written = export_to_path(
        &f.store,
        f.patient_id,
        ExportFormat::Csv,
        &options(),
        &tables,
    )
    .unwrap();
    assert_eq!(written.len(), csv::TABLES.len() + 1);
    assert!(tables.join("doses.csv").exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no partial file left behind"
    );
    let missing = export_to_path(
        &f.store,
        PatientId::from(999),
        ExportFormat::Fhir,
        &options(),
        &dir.path().join("x.json"),
    );
    assert!(missing.is_err());
    assert!(!dir.path().join("x.json").exists());
}

#[test]
fn an_empty_diary_exports_in_every_format() {
    let mut store = Store::open_in_memory().unwrap();
    let patient = store
        .create_patient(&NewPatient {
            display_name: "Empty".into(),
            birth_date: date("2020-01-01"),
            sex: Sex::Unspecified,
            time_zone: "Asia/Shanghai".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap();
    for format in ExportFormat::ALL {
        let files = export(&store, patient.id, format, &options()).unwrap();
        assert!(!files.is_empty());
    }
    let ics = String::from_utf8(one(export(
        &store,
        patient.id,
        ExportFormat::Ics,
        &options(),
    )
    .unwrap()))
    .unwrap();
    assert!(ics.contains(
        "BEGIN:STANDARD\r\nDTSTART:20250429T000000\r\nTZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800"
    ));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 0);
}

#[test]
fn format_ids_parse_and_refuse_unknown_ones() {
    for format in ExportFormat::ALL {
        assert_eq!(ExportFormat::parse("format", format.id()).unwrap(), format);
    }
    assert!(ExportFormat::parse("format", "pdf")
        .unwrap_err()
        .to_string()
        .contains("format"));
}

#[test]
fn fhir_ids_are_uuids_and_distinct() {
    let a = fhir::stable_uuid(&["x", "1"]);
    let b = fhir::stable_uuid(&["x1", ""]);
    assert_ne!(a, b, "parts are delimited");
    assert_eq!(a, fhir::stable_uuid(&["x", "1"]));
    let bytes = a.as_bytes();
    assert_eq!(bytes[14], b'8', "version 8");
    assert!(
        matches!(bytes[19], b'8' | b'9' | b'a' | b'b'),
        "RFC variant"
    );
}

/// The text of one file of an export.
fn text_of(files: &[ExportFile], name: &str) -> String {
    let file = files.iter().find(|f| f.name == name).unwrap();
    String::from_utf8(file.bytes.clone()).unwrap()
}

#[test]
fn one_request_in_several_formats_has_one_shift_one_period_and_matching_records() {
    let f = fixture();
    let mut o = options();
    // A cutoff that keeps the relapse of 2025-03-20 (the period ends on 2025-04-10).
    o.deidentify = Some(Deidentify::deterministic(-77, 20, [5; 32]).unwrap());
    let exported = export_formats(
        &f.store,
        f.patient_id,
        &[
            ExportFormat::Fhir,
            ExportFormat::Csv,
            ExportFormat::Html,
            ExportFormat::Ics,
            ExportFormat::Fhir,
        ],
        &o,
    )
    .unwrap();
    let formats: Vec<ExportFormat> = exported.iter().map(|(f, _)| *f).collect();
    assert_eq!(formats, ExportFormat::ALL, "each format once, in order");
    let files: Vec<ExportFile> = exported.into_iter().flat_map(|(_, f)| f).collect();
    let bundle: Value = serde_json::from_str(&text_of(&files, "diary.fhir.json")).unwrap();
    let onset = resources(&bundle, "Condition")[0]["onsetDateTime"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(onset, "2025-03-20", "shifted");
    assert_eq!(
        csv_rows(csv_file(&files, "relapses.csv"))[1][0],
        onset,
        "CSV and FHIR share the shift"
    );
    // The end of the period is the same everywhere: FHIR's age, the CSV adherence, the report,
    // the calendar's DTSTAMP.
    let age = resources(&bundle, "Observation")
        .into_iter()
        .find(|r| r["code"]["coding"][0]["code"] == "30525-0")
        .unwrap()["effectiveDateTime"]
        .as_str()
        .unwrap()
        .to_string();
    let adherence = csv_rows(csv_file(&files, "adherence.csv"));
    assert_eq!(adherence[1][3], age);
    let html = text_of(&files, "report.html");
    assert!(html.contains(&format!("data-to=\"{age}\"")), "{age}");
    let ics = text_of(&files, "dosing.ics");
    assert!(ics.contains(&format!("DTSTAMP:{}T000000Z", age.replace('-', ""))));
    // Every dose of the CSV is a MedicationStatement at the same instant.
    let effective: std::collections::HashSet<&str> = resources(&bundle, "MedicationStatement")
        .iter()
        .map(|s| s["effectiveDateTime"].as_str().unwrap())
        .collect();
    let doses = csv_rows(csv_file(&files, "doses.csv"));
    assert_eq!(doses.len() - 1, effective.len());
    assert!(doses[1..].iter().all(|d| effective.contains(d[5].as_str())));
    // The same Deidentify again: the same shift, period and ids (its secrets are the request's).
    let again = export(&f.store, f.patient_id, ExportFormat::Fhir, &o).unwrap();
    assert_eq!(
        text_of(&again, "diary.fhir.json"),
        text_of(&files, "diary.fhir.json")
    );
}

#[test]
fn several_formats_write_into_one_directory() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("share");
    let mut o = options();
    o.deidentify = Some(Deidentify::random().unwrap());
    let written =
        export_formats_to_dir(&f.store, f.patient_id, &ExportFormat::ALL, &o, &out).unwrap();
    assert_eq!(written.len(), 3 + csv::TABLES.len() + 1);
    for name in [
        "diary.fhir.json",
        "report.html",
        "dosing.ics",
        "csv/doses.csv",
        "csv/manifest.txt",
    ] {
        assert!(out.join(name).is_file(), "{name}");
    }
    assert!(export_formats(&f.store, f.patient_id, &[], &o)
        .unwrap_err()
        .to_string()
        .contains("format"));
}

#[test]
fn a_de_identified_period_holds_nothing_after_its_end_and_refuses_a_late_start() {
    let f = fixture();
    let mut o = options();
    o.deidentify = Some(Deidentify::deterministic(50, 30, [3; 32]).unwrap());
    // Ends 30 days before the day of the export (2025-04-30): 2025-03-31, shifted to 2025-05-20.
    let files = export(&f.store, f.patient_id, ExportFormat::Csv, &o).unwrap();
    let mut latest = String::new();
    for file in files.iter().filter(|f| f.name.ends_with(".csv")) {
        for row in csv_rows(&file.bytes).iter().skip(1) {
            for cell in row
                .iter()
                .filter(|c| c.len() >= 10 && c.as_bytes()[4] == b'-')
            {
                latest = latest.max(cell[..10].to_string());
            }
        }
    }
    assert_eq!(latest, "2025-05-20", "the period's end, shifted");
    // The steroid course's calendar continues past that end: it is cut there too.
    let bundle = fhir(&f, &o);
    let text = bundle.to_string();
    assert!(!text.contains("2025-05-21") && !text.contains("\"2025-06"));
    // A start asked for less than 69 days before the end is refused, whatever the cutoff.
    o.from = Some(date("2025-03-01"));
    let refused = export(&f.store, f.patient_id, ExportFormat::Fhir, &o).unwrap_err();
    assert!(refused.to_string().contains("from"), "{refused}");
    o.from = Some(date("2025-02-20"));
    assert!(export(&f.store, f.patient_id, ExportFormat::Fhir, &o).is_ok());
}

/// Adds what clinical-rules §8–§9 judge differently: a tacrolimus level drawn after the
/// morning dose, a UPCR in mg/mmol, an MPA-AUC, an ALT at 2 × ULN; and withdraws a lab, a dose
/// and a reading.
fn with_judgements_and_withdrawals(f: &mut Fixture) {
    let zone: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    for (id, kind, value, unit, day, at, uln) in [
        (
            "late-level",
            LabKind::TacrolimusTrough,
            14.0,
            LabUnit::NanogramsPerMillilitre,
            "2025-04-11",
            "11:00",
            None,
        ),
        (
            "upcr-mmol",
            LabKind::Upcr,
            250.0,
            LabUnit::MilligramsPerMillimole,
            "2025-04-12",
            "07:00",
            None,
        ),
        (
            "mpa",
            LabKind::MpaAuc,
            42.0,
            LabUnit::MicrogramHoursPerMillilitre,
            "2025-04-12",
            "07:00",
            None,
        ),
        (
            "alt",
            LabKind::Alt,
            90.0,
            LabUnit::UnitsPerLitre,
            "2025-04-12",
            "07:00",
            Some(40.0),
        ),
        (
            "mistake",
            LabKind::Platelets,
            15.0,
            LabUnit::BillionsPerLitre,
            "2025-04-12",
            "07:00",
            None,
        ),
    ] {
        f.store
            .log_lab_result(&NewLabResult {
                client_id: id.into(),
                patient_id: f.patient_id,
                result: LabResult {
                    kind,
                    value,
                    unit,
                    drawn_at: slot_instant(date(day), time(at), zone),
                    upper_limit_of_normal: uln,
                },
                logged_by: "clinic".into(),
            })
            .unwrap();
    }
    f.store.retract_lab_result("mistake", "clinic").unwrap();
    f.store
        .undo_dose("dose-2025-04-13-08:00", "father")
        .unwrap();
    f.store
        .retract_urine_reading("urine-2025-04-14", "father")
        .unwrap();
}

fn transaction(f: &Fixture, options: &ExportOptions) -> Result<Value> {
    let snapshot = DiarySnapshot::for_export(&f.store, f.patient_id, options)?;
    let mut bytes = Vec::new();
    fhir::write_transaction(&snapshot, &mut bytes)?;
    Ok(serde_json::from_slice(&bytes).unwrap())
}

fn by_identifier<'a>(bundle: &'a Value, value: &str) -> &'a Value {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["identifier"][0]["value"] == value)
        .unwrap_or_else(|| panic!("no resource for {value}"))
}

#[test]
fn fhir_codes_and_judgements_follow_clinical_rules_9() {
    let mut f = fixture();
    with_judgements_and_withdrawals(&mut f);
    let bundle = fhir(&f, &options());
    let observations = resources(&bundle, "Observation");
    let find = |key: &str| {
        *observations
            .iter()
            .find(|o| o["identifier"][0]["value"] == format!("lab/{key}"))
            .unwrap()
    };
    // Drawn after the morning dose: the any-time code, no range, no interpretation, the note.
    let late = find("late-level");
    assert_eq!(
        late["code"]["coding"][0]["code"],
        fhir::TACROLIMUS_ANY_TIME.0
    );
    assert!(late["interpretation"].is_null() && late["referenceRange"].is_null());
    assert!(late["note"][0]["text"]
        .as_str()
        .unwrap()
        .contains("not compared with the trough target"));
    // A UPCR in mg/mmol is never under the mass-ratio code, nor under any code that does not
    // say mg/mmol: no mass/moles term is confirmed, so it is text with its UCUM unit (§9).
    let upcr = find("upcr-mmol");
    assert!(upcr["code"]["coding"].is_null(), "{upcr}");
    assert_eq!(upcr["code"]["text"], "Urine protein/creatinine");
    assert_eq!(upcr["valueQuantity"]["code"], "mg/mmol");
    assert_eq!(upcr["valueQuantity"]["system"], fhir::UCUM);
    // An MPA-AUC is not a concentration: text only, with its UCUM unit and its target band.
    let mpa = find("mpa");
    assert!(mpa["code"]["coding"].is_null() && mpa["code"]["text"] == "MPA-AUC");
    assert_eq!(mpa["valueQuantity"]["code"], "ug.h/mL");
    assert_eq!(mpa["interpretation"][0]["coding"][0]["code"], "N");
    assert!(mpa["referenceRange"][0]["text"]
        .as_str()
        .unwrap()
        .contains("µg·h/mL"));
    // ALT at 2 × ULN: HH, the computed limit as the high end of the rule.
    let alt = find("alt");
    assert_eq!(alt["code"]["coding"][0]["code"], "1742-6");
    assert_eq!(alt["interpretation"][0]["coding"][0]["code"], "HH");
    assert_eq!(alt["referenceRange"][0]["high"]["value"], 80.0);
    assert!(alt["referenceRange"][0]["low"].is_null());
    // Every lab carries LOINC and UCUM except the MPA-AUC and a UPCR in mg/mmol (§9).
    for o in observations
        .iter()
        .filter(|o| o["category"][0]["coding"][0]["code"] == "laboratory")
    {
        assert_eq!(
            o["valueQuantity"]["system"].as_str().unwrap_or(fhir::UCUM),
            fhir::UCUM
        );
        if o["code"]["text"] != "MPA-AUC" && o["valueQuantity"]["code"] != "mg/mmol" {
            assert_eq!(o["code"]["coding"][0]["system"], fhir::LOINC, "{o}");
        }
    }
    // The collection leaves withdrawn records out.
    assert!(!bundle.to_string().contains("lab/mistake"));
    assert!(!bundle.to_string().contains("entered-in-error"));
}

#[test]
fn a_urine_upcr_in_mg_per_mmol_is_text_with_its_unit_and_no_loinc_code() {
    let mut f = fixture();
    let zone: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    f.store
        .log_urine_reading(&NewUrineReading {
            client_id: "upcr-mmol-reading".into(),
            patient_id: f.patient_id,
            measurement: UrineMeasurement::Upcr {
                value: 250.0,
                unit: UpcrUnit::MgPerMmol,
            },
            taken_at_ms: slot_instant(date("2025-03-23"), time("08:00"), zone).timestamp_millis(),
            taken_on: None,
            first_morning: true,
            note: None,
            logged_by: "clinic".into(),
            photo: None,
        })
        .unwrap();
    let bundle = fhir(&f, &options());
    let observations = resources(&bundle, "Observation");
    let mmol = observations
        .iter()
        .find(|o| o["identifier"][0]["value"] == "urine/upcr-mmol-reading")
        .unwrap();
    // clinical-rules §9: never 2890-2 (a mass ratio), and no code that does not say mg/mmol.
    assert!(mmol["code"]["coding"].is_null(), "{mmol}");
    assert_eq!(mmol["code"]["text"], "Urine protein/creatinine");
    assert_eq!(
        mmol["valueQuantity"],
        serde_json::json!({"value": 250.0, "unit": "mg/mmol", "system": fhir::UCUM, "code": "mg/mmol"})
    );
    // The mass-ratio reading of the fixture keeps its code.
    let mass = observations
        .iter()
        .find(|o| o["identifier"][0]["value"] == "urine/upcr-1")
        .unwrap();
    assert_eq!(mass["code"]["coding"][0]["code"], fhir::UPCR_MASS_RATIO.0);
}

#[test]
fn the_transaction_bundle_updates_by_diary_scoped_identifiers_and_withdraws() {
    let mut f = fixture();
    with_judgements_and_withdrawals(&mut f);
    let bundle = transaction(&f, &options()).unwrap();
    assert_eq!(bundle["type"], "transaction");
    let entries = bundle["entry"].as_array().unwrap();
    let mut urls = std::collections::HashSet::new();
    let system = entries[0]["resource"]["identifier"][0]["system"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(system.starts_with("urn:uuid:") && system.len() == 45);
    for entry in entries {
        let resource = &entry["resource"];
        assert!(resource["id"].is_null(), "the server names resources");
        assert_eq!(resource["identifier"][0]["system"], system.as_str());
        assert_eq!(entry["request"]["method"], "PUT");
        let url = entry["request"]["url"].as_str().unwrap();
        assert!(url.starts_with(&format!(
            "{}?identifier=urn%3Auuid%3A",
            resource["resourceType"].as_str().unwrap()
        )));
        assert!(urls.insert(url.to_string()), "one entry per record: {url}");
        assert!(entry["fullUrl"].as_str().unwrap().starts_with("urn:uuid:"));
    }
    // Withdrawn records are sent as entered-in-error under their own identifiers.
    assert_eq!(
        by_identifier(&bundle, "lab/mistake")["status"],
        "entered-in-error"
    );
    assert_eq!(
        by_identifier(&bundle, "dose/dose-2025-04-13-08:00")["status"],
        "entered-in-error"
    );
    assert_eq!(
        by_identifier(&bundle, "urine/urine-2025-04-14")["status"],
        "entered-in-error"
    );
    // The same diary exported again (a month later) names every record the same way.
    let later = ExportOptions::new(now() + chrono::TimeDelta::days(30));
    let again = transaction(&f, &later).unwrap();
    let first: std::collections::HashSet<String> = entries
        .iter()
        .map(|e| e["request"]["url"].as_str().unwrap().to_string())
        .collect();
    for entry in again["entry"].as_array().unwrap() {
        let url = entry["request"]["url"].as_str().unwrap();
        assert!(first.contains(url), "{url} is new");
    }
}

#[test]
fn a_deidentified_export_has_no_transaction_form() {
    let f = fixture();
    let options = ExportOptions {
        deidentify: Some(Deidentify::from_seed(3).unwrap()),
        ..ExportOptions::new(now())
    };
    let err = transaction(&f, &options).unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "fhir_bundle"),
        "{err:?}"
    );
    // The collection form stays, without identifiers (they would link it to the diary).
    let bundle = fhir(&f, &options);
    assert!(!bundle.to_string().contains("\"identifier\""));
}

#[test]
fn the_bundle_kind_is_chosen_per_request_and_a_deidentified_transaction_writes_nothing() {
    let f = fixture();
    let file = export_fhir_bundle(
        &f.store,
        f.patient_id,
        fhir::BundleKind::Transaction,
        &options(),
    )
    .unwrap();
    assert_eq!(file.name, "diary.fhir.json");
    let bundle: Value = serde_json::from_slice(&file.bytes).unwrap();
    assert_eq!(bundle["type"], "transaction");
    assert_eq!(bundle, transaction(&f, &options()).unwrap());
    let collection = export_fhir_bundle(
        &f.store,
        f.patient_id,
        fhir::BundleKind::Collection,
        &options(),
    )
    .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&collection.bytes).unwrap(),
        fhir(&f, &options())
    );

    let deidentified = ExportOptions {
        deidentify: Some(Deidentify::from_seed(3).unwrap()),
        ..ExportOptions::new(now())
    };
    let err = export_fhir_bundle(
        &f.store,
        f.patient_id,
        fhir::BundleKind::Transaction,
        &deidentified,
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "fhir_bundle"),
        "{err:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.fhir.json");
    let err = export_fhir_bundle_to_path(
        &f.store,
        f.patient_id,
        fhir::BundleKind::Transaction,
        &deidentified,
        &path,
    )
    .unwrap_err();
    assert!(matches!(&err, Error::Invalid { field, .. } if field == "fhir_bundle"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let written = export_fhir_bundle_to_path(
        &f.store,
        f.patient_id,
        fhir::BundleKind::Transaction,
        &options(),
        &path,
    )
    .unwrap();
    assert_eq!(written, vec![path.clone()]);
    let on_disk: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(on_disk["type"], "transaction");
}

/// A diary in `zone` with a tacrolimus regimen at 08:00 and 20:00 from 2026-01-01, without end.
fn open_ended_regimen_in(zone: &str) -> (Store, i64) {
    let mut store = Store::open_in_memory().unwrap();
    let pid = store
        .create_patient(&NewPatient {
            display_name: "Sam".into(),
            birth_date: date("2018-05-01"),
            sex: Sex::Male,
            time_zone: zone.into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap()
        .id;
    store
        .add_measurement(
            pid,
            &Measurement {
                global_id: Default::default(),
                id: Default::default(),
                measured_on: date("2025-12-20"),
                weight_kg: Some(22.0),
                height_cm: Some(118.0),
                confirmed: false,
            },
        )
        .unwrap();
    store
        .add_regimen(
            pid,
            &NewRegimen {
                drug: Drug::Tacrolimus,
                form: "capsule".into(),
                strengths_mg: vec![0.5, 1.0],
                allow_split: false,
                rate: DoseRate::MgPerKgPerDay(0.1),
                times: vec![time("08:00"), time("20:00")],
                start_date: date("2026-01-01"),
                end_date: None,
                prescribed_by: "Dr. Dupont".into(),
                prescribed_on: date("2025-12-20"),
                override_range: false,
            },
        )
        .unwrap();
    (store, pid.into())
}

/// The calendar's time zone holds for every occurrence of a regimen that repeats without end:
/// the zone's current rule as yearly RRULEs after its explicit transitions (London, New York),
/// or its last observance for ever (Shanghai). With `NEPHRO_EXPORT_SAMPLES=DIR` the files are
/// written there for the independent parsers of `scripts/test-exports.sh`.
#[test]
fn calendar_zones_cover_every_occurrence() {
    let samples = std::env::var_os("NEPHRO_EXPORT_SAMPLES").map(std::path::PathBuf::from);
    for (zone, rules) in [
        (
            "Europe/London",
            &[
                "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
                "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            ][..],
        ),
        (
            "America/New_York",
            &[
                "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
                "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
            ][..],
        ),
        ("Asia/Shanghai", &[][..]),
    ] {
        let (store, pid) = open_ended_regimen_in(zone);
        let options = ExportOptions {
            from: Some(date("2026-01-01")),
            ..ExportOptions::new(Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap())
        };
        let bytes = one(export(&store, PatientId::from(pid), ExportFormat::Ics, &options).unwrap());
        let text = String::from_utf8(bytes.clone()).unwrap();
        let zone_part =
            &text[text.find("BEGIN:VTIMEZONE").unwrap()..text.find("END:VTIMEZONE").unwrap()];
        assert_eq!(
            zone_part.matches("RRULE:").count(),
            rules.len(),
            "{zone}: {zone_part}"
        );
        for rule in rules {
            assert!(zone_part.contains(rule), "{zone}: {rule} in {zone_part}");
        }
        assert!(
            text.contains("RRULE:FREQ=DAILY\r\n"),
            "the regimen repeats without end"
        );
        assert!(
            !text.contains("METHOD:"),
            "a file to import is not an iTIP message"
        );
        if let Some(dir) = &samples {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{}.ics", zone.replace('/', "_"))), &bytes).unwrap();
        }
    }
}

/// A reading from a photo: the core's suggestion (`suggested`, or unsure) with the two nearest
/// swatches, and the grade the parent confirmed.
fn photo_reading(
    client_id: &str,
    patient_id: PatientId,
    day: &str,
    suggested: Option<DipstickGrade>,
    nearest: [DipstickGrade; 2],
    confirmed: DipstickGrade,
) -> NewUrineReading {
    use crate::dipstick::{PhotoSuggestion, ReadStatus, SwatchDistance};
    let zone: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    NewUrineReading {
        client_id: client_id.into(),
        patient_id,
        measurement: UrineMeasurement::Dipstick(confirmed),
        taken_at_ms: slot_instant(date(day), time("07:00"), zone).timestamp_millis(),
        taken_on: None,
        first_morning: true,
        note: None,
        logged_by: "mother".into(),
        photo: Some(PhotoSuggestion {
            status: if suggested.is_some() {
                ReadStatus::Read
            } else {
                ReadStatus::Unsure
            },
            grade: suggested,
            nearest: [
                SwatchDistance {
                    grade: nearest[0],
                    delta_e: 4.0,
                },
                SwatchDistance {
                    grade: nearest[1],
                    delta_e: if suggested.is_some() { 9.0 } else { 5.0 },
                },
            ],
        }),
    }
}

#[test]
fn photo_assisted_readings_say_so_in_fhir_and_the_report_counts_the_changed_suggestions() {
    use DipstickGrade::{FourPlus, Negative, ThreePlus, Trace, TwoPlus};
    let mut store = Store::open_in_memory().unwrap();
    let pid = store
        .create_patient(&NewPatient {
            display_name: "Photo".into(),
            birth_date: date("2019-01-01"),
            sex: Sex::Male,
            time_zone: "Asia/Shanghai".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap()
        .id;
    let by_eye = NewUrineReading {
        client_id: "eye".into(),
        photo: None,
        measurement: UrineMeasurement::Dipstick(Negative),
        ..photo_reading("eye", pid, "2025-04-19", None, [Negative, Trace], Negative)
    };
    for reading in [
        by_eye,
        // The parent changed the suggested 2+ to 3+.
        photo_reading(
            "p1",
            pid,
            "2025-04-20",
            Some(TwoPlus),
            [TwoPlus, ThreePlus],
            ThreePlus,
        ),
        // The parent confirmed the suggested 3+.
        photo_reading(
            "p2",
            pid,
            "2025-04-21",
            Some(ThreePlus),
            [ThreePlus, FourPlus],
            ThreePlus,
        ),
        // Unsure between 3+ and 4+: the parent chose 4+ (nothing suggested, nothing changed).
        photo_reading(
            "p3",
            pid,
            "2025-04-22",
            None,
            [ThreePlus, FourPlus],
            FourPlus,
        ),
        // Changed, then retracted: not in the export, so not counted.
        photo_reading(
            "p4",
            pid,
            "2025-04-23",
            Some(Negative),
            [Negative, Trace],
            TwoPlus,
        ),
    ] {
        store.log_urine_reading(&reading).unwrap();
    }
    store.retract_urine_reading("p4", "mother").unwrap();

    let files = export(&store, pid, ExportFormat::Fhir, &options()).unwrap();
    let bundle: Value = serde_json::from_slice(&one(files)).unwrap();
    let methods: Vec<&str> = resources(&bundle, "Observation")
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "20454-5")
        .map(|o| o["method"]["text"].as_str().unwrap())
        .collect();
    let photo = "first-morning urine; photo-assisted, confirmed by the caregiver";
    assert_eq!(methods, ["first-morning urine", photo, photo, photo]);
    // Only the confirmed grades count: 3+, 3+, 4+ on three days is a relapse.
    assert_eq!(resources(&bundle, "Condition").len(), 1);

    let line = "Photo-assisted dipstick readings: 3, each grade confirmed by the caregiver; the \
                caregiver changed the suggested grade in 1; no grade was suggested (unsure) in 1.";
    let html = String::from_utf8(one(
        export(&store, pid, ExportFormat::Html, &options()).unwrap()
    ))
    .unwrap();
    assert!(html.contains(line), "the report counts the change");
    let csv = export(&store, pid, ExportFormat::Csv, &options()).unwrap();
    assert!(text_of(&csv, "manifest.txt").contains(line));
    let list = &resources(&bundle, "List")[0];
    assert!(list.to_string().contains(line), "the FHIR manifest too");

    let mut zh = options();
    zh.locale = Locale::ZhHans;
    let bundle: Value =
        serde_json::from_slice(&one(export(&store, pid, ExportFormat::Fhir, &zh).unwrap()))
            .unwrap();
    assert!(bundle
        .to_string()
        .contains("晨尿；拍照辅助判读，经照护者确认"));
    let html =
        String::from_utf8(one(export(&store, pid, ExportFormat::Html, &zh).unwrap())).unwrap();
    assert!(html.contains("照护者更改建议等级 1 次"));

    // A period without a photo-assisted reading says nothing about photos.
    let mut before = options();
    before.to = Some(date("2025-04-19"));
    let html = String::from_utf8(one(
        export(&store, pid, ExportFormat::Html, &before).unwrap()
    ))
    .unwrap();
    assert!(!html.contains("Photo-assisted"));
}

mod medicines {
    use super::*;
    use crate::medicine::known::KnownMedicine;
    use crate::medicine::liquid::Liquid;
    use crate::medicine::record::{
        MedicineAmount, MedicineDays, MedicineName, MedicineSchedule, NewMedicine,
    };

    const TYPED: &str = "Grandpa's Zhang herbal syrup";

    /// The fixture child also takes enalapril every other day, prednisolone as a 5 mg/mL
    /// solution for 10 days, and a typed-in medicine as needed; one dose of the solution taken.
    fn with_medicines() -> (Fixture, [MedicationId; 3]) {
        let mut f = fixture();
        let medicine =
            |client_id: &str, name: MedicineName, amount, days, times: &[&str]| NewMedicine {
                patient_id: f.patient_id,
                client_id: client_id.into(),
                name,
                form: "tablet".into(),
                amount,
                schedule: MedicineSchedule {
                    times: times.iter().map(|t| time(t)).collect(),
                    days,
                    start_date: date("2025-04-01"),
                    end_date: None,
                    course_days: None,
                },
                added_by: "nephrologist".into(),
            };
        let ace = medicine(
            "ace",
            MedicineName::Known(KnownMedicine::Enalapril),
            MedicineAmount::Tablets {
                strength_mg: 2.5,
                units: 1.0,
            },
            MedicineDays::AlternateDays,
            &["08:00"],
        );
        let mut solution = medicine(
            "solution",
            MedicineName::Known(KnownMedicine::Prednisolone),
            MedicineAmount::Liquid {
                mg: 12.0,
                liquid: Liquid::new(5.0),
            },
            MedicineDays::EveryDay,
            &["08:00"],
        );
        solution.schedule.course_days = Some(10);
        let typed = medicine(
            "typed",
            MedicineName::Typed(TYPED.into()),
            MedicineAmount::Tablets {
                strength_mg: 100.0,
                units: 1.0,
            },
            MedicineDays::AsNeeded,
            &[],
        );
        let ids = [ace, solution, typed].map(|m| f.store.add_medicine(&m).unwrap().medication_id());
        let zone: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
        let at = slot_instant(date("2025-04-02"), time("08:00"), zone).timestamp_millis() + 60_000;
        f.store
            .log_dose(
                &NewDoseLog::new(
                    "solution-1".into(),
                    ids[1].clone(),
                    date("2025-04-02"),
                    time("08:00"),
                    DoseOutcome::Taken,
                    at,
                    "mother".into(),
                ),
                now().timestamp_millis(),
                None,
            )
            .unwrap();
        (f, ids)
    }

    #[test]
    fn fhir_names_every_medicine_with_rxnorm_where_known() {
        let (f, _) = with_medicines();
        let bundle = fhir(&f, &options());
        let requests = resources(&bundle, "MedicationRequest");
        let concept = |text: &str| {
            requests
                .iter()
                .map(|r| &r["medicationCodeableConcept"])
                .find(|c| c["text"] == text)
                .unwrap_or_else(|| panic!("no request for {text}"))
                .clone()
        };
        let ace = concept("Enalapril");
        assert_eq!(ace["coding"][0]["system"], fhir::RXNORM);
        assert_eq!(ace["coding"][0]["code"], "3827");
        let typed = concept(TYPED);
        assert!(typed.get("coding").is_none(), "no code for a typed-in name");
        let solution = requests
            .iter()
            .find(|r| {
                r["dosageInstruction"][0]["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("2.4 mL (12 mg)"))
            })
            .expect("the solution's dose in mL and mg");
        assert_eq!(
            solution["medicationCodeableConcept"]["coding"][0]["code"],
            "8638"
        );
        let ace_request = requests
            .iter()
            .find(|r| r["medicationCodeableConcept"]["text"] == "Enalapril")
            .unwrap();
        assert_eq!(
            ace_request["dosageInstruction"][0]["timing"]["repeat"]["period"],
            2.0
        );
        // The taken dose of the solution is a MedicationStatement naming prednisolone.
        let statements = resources(&bundle, "MedicationStatement");
        assert!(statements.iter().any(|s| {
            s["medicationCodeableConcept"]["coding"][0]["code"] == "8638"
                && s["effectiveDateTime"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("2025-04-02T08:01"))
        }));
    }

    #[test]
    fn csv_report_and_calendar_list_the_medicines() {
        let (f, ids) = with_medicines();
        let files = export(&f.store, f.patient_id, ExportFormat::Csv, &options()).unwrap();
        let medications = csv_rows(csv_file(&files, "medications.csv"));
        let row = |id: &MedicationId| {
            medications
                .iter()
                .find(|r| r.contains(&id.to_string()))
                .unwrap_or_else(|| panic!("no row for {id}"))
                .clone()
        };
        assert!(row(&ids[0]).contains(&"enalapril".to_string()));
        assert!(row(&ids[0]).contains(&"every 2 days".to_string()));
        assert!(row(&ids[2]).contains(&TYPED.to_string()));
        assert!(row(&ids[2]).contains(&"as needed".to_string()));
        let doses = csv_rows(csv_file(&files, "doses.csv"));
        assert!(doses
            .iter()
            .any(|r| r.contains(&ids[1].to_string()) && r.contains(&"prednisolone".to_string())));

        let html = String::from_utf8(one(export(
            &f.store,
            f.patient_id,
            ExportFormat::Html,
            &options(),
        )
        .unwrap()))
        .unwrap();
        assert!(html.contains("Enalapril"));
        assert!(html.contains("2.4 mL (12 mg)"));

        let mut o = options();
        o.from = Some(date("2025-04-02"));
        let ics = String::from_utf8(one(
            export(&f.store, f.patient_id, ExportFormat::Ics, &o).unwrap()
        ))
        .unwrap()
        .replace("\r\n ", "");
        // Alternate days from 1 April: the window's first dosing day is 3 April.
        assert!(
            ics.contains(&format!("UID:{}@2025-04-01T08:00", ids[0])),
            "{ics}"
        );
        assert!(ics.contains(
            "DTSTART;TZID=Europe/Paris:20250403T080000\r\nDURATION:PT15M\r\nRRULE:FREQ=DAILY;INTERVAL=2\r\n"
        ));
        assert!(ics.contains("SUMMARY:Prednisolone 2.4 mL (12 mg)"));
        assert!(
            ics.contains("RRULE:FREQ=DAILY;UNTIL=20250410T060000Z"),
            "a 10-day course"
        );
        assert!(
            !ics.contains(&ids[2].to_string()),
            "as needed: no calendar event"
        );
    }

    #[test]
    fn a_de_identified_export_names_only_known_medicines() {
        let (f, _) = with_medicines();
        let mut o = options();
        o.deidentify = Some(Deidentify::deterministic(-100, 14, [1; 32]).unwrap());
        for locale in Locale::ALL {
            o.locale = locale;
            for format in ExportFormat::ALL {
                for file in export(&f.store, f.patient_id, format, &o).unwrap() {
                    let text = String::from_utf8(file.bytes).unwrap().replace("\r\n ", "");
                    for secret in ["Grandpa", "herbal", "Zhang"] {
                        assert!(
                            !text.contains(secret),
                            "{format:?} {locale:?} holds {secret}"
                        );
                    }
                }
            }
        }
        o.locale = Locale::En;
        let bundle = fhir(&f, &o);
        let names: Vec<String> = resources(&bundle, "MedicationRequest")
            .iter()
            .map(|r| {
                r["medicationCodeableConcept"]["text"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert!(names.contains(&"Other medicine".to_string()), "{names:?}");
        assert!(names.contains(&"Enalapril".to_string()), "{names:?}");
    }
}

/// Rituximab infusions given in hospital (clinical-rules §12): logged with their mg, shown on the
/// report's timeline with the mg/m² of the day's body surface area (§2).
mod infusions {
    use super::*;
    use crate::medicine::known::KnownMedicine;
    use crate::medicine::record::{
        MedicineAmount, MedicineDays, MedicineName, MedicineSchedule, NewMedicine,
    };

    /// The fixture child (20 kg, 115 cm from 2025-02-27; 20.4 kg, 115.6 cm from 2025-04-15)
    /// also had rituximab 300 mg on 2025-02-20 (before any height), 2025-03-25 and 2025-04-20;
    /// an infusion logged as not given on 2025-04-22.
    fn with_infusions() -> (Fixture, MedicationId) {
        let mut f = fixture();
        let rituximab = f
            .store
            .add_medicine(&NewMedicine {
                patient_id: f.patient_id,
                client_id: "rituximab".into(),
                name: MedicineName::Known(KnownMedicine::Rituximab),
                form: "intravenous infusion".into(),
                amount: MedicineAmount::Infusion { mg: 300.0 },
                schedule: MedicineSchedule {
                    times: Vec::new(),
                    days: MedicineDays::AsNeeded,
                    start_date: date("2025-02-01"),
                    end_date: None,
                    course_days: None,
                },
                added_by: "nephrologist".into(),
            })
            .unwrap()
            .medication_id();
        let zone: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
        for (day, outcome) in [
            ("2025-02-20", DoseOutcome::Taken),
            ("2025-03-25", DoseOutcome::Taken),
            ("2025-04-20", DoseOutcome::Taken),
            ("2025-04-22", DoseOutcome::Skipped),
        ] {
            let at = slot_instant(date(day), time("10:30"), zone).timestamp_millis();
            f.store
                .log_dose(
                    &NewDoseLog::new(
                        format!("infusion-{day}"),
                        rituximab.clone(),
                        date(day),
                        time("10:30"),
                        outcome,
                        at,
                        "nurse".into(),
                    ),
                    at,
                    None,
                )
                .unwrap();
        }
        (f, rituximab)
    }

    #[test]
    fn each_infusion_given_has_its_mg_per_m2_on_its_day() {
        let (f, rituximab) = with_infusions();
        let s = DiarySnapshot::for_export(&f.store, f.patient_id, &options()).unwrap();
        let dates: Vec<String> = s.infusions.iter().map(|i| i.date.to_string()).collect();
        assert_eq!(
            dates,
            ["2025-02-20", "2025-03-25", "2025-04-20"],
            "not the skipped one"
        );
        assert!(s
            .infusions
            .iter()
            .all(|i| i.medication == rituximab && i.mg == 300.0));
        assert_eq!(s.infusions[0].bsa_m2, None, "no height before 2025-02-27");
        assert_eq!(s.infusions[0].mg_per_m2, None);
        // Mosteller: sqrt(115 × 20 / 3600) = 0.7993 m², then sqrt(115.6 × 20.4 / 3600) = 0.8094.
        let bsa: Vec<f64> = s.infusions[1..].iter().map(|i| i.bsa_m2.unwrap()).collect();
        assert!(
            (bsa[0] - 0.79931).abs() < 1e-4 && (bsa[1] - 0.80936).abs() < 1e-4,
            "{bsa:?}"
        );
        let per_m2 = s.infusions[1].mg_per_m2.unwrap();
        assert!((per_m2 - 375.33).abs() < 0.01, "{per_m2}");
    }

    #[test]
    fn the_report_marks_each_infusion_on_the_timeline_and_lists_it() {
        let (f, _) = with_infusions();
        let html = String::from_utf8(one(export(
            &f.store,
            f.patient_id,
            ExportFormat::Html,
            &options(),
        )
        .unwrap()))
        .unwrap();
        assert_eq!(html.matches("data-testid=\"infusion-marker\"").count(), 3);
        assert!(html.contains("data-testid=\"infusion-marker\" data-date=\"2025-03-25\""));
        assert_eq!(html.matches("data-testid=\"infusion-row\"").count(), 3);
        assert!(html.contains("<td>2025-03-25</td><td>Rituximab</td><td class=\"n\">300 mg</td><td>375 mg/m² (0.8 m²)</td>"), "{html}");
        assert!(html.contains("<td>2025-04-20</td><td>Rituximab</td><td class=\"n\">300 mg</td><td>371 mg/m² (0.81 m²)</td>"));
        assert!(html.contains("<td>2025-02-20</td><td>Rituximab</td><td class=\"n\">300 mg</td><td>no height or weight recorded by then</td>"));
        // A report without infusions has neither the table nor a marker.
        let g = fixture();
        let plain = String::from_utf8(one(export(
            &g.store,
            g.patient_id,
            ExportFormat::Html,
            &options(),
        )
        .unwrap()))
        .unwrap();
        assert!(!plain.contains("table-infusions") && !plain.contains("infusion-marker"));
    }

    #[test]
    fn fhir_and_csv_carry_each_infusion_with_its_dose() {
        let (f, rituximab) = with_infusions();
        let bundle = fhir(&f, &options());
        let given: Vec<(&str, f64)> = resources(&bundle, "MedicationStatement")
            .into_iter()
            .filter(|r| r["medicationCodeableConcept"]["text"] == "Rituximab")
            .map(|r| {
                (
                    r["status"].as_str().unwrap(),
                    r["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"]
                        .as_f64()
                        .unwrap(),
                )
            })
            .collect();
        assert_eq!(
            given,
            [
                ("completed", 300.0),
                ("completed", 300.0),
                ("completed", 300.0),
                ("not-taken", 300.0)
            ]
        );
        let files = export(&f.store, f.patient_id, ExportFormat::Csv, &options()).unwrap();
        let doses = text_of(&files, "doses.csv");
        let id = rituximab.to_string();
        let rows: Vec<&str> = doses.lines().filter(|l| l.contains(&id)).collect();
        assert_eq!(rows.len(), 4, "{doses}");
        assert!(
            rows.iter().any(|r| r.contains(",2025-03-25,10:30,")
                && r.contains(",rituximab,taken,")
                && r.contains(",300,")),
            "{rows:?}"
        );
    }

    #[test]
    fn a_de_identified_report_keeps_rituximab_and_shifts_its_days() {
        let (f, _) = with_infusions();
        let mut o = options();
        o.deidentify = Some(Deidentify::deterministic(-100, 14, [1; 32]).unwrap());
        let s = DiarySnapshot::for_export(&f.store, f.patient_id, &o).unwrap();
        let dates: Vec<String> = s.infusions.iter().map(|i| i.date.to_string()).collect();
        // 100 days earlier; the period ends 14 days before 2025-04-30, so 2025-04-20 is cut.
        assert_eq!(dates, ["2024-11-12", "2024-12-15"]);
        assert!(s
            .infusions
            .iter()
            .all(|i| i.medicine == ExportedMedicine::Known(KnownMedicine::Rituximab)));
        let html = String::from_utf8(one(
            export(&f.store, f.patient_id, ExportFormat::Html, &o).unwrap()
        ))
        .unwrap();
        assert_eq!(html.matches("data-testid=\"infusion-row\"").count(), 2);
        assert!(html.contains("Rituximab") && !html.contains("2025-03-25"));
    }
}

/// A steroid course given as an oral solution (clinical-rules §12 with §4): every export carries
/// the volume beside the mg.
mod liquid_course {
    use super::*;
    use crate::medicine::liquid::Liquid;
    use crate::store::NewCourse;

    /// The fixture's course (40 mg daily for 10 days, then 20 mg on alternate days) revised to
    /// a 5 mg/mL solution: 8 mL, then 4 mL.
    fn with_solution() -> Fixture {
        let mut f = fixture();
        let course = f.store.courses(f.patient_id).unwrap().remove(0);
        let revised = NewCourse {
            drug: course.drug,
            template: None,
            phases: course.plan.phases.clone(),
            stamp: None,
            start: course.plan.start,
            tablets: TabletSpec::default(),
            liquid: Some(Liquid::new(5.0)),
            times: course.times.clone(),
            remission_confirmed: None,
            changed_by: "Dr. Dupont".into(),
            reason: Some("a solution is easier to give".into()),
            client_id: None,
        };
        f.store
            .revise_course(&course.course_key, course.version, &revised)
            .unwrap();
        f
    }

    #[test]
    fn every_export_carries_the_volume_of_a_liquid_course() {
        let f = with_solution();
        let files = export(&f.store, f.patient_id, ExportFormat::Csv, &options()).unwrap();
        let bytes = csv_file(&files, "steroid_calendar.csv");
        let header = String::from_utf8_lossy(bytes)
            .lines()
            .next()
            .unwrap()
            .to_string();
        assert!(header.ends_with(",dose (mL)"), "{header}");
        let days = csv_rows(bytes);
        let day = |d: &str| {
            days.iter()
                .find(|r| r[0] == d)
                .unwrap_or_else(|| panic!("no row for {d}"))
                .clone()
        };
        assert_eq!(day("2025-03-23")[4..], ["40", "0", "0", "no", "8"]);
        assert_eq!(day("2025-04-02")[4..], ["20", "0", "0", "no", "4"]);
        assert_eq!(day("2025-04-03")[4..], ["0", "0", "0", "no", "0"]);

        let bundle = fhir(&f, &options());
        let dosage: Vec<String> = resources(&bundle, "MedicationRequest")
            .iter()
            .filter_map(|r| r["dosageInstruction"][0]["text"].as_str())
            .map(str::to_string)
            .collect();
        assert!(
            dosage
                .iter()
                .any(|t| t.contains("8 mL (40 mg)") && t.contains("4 mL (20 mg)")),
            "{dosage:?}"
        );

        let html = String::from_utf8(one(export(
            &f.store,
            f.patient_id,
            ExportFormat::Html,
            &options(),
        )
        .unwrap()))
        .unwrap();
        assert!(html.contains(" · 5 mg/mL"), "the report names the solution");

        let mut o = options();
        o.from = Some(date("2025-03-23"));
        let ics = String::from_utf8(one(
            export(&f.store, f.patient_id, ExportFormat::Ics, &o).unwrap()
        ))
        .unwrap()
        .replace("\r\n ", "");
        assert!(ics.contains("SUMMARY:Prednisolone 8 mL (40 mg)"), "{ics}");
        assert!(ics.contains("SUMMARY:Prednisolone 4 mL (20 mg)"), "{ics}");
        assert!(!ics.contains("tablets × 5 mg"), "no tablets for a solution");
    }
}

#[test]
fn no_de_identified_export_holds_a_records_global_id() {
    let f = fixture();
    let ids = crate::store::global_id_tests::every_global_id(&f.store);
    assert!(ids.len() >= 5, "the fixture holds records: {ids:?}");
    let mut o = options();
    o.deidentify = Some(Deidentify::deterministic(-40, 14, [9; 32]).unwrap());
    let exported = export_formats(&f.store, f.patient_id, &ExportFormat::ALL, &o).unwrap();
    assert_eq!(exported.len(), ExportFormat::ALL.len());
    for (format, files) in exported {
        for file in files {
            let text = String::from_utf8_lossy(&file.bytes).to_lowercase();
            for id in &ids {
                // Its text, its hex digits without hyphens, and the hex of its random part alone.
                let hyphenated = id.to_string();
                let simple = hyphenated.replace('-', "");
                for form in [&hyphenated, &simple, &simple[12..].to_string()] {
                    assert!(
                        !text.contains(form.as_str()),
                        "{format:?} {} holds a global id",
                        file.name
                    );
                }
            }
        }
    }
}

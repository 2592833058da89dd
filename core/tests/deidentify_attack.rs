//! An attacker's attempt to recover the secret date shift of a de-identified export.
//!
//! The attacker has what a recipient has: every file of one de-identified request (the FHIR
//! bundle, every CSV table and the manifest, the report, the calendar), the real day the export
//! was made (from the message it came with, to the minute), and the project's source: the policy
//! (shifts ±30..=395 days, the period ending 14 to 69 days before the export day) and how ids
//! were once made. The attacker parses every file, collects every id, date and instant, and tries
//! every candidate shift against every piece of evidence:
//! - ids: the old construction (a hash of the patient id and the shift) for every shift and
//!   patient id; time-ordered UUIDs (versions 1, 6, 7), which carry their creation time;
//! - timestamps: any instant that is the real time of the export moved by a whole number of days
//!   (a shifted generation time), and any UTC offset (the zone the manifest says is removed);
//! - daylight saving: a one-hour jump in the UTC times of a daily dose must fall on a real
//!   transition day of the zone;
//! - the latest record against the day of the export: the diary is kept every day, up to the
//!   day of the export.
//!
//! The shift must stay hidden among at least 28 candidates (here: 56 or more), and the old
//! attack "latest record minus the export day" must guess wrong. The attacker is checked too:
//! given the leaks the exports used to have, it singles the shift out.

mod common;
use common::{date, time};

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::export::deidentify::{
    CUTOFF_MAX_DAYS, CUTOFF_MIN_DAYS, MAX_CHOSEN_SHIFT_DAYS, MIN_CHOSEN_SHIFT_DAYS,
};
use nephro_core::export::{
    export_formats, fhir, Deidentify, ExportFile, ExportFormat, ExportOptions,
};
use nephro_core::labs::{BloodPressure, LabKind, LabResult, LabUnit};
use nephro_core::model::{
    DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Sex,
};
use nephro_core::protein::{DipstickGrade, UrineMeasurement};
use nephro_core::schedule::slot_instant;
use nephro_core::store::urine::NewUrineReading;
use nephro_core::store::{NewCourse, NewLabResult, Store};
use nephro_core::taper::{DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};

const ZONE: &str = "Europe/Paris";

/// The real instant of the export (the attacker knows it from the message, to the minute).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, 30, 15, 47, 13).unwrap()
}

/// The real day of the export, in the patient's zone.
fn export_day() -> NaiveDate {
    date("2025-04-30")
}

/// A diary kept every day up to the morning of the export day, across the daylight-saving
/// change of 2025-03-30: tacrolimus twice a day, a morning dipstick, monthly labs, weight and
/// blood pressure, a steroid course running past the cutoff and one started in the last days.
fn diary() -> (Store, i64) {
    let mut store = Store::open_in_memory().unwrap();
    let zone: Tz = ZONE.parse().unwrap();
    let pid = store
        .create_patient(&NewPatient {
            display_name: "Attack Target".into(),
            birth_date: date("2018-06-15"),
            sex: Sex::Male,
            time_zone: ZONE.into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap()
        .id;
    let first = date("2024-11-01");
    store
        .add_measurement(
            pid,
            &Measurement {
                id: 0,
                measured_on: first - Days::new(2),
                weight_kg: Some(22.0),
                height_cm: Some(120.0),
                confirmed: false,
            },
        )
        .unwrap();
    let regimen = store
        .add_regimen(
            pid,
            &NewRegimen {
                drug: Drug::Tacrolimus,
                form: "capsules (Dr Martin's order)".into(),
                strengths_mg: vec![0.5, 1.0],
                allow_split: false,
                rate: DoseRate::MgPerKgPerDay(0.1),
                times: vec![time("08:00"), time("20:00")],
                start_date: first,
                end_date: None,
                prescribed_by: "Dr Martin".into(),
                prescribed_on: first - Days::new(2),
                override_range: false,
            },
        )
        .unwrap();
    let medication = MedicationId::Regimen(regimen.id);
    let mut day = first;
    while day <= export_day() {
        for slot in ["08:00", "20:00"] {
            let at = slot_instant(day, time(slot), zone) + chrono::TimeDelta::minutes(5);
            if at > now() {
                continue;
            }
            store
                .log_dose(
                    &NewDoseLog::new(
                        format!("dose-{day}-{slot}"),
                        medication.clone(),
                        day,
                        time(slot),
                        DoseOutcome::Taken,
                        at.timestamp_millis(),
                        "Papa".into(),
                    ),
                    at.timestamp_millis(),
                    None,
                )
                .unwrap();
        }
        let relapse =
            (date("2025-02-20")..=date("2025-02-24")).contains(&day) || day >= date("2025-04-25");
        store
            .log_urine_reading(&NewUrineReading {
                client_id: format!("urine-{day}"),
                patient_id: pid,
                measurement: UrineMeasurement::Dipstick(if relapse {
                    DipstickGrade::ThreePlus
                } else {
                    DipstickGrade::Negative
                }),
                taken_at_ms: slot_instant(day, time("07:00"), zone).timestamp_millis(),
                taken_on: None,
                first_morning: true,
                note: Some(format!("noted on {day}")),
                logged_by: "Papa".into(),
                photo: None,
            })
            .unwrap();
        if day.format("%d").to_string() == "10" || day == export_day() {
            store
                .log_lab_result(&NewLabResult {
                    client_id: format!("lab-{day}"),
                    patient_id: pid,
                    result: LabResult {
                        kind: LabKind::TacrolimusTrough,
                        value: 6.5,
                        unit: LabUnit::NanogramsPerMillilitre,
                        drawn_at: slot_instant(day, time("07:30"), zone),
                        upper_limit_of_normal: None,
                    },
                    logged_by: "clinic".into(),
                })
                .unwrap();
            store
                .add_blood_pressure(
                    pid,
                    &BloodPressure {
                        measured_at: slot_instant(day, time("09:00"), zone),
                        systolic_mmhg: 102.0,
                        diastolic_mmhg: 64.0,
                    },
                    None,
                )
                .unwrap();
            store
                .add_measurement(
                    pid,
                    &Measurement {
                        id: 0,
                        measured_on: day,
                        weight_kg: Some(22.5),
                        height_cm: None,
                        confirmed: false,
                    },
                )
                .unwrap();
        }
        day = day + Days::new(1);
    }
    for start in ["2025-03-01", "2025-04-27"] {
        store
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
                            length: PhaseLength::Days(28),
                        },
                        Phase {
                            dose: Some(DoseBasis::Mg(20.0)),
                            max_mg: None,
                            frequency: Frequency::AlternateDay,
                            length: PhaseLength::Days(28),
                        },
                    ],
                    stamp: None,
                    start: date(start),
                    tablets: TabletSpec::default(),
                    liquid: None,
                    times: vec![time("08:00")],
                    remission_confirmed: None,
                    changed_by: "Dr Martin".into(),
                    reason: Some("relapse, seen in clinic".into()),
                    client_id: None,
                },
            )
            .unwrap();
    }
    (store, pid)
}

/// Every candidate shift of the policy.
fn allowed() -> BTreeSet<i32> {
    (MIN_CHOSEN_SHIFT_DAYS..=MAX_CHOSEN_SHIFT_DAYS)
        .flat_map(|s| [s, -s])
        .collect()
}

/// What the attacker collects from the files.
#[derive(Default)]
struct Evidence {
    /// Every date, and the date of every instant.
    dates: Vec<NaiveDate>,
    /// Every instant with a time: the time as written, and its UTC offset in seconds when one
    /// is written (`None`: a floating calendar time).
    instants: Vec<(NaiveDateTime, Option<i32>)>,
    /// Every UUID.
    uuids: HashSet<String>,
    /// Every UTC offset other than 0 (`+01:00`, `-05:00`).
    offsets: Vec<String>,
    /// Per daily dose slot (`08:00`): slot date and minutes from the slot (local clock) to the
    /// time given, read in UTC.
    dose_gaps: Vec<(NaiveDate, i64)>,
}

fn digits(bytes: &[u8], at: usize, n: usize) -> bool {
    bytes.len() >= at + n && bytes[at..at + n].iter().all(u8::is_ascii_digit)
}

impl Evidence {
    /// Scans one value for dates, instants (ISO 8601 and iCalendar forms) and UUIDs.
    fn scan(&mut self, text: &str) {
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
            if let Some(uuid) = sub(b, i, i + 36).filter(|u| boundary && is_uuid(u)) {
                self.uuids.insert(uuid.to_string());
                i += 36;
                continue;
            }
            // 2025-04-16, 2025-04-16T08:05:00Z, 2025-04-16T08:05:00+02:00
            if boundary
                && digits(b, i, 4)
                && b.get(i + 4) == Some(&b'-')
                && digits(b, i + 5, 2)
                && b.get(i + 7) == Some(&b'-')
                && digits(b, i + 8, 2)
            {
                if let Ok(d) = NaiveDate::parse_from_str(&text[i..i + 10], "%Y-%m-%d") {
                    let clock = sub(b, i + 11, i + 19)
                        .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M:%S").ok());
                    self.dates.push(d);
                    let mut end = i + 10;
                    if b.get(i + 10) == Some(&b'T') {
                        if let Some(t) = clock {
                            let offset = match b.get(i + 19) {
                                Some(b'Z') => {
                                    end = i + 20;
                                    Some(0)
                                }
                                Some(b'+' | b'-') if sub(b, i, i + 25).is_some() => {
                                    let written = sub(b, i + 19, i + 25).unwrap_or_default();
                                    end = i + 25;
                                    let parsed = sub(b, i, i + 25)
                                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                                        .map(|at| at.offset().local_minus_utc());
                                    if parsed != Some(0) {
                                        self.offsets.push(written.to_string());
                                    }
                                    parsed
                                }
                                _ => {
                                    end = i + 19;
                                    None
                                }
                            };
                            self.instants.push((d.and_time(t), offset));
                        }
                    }
                    i = end;
                    continue;
                }
            }
            // iCalendar: 20250416, 20250416T080000, 20250416T080000Z
            if boundary && digits(b, i, 8) && !digits(b, i + 8, 1) {
                if let Ok(d) = NaiveDate::parse_from_str(&text[i..i + 8], "%Y%m%d") {
                    self.dates.push(d);
                    let mut end = i + 8;
                    if b.get(i + 8) == Some(&b'T') && digits(b, i + 9, 6) {
                        let t = NaiveTime::parse_from_str(&text[i + 9..i + 15], "%H%M%S").unwrap();
                        let utc = b.get(i + 15) == Some(&b'Z');
                        self.instants
                            .push((d.and_time(t), if utc { Some(0) } else { None }));
                        end = i + 15 + usize::from(utc);
                    }
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// Parses every file of the export and scans every value in it.
    fn of(files: &[ExportFile]) -> Evidence {
        let mut e = Evidence::default();
        for file in files {
            let text = String::from_utf8(file.bytes.clone()).unwrap();
            if file.name.ends_with(".json") {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                e.scan_json(&value);
            } else if file.name.ends_with(".csv") {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
                let rows: Vec<Vec<String>> = reader
                    .records()
                    .map(|r| r.unwrap().iter().map(str::to_string).collect())
                    .collect();
                for row in &rows {
                    for cell in row {
                        e.scan(cell);
                    }
                }
                if file.name == "doses.csv" {
                    e.read_dose_gaps(&rows);
                }
            } else if file.name.ends_with(".ics") {
                let unfolded = text.replace("\r\n ", "");
                for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
                    let (name, value) = line.split_once(':').unwrap();
                    e.scan(name);
                    e.scan(value);
                }
            } else {
                // The report (HTML) and manifest.txt: every attribute and every text.
                for piece in text.split(['<', '>', '"', '\'']) {
                    e.scan(piece);
                }
            }
        }
        e
    }

    fn scan_json(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::String(s) => self.scan(s),
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.scan_json(v)),
            serde_json::Value::Object(map) => map.values().for_each(|v| self.scan_json(v)),
            _ => {}
        }
    }

    /// The doses table: slot date, slot time (local), and the instant given.
    fn read_dose_gaps(&mut self, rows: &[Vec<String>]) {
        let header = &rows[0];
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (slot_date, slot_time, given) = (
            column("slot date"),
            column("slot time (local)"),
            column("given or skipped at"),
        );
        for row in rows.iter().skip(1).filter(|r| r[slot_time] == "08:00") {
            let slot = date(&row[slot_date]).and_time(time("08:00"));
            let at = if let Some(naive) = row[given].strip_suffix('Z') {
                NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S").unwrap()
            } else {
                DateTime::parse_from_rfc3339(&row[given])
                    .unwrap()
                    .naive_utc()
            };
            self.dose_gaps
                .push((slot.date(), (at - slot).num_minutes()));
        }
    }
}

/// `b[from..to]` as text, when it is whole characters inside `b`.
fn sub(b: &[u8], from: usize, to: usize) -> Option<&str> {
    b.get(from..to).and_then(|s| std::str::from_utf8(s).ok())
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// What the attacker concludes: the shifts consistent with each piece of evidence and with all
/// of it, and the old attack's guess.
struct Verdict {
    by_ids: BTreeSet<i32>,
    by_generation_time: BTreeSet<i32>,
    by_daylight_saving: BTreeSet<i32>,
    by_latest_record: BTreeSet<i32>,
    consistent: BTreeSet<i32>,
    naive_guess: i32,
    time_ordered_ids: usize,
}

fn attack(e: &Evidence) -> Verdict {
    let all = allowed();
    // Ids: the old construction for every shift and likely patient ids.
    let by_ids: BTreeSet<i32> = all
        .iter()
        .copied()
        .filter(|s| {
            (1..=5).any(|pid: i64| {
                let salt = format!("nephrodiary/{pid}/deidentified/{s}");
                e.uuids
                    .contains(&fhir::stable_uuid(&[&salt, "Patient", &pid.to_string()]))
            })
        })
        .collect();
    let time_ordered_ids = e
        .uuids
        .iter()
        .filter(|u| matches!(u.as_bytes()[14], b'1' | b'6' | b'7'))
        .count();
    // A generation time: an instant that is the real time of the export plus whole days.
    let real = now().naive_utc();
    let by_generation_time: BTreeSet<i32> = e
        .instants
        .iter()
        .filter_map(|(at, offset)| {
            let utc = *at - chrono::TimeDelta::seconds(i64::from(offset.unwrap_or(0)));
            let seconds = (utc - real).num_seconds();
            let days = (seconds as f64 / 86_400.0).round() as i64;
            ((seconds - days * 86_400).abs() <= 60).then_some(days as i32)
        })
        .filter(|s| all.contains(s))
        .collect();
    // Daylight saving: a jump of an hour in the UTC time of the morning dose.
    let paris: Tz = ZONE.parse().unwrap();
    let offset_on = |d: NaiveDate| {
        paris
            .offset_from_utc_datetime(&d.and_time(NaiveTime::MIN))
            .fix()
            .local_minus_utc()
    };
    let mut gaps = e.dose_gaps.clone();
    gaps.sort();
    let jumps: Vec<NaiveDate> = gaps
        .windows(2)
        .filter(|w| (w[1].1 - w[0].1).abs() == 60)
        .map(|w| w[1].0)
        .collect();
    let by_daylight_saving: BTreeSet<i32> = all
        .iter()
        .copied()
        .filter(|s| {
            jumps.iter().all(|shifted| {
                let real = *shifted - chrono::TimeDelta::days(i64::from(*s));
                offset_on(real) != offset_on(real - Days::new(1))
                    || offset_on(real + Days::new(1)) != offset_on(real)
            })
        })
        .collect();
    // The latest record against the export day: the diary is kept daily, the period ends
    // CUTOFF_MIN..=CUTOFF_MAX days before the export day (one day of slack for a late dose).
    let latest = *e.dates.iter().max().unwrap();
    let seen = (latest - export_day()).num_days() as i32;
    let (low, high) = (
        seen + CUTOFF_MIN_DAYS as i32 - 1,
        seen + CUTOFF_MAX_DAYS as i32 + 1,
    );
    let by_latest_record: BTreeSet<i32> = all
        .iter()
        .copied()
        .filter(|s| (low..=high).contains(s))
        .collect();
    // Evidence that singles shifts out (a matching id, a shifted generation time) is decisive;
    // evidence that matches nothing constrains nothing. Otherwise: the latest record and the
    // daylight-saving jumps.
    let singled: Vec<&BTreeSet<i32>> = [&by_ids, &by_generation_time]
        .into_iter()
        .filter(|set| !set.is_empty())
        .collect();
    let consistent: BTreeSet<i32> = match singled.split_first() {
        Some((first, rest)) => rest.iter().fold((*first).clone(), |acc, set| {
            acc.intersection(set).copied().collect()
        }),
        None => by_latest_record
            .intersection(&by_daylight_saving)
            .copied()
            .collect(),
    };
    Verdict {
        by_ids,
        by_generation_time,
        by_daylight_saving,
        by_latest_record,
        consistent,
        naive_guess: seen,
        time_ordered_ids,
    }
}

fn share(store: &Store, pid: i64, deidentify: Deidentify) -> Vec<ExportFile> {
    let options = ExportOptions {
        deidentify: Some(deidentify),
        ..ExportOptions::new(now())
    };
    export_formats(store, pid, &ExportFormat::ALL, &options)
        .unwrap()
        .into_iter()
        .flat_map(|(_, files)| files)
        .collect()
}

fn assert_hidden(files: &[ExportFile], deidentify: Deidentify) -> usize {
    let truth = deidentify.shift_days();
    let evidence = Evidence::of(files);
    assert!(evidence.dates.len() > 1000 && evidence.instants.len() > 500);
    assert!(evidence.uuids.len() > 500, "ids were read");
    assert!(
        evidence.offsets.is_empty(),
        "offsets {:?}",
        &evidence.offsets[..3.min(evidence.offsets.len())]
    );
    let v = attack(&evidence);
    assert_eq!(v.time_ordered_ids, 0, "no time-ordered UUID");
    assert!(
        evidence.uuids.iter().all(|u| u.as_bytes()[14] == b'4'),
        "random (version 4) ids"
    );
    assert!(v.by_ids.is_empty(), "ids single out {:?}", v.by_ids);
    assert!(
        v.by_generation_time.is_empty(),
        "a generation time singles out {:?}",
        v.by_generation_time
    );
    assert_eq!(
        v.by_daylight_saving.len(),
        allowed().len(),
        "no daylight-saving jump"
    );
    assert!(
        v.consistent.contains(&truth),
        "the attacker's deductions are sound"
    );
    assert!(
        v.consistent.len() >= 56,
        "shift {truth} (cutoff {}) narrowed to {} candidates: {:?}",
        deidentify.cutoff_days(),
        v.consistent.len(),
        v.consistent
    );
    assert!(v.by_latest_record.len() >= 56);
    assert_ne!(
        v.naive_guess, truth,
        "latest record minus the export day is not the shift"
    );
    v.consistent.len()
}

#[test]
fn the_shift_of_a_de_identified_request_cannot_be_brute_forced_from_its_files() {
    let (store, pid) = diary();
    let mut sizes = Vec::new();
    // Fresh requests as the app and the CLI make them…
    for _ in 0..8 {
        let d = Deidentify::random().unwrap();
        sizes.push(assert_hidden(&share(&store, pid, d), d));
    }
    // …and the policy's corners: the largest and smallest shifts with the extreme cutoffs.
    for (shift, cutoff) in [(-395, 14), (-30, 69), (30, 14), (395, 69)] {
        let d = Deidentify::deterministic(shift, cutoff, [9; 32]).unwrap();
        sizes.push(assert_hidden(&share(&store, pid, d), d));
    }
    eprintln!("candidate shifts left to the attacker: {sizes:?}");
}

#[test]
fn the_attacker_finds_the_shift_through_the_leaks_exports_used_to_have() {
    let (store, pid) = diary();
    let d = Deidentify::deterministic(-123, 30, [4; 32]).unwrap();
    let files = share(&store, pid, d);
    let leak = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut files = files.clone();
        let fhir = files
            .iter_mut()
            .find(|f| f.name == "diary.fhir.json")
            .unwrap();
        let mut bundle: serde_json::Value = serde_json::from_slice(&fhir.bytes).unwrap();
        edit(&mut bundle);
        fhir.bytes = serde_json::to_vec(&bundle).unwrap();
        attack(&Evidence::of(&files))
    };
    let clean = attack(&Evidence::of(&files));
    assert!(clean.consistent.contains(&-123) && clean.consistent.len() >= 56);
    // A generation time shifted with the records.
    let shifted_now = now() + chrono::TimeDelta::days(-123);
    let found = leak(&|b| {
        b["timestamp"] = shifted_now.format("%Y-%m-%dT%H:%M:%SZ").to_string().into();
    });
    assert_eq!(found.consistent, BTreeSet::from([-123]));
    // The Patient id of the old construction.
    let old = fhir::stable_uuid(&["nephrodiary/1/deidentified/-123", "Patient", "1"]);
    let found = leak(&|b| b["entry"][1]["resource"]["id"] = old.clone().into());
    assert_eq!(found.consistent, BTreeSet::from([-123]));
    // A record on the day of the export (no cutoff): latest record minus the export day.
    let found = leak(&|b| {
        b["entry"][0]["resource"]["note"][0]["text"] = (export_day()
            + chrono::TimeDelta::days(-123))
        .to_string()
        .into();
    });
    assert_eq!(found.naive_guess, -123);
}

#[test]
fn utc_times_would_give_the_daylight_saving_day_away() {
    // The evidence a true UTC conversion would leave: the morning dose at 07:05 UTC in winter
    // and 06:05 UTC from 2025-03-30 (shifted by −123 days: 2024-11-27).
    let mut e = Evidence::default();
    let shift = chrono::TimeDelta::days(-123);
    let mut day = date("2025-03-01");
    while day < date("2025-04-10") {
        let gap = if day < date("2025-03-30") { -55 } else { -115 };
        e.dose_gaps.push((day + shift, gap));
        e.dates.push(day + shift);
        day = day + Days::new(1);
    }
    e.dates
        .push(export_day() + chrono::TimeDelta::days(-123 - 20));
    let v = attack(&e);
    assert!(v.by_daylight_saving.contains(&-123));
    assert!(
        v.by_daylight_saving.len() <= 10,
        "{:?}",
        v.by_daylight_saving
    );
}

//! Time (issue 9): the clock moving backwards, a device zone change mid-day, leap days and
//! dates past 2038, across the store and the engines.

mod common;
use common::{at, date as d, time as t};

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use nephro_core::dates::add_months;
use nephro_core::dose::DoseRate;
use nephro_core::drug::Drug;
use nephro_core::error::Error;
use nephro_core::model::{
    DoseEdit, DoseOutcome, Measurement, MedicationId, NewDoseLog, NewPatient, NewRegimen, Sex,
};
use nephro_core::protein::{DipstickGrade, UrineMeasurement, UrineReading};
use nephro_core::relapse::{self, RelapseInput, ReportedState};
use nephro_core::schedule::{
    self, DayPattern, DoseStatus, LoggedDose, LoggedOutcome, MedicationSchedule, TravelPolicy,
};
use nephro_core::store::Store;
use nephro_core::taper::{self, CoursePlan, DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};

fn ms(text: &str) -> i64 {
    at(text).timestamp_millis()
}

/// A store with a patient in `zone` weighing 20 kg and a twice-daily tacrolimus regimen from `start`.
fn diary(zone: &str, start: &str, end: Option<&str>) -> (Store, i64, i64) {
    let mut store = Store::open_in_memory().expect("store");
    let patient = store
        .create_patient(&NewPatient {
            display_name: "Time Child".into(),
            birth_date: d("2016-02-29"),
            sex: Sex::Male,
            time_zone: zone.into(),
            definition_set: "ipna2022".into(),
        })
        .expect("patient");
    // 20 kg and 115 cm the day after birth is far beyond 4 SD for age (clinical-rules §10): the
    // value is confirmed, since these tests are about dates and instants, not growth.
    let weight = Measurement {
        global_id: Default::default(),
        id: 0.into(),
        measured_on: d("2016-03-01"),
        weight_kg: Some(20.0),
        height_cm: Some(115.0),
        confirmed: true,
    };
    store.add_measurement(patient.id, &weight).expect("weight");
    let regimen = store
        .add_regimen(
            patient.id,
            &NewRegimen {
                drug: Drug::Tacrolimus,
                form: "capsule".into(),
                strengths_mg: vec![0.5, 1.0],
                allow_split: false,
                rate: DoseRate::MgPerKgPerDay(0.1),
                times: vec![t("08:00"), t("20:00")],
                start_date: d(start),
                end_date: end.map(d),
                prescribed_by: "Dr. Time".into(),
                prescribed_on: d(start),
                override_range: false,
            },
        )
        .expect("regimen");
    (store, patient.id.into(), regimen.id.into())
}

fn dose(client_id: &str, regimen_id: i64, date: &str, time: &str, actual_at_ms: i64) -> NewDoseLog {
    NewDoseLog::new(
        client_id.into(),
        MedicationId::Regimen(regimen_id.into()),
        d(date),
        t(time),
        DoseOutcome::Taken,
        actual_at_ms,
        "mother".into(),
    )
}

fn bid(id: &str) -> MedicationSchedule {
    MedicationSchedule::new(id, vec![t("08:00"), t("20:00")], DayPattern::Daily)
}

fn nephrotic(date: &str) -> UrineReading {
    UrineReading {
        date: d(date),
        measurement: UrineMeasurement::Dipstick(DipstickGrade::ThreePlus),
        first_morning: true,
    }
}

fn clear(date: &str) -> UrineReading {
    UrineReading {
        date: d(date),
        measurement: UrineMeasurement::Dipstick(DipstickGrade::Negative),
        first_morning: true,
    }
}

// ---------------------------------------------------------------------------------------------
// The clock moving backwards.

/// The phone's clock was corrected backwards between two logs: the second dose was "given"
/// before the first. Both are kept as entered, listed by slot, and each edit keeps its history.
#[test]
fn a_dose_given_before_the_previous_one_is_kept_as_entered() {
    let (mut store, patient_id, regimen_id) = diary("Asia/Shanghai", "2025-06-01", None);
    let evening = store
        .log_dose(
            &dose(
                "b",
                regimen_id,
                "2025-06-02",
                "20:00",
                ms("2025-06-02T12:05:00Z"),
            ),
            ms("2025-06-02T12:05:00Z"),
            None,
        )
        .expect("evening");
    let morning = store
        .log_dose(
            &dose(
                "a",
                regimen_id,
                "2025-06-02",
                "08:00",
                ms("2025-06-02T13:00:00Z"),
            ),
            ms("2025-06-02T13:00:00Z"),
            None,
        )
        .expect("morning");
    // A third whose clock went back a whole day: on that clock tomorrow's 08:00 dose is more than
    // its take-window ahead, so it cannot be logged yet (clinical-rules §10; the device's clock
    // decides) and nothing is stored.
    let back_a_day = store.log_dose(
        &dose(
            "c",
            regimen_id,
            "2025-06-03",
            "08:00",
            ms("2025-06-01T23:00:00Z"),
        ),
        ms("2025-06-01T23:00:00Z"),
        None,
    );
    assert!(
        matches!(back_a_day, Err(Error::Invalid { ref field, .. }) if field == "slot_date"),
        "{back_a_day:?}"
    );
    assert!(store.dose("c").is_err());
    let logs = store
        .dose_logs(patient_id.into(), d("2025-06-02"), d("2025-06-03"))
        .expect("logs");
    let order: Vec<_> = logs.iter().map(|l| l.dose.client_id.as_str()).collect();
    assert_eq!(order, ["a", "b"], "listed by slot, not by the clock");
    assert_eq!(
        store.dose("b").expect("b").dose.actual_at_ms,
        evening.dose.actual_at_ms
    );
    assert_eq!(
        store.dose("a").expect("a").dose.actual_at_ms,
        morning.dose.actual_at_ms
    );
    // An edit to an earlier time than the original keeps both revisions.
    let edit = DoseEdit::new(DoseOutcome::Taken, ms("2025-06-02T00:01:00Z"), "father");
    store
        .edit_dose("a", &edit, edit.actual_at_ms, None)
        .expect("edit back in time");
    let history = store.dose_history("a").expect("history");
    assert_eq!(
        history.iter().map(|r| r.actual_at_ms).collect::<Vec<_>>(),
        [morning.dose.actual_at_ms, edit.actual_at_ms]
    );
    // Resubmitting the original (a retry after the clock moved) is still the same dose.
    assert!(store
        .log_dose(
            &dose(
                "a",
                regimen_id,
                "2025-06-02",
                "08:00",
                morning.dose.actual_at_ms
            ),
            morning.dose.actual_at_ms,
            None
        )
        .is_ok());
}

/// Reminders depend only on the `now` given: asking again with an earlier `now` after a later
/// one gives exactly what a fresh computation at the earlier instant gives, with the later
/// answer a suffix of it.
#[test]
fn reminders_from_an_earlier_now_after_a_later_one_are_consistent() {
    let meds = [
        bid("regimen-1"),
        MedicationSchedule::new(
            "course-pred",
            vec![t("07:30")],
            DayPattern::AlternateFrom(d("2025-06-01")),
        ),
    ];
    let tz = Tz::Asia__Shanghai;
    let later = at("2025-06-02T13:00:00Z");
    let earlier = at("2025-06-02T01:00:00Z");
    let none = HashSet::new();
    let fresh_earlier = schedule::next_reminders(&meds, tz, earlier, 64, &none);
    let from_later = schedule::next_reminders(&meds, tz, later, 64, &none);
    let back_again = schedule::next_reminders(&meds, tz, earlier, 64, &none);
    assert_eq!(back_again, fresh_earlier);
    assert!(back_again.iter().all(|r| r.instant_utc >= earlier));
    // 2025-06-02 08:00 Shanghai (00:00 UTC) is before `earlier`; 20:00 (12:00 UTC) is between.
    assert_eq!(back_again[0].id, "regimen-1@2025-06-02T20:00");
    let later_ids: Vec<_> = from_later.iter().map(|r| &r.id).collect();
    let earlier_ids: Vec<_> = back_again.iter().map(|r| &r.id).collect();
    let shared = later_ids
        .iter()
        .filter(|id| earlier_ids.contains(id))
        .count();
    assert!(shared >= 60, "the later answer continues the earlier one");
    assert!(!later_ids.contains(&&"regimen-1@2025-06-02T20:00".to_string()));
}

/// A dose status and an adherence report asked at an instant before a dose's log: the dose is
/// upcoming; the report counts only slots before `now` and ignores the "future" log.
#[test]
fn status_and_adherence_at_an_earlier_now() {
    let slot = at("2025-06-02T12:00:00Z");
    let med = bid("regimen-1");
    assert_eq!(
        med.dose_status(slot, slot - TimeDelta::minutes(1)),
        DoseStatus::Upcoming
    );
    assert_eq!(med.dose_status(slot, slot), DoseStatus::Due);
    let logs = [LoggedDose {
        medication_id: "regimen-1".into(),
        slot_date: d("2025-06-02"),
        slot_time: t("20:00"),
        outcome: LoggedOutcome::Taken { at: slot },
    }];
    let report = schedule::adherence_report(
        &[med],
        Tz::Asia__Shanghai,
        d("2025-06-02"),
        d("2025-06-02"),
        &logs,
        at("2025-06-02T06:30:00Z"),
    )
    .expect("report");
    assert_eq!(
        report.overall.scheduled, 1,
        "at 14:30 Shanghai only the 08:00 slot counts (missed: past its 6-hour take-window)"
    );
    assert_eq!(report.overall.taken, 0);
}

/// A relapse assessment "as of" a date before the latest readings ignores the later ones.
#[test]
fn relapse_state_as_of_an_earlier_date() {
    let readings = vec![
        clear("2025-03-01"),
        nephrotic("2025-03-02"),
        nephrotic("2025-03-03"),
        nephrotic("2025-03-04"),
    ];
    let now = relapse::assess(&RelapseInput {
        readings: readings.clone(),
        ..RelapseInput::default()
    })
    .expect("assess");
    assert_eq!(now.state, ReportedState::Relapse);
    let before = relapse::assess(&RelapseInput {
        readings,
        as_of: Some(d("2025-03-03")),
        ..RelapseInput::default()
    })
    .expect("assess");
    assert_eq!(
        before.state,
        ReportedState::Watch,
        "two nephrotic days are a watch, not yet a relapse"
    );
}

// ---------------------------------------------------------------------------------------------
// A device zone change mid-day.

/// The family flies from Shanghai to Paris on 2025-06-02, landing at 10:00 UTC after the
/// morning dose (08:00 Shanghai, logged). Keeping the wall clock, the evening dose is at 20:00
/// Paris time; keeping the home instants, at 20:00 Shanghai time. Either way the morning slot
/// stays handled and no slot is reminded twice.
#[test]
fn a_zone_change_mid_day_moves_the_next_reminders_as_the_policy_says() {
    let home = Tz::Asia__Shanghai;
    let away = Tz::Europe__Paris;
    let meds = [bid("regimen-1")];
    let handled: HashSet<String> = [schedule::reminder_id(
        "regimen-1",
        d("2025-06-02"),
        t("08:00"),
    )]
    .into();
    let landed = at("2025-06-02T10:00:00Z");

    let wall = schedule::reminder_zone(TravelPolicy::KeepWallClock, home, away);
    let keep_wall = schedule::next_reminders(&meds, wall, landed, 4, &handled);
    assert_eq!(keep_wall[0].id, "regimen-1@2025-06-02T20:00");
    assert_eq!(keep_wall[0].instant_utc, at("2025-06-02T18:00:00Z"));

    let instants = schedule::reminder_zone(TravelPolicy::KeepHomeInstants, home, away);
    let keep_home = schedule::next_reminders(&meds, instants, landed, 4, &handled);
    assert_eq!(keep_home[0].id, "regimen-1@2025-06-02T20:00");
    assert_eq!(keep_home[0].instant_utc, at("2025-06-02T12:00:00Z"));
    // The Paris wall-clock times that keep the home instants: 14:00 and 02:00 (summer time).
    assert_eq!(
        schedule::travel_times(
            &[t("20:00"), t("08:00")],
            TravelPolicy::KeepHomeInstants,
            home,
            away,
            d("2025-06-02")
        ),
        [t("14:00"), t("02:00")]
    );
    for list in [&keep_wall, &keep_home] {
        let ids: HashSet<_> = list.iter().map(|r| &r.id).collect();
        assert_eq!(ids.len(), list.len(), "no slot twice");
        assert!(list.iter().all(|r| !handled.contains(&r.id)));
    }
}

/// Across the date line (UTC+14 to UTC−11) the local date goes back a day: the previous local
/// day's evening slot, never logged, comes back as a reminder with its own id; the logged
/// slots stay handled; the store keeps the doses under their slot dates.
#[test]
fn a_zone_change_across_the_date_line_repeats_a_date_without_duplicates() {
    let (mut store, patient_id, regimen_id) = diary("Pacific/Kiritimati", "2025-06-01", None);
    let medication = MedicationId::Regimen(regimen_id.into()).to_string();
    // 08:00 on 2025-06-02 in Kiritimati is 18:00 UTC on 06-01.
    store
        .log_dose(
            &dose(
                "m",
                regimen_id,
                "2025-06-02",
                "08:00",
                ms("2025-06-01T18:00:00Z"),
            ),
            ms("2025-06-01T18:00:00Z"),
            None,
        )
        .expect("log");
    let mut profile = store.patient(patient_id.into()).expect("patient").profile;
    profile.time_zone = "Pacific/Pago_Pago".into();
    store
        .update_patient(patient_id.into(), &profile)
        .expect("zone change");
    let tz: Tz = "Pacific/Pago_Pago".parse().expect("zone");
    let now = at("2025-06-01T20:00:00Z"); // 09:00 on 2025-06-01 in Pago Pago
    assert_eq!(schedule::local_date(now, tz), d("2025-06-01"));
    let handled: HashSet<String> = store
        .dose_logs(patient_id.into(), d("2025-05-31"), d("2025-06-03"))
        .expect("logs")
        .iter()
        .map(|l| {
            schedule::reminder_id(
                &l.dose.medication.to_string(),
                l.dose.slot_date,
                l.dose.slot_time,
            )
        })
        .collect();
    let meds = [bid(&medication)];
    let next = schedule::next_reminders(&meds, tz, now, 6, &handled);
    let ids: Vec<_> = next.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids[0], format!("{medication}@2025-06-01T20:00"));
    assert!(
        !ids.contains(&format!("{medication}@2025-06-02T08:00")),
        "the logged slot stays handled: {ids:?}"
    );
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    assert_eq!(
        store.dose("m").expect("dose").dose.slot_date,
        d("2025-06-02")
    );
}

// ---------------------------------------------------------------------------------------------
// Leap days.

#[test]
fn a_regimen_starting_and_ending_on_leap_days_takes_its_doses() {
    let (mut store, patient_id, regimen_id) =
        diary("Europe/Paris", "2024-02-29", Some("2028-02-29"));
    store
        .log_dose(
            &dose(
                "first",
                regimen_id,
                "2024-02-29",
                "08:00",
                ms("2024-02-29T07:00:00Z"),
            ),
            ms("2024-02-29T07:00:00Z"),
            None,
        )
        .expect("first day");
    store
        .log_dose(
            &dose(
                "last",
                regimen_id,
                "2028-02-29",
                "20:00",
                ms("2028-02-29T19:00:00Z"),
            ),
            ms("2028-02-29T19:00:00Z"),
            None,
        )
        .expect("last day");
    let after = store.log_dose(
        &dose(
            "after",
            regimen_id,
            "2028-03-01",
            "08:00",
            ms("2028-03-01T07:00:00Z"),
        ),
        ms("2028-03-01T07:00:00Z"),
        None,
    );
    assert!(
        matches!(after, Err(Error::Invalid { ref field, .. }) if field == "slot_date"),
        "{after:?}"
    );
    let logs = store
        .dose_logs(patient_id.into(), d("2024-02-29"), d("2028-02-29"))
        .expect("logs");
    assert_eq!(logs.len(), 2);
    // A year after a leap day is the 28th of February (clamped calendar months).
    assert_eq!(add_months(d("2024-02-29"), 12), d("2025-02-28"));
    assert_eq!(add_months(d("2024-02-29"), 48), d("2028-02-29"));
}

#[test]
fn leap_day_schedules_count_the_29th() {
    let tz = Tz::Europe__Paris;
    let slots =
        schedule::scheduled_slots(&[bid("regimen-1")], tz, d("2024-02-01"), d("2024-02-29"))
            .expect("slots");
    assert_eq!(slots.len(), 29 * 2);
    let alternate = MedicationSchedule::new(
        "course-1",
        vec![t("07:30")],
        DayPattern::AlternateFrom(d("2024-02-27")),
    );
    let days: Vec<_> = schedule::scheduled_slots(
        std::slice::from_ref(&alternate),
        tz,
        d("2024-02-27"),
        d("2024-03-04"),
    )
    .expect("slots")
    .iter()
    .map(|s| s.slot_date)
    .collect();
    assert_eq!(
        days,
        [
            d("2024-02-27"),
            d("2024-02-29"),
            d("2024-03-02"),
            d("2024-03-04")
        ]
    );
    let days: Vec<_> =
        schedule::scheduled_slots(&[alternate], tz, d("2025-02-27"), d("2025-03-03"))
            .expect("slots")
            .iter()
            .map(|s| s.slot_date)
            .collect();
    assert_eq!(
        days,
        [d("2025-02-27"), d("2025-03-01"), d("2025-03-03")],
        "no 29th in a common year"
    );
}

#[test]
fn a_taper_across_a_leap_day_has_the_29th() {
    let plan = CoursePlan {
        start: d("2024-02-27"),
        weight_kg: 20.0,
        height_cm: None,
        tablets: TabletSpec::default(),
        liquid: None,
        phases: vec![Phase {
            dose: Some(DoseBasis::Mg(20.0)),
            max_mg: None,
            frequency: Frequency::Daily,
            length: PhaseLength::Days(28),
        }],
    };
    let calendar = taper::build_calendar(&plan, None).expect("calendar");
    assert_eq!(calendar.days.len(), 28);
    assert!(calendar
        .days
        .iter()
        .any(|day| day.date == d("2024-02-29") && day.mg == 20.0));
    assert_eq!(calendar.last_dosing_day, Some(d("2024-03-25")));
    // The same course a year later ends a day later in the calendar.
    let calendar = taper::build_calendar(
        &CoursePlan {
            start: d("2025-02-27"),
            ..plan
        },
        None,
    )
    .expect("calendar");
    assert_eq!(calendar.last_dosing_day, Some(d("2025-03-26")));
}

#[test]
fn three_days_across_a_leap_day_are_consecutive() {
    let leap = relapse::assess(&RelapseInput {
        readings: vec![
            nephrotic("2024-02-28"),
            nephrotic("2024-02-29"),
            nephrotic("2024-03-01"),
        ],
        ..RelapseInput::default()
    })
    .expect("assess");
    assert_eq!(leap.relapses.len(), 1);
    assert_eq!(
        (leap.relapses[0].onset, leap.relapses[0].confirmed),
        (d("2024-02-28"), d("2024-03-01"))
    );
    // In a common year, 02-28 and 03-01 are consecutive too.
    let common = relapse::assess(&RelapseInput {
        readings: vec![
            nephrotic("2025-02-27"),
            nephrotic("2025-02-28"),
            nephrotic("2025-03-01"),
        ],
        ..RelapseInput::default()
    })
    .expect("assess");
    assert_eq!(common.relapses.len(), 1);
    // A missing 02-29 in a leap year breaks the run.
    let gap = relapse::assess(&RelapseInput {
        readings: vec![
            nephrotic("2024-02-27"),
            nephrotic("2024-02-28"),
            nephrotic("2024-03-01"),
        ],
        ..RelapseInput::default()
    })
    .expect("assess");
    assert!(gap.relapses.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Past 2038 (epoch seconds beyond i32).

#[test]
fn instants_and_dates_past_2038_are_stored_and_read_back_exactly() {
    // London (UTC in winter): each instant lies within its slot's take-window (clinical-rules §10).
    let (mut store, patient_id, regimen_id) = diary("Europe/London", "2038-01-18", None);
    let instants = [
        (
            "y2038-before",
            "2038-01-18",
            "20:00",
            i64::from(i32::MAX) * 1000 - 1,
        ),
        (
            "y2038-after",
            "2038-01-19",
            "08:00",
            (i64::from(i32::MAX) + 1) * 1000,
        ),
        ("y2100", "2100-02-28", "08:00", ms("2100-02-28T13:00:00Z")),
        // The last instant of clinical-rules §10's bounds.
        (
            "y2200",
            "2200-12-31",
            "20:00",
            ms("2200-12-31T23:59:59Z") + 999,
        ),
    ];
    for (id, date, time, when) in instants {
        store
            .log_dose(&dose(id, regimen_id, date, time, when), when, None)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            store.dose(id).expect("read back").dose.actual_at_ms,
            when,
            "{id}"
        );
    }
    let logs = store
        .dose_logs(patient_id.into(), d("2038-01-01"), d("9999-12-31"))
        .expect("logs");
    assert_eq!(logs.len(), instants.len());
    // Past the hard bounds of clinical-rules §10 (dates and instants 1900–2200) a dose is
    // refused, naming the field, and nothing is stored.
    let refused = [
        (
            "y9999",
            "9999-12-31",
            "20:00",
            ms("9999-12-31T12:00:00Z"),
            "slot_date",
        ),
        (
            "y2201",
            "2201-01-01",
            "08:00",
            ms("2200-12-31T12:00:00Z"),
            "slot_date",
        ),
        ("far", "2038-01-20", "08:00", i64::MAX, "actual_at_ms"),
        (
            "before-epoch",
            "2038-01-20",
            "20:00",
            i64::MIN,
            "actual_at_ms",
        ),
        (
            "after-2200",
            "2200-12-31",
            "08:00",
            ms("2200-12-31T23:59:59Z") + 1000,
            "actual_at_ms",
        ),
    ];
    for (id, date, time, when, expected) in refused {
        let err = store.log_dose(&dose(id, regimen_id, date, time, when), when, None);
        assert!(
            matches!(err, Err(Error::Invalid { ref field, .. }) if field == expected),
            "{id}: {err:?}"
        );
        assert!(store.dose(id).is_err(), "{id} stored nothing");
    }
    let beyond = NewDoseLog {
        slot_date: NaiveDate::MAX,
        ..dose("beyond", regimen_id, "2038-01-21", "08:00", 0)
    };
    assert!(
        matches!(store.log_dose(&beyond, 0, None), Err(Error::Invalid { ref field, .. }) if field == "slot_date")
    );
    assert!(store.dose("beyond").is_err());
}

#[test]
fn reminders_cross_the_2038_boundary() {
    let meds = [bid("regimen-1")];
    let from = DateTime::from_timestamp(i64::from(i32::MAX) - 3600, 0).expect("2038");
    let reminders = schedule::next_reminders(&meds, Tz::UTC, from, 4, &HashSet::new());
    let ids: Vec<_> = reminders.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "regimen-1@2038-01-19T08:00",
            "regimen-1@2038-01-19T20:00",
            "regimen-1@2038-01-20T08:00",
            "regimen-1@2038-01-20T20:00"
        ]
    );
    assert!(reminders
        .iter()
        .all(|r| r.instant_utc.timestamp() > i64::from(i32::MAX)));
    // At the end of the calendar the engine stops instead of overflowing.
    let end = DateTime::<Utc>::MAX_UTC - TimeDelta::days(1);
    assert!(
        schedule::next_reminders(&meds, Tz::Pacific__Kiritimati, end, 64, &HashSet::new()).len()
            <= 4
    );
}

#[test]
fn a_relapse_walk_and_a_taper_after_2038() {
    let readings = vec![
        nephrotic("2040-02-28"),
        nephrotic("2040-02-29"),
        nephrotic("2040-03-01"),
    ];
    let assessment = relapse::assess(&RelapseInput {
        readings,
        ..RelapseInput::default()
    })
    .expect("assess");
    assert_eq!(assessment.relapses[0].confirmed, d("2040-03-01"));
    let plan = CoursePlan {
        start: d("2099-12-20"),
        weight_kg: 20.0,
        height_cm: Some(115.0),
        tablets: TabletSpec::default(),
        liquid: None,
        phases: vec![Phase {
            dose: Some(DoseBasis::MgPerM2(60.0)),
            max_mg: Some(60.0),
            frequency: Frequency::Daily,
            length: PhaseLength::Days(28),
        }],
    };
    let calendar = taper::build_calendar(&plan, None).expect("calendar");
    assert_eq!(calendar.last_dosing_day, Some(d("2100-01-16")));
}

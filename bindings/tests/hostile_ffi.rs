//! Hostile input through the FFI (issue 9): property tests over the free functions and the
//! `Diary` methods exactly as Kotlin, Swift and Python call them (strings for dates and times,
//! epoch milliseconds, any `f64`). Nothing panics (a panic would reach the app as an internal
//! error); every refusal is a `NephroError` naming what was wrong, never a storage error; a
//! refused call changes nothing the diary can show.
//!
//! `PROPTEST_CASES=<n>` changes the number of cases.

use std::sync::Arc;

use nephro_ffi::*;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.01f64..200.0,
        2 => select(vec![
            0.0, -0.0, -1.0, 0.5, 1.0, 1e9, 1e300, 5e-324, f64::MAX, f64::MIN, f64::NAN, f64::INFINITY, f64::NEG_INFINITY,
        ]),
        1 => any::<f64>(),
    ]
}

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-zA-Z][a-zA-Z .'-]{0,29}",
        1 => any::<String>(),
        2 => select(vec![
            "", " ", "\u{0}", "a\u{0}b", "\u{202E}evil", "\u{FEFF}", "\u{FFFD}", "👩‍👩‍👧‍👦", "'; DROP TABLE dose_log; --", "%s%n",
        ])
        .prop_map(str::to_string),
        1 => (1usize..3000).prop_map(|n| "y".repeat(n)),
    ]
    .boxed()
}

/// Dates as the shells send them: mostly valid, and every way of getting one wrong.
fn date_text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (2015i32..2035, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        3 => select(vec![
            "2024-02-29", "2025-02-29", "2025-02-30", "2025-13-01", "0000-01-01", "9999-12-31", "+10000-01-01",
            "-0001-01-01", "2025-6-1", "2025/06/01", "２０２５-０６-０１", "2025-06-01T00:00", "", " ", "2038-01-19",
        ])
        .prop_map(str::to_string),
        1 => text(),
    ]
    .boxed()
}

fn time_text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => select(vec!["08:00", "20:00"]).prop_map(str::to_string),
        2 => (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        2 => select(vec!["24:00", "23:60", "8:00", "08:00:00", "٠٨:٠٠", "", "-1:00", "99:99"]).prop_map(str::to_string),
        1 => text(),
    ]
    .boxed()
}

fn millis() -> impl Strategy<Value = i64> {
    prop_oneof![3 => 1_700_000_000_000i64..1_800_000_000_000, 1 => any::<i64>()]
}

fn drug() -> impl Strategy<Value = Drug> {
    select(vec![
        Drug::Tacrolimus,
        Drug::MycophenolateMofetil,
        Drug::Prednisolone,
        Drug::Prednisone,
        Drug::Cyclophosphamide,
        Drug::Ciclosporin,
        Drug::Levamisole,
    ])
}

fn dose_request() -> impl Strategy<Value = DoseRequest> {
    (
        drug(),
        number(),
        prop::option::of(number()),
        prop::option::of(number()),
        prop::option::of(number()),
        prop_oneof![4 => 0u32..7, 1 => any::<u32>()],
        prop::collection::vec(number(), 0..5),
        any::<bool>(),
        any::<bool>(),
        // Clinical-rules §12: a liquid with any concentration and syringe graduation.
        prop::option::of((number(), prop::option::of(number())).prop_map(
            |(concentration_mg_per_ml, syringe_step_ml)| LiquidInput {
                concentration_mg_per_ml,
                syringe_step_ml,
            },
        )),
    )
        .prop_map(
            |(
                drug,
                weight_kg,
                mg_per_kg_per_day,
                mg_per_m2_per_day,
                height_cm,
                doses_per_day,
                strengths_mg,
                allow_split,
                override_range,
                liquid,
            )| {
                DoseRequest {
                    drug,
                    weight_kg,
                    mg_per_kg_per_day,
                    mg_per_m2_per_day,
                    height_cm,
                    doses_per_day,
                    strengths_mg,
                    allow_split,
                    override_range,
                    liquid,
                }
            },
        )
}

fn is_typed_refusal(e: &NephroError) -> bool {
    !matches!(
        e,
        NephroError::Storage { .. } | NephroError::CorruptDatabase { .. }
    )
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn calculate_dose_never_panics(request in dose_request()) {
        match calculate_dose(request) {
            Ok(dose) => prop_assert!(dose.per_dose_mg.is_finite() && dose.per_dose_mg > 0.0),
            Err(e) => prop_assert!(is_typed_refusal(&e), "{e}"),
        }
    }

    #[test]
    fn free_functions_never_panic(value in any::<i64>(), case in prop_oneof![any::<String>(), text()]) {
        prop_assert_eq!(ping(value), value);
        prop_assert!(!core_version().is_empty());
        // The case runner is in test builds only (`--features conformance`).
        #[cfg(feature = "conformance")]
        let _ = evaluate_conformance_case(case);
        #[cfg(not(feature = "conformance"))]
        let _ = case;
    }
}

#[derive(Debug, Clone)]
enum Call {
    CreatePatient(PatientProfile),
    UpdatePatient(i64, PatientProfile),
    AddMeasurement(i64, Measurement),
    AddRegimen(i64, RegimenInput),
    EndRegimen(i64, String),
    LogDose(DoseLogInput),
    EditDose(String, bool, i64, String),
    UndoDose(String, String),
    Read(i64, String, String, String),
}

fn profile() -> impl Strategy<Value = PatientProfile> {
    (
        text(),
        date_text(),
        select(vec![Sex::Female, Sex::Male, Sex::Unspecified]),
        prop_oneof![3 => select(vec!["Asia/Shanghai", "Europe/Paris", "UTC", "Pacific/Kiritimati"]).prop_map(str::to_string), 1 => text()],
        prop_oneof![3 => select(vec!["ipna2022", "kdigo2025", "kdigo2012"]).prop_map(str::to_string), 1 => text()],
    )
        .prop_map(|(display_name, birth_date, sex, time_zone, definition_set)| PatientProfile {
            display_name,
            birth_date,
            sex,
            time_zone,
            definition_set,
        })
}

fn regimen_input() -> impl Strategy<Value = RegimenInput> {
    let rate = prop_oneof![
        3 => prop_oneof![3 => 0.05f64..0.15, 1 => number()].prop_map(|rate| RegimenRate::MgPerKgPerDay { rate }),
        1 => number().prop_map(|rate| RegimenRate::MgPerM2PerDay { rate }),
    ];
    let times = prop_oneof![
        3 => Just(vec!["08:00".to_string(), "20:00".to_string()]),
        1 => prop::collection::vec(time_text(), 0..8),
    ];
    (
        (
            drug(),
            text(),
            prop_oneof![3 => Just(vec![0.5, 1.0]), 1 => prop::collection::vec(number(), 0..4)],
            any::<bool>(),
        ),
        (
            rate,
            times,
            prop_oneof![3 => Just("2025-06-01".to_string()), 1 => date_text()],
            prop::option::of(date_text()),
        ),
        (text(), date_text(), any::<bool>()),
    )
        .prop_map(
            |(
                (drug, form, strengths_mg, allow_split),
                (rate, times, start_date, end_date),
                (prescribed_by, prescribed_on, override_range),
            )| {
                RegimenInput {
                    drug,
                    form,
                    strengths_mg,
                    allow_split,
                    rate,
                    times,
                    start_date,
                    end_date,
                    prescribed_by,
                    prescribed_on,
                    override_range,
                }
            },
        )
}

fn client_id() -> BoxedStrategy<String> {
    prop_oneof![4 => (0u8..10).prop_map(|n| format!("tap-{n}")), 1 => text()].boxed()
}

fn call() -> impl Strategy<Value = Call> {
    let id = || prop_oneof![6 => 1i64..4, 1 => any::<i64>()];
    let medication = prop_oneof![
        5 => (1i64..4).prop_map(|n| format!("regimen-{n}")),
        1 => select(vec!["regimen-", "regimen-x", "course-", "course-a b", "regimen-99999999999999999999", "course-x"]).prop_map(str::to_string),
        1 => text(),
    ];
    let slot_date =
        prop_oneof![4 => (1u32..29).prop_map(|d| format!("2025-06-{d:02}")), 1 => date_text()];
    let dose = (
        client_id(),
        medication,
        slot_date,
        time_text(),
        any::<bool>(),
        millis(),
        text(),
    )
        .prop_map(
            |(client_id, medication_id, slot_date, slot_time, taken, actual_at_ms, logged_by)| {
                DoseLogInput {
                    client_id,
                    medication_id,
                    slot_date,
                    slot_time,
                    outcome: if taken {
                        DoseOutcome::Taken
                    } else {
                        DoseOutcome::Skipped
                    },
                    actual_at_ms,
                    logged_by,
                    note: None,
                }
            },
        );
    let measurement = (
        date_text(),
        prop::option::of(number()),
        prop::option::of(number()),
        any::<bool>(),
    )
        .prop_map(
            |(measured_on, weight_kg, height_cm, confirmed)| Measurement {
                global_id: Default::default(),
                measured_on,
                weight_kg,
                height_cm,
                confirmed,
            },
        );
    prop_oneof![
        2 => profile().prop_map(Call::CreatePatient),
        1 => (id(), profile()).prop_map(|(id, p)| Call::UpdatePatient(id, p)),
        2 => (id(), measurement).prop_map(|(id, m)| Call::AddMeasurement(id, m)),
        3 => (id(), regimen_input()).prop_map(|(id, r)| Call::AddRegimen(id, r)),
        1 => (id(), date_text()).prop_map(|(id, d)| Call::EndRegimen(id, d)),
        6 => dose.prop_map(Call::LogDose),
        2 => (client_id(), any::<bool>(), millis(), text()).prop_map(|(c, taken, at, by)| Call::EditDose(c, taken, at, by)),
        1 => (client_id(), text()).prop_map(|(c, by)| Call::UndoDose(c, by)),
        1 => (id(), client_id(), date_text(), date_text()).prop_map(|(id, c, from, to)| Call::Read(id, c, from, to)),
    ]
}

/// Everything the diary can show through the FFI, as one comparable text.
fn snapshot(diary: &Diary) -> Result<String, TestCaseError> {
    let unreadable = |what: &str, e: NephroError| {
        TestCaseError::fail(format!("{what} unreadable after an accepted call: {e}"))
    };
    let mut out = String::new();
    for p in diary.patients().map_err(|e| unreadable("patients", e))? {
        out += &format!("{p:?}\n");
        out += &format!(
            "{:?}\n",
            diary
                .measurements(p.id)
                .map_err(|e| unreadable("measurements", e))?
        );
        out += &format!(
            "{:?}\n",
            diary
                .regimens(p.id)
                .map_err(|e| unreadable("regimens", e))?
        );
        let logs = diary
            .dose_logs(p.id, "0000-01-01".into(), "9999-12-31".into())
            .map_err(|e| unreadable("dose logs", e))?;
        for log in logs {
            // recorded_at_ms is the wall clock of the write; the rest must not move on a refusal.
            out += &format!("{:?} r{} u{}\n", log.dose, log.revision, log.undone);
            let history = diary
                .dose_history(log.dose.client_id.clone())
                .map_err(|e| unreadable("history", e))?;
            out += &format!("{} revisions\n", history.len());
        }
    }
    Ok(out)
}

fn run(diary: &Diary, call: &Call) -> Result<(), NephroError> {
    match call.clone() {
        Call::CreatePatient(p) => {
            let created = diary.create_patient(p.clone())?;
            assert_eq!(
                diary.patient(created.id)?.profile,
                p,
                "a patient reads back as sent"
            );
        }
        Call::UpdatePatient(id, p) => {
            diary.update_patient(id.into(), p)?;
        }
        Call::AddMeasurement(id, m) => {
            diary.add_measurement(id.into(), m)?;
        }
        Call::AddRegimen(id, r) => {
            let regimen = diary.add_regimen(id.into(), r)?;
            let stored = diary
                .regimens(id.into())?
                .into_iter()
                .find(|s| s.id == regimen.id)
                .expect("stored");
            assert_eq!(stored, regimen, "a regimen reads back as returned");
        }
        Call::EndRegimen(id, d) => {
            diary.end_regimen(id.into(), d)?;
        }
        Call::LogDose(d) => {
            let entry = diary.log_dose(d.clone(), d.actual_at_ms, None)?;
            assert_eq!(
                diary.dose(d.client_id)?,
                entry,
                "a dose reads back as returned"
            );
        }
        Call::EditDose(c, taken, at, by) => {
            let outcome = if taken {
                DoseOutcome::Taken
            } else {
                DoseOutcome::Skipped
            };
            diary.edit_dose(c, outcome, at, by, at, None, None)?;
        }
        Call::UndoDose(c, by) => {
            diary.undo_dose(c, by)?;
        }
        Call::Read(id, c, from, to) => {
            let _ = diary.patient(id.into());
            let _ = diary.measurements(id.into());
            let _ = diary.regimens(id.into());
            let _ = diary.dose(c.clone());
            let _ = diary.dose_history(c);
            let _ = diary.dose_logs(id.into(), from, to);
        }
    }
    Ok(())
}

/// Random sequences of `Diary` calls with hostile arguments.
#[test]
fn diary_calls_with_hostile_arguments_refuse_cleanly() {
    let mut runner = TestRunner::new(config(48));
    runner
        .run(&prop::collection::vec(call(), 1..40), |calls| {
            let dir = tempfile::tempdir().expect("tempdir");
            let diary: Arc<Diary> =
                Diary::open(dir.path().join("diary.db").display().to_string()).expect("open");
            let good = PatientProfile {
                display_name: "Good".into(),
                birth_date: "2019-01-01".into(),
                sex: Sex::Male,
                time_zone: "Asia/Shanghai".into(),
                definition_set: "ipna2022".into(),
            };
            let p = diary.create_patient(good).expect("patient");
            diary
                .add_measurement(
                    p.id,
                    Measurement {
                        global_id: Default::default(),
                        measured_on: "2025-05-01".into(),
                        weight_kg: Some(20.0),
                        height_cm: Some(115.0),
                        confirmed: false,
                    },
                )
                .expect("weight");
            for call in &calls {
                let before = snapshot(&diary)?;
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&diary, call)))
                        .map_err(|_| TestCaseError::fail(format!("panicked on {call:?}")))?;
                if let Err(e) = result {
                    prop_assert!(is_typed_refusal(&e), "untyped refusal {e} for {call:?}");
                    prop_assert_eq!(
                        snapshot(&diary)?,
                        before,
                        "a refused {:?} changed the diary",
                        call
                    );
                }
            }
            snapshot(&diary)?;
            Ok(())
        })
        .unwrap();
}

/// Opening paths that are not diaries: refused with a typed error or opened, never a panic.
#[test]
fn opening_odd_paths_never_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_a_db = dir.path().join("notes.txt");
    std::fs::write(
        &not_a_db,
        "just some text, long enough to be read as a header ".repeat(50),
    )
    .expect("write");
    let paths = [
        String::new(),
        dir.path().display().to_string(),
        not_a_db.display().to_string(),
        dir.path()
            .join("missing-folder/diary.db")
            .display()
            .to_string(),
        dir.path().join("nul\u{0}byte.db").display().to_string(),
        dir.path().join("é👍 diary.db").display().to_string(),
    ];
    for path in paths {
        let outcome = std::panic::catch_unwind(|| Diary::open(path.clone()));
        assert!(outcome.is_ok(), "opening {path:?} panicked");
    }
}

// ---------------------------------------------------------------------------------------------
// The other capabilities' FFI (urine and relapse, reminders, steroid courses, labs, home screen):
// every method and free function that takes scalar arguments, called with hostile ones.

struct NoNotifications;

impl NotificationScheduler for NoNotifications {
    fn replace_pending(&self, _reminders: Vec<ReminderNotification>) -> Result<(), NephroError> {
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Scalars {
    patient_id: i64,
    dates: (String, String, String),
    now_ms: i64,
    zone: Option<String>,
    locale: String,
    count: u32,
    text: String,
    reminder_id: String,
    number: f64,
    version: Option<i64>,
    flag: bool,
}

fn scalars() -> impl Strategy<Value = Scalars> {
    let zone = prop::option::of(prop_oneof![
        3 => select(vec!["Asia/Shanghai", "Europe/Paris", "Pacific/Kiritimati", "America/St_Johns", "UTC"]).prop_map(str::to_string),
        1 => text(),
    ]);
    let locale =
        prop_oneof![3 => select(vec!["en", "zh-Hans"]).prop_map(str::to_string), 1 => text()];
    let reminder_id = prop_oneof![
        3 => (1u32..29, select(vec!["08:00", "20:00", "07:30"])).prop_map(|(d, t)| format!("regimen-1@2025-06-{d:02}T{t}")),
        1 => select(vec!["regimen-1@", "@2025-06-01T08:00", "regimen-1@2025-02-30T08:00", "course-x@2025-06-01T08:00"])
            .prop_map(str::to_string),
        1 => text(),
    ];
    (
        prop_oneof![6 => 1i64..3, 1 => any::<i64>()],
        (date_text(), date_text(), date_text()),
        millis(),
        zone,
        locale,
        prop_oneof![4 => 0u32..100, 1 => any::<u32>()],
        prop_oneof![2 => (0u8..5).prop_map(|n| format!("tap-{n}")), 1 => text()],
        reminder_id,
        number(),
        prop::option::of(prop_oneof![4 => 0i64..4, 1 => any::<i64>()]),
        any::<bool>(),
    )
        .prop_map(
            |(
                patient_id,
                dates,
                now_ms,
                zone,
                locale,
                count,
                text,
                reminder_id,
                number,
                version,
                flag,
            )| {
                Scalars {
                    patient_id,
                    dates,
                    now_ms,
                    zone,
                    locale,
                    count,
                    text,
                    reminder_id,
                    number,
                    version,
                    flag,
                }
            },
        )
}

/// The settings a scalar write may change, as one comparable text.
fn settings(diary: &Diary) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        diary.reminder_policy(1.into()).map_err(|e| e.to_string()),
        diary.lab_settings(1.into()).map_err(|e| e.to_string()),
        diary
            .initial_remission_date(1.into())
            .map_err(|e| e.to_string()),
        diary
            .plausibility_policy(1.into())
            .map_err(|e| e.to_string())
    )
}

fn seeded_diary(dir: &std::path::Path) -> Arc<Diary> {
    let diary = Diary::open(dir.join("diary.db").display().to_string()).expect("open");
    let p = diary
        .create_patient(PatientProfile {
            display_name: "Good".into(),
            birth_date: "2019-01-01".into(),
            sex: Sex::Female,
            time_zone: "Asia/Shanghai".into(),
            definition_set: "ipna2022".into(),
        })
        .expect("patient");
    diary
        .add_measurement(
            p.id,
            Measurement {
                global_id: Default::default(),
                measured_on: "2025-05-01".into(),
                weight_kg: Some(20.0),
                height_cm: Some(115.0),
                confirmed: false,
            },
        )
        .expect("weight");
    let regimen = RegimenInput {
        drug: Drug::Tacrolimus,
        form: "capsule".into(),
        strengths_mg: vec![0.5, 1.0],
        allow_split: false,
        rate: RegimenRate::MgPerKgPerDay { rate: 0.1 },
        times: vec!["08:00".into(), "20:00".into()],
        start_date: "2025-06-01".into(),
        end_date: None,
        prescribed_by: "Dr.".into(),
        prescribed_on: "2025-05-30".into(),
        override_range: false,
    };
    diary.add_regimen(p.id, regimen).expect("regimen");
    diary
        .log_dose(
            DoseLogInput {
                client_id: "tap-1".into(),
                medication_id: "regimen-1".into(),
                slot_date: "2025-06-02".into(),
                slot_time: "08:00".into(),
                outcome: DoseOutcome::Taken,
                actual_at_ms: 1_748_822_400_000,
                logged_by: "mother".into(),
                note: None,
            },
            1_748_822_400_000,
            None,
        )
        .expect("dose");
    diary
}

/// Calls every scalar entry point once with `s`; returns the refusals of the writes.
fn call_everything(diary: &Diary, s: &Scalars) -> Vec<NephroError> {
    let (a, b, c) = (s.dates.0.clone(), s.dates.1.clone(), s.dates.2.clone());
    let (pid, now, zone, locale, text) = (
        PatientId::from(s.patient_id),
        s.now_ms,
        s.zone.clone(),
        s.locale.clone(),
        s.text.clone(),
    );
    let mut reads: Vec<Result<String, NephroError>> = vec![
        diary
            .urine_readings(pid, a.clone(), b.clone(), s.flag)
            .map(|v| format!("{v:?}")),
        diary.urine_reading(text.clone()).map(|v| format!("{v:?}")),
        diary
            .urine_reading_history(text.clone())
            .map(|v| format!("{v:?}")),
        lift_locale(&locale)
            .and_then(|locale| diary.relapse_status(pid, a.clone(), Some(locale)))
            .map(|v| format!("{v:?}")),
        diary
            .remission_confirmed_after(pid, a.clone())
            .map(|v| format!("{v:?}")),
        diary.initial_remission_date(pid).map(|v| format!("{v:?}")),
        lift_locale(&locale)
            .and_then(|locale| diary.next_reminders(pid, now, zone.clone(), s.count, locale))
            .map(|v| format!("{}", v.len())),
        lift_locale(&locale)
            .and_then(|locale| diary.today_doses(pid, now, zone.clone(), locale))
            .map(|v| format!("{v:?}")),
        lift_locale(&locale)
            .and_then(|locale| {
                diary.dose_status(pid, s.reminder_id.clone(), now, zone.clone(), locale)
            })
            .map(|v| format!("{v:?}")),
        lift_locale(&locale)
            .and_then(|locale| {
                diary.snooze(
                    pid,
                    s.reminder_id.clone(),
                    now,
                    s.count,
                    zone.clone(),
                    locale,
                )
            })
            .map(|v| format!("{v:?}")),
        diary
            .adherence(pid, a.clone(), b.clone(), now)
            .map(|v| format!("{v:?}")),
        diary
            .shift_plan(
                pid,
                text.clone(),
                zone.clone().unwrap_or_default(),
                a.clone(),
            )
            .map(|v| format!("{v:?}")),
        diary
            .shift_plan(
                pid,
                "regimen-1".into(),
                zone.clone().unwrap_or_default(),
                a.clone(),
            )
            .map(|v| format!("{v:?}")),
        diary.reminder_policy(pid).map(|v| format!("{v:?}")),
        lift_locale(&locale)
            .and_then(|locale| {
                diary.refresh_notifications(
                    pid,
                    now,
                    zone.clone(),
                    locale,
                    Arc::new(NoNotifications),
                )
            })
            .map(|v| v.to_string()),
        lift_locale(&locale)
            .and_then(|locale| diary.home_screen(pid, now, zone.clone(), locale))
            .map(|v| format!("{v:?}")),
        diary
            .course(text.clone(), s.version)
            .map(|v| format!("{v:?}")),
        diary
            .course_versions(text.clone())
            .map(|v| format!("{v:?}")),
        diary.courses(pid).map(|v| format!("{v:?}")),
        diary
            .course_calendar(text.clone(), s.version, a.clone())
            .map(|v| format!("{v:?}")),
        diary.steroid_week(pid, a.clone()).map(|v| format!("{v:?}")),
        diary
            .steroid_doses(pid, a.clone(), b.clone(), c.clone())
            .map(|v| format!("{v:?}")),
        diary
            .steroid_exposure(pid, Some(text.clone()), a.clone(), b.clone(), c.clone())
            .map(|v| format!("{v:?}")),
        diary
            .steroid_exposure(pid, None, a.clone(), b.clone(), c.clone())
            .map(|v| format!("{v:?}")),
        lift_locale(&locale)
            .and_then(|locale| diary.steroid_relapse_prompt(pid, a.clone(), Some(locale)))
            .map(|v| format!("{v:?}")),
        diary.lab_result(text.clone()).map(|v| format!("{v:?}")),
        diary
            .lab_results(pid, a.clone(), b.clone())
            .map(|v| format!("{v:?}")),
        diary.lab_history(text.clone()).map(|v| format!("{v:?}")),
        lift_locale(&locale)
            .and_then(|locale| diary.lab_report(pid, a.clone(), b.clone(), locale))
            .map(|v| format!("{v:?}")),
        diary.blood_pressures(pid).map(|v| format!("{v:?}")),
        diary.growth(pid).map(|v| format!("{v:?}")),
        diary.plausibility_policy(pid).map(|v| format!("{v:?}")),
        growth_z_score(
            if s.flag {
                Sex::Female
            } else {
                Sex::Unspecified
            },
            s.now_ms / 86_400_000,
            if s.version.is_none() {
                GrowthMeasure::Weight
            } else {
                GrowthMeasure::Height
            },
            s.number,
        )
        .map(|v| format!("{v:?}")),
        diary.lab_settings(pid).map(|v| format!("{v:?}")),
        lift_locale(&locale)
            .and_then(|locale| diary.recalculate_prompts(pid, a.clone(), locale))
            .map(|v| format!("{v:?}")),
        lift_locale(&locale).and_then(|locale| drug_name(Drug::Prednisolone, locale)),
        shift_plan_for(
            text.clone(),
            zone.clone().unwrap_or_default(),
            vec![text.clone(), "08:00".into()],
            a.clone(),
        )
        .map(|v| format!("{v:?}")),
        shift_plan_for(
            "Asia/Shanghai".into(),
            "Europe/Paris".into(),
            vec!["08:00".into(), "20:00".into()],
            a.clone(),
        )
        .map(|v| format!("{v:?}")),
        parse_frequency(text.clone(), text.clone()).map(|v| format!("{v:?}")),
        parse_course_template(text.clone(), text.clone()).map(|v| format!("{v:?}")),
        parse_phase_length(text.clone(), s.version, Some(s.flag), None).map(|v| format!("{v:?}")),
        parse_dipstick_grade(text.clone(), text.clone()).map(|v| format!("{v:?}")),
        parse_upcr_unit(text.clone(), text.clone()).map(|v| format!("{v:?}")),
        parse_definition_set(text.clone(), text.clone()).map(|v| format!("{v:?}")),
        parse_disease_state(text.clone(), text.clone()).map(|v| format!("{v:?}")),
    ];
    let mut refused = Vec::new();
    let by = text.clone();
    let writes: Vec<Box<dyn Fn() -> Result<(), NephroError> + '_>> = vec![
        Box::new(|| diary.set_initial_remission_date(pid, Some(a.clone()), by.clone())),
        Box::new(|| {
            let policy = PlausibilityPolicy {
                weight_change: s.number,
                height_decrease_cm: s.number,
                height_increase_cm: s.number,
                height_increase_days: s.count,
            };
            diary
                .set_plausibility_policy(pid, policy, by.clone())
                .map(|_| ())
        }),
        Box::new(|| {
            let policy = if s.flag {
                TravelPolicy::KeepHomeInstants
            } else {
                TravelPolicy::KeepWallClock
            };
            diary.set_travel_policy(pid, policy, by.clone())
        }),
        Box::new(|| {
            let phase = if s.flag {
                TargetPhase::Maintenance
            } else {
                TargetPhase::Initial
            };
            diary.set_target_phase(pid, phase, by.clone()).map(|_| ())
        }),
        Box::new(|| {
            diary
                .set_creatinine_baseline(pid, Some(s.number), by.clone())
                .map(|_| ())
        }),
        Box::new(|| {
            diary
                .set_recalculate_threshold(pid, s.number, by.clone())
                .map(|_| ())
        }),
        Box::new(|| {
            diary
                .retract_urine_reading(text.clone(), by.clone())
                .map(|_| ())
        }),
        Box::new(|| {
            diary
                .retract_lab_result(text.clone(), by.clone())
                .map(|_| ())
        }),
    ];
    for write in writes {
        let before = settings(diary);
        if let Err(e) = write() {
            assert_eq!(
                settings(diary),
                before,
                "a refused write changed the settings ({e})"
            );
            refused.push(e);
        }
    }
    reads.retain(Result::is_err);
    refused.extend(reads.into_iter().filter_map(Result::err));
    refused
}

/// Every scalar entry point of the other capabilities with hostile arguments: no panic, and
/// every refusal typed (never a storage error).
#[test]
fn every_scalar_entry_point_refuses_hostile_arguments_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let diary = seeded_diary(dir.path());
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&scalars(), |s| {
            let refusals = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                call_everything(&diary, &s)
            }))
            .map_err(|_| TestCaseError::fail(format!("panicked on {s:?}")))?;
            for e in refusals {
                prop_assert!(is_typed_refusal(&e), "untyped refusal {e} for {s:?}");
            }
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Clinical-rules §10 through the FFI: a refusal is `Validation` naming the field (or
// `DoseOutOfRange`) and leaves every row of the file as it was; an unreadable row never blocks
// the home screen or an export.

/// A digest of every row of every table of the diary file, read on a separate connection.
fn file_digest(path: &std::path::Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let conn = rusqlite::Connection::open(path).expect("raw open");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
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

/// 2025-06-02T12:01:00Z: 20:01 in Shanghai, a minute after the evening slot.
const EVENING_MS: i64 = 1_748_865_660_000;

fn evening_dose(client_id: &str, slot_date: &str, actual_at_ms: i64) -> DoseLogInput {
    DoseLogInput {
        client_id: client_id.into(),
        medication_id: "regimen-1".into(),
        slot_date: slot_date.into(),
        slot_time: "20:00".into(),
        outcome: DoseOutcome::Taken,
        actual_at_ms,
        logged_by: "mother".into(),
        note: None,
    }
}

#[test]
fn clinical_rules_10_refusals_name_the_field_and_change_no_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let diary = seeded_diary(dir.path());
    let path = dir.path().join("diary.db");
    let refused = |field: &str, result: Result<String, NephroError>| match result {
        Err(NephroError::Validation { field: got, reason }) => {
            assert_eq!(got, field, "{reason}")
        }
        other => panic!("{field}: expected Validation, got {other:?}"),
    };
    fn debug<T: std::fmt::Debug>(r: Result<T, NephroError>) -> Result<String, NephroError> {
        r.map(|v| format!("{v:?}"))
    }
    let before = file_digest(&path);
    // Confirmed: a hard bound refuses even a value the family confirmed.
    let weight = |w: f64, h: Option<f64>| Measurement {
        global_id: Default::default(),
        measured_on: "2025-06-02".into(),
        weight_kg: Some(w),
        height_cm: h,
        confirmed: true,
    };
    refused(
        "weight_kg",
        debug(diary.add_measurement(1.into(), weight(250.5, None))),
    );
    refused(
        "weight_kg",
        debug(diary.add_measurement(1.into(), weight(0.5, None))),
    );
    refused(
        "height_cm",
        debug(diary.add_measurement(1.into(), weight(20.0, Some(231.0)))),
    );
    let regimen = RegimenInput {
        drug: Drug::Tacrolimus,
        form: "capsule".into(),
        strengths_mg: vec![1e-9],
        allow_split: false,
        rate: RegimenRate::MgPerKgPerDay { rate: 0.1 },
        times: vec!["08:00".into(), "20:00".into()],
        start_date: "2025-06-03".into(),
        end_date: None,
        prescribed_by: "Dr.".into(),
        prescribed_on: "2025-06-03".into(),
        override_range: false,
    };
    refused(
        "strengths_mg[0]",
        debug(diary.add_regimen(1.into(), regimen)),
    );
    refused(
        "end_date",
        debug(diary.end_regimen(1.into(), "2201-01-01".into())),
    );
    // A dose: i64::MAX is no time a dose was given; a clock of i64::MAX is no clock.
    refused(
        "actual_at_ms",
        debug(diary.log_dose(
            evening_dose("far", "2025-06-02", i64::MAX),
            EVENING_MS,
            None,
        )),
    );
    refused(
        "now_ms",
        debug(diary.log_dose(
            evening_dose("far", "2025-06-02", EVENING_MS),
            i64::MAX,
            None,
        )),
    );
    refused(
        "slot_date",
        debug(diary.log_dose(
            evening_dose("far", "9999-12-31", EVENING_MS),
            EVENING_MS,
            None,
        )),
    );
    // A slot 4.5 months ahead of the clock cannot be logged yet; 19:55 for 20:00 can (below).
    refused(
        "slot_date",
        debug(diary.log_dose(
            evening_dose("ahead", "2025-10-15", EVENING_MS),
            EVENING_MS,
            None,
        )),
    );
    refused(
        "actual_at_ms",
        debug(diary.edit_dose(
            "tap-1".into(),
            DoseOutcome::Taken,
            i64::MAX,
            "father".into(),
            EVENING_MS,
            None,
            None,
        )),
    );
    refused(
        "actual_at_ms",
        debug(diary.log_dose(
            evening_dose("late", "2025-06-02", EVENING_MS + 6 * 60_000),
            EVENING_MS,
            None,
        )),
    );
    let urine = UrineReadingInput {
        client_id: "urine-far".into(),
        patient_id: 1.into(),
        dipstick: Some(DipstickGrade::Negative),
        upcr: None,
        unit: None,
        taken_at_ms: i64::MAX,
        taken_on: None,
        first_morning: true,
        note: None,
        logged_by: "mother".into(),
        photo: None,
    };
    refused("taken_at_ms", debug(diary.log_urine_reading(urine)));
    let old = PatientProfile {
        display_name: "Child".into(),
        birth_date: "1899-12-31".into(),
        sex: Sex::Female,
        time_zone: "Asia/Shanghai".into(),
        definition_set: "ipna2022".into(),
    };
    refused("birth_date", debug(diary.update_patient(1.into(), old)));
    // The weight slip in the dose calculator: 200 kg × 0.1 mg/kg/day = 20 mg/day > 10.
    let slip = calculate_dose(DoseRequest {
        drug: Drug::Tacrolimus,
        weight_kg: 200.0,
        mg_per_kg_per_day: Some(0.1),
        mg_per_m2_per_day: None,
        height_cm: None,
        doses_per_day: 2,
        strengths_mg: vec![0.5, 1.0],
        allow_split: false,
        override_range: false,
        liquid: None,
    });
    assert!(
        matches!(slip, Err(NephroError::DoseOutOfRange { .. })),
        "{slip:?}"
    );
    assert_eq!(file_digest(&path), before, "no refusal changed a row");
    // 19:55 for the 20:00 dose, on a clock reading 19:55.
    let early = EVENING_MS - 6 * 60_000;
    diary
        .log_dose(evening_dose("on-time", "2025-06-02", early), early, None)
        .expect("within the take-window before the slot");
}

#[test]
fn an_unreadable_row_leaves_the_home_screen_and_every_export_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let diary = seeded_diary(dir.path());
    let path = dir.path().join("diary.db");
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.execute(
        "UPDATE dose_log SET actual_at_ms = ?1 WHERE client_id = 'tap-1'",
        [i64::MAX],
    )
    .expect("damage");
    conn.execute(
        "INSERT INTO measurement (patient_id, measured_on, weight_kg, height_cm, recorded_at_ms)
         VALUES (1, 'yesterday', 21.0, NULL, 0)",
        [],
    )
    .expect("damage");
    let home = diary
        .home_screen(1.into(), EVENING_MS, None, Locale::En)
        .expect("the home screen opens");
    let tables: Vec<&str> = home.unreadable.iter().map(|r| r.table.as_str()).collect();
    assert_eq!(tables, ["dose_log", "measurement"], "{:?}", home.unreadable);
    assert!(!home.doses.is_empty(), "today's doses are shown");
    for format in [
        ExportFormat::Fhir,
        ExportFormat::Csv,
        ExportFormat::Html,
        ExportFormat::Ics,
    ] {
        let request = ExportRequest {
            format,
            from_date: None,
            to_date: None,
            deidentify_seed: None,
            locale: Locale::En,
            now_ms: EVENING_MS,
            deidentify: false,
            extra_formats: Vec::new(),
            fhir_bundle: None,
        };
        let files = diary
            .export(1.into(), request)
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        let text: String = files
            .iter()
            .map(|f| String::from_utf8_lossy(&f.bytes).replace("\r\n ", ""))
            .collect();
        assert!(
            text.contains("2 stored records could not be read and are not shown"),
            "{format:?} reports them"
        );
    }
}

/// A locale tag as the FFI lifts it for a call (`Locale` crosses as its tag): an unknown tag is
/// the call's `NephroError`, as Kotlin, Swift and Python see it.
fn lift_locale(tag: &str) -> Result<Locale, NephroError> {
    let lowered = <String as uniffi::Lower<nephro_ffi::UniFfiTag>>::lower(tag.to_string());
    <Locale as uniffi::Lift<nephro_ffi::UniFfiTag>>::try_lift(lowered).map_err(|e| {
        e.downcast::<NephroError>()
            .expect("a refused locale is a NephroError")
    })
}

//! The reminder FFI from Rust, as a shell uses it: a mock `NotificationScheduler` collects what
//! `refresh_notifications` hands it. The `schedule` conformance cases run through the typed
//! `next_reminders_for` in `schedule_cases.rs`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use nephro_ffi::*;

/// A scheduler that keeps the last set it was given, like a phone's pending notifications.
#[derive(Default)]
struct MockScheduler {
    pending: Mutex<Vec<ReminderNotification>>,
    calls: Mutex<u32>,
    refuse: bool,
}

impl NotificationScheduler for MockScheduler {
    fn replace_pending(&self, reminders: Vec<ReminderNotification>) -> Result<(), NephroError> {
        *self.calls.lock().unwrap() += 1;
        if self.refuse {
            return Err(NephroError::Storage {
                detail: "notifications are not permitted".into(),
            });
        }
        *self.pending.lock().unwrap() = reminders;
        Ok(())
    }
}

impl MockScheduler {
    fn ids(&self) -> Vec<String> {
        self.pending
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.id.clone())
            .collect()
    }
}

/// 2025-06-01T07:00:00+08:00.
const NOW_MS: i64 = 1_748_732_400_000;
const HOUR_MS: i64 = 3_600_000;

fn seeded(dir: &Path) -> (Arc<Diary>, PatientId, String) {
    let diary = Diary::open(dir.join("diary.sqlite").display().to_string()).unwrap();
    let patient = diary
        .create_patient(PatientProfile {
            display_name: "Test Child".into(),
            birth_date: "2019-04-02".into(),
            sex: Sex::Female,
            time_zone: "Asia/Shanghai".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap();
    diary
        .add_measurement(
            patient.id,
            Measurement {
                global_id: Default::default(),
                measured_on: "2025-05-30".into(),
                weight_kg: Some(20.0),
                height_cm: Some(115.0),
                confirmed: false,
            },
        )
        .unwrap();
    let regimen = diary
        .add_regimen(
            patient.id,
            RegimenInput {
                drug: Drug::Tacrolimus,
                form: "capsule".into(),
                strengths_mg: vec![0.5, 1.0],
                allow_split: false,
                rate: RegimenRate::MgPerKgPerDay { rate: 0.1 },
                times: vec!["08:00".into(), "20:00".into()],
                start_date: "2025-06-01".into(),
                end_date: None,
                prescribed_by: "Dr. Li".into(),
                prescribed_on: "2025-05-30".into(),
                override_range: false,
            },
        )
        .unwrap();
    (diary, patient.id, regimen.medication_id.to_string())
}

#[test]
fn refresh_hands_64_stable_reminders_and_a_logged_dose_drops_out() {
    let dir = tempfile::tempdir().unwrap();
    let (diary, patient, medication) = seeded(dir.path());
    let scheduler = Arc::new(MockScheduler::default());
    let handed = diary
        .refresh_notifications(patient, NOW_MS, None, Locale::En, scheduler.clone())
        .unwrap();
    assert_eq!(handed, 64);
    let first = scheduler.ids();
    assert_eq!(first.len(), 64);
    assert_eq!(first[0], format!("{medication}@2025-06-01T08:00"));
    {
        let pending = scheduler.pending.lock().unwrap();
        assert!(pending
            .windows(2)
            .all(|w| w[0].fire_at_ms <= w[1].fire_at_ms));
        assert_eq!(pending[0].title, "Tacrolimus 1 mg — 8:00 am dose");
        assert_eq!(
            pending[0].fire_at_local.to_rfc3339(),
            "2025-06-01T08:00:00+08:00"
        );
        assert_eq!(pending[0].fire_at_ms.timestamp_millis(), NOW_MS + HOUR_MS);
        assert_eq!(
            (
                pending[0].slot_date.to_string(),
                pending[0].slot_time.format("%H:%M").to_string()
            ),
            ("2025-06-01".to_string(), "08:00".to_string())
        );
        assert!(!pending[0].snoozed);
    }

    // The same instant again: the same ids (replacing is idempotent).
    diary
        .refresh_notifications(patient, NOW_MS, None, Locale::En, scheduler.clone())
        .unwrap();
    assert_eq!(scheduler.ids(), first);

    // Log the 08:00 dose and refresh, as the shell does after every log.
    diary
        .log_dose(
            DoseLogInput {
                client_id: "tap-1".into(),
                medication_id: medication.clone(),
                slot_date: "2025-06-01".into(),
                slot_time: "08:00".into(),
                outcome: DoseOutcome::Taken,
                actual_at_ms: NOW_MS + HOUR_MS,
                logged_by: "mother".into(),
                note: None,
            },
            NOW_MS + HOUR_MS,
            None,
        )
        .unwrap();
    diary
        .refresh_notifications(patient, NOW_MS, None, Locale::ZhHans, scheduler.clone())
        .unwrap();
    let after = scheduler.ids();
    assert_eq!(after.len(), 64);
    assert!(
        !after.contains(&first[0]),
        "the logged dose's reminder is gone"
    );
    assert_eq!(
        after[..63],
        first[1..],
        "the others keep their ids; one more joins at the end"
    );
    assert_eq!(
        scheduler.pending.lock().unwrap()[0].title,
        "他克莫司 1 mg — 20:00 服药"
    );
    assert_eq!(*scheduler.calls.lock().unwrap(), 3);
}

#[test]
fn a_scheduler_refusal_reaches_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let (diary, patient, _) = seeded(dir.path());
    let refusing = Arc::new(MockScheduler {
        refuse: true,
        ..MockScheduler::default()
    });
    let err = diary
        .refresh_notifications(patient, NOW_MS, None, Locale::En, refusing.clone())
        .unwrap_err();
    assert!(matches!(err, NephroError::Storage { .. }), "{err}");
    // Bad arguments are refused before the scheduler is called.
    let scheduler = Arc::new(MockScheduler::default());
    let err = diary
        .refresh_notifications(
            patient,
            NOW_MS,
            Some("Mars/Base".into()),
            Locale::En,
            scheduler.clone(),
        )
        .unwrap_err();
    assert!(
        matches!(err, NephroError::Validation { ref field, .. } if field == "device_time_zone"),
        "{err}"
    );
    let err = lift_locale("fr")
        .and_then(|locale| {
            diary.refresh_notifications(patient, NOW_MS, None, locale, scheduler.clone())
        })
        .unwrap_err();
    assert!(
        matches!(err, NephroError::Validation { ref field, .. } if field == "locale"),
        "{err}"
    );
    assert!(matches!(
        diary.refresh_notifications(
            PatientId::from(patient.get() + 7),
            NOW_MS,
            None,
            Locale::En,
            scheduler.clone()
        ),
        Err(NephroError::NotFound { .. })
    ));
    assert_eq!(*scheduler.calls.lock().unwrap(), 0);
}

#[test]
fn travel_today_status_snooze_and_adherence() {
    let dir = tempfile::tempdir().unwrap();
    let (diary, patient, medication) = seeded(dir.path());
    // In Paris, keeping the wall clock (the default): 08:00 Paris.
    let paris = diary
        .next_reminders(patient, NOW_MS, Some("Europe/Paris".into()), 1, Locale::En)
        .unwrap();
    assert_eq!(
        paris[0].fire_at_local.to_rfc3339(),
        "2025-06-01T08:00:00+02:00"
    );
    diary
        .set_travel_policy(patient, TravelPolicy::KeepHomeInstants, "Dr. Li".into())
        .unwrap();
    let home = diary
        .next_reminders(patient, NOW_MS, Some("Europe/Paris".into()), 1, Locale::En)
        .unwrap();
    assert_eq!(
        home[0].fire_at_local.to_rfc3339(),
        "2025-06-01T08:00:00+08:00"
    );
    assert_eq!(
        diary.reminder_policy(patient).unwrap().travel,
        TravelPolicy::KeepHomeInstants
    );

    // 2025-06-01T09:30+08:00: the 08:00 dose is late; the 20:00 dose upcoming.
    let later = NOW_MS + 5 * HOUR_MS / 2;
    let today = diary.today_doses(patient, later, None, Locale::En).unwrap();
    assert_eq!(
        today.iter().map(|d| d.status).collect::<Vec<_>>(),
        [DoseStatus::Late, DoseStatus::Upcoming]
    );
    assert_eq!(today[0].guidance, Some(DoseGuidance::TakeNowLate));
    let status = diary
        .dose_status(
            patient,
            today[1].reminder_id.clone(),
            later,
            None,
            Locale::ZhHans,
        )
        .unwrap();
    assert_eq!(
        (status.status, status.status_label.as_str()),
        (DoseStatus::Upcoming, "未到时间")
    );
    let err = diary
        .dose_status(patient, "nonsense".into(), later, None, Locale::En)
        .unwrap_err();
    assert!(
        matches!(err, NephroError::Validation { ref field, .. } if field == "reminder_id"),
        "{err}"
    );

    let snoozed = diary
        .snooze(
            patient,
            today[0].reminder_id.clone(),
            later,
            10,
            None,
            Locale::En,
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            snoozed.id.as_str(),
            snoozed.fire_at_ms.timestamp_millis(),
            snoozed.snoozed,
        ),
        (today[0].reminder_id.as_str(), later + 600_000, true)
    );

    diary
        .set_dose_window(
            patient,
            Some(medication.clone()),
            DoseWindow {
                grace_minutes: 30,
                take_window_minutes: Some(60),
            },
            "Dr. Li".into(),
        )
        .unwrap();
    let missed = diary
        .dose_status(
            patient,
            today[0].reminder_id.clone(),
            later,
            None,
            Locale::En,
        )
        .unwrap();
    assert_eq!(missed.status, DoseStatus::Missed);
    assert!(diary
        .snooze(
            patient,
            today[0].reminder_id.clone(),
            later,
            10,
            None,
            Locale::En
        )
        .unwrap()
        .is_none());

    let report = diary
        .adherence(patient, "2025-06-01".into(), "2025-06-30".into(), later)
        .unwrap();
    assert_eq!((report.overall.scheduled, report.overall.missed), (1, 1));
    assert_eq!(report.medications[0].drug, Some(Drug::Tacrolimus));
    assert_eq!(report.calendar.len(), 1);
    assert_eq!(
        report.calendar[0].medications[0].status,
        AdherenceDayStatus::NoneTaken
    );

    // Shanghai to New York is 12 h: 20:00 at home is 08:00 there, so the plan is one 12 h step.
    let plan = diary
        .shift_plan(
            patient,
            medication.clone(),
            "America/New_York".into(),
            "2025-07-01".into(),
        )
        .unwrap();
    assert_eq!(plan.len(), 2);
    assert_eq!(
        (plan[1].instant_utc - plan[0].instant_utc).num_milliseconds(),
        12 * HOUR_MS
    );
    // Shanghai to Paris (6 h) needs shifted doses between.
    let plan = diary
        .shift_plan(
            patient,
            medication,
            "Europe/Paris".into(),
            "2025-07-01".into(),
        )
        .unwrap();
    assert!(plan.len() >= 3, "{plan:?}");
    assert_eq!(
        plan.first().map(|p| p.kind),
        Some(PlannedDoseKind::LastHomeDose)
    );
    assert_eq!(
        plan.last().map(|p| p.kind),
        Some(PlannedDoseKind::FirstNewZoneDose)
    );
    assert!(plan.windows(2).all(|w| (10 * HOUR_MS..=14 * HOUR_MS)
        .contains(&(w[1].instant_utc - w[0].instant_utc).num_milliseconds())));
    assert_eq!(
        drug_name(Drug::MycophenolateMofetil, Locale::ZhHans).unwrap(),
        "吗替麦考酚酯"
    );
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

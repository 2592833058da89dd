//! The home-screen FFI from Rust: one call gives the doses, the banner and the alerts, and its
//! refusals name the field as every other call does.

use nephro_ffi::*;

/// 2025-06-01T12:00:00+08:00.
const NOON_MS: i64 = 1_748_750_400_000;

fn seeded(dir: &std::path::Path) -> (std::sync::Arc<Diary>, PatientId, Regimen) {
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
                prescribed_by: "Dr. Example".into(),
                prescribed_on: "2025-05-30".into(),
                override_range: false,
            },
        )
        .unwrap();
    (diary, patient.id, regimen)
}

#[test]
fn the_home_screen_shows_a_missed_morning_dose_and_the_evening_one_next() {
    let dir = tempfile::tempdir().unwrap();
    let (diary, patient_id, regimen) = seeded(dir.path());
    // 14:30 in Shanghai: the 08:00 dose is past its 6-hour take-window.
    let home = diary
        .home_screen(patient_id, NOON_MS + 150 * 60_000, None, Locale::En)
        .unwrap();
    assert_eq!(home.today.to_string(), "2025-06-01");
    assert_eq!(home.time_zone, "Asia/Shanghai");
    assert_eq!(home.doses.len(), 2);
    assert_eq!(home.doses[0].status, DoseStatus::Missed);
    assert_eq!(home.doses[0].guidance, Some(DoseGuidance::SkipNeverDouble));
    let next = home.next_dose.unwrap();
    assert_eq!(
        next.reminder_id,
        format!("{}@2025-06-01T20:00", regimen.medication_id)
    );
    assert_eq!(home.relapse.assessment.state, RelapseState::Remission);
    assert_eq!(home.relapse.prompt, RelapsePrompt::AllClear);
    assert!(!home.relapse.morning_reading_logged);
    assert!(home.steroid_prompt.is_none());
    assert!(home.alerts.is_empty());

    let zh = diary
        .home_screen(
            patient_id,
            NOON_MS,
            Some("Asia/Shanghai".into()),
            Locale::ZhHans,
        )
        .unwrap();
    assert_eq!(zh.relapse.locale.tag(), "zh-Hans");
    assert_ne!(zh.doses[0].label, home.doses[0].label);
}

#[test]
fn refusals_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let (diary, patient_id, _) = seeded(dir.path());
    let field = |err: NephroError| match err {
        NephroError::Validation { field, .. } => field,
        other => panic!("not a validation error: {other}"),
    };
    assert_eq!(
        field(
            lift_locale("fr")
                .and_then(|locale| diary.home_screen(patient_id, NOON_MS, None, locale))
                .unwrap_err()
        ),
        "locale"
    );
    assert_eq!(
        field(
            diary
                .home_screen(patient_id, NOON_MS, Some("Mars/Olympus".into()), Locale::En)
                .unwrap_err()
        ),
        "device_time_zone"
    );
    assert_eq!(
        field(
            diary
                .home_screen(patient_id, i64::MAX, None, Locale::En)
                .unwrap_err()
        ),
        "now_ms"
    );
    assert!(matches!(
        diary.home_screen(
            PatientId::from(patient_id.get() + 1),
            NOON_MS,
            None,
            Locale::En
        ),
        Err(NephroError::NotFound { .. })
    ));
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

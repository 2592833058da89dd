//! Urine readings and the relapse engine from Rust, as a shell uses them: the typed engine
//! (`assess_relapse`), the parsers that name the field, and the diary's log, correction,
//! retraction and relapse status.

use chrono::NaiveDate;
use nephro_ffi::*;

fn field_of(err: NephroError) -> String {
    match err {
        NephroError::Validation { field, .. } => field,
        other => panic!("not a validation error: {other}"),
    }
}

fn case_reading(
    date: &str,
    dipstick: Option<DipstickGrade>,
    upcr: Option<f64>,
    unit: Option<UpcrUnit>,
) -> RelapseCaseReading {
    RelapseCaseReading {
        date: date.into(),
        dipstick,
        upcr,
        unit,
        first_morning: true,
    }
}

fn case(readings: Vec<RelapseCaseReading>) -> RelapseCaseInput {
    RelapseCaseInput {
        definitions: None,
        initial_state: None,
        initial_remission: None,
        readings,
        steroid_courses: vec![],
        as_of: None,
    }
}

#[test]
fn the_typed_engine_finds_a_relapse() {
    let three = ["2025-03-01", "2025-03-02", "2025-03-03"]
        .iter()
        .map(|d| case_reading(d, Some(DipstickGrade::ThreePlus), None, None))
        .collect();
    let a = assess_relapse(case(three)).unwrap();
    assert_eq!(a.state, RelapseState::Relapse);
    assert_eq!(a.relapses[0].onset.to_string(), "2025-03-01");
    assert_eq!(
        a.next_action.map(|n| n.kind),
        Some(RelapseNextActionKind::FollowActionPlan)
    );
}

#[test]
fn bad_case_input_names_the_field() {
    let no_unit = case(vec![case_reading("2025-03-01", None, Some(150.0), None)]);
    assert_eq!(
        field_of(assess_relapse(no_unit).unwrap_err()),
        "readings[0].unit"
    );
    let negative = case(vec![
        case_reading("2025-03-01", Some(DipstickGrade::Negative), None, None),
        case_reading("2025-03-02", None, Some(-5.0), Some(UpcrUnit::MgPerMmol)),
    ]);
    assert_eq!(
        field_of(assess_relapse(negative).unwrap_err()),
        "readings[1].upcr"
    );
    let both = case(vec![case_reading(
        "2025-03-01",
        Some(DipstickGrade::Trace),
        Some(1.0),
        Some(UpcrUnit::GPerG),
    )]);
    assert_eq!(field_of(assess_relapse(both).unwrap_err()), "readings[0]");
    let bad_date = case(vec![case_reading(
        "2025-3-1",
        Some(DipstickGrade::Trace),
        None,
        None,
    )]);
    assert_eq!(
        field_of(assess_relapse(bad_date).unwrap_err()),
        "readings[0].date"
    );
    let mut backwards = case(vec![]);
    backwards.steroid_courses = vec![SteroidCourseSpan {
        start: "2025-02-01".into(),
        end: "2025-01-31".into(),
    }];
    assert_eq!(
        field_of(assess_relapse(backwards).unwrap_err()),
        "steroid_courses[0].end"
    );
    assert_eq!(
        field_of(parse_dipstick_grade("readings[4].dipstick".into(), "5+".into()).unwrap_err()),
        "readings[4].dipstick"
    );
    assert_eq!(
        parse_upcr_unit("unit".into(), "mg/g".into()).unwrap(),
        UpcrUnit::MgPerG
    );
    assert_eq!(
        field_of(parse_definition_set("definitions".into(), "kdigo".into()).unwrap_err()),
        "definitions"
    );
    assert_eq!(
        parse_disease_state("initial_state".into(), "relapse".into()).unwrap(),
        DiseaseState::Relapse
    );
}

#[test]
fn the_diary_logs_reads_back_and_reports_a_relapse() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("diary.db").display().to_string();
    let diary = Diary::open(path.clone()).unwrap();
    let patient = diary
        .create_patient(PatientProfile {
            display_name: "Test".into(),
            birth_date: "2019-01-01".into(),
            sex: Sex::Female,
            time_zone: "Europe/Paris".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap();
    // 2025-03-01T06:00:00Z is 07:00 in Paris.
    let first_ms = 1_740_808_800_000;
    for day in 0..3i64 {
        let input = UrineReadingInput {
            client_id: format!("r{day}"),
            patient_id: patient.id,
            dipstick: Some(DipstickGrade::FourPlus),
            upcr: None,
            unit: None,
            taken_at_ms: first_ms + day * 86_400_000,
            taken_on: None,
            first_morning: true,
            note: Some("fever".into()),
            logged_by: "mother".into(),
            photo: None,
        };
        let stored = diary.log_urine_reading(input.clone()).unwrap();
        assert_eq!(stored.level, ProteinLevel::Nephrotic);
        assert_eq!(diary.log_urine_reading(input).unwrap(), stored);
    }
    let negative = UrineReadingInput {
        client_id: "bad".into(),
        patient_id: patient.id,
        dipstick: None,
        upcr: Some(-1.0),
        unit: Some(UpcrUnit::MgPerMmol),
        taken_at_ms: first_ms,
        taken_on: None,
        first_morning: false,
        note: None,
        logged_by: "mother".into(),
        photo: None,
    };
    assert_eq!(
        field_of(diary.log_urine_reading(negative.clone()).unwrap_err()),
        "upcr"
    );
    let no_unit = UrineReadingInput {
        upcr: Some(30.0),
        unit: None,
        ..negative
    };
    assert_eq!(
        field_of(diary.log_urine_reading(no_unit).unwrap_err()),
        "unit"
    );
    drop(diary);

    let diary = Diary::open(path).unwrap();
    let readings = diary
        .urine_readings(patient.id, "2025-03-01".into(), "2025-03-31".into(), false)
        .unwrap();
    let dates: Vec<String> = readings.iter().map(|r| r.taken_on.to_string()).collect();
    assert_eq!(dates, ["2025-03-01", "2025-03-02", "2025-03-03"]);
    let status = diary
        .relapse_status(patient.id, "2025-03-03".into(), Some(Locale::ZhHans))
        .unwrap();
    assert_eq!(status.assessment.state, RelapseState::Relapse);
    assert_eq!(status.prompt, RelapsePrompt::RelapseContactTeam);
    assert_eq!(status.locale.tag(), "zh-Hans");
    assert!(status.morning_reading_logged);
    // An unknown tag is refused as the FFI lifts the call's `locale`, naming it.
    let lowered = <String as uniffi::Lower<nephro_ffi::UniFfiTag>>::lower("fr".into());
    let refused = <Locale as uniffi::Lift<nephro_ffi::UniFfiTag>>::try_lift(lowered).unwrap_err();
    assert_eq!(
        field_of(refused.downcast::<NephroError>().unwrap()),
        "locale"
    );

    let corrected = diary
        .correct_urine_reading(
            "r1".into(),
            UrineReadingCorrection {
                dipstick: Some(DipstickGrade::Trace),
                upcr: None,
                unit: None,
                taken_at_ms: first_ms + 86_400_000,
                taken_on: None,
                first_morning: true,
                note: None,
                corrected_by: "father".into(),
            },
        )
        .unwrap();
    assert_eq!(
        (corrected.revision, corrected.level),
        (2, ProteinLevel::Remission)
    );
    diary
        .retract_urine_reading("r2".into(), "father".into())
        .unwrap();
    assert_eq!(diary.urine_reading_history("r2".into()).unwrap().len(), 2);
    assert_eq!(
        diary
            .urine_readings(patient.id, "2025-03-01".into(), "2025-03-31".into(), true)
            .unwrap()
            .len(),
        3
    );
    let status = diary
        .relapse_status(patient.id, "2025-03-03".into(), None)
        .unwrap();
    assert_eq!(status.assessment.state, RelapseState::Remission);
    assert!(!status.morning_reading_logged);
    diary
        .set_initial_remission_date(patient.id, Some("2025-01-10".into()), "Dr. Li".into())
        .unwrap();
    assert_eq!(
        diary.initial_remission_date(patient.id).unwrap(),
        NaiveDate::from_ymd_opt(2025, 1, 10)
    );
}

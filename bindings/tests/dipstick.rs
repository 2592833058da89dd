//! Reading a dipstick from a photo through the FFI (clinical-rules §13): a synthetic photo read
//! end to end, typed refusals naming fields and problems, hostile numbers, buffers and
//! rectangles refused without a panic, and a reading the parent confirmed stored with its
//! suggestion.

use nephro_ffi::*;
use proptest::prelude::*;
use proptest::sample::select;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn photo(grade: DipstickGrade, light: SyntheticLight) -> SyntheticStripPhoto {
    synthetic_strip_photo(grade, 0.1, light, 2.0, false, 0.0, 42).unwrap()
}

#[test]
fn a_synthetic_photo_reads_its_grade_in_every_light() {
    for light in [
        SyntheticLight::Daylight,
        SyntheticLight::Warm,
        SyntheticLight::Cool,
        SyntheticLight::Dim,
    ] {
        let p = photo(DipstickGrade::ThreePlus, light);
        let r = read_dipstick_photo(
            p.photo,
            p.layout,
            p.seconds_since_dip,
            p.read_window_from_s,
            p.read_window_to_s,
            None,
            None,
        )
        .unwrap();
        assert_eq!(r.reading.status, DipstickReadStatus::Read, "{light:?}");
        assert_eq!(r.reading.grade, Some(DipstickGrade::ThreePlus));
        assert_eq!(r.reading.nearest.len(), 2);
        assert_eq!(r.reading.distances.len(), 6);
        assert_eq!(r.samples.chart.len(), 6);
    }
}

#[test]
fn refusals_are_typed() {
    let p = photo(DipstickGrade::OnePlus, SyntheticLight::Daylight);
    let early = read_dipstick_photo(
        p.photo.clone(),
        p.layout.clone(),
        10.0,
        30.0,
        90.0,
        None,
        None,
    );
    assert!(matches!(
        early,
        Err(NephroError::Photo {
            problem: PhotoProblem::TooEarly { .. },
            ..
        })
    ));
    let mut short = p.photo.clone();
    short.rgba.truncate(100);
    match sample_dipstick_photo(short, p.layout.clone(), 60.0, 30.0, 90.0, None) {
        Err(NephroError::Validation { field, .. }) => assert_eq!(field, "photo.rgba"),
        other => panic!("{other:?}"),
    }
    let mut layout = p.layout.clone();
    layout.pad.x = 400;
    match sample_dipstick_photo(p.photo.clone(), layout, 60.0, 30.0, 90.0, None) {
        Err(NephroError::Validation { field, .. }) => assert_eq!(field, "pad.x"),
        other => panic!("{other:?}"),
    }
    // A reflection over the whole pad: uneven, naming the pad and the share.
    let glare = synthetic_strip_photo(
        DipstickGrade::FourPlus,
        0.0,
        SyntheticLight::Daylight,
        2.0,
        true,
        0.0,
        3,
    )
    .unwrap();
    let tight = SamplingPolicy {
        outlier_levels: 32,
        max_rejected_share: 0.01,
    };
    match sample_dipstick_photo(glare.photo, glare.layout, 60.0, 30.0, 90.0, Some(tight)) {
        Err(NephroError::Photo {
            problem:
                PhotoProblem::Uneven {
                    patch,
                    rejected_share,
                },
            detail,
        }) => {
            assert_eq!(patch, "pad");
            assert!(rejected_share > 0.01 && rejected_share < 0.5);
            assert!(detail.contains("uneven"));
        }
        other => panic!("{other:?}"),
    }
    let defaults = default_dipstick_policy();
    assert_eq!((defaults.max_delta_e, defaults.min_gap), (15.0, 2.0));
    assert_eq!(default_sampling_policy().outlier_levels, 32);
    assert!(matches!(
        synthetic_strip_photo(
            DipstickGrade::Trace,
            f64::NAN,
            SyntheticLight::Dim,
            0.0,
            false,
            0.0,
            1
        ),
        Err(NephroError::Validation { .. })
    ));
}

/// 2025-06-02T07:00:00+08:00 (Asia/Shanghai), in epoch ms.
const MORNING_MS: i64 = 1_748_818_800_000;

/// A reading of the photo's strip: the suggestion copied from `reading`, `confirmed` by the
/// parent.
fn confirmed_reading(
    client_id: &str,
    patient_id: PatientId,
    reading: &DipstickReading,
    confirmed: Option<DipstickGrade>,
) -> UrineReadingInput {
    UrineReadingInput {
        client_id: client_id.into(),
        patient_id,
        dipstick: confirmed,
        upcr: None,
        unit: None,
        taken_at_ms: MORNING_MS,
        taken_on: None,
        first_morning: true,
        note: None,
        logged_by: "mother".into(),
        photo: Some(PhotoSuggestion {
            status: reading.status,
            grade: reading.grade,
            nearest: reading.nearest.clone(),
        }),
    }
}

#[test]
fn a_photo_reading_the_parent_changed_keeps_both_grades_and_only_the_confirmed_one_counts() {
    let dir = tempfile::tempdir().unwrap();
    let diary = Diary::open(dir.path().join("diary.sqlite").display().to_string()).unwrap();
    let patient = diary
        .create_patient(PatientProfile {
            display_name: "Test Child".into(),
            birth_date: "2019-04-02".into(),
            sex: Sex::Female,
            time_zone: "Asia/Shanghai".into(),
            definition_set: "ipna2022".into(),
        })
        .unwrap();
    let p = photo(DipstickGrade::TwoPlus, SyntheticLight::Daylight);
    let read = read_dipstick_photo(
        p.photo,
        p.layout,
        p.seconds_since_dip,
        p.read_window_from_s,
        p.read_window_to_s,
        None,
        None,
    )
    .unwrap()
    .reading;
    assert_eq!(read.grade, Some(DipstickGrade::TwoPlus));

    // Refused, naming the field, and nothing stored.
    let refused = |input: UrineReadingInput, field: &str| match diary.log_urine_reading(input) {
        Err(NephroError::Validation { field: named, .. }) => assert_eq!(named, field),
        other => panic!("{field}: {other:?}"),
    };
    refused(confirmed_reading("p1", patient.id, &read, None), "dipstick");
    let mut unsure_with_a_grade =
        confirmed_reading("p1", patient.id, &read, Some(DipstickGrade::ThreePlus));
    unsure_with_a_grade.photo.as_mut().unwrap().status = DipstickReadStatus::Unsure;
    refused(unsure_with_a_grade, "photo.grade");
    let mut one_swatch = confirmed_reading("p1", patient.id, &read, Some(DipstickGrade::ThreePlus));
    one_swatch.photo.as_mut().unwrap().nearest.truncate(1);
    refused(one_swatch, "photo.nearest");
    let mut nan = confirmed_reading("p1", patient.id, &read, Some(DipstickGrade::ThreePlus));
    nan.photo.as_mut().unwrap().nearest[1].delta_e = f64::NAN;
    refused(nan, "photo.nearest[1].delta_e");
    assert!(diary
        .urine_readings(patient.id, "1900-01-01".into(), "2200-12-31".into(), true)
        .unwrap()
        .is_empty());

    // The parent saw 3+ where the core suggested 2+.
    let stored = diary
        .log_urine_reading(confirmed_reading(
            "p1",
            patient.id,
            &read,
            Some(DipstickGrade::ThreePlus),
        ))
        .unwrap();
    assert_eq!(stored.dipstick, Some(DipstickGrade::ThreePlus));
    assert_eq!(stored.level, ProteinLevel::Nephrotic);
    let kept = stored.photo.clone().unwrap();
    assert_eq!(
        (kept.status, kept.grade, kept.nearest),
        (
            DipstickReadStatus::Read,
            Some(DipstickGrade::TwoPlus),
            read.nearest.clone()
        )
    );
    assert_eq!(diary.urine_reading("p1".into()).unwrap(), stored);

    let status = diary
        .relapse_status(patient.id, "2025-06-02".into(), None)
        .unwrap();
    assert_eq!(status.assessment.state, RelapseState::Watch);
    assert_eq!(
        status.assessment.latest_run.unwrap().level,
        ProteinLevel::Nephrotic,
        "3+ counts, not the suggested 2+"
    );

    let request = |format| ExportRequest {
        format,
        from_date: None,
        to_date: None,
        deidentify_seed: None,
        locale: Locale::En,
        now_ms: MORNING_MS + 86_400_000,
        deidentify: false,
        extra_formats: vec![],
        fhir_bundle: None,
    };
    let text = |format| {
        let files = diary.export(patient.id, request(format)).unwrap();
        String::from_utf8(files[0].bytes.clone()).unwrap()
    };
    assert!(text(ExportFormat::Fhir).contains("photo-assisted, confirmed by the caregiver"));
    assert!(text(ExportFormat::Html).contains("the caregiver changed the suggested grade in 1;"));
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0f64..255.0,
        2 => select(vec![0.0, -0.0, -1.0, 255.0, 256.0, 1e300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE]),
        1 => any::<f64>(),
    ]
}

fn colour() -> impl Strategy<Value = SrgbColour> {
    (number(), number(), number()).prop_map(|(red, green, blue)| SrgbColour { red, green, blue })
}

fn grade() -> impl Strategy<Value = DipstickGrade> {
    select(vec![
        DipstickGrade::Negative,
        DipstickGrade::Trace,
        DipstickGrade::OnePlus,
        DipstickGrade::TwoPlus,
        DipstickGrade::ThreePlus,
        DipstickGrade::FourPlus,
    ])
}

fn rect() -> impl Strategy<Value = PhotoRect> {
    let n = || prop_oneof![4 => 0u32..40, 1 => any::<u32>()];
    (n(), n(), n(), n()).prop_map(|(x, y, width, height)| PhotoRect {
        x,
        y,
        width,
        height,
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn read_dipstick_never_panics(
        white in colour(),
        chart in prop::collection::vec((grade(), colour()), 0..8),
        pad in colour(),
        seconds in number(),
        from in number(),
        to in number(),
        policy in prop::option::of((number(), number())),
    ) {
        let samples = DipstickSamples {
            white,
            chart: chart.into_iter().map(|(grade, colour)| ChartSwatch { grade, colour }).collect(),
            pad,
            seconds_since_dip: seconds,
            read_window_from_s: from,
            read_window_to_s: to,
        };
        let policy = policy.map(|(max_delta_e, min_gap)| DipstickPolicy { max_delta_e, min_gap });
        match read_dipstick(samples, policy) {
            Ok(r) => {
                prop_assert_eq!(r.nearest.len(), 2);
                prop_assert!(r.distances.iter().all(|d| d.delta_e.is_finite() && d.delta_e >= 0.0));
                prop_assert_eq!(r.grade.is_some(), r.status == DipstickReadStatus::Read);
            }
            Err(e) => prop_assert!(matches!(e, NephroError::Validation { .. } | NephroError::Photo { .. }), "{e}"),
        }
    }

    #[test]
    fn sampling_never_panics(
        width in prop_oneof![0u32..24, any::<u32>()],
        height in prop_oneof![0u32..24, any::<u32>()],
        stride in prop_oneof![0u32..120, any::<u32>()],
        bytes in prop::collection::vec(any::<u8>(), 0..3000),
        rect in rect(),
        levels in any::<u8>(),
        share in number(),
    ) {
        let photo = PhotoBuffer { width, height, row_stride: stride, rgba: bytes };
        let sampling = SamplingPolicy { outlier_levels: levels, max_rejected_share: share };
        match sample_photo_patch(photo, rect, Some(sampling)) {
            Ok(s) => {
                prop_assert!(s.pixels > 0 && s.glare + s.shadow < s.pixels);
                for c in [s.colour.red, s.colour.green, s.colour.blue] {
                    prop_assert!((0.0..=255.0).contains(&c));
                }
            }
            Err(e) => prop_assert!(matches!(e, NephroError::Validation { .. } | NephroError::Photo { .. }), "{e}"),
        }
    }
}

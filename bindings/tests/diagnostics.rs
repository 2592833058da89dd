//! The diagnostics callback from Rust, as a shell uses it: a reporter registered for the process
//! hears of every failed call by name and kind, with nothing the family wrote. One test, so no
//! other test of this process fails a call meanwhile.

use std::sync::{Arc, Mutex};

use nephro_ffi::*;

/// Personal data planted in every input: none of it may reach a report.
const CHILD: &str = "Mei Lin Zhang";
const CLIENT_ID: &str = "mei-lin-dose-1";

/// A reporter that keeps what it hears; it may also throw, or call the diary back.
#[derive(Default)]
struct Collector {
    reports: Mutex<Vec<FailureReport>>,
    throws: bool,
    diary: Mutex<Option<Arc<Diary>>>,
}

impl DiagnosticsReporter for Collector {
    fn report_failure(&self, report: FailureReport) -> Result<(), NephroError> {
        self.reports.lock().unwrap().push(report);
        // Calling the diary back from the reporter must not deadlock: the store is released.
        if let Some(diary) = self.diary.lock().unwrap().as_ref() {
            diary.patients().unwrap();
        }
        if self.throws {
            return Err(NephroError::Storage {
                detail: "the reporter failed".into(),
            });
        }
        Ok(())
    }
}

impl Collector {
    fn take(&self) -> Vec<FailureReport> {
        std::mem::take(&mut self.reports.lock().unwrap())
    }
}

fn report(operation: &str, error: &str, code: Option<&str>) -> FailureReport {
    FailureReport {
        operation: operation.into(),
        error: error.into(),
        code: code.map(Into::into),
    }
}

fn dose(medication_id: &str, outcome: DoseOutcome, at_ms: i64) -> DoseLogInput {
    DoseLogInput {
        client_id: CLIENT_ID.into(),
        medication_id: medication_id.into(),
        slot_date: "2025-06-01".into(),
        slot_time: "08:00".into(),
        outcome,
        actual_at_ms: at_ms,
        logged_by: CHILD.into(),
        note: None,
    }
}

/// 2025-06-01T08:00:00+08:00.
const EIGHT_AM_MS: i64 = 1_748_736_000_000;

#[test]
fn failed_calls_are_reported_by_name_and_kind_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(CHILD);
    std::fs::create_dir(&folder).unwrap();
    let collector = Arc::new(Collector::default());
    set_diagnostics_reporter(collector.clone());

    // Opening another app's file: refused, reported as `open`.
    let foreign = folder.join(format!("{CHILD}.txt"));
    std::fs::write(&foreign, format!("notes about {CHILD}\n").repeat(200)).unwrap();
    let refused = Diary::open(foreign.display().to_string());
    assert!(matches!(refused, Err(NephroError::NotADiary { .. })));
    assert_eq!(collector.take(), vec![report("open", "not_a_diary", None)]);

    let diary = Diary::open(folder.join("diary.sqlite").display().to_string()).unwrap();
    let patient = diary
        .create_patient(PatientProfile {
            display_name: CHILD.into(),
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
                prescribed_by: CHILD.into(),
                prescribed_on: "2025-05-30".into(),
                override_range: false,
            },
        )
        .unwrap();
    assert_eq!(
        collector.take(),
        vec![],
        "successful calls are not reported"
    );

    // The same client id with another outcome: a conflict of kind `client_id_reused`.
    let medication = regimen.medication_id.to_string();
    diary
        .log_dose(
            dose(&medication, DoseOutcome::Taken, EIGHT_AM_MS),
            EIGHT_AM_MS,
            None,
        )
        .unwrap();
    *collector.diary.lock().unwrap() = Some(diary.clone());
    let conflict = diary.log_dose(
        dose(&medication, DoseOutcome::Skipped, EIGHT_AM_MS),
        EIGHT_AM_MS,
        None,
    );
    assert!(matches!(
        conflict,
        Err(NephroError::Conflict {
            kind: ConflictKind::ClientIdReused,
            ..
        })
    ));
    // A record that does not exist, looked up by the child's name.
    assert!(matches!(
        diary.undo_dose(CHILD.into(), CHILD.into()),
        Err(NephroError::NotFound { .. })
    ));
    let heard = collector.take();
    assert_eq!(
        heard,
        vec![
            report("log_dose", "conflict", Some("client_id_reused")),
            report("undo_dose", "not_found", Some("dose")),
        ]
    );
    let text = format!("{heard:?}");
    for secret in [
        CHILD,
        CLIENT_ID,
        "Mei",
        "2025",
        "08:00",
        "diary.sqlite",
        "/",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // A reporter that throws changes nothing of the call's outcome.
    *collector.diary.lock().unwrap() = None;
    let thrower = Arc::new(Collector {
        throws: true,
        ..Collector::default()
    });
    set_diagnostics_reporter(thrower.clone());
    assert!(matches!(
        diary.log_dose(
            dose(&medication, DoseOutcome::Skipped, EIGHT_AM_MS),
            EIGHT_AM_MS,
            None
        ),
        Err(NephroError::Conflict {
            kind: ConflictKind::ClientIdReused,
            ..
        })
    ));
    assert_eq!(thrower.take().len(), 1);

    // Cleared: nothing more is reported.
    clear_diagnostics_reporter();
    assert!(diary.undo_dose(CHILD.into(), CHILD.into()).is_err());
    assert_eq!(thrower.take(), vec![]);
    assert_eq!(collector.take(), vec![]);
}

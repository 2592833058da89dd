//! Stored lab results, blood pressures, the lab screen and the growth series as a shell reads
//! them (clinical-rules §1, §2, §8): each stored row flattened into one record, the lab report's
//! lines with their assessment and texts assembled, instants crossing the FFI as UTC epoch
//! milliseconds.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    recalculate_prompts, AssessmentWithText, Growth, GrowthPoint, LabLine, LabSettings,
    PatientLabReport, RecalculatePromptWithText,
};
use crate::error::Result;
use crate::ids::{BloodPressureId, GlobalId, PatientId};
use crate::labs::{BaselineSource, LabKind, LabUnit, LevelTarget};
use crate::locale::Locale;
use crate::model::EpochMillis;
use crate::store::{BloodPressureRecord, LabRecord, Store};

/// The "recalculate dose" prompts on `today` ([`recalculate_prompts`], clinical-rules §2) with
/// their texts in `locale`.
pub fn recalculate_prompts_in(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
    locale: Locale,
) -> Result<Vec<RecalculatePromptWithText>> {
    let prompts = recalculate_prompts(store, patient_id, today)?;
    Ok(prompts.iter().map(|p| p.with_text(locale)).collect())
}

/// A stored lab result in its current revision.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "LabResult"))]
pub struct LabResultView {
    /// The client id it was logged under.
    pub client_id: String,
    /// The patient.
    pub patient_id: PatientId,
    /// What was measured.
    pub kind: LabKind,
    /// The value, in `unit`.
    pub value: f64,
    /// The unit.
    pub unit: LabUnit,
    /// When the sample was drawn (across the FFI: UTC epoch ms).
    #[cfg_attr(feature = "uniffi", uniffi(name = "drawn_at_ms"))]
    pub drawn_at: DateTime<Utc>,
    /// The laboratory's upper limit of normal, in `unit`.
    pub upper_limit_of_normal: Option<f64>,
    /// Who first entered it.
    pub logged_by: String,
    /// 1 when logged, +1 per correction or retraction.
    pub revision: i64,
    /// Whether it was retracted (kept in history, no longer assessed).
    pub retracted: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
    /// The result's globally unique id (a version 7 UUID, hyphenated), kept through every
    /// correction and the retraction.
    pub global_id: GlobalId,
}

impl From<LabRecord> for LabResultView {
    fn from(record: LabRecord) -> Self {
        let result = record.result;
        LabResultView {
            client_id: record.client_id,
            patient_id: record.patient_id,
            kind: result.kind,
            value: result.value,
            unit: result.unit,
            drawn_at: result.drawn_at,
            upper_limit_of_normal: result.upper_limit_of_normal,
            logged_by: record.logged_by,
            revision: record.revision,
            retracted: record.retracted,
            recorded_at_ms: record.recorded_at_ms,
            global_id: record.global_id,
        }
    }
}

/// One stored lab result on the lab screen.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "LabReportLine"))]
pub struct LabReportLineView {
    /// The stored result.
    pub result: LabResultView,
    /// Its assessment, with the family-facing texts of its flag and alerts.
    pub assessment: AssessmentWithText,
    /// The target the flag compares with (tacrolimus trough and MPA-AUC only).
    pub target: Option<LevelTarget>,
}

impl From<LabLine> for LabReportLineView {
    fn from(line: LabLine) -> Self {
        LabReportLineView {
            assessment: AssessmentWithText::new(line.assessment, line.flag_text, line.alert_texts),
            result: line.record.into(),
            target: line.target,
        }
    }
}

/// A patient's labs over a period, assessed under the care team's settings.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "LabReport"))]
pub struct LabReportView {
    /// The settings applied.
    pub settings: LabSettings,
    /// The creatinine baseline used, mg/dL.
    pub creatinine_baseline_mg_dl: Option<f64>,
    /// Where the baseline came from.
    pub creatinine_baseline_source: Option<BaselineSource>,
    /// The period's results by draw time (retracted ones left out).
    pub lines: Vec<LabReportLineView>,
}

impl From<PatientLabReport> for LabReportView {
    fn from(report: PatientLabReport) -> Self {
        LabReportView {
            settings: report.settings,
            creatinine_baseline_mg_dl: report.creatinine_baseline_mg_dl,
            creatinine_baseline_source: report.creatinine_baseline_source,
            lines: report.lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// A stored blood-pressure reading.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "BloodPressure"))]
pub struct BloodPressureView {
    /// Reading id.
    pub id: BloodPressureId,
    /// The patient.
    pub patient_id: PatientId,
    /// When it was measured (across the FFI: UTC epoch ms).
    #[cfg_attr(feature = "uniffi", uniffi(name = "measured_at_ms"))]
    pub measured_at: DateTime<Utc>,
    /// Systolic pressure, mmHg.
    pub systolic_mmhg: f64,
    /// Diastolic pressure, mmHg.
    pub diastolic_mmhg: f64,
    /// When it was recorded, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
    /// The reading's globally unique id (a version 7 UUID, hyphenated).
    pub global_id: GlobalId,
}

impl From<BloodPressureRecord> for BloodPressureView {
    fn from(record: BloodPressureRecord) -> Self {
        BloodPressureView {
            id: record.id,
            patient_id: record.patient_id,
            measured_at: record.reading.measured_at,
            systolic_mmhg: record.reading.systolic_mmhg,
            diastolic_mmhg: record.reading.diastolic_mmhg,
            recorded_at_ms: record.recorded_at_ms,
            global_id: record.global_id,
        }
    }
}

/// Weights, heights, BSA and blood pressures.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "Growth"))]
pub struct GrowthView {
    /// One point per measurement, by date.
    pub points: Vec<GrowthPoint>,
    /// Blood-pressure readings by time.
    pub blood_pressures: Vec<BloodPressureView>,
}

impl From<Growth> for GrowthView {
    fn from(growth: Growth) -> Self {
        GrowthView {
            points: growth.points,
            blood_pressures: growth.blood_pressures.into_iter().map(Into::into).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::labs::{growth, lab_report};
    use crate::labs::{AlertKind, BloodPressure, LabResult};
    use crate::locale::Locale;
    use crate::store::tests::seeded;
    use crate::store::{NewLabResult, Store};
    use crate::test_support::{at, date};

    #[test]
    fn a_report_line_carries_its_stored_row_and_each_alert_beside_its_own_text() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store); // height 115 cm on 2025-05-30
        let mut logged = Vec::new();
        for (id, value, drawn) in [
            ("c1", 0.40, "2025-06-01T09:00:00+08:00"),
            ("c2", 0.60, "2025-07-01T09:00:00+08:00"),
        ] {
            let result = LabResult {
                kind: LabKind::Creatinine,
                value,
                unit: LabUnit::MilligramsPerDecilitre,
                drawn_at: at(drawn),
                upper_limit_of_normal: None,
            };
            let new = NewLabResult {
                client_id: id.into(),
                patient_id: patient.id,
                result,
                logged_by: "mother".into(),
            };
            logged.push(store.log_lab_result(&new).unwrap());
        }
        let (from, to) = (date("2025-07-01"), date("2025-07-31"));
        let report = lab_report(&store, patient.id, from, to, Locale::ZhHans).unwrap();
        let view = LabReportView::from(report);
        assert_eq!(view.creatinine_baseline_mg_dl, Some(0.40));
        let [line] = view.lines.as_slice() else {
            panic!("one line expected, got {:?}", view.lines)
        };
        let stored = &logged[1];
        assert_eq!(line.result.client_id, "c2");
        assert_eq!(line.result.global_id, stored.global_id);
        assert_eq!(line.result.drawn_at, at("2025-07-01T09:00:00+08:00"));
        assert_eq!(line.result.recorded_at_ms, stored.recorded_at_ms);
        assert_eq!(line.result.revision, 1);
        assert_eq!(line.target, None, "a creatinine has no level target");
        // Clinical-rules §1: each alert reads its own text, in the report's locale.
        let alerts: Vec<(AlertKind, &str)> = (line.assessment.alerts.iter())
            .map(|a| (a.kind, a.text.as_str()))
            .collect();
        assert_eq!(
            alerts,
            [
                (
                    AlertKind::CreatinineRise,
                    AlertKind::CreatinineRise.text(Locale::ZhHans)
                ),
                (
                    AlertKind::EgfrBelow90,
                    AlertKind::EgfrBelow90.text(Locale::ZhHans)
                ),
            ]
        );
        assert!(line.assessment.alerts[1].informational);
        assert!(!line.assessment.alerts[0].informational);
    }

    #[test]
    fn the_growth_view_flattens_each_stored_blood_pressure() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let reading = BloodPressure {
            measured_at: at("2025-06-03T08:30:00+08:00"),
            systolic_mmhg: 104.0,
            diastolic_mmhg: 66.0,
        };
        let stored = store
            .add_blood_pressure(patient.id, &reading, None)
            .unwrap();
        let view = GrowthView::from(growth(&store, patient.id).unwrap());
        assert_eq!(
            view.blood_pressures,
            [BloodPressureView {
                id: stored.id,
                patient_id: patient.id,
                measured_at: at("2025-06-03T08:30:00+08:00"),
                systolic_mmhg: 104.0,
                diastolic_mmhg: 66.0,
                recorded_at_ms: stored.recorded_at_ms,
                global_id: stored.global_id,
            }]
        );
        assert!(!view.points.is_empty());
        assert_eq!(view.points[0].date, date("2025-05-30"));
    }
}

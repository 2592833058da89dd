//! One pass over a patient's labs: each result with its target flag, trough validity, safety
//! alerts and eGFR — what the lab screen and the report show.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::alerts::{creatinine_rise_alert, egfr_alert, threshold_alert};
use super::growth::{egfr_bedside_schwartz, HeightHistory, HeightRecord};
use super::targets::{LevelTargets, TargetFlag, TargetPhase};
use super::trough::{TakenDose, TroughDoseIndex, TroughValidity};
use super::{LabKind, LabResult, LabUnit, SafetyAlert};
use crate::error::Result;
use crate::numeric::require_positive;
use crate::schedule::local_date;

/// The records the assessment reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LabHistory {
    /// Lab results, any order; the assessment keeps this order.
    pub labs: Vec<LabResult>,
    /// Tacrolimus doses logged as taken (for trough validity, clinical-rules §8).
    pub tacrolimus_doses: Vec<TakenDose>,
    /// Measured heights (for the eGFR, clinical-rules §2).
    pub heights: Vec<HeightRecord>,
}

/// The care team's settings the assessment applies (**policy**).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabPolicy {
    /// Drug-level targets in force.
    pub targets: LevelTargets,
    /// The creatinine baseline in mg/dL for the "> 30 % above baseline" alert (clinical-rules
    /// §1, KDIGO 2025). Policy: when the care team has set none, the first creatinine on record
    /// (earliest draw; the first listed among equal draws) is the baseline.
    pub creatinine_baseline_mg_dl: Option<f64>,
}

impl LabPolicy {
    /// The protocol targets of `phase` (clinical-rules §1) and no set creatinine baseline.
    pub const fn protocol(phase: TargetPhase) -> Self {
        LabPolicy {
            targets: LevelTargets::protocol(phase),
            creatinine_baseline_mg_dl: None,
        }
    }
}

/// Where the creatinine baseline came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BaselineSource {
    /// Set by the care team.
    CareTeam,
    /// The first creatinine on record.
    FirstOnRecord,
}

impl BaselineSource {
    /// The identifier used in files and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            BaselineSource::CareTeam => "care_team",
            BaselineSource::FirstOnRecord => "first_on_record",
        }
    }
}

/// Something the assessment could not decide for lack of data (not an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AssessmentNote {
    /// An ALT or total bilirubin without the laboratory's upper limit of normal: the
    /// ≥ 2 × ULN alert cannot be decided, so none is raised.
    UpperLimitOfNormalMissing,
    /// A creatinine with no height measured on or before its draw date: no eGFR.
    NoHeightForEgfr,
}

impl AssessmentNote {
    /// The identifier used in files and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            AssessmentNote::UpperLimitOfNormalMissing => "uln_missing",
            AssessmentNote::NoHeightForEgfr => "no_height_for_egfr",
        }
    }
}

/// One lab result as assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabAssessment {
    /// The result as reported.
    pub lab: LabResult,
    /// For a tacrolimus trough or an MPA-AUC: where it falls against its target, or
    /// `NotATrough` (clinical-rules §8). `None` for other kinds.
    pub flag: Option<TargetFlag>,
    /// For a tacrolimus trough: whether it was drawn as a trough, and if not why.
    pub trough: Option<TroughValidity>,
    /// Safety alerts raised by this result, in [`super::AlertKind::ALL`] order.
    pub alerts: Vec<SafetyAlert>,
    /// For a creatinine: the bedside Schwartz eGFR, mL/min/1.73 m², with the latest height on or
    /// before the draw's local date; `None` without a height.
    pub egfr: Option<f64>,
    /// What could not be decided for lack of data.
    pub notes: Vec<AssessmentNote>,
}

/// The assessment of a patient's labs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabReport {
    /// The creatinine baseline used, mg/dL (`None`: no baseline set and no creatinine on record).
    pub creatinine_baseline_mg_dl: Option<f64>,
    /// Where the baseline came from.
    pub creatinine_baseline_source: Option<BaselineSource>,
    /// One assessment per lab, in the order given.
    pub labs: Vec<LabAssessment>,
}

/// Assesses every lab of `history` under `policy`, reading local dates (the draw's day for the
/// trough rule and the height) in `time_zone`:
/// - tacrolimus trough: `not_a_trough` when drawn after the day's logged morning dose or less
///   than 10 h after the previous dose (clinical-rules §8, [`super::trough`]); otherwise its
///   target flag. MPA-AUC: its target flag (clinical-rules §1).
/// - WBC, haemoglobin, platelets, ALT, total bilirubin: the §1 safety thresholds
///   ([`super::alerts`]).
/// - creatinine: the rise above baseline (KDIGO 2025) and the bedside Schwartz eGFR with its
///   informational alert below 90 (clinical-rules §1–2).
///
/// Refuses (naming the field) a lab whose unit does not fit its kind or whose value is not a
/// finite number ≥ 0 (creatinine > 0), a non-positive ULN, height or baseline, and inconsistent
/// targets.
pub fn assess_labs(history: &LabHistory, policy: &LabPolicy, time_zone: Tz) -> Result<LabReport> {
    policy.targets.validate()?;
    if let Some(baseline) = policy.creatinine_baseline_mg_dl {
        require_positive("creatinine_baseline_mg_dl", baseline)?;
    }
    for (i, lab) in history.labs.iter().enumerate() {
        lab.validate(&format!("labs[{i}]"))?;
    }
    let heights = HeightHistory::new(&history.heights)?;
    let doses = TroughDoseIndex::new(&history.tacrolimus_doses);
    let (baseline, baseline_source) = match policy.creatinine_baseline_mg_dl {
        Some(set) => (Some(set), Some(BaselineSource::CareTeam)),
        None => {
            let first = first_creatinine_mg_per_dl(&history.labs);
            (first, first.map(|_| BaselineSource::FirstOnRecord))
        }
    };
    let labs = history
        .labs
        .iter()
        .map(|lab| assess_one(lab, &policy.targets, &doses, &heights, baseline, time_zone))
        .collect::<Result<Vec<_>>>()?;
    Ok(LabReport {
        creatinine_baseline_mg_dl: baseline,
        creatinine_baseline_source: baseline_source,
        labs,
    })
}

/// The first creatinine on record in mg/dL: the earliest draw, the first listed among equal draws.
fn first_creatinine_mg_per_dl(labs: &[LabResult]) -> Option<f64> {
    labs.iter()
        .filter(|l| l.kind == LabKind::Creatinine)
        .min_by_key(|l| l.drawn_at) // the first of equal minima
        .and_then(|l| l.value_in(LabUnit::MilligramsPerDecilitre))
}

fn assess_one(
    lab: &LabResult,
    targets: &LevelTargets,
    doses: &TroughDoseIndex,
    heights: &HeightHistory,
    baseline_mg_per_dl: Option<f64>,
    time_zone: Tz,
) -> Result<LabAssessment> {
    let mut assessment = LabAssessment {
        lab: lab.clone(),
        flag: None,
        trough: None,
        alerts: Vec::new(),
        egfr: None,
        notes: Vec::new(),
    };
    match lab.kind {
        LabKind::TacrolimusTrough => {
            let validity = doses.validity(lab.drawn_at, time_zone);
            assessment.trough = Some(validity);
            assessment.flag = Some(if validity.is_trough() {
                targets.tacrolimus_trough.flag(lab.value)
            } else {
                TargetFlag::NotATrough
            });
        }
        LabKind::MpaAuc => assessment.flag = Some(targets.mpa_auc.flag(lab.value)),
        LabKind::Creatinine => {
            assessment
                .alerts
                .extend(baseline_mg_per_dl.and_then(|b| creatinine_rise_alert(lab, b)));
            let draw_date = local_date(lab.drawn_at, time_zone);
            match (
                heights.on_or_before(draw_date),
                lab.value_in(LabUnit::MilligramsPerDecilitre),
            ) {
                (Some(height_cm), Some(mg_per_dl)) => {
                    let egfr = egfr_bedside_schwartz(height_cm, mg_per_dl)?;
                    assessment.egfr = Some(egfr);
                    assessment.alerts.extend(egfr_alert(lab, egfr));
                }
                _ => assessment.notes.push(AssessmentNote::NoHeightForEgfr),
            }
        }
        LabKind::Alt | LabKind::TotalBilirubin if lab.upper_limit_of_normal.is_none() => {
            assessment
                .notes
                .push(AssessmentNote::UpperLimitOfNormalMissing);
        }
        _ => assessment.alerts.extend(threshold_alert(lab)),
    }
    Ok(assessment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::{parse_clock_time, parse_date, parse_instant};
    use crate::labs::AlertKind;

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    fn lab(kind: LabKind, value: f64, unit: LabUnit, drawn: &str) -> LabResult {
        LabResult {
            kind,
            value,
            unit,
            drawn_at: parse_instant("t", drawn).unwrap().to_utc(),
            upper_limit_of_normal: None,
        }
    }

    fn height(date: &str, cm: f64) -> HeightRecord {
        HeightRecord {
            date: parse_date("d", date).unwrap(),
            height_cm: cm,
        }
    }

    fn alerts(a: &LabAssessment) -> Vec<AlertKind> {
        a.alerts.iter().map(|x| x.kind).collect()
    }

    #[test]
    fn first_creatinine_on_record_is_the_baseline_whatever_the_order() {
        let history = LabHistory {
            labs: vec![
                lab(
                    LabKind::Creatinine,
                    0.70,
                    LabUnit::MilligramsPerDecilitre,
                    "2025-03-01T08:00:00+08:00",
                ),
                lab(
                    LabKind::Creatinine,
                    44.21,
                    LabUnit::MicromolesPerLitre,
                    "2025-01-01T08:00:00+08:00",
                ),
                lab(
                    LabKind::Creatinine,
                    0.65,
                    LabUnit::MilligramsPerDecilitre,
                    "2025-02-01T08:00:00+08:00",
                ),
            ],
            heights: vec![height("2024-12-01", 120.0)],
            ..LabHistory::default()
        };
        let report = assess_labs(
            &history,
            &LabPolicy::protocol(TargetPhase::Initial),
            SHANGHAI,
        )
        .unwrap();
        assert!((report.creatinine_baseline_mg_dl.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(
            report.creatinine_baseline_source,
            Some(BaselineSource::FirstOnRecord)
        );
        // 0.70 > 0.65 = 1.3 × 0.5; 0.65 is exactly +30 %.
        assert_eq!(
            alerts(&report.labs[0]),
            vec![AlertKind::CreatinineRise, AlertKind::EgfrBelow90]
        );
        assert_eq!(alerts(&report.labs[2]), vec![AlertKind::EgfrBelow90]);
        assert!((report.labs[1].egfr.unwrap() - 99.12).abs() < 1e-9);
        assert!(report.labs[1].alerts.is_empty());
    }

    #[test]
    fn a_care_team_baseline_takes_precedence() {
        let history = LabHistory {
            labs: vec![lab(
                LabKind::Creatinine,
                0.5,
                LabUnit::MilligramsPerDecilitre,
                "2025-01-01T08:00:00+08:00",
            )],
            ..LabHistory::default()
        };
        let policy = LabPolicy {
            creatinine_baseline_mg_dl: Some(0.38),
            ..LabPolicy::protocol(TargetPhase::Initial)
        };
        let report = assess_labs(&history, &policy, SHANGHAI).unwrap();
        assert_eq!(
            report.creatinine_baseline_source,
            Some(BaselineSource::CareTeam)
        );
        assert_eq!(alerts(&report.labs[0]), vec![AlertKind::CreatinineRise]);
        assert_eq!(report.labs[0].notes, vec![AssessmentNote::NoHeightForEgfr]);
        let bad = LabPolicy {
            creatinine_baseline_mg_dl: Some(0.0),
            ..policy
        };
        assert!(assess_labs(&history, &bad, SHANGHAI)
            .unwrap_err()
            .to_string()
            .contains("creatinine_baseline_mg_dl"));
    }

    #[test]
    fn the_height_is_the_latest_on_or_before_the_local_draw_date() {
        // 07:30 on 2 June in Shanghai is 23:30 UTC on 1 June: the 2 June height applies.
        let history = LabHistory {
            labs: vec![lab(
                LabKind::Creatinine,
                0.5,
                LabUnit::MilligramsPerDecilitre,
                "2025-06-01T23:30:00Z",
            )],
            heights: vec![height("2025-06-01", 100.0), height("2025-06-02", 120.0)],
            ..LabHistory::default()
        };
        let report = assess_labs(
            &history,
            &LabPolicy::protocol(TargetPhase::Initial),
            SHANGHAI,
        )
        .unwrap();
        assert!((report.labs[0].egfr.unwrap() - 99.12).abs() < 1e-9);
        let utc = assess_labs(
            &history,
            &LabPolicy::protocol(TargetPhase::Initial),
            chrono_tz::UTC,
        )
        .unwrap();
        assert!((utc.labs[0].egfr.unwrap() - 82.6).abs() < 1e-9);
    }

    #[test]
    fn a_trough_after_the_morning_dose_is_not_compared() {
        let dose = |taken: &str, date: &str, time: &str| TakenDose {
            taken_at: parse_instant("t", taken).unwrap().to_utc(),
            slot_date: parse_date("d", date).unwrap(),
            slot_time: parse_clock_time("t", time).unwrap(),
        };
        let history = LabHistory {
            labs: vec![
                lab(
                    LabKind::TacrolimusTrough,
                    12.0,
                    LabUnit::NanogramsPerMillilitre,
                    "2025-06-02T09:00:00+08:00",
                ),
                lab(
                    LabKind::TacrolimusTrough,
                    12.0,
                    LabUnit::NanogramsPerMillilitre,
                    "2025-06-02T07:30:00+08:00",
                ),
            ],
            tacrolimus_doses: vec![
                dose("2025-06-01T20:00:00+08:00", "2025-06-01", "20:00"),
                dose("2025-06-02T08:00:00+08:00", "2025-06-02", "08:00"),
            ],
            ..LabHistory::default()
        };
        let report = assess_labs(
            &history,
            &LabPolicy::protocol(TargetPhase::Initial),
            SHANGHAI,
        )
        .unwrap();
        assert_eq!(report.labs[0].flag, Some(TargetFlag::NotATrough));
        assert_eq!(
            report.labs[0].trough,
            Some(TroughValidity::AfterMorningDose)
        );
        assert_eq!(report.labs[1].flag, Some(TargetFlag::Above));
        assert_eq!(report.labs[1].trough, Some(TroughValidity::Valid));
    }

    #[test]
    fn refusals_name_the_lab() {
        let mut history = LabHistory {
            labs: vec![
                lab(
                    LabKind::Wbc,
                    5.0,
                    LabUnit::BillionsPerLitre,
                    "2025-06-02T09:00:00+08:00",
                ),
                lab(
                    LabKind::Platelets,
                    -1.0,
                    LabUnit::BillionsPerLitre,
                    "2025-06-02T09:00:00+08:00",
                ),
            ],
            ..LabHistory::default()
        };
        let policy = LabPolicy::protocol(TargetPhase::Maintenance);
        let err = assess_labs(&history, &policy, SHANGHAI).unwrap_err();
        assert!(err.to_string().contains("labs[1].value"), "{err}");
        history.labs[1] = lab(
            LabKind::Platelets,
            150.0,
            LabUnit::GramsPerLitre,
            "2025-06-02T09:00:00+08:00",
        );
        let err = assess_labs(&history, &policy, SHANGHAI).unwrap_err();
        assert!(err.to_string().contains("labs[1].unit"), "{err}");
    }

    #[test]
    fn liver_results_without_uln_are_noted_not_refused() {
        let history = LabHistory {
            labs: vec![lab(
                LabKind::Alt,
                500.0,
                LabUnit::UnitsPerLitre,
                "2025-06-02T09:00:00+08:00",
            )],
            ..LabHistory::default()
        };
        let report = assess_labs(
            &history,
            &LabPolicy::protocol(TargetPhase::Initial),
            SHANGHAI,
        )
        .unwrap();
        assert!(report.labs[0].alerts.is_empty());
        assert_eq!(
            report.labs[0].notes,
            vec![AssessmentNote::UpperLimitOfNormalMissing]
        );
        assert_eq!(report.creatinine_baseline_mg_dl, None);
    }
}

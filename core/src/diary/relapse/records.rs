//! Urine readings and the relapse status as a shell reads them (clinical-rules §5, §6 and
//! §13): the stored measurement flattened into its optional parts (`dipstick`, or `upcr` with
//! its `unit`), the photo's suggestion with its two nearest swatches as a list, and the latest
//! reading of the relapse screen in the same shape.

use chrono::NaiveDate;

use crate::diary::relapse::RelapseStatus;
use crate::dipstick::PhotoSuggestionRecord;
use crate::ids::{GlobalId, PatientId};
use crate::locale::Locale;
use crate::protein::{DipstickGrade, ProteinLevel, UpcrUnit, UrineMeasurement};
use crate::relapse::{DefinitionSet, FamilyPrompt, RelapseAssessment, SteroidCourseSpan};
use crate::store::urine::{UrineReadingEntry, UrineReadingRevision};

/// The optional parts of a measurement as a shell enters them: the dipstick grade, or the UPCR
/// value with its unit.
fn parts(m: &UrineMeasurement) -> (Option<DipstickGrade>, Option<f64>, Option<UpcrUnit>) {
    let upcr = m.upcr_value();
    (
        m.dipstick(),
        upcr.map(|(value, _)| value),
        upcr.map(|(_, unit)| unit),
    )
}

/// A logged urine reading in its current revision.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "UrineReading"))]
pub struct UrineReadingRecord {
    /// The client id it was logged under.
    pub client_id: String,
    /// The patient.
    pub patient_id: PatientId,
    /// The dipstick grade, for a home test.
    pub dipstick: Option<DipstickGrade>,
    /// The UPCR value, for a laboratory result.
    pub upcr: Option<f64>,
    /// The UPCR's unit.
    pub unit: Option<UpcrUnit>,
    /// The reading's level.
    pub level: ProteinLevel,
    /// When the sample was taken, UTC epoch ms.
    pub taken_at_ms: i64,
    /// The patient's local date of the sample, `YYYY-MM-DD`.
    pub taken_on: NaiveDate,
    /// Whether it was the first urine of the morning.
    pub first_morning: bool,
    /// The note, if any.
    pub note: Option<String>,
    /// Who first logged it.
    pub logged_by: String,
    /// 1 when logged, +1 per correction or retraction.
    pub revision: i64,
    /// Whether it was retracted (kept in history, no longer counted).
    pub retracted: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: i64,
    /// The core's suggestion when the strip was read from a photo: `dipstick` is the grade the
    /// parent confirmed (as corrected since, if it was), and only it counts. Empty for a strip
    /// read by eye and for a UPCR.
    pub photo: Option<PhotoSuggestionRecord>,
    /// The reading's globally unique id (a version 7 UUID, hyphenated), kept through every
    /// correction and the retraction.
    pub global_id: GlobalId,
}

impl From<UrineReadingEntry> for UrineReadingRecord {
    fn from(e: UrineReadingEntry) -> Self {
        let (dipstick, upcr, unit) = parts(&e.measurement);
        UrineReadingRecord {
            global_id: e.global_id,
            client_id: e.client_id,
            patient_id: e.patient_id,
            dipstick,
            upcr,
            unit,
            level: e.level,
            taken_at_ms: e.taken_at_ms,
            taken_on: e.taken_on,
            first_morning: e.first_morning,
            note: e.note,
            logged_by: e.logged_by,
            revision: e.revision,
            retracted: e.retracted,
            recorded_at_ms: e.recorded_at_ms,
            photo: e.photo.map(Into::into),
        }
    }
}

/// One revision in a reading's history.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "UrineReadingRevision"))]
pub struct UrineReadingRevisionRecord {
    /// Revision number, from 1.
    pub revision: i64,
    /// The dipstick grade in this revision.
    pub dipstick: Option<DipstickGrade>,
    /// The UPCR value in this revision.
    pub upcr: Option<f64>,
    /// The UPCR unit in this revision.
    pub unit: Option<UpcrUnit>,
    /// The sampling time, UTC epoch ms.
    pub taken_at_ms: i64,
    /// The local date, `YYYY-MM-DD`.
    pub taken_on: NaiveDate,
    /// Whether it was the first urine of the morning.
    pub first_morning: bool,
    /// The note in this revision.
    pub note: Option<String>,
    /// Who made this revision.
    pub changed_by: String,
    /// Whether this revision retracted the reading.
    pub retracted: bool,
    /// When it was recorded, UTC epoch ms.
    pub recorded_at_ms: i64,
}

impl From<UrineReadingRevision> for UrineReadingRevisionRecord {
    fn from(r: UrineReadingRevision) -> Self {
        let (dipstick, upcr, unit) = parts(&r.measurement);
        UrineReadingRevisionRecord {
            revision: r.revision,
            dipstick,
            upcr,
            unit,
            taken_at_ms: r.taken_at_ms,
            taken_on: r.taken_on,
            first_morning: r.first_morning,
            note: r.note,
            changed_by: r.changed_by,
            retracted: r.retracted,
            recorded_at_ms: r.recorded_at_ms,
        }
    }
}

/// What the relapse screen shows for a patient on a day.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "RelapseStatus"))]
pub struct RelapseStatusRecord {
    /// The patient.
    pub patient_id: PatientId,
    /// The local date of the status, `YYYY-MM-DD`.
    pub today: NaiveDate,
    /// The patient's definition set.
    pub definitions: DefinitionSet,
    /// The initial remission date set by the care team, if any.
    pub initial_remission: Option<NaiveDate>,
    /// The steroid courses counted, from their taper calendars.
    pub steroid_courses: Vec<SteroidCourseSpan>,
    /// The engine's answer as of today.
    pub assessment: RelapseAssessment,
    /// Whether today's first-morning reading is logged.
    pub morning_reading_logged: bool,
    /// The latest reading on or before today, if any.
    pub latest_reading: Option<UrineReadingRecord>,
    /// What the family is told today.
    pub prompt: FamilyPrompt,
    /// The locale of `prompt_text`: `en` or `zh-Hans`.
    pub locale: Locale,
    /// The prompt in words.
    pub prompt_text: String,
}

/// The status with its latest reading flattened as [`UrineReadingRecord`].
impl From<RelapseStatus> for RelapseStatusRecord {
    fn from(s: RelapseStatus) -> Self {
        RelapseStatusRecord {
            patient_id: s.patient_id,
            today: s.today,
            definitions: s.definitions,
            initial_remission: s.initial_remission,
            steroid_courses: s.steroid_courses.into_iter().map(Into::into).collect(),
            assessment: s.assessment,
            morning_reading_logged: s.morning_reading_logged,
            latest_reading: s.latest_reading.map(Into::into),
            prompt: s.prompt,
            locale: s.locale,
            prompt_text: s.prompt_text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::relapse::{relapse_status, urine_reading_history, urine_readings};
    use crate::dipstick::{PhotoSuggestion, ReadStatus, SwatchDistance};
    use crate::ids::PatientId;
    use crate::store::tests::seeded;
    use crate::store::urine::{NewUrineReading, UrineReadingCorrection};
    use crate::store::Store;
    use crate::test_support::date;

    /// 2025-06-02 07:00 in Shanghai (the seeded patient's zone), UTC epoch ms.
    const MORNING_MS: i64 = 1_748_818_800_000;

    fn reading(client_id: &str, patient_id: PatientId, m: UrineMeasurement) -> NewUrineReading {
        NewUrineReading {
            client_id: client_id.into(),
            patient_id,
            measurement: m,
            taken_at_ms: MORNING_MS,
            taken_on: None,
            first_morning: true,
            note: None,
            logged_by: "mother".into(),
            photo: None,
        }
    }

    fn distance(grade: DipstickGrade, delta_e: f64) -> SwatchDistance {
        SwatchDistance { grade, delta_e }
    }

    #[test]
    fn a_strip_flattens_to_its_grade_and_a_upcr_to_its_value_and_unit() {
        let mut store = Store::open_in_memory().unwrap();
        let patient = seeded(&mut store).0.id;
        let mut strip = reading(
            "strip",
            patient,
            UrineMeasurement::Dipstick(DipstickGrade::TwoPlus),
        );
        strip.photo = Some(PhotoSuggestion {
            status: ReadStatus::Read,
            grade: Some(DipstickGrade::OnePlus),
            nearest: [
                distance(DipstickGrade::OnePlus, 3.0),
                distance(DipstickGrade::TwoPlus, 6.5),
            ],
        });
        let shown = UrineReadingRecord::from(store.log_urine_reading(&strip).unwrap());
        assert_eq!(
            (shown.dipstick, shown.upcr, shown.unit, shown.patient_id),
            (Some(DipstickGrade::TwoPlus), None, None, patient)
        );
        assert_eq!((shown.taken_on, shown.revision), (date("2025-06-02"), 1));
        let photo = shown.photo.unwrap();
        assert_eq!(
            photo.grade,
            Some(DipstickGrade::OnePlus),
            "the suggestion is kept"
        );
        assert_eq!(photo.nearest.len(), 2);
        assert_eq!(shown.global_id.to_string().len(), 36, "a hyphenated UUID");

        let upcr = UrineMeasurement::Upcr {
            value: 250.5,
            unit: UpcrUnit::MgPerMmol,
        };
        let shown = UrineReadingRecord::from(
            store
                .log_urine_reading(&reading("lab", patient, upcr))
                .unwrap(),
        );
        assert_eq!(
            (shown.dipstick, shown.upcr, shown.unit, shown.photo),
            (None, Some(250.5), Some(UpcrUnit::MgPerMmol), None)
        );
    }

    #[test]
    fn retracted_readings_are_listed_only_when_asked_and_every_revision_is_flattened() {
        let mut store = Store::open_in_memory().unwrap();
        let patient = seeded(&mut store).0.id;
        let negative = UrineMeasurement::Dipstick(DipstickGrade::Negative);
        store
            .log_urine_reading(&reading("kept", patient, negative))
            .unwrap();
        store
            .log_urine_reading(&reading("mistake", patient, negative))
            .unwrap();
        store
            .correct_urine_reading(
                "mistake",
                &UrineReadingCorrection {
                    measurement: UrineMeasurement::Upcr {
                        value: 0.5,
                        unit: UpcrUnit::MgPerMg,
                    },
                    taken_at_ms: MORNING_MS,
                    taken_on: None,
                    first_morning: false,
                    note: None,
                    corrected_by: "father".into(),
                },
            )
            .unwrap();
        store.retract_urine_reading("mistake", "father").unwrap();

        let (from, to) = (date("2025-06-01"), date("2025-06-03"));
        let live = urine_readings(&store, patient, from, to, false).unwrap();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].client_id, "kept");
        let all = urine_readings(&store, patient, from, to, true).unwrap();
        assert_eq!(all.len(), 2);
        let mistake = all.iter().find(|r| r.client_id == "mistake").unwrap();
        assert!(mistake.retracted);
        assert_eq!((mistake.revision, mistake.upcr), (3, Some(0.5)));

        let history = urine_reading_history(&store, "mistake").unwrap();
        let shapes: Vec<_> = history
            .iter()
            .map(|r| (r.revision, r.dipstick, r.upcr, r.unit, r.retracted))
            .collect();
        assert_eq!(
            shapes,
            [
                (1, Some(DipstickGrade::Negative), None, None, false),
                (2, None, Some(0.5), Some(UpcrUnit::MgPerMg), false),
                (3, None, Some(0.5), Some(UpcrUnit::MgPerMg), true),
            ]
        );
        assert_eq!(history[1].changed_by, "father");
    }

    #[test]
    fn the_relapse_status_shows_its_latest_reading_flattened() {
        let mut store = Store::open_in_memory().unwrap();
        let patient = seeded(&mut store).0.id;
        let three_plus = UrineMeasurement::Dipstick(DipstickGrade::ThreePlus);
        store
            .log_urine_reading(&reading("first", patient, three_plus))
            .unwrap();
        let status = relapse_status(&store, patient, date("2025-06-02"), Locale::En).unwrap();
        let shown = RelapseStatusRecord::from(status.clone());
        assert_eq!(shown.patient_id, patient);
        assert!(shown.morning_reading_logged);
        let latest = shown.latest_reading.unwrap();
        assert_eq!(
            (latest.client_id.as_str(), latest.dipstick),
            ("first", Some(DipstickGrade::ThreePlus))
        );
        assert_eq!(
            (shown.prompt, shown.prompt_text, shown.assessment),
            (status.prompt, status.prompt_text, status.assessment)
        );
    }
}

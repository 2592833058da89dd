//! The relapse screen (clinical-rules §5 and §6): the stored urine readings, the patient's
//! definition set and steroid courses, run through the relapse engine, with what the family is
//! told today.
//!
//! Still no clock: `today` is a parameter (the patient's local date).
//!
//! The walk goes on from the patient's stored checkpoint ([`crate::relapse::RelapseCheckpoint`],
//! kept by [`Store::save_relapse_checkpoint`]): only the readings after it are read and walked,
//! with the same answer as a walk over every reading, so the screen costs the same after one
//! year or fifteen. The home screen keeps the checkpoint [`CHECKPOINT_LAG_DAYS`] behind today.

mod input;
mod records;

use crate::ids::PatientId;
use chrono::{Days, NaiveDate};

use crate::diary::taper::course_calendars_through;
use crate::error::{Error, Result};
use crate::locale::Locale;
use crate::relapse::{
    assess_from, family_prompt, relapse_checkpoint, DefinitionSet, DiseaseState, FamilyPrompt,
    RelapseAssessment, RelapseCheckpoint, RelapseInput, SteroidCourse,
};
use crate::store::urine::UrineReadingEntry;
use crate::store::Store;
use crate::taper::course::first_remission_confirmed;

pub use input::{UrineReadingCorrectionInput, UrineReadingInput};
pub use records::{RelapseStatusRecord, UrineReadingRecord, UrineReadingRevisionRecord};

/// The care-team policy key holding the remission date of the initial episode (a `YYYY-MM-DD`
/// JSON string). Unset by default: the 6-month rule of "frequently relapsing" applies only when
/// it is known, and it is never inferred (clinical-rules §6).
pub const INITIAL_REMISSION_POLICY_KEY: &str = "relapse.initial_remission_date";

/// How many days before today the home screen keeps the relapse checkpoint: the readings of the
/// last days are the ones most often logged late or corrected, and a change dated on or before
/// the checkpoint drops it. Not a clinical rule: every day gives the same answers.
pub const CHECKPOINT_LAG_DAYS: u64 = 14;

/// A checkpoint more than this many days behind today is walked on (to [`CHECKPOINT_LAG_DAYS`]
/// behind): the screen reads at most this many days of readings.
pub const CHECKPOINT_REFRESH_DAYS: u64 = 42;

/// A relapse checkpoint walked during a read, to keep once the read is over
/// ([`keep_checkpoint`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckpointToKeep {
    patient_id: PatientId,
    /// The readings generation read with the readings it was walked from.
    generation: i64,
    checkpoint: RelapseCheckpoint,
}

/// Keeps a checkpoint walked during a read that is now over. The checkpoint is a cache: when it
/// cannot be kept (a read-only diary, another writer holding the file) the next screen walks on
/// from the older one, with the same answer, so a failure is not the screen's.
pub(crate) fn keep_checkpoint(store: &Store, walked: Option<CheckpointToKeep>) {
    if let Some(walked) = walked {
        let _ =
            store.save_relapse_checkpoint(walked.patient_id, walked.generation, &walked.checkpoint);
    }
}

/// What the relapse screen shows for a patient on a day.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RelapseStatus {
    /// The patient.
    pub patient_id: PatientId,
    /// The patient's local date the status is for; readings after it are not counted.
    pub today: NaiveDate,
    /// The definition set of the patient's profile.
    pub definitions: DefinitionSet,
    /// The initial remission date from the care-team policy, if set.
    pub initial_remission: Option<NaiveDate>,
    /// The steroid courses used for "steroid dependent": first and last dosing days.
    pub steroid_courses: Vec<SteroidCourse>,
    /// The engine's answer as of `today`.
    pub assessment: RelapseAssessment,
    /// Whether a first-morning reading (not retracted) is logged for `today`.
    pub morning_reading_logged: bool,
    /// The latest live reading on or before `today`, if any.
    pub latest_reading: Option<UrineReadingEntry>,
    /// What the family is told today.
    pub prompt: FamilyPrompt,
    /// The locale of `prompt_text`.
    pub locale: Locale,
    /// The prompt in words, in `locale`.
    pub prompt_text: String,
}

/// A patient's readings with local dates from `from` to `to` (inclusive), by date and time, as
/// a shell reads them; retracted ones (kept in the history, no longer counted) only when
/// `include_retracted`.
pub fn urine_readings(
    store: &Store,
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
    include_retracted: bool,
) -> Result<Vec<UrineReadingRecord>> {
    let readings = if include_retracted {
        store.urine_readings_including_retracted(patient_id, from, to)?
    } else {
        store.urine_readings(patient_id, from, to)?
    };
    Ok(readings.into_iter().map(Into::into).collect())
}

/// Every revision of a reading, oldest first, as a shell reads them.
pub fn urine_reading_history(
    store: &Store,
    client_id: &str,
) -> Result<Vec<UrineReadingRevisionRecord>> {
    let revisions = store.urine_reading_history(client_id)?;
    Ok(revisions.into_iter().map(Into::into).collect())
}

/// The relapse status of a patient on `today` (the patient's local date): every live reading up
/// to `today` walked by the engine under the profile's definition set (clinical-rules §6), the
/// steroid courses from their taper calendars ([`steroid_course_spans`]), the initial remission
/// date from the care-team policy ([`INITIAL_REMISSION_POLICY_KEY`]), and the family prompt for
/// today ([`family_prompt`]: a `nephrotic` day means "test again tomorrow morning", the third
/// means "relapse: contact your team", and a missing first-morning reading while in watch is a
/// reminder). The initial state is remission.
pub fn relapse_status(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
    locale: Locale,
) -> Result<RelapseStatus> {
    let (status, _) =
        store.in_one_read(|| walk_relapse_status(store, patient_id, today, locale))?;
    Ok(status)
}

/// [`relapse_status`], with the checkpoint to keep when the stored one is missing or more than
/// [`CHECKPOINT_REFRESH_DAYS`] behind `today`: the walk through `today` −
/// [`CHECKPOINT_LAG_DAYS`]. Keep it ([`keep_checkpoint`]) only after the read is over, and only
/// when the read left no row out (an unreadable reading must stay reported, not be walked past).
pub(crate) fn walk_relapse_status(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
    locale: Locale,
) -> Result<(RelapseStatus, Option<CheckpointToKeep>)> {
    if !(earliest_date()..=latest_date()).contains(&today) {
        return Err(Error::invalid(
            "today",
            "must be a date in the years 1900 to 9999",
        ));
    }
    let patient = store.patient(patient_id)?;
    let definitions = DefinitionSet::parse("definition_set", &patient.profile.definition_set)?;
    let initial_remission = initial_remission_date(store, patient_id)?;
    // The walk from remission (clinical-rules §6: the initial state), as of a day before today.
    let stored = store.stored_relapse_checkpoint(patient_id)?;
    let checkpoint = stored
        .checkpoint
        .filter(|c| c.initial_state == DiseaseState::Remission && c.through < today);
    let from = checkpoint
        .as_ref()
        .and_then(|c| c.through.succ_opt())
        .unwrap_or(earliest_date())
        .max(earliest_date());
    // Every live reading after the checkpoint (all of them without one).
    let entries = store.urine_readings(patient_id, from, today)?;
    let readings = entries
        .iter()
        .map(UrineReadingEntry::engine_reading)
        .collect::<Vec<_>>();
    let steroid_courses = steroid_course_spans(store, patient_id, today)?;
    let input = RelapseInput {
        definitions,
        initial_remission,
        readings,
        steroid_courses: steroid_courses.clone(),
        as_of: Some(today),
        ..RelapseInput::default()
    };
    let assessment = assess_from(checkpoint.as_ref(), &input)?;
    let morning_reading_logged = entries
        .iter()
        .any(|e| e.taken_on == today && e.first_morning);
    let latest_reading = match (entries.last(), &checkpoint) {
        (Some(latest), _) => Some(latest.clone()),
        (None, Some(c)) => store.latest_urine_reading(patient_id, earliest_date(), c.through)?,
        (None, None) => None,
    };
    let to_keep = checkpoint_to_keep(
        stored.generation,
        checkpoint.as_ref(),
        &input.readings,
        patient_id,
        today,
    );
    let prompt = family_prompt(&assessment, today, morning_reading_logged);
    let status = RelapseStatus {
        patient_id,
        today,
        definitions,
        initial_remission,
        steroid_courses,
        assessment,
        morning_reading_logged,
        latest_reading,
        prompt,
        locale,
        prompt_text: prompt.text(locale).to_string(),
    };
    Ok((status, to_keep))
}

/// The checkpoint to keep after a walk from `checkpoint` (none: from the first reading) over
/// `readings` (those after it): none while the checkpoint is recent enough, or when the diary
/// keeps none for the patient (`generation` none).
fn checkpoint_to_keep(
    generation: Option<i64>,
    checkpoint: Option<&RelapseCheckpoint>,
    readings: &[crate::protein::UrineReading],
    patient_id: PatientId,
    today: NaiveDate,
) -> Option<CheckpointToKeep> {
    let generation = generation?;
    let through = today.checked_sub_days(Days::new(CHECKPOINT_LAG_DAYS))?;
    let recent = checkpoint.is_some_and(|c| {
        c.through
            .checked_add_days(Days::new(CHECKPOINT_REFRESH_DAYS))
            .is_some_and(|due| due >= today)
    });
    if recent || through < earliest_date() {
        return None;
    }
    let checkpoint =
        relapse_checkpoint(checkpoint, DiseaseState::Remission, readings, through).ok()?;
    Some(CheckpointToKeep {
        patient_id,
        generation,
        checkpoint,
    })
}

/// The day the relapse engine confirms a remission (clinical-rules §6: the third consecutive
/// remission-level day) in the patient's live urine readings dated on or after `date`, walked
/// from state relapse (an "until remission" steroid phase treats a relapse, clinical-rules §4);
/// `None` while no remission is confirmed. The rule the course calendars use
/// ([`crate::taper::course`]), for screens that show the date.
pub fn remission_confirmed_after(
    store: &Store,
    patient_id: PatientId,
    date: NaiveDate,
) -> Result<Option<NaiveDate>> {
    // Stored dates are four-digit years; a later date has no readings (and its text form,
    // `+10000-…`, would not compare in date order).
    if date > latest_date() {
        return Ok(None);
    }
    first_remission_confirmed(store.relapse_readings_from(patient_id, date)?)
}

/// The patient's steroid courses as the relapse engine needs them: the first and last dosing
/// day of each course's calendar as the diary uses it ([`course_calendars_through`]: latest
/// version; an "until remission" phase ends on the confirmed remission and is shown continuing
/// through `today` until then; a course stops the day before the next one starts), and the
/// glucocorticoids of the app's list given as other medicines on a schedule, in tablets or
/// liquid, from their first to their last dosing day through `today` (clinical-rules §6 with
/// §12: a typed-in medicine never counts). Courses without a dosing day are left out. In start
/// order.
pub fn steroid_course_spans(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
) -> Result<Vec<SteroidCourse>> {
    let mut spans: Vec<SteroidCourse> = course_calendars_through(store, patient_id, today)?
        .iter()
        .filter_map(
            |c| match (c.calendar.first_dosing_day, c.calendar.last_dosing_day) {
                (Some(start), Some(end)) => Some(SteroidCourse { start, end }),
                _ => None,
            },
        )
        .collect();
    spans.extend(
        store
            .medicines(patient_id)?
            .iter()
            .filter_map(|m| m.steroid_span(today))
            .map(|(start, end)| SteroidCourse { start, end }),
    );
    spans.sort_by_key(|c| (c.start, c.end));
    Ok(spans)
}

/// The remission date of the initial episode from the care-team policy, if set.
pub fn initial_remission_date(store: &Store, patient_id: PatientId) -> Result<Option<NaiveDate>> {
    store.policy::<NaiveDate>(patient_id, INITIAL_REMISSION_POLICY_KEY)
}

/// Sets the remission date of the initial episode (the policy keeps who set it), or with `None`
/// clears it. Refuses a date after 9999-12-31 (`initial_remission`) and an empty `changed_by`.
pub fn set_initial_remission_date(
    store: &mut Store,
    patient_id: PatientId,
    date: Option<NaiveDate>,
    changed_by: &str,
) -> Result<()> {
    match date {
        Some(date) => {
            if date > latest_date() {
                return Err(Error::invalid(
                    "initial_remission",
                    "must be a date no later than 9999-12-31",
                ));
            }
            store.set_policy(patient_id, INITIAL_REMISSION_POLICY_KEY, &date, changed_by)?;
        }
        None => {
            crate::model::require_text("changed_by", changed_by, 100)?;
            store.clear_policy(patient_id, INITIAL_REMISSION_POLICY_KEY)?;
        }
    }
    Ok(())
}

fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn latest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::{Days, NaiveTime};

    use super::*;
    use crate::drug::Drug;
    use crate::protein::{DipstickGrade, UpcrUnit, UrineMeasurement};
    use crate::relapse::ReportedState;
    use crate::store::tests::seeded;
    use crate::store::urine::NewUrineReading;
    use crate::store::NewCourse;
    use crate::taper::{DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};
    use DipstickGrade::{
        Negative as Neg, OnePlus as P1, ThreePlus as P3, Trace as Tr, TwoPlus as P2,
    };

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_date("d", s).unwrap()
    }

    fn store_with_patient() -> (Store, PatientId) {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        (store, patient.id)
    }

    /// Logs a first-morning dipstick at 07:00 in Shanghai (the seeded patient's zone).
    fn log(store: &mut Store, patient_id: PatientId, date: NaiveDate, grade: DipstickGrade) {
        store
            .log_urine_reading(&morning(patient_id, date, grade))
            .unwrap();
    }

    /// A first-morning dipstick at 07:00 in Shanghai, read by eye.
    fn morning(patient_id: PatientId, date: NaiveDate, grade: DipstickGrade) -> NewUrineReading {
        let seven_local_ms = date
            .and_hms_opt(7, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
            - 8 * 3_600_000;
        NewUrineReading {
            client_id: format!("dip-{date}"),
            patient_id,
            measurement: UrineMeasurement::Dipstick(grade),
            taken_at_ms: seven_local_ms,
            taken_on: None,
            first_morning: true,
            note: None,
            logged_by: "mother".into(),
            photo: None,
        }
    }

    fn log_days(store: &mut Store, patient_id: PatientId, start: &str, grades: &[DipstickGrade]) {
        for (i, &grade) in grades.iter().enumerate() {
            log(store, patient_id, d(start) + Days::new(i as u64), grade);
        }
    }

    fn status(store: &Store, patient_id: PatientId, today: &str) -> RelapseStatus {
        relapse_status(store, patient_id, d(today), Locale::En).unwrap()
    }

    #[test]
    fn an_empty_diary_is_in_remission_with_nothing_to_do() {
        let (store, patient_id) = store_with_patient();
        let s = status(&store, patient_id, "2025-06-10");
        assert_eq!(s.assessment.state, ReportedState::Remission);
        assert_eq!(
            (s.prompt, s.morning_reading_logged),
            (FamilyPrompt::AllClear, false)
        );
        assert_eq!(s.definitions, DefinitionSet::Ipna2022);
        assert!(s.latest_reading.is_none() && s.steroid_courses.is_empty());
    }

    #[test]
    fn the_family_is_told_to_retest_then_that_it_is_a_relapse() {
        let (mut store, patient_id) = store_with_patient();
        log_days(&mut store, patient_id, "2025-06-01", &[Neg, Tr, P3, P3, P3]);
        let day = |today: &str| status(&store, patient_id, today);
        assert_eq!(day("2025-06-02").prompt, FamilyPrompt::AllClear);
        let first_high = day("2025-06-03");
        assert_eq!(
            (first_high.assessment.state, first_high.prompt),
            (ReportedState::Watch, FamilyPrompt::TestAgainTomorrow)
        );
        assert!(first_high.morning_reading_logged);
        assert_eq!(day("2025-06-04").prompt, FamilyPrompt::TestAgainTomorrow);
        let third = day("2025-06-05");
        assert_eq!(
            (third.assessment.state, third.prompt),
            (ReportedState::Relapse, FamilyPrompt::RelapseContactTeam)
        );
        assert_eq!(third.assessment.relapses[0].onset, d("2025-06-03"));
        assert_eq!(
            third.prompt_text,
            FamilyPrompt::RelapseContactTeam.text(Locale::En)
        );
        assert_eq!(day("2025-06-06").prompt, FamilyPrompt::RelapseOngoing);
        let zh = relapse_status(&store, patient_id, d("2025-06-05"), Locale::ZhHans).unwrap();
        assert_eq!(
            (zh.locale, zh.prompt_text.as_str()),
            (
                Locale::ZhHans,
                FamilyPrompt::RelapseContactTeam.text(Locale::ZhHans)
            )
        );
    }

    /// Logs a first-morning dipstick read from a photo at 07:00 in Shanghai: the core suggested
    /// `suggested`, the parent confirmed `confirmed`.
    fn log_from_photo(
        store: &mut Store,
        patient_id: PatientId,
        date: NaiveDate,
        suggested: DipstickGrade,
        confirmed: DipstickGrade,
    ) {
        use crate::dipstick::{PhotoSuggestion, ReadStatus, SwatchDistance};
        let other = if suggested == P2 { P3 } else { P2 };
        let reading = NewUrineReading {
            client_id: format!("photo-{date}"),
            photo: Some(PhotoSuggestion {
                status: ReadStatus::Read,
                grade: Some(suggested),
                nearest: [
                    SwatchDistance {
                        grade: suggested,
                        delta_e: 3.0,
                    },
                    SwatchDistance {
                        grade: other,
                        delta_e: 8.0,
                    },
                ],
            }),
            ..morning(patient_id, date, confirmed)
        };
        store.log_urine_reading(&reading).unwrap();
    }

    #[test]
    fn only_the_confirmed_grade_of_a_photo_reading_counts() {
        // The core suggested 2+ three mornings running; the parent saw 3+ each time: a relapse.
        let (mut store, patient_id) = store_with_patient();
        for day in ["2025-06-03", "2025-06-04", "2025-06-05"] {
            log_from_photo(&mut store, patient_id, d(day), P2, P3);
        }
        let s = status(&store, patient_id, "2025-06-05");
        assert_eq!(
            (s.assessment.state, s.prompt),
            (ReportedState::Relapse, FamilyPrompt::RelapseContactTeam)
        );
        assert_eq!(s.assessment.relapses[0].onset, d("2025-06-03"));
        let latest = s.latest_reading.unwrap();
        assert_eq!(latest.measurement, UrineMeasurement::Dipstick(P3));
        assert_eq!(latest.photo.unwrap().grade, Some(P2));

        // The core suggested 3+ three mornings running; the parent saw 2+ each time: no relapse.
        let (mut store, patient_id) = store_with_patient();
        for day in ["2025-06-03", "2025-06-04", "2025-06-05"] {
            log_from_photo(&mut store, patient_id, d(day), P3, P2);
        }
        let s = status(&store, patient_id, "2025-06-05");
        assert_eq!(s.assessment.state, ReportedState::Watch);
        assert!(s.assessment.relapses.is_empty());
    }

    #[test]
    fn a_missed_morning_reading_in_watch_is_a_reminder() {
        let (mut store, patient_id) = store_with_patient();
        log_days(&mut store, patient_id, "2025-06-01", &[P1]);
        assert_eq!(
            status(&store, patient_id, "2025-06-02").prompt,
            FamilyPrompt::MorningTestMissing
        );
        // A reading that is not the first of the morning does not count as the morning test.
        let afternoon = NewUrineReading {
            client_id: "afternoon".into(),
            patient_id,
            measurement: UrineMeasurement::Upcr {
                value: 30.0,
                unit: UpcrUnit::MgPerMmol,
            },
            taken_at_ms: d("2025-06-02")
                .and_hms_opt(7, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis(),
            taken_on: None,
            first_morning: false,
            note: Some("infection".into()),
            logged_by: "father".into(),
            photo: None,
        };
        store.log_urine_reading(&afternoon).unwrap();
        let s = status(&store, patient_id, "2025-06-02");
        assert!(!s.morning_reading_logged);
        assert_eq!(
            s.latest_reading.map(|r| r.client_id),
            Some("afternoon".to_string())
        );
        // The day has a reading, so the engine's latest run ends today: test again tomorrow.
        assert_eq!(s.prompt, FamilyPrompt::TestAgainTomorrow);
    }

    #[test]
    fn retracted_and_future_readings_do_not_count() {
        let (mut store, patient_id) = store_with_patient();
        log_days(&mut store, patient_id, "2025-06-01", &[P3, P3, P3, P3]);
        store
            .retract_urine_reading("dip-2025-06-02", "mother")
            .unwrap();
        let s = status(&store, patient_id, "2025-06-03");
        assert!(
            s.assessment.relapses.is_empty(),
            "the retracted day breaks the run"
        );
        assert_eq!(s.assessment.as_of, Some(d("2025-06-03")));
        assert_eq!(s.latest_reading.map(|r| r.taken_on), Some(d("2025-06-03")));
    }

    #[test]
    fn the_profile_chooses_the_definitions_and_the_policy_the_initial_remission() {
        let (mut store, patient_id) = store_with_patient();
        // Relapses with onsets 2025-02-01 and 2025-04-01: two within 6 months of a remission
        // on 2025-01-15, but not three in 12 months.
        for start in ["2025-02-01", "2025-04-01"] {
            log_days(&mut store, patient_id, start, &[P3, P3, P3, Neg, Neg, Neg]);
        }
        assert!(
            !status(&store, patient_id, "2025-06-01")
                .assessment
                .frequently_relapsing
        );
        set_initial_remission_date(&mut store, patient_id, Some(d("2025-01-15")), "Dr. Li")
            .unwrap();
        assert_eq!(
            initial_remission_date(&store, patient_id).unwrap(),
            Some(d("2025-01-15"))
        );
        let s = status(&store, patient_id, "2025-06-01");
        assert!(s.assessment.frequently_relapsing);
        assert_eq!(s.initial_remission, Some(d("2025-01-15")));
        set_initial_remission_date(&mut store, patient_id, None, "Dr. Li").unwrap();
        assert!(
            !status(&store, patient_id, "2025-06-01")
                .assessment
                .frequently_relapsing
        );

        let mut profile = store.patient(patient_id).unwrap().profile;
        profile.definition_set = "kdigo2012".into();
        store.update_patient(patient_id, &profile).unwrap();
        assert_eq!(
            status(&store, patient_id, "2025-06-01").definitions,
            DefinitionSet::Kdigo2012
        );
    }

    #[test]
    fn steroid_courses_come_from_the_stored_calendars() {
        let (mut store, patient_id) = store_with_patient();
        let course = NewCourse {
            drug: Drug::Prednisolone,
            template: None,
            phases: vec![Phase {
                dose: Some(DoseBasis::Mg(20.0)),
                max_mg: None,
                frequency: Frequency::Daily,
                length: PhaseLength::Days(60),
            }],
            stamp: None,
            start: d("2025-06-01"),
            tablets: TabletSpec::default(),
            liquid: None,
            times: vec![NaiveTime::from_hms_opt(8, 0, 0).unwrap()],
            remission_confirmed: None,
            changed_by: "Dr. Li".into(),
            reason: None,
            client_id: None,
        };
        store.create_course(patient_id, &course).unwrap();
        // Two relapses during the course (onsets 06-10 and 07-10): steroid dependent.
        for start in ["2025-06-10", "2025-07-10"] {
            log_days(&mut store, patient_id, start, &[P3, P3, P3, Neg, Neg, Neg]);
        }
        let s = status(&store, patient_id, "2025-08-01");
        assert_eq!(
            s.steroid_courses,
            [SteroidCourse {
                start: d("2025-06-01"),
                end: d("2025-07-30")
            }]
        );
        assert_eq!(
            steroid_course_spans(&store, patient_id, d("2025-08-01")).unwrap(),
            s.steroid_courses
        );
        assert!(s.assessment.steroid_dependent);
    }

    #[test]
    fn a_listed_glucocorticoid_given_as_a_medicine_counts_as_steroid_therapy() {
        use crate::medicine::known::KnownMedicine;
        use crate::medicine::liquid::Liquid;
        use crate::medicine::record::{
            MedicineAmount, MedicineDays, MedicineName, MedicineSchedule, NewMedicine,
        };
        // Prednisolone 12 mg of a 5 mg/mL solution every day for 60 days from 06-01, added as a
        // medicine (no course), and two relapses during it (onsets 06-10 and 07-10).
        let solution = |patient_id: PatientId, client_id: &str, name: MedicineName| NewMedicine {
            patient_id,
            client_id: client_id.into(),
            name,
            form: "oral solution".into(),
            amount: MedicineAmount::Liquid {
                mg: 12.0,
                liquid: Liquid::new(5.0),
            },
            schedule: MedicineSchedule {
                times: vec![NaiveTime::from_hms_opt(8, 0, 0).unwrap()],
                days: MedicineDays::EveryDay,
                start_date: d("2025-06-01"),
                end_date: None,
                course_days: Some(60),
            },
            added_by: "nephrologist".into(),
        };
        let relapses = |store: &mut Store, patient_id: PatientId| {
            for start in ["2025-06-10", "2025-07-10"] {
                log_days(store, patient_id, start, &[P3, P3, P3, Neg, Neg, Neg]);
            }
        };
        let (mut store, patient_id) = store_with_patient();
        store
            .add_medicine(&solution(
                patient_id,
                "pred",
                MedicineName::Known(KnownMedicine::Prednisolone),
            ))
            .unwrap();
        relapses(&mut store, patient_id);
        let s = status(&store, patient_id, "2025-08-01");
        assert_eq!(
            s.steroid_courses,
            [SteroidCourse {
                start: d("2025-06-01"),
                end: d("2025-07-30")
            }]
        );
        assert!(s.assessment.steroid_dependent);
        // The same solution typed in as free text is not a steroid (clinical-rules §12).
        let (mut store, patient_id) = store_with_patient();
        store
            .add_medicine(&solution(
                patient_id,
                "typed",
                MedicineName::Typed("Prednisolone".into()),
            ))
            .unwrap();
        relapses(&mut store, patient_id);
        let s = status(&store, patient_id, "2025-08-01");
        assert!(s.steroid_courses.is_empty());
        assert!(!s.assessment.steroid_dependent);
    }

    #[test]
    fn remission_is_confirmed_on_the_third_remission_day_after_a_date() {
        let (mut store, patient_id) = store_with_patient();
        log_days(
            &mut store,
            patient_id,
            "2025-06-01",
            &[P3, P3, P3, P1, Tr, Neg],
        );
        assert_eq!(
            remission_confirmed_after(&store, patient_id, d("2025-06-01")).unwrap(),
            None
        );
        log_days(&mut store, patient_id, "2025-06-07", &[Neg]);
        assert_eq!(
            remission_confirmed_after(&store, patient_id, d("2025-06-01")).unwrap(),
            Some(d("2025-06-07"))
        );
        // From a later date, only the readings from that date on count.
        assert_eq!(
            remission_confirmed_after(&store, patient_id, d("2025-06-06")).unwrap(),
            None
        );
        assert_eq!(
            remission_confirmed_after(&store, patient_id, NaiveDate::MAX).unwrap(),
            None
        );
    }

    #[test]
    fn bad_requests_are_refused_naming_the_field() {
        let (mut store, patient_id) = store_with_patient();
        let far = NaiveDate::from_ymd_opt(10000, 1, 1).unwrap();
        for today in [far, d("1899-12-31")] {
            let err = relapse_status(&store, patient_id, today, Locale::En).unwrap_err();
            assert!(
                matches!(&err, Error::Invalid { field, .. } if field == "today"),
                "{err}"
            );
        }
        assert!(matches!(
            relapse_status(
                &store,
                PatientId::from(patient_id.get() + 9),
                d("2025-06-01"),
                Locale::En
            ),
            Err(Error::NotFound { .. })
        ));
        let err =
            set_initial_remission_date(&mut store, patient_id, Some(far), "Dr. Li").unwrap_err();
        assert!(err.to_string().contains("initial_remission"));
        let err = set_initial_remission_date(&mut store, patient_id, None, "").unwrap_err();
        assert!(err.to_string().contains("changed_by"));
        assert_eq!(initial_remission_date(&store, patient_id).unwrap(), None);
    }

    mod checkpoints {
        use chrono::{DateTime, Utc};
        use proptest::prelude::*;

        use super::*;
        use crate::diary::home::home_screen;
        use crate::store::urine::UrineReadingCorrection;

        const GRADES: [DipstickGrade; 5] = [Neg, Tr, P1, P2, P3];

        /// Noon in Shanghai (the seeded patient's zone) on `date`.
        fn noon(date: NaiveDate) -> DateTime<Utc> {
            date.and_hms_opt(4, 0, 0).unwrap().and_utc()
        }

        /// What a diary goes through: readings logged (in any order, late or not), corrected
        /// (possibly onto another day) and retracted, and the home screen opened on some day.
        #[derive(Debug, Clone)]
        enum Step {
            Log {
                day: u64,
                grade: usize,
                runs: u64,
            },
            Correct {
                which: usize,
                day: u64,
                grade: usize,
            },
            Retract {
                which: usize,
            },
            Screen {
                day: u64,
            },
        }

        fn step() -> impl Strategy<Value = Step> {
            prop_oneof![
                4 => (0u64..240, 0..GRADES.len(), 1u64..5)
                    .prop_map(|(day, grade, runs)| Step::Log { day, grade, runs }),
                1 => (any::<usize>(), 0u64..240, 0..GRADES.len())
                    .prop_map(|(which, day, grade)| Step::Correct { which, day, grade }),
                1 => any::<usize>().prop_map(|which| Step::Retract { which }),
                2 => (0u64..300).prop_map(|day| Step::Screen { day }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]

            /// On random diaries, every home screen's relapse banner (walked on from the stored
            /// checkpoint, which the screens keep and the writes drop) equals the full engine's
            /// answer over every reading, field for field.
            #[test]
            fn the_banner_walked_from_checkpoints_equals_the_full_walk(
                steps in prop::collection::vec(step(), 1..40),
                ipna in any::<bool>(),
            ) {
                let (mut store, patient_id) = store_with_patient();
                if ipna {
                    set_initial_remission_date(&mut store, patient_id, Some(d("2025-01-03")), "Dr")
                        .unwrap();
                }
                let start = d("2025-01-01");
                let mut logged: Vec<String> = Vec::new();
                for step in steps {
                    match step {
                        Step::Log { day, grade, runs } => {
                            for i in 0..runs {
                                let date = start + Days::new(day + i);
                                let reading = morning(patient_id, date, GRADES[grade]);
                                if store.log_urine_reading(&reading).is_ok() {
                                    logged.push(reading.client_id);
                                }
                            }
                        }
                        Step::Correct { which, day, grade } if !logged.is_empty() => {
                            let moved = morning(patient_id, start + Days::new(day), GRADES[grade]);
                            let _ = store.correct_urine_reading(
                                &logged[which % logged.len()],
                                &UrineReadingCorrection {
                                    measurement: moved.measurement,
                                    taken_at_ms: moved.taken_at_ms,
                                    taken_on: None,
                                    first_morning: true,
                                    note: None,
                                    corrected_by: "mother".into(),
                                },
                            );
                        }
                        Step::Retract { which } if !logged.is_empty() => {
                            let _ = store.retract_urine_reading(&logged[which % logged.len()], "mother");
                        }
                        Step::Screen { day } => {
                            let today = start + Days::new(day);
                            let screen = home_screen(&store, patient_id, noon(today), None, Locale::En)
                                .unwrap();
                            let full = store.without_relapse_checkpoint(patient_id, || {
                                relapse_status(&store, patient_id, today, Locale::En).unwrap()
                            });
                            prop_assert_eq!(&screen.relapse, &full);
                            // And the banner walked on from what the screen kept.
                            prop_assert_eq!(&status(&store, patient_id, &today.to_string()), &full);
                        }
                        _ => {}
                    }
                }
            }
        }

        #[test]
        fn the_home_screen_keeps_a_checkpoint_behind_today_and_walks_on_from_it() {
            let (mut store, patient_id) = store_with_patient();
            // A relapse and its remission in January, a second relapse in March.
            log_days(
                &mut store,
                patient_id,
                "2025-01-01",
                &[P3, P3, P3, Neg, Neg, Neg],
            );
            log_days(&mut store, patient_id, "2025-03-01", &[P3, P3, P3]);
            let today = d("2025-04-01");
            home_screen(&store, patient_id, noon(today), None, Locale::En).unwrap();
            let kept = store
                .stored_relapse_checkpoint(patient_id)
                .unwrap()
                .checkpoint
                .unwrap();
            assert_eq!(kept.through, today - Days::new(CHECKPOINT_LAG_DAYS));
            assert_eq!(kept.relapses.len(), 2);
            // A recent checkpoint is walked on from, not replaced.
            let later = today + Days::new(CHECKPOINT_REFRESH_DAYS - CHECKPOINT_LAG_DAYS);
            log_days(&mut store, patient_id, "2025-04-20", &[Neg, Neg, Neg]);
            home_screen(&store, patient_id, noon(later), None, Locale::En).unwrap();
            assert_eq!(
                store
                    .stored_relapse_checkpoint(patient_id)
                    .unwrap()
                    .checkpoint,
                Some(kept.clone())
            );
            let walked_on = status(&store, patient_id, &later.to_string());
            assert_eq!(walked_on.assessment.remissions.len(), 2);
            assert_eq!(
                walked_on,
                store.without_relapse_checkpoint(patient_id, || {
                    status(&store, patient_id, &later.to_string())
                })
            );
            // Once it is too old it is walked on to a new day.
            let much_later = today + Days::new(CHECKPOINT_REFRESH_DAYS + 1);
            home_screen(&store, patient_id, noon(much_later), None, Locale::En).unwrap();
            let moved = store
                .stored_relapse_checkpoint(patient_id)
                .unwrap()
                .checkpoint
                .unwrap();
            assert_eq!(moved.through, much_later - Days::new(CHECKPOINT_LAG_DAYS));
            assert_eq!(moved.remissions.len(), 2);
            // The latest reading is found before the checkpoint when none came after it.
            let quiet = moved.through + Days::new(1);
            assert_eq!(
                status(&store, patient_id, &quiet.to_string())
                    .latest_reading
                    .map(|r| r.taken_on),
                Some(d("2025-04-22"))
            );
        }

        #[test]
        fn an_earlier_relapse_logged_late_changes_the_banner_at_once() {
            let (mut store, patient_id) = store_with_patient();
            log_days(
                &mut store,
                patient_id,
                "2025-01-01",
                &[P3, P3, P3, Neg, Neg, Neg],
            );
            log_days(
                &mut store,
                patient_id,
                "2025-05-01",
                &[P3, P3, P3, Neg, Neg, Neg],
            );
            let today = d("2025-06-30");
            home_screen(&store, patient_id, noon(today), None, Locale::En).unwrap();
            assert!(store
                .stored_relapse_checkpoint(patient_id)
                .unwrap()
                .checkpoint
                .is_some());
            assert!(
                !status(&store, patient_id, "2025-06-30")
                    .assessment
                    .frequently_relapsing
            );
            // A third relapse in the same 12 months, logged late from a paper diary
            // (clinical-rules §6: three in any 12-month period under IPNA 2022).
            log_days(
                &mut store,
                patient_id,
                "2025-03-01",
                &[P3, P3, P3, Neg, Neg, Neg],
            );
            assert_eq!(
                store
                    .stored_relapse_checkpoint(patient_id)
                    .unwrap()
                    .checkpoint,
                None
            );
            let screen = home_screen(&store, patient_id, noon(today), None, Locale::En).unwrap();
            assert_eq!(screen.relapse.assessment.relapses.len(), 3);
            assert!(screen.relapse.assessment.frequently_relapsing);
        }
    }
}

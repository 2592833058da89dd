//! The home screen in one read: today's doses with their status and guidance, the next reminder,
//! the relapse banner with the family prompt, the steroid relapse prompt and the alerts a family
//! should see today. Built from the other services ([`super::reminders`], [`super::relapse`],
//! [`super::taper`], [`super::labs`]) so a phone shell shows its main screen with one call.
//!
//! Still no clock: `now` is a parameter. "Today" is the patient's local date in the zone the
//! dosing times are read in ([`super::reminders::patient_schedule`]: the profile's zone, or the
//! device's zone while travelling under the default travel policy), so the doses, the relapse
//! banner and the alerts all speak of the same day.

pub mod records;

use crate::ids::{PatientId, RegimenId};
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::diary::labs::{lab_report, recalculate_prompts};
use crate::diary::relapse::{keep_checkpoint, walk_relapse_status, RelapseStatus};
use crate::diary::reminders::{
    dose_status_of, next_reminders_of, patient_schedule, today_doses_of, DoseSlot, PatientSchedule,
    SlotRef,
};
use crate::diary::taper::{relapse_prompt_of, RelapsePrompt};
use crate::error::Result;
use crate::labs::AlertKind;
use crate::locale::Locale;
use crate::model::DoseOutcome;
use crate::schedule::local_date;
use crate::store::{Store, UnreadableRow};

/// How many days of lab results the home screen raises alerts for: results drawn on the last
/// `HOME_LAB_ALERT_DAYS` local dates up to today. A display choice, not a clinical rule: older
/// alerts stay on the lab screen and in the report.
pub const HOME_LAB_ALERT_DAYS: u64 = 30;

/// What a home-screen alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HomeAlertKind {
    /// A lab result crossed a safety threshold (clinical-rules §1, §2).
    LabSafety(AlertKind),
    /// The latest weight differs from a regimen's weight by the threshold: ask the care team to
    /// recalculate (clinical-rules §2, **policy**). The app never changes the dose itself.
    RecalculateDose {
        /// The regimen concerned.
        regimen_id: RegimenId,
    },
    /// A dose slot logged as taken on two phones (clinical-rules §11): a possible double dose,
    /// never resolved automatically.
    PossibleDoubleDose,
    /// A dose slot logged as taken on one phone and skipped on another (§11): the family is
    /// asked which is true; until then it counts as given.
    TakenAndSkipped,
    /// Records revised on two phones at once (§11): the family or the care team chooses.
    SharedConflict,
}

/// One alert on the home screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeAlert {
    /// What it is about.
    pub kind: HomeAlertKind,
    /// The local date it comes from: the lab's draw date, or the date of the latest weight.
    pub date: NaiveDate,
    /// The family-facing text, in the screen's locale.
    pub text: String,
}

/// Everything the home screen shows for a patient at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeScreen {
    /// The patient.
    pub patient_id: PatientId,
    /// The patient's local date at `now` in the zone below.
    pub today: NaiveDate,
    /// The IANA zone the dosing times and today are read in.
    pub time_zone: String,
    /// Every dose slot of today (regimens and steroid courses) with status, guidance and log
    /// ([`today_doses`]).
    pub doses: Vec<DoseSlot>,
    /// The slot of the next reminder at or after `now` that is not logged, if any (it may be
    /// tomorrow's): what "next dose" shows and what the first pending notification is.
    pub next_dose: Option<DoseSlot>,
    /// The relapse banner: state, episodes and the family prompt for today ([`relapse_status`]).
    pub relapse: RelapseStatus,
    /// "Relapse suspected — contact your team", with the `kdigo2025_relapse` course pre-filled
    /// for the care team, while a relapse is open and no course was started for it
    /// ([`relapse_prompt`]).
    pub steroid_prompt: Option<RelapsePrompt>,
    /// Lab safety alerts of the last [`HOME_LAB_ALERT_DAYS`] days (in draw order), then the
    /// "recalculate dose" prompts of today, then shared care's: dose slots of those days logged
    /// on two phones, and records changed on two phones at once (clinical-rules §11).
    pub alerts: Vec<HomeAlert>,
    /// Stored records of the patient that could not be read and are not shown (clinical-rules
    /// §10: one wrong record never blocks the screen; [`Store::unreadable_rows`]). Empty in a
    /// sound diary; otherwise the screen says "N records could not be read and are not shown".
    pub unreadable: Vec<UnreadableRow>,
}

/// The home screen of a patient at `now` (UTC), with the phone in `device_zone` (none: at home)
/// and texts in `locale`. Refuses an unknown patient (not found) like every service it reads.
///
/// One read: the patient's schedule is loaded once and every part is computed from it inside one
/// read transaction, so a write landing meanwhile (the notification extension logging a dose) is
/// either wholly on the screen or not at all. The relapse banner walks on from the stored
/// checkpoint; when that is missing or old, the walked one is kept after the read (the one
/// write a screen makes: a cache, see [`crate::diary::relapse`]).
pub fn home_screen(
    store: &Store,
    patient_id: PatientId,
    now: DateTime<Utc>,
    device_zone: Option<Tz>,
    locale: Locale,
) -> Result<HomeScreen> {
    let ((mut screen, walked), unreadable) = store.reading_rows(patient_id, || {
        let plan = patient_schedule(store, patient_id, now, device_zone)?;
        let zone = plan.zone;
        let today = local_date(now, zone);
        let doses = today_doses_of(store, &plan, patient_id, now, locale)?;
        let next_dose = match next_reminders_of(store, &plan, patient_id, now, 1, locale)?
            .into_iter()
            .next()
        {
            Some(notice) => {
                let slot = SlotRef {
                    medication: notice.medication,
                    date: notice.reminder.slot_date,
                    time: notice.reminder.slot_time,
                };
                Some(dose_status_of(
                    store, &plan, patient_id, &slot, now, locale,
                )?)
            }
            None => None,
        };
        let (relapse, walked) = walk_relapse_status(store, patient_id, today, locale)?;
        let steroid_prompt = relapse_prompt_of(store, patient_id, &relapse, today, locale)?;
        let mut alerts = alerts(store, patient_id, today, zone, locale)?;
        alerts.extend(shared_care_alerts(store, &plan, today, zone, locale)?);
        let screen = HomeScreen {
            patient_id,
            today,
            time_zone: zone.name().to_string(),
            doses,
            next_dose,
            relapse,
            steroid_prompt,
            alerts,
            unreadable: Vec::new(),
        };
        Ok((screen, walked))
    })?;
    // A walk that passed an unreadable row is not kept: the row stays reported on every screen.
    if unreadable.is_empty() {
        keep_checkpoint(store, walked);
    }
    screen.unreadable = unreadable;
    Ok(screen)
}

/// Lab safety alerts drawn in the window ending `today`, then today's recalculate prompts.
fn alerts(
    store: &Store,
    patient_id: PatientId,
    today: NaiveDate,
    zone: Tz,
    locale: Locale,
) -> Result<Vec<HomeAlert>> {
    let from = today
        .checked_sub_days(Days::new(HOME_LAB_ALERT_DAYS - 1))
        .unwrap_or(today);
    let report = lab_report(store, patient_id, from, today, locale)?;
    let mut alerts: Vec<HomeAlert> = report
        .alerts()
        .map(|(_, alert, text)| HomeAlert {
            kind: HomeAlertKind::LabSafety(alert.kind),
            date: local_date(alert.drawn_at, zone),
            text: text.to_string(),
        })
        .collect();
    alerts.extend(
        recalculate_prompts(store, patient_id, today)?
            .into_iter()
            .map(|p| HomeAlert {
                kind: HomeAlertKind::RecalculateDose {
                    regimen_id: p.regimen_id,
                },
                date: p.weighed_on,
                text: p.prompt.text(locale).to_string(),
            }),
    );
    Ok(alerts)
}

/// The alerts of shared care (clinical-rules §11) for the patient's medications: slots of the
/// last [`HOME_LAB_ALERT_DAYS`] days logged on two phones (a possible double dose; taken on one
/// and skipped on another), then the diary's records in conflict.
fn shared_care_alerts(
    store: &Store,
    plan: &PatientSchedule,
    today: NaiveDate,
    zone: Tz,
    locale: Locale,
) -> Result<Vec<HomeAlert>> {
    let from = today
        .checked_sub_days(Days::new(HOME_LAB_ALERT_DAYS - 1))
        .unwrap_or(today);
    let mut alerts = Vec::new();
    for slot in store.slot_alerts(from, today)? {
        let (Ok(date), Ok(time)) = (
            crate::dates::parse_date("slot_date", &slot.slot_date),
            crate::dates::parse_clock_time("slot_time", &slot.slot_time),
        ) else {
            continue;
        };
        let Some(first) = slot.entries.first() else {
            continue;
        };
        let medication = store.dose(&first.client_id)?.dose.medication;
        let Some(medication) = plan.medication(&medication.to_string()) else {
            // Another patient's medication.
            continue;
        };
        let clock = |at_ms: i64| {
            let at = DateTime::<Utc>::from_timestamp_millis(at_ms).unwrap_or_default();
            locale.clock_time(at.with_timezone(&zone).time())
        };
        let label = medication.label(date, time, locale);
        let (slot_text, date_text) = (locale.clock_time(time), crate::dates::format_date(date));
        let taken: Vec<_> = slot
            .entries
            .iter()
            .filter(|e| e.outcome == DoseOutcome::Taken)
            .collect();
        let skipped = slot
            .entries
            .iter()
            .find(|e| e.outcome == DoseOutcome::Skipped);
        let (kind, text) = match (taken.as_slice(), skipped) {
            ([first, second, ..], _) => (
                HomeAlertKind::PossibleDoubleDose,
                crate::message!(
                    locale,
                    "shared-double-dose",
                    medication = label,
                    slot = slot_text,
                    date = date_text,
                    first = first.caregiver.clone(),
                    first_time = clock(first.at_ms),
                    second = second.caregiver.clone(),
                    second_time = clock(second.at_ms),
                ),
            ),
            ([given], Some(skipped)) => (
                HomeAlertKind::TakenAndSkipped,
                crate::message!(
                    locale,
                    "shared-taken-and-skipped",
                    medication = label,
                    slot = slot_text,
                    date = date_text,
                    given = given.caregiver.clone(),
                    given_time = clock(given.at_ms),
                    skipped = skipped.caregiver.clone(),
                ),
            ),
            // Skipped on both phones: nothing to fear, nothing to ask.
            _ => continue,
        };
        alerts.push(HomeAlert { kind, date, text });
    }
    let conflicts = store.shared_conflicts()?.len();
    if conflicts > 0 {
        alerts.push(HomeAlert {
            kind: HomeAlertKind::SharedConflict,
            date: today,
            text: crate::message!(locale, "shared-conflict", count = conflicts),
        });
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;
    use crate::dates::{parse_clock_time, parse_date, parse_instant};
    use crate::drug::Drug;
    use crate::labs::{LabKind, LabResult, LabUnit};
    use crate::model::{DoseOutcome, Measurement, MedicationId, NewDoseLog};
    use crate::protein::{DipstickGrade, UrineMeasurement};
    use crate::relapse::{FamilyPrompt, ReportedState};
    use crate::schedule::{DoseStatus, Guidance};
    use crate::store::tests::seeded;
    use crate::store::urine::NewUrineReading;
    use crate::store::{NewCourse, NewLabResult};
    use crate::taper::{CourseTemplate, TabletSpec};

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }
    fn t(s: &str) -> NaiveTime {
        parse_clock_time("t", s).unwrap()
    }
    /// A Shanghai wall-clock instant (`2025-06-03T07:00`).
    fn sh(local: &str) -> DateTime<Utc> {
        parse_instant("at", &format!("{local}:00+08:00"))
            .unwrap()
            .to_utc()
    }

    fn dipstick(store: &mut Store, patient_id: PatientId, day: &str, grade: DipstickGrade) {
        store
            .log_urine_reading(&NewUrineReading {
                client_id: format!("urine-{day}"),
                patient_id,
                measurement: UrineMeasurement::Dipstick(grade),
                taken_at_ms: sh(&format!("{day}T06:50")).timestamp_millis(),
                taken_on: None,
                first_morning: true,
                note: None,
                logged_by: "mother".into(),
                photo: None,
            })
            .unwrap();
    }

    fn take(
        store: &mut Store,
        medication: MedicationId,
        day: &str,
        slot: &str,
        at: &str,
        outcome: DoseOutcome,
    ) {
        store
            .log_dose(
                &NewDoseLog::new(
                    format!("{medication}-{day}-{slot}"),
                    medication,
                    d(day),
                    t(slot),
                    outcome,
                    sh(&format!("{day}T{at}")).timestamp_millis(),
                    "mother".into(),
                ),
                sh(&format!("{day}T{at}")).timestamp_millis(),
                None,
            )
            .unwrap();
    }

    #[test]
    fn a_quiet_day_shows_both_doses_the_next_reminder_and_all_clear() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, regimen) = seeded(&mut store);
        dipstick(
            &mut store,
            patient.id,
            "2025-06-03",
            DipstickGrade::Negative,
        );
        let tac = MedicationId::Regimen(regimen.id);
        take(
            &mut store,
            tac.clone(),
            "2025-06-03",
            "08:00",
            "08:05",
            DoseOutcome::Taken,
        );

        let home =
            home_screen(&store, patient.id, sh("2025-06-03T12:00"), None, Locale::En).unwrap();
        assert_eq!(home.today, d("2025-06-03"));
        assert_eq!(home.time_zone, "Asia/Shanghai");
        assert_eq!(home.doses.len(), 2);
        assert!(home.doses[0].logged.is_some());
        assert_eq!(home.doses[1].status, DoseStatus::Upcoming);
        assert_eq!(home.doses[1].label, "Tacrolimus 1 mg");
        let next = home.next_dose.unwrap();
        assert_eq!(next.reminder_id, format!("{tac}@2025-06-03T20:00"));
        assert_eq!(home.relapse.assessment.state, ReportedState::Remission);
        assert_eq!(home.relapse.prompt, FamilyPrompt::AllClear);
        assert!(home.relapse.morning_reading_logged);
        assert_eq!(home.steroid_prompt, None);
        assert!(home.alerts.is_empty());
    }

    #[test]
    fn a_dose_logged_before_its_time_is_not_the_next_one() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, regimen) = seeded(&mut store);
        let tac = MedicationId::Regimen(regimen.id);
        take(
            &mut store,
            tac.clone(),
            "2025-06-03",
            "20:00",
            "19:50",
            DoseOutcome::Taken,
        );
        let home =
            home_screen(&store, patient.id, sh("2025-06-03T19:51"), None, Locale::En).unwrap();
        assert_eq!(
            home.next_dose.unwrap().reminder_id,
            format!("{tac}@2025-06-04T08:00")
        );
    }

    #[test]
    fn a_missed_dose_says_skip_it_and_never_double() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        // Twice daily: the take-window is 6 h, so the 08:00 dose is missed after 14:00.
        let home =
            home_screen(&store, patient.id, sh("2025-06-03T14:01"), None, Locale::En).unwrap();
        let morning = &home.doses[0];
        assert_eq!(morning.status, DoseStatus::Missed);
        assert_eq!(morning.guidance, Some(Guidance::SkipNeverDouble));
        let at_13 =
            home_screen(&store, patient.id, sh("2025-06-03T13:59"), None, Locale::En).unwrap();
        assert_eq!(at_13.doses[0].status, DoseStatus::Late);
    }

    #[test]
    fn three_nephrotic_mornings_raise_the_relapse_banner_until_a_course_is_started() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        dipstick(
            &mut store,
            patient.id,
            "2025-06-02",
            DipstickGrade::Negative,
        );
        dipstick(
            &mut store,
            patient.id,
            "2025-06-03",
            DipstickGrade::ThreePlus,
        );
        let watch =
            home_screen(&store, patient.id, sh("2025-06-03T07:00"), None, Locale::En).unwrap();
        assert_eq!(watch.relapse.assessment.state, ReportedState::Watch);
        assert_eq!(watch.relapse.prompt, FamilyPrompt::TestAgainTomorrow);
        // The next morning, before the test.
        let missing =
            home_screen(&store, patient.id, sh("2025-06-04T06:30"), None, Locale::En).unwrap();
        assert_eq!(missing.relapse.prompt, FamilyPrompt::MorningTestMissing);
        dipstick(
            &mut store,
            patient.id,
            "2025-06-04",
            DipstickGrade::ThreePlus,
        );
        dipstick(
            &mut store,
            patient.id,
            "2025-06-05",
            DipstickGrade::FourPlus,
        );

        let relapse =
            home_screen(&store, patient.id, sh("2025-06-05T07:00"), None, Locale::En).unwrap();
        assert_eq!(relapse.relapse.assessment.state, ReportedState::Relapse);
        assert_eq!(relapse.relapse.prompt, FamilyPrompt::RelapseContactTeam);
        let prompt = relapse
            .steroid_prompt
            .expect("a relapse without a course prompts");
        assert_eq!(
            (prompt.relapse_onset, prompt.relapse_confirmed),
            (d("2025-06-03"), d("2025-06-05"))
        );

        let course = store
            .create_course(
                patient.id,
                &NewCourse {
                    drug: Drug::Prednisolone,
                    template: Some(CourseTemplate::Kdigo2025Relapse),
                    phases: Vec::new(),
                    stamp: None,
                    start: d("2025-06-05"),
                    tablets: TabletSpec::default(),
                    liquid: None,
                    times: vec![t("08:00")],
                    remission_confirmed: None,
                    changed_by: "Dr. Nephrologist".into(),
                    reason: None,
                    client_id: None,
                },
            )
            .unwrap();
        let treated =
            home_screen(&store, patient.id, sh("2025-06-05T10:00"), None, Locale::En).unwrap();
        assert_eq!(treated.steroid_prompt, None);
        assert_eq!(treated.relapse.prompt, FamilyPrompt::RelapseContactTeam);
        let steroid = treated
            .doses
            .iter()
            .find(|s| s.medication == MedicationId::Course(course.course_key.clone()))
            .expect("the course's dose is among today's");
        // 60 mg/m² on sqrt(115 × 20 / 3600) = 0.7993 m² is 47.96 mg, rounded down to 47.5 mg.
        assert_eq!(steroid.dose_mg, Some(47.5));
        assert_eq!(steroid.status, DoseStatus::Late);
        assert_eq!(treated.doses.len(), 3);

        let next_day =
            home_screen(&store, patient.id, sh("2025-06-06T07:00"), None, Locale::En).unwrap();
        assert_eq!(next_day.relapse.prompt, FamilyPrompt::RelapseOngoing);
    }

    #[test]
    fn recent_lab_alerts_and_recalculate_prompts_are_listed() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, regimen) = seeded(&mut store);
        let lab = |id: &str, value: f64, drawn: &str| NewLabResult {
            client_id: id.into(),
            patient_id: patient.id,
            result: LabResult {
                kind: LabKind::Platelets,
                value,
                unit: LabUnit::BillionsPerLitre,
                drawn_at: sh(drawn),
                upper_limit_of_normal: None,
            },
            logged_by: "mother".into(),
        };
        store
            .log_lab_result(&lab("old", 80.0, "2025-05-01T09:00"))
            .unwrap();
        store
            .log_lab_result(&lab("recent", 90.0, "2025-06-02T09:00"))
            .unwrap();
        let m = Measurement {
            global_id: Default::default(),
            id: Default::default(),
            measured_on: d("2025-06-03"),
            weight_kg: Some(22.0),
            height_cm: None,
            confirmed: false,
        };
        store.add_measurement(patient.id, &m).unwrap();

        let home =
            home_screen(&store, patient.id, sh("2025-06-03T12:00"), None, Locale::En).unwrap();
        let kinds: Vec<HomeAlertKind> = home.alerts.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            vec![
                HomeAlertKind::LabSafety(AlertKind::Thrombocytopenia),
                HomeAlertKind::RecalculateDose {
                    regimen_id: regimen.id
                }
            ]
        );
        assert_eq!(home.alerts[0].date, d("2025-06-02"));
        assert_eq!(home.alerts[1].date, d("2025-06-03"));
        assert!(home.alerts.iter().all(|a| !a.text.is_empty()));
    }

    #[test]
    fn travelling_reads_today_in_the_device_zone_and_unknown_patients_are_refused() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        // 2025-06-04 05:00 in Shanghai is still 2025-06-03 23:00 in Berlin.
        let now = sh("2025-06-04T05:00");
        let home = home_screen(
            &store,
            patient.id,
            now,
            Some(chrono_tz::Europe::Berlin),
            Locale::ZhHans,
        )
        .unwrap();
        assert_eq!(home.today, d("2025-06-03"));
        assert_eq!(home.time_zone, "Europe/Berlin");
        assert_eq!(home.relapse.today, d("2025-06-03"));
        let err = home_screen(
            &store,
            PatientId::from(patient.id.get() + 99),
            now,
            None,
            Locale::En,
        )
        .unwrap_err();
        assert!(matches!(err, crate::Error::NotFound { .. }), "{err}");
    }
}

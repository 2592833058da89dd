//! The home screen as a shell reads it: the relapse banner with its
//! latest reading flattened ([`RelapseStatusRecord`]), the steroid relapse prompt as its record,
//! and each alert as a plain kind with the lab alert or the regimen beside it when there is one.

use chrono::NaiveDate;

use crate::diary::home::{HomeAlert, HomeAlertKind, HomeScreen};
use crate::diary::relapse::RelapseStatusRecord;
use crate::diary::reminders::DoseSlot;
use crate::diary::taper::records::SteroidRelapsePrompt;
use crate::ids::{PatientId, RegimenId};
use crate::labs::AlertKind;
use crate::store::UnreadableRow;

/// Everything the home screen shows for a patient at an instant.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "HomeScreen"))]
pub struct HomeScreenRecord {
    /// The patient.
    pub patient_id: PatientId,
    /// The patient's local date, `YYYY-MM-DD`, in `time_zone`.
    pub today: NaiveDate,
    /// The IANA zone the dosing times and today are read in (the device's while travelling).
    pub time_zone: String,
    /// Every dose slot of today (regimens and steroid courses), ordered by time, with status,
    /// guidance and log: one row with "taken" and "skip" buttons each while not logged.
    pub doses: Vec<DoseSlot>,
    /// The next reminder's slot that is not logged (may be tomorrow's), if any.
    pub next_dose: Option<DoseSlot>,
    /// The relapse banner: state, episodes, whether this morning's dipstick is logged, and the
    /// family prompt.
    pub relapse: RelapseStatusRecord,
    /// While a relapse is open and no course was started for it: "contact your team", with the
    /// `kdigo2025_relapse` course pre-filled for the care team.
    pub steroid_prompt: Option<SteroidRelapsePrompt>,
    /// Lab safety alerts of the last 30 days, today's "recalculate dose" prompts, then shared
    /// care's: possible double doses and taken-and-skipped slots of those days, and records
    /// changed on two phones at once.
    pub alerts: Vec<HomeAlertRecord>,
    /// Stored records that could not be read (a damaged or out-of-range row) and are left out of
    /// this screen, which shows everything else (clinical-rules §10). Empty in a sound diary;
    /// otherwise show "N records could not be read and are not shown".
    pub unreadable: Vec<UnreadableRow>,
}

impl From<HomeScreen> for HomeScreenRecord {
    fn from(h: HomeScreen) -> Self {
        HomeScreenRecord {
            patient_id: h.patient_id,
            today: h.today,
            time_zone: h.time_zone,
            doses: h.doses,
            next_dose: h.next_dose,
            relapse: h.relapse.into(),
            steroid_prompt: h.steroid_prompt.map(Into::into),
            alerts: h.alerts.into_iter().map(Into::into).collect(),
            unreadable: h.unreadable,
        }
    }
}

/// What a home-screen alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "HomeAlertKind"))]
pub enum HomeAlertTopic {
    /// A lab result crossed a safety threshold (`lab_alert` says which).
    LabSafety,
    /// The latest weight differs from a regimen's weight by the threshold: ask the care team to
    /// recalculate (`regimen_id` says which regimen). The app never changes the dose itself.
    RecalculateDose,
    /// A dose slot logged as taken on two phones: a possible double dose (the text names who
    /// and when; never resolved automatically).
    PossibleDoubleDose,
    /// A dose slot logged as taken on one phone and skipped on another: ask which is true;
    /// until then it counts as given.
    TakenAndSkipped,
    /// Records changed on two phones at once: the family or the care team chooses.
    SharedConflict,
}

/// One alert on the home screen.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "HomeAlert"))]
pub struct HomeAlertRecord {
    /// What it is about.
    pub kind: HomeAlertTopic,
    /// The safety alert, for `LabSafety`.
    pub lab_alert: Option<AlertKind>,
    /// The regimen, for `RecalculateDose`.
    pub regimen_id: Option<RegimenId>,
    /// The local date it comes from (draw date, or date of the latest weight), `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// The family-facing text.
    pub text: String,
}

impl From<HomeAlert> for HomeAlertRecord {
    fn from(a: HomeAlert) -> Self {
        let (kind, lab_alert, regimen_id) = match a.kind {
            HomeAlertKind::LabSafety(alert) => (HomeAlertTopic::LabSafety, Some(alert), None),
            HomeAlertKind::RecalculateDose { regimen_id } => {
                (HomeAlertTopic::RecalculateDose, None, Some(regimen_id))
            }
            HomeAlertKind::PossibleDoubleDose => (HomeAlertTopic::PossibleDoubleDose, None, None),
            HomeAlertKind::TakenAndSkipped => (HomeAlertTopic::TakenAndSkipped, None, None),
            HomeAlertKind::SharedConflict => (HomeAlertTopic::SharedConflict, None, None),
        };
        HomeAlertRecord {
            kind,
            lab_alert,
            regimen_id,
            date: a.date,
            text: a.text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::parse_instant;
    use crate::diary::home::home_screen;
    use crate::locale::Locale;
    use crate::protein::{DipstickGrade, UrineMeasurement};
    use crate::store::tests::seeded;
    use crate::store::urine::NewUrineReading;
    use crate::store::Store;
    use crate::test_support::date;

    #[test]
    fn the_screen_shows_today_as_text_and_the_latest_reading_flattened() {
        let mut store = Store::open_in_memory().unwrap();
        let patient = seeded(&mut store).0.id;
        // 06:50 and 09:00 on 2025-06-03 in Shanghai, the seeded patient's zone.
        let at = |local: &str| parse_instant("at", local).unwrap().to_utc();
        store
            .log_urine_reading(&NewUrineReading {
                client_id: "urine-0603".into(),
                patient_id: patient,
                measurement: UrineMeasurement::Dipstick(DipstickGrade::OnePlus),
                taken_at_ms: at("2025-06-03T06:50:00+08:00").timestamp_millis(),
                taken_on: None,
                first_morning: true,
                note: None,
                logged_by: "mother".into(),
                photo: None,
            })
            .unwrap();
        let now = at("2025-06-03T09:00:00+08:00");
        let screen = home_screen(&store, patient, now, None, Locale::En).unwrap();
        let shown = HomeScreenRecord::from(screen.clone());
        assert_eq!(
            (shown.patient_id, shown.today),
            (patient, date("2025-06-03"))
        );
        assert_eq!(
            (shown.doses, shown.next_dose),
            (screen.doses, screen.next_dose)
        );
        let latest = shown.relapse.latest_reading.unwrap();
        assert_eq!(
            (latest.client_id.as_str(), latest.dipstick, latest.upcr),
            ("urine-0603", Some(DipstickGrade::OnePlus), None)
        );
        assert!(shown.relapse.morning_reading_logged);
        assert_eq!(shown.alerts.len(), screen.alerts.len());
        assert_eq!(shown.steroid_prompt, None);
    }

    fn alert(kind: HomeAlertKind) -> HomeAlertRecord {
        HomeAlert {
            kind,
            date: date("2025-06-02"),
            text: "text".into(),
        }
        .into()
    }

    #[test]
    fn an_alert_carries_its_lab_alert_or_regimen_beside_its_kind() {
        let lab = alert(HomeAlertKind::LabSafety(AlertKind::Leukopenia));
        assert_eq!(
            (lab.kind, lab.lab_alert, lab.regimen_id),
            (HomeAlertTopic::LabSafety, Some(AlertKind::Leukopenia), None)
        );
        assert_eq!(lab.date, date("2025-06-02"));
        let recalculate = alert(HomeAlertKind::RecalculateDose {
            regimen_id: RegimenId::from(3),
        });
        assert_eq!(
            (
                recalculate.kind,
                recalculate.lab_alert,
                recalculate.regimen_id
            ),
            (
                HomeAlertTopic::RecalculateDose,
                None,
                Some(RegimenId::from(3))
            )
        );
        for (kind, topic) in [
            (
                HomeAlertKind::PossibleDoubleDose,
                HomeAlertTopic::PossibleDoubleDose,
            ),
            (
                HomeAlertKind::TakenAndSkipped,
                HomeAlertTopic::TakenAndSkipped,
            ),
            (
                HomeAlertKind::SharedConflict,
                HomeAlertTopic::SharedConflict,
            ),
        ] {
            let shown = alert(kind);
            assert_eq!(
                (shown.kind, shown.lab_alert, shown.regimen_id),
                (topic, None, None)
            );
        }
    }
}

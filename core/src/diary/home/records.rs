//! A home-screen alert as a shell reads it: what it is about as a plain kind, with the lab
//! alert or the regimen beside it when there is one.

use crate::dates::format_date;
use crate::diary::home::{HomeAlert, HomeAlertKind};
use crate::ids::RegimenId;
use crate::labs::AlertKind;

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
    pub date: String,
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
            date: format_date(a.date),
            text: a.text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::date;

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
        assert_eq!(lab.date, "2025-06-02");
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

//! The home screen in one call ([`Diary::home_screen`]): today's doses, the next dose, the
//! relapse banner, the steroid relapse prompt and today's alerts, as the phone shells show them.

use nephro_core::dates::format_date;
use nephro_core::diary::home as service;
pub use nephro_core::diary::home::records::{
    HomeAlertRecord as HomeAlert, HomeAlertTopic as HomeAlertKind,
};
use nephro_core::diary::reminders::{instant_from_millis, parse_device_zone};
use nephro_core::locale::Locale;
pub use nephro_core::store::UnreadableRow;

use crate::{Diary, DoseSlot, NephroError, RelapseStatus, SteroidRelapsePrompt};

/// Everything the home screen shows for a patient at an instant.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HomeScreen {
    /// The patient.
    pub patient_id: i64,
    /// The patient's local date, `YYYY-MM-DD`, in `time_zone`.
    pub today: String,
    /// The IANA zone the dosing times and today are read in (the device's while travelling).
    pub time_zone: String,
    /// Every dose slot of today (regimens and steroid courses), ordered by time, with status,
    /// guidance and log: one row with "taken" and "skip" buttons each while not logged.
    pub doses: Vec<DoseSlot>,
    /// The next reminder's slot that is not logged (may be tomorrow's), if any.
    pub next_dose: Option<DoseSlot>,
    /// The relapse banner: state, episodes, whether this morning's dipstick is logged, and the
    /// family prompt.
    pub relapse: RelapseStatus,
    /// While a relapse is open and no course was started for it: "contact your team", with the
    /// `kdigo2025_relapse` course pre-filled for the care team.
    pub steroid_prompt: Option<SteroidRelapsePrompt>,
    /// Lab safety alerts of the last 30 days, today's "recalculate dose" prompts, then shared
    /// care's: possible double doses and taken-and-skipped slots of those days, and records
    /// changed on two phones at once.
    pub alerts: Vec<HomeAlert>,
    /// Stored records that could not be read (a damaged or out-of-range row) and are left out of
    /// this screen, which shows everything else (clinical-rules §10). Empty in a sound diary;
    /// otherwise show "N records could not be read and are not shown".
    pub unreadable: Vec<UnreadableRow>,
}

impl From<service::HomeScreen> for HomeScreen {
    fn from(h: service::HomeScreen) -> Self {
        HomeScreen {
            patient_id: h.patient_id.into(),
            today: format_date(h.today),
            time_zone: h.time_zone,
            doses: h.doses,
            next_dose: h.next_dose,
            relapse: crate::urine::relapse_status(h.relapse),
            steroid_prompt: h.steroid_prompt.map(Into::into),
            alerts: h.alerts.into_iter().map(Into::into).collect(),
            unreadable: h.unreadable,
        }
    }
}

#[uniffi::export]
impl Diary {
    /// The home screen at `now_ms` (UTC epoch ms): today's doses with status and "skip it; never
    /// double" guidance, the next dose, the relapse banner with the family prompt, the steroid
    /// relapse prompt and today's alerts. `device_time_zone` is the phone's current IANA zone
    /// (none: at home); `locale` is `en` or `zh-Hans`. One read; call it off the UI thread and
    /// again after every log.
    pub fn home_screen(
        &self,
        patient_id: i64,
        now_ms: i64,
        device_time_zone: Option<String>,
        locale: Locale,
    ) -> Result<HomeScreen, NephroError> {
        let now = instant_from_millis("now_ms", now_ms)?;
        let zone = parse_device_zone(device_time_zone.as_deref())?;
        Ok(self
            .call(|s| service::home_screen(s, patient_id.into(), now, zone, locale))?
            .into())
    }
}

//! The home screen in one call ([`Diary::home_screen`]): today's doses, the next dose, the
//! relapse banner, the steroid relapse prompt and today's alerts, as the phone shells show them.

use nephro_core::diary::home as service;
pub use nephro_core::diary::home::records::{
    HomeAlertRecord as HomeAlert, HomeAlertTopic as HomeAlertKind, HomeScreenRecord as HomeScreen,
};
use nephro_core::diary::reminders::{instant_from_millis, parse_device_zone};
use nephro_core::ids::PatientId;
use nephro_core::locale::Locale;
pub use nephro_core::store::UnreadableRow;

use crate::{Diary, NephroError};

#[uniffi::export]
impl Diary {
    /// The home screen at `now_ms` (UTC epoch ms): today's doses with status and "skip it; never
    /// double" guidance, the next dose, the relapse banner with the family prompt, the steroid
    /// relapse prompt and today's alerts. `device_time_zone` is the phone's current IANA zone
    /// (none: at home); `locale` is `en` or `zh-Hans`. One read; call it off the UI thread and
    /// again after every log.
    pub fn home_screen(
        &self,
        patient_id: PatientId,
        now_ms: i64,
        device_time_zone: Option<String>,
        locale: Locale,
    ) -> Result<HomeScreen, NephroError> {
        let now = instant_from_millis("now_ms", now_ms)?;
        let zone = parse_device_zone(device_time_zone.as_deref())?;
        Ok(self
            .call(|s| service::home_screen(s, patient_id, now, zone, locale))?
            .into())
    }
}

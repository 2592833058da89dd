//! The status of a scheduled dose at a given time and what to tell the family
//! (clinical-rules §7).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::MedicationSchedule;
use crate::error::{Error, Result};
use crate::locale::Locale;

/// Where a scheduled dose stands relative to its scheduled instant s at time t
/// (clinical-rules §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DoseStatus {
    /// t < s.
    Upcoming,
    /// s ≤ t < s + grace.
    Due,
    /// s + grace ≤ t ≤ s + take-window (the end of the window is included).
    Late,
    /// t > s + take-window: skip it, never take a double dose.
    Missed,
}

impl DoseStatus {
    /// A short label for the status.
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            DoseStatus::Upcoming => crate::messages::text(locale, "dose-upcoming"),
            DoseStatus::Due => crate::messages::text(locale, "dose-due"),
            DoseStatus::Late => crate::messages::text(locale, "dose-late"),
            DoseStatus::Missed => crate::messages::text(locale, "dose-missed"),
        }
    }
}

/// The status of a dose scheduled at `slot_instant`, at `now` (clinical-rules §7):
/// upcoming (t < s); due (s ≤ t < s + grace); late (s + grace ≤ t ≤ s + take-window);
/// missed (t > s + take-window).
///
/// Reading of "late (up to s + take-window); missed after that": "up to" includes the end of the
/// window and "after that" means strictly after, so at exactly s + take-window the dose is still
/// late (and [`super::snooze`] may fire there). When a policy sets a take-window shorter than the
/// grace ([`MedicationSchedule::validate`] refuses that), `due` wins until s + grace.
pub fn dose_status(
    slot_instant: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: TimeDelta,
    take_window: TimeDelta,
) -> DoseStatus {
    if now < slot_instant {
        return DoseStatus::Upcoming;
    }
    let elapsed = now - slot_instant;
    if elapsed < grace {
        DoseStatus::Due
    } else if elapsed <= take_window {
        DoseStatus::Late
    } else {
        DoseStatus::Missed
    }
}

/// How far a device clock may run behind: a dose logged as taken may be up to this much after
/// the device clock passed in (clinical-rules §10, "a small clock skew, 5 minutes, is allowed").
pub const LOG_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// Whether a dose may be logged for a slot scheduled at `slot_instant` with `take_window`
/// (clinical-rules §10 "Dose timing", with §7's take-window), on a device whose clock reads `now`:
///
/// - a slot whose instant is more than its take-window after `now` cannot be logged yet (a
///   reminder must never vanish because a future slot was logged by mistake; holding future doses
///   is a regimen change by the care team); within its take-window before the slot it can (19:55
///   for the 20:00 dose). Refused naming `slot_date`.
/// - a dose logged as `taken` has its actual time no earlier than the slot's instant minus its
///   take-window and no later than `now` plus [`LOG_CLOCK_SKEW`]. Refused naming `actual_at_ms`.
///
/// Only the clock of the device that logs is checked here; the hard bounds of every instant are
/// [`crate::bounds`]'s.
pub fn check_log_timing(
    slot_instant: DateTime<Utc>,
    take_window: TimeDelta,
    taken: bool,
    actual: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let earliest_slot_start = slot_instant - take_window;
    if now < earliest_slot_start {
        return Err(Error::invalid(
            "slot_date",
            "this dose cannot be logged yet: its time is more than its take-window after the \
             device clock",
        ));
    }
    if taken && actual < earliest_slot_start {
        return Err(Error::invalid(
            "actual_at_ms",
            "must not be earlier than the dose's scheduled time minus its take-window",
        ));
    }
    if taken && actual > now + LOG_CLOCK_SKEW {
        return Err(Error::invalid(
            "actual_at_ms",
            "must not be later than the device clock (5 minutes of clock skew allowed)",
        ));
    }
    Ok(())
}

impl MedicationSchedule {
    /// [`dose_status`] with this medication's grace and take-window policy.
    pub fn dose_status(&self, slot_instant: DateTime<Utc>, now: DateTime<Utc>) -> DoseStatus {
        dose_status(slot_instant, now, self.grace(), self.take_window())
    }
}

/// What to tell the family about a dose not yet logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "DoseGuidance"))]
pub enum Guidance {
    /// Upcoming: not yet.
    NotYet,
    /// Due: take it now.
    TakeNow,
    /// Late: take it now, as soon as remembered; never double.
    TakeNowLate,
    /// Missed: skip it, take the next dose at the usual time, never take a double dose.
    SkipNeverDouble,
}

/// The guidance for a status (clinical-rules §7; label wording for tacrolimus and MMF: take it
/// as soon as you remember unless it is almost time for the next dose; never take a double dose).
pub fn guidance(status: DoseStatus) -> Guidance {
    match status {
        DoseStatus::Upcoming => Guidance::NotYet,
        DoseStatus::Due => Guidance::TakeNow,
        DoseStatus::Late => Guidance::TakeNowLate,
        DoseStatus::Missed => Guidance::SkipNeverDouble,
    }
}

impl Guidance {
    /// The sentence shown to the family.
    pub fn text(self, locale: Locale) -> &'static str {
        match self {
            Guidance::NotYet => crate::messages::text(locale, "guidance-not-yet"),
            Guidance::TakeNow => crate::messages::text(locale, "guidance-take-now"),
            Guidance::TakeNowLate => crate::messages::text(locale, "guidance-take-now-late"),
            Guidance::SkipNeverDouble => {
                crate::messages::text(locale, "guidance-skip-never-double")
            }
        }
    }
}

/// The missed-dose advice printed on tacrolimus and mycophenolate labels (clinical-rules §7):
/// take it as soon as you remember unless it is almost time for the next dose; never double.
pub fn missed_dose_advice(locale: Locale) -> &'static str {
    crate::messages::text(locale, "guidance-missed-dose-advice")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::tests::t;
    use crate::schedule::DayPattern;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn log_timing_follows_clinical_rules_10() {
        let slot = at("2025-06-01T20:00:00Z");
        let window = TimeDelta::hours(6);
        let field = |r: Result<()>| match r {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        // 19:55 for the 20:00 dose, logged at 19:55: accepted.
        let now = at("2025-06-01T19:55:00Z");
        assert!(check_log_timing(slot, window, true, now, now).is_ok());
        // The slot may be logged from its take-window before it, not earlier.
        let early = at("2025-06-01T13:59:59Z");
        assert_eq!(
            field(check_log_timing(slot, window, false, early, early)),
            "slot_date"
        );
        let edge = at("2025-06-01T14:00:00Z");
        assert!(check_log_timing(slot, window, true, edge, edge).is_ok());
        // Taken: no earlier than the slot minus its take-window, no later than now + 5 min.
        let now = at("2025-06-01T21:00:00Z");
        assert_eq!(
            field(check_log_timing(slot, window, true, early, now)),
            "actual_at_ms"
        );
        let skewed = now + LOG_CLOCK_SKEW;
        assert!(check_log_timing(slot, window, true, skewed, now).is_ok());
        let ahead = skewed + TimeDelta::milliseconds(1);
        assert_eq!(
            field(check_log_timing(slot, window, true, ahead, now)),
            "actual_at_ms"
        );
        // A skip records when it was decided; only the slot's own timing applies.
        assert!(check_log_timing(slot, window, false, ahead, now).is_ok());
        // A slot 4.5 months ahead cannot be logged, taken or skipped.
        let months_ahead = at("2025-10-15T20:00:00Z");
        assert_eq!(
            field(check_log_timing(months_ahead, window, false, now, now)),
            "slot_date"
        );
    }

    #[test]
    fn boundaries_for_bid_defaults() {
        let med = MedicationSchedule::new("t", vec![t("08:00"), t("20:00")], DayPattern::Daily);
        let s = at("2025-06-01T08:00:00Z");
        let status = |now: &str| med.dose_status(s, at(now));
        assert_eq!(status("2025-06-01T07:59:59Z"), DoseStatus::Upcoming);
        assert_eq!(
            status("2025-06-01T08:00:00Z"),
            DoseStatus::Due,
            "s itself is due"
        );
        assert_eq!(status("2025-06-01T08:59:59Z"), DoseStatus::Due);
        assert_eq!(
            status("2025-06-01T09:00:00Z"),
            DoseStatus::Late,
            "s + grace is late"
        );
        assert_eq!(
            status("2025-06-01T14:00:00Z"),
            DoseStatus::Late,
            "s + take-window is still late"
        );
        assert_eq!(status("2025-06-01T14:00:01Z"), DoseStatus::Missed);
    }

    #[test]
    fn policy_is_per_medication() {
        let mut med = MedicationSchedule::new("p", vec![t("08:00")], DayPattern::Daily);
        med.grace_minutes = 30;
        med.take_window_minutes = Some(120);
        let s = at("2025-06-01T08:00:00Z");
        assert_eq!(
            med.dose_status(s, at("2025-06-01T08:30:00Z")),
            DoseStatus::Late
        );
        assert_eq!(
            med.dose_status(s, at("2025-06-01T10:00:00Z")),
            DoseStatus::Late
        );
        assert_eq!(
            med.dose_status(s, at("2025-06-01T10:01:00Z")),
            DoseStatus::Missed
        );
        // A window shorter than the grace: due until s + grace, then missed.
        let st = dose_status(
            s,
            at("2025-06-01T08:45:00Z"),
            TimeDelta::hours(1),
            TimeDelta::minutes(30),
        );
        assert_eq!(st, DoseStatus::Due);
        let st = dose_status(
            s,
            at("2025-06-01T09:00:00Z"),
            TimeDelta::hours(1),
            TimeDelta::minutes(30),
        );
        assert_eq!(st, DoseStatus::Missed);
    }

    #[test]
    fn guidance_never_says_double_except_as_a_warning() {
        assert_eq!(guidance(DoseStatus::Missed), Guidance::SkipNeverDouble);
        assert_eq!(guidance(DoseStatus::Late), Guidance::TakeNowLate);
        assert_eq!(guidance(DoseStatus::Due), Guidance::TakeNow);
        assert_eq!(guidance(DoseStatus::Upcoming), Guidance::NotYet);
        for g in [Guidance::TakeNowLate, Guidance::SkipNeverDouble] {
            assert!(g.text(Locale::En).contains("Never take a double dose"));
            assert!(g.text(Locale::ZhHans).contains("双倍剂量"));
        }
        assert!(missed_dose_advice(Locale::En).contains("as soon as you remember"));
        for s in [
            DoseStatus::Upcoming,
            DoseStatus::Due,
            DoseStatus::Late,
            DoseStatus::Missed,
        ] {
            assert!(
                !s.label(Locale::ZhHans).is_empty() && !guidance(s).text(Locale::ZhHans).is_empty()
            );
        }
    }
}

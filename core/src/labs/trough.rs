//! Trough-level validity (clinical-rules §8).
//!
//! > A tacrolimus trough is meant to be drawn about 12 h after the evening dose and before the
//! > morning dose. A logged trough whose draw time is after a logged morning dose of that day, or
//! > less than 10 h after the previous dose, is flagged `not a trough` rather than compared with
//! > the target range.
//!
//! The rule as implemented, over the logged *taken* tacrolimus doses (skipped doses are not
//! doses; unlogged doses are not assumed):
//! - "that day" is the draw's local calendar date in the patient's time zone.
//! - "the morning dose of that day" is the dose logged for the earliest scheduled slot among the
//!   doses logged for that local date (`slot_date`, `slot_time`: the slot the dose belongs to,
//!   not when it was taken — an evening dose of yesterday taken after midnight is not today's
//!   morning dose). For the BID schedule this is the morning slot whenever it was logged.
//! - "after": the dose's `taken_at` instant is strictly before the draw instant.
//! - "the previous dose" is the latest logged dose taken at or before the draw instant, whatever
//!   its slot; "less than 10 h" is strict: a draw exactly 10 h after it is a valid trough.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::schedule::local_date;

/// The shortest interval between the previous dose and a valid trough draw (clinical-rules §8).
pub const MIN_HOURS_AFTER_PREVIOUS_DOSE: i64 = 10;

/// A tacrolimus dose the family logged as taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TakenDose {
    /// When it was actually taken.
    pub taken_at: DateTime<Utc>,
    /// Local date of the scheduled slot it was logged for.
    pub slot_date: NaiveDate,
    /// Local time of the scheduled slot it was logged for.
    pub slot_time: NaiveTime,
}

/// Whether a tacrolimus level counts as a trough (clinical-rules §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TroughValidity {
    /// A trough: compare it with the target range.
    Valid,
    /// Drawn after the morning dose of the draw's local date had been taken.
    AfterMorningDose,
    /// Drawn less than 10 h after the previous dose.
    LessThan10HoursAfterDose,
}

impl TroughValidity {
    /// The identifier used in files and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            TroughValidity::Valid => "valid",
            TroughValidity::AfterMorningDose => "after_morning_dose",
            TroughValidity::LessThan10HoursAfterDose => "less_than_10h_after_dose",
        }
    }

    /// Whether the level may be compared with the target range.
    pub fn is_trough(self) -> bool {
        self == TroughValidity::Valid
    }
}

/// The dose log arranged for answering [`TroughDoseIndex::validity`] quickly for many draws.
#[derive(Debug, Clone)]
pub struct TroughDoseIndex {
    /// Every taken instant, ascending.
    taken: Vec<DateTime<Utc>>,
    /// Per slot date: the earliest slot logged that day and the earliest instant a dose for that
    /// slot was taken (a duplicate log cannot hide the earlier intake).
    morning: BTreeMap<NaiveDate, (NaiveTime, DateTime<Utc>)>,
}

impl TroughDoseIndex {
    /// Indexes the logged taken tacrolimus doses (any order).
    pub fn new(doses: &[TakenDose]) -> Self {
        let mut taken: Vec<DateTime<Utc>> = doses.iter().map(|d| d.taken_at).collect();
        taken.sort_unstable();
        let mut morning: BTreeMap<NaiveDate, (NaiveTime, DateTime<Utc>)> = BTreeMap::new();
        for dose in doses {
            let entry = morning
                .entry(dose.slot_date)
                .or_insert((dose.slot_time, dose.taken_at));
            if (dose.slot_time, dose.taken_at) < *entry {
                *entry = (dose.slot_time, dose.taken_at);
            }
        }
        TroughDoseIndex { taken, morning }
    }

    /// Whether a level drawn at `drawn_at` is a trough, reading "that day" in `time_zone`.
    pub fn validity(&self, drawn_at: DateTime<Utc>, time_zone: Tz) -> TroughValidity {
        let draw_date = local_date(drawn_at, time_zone);
        if self
            .morning
            .get(&draw_date)
            .is_some_and(|&(_, taken_at)| taken_at < drawn_at)
        {
            return TroughValidity::AfterMorningDose;
        }
        let taken_by_draw = self.taken.partition_point(|&t| t <= drawn_at);
        let previous = taken_by_draw.checked_sub(1).and_then(|i| self.taken.get(i));
        if previous.is_some_and(|&p| drawn_at - p < TimeDelta::hours(MIN_HOURS_AFTER_PREVIOUS_DOSE))
        {
            return TroughValidity::LessThan10HoursAfterDose;
        }
        TroughValidity::Valid
    }
}

/// Whether one level drawn at `drawn_at` is a trough given the logged taken doses
/// (clinical-rules §8; see the module documentation for the exact rule).
pub fn trough_validity(
    drawn_at: DateTime<Utc>,
    doses: &[TakenDose],
    time_zone: Tz,
) -> TroughValidity {
    TroughDoseIndex::new(doses).validity(drawn_at, time_zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::{parse_clock_time, parse_date, parse_instant};

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    fn at(text: &str) -> DateTime<Utc> {
        parse_instant("t", text).unwrap().to_utc()
    }

    fn dose(taken: &str, slot_date: &str, slot_time: &str) -> TakenDose {
        TakenDose {
            taken_at: at(taken),
            slot_date: parse_date("d", slot_date).unwrap(),
            slot_time: parse_clock_time("t", slot_time).unwrap(),
        }
    }

    fn evening_before() -> TakenDose {
        dose("2025-06-01T20:00:00+08:00", "2025-06-01", "20:00")
    }

    #[test]
    fn ten_hours_is_valid_and_a_minute_less_is_not() {
        let doses = [evening_before()];
        assert_eq!(
            trough_validity(at("2025-06-02T06:00:00+08:00"), &doses, SHANGHAI),
            TroughValidity::Valid
        );
        assert_eq!(
            trough_validity(at("2025-06-02T05:59:00+08:00"), &doses, SHANGHAI),
            TroughValidity::LessThan10HoursAfterDose
        );
        assert_eq!(
            trough_validity(at("2025-06-02T05:59:59+08:00"), &doses, SHANGHAI),
            TroughValidity::LessThan10HoursAfterDose
        );
    }

    #[test]
    fn a_draw_after_the_morning_dose_is_not_a_trough_even_much_later() {
        let doses = [
            evening_before(),
            dose("2025-06-02T08:00:00+08:00", "2025-06-02", "08:00"),
        ];
        assert_eq!(
            trough_validity(at("2025-06-02T07:59:00+08:00"), &doses, SHANGHAI),
            TroughValidity::Valid
        );
        assert_eq!(
            trough_validity(at("2025-06-02T19:00:00+08:00"), &doses, SHANGHAI),
            TroughValidity::AfterMorningDose
        );
        // At the very instant of the dose: not "after" it, but 0 h after the previous dose.
        assert_eq!(
            trough_validity(at("2025-06-02T08:00:00+08:00"), &doses, SHANGHAI),
            TroughValidity::LessThan10HoursAfterDose
        );
    }

    #[test]
    fn a_late_morning_dose_leaves_the_draw_before_it_valid() {
        let doses = [
            evening_before(),
            dose("2025-06-02T10:30:00+08:00", "2025-06-02", "08:00"),
        ];
        assert_eq!(
            trough_validity(at("2025-06-02T09:00:00+08:00"), &doses, SHANGHAI),
            TroughValidity::Valid
        );
    }

    #[test]
    fn yesterdays_evening_dose_taken_after_midnight_is_not_todays_morning_dose() {
        // The 20:00 slot of 1 June taken at 00:30 on 2 June; the draw 10.5 h later, before the
        // 2 June morning dose (taken at 11:30), is a trough.
        let doses = [
            dose("2025-06-02T00:30:00+08:00", "2025-06-01", "20:00"),
            dose("2025-06-02T11:30:00+08:00", "2025-06-02", "08:00"),
        ];
        assert_eq!(
            trough_validity(at("2025-06-02T11:00:00+08:00"), &doses, SHANGHAI),
            TroughValidity::Valid
        );
    }

    #[test]
    fn that_day_is_the_local_date_of_the_draw() {
        // 2 June 08:00 in Shanghai is 00:00 UTC; a draw at 23:30 UTC on 1 June is 07:30 local on 2 June.
        let doses = [
            evening_before(),
            dose("2025-06-02T07:00:00+08:00", "2025-06-02", "08:00"),
        ];
        assert_eq!(
            trough_validity(at("2025-06-01T23:30:00Z"), &doses, SHANGHAI),
            TroughValidity::AfterMorningDose
        );
        // Only the 20:00 slot of 1 June is logged: it is the earliest logged slot of that day,
        // so a draw after it on the same local date is "after the morning dose".
        let doses = [dose("2025-06-01T20:00:00+08:00", "2025-06-01", "20:00")];
        assert_eq!(
            trough_validity(at("2025-06-01T23:30:00+08:00"), &doses, SHANGHAI),
            TroughValidity::AfterMorningDose
        );
    }

    #[test]
    fn no_logged_doses_means_valid_and_later_doses_are_ignored() {
        assert_eq!(
            trough_validity(at("2025-06-02T07:00:00+08:00"), &[], SHANGHAI),
            TroughValidity::Valid
        );
        let later = [dose("2025-06-03T08:00:00+08:00", "2025-06-03", "08:00")];
        assert_eq!(
            trough_validity(at("2025-06-02T07:00:00+08:00"), &later, SHANGHAI),
            TroughValidity::Valid
        );
    }
}

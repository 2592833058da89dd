//! Dosing times, reminders, dose status, travel and adherence (clinical-rules §7).
//!
//! A scheduled dose **slot** is identified by three values: the medication id, the local date and
//! the local wall-clock time (`HH:MM`). Its stable reminder id is
//! `"{medication_id}@{YYYY-MM-DD}T{HH:MM}"` ([`reminder_id`]); a logged dose names its slot by the
//! same three values. Every function here is pure: the current instant is always a parameter.
//!
//! - [`resolve_local`]: a local date and time in the patient's IANA zone → one instant (DST gap:
//!   forward by the gap; overlap: first occurrence).
//! - [`reminders`]: the next N reminders, snooze and notification texts.
//! - [`status`]: upcoming / due / late / missed and what to tell the family.
//! - [`travel`]: dosing times after a time-zone change and the stepwise shift plan.
//! - [`adherence`]: taken, skipped and missed doses, on-time rate, intervals, calendar.

pub mod adherence;
pub mod reminders;
pub mod status;
pub mod travel;

use std::borrow::Cow;
use std::cmp::Reverse;
use std::fmt::Write as _;

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Timelike,
    Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use adherence::{
    adherence_report, scheduled_slots, AdherenceReport, AdherenceSummary, CalendarDay,
    DayMedication, DayStatus, LoggedDose, LoggedOutcome, MedicationAdherence, ScheduledSlot,
};
pub use reminders::{
    next_reminders, reminder_text, snooze, NotificationText, Reminder,
    IOS_PENDING_NOTIFICATION_LIMIT,
};
pub use status::{
    check_log_timing, dose_status, guidance, missed_dose_advice, DoseStatus, Guidance,
    LOG_CLOCK_SKEW,
};
pub use travel::{
    reminder_zone, shift_plan, travel_times, PlannedDose, PlannedDoseKind, ShiftRules, TravelPolicy,
};

/// Default grace after the scheduled instant during which a dose is `due`, in minutes
/// (clinical-rules §7, **policy**: grace 1 h).
pub const DEFAULT_GRACE_MINUTES: u32 = 60;

/// How far [`next_reminders`] looks ahead before giving up, in days (about 10 years), so a
/// medication set with no future dosing day terminates.
pub const REMINDER_HORIZON_DAYS: i64 = 3653;

/// The dosing days of a medication (clinical-rules §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayPattern {
    /// Every day.
    Daily,
    /// The anchor date and every second day after it; no day before the anchor.
    AlternateFrom(NaiveDate),
    /// Exactly these dates (the dosing days of a taper calendar). Any order; duplicates are harmless.
    Dates(Vec<NaiveDate>),
    /// The anchor date and every n-th day after it (clinical-rules §12, "every N days"); no day
    /// before the anchor; an interval of 0 has no dosing day.
    EveryNDaysFrom(NaiveDate, u32),
}

/// When and on which days one medication is given, with its dose-status policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationSchedule {
    /// The medication's id; part of every slot's identity.
    pub id: String,
    /// Local wall-clock times (BID default 08:00 and 20:00).
    pub times: Vec<NaiveTime>,
    /// The dosing days.
    pub days: DayPattern,
    /// First active day, inclusive (none: no lower bound).
    pub start: Option<NaiveDate>,
    /// Last active day, inclusive (none: no upper bound).
    pub end: Option<NaiveDate>,
    /// Minutes after the scheduled instant during which the dose is `due`
    /// (clinical-rules §7, **policy**, default [`DEFAULT_GRACE_MINUTES`]).
    pub grace_minutes: u32,
    /// Minutes after the scheduled instant up to which a dose may still be taken late
    /// (clinical-rules §7, **policy**); none: half the dosing interval, see
    /// [`MedicationSchedule::take_window`].
    pub take_window_minutes: Option<u32>,
}

impl MedicationSchedule {
    /// A schedule with the default policy (grace 60 min, take-window half the dosing interval)
    /// and no start or end date.
    pub fn new(id: impl Into<String>, times: Vec<NaiveTime>, days: DayPattern) -> Self {
        MedicationSchedule {
            id: id.into(),
            times,
            days,
            start: None,
            end: None,
            grace_minutes: DEFAULT_GRACE_MINUTES,
            take_window_minutes: None,
        }
    }

    /// The grace period as a duration.
    pub fn grace(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.grace_minutes))
    }

    /// The take-window: the configured one, or by default half the dosing interval,
    /// 24 h ÷ doses per day ÷ 2 (6 h for BID, 12 h once daily; clinical-rules §7). Doses per day
    /// is the number of distinct times; a schedule without times counts as once daily.
    pub fn take_window(&self) -> TimeDelta {
        match self.take_window_minutes {
            Some(minutes) => TimeDelta::minutes(i64::from(minutes)),
            None => TimeDelta::minutes(24 * 60 / self.doses_per_day() as i64 / 2),
        }
    }

    /// The number of distinct dosing times per day (at least 1).
    pub fn doses_per_day(&self) -> usize {
        let mut distinct = self.times.clone();
        distinct.sort_unstable();
        distinct.dedup();
        distinct.len().max(1)
    }

    /// Whether the medication is given on a local date (active range and day pattern).
    /// For a `Dates` pattern this scans the list; [`next_reminders`] and [`scheduled_slots`]
    /// prepare a sorted copy once and search it instead.
    pub fn is_dosing_day(&self, date: NaiveDate) -> bool {
        Prepared::new(self, 0).is_dosing_day(date)
    }

    /// Refuses a schedule the engines cannot reason about, naming the field: an empty id,
    /// an end before the start, or a take-window shorter than the grace period.
    pub fn validate(&self) -> Result<()> {
        if self.id.trim().is_empty() {
            return Err(Error::invalid("id", "must not be empty"));
        }
        if let (Some(start), Some(end)) = (self.start, self.end) {
            if end < start {
                return Err(Error::invalid("end", "must not be before start"));
            }
        }
        if self.take_window() < self.grace() {
            return Err(Error::invalid(
                "take_window_minutes",
                "must not be shorter than grace_minutes",
            ));
        }
        Ok(())
    }
}

/// The stable id of a slot's reminder: `"{medication_id}@{YYYY-MM-DD}T{HH:MM}"`.
pub fn reminder_id(medication_id: &str, slot_date: NaiveDate, slot_time: NaiveTime) -> String {
    let mut id = String::with_capacity(medication_id.len() + 17);
    write_reminder_id(&mut id, medication_id, slot_date, slot_time);
    id
}

/// Appends a reminder id to `out` (no intermediate allocation; see [`reminder_id`]).
fn write_reminder_id(
    out: &mut String,
    medication_id: &str,
    slot_date: NaiveDate,
    slot_time: NaiveTime,
) {
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        "{medication_id}@{:04}-{:02}-{:02}T{:02}:{:02}",
        slot_date.year(),
        slot_date.month(),
        slot_date.day(),
        slot_time.hour(),
        slot_time.minute()
    );
}

/// The instant of a local date and wall-clock time in an IANA zone (clinical-rules §7).
///
/// - A time that does not exist (inside a DST gap) moves forward by the length of the gap:
///   RFC 5545 §3.3.5 interprets it "using the UTC offset before the gap", which lands
///   (offset after − offset before) later on the wall clock: 02:30 → 03:30 on a 1-hour spring
///   forward, 02:15 → 02:45 on Lord Howe Island's 30-minute one. The offset before the gap is
///   read one day before, as ECMAScript Temporal's "compatible" disambiguation does.
/// - A time that happens twice (inside a DST overlap) takes its first occurrence.
pub fn resolve_local(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Tz> {
    let wall = date.and_time(time);
    if let Some(first) = tz.from_local_datetime(&wall).earliest() {
        return first;
    }
    let offset_before = wall
        .checked_sub_signed(TimeDelta::days(1))
        .map(|probe| tz.offset_from_utc_datetime(&probe).fix())
        .unwrap_or_else(|| tz.offset_from_utc_datetime(&wall).fix());
    let instant = wall
        .checked_sub_signed(TimeDelta::seconds(i64::from(
            offset_before.local_minus_utc(),
        )))
        .unwrap_or(wall);
    tz.from_utc_datetime(&instant)
}

/// The local date of an instant in a zone. Unlike `with_timezone(..).date_naive()` it cannot
/// panic at the ends of chrono's range (it falls back to the UTC date there).
pub fn local_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let utc = instant.naive_utc();
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
        .unwrap_or(utc)
        .date()
}

/// The UTC instant of a slot (see [`resolve_local`]).
pub fn slot_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    resolve_local(date, time, tz).with_timezone(&Utc)
}

/// A slot resolved to its instant, before it becomes a reminder or a scheduled slot.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    instant: DateTime<Utc>,
    local: DateTime<FixedOffset>,
    /// Position of the medication's id in code-point order (equal ids share a rank).
    rank: usize,
    /// Index of the medication in the caller's slice.
    medication: usize,
    date: NaiveDate,
    time: NaiveTime,
}

/// Orders candidates by instant, then medication id, and keeps one per medication per instant
/// (clinical-rules §7: a DST gap can map two times onto one instant, e.g. 02:00 and 03:00 on a
/// 1-hour spring-forward). Of slots that collide, the **latest** slot is kept: its wall-clock
/// time is the one the clock really shows (03:00, not the moved 02:00), and when a whole day is
/// skipped (Pacific/Apia, 2011-12-30) the slot of the day that exists survives.
fn sort_and_collapse(candidates: &mut Vec<Candidate>) {
    candidates.sort_unstable_by_key(|c| (c.instant, c.rank, Reverse((c.date, c.time))));
    candidates.dedup_by(|later, kept| later.instant == kept.instant && later.rank == kept.rank);
}

/// A medication prepared once per call: its effective date range and a sorted date list.
struct Prepared<'a> {
    schedule: &'a MedicationSchedule,
    rank: usize,
    /// First and last possible dosing day; `None` when it is never given.
    range: Option<(NaiveDate, NaiveDate)>,
    /// The `Dates` pattern, sorted (borrowed when already sorted).
    dates: Cow<'a, [NaiveDate]>,
}

impl<'a> Prepared<'a> {
    fn new(schedule: &'a MedicationSchedule, rank: usize) -> Self {
        let mut first = schedule.start.unwrap_or(NaiveDate::MIN);
        let mut last = schedule.end.unwrap_or(NaiveDate::MAX);
        let mut dates: Cow<'a, [NaiveDate]> = Cow::Borrowed(&[]);
        let mut never = false;
        match &schedule.days {
            DayPattern::Daily => {}
            DayPattern::AlternateFrom(anchor) => first = first.max(*anchor),
            DayPattern::EveryNDaysFrom(anchor, n) => {
                first = first.max(*anchor);
                never = *n == 0;
            }
            DayPattern::Dates(list) => {
                dates = if list.windows(2).all(|w| w[0] <= w[1]) {
                    Cow::Borrowed(list.as_slice())
                } else {
                    let mut sorted = list.clone();
                    sorted.sort_unstable();
                    Cow::Owned(sorted)
                };
                match (dates.first(), dates.last()) {
                    (Some(&lo), Some(&hi)) => {
                        first = first.max(lo);
                        last = last.min(hi);
                    }
                    _ => never = true,
                }
            }
        }
        let range =
            (!never && !schedule.times.is_empty() && first <= last).then_some((first, last));
        Prepared {
            schedule,
            rank,
            range,
            dates,
        }
    }

    fn is_dosing_day(&self, date: NaiveDate) -> bool {
        let Some((first, last)) = self.range else {
            return false;
        };
        if date < first || date > last {
            return false;
        }
        match &self.schedule.days {
            DayPattern::Daily => true,
            DayPattern::AlternateFrom(anchor) => (date - *anchor).num_days() % 2 == 0,
            DayPattern::EveryNDaysFrom(anchor, n) => {
                (date - *anchor).num_days() % i64::from((*n).max(1)) == 0
            }
            DayPattern::Dates(_) => self.dates.binary_search(&date).is_ok(),
        }
    }

    /// Pushes the slots of one day (if it is a dosing day).
    fn push_slots(&self, index: usize, date: NaiveDate, tz: Tz, out: &mut Vec<Candidate>) {
        if !self.is_dosing_day(date) {
            return;
        }
        for &time in &self.schedule.times {
            let local = resolve_local(date, time, tz);
            out.push(Candidate {
                instant: local.with_timezone(&Utc),
                local: local.fixed_offset(),
                rank: self.rank,
                medication: index,
                date,
                time,
            });
        }
    }
}

/// Prepares every medication, ranking ids in code-point order (byte order of UTF-8 strings).
fn prepare(meds: &[MedicationSchedule]) -> Vec<Prepared<'_>> {
    let mut order: Vec<usize> = (0..meds.len()).collect();
    order.sort_unstable_by(|&a, &b| meds[a].id.cmp(&meds[b].id));
    let mut ranks = vec![0; meds.len()];
    let mut rank = 0;
    for (position, &index) in order.iter().enumerate() {
        if position > 0 && meds[order[position - 1]].id != meds[index].id {
            rank += 1;
        }
        ranks[index] = rank;
    }
    meds.iter()
        .zip(ranks)
        .map(|(m, r)| Prepared::new(m, r))
        .collect()
}

/// The earliest instant any slot of a local date can have: wall-clock 00:00 minus the largest
/// offset (tz offsets, local mean times included, stay within ±16 h; 18 h leaves margin). A gap
/// only moves a time later, so no slot of that day can be earlier.
fn earliest_possible_instant(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN).and_utc();
    midnight
        .checked_sub_signed(TimeDelta::hours(18))
        .unwrap_or(midnight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Australia, Europe, Pacific};

    pub(crate) fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    pub(crate) fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }
    fn local(date: &str, time: &str, tz: Tz) -> String {
        crate::dates::format_local(&resolve_local(d(date), t(time), tz))
    }

    #[test]
    fn gap_moves_forward_by_its_length() {
        assert_eq!(
            local("2025-03-09", "02:30", America::New_York),
            "2025-03-09T03:30:00-04:00"
        );
        assert_eq!(
            local("2025-03-09", "02:00", America::New_York),
            "2025-03-09T03:00:00-04:00"
        );
        assert_eq!(
            local("2025-03-09", "01:59", America::New_York),
            "2025-03-09T01:59:00-05:00"
        );
        // Lord Howe Island: +10:30 → +11:00 at 02:00 on 2025-10-05, a 30-minute gap.
        assert_eq!(
            local("2025-10-05", "02:15", Australia::Lord_Howe),
            "2025-10-05T02:45:00+11:00"
        );
        assert_eq!(
            local("2025-10-05", "02:30", Australia::Lord_Howe),
            "2025-10-05T02:30:00+11:00"
        );
        // Samoa skipped 2011-12-30 entirely (-10:00 → +14:00): a 24-hour gap.
        assert_eq!(
            local("2011-12-30", "08:00", Pacific::Apia),
            "2011-12-31T08:00:00+14:00"
        );
    }

    #[test]
    fn overlap_takes_the_first_occurrence() {
        assert_eq!(
            local("2025-11-02", "01:30", America::New_York),
            "2025-11-02T01:30:00-04:00"
        );
        assert_eq!(
            local("2025-04-06", "02:30", Australia::Sydney),
            "2025-04-06T02:30:00+11:00"
        );
        assert_eq!(
            local("2025-04-06", "01:30", Australia::Lord_Howe),
            "2025-04-06T01:30:00+11:00"
        );
        assert_eq!(
            local("2025-10-26", "02:30", Europe::Paris),
            "2025-10-26T02:30:00+02:00"
        );
    }

    #[test]
    fn reminder_ids_are_stable_text() {
        assert_eq!(
            reminder_id("tacrolimus", d("2025-06-01"), t("08:00")),
            "tacrolimus@2025-06-01T08:00"
        );
        assert_eq!(
            reminder_id("mmf", d("2025-12-31"), t("20:05")),
            "mmf@2025-12-31T20:05"
        );
    }

    #[test]
    fn day_patterns() {
        let alt = MedicationSchedule::new(
            "p",
            vec![t("08:00")],
            DayPattern::AlternateFrom(d("2025-06-02")),
        );
        assert!(
            !alt.is_dosing_day(d("2025-05-31")),
            "none before the anchor"
        );
        assert!(!alt.is_dosing_day(d("2025-06-01")));
        assert!(alt.is_dosing_day(d("2025-06-02")));
        assert!(!alt.is_dosing_day(d("2025-06-03")));
        assert!(alt.is_dosing_day(d("2025-06-04")));
        let dates = MedicationSchedule::new(
            "p",
            vec![t("08:00")],
            DayPattern::Dates(vec![d("2025-07-04"), d("2025-07-01")]),
        );
        assert!(dates.is_dosing_day(d("2025-07-01")) && dates.is_dosing_day(d("2025-07-04")));
        assert!(!dates.is_dosing_day(d("2025-07-02")));
        let mut ranged = MedicationSchedule::new("p", vec![t("08:00")], DayPattern::Daily);
        ranged.start = Some(d("2025-01-10"));
        ranged.end = Some(d("2025-01-12"));
        assert!(!ranged.is_dosing_day(d("2025-01-09")));
        assert!(ranged.is_dosing_day(d("2025-01-12")), "end is inclusive");
        assert!(!ranged.is_dosing_day(d("2025-01-13")));
        let empty = MedicationSchedule::new("p", vec![], DayPattern::Daily);
        assert!(!empty.is_dosing_day(d("2025-01-01")));
    }

    #[test]
    fn default_take_window_is_half_the_interval() {
        let bid = MedicationSchedule::new("t", vec![t("08:00"), t("20:00")], DayPattern::Daily);
        assert_eq!(bid.take_window(), TimeDelta::hours(6));
        assert_eq!(bid.grace(), TimeDelta::hours(1));
        let qd = MedicationSchedule::new("p", vec![t("08:00")], DayPattern::Daily);
        assert_eq!(qd.take_window(), TimeDelta::hours(12));
        let dup = MedicationSchedule::new("p", vec![t("08:00"), t("08:00")], DayPattern::Daily);
        assert_eq!(dup.take_window(), TimeDelta::hours(12));
        let none = MedicationSchedule::new("p", vec![], DayPattern::Daily);
        assert_eq!(none.take_window(), TimeDelta::hours(12));
    }

    /// Dates and instants at the ends of chrono's range never panic anywhere in the module.
    #[test]
    fn extreme_dates_do_not_panic() {
        use std::collections::HashSet;
        let times = vec![t("00:00"), t("23:59")];
        let mut meds = vec![MedicationSchedule::new(
            "a",
            times.clone(),
            DayPattern::Daily,
        )];
        meds.push(MedicationSchedule::new(
            "b",
            times.clone(),
            DayPattern::AlternateFrom(NaiveDate::MAX),
        ));
        meds.push(MedicationSchedule::new(
            "c",
            times.clone(),
            DayPattern::Dates(vec![NaiveDate::MIN, NaiveDate::MAX]),
        ));
        for tz in [
            America::New_York,
            Pacific::Apia,
            chrono_tz::Pacific::Kiritimati,
            chrono_tz::Etc::GMTPlus12,
        ] {
            for from in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                let rs = next_reminders(&meds, tz, from, 5, &HashSet::new());
                for r in &rs {
                    let _ = snooze(r, &meds[0], tz, from, 30);
                    let _ = crate::dates::format_local(&r.local);
                }
            }
            for date in [NaiveDate::MIN, NaiveDate::MAX] {
                let _ = resolve_local(date, t("23:59"), tz);
                let _ = scheduled_slots(&meds, tz, date, date);
                let _ = adherence_report(&meds, tz, date, date, &[], DateTime::<Utc>::MAX_UTC);
                let _ = shift_plan(
                    tz,
                    Europe::Paris,
                    &[t("08:00"), t("20:00")],
                    date,
                    &ShiftRules::default(),
                );
                let _ = travel_times(
                    &times,
                    TravelPolicy::KeepHomeInstants,
                    tz,
                    Europe::Paris,
                    date,
                );
            }
        }
    }

    #[test]
    fn validation_names_the_field() {
        let mut m = MedicationSchedule::new("t", vec![t("08:00"), t("20:00")], DayPattern::Daily);
        assert!(m.validate().is_ok());
        m.take_window_minutes = Some(30);
        assert!(m
            .validate()
            .unwrap_err()
            .to_string()
            .contains("take_window_minutes"));
        m.take_window_minutes = None;
        m.start = Some(d("2025-02-01"));
        m.end = Some(d("2025-01-01"));
        assert!(m.validate().unwrap_err().to_string().contains("end"));
        let blank = MedicationSchedule::new(" ", vec![], DayPattern::Daily);
        assert!(blank.validate().is_err());
    }
}

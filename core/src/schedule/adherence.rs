//! Adherence: which scheduled doses were taken, skipped or missed, how punctually, and a
//! per-day calendar (clinical-rules §7 slots; figures for the family and the care team).

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::drug::Drug;

use super::{
    local_date, prepare, reminder_id, sort_and_collapse, Candidate, MedicationSchedule,
    REMINDER_HORIZON_DAYS,
};
use crate::error::{Error, Result};
use crate::numeric::clean;

/// The longest date range [`scheduled_slots`] and [`adherence_report`] accept, in days (about 10 years).
pub const MAX_RANGE_DAYS: i64 = REMINDER_HORIZON_DAYS;

/// One scheduled dose slot with its resolved instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledSlot {
    /// The medication.
    pub medication_id: String,
    /// Local date of the slot.
    pub slot_date: NaiveDate,
    /// Local wall-clock time of the slot as scheduled.
    pub slot_time: NaiveTime,
    /// The slot's instant (see [`super::resolve_local`]).
    pub instant_utc: DateTime<Utc>,
    /// The same instant on the local clock.
    pub local: DateTime<FixedOffset>,
}

impl ScheduledSlot {
    /// The slot's stable reminder id (see [`super::reminder_id`]).
    pub fn reminder_id(&self) -> String {
        reminder_id(&self.medication_id, self.slot_date, self.slot_time)
    }
}

/// What happened to a slot, as last logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoggedOutcome {
    /// Given, at this instant.
    Taken {
        /// When it was given.
        at: DateTime<Utc>,
    },
    /// Deliberately not given (decided at this instant).
    Skipped {
        /// When the skip was logged or decided.
        at: DateTime<Utc>,
    },
}

/// The latest version of a logged dose, naming its slot by (medication id, local date, local time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedDose {
    /// The medication.
    pub medication_id: String,
    /// Local date of the slot.
    pub slot_date: NaiveDate,
    /// Local wall-clock time of the slot.
    pub slot_time: NaiveTime,
    /// Taken or skipped.
    pub outcome: LoggedOutcome,
}

/// Counts and rates over the scheduled slots so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AdherenceSummary {
    /// Slots whose instant is before `now`.
    pub scheduled: u32,
    /// Of those, logged as taken.
    pub taken: u32,
    /// Of those, logged as skipped.
    pub skipped: u32,
    /// Of those, with no log.
    pub missed: u32,
    /// taken ÷ scheduled (none when nothing was scheduled).
    pub taken_rate: Option<f64>,
    /// Taken within grace of the slot instant ÷ scheduled (none when nothing was scheduled).
    pub on_time_rate: Option<f64>,
}

/// Adherence of one medication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MedicationAdherence {
    /// The medication.
    pub medication_id: String,
    /// Its drug, when the dose engine knows it (none for most medicines of clinical-rules §12).
    /// The engine leaves it empty; the diary's adherence service fills it in from the
    /// patient's medications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drug: Option<Drug>,
    /// Its counts and rates.
    pub summary: AdherenceSummary,
    /// Twice-daily drugs only: mean hours between two taken doses of consecutive slots
    /// (none for other drugs or with no such pair).
    pub interval_mean_hours: Option<f64>,
    /// Twice-daily drugs only: sample standard deviation (n − 1) of those intervals, in hours
    /// (none with fewer than two intervals).
    pub interval_sd_hours: Option<f64>,
    /// The longest run of consecutive scheduled slots not taken (skipped or missed).
    pub longest_missed_streak: u32,
}

/// How a day went for one medication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "AdherenceDayStatus"))]
pub enum DayStatus {
    /// Every dose scheduled so far was taken.
    Full,
    /// Some, not all, were taken.
    Partial,
    /// Doses were scheduled and none was taken.
    #[serde(rename = "none")]
    NoneTaken,
    /// No dose was scheduled (so far) that day.
    NoDose,
}

/// One medication on one calendar day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "AdherenceDayMedication"))]
pub struct DayMedication {
    /// The medication.
    pub medication_id: String,
    /// Slots of that day before `now`.
    pub scheduled: u32,
    /// Of those, taken.
    pub taken: u32,
    /// Full, partial, none or no dose.
    pub status: DayStatus,
}

/// One day of the adherence calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "AdherenceDay"))]
pub struct CalendarDay {
    /// The local date.
    pub date: NaiveDate,
    /// Every medication, in id order.
    pub medications: Vec<DayMedication>,
}

/// The adherence report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AdherenceReport {
    /// All medications together.
    pub overall: AdherenceSummary,
    /// The longest missed streak of any one medication.
    pub longest_missed_streak: u32,
    /// Per medication, in id order (code points).
    pub medications: Vec<MedicationAdherence>,
    /// Every date from `from_date` to the earlier of `to_date` and `now`'s local date.
    pub calendar: Vec<CalendarDay>,
}

/// Every scheduled slot of local dates `from_date` to `to_date` (inclusive), ordered by instant
/// then medication id, one per medication per instant (as [`super::next_reminders`] does).
/// Refuses a range that ends before it starts or is longer than [`MAX_RANGE_DAYS`].
pub fn scheduled_slots(
    meds: &[MedicationSchedule],
    tz: Tz,
    from_date: NaiveDate,
    to_date: NaiveDate,
) -> Result<Vec<ScheduledSlot>> {
    Ok(slot_candidates(meds, tz, from_date, to_date)?
        .into_iter()
        .map(|c| ScheduledSlot {
            medication_id: meds[c.medication].id.clone(),
            slot_date: c.date,
            slot_time: c.time,
            instant_utc: c.instant,
            local: c.local,
        })
        .collect())
}

fn slot_candidates(
    meds: &[MedicationSchedule],
    tz: Tz,
    from_date: NaiveDate,
    to_date: NaiveDate,
) -> Result<Vec<Candidate>> {
    let days = (to_date - from_date).num_days();
    if days < 0 {
        return Err(Error::invalid("to_date", "must not be before from_date"));
    }
    if days > MAX_RANGE_DAYS {
        return Err(Error::invalid(
            "to_date",
            "the range must be at most 10 years",
        ));
    }
    let prepared = prepare(meds);
    let mut slots = Vec::new();
    for date in from_date.iter_days().take(days as usize + 1) {
        for (index, medication) in prepared.iter().enumerate() {
            medication.push_slots(index, date, tz, &mut slots);
        }
    }
    sort_and_collapse(&mut slots);
    Ok(slots)
}

/// Per-medication running figures.
#[derive(Default)]
struct Tally {
    scheduled: u32,
    taken: u32,
    skipped: u32,
    on_time: u32,
    run: u32,
    longest_run: u32,
    previous_taken_at: Option<DateTime<Utc>>,
    intervals_hours: Vec<f64>,
}

impl Tally {
    fn summary(&self) -> AdherenceSummary {
        let rate =
            |n: u32| (self.scheduled > 0).then(|| clean(f64::from(n) / f64::from(self.scheduled)));
        AdherenceSummary {
            scheduled: self.scheduled,
            taken: self.taken,
            skipped: self.skipped,
            missed: self
                .scheduled
                .saturating_sub(self.taken)
                .saturating_sub(self.skipped),
            taken_rate: rate(self.taken),
            on_time_rate: rate(self.on_time),
        }
    }
}

/// Adherence over local dates `from_date` to `to_date` at `now` (pure: `now` is a parameter).
///
/// - Only slots whose instant is before `now` count as scheduled so far, and a slot without a log
///   only once it is missed (after its take-window, clinical-rules §7); a log for any other
///   slot (future, outside the range, or not in the schedule) is ignored. If `logs` names a slot
///   more than once, the later element wins (pass the latest version of each log).
/// - taken + skipped + missed = scheduled; missed means no log at all.
/// - On time: taken within the medication's grace of the slot instant, either side:
///   s − grace ≤ taken < s + grace (the `due` interval of clinical-rules §7, plus the same margin
///   early). The on-time rate is over scheduled slots, so it never exceeds the taken rate.
/// - Intervals (twice-daily drugs, i.e. two distinct times): hours between the taken instants of
///   two consecutive slots that were both taken; a slot not taken in between breaks the pair, so a
///   missed dose shows in the counts and the streak, not as a 24-hour interval.
/// - Longest missed streak: consecutive scheduled slots of one medication not taken (skipped or
///   missed); the overall figure is the largest of any medication.
pub fn adherence_report(
    meds: &[MedicationSchedule],
    tz: Tz,
    from_date: NaiveDate,
    to_date: NaiveDate,
    logs: &[LoggedDose],
    now: DateTime<Utc>,
) -> Result<AdherenceReport> {
    let slots = slot_candidates(meds, tz, from_date, to_date)?;
    let outcomes: HashMap<(&str, NaiveDate, NaiveTime), LoggedOutcome> = logs
        .iter()
        .map(|log| {
            (
                (log.medication_id.as_str(), log.slot_date, log.slot_time),
                log.outcome,
            )
        })
        .collect();

    let mut ids: Vec<&str> = meds.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let position = |id: &str| ids.binary_search(&id).unwrap_or(0);
    let today = local_date(now, tz);
    let calendar_days = if today < from_date {
        0
    } else {
        (to_date.min(today) - from_date).num_days() as usize + 1
    };
    // counts[day][medication] = (scheduled, taken)
    let mut counts = vec![vec![(0u32, 0u32); ids.len()]; calendar_days];
    let mut tallies: Vec<Tally> = ids.iter().map(|_| Tally::default()).collect();

    for slot in slots.iter().filter(|s| s.instant < now) {
        let schedule = &meds[slot.medication];
        let logged = outcomes.get(&(schedule.id.as_str(), slot.date, slot.time));
        // A dose not logged while its take-window is open (due or late) is not missed yet
        // (clinical-rules §7: `missed` only after s + take-window): it counts once logged or missed.
        if logged.is_none() && now <= slot.instant + schedule.take_window() {
            continue;
        }
        let med = position(&schedule.id);
        let Some(tally) = tallies.get_mut(med) else {
            continue;
        };
        tally.scheduled += 1;
        let taken_at = match logged {
            Some(LoggedOutcome::Taken { at }) => Some(*at),
            Some(LoggedOutcome::Skipped { .. }) => {
                tally.skipped += 1;
                None
            }
            None => None,
        };
        match taken_at {
            Some(at) => {
                tally.taken += 1;
                let grace = schedule.grace();
                let early_or_late = at - slot.instant;
                if -grace <= early_or_late && early_or_late < grace {
                    tally.on_time += 1;
                }
                if let Some(previous) = tally.previous_taken_at {
                    tally.intervals_hours.push(hours(at - previous));
                }
                tally.previous_taken_at = Some(at);
                tally.run = 0;
            }
            None => {
                tally.previous_taken_at = None;
                tally.run += 1;
                tally.longest_run = tally.longest_run.max(tally.run);
            }
        }
        let day = (slot.date - from_date).num_days();
        if let Some(cell) = usize::try_from(day)
            .ok()
            .and_then(|d| counts.get_mut(d))
            .and_then(|row| row.get_mut(med))
        {
            cell.0 += 1;
            cell.1 += u32::from(taken_at.is_some());
        }
    }

    let is_twice_daily = |id: &str| {
        meds.iter()
            .filter(|m| m.id == id)
            .all(|m| m.doses_per_day() == 2)
    };
    let medications: Vec<MedicationAdherence> = ids
        .iter()
        .zip(&tallies)
        .map(|(&id, tally)| {
            let (mean, sd) = if is_twice_daily(id) {
                mean_and_sd(&tally.intervals_hours)
            } else {
                (None, None)
            };
            MedicationAdherence {
                medication_id: id.to_string(),
                drug: None,
                summary: tally.summary(),
                interval_mean_hours: mean,
                interval_sd_hours: sd,
                longest_missed_streak: tally.longest_run,
            }
        })
        .collect();

    let total = tallies.iter().fold(Tally::default(), |mut sum, t| {
        sum.scheduled = sum.scheduled.saturating_add(t.scheduled);
        sum.taken = sum.taken.saturating_add(t.taken);
        sum.skipped = sum.skipped.saturating_add(t.skipped);
        sum.on_time = sum.on_time.saturating_add(t.on_time);
        sum
    });
    let calendar = from_date
        .iter_days()
        .zip(counts)
        .map(|(date, row)| CalendarDay {
            date,
            medications: ids
                .iter()
                .zip(row)
                .map(|(&id, (scheduled, taken))| DayMedication {
                    medication_id: id.to_string(),
                    scheduled,
                    taken,
                    status: match (scheduled, taken) {
                        (0, _) => DayStatus::NoDose,
                        (_, 0) => DayStatus::NoneTaken,
                        (s, t) if t >= s => DayStatus::Full,
                        _ => DayStatus::Partial,
                    },
                })
                .collect(),
        })
        .collect();

    Ok(AdherenceReport {
        overall: total.summary(),
        longest_missed_streak: tallies.iter().map(|t| t.longest_run).max().unwrap_or(0),
        medications,
        calendar,
    })
}

fn hours(delta: TimeDelta) -> f64 {
    delta.num_seconds() as f64 / 3600.0
}

/// Mean and sample standard deviation (n − 1); the deviation needs at least two values.
fn mean_and_sd(values: &[f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.len() >= 2).then(|| {
        let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
        clean((squares / (n - 1.0)).sqrt())
    });
    (Some(clean(mean)), sd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::tests::{d, t};
    use crate::schedule::DayPattern;
    use chrono_tz::{America, Asia};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn taken(id: &str, date: &str, time: &str, when: &str) -> LoggedDose {
        LoggedDose {
            medication_id: id.into(),
            slot_date: d(date),
            slot_time: t(time),
            outcome: LoggedOutcome::Taken { at: at(when) },
        }
    }
    fn skipped(id: &str, date: &str, time: &str) -> LoggedDose {
        let outcome = LoggedOutcome::Skipped {
            at: at("2025-06-01T00:00:00Z"),
        };
        LoggedDose {
            medication_id: id.into(),
            slot_date: d(date),
            slot_time: t(time),
            outcome,
        }
    }
    fn bid(id: &str) -> MedicationSchedule {
        MedicationSchedule::new(id, vec![t("08:00"), t("20:00")], DayPattern::Daily)
    }

    #[test]
    fn slots_cover_the_range_and_collapse_gap_collisions() {
        let med = MedicationSchedule::new("p", vec![t("02:00"), t("03:00")], DayPattern::Daily);
        let slots =
            scheduled_slots(&[med], America::New_York, d("2025-03-08"), d("2025-03-09")).unwrap();
        let ids: Vec<_> = slots.iter().map(|s| s.reminder_id()).collect();
        assert_eq!(
            ids,
            [
                "p@2025-03-08T02:00",
                "p@2025-03-08T03:00",
                "p@2025-03-09T03:00"
            ]
        );
        assert!(scheduled_slots(
            &[bid("t")],
            Asia::Shanghai,
            d("2025-03-09"),
            d("2025-03-08")
        )
        .is_err());
        assert!(scheduled_slots(
            &[bid("t")],
            Asia::Shanghai,
            d("2000-01-01"),
            d("2025-01-01")
        )
        .is_err());
    }

    #[test]
    fn counts_rates_intervals_and_streaks() {
        // Four days of BID tacrolimus; now is 06-04 12:00 (+08:00), so 7 slots have passed.
        let logs = [
            taken("t", "2025-06-01", "08:00", "2025-06-01T08:10:00+08:00"),
            taken("t", "2025-06-01", "20:00", "2025-06-01T21:30:00+08:00"), // late: not on time
            taken("t", "2025-06-02", "08:00", "2025-06-02T07:30:00+08:00"), // early, within grace
            skipped("t", "2025-06-02", "20:00"),
            // 06-03 08:00 missed
            taken("t", "2025-06-03", "20:00", "2025-06-03T20:00:00+08:00"),
            taken("t", "2025-06-04", "08:00", "2025-06-04T08:00:00+08:00"),
            taken("t", "2025-06-04", "20:00", "2025-06-04T11:00:00+08:00"), // future slot: ignored
            taken("other", "2025-06-01", "08:00", "2025-06-01T08:00:00+08:00"), // unknown: ignored
        ];
        let report = adherence_report(
            &[bid("t")],
            Asia::Shanghai,
            d("2025-06-01"),
            d("2025-06-04"),
            &logs,
            at("2025-06-04T12:00:00+08:00"),
        )
        .unwrap();
        let m = &report.medications[0];
        assert_eq!(
            (
                m.summary.scheduled,
                m.summary.taken,
                m.summary.skipped,
                m.summary.missed
            ),
            (7, 5, 1, 1)
        );
        assert_eq!(m.summary.taken_rate, Some(clean(5.0 / 7.0)));
        assert_eq!(m.summary.on_time_rate, Some(clean(4.0 / 7.0)));
        // Pairs of consecutive taken slots: 06-01 08:10 → 21:30 (13.333 h), 21:30 → 06-02 07:30
        // (10 h), 06-03 20:00 → 06-04 08:00 (12 h).
        let mean = (40.0 / 3.0 + 10.0 + 12.0) / 3.0;
        assert!((m.interval_mean_hours.unwrap() - mean).abs() < 1e-6);
        let sd = (((40.0 / 3.0 - mean).powi(2) + (10.0 - mean).powi(2) + (12.0 - mean).powi(2))
            / 2.0)
            .sqrt();
        assert!((m.interval_sd_hours.unwrap() - sd).abs() < 1e-6);
        assert_eq!(
            m.longest_missed_streak, 2,
            "skipped 06-02 20:00 then missed 06-03 08:00"
        );
        assert_eq!(report.longest_missed_streak, 2);
        assert_eq!(report.overall.scheduled, 7);
        let statuses: Vec<_> = report
            .calendar
            .iter()
            .map(|day| day.medications[0].status)
            .collect();
        assert_eq!(
            statuses,
            [
                DayStatus::Full,
                DayStatus::Partial,
                DayStatus::Partial,
                DayStatus::Full
            ]
        );
        assert_eq!(
            report.calendar[3].medications[0].scheduled, 1,
            "only the 08:00 slot has passed"
        );
    }

    #[test]
    fn calendar_statuses_and_non_bid_intervals() {
        let pred = MedicationSchedule::new(
            "p",
            vec![t("08:00")],
            DayPattern::AlternateFrom(d("2025-06-01")),
        );
        let logs = [
            taken("p", "2025-06-01", "08:00", "2025-06-01T08:00:00+08:00"),
            taken("p", "2025-06-03", "08:00", "2025-06-03T08:00:00+08:00"),
        ];
        let report = adherence_report(
            &[pred, bid("t")],
            Asia::Shanghai,
            d("2025-06-01"),
            d("2025-06-30"),
            &logs,
            // 03:00: the 20:00 dose of 06-05 is past its 6-hour take-window, so missed.
            at("2025-06-06T03:00:00+08:00"),
        )
        .unwrap();
        assert_eq!(report.calendar.len(), 6, "the calendar stops at today");
        let ids: Vec<_> = report
            .medications
            .iter()
            .map(|m| m.medication_id.as_str())
            .collect();
        assert_eq!(ids, ["p", "t"]);
        let p = &report.medications[0];
        assert_eq!(
            (p.summary.scheduled, p.summary.taken, p.summary.missed),
            (3, 2, 1)
        );
        assert_eq!(
            (p.interval_mean_hours, p.interval_sd_hours),
            (None, None),
            "once daily: no intervals"
        );
        let day = |i: usize, m: usize| report.calendar[i].medications[m].status;
        assert_eq!(day(0, 0), DayStatus::Full);
        assert_eq!(day(1, 0), DayStatus::NoDose);
        assert_eq!(day(4, 0), DayStatus::NoneTaken);
        assert_eq!(day(0, 1), DayStatus::NoneTaken);
        assert_eq!(report.medications[1].longest_missed_streak, 10);
        assert_eq!(report.medications[1].summary.taken_rate, Some(0.0));
    }

    #[test]
    fn a_dose_not_logged_is_missed_only_after_its_take_window() {
        // BID tacrolimus, take-window 6 h: the 08:00 dose is late (not missed) until 14:00.
        let count = |now: &str| {
            let report = adherence_report(
                &[bid("t")],
                Asia::Shanghai,
                d("2025-06-01"),
                d("2025-06-01"),
                &[],
                at(now),
            )
            .unwrap();
            (report.overall.scheduled, report.overall.missed)
        };
        assert_eq!(count("2025-06-01T13:59:00+08:00"), (0, 0));
        assert_eq!(
            count("2025-06-01T14:00:00+08:00"),
            (0, 0),
            "late up to and including s + take-window"
        );
        assert_eq!(count("2025-06-01T14:01:00+08:00"), (1, 1));
        // A logged dose counts as soon as its slot has passed.
        let logs = [taken(
            "t",
            "2025-06-01",
            "08:00",
            "2025-06-01T08:05:00+08:00",
        )];
        let report = adherence_report(
            &[bid("t")],
            Asia::Shanghai,
            d("2025-06-01"),
            d("2025-06-01"),
            &logs,
            at("2025-06-01T09:00:00+08:00"),
        )
        .unwrap();
        assert_eq!((report.overall.scheduled, report.overall.taken), (1, 1));
    }

    #[test]
    fn nothing_scheduled_yet_gives_no_rates() {
        let report = adherence_report(
            &[bid("t")],
            Asia::Shanghai,
            d("2025-06-01"),
            d("2025-06-02"),
            &[],
            at("2025-05-01T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(report.overall.scheduled, 0);
        assert_eq!(report.overall.taken_rate, None);
        assert!(report.calendar.is_empty());
    }

    #[test]
    fn the_later_log_of_a_slot_wins() {
        let logs = [
            skipped("t", "2025-06-01", "08:00"),
            taken("t", "2025-06-01", "08:00", "2025-06-01T08:00:00+08:00"),
        ];
        let report = adherence_report(
            &[bid("t")],
            Asia::Shanghai,
            d("2025-06-01"),
            d("2025-06-01"),
            &logs,
            at("2025-06-01T09:00:00+08:00"),
        )
        .unwrap();
        assert_eq!((report.overall.taken, report.overall.skipped), (1, 0));
    }
}

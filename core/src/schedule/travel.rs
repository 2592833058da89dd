//! Dosing times when the family travels to another time zone (clinical-rules §7, **policy**).

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{local_date, resolve_local};
use crate::error::{Error, Result};

/// What happens to dosing times when the patient's zone changes (clinical-rules §7, **policy**).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TravelPolicy {
    /// Keep the wall-clock times (08:00 stays 08:00 on the new local clock). The default.
    #[default]
    KeepWallClock,
    /// Keep the home zone's instants (08:00 at home becomes whatever the new clock shows then).
    KeepHomeInstants,
}

/// The zone in which the schedule's times are resolved while the patient is in `current`:
/// `current` when keeping the wall clock, `home` when keeping the home instants (which also keeps
/// following the home zone's DST).
pub fn reminder_zone(policy: TravelPolicy, home: Tz, current: Tz) -> Tz {
    match policy {
        TravelPolicy::KeepWallClock => current,
        TravelPolicy::KeepHomeInstants => home,
    }
}

/// A medication's times as read on the new zone's wall clock from `date` on, one per input time
/// and in the same order: unchanged when keeping the wall clock; when keeping the home instants,
/// the new zone's clock reading at each time's home instant on `date` (offsets of that date, so
/// a later DST change in either zone may move them by an hour; [`reminder_zone`] avoids that).
pub fn travel_times(
    times: &[NaiveTime],
    policy: TravelPolicy,
    old_tz: Tz,
    new_tz: Tz,
    date: NaiveDate,
) -> Vec<NaiveTime> {
    match policy {
        TravelPolicy::KeepWallClock => times.to_vec(),
        TravelPolicy::KeepHomeInstants => times
            .iter()
            .map(|&time| {
                let there = resolve_local(date, time, old_tz)
                    .with_timezone(&new_tz)
                    .time();
                there.with_second(0).unwrap_or(there)
            })
            .collect(),
    }
}

/// The limits of a stepwise shift plan (clinical-rules §7, **policy**): a zone change of more
/// than `threshold_minutes` gets a plan, and every interval between consecutive doses of a
/// 12-hourly drug stays within [`min_interval_minutes`, `max_interval_minutes`].
///
/// [`min_interval_minutes`]: ShiftRules::min_interval_minutes
/// [`max_interval_minutes`]: ShiftRules::max_interval_minutes
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftRules {
    /// A plan is made only when the offset changes by more than this (default 180: 3 h).
    pub threshold_minutes: u32,
    /// Shortest interval between doses (default 600: 10 h).
    pub min_interval_minutes: u32,
    /// Longest interval between doses (default 840: 14 h).
    pub max_interval_minutes: u32,
}

impl Default for ShiftRules {
    fn default() -> Self {
        ShiftRules {
            threshold_minutes: 180,
            min_interval_minutes: 600,
            max_interval_minutes: 840,
        }
    }
}

/// The role of a dose in a shift plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PlannedDoseKind {
    /// The last dose on the home schedule (the plan's starting point, already scheduled).
    LastHomeDose,
    /// A dose at a shifted time, between the two schedules.
    Shifted,
    /// The first dose on the new zone's wall-clock schedule; the regular schedule continues after it.
    FirstNewZoneDose,
}

/// One dose of a shift plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PlannedDose {
    /// When to give it.
    #[cfg_attr(feature = "uniffi", uniffi(name = "at_ms"))]
    pub instant_utc: DateTime<Utc>,
    /// The same instant on the home zone's clock.
    pub local_home: DateTime<FixedOffset>,
    /// The same instant on the new zone's clock.
    pub local_new: DateTime<FixedOffset>,
    /// Its role in the plan.
    pub kind: PlannedDoseKind,
}

/// How many days of new-zone slots to try as the plan's landing dose; with the default rules
/// any landing at least 30 h after the last home dose is reachable, so 7 days is ample.
const LANDING_SEARCH_DAYS: i64 = 7;

/// A stepwise plan that moves a 12-hourly drug (two daily `times`) from the home zone's wall
/// clock to the new zone's (clinical-rules §7, travel **policy**, default [`TravelPolicy::KeepWallClock`]):
/// every interval between consecutive doses stays within the rules' interval
/// (default 10–14 h), ending on one of the `times` in the new zone.
///
/// Doses on dates before `change_date` follow the home zone; the plan starts with the last of
/// them ([`PlannedDoseKind::LastHomeDose`]) and ends with the earliest new-zone slot that can be
/// reached in steps within the interval ([`PlannedDoseKind::FirstNewZoneDose`]); the steps
/// between are equal to the minute and as close to 12 h as the limits allow.
///
/// Returns an empty plan when the offset changes by no more than the threshold (default 3 h):
/// the family simply switches to the new wall clock. Refuses (naming `times` or `rules`) a
/// medication without exactly two distinct times whose intervals lie within the limits, or rules
/// with a zero or inverted interval.
pub fn shift_plan(
    old_tz: Tz,
    new_tz: Tz,
    times: &[NaiveTime],
    change_date: NaiveDate,
    rules: &ShiftRules,
) -> Result<Vec<PlannedDose>> {
    let (min, max) = (
        i64::from(rules.min_interval_minutes),
        i64::from(rules.max_interval_minutes),
    );
    if min == 0 || max <= min {
        return Err(Error::invalid(
            "rules",
            "the interval limits must be positive with the longest above the shortest",
        ));
    }
    let (first, second) = match times {
        [a, b] if a != b => ((*a).min(*b), (*a).max(*b)),
        _ => {
            return Err(Error::invalid(
                "times",
                "a shift plan needs exactly two different daily times",
            ))
        }
    };
    let apart = (second - first).num_minutes();
    if !(min..=max).contains(&apart) || !(min..=max).contains(&(24 * 60 - apart)) {
        return Err(Error::invalid(
            "times",
            "the two daily times must be a 12-hourly pair within the interval limits",
        ));
    }
    let home_date = change_date
        .pred_opt()
        .ok_or_else(|| Error::invalid("change_date", "must be a later date"))?;
    let last_home = [first, second]
        .into_iter()
        .map(|time| resolve_local(home_date, time, old_tz).with_timezone(&Utc))
        .max()
        .ok_or_else(|| Error::invalid("times", "is empty"))?;

    let offset_at = |tz: Tz| {
        i64::from(
            tz.offset_from_utc_datetime(&last_home.naive_utc())
                .fix()
                .local_minus_utc(),
        )
    };
    let change_minutes = (offset_at(new_tz) - offset_at(old_tz)).abs() / 60;
    if change_minutes <= i64::from(rules.threshold_minutes) {
        return Ok(Vec::new());
    }

    let start_date = local_date(last_home, new_tz);
    let mut landings: Vec<DateTime<Utc>> = (0..=LANDING_SEARCH_DAYS)
        .filter_map(|days| start_date.checked_add_signed(TimeDelta::days(days)))
        .flat_map(|date| {
            [first, second].map(|time| resolve_local(date, time, new_tz).with_timezone(&Utc))
        })
        .filter(|&instant| instant > last_home)
        .collect();
    landings.sort_unstable();
    let nominal = (min + max) as f64 / 2.0;
    let (landing, steps) = landings
        .into_iter()
        .find_map(|landing| {
            let gap = (landing - last_home).num_minutes();
            let fewest = (gap + max - 1) / max;
            let most = gap / min;
            // `clamp` needs fewest ≤ most, which is exactly reachability.
            (fewest >= 1 && fewest <= most).then(|| {
                (
                    landing,
                    ((gap as f64 / nominal).round() as i64).clamp(fewest, most),
                )
            })
        })
        .ok_or_else(|| {
            Error::invalid(
                "rules",
                "no dose in the next week can be reached within the interval limits",
            )
        })?;

    let gap = (landing - last_home).num_minutes();
    let dose = |instant: DateTime<Utc>, kind| PlannedDose {
        instant_utc: instant,
        local_home: instant.with_timezone(&old_tz).fixed_offset(),
        local_new: instant.with_timezone(&new_tz).fixed_offset(),
        kind,
    };
    let mut plan = vec![dose(last_home, PlannedDoseKind::LastHomeDose)];
    for step in 1..steps {
        // Floors of equal fractions: consecutive steps differ by ⌊gap/steps⌋ or ⌈gap/steps⌉,
        // both within the limits because gap/steps is. The sum lies between two valid instants.
        plan.push(dose(
            last_home + TimeDelta::minutes(gap * step / steps),
            PlannedDoseKind::Shifted,
        ));
    }
    plan.push(dose(landing, PlannedDoseKind::FirstNewZoneDose));
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::format_local;
    use crate::schedule::tests::{d, t};
    use chrono_tz::Tz;

    const ZONES: [&str; 18] = [
        "Asia/Shanghai",
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "Pacific/Auckland",
        "Pacific/Chatham",
        "Asia/Tokyo",
        "Europe/Paris",
        "America/Sao_Paulo",
        "Pacific/Honolulu",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "Australia/Lord_Howe",
        "Africa/Nairobi",
        "America/St_Johns",
    ];

    fn zone(name: &str) -> Tz {
        name.parse().unwrap()
    }

    #[test]
    fn keep_wall_clock_is_the_default_and_keeps_times() {
        assert_eq!(TravelPolicy::default(), TravelPolicy::KeepWallClock);
        let times = [t("08:00"), t("20:00")];
        let shanghai = zone("Asia/Shanghai");
        let new_york = zone("America/New_York");
        assert_eq!(
            travel_times(
                &times,
                TravelPolicy::KeepWallClock,
                shanghai,
                new_york,
                d("2025-06-01")
            ),
            times
        );
        assert_eq!(
            reminder_zone(TravelPolicy::KeepWallClock, shanghai, new_york),
            new_york
        );
        assert_eq!(
            reminder_zone(TravelPolicy::KeepHomeInstants, shanghai, new_york),
            shanghai
        );
    }

    #[test]
    fn keep_home_instants_reads_the_new_clock() {
        let times = [t("08:00"), t("20:00")];
        // 08:00 CST = 00:00Z = 20:00 EDT (previous evening); 20:00 CST = 12:00Z = 08:00 EDT.
        let mapped = travel_times(
            &times,
            TravelPolicy::KeepHomeInstants,
            zone("Asia/Shanghai"),
            zone("America/New_York"),
            d("2025-06-01"),
        );
        assert_eq!(mapped, [t("20:00"), t("08:00")]);
        // Kathmandu is +05:45: 08:00 London BST (07:00Z) is 12:45 there.
        let mapped = travel_times(
            &[t("08:00")],
            TravelPolicy::KeepHomeInstants,
            zone("Europe/London"),
            zone("Asia/Kathmandu"),
            d("2025-06-01"),
        );
        assert_eq!(mapped, [t("12:45")]);
    }

    #[test]
    fn london_to_sydney_plan() {
        let plan = shift_plan(
            zone("Europe/London"),
            zone("Australia/Sydney"),
            &[t("08:00"), t("20:00")],
            d("2025-06-10"),
            &ShiftRules::default(),
        )
        .unwrap();
        let shown: Vec<_> = plan
            .iter()
            .map(|p| (format_local(&p.local_new), p.kind))
            .collect();
        // Last London dose 2025-06-09 20:00 BST = 19:00Z; Sydney's 08:00 AEST slots fall at
        // 22:00Z, 3 h later (too short) or 27 h later (two steps of 13.5 h); 20:00 AEST at 10:00Z is
        // 15 h later (one step too long, two too short).
        assert_eq!(
            shown,
            [
                (
                    "2025-06-10T05:00:00+10:00".to_string(),
                    PlannedDoseKind::LastHomeDose
                ),
                (
                    "2025-06-10T18:30:00+10:00".to_string(),
                    PlannedDoseKind::Shifted
                ),
                (
                    "2025-06-11T08:00:00+10:00".to_string(),
                    PlannedDoseKind::FirstNewZoneDose
                ),
            ]
        );
    }

    #[test]
    fn small_changes_need_no_plan() {
        let times = [t("08:00"), t("20:00")];
        let plan = shift_plan(
            zone("Europe/London"),
            zone("Europe/Paris"),
            &times,
            d("2025-06-10"),
            &ShiftRules::default(),
        )
        .unwrap();
        assert!(plan.is_empty());
        let plan = shift_plan(
            zone("Asia/Kolkata"),
            zone("Asia/Shanghai"),
            &times,
            d("2025-06-10"),
            &ShiftRules::default(),
        )
        .unwrap();
        assert!(plan.is_empty(), "2.5 h");
        // Exactly 3 h (London +00:00 → Nairobi +03:00 in January) is not "more than 3 hours".
        let plan = shift_plan(
            zone("Europe/London"),
            zone("Africa/Nairobi"),
            &times,
            d("2025-01-15"),
            &ShiftRules::default(),
        )
        .unwrap();
        assert!(plan.is_empty());
        let plan = shift_plan(
            zone("Europe/London"),
            zone("Asia/Dubai"),
            &times,
            d("2025-01-15"),
            &ShiftRules::default(),
        )
        .unwrap();
        assert!(!plan.is_empty(), "4 h");
    }

    #[test]
    fn refusals_name_the_field() {
        let rules = ShiftRules::default();
        let (a, b) = (zone("Asia/Shanghai"), zone("America/New_York"));
        let err = shift_plan(a, b, &[t("08:00")], d("2025-06-10"), &rules).unwrap_err();
        assert!(err.to_string().contains("times"));
        let err = shift_plan(a, b, &[t("08:00"), t("08:00")], d("2025-06-10"), &rules).unwrap_err();
        assert!(err.to_string().contains("times"));
        let err = shift_plan(a, b, &[t("08:00"), t("16:00")], d("2025-06-10"), &rules).unwrap_err();
        assert!(err.to_string().contains("times"));
        let bad = ShiftRules {
            min_interval_minutes: 720,
            max_interval_minutes: 720,
            ..rules
        };
        assert!(
            shift_plan(a, b, &[t("08:00"), t("20:00")], d("2025-06-10"), &bad)
                .unwrap_err()
                .to_string()
                .contains("rules")
        );
    }

    /// Every plan between many zone pairs, both directions, in both hemispheres' summers and
    /// winters and across DST-change weekends, keeps every interval within 10–14 h, starts on the
    /// last home dose and lands on a new-zone slot.
    #[test]
    fn every_interval_stays_within_limits_for_many_zone_pairs() {
        let rules = ShiftRules::default();
        let mut plans = 0;
        for times in [
            [t("08:00"), t("20:00")],
            [t("07:30"), t("19:30")],
            [t("09:00"), t("21:00")],
            [t("06:00"), t("19:00")],
        ] {
            for date in [
                "2025-01-15",
                "2025-03-09",
                "2025-04-06",
                "2025-07-15",
                "2025-10-05",
                "2025-10-26",
                "2025-11-02",
            ] {
                for old in ZONES {
                    for new in ZONES {
                        let (old_tz, new_tz) = (zone(old), zone(new));
                        let plan = shift_plan(old_tz, new_tz, &times, d(date), &rules).unwrap();
                        let home_date = d(date).pred_opt().unwrap();
                        let last_home = times
                            .iter()
                            .map(|&tm| resolve_local(home_date, tm, old_tz).with_timezone(&Utc))
                            .max()
                            .unwrap();
                        let offset = |tz: Tz| {
                            tz.offset_from_utc_datetime(&last_home.naive_utc())
                                .fix()
                                .local_minus_utc()
                        };
                        let change = (offset(new_tz) - offset(old_tz)).abs();
                        if change <= 3 * 3600 {
                            assert!(
                                plan.is_empty(),
                                "{old}→{new} {date}: {change} s needs no plan"
                            );
                            continue;
                        }
                        plans += 1;
                        let context = format!("{old}→{new} {date} {times:?}");
                        assert!(plan.len() >= 2, "{context}");
                        assert_eq!(plan[0].instant_utc, last_home, "{context}");
                        assert_eq!(plan[0].kind, PlannedDoseKind::LastHomeDose);
                        let landing = plan.last().unwrap();
                        assert_eq!(landing.kind, PlannedDoseKind::FirstNewZoneDose);
                        let landing_time = landing.local_new.time();
                        assert!(
                            times.contains(&landing_time),
                            "{context}: lands at {landing_time}"
                        );
                        assert_eq!(
                            resolve_local(landing.local_new.date_naive(), landing_time, new_tz)
                                .with_timezone(&Utc),
                            landing.instant_utc,
                            "{context}"
                        );
                        for pair in plan.windows(2) {
                            let minutes = (pair[1].instant_utc - pair[0].instant_utc).num_minutes();
                            assert!(
                                (600..=840).contains(&minutes),
                                "{context}: interval {minutes} min"
                            );
                        }
                    }
                }
            }
        }
        assert!(plans > 1000, "only {plans} plans were exercised");
    }
}

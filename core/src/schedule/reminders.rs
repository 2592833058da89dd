//! The next reminders to schedule as local notifications, snoozing, and notification texts
//! (clinical-rules §7).

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    earliest_possible_instant, local_date, prepare, slot_instant, sort_and_collapse,
    write_reminder_id, Candidate, MedicationSchedule, REMINDER_HORIZON_DAYS,
};
use crate::locale::Locale;

/// iOS keeps at most 64 pending local notifications per app, so the app asks for this many
/// reminders across all medications (clinical-rules §7: N defaults to 64).
pub const IOS_PENDING_NOTIFICATION_LIMIT: usize = 64;

/// One reminder: a dose slot and the instant its notification fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// Stable id `"{medication_id}@{YYYY-MM-DD}T{HH:MM}"` (see [`super::reminder_id`]); the same
    /// slot always gets the same id, so the app can replace or cancel its notification.
    pub id: String,
    /// The medication.
    pub medication_id: String,
    /// Local date of the slot.
    pub slot_date: NaiveDate,
    /// Local wall-clock time of the slot as scheduled (before any DST move).
    pub slot_time: NaiveTime,
    /// When the notification fires.
    pub instant_utc: DateTime<Utc>,
    /// The same instant on the patient's local clock (with the offset in force then).
    pub local: DateTime<FixedOffset>,
}

/// The first `count` reminders at or after `from` (fewer if fewer exist within
/// [`REMINDER_HORIZON_DAYS`]), ordered by instant, then medication id in code-point order
/// (clinical-rules §7; conformance.md suite `schedule`).
///
/// - Times resolve in `tz` by [`super::resolve_local`] (gap: forward by the gap; overlap: first
///   occurrence). One medication gets one reminder per instant; of two slots a gap maps onto one
///   instant, the later slot is kept.
/// - `handled` holds the reminder ids of doses already taken or skipped: a taken or skipped dose
///   cancels its reminder, and the next one takes its place in the count.
/// - Use [`IOS_PENDING_NOTIFICATION_LIMIT`] as `count` for the phone's notification queue.
///
/// Walks local days from the day before `from`'s local date and stops as soon as `count`
/// reminders are known and no later day can produce an earlier one.
pub fn next_reminders(
    meds: &[MedicationSchedule],
    tz: Tz,
    from: DateTime<Utc>,
    count: usize,
    handled: &HashSet<String>,
) -> Vec<Reminder> {
    if count == 0 {
        return Vec::new();
    }
    let prepared = prepare(meds);
    let active = prepared.iter().filter_map(|p| p.range);
    let (Some(first), Some(last)) = (active.clone().map(|r| r.0).min(), active.map(|r| r.1).max())
    else {
        return Vec::new();
    };
    // A slot of the previous local day can still be at or after `from` (a gap pushing it past midnight).
    let from_date = local_date(from, tz);
    let walk_from = from_date.pred_opt().unwrap_or(from_date);
    let horizon = walk_from
        .checked_add_signed(TimeDelta::days(REMINDER_HORIZON_DAYS))
        .unwrap_or(NaiveDate::MAX)
        .min(last);

    let mut found: Vec<Candidate> = Vec::with_capacity(count.min(512) + 16);
    let mut id = String::new();
    let keep = |c: &Candidate, id: &mut String| {
        if c.instant < from {
            return false;
        }
        if handled.is_empty() {
            return true;
        }
        id.clear();
        write_reminder_id(id, &meds[c.medication].id, c.date, c.time);
        !handled.contains(id.as_str())
    };
    let mut date = walk_from.max(first);
    while date <= horizon {
        if found.len() >= count {
            sort_and_collapse(&mut found);
            found.retain(|c| keep(c, &mut id));
            if found
                .get(count - 1)
                .is_some_and(|c| c.instant < earliest_possible_instant(date))
            {
                break;
            }
        }
        for (index, medication) in prepared.iter().enumerate() {
            medication.push_slots(index, date, tz, &mut found);
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    sort_and_collapse(&mut found);
    found.retain(|c| keep(c, &mut id));
    found.truncate(count);
    found
        .into_iter()
        .map(|c| {
            let medication_id = &meds[c.medication].id;
            let mut id = String::with_capacity(medication_id.len() + 17);
            write_reminder_id(&mut id, medication_id, c.date, c.time);
            Reminder {
                id,
                medication_id: medication_id.clone(),
                slot_date: c.date,
                slot_time: c.time,
                instant_utc: c.instant,
                local: c.local,
            }
        })
        .collect()
}

/// Snoozes a reminder by `minutes` from `now`: the same reminder (same id and slot) firing
/// later, but never past the end of the slot's take-window (clinical-rules §7: a dose may be
/// taken late up to s + take-window, where s is the slot's scheduled instant, not an earlier
/// snooze). `None` when there is nothing left to snooze into: `minutes` is 0 or the take-window
/// has already ended at `now`.
pub fn snooze(
    reminder: &Reminder,
    schedule: &MedicationSchedule,
    tz: Tz,
    now: DateTime<Utc>,
    minutes: u32,
) -> Option<Reminder> {
    let scheduled = slot_instant(reminder.slot_date, reminder.slot_time, tz);
    let window_end = scheduled.checked_add_signed(schedule.take_window())?;
    let wanted = now.checked_add_signed(TimeDelta::minutes(i64::from(minutes)))?;
    let instant = wanted.min(window_end);
    if instant <= now {
        return None;
    }
    Some(Reminder {
        instant_utc: instant,
        local: instant.with_timezone(&tz).fixed_offset(),
        ..reminder.clone()
    })
}

/// The title and body of a dose notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationText {
    /// Title, e.g. "Tacrolimus 1 mg — 8:00 pm dose".
    pub title: String,
    /// Body, e.g. "Time for the 8:00 pm dose of Tacrolimus 1 mg.".
    pub body: String,
}

/// The notification text for a slot. `medication_label` is what the family knows the dose by,
/// already in the family's language (e.g. "Tacrolimus 1 mg" or "他克莫司 1 mg"); the slot time is
/// written the local way (8:00 pm in English, 20:00 in Chinese).
pub fn reminder_text(
    medication_label: &str,
    slot_time: NaiveTime,
    locale: Locale,
) -> NotificationText {
    let time = locale.clock_time(slot_time);
    NotificationText {
        title: message!(
            locale,
            "reminder-title",
            medication = medication_label,
            time = &time
        ),
        body: message!(
            locale,
            "reminder-body",
            medication = medication_label,
            time = &time
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::{format_local, format_utc};
    use crate::schedule::tests::{d, t};
    use crate::schedule::DayPattern;
    use chrono_tz::{America, Asia, Australia, Europe};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn bid(id: &str) -> MedicationSchedule {
        MedicationSchedule::new(id, vec![t("08:00"), t("20:00")], DayPattern::Daily)
    }
    fn locals(rs: &[Reminder]) -> Vec<String> {
        rs.iter()
            .map(|r| format!("{} {}", r.medication_id, format_local(&r.local)))
            .collect()
    }

    #[test]
    fn bid_reminders_in_order_with_stable_ids() {
        let rs = next_reminders(
            &[bid("tacrolimus")],
            Asia::Shanghai,
            at("2025-06-01T00:00:00+08:00"),
            3,
            &HashSet::new(),
        );
        assert_eq!(rs.len(), 3);
        assert_eq!(rs[0].id, "tacrolimus@2025-06-01T08:00");
        assert_eq!(format_utc(&rs[0].instant_utc), "2025-06-01T00:00:00Z");
        assert_eq!(rs[2].id, "tacrolimus@2025-06-02T08:00");
    }

    #[test]
    fn from_is_inclusive() {
        let rs = next_reminders(
            &[bid("t")],
            Asia::Shanghai,
            at("2025-06-01T08:00:00+08:00"),
            1,
            &HashSet::new(),
        );
        assert_eq!(rs[0].id, "t@2025-06-01T08:00");
        let rs = next_reminders(
            &[bid("t")],
            Asia::Shanghai,
            at("2025-06-01T08:00:01+08:00"),
            1,
            &HashSet::new(),
        );
        assert_eq!(rs[0].id, "t@2025-06-01T20:00");
    }

    #[test]
    fn handled_slots_are_removed_and_replaced() {
        let handled: HashSet<String> = [
            "t@2025-06-01T08:00".to_string(),
            "t@2025-06-02T08:00".to_string(),
        ]
        .into();
        let rs = next_reminders(
            &[bid("t")],
            Asia::Shanghai,
            at("2025-06-01T00:00:00+08:00"),
            3,
            &handled,
        );
        let ids: Vec<_> = rs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "t@2025-06-01T20:00",
                "t@2025-06-02T20:00",
                "t@2025-06-03T08:00"
            ]
        );
    }

    #[test]
    fn ties_order_by_code_point_not_input_order() {
        // "Z" (0x5A) sorts before "a" (0x61) in code-point order.
        let meds = [bid("a"), bid("Z"), bid("a")];
        let rs = next_reminders(
            &meds,
            Asia::Shanghai,
            at("2025-06-01T00:00:00+08:00"),
            3,
            &HashSet::new(),
        );
        assert_eq!(
            locals(&rs),
            [
                "Z 2025-06-01T08:00:00+08:00",
                "a 2025-06-01T08:00:00+08:00",
                "Z 2025-06-01T20:00:00+08:00"
            ]
        );
    }

    #[test]
    fn two_times_mapped_onto_one_instant_give_one_reminder() {
        let med = MedicationSchedule::new("p", vec![t("02:00"), t("03:00")], DayPattern::Daily);
        let from = at("2025-03-09T00:00:00-05:00");
        let rs = next_reminders(
            std::slice::from_ref(&med),
            America::New_York,
            from,
            3,
            &HashSet::new(),
        );
        assert_eq!(
            rs[0].id, "p@2025-03-09T03:00",
            "the later (unmoved) slot is kept"
        );
        assert_eq!(format_local(&rs[0].local), "2025-03-09T03:00:00-04:00");
        assert_eq!(rs[1].id, "p@2025-03-10T02:00");
        // Handling the kept slot cancels the instant; the moved slot does not reappear.
        let handled: HashSet<String> = ["p@2025-03-09T03:00".to_string()].into();
        let rs = next_reminders(&[med], America::New_York, from, 1, &handled);
        assert_eq!(rs[0].id, "p@2025-03-10T02:00");
    }

    #[test]
    fn two_medications_at_one_instant_both_remind() {
        let a = MedicationSchedule::new("a", vec![t("02:00")], DayPattern::Daily);
        let b = MedicationSchedule::new("b", vec![t("03:00")], DayPattern::Daily);
        let rs = next_reminders(
            &[b, a],
            America::New_York,
            at("2025-03-09T00:00:00-05:00"),
            2,
            &HashSet::new(),
        );
        assert_eq!(
            locals(&rs),
            ["a 2025-03-09T03:00:00-04:00", "b 2025-03-09T03:00:00-04:00"]
        );
    }

    #[test]
    fn finite_patterns_end_and_empty_sets_terminate() {
        let dates = MedicationSchedule::new(
            "p",
            vec![t("07:30")],
            DayPattern::Dates(vec![d("2025-07-03"), d("2025-07-01")]),
        );
        let rs = next_reminders(
            &[dates],
            Asia::Shanghai,
            at("2025-06-01T00:00:00Z"),
            64,
            &HashSet::new(),
        );
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].slot_date, d("2025-07-01"));
        let mut ended = bid("t");
        ended.end = Some(d("2020-01-01"));
        assert!(next_reminders(
            &[ended],
            Asia::Shanghai,
            at("2025-06-01T00:00:00Z"),
            64,
            &HashSet::new()
        )
        .is_empty());
        let none = MedicationSchedule::new("p", vec![], DayPattern::Daily);
        assert!(next_reminders(
            &[none],
            Asia::Shanghai,
            at("2025-06-01T00:00:00Z"),
            64,
            &HashSet::new()
        )
        .is_empty());
        assert!(next_reminders(
            &[],
            Asia::Shanghai,
            at("2025-06-01T00:00:00Z"),
            64,
            &HashSet::new()
        )
        .is_empty());
        assert!(next_reminders(
            &[bid("t")],
            Asia::Shanghai,
            at("2025-06-01T00:00:00Z"),
            0,
            &HashSet::new()
        )
        .is_empty());
        // Everything handled: the walk stops at the horizon instead of running forever.
        let mut short = bid("t");
        short.end = Some(d("2025-06-02"));
        let all: HashSet<String> = next_reminders(
            &[short.clone()],
            Asia::Shanghai,
            at("2025-06-01T00:00:00Z"),
            64,
            &HashSet::new(),
        )
        .into_iter()
        .map(|r| r.id)
        .collect();
        assert!(next_reminders(
            &[short],
            Asia::Shanghai,
            at("2025-06-01T00:00:00Z"),
            64,
            &all
        )
        .is_empty());
    }

    #[test]
    fn starts_far_in_the_future_are_found_within_the_horizon() {
        let mut later = bid("t");
        later.start = Some(d("2030-01-01"));
        let rs = next_reminders(
            &[later],
            Europe::Paris,
            at("2025-06-01T00:00:00Z"),
            1,
            &HashSet::new(),
        );
        assert_eq!(rs[0].id, "t@2030-01-01T08:00");
    }

    #[test]
    fn sixty_four_reminders_for_three_medications_are_ordered_and_unique() {
        let pred = MedicationSchedule::new(
            "prednisolone",
            vec![t("08:00")],
            DayPattern::AlternateFrom(d("2025-03-01")),
        );
        let meds = [bid("tacrolimus"), bid("mycophenolate"), pred];
        let rs = next_reminders(
            &meds,
            Australia::Sydney,
            at("2025-03-30T12:00:00Z"),
            IOS_PENDING_NOTIFICATION_LIMIT,
            &HashSet::new(),
        );
        assert_eq!(rs.len(), 64);
        assert!(rs
            .windows(2)
            .all(|w| (w[0].instant_utc, &w[0].medication_id)
                < (w[1].instant_utc, &w[1].medication_id)));
        let ids: HashSet<_> = rs.iter().map(|r| &r.id).collect();
        assert_eq!(ids.len(), 64);
        // Crosses Sydney's fall-back on 2025-04-06: 08:00 is +11:00 before, +10:00 after.
        assert!(rs
            .iter()
            .any(|r| format_local(&r.local) == "2025-04-05T08:00:00+11:00"));
        assert!(rs
            .iter()
            .any(|r| format_local(&r.local) == "2025-04-06T08:00:00+10:00"));
    }

    #[test]
    fn snooze_keeps_the_id_and_stops_at_the_take_window() {
        let med = bid("t");
        let r = next_reminders(
            std::slice::from_ref(&med),
            Asia::Shanghai,
            at("2025-06-01T00:00:00+08:00"),
            1,
            &HashSet::new(),
        )
        .remove(0);
        let s = snooze(
            &r,
            &med,
            Asia::Shanghai,
            at("2025-06-01T08:05:00+08:00"),
            15,
        )
        .unwrap();
        assert_eq!(s.id, r.id);
        assert_eq!(format_local(&s.local), "2025-06-01T08:20:00+08:00");
        // Snoozing a snoozed reminder still measures the window from the slot (08:00 + 6 h).
        let s2 = snooze(
            &s,
            &med,
            Asia::Shanghai,
            at("2025-06-01T13:50:00+08:00"),
            30,
        )
        .unwrap();
        assert_eq!(format_local(&s2.local), "2025-06-01T14:00:00+08:00");
        assert!(snooze(
            &s2,
            &med,
            Asia::Shanghai,
            at("2025-06-01T14:00:00+08:00"),
            30
        )
        .is_none());
        assert!(snooze(&r, &med, Asia::Shanghai, at("2025-06-01T08:05:00+08:00"), 0).is_none());
    }

    #[test]
    fn notification_texts() {
        let en = reminder_text("Tacrolimus 1 mg", t("20:00"), Locale::En);
        assert_eq!(en.title, "Tacrolimus 1 mg — 8:00 pm dose");
        assert_eq!(en.body, "Time for the 8:00 pm dose of Tacrolimus 1 mg.");
        assert_eq!(
            reminder_text("X", t("00:05"), Locale::En).title,
            "X — 12:05 am dose"
        );
        assert_eq!(
            reminder_text("X", t("12:00"), Locale::En).title,
            "X — 12:00 pm dose"
        );
        let zh = reminder_text("他克莫司 1 mg", t("08:00"), Locale::ZhHans);
        assert_eq!(zh.title, "他克莫司 1 mg — 08:00 服药");
        assert_eq!(zh.body, "该服用08:00的他克莫司 1 mg了。");
    }
}

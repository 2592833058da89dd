//! De-identification for sharing an export beyond the care team.
//!
//! Applied to the [`DiarySnapshot`] before any renderer runs, so every format is de-identified
//! the same way:
//! - the name is removed, and so are the names of the people who logged doses or readings and
//!   of the prescriber (free text that may name someone);
//! - the birth date is reduced to the age in whole years at the end of the period;
//! - every date and instant is shifted by one consistent number of days (intervals, weekday
//!   spacing within the record, times of day and UTC offsets are kept, so troughs stay
//!   interpretable against dose times); the shift is not written anywhere in the export;
//! - free-text notes are dropped and record keys (client ids, which may embed dates) are
//!   replaced by ordinals;
//! - the time-zone name is removed (a calendar file then uses floating local times).
//!
//! The same shift gives the same output: exports made with one [`Deidentify`] line up.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::snapshot::*;
use crate::error::{Error, Result};

/// The largest shift accepted, in days (about 10 years).
pub const MAX_SHIFT_DAYS: i32 = 3650;

/// The smallest magnitude [`Deidentify::from_seed`] chooses, in days: a shift of a few days
/// would barely hide a date.
pub const MIN_SEEDED_SHIFT_DAYS: i32 = 30;

/// How to de-identify: the number of days every date moves (negative: into the past).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deidentify {
    /// Days added to every date and instant; not 0, at most [`MAX_SHIFT_DAYS`] either way.
    pub shift_days: i32,
}

impl Deidentify {
    /// A de-identification with an explicit shift; refuses 0 (it would hide nothing) and shifts
    /// beyond [`MAX_SHIFT_DAYS`].
    pub fn with_shift(shift_days: i32) -> Result<Deidentify> {
        if shift_days == 0 || shift_days.unsigned_abs() > MAX_SHIFT_DAYS.unsigned_abs() {
            return Err(Error::invalid(
                "shift_days",
                "must be between 1 and 3650 days, forward or back",
            ));
        }
        Ok(Deidentify { shift_days })
    }

    /// A shift chosen from a seed (the sharer keeps the seed to make matching exports later):
    /// [`MIN_SEEDED_SHIFT_DAYS`] to 395 days, forward or back.
    pub fn from_seed(seed: u64) -> Deidentify {
        // SplitMix64 finaliser: neighbouring seeds give unrelated shifts.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let magnitude = MIN_SEEDED_SHIFT_DAYS + (z % 366) as i32;
        let shift_days = if z & (1 << 63) == 0 {
            -magnitude
        } else {
            magnitude
        };
        Deidentify { shift_days }
    }

    fn delta(self) -> TimeDelta {
        TimeDelta::days(i64::from(self.shift_days))
    }
}

/// Shifts dates and instants, refusing a shift that leaves the calendar's range.
struct Shifter(Deidentify);

impl Shifter {
    fn date(&self, date: &mut NaiveDate) -> Result<()> {
        *date = date
            .checked_add_signed(self.0.delta())
            .ok_or_else(out_of_range)?;
        Ok(())
    }

    fn instant(&self, at: &mut DateTime<FixedOffset>) -> Result<()> {
        *at = at
            .checked_add_signed(self.0.delta())
            .ok_or_else(out_of_range)?;
        Ok(())
    }

    fn utc(&self, at: &mut DateTime<Utc>) -> Result<()> {
        *at = at
            .checked_add_signed(self.0.delta())
            .ok_or_else(out_of_range)?;
        Ok(())
    }
}

fn out_of_range() -> Error {
    Error::invalid(
        "shift_days",
        "moves a date of the diary out of the calendar's range",
    )
}

/// De-identifies a snapshot in place (see the module doc). Every field is listed, so a field
/// added to the snapshot later fails to compile here until it is handled.
pub fn apply(snapshot: &mut DiarySnapshot, deidentify: Deidentify) -> Result<()> {
    let shift = Shifter(deidentify);
    let DiarySnapshot {
        generated_at,
        locale: _,
        today,
        from,
        to,
        schedule_from,
        schedule_to,
        deidentified,
        time_zone: _,
        patient,
        medications,
        doses,
        urine,
        day_levels,
        relapse,
        labs,
        targets: _,
        growth,
        blood_pressures,
        steroid_days,
        steroid_slots,
        adherence,
        cumulative_steroid: _,
        alerts,
        limits,
        // Table names, row ids and reasons: nothing that identifies the child.
        unreadable: _,
    } = snapshot;
    shift.utc(generated_at)?;
    for date in [&mut *today, &mut *from, &mut *to, &mut *schedule_from] {
        shift.date(date)?;
    }
    if let Some(date) = schedule_to {
        shift.date(date)?;
    }
    *deidentified = Some(deidentify);

    let PatientView {
        id: _,
        name,
        birth_date,
        age_years: _,
        sex: _,
        time_zone_name,
        definitions: _,
    } = patient;
    *name = None;
    *birth_date = None;
    *time_zone_name = None;

    for m in medications.iter_mut() {
        m.prescribed_by = None;
        shift.date(&mut m.start)?;
        shift.date(&mut m.prescribed_on)?;
        if let Some(end) = &mut m.end {
            shift.date(end)?;
        }
    }
    for (i, d) in doses.iter_mut().enumerate() {
        d.key = format!("dose-{}", i + 1);
        d.logged_by = None;
        shift.date(&mut d.slot_date)?;
        shift.instant(&mut d.actual_at)?;
    }
    for (i, u) in urine.iter_mut().enumerate() {
        u.key = format!("urine-{}", i + 1);
        u.note = None;
        u.logged_by = None;
        shift.date(&mut u.taken_on)?;
        shift.instant(&mut u.taken_at)?;
    }
    for level in day_levels.iter_mut() {
        shift.date(&mut level.date)?;
    }
    for episode in relapse.episodes.iter_mut() {
        shift.date(&mut episode.onset)?;
        shift.date(&mut episode.confirmed)?;
        if let Some(date) = &mut episode.remission_onset {
            shift.date(date)?;
        }
    }
    for (i, lab) in labs.iter_mut().enumerate() {
        lab.key = format!("lab-{}", i + 1);
        shift.instant(&mut lab.drawn_at)?;
    }
    for point in growth.iter_mut() {
        shift.date(&mut point.date)?;
    }
    for bp in blood_pressures.iter_mut() {
        shift.instant(&mut bp.measured_at)?;
    }
    for day in steroid_days.iter_mut() {
        shift.date(&mut day.date)?;
    }
    for slot in steroid_slots.iter_mut() {
        shift.date(&mut slot.date)?;
    }
    shift.date(&mut adherence.from)?;
    shift.date(&mut adherence.to)?;
    for day in adherence.calendar.iter_mut() {
        shift.date(&mut day.date)?;
    }
    for alert in alerts.iter_mut() {
        match alert {
            AlertView::Lab { drawn_on, .. } | AlertView::Level { drawn_on, .. } => {
                shift.date(drawn_on)?
            }
            AlertView::RecalculateDose { weighed_on, .. } => shift.date(weighed_on)?,
        }
    }
    for limit in limits.iter_mut() {
        match limit {
            Limit::AdherenceFrom(date) => shift.date(date)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_shifts_are_stable_large_enough_and_both_ways() {
        assert_eq!(Deidentify::from_seed(7), Deidentify::from_seed(7));
        let shifts: Vec<i32> = (0..200)
            .map(|s| Deidentify::from_seed(s).shift_days)
            .collect();
        assert!(shifts
            .iter()
            .all(|s| (MIN_SEEDED_SHIFT_DAYS..=395).contains(&s.abs())));
        assert!(shifts.iter().any(|s| *s < 0) && shifts.iter().any(|s| *s > 0));
    }

    #[test]
    fn a_zero_or_huge_shift_is_refused() {
        assert!(Deidentify::with_shift(0).is_err());
        assert!(Deidentify::with_shift(3651).is_err());
        assert!(Deidentify::with_shift(-3651).is_err());
        assert_eq!(Deidentify::with_shift(-400).unwrap().shift_days, -400);
    }
}

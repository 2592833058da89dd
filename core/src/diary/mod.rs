//! Application services: what a screen or an export needs, computed from the store by the pure engines.

pub mod courses;
pub mod doses;
pub mod family;
pub mod home;
pub mod labs;
pub mod measurements;
pub mod medicines;
pub mod records;
pub mod regimens;
pub mod relapse;
pub mod reminders;
pub mod sharing;
pub mod taper;

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::dates::parse_date;
use crate::error::Result;
use crate::ids::PatientId;
use crate::model::DoseLogEntry;
use crate::store::{Store, UnreadableRow};

/// Reads a period's first and last local dates (`YYYY-MM-DD`, inclusive), naming `from` or `to`
/// when one is not a date.
pub fn parse_period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate)> {
    Ok((parse_date("from", from)?, parse_date("to", to)?))
}

/// The first and last dates the store can hold: a date outside them is clamped to them.
pub(crate) fn storable(date: NaiveDate) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    date.clamp(first, last)
}

/// A patient's logged doses over a range of slot dates, read once for the services that each
/// need part of them (an export needs them for its dose list, adherence, steroid exposure and
/// the trough rule: reading the log once is most of what keeps a 10-year export fast).
#[derive(Debug)]
pub(crate) struct LoggedDoses {
    patient_id: PatientId,
    from: NaiveDate,
    to: NaiveDate,
    /// In the store's order: by slot date, slot time, then entry.
    entries: Vec<DoseLogEntry>,
}

impl LoggedDoses {
    /// Reads every logged dose of the patient, and the dose-log rows that cannot be read
    /// ([`Store::all_dose_logs_and_unreadable`]).
    pub(crate) fn read_all(
        store: &Store,
        patient_id: PatientId,
    ) -> Result<(LoggedDoses, Vec<UnreadableRow>)> {
        let (entries, unreadable) = store.all_dose_logs_and_unreadable(patient_id)?;
        let logged = LoggedDoses {
            patient_id,
            from: storable(NaiveDate::MIN),
            to: storable(NaiveDate::MAX),
            entries,
        };
        Ok((logged, unreadable))
    }

    /// Every entry read.
    pub(crate) fn all(&self) -> &[DoseLogEntry] {
        &self.entries
    }

    /// The patient's logged doses with a slot date in `[from, to]`, as
    /// [`Store::dose_logs`] returns them: taken from `read` when it covers the range, read from
    /// the store otherwise.
    pub(crate) fn between<'a>(
        read: Option<&'a LoggedDoses>,
        store: &Store,
        patient_id: PatientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Cow<'a, [DoseLogEntry]>> {
        let (from, to) = (storable(from), storable(to));
        match read {
            Some(r) if r.patient_id == patient_id && r.from <= from && to <= r.to => {
                let start = r.entries.partition_point(|e| e.dose.slot_date < from);
                let end = r.entries.partition_point(|e| e.dose.slot_date <= to);
                Ok(Cow::Borrowed(&r.entries[start..end.max(start)]))
            }
            _ => Ok(Cow::Owned(store.dose_logs(patient_id, from, to)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{date, refused_field};

    #[test]
    fn a_period_is_read_whole_and_a_bad_date_is_refused_under_its_own_name() {
        assert_eq!(
            parse_period("2025-06-01", "2025-06-30").unwrap(),
            (date("2025-06-01"), date("2025-06-30"))
        );
        assert_eq!(
            refused_field(parse_period("2025-13-01", "2025-06-30")),
            "from"
        );
        assert_eq!(
            refused_field(parse_period("2025-06-01", "30/06/2025")),
            "to"
        );
    }
}

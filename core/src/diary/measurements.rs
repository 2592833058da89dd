//! Recording weights and heights: the plausibility checks of clinical-rules §10 made in one read
//! of the diary, before the store writes (`Store::insert_measurement` only stores), and the
//! choice of the weight and height that apply on a day (clinical-rules §2). These are methods of
//! [`Store`] so that a shell keeps one object.

use chrono::NaiveDate;

use crate::bounds;
use crate::error::{ConflictKind, Error, Result};
use crate::growth::plausibility::{self, Child};
use crate::ids::{MeasurementId, PatientId};
use crate::model::{require_storable_date, Measurement};
use crate::store::Store;

/// How many times a check is made again when another writer stored a measurement between the
/// check and the write (each attempt checks against what is stored then).
pub(crate) const CHECK_ATTEMPTS: usize = 3;

impl Store {
    /// Records a weight and/or height. A value implausible for this child (clinical-rules §10:
    /// a weight change of more than 20 %, a height falling by more than 2 cm or rising by more
    /// than 10 cm within 90 days, a first value more than 4 SD from the median for age and sex;
    /// the limits are the patient's [`Store::plausibility_policy`]) is refused with
    /// [`Error::NeedsConfirmation`] unless `m.confirmed` says the family confirmed it; the flag
    /// is stored with the record. See [`crate::growth::plausibility`] for what "previous" means
    /// for a back-dated entry. A date before the child's birth is refused as invalid. A refused
    /// call changes nothing.
    pub fn add_measurement(
        &mut self,
        patient_id: PatientId,
        m: &Measurement,
    ) -> Result<Measurement> {
        if m.weight_kg.is_none() && m.height_cm.is_none() {
            return Err(Error::invalid(
                "weight_kg",
                "give a weight, a height or both",
            ));
        }
        // Hard bounds of clinical-rules §10 (crate::bounds): 1–250 kg, 40–230 cm.
        if let Some(w) = m.weight_kg {
            bounds::weight_kg("weight_kg", w)?;
        }
        if let Some(h) = m.height_cm {
            bounds::height_cm("height_cm", h)?;
        }
        require_storable_date("measured_on", m.measured_on)?;
        self.require_writable()?;
        checked_write(|| {
            let checked_latest = self.in_one_read(|| check_measurement(self, patient_id, m))?;
            self.insert_measurement(patient_id, m, checked_latest)
        })
    }

    /// The latest weight and height recorded on or before `date` (clinical-rules §2), each
    /// `None` when there is none.
    pub fn weight_and_height_on(
        &self,
        patient_id: PatientId,
        date: NaiveDate,
    ) -> Result<(Option<f64>, Option<f64>)> {
        let history = self.measurements(patient_id)?;
        Ok((
            latest_on_or_before(&history, date, |m| m.weight_kg),
            latest_on_or_before(&history, date, |m| m.height_cm),
        ))
    }
}

/// Runs `attempt` (a check followed by the store's write of what it checked) again while the
/// write finds that a measurement was stored after the check, at most [`CHECK_ATTEMPTS`] times:
/// the outcome is the one the checks give on the measurements the write lands after.
pub(crate) fn checked_write<T>(mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
    let mut tries = 1;
    loop {
        match attempt() {
            Err(Error::Conflict {
                kind: ConflictKind::StaleVersion { .. },
                record: "measurement",
            }) if tries < CHECK_ATTEMPTS => tries += 1,
            outcome => return outcome,
        }
    }
}

/// The checks of a new measurement on the stored diary: the patient exists, the date is not
/// before the child's birth and, unless the family confirmed the value, it is plausible for this
/// child (clinical-rules §10, [`plausibility::check`] with the patient's policy). Returns the
/// newest measurement checked against.
fn check_measurement(
    store: &Store,
    patient_id: PatientId,
    m: &Measurement,
) -> Result<Option<MeasurementId>> {
    let patient = store.patient(patient_id)?;
    if m.measured_on < patient.profile.birth_date {
        return Err(Error::invalid(
            "measured_on",
            "must not be before the child's date of birth",
        ));
    }
    if !m.confirmed {
        let child = Child {
            birth_date: patient.profile.birth_date,
            sex: patient.profile.sex,
        };
        let history = store.measurements(patient_id)?;
        let policy = store.plausibility_policy(patient_id)?;
        if let Some(hold) = plausibility::check(child, &history, m, &policy)? {
            return Err(hold.into());
        }
    }
    store.latest_measurement_id(patient_id)
}

/// The latest value of a measurement on or before `date` (clinical-rules §2: doses use the most
/// recent weight, and height, on or before the day).
pub(crate) fn latest_on_or_before(
    history: &[Measurement],
    date: NaiveDate,
    pick: impl Fn(&Measurement) -> Option<f64>,
) -> Option<f64> {
    history
        .iter()
        .filter(|m| m.measured_on <= date)
        .filter_map(|m| pick(m).map(|v| (m.measured_on, v)))
        .last()
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{seeded, tacrolimus};
    use crate::test_support::date;

    fn weight_on(on: &str, kg: f64) -> Measurement {
        Measurement {
            global_id: Default::default(),
            id: Default::default(),
            measured_on: date(on),
            weight_kg: Some(kg),
            height_cm: None,
            confirmed: false,
        }
    }

    #[test]
    fn a_write_checked_before_another_measurement_was_stored_is_refused_and_stores_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let checked = store.latest_measurement_id(patient.id).unwrap();
        assert!(checked.is_some());
        // Stored after the check: 200 kg was confirmed by the family on another screen.
        let mut confirmed = weight_on("2025-06-10", 200.0);
        confirmed.confirmed = true;
        store.add_measurement(patient.id, &confirmed).unwrap();
        let before = store.measurements(patient.id).unwrap();

        let stale = store
            .insert_measurement(patient.id, &weight_on("2025-06-11", 21.0), checked)
            .unwrap_err();
        assert!(matches!(
            stale,
            Error::Conflict {
                kind: ConflictKind::StaleVersion { .. },
                record: "measurement"
            }
        ));
        let stale = store
            .insert_regimen(
                patient.id,
                tacrolimus(),
                20.0,
                store.regimens(patient.id).unwrap()[0].dose.clone(),
                checked,
            )
            .unwrap_err();
        assert!(matches!(stale, Error::Conflict { .. }));
        assert_eq!(store.measurements(patient.id).unwrap(), before);
        assert_eq!(store.regimens(patient.id).unwrap().len(), 1);
    }

    #[test]
    fn a_damaged_diary_refuses_a_measurement_or_a_regimen_before_checking_it() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        store.note(Error::CorruptDatabase {
            kept_at: Default::default(),
        });
        assert!(store.is_damaged());
        let damaged = |e: &Error| matches!(e, Error::CorruptDatabase { .. });
        // Implausible (a 200 kg child), or for an unknown patient: the damage is what is said.
        let implausible = store
            .add_measurement(patient.id, &weight_on("2025-06-10", 200.0))
            .unwrap_err();
        assert!(damaged(&implausible), "{implausible}");
        let unknown = store
            .add_measurement(PatientId::from(999), &weight_on("2025-06-10", 21.0))
            .unwrap_err();
        assert!(damaged(&unknown), "{unknown}");
        // No weight on or before the start.
        let mut early = tacrolimus();
        early.start_date = date("2025-05-01");
        let unweighed = store.add_regimen(patient.id, &early).unwrap_err();
        assert!(damaged(&unweighed), "{unweighed}");
    }

    #[test]
    fn a_check_is_made_again_while_the_measurements_change_under_it_and_at_most_three_times() {
        let stale = || {
            Err::<(), _>(Error::conflict(
                ConflictKind::StaleVersion {
                    based_on_version: 1,
                    latest_version: 2,
                },
                "measurement",
            ))
        };
        let mut calls = 0;
        let outcome = checked_write(|| {
            calls += 1;
            if calls < CHECK_ATTEMPTS {
                stale()
            } else {
                Ok(())
            }
        });
        assert_eq!((outcome.is_ok(), calls), (true, CHECK_ATTEMPTS));

        let mut calls = 0;
        let outcome = checked_write(|| {
            calls += 1;
            stale()
        });
        assert_eq!(calls, CHECK_ATTEMPTS);
        assert_eq!(outcome.unwrap_err().code(), "conflict");

        // Any other refusal is final at once.
        let mut calls = 0;
        let outcome = checked_write(|| {
            calls += 1;
            Err::<(), _>(Error::conflict(ConflictKind::ClientIdReused, "measurement"))
        });
        assert_eq!((outcome.is_err(), calls), (true, 1));
    }

    #[test]
    fn the_weight_and_height_on_a_day_are_the_latest_on_or_before_it() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        store
            .add_measurement(patient.id, &weight_on("2025-06-10", 21.0))
            .unwrap();
        let on = |day| store.weight_and_height_on(patient.id, date(day)).unwrap();
        assert_eq!(on("2025-05-29"), (None, None));
        assert_eq!(on("2025-06-09"), (Some(20.0), Some(115.0)));
        // The height is the one measured before: a weight alone leaves it as it was.
        assert_eq!(on("2025-06-10"), (Some(21.0), Some(115.0)));
    }
}

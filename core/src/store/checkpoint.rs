//! The relapse engine's checkpoint per patient (schema version 6, table `relapse_checkpoint`):
//! the engine's state as of a past day ([`RelapseCheckpoint`]), kept so that the relapse screen
//! walks only the readings after it. The store only keeps it: when to walk on and what to save
//! is [`crate::diary::relapse`]'s.
//!
//! Invalidation is the schema's (triggers on `urine_reading`, see `schema.rs`): every change to
//! a patient's readings counts one generation, and one that touches a reading dated on or before
//! the checkpoint's day drops the checkpoint, whatever wrote it. A checkpoint is saved only if the
//! generation is still the one read with the readings it was walked from, so a reading written
//! meanwhile (by another process) can never hide behind it.

use crate::ids::PatientId;
use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::dates::{format_date, parse_date};
use crate::error::{Error, Result};
use crate::relapse::{RelapseCheckpoint, RELAPSE_CHECKPOINT_VERSION};

/// A patient's stored relapse checkpoint and the generation of their readings.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRelapseCheckpoint {
    /// How many changes the patient's urine readings have seen since the checkpoint row was
    /// made; `None` when the diary keeps no checkpoint row for the patient (nothing is saved).
    pub generation: Option<i64>,
    /// The checkpoint, when one is kept, of this build's format and readable.
    pub checkpoint: Option<RelapseCheckpoint>,
}

impl Store {
    /// The patient's relapse checkpoint as stored, and the readings generation (the relapse
    /// engine's [`crate::relapse::relapse_checkpoint`] makes one from readings). A stored state
    /// this build cannot read (another format, a damaged value) counts as none: it is a cache,
    /// rebuilt from the readings.
    pub fn stored_relapse_checkpoint(
        &self,
        patient_id: PatientId,
    ) -> Result<StoredRelapseCheckpoint> {
        let row: Option<(i64, Option<String>, Option<String>)> = self
            .reader()
            .prepare_cached(
                "SELECT generation, through, state_json FROM relapse_checkpoint WHERE patient_id = ?1",
            )?
            .query_row([patient_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((generation, through, state)) = row else {
            return Ok(StoredRelapseCheckpoint {
                generation: None,
                checkpoint: None,
            });
        };
        let checkpoint = through.zip(state).and_then(|(through, state)| {
            let through = parse_date("through", &through).ok()?;
            serde_json::from_str::<RelapseCheckpoint>(&state)
                .ok()
                .filter(|c| c.version == RELAPSE_CHECKPOINT_VERSION && c.through == through)
        });
        Ok(StoredRelapseCheckpoint {
            generation: Some(generation),
            checkpoint,
        })
    }

    /// Keeps `checkpoint` as the patient's, if the readings generation is still `generation`
    /// (nothing was written to the patient's readings since it was read); returns whether it was
    /// kept. Nothing is written on a read-only or damaged diary, or inside an open transaction.
    pub fn save_relapse_checkpoint(
        &self,
        patient_id: PatientId,
        generation: i64,
        checkpoint: &RelapseCheckpoint,
    ) -> Result<bool> {
        if self.read_only || self.damaged.get() || !self.conn.is_autocommit() {
            return Ok(false);
        }
        let state = serde_json::to_string(checkpoint)
            .map_err(|_| Error::invalid("checkpoint", "could not be written"))?;
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE relapse_checkpoint SET through = ?3, state_json = ?4
                 WHERE patient_id = ?1 AND generation = ?2",
            )?
            .execute(params![
                patient_id,
                generation,
                format_date(checkpoint.through),
                state
            ])
            .map_err(|e| self.note(e.into()))?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
impl Store {
    /// Runs `f` as if the patient had no relapse checkpoint (every reading walked), then puts
    /// the stored one back as it was: the full engine's answer beside the checkpoint's.
    pub(crate) fn without_relapse_checkpoint<T>(
        &self,
        patient_id: PatientId,
        f: impl FnOnce() -> T,
    ) -> T {
        self.conn
            .execute_batch("SAVEPOINT without_checkpoint")
            .unwrap();
        self.conn
            .execute(
                "UPDATE relapse_checkpoint SET through = NULL, state_json = NULL WHERE patient_id = ?1",
                [patient_id],
            )
            .unwrap();
        let value = f();
        self.conn
            .execute_batch("ROLLBACK TO without_checkpoint; RELEASE without_checkpoint")
            .unwrap();
        value
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::protein::{DipstickGrade, UrineMeasurement, UrineReading};
    use crate::relapse::{relapse_checkpoint, DiseaseState};
    use crate::store::tests::seeded;
    use crate::store::urine::NewUrineReading;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_date("d", s).unwrap()
    }

    fn reading(patient_id: PatientId, date: NaiveDate) -> NewUrineReading {
        NewUrineReading {
            client_id: format!("dip-{date}"),
            patient_id,
            measurement: UrineMeasurement::Dipstick(DipstickGrade::ThreePlus),
            // 07:00 in Shanghai, the seeded patient's zone.
            taken_at_ms: date
                .and_hms_opt(7, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
                - 8 * 3_600_000,
            taken_on: None,
            first_morning: true,
            note: None,
            logged_by: "mother".into(),
            photo: None,
        }
    }

    fn checkpoint_through(through: &str) -> RelapseCheckpoint {
        let readings = [UrineReading {
            date: d("2025-06-01"),
            measurement: UrineMeasurement::Dipstick(DipstickGrade::Negative),
            first_morning: true,
        }];
        relapse_checkpoint(None, DiseaseState::Remission, &readings, d(through)).unwrap()
    }

    #[test]
    fn a_checkpoint_is_kept_only_while_no_reading_was_written_since_it_was_read() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let empty = store.stored_relapse_checkpoint(patient.id).unwrap();
        assert_eq!(empty.checkpoint, None);
        let generation = empty
            .generation
            .expect("every patient has a checkpoint row");
        // A reading written after the read: the walk did not see it, so it is not kept.
        store
            .log_urine_reading(&reading(patient.id, d("2025-06-20")))
            .unwrap();
        let stale = checkpoint_through("2025-06-10");
        assert!(!store
            .save_relapse_checkpoint(patient.id, generation, &stale)
            .unwrap());
        assert_eq!(
            store
                .stored_relapse_checkpoint(patient.id)
                .unwrap()
                .checkpoint,
            None
        );
        // With the current generation it is kept, and read back as it was.
        let current = store.stored_relapse_checkpoint(patient.id).unwrap();
        assert_eq!(current.generation, Some(generation + 1));
        assert!(store
            .save_relapse_checkpoint(patient.id, generation + 1, &stale)
            .unwrap());
        assert_eq!(
            store
                .stored_relapse_checkpoint(patient.id)
                .unwrap()
                .checkpoint,
            Some(stale)
        );
        // Nothing is written inside an open read.
        let other = checkpoint_through("2025-06-12");
        let saved = store
            .in_one_read(|| store.save_relapse_checkpoint(patient.id, generation + 1, &other))
            .unwrap();
        assert!(!saved);
    }

    #[test]
    fn every_change_to_an_earlier_reading_drops_the_checkpoint_and_later_ones_keep_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diary.db");
        let mut store = Store::open(&path).unwrap();
        let (patient, _) = seeded(&mut store);
        for day in ["2025-06-01", "2025-06-05", "2025-06-20"] {
            store
                .log_urine_reading(&reading(patient.id, d(day)))
                .unwrap();
        }
        let keep = |store: &Store| {
            let stored = store.stored_relapse_checkpoint(patient.id).unwrap();
            assert!(store
                .save_relapse_checkpoint(
                    patient.id,
                    stored.generation.unwrap(),
                    &checkpoint_through("2025-06-10")
                )
                .unwrap());
        };
        let kept = |store: &Store| {
            store
                .stored_relapse_checkpoint(patient.id)
                .unwrap()
                .checkpoint
                .is_some()
        };
        let tidy = |text: &str| crate::store::urine::UrineReadingCorrection {
            measurement: UrineMeasurement::Dipstick(DipstickGrade::Negative),
            taken_at_ms: reading(patient.id, d(text)).taken_at_ms,
            taken_on: None,
            first_morning: true,
            note: None,
            corrected_by: "mother".into(),
        };

        // A reading after the checkpoint's day, and a correction of one, keep it.
        keep(&store);
        store
            .log_urine_reading(&reading(patient.id, d("2025-06-21")))
            .unwrap();
        store
            .correct_urine_reading("dip-2025-06-20", &tidy("2025-06-20"))
            .unwrap();
        assert!(kept(&store));
        // A reading logged late for a day on or before it drops it.
        store
            .log_urine_reading(&reading(patient.id, d("2025-06-10")))
            .unwrap();
        assert!(!kept(&store));
        // So does an edit of an earlier reading ...
        keep(&store);
        store
            .correct_urine_reading("dip-2025-06-05", &tidy("2025-06-05"))
            .unwrap();
        assert!(!kept(&store));
        // ... an edit moving a later reading onto an earlier day ...
        keep(&store);
        store
            .correct_urine_reading("dip-2025-06-21", &tidy("2025-06-09"))
            .unwrap();
        assert!(!kept(&store));
        // ... and an undo (retraction) of an earlier reading.
        keep(&store);
        store
            .retract_urine_reading("dip-2025-06-01", "mother")
            .unwrap();
        assert!(!kept(&store));

        // Another process (the notification extension, an import, a repair tool) writing the
        // table itself: an update, an insert and a delete of earlier rows all drop it.
        let other = rusqlite::Connection::open(&path).unwrap();
        for change in [
            "UPDATE urine_reading SET dipstick = '1+' WHERE client_id = 'dip-2025-06-05'",
            "INSERT INTO urine_reading (client_id, patient_id, taken_on, taken_at_ms, dipstick,
                first_morning, logged_by, revision, recorded_at_ms)
                SELECT 'imported', patient_id, '2025-05-01', taken_at_ms, '4+', 1, 'import', 1, 0
                FROM urine_reading WHERE client_id = 'dip-2025-06-05'",
            "DELETE FROM urine_reading WHERE client_id = 'imported'",
        ] {
            keep(&store);
            other.execute_batch(change).unwrap();
            assert!(!kept(&store), "{change}");
        }
        // A later row written by it keeps the checkpoint, but moves the generation.
        keep(&store);
        let before = store
            .stored_relapse_checkpoint(patient.id)
            .unwrap()
            .generation;
        other
            .execute_batch("UPDATE urine_reading SET note = 'x' WHERE client_id = 'dip-2025-06-20'")
            .unwrap();
        let after = store.stored_relapse_checkpoint(patient.id).unwrap();
        assert!(after.checkpoint.is_some());
        assert_eq!(after.generation, before.map(|g| g + 1));
    }

    #[test]
    fn a_checkpoint_of_another_format_or_day_is_not_used() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let generation = store
            .stored_relapse_checkpoint(patient.id)
            .unwrap()
            .generation
            .unwrap();
        let newer = RelapseCheckpoint {
            version: RELAPSE_CHECKPOINT_VERSION + 1,
            ..checkpoint_through("2025-06-10")
        };
        assert!(store
            .save_relapse_checkpoint(patient.id, generation, &newer)
            .unwrap());
        assert_eq!(
            store
                .stored_relapse_checkpoint(patient.id)
                .unwrap()
                .checkpoint,
            None
        );
        // A state whose day is not the column's (the column is what the triggers compare).
        store
            .conn
            .execute(
                "UPDATE relapse_checkpoint SET through = '2025-06-11', state_json = ?1",
                [serde_json::to_string(&checkpoint_through("2025-06-10")).unwrap()],
            )
            .unwrap();
        assert_eq!(
            store
                .stored_relapse_checkpoint(patient.id)
                .unwrap()
                .checkpoint,
            None
        );
    }

    #[test]
    fn reads_in_one_read_see_one_state_of_the_diary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("diary.db");
        let mut store = Store::open(&path).unwrap();
        let (patient, _) = seeded(&mut store);
        let mut other = Store::open(&path).unwrap();
        let count = |store: &Store| {
            store
                .urine_readings(patient.id, d("2025-01-01"), d("2025-12-31"))
                .unwrap()
                .len()
        };
        let (first, second) = store
            .in_one_read(|| {
                let first = count(&store);
                other
                    .log_urine_reading(&reading(patient.id, d("2025-06-03")))
                    .unwrap();
                Ok((first, count(&store)))
            })
            .unwrap();
        assert_eq!(
            (first, second),
            (0, 0),
            "a write landing meanwhile is not seen"
        );
        assert_eq!(count(&store), 1, "and is seen by the next read");
        assert!(store.conn.is_autocommit(), "the read is over");
    }
}

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
    /// The patient's relapse checkpoint and readings generation. A stored state this build cannot
    /// read (another format, a damaged value) counts as none: it is a cache, rebuilt from the
    /// readings.
    pub fn relapse_checkpoint(&self, patient_id: i64) -> Result<StoredRelapseCheckpoint> {
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
        patient_id: i64,
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

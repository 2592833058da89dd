//! What `nephro demo` built, shared by the demo sections of every subcommand module. It depends
//! on no subcommand module, so those modules never import `demo` (which imports them).

use chrono::NaiveDate;
use nephro_core::model::{Patient, Regimen};

/// A small deterministic generator (64-bit LCG) so every demo run writes the same diary.
pub struct SampleRandom(u64);

impl SampleRandom {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SampleRandom(seed)
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A whole number in `[low, high]`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next_unit() * (high - low + 1) as f64) as i64
    }
}

/// What the demo built, for the summary sections.
pub struct DemoDiary {
    /// The fictional patient.
    pub patient: Patient,
    /// The tacrolimus regimen.
    pub tacrolimus: Regimen,
    /// First day of the history.
    pub first_day: NaiveDate,
    /// The demo's today.
    pub today: NaiveDate,
}

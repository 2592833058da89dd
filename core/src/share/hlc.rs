//! A hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks", OPODIS 2014):
//! the wall-clock milliseconds of the writing device, and a counter that orders changes made
//! within one millisecond or after a change received from a device whose clock runs ahead.
//! A change made after another was seen always has a later reading; readings of concurrent
//! changes are ordered only for display, with the device id as the tie-break
//! (clinical-rules §11). Pure: the device's clock is a parameter.

use serde::{Deserialize, Serialize};

use crate::bounds;
use crate::error::{Error, Result};

/// One reading of the hybrid logical clock. Ordered by wall time, then counter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch: the largest wall-clock time seen so far.
    pub wall_ms: i64,
    /// Changes made at that same `wall_ms`, less one.
    pub counter: u32,
}

impl Hlc {
    /// The reading for a change made now (`now_ms`, the device's clock), after `self`, the last
    /// reading this device made or saw. Refuses a device clock outside clinical-rules §10's
    /// instants (`now_ms`) and a counter that would overflow (`hlc`).
    pub fn tick(self, now_ms: i64) -> Result<Hlc> {
        bounds::instant_ms("now_ms", now_ms)?;
        if now_ms > self.wall_ms {
            Ok(Hlc {
                wall_ms: now_ms,
                counter: 0,
            })
        } else {
            self.next_counter()
        }
    }

    /// The reading after receiving a change read `remote` at `now_ms`: later than both. A
    /// remote reading outside §10's instants is refused (`hlc`): a broken clock elsewhere must
    /// not carry this device's clock to the year 9999.
    pub fn observe(self, remote: Hlc, now_ms: i64) -> Result<Hlc> {
        bounds::instant_ms("now_ms", now_ms)?;
        bounds::instant_ms("hlc", remote.wall_ms)?;
        let wall_ms = self.wall_ms.max(remote.wall_ms).max(now_ms);
        let counter = match (wall_ms == self.wall_ms, wall_ms == remote.wall_ms) {
            (true, true) => self.counter.max(remote.counter).checked_add(1),
            (true, false) => self.counter.checked_add(1),
            (false, true) => remote.counter.checked_add(1),
            (false, false) => Some(0),
        }
        .ok_or_else(overflow)?;
        Ok(Hlc { wall_ms, counter })
    }

    fn next_counter(self) -> Result<Hlc> {
        Ok(Hlc {
            wall_ms: self.wall_ms,
            counter: self.counter.checked_add(1).ok_or_else(overflow)?,
        })
    }
}

fn overflow() -> Error {
    Error::invalid("hlc", "too many changes within one millisecond")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const T: i64 = 1_796_000_000_000; // 2026-11

    #[test]
    fn a_clock_going_backwards_still_moves_forwards() {
        let a = Hlc::default().tick(T).unwrap();
        assert_eq!(
            a,
            Hlc {
                wall_ms: T,
                counter: 0
            }
        );
        let b = a.tick(T - 60_000).unwrap();
        assert_eq!(
            b,
            Hlc {
                wall_ms: T,
                counter: 1
            }
        );
        let c = b.tick(T + 5).unwrap();
        assert_eq!(
            c,
            Hlc {
                wall_ms: T + 5,
                counter: 0
            }
        );
        assert!(Hlc::default().tick(i64::MAX).is_err());
        let full = Hlc {
            wall_ms: T,
            counter: u32::MAX,
        };
        assert!(full.tick(T).is_err());
    }

    #[test]
    fn a_change_seen_from_a_clock_ahead_is_followed_by_a_later_reading() {
        let mine = Hlc {
            wall_ms: T,
            counter: 3,
        };
        let ahead = Hlc {
            wall_ms: T + 3_600_000,
            counter: 7,
        };
        let seen = mine.observe(ahead, T + 10).unwrap();
        assert_eq!(
            seen,
            Hlc {
                wall_ms: T + 3_600_000,
                counter: 8
            }
        );
        assert!(seen.tick(T + 20).unwrap() > ahead);
        let broken = Hlc {
            wall_ms: 253_402_300_799_000,
            counter: 0,
        }; // 9999-12-31
        assert!(mine.observe(broken, T).is_err());
    }

    proptest! {
        #[test]
        fn readings_always_grow_and_follow_what_was_seen(
            steps in proptest::collection::vec((0i64..10_000, any::<bool>(), 0i64..10_000, 0u32..5), 1..60)
        ) {
            let mut clock = Hlc::default();
            for (local, receive, remote_wall, remote_counter) in steps {
                let now = T + local;
                let next = if receive {
                    let remote = Hlc { wall_ms: T + remote_wall, counter: remote_counter };
                    let next = clock.observe(remote, now).unwrap();
                    prop_assert!(next > remote);
                    next
                } else {
                    clock.tick(now).unwrap()
                };
                prop_assert!(next > clock);
                prop_assert!(next.wall_ms >= now);
                clock = next;
            }
        }
    }
}

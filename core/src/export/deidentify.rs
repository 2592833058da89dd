//! De-identification for sharing an export beyond the care team.
//!
//! One [`Deidentify`] value is made per export request ([`Deidentify::random`]) and every format
//! of that request is rendered from one snapshot de-identified with it, so the FHIR bundle, the
//! CSV tables, the report and the calendar of one request share one shift, one period and one set
//! of ids, and their records can be matched with each other (see [`super::export_formats`]).
//!
//! What a de-identified export holds:
//! - no name, no birth date (the age in whole years at the end of the period instead), no
//!   time-zone name;
//! - no text a person typed: the names of who logged doses or readings and of the prescriber,
//!   the family's notes, and a regimen's pharmaceutical form (free text on entry) are removed.
//!   Every other text of the export is the app's own (labels, codes, numbers). Audited field by
//!   field in [`apply`], which lists every field of the snapshot so that a field added later
//!   does not compile until it is handled;
//! - every date moved by one secret number of days (the shift, ±[`MIN_CHOSEN_SHIFT_DAYS`] to
//!   ±[`MAX_CHOSEN_SHIFT_DAYS`]): intervals, times of day and the order of records are kept;
//! - instants written in UTC notation (`Z`) as the patient's local clock time. A true UTC
//!   conversion would leak what the zone name's removal hides: the gap between a local dose time
//!   (`08:00`) and its UTC instant is the zone's offset, and the hour by which every UTC time
//!   jumps on a daylight-saving day pins that day to a known real date, hence the shift. Local
//!   clock times keep troughs interpretable against dose times;
//! - ids random for each export: FHIR resource ids, calendar UIDs, record keys and medication ids
//!   are never a record's own id (row ids, client ids, course keys, which may hold a date, global
//!   ids, which hold the instant a record was stored) nor a
//!   time-ordered UUID. Resource ids, UIDs and record keys are HMAC-SHA256 (RFC 2104) of the
//!   record under a 256-bit key drawn from the OS for each request, written as random (version
//!   4) UUIDs (RFC 9562 §5.4); medications are numbered in order;
//! - no generation time, no "as of" today: nothing pairs a real date with a shifted one (a
//!   calendar's required `DTSTAMP` is the shifted last day of the period).
//!
//! ## The latest record against the day of the export
//!
//! Whoever receives an export knows roughly when it was made (the date of the message it came
//! with). A diary is kept every day, so an export made today holds records up to today, and
//! "latest shifted date minus the real day of the export" would give the shift away, whatever
//! else is hidden. The defence: a de-identified period never reaches the day of the export. It
//! ends a random number of days, [`CUTOFF_MIN_DAYS`] to [`CUTOFF_MAX_DAYS`], before the end asked
//! for (at the latest the day of the export), chosen with the shift and as secret as it; nothing
//! dated after that end is exported (records, calendar days, planned ends, the version date of a
//! course changed since). The manifest says so in words, without a date. Then
//! `latest shifted date − day of the export = shift − cutoff`: what the export shows is the
//! difference, and the shift is drawn so that the difference tells nothing more. The difference
//! is drawn first (uniformly, from the values that keep the shift within
//! ±[`MIN_CHOSEN_SHIFT_DAYS`]..=[`MAX_CHOSEN_SHIFT_DAYS`] for every cutoff) and the cutoff
//! independently of it, and the shift is their sum. Given the difference, each of the
//! `CUTOFF_MAX_DAYS − CUTOFF_MIN_DAYS + 1` = 56 cutoffs, hence 56 shifts, is equally likely —
//! at the edges of the range of shifts as well as in its middle (drawing the shift uniformly
//! and the cutoff independently would leave as few as 2 candidates near an edge). A dose given
//! after midnight adds one day of slack for the attacker, never less uncertainty.
//! The cutoff is also taken from the end asked for (not only from today), so that a period asked
//! to end on a round date (the last day of a month) does not give the shift away either. The cost
//! is the last two to ten weeks of the diary, which matter to the care team (who get identified
//! exports) far more than to a registry or a teaching case.
//!
//! What the shift does not hide, and the sharer should know: the weekday moves with the shift,
//! so a strict weekly pattern (a clinic drawing blood only on Tuesdays) can narrow the 56
//! candidates to about 8; an asked-for start on a round date (the 1st of a month) can be matched
//! against month starts. Whoever knows one real date of the record (a relapse they witnessed)
//! knows the shift: date shifting protects against linking the export to a calendar, not against
//! someone who already knows the child.
//!
//! [`Deidentify::from_seed`] makes the shift and the cutoff reproducible (the same seed, exports
//! whose dates line up), but never the ids: an id key derived from a seed that a person chose
//! would let anyone who guesses seeds confirm a guess offline by recomputing one id, and so learn
//! the shift. The ids of every export come from the OS.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::snapshot::*;
use crate::error::{Error, Result};
use crate::model::MedicationId;

/// The largest shift [`Deidentify::deterministic`] accepts, in days (about 10 years).
pub const MAX_SHIFT_DAYS: i32 = 3650;

/// The smallest magnitude of a shift chosen by [`Deidentify::random`] or
/// [`Deidentify::from_seed`], in days: a shift of a few days would barely hide a date.
pub const MIN_CHOSEN_SHIFT_DAYS: i32 = 30;

/// The largest magnitude of a chosen shift, in days: a year and a month either way, so shifted
/// dates stay in the same era of the child's care. With [`MIN_CHOSEN_SHIFT_DAYS`]: 732 shifts.
pub const MAX_CHOSEN_SHIFT_DAYS: i32 = 395;

/// The fewest days a de-identified period ends before the end asked for (policy; see the
/// module doc).
pub const CUTOFF_MIN_DAYS: u32 = 14;

/// The most days a de-identified period ends before the end asked for (policy; see the module
/// doc): with [`CUTOFF_MIN_DAYS`], 56 equally likely cutoffs.
pub const CUTOFF_MAX_DAYS: u32 = 69;

/// How to de-identify one export request: the secret shift of every date, the secret cutoff of
/// the period, and the secret key of its ids. Make one per request and use it for every format
/// of that request; never write it anywhere (its `Debug` shows nothing).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deidentify {
    shift_days: i32,
    cutoff_days: u32,
    id_key: [u8; 32],
}

impl fmt::Debug for Deidentify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Deidentify { .. }")
    }
}

/// The OS random number generator (getrandom), failing as an I/O error.
fn os_random(bytes: &mut [u8]) -> Result<()> {
    getrandom::fill(bytes).map_err(|e| Error::Io(std::io::Error::other(e)))
}

/// The cutoffs, [`CUTOFF_MIN_DAYS`]..=[`CUTOFF_MAX_DAYS`], in days.
const MIN_CUT: i32 = CUTOFF_MIN_DAYS as i32;
const MAX_CUT: i32 = CUTOFF_MAX_DAYS as i32;

/// The differences `shift − cutoff` (what the latest record shows) that keep the shift within
/// ±[`MIN_CHOSEN_SHIFT_DAYS`]..=[`MAX_CHOSEN_SHIFT_DAYS`] whatever the cutoff: backwards
/// −409..=−99, forwards 16..=326 (311 each).
const BACK: (i32, i32) = (
    -MAX_CHOSEN_SHIFT_DAYS - MIN_CUT,
    -MIN_CHOSEN_SHIFT_DAYS - MAX_CUT,
);
const FORTH: (i32, i32) = (
    MIN_CHOSEN_SHIFT_DAYS - MIN_CUT,
    MAX_CHOSEN_SHIFT_DAYS - MAX_CUT,
);

/// A shift and a cutoff from 64 random bits each (see the module doc): the difference
/// `shift − cutoff` from the first, uniformly over [`BACK`] and [`FORTH`]; the cutoff from the
/// second. The modulo bias, below 2⁻⁵⁴, is immaterial.
fn chosen(difference_bits: u64, cutoff_bits: u64) -> (i32, u32) {
    let span = (BACK.1 - BACK.0 + 1) as u64; // = FORTH's
    let offset = (difference_bits >> 1) % span;
    let difference = if difference_bits & 1 == 0 {
        BACK.0 + offset as i32
    } else {
        FORTH.0 + offset as i32
    };
    let cutoff = MIN_CUT + (cutoff_bits % (MAX_CUT - MIN_CUT + 1) as u64) as i32;
    (difference + cutoff, cutoff as u32)
}

/// SplitMix64's finaliser: neighbouring seeds give unrelated outputs (not a secret-keeping
/// function; the seed is the secret).
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Deidentify {
    /// A de-identification for one export request: shift, cutoff and id key from the OS random
    /// number generator. Fails only if the OS cannot give random bytes.
    pub fn random() -> Result<Deidentify> {
        let mut bytes = [0u8; 48];
        os_random(&mut bytes)?;
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[i..i + 8]);
            u64::from_le_bytes(w)
        };
        let mut id_key = [0u8; 32];
        id_key.copy_from_slice(&bytes[16..]);
        let (shift_days, cutoff_days) = chosen(word(0), word(8));
        Ok(Deidentify {
            shift_days,
            cutoff_days,
            id_key,
        })
    }

    /// A de-identification whose shift and cutoff come from a seed the sharer keeps (the same
    /// seed, the same shift and cutoff, so exports made later line up); the ids still come from
    /// the OS (see the module doc). Whoever knows the seed knows the shift: choose it at random.
    pub fn from_seed(seed: u64) -> Result<Deidentify> {
        let mut id_key = [0u8; 32];
        os_random(&mut id_key)?;
        let first = mix(seed);
        let (shift_days, cutoff_days) = chosen(first, mix(first));
        Ok(Deidentify {
            shift_days,
            cutoff_days,
            id_key,
        })
    }

    /// A fully determined de-identification, for tests and reproducible examples only: whoever
    /// knows `id_key` can recompute the ids. Refuses a shift of 0 or beyond [`MAX_SHIFT_DAYS`],
    /// and a cutoff outside [`CUTOFF_MIN_DAYS`]..=[`CUTOFF_MAX_DAYS`].
    pub fn deterministic(shift_days: i32, cutoff_days: u32, id_key: [u8; 32]) -> Result<Self> {
        if shift_days == 0 || shift_days.unsigned_abs() > MAX_SHIFT_DAYS.unsigned_abs() {
            return Err(Error::invalid(
                "shift_days",
                "must be between 1 and 3650 days, forward or back",
            ));
        }
        if !(CUTOFF_MIN_DAYS..=CUTOFF_MAX_DAYS).contains(&cutoff_days) {
            return Err(Error::invalid("cutoff_days", "must be between 14 and 69"));
        }
        Ok(Deidentify {
            shift_days,
            cutoff_days,
            id_key,
        })
    }

    /// Days added to every date and instant (secret: never write it into an export).
    pub fn shift_days(&self) -> i32 {
        self.shift_days
    }

    /// Days the period ends before the end asked for (secret, like the shift).
    pub fn cutoff_days(&self) -> u32 {
        self.cutoff_days
    }

    /// The last date of a de-identified period whose end was asked for as `end` (real dates).
    pub fn period_end(&self, end: NaiveDate) -> Result<NaiveDate> {
        end.checked_sub_signed(TimeDelta::days(i64::from(self.cutoff_days)))
            .ok_or_else(out_of_range)
    }

    /// A random-looking (version 4) UUID for a record of this export: HMAC-SHA256 under the
    /// export's key of the parts, each prefixed by its length so that parts cannot run into each
    /// other. The same parts give the same UUID within the export; without the key it cannot be
    /// recomputed or told from a random UUID.
    pub fn uuid(&self, parts: &[&str]) -> String {
        // HMAC takes a key of any length, so this never fails.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.id_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        let mut b = [0u8; 16];
        b.copy_from_slice(&digest[..16]);
        b[6] = (b[6] & 0x0F) | 0x40; // version 4
        b[8] = (b[8] & 0x3F) | 0x80; // RFC variant
        format!(
            "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
            b[14], b[15]
        )
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

    /// Shifts an instant and rewrites it as the patient's local clock time in UTC notation
    /// (offset 0; see the module doc).
    fn instant(&self, at: &mut DateTime<FixedOffset>) -> Result<()> {
        let local = at
            .naive_local()
            .checked_add_signed(self.0.delta())
            .ok_or_else(out_of_range)?;
        *at = local.and_utc().fixed_offset();
        Ok(())
    }
}

fn out_of_range() -> Error {
    Error::invalid(
        "shift_days",
        "moves a date of the diary out of the calendar's range",
    )
}

/// De-identifies a snapshot in place (see the module doc). The period must already end at the
/// cutoff ([`DiarySnapshot::for_export`] gathers it so). Every field is listed, so a field added
/// to the snapshot later fails to compile here until it is handled.
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
        time_zone,
        patient,
        medications,
        doses,
        infusions,
        urine,
        day_levels,
        relapse,
        labs,
        targets: _,      // numbers only
        target_phase: _, // initial or maintenance
        growth,
        blood_pressures,
        steroid_days,
        steroid_slots,
        adherence,
        cumulative_steroid: _, // numbers only
        alerts,
        limits,
        // Table names, row ids and reasons: nothing that identifies the child.
        unreadable: _,
        withdrawn,
    } = snapshot;
    // Named only for a transaction into the child's record, which a de-identified export has
    // not (fhir::write_transaction refuses it); gathered empty, cleared to be sure.
    withdrawn.clear();
    // No generation time: shifted, it would pair the shift with the real day of the export.
    *generated_at = None;
    for date in [&mut *today, &mut *from, &mut *to, &mut *schedule_from] {
        shift.date(date)?;
    }
    if let Some(date) = schedule_to {
        shift.date(date)?;
    }
    *deidentified = Some(deidentify);
    // Local clock times in UTC notation: slots resolve in UTC too.
    *time_zone = chrono_tz::UTC;

    let PatientView {
        id: _, // never written: FHIR ids are keyed (fhir::Ids)
        name,
        birth_date,
        age_years: _,
        sex: _,
        time_zone_name,
        definitions: _,
        record_namespace,
    } = patient;
    *name = None;
    *record_namespace = None;
    *birth_date = None;
    *time_zone_name = None;

    // Medication ids name a regimen's row or a course's key (`p<patient>_c<n>`): number them.
    let mut renamed = std::collections::HashMap::new();
    let (mut regimens, mut courses, mut medicines) = (0, 0, 0);
    for m in medications.iter_mut() {
        let new = match m.id {
            MedicationId::Regimen(_) => {
                regimens += 1;
                MedicationId::Regimen(regimens.into())
            }
            MedicationId::Course(_) => {
                courses += 1;
                MedicationId::Course(courses.to_string())
            }
            MedicationId::Medicine(_) => {
                medicines += 1;
                MedicationId::Medicine(medicines.into())
            }
        };
        renamed.insert(m.id.to_string(), new.clone());
        let MedicationView {
            id,
            medicine,
            times: _,
            start,
            end,
            prescribed_by,
            prescribed_on,
            kind,
        } = m;
        *id = new;
        *prescribed_by = None;
        // A typed-in name is free text that may identify the child (clinical-rules §12): only
        // the medicines of the app's list are named.
        hide_typed_name(medicine);
        shift.date(start)?;
        if let Some(end) = end {
            shift.date(end)?;
        }
        if let Some(date) = prescribed_on {
            shift.date(date)?;
        }
        match kind {
            MedicationKind::Regimen { form, .. } => *form = None, // typed on entry
            MedicationKind::Course { .. } => {}
            MedicationKind::Medicine { form, dates, .. } => {
                *form = None;
                for date in dates.iter_mut() {
                    shift.date(date)?;
                }
            }
        }
    }
    let rename = |id: &mut MedicationId| {
        if let Some(new) = renamed.get(&id.to_string()) {
            *id = new.clone();
        }
    };

    for d in doses.iter_mut() {
        d.key = deidentify.uuid(&["dose", &d.key]);
        rename(&mut d.medication);
        hide_typed_name(&mut d.medicine);
        d.logged_by = None;
        d.note = None;
        shift.date(&mut d.slot_date)?;
        shift.instant(&mut d.actual_at)?;
    }
    for infusion in infusions.iter_mut() {
        // A known medicine (rituximab) keeps its name; a typed one does not.
        rename(&mut infusion.medication);
        hide_typed_name(&mut infusion.medicine);
        shift.date(&mut infusion.date)?;
    }
    for u in urine.iter_mut() {
        u.key = deidentify.uuid(&["urine", &u.key]);
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
    for lab in labs.iter_mut() {
        lab.key = deidentify.uuid(&["lab", &lab.key]);
        shift.instant(&mut lab.drawn_at)?;
    }
    for point in growth.iter_mut() {
        shift.date(&mut point.date)?;
    }
    for bp in blood_pressures.iter_mut() {
        shift.instant(&mut bp.measured_at)?;
    }
    for day in steroid_days.iter_mut() {
        rename(&mut day.medication);
        shift.date(&mut day.date)?;
    }
    for slot in steroid_slots.iter_mut() {
        rename(&mut slot.medication);
        shift.date(&mut slot.date)?;
    }
    shift.date(&mut adherence.from)?;
    shift.date(&mut adherence.to)?;
    for m in adherence.medications.iter_mut() {
        rename(&mut m.medication);
        hide_typed_name(&mut m.medicine);
    }
    for day in adherence.calendar.iter_mut() {
        shift.date(&mut day.date)?;
        for m in day.medications.iter_mut() {
            if let Some(new) = renamed.get(&m.medication_id) {
                m.medication_id = new.to_string();
            }
        }
    }
    for alert in alerts.iter_mut() {
        match alert {
            AlertView::Lab { drawn_on, .. } | AlertView::Level { drawn_on, .. } => {
                shift.date(drawn_on)?
            }
            AlertView::RecalculateDose { weighed_on, .. } => shift.date(weighed_on)?,
            AlertView::SlotLoggedTwice {
                slot_date,
                medicine,
                ..
            } => {
                shift.date(slot_date)?;
                hide_typed_name(medicine);
            }
        }
    }
    for limit in limits.iter_mut() {
        match limit {
            Limit::AdherenceFrom(date) => shift.date(date)?,
        }
    }
    Ok(())
}

/// A typed-in medicine's name is free text that may identify the child (clinical-rules §12): a
/// de-identified export names only the medicines of the app's list, "other medicine" otherwise.
fn hide_typed_name(medicine: &mut ExportedMedicine) {
    if matches!(medicine, ExportedMedicine::Typed(_)) {
        *medicine = ExportedMedicine::Other;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_shifts_are_stable_large_enough_and_both_ways() {
        let a = Deidentify::from_seed(7).unwrap();
        let b = Deidentify::from_seed(7).unwrap();
        assert_eq!(
            (a.shift_days(), a.cutoff_days()),
            (b.shift_days(), b.cutoff_days())
        );
        assert_ne!(
            a.uuid(&["x"]),
            b.uuid(&["x"]),
            "ids never come from the seed"
        );
        let shifts: Vec<i32> = (0..200)
            .map(|s| Deidentify::from_seed(s).unwrap().shift_days())
            .collect();
        assert!(shifts
            .iter()
            .all(|s| (MIN_CHOSEN_SHIFT_DAYS..=MAX_CHOSEN_SHIFT_DAYS).contains(&s.abs())));
        assert!(shifts.iter().any(|s| *s < 0) && shifts.iter().any(|s| *s > 0));
    }

    #[test]
    fn every_difference_and_cutoff_give_a_shift_in_range_and_each_difference_56_shifts() {
        let mut shifts = std::collections::HashSet::new();
        for difference in (BACK.0..=BACK.1).chain(FORTH.0..=FORTH.1) {
            let mut given = std::collections::HashSet::new();
            for cutoff in MIN_CUT..=MAX_CUT {
                let shift = difference + cutoff;
                assert!((MIN_CHOSEN_SHIFT_DAYS..=MAX_CHOSEN_SHIFT_DAYS).contains(&shift.abs()));
                given.insert(shift);
                shifts.insert(shift);
            }
            assert_eq!(given.len(), 56, "{difference}");
        }
        assert_eq!(shifts.len(), 732, "every shift of the range can occur");
        assert_eq!((BACK, FORTH), ((-409, -99), (16, 326)));
        // Both halves of the draw: the sign bit picks the direction, the rest the difference.
        assert_eq!(chosen(0, 0), (BACK.0 + MIN_CUT, 14));
        assert_eq!(chosen(1, 55), (FORTH.0 + MAX_CUT, 69));
        assert_eq!(chosen(310 << 1 | 1, 0), (FORTH.1 + MIN_CUT, 14));
    }

    #[test]
    fn random_shifts_and_cutoffs_cover_their_ranges() {
        let mut shifts = std::collections::HashSet::new();
        let mut cutoffs = std::collections::HashSet::new();
        for _ in 0..3000 {
            let d = Deidentify::random().unwrap();
            assert!((MIN_CHOSEN_SHIFT_DAYS..=MAX_CHOSEN_SHIFT_DAYS).contains(&d.shift_days().abs()));
            assert!((CUTOFF_MIN_DAYS..=CUTOFF_MAX_DAYS).contains(&d.cutoff_days()));
            shifts.insert(d.shift_days());
            cutoffs.insert(d.cutoff_days());
        }
        assert_eq!(cutoffs.len(), 56, "every cutoff occurs");
        assert!(shifts.len() > 400, "{} of 732 shifts", shifts.len());
        assert!(shifts.iter().any(|s| *s < 0) && shifts.iter().any(|s| *s > 0));
    }

    #[test]
    fn ids_are_keyed_version_4_uuids_that_delimit_their_parts() {
        let d = Deidentify::deterministic(-100, 20, [7; 32]).unwrap();
        let other = Deidentify::deterministic(-100, 20, [8; 32]).unwrap();
        let id = d.uuid(&["dose", "a1"]);
        assert_eq!(id, d.uuid(&["dose", "a1"]), "stable within an export");
        assert_ne!(id, d.uuid(&["dosea", "1"]), "parts are delimited");
        assert_ne!(id, other.uuid(&["dose", "a1"]), "another key, another id");
        let bytes = id.as_bytes();
        assert_eq!(id.len(), 36);
        assert_eq!(bytes[14], b'4', "version 4");
        assert!(
            matches!(bytes[19], b'8' | b'9' | b'a' | b'b'),
            "RFC variant"
        );
        // HMAC-SHA256 (RFC 4231 test case 2) is what the ids are cut from.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let d = Deidentify::deterministic(-123, 20, [0xAB; 32]).unwrap();
        let shown = format!("{d:?}");
        assert!(!shown.contains("123") && !shown.contains("171") && !shown.contains("ab"));
    }

    #[test]
    fn a_zero_or_huge_shift_and_an_unknown_cutoff_are_refused() {
        assert!(Deidentify::deterministic(0, 20, [0; 32]).is_err());
        assert!(Deidentify::deterministic(3651, 20, [0; 32]).is_err());
        assert!(Deidentify::deterministic(-3651, 20, [0; 32]).is_err());
        assert!(Deidentify::deterministic(-400, 13, [0; 32]).is_err());
        assert!(Deidentify::deterministic(-400, 70, [0; 32]).is_err());
        assert_eq!(
            Deidentify::deterministic(-400, 69, [0; 32])
                .unwrap()
                .shift_days(),
            -400
        );
    }
}

//! The STAMP trial's steroid course (clinical-rules §1 and §4; NCT04048161, Wang J et al.,
//! JAMA Pediatr 2025;179(7):722-9): prednisone/prednisolone 1.0–1.5 mg/kg every other day or
//! 0.5–0.75 mg/kg/day once daily, tapered gradually to 5 mg/day. The care team sets the starting
//! dose, step and interval.

use serde::{Deserialize, Serialize};

use super::{dose_steps, DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};
use crate::error::{Error, Result};
use crate::numeric::{require_positive, steps_to_amount, TIE_EPSILON};

/// The dose the STAMP taper ends at, in mg (clinical-rules §1: "tapered gradually to 5 mg/day").
pub const STAMP_TAPER_END_MG: f64 = 5.0;

/// The care team's choices for a STAMP-protocol course.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "StampStartInput"))]
pub struct StampStart {
    /// Starting dose in mg/kg per dosing day: 1.0–1.5 for alternate days, 0.5–0.75 for daily
    /// (bounds inclusive).
    pub mg_per_kg: f64,
    /// Frequency of the starting phase and of the taper after it.
    pub frequency: Frequency,
    /// Days at the starting dose (at least 1).
    pub days: u32,
    /// How much each taper block is lower than the one before, in mg.
    pub step_mg: f64,
    /// Days per taper block (at least 1).
    pub every_days: u32,
}

/// Builds the explicit phases of a STAMP course: the starting dose (mg/kg, `frequency`) for
/// `days` days, then a linear taper with the same frequency down to 5 mg.
///
/// The taper's first block is the highest dose on the taper's grid (5 mg plus whole steps) that is
/// strictly below the starting dose as given, i.e. after rounding to the tablet step at
/// `weight_kg` (clinical-rules §4 rounding): a 35 mg start with 5 mg steps tapers 30, 25, …, 5;
/// a 47.5 mg start tapers 45, 40, …, 5. A start at or below 5 mg is followed by one 5 mg block.
/// Each taper block is itself rounded to the tablet step when the calendar is built.
///
/// Refuses a starting dose outside the protocol range for the frequency (field `mg_per_kg`;
/// checked before rounding, as in §3), and a non-positive weight, step or tablet, or a zero
/// `days` or `every_days`, naming the field.
pub fn stamp_protocol(
    start: &StampStart,
    weight_kg: f64,
    tablets: &TabletSpec,
) -> Result<Vec<Phase>> {
    // Hard bounds of clinical-rules §10 (crate::bounds).
    let weight_kg = crate::bounds::weight_kg("weight_kg", weight_kg)?;
    crate::bounds::strength_mg("tablet_mg", tablets.tablet_mg)?;
    let (min, max, wording) = match start.frequency {
        Frequency::AlternateDay => (
            1.0,
            1.5,
            "must be 1.0 to 1.5 mg/kg for alternate-day dosing (STAMP protocol)",
        ),
        Frequency::Daily => (
            0.5,
            0.75,
            "must be 0.5 to 0.75 mg/kg for daily dosing (STAMP protocol)",
        ),
    };
    let rate = start.mg_per_kg;
    if !rate.is_finite() || rate < min - TIE_EPSILON || rate > max + TIE_EPSILON {
        return Err(Error::invalid("mg_per_kg", wording));
    }
    if start.days < 1 {
        return Err(Error::invalid("days", "must be at least 1"));
    }
    let step_mg = require_positive("step_mg", start.step_mg)?;
    if start.every_days < 1 {
        return Err(Error::invalid("every_days", "must be at least 1"));
    }
    let tablet_step = tablets.step_mg();
    let start_mg = steps_to_amount(dose_steps(rate * weight_kg, None, tablet_step), tablet_step);
    // Whole steps above 5 mg strictly below the start: the largest n with 5 + n·step < start.
    let steps_above_end = ((start_mg - STAMP_TAPER_END_MG) / step_mg - TIE_EPSILON).ceil() - 1.0;
    let from_mg = if steps_above_end >= 1.0 {
        steps_to_amount(steps_above_end as u64, step_mg) + STAMP_TAPER_END_MG
    } else {
        STAMP_TAPER_END_MG
    };
    Ok(vec![
        Phase {
            dose: Some(DoseBasis::MgPerKg(rate)),
            max_mg: None,
            frequency: start.frequency,
            length: PhaseLength::Days(start.days),
        },
        Phase {
            dose: None,
            max_mg: None,
            frequency: start.frequency,
            length: PhaseLength::Taper {
                from_mg,
                to_mg: STAMP_TAPER_END_MG,
                step_mg,
                every_days: start.every_days,
            },
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taper::{build_calendar, CoursePlan};

    fn start(mg_per_kg: f64, frequency: Frequency) -> StampStart {
        StampStart {
            mg_per_kg,
            frequency,
            days: 14,
            step_mg: 5.0,
            every_days: 14,
        }
    }

    fn taper_from(phases: &[Phase]) -> f64 {
        match phases.get(1).map(|p| p.length) {
            Some(PhaseLength::Taper { from_mg, .. }) => from_mg,
            other => panic!("no taper: {other:?}"),
        }
    }

    #[test]
    fn protocol_range_bounds_are_inclusive_per_frequency() {
        let tablets = TabletSpec::default();
        for (rate, frequency) in [
            (1.0, Frequency::AlternateDay),
            (1.5, Frequency::AlternateDay),
            (0.5, Frequency::Daily),
            (0.75, Frequency::Daily),
        ] {
            assert!(
                stamp_protocol(&start(rate, frequency), 24.0, &tablets).is_ok(),
                "{rate} {frequency:?}"
            );
        }
        for (rate, frequency) in [
            (0.99, Frequency::AlternateDay),
            (1.51, Frequency::AlternateDay),
            (0.75, Frequency::AlternateDay),
            (1.0, Frequency::Daily),
            (0.49, Frequency::Daily),
            (f64::NAN, Frequency::Daily),
        ] {
            let err = stamp_protocol(&start(rate, frequency), 24.0, &tablets).unwrap_err();
            assert!(err.to_string().contains("mg_per_kg"), "{err}");
        }
    }

    #[test]
    fn taper_starts_one_grid_step_below_the_rounded_start() {
        let tablets = TabletSpec::default();
        // 1.5 × 24 = 36 → 35 mg; taper 30, 25, …, 5.
        assert_eq!(
            taper_from(
                &stamp_protocol(&start(1.5, Frequency::AlternateDay), 24.0, &tablets).unwrap()
            ),
            30.0
        );
        // 1.0 × 47.5 = 47.5 mg; 5 + 8 × 5 = 45 is the highest grid dose below it.
        assert_eq!(
            taper_from(
                &stamp_protocol(&start(1.0, Frequency::AlternateDay), 47.5, &tablets).unwrap()
            ),
            45.0
        );
        // 1.0 × 5 = 5 mg: one 5 mg block.
        assert_eq!(
            taper_from(
                &stamp_protocol(&start(1.0, Frequency::AlternateDay), 5.0, &tablets).unwrap()
            ),
            5.0
        );
        // 1.0 × 9 = 9 → 10 mg, step 5: 5 + 0 × 5 is the only grid dose below → 5.
        assert_eq!(
            taper_from(
                &stamp_protocol(&start(1.0, Frequency::AlternateDay), 9.0, &tablets).unwrap()
            ),
            5.0
        );
        // 0.6 × 50 = 30 mg daily, 2.5 mg steps: 27.5.
        let daily = StampStart {
            step_mg: 2.5,
            ..start(0.6, Frequency::Daily)
        };
        assert_eq!(
            taper_from(&stamp_protocol(&daily, 50.0, &tablets).unwrap()),
            27.5
        );
    }

    #[test]
    fn a_stamp_course_builds_a_calendar() {
        let tablets = TabletSpec::default();
        let choice = StampStart {
            mg_per_kg: 1.5,
            frequency: Frequency::AlternateDay,
            days: 4,
            step_mg: 10.0,
            every_days: 2,
        };
        let phases = stamp_protocol(&choice, 20.0, &tablets).unwrap();
        let start_date = crate::dates::parse_date("d", "2025-01-01").unwrap();
        let plan = CoursePlan {
            start: start_date,
            weight_kg: 20.0,
            height_cm: None,
            tablets,
            liquid: None,
            phases,
        };
        let calendar = build_calendar(&plan, None).unwrap();
        // 30 mg on days 0, 2; taper 25, 15, 5 in 2-day blocks with alternate days continuing:
        // phase days 0 (25), 2 (15), 4 (5).
        let mg: Vec<f64> = calendar.days.iter().map(|d| d.mg).collect();
        assert_eq!(
            mg,
            vec![30.0, 0.0, 30.0, 0.0, 25.0, 0.0, 15.0, 0.0, 5.0, 0.0]
        );
        assert_eq!(calendar.total_mg, 105.0);
    }

    #[test]
    fn bad_choices_are_refused_with_their_field() {
        let tablets = TabletSpec::default();
        let base = start(1.0, Frequency::AlternateDay);
        let field_of =
            |s: StampStart, w: f64| stamp_protocol(&s, w, &tablets).unwrap_err().to_string();
        assert!(field_of(StampStart { days: 0, ..base }, 20.0).contains("days"));
        assert!(field_of(
            StampStart {
                step_mg: 0.0,
                ..base
            },
            20.0
        )
        .contains("step_mg"));
        assert!(field_of(
            StampStart {
                every_days: 0,
                ..base
            },
            20.0
        )
        .contains("every_days"));
        assert!(field_of(base, -1.0).contains("weight_kg"));
    }
}

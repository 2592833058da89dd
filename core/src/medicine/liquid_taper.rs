//! Steroid taper calendars given as an oral solution (clinical-rules §4 with §12, "Liquids"):
//! every dosing day's dose in mL as well as in mg. The 0 mg days of an alternate-day phase are
//! not dosing days and are not measured.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::liquid::{family_text, Liquid, Measured};
use crate::error::{Error, Result};
use crate::numeric::{clean, round_steps_ties_down};
use crate::taper::{build_with_step, CoursePlan};

/// One date of a liquid calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LiquidTaperDay {
    /// The date.
    pub date: NaiveDate,
    /// The mg given (the measured volume × concentration; 0 on a day off).
    pub mg: f64,
    /// The volume to draw in mL (0 on a day off).
    pub ml: f64,
    /// Index of the phase the date belongs to (0-based).
    pub phase: u32,
    /// What the family reads: "4.8 mL (24 mg)" (clinical-rules §12), or empty on a day off.
    #[serde(default)]
    pub family_text: String,
}

/// The calendar of a steroid course given as a liquid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LiquidTaperCalendar {
    /// Every date from the start to the last day of the last phase, in order.
    pub days: Vec<LiquidTaperDay>,
    /// Sum of mg over the calendar.
    pub total_mg: f64,
    /// Sum of mL over the calendar.
    pub total_ml: f64,
    /// Number of days with a dose.
    pub dosing_days: u32,
    /// First day with a dose, if any.
    pub first_dosing_day: Option<NaiveDate>,
    /// Last day with a dose, if any.
    pub last_dosing_day: Option<NaiveDate>,
    /// True when an until-remission phase has no confirmation date yet and is shown continuing
    /// through a chosen date ([`build_liquid_calendar_through`]); the phases after it are not
    /// shown.
    #[serde(default)]
    pub provisional: bool,
}

/// Builds the calendar of `plan` given as `liquid` (the plan's tablets are not used): each dosing
/// day's requested mg (after the phase's cap) is measured as in clinical-rules §12 — the volume
/// rounded to the syringe graduation, ties down; the cap rule of §4 holds in graduations (a
/// rounded volume above the cap becomes the most graduations not above it). A dosing day whose
/// dose is not measurable refuses the whole calendar ([`Error::NotMeasurable`], naming the date
/// and the phase, `phases[i]`).
pub fn build_liquid_calendar(
    plan: &CoursePlan,
    liquid: Liquid,
    remission_confirmed: Option<NaiveDate>,
) -> Result<LiquidTaperCalendar> {
    build_liquid_calendar_through(plan, liquid, remission_confirmed, None)
}

/// Like [`build_liquid_calendar`], but with `through` an until-remission phase without a
/// confirmation date is shown continuing daily through that date and the calendar ends there,
/// marked provisional (as [`crate::taper::build_provisional_calendar`] does for tablets).
pub fn build_liquid_calendar_through(
    plan: &CoursePlan,
    liquid: Liquid,
    remission_confirmed: Option<NaiveDate>,
    through: Option<NaiveDate>,
) -> Result<LiquidTaperCalendar> {
    liquid.validate("liquid")?;
    let (calendar, requested) =
        build_with_step(plan, remission_confirmed, through, liquid.step_mg())?;
    let mut days = Vec::with_capacity(calendar.days.len());
    let (mut total_mg, mut total_ml) = (0.0, 0.0);
    for (day, requested_mg) in calendar.days.iter().zip(requested) {
        let (mg, ml) = if requested_mg > 0.0 {
            let refused = |error: Error| match error {
                Error::NotMeasurable { reason } => Error::NotMeasurable {
                    reason: format!("on {} (phases[{}]), {reason}", day.date, day.phase),
                },
                other => other,
            };
            if requested_mg / liquid.concentration_mg_per_ml
                < liquid.syringe_step_ml * (1.0 - crate::numeric::TIE_EPSILON)
            {
                // Below one graduation: measure() refuses it with its reason.
                liquid.measure(requested_mg).map_err(refused)?;
            }
            let steps = round_steps_ties_down(day.mg, liquid.step_mg());
            let measured = liquid.measured(steps, requested_mg).map_err(refused)?;
            (measured.mg, measured.ml)
        } else {
            (0.0, 0.0)
        };
        total_mg += mg;
        total_ml += ml;
        days.push(LiquidTaperDay {
            date: day.date,
            mg,
            ml,
            phase: day.phase,
            family_text: if ml > 0.0 {
                family_text(Measured { ml, mg })
            } else {
                String::new()
            },
        });
    }
    let dosed = || days.iter().filter(|d| d.ml > 0.0).map(|d| d.date);
    Ok(LiquidTaperCalendar {
        total_mg: clean(total_mg),
        total_ml: clean(total_ml),
        dosing_days: u32::try_from(dosed().count()).unwrap_or(u32::MAX),
        first_dosing_day: dosed().next(),
        last_dosing_day: dosed().next_back(),
        provisional: calendar.provisional,
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taper::{DoseBasis, Frequency, Phase, PhaseLength, TabletSpec};

    fn plan(phases: Vec<Phase>) -> CoursePlan {
        CoursePlan {
            start: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            weight_kg: 12.0,
            height_cm: None,
            tablets: TabletSpec::default(),
            liquid: None,
            phases,
        }
    }

    fn phase(dose: DoseBasis, frequency: Frequency, days: u32) -> Phase {
        Phase {
            dose: Some(dose),
            max_mg: None,
            frequency,
            length: PhaseLength::Days(days),
        }
    }

    #[test]
    fn alternate_days_are_measured_only_on_dosing_days() {
        // 12 kg × 2 mg/kg = 24 mg of 5 mg/mL = 4.8 mL; the days off are 0 mL, not refused.
        let p = plan(vec![phase(
            DoseBasis::MgPerKg(2.0),
            Frequency::AlternateDay,
            3,
        )]);
        let c = build_liquid_calendar(&p, Liquid::new(5.0), None).unwrap();
        let ml: Vec<f64> = c.days.iter().map(|d| d.ml).collect();
        assert_eq!(ml, vec![4.8, 0.0, 4.8]);
        assert_eq!((c.total_mg, c.total_ml, c.dosing_days), (48.0, 9.6, 2));
    }

    #[test]
    fn a_taper_block_that_cannot_be_measured_refuses_the_calendar_naming_the_day() {
        // 4, 3, 2, 1 mg of 10 mg/mL with 0.2 mL marks: 0.4 mL is two marks; 0.3 mL is a tie,
        // down to 0.2 mL = 2 mg, 33 % below 3 mg: the second day is refused.
        let p = plan(vec![Phase {
            dose: None,
            max_mg: None,
            frequency: Frequency::Daily,
            length: PhaseLength::Taper {
                from_mg: 4.0,
                to_mg: 1.0,
                step_mg: 1.0,
                every_days: 1,
            },
        }]);
        let liquid = Liquid {
            concentration_mg_per_ml: 10.0,
            syringe_step_ml: 0.2,
        };
        let err = build_liquid_calendar(&p, liquid, None).unwrap_err();
        assert_eq!(err.code(), "not_measurable");
        assert!(err.to_string().contains("2025-03-02"), "{err}");
        // With 0.1 mL marks every block is exact: 0.4, 0.3, 0.2, 0.1 mL.
        let c = build_liquid_calendar(&p, Liquid::new(10.0), None).unwrap();
        let ml: Vec<f64> = c.days.iter().map(|d| d.ml).collect();
        assert_eq!(ml, vec![0.4, 0.3, 0.2, 0.1]);
        // 1 mg of 20 mg/mL is 0.05 mL, below one 0.1 mL mark.
        let one = plan(vec![phase(DoseBasis::Mg(1.0), Frequency::Daily, 1)]);
        let err = build_liquid_calendar(&one, Liquid::new(20.0), None).unwrap_err();
        assert!(err.to_string().contains("less than one mark"), "{err}");
    }

    #[test]
    fn the_cap_holds_in_graduations() {
        // 12 kg × 5 mg/kg = 60 mg capped at 7.3 mg; 2 mg/mL with 1 mL marks: 7.3 mg = 3.65 mL,
        // rounds to 4 mL = 8 mg above the cap, so 3 mL = 6 mg (17.8 % below 7.3 mg: refused).
        let mut capped = phase(DoseBasis::MgPerKg(5.0), Frequency::Daily, 1);
        capped.max_mg = Some(7.3);
        let coarse = Liquid {
            concentration_mg_per_ml: 2.0,
            syringe_step_ml: 1.0,
        };
        let err = build_liquid_calendar(&plan(vec![capped.clone()]), coarse, None).unwrap_err();
        assert_eq!(err.code(), "not_measurable");
        // With 0.1 mL marks: 3.65 mL is a tie, down to 3.6 mL = 7.2 mg, within the cap.
        let c = build_liquid_calendar(&plan(vec![capped]), Liquid::new(2.0), None).unwrap();
        assert_eq!((c.days[0].ml, c.days[0].mg), (3.6, 7.2));
    }

    #[test]
    fn a_bad_liquid_is_invalid_input() {
        let p = plan(vec![phase(DoseBasis::Mg(10.0), Frequency::Daily, 1)]);
        let err = build_liquid_calendar(&p, Liquid::new(0.0), None).unwrap_err();
        assert!(
            matches!(err, Error::Invalid { ref field, .. } if field == "liquid.concentration_mg_per_ml")
        );
    }
}

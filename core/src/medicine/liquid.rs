//! Oral solutions and suspensions measured with an oral syringe (clinical-rules §12, "Liquids").
//!
//! Volume = mg ÷ concentration, rounded to the graduation of the family's oral syringe (**policy**,
//! default 0.1 mL; ties round down). The dose actually given is volume × concentration. A
//! requested volume below one graduation, a volume that rounds to 0 mL, or a rounding that moves
//! the dose by more than 10 % (|given − requested| > 0.10 × requested) is not measurable: "ask
//! your pharmacist for a different strength".

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::numeric::{clean, round_steps_ties_down, steps_to_amount, TIE_EPSILON};

/// The default syringe graduation in mL (clinical-rules §12, **policy**).
pub const DEFAULT_SYRINGE_STEP_ML: f64 = 0.1;
/// The highest concentration accepted, in mg/mL (conformance.md suite `dose`: (0, 1000]).
pub const MAX_CONCENTRATION_MG_PER_ML: f64 = 1000.0;
/// The coarsest syringe graduation accepted, in mL (conformance.md suite `dose`: (0, 10]).
pub const MAX_SYRINGE_STEP_ML: f64 = 10.0;
/// The largest share by which rounding to the graduation may move a dose (clinical-rules §12).
pub const MAX_ROUNDING_SHARE: f64 = 0.10;

/// A liquid the family measures with an oral syringe.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Liquid {
    /// The concentration in mg per mL, in (0, 1000].
    pub concentration_mg_per_ml: f64,
    /// The graduation of the family's oral syringe in mL, in (0, 10] (**policy**, default 0.1).
    pub syringe_step_ml: f64,
}

/// A liquid as a shell enters it: the graduation may be left out (the default syringe).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LiquidInput {
    /// The concentration in mg per mL, above 0 and at most 1000.
    pub concentration_mg_per_ml: f64,
    /// The graduation of the family's oral syringe in mL (policy; 0.1 when not given), above 0
    /// and at most 10.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub syringe_step_ml: Option<f64>,
}

impl From<LiquidInput> for Liquid {
    /// The liquid with the default graduation where none was given (clinical-rules §12).
    fn from(input: LiquidInput) -> Liquid {
        Liquid {
            concentration_mg_per_ml: input.concentration_mg_per_ml,
            syringe_step_ml: input.syringe_step_ml.unwrap_or(DEFAULT_SYRINGE_STEP_ML),
        }
    }
}

impl From<Liquid> for LiquidInput {
    /// The liquid as entered, its graduation always given.
    fn from(liquid: Liquid) -> LiquidInput {
        LiquidInput {
            concentration_mg_per_ml: liquid.concentration_mg_per_ml,
            syringe_step_ml: Some(liquid.syringe_step_ml),
        }
    }
}

impl Liquid {
    /// A liquid of `concentration_mg_per_ml` measured with the default 0.1 mL syringe.
    pub fn new(concentration_mg_per_ml: f64) -> Liquid {
        Liquid {
            concentration_mg_per_ml,
            syringe_step_ml: DEFAULT_SYRINGE_STEP_ML,
        }
    }

    /// Refuses a concentration outside (0, 1000] mg/mL or a graduation outside (0, 10] mL
    /// (NaN and infinities included); `field` prefixes the field named (`liquid`).
    pub fn validate(&self, field: &str) -> Result<()> {
        let c = self.concentration_mg_per_ml;
        if !c.is_finite() || c <= 0.0 || c > MAX_CONCENTRATION_MG_PER_ML {
            return Err(Error::invalid(
                format!("{field}.concentration_mg_per_ml"),
                "must be a number above 0 and at most 1000 mg/mL",
            ));
        }
        let s = self.syringe_step_ml;
        if !s.is_finite() || s <= 0.0 || s > MAX_SYRINGE_STEP_ML {
            return Err(Error::invalid(
                format!("{field}.syringe_step_ml"),
                "must be a number above 0 and at most 10 mL",
            ));
        }
        Ok(())
    }

    /// The mg one graduation holds: the rounding step of a dose in mg.
    pub fn step_mg(&self) -> f64 {
        self.syringe_step_ml * self.concentration_mg_per_ml
    }

    /// Measures a requested dose (clinical-rules §12): the volume rounded to the graduation, ties
    /// down, and the mg that volume holds. A requested volume below one graduation, a volume that
    /// rounds to 0 mL, or a rounding that moves the dose by more than 10 % is
    /// [`Error::NotMeasurable`]. The liquid must have been validated.
    pub fn measure(&self, requested_mg: f64) -> Result<Measured> {
        let requested_ml = requested_mg / self.concentration_mg_per_ml;
        // A volume within the tie tolerance of one graduation is one graduation.
        if requested_ml < self.syringe_step_ml * (1.0 - TIE_EPSILON) {
            return Err(not_measurable(
                "the volume is less than one mark of the oral syringe",
            ));
        }
        let steps = round_steps_ties_down(requested_ml, self.syringe_step_ml);
        self.measured(steps, requested_mg)
    }

    /// The measured dose of a whole number of graduations, refused when it moves the requested
    /// dose by more than 10 % or is 0 mL.
    pub(crate) fn measured(&self, steps: u64, requested_mg: f64) -> Result<Measured> {
        if steps == 0 {
            return Err(not_measurable("the volume rounds to 0 mL"));
        }
        let ml = steps_to_amount(steps, self.syringe_step_ml);
        let mg = clean(ml * self.concentration_mg_per_ml);
        // A dose too small to write (below a nanogram) is no dose, whatever its rounding share.
        if mg <= 0.0 {
            return Err(not_measurable("the dose rounds to 0 mg"));
        }
        // |given − requested| > 0.10 × requested, with the tie tolerance on the boundary.
        if (mg - requested_mg).abs() > MAX_ROUNDING_SHARE * requested_mg + TIE_EPSILON {
            return Err(not_measurable(
                "rounding to the syringe's marks changes the dose by more than 10 %",
            ));
        }
        Ok(Measured { ml, mg })
    }
}

/// A dose measured with an oral syringe.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// The volume to draw, in mL (a whole number of graduations).
    pub ml: f64,
    /// The mg that volume holds: the dose actually given.
    pub mg: f64,
}

fn not_measurable(reason: &str) -> Error {
    Error::NotMeasurable {
        reason: reason.to_string(),
    }
}

/// What the family reads for a liquid dose: "2.4 mL (12 mg)" (clinical-rules §12).
pub fn family_text(measured: Measured) -> String {
    format!("{} mL ({} mg)", clean(measured.ml), clean(measured.mg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<Measured>) -> &'static str {
        result.map(|_| "ok").unwrap_or_else(|e| e.code())
    }

    #[test]
    fn the_family_reads_millilitres_then_milligrams() {
        let measured = Liquid::new(5.0).measure(12.0).unwrap();
        assert_eq!(measured, Measured { ml: 2.4, mg: 12.0 });
        assert_eq!(family_text(measured), "2.4 mL (12 mg)");
        // Binary noise never reaches the text: 0.1 × 3 mL of 10 mg/mL.
        assert_eq!(
            family_text(Liquid::new(10.0).measure(3.0).unwrap()),
            "0.3 mL (3 mg)"
        );
    }

    #[test]
    fn a_dose_that_rounds_to_0_mg_is_not_measurable() {
        // A concentration of a trillionth of a mg per mL: one mark holds less than a nanogram.
        let faint = Liquid {
            concentration_mg_per_ml: 1e-12,
            syringe_step_ml: 0.1,
        };
        faint.validate("liquid").unwrap();
        assert!(matches!(
            faint.measure(1e-13),
            Err(Error::NotMeasurable { .. })
        ));
    }

    #[test]
    fn a_tie_between_two_marks_rounds_down() {
        // 12.5 mg of 10 mg/mL = 1.25 mL: 1.2 mL = 12 mg (4 % off, accepted).
        let m = Liquid::new(10.0).measure(12.5).unwrap();
        assert_eq!((m.ml, m.mg), (1.2, 12.0));
        // 1.26 mL is past the tie: 1.3 mL.
        assert_eq!(Liquid::new(10.0).measure(12.6).unwrap().ml, 1.3);
    }

    #[test]
    fn ten_percent_is_accepted_and_more_is_not_measurable() {
        // 1 mL marks of 10 mg/mL: 55 mg = 5.5 mL, a tie, down to 5 mL = 50 mg (9.1 % off).
        let coarse = Liquid {
            concentration_mg_per_ml: 10.0,
            syringe_step_ml: 1.0,
        };
        assert_eq!(coarse.measure(55.0).unwrap().mg, 50.0);
        // 15 mg = 1.5 mL, a tie, down to 1 mL = 10 mg (33 % off): refused.
        assert_eq!(code(coarse.measure(15.0)), "not_measurable");
        // Two 5 mL marks of 1 mg/mL give 10 mg: exactly 10 % off either way is accepted.
        let five = Liquid {
            concentration_mg_per_ml: 1.0,
            syringe_step_ml: 5.0,
        };
        assert!(five.measured(2, 10.0 / 1.1).is_ok(), "exactly 10 % above");
        assert!(five.measured(2, 10.0 / 0.9).is_ok(), "exactly 10 % below");
        assert_eq!(code(five.measured(2, 9.0)), "not_measurable", "11 % above");
        assert_eq!(
            code(five.measured(2, 11.2)),
            "not_measurable",
            "10.7 % below"
        );
    }

    #[test]
    fn less_than_one_mark_is_not_measurable_even_when_close() {
        // 0.096 mL rounds to 0.1 mL (4 % off) but is below one mark of the syringe.
        assert_eq!(code(Liquid::new(10.0).measure(0.96)), "not_measurable");
        // Exactly one mark is measurable.
        assert_eq!(Liquid::new(10.0).measure(1.0).unwrap().ml, 0.1);
        assert_eq!(code(Liquid::new(10.0).measure(0.0)), "not_measurable");
    }

    #[test]
    fn concentration_and_graduation_are_bounded() {
        let field = |liquid: Liquid| match liquid.validate("liquid") {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        };
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY, 1e9, 1000.000001] {
            assert_eq!(field(Liquid::new(bad)), "liquid.concentration_mg_per_ml");
        }
        assert!(Liquid::new(1000.0).validate("liquid").is_ok());
        for bad in [0.0, -0.1, f64::NAN, 10.5] {
            let liquid = Liquid {
                syringe_step_ml: bad,
                ..Liquid::new(5.0)
            };
            assert_eq!(field(liquid), "liquid.syringe_step_ml");
        }
        let ten = Liquid {
            syringe_step_ml: 10.0,
            ..Liquid::new(5.0)
        };
        assert!(ten.validate("liquid").is_ok());
    }

    #[test]
    fn an_entered_liquid_without_a_graduation_uses_the_default_syringe() {
        let entered = LiquidInput {
            concentration_mg_per_ml: 5.0,
            syringe_step_ml: None,
        };
        assert_eq!(Liquid::from(entered), Liquid::new(5.0));
        let coarse = LiquidInput {
            syringe_step_ml: Some(0.5),
            ..entered
        };
        assert_eq!(Liquid::from(coarse).syringe_step_ml, 0.5);
        // Read back, the graduation in use is always given.
        assert_eq!(
            LiquidInput::from(Liquid::new(5.0)).syringe_step_ml,
            Some(DEFAULT_SYRINGE_STEP_ML)
        );
    }
}

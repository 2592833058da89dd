//! A taper calendar built without storing anything, on input as a shell or a conformance case
//! writes it (clinical-rules §2 and §4): dates are text, parsed here so that a refusal names
//! its field (`start`, `remission_confirmed`), and tablets take their defaults when not given.

use chrono::NaiveDate;

use super::{
    build_calendar, CoursePlan, CourseTemplate, Phase, PhaseLength, TabletSpec, TaperCalendar,
};
use crate::dates::parse_date;
use crate::diary::courses::course_phases;
use crate::error::{Error, Result};
use crate::medicine::liquid::Liquid;
use crate::medicine::liquid_taper::{build_liquid_calendar, LiquidTaperCalendar};

/// A taper calendar to build without storing anything, as in the conformance suite `taper`:
/// either a `template` or `phases`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "TaperCaseInput"))]
pub struct TaperCase {
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Weight in kg.
    pub weight_kg: f64,
    /// Height in cm (needed for mg/m²).
    pub height_cm: Option<f64>,
    /// Tablet strength in mg (default 5).
    pub tablet_mg: Option<f64>,
    /// Whether tablets may be halved (default true).
    pub allow_half: Option<bool>,
    /// A template, or none with `phases`.
    pub template: Option<CourseTemplate>,
    /// The phases, or empty with a template.
    pub phases: Vec<Phase>,
    /// The remission date (required when a phase runs until remission), `YYYY-MM-DD`.
    pub remission_confirmed: Option<String>,
}

impl TaperCase {
    /// The calendar in tablets (clinical-rules §4). Refuses bad input naming the field: a zero
    /// weight (`weight_kg`), a negative cap (`phases[0].max_mg`), both or neither of template
    /// and phases (`template`, `phases`), an until-remission phase without a remission date
    /// (`remission_confirmed`), a malformed date (`start`, `remission_confirmed`).
    pub fn calendar(&self) -> Result<TaperCalendar> {
        let tablets = TabletSpec::or_default(self.tablet_mg, self.allow_half);
        build_calendar(&self.plan(tablets)?, self.remission()?)
    }

    /// The calendar given as `liquid`, every dosing day in mg and mL (clinical-rules §4 with
    /// §12). `tablet_mg` and `allow_half` must be empty (refused naming them); a dosing day the
    /// syringe cannot measure is refused as not measurable.
    pub fn liquid_calendar(&self, liquid: Liquid) -> Result<LiquidTaperCalendar> {
        for (field, given) in [
            ("tablet_mg", self.tablet_mg.is_some()),
            ("allow_half", self.allow_half.is_some()),
        ] {
            if given {
                return Err(Error::invalid(
                    field,
                    "a liquid calendar has no tablets; give liquid only",
                ));
            }
        }
        let plan = self.plan(TabletSpec::default())?;
        build_liquid_calendar(&plan, liquid, self.remission()?)
    }

    /// The plan on `tablets`, each field read and refused by name.
    fn plan(&self, tablets: TabletSpec) -> Result<CoursePlan> {
        let phases = course_phases(self.template, &self.phases, None, self.weight_kg, &tablets)?;
        Ok(CoursePlan {
            start: parse_date("start", &self.start)?,
            weight_kg: self.weight_kg,
            height_cm: self.height_cm,
            tablets,
            liquid: None,
            phases,
        })
    }

    fn remission(&self) -> Result<Option<NaiveDate>> {
        self.remission_confirmed
            .as_deref()
            .map(|d| parse_date("remission_confirmed", d))
            .transpose()
    }
}

/// The taper of a phase as written in a conformance case (`every_days` may be any whole number
/// there), for [`PhaseLength::from_case`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaperSteps {
    /// mg of the first block.
    pub from_mg: f64,
    /// mg of the last block.
    pub to_mg: f64,
    /// How much each block is lower than the one before.
    pub step_mg: f64,
    /// Days per block.
    pub every_days: i64,
}

impl PhaseLength {
    /// Reads a phase length written as in a conformance case: exactly one of `days`,
    /// `until_remission` (true) and `taper`. `field` names the phase (e.g. `phases[0]`). A
    /// negative day count reads as 0 and a huge one saturates: the calendar refuses both, naming
    /// the field.
    pub fn from_case(
        field: &str,
        days: Option<i64>,
        until_remission: Option<bool>,
        taper: Option<TaperSteps>,
    ) -> Result<PhaseLength> {
        match (days, until_remission, taper) {
            (Some(days), None, None) => Ok(PhaseLength::Days(day_count(days))),
            (None, Some(true), None) => Ok(PhaseLength::UntilRemission),
            (None, Some(false), None) => Err(Error::invalid(
                format!("{field}.until_remission"),
                "must be true when given",
            )),
            (None, None, Some(t)) => Ok(PhaseLength::Taper {
                from_mg: t.from_mg,
                to_mg: t.to_mg,
                step_mg: t.step_mg,
                every_days: day_count(t.every_days),
            }),
            _ => Err(Error::invalid(
                field,
                "needs exactly one length: days, until_remission or taper",
            )),
        }
    }
}

/// A whole-number day count as the calendar's: negative → 0, huge → saturated (both refused).
fn day_count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

impl TabletSpec {
    /// The tablets given, each part taking its default when not given (5 mg, halves allowed).
    pub fn or_default(tablet_mg: Option<f64>, allow_half: Option<bool>) -> TabletSpec {
        let defaults = TabletSpec::default();
        TabletSpec {
            tablet_mg: tablet_mg.unwrap_or(defaults.tablet_mg),
            allow_half: allow_half.unwrap_or(defaults.allow_half),
        }
    }

    /// The tablets of a course as entered: [`TabletSpec::or_default`], but a course given as a
    /// liquid (`liquid_given`) has no tablets, so a `tablet_mg` or `allow_half` given with it is
    /// refused naming that field (clinical-rules §12, "Liquids").
    pub fn for_course(
        tablet_mg: Option<f64>,
        allow_half: Option<bool>,
        liquid_given: bool,
    ) -> Result<TabletSpec> {
        if liquid_given {
            for (field, given) in [
                ("tablet_mg", tablet_mg.is_some()),
                ("allow_half", allow_half.is_some()),
            ] {
                if given {
                    return Err(Error::invalid(
                        field,
                        "a course given as a liquid has no tablets; give liquid only",
                    ));
                }
            }
        }
        Ok(TabletSpec::or_default(tablet_mg, allow_half))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taper::{DoseBasis, Frequency};
    use crate::test_support::refused_field;

    fn case(phases: Vec<Phase>) -> TaperCase {
        TaperCase {
            start: "2025-01-15".into(),
            weight_kg: 20.0,
            height_cm: Some(115.0),
            tablet_mg: None,
            allow_half: None,
            template: None,
            phases,
            remission_confirmed: None,
        }
    }

    fn daily_mg(mg: f64, days: u32) -> Phase {
        Phase {
            dose: Some(DoseBasis::Mg(mg)),
            max_mg: None,
            frequency: Frequency::Daily,
            length: PhaseLength::Days(days),
        }
    }

    #[test]
    fn a_case_builds_on_default_tablets_and_names_its_text_fields() {
        let calendar = case(vec![daily_mg(12.5, 3)]).calendar().unwrap();
        assert_eq!(calendar.days.len(), 3);
        assert_eq!(calendar.days[0].tablets.whole, 2);
        assert_eq!(calendar.days[0].tablets.halves, 1);

        let bad_start = TaperCase {
            start: "15/01/2025".into(),
            ..case(vec![daily_mg(10.0, 3)])
        };
        assert_eq!(refused_field(bad_start.calendar()), "start");
        let bad_remission = TaperCase {
            remission_confirmed: Some("2025-02-30".into()),
            ..case(vec![daily_mg(10.0, 3)])
        };
        assert_eq!(
            refused_field(bad_remission.calendar()),
            "remission_confirmed"
        );
    }

    #[test]
    fn a_liquid_case_refuses_tablets_by_name() {
        let liquid = Liquid::new(5.0);
        let with_strength = TaperCase {
            tablet_mg: Some(5.0),
            ..case(vec![daily_mg(10.0, 3)])
        };
        assert_eq!(
            refused_field(with_strength.liquid_calendar(liquid)),
            "tablet_mg"
        );
        let with_halves = TaperCase {
            allow_half: Some(false),
            ..case(vec![daily_mg(10.0, 3)])
        };
        assert_eq!(
            refused_field(with_halves.liquid_calendar(liquid)),
            "allow_half"
        );
        let alternate = Phase {
            frequency: Frequency::AlternateDay,
            ..daily_mg(10.0, 2)
        };
        let calendar = case(vec![alternate]).liquid_calendar(liquid).unwrap();
        let days: Vec<_> = calendar
            .days
            .iter()
            .map(|d| (d.ml, d.family_text.as_str()))
            .collect();
        assert_eq!(days, [(2.0, "2 mL (10 mg)"), (0.0, "")]);
    }

    #[test]
    fn a_liquid_course_has_no_tablets() {
        assert_eq!(
            TabletSpec::for_course(None, None, true).unwrap(),
            TabletSpec::default()
        );
        assert_eq!(
            refused_field(TabletSpec::for_course(Some(5.0), None, true)),
            "tablet_mg"
        );
        assert_eq!(
            refused_field(TabletSpec::for_course(None, Some(true), true)),
            "allow_half"
        );
        let tablets = TabletSpec::for_course(Some(1.0), Some(false), false).unwrap();
        assert_eq!((tablets.tablet_mg, tablets.allow_half), (1.0, false));
    }

    #[test]
    fn a_case_phase_length_takes_exactly_one_form() {
        assert_eq!(
            PhaseLength::from_case("phases[0]", Some(-3), None, None).unwrap(),
            PhaseLength::Days(0)
        );
        assert_eq!(
            PhaseLength::from_case("phases[0]", Some(i64::MAX), None, None).unwrap(),
            PhaseLength::Days(u32::MAX)
        );
        assert_eq!(
            refused_field(PhaseLength::from_case("phases[1]", None, Some(false), None)),
            "phases[1].until_remission"
        );
        assert_eq!(
            refused_field(PhaseLength::from_case(
                "phases[2]",
                Some(3),
                Some(true),
                None
            )),
            "phases[2]"
        );
        assert_eq!(
            refused_field(PhaseLength::from_case("phases[3]", None, None, None)),
            "phases[3]"
        );
    }
}

//! Every medicine the child takes (clinical-rules §12): steroid calendars given as a liquid, the
//! cumulative cyclophosphamide dose, and what the family reads for a liquid dose. Converts and
//! delegates to `nephro_core::medicine`.

use nephro_core::dates::{format_date, parse_date};
use nephro_core::medicine::{cyclophosphamide, liquid, liquid_taper};
use nephro_core::store::course_phases;
use nephro_core::{taper, Error};

use crate::{LiquidInput, NephroError, TaperCaseInput};

/// One date of a steroid calendar given as a liquid.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LiquidTaperDay {
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    /// The mg given (0 on a day off).
    pub mg: f64,
    /// The volume to draw in mL (0 on a day off).
    pub ml: f64,
    /// What the family reads: "4.8 mL (24 mg)", or empty on a day off.
    pub family_text: String,
}

/// A steroid calendar given as a liquid (clinical-rules §4 with §12).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LiquidTaperCalendar {
    /// Every date from the start to the last day, in order.
    pub days: Vec<LiquidTaperDay>,
    /// Sum of mg.
    pub total_mg: f64,
    /// Sum of mL.
    pub total_ml: f64,
    /// Number of days with a dose.
    pub dosing_days: u32,
    /// First day with a dose, if any.
    pub first_dosing_day: Option<String>,
    /// Last day with a dose, if any.
    pub last_dosing_day: Option<String>,
}

/// Builds a steroid calendar given as a liquid, without storing anything: every dosing day in mg
/// and mL (clinical-rules §4 with §12). `input.tablet_mg` and `input.allow_half` must be empty
/// (field named otherwise). Refuses a bad concentration or graduation naming
/// `liquid.concentration_mg_per_ml` / `liquid.syringe_step_ml`, and a dosing day the syringe
/// cannot measure with `NotMeasurable` (its message names the date).
#[uniffi::export]
pub fn build_liquid_taper_calendar(
    input: TaperCaseInput,
    liquid: LiquidInput,
) -> Result<LiquidTaperCalendar, NephroError> {
    if input.tablet_mg.is_some() {
        return Err(Error::invalid(
            "tablet_mg",
            "a liquid calendar has no tablets; give liquid only",
        )
        .into());
    }
    if input.allow_half.is_some() {
        return Err(Error::invalid(
            "allow_half",
            "a liquid calendar has no tablets; give liquid only",
        )
        .into());
    }
    let tablets = taper::TabletSpec::default();
    let phases = input
        .phases
        .into_iter()
        .map(Into::into)
        .collect::<Vec<taper::Phase>>();
    let phases = course_phases(
        input.template.map(Into::into),
        &phases,
        None,
        input.weight_kg,
        &tablets,
    )?;
    let plan = taper::CoursePlan {
        start: parse_date("start", &input.start)?,
        weight_kg: input.weight_kg,
        height_cm: input.height_cm,
        tablets,
        phases,
    };
    let remission = input
        .remission_confirmed
        .as_deref()
        .map(|d| parse_date("remission_confirmed", d))
        .transpose()?;
    let calendar = liquid_taper::build_liquid_calendar(&plan, liquid.into(), remission)?;
    Ok(LiquidTaperCalendar {
        days: calendar
            .days
            .iter()
            .map(|d| LiquidTaperDay {
                date: format_date(d.date),
                mg: d.mg,
                ml: d.ml,
                family_text: if d.ml > 0.0 {
                    liquid::family_text(liquid::Measured { ml: d.ml, mg: d.mg })
                } else {
                    String::new()
                },
            })
            .collect(),
        total_mg: calendar.total_mg,
        total_ml: calendar.total_ml,
        dosing_days: calendar.dosing_days,
        first_dosing_day: calendar.first_dosing_day.map(format_date),
        last_dosing_day: calendar.last_dosing_day.map(format_date),
    })
}

/// A weight on a date, for the cumulative cyclophosphamide dose.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DatedWeightInput {
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    /// The weight in kg (1–250).
    pub weight_kg: f64,
}

/// A cyclophosphamide dose taken.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TakenDoseInput {
    /// The local date it was taken, `YYYY-MM-DD`.
    pub date: String,
    /// The mg taken.
    pub mg: f64,
}

/// A planned cyclophosphamide course: a rate for a number of days.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct CyclophosphamidePlan {
    /// The planned rate in mg/kg/day.
    pub mg_per_kg_per_day: f64,
    /// The planned length in days (1–366).
    pub days: u32,
}

/// What the cumulative cyclophosphamide dose needs (clinical-rules §12).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CyclophosphamideInput {
    /// The cumulative dose of courses given before the app, in mg/kg, entered by the care team.
    pub prior_mg_per_kg: f64,
    /// The child's weights.
    pub weights: Vec<DatedWeightInput>,
    /// The doses taken, any order.
    pub doses: Vec<TakenDoseInput>,
    /// A planned course to check against the 168 mg/kg limit.
    #[uniffi(default = None)]
    pub plan: Option<CyclophosphamidePlan>,
    /// The care team accepts a plan above the limit.
    #[uniffi(default = false)]
    pub override_limit: bool,
}

/// The cumulative cyclophosphamide dose (clinical-rules §12).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct CyclophosphamideCumulative {
    /// Prior dose plus every dose taken, each on the weight of its day, in mg/kg.
    pub cumulative_mg_per_kg: f64,
    /// True from 150 mg/kg: warn the family and show it on the report.
    pub warning: bool,
    /// The planned total (prior + rate × days) when a plan was given.
    pub planned_total_mg_per_kg: Option<f64>,
}

/// Sums the cumulative cyclophosphamide dose and checks a planned course (clinical-rules §12;
/// IPNA 2022 Table 5). A plan above 168 mg/kg is `DoseOutOfRange` unless overridden; a dose with
/// no weight on or before its day is refused naming `doses[i].date`.
#[uniffi::export]
pub fn cumulative_cyclophosphamide(
    input: CyclophosphamideInput,
) -> Result<CyclophosphamideCumulative, NephroError> {
    let weights = input
        .weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            Ok(cyclophosphamide::DatedWeight {
                date: parse_date(&format!("weights[{i}].date"), &w.date)?,
                weight_kg: w.weight_kg,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let doses = input
        .doses
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Ok(cyclophosphamide::TakenDose {
                date: parse_date(&format!("doses[{i}].date"), &d.date)?,
                mg: d.mg,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let cumulative = cyclophosphamide::cumulative_dose(input.prior_mg_per_kg, &doses, &weights)?;
    let planned_total_mg_per_kg = input
        .plan
        .map(|plan| {
            cyclophosphamide::check_course_plan(
                input.prior_mg_per_kg,
                plan.mg_per_kg_per_day,
                plan.days,
                input.override_limit,
            )
        })
        .transpose()?;
    Ok(CyclophosphamideCumulative {
        cumulative_mg_per_kg: cumulative.mg_per_kg,
        warning: cumulative.warning,
        planned_total_mg_per_kg,
    })
}

//! The steroid taper calendar (clinical-rules §4, KDIGO 2025 children's NS guideline; BSA by
//! Mosteller, clinical-rules §2).
//!
//! A course is a list of [`Phase`]s that follow one another with no gap. [`build_calendar`] turns
//! a [`CoursePlan`] into one [`TaperDay`] per date — mg, tablets and phase — from the first day to
//! the last day of the last phase. [`cumulative_exposure`] sums any (date, mg) series over a date
//! range, planned or logged. [`stamp_protocol`] builds the STAMP trial's course from the care
//! team's choices.

mod case;
pub mod course;
mod exposure;
mod stamp;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::body::bsa_mosteller;
use crate::bounds;
use crate::error::{Error, Result};
use crate::medicine::liquid::Liquid;
use crate::medicine::liquid_taper::build_liquid_calendar_through;
use crate::numeric::{
    require_non_negative, require_positive, round_steps_ties_down, steps_to_amount, TIE_EPSILON,
};

pub use case::{TaperCase, TaperSteps};
pub use exposure::{cumulative_exposure, Exposure};
pub use stamp::{stamp_protocol, StampStart, STAMP_TAPER_END_MG};

/// The longest course the calendar accepts, in days (about 10 years). Guards the calendar
/// against absurd lengths such as a taper with a tiny step or a remission date decades away.
pub const MAX_COURSE_DAYS: u32 = 3660;

/// How a phase's daily dose is prescribed (clinical-rules §4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DoseBasis {
    /// mg per kg of body weight.
    MgPerKg(f64),
    /// mg per m² of body surface area (Mosteller, unrounded; clinical-rules §2 and §4).
    MgPerM2(f64),
    /// A fixed amount in mg.
    Mg(f64),
}

/// How often a phase doses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Frequency {
    /// Every day of the phase.
    Daily,
    /// The phase's first day, then every second day (phase days 0, 2, 4, …); other days are 0 mg
    /// (clinical-rules §4).
    AlternateDay,
}

impl Frequency {
    /// The identifier used in the conformance cases (`daily`, `alternate_day`).
    pub fn id(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::AlternateDay => "alternate_day",
        }
    }

    /// Parses [`Frequency::id`], naming `field` when it is unknown.
    pub fn parse(field: &str, text: &str) -> Result<Frequency> {
        [Frequency::Daily, Frequency::AlternateDay]
            .into_iter()
            .find(|f| f.id() == text)
            .ok_or_else(|| Error::invalid(field, "must be daily or alternate_day"))
    }
}

/// How long a phase runs (clinical-rules §4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PhaseLength {
    /// A number of days (at least 1).
    Days(u32),
    /// Until remission is confirmed (the third consecutive remission-level day, clinical-rules
    /// §6): the phase runs from its first day through the confirmation day inclusive.
    UntilRemission,
    /// A linear taper: `from_mg`, lowered by `step_mg` every `every_days` days, ending after the
    /// block at `to_mg` has run `every_days` days. Needs `step_mg > 0`, `every_days ≥ 1`,
    /// `from_mg ≥ to_mg` and `from_mg − to_mg` a whole multiple of `step_mg`.
    Taper {
        /// mg per dosing day of the first block.
        from_mg: f64,
        /// mg per dosing day of the last block.
        to_mg: f64,
        /// How much each block is lower than the one before.
        step_mg: f64,
        /// How many days each block lasts.
        every_days: u32,
    },
}

/// One phase of a steroid course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "PhaseInput"))]
pub struct Phase {
    /// The dose basis; required for every phase except a taper, which takes its doses from the
    /// taper (and must leave this empty).
    pub dose: Option<DoseBasis>,
    /// The most mg given on a day of this phase; applied before rounding (clinical-rules §4).
    pub max_mg: Option<f64>,
    /// Daily or alternate-day.
    pub frequency: Frequency,
    /// How long the phase runs.
    pub length: PhaseLength,
}

/// The tablets a steroid is given as.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TabletSpec {
    /// Tablet strength in mg (prednisone/prednisolone 5 mg, clinical-rules §1).
    pub tablet_mg: f64,
    /// Whether a tablet may be halved.
    pub allow_half: bool,
}

impl Default for TabletSpec {
    /// 5 mg tablets that may be halved.
    fn default() -> Self {
        TabletSpec {
            tablet_mg: 5.0,
            allow_half: true,
        }
    }
}

impl TabletSpec {
    /// The rounding step: the tablet strength, or half of it when halves are allowed
    /// (clinical-rules §4).
    pub fn step_mg(&self) -> f64 {
        if self.allow_half {
            self.tablet_mg / 2.0
        } else {
            self.tablet_mg
        }
    }
}

/// The course templates shipped with the core (clinical-rules §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CourseTemplate {
    /// KDIGO 2025, relapse: 60 mg/m²/day (max 60) daily until remission, then 40 mg/m² (max 40)
    /// alternate days for 28 days.
    Kdigo2025Relapse,
    /// KDIGO 2025, initial episode: 60 mg/m²/day (max 60) daily for 28 days, then 40 mg/m²
    /// (max 40) alternate days for 28 days.
    Kdigo2025Initial,
    /// STAMP trial (NCT04048161): 1.0–1.5 mg/kg alternate days or 0.5–0.75 mg/kg/day daily, then
    /// a linear taper to 5 mg. The care team sets the starting dose, step and interval, so its
    /// phases come from [`stamp_protocol`], not from [`CourseTemplate::phases`].
    StampProtocol,
}

impl CourseTemplate {
    /// Every template, in a stable order.
    pub const ALL: [CourseTemplate; 3] = [
        CourseTemplate::Kdigo2025Relapse,
        CourseTemplate::Kdigo2025Initial,
        CourseTemplate::StampProtocol,
    ];

    /// The identifier used in files and the conformance cases.
    pub fn id(self) -> &'static str {
        match self {
            CourseTemplate::Kdigo2025Relapse => "kdigo2025_relapse",
            CourseTemplate::Kdigo2025Initial => "kdigo2025_initial",
            CourseTemplate::StampProtocol => "stamp_protocol",
        }
    }

    /// Parses [`CourseTemplate::id`], naming `field` when it is unknown.
    pub fn parse(field: &str, text: &str) -> Result<CourseTemplate> {
        CourseTemplate::ALL
            .into_iter()
            .find(|t| t.id() == text)
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    "must be kdigo2025_relapse, kdigo2025_initial or stamp_protocol",
                )
            })
    }

    /// The template's phases exactly as clinical-rules §4 lists them (KDIGO 2025 children's NS
    /// guideline). `StampProtocol` is refused here: it needs the care team's starting dose, step
    /// and interval, given to [`stamp_protocol`].
    pub fn phases(self) -> Result<Vec<Phase>> {
        let daily_60 = |length| Phase {
            dose: Some(DoseBasis::MgPerM2(60.0)),
            max_mg: Some(60.0),
            frequency: Frequency::Daily,
            length,
        };
        let alternate_40_for_28_days = Phase {
            dose: Some(DoseBasis::MgPerM2(40.0)),
            max_mg: Some(40.0),
            frequency: Frequency::AlternateDay,
            length: PhaseLength::Days(28),
        };
        match self {
            CourseTemplate::Kdigo2025Relapse => {
                Ok(vec![daily_60(PhaseLength::UntilRemission), alternate_40_for_28_days])
            }
            CourseTemplate::Kdigo2025Initial => Ok(vec![daily_60(PhaseLength::Days(28)), alternate_40_for_28_days]),
            CourseTemplate::StampProtocol => Err(Error::invalid(
                "template",
                "stamp_protocol needs the care team's starting dose, step and interval; give its phases explicitly",
            )),
        }
    }
}

/// A steroid course as the care team entered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CoursePlan {
    /// First day of the first phase.
    pub start: NaiveDate,
    /// Body weight in kg the course is calculated on.
    pub weight_kg: f64,
    /// Height in cm; needed when a phase is dosed in mg/m².
    pub height_cm: Option<f64>,
    /// The tablets given (not used when the course is given as a liquid).
    pub tablets: TabletSpec,
    /// The oral solution the course is given as, if not tablets (clinical-rules §12,
    /// "Liquids"): every dosing day is measured in mL with the syringe's graduation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquid: Option<Liquid>,
    /// The phases, in order; each starts the day after the previous one ends.
    pub phases: Vec<Phase>,
}

/// Tablets to give on one day: whole tablets plus at most one half tablet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Tablets {
    /// Whole tablets.
    pub whole: u64,
    /// Half tablets (0 or 1; only where halves are allowed).
    pub halves: u64,
}

/// One date of the calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaperDay {
    /// The date.
    pub date: NaiveDate,
    /// mg to give (0 on a day off).
    pub mg: f64,
    /// The tablets that make up `mg` (12.5 mg of 5 mg tablets = 2 whole + 1 half); none for a
    /// course given as a liquid.
    pub tablets: Tablets,
    /// For a course given as a liquid, the volume to draw in mL (0 on a day off, which is not
    /// measured); `None` for tablets (clinical-rules §12, "Liquids").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ml: Option<f64>,
    /// Index of the phase the date belongs to (0-based, into [`CoursePlan::phases`]).
    pub phase: u32,
}

/// The calendar of a steroid course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaperCalendar {
    /// Every date from the start to the last day of the last phase, in order.
    pub days: Vec<TaperDay>,
    /// Sum of mg over the calendar.
    pub total_mg: f64,
    /// Number of days with mg > 0.
    pub dosing_days: u32,
    /// First day with mg > 0, if any.
    pub first_dosing_day: Option<NaiveDate>,
    /// Last day with mg > 0, if any.
    pub last_dosing_day: Option<NaiveDate>,
    /// True when an until-remission phase has no confirmation date yet and is shown continuing
    /// through a chosen date ([`build_provisional_calendar`]); the phases after it are not shown.
    pub provisional: bool,
}

impl TaperCalendar {
    /// The days with mg > 0 — the steroid days the reminder engine schedules (clinical-rules §7).
    pub fn dosing_dates(&self) -> Vec<NaiveDate> {
        self.days
            .iter()
            .filter(|d| d.mg > 0.0)
            .map(|d| d.date)
            .collect()
    }

    /// The (date, mg) series of the calendar, e.g. for [`cumulative_exposure`].
    pub fn daily_mg(&self) -> impl Iterator<Item = (NaiveDate, f64)> + '_ {
        self.days.iter().map(|d| (d.date, d.mg))
    }
}

/// Builds the calendar of a course (clinical-rules §4; BSA by Mosteller, unrounded, §2).
///
/// `remission_confirmed` is the day remission was confirmed (clinical-rules §6: the third
/// consecutive remission-level day); it is required when a phase runs until remission and must
/// be on or after that phase's first day, and it is ignored otherwise. The until-remission phase
/// ends ON the confirmation day ("the phase ends on the day remission is confirmed", §4): that
/// day is dosed as part of it and the next phase starts the day after (shared conformance case
/// `taper/06-kdigo2025-relapse-template`: daily 60 mg 09-01..09-10 with remission confirmed
/// 09-10, alternate days from 09-11).
///
/// A plan given as a liquid ([`CoursePlan::liquid`]) is measured in mL on every dosing day as
/// [`crate::medicine::liquid_taper::build_liquid_calendar`] measures it (clinical-rules §12); a day that cannot be measured
/// refuses the calendar.
pub fn build_calendar(
    plan: &CoursePlan,
    remission_confirmed: Option<NaiveDate>,
) -> Result<TaperCalendar> {
    match plan.liquid {
        Some(liquid) => liquid_course_calendar(plan, liquid, remission_confirmed, None),
        None => build(plan, remission_confirmed, None, None).map(|(calendar, _)| calendar),
    }
}

/// Like [`build_calendar`], but an until-remission phase without a confirmation date is shown
/// continuing daily through `through` (the app "shows the daily dose as continuing" until
/// remission is logged) and the calendar ends there, marked provisional; the phases after it
/// are not scheduled yet. When `through` is before that phase's first day, the phase is shown
/// for its first day only. With a confirmation date, or with no until-remission phase, the
/// result is exactly [`build_calendar`]'s.
pub fn build_provisional_calendar(
    plan: &CoursePlan,
    remission_confirmed: Option<NaiveDate>,
    through: NaiveDate,
) -> Result<TaperCalendar> {
    match plan.liquid {
        Some(liquid) => liquid_course_calendar(plan, liquid, remission_confirmed, Some(through)),
        None => build(plan, remission_confirmed, Some(through), None).map(|(calendar, _)| calendar),
    }
}

/// A liquid plan's calendar: the measured calendar of
/// [`crate::medicine::liquid_taper::build_liquid_calendar`] (provisional
/// through `through` when given) as a [`TaperCalendar`] whose days carry their mL.
fn liquid_course_calendar(
    plan: &CoursePlan,
    liquid: Liquid,
    remission_confirmed: Option<NaiveDate>,
    through: Option<NaiveDate>,
) -> Result<TaperCalendar> {
    let measured = build_liquid_calendar_through(plan, liquid, remission_confirmed, through)?;
    Ok(TaperCalendar {
        days: measured
            .days
            .into_iter()
            .map(|day| TaperDay {
                date: day.date,
                mg: day.mg,
                tablets: Tablets {
                    whole: 0,
                    halves: 0,
                },
                ml: Some(day.ml),
                phase: day.phase,
            })
            .collect(),
        total_mg: measured.total_mg,
        dosing_days: measured.dosing_days,
        first_dosing_day: measured.first_dosing_day,
        last_dosing_day: measured.last_dosing_day,
        provisional: measured.provisional,
    })
}

/// The calendar of a course rounded to `step_mg` instead of the plan's tablets (whole steps, no
/// halves; a liquid's syringe graduation × concentration, clinical-rules §12), provisional
/// through `through` when given (as [`build_provisional_calendar`]), with every day's requested
/// mg after the cap and before rounding (0 on days off).
pub(crate) fn build_with_step(
    plan: &CoursePlan,
    remission_confirmed: Option<NaiveDate>,
    through: Option<NaiveDate>,
    step_mg: f64,
) -> Result<(TaperCalendar, Vec<f64>)> {
    build(plan, remission_confirmed, through, Some(step_mg))
}

fn build(
    plan: &CoursePlan,
    remission_confirmed: Option<NaiveDate>,
    through: Option<NaiveDate>,
    step_override: Option<f64>,
) -> Result<(TaperCalendar, Vec<f64>)> {
    // Hard bounds of clinical-rules §10 (weight, height, tablet strength; crate::bounds).
    let weight_kg = bounds::weight_kg("weight_kg", plan.weight_kg)?;
    if let Some(height) = plan.height_cm {
        bounds::height_cm("height_cm", height)?;
    }
    let (step_mg, allow_half) = match step_override {
        Some(step) => (step, false),
        None => {
            bounds::strength_mg("tablet_mg", plan.tablets.tablet_mg)?;
            (plan.tablets.step_mg(), plan.tablets.allow_half)
        }
    };
    if plan.phases.is_empty() {
        return Err(Error::invalid("phases", "needs at least one phase"));
    }
    for (index, phase) in plan.phases.iter().enumerate() {
        validate_phase(index, phase, plan.height_cm)?;
    }
    let bsa_m2 = match plan.height_cm {
        Some(height)
            if plan
                .phases
                .iter()
                .any(|p| matches!(p.dose, Some(DoseBasis::MgPerM2(_)))) =>
        {
            Some(bsa_mosteller(height, weight_kg)?)
        }
        _ => None,
    };

    let mut days: Vec<TaperDay> = Vec::new();
    let mut requested: Vec<f64> = Vec::new();
    let mut total_steps: u64 = 0;
    let mut provisional = false;
    for (index, phase) in plan.phases.iter().enumerate() {
        // Phases follow one another with no gap: this one starts after the days built so far.
        let phase_start = add_days(plan.start, days.len() as u64)?;
        let length = match phase.length {
            PhaseLength::Days(n) => u64::from(n),
            PhaseLength::Taper {
                from_mg,
                to_mg,
                step_mg: taper_step,
                every_days,
            } => taper_levels(from_mg, to_mg, taper_step) * u64::from(every_days),
            PhaseLength::UntilRemission => {
                let end = match (remission_confirmed, through) {
                    (Some(confirmed), _) if confirmed < phase_start => return Err(Error::invalid(
                        "remission_confirmed",
                        "must be on or after the first day of the phase that runs until remission",
                    )),
                    (Some(confirmed), _) => confirmed,
                    (None, Some(through)) => {
                        provisional = true;
                        through.max(phase_start)
                    }
                    (None, None) => {
                        return Err(Error::invalid(
                            "remission_confirmed",
                            "is required when a phase runs until remission",
                        ))
                    }
                };
                // Inclusive of the confirmation day; non-negative because end ≥ phase_start.
                u64::try_from((end - phase_start).num_days() + 1).unwrap_or(u64::MAX)
            }
        };
        if (days.len() as u64).saturating_add(length) > u64::from(MAX_COURSE_DAYS) {
            return Err(too_long());
        }
        let phase_index = u32::try_from(index).unwrap_or(u32::MAX);
        for day in 0..length {
            let date = add_days(phase_start, day)?;
            let dosed = phase.frequency == Frequency::Daily || day % 2 == 0;
            let (steps, capped_mg) = if dosed {
                let raw_mg = raw_daily_mg(phase, day, weight_kg, bsa_m2);
                let capped = phase.max_mg.map_or(raw_mg, |cap| raw_mg.min(cap));
                (dose_steps(raw_mg, phase.max_mg, step_mg), capped)
            } else {
                (0, 0.0)
            };
            total_steps = total_steps.saturating_add(steps);
            requested.push(capped_mg);
            days.push(TaperDay {
                date,
                mg: steps_to_amount(steps, step_mg),
                tablets: tablets_for(steps, allow_half),
                ml: None,
                phase: phase_index,
            });
        }
        if provisional {
            break;
        }
    }

    let dosed_dates = || days.iter().filter(|d| d.mg > 0.0).map(|d| d.date);
    let calendar = TaperCalendar {
        total_mg: steps_to_amount(total_steps, step_mg),
        dosing_days: u32::try_from(dosed_dates().count()).unwrap_or(u32::MAX),
        first_dosing_day: dosed_dates().next(),
        last_dosing_day: dosed_dates().next_back(),
        provisional,
        days,
    };
    Ok((calendar, requested))
}

fn add_days(date: NaiveDate, days: u64) -> Result<NaiveDate> {
    date.checked_add_days(Days::new(days))
        .ok_or_else(|| Error::invalid("start", "the course runs past the last supported date"))
}

fn too_long() -> Error {
    Error::invalid(
        "phases",
        format!("course longer than 10 years ({MAX_COURSE_DAYS} days)"),
    )
}

/// Checks one phase on its own (clinical-rules §4), naming `phases[index].…` fields.
fn validate_phase(index: usize, phase: &Phase, height_cm: Option<f64>) -> Result<()> {
    let field = |key: &str| format!("phases[{index}].{key}");
    let is_taper = matches!(phase.length, PhaseLength::Taper { .. });
    match (phase.dose, is_taper) {
        (Some(_), true) => {
            return Err(Error::invalid(
                field("dose"),
                "a taper phase takes its doses from the taper; leave dose out",
            ))
        }
        (None, false) => {
            return Err(Error::invalid(
                field("dose"),
                "is required for a phase that is not a taper",
            ))
        }
        (Some(DoseBasis::MgPerKg(x)), false) => {
            require_non_negative(&field("dose.mg_per_kg"), x)?;
        }
        (Some(DoseBasis::Mg(x)), false) => {
            require_non_negative(&field("dose.mg"), x)?;
        }
        (Some(DoseBasis::MgPerM2(x)), false) => {
            require_non_negative(&field("dose.mg_per_m2"), x)?;
            if height_cm.is_none() {
                return Err(Error::invalid("height_cm", "is required for a mg/m² phase"));
            }
        }
        (None, true) => {}
    }
    if let Some(cap) = phase.max_mg {
        require_non_negative(&field("max_mg"), cap)?;
    }
    match phase.length {
        PhaseLength::Days(0) => Err(Error::invalid(field("days"), "must be at least 1")),
        PhaseLength::Days(n) if n > MAX_COURSE_DAYS => Err(too_long()),
        PhaseLength::Days(_) | PhaseLength::UntilRemission => Ok(()),
        PhaseLength::Taper {
            from_mg,
            to_mg,
            step_mg,
            every_days,
        } => {
            require_non_negative(&field("taper.from_mg"), from_mg)?;
            require_non_negative(&field("taper.to_mg"), to_mg)?;
            require_positive(&field("taper.step_mg"), step_mg)?;
            if every_days < 1 {
                return Err(Error::invalid(
                    field("taper.every_days"),
                    "must be at least 1",
                ));
            }
            if from_mg < to_mg {
                return Err(Error::invalid(
                    field("taper.to_mg"),
                    "must not be above from_mg: a taper goes down",
                ));
            }
            let steps = (from_mg - to_mg) / step_mg;
            if steps > f64::from(MAX_COURSE_DAYS) {
                return Err(too_long());
            }
            if (steps - steps.round()).abs() > TIE_EPSILON {
                return Err(Error::invalid(
                    field("taper.step_mg"),
                    "from_mg minus to_mg must be a whole multiple of step_mg",
                ));
            }
            if taper_levels(from_mg, to_mg, step_mg) * u64::from(every_days)
                > u64::from(MAX_COURSE_DAYS)
            {
                return Err(too_long());
            }
            Ok(())
        }
    }
}

/// Number of blocks of a validated linear taper: from_mg, from_mg − step, …, to_mg.
fn taper_levels(from_mg: f64, to_mg: f64, step_mg: f64) -> u64 {
    ((from_mg - to_mg) / step_mg).round() as u64 + 1
}

/// The dose of phase day `day` (0-based) before the cap and rounding.
fn raw_daily_mg(phase: &Phase, day: u64, weight_kg: f64, bsa_m2: Option<f64>) -> f64 {
    match (phase.length, phase.dose) {
        (
            PhaseLength::Taper {
                from_mg,
                to_mg,
                step_mg,
                every_days,
            },
            _,
        ) => {
            let block = day / u64::from(every_days.max(1));
            let last_block = taper_levels(from_mg, to_mg, step_mg) - 1;
            // The last block is exactly to_mg, whatever binary noise the multiplication carries.
            if block >= last_block {
                to_mg
            } else {
                from_mg - block as f64 * step_mg
            }
        }
        (_, Some(DoseBasis::MgPerKg(rate))) => rate * weight_kg,
        // BSA is present whenever a mg/m² phase passed validation.
        (_, Some(DoseBasis::MgPerM2(rate))) => rate * bsa_m2.unwrap_or(0.0),
        (_, Some(DoseBasis::Mg(mg))) => mg,
        (_, None) => 0.0,
    }
}

/// A day's dose in tablet steps (clinical-rules §4): the cap applies before rounding; the capped
/// dose is rounded to the nearest step with ties down; if that is still above the cap (a cap that
/// is not a step multiple), the largest step multiple not above the cap is used.
fn dose_steps(raw_mg: f64, cap_mg: Option<f64>, step_mg: f64) -> u64 {
    let capped = cap_mg.map_or(raw_mg, |cap| raw_mg.min(cap));
    let steps = round_steps_ties_down(capped, step_mg);
    match cap_mg {
        Some(cap) if steps_to_amount(steps, step_mg) > cap + TIE_EPSILON => {
            (cap / step_mg + TIE_EPSILON).floor() as u64
        }
        _ => steps,
    }
}

/// Splits a number of steps into whole and half tablets.
fn tablets_for(steps: u64, allow_half: bool) -> Tablets {
    if allow_half {
        Tablets {
            whole: steps / 2,
            halves: steps % 2,
        }
    } else {
        Tablets {
            whole: steps,
            halves: 0,
        }
    }
}

#[cfg(test)]
mod tests;

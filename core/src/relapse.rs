//! The relapse and remission engine (clinical-rules §6: IPNA 2022, Trautmann et al., Pediatr
//! Nephrol 2023; KDIGO 2025; KDIGO 2012), the classification of the course (frequently
//! relapsing, steroid dependent), and what the family is told ([`family_prompt`]).
//!
//! [`assess`] is pure: the date of the assessment is a parameter (`as_of`), readings come in
//! any order, and the work is O(n log n) in the number of readings (one sort into days, then one
//! pass), O(m log m) in the number of steroid courses.
//!
//! The walk is causal: its state after a day depends on the days up to it only. A
//! [`RelapseCheckpoint`] keeps that state (the disease state, the latest run and every episode
//! so far: the classification reaches back to the initial remission and across any gap between
//! relapses, so no episode is ever dropped), and [`assess_from`] walks only the days after it,
//! with the same answer as [`assess`] over every reading.

mod case;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::dates::add_months;
use crate::error::{Error, Result};
use crate::locale::Locale;
use crate::protein::{daily_levels, DayLevel, ProteinLevel, UrineReading};

pub use case::{RelapseCase, RelapseCaseReading, SteroidCourseSpan};

/// Consecutive calendar days at one level that make a relapse (at `nephrotic`) or a remission
/// (at `remission`) (clinical-rules §6; IPNA 2022, KDIGO 2025).
pub const RUN_DAYS: u32 = 3;

/// Days per year for the relapse rate per patient-year (the mean Julian year).
const DAYS_PER_YEAR: f64 = 365.25;

/// Which guideline's definitions classify the course, chosen per patient (clinical-rules §6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DefinitionSet {
    /// IPNA 2022 (Trautmann et al., Pediatr Nephrol 2023): the default.
    #[default]
    Ipna2022,
    /// KDIGO 2025 guideline for nephrotic syndrome in children.
    Kdigo2025,
    /// KDIGO 2012 glomerulonephritis guideline.
    Kdigo2012,
}

/// The numbers of a definition set (clinical-rules §6 classification table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassificationRules {
    /// Frequently relapsing: this many relapses …
    pub early_relapses: usize,
    /// … with onset within this many calendar months after the initial remission (6).
    pub early_window_months: u32,
    /// Frequently relapsing: or this many relapses (3; 4 for KDIGO 2012) …
    pub period_relapses: usize,
    /// … in any period of this many calendar months (12).
    pub period_months: u32,
    /// Steroid dependent: this many consecutive relapses (2) …
    pub consecutive_on_steroids: usize,
    /// … each during steroid therapy or at most this many days after its last dosing day
    /// (15 for IPNA 2022, 14 for KDIGO).
    pub days_after_steroids: u32,
}

impl DefinitionSet {
    /// Every definition set.
    pub const ALL: [DefinitionSet; 3] = [
        DefinitionSet::Ipna2022,
        DefinitionSet::Kdigo2025,
        DefinitionSet::Kdigo2012,
    ];

    /// The identifier used in files and the conformance cases: `ipna2022`, `kdigo2025`, `kdigo2012`.
    pub fn id(self) -> &'static str {
        match self {
            DefinitionSet::Ipna2022 => "ipna2022",
            DefinitionSet::Kdigo2025 => "kdigo2025",
            DefinitionSet::Kdigo2012 => "kdigo2012",
        }
    }

    /// Parses an identifier from [`DefinitionSet::id`], naming `field` when unknown.
    pub fn parse(field: &str, text: &str) -> Result<DefinitionSet> {
        DefinitionSet::ALL
            .into_iter()
            .find(|d| d.id() == text)
            .ok_or_else(|| Error::invalid(field, "must be ipna2022, kdigo2025 or kdigo2012"))
    }

    /// The set's numbers (clinical-rules §6 table):
    /// - `ipna2022`: ≥ 2 relapses within 6 months after the initial remission or ≥ 3 in any
    ///   12 months; 2 consecutive relapses on steroids or within 15 days of stopping.
    /// - `kdigo2025`: the same, but within 14 days of stopping.
    /// - `kdigo2012`: ≥ 2 within 6 months or ≥ 4 in any 12 months; within 14 days of stopping.
    pub fn rules(self) -> ClassificationRules {
        let (period_relapses, days_after_steroids) = match self {
            DefinitionSet::Ipna2022 => (3, 15),
            DefinitionSet::Kdigo2025 => (3, 14),
            DefinitionSet::Kdigo2012 => (4, 14),
        };
        ClassificationRules {
            early_relapses: 2,
            early_window_months: 6,
            period_relapses,
            period_months: 12,
            consecutive_on_steroids: 2,
            days_after_steroids,
        }
    }
}

/// The state the walk over the days is in (clinical-rules §6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DiseaseState {
    /// In remission (the default initial state).
    #[default]
    Remission,
    /// In relapse.
    Relapse,
}

impl DiseaseState {
    /// The identifier used in the conformance cases: `remission` or `relapse`.
    pub fn id(self) -> &'static str {
        match self {
            DiseaseState::Remission => "remission",
            DiseaseState::Relapse => "relapse",
        }
    }

    /// Parses an identifier from [`DiseaseState::id`], naming `field` when unknown.
    pub fn parse(field: &str, text: &str) -> Result<DiseaseState> {
        [DiseaseState::Remission, DiseaseState::Relapse]
            .into_iter()
            .find(|s| s.id() == text)
            .ok_or_else(|| Error::invalid(field, "must be remission or relapse"))
    }
}

/// The state reported at the assessment date (clinical-rules §6, "Reported state").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "RelapseState"))]
pub enum ReportedState {
    /// No relapse open and the latest day with a reading is at level remission.
    Remission,
    /// No relapse open, but the latest day with a reading is at level proteinuria or nephrotic,
    /// however old: test again tomorrow and follow the action plan.
    Watch,
    /// A relapse is confirmed (or the initial state is relapse) and no remission confirmed since.
    Relapse,
}

impl ReportedState {
    /// The identifier used in the conformance cases: `remission`, `watch` or `relapse`.
    pub fn id(self) -> &'static str {
        match self {
            ReportedState::Remission => "remission",
            ReportedState::Watch => "watch",
            ReportedState::Relapse => "relapse",
        }
    }
}

/// A steroid course, by its first and last dosing days (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SteroidCourse {
    /// First dosing day.
    pub start: NaiveDate,
    /// Last dosing day; not before `start`.
    pub end: NaiveDate,
}

/// What the relapse engine needs. Every field has a default (serde fills in missing ones).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RelapseInput {
    /// The definition set that classifies the course (default IPNA 2022).
    pub definitions: DefinitionSet,
    /// The state before the first reading (default remission). An initial relapse is not itself
    /// a listed relapse and does not count for classification.
    pub initial_state: DiseaseState,
    /// The remission date of the initial episode, for the 6-month rule; only ever given, never
    /// inferred.
    pub initial_remission: Option<NaiveDate>,
    /// Urine readings in any order.
    pub readings: Vec<UrineReading>,
    /// Steroid courses, in any order.
    pub steroid_courses: Vec<SteroidCourse>,
    /// The date of the assessment: readings after it are ignored (but still validated).
    /// Default: the latest reading date.
    pub as_of: Option<NaiveDate>,
}

/// A relapse found by the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RelapseEpisode {
    /// The first of the three nephrotic days.
    pub onset: NaiveDate,
    /// The third nephrotic day, when the relapse is confirmed.
    pub confirmed: NaiveDate,
    /// The onset of the remission that ended it, once that remission is confirmed.
    pub remission_onset: Option<NaiveDate>,
}

/// A remission found by the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RemissionEpisode {
    /// The first of the three remission days.
    pub onset: NaiveDate,
    /// The third remission day, when the remission is confirmed.
    pub confirmed: NaiveDate,
}

/// A run of consecutive calendar days with readings at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ProteinLevelRun"))]
pub struct LevelRun {
    /// The level of every day of the run.
    pub level: ProteinLevel,
    /// The first day of the run.
    pub start: NaiveDate,
    /// The last day of the run.
    pub end: NaiveDate,
    /// How many days the run has.
    pub days: u32,
}

/// What the family should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "RelapseNextActionKind"))]
pub enum NextActionKind {
    /// In watch: test the first morning urine again on the date given (the day after the latest
    /// day with a reading).
    RetestNextMorning,
    /// In relapse: follow the action plan and contact the care team, from the date given (the
    /// relapse's confirmation day; for an initial relapse, the assessment date).
    FollowActionPlan,
}

/// The next action and the date it applies from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "RelapseNextAction"))]
pub struct NextAction {
    /// What to do.
    pub kind: NextActionKind,
    /// When it applies.
    pub date: NaiveDate,
}

/// The engine's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RelapseAssessment {
    /// The assessment date actually used: the input's `as_of`, else the latest reading date;
    /// `None` only with neither.
    pub as_of: Option<NaiveDate>,
    /// The reported state at `as_of`.
    pub state: ReportedState,
    /// Relapses in onset order (an initial relapse state is not listed).
    pub relapses: Vec<RelapseEpisode>,
    /// Remissions in onset order (including one that ends an initial relapse state).
    pub remissions: Vec<RemissionEpisode>,
    /// Frequently relapsing under the chosen definition set.
    pub frequently_relapsing: bool,
    /// Steroid dependent under the chosen definition set.
    pub steroid_dependent: bool,
    /// The first day of observation: the first day with a reading, or the initial remission
    /// date if that is earlier.
    pub observation_start: Option<NaiveDate>,
    /// Listed relapses per patient-year, from `observation_start` to `as_of` (the number of days
    /// between them ÷ 365.25); `None` when that is under one day.
    pub relapse_rate_per_year: Option<f64>,
    /// Days from the onset of the latest listed relapse to `as_of`.
    pub days_since_last_relapse: Option<i64>,
    /// Days from the onset of the current remission to `as_of` (also while in watch, which is
    /// still a remission): the latest remission's onset, or, with no relapse listed and an
    /// initial state of remission, the initial remission date. `None` in relapse or when unknown.
    pub days_in_current_remission: Option<i64>,
    /// The run of same-level days that ends on the latest day with a reading.
    pub latest_run: Option<LevelRun>,
    /// What the family should do next, and from when; `None` in remission.
    pub next_action: Option<NextAction>,
}

/// The format of [`RelapseCheckpoint`] this build writes and reads; a stored checkpoint of
/// another format is not used (it is rebuilt from the readings).
pub const RELAPSE_CHECKPOINT_VERSION: u32 = 1;

/// The relapse walk's state after every day up to and including `through` (clinical-rules §6):
/// what [`assess_from`] needs to walk on over the later days without the earlier readings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelapseCheckpoint {
    /// The format ([`RELAPSE_CHECKPOINT_VERSION`]).
    pub version: u32,
    /// The last day walked: every reading dated on or before it is counted.
    pub through: NaiveDate,
    /// The state the walk started from.
    pub initial_state: DiseaseState,
    /// The state after `through`.
    pub state: DiseaseState,
    /// The relapses found so far, in onset order.
    pub relapses: Vec<RelapseEpisode>,
    /// The remissions found so far, in onset order.
    pub remissions: Vec<RemissionEpisode>,
    /// The run of same-level days that ends on the latest day with a reading so far.
    pub latest_run: Option<LevelRun>,
    /// The first day with a reading, if any.
    pub first_day: Option<NaiveDate>,
}

/// The walk from `initial_state` over the readings dated on or before `through`, continued from
/// `from` when given (then only `readings` dated after `from.through` are walked: the earlier
/// ones are already in it). Refuses what [`assess`] refuses in the readings (`readings[i]`),
/// a `through` after 9999-12-31, and a `from` of another format or initial state, or walked
/// past `through` (`checkpoint`).
pub fn relapse_checkpoint(
    from: Option<&RelapseCheckpoint>,
    initial_state: DiseaseState,
    readings: &[UrineReading],
    through: NaiveDate,
) -> Result<RelapseCheckpoint> {
    validate_readings(readings)?;
    check_date(|| "through".into(), through)?;
    require_usable(from, initial_state, through)?;
    let after = from.map(|c| c.through);
    let days = daily_levels(
        readings
            .iter()
            .filter(|r| r.date <= through && after.is_none_or(|a| r.date > a)),
    );
    let walk = walk_days(Walk::resume(from, initial_state), &days);
    Ok(RelapseCheckpoint {
        version: RELAPSE_CHECKPOINT_VERSION,
        through,
        initial_state,
        state: walk.state,
        relapses: walk.relapses,
        remissions: walk.remissions,
        latest_run: walk.latest_run,
        first_day: from
            .and_then(|c| c.first_day)
            .or(days.first().map(|d| d.date)),
    })
}

/// Refuses a checkpoint that cannot be continued: another format, another initial state, or
/// walked past `until`.
fn require_usable(
    checkpoint: Option<&RelapseCheckpoint>,
    initial_state: DiseaseState,
    until: NaiveDate,
) -> Result<()> {
    let Some(checkpoint) = checkpoint else {
        return Ok(());
    };
    if checkpoint.version != RELAPSE_CHECKPOINT_VERSION || checkpoint.initial_state != initial_state
    {
        return Err(Error::invalid(
            "checkpoint",
            "was walked by another format or from another initial state",
        ));
    }
    if checkpoint.through > until {
        return Err(Error::invalid(
            "checkpoint",
            "was walked past the assessment date",
        ));
    }
    Ok(())
}

/// Walks the days and classifies the course (clinical-rules §5 and §6).
///
/// The walk (clinical-rules §6): one level per local date (§5); days in date order; in state
/// remission, three consecutive calendar days at level nephrotic make a relapse with onset on the
/// first of them, confirmed on the third; in state relapse, three consecutive days at level
/// remission make a remission likewise. A day with no reading breaks a run; a longer run counts
/// once.
///
/// Refuses (naming the field): a negative, NaN or infinite UPCR (`readings[i].upcr`), a course
/// ending before it starts (`steroid_courses[i].end`), and dates after 9999-12-31.
pub fn assess(input: &RelapseInput) -> Result<RelapseAssessment> {
    assess_from(None, input)
}

/// [`assess`] walked on from a checkpoint (see [`relapse_checkpoint`]): `input.readings` are the
/// readings dated after `checkpoint.through` (earlier ones are already in the checkpoint and are
/// ignored), and the answer is the one [`assess`] gives over the checkpoint's readings and these
/// together, with the same input otherwise (clinical-rules §6). Without a checkpoint it is
/// [`assess`]. Refuses what [`assess`] refuses, and a checkpoint of another format or initial
/// state, or walked past `as_of` (`checkpoint`).
pub fn assess_from(
    checkpoint: Option<&RelapseCheckpoint>,
    input: &RelapseInput,
) -> Result<RelapseAssessment> {
    validate(input)?;
    let after = checkpoint.map(|c| c.through);
    let is_new = |date: NaiveDate| after.is_none_or(|a| date > a);
    // The default date: the latest reading, the checkpoint's included.
    let as_of = input.as_of.or_else(|| {
        input
            .readings
            .iter()
            .map(|r| r.date)
            .filter(|&d| is_new(d))
            .max()
            .or_else(|| checkpoint.and_then(|c| c.latest_run.map(|run| run.end)))
    });
    if let Some(as_of) = as_of {
        require_usable(checkpoint, input.initial_state, as_of)?;
    }
    // `as_of` is None only when there are no readings.
    let cut_off = as_of.unwrap_or(NaiveDate::MAX);
    let counted = input
        .readings
        .iter()
        .filter(|r| r.date <= cut_off && is_new(r.date));
    let days = daily_levels(counted);
    let walk = walk_days(Walk::resume(checkpoint, input.initial_state), &days);

    // The latest run ends on the latest day with a reading, at that day's level.
    let state = match (walk.latest_run, walk.state) {
        (None, DiseaseState::Remission) => ReportedState::Remission,
        (_, DiseaseState::Relapse) => ReportedState::Relapse,
        (Some(latest), DiseaseState::Remission) if latest.level > ProteinLevel::Remission => {
            ReportedState::Watch
        }
        (Some(_), DiseaseState::Remission) => ReportedState::Remission,
    };

    let rules = input.definitions.rules();
    let onsets: Vec<NaiveDate> = walk.relapses.iter().map(|r| r.onset).collect();
    let frequently_relapsing = is_frequently_relapsing(&onsets, input.initial_remission, &rules);
    let steroid_dependent = is_steroid_dependent(&onsets, &input.steroid_courses, &rules);

    let observation_start = checkpoint
        .and_then(|c| c.first_day)
        .or(days.first().map(|d| d.date))
        .into_iter()
        .chain(input.initial_remission)
        .min();
    let relapse_rate_per_year = match (observation_start, as_of) {
        (Some(start), Some(end)) if (end - start).num_days() >= 1 => {
            Some(walk.relapses.len() as f64 / ((end - start).num_days() as f64 / DAYS_PER_YEAR))
        }
        _ => None,
    };
    let days_until_as_of =
        |from: NaiveDate| as_of.map(|end| (end - from).num_days()).filter(|d| *d >= 0);
    let days_since_last_relapse = walk.relapses.last().and_then(|r| days_until_as_of(r.onset));
    let current_remission_onset = match walk.state {
        DiseaseState::Relapse => None,
        DiseaseState::Remission => match (walk.remissions.last(), walk.relapses.is_empty()) {
            (Some(remission), _) => Some(remission.onset),
            (None, true) => input.initial_remission,
            (None, false) => None,
        },
    };
    let days_in_current_remission = current_remission_onset.and_then(days_until_as_of);

    let next_action = match state {
        ReportedState::Remission => None,
        ReportedState::Watch => walk
            .latest_run
            .and_then(|run| run.end.succ_opt())
            .map(|date| NextAction {
                kind: NextActionKind::RetestNextMorning,
                date,
            }),
        ReportedState::Relapse => {
            let open_relapse = walk.relapses.last().filter(|r| r.remission_onset.is_none());
            open_relapse
                .map(|r| r.confirmed)
                .or(as_of)
                .map(|date| NextAction {
                    kind: NextActionKind::FollowActionPlan,
                    date,
                })
        }
    };

    Ok(RelapseAssessment {
        as_of,
        state,
        relapses: walk.relapses,
        remissions: walk.remissions,
        frequently_relapsing,
        steroid_dependent,
        observation_start,
        relapse_rate_per_year,
        days_since_last_relapse,
        days_in_current_remission,
        latest_run: walk.latest_run,
        next_action,
    })
}

/// The latest date accepted anywhere in the input, so that date arithmetic cannot overflow.
fn latest_accepted_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

fn check_date(field: impl FnOnce() -> String, date: NaiveDate) -> Result<()> {
    if date > latest_accepted_date() {
        return Err(Error::invalid(
            field(),
            "must be a date no later than 9999-12-31",
        ));
    }
    Ok(())
}

fn validate(input: &RelapseInput) -> Result<()> {
    validate_readings(&input.readings)?;
    for (i, course) in input.steroid_courses.iter().enumerate() {
        check_date(|| format!("steroid_courses[{i}].start"), course.start)?;
        check_date(|| format!("steroid_courses[{i}].end"), course.end)?;
        if course.end < course.start {
            return Err(Error::invalid(
                format!("steroid_courses[{i}].end"),
                "must not be before the start",
            ));
        }
    }
    if let Some(date) = input.initial_remission {
        check_date(|| "initial_remission".into(), date)?;
    }
    if let Some(date) = input.as_of {
        check_date(|| "as_of".into(), date)?;
    }
    Ok(())
}

fn validate_readings(readings: &[UrineReading]) -> Result<()> {
    for (i, reading) in readings.iter().enumerate() {
        check_date(|| format!("readings[{i}].date"), reading.date)?;
        reading
            .measurement
            .validate(&format!("readings[{i}].upcr"))?;
    }
    Ok(())
}

/// The outcome of walking the days.
struct Walk {
    state: DiseaseState,
    relapses: Vec<RelapseEpisode>,
    remissions: Vec<RemissionEpisode>,
    latest_run: Option<LevelRun>,
}

impl Walk {
    /// The walk as the checkpoint left it, or at its start in `initial_state`.
    fn resume(checkpoint: Option<&RelapseCheckpoint>, initial_state: DiseaseState) -> Walk {
        match checkpoint {
            Some(c) => Walk {
                state: c.state,
                relapses: c.relapses.clone(),
                remissions: c.remissions.clone(),
                latest_run: c.latest_run,
            },
            None => Walk {
                state: initial_state,
                relapses: Vec::new(),
                remissions: Vec::new(),
                latest_run: None,
            },
        }
    }
}

/// The state machine of clinical-rules §6 over days in date order (one level each), after the
/// days `walk` already went through (all before these).
fn walk_days(mut walk: Walk, days: &[DayLevel]) -> Walk {
    for day in days {
        let run = match walk.latest_run {
            // Same level on the next calendar day: the run goes on. A missing day breaks it.
            Some(run) if run.level == day.level && run.end.succ_opt() == Some(day.date) => {
                LevelRun {
                    end: day.date,
                    days: run.days.saturating_add(1),
                    ..run
                }
            }
            _ => LevelRun {
                level: day.level,
                start: day.date,
                end: day.date,
                days: 1,
            },
        };
        walk.latest_run = Some(run);
        if run.days < RUN_DAYS {
            continue;
        }
        // The state changes on the third day, so the rest of a longer run changes nothing.
        match (walk.state, run.level) {
            (DiseaseState::Remission, ProteinLevel::Nephrotic) => {
                walk.relapses.push(RelapseEpisode {
                    onset: run.start,
                    confirmed: day.date,
                    remission_onset: None,
                });
                walk.state = DiseaseState::Relapse;
            }
            (DiseaseState::Relapse, ProteinLevel::Remission) => {
                walk.remissions.push(RemissionEpisode {
                    onset: run.start,
                    confirmed: day.date,
                });
                // An initial relapse state has no listed relapse to close.
                if let Some(open) = walk
                    .relapses
                    .last_mut()
                    .filter(|r| r.remission_onset.is_none())
                {
                    open.remission_onset = Some(run.start);
                }
                walk.state = DiseaseState::Remission;
            }
            _ => {}
        }
    }
    walk
}

/// Frequently relapsing (clinical-rules §6): at least `early_relapses` onsets on or after the
/// initial remission date and before it plus `early_window_months` calendar months (only when
/// that date is known), or some `period_relapses` consecutive onsets where the last is before
/// the first plus `period_months` calendar months. `onsets` are in date order.
fn is_frequently_relapsing(
    onsets: &[NaiveDate],
    initial_remission: Option<NaiveDate>,
    rules: &ClassificationRules,
) -> bool {
    let early = initial_remission.is_some_and(|start| {
        let end = add_months(start, rules.early_window_months);
        onsets
            .iter()
            .filter(|&&onset| start <= onset && onset < end)
            .count()
            >= rules.early_relapses
    });
    let any_period = onsets
        .windows(rules.period_relapses.max(1))
        .any(|w| matches!((w.first(), w.last()), (Some(&first), Some(&last)) if last < add_months(first, rules.period_months)));
    early || any_period
}

/// Steroid dependent (clinical-rules §6): some `consecutive_on_steroids` relapses next to each
/// other in onset order, each with onset between a course's first and last dosing day inclusive
/// or at most `days_after_steroids` days after its last dosing day (any course, possibly the same).
fn is_steroid_dependent(
    onsets: &[NaiveDate],
    courses: &[SteroidCourse],
    rules: &ClassificationRules,
) -> bool {
    let on_steroids = SteroidCover::new(courses, rules.days_after_steroids);
    let qualifying: Vec<bool> = onsets
        .iter()
        .map(|&onset| on_steroids.covers(onset))
        .collect();
    qualifying
        .windows(rules.consecutive_on_steroids.max(1))
        .any(|w| w.iter().all(|&q| q))
}

/// The steroid courses, each stretched by the days after stopping that still count, ready for
/// O(log m) look-ups.
struct SteroidCover {
    /// Course starts in ascending order.
    starts: Vec<NaiveDate>,
    /// For each index, the latest covered day among the courses up to it (last dosing day + D).
    reach_so_far: Vec<NaiveDate>,
}

impl SteroidCover {
    fn new(courses: &[SteroidCourse], days_after: u32) -> SteroidCover {
        let mut sorted: Vec<SteroidCourse> = courses.to_vec();
        sorted.sort_by_key(|c| c.start);
        let mut reach = NaiveDate::MIN;
        let reach_so_far = sorted
            .iter()
            .map(|c| {
                let covered_until = c
                    .end
                    .checked_add_days(Days::new(u64::from(days_after)))
                    .unwrap_or(NaiveDate::MAX);
                reach = reach.max(covered_until);
                reach
            })
            .collect();
        SteroidCover {
            starts: sorted.iter().map(|c| c.start).collect(),
            reach_so_far,
        }
    }

    /// Whether some course started on or before `day` and covers it.
    fn covers(&self, day: NaiveDate) -> bool {
        let started = self.starts.partition_point(|&start| start <= day);
        started
            .checked_sub(1)
            .and_then(|i| self.reach_so_far.get(i))
            .is_some_and(|&reach| day <= reach)
    }
}

/// What the family sees on the home screen (the structured form; words via [`FamilyPrompt::text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "RelapsePrompt"))]
pub enum FamilyPrompt {
    /// A relapse was confirmed today (the third nephrotic day): follow the action plan and
    /// contact the care team.
    RelapseContactTeam,
    /// A relapse confirmed earlier (or the initial state) is still open: keep following the
    /// action plan and test each morning until remission.
    RelapseOngoing,
    /// The latest day had protein above remission level while not in relapse: test again
    /// tomorrow morning.
    TestAgainTomorrow,
    /// In watch and today's first-morning reading is not logged: a reminder to test.
    MorningTestMissing,
    /// A remission was confirmed today (the third remission day).
    RemissionConfirmed,
    /// Nothing to do beyond the usual plan.
    AllClear,
}

/// What the family sees on `today`, from an assessment made as of `today` and whether today's
/// first-morning reading is logged (clinical-rules §6: watch means "test again tomorrow, follow
/// the action plan"; a confirmed relapse means "contact your team").
///
/// - relapse: [`FamilyPrompt::RelapseContactTeam`] on the day it is confirmed, then
///   [`FamilyPrompt::RelapseOngoing`] until a remission is confirmed;
/// - watch: [`FamilyPrompt::TestAgainTomorrow`] when today has a reading (logged first-morning or
///   the latest day with a reading is today), otherwise [`FamilyPrompt::MorningTestMissing`];
/// - remission: [`FamilyPrompt::RemissionConfirmed`] on the day a remission is confirmed,
///   otherwise [`FamilyPrompt::AllClear`] (no reminder: testing frequency in remission follows
///   each family's own plan).
pub fn family_prompt(
    assessment: &RelapseAssessment,
    today: NaiveDate,
    morning_reading_logged: bool,
) -> FamilyPrompt {
    match assessment.state {
        ReportedState::Relapse => {
            let confirmed_today = assessment
                .relapses
                .last()
                .is_some_and(|r| r.remission_onset.is_none() && r.confirmed == today);
            if confirmed_today {
                FamilyPrompt::RelapseContactTeam
            } else {
                FamilyPrompt::RelapseOngoing
            }
        }
        ReportedState::Watch => {
            let tested_today =
                morning_reading_logged || assessment.latest_run.is_some_and(|run| run.end == today);
            if tested_today {
                FamilyPrompt::TestAgainTomorrow
            } else {
                FamilyPrompt::MorningTestMissing
            }
        }
        ReportedState::Remission => {
            if assessment
                .remissions
                .last()
                .is_some_and(|r| r.confirmed == today)
            {
                FamilyPrompt::RemissionConfirmed
            } else {
                FamilyPrompt::AllClear
            }
        }
    }
}

impl FamilyPrompt {
    /// The words shown to the family: short, calm, and saying what to do.
    pub fn text(self, locale: Locale) -> &'static str {
        match self {
            FamilyPrompt::RelapseContactTeam => {
                crate::messages::text(locale, "prompt-relapse-contact-team")
            }
            FamilyPrompt::RelapseOngoing => crate::messages::text(locale, "prompt-relapse-ongoing"),
            FamilyPrompt::TestAgainTomorrow => {
                crate::messages::text(locale, "prompt-test-again-tomorrow")
            }
            FamilyPrompt::MorningTestMissing => {
                crate::messages::text(locale, "prompt-morning-test-missing")
            }
            FamilyPrompt::RemissionConfirmed => {
                crate::messages::text(locale, "prompt-remission-confirmed")
            }
            FamilyPrompt::AllClear => crate::messages::text(locale, "prompt-all-clear"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protein::{DipstickGrade, UpcrUnit, UrineMeasurement};

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_date("d", s).unwrap()
    }

    fn dip(date: NaiveDate, grade: DipstickGrade) -> UrineReading {
        UrineReading {
            date,
            measurement: UrineMeasurement::Dipstick(grade),
            first_morning: true,
        }
    }

    /// Readings on consecutive days from `start`, one grade per day.
    fn days_from(start: &str, grades: &[DipstickGrade]) -> Vec<UrineReading> {
        let start = d(start);
        grades
            .iter()
            .enumerate()
            .map(|(i, &g)| dip(start + Days::new(i as u64), g))
            .collect()
    }

    use DipstickGrade::{
        FourPlus as P4, Negative as Neg, OnePlus as P1, ThreePlus as P3, Trace as Tr,
    };

    /// A relapse on `start`..+2 and a remission on +7..+9.
    fn relapse_and_remission(start: &str) -> Vec<UrineReading> {
        days_from(start, &[P3, P3, P3, P1, P1, P1, P1, Neg, Neg, Neg])
    }

    fn input(readings: Vec<UrineReading>) -> RelapseInput {
        RelapseInput {
            readings,
            ..RelapseInput::default()
        }
    }

    fn onsets(a: &RelapseAssessment) -> Vec<NaiveDate> {
        a.relapses.iter().map(|r| r.onset).collect()
    }

    #[test]
    fn three_nephrotic_days_make_one_relapse_confirmed_on_the_third() {
        let a = assess(&input(days_from("2025-03-01", &[Neg, P3, P4, P3, P3, P3]))).unwrap();
        assert_eq!(a.state, ReportedState::Relapse);
        assert_eq!(
            a.relapses,
            [RelapseEpisode {
                onset: d("2025-03-02"),
                confirmed: d("2025-03-04"),
                remission_onset: None
            }]
        );
        assert_eq!(
            a.next_action,
            Some(NextAction {
                kind: NextActionKind::FollowActionPlan,
                date: d("2025-03-04")
            })
        );
        assert_eq!(a.latest_run.map(|r| r.days), Some(5));
    }

    #[test]
    fn a_missing_day_breaks_the_run() {
        let mut readings = days_from("2025-03-01", &[P3, P3]);
        readings.extend(days_from("2025-03-04", &[P3]));
        let a = assess(&input(readings)).unwrap();
        assert!(a.relapses.is_empty());
        assert_eq!(a.state, ReportedState::Watch);
        assert_eq!(
            a.next_action,
            Some(NextAction {
                kind: NextActionKind::RetestNextMorning,
                date: d("2025-03-05")
            })
        );
    }

    #[test]
    fn readings_in_any_order_give_the_same_answer() {
        let mut readings = relapse_and_remission("2025-01-01");
        let forward = assess(&input(readings.clone())).unwrap();
        readings.reverse();
        assert_eq!(assess(&input(readings)).unwrap(), forward);
        assert_eq!(
            forward.remissions,
            [RemissionEpisode {
                onset: d("2025-01-08"),
                confirmed: d("2025-01-10")
            }]
        );
        assert_eq!(forward.relapses[0].remission_onset, Some(d("2025-01-08")));
    }

    #[test]
    fn watch_lasts_however_old_the_latest_reading_is() {
        let mut i = input(days_from("2025-03-01", &[Neg, P1]));
        i.as_of = Some(d("2025-06-01"));
        let a = assess(&i).unwrap();
        assert_eq!(a.state, ReportedState::Watch);
        assert_eq!(
            family_prompt(&a, d("2025-06-01"), false),
            FamilyPrompt::MorningTestMissing
        );
        assert_eq!(
            family_prompt(&a, d("2025-06-01"), true),
            FamilyPrompt::TestAgainTomorrow
        );
    }

    #[test]
    fn no_readings_report_the_initial_state() {
        assert_eq!(
            assess(&RelapseInput::default()).unwrap().state,
            ReportedState::Remission
        );
        let i = RelapseInput {
            initial_state: DiseaseState::Relapse,
            ..RelapseInput::default()
        };
        let a = assess(&i).unwrap();
        assert_eq!(a.state, ReportedState::Relapse);
        assert_eq!(a.as_of, None);
        assert_eq!(a.next_action, None);
        assert_eq!(a.relapse_rate_per_year, None);
    }

    #[test]
    fn an_initial_relapse_is_not_listed_but_its_remission_is() {
        let mut i = input(days_from("2025-02-01", &[P3, P3, P3, Tr, Neg, Neg]));
        i.initial_state = DiseaseState::Relapse;
        let a = assess(&i).unwrap();
        assert!(a.relapses.is_empty());
        assert_eq!(
            a.remissions,
            [RemissionEpisode {
                onset: d("2025-02-04"),
                confirmed: d("2025-02-06")
            }]
        );
        assert_eq!(a.state, ReportedState::Remission);
        assert_eq!(a.days_in_current_remission, Some(2));
        assert_eq!(a.days_since_last_relapse, None);
    }

    #[test]
    fn as_of_ignores_later_readings_but_validates_them() {
        let mut i = input(days_from("2025-03-01", &[P3, P3, P3]));
        i.as_of = Some(d("2025-03-02"));
        let a = assess(&i).unwrap();
        assert!(a.relapses.is_empty());
        assert_eq!(a.state, ReportedState::Watch);
        i.readings.push(UrineReading {
            date: d("2025-04-01"),
            measurement: UrineMeasurement::Upcr {
                value: -1.0,
                unit: UpcrUnit::MgPerMmol,
            },
            first_morning: true,
        });
        let err = assess(&i).unwrap_err();
        assert!(err.to_string().contains("readings[3].upcr"), "{err}");
    }

    #[test]
    fn a_course_ending_before_it_starts_is_refused() {
        let mut i = input(vec![]);
        i.steroid_courses = vec![
            SteroidCourse {
                start: d("2025-01-01"),
                end: d("2025-01-01"),
            },
            SteroidCourse {
                start: d("2025-02-02"),
                end: d("2025-02-01"),
            },
        ];
        assert!(assess(&i)
            .unwrap_err()
            .to_string()
            .contains("steroid_courses[1].end"));
    }

    #[test]
    fn dates_beyond_year_9999_are_refused() {
        let far = NaiveDate::from_ymd_opt(20000, 1, 1).unwrap();
        let i = RelapseInput {
            as_of: Some(far),
            ..RelapseInput::default()
        };
        assert!(assess(&i).unwrap_err().to_string().contains("as_of"));
        let i = input(vec![dip(NaiveDate::MAX, P3)]);
        assert!(assess(&i)
            .unwrap_err()
            .to_string()
            .contains("readings[0].date"));
    }

    fn relapses_on(dates: &[&str]) -> Vec<UrineReading> {
        dates
            .iter()
            .flat_map(|s| relapse_and_remission(s))
            .collect()
    }

    #[test]
    fn twelve_month_window_is_strictly_before_first_plus_twelve_months() {
        // Onsets 2025-01-06, 2025-05-05, 2026-01-06: the last is not before 2026-01-06.
        let a = assess(&input(relapses_on(&[
            "2025-01-06",
            "2025-05-05",
            "2026-01-06",
        ])))
        .unwrap();
        assert_eq!(onsets(&a).len(), 3);
        assert!(!a.frequently_relapsing);
        let a = assess(&input(relapses_on(&[
            "2025-01-06",
            "2025-05-05",
            "2026-01-05",
        ])))
        .unwrap();
        assert!(a.frequently_relapsing);
    }

    #[test]
    fn kdigo2012_needs_four_in_twelve_months() {
        let dates = ["2025-01-06", "2025-04-01", "2025-07-01", "2025-12-01"];
        let mut i = input(relapses_on(&dates[..3]));
        i.definitions = DefinitionSet::Kdigo2012;
        assert!(!assess(&i).unwrap().frequently_relapsing);
        i.definitions = DefinitionSet::Kdigo2025;
        assert!(assess(&i).unwrap().frequently_relapsing);
        let mut i = input(relapses_on(&dates));
        i.definitions = DefinitionSet::Kdigo2012;
        assert!(assess(&i).unwrap().frequently_relapsing);
    }

    #[test]
    fn six_month_rule_needs_the_initial_remission_date_and_clamps_month_ends() {
        // Initial remission 2025-08-31 + 6 months = 2026-02-28 (clamped): 02-27 counts, 02-28 does not.
        let mut i = input(relapses_on(&["2025-09-10", "2026-02-27"]));
        assert!(
            !assess(&i).unwrap().frequently_relapsing,
            "unknown initial remission: no 6-month rule"
        );
        i.initial_remission = Some(d("2025-08-31"));
        assert!(assess(&i).unwrap().frequently_relapsing);
        let mut i = input(relapses_on(&["2025-09-10", "2026-02-28"]));
        i.initial_remission = Some(d("2025-08-31"));
        assert!(!assess(&i).unwrap().frequently_relapsing);
        // An onset before the initial remission date does not count for the 6-month rule.
        let mut i = input(relapses_on(&["2025-08-01", "2025-10-01"]));
        i.initial_remission = Some(d("2025-08-31"));
        assert!(!assess(&i).unwrap().frequently_relapsing);
    }

    #[test]
    fn steroid_window_is_15_days_for_ipna_and_14_for_kdigo() {
        // Course ends 2025-03-01; onsets 2025-02-01 (on therapy) and 2025-03-16 (15 days after).
        let mut i = input(relapses_on(&["2025-02-01", "2025-03-16"]));
        i.steroid_courses = vec![SteroidCourse {
            start: d("2025-01-20"),
            end: d("2025-03-01"),
        }];
        assert!(assess(&i).unwrap().steroid_dependent);
        i.definitions = DefinitionSet::Kdigo2025;
        assert!(!assess(&i).unwrap().steroid_dependent);
        i.definitions = DefinitionSet::Kdigo2012;
        assert!(!assess(&i).unwrap().steroid_dependent);
        i.steroid_courses[0].end = d("2025-03-02");
        assert!(
            assess(&i).unwrap().steroid_dependent,
            "14 days after the last dosing day counts"
        );
    }

    #[test]
    fn steroid_dependence_needs_adjacent_relapses() {
        // Onsets 1 and 3 are on steroids, 2 is not: not two consecutive.
        let mut i = input(relapses_on(&["2025-01-01", "2025-03-01", "2025-05-01"]));
        i.steroid_courses = vec![
            SteroidCourse {
                start: d("2025-04-20"),
                end: d("2025-05-30"),
            },
            SteroidCourse {
                start: d("2024-12-01"),
                end: d("2025-01-10"),
            },
        ];
        assert!(!assess(&i).unwrap().steroid_dependent);
        // A long course covering an earlier short one: coverage is the running maximum.
        i.steroid_courses.push(SteroidCourse {
            start: d("2024-11-01"),
            end: d("2025-03-05"),
        });
        assert!(assess(&i).unwrap().steroid_dependent);
    }

    #[test]
    fn steroid_cover_handles_nested_and_empty_courses() {
        let cover = SteroidCover::new(&[], 15);
        assert!(!cover.covers(d("2025-01-01")));
        let courses = [
            SteroidCourse {
                start: d("2025-01-01"),
                end: d("2025-06-30"),
            },
            SteroidCourse {
                start: d("2025-02-01"),
                end: d("2025-02-02"),
            },
        ];
        let cover = SteroidCover::new(&courses, 14);
        assert!(cover.covers(d("2025-01-01")));
        assert!(cover.covers(d("2025-07-14")));
        assert!(!cover.covers(d("2025-07-15")));
        assert!(!cover.covers(d("2024-12-31")));
    }

    #[test]
    fn rate_and_durations_are_measured_to_as_of() {
        let mut i = input(relapses_on(&["2025-01-01", "2025-07-01"]));
        i.initial_remission = Some(d("2024-12-01"));
        i.as_of = Some(d("2025-12-01"));
        let a = assess(&i).unwrap();
        assert_eq!(a.observation_start, Some(d("2024-12-01")));
        let expected = 2.0 / (365.0 / 365.25);
        assert!((a.relapse_rate_per_year.unwrap() - expected).abs() < 1e-12);
        assert_eq!(
            a.days_since_last_relapse,
            Some((d("2025-12-01") - d("2025-07-01")).num_days())
        );
        assert_eq!(
            a.days_in_current_remission,
            Some((d("2025-12-01") - d("2025-07-08")).num_days())
        );
        // Under a day of observation: no rate.
        let a = assess(&input(days_from("2025-01-01", &[Neg]))).unwrap();
        assert_eq!(a.relapse_rate_per_year, None);
        // No relapse yet: the current remission runs from the initial remission date.
        let mut i = input(days_from("2025-01-01", &[Neg]));
        i.initial_remission = Some(d("2024-12-22"));
        assert_eq!(assess(&i).unwrap().days_in_current_remission, Some(10));
    }

    #[test]
    fn family_prompts_follow_the_day() {
        // Day 1 and 2 nephrotic: test again; day 3: relapse, contact the team; day 4: ongoing.
        let readings = days_from("2025-03-01", &[P3, P3, P3, P3, Neg, Neg, Neg, Neg]);
        let prompt_on = |day: &str, logged: bool| {
            let i = RelapseInput {
                readings: readings.clone(),
                as_of: Some(d(day)),
                ..RelapseInput::default()
            };
            family_prompt(&assess(&i).unwrap(), d(day), logged)
        };
        assert_eq!(
            prompt_on("2025-03-01", true),
            FamilyPrompt::TestAgainTomorrow
        );
        assert_eq!(
            prompt_on("2025-03-02", true),
            FamilyPrompt::TestAgainTomorrow
        );
        assert_eq!(
            prompt_on("2025-03-03", true),
            FamilyPrompt::RelapseContactTeam
        );
        assert_eq!(prompt_on("2025-03-04", true), FamilyPrompt::RelapseOngoing);
        assert_eq!(
            prompt_on("2025-03-07", true),
            FamilyPrompt::RemissionConfirmed
        );
        assert_eq!(prompt_on("2025-03-08", true), FamilyPrompt::AllClear);
        assert_eq!(prompt_on("2025-03-09", false), FamilyPrompt::AllClear);
        // In watch from yesterday, nothing logged today yet.
        assert_eq!(
            prompt_on("2025-03-02", false),
            FamilyPrompt::TestAgainTomorrow
        );
        let i = RelapseInput {
            readings: readings.clone(),
            as_of: Some(d("2025-03-02")),
            ..RelapseInput::default()
        };
        assert_eq!(
            family_prompt(&assess(&i).unwrap(), d("2025-03-03"), false),
            FamilyPrompt::MorningTestMissing
        );
    }

    #[test]
    fn every_prompt_has_every_text() {
        let prompts = [
            FamilyPrompt::RelapseContactTeam,
            FamilyPrompt::RelapseOngoing,
            FamilyPrompt::TestAgainTomorrow,
            FamilyPrompt::MorningTestMissing,
            FamilyPrompt::RemissionConfirmed,
            FamilyPrompt::AllClear,
        ];
        for prompt in prompts {
            for locale in Locale::ALL {
                let text = prompt.text(locale);
                assert!(
                    !text.is_empty() && text.chars().count() < 120,
                    "{prompt:?} {locale:?}"
                );
            }
        }
        assert!(FamilyPrompt::TestAgainTomorrow
            .text(Locale::ZhHans)
            .contains("明早"));
    }

    #[test]
    fn definition_sets_parse_and_carry_their_numbers() {
        for set in DefinitionSet::ALL {
            assert_eq!(DefinitionSet::parse("definitions", set.id()).unwrap(), set);
        }
        assert!(DefinitionSet::parse("definitions", "ipna")
            .unwrap_err()
            .to_string()
            .contains("definitions"));
        assert_eq!(DefinitionSet::default(), DefinitionSet::Ipna2022);
        assert_eq!(DefinitionSet::Ipna2022.rules().days_after_steroids, 15);
        assert_eq!(DefinitionSet::Kdigo2025.rules().days_after_steroids, 14);
        assert_eq!(DefinitionSet::Kdigo2012.rules().period_relapses, 4);
        assert!(DiseaseState::parse("initial_state", "watch").is_err());
    }

    #[test]
    fn input_and_assessment_round_trip_through_serde() {
        let i: RelapseInput = serde_json::from_value(serde_json::json!({
            "definitions": "kdigo2012",
            "readings": [{"date": "2025-03-01", "measurement": {"dipstick": "3+"}, "first_morning": true}]
        }))
        .unwrap();
        assert_eq!(i.definitions, DefinitionSet::Kdigo2012);
        assert_eq!(i.as_of, None);
        let mut i = input(relapse_and_remission("2025-01-01"));
        i.as_of = Some(d("2025-02-01"));
        let text = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<RelapseInput>(&text).unwrap(), i);
        let a = assess(&i).unwrap();
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["relapses"][0]["onset"], "2025-01-01");
        assert_eq!(json["state"], "remission");
        assert_eq!(
            serde_json::from_value::<RelapseAssessment>(json).unwrap(),
            a
        );
    }

    #[test]
    fn ten_years_of_daily_readings() {
        // 3650 days: a 3-day relapse then remission every 100 days; plus a second reading a day.
        let mut readings = Vec::new();
        let start = d("2015-01-01");
        for i in 0..3650u64 {
            let date = start + Days::new(i);
            let grade = if i % 100 < 3 { P3 } else { Neg };
            readings.push(dip(date, grade));
            readings.push(UrineReading {
                first_morning: false,
                ..dip(date, P1)
            });
        }
        readings.reverse();
        let a = assess(&input(readings)).unwrap();
        assert_eq!(a.relapses.len(), 37);
        assert_eq!(a.remissions.len(), 37);
        assert!(a.frequently_relapsing);
        assert_eq!(a.state, ReportedState::Remission);
    }

    mod checkpoints {
        use proptest::prelude::*;

        use super::*;

        const GRADES: [DipstickGrade; 6] = [
            DipstickGrade::Negative,
            DipstickGrade::Trace,
            DipstickGrade::OnePlus,
            DipstickGrade::TwoPlus,
            DipstickGrade::ThreePlus,
            DipstickGrade::FourPlus,
        ];

        /// A diary of runs of days at one grade with gaps between them (so relapses, remissions,
        /// watches and broken runs all happen), a few extra readings on some days (not first
        /// morning, or a UPCR), from 2024-01-01.
        fn diary() -> impl Strategy<Value = Vec<UrineReading>> {
            prop::collection::vec(
                (0..GRADES.len(), 1u64..6, 0u64..3, any::<bool>(), 0u8..8),
                0..60,
            )
            .prop_map(|runs| {
                let mut day = d("2024-01-01");
                let mut readings = Vec::new();
                for (grade, length, gap, first_morning, extra) in runs {
                    for _ in 0..length {
                        readings.push(UrineReading {
                            date: day,
                            measurement: UrineMeasurement::Dipstick(GRADES[grade]),
                            first_morning: first_morning || extra == 0,
                        });
                        match extra {
                            1 => readings.push(UrineReading {
                                date: day,
                                measurement: UrineMeasurement::Dipstick(DipstickGrade::FourPlus),
                                first_morning: false,
                            }),
                            2 => readings.push(UrineReading {
                                date: day,
                                measurement: UrineMeasurement::Upcr {
                                    value: 150.0,
                                    unit: UpcrUnit::MgPerMmol,
                                },
                                first_morning: true,
                            }),
                            _ => {}
                        }
                        day = day + Days::new(1);
                    }
                    day = day + Days::new(gap);
                }
                readings
            })
        }

        fn input_strategy() -> impl Strategy<Value = RelapseInput> {
            (
                diary(),
                prop::sample::select(vec![
                    DefinitionSet::Ipna2022,
                    DefinitionSet::Kdigo2025,
                    DefinitionSet::Kdigo2012,
                ]),
                any::<bool>(),
                prop::option::of(0u64..200),
                prop::collection::vec((0u64..300, 0u64..60), 0..4),
                prop::option::of(0u64..400),
            )
                .prop_map(
                    |(readings, definitions, relapse, remission, courses, as_of)| {
                        let start = d("2024-01-01");
                        RelapseInput {
                            definitions,
                            initial_state: if relapse {
                                DiseaseState::Relapse
                            } else {
                                DiseaseState::Remission
                            },
                            initial_remission: remission.map(|n| start + Days::new(n)),
                            readings,
                            steroid_courses: courses
                                .into_iter()
                                .map(|(from, length)| SteroidCourse {
                                    start: start + Days::new(from),
                                    end: start + Days::new(from + length),
                                })
                                .collect(),
                            as_of: as_of.map(|n| start + Days::new(n)),
                        }
                    },
                )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Walking on from a checkpoint (itself made in one or two steps) gives exactly
            /// the full engine's answer, whatever the days, the definitions, the courses, the
            /// initial state and the cut.
            #[test]
            fn walking_on_from_a_checkpoint_equals_the_full_walk(
                input in input_strategy(),
                first_cut in 0u64..400,
                second_cut in 0u64..400,
                shuffle in any::<bool>(),
            ) {
                let full = assess(&input).unwrap();
                let start = d("2024-01-01");
                let (early, late) = (first_cut.min(second_cut), first_cut.max(second_cut));
                let mut readings = input.readings.clone();
                if shuffle {
                    readings.reverse();
                }
                let first = relapse_checkpoint(
                    None,
                    input.initial_state,
                    &readings,
                    start + Days::new(early),
                )
                .unwrap();
                let later: Vec<UrineReading> = readings
                    .iter()
                    .filter(|r| r.date > first.through)
                    .cloned()
                    .collect();
                let second = relapse_checkpoint(
                    Some(&first),
                    input.initial_state,
                    &later,
                    start + Days::new(late),
                )
                .unwrap();
                // The same as walking to the second cut in one step.
                prop_assert_eq!(
                    &second,
                    &relapse_checkpoint(None, input.initial_state, &readings, second.through)
                        .unwrap()
                );
                let as_of = full.as_of;
                if as_of.is_some_and(|a| a < second.through) {
                    // A checkpoint past the assessment date is refused, never misused.
                    prop_assert!(assess_from(Some(&second), &input).is_err());
                } else {
                    // Readings already in the checkpoint may be passed again: they are ignored.
                    let tail = RelapseInput {
                        readings: if shuffle {
                            readings.clone()
                        } else {
                            readings
                                .iter()
                                .filter(|r| r.date > second.through)
                                .cloned()
                                .collect()
                        },
                        ..input.clone()
                    };
                    prop_assert_eq!(assess_from(Some(&second), &tail).unwrap(), full);
                }
            }
        }

        #[test]
        fn a_checkpoint_of_another_start_or_format_is_refused() {
            let readings = days_from("2025-01-01", &[DipstickGrade::ThreePlus; 4]);
            let checkpoint =
                relapse_checkpoint(None, DiseaseState::Remission, &readings, d("2025-01-03"))
                    .unwrap();
            assert_eq!(checkpoint.state, DiseaseState::Relapse);
            let from_relapse = RelapseInput {
                initial_state: DiseaseState::Relapse,
                ..input(readings.clone())
            };
            let err = assess_from(Some(&checkpoint), &from_relapse).unwrap_err();
            assert!(err.to_string().contains("checkpoint"), "{err}");
            let old = RelapseCheckpoint {
                version: RELAPSE_CHECKPOINT_VERSION + 1,
                ..checkpoint.clone()
            };
            assert!(assess_from(Some(&old), &input(readings.clone())).is_err());
            let early = RelapseInput {
                as_of: Some(d("2025-01-02")),
                ..input(readings)
            };
            assert!(assess_from(Some(&checkpoint), &early).is_err());
        }
    }
}

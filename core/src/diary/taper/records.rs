//! Steroid courses (clinical-rules §2 and §4, liquids §12) as a shell enters and reads them:
//! dates as `YYYY-MM-DD` text and times as `HH:MM`, each refused naming its own field (`start`,
//! `times[0]`, `remission_confirmed`); a stored version, its calendar and the relapse prompt's
//! pre-filled course read back in the same shape, so the care team can send a course again.

use crate::dates::{format_date, parse_date};
use crate::diary::records::{parse_optional_date, parse_times};
use crate::diary::taper::{RelapsePrompt, SuggestedCourse};
use crate::drug::Drug;
use crate::error::Result;
use crate::ids::{GlobalId, PatientId};
use crate::locale::Locale;
use crate::medicine::liquid::LiquidInput;
use crate::model::MedicationId;
use crate::store::{CourseCalendar, CourseVersion, NewCourse};
use crate::taper::course::RemissionSource;
use crate::taper::TaperDay;
use crate::taper::{CoursePlan, CourseTemplate, Phase, StampStart, TabletSpec, TaperCalendar};

/// A steroid course as the care team enters it (a new course or a new version). The phases
/// come from exactly one of `phases`, a KDIGO `template`, or `stamp_protocol` with `stamp`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CoursePlanInput {
    /// Prednisolone or prednisone.
    pub drug: Drug,
    /// The template the phases come from.
    pub template: Option<CourseTemplate>,
    /// Explicit phases (empty with a template).
    pub phases: Vec<Phase>,
    /// STAMP choices (only with `stamp_protocol`).
    pub stamp: Option<StampStart>,
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Tablet strength in mg (default 5).
    pub tablet_mg: Option<f64>,
    /// Whether tablets may be halved (default true).
    pub allow_half: Option<bool>,
    /// Local dosing times `HH:MM` (usually one, `08:00`).
    pub times: Vec<String>,
    /// The remission date entered by the care team, `YYYY-MM-DD`; it overrides the readings.
    pub remission_confirmed: Option<String>,
    /// Who entered or changed it.
    pub changed_by: String,
    /// Why (required for a new version).
    pub reason: Option<String>,
    /// The app's id of this creation (up to 100 characters), generated once and resent with
    /// every retry of `create_course`: the same id with the same course returns the stored
    /// version 1 without storing a second course; with a different course it is a conflict.
    /// Without it (the default) every call creates a course. `revise_course` ignores it.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub client_id: Option<String>,
    /// The oral solution the course is given as instead of tablets (clinical-rules §12): its
    /// concentration and the syringe's graduation. Every dosing day is then measured in mL; a
    /// day that cannot be measured is `NotMeasurable`. Give no `tablet_mg` or `allow_half` with
    /// it.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub liquid: Option<LiquidInput>,
}

impl CoursePlanInput {
    /// The course to store (the diary builds and checks its plan, naming each field).
    pub fn parse(self) -> Result<NewCourse> {
        Ok(NewCourse {
            times: parse_times("times", &self.times)?,
            start: parse_date("start", &self.start)?,
            tablets: TabletSpec::for_course(
                self.tablet_mg,
                self.allow_half,
                self.liquid.is_some(),
            )?,
            liquid: self.liquid.map(Into::into),
            remission_confirmed: parse_optional_date(
                "remission_confirmed",
                self.remission_confirmed.as_deref(),
            )?,
            drug: self.drug,
            template: self.template,
            phases: self.phases,
            stamp: self.stamp,
            changed_by: self.changed_by,
            reason: self.reason,
            client_id: self.client_id,
        })
    }
}

impl From<NewCourse> for CoursePlanInput {
    fn from(c: NewCourse) -> Self {
        // A liquid course has no tablets to give back.
        let tablets = c.liquid.is_none().then_some(c.tablets);
        CoursePlanInput {
            drug: c.drug,
            template: c.template,
            phases: c.phases,
            stamp: c.stamp,
            start: format_date(c.start),
            tablet_mg: tablets.map(|t| t.tablet_mg),
            allow_half: tablets.map(|t| t.allow_half),
            times: c
                .times
                .iter()
                .map(|t| t.format("%H:%M").to_string())
                .collect(),
            remission_confirmed: c.remission_confirmed.map(format_date),
            changed_by: c.changed_by,
            reason: c.reason,
            client_id: c.client_id,
            liquid: c.liquid.map(Into::into),
        }
    }
}

/// One stored version of a steroid course.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SteroidCourse {
    /// The patient.
    pub patient_id: PatientId,
    /// The stable key, the same in every version.
    pub course_key: String,
    /// `course-<key>`: the medication id of its doses and reminders.
    pub medication_id: MedicationId,
    /// Version number, from 1.
    pub version: i64,
    /// Prednisolone or prednisone.
    pub drug: Drug,
    /// The template the phases came from.
    pub template: Option<CourseTemplate>,
    /// The stored plan.
    pub plan: CoursePlan,
    /// Local dosing times, `HH:MM`.
    pub times: Vec<String>,
    /// The remission date the care team entered, if any.
    pub remission_confirmed: Option<String>,
    /// Who stored this version.
    pub changed_by: String,
    /// Why.
    pub reason: Option<String>,
    /// When it was stored, UTC epoch ms.
    pub recorded_at_ms: i64,
    /// The course's globally unique id (a version 7 UUID, hyphenated): the same in every
    /// version, like `course_key`.
    pub global_id: GlobalId,
}

impl From<CourseVersion> for SteroidCourse {
    fn from(c: CourseVersion) -> Self {
        SteroidCourse {
            patient_id: c.patient_id,
            medication_id: c.medication_id(),
            course_key: c.course_key,
            version: c.version,
            drug: c.drug,
            template: c.template,
            plan: c.plan,
            times: c
                .times
                .iter()
                .map(|t| t.format("%H:%M").to_string())
                .collect(),
            remission_confirmed: c.remission_confirmed.map(format_date),
            changed_by: c.changed_by,
            reason: c.reason,
            recorded_at_ms: c.recorded_at_ms,
            global_id: c.global_id,
        }
    }
}

/// A stored course version with its calendar.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "CourseCalendar"))]
pub struct CourseCalendarRecord {
    /// The version.
    pub course: SteroidCourse,
    /// Its calendar (provisional while remission is not confirmed; ends the day before the
    /// patient's next course starts).
    pub calendar: TaperCalendar,
    /// The remission date that ended the until-remission phase, if known.
    pub remission_confirmed: Option<String>,
    /// Where it came from.
    pub remission_source: Option<RemissionSource>,
    /// The next course's start, when it stopped this course early.
    pub stopped_from: Option<String>,
}

impl From<CourseCalendar> for CourseCalendarRecord {
    fn from(c: CourseCalendar) -> Self {
        CourseCalendarRecord {
            course: c.course.into(),
            calendar: c.calendar,
            remission_confirmed: c.remission_confirmed.map(format_date),
            remission_source: c.remission_source,
            stopped_from: c.stopped_from.map(format_date),
        }
    }
}

/// The `kdigo2025_relapse` course pre-filled for the care team; never stored by the app.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SuggestedCourse"))]
pub struct SuggestedCourseRecord {
    /// The course to enter (sign `changed_by` before storing it).
    pub course: CoursePlanInput,
    /// The plan on the latest weight and height, when known.
    pub plan: Option<CoursePlan>,
    /// The first daily day (mg and tablets), when known.
    pub daily: Option<TaperDay>,
    /// The first alternate-day day, when known.
    pub alternate_day: Option<TaperDay>,
}

impl From<SuggestedCourse> for SuggestedCourseRecord {
    fn from(s: SuggestedCourse) -> Self {
        SuggestedCourseRecord {
            course: s.course.into(),
            plan: s.plan,
            daily: s.daily,
            alternate_day: s.alternate_day,
        }
    }
}

/// "Relapse suspected — contact your team; your action plan says …".
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SteroidRelapsePrompt {
    /// The relapse's onset, `YYYY-MM-DD`.
    pub relapse_onset: String,
    /// The day it was confirmed.
    pub relapse_confirmed: String,
    /// The pre-filled course.
    pub suggestion: SuggestedCourseRecord,
    /// The locale of `text`: `en` or `zh-Hans`.
    pub locale: Locale,
    /// The words shown to the family.
    pub text: String,
}

impl From<RelapsePrompt> for SteroidRelapsePrompt {
    fn from(p: RelapsePrompt) -> Self {
        SteroidRelapsePrompt {
            relapse_onset: format_date(p.relapse_onset),
            relapse_confirmed: format_date(p.relapse_confirmed),
            suggestion: p.suggestion.into(),
            locale: p.locale,
            text: p.text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::medicine::liquid::Liquid;
    use crate::test_support::refused_field;
    use crate::test_support::{date, time};

    fn relapse_course() -> CoursePlanInput {
        CoursePlanInput {
            drug: Drug::Prednisolone,
            template: Some(CourseTemplate::Kdigo2025Relapse),
            phases: vec![],
            stamp: None,
            start: "2025-06-01".into(),
            tablet_mg: Some(5.0),
            allow_half: Some(true),
            times: vec!["08:00".into()],
            remission_confirmed: Some("2025-06-09".into()),
            changed_by: "Dr. Li".into(),
            reason: None,
            client_id: Some("course-request-1".into()),
            liquid: None,
        }
    }

    #[test]
    fn a_course_reads_its_dates_and_times_and_reads_back_as_entered() {
        let new = relapse_course().parse().unwrap();
        assert_eq!(new.start, date("2025-06-01"));
        assert_eq!(new.times, vec![time("08:00")]);
        assert_eq!(new.remission_confirmed, Some(date("2025-06-09")));
        assert_eq!(CoursePlanInput::from(new), relapse_course());
        type Spoil = (&'static str, fn(&mut CoursePlanInput));
        let cases: [Spoil; 3] = [
            ("start", |c| c.start = "2025-02-30".into()),
            ("times[0]", |c| c.times = vec!["morning".into()]),
            ("remission_confirmed", |c| {
                c.remission_confirmed = Some("yesterday".into())
            }),
        ];
        for (field, spoil) in cases {
            let mut bad = relapse_course();
            spoil(&mut bad);
            assert_eq!(refused_field(bad.parse()), field);
        }
    }

    #[test]
    fn a_liquid_course_has_no_tablets_and_reads_back_without_them() {
        let liquid = LiquidInput {
            concentration_mg_per_ml: 5.0,
            syringe_step_ml: None,
        };
        let entered = CoursePlanInput {
            tablet_mg: None,
            allow_half: None,
            liquid: Some(liquid),
            ..relapse_course()
        };
        let new = entered.clone().parse().unwrap();
        assert_eq!(new.liquid, Some(Liquid::new(5.0)));
        let shown = CoursePlanInput::from(new);
        assert_eq!((shown.tablet_mg, shown.allow_half), (None, None));
        assert_eq!(shown.liquid.and_then(|l| l.syringe_step_ml), Some(0.1));
        // Tablets with a liquid are refused (clinical-rules §12: a liquid is measured in mL).
        let both = CoursePlanInput {
            tablet_mg: Some(5.0),
            ..entered
        };
        assert!(matches!(both.parse(), Err(Error::Invalid { .. })));
    }
}

//! The relapse engine on input as a shell or a conformance case writes it (clinical-rules §5
//! and §6): dates are text, parsed here so that a refusal names its field
//! (`readings[2].date`, `steroid_courses[0].end`, `as_of`).

use super::{DefinitionSet, DiseaseState, RelapseInput, SteroidCourse};
use crate::dates::{format_date, parse_date};
use crate::error::Result;
use crate::protein::{DipstickGrade, UpcrUnit, UrineMeasurement, UrineReading};

/// One reading of [`RelapseCase`]: exactly one of `dipstick` and `upcr` (with `unit`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RelapseCaseReading {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// The dipstick grade.
    pub dipstick: Option<DipstickGrade>,
    /// The UPCR value.
    pub upcr: Option<f64>,
    /// The UPCR unit; required with `upcr`.
    pub unit: Option<UpcrUnit>,
    /// Whether it was the first urine of the morning.
    pub first_morning: bool,
}

/// A steroid course by its first and last dosing days (`YYYY-MM-DD`, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SteroidCourseSpan {
    /// First dosing day.
    pub start: String,
    /// Last dosing day.
    pub end: String,
}

impl From<SteroidCourse> for SteroidCourseSpan {
    fn from(c: SteroidCourse) -> Self {
        SteroidCourseSpan {
            start: format_date(c.start),
            end: format_date(c.end),
        }
    }
}

/// The input of the relapse engine as in the conformance suite `relapse`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "RelapseCaseInput"))]
pub struct RelapseCase {
    /// The definition set; empty for IPNA 2022.
    pub definitions: Option<DefinitionSet>,
    /// The state before the first reading; empty for remission.
    pub initial_state: Option<DiseaseState>,
    /// The remission date of the initial episode, `YYYY-MM-DD`, if known.
    pub initial_remission: Option<String>,
    /// Readings in any order.
    pub readings: Vec<RelapseCaseReading>,
    /// Steroid courses in any order.
    pub steroid_courses: Vec<SteroidCourseSpan>,
    /// The assessment date, `YYYY-MM-DD`; empty for the latest reading's date.
    pub as_of: Option<String>,
}

impl RelapseCase {
    /// The engine's input, every field read and refused by name: a malformed date
    /// (`readings[0].date`, `steroid_courses[1].start`, `initial_remission`, `as_of`), a
    /// reading with both or neither of dipstick and UPCR (`readings[2]`), a UPCR without its
    /// unit (`readings[0].unit`) or negative (`readings[2].upcr`).
    pub fn input(&self) -> Result<RelapseInput> {
        let readings = self
            .readings
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let record = format!("readings[{i}]");
                Ok(UrineReading {
                    date: parse_date(&format!("{record}.date"), &r.date)?,
                    measurement: UrineMeasurement::from_parts(&record, r.dipstick, r.upcr, r.unit)?,
                    first_morning: r.first_morning,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let steroid_courses = self
            .steroid_courses
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Ok(SteroidCourse {
                    start: parse_date(&format!("steroid_courses[{i}].start"), &c.start)?,
                    end: parse_date(&format!("steroid_courses[{i}].end"), &c.end)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let date = |field: &str, text: &Option<String>| {
            text.as_deref().map(|t| parse_date(field, t)).transpose()
        };
        Ok(RelapseInput {
            definitions: self.definitions.unwrap_or_default(),
            initial_state: self.initial_state.unwrap_or_default(),
            initial_remission: date("initial_remission", &self.initial_remission)?,
            readings,
            steroid_courses,
            as_of: date("as_of", &self.as_of)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn reading(
        date: &str,
        dipstick: Option<DipstickGrade>,
        upcr: Option<f64>,
    ) -> RelapseCaseReading {
        RelapseCaseReading {
            date: date.into(),
            dipstick,
            upcr,
            unit: upcr.map(|_| UpcrUnit::MgPerMg),
            first_morning: true,
        }
    }

    fn refused_field(case: &RelapseCase) -> String {
        match case.input() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_case_reads_its_text_and_names_each_field_it_refuses() {
        let case = RelapseCase {
            definitions: None,
            initial_state: None,
            initial_remission: Some("2025-01-01".into()),
            readings: vec![
                reading("2025-02-01", Some(DipstickGrade::Negative), None),
                reading("2025-02-02", None, Some(0.1)),
            ],
            steroid_courses: vec![SteroidCourseSpan {
                start: "2025-01-01".into(),
                end: "2025-01-28".into(),
            }],
            as_of: None,
        };
        let input = case.input().unwrap();
        assert_eq!(input.readings.len(), 2);
        assert_eq!(input.definitions, DefinitionSet::default());
        assert_eq!(
            SteroidCourseSpan::from(input.steroid_courses[0]),
            case.steroid_courses[0]
        );

        let mut bad = case.clone();
        bad.readings[1].date = "2025-02-30".into();
        assert_eq!(refused_field(&bad), "readings[1].date");
        let mut bad = case.clone();
        bad.readings[1].unit = None;
        assert_eq!(refused_field(&bad), "readings[1].unit");
        let mut bad = case.clone();
        bad.readings[0].upcr = Some(1.0);
        assert_eq!(refused_field(&bad), "readings[0]");
        let mut bad = case.clone();
        bad.steroid_courses[0].end = "28/01/2025".into();
        assert_eq!(refused_field(&bad), "steroid_courses[0].end");
        let mut bad = case.clone();
        bad.as_of = Some("yesterday".into());
        assert_eq!(refused_field(&bad), "as_of");
        let mut bad = case;
        bad.initial_remission = Some("".into());
        assert_eq!(refused_field(&bad), "initial_remission");
    }
}

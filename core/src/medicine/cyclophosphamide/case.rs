//! The cumulative cyclophosphamide dose on input as a shell or a conformance case writes it
//! (clinical-rules §12): dates are text, parsed here so that a refusal names its field
//! (`weights[0].date`, `doses[2].date`).

use super::{check_course_plan, cumulative_dose, DatedWeight, TakenDose};
use crate::dates::parse_date;
use crate::error::Result;

/// A weight on a date, for the cumulative cyclophosphamide dose.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DatedWeightInput {
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    /// The weight in kg.
    pub weight_kg: f64,
}

/// A cyclophosphamide dose taken.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TakenDoseInput {
    /// The local date it was taken, `YYYY-MM-DD`.
    pub date: String,
    /// The mg taken.
    pub mg: f64,
}

/// A planned cyclophosphamide course: a rate for a number of days.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CyclophosphamidePlan {
    /// The planned rate in mg/kg/day.
    pub mg_per_kg_per_day: f64,
    /// The planned length in days (1–366).
    pub days: u32,
}

/// What the cumulative cyclophosphamide dose needs (clinical-rules §12).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CyclophosphamideInput {
    /// The cumulative dose of courses given before the app, in mg/kg, entered by the care team.
    pub prior_mg_per_kg: f64,
    /// The child's weights.
    pub weights: Vec<DatedWeightInput>,
    /// The doses taken, any order.
    pub doses: Vec<TakenDoseInput>,
    /// A planned course to check against the 168 mg/kg limit.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub plan: Option<CyclophosphamidePlan>,
    /// The care team accepts a plan above the limit.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub override_limit: bool,
}

/// The cumulative cyclophosphamide dose (clinical-rules §12).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CyclophosphamideCumulative {
    /// Prior dose plus every dose taken, each on the weight of its day, in mg/kg.
    pub cumulative_mg_per_kg: f64,
    /// True from 150 mg/kg: warn the family and show it on the report.
    pub warning: bool,
    /// The planned total (prior + rate × days) when a plan was given.
    pub planned_total_mg_per_kg: Option<f64>,
}

impl CyclophosphamideInput {
    /// Sums the cumulative dose and checks the planned course (clinical-rules §12; IPNA 2022
    /// Table 5): a plan above 168 mg/kg is refused as out of range unless overridden; a dose with
    /// no weight on or before its day is refused naming `doses[i].date`.
    pub fn cumulative(&self) -> Result<CyclophosphamideCumulative> {
        let weights = self
            .weights
            .iter()
            .enumerate()
            .map(|(i, w)| {
                Ok(DatedWeight {
                    date: parse_date(&format!("weights[{i}].date"), &w.date)?,
                    weight_kg: w.weight_kg,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let doses = self
            .doses
            .iter()
            .enumerate()
            .map(|(i, d)| {
                Ok(TakenDose {
                    date: parse_date(&format!("doses[{i}].date"), &d.date)?,
                    mg: d.mg,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let cumulative = cumulative_dose(self.prior_mg_per_kg, &doses, &weights)?;
        let planned_total_mg_per_kg = self
            .plan
            .map(|plan| {
                check_course_plan(
                    self.prior_mg_per_kg,
                    plan.mg_per_kg_per_day,
                    plan.days,
                    self.override_limit,
                )
            })
            .transpose()?;
        Ok(CyclophosphamideCumulative {
            cumulative_mg_per_kg: cumulative.mg_per_kg,
            warning: cumulative.warning,
            planned_total_mg_per_kg,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn input() -> CyclophosphamideInput {
        CyclophosphamideInput {
            prior_mg_per_kg: 10.0,
            weights: vec![DatedWeightInput {
                date: "2025-01-01".into(),
                weight_kg: 20.0,
            }],
            doses: vec![TakenDoseInput {
                date: "2025-01-02".into(),
                mg: 40.0,
            }],
            plan: None,
            override_limit: false,
        }
    }

    fn refused_field(input: &CyclophosphamideInput) -> String {
        match input.cumulative() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_sum_reads_text_dates_and_names_each_one_it_refuses() {
        let sum = input().cumulative().unwrap();
        assert_eq!(sum.cumulative_mg_per_kg, 12.0);
        assert!(!sum.warning);
        assert_eq!(sum.planned_total_mg_per_kg, None);

        let mut bad = input();
        bad.weights[0].date = "01/01/2025".into();
        assert_eq!(refused_field(&bad), "weights[0].date");
        let mut bad = input();
        bad.doses[0].date = "2025-13-02".into();
        assert_eq!(refused_field(&bad), "doses[0].date");
    }

    #[test]
    fn a_plan_above_the_limit_is_refused_unless_overridden() {
        let mut planned = input();
        planned.plan = Some(CyclophosphamidePlan {
            mg_per_kg_per_day: 2.0,
            days: 84,
        });
        assert!(matches!(
            planned.cumulative(),
            Err(Error::CumulativeDoseExceeded { .. })
        ));
        planned.override_limit = true;
        assert_eq!(
            planned.cumulative().unwrap().planned_total_mg_per_kg,
            Some(178.0)
        );
    }
}

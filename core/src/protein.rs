//! Urine protein readings and their levels (clinical-rules §5; dipstick bands and UPCR cut-offs
//! from the KDIGO 2025 guideline for nephrotic syndrome in children).
//!
//! A reading is stored as read (the dipstick's ordinal grade, or a UPCR value in its own unit)
//! and mapped to a [`ProteinLevel`]. The relapse engine (`crate::relapse`) works on one level per
//! local calendar day, see [`daily_levels`].

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The level a reading or a day is at (clinical-rules §5). Ordered: remission < proteinuria <
/// nephrotic, so the highest level of a day is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ProteinLevel {
    /// Negative or trace dipstick; UPCR at or below the remission cut-off.
    Remission,
    /// Between remission and nephrotic: 1+ or 2+ dipstick; UPCR between the two cut-offs.
    Proteinuria,
    /// 3+ or 4+ dipstick; UPCR at or above the nephrotic cut-off.
    Nephrotic,
}

impl ProteinLevel {
    /// The identifier used in files and the conformance cases: `remission`, `proteinuria`, `nephrotic`.
    pub fn id(self) -> &'static str {
        match self {
            ProteinLevel::Remission => "remission",
            ProteinLevel::Proteinuria => "proteinuria",
            ProteinLevel::Nephrotic => "nephrotic",
        }
    }
}

/// A urine dipstick grade, stored as read: strip brands differ in their mg/dL labels, so the
/// ordinal grade is the fact (clinical-rules §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DipstickGrade {
    /// `negative`: below 15 mg/dL (KDIGO 2025) — level remission.
    #[serde(rename = "negative")]
    Negative,
    /// `trace`: 15 to below 30 mg/dL — level remission.
    #[serde(rename = "trace")]
    Trace,
    /// `1+`: 30 to below 100 mg/dL — level proteinuria.
    #[serde(rename = "1+")]
    OnePlus,
    /// `2+`: 100 to below 300 mg/dL — level proteinuria.
    #[serde(rename = "2+")]
    TwoPlus,
    /// `3+`: 300 to below 1000 mg/dL — level nephrotic.
    #[serde(rename = "3+")]
    ThreePlus,
    /// `4+`: 1000 mg/dL or more — level nephrotic.
    #[serde(rename = "4+")]
    FourPlus,
}

impl DipstickGrade {
    /// Every grade, lowest first.
    pub const ALL: [DipstickGrade; 6] = [
        DipstickGrade::Negative,
        DipstickGrade::Trace,
        DipstickGrade::OnePlus,
        DipstickGrade::TwoPlus,
        DipstickGrade::ThreePlus,
        DipstickGrade::FourPlus,
    ];

    /// The grade as written on the strip and in the conformance cases: `negative`, `trace`,
    /// `1+`, `2+`, `3+`, `4+`.
    pub fn as_str(self) -> &'static str {
        match self {
            DipstickGrade::Negative => "negative",
            DipstickGrade::Trace => "trace",
            DipstickGrade::OnePlus => "1+",
            DipstickGrade::TwoPlus => "2+",
            DipstickGrade::ThreePlus => "3+",
            DipstickGrade::FourPlus => "4+",
        }
    }

    /// Parses a grade written as by [`DipstickGrade::as_str`], naming `field` when unknown.
    pub fn parse(field: &str, text: &str) -> Result<DipstickGrade> {
        DipstickGrade::ALL
            .into_iter()
            .find(|g| g.as_str() == text)
            .ok_or_else(|| Error::invalid(field, "must be negative, trace, 1+, 2+, 3+ or 4+"))
    }

    /// The grade's level (clinical-rules §5 table, KDIGO 2025): negative and trace are remission,
    /// 1+ and 2+ proteinuria, 3+ and 4+ nephrotic.
    pub fn level(self) -> ProteinLevel {
        match self {
            DipstickGrade::Negative | DipstickGrade::Trace => ProteinLevel::Remission,
            DipstickGrade::OnePlus | DipstickGrade::TwoPlus => ProteinLevel::Proteinuria,
            DipstickGrade::ThreePlus | DipstickGrade::FourPlus => ProteinLevel::Nephrotic,
        }
    }
}

impl fmt::Display for DipstickGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The unit a laboratory reports a urine protein/creatinine ratio (UPCR) in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum UpcrUnit {
    /// mg protein per mmol creatinine (`mg/mmol`).
    #[serde(rename = "mg/mmol")]
    MgPerMmol,
    /// mg protein per mg creatinine (`mg/mg`).
    #[serde(rename = "mg/mg")]
    MgPerMg,
    /// g protein per g creatinine (`g/g`), numerically the same as mg per mg.
    #[serde(rename = "g/g")]
    GPerG,
    /// mg protein per g creatinine (`mg/g`).
    #[serde(rename = "mg/g")]
    MgPerG,
}

/// mg/mmol per mg/mg: 1 mg/mg = 113.12 mg/mmol (clinical-rules §5; creatinine 113.12 g/mol).
/// For display only — levels are never decided on a converted value.
pub const MG_PER_MMOL_PER_MG_PER_MG: f64 = 113.12;

impl UpcrUnit {
    /// Every unit.
    pub const ALL: [UpcrUnit; 4] = [
        UpcrUnit::MgPerMmol,
        UpcrUnit::MgPerMg,
        UpcrUnit::GPerG,
        UpcrUnit::MgPerG,
    ];

    /// The unit as written in the conformance cases: `mg/mmol`, `mg/mg`, `g/g`, `mg/g`.
    pub fn as_str(self) -> &'static str {
        match self {
            UpcrUnit::MgPerMmol => "mg/mmol",
            UpcrUnit::MgPerMg => "mg/mg",
            UpcrUnit::GPerG => "g/g",
            UpcrUnit::MgPerG => "mg/g",
        }
    }

    /// Parses a unit written as by [`UpcrUnit::as_str`], naming `field` when unknown.
    pub fn parse(field: &str, text: &str) -> Result<UpcrUnit> {
        UpcrUnit::ALL
            .into_iter()
            .find(|u| u.as_str() == text)
            .ok_or_else(|| Error::invalid(field, "must be mg/mmol, mg/mg, g/g or mg/g"))
    }

    /// The cut-offs in this unit, `(remission at or below, nephrotic at or above)`
    /// (clinical-rules §5 table, KDIGO 2025): mg/mmol 20 and 200; mg/mg and g/g 0.2 and 2;
    /// mg/g 200 and 2000. They are the guideline's own numbers per unit, not conversions of
    /// each other.
    pub fn cut_offs(self) -> (f64, f64) {
        match self {
            UpcrUnit::MgPerMmol => (20.0, 200.0),
            UpcrUnit::MgPerMg | UpcrUnit::GPerG => (0.2, 2.0),
            UpcrUnit::MgPerG => (200.0, 2000.0),
        }
    }

    /// The level of a UPCR value in this unit, with both cut-offs inclusive as written
    /// (`≤ remission`, `≥ nephrotic`; clinical-rules §5). The value is compared as given: a
    /// decimal such as 0.2 parses to the same binary number as the cut-off, so a value written
    /// exactly at a cut-off is at it. A value that is not a finite non-negative number has no
    /// meaningful level; validate it first with [`UrineMeasurement::validate`].
    pub fn level(self, value: f64) -> ProteinLevel {
        let (remission_max, nephrotic_min) = self.cut_offs();
        if value <= remission_max {
            ProteinLevel::Remission
        } else if value >= nephrotic_min {
            ProteinLevel::Nephrotic
        } else {
            ProteinLevel::Proteinuria
        }
    }

    /// How many mg per mg one unit of this is (mg/g is 0.001; mg/mmol is 1 ÷ 113.12).
    fn in_mg_per_mg(self) -> f64 {
        match self {
            UpcrUnit::MgPerMg | UpcrUnit::GPerG => 1.0,
            UpcrUnit::MgPerG => 0.001,
            UpcrUnit::MgPerMmol => 1.0 / MG_PER_MMOL_PER_MG_PER_MG,
        }
    }
}

impl fmt::Display for UpcrUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Converts a UPCR value between units **for display only** (1 mg/mg = 1 g/g = 1000 mg/g =
/// 113.12 mg/mmol, clinical-rules §5). Never decide a level on the result: cut-offs are applied
/// natively in the unit the laboratory gave ([`UpcrUnit::level`]).
pub fn convert_upcr_for_display(value: f64, from: UpcrUnit, to: UpcrUnit) -> f64 {
    if from == to {
        return value;
    }
    value * from.in_mg_per_mg() / to.in_mg_per_mg()
}

/// What one urine test measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrineMeasurement {
    /// A home dipstick grade.
    Dipstick(DipstickGrade),
    /// A laboratory urine protein/creatinine ratio.
    Upcr {
        /// The ratio, finite and ≥ 0.
        value: f64,
        /// The unit the ratio was reported in.
        unit: UpcrUnit,
    },
}

impl UrineMeasurement {
    /// A validated UPCR measurement; `field` names the value in the error.
    pub fn upcr(field: &str, value: f64, unit: UpcrUnit) -> Result<UrineMeasurement> {
        let measurement = UrineMeasurement::Upcr { value, unit };
        measurement.validate(field)?;
        Ok(measurement)
    }

    /// A validated measurement from the optional parts of an entry form or a record: exactly one
    /// of a dipstick grade and a UPCR value, and a UPCR needs its unit (conformance.md, suite
    /// `relapse`, error codes). `record` prefixes the field names (`readings[3]` gives
    /// `readings[3].unit`); with an empty `record` they are `dipstick`, `upcr` and `unit`.
    pub fn from_parts(
        record: &str,
        dipstick: Option<DipstickGrade>,
        upcr: Option<f64>,
        unit: Option<UpcrUnit>,
    ) -> Result<UrineMeasurement> {
        let field = |name: &str| {
            if record.is_empty() {
                name.to_string()
            } else {
                format!("{record}.{name}")
            }
        };
        match (dipstick, upcr, unit) {
            (Some(grade), None, None) => Ok(UrineMeasurement::Dipstick(grade)),
            (None, Some(value), Some(unit)) => UrineMeasurement::upcr(&field("upcr"), value, unit),
            (None, Some(_), None) => Err(Error::invalid(
                field("unit"),
                "is required with a UPCR value",
            )),
            (Some(_), None, Some(_)) | (None, None, Some(_)) => Err(Error::invalid(
                field("unit"),
                "belongs to a UPCR value; a dipstick grade has no unit",
            )),
            (Some(_), Some(_), _) | (None, None, None) => Err(Error::invalid(
                if record.is_empty() {
                    "dipstick".to_string()
                } else {
                    record.to_string()
                },
                "must have exactly one of dipstick and upcr",
            )),
        }
    }

    /// The dipstick grade, if this is a dipstick reading.
    pub fn dipstick(&self) -> Option<DipstickGrade> {
        match *self {
            UrineMeasurement::Dipstick(grade) => Some(grade),
            UrineMeasurement::Upcr { .. } => None,
        }
    }

    /// The UPCR value and unit, if this is a UPCR reading.
    pub fn upcr_value(&self) -> Option<(f64, UpcrUnit)> {
        match *self {
            UrineMeasurement::Dipstick(_) => None,
            UrineMeasurement::Upcr { value, unit } => Some((value, unit)),
        }
    }

    /// Refuses a UPCR that is negative, NaN or infinite, naming `field` (the value's field, e.g.
    /// `readings[2].upcr`). A dipstick grade is always valid.
    pub fn validate(&self, field: &str) -> Result<()> {
        match *self {
            UrineMeasurement::Dipstick(_) => Ok(()),
            UrineMeasurement::Upcr { value, .. } => {
                crate::numeric::require_non_negative(field, value).map(|_| ())
            }
        }
    }

    /// The measurement's level (clinical-rules §5). For a UPCR, see [`UpcrUnit::level`].
    pub fn level(&self) -> ProteinLevel {
        match *self {
            UrineMeasurement::Dipstick(grade) => grade.level(),
            UrineMeasurement::Upcr { value, unit } => unit.level(value),
        }
    }
}

/// One urine test as the engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UrineReading {
    /// The patient's local calendar date of the sample.
    pub date: NaiveDate,
    /// What was measured.
    pub measurement: UrineMeasurement,
    /// Whether the sample was the first urine of the morning.
    pub first_morning: bool,
}

/// The level of one local calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayLevel {
    /// The local date.
    pub date: NaiveDate,
    /// The day's level.
    pub level: ProteinLevel,
}

/// The level of one day from its readings (clinical-rules §5: "if a day has first-morning
/// readings, only those count; the day's level is the highest level among the readings that
/// count"). `None` when there are no readings. The readings are assumed to share a date.
pub fn day_level<'a>(readings: impl IntoIterator<Item = &'a UrineReading>) -> Option<ProteinLevel> {
    readings
        .into_iter()
        .fold(None, |day, reading| Some(DayTally::from(day).with(reading)))
        .map(DayTally::level)
}

/// One level per local calendar day, in date order, from readings in any order (clinical-rules §5).
/// Days without readings are absent. O(n log n) in the number of readings.
pub fn daily_levels<'a>(readings: impl IntoIterator<Item = &'a UrineReading>) -> Vec<DayLevel> {
    let mut days: BTreeMap<NaiveDate, DayTally> = BTreeMap::new();
    for reading in readings {
        let tally = days.remove(&reading.date);
        days.insert(reading.date, DayTally::from(tally).with(reading));
    }
    days.into_iter()
        .map(|(date, tally)| DayLevel {
            date,
            level: tally.level(),
        })
        .collect()
}

/// The running highest levels of one day: over first-morning readings, and over all readings.
#[derive(Debug, Clone, Copy)]
struct DayTally {
    first_morning: Option<ProteinLevel>,
    any: Option<ProteinLevel>,
}

impl DayTally {
    fn with(self, reading: &UrineReading) -> DayTally {
        let level = Some(reading.measurement.level());
        DayTally {
            first_morning: if reading.first_morning {
                self.first_morning.max(level)
            } else {
                self.first_morning
            },
            any: self.any.max(level),
        }
    }

    fn level(self) -> ProteinLevel {
        // `any` is set by every reading, so a tally built from one or more readings has a level.
        self.first_morning
            .or(self.any)
            .unwrap_or(ProteinLevel::Remission)
    }
}

impl From<Option<DayTally>> for DayTally {
    fn from(tally: Option<DayTally>) -> DayTally {
        tally.unwrap_or(DayTally {
            first_morning: None,
            any: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_date("d", s).unwrap()
    }

    fn dip(date: &str, grade: DipstickGrade, first_morning: bool) -> UrineReading {
        UrineReading {
            date: d(date),
            measurement: UrineMeasurement::Dipstick(grade),
            first_morning,
        }
    }

    #[test]
    fn dipstick_grades_round_trip_and_map_to_levels() {
        for grade in DipstickGrade::ALL {
            assert_eq!(
                DipstickGrade::parse("g", &grade.to_string()).unwrap(),
                grade
            );
            assert_eq!(serde_json::to_value(grade).unwrap(), grade.as_str());
        }
        let levels: Vec<_> = DipstickGrade::ALL.iter().map(|g| g.level()).collect();
        use ProteinLevel::*;
        assert_eq!(
            levels,
            [
                Remission,
                Remission,
                Proteinuria,
                Proteinuria,
                Nephrotic,
                Nephrotic
            ]
        );
        let err = DipstickGrade::parse("readings[0].dipstick", "5+").unwrap_err();
        assert!(err.to_string().contains("readings[0].dipstick"));
        assert!(DipstickGrade::parse("g", "Negative").is_err());
        assert!(DipstickGrade::parse("g", "+1").is_err());
    }

    #[test]
    fn levels_are_ordered() {
        assert!(ProteinLevel::Remission < ProteinLevel::Proteinuria);
        assert!(ProteinLevel::Proteinuria < ProteinLevel::Nephrotic);
    }

    #[test]
    fn upcr_cut_offs_are_inclusive_and_native_per_unit() {
        use ProteinLevel::*;
        let cases = [
            (UpcrUnit::MgPerMmol, 20.0, Remission),
            (UpcrUnit::MgPerMmol, 20.01, Proteinuria),
            (UpcrUnit::MgPerMmol, 199.99, Proteinuria),
            (UpcrUnit::MgPerMmol, 200.0, Nephrotic),
            (UpcrUnit::MgPerMg, 0.2, Remission),
            (UpcrUnit::MgPerMg, 0.21, Proteinuria),
            (UpcrUnit::MgPerMg, 2.0, Nephrotic),
            (UpcrUnit::MgPerMg, 1.99, Proteinuria),
            (UpcrUnit::GPerG, 0.2, Remission),
            (UpcrUnit::GPerG, 2.0, Nephrotic),
            (UpcrUnit::MgPerG, 200.0, Remission),
            (UpcrUnit::MgPerG, 200.5, Proteinuria),
            (UpcrUnit::MgPerG, 1999.9, Proteinuria),
            (UpcrUnit::MgPerG, 2000.0, Nephrotic),
            (UpcrUnit::MgPerMmol, 0.0, Remission),
        ];
        for (unit, value, level) in cases {
            assert_eq!(unit.level(value), level, "{value} {unit}");
        }
        // 1.8 mg/mg would be 203.6 mg/mmol after conversion, but natively it is below 2.
        assert_eq!(UpcrUnit::MgPerMg.level(1.8), Proteinuria);
        // A decimal parsed from text at the cut-off is at the cut-off.
        assert_eq!(UpcrUnit::MgPerMg.level("0.2".parse().unwrap()), Remission);
    }

    #[test]
    fn units_parse_and_bad_values_are_refused_naming_the_field() {
        for unit in UpcrUnit::ALL {
            assert_eq!(UpcrUnit::parse("u", unit.as_str()).unwrap(), unit);
        }
        assert!(UpcrUnit::parse("readings[1].unit", "mg/dL")
            .unwrap_err()
            .to_string()
            .contains("readings[1].unit"));
        for bad in [-0.1, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err =
                UrineMeasurement::upcr("readings[2].upcr", bad, UpcrUnit::MgPerMmol).unwrap_err();
            assert!(err.to_string().contains("readings[2].upcr"));
        }
        assert!(UrineMeasurement::upcr("x", 0.0, UpcrUnit::GPerG).is_ok());
    }

    #[test]
    fn measurements_from_parts_need_exactly_one_kind_and_a_unit() {
        use DipstickGrade::TwoPlus;
        let refused = |record: &str, dipstick, upcr, unit| match UrineMeasurement::from_parts(
            record, dipstick, upcr, unit,
        ) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("accepted: {other:?}"),
        };
        assert_eq!(
            UrineMeasurement::from_parts("", Some(TwoPlus), None, None).unwrap(),
            UrineMeasurement::Dipstick(TwoPlus)
        );
        let upcr =
            UrineMeasurement::from_parts("", None, Some(2.0), Some(UpcrUnit::GPerG)).unwrap();
        assert_eq!(upcr.upcr_value(), Some((2.0, UpcrUnit::GPerG)));
        assert_eq!(upcr.dipstick(), None);
        assert_eq!(refused("", None, Some(150.0), None), "unit");
        assert_eq!(
            refused("readings[4]", None, Some(150.0), None),
            "readings[4].unit"
        );
        assert_eq!(
            refused("readings[4]", None, Some(-1.0), Some(UpcrUnit::MgPerMmol)),
            "readings[4].upcr"
        );
        assert_eq!(
            refused("", None, Some(f64::NAN), Some(UpcrUnit::MgPerMmol)),
            "upcr"
        );
        assert_eq!(
            refused("", Some(TwoPlus), None, Some(UpcrUnit::MgPerG)),
            "unit"
        );
        assert_eq!(
            refused("", Some(TwoPlus), Some(1.0), Some(UpcrUnit::MgPerG)),
            "dipstick"
        );
        assert_eq!(refused("readings[0]", None, None, None), "readings[0]");
    }

    #[test]
    fn display_conversion_uses_113_12() {
        let mmol = convert_upcr_for_display(2.0, UpcrUnit::MgPerMg, UpcrUnit::MgPerMmol);
        assert!((mmol - 226.24).abs() < 1e-9);
        let back = convert_upcr_for_display(226.24, UpcrUnit::MgPerMmol, UpcrUnit::GPerG);
        assert!((back - 2.0).abs() < 1e-12);
        assert!(
            (convert_upcr_for_display(2.0, UpcrUnit::GPerG, UpcrUnit::MgPerG) - 2000.0).abs()
                < 1e-9
        );
        assert_eq!(
            convert_upcr_for_display(7.0, UpcrUnit::MgPerG, UpcrUnit::MgPerG),
            7.0
        );
    }

    #[test]
    fn first_morning_readings_override_the_rest_of_the_day() {
        use DipstickGrade::*;
        let day = [
            dip("2025-08-04", ThreePlus, false),
            dip("2025-08-04", Negative, true),
        ];
        assert_eq!(day_level(&day), Some(ProteinLevel::Remission));
        // Without a first-morning reading, the highest of all counts.
        let day = [
            dip("2025-08-04", Trace, false),
            dip("2025-08-04", TwoPlus, false),
        ];
        assert_eq!(day_level(&day), Some(ProteinLevel::Proteinuria));
        // Among first-morning readings, the highest counts.
        let day = [
            dip("2025-08-04", Trace, true),
            dip("2025-08-04", FourPlus, true),
            dip("2025-08-04", Negative, false),
        ];
        assert_eq!(day_level(&day), Some(ProteinLevel::Nephrotic));
        assert_eq!(day_level(&[]), None);
    }

    #[test]
    fn daily_levels_sort_and_group_by_date() {
        use DipstickGrade::*;
        let readings = [
            dip("2025-03-03", ThreePlus, true),
            dip("2025-03-01", Negative, true),
            dip("2025-03-03", Negative, false),
            dip("2025-03-02", OnePlus, false),
            dip("2025-03-01", FourPlus, false),
        ];
        let days = daily_levels(&readings);
        let expected = [
            DayLevel {
                date: d("2025-03-01"),
                level: ProteinLevel::Remission,
            },
            DayLevel {
                date: d("2025-03-02"),
                level: ProteinLevel::Proteinuria,
            },
            DayLevel {
                date: d("2025-03-03"),
                level: ProteinLevel::Nephrotic,
            },
        ];
        assert_eq!(days, expected);
    }

    #[test]
    fn readings_serialize_with_plain_dates() {
        let reading = UrineReading {
            date: d("2025-03-01"),
            measurement: UrineMeasurement::Upcr {
                value: 1.5,
                unit: UpcrUnit::MgPerMg,
            },
            first_morning: true,
        };
        let json = serde_json::to_value(reading).unwrap();
        assert_eq!(json["date"], "2025-03-01");
        assert_eq!(json["measurement"]["upcr"]["unit"], "mg/mg");
        assert_eq!(
            serde_json::from_value::<UrineReading>(json).unwrap(),
            reading
        );
    }
}

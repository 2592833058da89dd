//! Urine readings as a shell enters them (clinical-rules §5 and §13): the measurement as its
//! optional parts and the local date as text, each refused naming its field (`dipstick`,
//! `upcr`, `unit`, `taken_on`, `photo.nearest`).

use crate::dates::parse_date;
use crate::dipstick::PhotoSuggestionRecord;
use crate::error::{Error, Result};
use crate::ids::PatientId;
use crate::protein::{DipstickGrade, UpcrUnit, UrineMeasurement};
use crate::store::urine::{NewUrineReading, UrineReadingCorrection};

/// A urine reading to log: exactly one of `dipstick` and `upcr` (with its `unit`). A strip read
/// from a photo (clinical-rules §13) also gives `photo`, the core's suggestion, and `dipstick` is
/// then the grade the parent confirmed on the camera screen.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UrineReadingInput {
    /// Id made by the app when the entry was saved (e.g. a UUID); resubmitting it with the same
    /// content stores the reading once.
    pub client_id: String,
    /// The patient.
    pub patient_id: PatientId,
    /// The dipstick grade, for a home test.
    pub dipstick: Option<DipstickGrade>,
    /// The UPCR value, for a laboratory result (finite, not negative).
    pub upcr: Option<f64>,
    /// The UPCR's unit; required with `upcr`.
    pub unit: Option<UpcrUnit>,
    /// When the sample was taken, UTC epoch ms.
    pub taken_at_ms: i64,
    /// The patient's local date of the sample, `YYYY-MM-DD`; leave empty to derive it from
    /// `taken_at_ms` in the patient's time zone. When given, within one day of that date.
    pub taken_on: Option<String>,
    /// Whether it was the first urine of the morning.
    pub first_morning: bool,
    /// Free text such as fever, infection or oedema (never logged).
    pub note: Option<String>,
    /// Who logged it, e.g. `mother`.
    pub logged_by: String,
    /// The core's suggestion when the strip was read from a photo (copied from the dipstick
    /// reading shown); empty (the default) for a strip read by eye and for a UPCR. With it,
    /// `dipstick` is required: the grade the parent confirmed or chose instead, never the
    /// suggestion taken without asking. Only `dipstick` counts; the suggestion is kept beside it
    /// and cannot be changed later.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub photo: Option<PhotoSuggestionRecord>,
}

impl UrineReadingInput {
    /// The reading to store, its parts read and refused by name.
    pub fn parse(&self) -> Result<NewUrineReading> {
        if self.photo.is_some() && self.dipstick.is_none() {
            // Clinical-rules §13: never a reading without the parent's confirmation.
            return Err(Error::invalid(
                "dipstick",
                "is required with a photo: the grade the parent confirmed",
            ));
        }
        Ok(NewUrineReading {
            client_id: self.client_id.clone(),
            patient_id: self.patient_id,
            measurement: UrineMeasurement::from_parts("", self.dipstick, self.upcr, self.unit)?,
            taken_at_ms: self.taken_at_ms,
            taken_on: taken_on(&self.taken_on)?,
            first_morning: self.first_morning,
            note: self.note.clone(),
            logged_by: self.logged_by.clone(),
            photo: self.photo.as_ref().map(|p| p.parse("photo")).transpose()?,
        })
    }
}

/// The new content of a logged reading; the previous revision stays in the history.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "UrineReadingCorrection"))]
pub struct UrineReadingCorrectionInput {
    /// The corrected dipstick grade (exactly one of `dipstick` and `upcr`).
    pub dipstick: Option<DipstickGrade>,
    /// The corrected UPCR value.
    pub upcr: Option<f64>,
    /// The corrected UPCR unit; required with `upcr`.
    pub unit: Option<UpcrUnit>,
    /// The corrected sampling time, UTC epoch ms.
    pub taken_at_ms: i64,
    /// The corrected local date, `YYYY-MM-DD`, or empty to derive it.
    pub taken_on: Option<String>,
    /// Whether it was the first urine of the morning.
    pub first_morning: bool,
    /// The corrected note.
    pub note: Option<String>,
    /// Who made the correction.
    pub corrected_by: String,
}

impl UrineReadingCorrectionInput {
    /// The correction to store, its parts read and refused by name.
    pub fn parse(&self) -> Result<UrineReadingCorrection> {
        Ok(UrineReadingCorrection {
            measurement: UrineMeasurement::from_parts("", self.dipstick, self.upcr, self.unit)?,
            taken_at_ms: self.taken_at_ms,
            taken_on: taken_on(&self.taken_on)?,
            first_morning: self.first_morning,
            note: self.note.clone(),
            corrected_by: self.corrected_by.clone(),
        })
    }
}

fn taken_on(text: &Option<String>) -> Result<Option<chrono::NaiveDate>> {
    text.as_deref()
        .map(|t| parse_date("taken_on", t))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dipstick::{ReadStatus, SwatchDistance};
    use crate::test_support::refused_field;

    fn reading() -> UrineReadingInput {
        UrineReadingInput {
            client_id: "u-1".into(),
            patient_id: PatientId::from(1),
            dipstick: Some(DipstickGrade::Trace),
            upcr: None,
            unit: None,
            taken_at_ms: 1_750_000_000_000,
            taken_on: Some("2025-06-15".into()),
            first_morning: true,
            note: None,
            logged_by: "mother".into(),
            photo: None,
        }
    }

    fn suggestion(nearest: usize) -> PhotoSuggestionRecord {
        let swatch = |grade| SwatchDistance {
            grade,
            delta_e: 1.0,
        };
        PhotoSuggestionRecord {
            status: ReadStatus::Read,
            grade: Some(DipstickGrade::Trace),
            nearest: [swatch(DipstickGrade::Trace), swatch(DipstickGrade::OnePlus)]
                .into_iter()
                .cycle()
                .take(nearest)
                .collect(),
        }
    }

    #[test]
    fn a_reading_is_read_from_its_parts_and_refused_by_field() {
        let new = reading().parse().unwrap();
        assert_eq!(
            new.measurement,
            UrineMeasurement::Dipstick(DipstickGrade::Trace)
        );
        assert_eq!(new.taken_on, Some(parse_date("", "2025-06-15").unwrap()));

        let mut bad = reading();
        bad.taken_on = Some("15.06.2025".into());
        assert_eq!(refused_field(bad.parse()), "taken_on");
        let mut bad = reading();
        (bad.dipstick, bad.upcr) = (None, Some(0.2));
        assert_eq!(refused_field(bad.parse()), "unit");
        let mut with_photo = reading();
        with_photo.photo = Some(suggestion(2));
        assert!(with_photo.parse().unwrap().photo.is_some());
        with_photo.dipstick = None;
        assert_eq!(refused_field(with_photo.parse()), "dipstick");
        let mut one_swatch = reading();
        one_swatch.photo = Some(suggestion(1));
        assert_eq!(refused_field(one_swatch.parse()), "photo.nearest");

        let correction = UrineReadingCorrectionInput {
            dipstick: None,
            upcr: Some(0.1),
            unit: Some(UpcrUnit::MgPerMg),
            taken_at_ms: 1_750_000_000_000,
            taken_on: Some("2025-6-15".into()),
            first_morning: false,
            note: None,
            corrected_by: "mother".into(),
        };
        assert_eq!(refused_field(correction.parse()), "taken_on");
    }
}

//! Hard bounds on every stored number, date and instant (clinical-rules §10, "Plausibility: what
//! a slip of a finger must not do", first tier: **refused** with a typed error naming the field;
//! nothing is stored).
//!
//! | what | bounds (inclusive) |
//! |---|---|
//! | weight | 1–250 kg |
//! | height | 40–230 cm |
//! | a tablet or capsule strength | 0.01–1000 mg |
//! | every date | 1900-01-01 to 2200-12-31 |
//! | every instant | 1900-01-01T00:00:00Z to 2200-12-31T23:59:59.999Z (UTC) |
//!
//! This module is the one place these bounds live. Every entry point uses it: the store (readings,
//! labs, doses, measurements, regimens, courses, the patient profile, and their edits), the dose
//! calculator and the taper engine; and reads use it to recognise a stored row that is out of
//! bounds (an unreadable row, reported and left out, never one that blocks a screen).
//!
//! Refusals name the field and the bound, never the value that was typed.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Error, Result};

/// The lightest weight accepted, kg (clinical-rules §10).
pub const MIN_WEIGHT_KG: f64 = 1.0;
/// The heaviest weight accepted, kg (clinical-rules §10).
pub const MAX_WEIGHT_KG: f64 = 250.0;
/// The shortest height accepted, cm (clinical-rules §10).
pub const MIN_HEIGHT_CM: f64 = 40.0;
/// The tallest height accepted, cm (clinical-rules §10).
pub const MAX_HEIGHT_CM: f64 = 230.0;
/// The weakest tablet or capsule strength accepted, mg (clinical-rules §10).
pub const MIN_STRENGTH_MG: f64 = 0.01;
/// The strongest tablet or capsule strength accepted, mg (clinical-rules §10).
pub const MAX_STRENGTH_MG: f64 = 1000.0;

/// The earliest date accepted: 1900-01-01 (clinical-rules §10).
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};
/// The latest date accepted: 2200-12-31 (clinical-rules §10).
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(date) => date,
    None => NaiveDate::MAX,
};
/// The earliest instant accepted, UTC epoch ms: 1900-01-01T00:00:00Z (clinical-rules §10).
pub const EARLIEST_INSTANT_MS: i64 = -2_208_988_800_000;
/// The latest instant accepted, UTC epoch ms: 2200-12-31T23:59:59.999Z (clinical-rules §10).
pub const LATEST_INSTANT_MS: i64 = 7_289_654_399_999;

/// A weight in kg, refused (naming `field`) unless finite and within 1–250 kg.
pub fn weight_kg(field: &str, kg: f64) -> Result<f64> {
    within(
        field,
        kg,
        MIN_WEIGHT_KG,
        MAX_WEIGHT_KG,
        "must be between 1 and 250 kg",
    )
}

/// A height in cm, refused (naming `field`) unless finite and within 40–230 cm.
pub fn height_cm(field: &str, cm: f64) -> Result<f64> {
    within(
        field,
        cm,
        MIN_HEIGHT_CM,
        MAX_HEIGHT_CM,
        "must be between 40 and 230 cm",
    )
}

/// A tablet or capsule strength in mg, refused (naming `field`) unless finite and within
/// 0.01–1000 mg.
pub fn strength_mg(field: &str, mg: f64) -> Result<f64> {
    within(
        field,
        mg,
        MIN_STRENGTH_MG,
        MAX_STRENGTH_MG,
        "must be between 0.01 and 1000 mg",
    )
}

/// A date, refused (naming `field`) outside 1900-01-01 to 2200-12-31.
pub fn date(field: &str, date: NaiveDate) -> Result<NaiveDate> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(Error::invalid(
            field,
            "must be between 1900-01-01 and 2200-12-31",
        ))
    }
}

/// An instant in UTC epoch ms, refused (naming `field`) outside 1900-01-01T00:00:00Z to
/// 2200-12-31T23:59:59.999Z.
pub fn instant_ms(field: &str, ms: i64) -> Result<DateTime<Utc>> {
    (EARLIEST_INSTANT_MS..=LATEST_INSTANT_MS)
        .contains(&ms)
        .then(|| DateTime::from_timestamp_millis(ms))
        .flatten()
        .ok_or_else(|| {
            Error::invalid(
                field,
                "must be an instant between 1900-01-01 and 2200-12-31 (UTC)",
            )
        })
}

/// An instant, refused (naming `field`) outside the bounds of [`instant_ms`].
pub fn instant(field: &str, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    instant_ms(field, at.timestamp_millis())
}

fn within(field: &str, value: f64, min: f64, max: f64, reason: &str) -> Result<f64> {
    if !value.is_finite() {
        return Err(Error::invalid(field, "must be a finite number"));
    }
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(field, reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: Error) -> String {
        match err {
            Error::Invalid { field, .. } => field,
            other => panic!("expected an invalid-input error, got {other}"),
        }
    }

    #[test]
    fn numbers_are_refused_outside_their_bounds_and_accepted_on_them() {
        for ok in [1.0, 20.0, 250.0] {
            assert_eq!(weight_kg("weight_kg", ok).unwrap(), ok);
        }
        for bad in [0.99, 250.01, 0.0, -20.0, f64::NAN, f64::INFINITY] {
            assert_eq!(
                field_of(weight_kg("weight_kg", bad).unwrap_err()),
                "weight_kg"
            );
        }
        assert!(height_cm("height_cm", 40.0).is_ok() && height_cm("height_cm", 230.0).is_ok());
        assert!(height_cm("height_cm", 39.9).is_err() && height_cm("height_cm", 230.1).is_err());
        assert!(strength_mg("s", 0.01).is_ok() && strength_mg("s", 1000.0).is_ok());
        assert!(strength_mg("s", 1e-9).is_err() && strength_mg("s", 1000.5).is_err());
    }

    #[test]
    fn dates_and_instants_are_bounded_in_utc() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(date("on", d(1900, 1, 1)).is_ok() && date("on", d(2200, 12, 31)).is_ok());
        assert!(date("on", d(1899, 12, 31)).is_err() && date("on", d(2201, 1, 1)).is_err());
        assert_eq!(
            instant_ms("at", EARLIEST_INSTANT_MS).unwrap(),
            d(1900, 1, 1).and_hms_opt(0, 0, 0).unwrap().and_utc()
        );
        assert_eq!(
            instant_ms("at", LATEST_INSTANT_MS).unwrap() + chrono::TimeDelta::milliseconds(1),
            d(2201, 1, 1).and_hms_opt(0, 0, 0).unwrap().and_utc()
        );
    }

    #[test]
    fn instants_just_outside_are_refused_with_the_field() {
        for bad in [
            EARLIEST_INSTANT_MS - 1,
            LATEST_INSTANT_MS + 1,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(
                field_of(instant_ms("actual_at_ms", bad).unwrap_err()),
                "actual_at_ms"
            );
        }
        assert!(instant_ms("at", LATEST_INSTANT_MS).is_ok());
    }
}

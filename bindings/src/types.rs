//! The core's types used directly across the FFI: the date and time conversions, declared once,
//! and the core's enums and records re-declared for UniFFI (`#[uniffi::remote]`), so that no
//! conversion between mirrored types is written by hand.
//!
//! A remote declaration repeats the core type's fields (the compiler checks them); its doc
//! comments are what Kotlin, Swift and Python show.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use nephro_core::dates::{format_date, format_local, parse_clock_time, parse_date};
use nephro_core::locale::Locale;
use nephro_core::model::MedicationId;
use nephro_core::Error;

use crate::NephroError;

// A local calendar date crosses as `YYYY-MM-DD` text. An input that is not one is refused as
// `NephroError::Validation` naming `date`; inputs whose field must be named parse their own text.
uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |date| format_date(date),
    try_lift: |text| Ok(parse_date("date", &text).map_err(NephroError::from)?),
});

// A local wall-clock time crosses as `HH:MM` text.
uniffi::custom_type!(NaiveTime, String, {
    remote,
    lower: |time| time.format("%H:%M").to_string(),
    try_lift: |text| Ok(parse_clock_time("time", &text).map_err(NephroError::from)?),
});

/// The foreign name of [`Locale`]: a custom type is a type alias in Swift, and `Locale` would
/// hide Foundation's.
type LocaleTag = Locale;

// A locale crosses as its BCP 47 tag (`en`, `zh-Hans`, case-insensitive), parsed here only.
uniffi::custom_type!(LocaleTag, String, {
    remote,
    lower: |locale| locale.tag().to_string(),
    try_lift: |tag| Ok(Locale::parse("locale", &tag).map_err(NephroError::from)?),
});

/// The foreign name of an instant in UTC: it crosses as epoch milliseconds (`i64`).
type InstantMillis = DateTime<Utc>;

// An instant crosses as UTC epoch milliseconds; one outside chrono's range is refused naming
// `instant` (inputs whose field must be named take their own `i64`).
uniffi::custom_type!(InstantMillis, i64, {
    remote,
    lower: |instant| instant.timestamp_millis(),
    try_lift: |millis| Ok(DateTime::from_timestamp_millis(millis).ok_or_else(|| {
        NephroError::from(Error::invalid("instant", "must be epoch milliseconds in range"))
    })?),
});

/// The foreign name of an instant on a local clock: it crosses as RFC 3339 text with its offset
/// (`2025-06-10T08:00:00+08:00`).
type LocalInstant = DateTime<FixedOffset>;

uniffi::custom_type!(LocalInstant, String, {
    remote,
    lower: |instant| format_local(&instant),
    try_lift: |text| Ok(DateTime::parse_from_rfc3339(&text).map_err(|_| {
        NephroError::from(Error::invalid("local_instant", "must be RFC 3339 with an offset"))
    })?),
});

// A medication crosses as its text: `regimen-<id>`, `course-<key>` or `medicine-<id>`.
uniffi::custom_type!(MedicationId, String, {
    remote,
    lower: |medication| medication.to_string(),
    try_lift: |text| Ok(MedicationId::parse("medication_id", &text).map_err(NephroError::from)?),
});

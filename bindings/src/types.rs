//! The core's types used directly across the FFI: the date and time conversions, declared once,
//! and the core's enums and records re-declared for UniFFI (`#[uniffi::remote]`), so that no
//! conversion between mirrored types is written by hand.
//!
//! A remote declaration repeats the core type's fields (the compiler checks them); its doc
//! comments are what Kotlin, Swift and Python show.

use chrono::{NaiveDate, NaiveTime};
use nephro_core::dates::{format_date, parse_clock_time, parse_date};
use nephro_core::locale::Locale;

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

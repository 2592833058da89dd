//! Calendar arithmetic and the date/instant text formats of the project
//! (clinical-rules.md preamble; conformance.md "Dates" and "Instants").

use chrono::{DateTime, FixedOffset, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// Adds `months` calendar months, keeping the day of the month and clamping it to the last day
/// of the target month (clinical-rules.md, "Calendar months": 2025-08-31 + 6 months = 2026-02-28).
/// Saturates at the latest representable date instead of overflowing.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Parses a `YYYY-MM-DD` date, naming `field` when it is malformed.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate> {
    let bytes = text.as_bytes();
    // Digits everywhere but the two dashes: chrono alone would also take "2025- 6- 1" or "+202-06-01".
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    // The shape checked, the digits are read directly: chrono's format parser costs more than
    // the rest of reading a stored row (an export reads every dose log of a diary several times).
    let number = |r: std::ops::Range<usize>| {
        bytes[r]
            .iter()
            .fold(0_u32, |n, b| n * 10 + u32::from(b - b'0'))
    };
    shaped
        .then(|| NaiveDate::from_ymd_opt(number(0..4) as i32, number(5..7), number(8..10)))
        .flatten()
        .ok_or_else(|| Error::invalid(field, "must be a date written YYYY-MM-DD"))
}

/// Parses an RFC 3339 instant that carries an offset (`Z` or `±HH:MM`); an instant without an
/// offset is refused because it names no moment.
pub fn parse_instant(field: &str, text: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).map_err(|_| {
        Error::invalid(field, "must be an RFC 3339 instant with seconds and an offset, e.g. 2025-06-01T08:00:00+08:00")
    })
}

/// Parses a local wall-clock time `HH:MM` (00:00–23:59, two digits each).
pub fn parse_clock_time(field: &str, text: &str) -> Result<NaiveTime> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() == 5 && b[2] == b':' && digits(0..2) && digits(3..5) {
        let hour: u32 = text[0..2].parse().unwrap_or(99);
        let minute: u32 = text[3..5].parse().unwrap_or(99);
        if let Some(t) =
            NaiveTime::from_hms_opt(hour, minute, 0).filter(|_| hour < 24 && minute < 60)
        {
            return Ok(t);
        }
    }
    Err(Error::invalid(
        field,
        "must be a time written HH:MM between 00:00 and 23:59",
    ))
}

/// Parses an IANA time-zone name such as `Asia/Shanghai`.
pub fn parse_time_zone(field: &str, text: &str) -> Result<Tz> {
    text.parse::<Tz>()
        .map_err(|_| Error::invalid(field, "must be an IANA time-zone name such as Europe/Paris"))
}

/// Formats an instant in a zone as RFC 3339 with seconds and a numeric offset (`+00:00` for zero).
pub fn format_local<Z: TimeZone>(instant: &DateTime<Z>) -> String
where
    Z::Offset: std::fmt::Display,
{
    instant
        .fixed_offset()
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Formats an instant in UTC as RFC 3339 with seconds and `Z`.
pub fn format_utc<Z: TimeZone>(instant: &DateTime<Z>) -> String {
    instant
        .with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The instant `ms` milliseconds after 1970-01-01T00:00:00Z (UTC epoch ms, the form instants
/// take in the database and across the FFI); refuses one outside the representable range,
/// naming `field`.
pub fn instant_from_millis(field: &str, ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| Error::invalid(field, "is outside the representable range of instants"))
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    // Written by hand for the years of four digits (every storable date): chrono's strftime
    // parses its format string on every call, and stores and exports format dates per row.
    if (0..=9999).contains(&date.year()) {
        return format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day());
    }
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn calendar_months_clamp_to_month_end() {
        assert_eq!(add_months(d("2025-08-31"), 6), d("2026-02-28"));
        assert_eq!(add_months(d("2024-02-29"), 12), d("2025-02-28"));
        assert_eq!(add_months(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(add_months(d("2025-11-15"), 2), d("2026-01-15"));
        assert_eq!(add_months(NaiveDate::MAX, 12), NaiveDate::MAX);
    }

    #[test]
    fn dates_read_as_chrono_reads_them() {
        for text in [
            "2024-02-29",
            "2023-02-29",
            "0000-01-01",
            "9999-12-31",
            "2025-13-01",
            "2025-00-10",
            "2025-01-00",
            "2025-01-32",
            "2025-04-31",
            "1970-01-01",
        ] {
            assert_eq!(
                parse_date("d", text).ok(),
                NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(),
                "{text}"
            );
        }
        assert_eq!(
            d("2025-06-01"),
            NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
        );
        for date in [
            NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(-1, 1, 1).unwrap(),
        ] {
            assert_eq!(format_date(date), date.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn malformed_text_is_refused_with_the_field() {
        assert!(parse_date("start", "2025-6-1").is_err());
        assert!(parse_date("start", "2025-02-30").is_err());
        let err = parse_instant("from", "2025-06-01T08:00:00").unwrap_err();
        assert!(err.to_string().contains("from"));
        assert!(parse_clock_time("times[0]", "24:00").is_err());
        assert!(parse_clock_time("times[0]", "7:5").is_err());
        assert_eq!(
            parse_clock_time("t", "23:59").unwrap(),
            NaiveTime::from_hms_opt(23, 59, 0).unwrap()
        );
        assert!(parse_time_zone("timezone", "Mars/Olympus_Mons").is_err());
    }

    #[test]
    fn formats_follow_the_conformance_spelling() {
        let i = parse_instant("i", "2025-06-01T08:00:00Z").unwrap();
        assert_eq!(format_local(&i), "2025-06-01T08:00:00+00:00");
        assert_eq!(format_utc(&i), "2025-06-01T08:00:00Z");
    }
}

//! Text forms of chrono values for serde, used with `#[serde(with = ...)]`: the workspace builds
//! chrono without its `serde` feature. Instants are RFC 3339 UTC with `Z`, dates `YYYY-MM-DD`,
//! clock times `HH:MM` — the spellings of `conformance.md` (via [`crate::dates`]).
//! General enough to move to `dates.rs` if other modules need it.

/// `DateTime<Utc>` as RFC 3339 (written with `Z`; read with any offset).
pub mod instant {
    use chrono::{DateTime, Utc};
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::dates::{format_utc, parse_instant};

    /// Writes the instant in UTC with `Z`.
    pub fn serialize<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_utc(value))
    }

    /// Reads an RFC 3339 instant with an offset.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_instant("instant", &text).map(|i| i.to_utc()).map_err(D::Error::custom)
    }
}

/// `NaiveDate` as `YYYY-MM-DD`.
pub mod date {
    use chrono::NaiveDate;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::dates::{format_date, parse_date};

    /// Writes the date.
    pub fn serialize<S: Serializer>(value: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_date(*value))
    }

    /// Reads a `YYYY-MM-DD` date.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_date("date", &text).map_err(D::Error::custom)
    }
}

/// `NaiveTime` as `HH:MM` (seconds are not kept: dosing slots are whole minutes).
pub mod clock_time {
    use chrono::NaiveTime;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::dates::parse_clock_time;

    /// Writes the time as `HH:MM`.
    pub fn serialize<S: Serializer>(value: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.format("%H:%M").to_string())
    }

    /// Reads an `HH:MM` time.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_clock_time("time", &text).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(with = "super::instant")]
        at: DateTime<Utc>,
        #[serde(with = "super::date")]
        on: NaiveDate,
        #[serde(with = "super::clock_time")]
        slot: NaiveTime,
    }

    #[test]
    fn round_trips_in_the_conformance_spelling() {
        let text = r#"{"at":"2025-06-01T08:00:00Z","on":"2025-06-01","slot":"08:00"}"#;
        let sample: Sample = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&sample).unwrap(), text);
        let offset: Sample =
            serde_json::from_str(r#"{"at":"2025-06-01T16:00:00+08:00","on":"2025-06-01","slot":"08:00"}"#).unwrap();
        assert_eq!(offset, sample);
        assert!(
            serde_json::from_str::<Sample>(r#"{"at":"2025-06-01T08:00:00","on":"2025-06-01","slot":"08:00"}"#).is_err()
        );
    }
}

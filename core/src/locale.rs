//! The languages the core writes family-facing texts in.
//!
//! Engines return structured values; a small `text(locale)` function beside each of them turns
//! a value into words. Every text exists in every locale.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A language for texts shown to the family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    /// English (`en`).
    #[default]
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese (`zh-Hans`).
    #[serde(rename = "zh-Hans")]
    ZhHans,
}

impl Locale {
    /// Every locale.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhHans];

    /// The BCP 47 tag: `en` or `zh-Hans`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhHans => "zh-Hans",
        }
    }

    /// A wall-clock time written the locale's way, as its catalogue says (`locale-clock`): on
    /// the 12-hour clock (8:00 am, 12:30 pm, 12:00 am for midnight) or the 24-hour clock (20:00).
    pub fn clock_time(self, time: chrono::NaiveTime) -> String {
        use chrono::Timelike;
        if crate::messages::text(self, "locale-clock") == "12-hour" {
            let (pm, hour) = time.hour12();
            let half = if pm {
                crate::messages::text(self, "locale-pm")
            } else {
                crate::messages::text(self, "locale-am")
            };
            format!("{hour}:{:02} {half}", time.minute())
        } else {
            time.format("%H:%M").to_string()
        }
    }

    /// Parses a tag from [`Locale::tag`]; BCP 47 tags are case-insensitive, so `zh-hans` is
    /// accepted too. Names `field` when the tag is unknown.
    pub fn parse(field: &str, text: &str) -> Result<Locale> {
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(text))
            .ok_or_else(|| Error::invalid(field, "must be en or zh-Hans"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_case_insensitively() {
        assert_eq!(Locale::parse("locale", "en").unwrap(), Locale::En);
        assert_eq!(Locale::parse("locale", "zh-Hans").unwrap(), Locale::ZhHans);
        assert_eq!(Locale::parse("locale", "ZH-HANS").unwrap(), Locale::ZhHans);
        assert!(Locale::parse("locale", "fr")
            .unwrap_err()
            .to_string()
            .contains("locale"));
        assert_eq!(serde_json::to_value(Locale::ZhHans).unwrap(), "zh-Hans");
    }
}

//! Family-facing texts of lab flags, safety alerts and the recalculate prompt, in every
//! [`Locale`]. The app never changes a prescription (clinical-rules preamble): texts tell the
//! family that their care team has been sent the result and to contact their team; none tells
//! them to change a dose.

use super::growth::RECALCULATE_DOSE_KEY;
use super::{AlertKind, RecalculatePrompt, TargetFlag};
use crate::locale::Locale;

/// The text of a message key in `locale`, or `None` for an unknown key. Keys come from
/// [`super::AlertKind::message_key`], [`super::TargetFlag::message_key`] and
/// [`super::RecalculatePrompt::message_key`]; their texts are in the catalogue
/// ([`crate::messages`]).
pub fn message(key: &str, locale: Locale) -> Option<&'static str> {
    crate::messages::text_of_key(locale, key)
}

/// The text of a key known to exist (the catalogue covers every key the engines produce: tested).
fn known(key: &'static str, locale: Locale) -> &'static str {
    message(key, locale).unwrap_or(key)
}

impl AlertKind {
    /// The family-facing text of this alert in `locale`.
    pub fn text(self, locale: Locale) -> &'static str {
        known(self.message_key(), locale)
    }
}

impl TargetFlag {
    /// The family-facing text of this flag in `locale`.
    pub fn text(self, locale: Locale) -> &'static str {
        known(self.message_key(), locale)
    }
}

impl RecalculatePrompt {
    /// The family-facing text of the prompt in `locale`.
    pub fn text(&self, locale: Locale) -> &'static str {
        known(RECALCULATE_DOSE_KEY, locale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labs::recalculate_prompt;

    fn keys() -> Vec<String> {
        let mut keys: Vec<String> = AlertKind::ALL
            .iter()
            .map(|k| k.message_key().to_string())
            .collect();
        for flag in [
            TargetFlag::Below,
            TargetFlag::InRange,
            TargetFlag::Above,
            TargetFlag::NotATrough,
        ] {
            keys.push(flag.message_key().to_string());
        }
        keys.push(
            recalculate_prompt(20.0, 25.0, 0.1)
                .unwrap()
                .unwrap()
                .message_key,
        );
        keys
    }

    #[test]
    fn every_key_has_a_text_in_every_locale_and_no_text_is_orphaned() {
        let keys = keys();
        for key in &keys {
            for locale in Locale::ALL {
                assert!(
                    message(key, locale).is_some_and(|t| !t.trim().is_empty()),
                    "{key} {locale:?}"
                );
            }
        }
        // No text without a key: the catalogue's labs texts are exactly the engines' keys.
        let mut ids = crate::messages::ids_with_prefix("labs-");
        let mut expected: Vec<String> = keys.iter().map(|k| k.replace('.', "-")).collect();
        ids.sort();
        expected.sort();
        assert_eq!(ids, expected);
        assert_eq!(message("labs.alert.unknown", Locale::En), None);
        assert!(AlertKind::Anaemia.text(Locale::ZhHans).contains("血红蛋白"));
        assert!(TargetFlag::NotATrough.text(Locale::En).contains("trough"));
    }

    #[test]
    fn texts_point_to_the_care_team_and_never_to_a_dose_change() {
        for key in keys() {
            let (en, zh) = (
                message(&key, Locale::En).unwrap(),
                message(&key, Locale::ZhHans).unwrap(),
            );
            let lower = en.to_lowercase();
            for forbidden in [
                "change the dose",
                "reduce the dose",
                "increase the dose",
                "stop the",
                "skip",
            ] {
                assert!(!lower.contains(forbidden), "{key}: {forbidden}");
            }
            for forbidden in ["减量", "加量", "停药", "调整剂量"] {
                assert!(!zh.contains(forbidden), "{key}: {forbidden}");
            }
            if key != "labs.flag.in_range" {
                assert!(
                    lower.contains("care team") && lower.contains("contact your team"),
                    "{key}"
                );
                assert!(zh.contains("医疗团队"), "{key}");
            }
        }
    }
}

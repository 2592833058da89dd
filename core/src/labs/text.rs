//! Family-facing texts of lab flags, safety alerts and the recalculate prompt, in every
//! [`Locale`]. The app never changes a prescription (clinical-rules preamble): texts tell the
//! family that their care team has been sent the result and to contact their team; none tells
//! them to change a dose.

use super::growth::RECALCULATE_DOSE_KEY;
use super::{AlertKind, RecalculatePrompt, TargetFlag};
use crate::locale::Locale;

/// `(message key, English, Simplified Chinese)`.
const MESSAGES: [(&str, &str, &str); 12] = [
    (
        "labs.alert.leukopenia",
        "White blood cell count is at or below 3.0 × 10⁹/L, a safety limit of the treatment protocol. \
         Your care team has been sent this result. Please contact your team.",
        "白细胞计数等于或低于 3.0 × 10⁹/L，达到治疗方案的安全界限。此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.alert.anaemia",
        "Haemoglobin is below 9.0 g/dL, a safety limit of the treatment protocol. \
         Your care team has been sent this result. Please contact your team.",
        "血红蛋白低于 9.0 g/dL，达到治疗方案的安全界限。此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.alert.thrombocytopenia",
        "Platelet count is below 100 × 10⁹/L, a safety limit of the treatment protocol. \
         Your care team has been sent this result. Please contact your team.",
        "血小板计数低于 100 × 10⁹/L，达到治疗方案的安全界限。此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.alert.alt_raised",
        "ALT (a liver test) is at or above twice the upper limit of normal, a safety limit of the treatment protocol. \
         Your care team has been sent this result. Please contact your team.",
        "谷丙转氨酶（ALT，肝功能指标）等于或高于正常值上限的 2 倍，达到治疗方案的安全界限。此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.alert.bilirubin_raised",
        "Total bilirubin (a liver test) is at or above twice the upper limit of normal, a safety limit of the treatment protocol. \
         Your care team has been sent this result. Please contact your team.",
        "总胆红素（肝功能指标）等于或高于正常值上限的 2 倍，达到治疗方案的安全界限。此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.alert.creatinine_rise",
        "Creatinine (a kidney test) is more than 30 % above its baseline. \
         Your care team has been sent this result. Please contact your team.",
        "血肌酐（肾功能指标）比基线值升高超过 30%。此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.alert.egfr_below_90",
        "For information: the estimated kidney filtration rate (eGFR) is below 90 mL/min/1.73 m². \
         Your care team has been sent this result. Contact your team if you have questions.",
        "供参考：估算肾小球滤过率（eGFR）低于 90 mL/min/1.73 m²。此结果已发送给您的医疗团队，如有疑问请联系您的医疗团队。",
    ),
    (
        "labs.flag.below",
        "The level is below the target range your care team set. \
         Your care team has been sent this result. Please contact your team.",
        "药物浓度低于医疗团队设定的目标范围。此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.flag.in_range",
        "The level is within the target range your care team set.",
        "药物浓度在医疗团队设定的目标范围内。",
    ),
    (
        "labs.flag.above",
        "The level is above the target range your care team set. \
         Your care team has been sent this result. Please contact your team.",
        "药物浓度高于医疗团队设定的目标范围。此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.flag.not_a_trough",
        "This tacrolimus level was not drawn as a trough (it was drawn after the morning dose, or less than \
         10 hours after the previous dose), so it is not compared with the target range. \
         Your care team has been sent this result. Please contact your team.",
        "本次他克莫司血药浓度不是谷浓度（抽血在早晨服药之后，或距上一次服药不足 10 小时），因此不与目标范围比较。\
         此结果已发送给您的医疗团队，请联系您的医疗团队。",
    ),
    (
        "labs.prompt.recalculate_dose",
        "Your child's weight has changed since the dose was calculated. Your care team has been sent this \
         so they can review the prescription. Keep to the current prescription and contact your team.",
        "孩子的体重与计算剂量时相比已有变化。此信息已发送给您的医疗团队，以便他们复核处方。请继续按现有处方用药，并联系您的医疗团队。",
    ),
];

/// The text of a message key in `locale`, or `None` for an unknown key. Keys come from
/// [`super::AlertKind::message_key`], [`super::TargetFlag::message_key`] and
/// [`super::RecalculatePrompt::message_key`].
pub fn message(key: &str, locale: Locale) -> Option<&'static str> {
    MESSAGES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|&(_, en, zh)| match locale {
            Locale::En => en,
            Locale::ZhHans => zh,
        })
}

/// The text of a key known to exist ([`MESSAGES`] covers every key the engines produce: tested).
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
        assert_eq!(keys.len(), MESSAGES.len());
        assert_eq!(message("labs.alert.unknown", Locale::En), None);
        assert!(AlertKind::Anaemia.text(Locale::ZhHans).contains("血红蛋白"));
        assert!(TargetFlag::NotATrough.text(Locale::En).contains("trough"));
    }

    #[test]
    fn texts_point_to_the_care_team_and_never_to_a_dose_change() {
        for (key, en, zh) in MESSAGES {
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

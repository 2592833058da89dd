//! A patient's reminder policy (clinical-rules §7) as a shell reads it: its medication windows
//! as a list and the shift plan's limits beside them.

use crate::diary::reminders::DoseWindow;
use crate::diary::reminders::ReminderPolicy;
use crate::schedule::TravelPolicy;

/// One medication's own dose window.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MedicationDoseWindow {
    /// The medication.
    pub medication_id: String,
    /// Its window.
    pub window: DoseWindow,
}

/// A patient's reminder policy, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "ReminderPolicy"))]
pub struct ReminderPolicyRecord {
    /// Dosing times after a time-zone change.
    pub travel: TravelPolicy,
    /// The window of every medication without its own.
    pub default_window: DoseWindow,
    /// Medication-specific windows.
    pub windows: Vec<MedicationDoseWindow>,
    /// A zone change of more than this many minutes gets a shift plan (default 180).
    pub shift_threshold_minutes: u32,
    /// Shortest interval of a shift plan, minutes (default 600).
    pub shift_min_interval_minutes: u32,
    /// Longest interval of a shift plan, minutes (default 840).
    pub shift_max_interval_minutes: u32,
}

impl From<ReminderPolicy> for ReminderPolicyRecord {
    fn from(policy: ReminderPolicy) -> Self {
        let rules = policy.shift_rules;
        ReminderPolicyRecord {
            travel: policy.travel,
            default_window: policy.default_window,
            windows: (policy.windows.into_iter())
                .map(|(medication_id, window)| MedicationDoseWindow {
                    medication_id,
                    window,
                })
                .collect(),
            shift_threshold_minutes: rules.threshold_minutes,
            shift_min_interval_minutes: rules.min_interval_minutes,
            shift_max_interval_minutes: rules.max_interval_minutes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::ShiftRules;

    #[test]
    fn a_policy_lists_its_medication_windows_in_order_with_the_shift_limits() {
        let mut policy = ReminderPolicy {
            travel: TravelPolicy::KeepWallClock,
            default_window: DoseWindow::default(),
            windows: Default::default(),
            shift_rules: ShiftRules::default(),
        };
        let wide = DoseWindow {
            take_window_minutes: Some(120),
            ..DoseWindow::default()
        };
        policy.windows.insert("regimen-2".into(), wide);
        policy
            .windows
            .insert("course-c1".into(), DoseWindow::default());
        let shown = ReminderPolicyRecord::from(policy);
        let ids: Vec<&str> = shown
            .windows
            .iter()
            .map(|w| w.medication_id.as_str())
            .collect();
        assert_eq!(ids, ["course-c1", "regimen-2"]);
        assert_eq!(shown.windows[1].window, wide);
        // Clinical-rules §7: a plan above a 3 h change, 10 to 14 h between doses.
        assert_eq!(
            (
                shown.shift_threshold_minutes,
                shown.shift_min_interval_minutes,
                shown.shift_max_interval_minutes
            ),
            (180, 600, 840)
        );
    }
}

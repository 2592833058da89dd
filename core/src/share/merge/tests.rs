use proptest::prelude::*;

use super::*;
use crate::test_support::{date, time};

const T: i64 = 1_796_000_000_000;

fn dose(record: &str, id: &str, device: &str, who: &str, outcome: DoseOutcome, at: i64) -> Change {
    Change {
        id: id.into(),
        kind: RecordKind::DoseLog,
        record: record.into(),
        based_on: Vec::new(),
        hlc: Hlc {
            wall_ms: at,
            counter: 0,
        },
        device: device.into(),
        caregiver: who.into(),
        content: Content::Dose(SharedDose {
            patient: "patient-1".into(),
            medication: "tacrolimus-1".into(),
            slot_date: date("2026-12-06"),
            slot_time: time("08:00"),
            outcome,
            actual_at_ms: at,
            undone: false,
            row: serde_json::Value::Null,
        }),
    }
}

fn reading(
    record: &str,
    id: &str,
    device: &str,
    based_on: &[&str],
    grade: &str,
    at: i64,
) -> Change {
    Change {
        id: id.into(),
        kind: RecordKind::UrineReading,
        record: record.into(),
        based_on: based_on.iter().map(|s| s.to_string()).collect(),
        hlc: Hlc {
            wall_ms: at,
            counter: 0,
        },
        device: device.into(),
        caregiver: device.into(),
        content: Content::Record {
            fields: serde_json::json!({ "grade": grade }),
        },
    }
}

#[test]
fn the_same_morning_dose_given_on_two_phones_is_a_possible_double_dose_on_both() {
    let mum = dose("d-mum", "c1", "phone-a", "Mum", DoseOutcome::Taken, T);
    let dad = dose(
        "d-dad",
        "c2",
        "phone-b",
        "Dad",
        DoseOutcome::Taken,
        T + 780_000,
    );
    let on_a = merge([mum.clone(), dad.clone()]).unwrap();
    let on_b = merge([dad, mum]).unwrap();
    assert_eq!(on_a.digest(), on_b.digest());
    assert_eq!(on_a.records.len(), 2, "both records kept");
    let [alert] = on_a.slot_alerts.as_slice() else {
        panic!("one alert: {:?}", on_a.slot_alerts)
    };
    assert_eq!(alert.kind, SlotAlertKind::PossibleDoubleDose);
    let who: Vec<_> = alert.entries.iter().map(|e| e.caregiver.as_str()).collect();
    assert_eq!(who, ["Mum", "Dad"]);
}

#[test]
fn taken_on_one_phone_and_skipped_on_another_asks_the_family() {
    let merged = merge([
        dose("d1", "c1", "a", "Mum", DoseOutcome::Taken, T),
        dose("d2", "c2", "b", "Dad", DoseOutcome::Skipped, T + 1),
    ])
    .unwrap();
    assert_eq!(merged.slot_alerts[0].kind, SlotAlertKind::TakenAndSkipped);
    // An undone dose is no longer a second log of the slot.
    let mut undo = dose("d2", "c3", "b", "Dad", DoseOutcome::Skipped, T + 2);
    undo.based_on = vec!["c2".into()];
    undo.content = Content::Retract;
    let merged = merge([
        dose("d1", "c1", "a", "Mum", DoseOutcome::Taken, T),
        dose("d2", "c2", "b", "Dad", DoseOutcome::Skipped, T + 1),
        undo,
    ])
    .unwrap();
    assert!(merged.slot_alerts.is_empty());
    assert!(merged.records["d2"].retracted());
    assert_eq!(merged.records["d2"].history.len(), 2, "the history stays");
}

#[test]
fn revisions_one_after_another_show_the_latest_and_concurrent_ones_conflict() {
    let first = reading("r", "v1", "a", &[], "3+", T);
    let second = reading("r", "v2", "b", &["v1"], "2+", T + 10);
    let merged = merge([second.clone(), first.clone()]).unwrap();
    assert_eq!(merged.records["r"].in_force, "v2");
    assert!(merged.records["r"].conflict.is_empty());

    // Both phones correct v2 without seeing each other's correction.
    let on_a = reading("r", "v3a", "a", &["v2"], "1+", T + 20);
    let on_b = reading("r", "v3b", "b", &["v2"], "trace", T + 15);
    let merged = merge([first.clone(), second.clone(), on_a.clone(), on_b.clone()]).unwrap();
    let record = &merged.records["r"];
    assert_eq!(
        record.conflict,
        ["v3b", "v3a"],
        "display order: clock, then device"
    );
    assert_eq!(
        record.in_force, "v2",
        "the value both had seen stays in force"
    );
    assert_eq!(merged.conflicts().count(), 1);

    // A caregiver chooses, having seen both: resolved.
    let chosen = reading("r", "v4", "a", &["v3a", "v3b"], "1+", T + 30);
    let merged = merge([first, second, on_a, on_b, chosen]).unwrap();
    assert_eq!(merged.records["r"].in_force, "v4");
    assert!(merged.records["r"].conflict.is_empty());
    assert_eq!(merged.records["r"].history.len(), 5, "every revision stays");
}

#[test]
fn a_different_change_under_a_used_id_is_kept_aside_the_same_way_everywhere() {
    let a = reading("r", "v1", "a", &[], "3+", T);
    let forged = reading("r", "v1", "x", &[], "negative", T + 1);
    let one = merge([a.clone(), forged.clone()]).unwrap();
    let two = merge([forged, a.clone(), a]).unwrap();
    assert_eq!(one.digest(), two.digest());
    assert_eq!(one.rejected_duplicates.len(), 1);
    assert_eq!(one.records["r"].history.len(), 1);
}

#[test]
fn a_change_from_another_device_meets_the_hard_bounds() {
    let good = dose("d", "c", "a", "Mum", DoseOutcome::Taken, T);
    good.validate().unwrap();
    let mut far = good.clone();
    far.hlc.wall_ms = i64::MAX;
    assert!(far
        .validate()
        .unwrap_err()
        .to_string()
        .contains("change.hlc"));
    let mut long = good.clone();
    long.caregiver = "x".repeat(10_000);
    assert!(long.validate().is_err());
    let mut selfish = good.clone();
    selfish.based_on = vec!["c".into()];
    assert!(selfish.validate().is_err());
    let mut wrong = good.clone();
    wrong.kind = RecordKind::Lab;
    assert!(wrong.validate().is_err());
    let mut mixed = reading("d", "c9", "a", &[], "1+", T);
    mixed.kind = RecordKind::DoseLog;
    assert!(mixed.validate().is_err());
    assert!(merge([good, reading("d", "c2", "a", &["c"], "1+", T + 1)]).is_err());
}

/// Three devices write doses and revisions of a few records, each seeing a random part of
/// the others' changes; any order, with duplicates, merges to the same diary with every change.
fn simulated_changes(script: &[(u8, u8, u8, bool)]) -> Vec<Change> {
    let devices = ["a", "b", "c"];
    // What each device has seen: change ids per record.
    let mut seen: Vec<BTreeMap<String, Vec<String>>> = vec![BTreeMap::new(); 3];
    let mut all: Vec<Change> = Vec::new();
    for (n, (device, record, share_with, taken)) in script.iter().enumerate() {
        let d = usize::from(*device % 3);
        let record_id = format!("rec-{}", record % 4);
        let id = format!("chg-{n}");
        let known = seen[d].get(&record_id).cloned().unwrap_or_default();
        let heads: Vec<String> = known
            .iter()
            .filter(|k| {
                !all.iter()
                    .any(|c| known.contains(&c.id) && c.based_on.contains(k))
            })
            .cloned()
            .collect();
        let mut change = dose(
            &record_id,
            &id,
            devices[d],
            devices[d],
            if *taken {
                DoseOutcome::Taken
            } else {
                DoseOutcome::Skipped
            },
            T + n as i64 * 1000,
        );
        change.based_on = heads;
        if let Content::Dose(dose) = &mut change.content {
            dose.slot_time = time(if record % 2 == 0 { "08:00" } else { "20:00" });
        }
        seen[d]
            .entry(record_id.clone())
            .or_default()
            .push(id.clone());
        let other = usize::from(*share_with % 3);
        if other != d {
            for (r, ids) in seen[d].clone() {
                let theirs = seen[other].entry(r).or_default();
                for id in ids {
                    if !theirs.contains(&id) {
                        theirs.push(id);
                    }
                }
            }
        }
        all.push(change);
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_order_and_any_duplicates_merge_to_the_same_diary(
        script in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<bool>()), 1..40),
        seed in any::<u64>(),
    ) {
        let changes = simulated_changes(&script);
        let reference = merge(changes.clone()).unwrap();
        // A shuffled copy with some changes twice.
        let mut shuffled = changes.clone();
        let mut state = seed | 1;
        let mut next = || { state ^= state << 13; state ^= state >> 7; state ^= state << 17; state };
        for i in (1..shuffled.len()).rev() {
            let j = (next() % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let extra: Vec<Change> = shuffled.iter().filter(|_| next() % 3 == 0).cloned().collect();
        shuffled.extend(extra);
        let merged = merge(shuffled).unwrap();
        prop_assert_eq!(merged.digest(), reference.digest());
        // Merging the merged histories again changes nothing.
        let again = merge(merged.records.values().flat_map(|r| r.history.clone())).unwrap();
        prop_assert_eq!(again.digest(), reference.digest());
        // Nothing dropped.
        let kept: usize = merged.records.values().map(|r| r.history.len()).sum();
        prop_assert_eq!(kept, changes.len());
        // Every slot with two live taken records is alerted.
        let mut taken_per_slot: BTreeMap<NaiveTime, usize> = BTreeMap::new();
        for record in merged.records.values() {
            if let Content::Dose(d) = &record.in_force().content {
                if d.outcome == DoseOutcome::Taken {
                    *taken_per_slot.entry(d.slot_time).or_default() += 1;
                }
            }
        }
        for (slot, taken) in taken_per_slot {
            let alerted = merged.slot_alerts.iter().any(|a| a.slot_time == slot && a.kind == SlotAlertKind::PossibleDoubleDose);
            prop_assert_eq!(alerted, taken >= 2);
        }
    }
}

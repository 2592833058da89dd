//! Suite `labs` (clinical-rules §1, §2 and §8; documented in `tests/conformance/README.md`).

use serde_json::{json, Value};

use super::input::element;
use super::Input;
use crate::dates::{format_utc, parse_clock_time, parse_instant, parse_time_zone};
use crate::error::Result;
use crate::labs::{
    run_labs_case, HeightRecord, LabAssessment, LabHistory, LabKind, LabPolicy, LabResult, LabUnit,
    LabsCaseOutcome, LevelTarget, TakenDose, TargetPhase, WeightCheck,
};

/// Runs a `labs` case input.
pub fn evaluate(input: &Input) -> Result<Value> {
    let time_zone = parse_time_zone("timezone", input.text("timezone")?)?;
    let phase = match input.opt_text("phase")? {
        Some(text) => TargetPhase::parse("phase", text)?,
        None => TargetPhase::Initial,
    };
    let mut policy = LabPolicy::protocol(phase);
    if input.has("targets") {
        let targets = Input::nested(input.object("targets")?, "targets");
        if targets.has("tacrolimus_trough") {
            policy.targets.tacrolimus_trough = target(&targets, "tacrolimus_trough")?;
        }
        if targets.has("mpa_auc") {
            policy.targets.mpa_auc = target(&targets, "mpa_auc")?;
        }
    }
    policy.creatinine_baseline_mg_dl = input.opt_number("creatinine_baseline_mg_dl")?;
    let history = LabHistory {
        labs: each(input.array("labs")?, "labs", lab)?,
        tacrolimus_doses: each(
            input.opt_array("doses")?.map_or(&[][..], Vec::as_slice),
            "doses",
            dose,
        )?,
        heights: each(
            input.opt_array("heights")?.map_or(&[][..], Vec::as_slice),
            "heights",
            height,
        )?,
    };
    let weights = WeightCheck {
        regimen_weight_kg: input.opt_number("regimen_weight_kg")?,
        latest_weight_kg: input.opt_number("latest_weight_kg")?,
        recalculate_threshold: input.opt_number("recalculate_threshold")?,
    };
    let LabsCaseOutcome {
        report,
        recalculate_prompt: prompt,
    } = run_labs_case(&history, &policy, time_zone, &weights)?;
    Ok(json!({
        "creatinine_baseline_mg_dl": report.creatinine_baseline_mg_dl,
        "creatinine_baseline_source": report.creatinine_baseline_source.map(|s| s.id()),
        "labs": report.labs.iter().map(render).collect::<Vec<_>>(),
        "recalculate_prompt": prompt.map(|p| json!({
            "change_fraction": p.change_fraction,
            "threshold_fraction": p.threshold_fraction,
            "message_key": p.message_key,
        })),
    }))
}

/// Parses every element of the list `name`, naming its fields `name[i].key`.
fn each<T>(list: &[Value], name: &str, parse: fn(&Input) -> Result<T>) -> Result<Vec<T>> {
    list.iter()
        .enumerate()
        .map(|(i, value)| {
            let field = format!("{name}[{i}]");
            parse(&Input::nested(element(name, i, value)?, &field))
        })
        .collect()
}

fn lab(item: &Input) -> Result<LabResult> {
    let kind = LabKind::parse(&item.field("kind"), item.text("kind")?)?;
    Ok(LabResult {
        kind,
        unit: LabUnit::parse_for(&item.field("unit"), kind, item.text("unit")?)?,
        value: item.number("value")?,
        drawn_at: parse_instant(&item.field("drawn_at"), item.text("drawn_at")?)?.to_utc(),
        upper_limit_of_normal: item.opt_number("upper_limit_of_normal")?,
    })
}

fn dose(item: &Input) -> Result<TakenDose> {
    Ok(TakenDose {
        taken_at: parse_instant(&item.field("taken_at"), item.text("taken_at")?)?.to_utc(),
        slot_date: item.date("slot_date")?,
        slot_time: parse_clock_time(&item.field("slot_time"), item.text("slot_time")?)?,
    })
}

fn height(item: &Input) -> Result<HeightRecord> {
    Ok(HeightRecord {
        date: item.date("date")?,
        height_cm: item.number("height_cm")?,
    })
}

fn target(targets: &Input, key: &str) -> Result<LevelTarget> {
    let field = targets.field(key);
    let item = Input::nested(targets.object(key)?, &field);
    Ok(LevelTarget {
        low: item.opt_number("low")?,
        high: item.opt_number("high")?,
        high_inclusive: item.flag("high_inclusive", true)?,
    })
}

fn render(assessment: &LabAssessment) -> Value {
    json!({
        "kind": assessment.lab.kind.id(),
        "drawn_at": format_utc(&assessment.lab.drawn_at),
        "flag": assessment.flag.map(|f| f.id()),
        "trough": assessment.trough.map(|t| t.id()),
        "alerts": assessment.alerts.iter().map(|a| json!({
            "kind": a.kind.id(),
            "value": a.value,
            "threshold": a.threshold,
            "unit": a.unit,
            "message_key": a.message_key,
        })).collect::<Vec<_>>(),
        "egfr": assessment.egfr,
        "notes": assessment.notes.iter().map(|n| n.id()).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::conformance::evaluate_case;

    fn run(input: Value) -> Value {
        evaluate_case(&json!({"suite": "labs", "input": input})).unwrap()
    }

    fn refused_naming(input: Value, field: &str) {
        let out = run(input);
        assert_eq!(out["error"]["code"], "invalid_input", "{out}");
        let message = out["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{field} not in {message}");
    }

    fn wbc() -> Value {
        json!({"kind": "wbc", "value": 5, "unit": "10*9/L", "drawn_at": "2025-06-01T09:00:00+08:00"})
    }

    #[test]
    fn refusals_name_the_input_key() {
        let tz = "Asia/Shanghai";
        refused_naming(json!({"labs": []}), "timezone");
        refused_naming(json!({"timezone": "Mars/Base", "labs": []}), "timezone");
        refused_naming(json!({"timezone": tz}), "labs");
        refused_naming(
            json!({"timezone": tz, "phase": "induction", "labs": []}),
            "phase",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [wbc(), {"kind": "vitamin_d"}]}),
            "labs[1].kind",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [{"kind": "platelets", "value": 150, "unit": "g/dL", "drawn_at": "2025-06-01T09:00:00Z"}]}),
            "labs[0].unit",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [{"kind": "wbc", "value": -1, "unit": "10*9/L", "drawn_at": "2025-06-01T09:00:00Z"}]}),
            "labs[0].value",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [{"kind": "wbc", "value": 5, "unit": "10*9/L", "drawn_at": "2025-06-01T09:00:00"}]}),
            "labs[0].drawn_at",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [{"kind": "alt", "value": 5, "unit": "U/L", "drawn_at": "2025-06-01T09:00:00Z", "upper_limit_of_normal": -40}]}),
            "labs[0].upper_limit_of_normal",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [], "doses": [{"taken_at": "2025-06-01T08:00:00Z", "slot_date": "2025-06-01", "slot_time": "8:00"}]}),
            "doses[0].slot_time",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [], "heights": [{"date": "2025-06-01", "height_cm": 0}]}),
            "heights[0].height_cm",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [], "targets": {"tacrolimus_trough": {"low": 10, "high": 5}}}),
            "targets.tacrolimus_trough.low",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [], "creatinine_baseline_mg_dl": 0}),
            "creatinine_baseline_mg_dl",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [], "latest_weight_kg": 20}),
            "regimen_weight_kg",
        );
        refused_naming(
            json!({"timezone": tz, "labs": [], "regimen_weight_kg": 20, "latest_weight_kg": 21, "recalculate_threshold": 0}),
            "recalculate_threshold",
        );
    }

    #[test]
    fn output_has_every_key_even_when_empty() {
        let out = run(json!({"timezone": "Europe/Paris", "labs": [wbc()]}));
        assert_eq!(
            out,
            json!({
                "creatinine_baseline_mg_dl": null,
                "creatinine_baseline_source": null,
                "labs": [{"kind": "wbc", "drawn_at": "2025-06-01T01:00:00Z", "flag": null, "trough": null,
                          "alerts": [], "egfr": null, "notes": []}],
                "recalculate_prompt": null,
            })
        );
    }
}

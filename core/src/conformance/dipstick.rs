//! Suite `dipstick` (clinical-rules §13).

use serde_json::{json, Value};

use super::input::element;
use super::Input;
use crate::dipstick::{read_dipstick, ChartSwatch, DipstickSamples, ReadPolicy, SrgbColour};
use crate::error::{Error, Result};
use crate::protein::DipstickGrade;

/// Reads `[r, g, b]` (three numbers) at `key`, naming `key` or `key[i]` when malformed.
fn rgb(input: &Input, key: &str) -> Result<SrgbColour> {
    let list = input.array(key)?;
    if list.len() != 3 {
        return Err(Error::invalid(input.field(key), "must be [r, g, b]"));
    }
    let mut out = [0.0; 3];
    for (i, v) in list.iter().enumerate() {
        out[i] = v.as_f64().ok_or_else(|| {
            Error::invalid(format!("{}[{i}]", input.field(key)), "must be a number")
        })?;
    }
    Ok(out.into())
}

/// Parses a case input into the reading's samples (every problem is `invalid_input` naming the
/// field); the engine validates ranges, grades and the window.
pub fn samples(input: &Input) -> Result<DipstickSamples> {
    let white_rgb = rgb(input, "white_rgb")?;
    let chart = input
        .array("chart")?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let field = format!("chart[{i}]");
            let swatch = Input::nested(element("chart", i, v)?, &field);
            Ok(ChartSwatch {
                grade: DipstickGrade::parse(&swatch.field("grade"), swatch.text("grade")?)?,
                colour: rgb(&swatch, "rgb")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let pad_rgb = rgb(input, "pad_rgb")?;
    let seconds_since_dip = input.number("seconds_since_dip")?;
    let window = input.array("read_window_s")?;
    let read_window_s = match window.as_slice() {
        [from, to] => [from, to].map(|v| v.as_f64()),
        _ => [None, None],
    };
    let [Some(from), Some(to)] = read_window_s else {
        return Err(Error::invalid(
            "read_window_s",
            "must be [from, to] seconds",
        ));
    };
    Ok(DipstickSamples {
        white: white_rgb,
        chart,
        pad: pad_rgb,
        seconds_since_dip,
        read_window_from_s: from,
        read_window_to_s: to,
    })
}

/// Runs a `dipstick` case input with the default policy (15, 2.0).
pub fn evaluate(input: &Input) -> Result<Value> {
    let reading = read_dipstick(&samples(input)?, &ReadPolicy::default())?;
    Ok(json!({
        "status": reading.status.as_str(),
        "grade": reading.grade.map(|g| g.as_str()),
        "nearest": reading.nearest.iter().map(|d| json!({"grade": d.grade.as_str(), "delta_e": d.delta_e})).collect::<Vec<_>>(),
    }))
}

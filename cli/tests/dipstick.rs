//! `nephro dipstick` as a user runs it: read sampled colours or a photo with its layout, draw a
//! synthetic photo; every refusal names the flag (or says what is wrong with the photo) and
//! exits non-zero without a panic.

use std::path::Path;

use serde_json::{json, Value};

mod common;
use common::{printed, run, stderr};

fn samples() -> Value {
    json!({
        "white_rgb": [240, 238, 232],
        "chart": [
            {"grade": "negative", "rgb": [226, 222, 110]},
            {"grade": "trace", "rgb": [200, 214, 110]},
            {"grade": "1+", "rgb": [166, 200, 112]},
            {"grade": "2+", "rgb": [122, 176, 116]},
            {"grade": "3+", "rgb": [80, 150, 124]},
            {"grade": "4+", "rgb": [52, 122, 126]}
        ],
        "pad_rgb": [122, 176, 116],
        "seconds_since_dip": 60,
        "read_window_s": [30, 90]
    })
}

fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn reads_samples_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.json", &samples());
    let out = run(&["dipstick", "read", "--photo-samples", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(printed(&out).starts_with("Suggested grade: 2+"));
    let out = run(&["dipstick", "read", "--photo-samples", &file, "--json"]);
    let v: Value = serde_json::from_str(&printed(&out)).unwrap();
    assert_eq!(v["status"], "read");
    assert_eq!(v["grade"], "2+");
    assert_eq!(v["distances"].as_array().unwrap().len(), 6);
    assert!((v["nearest"][1]["delta_e"].as_f64().unwrap() - 10.618879642876367).abs() < 1e-6);
    // A stricter care team (a gap of at least 11): 1+ is only 10.6 farther, so unsure.
    let out = run(&[
        "dipstick",
        "read",
        "--photo-samples",
        &file,
        "--min-gap",
        "11",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&printed(&out)).unwrap();
    assert_eq!(v["status"], "unsure");
    assert_eq!(v["grade"], Value::Null);
}

#[test]
fn refusals_name_the_flag_or_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = samples();
    s["pad_rgb"][2] = json!(300);
    let file = write(dir.path(), "bad.json", &s);
    let out = run(&["dipstick", "read", "--photo-samples", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--photo-samples: invalid pad_rgb[2]"),
        "{}",
        stderr(&out)
    );

    let mut s = samples();
    s["seconds_since_dip"] = json!(120);
    let file = write(dir.path(), "late.json", &s);
    let out = run(&["dipstick", "read", "--photo-samples", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("too late"), "{}", stderr(&out));

    let file = write(dir.path(), "list.json", &json!([1, 2]));
    let out = run(&["dipstick", "read", "--photo-samples", &file]);
    assert!(stderr(&out).contains("--photo-samples: the file is not a JSON object"));
    let out = run(&["dipstick", "read", "--photo-samples", "/nonexistent/x.json"]);
    assert!(stderr(&out).contains("--photo-samples: cannot read"));
    let out = run(&["dipstick", "read"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--photo-samples"));
    let good = write(dir.path(), "good.json", &samples());
    let out = run(&[
        "dipstick",
        "read",
        "--photo-samples",
        &good,
        "--max-delta-e",
        "-1",
    ]);
    assert!(stderr(&out).contains("--max-delta-e"), "{}", stderr(&out));
    let out = run(&["dipstick", "read", "--photo", &good]);
    assert!(stderr(&out).contains("--layout: is needed with --photo"));
    for out in [
        run(&["dipstick", "read", "--photo-samples", &file]),
        run(&["dipstick", "read", "--photo", &good, "--layout", &good]),
    ] {
        assert!(!stderr(&out).contains("panicked"));
    }
}

#[test]
fn a_synthetic_photo_is_read_through_its_layout() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("morning");
    let base = base.to_str().unwrap();
    let out = run(&[
        "dipstick", "synth", "--grade", "4+", "--light", "dim", "--glare", "--tilt", "-2", "--out",
        base,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (ppm, layout) = (format!("{base}.ppm"), format!("{base}.json"));
    let out = run(&[
        "dipstick", "read", "--photo", &ppm, "--layout", &layout, "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&printed(&out)).unwrap();
    assert_eq!(v["grade"], "4+");
    // Never replaced.
    let again = run(&["dipstick", "synth", "--grade", "1+", "--out", base]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--out"));
    // A truncated photo and a rectangle outside it name their flags.
    let bytes = std::fs::read(&ppm).unwrap();
    let cut = dir.path().join("cut.ppm");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = run(&[
        "dipstick",
        "read",
        "--photo",
        cut.to_str().unwrap(),
        "--layout",
        &layout,
    ]);
    assert!(
        stderr(&out).contains("--photo: the file ends before its last pixel"),
        "{}",
        stderr(&out)
    );
    let mut l: Value = serde_json::from_str(&std::fs::read_to_string(&layout).unwrap()).unwrap();
    l["pad"]["x"] = json!(359);
    let moved = write(dir.path(), "moved.json", &l);
    let out = run(&["dipstick", "read", "--photo", &ppm, "--layout", &moved]);
    assert!(
        stderr(&out).contains("--layout: invalid pad.x"),
        "{}",
        stderr(&out)
    );
    l["pad"]["x"] = json!(-3);
    let negative = write(dir.path(), "negative.json", &l);
    let out = run(&["dipstick", "read", "--photo", &ppm, "--layout", &negative]);
    assert!(
        stderr(&out).contains("--layout: invalid pad.x"),
        "{}",
        stderr(&out)
    );
    let out = run(&["dipstick", "synth", "--grade", "5+", "--out", base]);
    assert!(stderr(&out).contains("--grade"));
    let out = run(&[
        "dipstick", "synth", "--grade", "1+", "--light", "neon", "--out", base,
    ]);
    assert!(stderr(&out).contains("--light"));
}

//! `nephro dipstick`: reading a dipstick from a photo (clinical-rules §13) from the command line.
//!
//! `read --photo-samples FILE.json` reads sampled colours (the conformance suite `dipstick`'s
//! input); `read --photo FILE.ppm --layout FILE.json` samples a photo (binary PPM, 8-bit) at the
//! layout's rectangles first; `synth` draws a synthetic strip photo and its layout. The core
//! only suggests a grade: the family confirms it.

use std::fmt::Write as _;
use std::path::Path;

use nephro_core::conformance::{dipstick_samples, Input};
use nephro_core::dipstick::sample::{
    sample_photo, ChartSwatchRect, Photo, PhotoLayout, Rect, SamplingPolicy,
};
use nephro_core::dipstick::synthetic::{self, Light, Scene};
use nephro_core::dipstick::{read_dipstick, DipstickReading, DipstickSamples, ReadPolicy};
use nephro_core::protein::DipstickGrade;
use serde_json::{json, Map, Value};

use crate::terminal::{about, emit, CliResult, FlagError};

/// An error about `flag`'s value.
fn flag_error(
    flag: &'static str,
    error: impl Into<Box<dyn std::error::Error>>,
) -> Box<dyn std::error::Error> {
    Box::new(FlagError {
        flag,
        error: error.into(),
    })
}

/// Reads a JSON object from the file given with `flag`.
fn json_object(flag: &'static str, path: &Path) -> CliResult<Map<String, Value>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| flag_error(flag, format!("cannot read {}: {e}", path.display())))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(flag_error(flag, "the file is not a JSON object")),
        Err(e) => Err(flag_error(flag, format!("the file is not JSON: {e}"))),
    }
}

/// What `nephro dipstick read` was given.
pub struct ReadArgs<'a> {
    /// Sampled colours (the conformance input).
    pub photo_samples: Option<&'a Path>,
    /// A binary PPM photo.
    pub photo: Option<&'a Path>,
    /// The rectangles, seconds and window of `photo`.
    pub layout: Option<&'a Path>,
    /// The care team's distance threshold (default 15).
    pub max_delta_e: Option<f64>,
    /// The care team's gap threshold (default 2.0).
    pub min_gap: Option<f64>,
    /// Print JSON instead of text.
    pub json: bool,
}

/// `nephro dipstick read`: prints the suggestion (or the refusal, exit 1).
pub fn run_read(args: &ReadArgs) -> CliResult<()> {
    let defaults = ReadPolicy::default();
    let policy = ReadPolicy {
        max_delta_e: args.max_delta_e.unwrap_or(defaults.max_delta_e),
        min_gap: args.min_gap.unwrap_or(defaults.min_gap),
    };
    policy.validate().map_err(|e| {
        let flag = if e.to_string().contains("max_delta_e") {
            "--max-delta-e"
        } else {
            "--min-gap"
        };
        flag_error(flag, e)
    })?;
    let samples = match (args.photo_samples, args.photo, args.layout) {
        (Some(file), None, None) => {
            let map = json_object("--photo-samples", file)?;
            dipstick_samples(&Input::new(&map)).map_err(about("--photo-samples"))?
        }
        (None, Some(photo), Some(layout)) => samples_of_photo(photo, layout)?,
        (None, Some(_), None) => return Err(flag_error("--layout", "is needed with --photo")),
        (None, None, Some(_)) => return Err(flag_error("--photo", "is needed with --layout")),
        _ => return Err(flag_error(
            "--photo-samples",
            "give either --photo-samples FILE.json, or --photo FILE.ppm with --layout FILE.json",
        )),
    };
    let reading = read_dipstick(&samples, &policy).map_err(|e| match e {
        nephro_core::Error::Photo(problem) => problem.to_string().into(),
        other => about(if args.photo.is_some() {
            "--layout"
        } else {
            "--photo-samples"
        })(other),
    })?;
    if args.json {
        emit(&format!("{}\n", reading_json(&samples, &reading)))
    } else {
        emit(&reading_text(&reading)?)
    }
}

/// The reading as JSON: the conformance output plus every distance and the samples.
fn reading_json(samples: &DipstickSamples, r: &DipstickReading) -> Value {
    let distance = |d: &nephro_core::dipstick::SwatchDistance| json!({"grade": d.grade.as_str(), "delta_e": d.delta_e});
    json!({
        "status": r.status.as_str(),
        "grade": r.grade.map(|g| g.as_str()),
        "nearest": r.nearest.iter().map(distance).collect::<Vec<_>>(),
        "distances": r.distances.iter().map(distance).collect::<Vec<_>>(),
        "samples": {
            "white_rgb": samples.white.channels(),
            "chart": samples.chart.iter().map(|s| json!({"grade": s.grade.as_str(), "rgb": s.colour.channels()})).collect::<Vec<_>>(),
            "pad_rgb": samples.pad.channels(),
            "seconds_since_dip": samples.seconds_since_dip,
            "read_window_s": samples.read_window_s(),
        },
    })
}

fn reading_text(r: &DipstickReading) -> CliResult<String> {
    let mut out = String::new();
    match r.grade {
        Some(grade) => writeln!(
            out,
            "Suggested grade: {grade} (the family confirms or corrects it)"
        )?,
        None => writeln!(
            out,
            "Unsure: compare the pad with the chart by eye (nearest: {} and {})",
            r.nearest[0].grade, r.nearest[1].grade
        )?,
    }
    writeln!(out, "grade      ΔE00 (CIEDE2000, white-balanced)")?;
    for d in &r.distances {
        writeln!(out, "{:<10} {:.2}", d.grade.as_str(), d.delta_e)?;
    }
    Ok(out)
}

/// Reads a binary PPM (P6, maxval 255) into an RGBA buffer.
fn read_ppm(path: &Path) -> CliResult<(u32, u32, Vec<u8>)> {
    let bytes = std::fs::read(path)
        .map_err(|e| flag_error("--photo", format!("cannot read {}: {e}", path.display())))?;
    let bad = || flag_error("--photo", "not a binary PPM (P6) with 8-bit channels");
    // Header: P6, width, height, maxval, separated by whitespace (comments allowed), then one
    // whitespace byte and the pixels.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'#') {
            if bytes[i] == b'#' {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if start == i {
            return Err(bad());
        }
        fields.push(std::str::from_utf8(&bytes[start..i]).map_err(|_| bad())?);
    }
    let number = |s: &str| s.parse::<u32>().ok().filter(|n| *n > 0);
    let (Some(width), Some(height), Some(255)) =
        (number(fields[1]), number(fields[2]), number(fields[3]))
    else {
        return Err(bad());
    };
    if fields[0] != "P6" {
        return Err(bad());
    }
    let pixels = &bytes[(i + 1).min(bytes.len())..];
    let count = u64::from(width) * u64::from(height);
    if (pixels.len() as u64) < count * 3 {
        return Err(flag_error("--photo", "the file ends before its last pixel"));
    }
    let mut rgba = Vec::with_capacity(count as usize * 4);
    for p in pixels[..count as usize * 3].chunks_exact(3) {
        rgba.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    Ok((width, height, rgba))
}

fn rect(value: Option<&Value>, field: &str) -> nephro_core::Result<Rect> {
    let object = value.and_then(Value::as_object).ok_or_else(|| {
        nephro_core::Error::invalid(field, "must be {\"x\", \"y\", \"width\", \"height\"}")
    })?;
    let input = Input::nested(object, field);
    let whole = |key: &str| {
        let n = input.whole(key)?;
        u32::try_from(n).map_err(|_| {
            nephro_core::Error::invalid(input.field(key), "must be a pixel count from 0")
        })
    };
    Ok(Rect {
        x: whole("x")?,
        y: whole("y")?,
        width: whole("width")?,
        height: whole("height")?,
    })
}

/// Samples the photo at the layout's rectangles.
fn samples_of_photo(photo: &Path, layout: &Path) -> CliResult<DipstickSamples> {
    let (width, height, rgba) = read_ppm(photo)?;
    let map = json_object("--layout", layout)?;
    let parse = || -> nephro_core::Result<(PhotoLayout, f64, [f64; 2])> {
        let input = Input::new(&map);
        let chart = input
            .array("chart")?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let field = format!("chart[{i}]");
                let swatch = Input::nested(
                    v.as_object()
                        .ok_or_else(|| nephro_core::Error::invalid(&field, "must be an object"))?,
                    &field,
                );
                Ok(ChartSwatchRect {
                    grade: DipstickGrade::parse(&swatch.field("grade"), swatch.text("grade")?)?,
                    rect: rect(swatch.get("rect"), &swatch.field("rect"))?,
                })
            })
            .collect::<nephro_core::Result<Vec<_>>>()?;
        let window = input.array("read_window_s")?;
        let window = match window.as_slice() {
            [Value::Number(a), Value::Number(b)] => [a.as_f64(), b.as_f64()],
            _ => [None, None],
        };
        let [Some(from), Some(to)] = window else {
            return Err(nephro_core::Error::invalid(
                "read_window_s",
                "must be [from, to] seconds",
            ));
        };
        Ok((
            PhotoLayout {
                white: rect(input.get("white"), "white")?,
                chart,
                pad: rect(input.get("pad"), "pad")?,
            },
            input.number("seconds_since_dip")?,
            [from, to],
        ))
    };
    let (layout, seconds, window) = parse().map_err(about("--layout"))?;
    let photo = Photo {
        width,
        height,
        row_stride: width * 4,
        rgba: &rgba,
    };
    sample_photo(&photo, &layout, seconds, window, &SamplingPolicy::default()).map_err(
        |e| match e {
            nephro_core::Error::Photo(problem) => problem.to_string().into(),
            other => about("--layout")(other),
        },
    )
}

/// What `nephro dipstick synth` was given.
pub struct SynthArgs<'a> {
    /// The pad's grade.
    pub grade: &'a str,
    /// daylight, warm, cool or dim.
    pub light: &'a str,
    /// −0.5…0.5 towards a neighbouring grade.
    pub shade: f64,
    /// Sensor noise σ in 8-bit levels.
    pub noise: f64,
    /// A glare spot on the pad.
    pub glare: bool,
    /// The strip's tilt in degrees.
    pub tilt: f64,
    /// The seed.
    pub seed: u64,
    /// Writes `<out>.ppm` and `<out>.json`.
    pub out: &'a Path,
}

/// `nephro dipstick synth`: writes a synthetic strip photo and its layout.
pub fn run_synth(args: &SynthArgs) -> CliResult<()> {
    let grade = DipstickGrade::parse("--grade", args.grade)?;
    let light = match args.light {
        "daylight" => Light::Daylight,
        "warm" => Light::Warm,
        "cool" => Light::Cool,
        "dim" => Light::Dim,
        _ => return Err(flag_error("--light", "must be daylight, warm, cool or dim")),
    };
    let within = |flag: &'static str, value: f64, limit: f64| {
        if value.is_finite() && value.abs() <= limit {
            Ok(value)
        } else {
            Err(flag_error(
                flag,
                format!("must be a number from -{limit} to {limit}"),
            ))
        }
    };
    let photo = synthetic::draw(&Scene {
        grade,
        shade: within("--shade", args.shade, 0.5)?,
        light,
        noise_sigma: within("--noise", args.noise, 50.0)?.abs(),
        glare: args.glare,
        tilt_degrees: within("--tilt", args.tilt, 45.0)?,
        seed: args.seed,
    });
    let mut ppm = format!("P6\n{} {}\n255\n", photo.photo.width, photo.photo.height).into_bytes();
    for px in photo.photo.rgba.chunks_exact(4) {
        ppm.extend_from_slice(&px[..3]);
    }
    let rect = |r: Rect| json!({"x": r.x, "y": r.y, "width": r.width, "height": r.height});
    let layout = json!({
        "white": rect(photo.layout.white),
        "chart": photo.layout.chart.iter().map(|s| json!({"grade": s.grade.as_str(), "rect": rect(s.rect)})).collect::<Vec<_>>(),
        "pad": rect(photo.layout.pad),
        "seconds_since_dip": synthetic::SECONDS_SINCE_DIP,
        "read_window_s": synthetic::READ_WINDOW_S,
    });
    let ppm_path = args.out.with_extension("ppm");
    let json_path = args.out.with_extension("json");
    for path in [&ppm_path, &json_path] {
        if path.exists() {
            return Err(flag_error(
                "--out",
                format!("{} exists; it is never replaced", path.display()),
            ));
        }
    }
    std::fs::write(&ppm_path, ppm).map_err(|e| flag_error("--out", e))?;
    std::fs::write(&json_path, format!("{layout:#}\n")).map_err(|e| flag_error("--out", e))?;
    emit(&format!(
        "wrote {} and {} (a synthetic {} pad; not a real strip)\n",
        ppm_path.display(),
        json_path.display(),
        grade
    ))
}

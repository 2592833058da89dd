//! Synthetic strip photos with known grades, for tests, benchmarks and demonstrations of the
//! photo reading (clinical-rules §13). Not used to read a real strip.
//!
//! A photo shows a chart card (its white background and six protein swatches) and a strip with
//! its protein pad on a table, lit by one light. Surfaces are given by their sRGB colour in
//! daylight; the light multiplies their linear values by per-channel gains and an exposure
//! (a von Kries model, as a camera with fixed white balance records it), with a slight
//! illumination gradient across the photo. The result is encoded back to 8-bit sRGB with
//! Gaussian sensor noise. Optional: a glare spot on the pad, and a strip tilted against the
//! camera screen's guides (the rectangles stay where the guides are).
//!
//! The pad's colour is its grade's swatch moved part of the way (in linear light) towards a
//! neighbouring grade's swatch, as real pads vary within a grade. Everything is deterministic
//! for a seed.

use crate::dipstick::colour::linearise;
use crate::dipstick::sample::{
    sample_photo, ChartSwatchRect, PhotoBuffer, PhotoLayout, Rect, SamplingPolicy,
};
use crate::dipstick::{read_dipstick, ReadPolicy, ReadStatus};
use crate::error::{Error, Result};
use crate::protein::DipstickGrade;

/// The chart's white background in daylight (as in the shared conformance cases).
pub const CHART_WHITE: [u8; 3] = [240, 238, 232];

/// The chart's protein swatches in daylight, lowest grade first (as in the shared conformance
/// cases).
pub const CHART: [(DipstickGrade, [u8; 3]); 6] = [
    (DipstickGrade::Negative, [226, 222, 110]),
    (DipstickGrade::Trace, [200, 214, 110]),
    (DipstickGrade::OnePlus, [166, 200, 112]),
    (DipstickGrade::TwoPlus, [122, 176, 116]),
    (DipstickGrade::ThreePlus, [80, 150, 124]),
    (DipstickGrade::FourPlus, [52, 122, 126]),
];

const TABLE: [u8; 3] = [150, 138, 124];
const STRIP: [u8; 3] = [236, 236, 230];
const WIDTH: u32 = 360;
const HEIGHT: u32 = 240;
/// Seconds since dipping in every synthetic photo, inside [`READ_WINDOW_S`].
pub const SECONDS_SINCE_DIP: f64 = 60.0;
/// The read window printed on the synthetic bottle.
pub const READ_WINDOW_S: [f64; 2] = [30.0, 90.0];

/// The light of a synthetic photo.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi(name = "SyntheticLight"))]
pub enum Light {
    /// Daylight by a window: neutral gains, full exposure.
    Daylight,
    /// A tungsten-like bulb: linear gains 1, 0.82, 0.55.
    Warm,
    /// Overcast sky or a cold LED: linear gains 0.80, 0.92, 1.
    Cool,
    /// A dim bathroom at 7 am: warmish gains, 12 % of daylight's exposure.
    Dim,
}

impl Light {
    /// Linear gains per channel, exposure included.
    fn gains(self) -> [f64; 3] {
        match self {
            Light::Daylight => [1.0, 1.0, 1.0],
            Light::Warm => [1.0, 0.82, 0.55],
            Light::Cool => [0.80, 0.92, 1.0],
            Light::Dim => [0.12, 0.108, 0.09],
        }
    }
}

/// One synthetic scene.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scene {
    /// The pad's true grade.
    pub grade: DipstickGrade,
    /// How far (0–0.5) the pad's colour is moved towards a neighbouring grade's swatch, in linear
    /// light; negative moves towards the lower grade (the higher for `negative`).
    pub shade: f64,
    /// The light.
    pub light: Light,
    /// Sensor noise, σ in 8-bit levels.
    pub noise_sigma: f64,
    /// A glare spot on the pad.
    pub glare: bool,
    /// The strip's tilt against the guides, in degrees.
    pub tilt_degrees: f64,
    /// Seed of the noise, the glare's place and the illumination gradient.
    pub seed: u64,
}

impl Scene {
    /// A scene as a shell asks for one, each number refused naming its field when it is not
    /// finite or beyond its limit: `shade` (±0.5), `noise_sigma` (±50, its sign ignored) and
    /// `tilt_degrees` (±45).
    pub fn checked(
        grade: DipstickGrade,
        shade: f64,
        light: Light,
        noise_sigma: f64,
        glare: bool,
        tilt_degrees: f64,
        seed: u64,
    ) -> Result<Scene> {
        let within = |field: &str, value: f64, limit: f64| {
            if value.is_finite() && value.abs() <= limit {
                Ok(value)
            } else {
                Err(Error::invalid(
                    field,
                    format!("must be a number from −{limit} to {limit}"),
                ))
            }
        };
        Ok(Scene {
            grade,
            shade: within("shade", shade, 0.5)?,
            light,
            noise_sigma: within("noise_sigma", noise_sigma, 50.0)?.abs(),
            glare,
            tilt_degrees: within("tilt_degrees", tilt_degrees, 45.0)?,
            seed,
        })
    }
}

/// A synthetic strip photo with the rectangles a camera screen would give (for demonstrations
/// and tests; never a real strip).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyntheticStripPhoto {
    /// The photo (`width × 4` bytes per row).
    pub photo: PhotoBuffer,
    /// The guides' rectangles (a tilted strip is not where they say).
    pub layout: PhotoLayout,
    /// The pad's true grade.
    pub grade: DipstickGrade,
    /// Seconds since dipping when it was "taken" ([`SECONDS_SINCE_DIP`], 60).
    pub seconds_since_dip: f64,
    /// The synthetic bottle's read window, from ([`READ_WINDOW_S`], 30 s).
    pub read_window_from_s: f64,
    /// The synthetic bottle's read window, to ([`READ_WINDOW_S`], 90 s).
    pub read_window_to_s: f64,
}

/// A small deterministic generator (SplitMix64) with Gaussian draws (Box–Muller).
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
    spare: Option<f64>,
}

impl Rng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Self {
        Rng {
            state: seed,
            spare: None,
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal (Box–Muller; the pair's second value is kept for the next call).
    pub fn gaussian(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        let (radius, angle) = ((-2.0 * u1.ln()).sqrt(), std::f64::consts::TAU * u2);
        self.spare = Some(radius * angle.sin());
        radius * angle.cos()
    }
}

fn encode(linear: f64) -> f64 {
    let c = if linear <= 0.003_130_8 {
        12.92 * linear
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    };
    c * 255.0
}

fn linear_of(rgb: [u8; 3]) -> [f64; 3] {
    rgb.map(|v| linearise(f64::from(v)))
}

/// The pad's colour in daylight, linear: its grade's swatch moved by `shade` towards a neighbour.
fn pad_linear(grade: DipstickGrade, shade: f64) -> [f64; 3] {
    let i = CHART.iter().position(|(g, _)| *g == grade).unwrap_or(0);
    let towards_lower = shade < 0.0;
    let j = match (towards_lower, i) {
        (true, 0) => 1,
        (true, _) => i - 1,
        (false, i) if i + 1 == CHART.len() => i - 1,
        (false, _) => i + 1,
    };
    let t = shade.abs();
    let (own, other) = (linear_of(CHART[i].1), linear_of(CHART[j].1));
    [0, 1, 2].map(|c| own[c] * (1.0 - t) + other[c] * t)
}

fn inside(rect: Rect, x: f64, y: f64) -> bool {
    x >= f64::from(rect.x)
        && x < f64::from(rect.x + rect.width)
        && y >= f64::from(rect.y)
        && y < f64::from(rect.y + rect.height)
}

fn inset(rect: Rect, by: u32) -> Rect {
    Rect {
        x: rect.x + by,
        y: rect.y + by,
        width: rect.width - 2 * by,
        height: rect.height - 2 * by,
    }
}

/// Draws a scene.
pub fn draw(scene: &Scene) -> SyntheticStripPhoto {
    let mut rng = Rng::new(scene.seed);
    let card = Rect {
        x: 10,
        y: 10,
        width: 340,
        height: 100,
    };
    let swatch = |i: u32| Rect {
        x: 20 + i * 55,
        y: 45,
        width: 40,
        height: 40,
    };
    let strip = Rect {
        x: 40,
        y: 146,
        width: 280,
        height: 32,
    };
    let pad = Rect {
        x: 60,
        y: 147,
        width: 30,
        height: 30,
    };
    let layout = PhotoLayout {
        white: Rect {
            x: 20,
            y: 16,
            width: 320,
            height: 20,
        },
        chart: (0..6)
            .map(|i| ChartSwatchRect {
                grade: CHART[i as usize].0,
                rect: inset(swatch(i), 8),
            })
            .collect(),
        pad: inset(pad, 5),
    };
    let gains = scene.light.gains();
    let gradient = rng.between(-0.03, 0.03);
    let angle = rng.between(0.0, std::f64::consts::TAU);
    let (gx, gy) = (angle.cos(), angle.sin());
    let glare_at = (
        f64::from(pad.x) + rng.between(8.0, 22.0),
        f64::from(pad.y) + rng.between(8.0, 22.0),
    );
    let (cx, cy) = (
        f64::from(strip.x) + f64::from(strip.width) / 2.0,
        f64::from(strip.y) + f64::from(strip.height) / 2.0,
    );
    let (sin, cos) = scene.tilt_degrees.to_radians().sin_cos();
    let pad_colour = pad_linear(scene.grade, scene.shade);
    let (strip_colour, white_colour, table_colour) =
        (linear_of(STRIP), linear_of(CHART_WHITE), linear_of(TABLE));
    let swatch_colours = CHART.map(|(_, rgb)| linear_of(rgb));

    let row_stride = WIDTH * 4;
    let mut rgba = vec![0u8; (row_stride * HEIGHT) as usize];
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
            // The strip is tilted about its centre: undo the rotation to find what is here.
            let (dx, dy) = (px - cx, py - cy);
            let (sx, sy) = (cx + dx * cos + dy * sin, cy - dx * sin + dy * cos);
            let surface = if inside(pad, sx, sy) {
                pad_colour
            } else if inside(strip, sx, sy) {
                strip_colour
            } else if let Some(i) = (0..6).find(|&i| inside(swatch(i), px, py)) {
                swatch_colours[i as usize]
            } else if inside(card, px, py) {
                white_colour
            } else {
                table_colour
            };
            let shading = 1.0
                + gradient
                    * ((px / f64::from(WIDTH) - 0.5) * gx + (py / f64::from(HEIGHT) - 0.5) * gy)
                    * 2.0;
            let mut value = [0, 1, 2].map(|c| encode(surface[c] * gains[c] * shading));
            if scene.glare {
                let r2 = (px - glare_at.0).powi(2) + (py - glare_at.1).powi(2);
                let alpha = 0.95 * (-r2 / (2.0 * 2.5 * 2.5)).exp();
                value = value.map(|v| v + (255.0 - v) * alpha);
            }
            let at = (y * row_stride + x * 4) as usize;
            for c in 0..3 {
                let noisy = value[c] + scene.noise_sigma * rng.gaussian();
                rgba[at + c] = noisy.round().clamp(0.0, 255.0) as u8;
            }
            rgba[at + 3] = 255;
        }
    }
    SyntheticStripPhoto {
        photo: PhotoBuffer {
            width: WIDTH,
            height: HEIGHT,
            row_stride,
            rgba,
        },
        layout,
        grade: scene.grade,
        seconds_since_dip: SECONDS_SINCE_DIP,
        read_window_from_s: READ_WINDOW_S[0],
        read_window_to_s: READ_WINDOW_S[1],
    }
}

/// A photographing condition of the evaluation: a light and its artefacts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// A short name for reports.
    pub name: &'static str,
    /// The light.
    pub light: Light,
    /// Sensor noise, σ in 8-bit levels.
    pub noise_sigma: f64,
    /// A glare spot on the pad.
    pub glare: bool,
    /// The largest tilt, in degrees (each photo draws one in ±this).
    pub max_tilt_degrees: f64,
}

/// The conditions the evaluation reports: daylight, warm, cool and dim light with sensor noise;
/// daylight with a glare spot on the pad; daylight with a tilted strip; and everything at once.
pub const CONDITIONS: [Condition; 7] = [
    Condition {
        name: "daylight",
        light: Light::Daylight,
        noise_sigma: 2.0,
        glare: false,
        max_tilt_degrees: 0.0,
    },
    Condition {
        name: "warm",
        light: Light::Warm,
        noise_sigma: 2.5,
        glare: false,
        max_tilt_degrees: 0.0,
    },
    Condition {
        name: "cool",
        light: Light::Cool,
        noise_sigma: 2.5,
        glare: false,
        max_tilt_degrees: 0.0,
    },
    Condition {
        name: "dim",
        light: Light::Dim,
        noise_sigma: 6.0,
        glare: false,
        max_tilt_degrees: 0.0,
    },
    Condition {
        name: "glare",
        light: Light::Daylight,
        noise_sigma: 2.0,
        glare: true,
        max_tilt_degrees: 0.0,
    },
    Condition {
        name: "tilt",
        light: Light::Daylight,
        noise_sigma: 2.0,
        glare: false,
        max_tilt_degrees: 3.0,
    },
    Condition {
        name: "warm+glare+tilt",
        light: Light::Warm,
        noise_sigma: 4.0,
        glare: true,
        max_tilt_degrees: 3.0,
    },
];

/// The largest |shade| drawn by the evaluation: a pad up to 35 % of the way (in linear light)
/// to a neighbouring grade's swatch is still that grade.
pub const MAX_SHADE: f64 = 0.35;

/// What became of the photos of one condition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConditionReport {
    /// The condition's name.
    pub name: String,
    /// Photos drawn.
    pub photos: usize,
    /// Read with the true grade.
    pub correct: usize,
    /// Read with another grade (the number that must stay 0).
    pub wrong: usize,
    /// Answered `unsure`.
    pub unsure: usize,
    /// Refused (`uneven`, `overexposed`, `too_dark`…), by code.
    pub refused: Vec<(String, usize)>,
}

impl ConditionReport {
    /// Photos refused, all codes together.
    pub fn refused_total(&self) -> usize {
        self.refused.iter().map(|(_, n)| n).sum()
    }
}

/// Draws `photos` photos of a condition (grades in turn, shades and tilts at random from
/// `seed`), samples and reads each with the default policies, and counts the outcomes.
pub fn evaluate(condition: &Condition, photos: usize, seed: u64) -> ConditionReport {
    let mut rng = Rng::new(seed);
    let mut report = ConditionReport {
        name: condition.name.to_string(),
        photos,
        ..Default::default()
    };
    for n in 0..photos {
        let scene = Scene {
            grade: CHART[n % CHART.len()].0,
            shade: rng.between(-MAX_SHADE, MAX_SHADE),
            light: condition.light,
            noise_sigma: condition.noise_sigma,
            glare: condition.glare,
            tilt_degrees: rng.between(-condition.max_tilt_degrees, condition.max_tilt_degrees),
            seed: rng.next_u64(),
        };
        let photo = draw(&scene);
        let outcome = sample_photo(
            &photo.photo.view(),
            &photo.layout,
            SECONDS_SINCE_DIP,
            READ_WINDOW_S,
            &SamplingPolicy::default(),
        )
        .and_then(|samples| read_dipstick(&samples, &ReadPolicy::default()));
        match outcome {
            Ok(r) if r.status == ReadStatus::Unsure => report.unsure += 1,
            Ok(r) if r.grade == Some(scene.grade) => report.correct += 1,
            Ok(_) => report.wrong += 1,
            Err(e) => match report.refused.iter_mut().find(|(c, _)| c == e.code()) {
                Some((_, count)) => *count += 1,
                None => report.refused.push((e.code().to_string(), 1)),
            },
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dipstick::sample::read_photo;

    #[test]
    fn a_checked_scene_names_the_number_out_of_its_limits() {
        let scene = |shade, noise_sigma, tilt_degrees| {
            Scene::checked(
                DipstickGrade::OnePlus,
                shade,
                Light::Daylight,
                noise_sigma,
                false,
                tilt_degrees,
                7,
            )
        };
        let field = |result: Result<Scene>| match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        };
        assert_eq!(scene(0.5, -3.0, -45.0).unwrap().noise_sigma, 3.0);
        assert_eq!(field(scene(0.51, 0.0, 0.0)), "shade");
        assert_eq!(field(scene(0.0, f64::NAN, 0.0)), "noise_sigma");
        assert_eq!(field(scene(0.0, 0.0, f64::INFINITY)), "tilt_degrees");
    }

    #[test]
    fn drawing_is_deterministic() {
        let scene = Scene {
            grade: DipstickGrade::TwoPlus,
            shade: 0.1,
            light: Light::Warm,
            noise_sigma: 3.0,
            glare: true,
            tilt_degrees: 2.0,
            seed: 7,
        };
        assert_eq!(draw(&scene), draw(&scene));
    }

    #[test]
    fn a_clean_daylight_photo_reads_its_grade() {
        for (grade, _) in CHART {
            let photo = draw(&Scene {
                grade,
                shade: 0.0,
                light: Light::Daylight,
                noise_sigma: 0.0,
                glare: false,
                tilt_degrees: 0.0,
                seed: 1,
            });
            let samples = sample_photo(
                &photo.photo.view(),
                &photo.layout,
                SECONDS_SINCE_DIP,
                READ_WINDOW_S,
                &SamplingPolicy::default(),
            )
            .unwrap();
            let r = read_dipstick(&samples, &ReadPolicy::default()).unwrap();
            assert_eq!(r.grade, Some(grade));
            assert!(
                r.distances[0].delta_e < 1.0,
                "{grade}: {:?}",
                r.distances[0]
            );
        }
    }

    #[test]
    fn a_photo_is_sampled_and_read_in_one_call() {
        let photo = draw(&Scene {
            grade: DipstickGrade::ThreePlus,
            shade: 0.1,
            light: Light::Daylight,
            noise_sigma: 2.0,
            glare: false,
            tilt_degrees: 0.0,
            seed: 3,
        });
        let window = [photo.read_window_from_s, photo.read_window_to_s];
        assert_eq!(window, READ_WINDOW_S);
        let (sampling, policy) = (SamplingPolicy::default(), ReadPolicy::default());
        let both = read_photo(
            &photo.photo.view(),
            &photo.layout,
            photo.seconds_since_dip,
            window,
            &sampling,
            &policy,
        )
        .unwrap();
        let samples = sample_photo(
            &photo.photo.view(),
            &photo.layout,
            photo.seconds_since_dip,
            window,
            &sampling,
        )
        .unwrap();
        assert_eq!(both.samples, samples);
        assert_eq!(both.reading, read_dipstick(&samples, &policy).unwrap());
        assert_eq!(both.reading.grade, Some(DipstickGrade::ThreePlus));
        assert_eq!(both.reading.nearest, both.reading.distances[..2]);
        // Outside the read window nothing is sampled: the timing refusal comes first.
        let late = read_photo(
            &photo.photo.view(),
            &photo.layout,
            91.0,
            window,
            &sampling,
            &policy,
        );
        assert_eq!(late.unwrap_err().code(), "too_late");
    }
}

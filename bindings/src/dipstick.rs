//! Reading a dipstick from a photo (clinical-rules §13): the records, sampling of a camera
//! buffer, the reading, and synthetic strip photos for demonstrations. The core suggests a
//! grade; the app shows it and the parent confirms or corrects it. Only the confirmed grade
//! counts.

pub use nephro_core::dipstick::sample::{Rect as PhotoRect, SamplingPolicy};
pub use nephro_core::dipstick::synthetic::Light as SyntheticLight;
use nephro_core::dipstick::{self as engine, sample, synthetic};
pub use nephro_core::dipstick::{
    PhotoProblem, PhotoSuggestionRecord as PhotoSuggestion, ReadPolicy as DipstickPolicy,
    ReadStatus as DipstickReadStatus, SwatchDistance,
};

use crate::{DipstickGrade, NephroError};

/// An 8-bit sRGB colour as sampled from a photo (0–255 per channel; a median may end in .5).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct SrgbColour {
    /// Red, 0–255.
    pub red: f64,
    /// Green, 0–255.
    pub green: f64,
    /// Blue, 0–255.
    pub blue: f64,
}

impl From<SrgbColour> for [f64; 3] {
    fn from(c: SrgbColour) -> Self {
        [c.red, c.green, c.blue]
    }
}

impl From<[f64; 3]> for SrgbColour {
    fn from(c: [f64; 3]) -> Self {
        SrgbColour {
            red: c[0],
            green: c[1],
            blue: c[2],
        }
    }
}

/// One swatch of the bottle's colour chart: its grade and its colour in the photo.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct ChartSwatch {
    /// The grade printed beside the swatch.
    pub grade: DipstickGrade,
    /// Its colour in the photo.
    pub colour: SrgbColour,
}

/// What a reading needs: the sampled colours of the chart's white, each swatch and the pad, the
/// seconds since dipping and the read window printed on the bottle.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DipstickSamples {
    /// The chart's white background.
    pub white: SrgbColour,
    /// The chart's protein swatches (at least two, no grade twice).
    pub chart: Vec<ChartSwatch>,
    /// The strip's protein pad.
    pub pad: SrgbColour,
    /// Seconds from dipping to the photo (≥ 0).
    pub seconds_since_dip: f64,
    /// When the read window opens, seconds after dipping (inclusive).
    pub read_window_from_s: f64,
    /// When it closes (inclusive; at least `read_window_from_s`).
    pub read_window_to_s: f64,
}

impl From<DipstickSamples> for engine::DipstickSamples {
    fn from(s: DipstickSamples) -> Self {
        engine::DipstickSamples {
            white_rgb: s.white.into(),
            chart: s
                .chart
                .into_iter()
                .map(|c| engine::Swatch {
                    grade: c.grade,
                    rgb: c.colour.into(),
                })
                .collect(),
            pad_rgb: s.pad.into(),
            seconds_since_dip: s.seconds_since_dip,
            read_window_s: [s.read_window_from_s, s.read_window_to_s],
        }
    }
}

impl From<engine::DipstickSamples> for DipstickSamples {
    fn from(s: engine::DipstickSamples) -> Self {
        DipstickSamples {
            white: s.white_rgb.into(),
            chart: s
                .chart
                .into_iter()
                .map(|c| ChartSwatch {
                    grade: c.grade,
                    colour: c.rgb.into(),
                })
                .collect(),
            pad: s.pad_rgb.into(),
            seconds_since_dip: s.seconds_since_dip,
            read_window_from_s: s.read_window_s[0],
            read_window_to_s: s.read_window_s[1],
        }
    }
}

/// The default thresholds of clinical-rules §13: at most 15, at least 2.0 nearer than the next.
#[uniffi::export]
pub fn default_dipstick_policy() -> DipstickPolicy {
    DipstickPolicy::default()
}

/// The core's suggestion. Never a reading by itself: the parent confirms or corrects it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DipstickReading {
    /// `Read` when a grade is suggested.
    pub status: DipstickReadStatus,
    /// The suggested grade; `None` when unsure.
    pub grade: Option<DipstickGrade>,
    /// The two nearest swatches, nearest first (equal distances: lower grade first).
    pub nearest: Vec<SwatchDistance>,
    /// Every swatch's distance, nearest first.
    pub distances: Vec<SwatchDistance>,
}

impl From<engine::DipstickReading> for DipstickReading {
    fn from(r: engine::DipstickReading) -> Self {
        DipstickReading {
            status: r.status,
            grade: r.grade,
            nearest: r.nearest().to_vec(),
            distances: r.distances,
        }
    }
}

/// Suggests the grade of the pad from sampled colours (clinical-rules §13), with the care
/// team's `policy` (default: [`default_dipstick_policy`]). Refusals, in this order:
/// [`NephroError::Validation`] naming the field (a channel outside 0–255, fewer than two
/// swatches, a repeated grade, a bad window or time, a bad policy), then [`NephroError::Photo`]
/// with `TooEarly`, `TooLate`, `Overexposed`, `TooDark`.
#[uniffi::export]
pub fn read_dipstick(
    samples: DipstickSamples,
    policy: Option<DipstickPolicy>,
) -> Result<DipstickReading, NephroError> {
    let policy = policy.unwrap_or_default();
    Ok(engine::read_dipstick(&samples.into(), &policy)?.into())
}

/// An 8-bit sRGB RGBA camera buffer (convert Display P3 or YUV to sRGB first; alpha is ignored).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoBuffer {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes from one row to the next (at least `width × 4`; Android's `rowStride`, iOS's
    /// `bytesPerRow`).
    pub row_stride: u32,
    /// The pixels, R G B A, row by row (the last row needs only `width × 4` bytes).
    pub rgba: Vec<u8>,
}

impl PhotoBuffer {
    fn view(&self) -> sample::Photo<'_> {
        sample::Photo {
            width: self.width,
            height: self.height,
            row_stride: self.row_stride,
            rgba: &self.rgba,
        }
    }
}

/// Where one chart swatch is in the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ChartSwatchRect {
    /// The grade printed beside the swatch.
    pub grade: DipstickGrade,
    /// The swatch's rectangle (inside the printed square).
    pub rect: PhotoRect,
}

/// Where the camera screen's guides placed the chart's white, each swatch and the pad.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoLayout {
    /// A patch of the chart's white background (no swatch, no text).
    pub white: PhotoRect,
    /// The protein swatches of the chart.
    pub chart: Vec<ChartSwatchRect>,
    /// The strip's protein pad.
    pub pad: PhotoRect,
}

impl From<PhotoLayout> for sample::PhotoLayout {
    fn from(l: PhotoLayout) -> Self {
        sample::PhotoLayout {
            white: l.white,
            chart: l.chart.into_iter().map(|c| (c.grade, c.rect)).collect(),
            pad: l.pad,
        }
    }
}

impl From<sample::PhotoLayout> for PhotoLayout {
    fn from(l: sample::PhotoLayout) -> Self {
        PhotoLayout {
            white: l.white,
            chart: l
                .chart
                .into_iter()
                .map(|(grade, rect)| ChartSwatchRect { grade, rect })
                .collect(),
            pad: l.pad,
        }
    }
}

/// The default sampling policy (32 levels, a quarter of the patch).
#[uniffi::export]
pub fn default_sampling_policy() -> SamplingPolicy {
    SamplingPolicy::default()
}

/// The robust sample of one patch: the median colour of the pixels kept and what was rejected.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct PatchSample {
    /// The per-channel median of the pixels kept.
    pub colour: SrgbColour,
    /// Pixels in the rectangle.
    pub pixels: u64,
    /// Pixels rejected as glare (brighter than the median).
    pub glare: u64,
    /// Pixels rejected as shadow (darker, or off the median's colour).
    pub shadow: u64,
    /// The share of pixels rejected (0–1).
    pub rejected_share: f64,
}

/// Samples one rectangle of a photo (the median of the patch, glare and shadow rejected).
/// Refuses a bad buffer or rectangle ([`NephroError::Validation`] naming `photo.row_stride`,
/// `photo.rgba`, `rect.x`…) and a patch too uneven to trust ([`NephroError::Photo`] with
/// `Uneven`, naming the patch `rect`).
#[uniffi::export]
pub fn sample_photo_patch(
    photo: PhotoBuffer,
    rect: PhotoRect,
    sampling: Option<SamplingPolicy>,
) -> Result<PatchSample, NephroError> {
    let policy = sampling.unwrap_or_default();
    let s = sample::sample_patch(&photo.view(), rect, "rect", &policy)?;
    Ok(PatchSample {
        colour: s.rgb.into(),
        pixels: s.pixels,
        glare: s.glare,
        shadow: s.shadow,
        rejected_share: s.rejected_share(),
    })
}

/// Samples the chart's white, each swatch and the pad of a strip photo into a reading's input.
/// Refuses, in this order: [`NephroError::Validation`] (the buffer, the layout, the time or the
/// window, naming the field), [`NephroError::Photo`] with `TooEarly` or `TooLate` (nothing is
/// sampled outside the window), then `Uneven` (the white, each swatch, the pad).
#[uniffi::export]
pub fn sample_dipstick_photo(
    photo: PhotoBuffer,
    layout: PhotoLayout,
    seconds_since_dip: f64,
    read_window_from_s: f64,
    read_window_to_s: f64,
    sampling: Option<SamplingPolicy>,
) -> Result<DipstickSamples, NephroError> {
    let policy = sampling.unwrap_or_default();
    Ok(sample::sample_photo(
        &photo.view(),
        &layout.into(),
        seconds_since_dip,
        [read_window_from_s, read_window_to_s],
        &policy,
    )?
    .into())
}

/// A reading from a photo: the samples it was made from and the suggestion.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PhotoReading {
    /// The sampled colours.
    pub samples: DipstickSamples,
    /// The core's suggestion for the parent to confirm.
    pub reading: DipstickReading,
}

/// Samples a strip photo and suggests the pad's grade: [`sample_dipstick_photo`] then
/// [`read_dipstick`], with their refusals in that order (`Validation`, `TooEarly`, `TooLate`,
/// `Uneven`, `Overexposed`, `TooDark`).
#[uniffi::export]
pub fn read_dipstick_photo(
    photo: PhotoBuffer,
    layout: PhotoLayout,
    seconds_since_dip: f64,
    read_window_from_s: f64,
    read_window_to_s: f64,
    sampling: Option<SamplingPolicy>,
    policy: Option<DipstickPolicy>,
) -> Result<PhotoReading, NephroError> {
    let samples = sample_dipstick_photo(
        photo,
        layout,
        seconds_since_dip,
        read_window_from_s,
        read_window_to_s,
        sampling,
    )?;
    let reading = read_dipstick(samples.clone(), policy)?;
    Ok(PhotoReading { samples, reading })
}

/// A synthetic strip photo with the rectangles a camera screen would give (for demonstrations
/// and tests; never a real strip).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyntheticStripPhoto {
    /// The photo.
    pub photo: PhotoBuffer,
    /// The guides' rectangles.
    pub layout: PhotoLayout,
    /// The pad's true grade.
    pub grade: DipstickGrade,
    /// Seconds since dipping when it was "taken" (60).
    pub seconds_since_dip: f64,
    /// The synthetic bottle's read window, from (30 s).
    pub read_window_from_s: f64,
    /// The synthetic bottle's read window, to (90 s).
    pub read_window_to_s: f64,
}

/// Draws a synthetic photo of a strip beside its chart (360 × 240 pixels): the pad of `grade`
/// moved `shade` (−0.5…0.5) of the way towards a neighbouring grade's colour, under `light`,
/// with sensor noise of `noise_sigma` 8-bit levels (0…50), optionally a glare spot on the pad
/// and the strip tilted by `tilt_degrees` (−45…45) against the guides. Deterministic for `seed`.
/// For demonstrations and tests of the camera screen; never a reading.
#[uniffi::export]
#[allow(clippy::too_many_arguments)]
pub fn synthetic_strip_photo(
    grade: DipstickGrade,
    shade: f64,
    light: SyntheticLight,
    noise_sigma: f64,
    glare: bool,
    tilt_degrees: f64,
    seed: u64,
) -> Result<SyntheticStripPhoto, NephroError> {
    let scene =
        synthetic::Scene::checked(grade, shade, light, noise_sigma, glare, tilt_degrees, seed)?;
    let drawn = synthetic::draw(&scene);
    Ok(SyntheticStripPhoto {
        photo: PhotoBuffer {
            width: drawn.width,
            height: drawn.height,
            row_stride: drawn.row_stride,
            rgba: drawn.rgba,
        },
        layout: drawn.layout.into(),
        grade: drawn.grade,
        seconds_since_dip: synthetic::SECONDS_SINCE_DIP,
        read_window_from_s: synthetic::READ_WINDOW_S[0],
        read_window_to_s: synthetic::READ_WINDOW_S[1],
    })
}

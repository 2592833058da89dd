//! Reading a dipstick from a photo (clinical-rules §13): the records, sampling of a camera
//! buffer, the reading, and synthetic strip photos for demonstrations. The core suggests a
//! grade; the app shows it and the parent confirms or corrects it. Only the confirmed grade
//! counts.

pub use nephro_core::dipstick::sample::{
    ChartSwatchRect, PatchSample, PhotoBuffer, PhotoLayout, PhotoReading, Rect as PhotoRect,
    SamplingPolicy,
};
pub use nephro_core::dipstick::synthetic::{Light as SyntheticLight, SyntheticStripPhoto};
use nephro_core::dipstick::{self as engine, sample, synthetic};
pub use nephro_core::dipstick::{
    ChartSwatch, DipstickReading, DipstickSamples, PhotoProblem,
    PhotoSuggestionRecord as PhotoSuggestion, ReadPolicy as DipstickPolicy,
    ReadStatus as DipstickReadStatus, SrgbColour, SwatchDistance,
};

use crate::{DipstickGrade, NephroError};

/// The default thresholds of clinical-rules §13: at most 15, at least 2.0 nearer than the next.
#[uniffi::export]
pub fn default_dipstick_policy() -> DipstickPolicy {
    DipstickPolicy::default()
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
    Ok(engine::read_dipstick(
        &samples,
        &policy.unwrap_or_default(),
    )?)
}

/// The default sampling policy (32 levels, a quarter of the patch).
#[uniffi::export]
pub fn default_sampling_policy() -> SamplingPolicy {
    SamplingPolicy::default()
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
    Ok(sample::sample_patch(&photo.view(), rect, "rect", &policy)?)
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
    let window = [read_window_from_s, read_window_to_s];
    let policy = sampling.unwrap_or_default();
    Ok(sample::sample_photo(
        &photo.view(),
        &layout,
        seconds_since_dip,
        window,
        &policy,
    )?)
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
    let window = [read_window_from_s, read_window_to_s];
    let (sampling, policy) = (sampling.unwrap_or_default(), policy.unwrap_or_default());
    Ok(sample::read_photo(
        &photo.view(),
        &layout,
        seconds_since_dip,
        window,
        &sampling,
        &policy,
    )?)
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
    Ok(synthetic::draw(&scene))
}

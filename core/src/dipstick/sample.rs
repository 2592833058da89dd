//! Robust samples of the rectangles of a strip photo (clinical-rules §13: "the median of the
//! patch, glare and shadow pixels rejected, a refusal when the patch is too uneven to trust").
//!
//! The photo is an 8-bit sRGB RGBA buffer (the shell converts a Display P3 or other camera
//! buffer first) with its width, height and row stride in bytes; alpha is ignored. The camera
//! screen gives one rectangle per patch: the chart's white, each swatch, the pad.
//!
//! A patch is sampled in two passes. First the per-channel median `m` of every pixel. Then each
//! pixel farther than [`SamplingPolicy::outlier_levels`] from `m` in any channel is rejected:
//! as **glare** when it is brighter than `m` (a reflection, a clipped highlight), as **shadow**
//! otherwise (a shadow, the strip's edge, a dry corner of a half-wet pad). The sample is the
//! per-channel median of the pixels kept. When more than
//! [`SamplingPolicy::max_rejected_share`] of the patch was rejected, no single colour
//! represents it and the patch is refused as `uneven`.

use crate::dipstick::{
    check_timing, read_dipstick, ChartSwatch, DipstickReading, DipstickSamples, PhotoProblem,
    ReadPolicy, SrgbColour,
};
use crate::error::{Error, Result};
use crate::protein::DipstickGrade;

/// A pixel differing from the patch's median by more than this many 8-bit levels in any channel
/// is rejected (**policy**). Rationale: a phone photo of a flat printed or wetted patch scatters
/// by a few levels (sensor noise after the camera's denoising: σ ≈ 2–6 levels in good light, up
/// to about 8 in dim light), so 32 is 4σ or more even in dim light and keeps the flat patch
/// whole; adjacent protein swatches of common charts differ by 30–45 levels in at least one
/// channel (trace → 1+, 1+ → 2+, 2+ → 3+), so a pad wetted in two shades loses the minority
/// shade instead of blending into a colour between two grades; a reflection or a shadow differs
/// by far more.
pub const DEFAULT_OUTLIER_LEVELS: u8 = 32;

/// A patch with more than this share of its pixels rejected is `uneven` (**policy**).
/// Rationale: a small glare spot or a shadowed edge (a few per cent of the rectangle) is
/// rejected and the median of the rest is trusted; when over a quarter of the patch disagrees
/// with its median, the patch holds two colours (a half-wet pad, a large reflection) and the
/// median of the rest could be either.
pub const DEFAULT_MAX_REJECTED_SHARE: f64 = 0.25;

/// How patches are sampled (**policy**, see the constants' rationale).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SamplingPolicy {
    /// A pixel farther than this (8-bit levels, any channel) from the patch's median is rejected.
    pub outlier_levels: u8,
    /// A patch with a larger share of rejected pixels (0–1) is `uneven`.
    pub max_rejected_share: f64,
}

impl Default for SamplingPolicy {
    fn default() -> Self {
        SamplingPolicy {
            outlier_levels: DEFAULT_OUTLIER_LEVELS,
            max_rejected_share: DEFAULT_MAX_REJECTED_SHARE,
        }
    }
}

/// An 8-bit sRGB RGBA camera buffer (convert Display P3 or YUV to sRGB first; alpha is ignored).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
    /// The buffer as the sampler reads it.
    pub fn view(&self) -> Photo<'_> {
        Photo {
            width: self.width,
            height: self.height,
            row_stride: self.row_stride,
            rgba: &self.rgba,
        }
    }
}

/// An 8-bit sRGB RGBA photo buffer (4 bytes per pixel, R G B A; alpha ignored).
#[derive(Debug, Clone, Copy)]
pub struct Photo<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes from the start of one row to the next (at least `width × 4`).
    pub row_stride: u32,
    /// The pixels, row by row; the last row needs only `width × 4` bytes.
    pub rgba: &'a [u8],
}

/// A rectangle of the photo in pixels (`x`, `y`: top-left corner; the photo's origin is top-left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "uniffi", uniffi(name = "PhotoRect"))]
pub struct Rect {
    /// Left edge (first column).
    pub x: u32,
    /// Top edge (first row).
    pub y: u32,
    /// Width in pixels (at least 1).
    pub width: u32,
    /// Height in pixels (at least 1).
    pub height: u32,
}

/// The robust sample of one patch: the median colour of the pixels kept and what was rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PatchSample {
    /// The per-channel median of the pixels kept, 8-bit sRGB (a median of an even count may end
    /// in .5).
    pub colour: SrgbColour,
    /// Pixels in the rectangle.
    pub pixels: u64,
    /// Pixels rejected as glare (brighter than the median).
    pub glare: u64,
    /// Pixels rejected as shadow (darker than the median, or off its colour).
    pub shadow: u64,
    /// The share of the patch's pixels rejected, `(glare + shadow) / pixels` (0–1).
    pub rejected_share: f64,
}

/// Where one chart swatch is in the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChartSwatchRect {
    /// The grade printed beside the swatch.
    pub grade: DipstickGrade,
    /// The swatch's rectangle (inside the printed square).
    pub rect: Rect,
}

/// Where the camera screen's guides placed the chart's white, each swatch and the pad.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhotoLayout {
    /// A patch of the chart's white background (no swatch, no text).
    pub white: Rect,
    /// The protein swatches printed on the chart.
    pub chart: Vec<ChartSwatchRect>,
    /// The strip's protein pad.
    pub pad: Rect,
}

/// A reading from a photo: the samples it was made from and the suggestion.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhotoReading {
    /// The sampled colours.
    pub samples: DipstickSamples,
    /// The core's suggestion for the parent to confirm.
    pub reading: DipstickReading,
}

impl Photo<'_> {
    /// Refuses a buffer whose geometry does not hold together, naming the field: `photo.width`,
    /// `photo.height`, `photo.row_stride` (less than `width × 4`), `photo.rgba` (too short).
    pub fn validate(&self) -> Result<()> {
        if self.width == 0 {
            return Err(Error::invalid("photo.width", "must be at least 1"));
        }
        if self.height == 0 {
            return Err(Error::invalid("photo.height", "must be at least 1"));
        }
        let row_bytes = u64::from(self.width) * 4;
        if u64::from(self.row_stride) < row_bytes {
            return Err(Error::invalid(
                "photo.row_stride",
                "must be at least width × 4 bytes",
            ));
        }
        let needed = u64::from(self.row_stride) * u64::from(self.height - 1) + row_bytes;
        if (self.rgba.len() as u64) < needed {
            return Err(Error::invalid(
                "photo.rgba",
                "is shorter than row_stride × (height − 1) + width × 4 bytes",
            ));
        }
        Ok(())
    }
}

/// Refuses a rectangle that is empty or reaches outside the photo, naming `field.width`,
/// `field.height`, `field.x` or `field.y`.
fn check_rect(photo: &Photo, rect: Rect, field: &str) -> Result<()> {
    if rect.width == 0 {
        return Err(Error::invalid(
            format!("{field}.width"),
            "must be at least 1",
        ));
    }
    if rect.height == 0 {
        return Err(Error::invalid(
            format!("{field}.height"),
            "must be at least 1",
        ));
    }
    if u64::from(rect.x) + u64::from(rect.width) > u64::from(photo.width) {
        return Err(Error::invalid(
            format!("{field}.x"),
            "the rectangle reaches past the photo's right edge",
        ));
    }
    if u64::from(rect.y) + u64::from(rect.height) > u64::from(photo.height) {
        return Err(Error::invalid(
            format!("{field}.y"),
            "the rectangle reaches past the photo's bottom edge",
        ));
    }
    Ok(())
}

/// The median of a histogram of `count` values: the middle value, or the mean of the two middle
/// values for an even count.
fn median(histogram: &[u64; 256], count: u64) -> f64 {
    let nth = |n: u64| {
        let mut seen = 0;
        for (value, &h) in histogram.iter().enumerate() {
            seen += h;
            if seen > n {
                return value as f64;
            }
        }
        255.0
    };
    if count % 2 == 1 {
        nth(count / 2)
    } else {
        (nth(count / 2 - 1) + nth(count / 2)) / 2.0
    }
}

/// Rec. 709 luma of 8-bit values, used only to tell glare (brighter) from shadow (darker).
fn luma(rgb: [f64; 3]) -> f64 {
    0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
}

/// Samples one patch robustly (see the module's description), naming the rectangle `field` in
/// errors (`white`, `chart[2]`, `pad`). Refuses a bad buffer or rectangle (`invalid_input`), a bad
/// policy, and a patch too uneven to trust ([`PhotoProblem::Uneven`]).
pub fn sample_patch(
    photo: &Photo,
    rect: Rect,
    field: &str,
    policy: &SamplingPolicy,
) -> Result<PatchSample> {
    photo.validate()?;
    if !(0.0..=1.0).contains(&policy.max_rejected_share) {
        return Err(Error::invalid(
            "sampling.max_rejected_share",
            "must be a share from 0 to 1",
        ));
    }
    check_rect(photo, rect, field)?;
    let stride = photo.row_stride as usize;
    let pixels = || {
        (rect.y..rect.y + rect.height).flat_map(move |y| {
            let row = y as usize * stride;
            (rect.x..rect.x + rect.width).map(move |x| {
                let at = row + x as usize * 4;
                [photo.rgba[at], photo.rgba[at + 1], photo.rgba[at + 2]]
            })
        })
    };
    let count = u64::from(rect.width) * u64::from(rect.height);

    let mut all = [[0u64; 256]; 3];
    for p in pixels() {
        for c in 0..3 {
            all[c][p[c] as usize] += 1;
        }
    }
    let m = [0, 1, 2].map(|c| median(&all[c], count));
    let m_luma = luma(m);
    let limit = f64::from(policy.outlier_levels);

    let mut kept = [[0u64; 256]; 3];
    let (mut glare, mut shadow) = (0u64, 0u64);
    for p in pixels() {
        let v = p.map(f64::from);
        if (0..3).any(|c| (v[c] - m[c]).abs() > limit) {
            if luma(v) > m_luma {
                glare += 1;
            } else {
                shadow += 1;
            }
        } else {
            for c in 0..3 {
                kept[c][p[c] as usize] += 1;
            }
        }
    }
    let kept_count = count - glare - shadow;
    let sample = PatchSample {
        colour: if kept_count == 0 {
            m
        } else {
            [0, 1, 2].map(|c| median(&kept[c], kept_count))
        }
        .into(),
        pixels: count,
        glare,
        shadow,
        rejected_share: (glare + shadow) as f64 / count as f64,
    };
    if kept_count == 0 || sample.rejected_share > policy.max_rejected_share {
        return Err(Error::Photo(PhotoProblem::Uneven {
            patch: field.to_string(),
            rejected_share: sample.rejected_share,
        }));
    }
    Ok(sample)
}

/// Samples a whole strip photo into the reading's input (clinical-rules §13), refusing in this
/// order: `invalid_input` (the buffer, then the layout: fewer than two swatches, a repeated
/// grade, a rectangle outside the photo; a bad time or window), `too_early` and `too_late`
/// (nothing is sampled for a photo taken outside the window), then `uneven` (the white, each
/// swatch, the pad). [`crate::dipstick::read_dipstick`] then checks the exposure and reads.
pub fn sample_photo(
    photo: &Photo,
    layout: &PhotoLayout,
    seconds_since_dip: f64,
    read_window_s: [f64; 2],
    policy: &SamplingPolicy,
) -> Result<DipstickSamples> {
    photo.validate()?;
    check_rect(photo, layout.white, "white")?;
    if layout.chart.len() < 2 {
        return Err(Error::invalid("chart", "needs at least two swatches"));
    }
    for (i, ChartSwatchRect { grade, rect }) in layout.chart.iter().enumerate() {
        if layout.chart[..i].iter().any(|s| s.grade == *grade) {
            return Err(Error::invalid(
                format!("chart[{i}].grade"),
                "repeats a grade of the chart",
            ));
        }
        check_rect(photo, *rect, &format!("chart[{i}]"))?;
    }
    check_rect(photo, layout.pad, "pad")?;
    if !seconds_since_dip.is_finite() || seconds_since_dip < 0.0 {
        return Err(Error::invalid(
            "seconds_since_dip",
            "must be a finite number ≥ 0",
        ));
    }
    let [from, to] = read_window_s;
    if !from.is_finite() || !to.is_finite() || from < 0.0 || from > to {
        return Err(Error::invalid(
            "read_window_s",
            "must be [from, to] with 0 ≤ from ≤ to",
        ));
    }
    check_timing(seconds_since_dip, read_window_s)?;

    let white = sample_patch(photo, layout.white, "white", policy)?;
    let chart = layout
        .chart
        .iter()
        .enumerate()
        .map(|(i, swatch)| {
            Ok(ChartSwatch {
                grade: swatch.grade,
                colour: sample_patch(photo, swatch.rect, &format!("chart[{i}]"), policy)?.colour,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let pad = sample_patch(photo, layout.pad, "pad", policy)?;
    Ok(DipstickSamples {
        white: white.colour,
        chart,
        pad: pad.colour,
        seconds_since_dip,
        read_window_from_s: from,
        read_window_to_s: to,
    })
}

/// Samples a strip photo ([`sample_photo`]) and suggests the pad's grade
/// ([`read_dipstick`]), with their refusals in that order (`invalid_input`, `too_early`,
/// `too_late`, `uneven`, `overexposed`, `too_dark`).
pub fn read_photo(
    photo: &Photo,
    layout: &PhotoLayout,
    seconds_since_dip: f64,
    read_window_s: [f64; 2],
    sampling: &SamplingPolicy,
    policy: &ReadPolicy,
) -> Result<PhotoReading> {
    let samples = sample_photo(photo, layout, seconds_since_dip, read_window_s, sampling)?;
    let reading = read_dipstick(&samples, policy)?;
    Ok(PhotoReading { samples, reading })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w × h` photo filled with `rgb`, with `pad` spare bytes per row.
    fn photo_of(w: u32, h: u32, pad: u32, rgb: [u8; 3]) -> (Vec<u8>, u32) {
        let stride = w * 4 + pad;
        let mut buf = vec![0u8; (stride * h) as usize];
        for y in 0..h {
            for x in 0..w {
                let at = (y * stride + x * 4) as usize;
                buf[at..at + 4].copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
            }
        }
        (buf, stride)
    }

    fn set(buf: &mut [u8], stride: u32, x: u32, y: u32, rgb: [u8; 3]) {
        let at = (y * stride + x * 4) as usize;
        buf[at..at + 3].copy_from_slice(&rgb);
    }

    const ALL: Rect = Rect {
        x: 0,
        y: 0,
        width: 10,
        height: 10,
    };

    #[test]
    fn a_flat_patch_is_its_colour() {
        let (buf, stride) = photo_of(10, 10, 8, [122, 176, 116]);
        let photo = Photo {
            width: 10,
            height: 10,
            row_stride: stride,
            rgba: &buf,
        };
        let s = sample_patch(&photo, ALL, "pad", &SamplingPolicy::default()).unwrap();
        assert_eq!(s.colour.channels(), [122.0, 176.0, 116.0]);
        assert_eq!((s.pixels, s.glare, s.shadow), (100, 0, 0));
    }

    #[test]
    fn glare_and_shadow_are_rejected_and_counted() {
        let (mut buf, stride) = photo_of(10, 10, 0, [122, 176, 116]);
        for x in 0..10 {
            set(&mut buf, stride, x, 0, [255, 255, 255]); // a reflection along the top row
            set(&mut buf, stride, x, 9, [40, 60, 40]); // a shadow along the bottom row
        }
        set(&mut buf, stride, 5, 5, [124, 178, 118]);
        let photo = Photo {
            width: 10,
            height: 10,
            row_stride: stride,
            rgba: &buf,
        };
        let s = sample_patch(&photo, ALL, "pad", &SamplingPolicy::default()).unwrap();
        assert_eq!(s.colour.channels(), [122.0, 176.0, 116.0]);
        assert_eq!((s.glare, s.shadow), (10, 10));
        assert!((s.rejected_share - 0.2).abs() < 1e-12);
    }

    #[test]
    fn a_half_wet_pad_is_uneven_with_its_share() {
        let (mut buf, stride) = photo_of(10, 10, 0, [226, 222, 110]);
        for y in 0..4 {
            for x in 0..10 {
                set(&mut buf, stride, x, y, [80, 150, 124]);
            }
        }
        let photo = Photo {
            width: 10,
            height: 10,
            row_stride: stride,
            rgba: &buf,
        };
        match sample_patch(&photo, ALL, "pad", &SamplingPolicy::default()) {
            Err(Error::Photo(PhotoProblem::Uneven {
                patch,
                rejected_share,
            })) => {
                assert_eq!(patch, "pad");
                assert!((rejected_share - 0.4).abs() < 1e-12);
            }
            other => panic!("expected uneven, got {other:?}"),
        }
        // A looser policy accepts it, with the majority's colour.
        let loose = SamplingPolicy {
            outlier_levels: 32,
            max_rejected_share: 0.5,
        };
        let s = sample_patch(&photo, ALL, "pad", &loose).unwrap();
        assert_eq!(s.colour.channels(), [226.0, 222.0, 110.0]);
    }

    #[test]
    fn an_even_count_takes_the_mean_of_the_middle_pair() {
        let (mut buf, stride) = photo_of(2, 1, 0, [100, 100, 100]);
        set(&mut buf, stride, 1, 0, [101, 110, 100]);
        let photo = Photo {
            width: 2,
            height: 1,
            row_stride: stride,
            rgba: &buf,
        };
        let rect = Rect {
            x: 0,
            y: 0,
            width: 2,
            height: 1,
        };
        let s = sample_patch(&photo, rect, "white", &SamplingPolicy::default()).unwrap();
        assert_eq!(s.colour.channels(), [100.5, 105.0, 100.0]);
    }

    #[test]
    fn a_clipped_patch_keeps_its_clipped_median() {
        // Entirely clipped: the sample is 255 and the reading refuses it as overexposed.
        let (buf, stride) = photo_of(10, 10, 0, [255, 255, 250]);
        let photo = Photo {
            width: 10,
            height: 10,
            row_stride: stride,
            rgba: &buf,
        };
        let s = sample_patch(&photo, ALL, "white", &SamplingPolicy::default()).unwrap();
        assert_eq!(s.colour.channels(), [255.0, 255.0, 250.0]);
    }

    #[test]
    fn bad_buffers_and_rectangles_name_the_field() {
        let (buf, stride) = photo_of(10, 10, 0, [1, 2, 3]);
        let field = |photo: Photo, rect: Rect| match sample_patch(
            &photo,
            rect,
            "pad",
            &SamplingPolicy::default(),
        ) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        };
        let good = Photo {
            width: 10,
            height: 10,
            row_stride: stride,
            rgba: &buf,
        };
        assert_eq!(
            field(
                Photo {
                    row_stride: 39,
                    ..good
                },
                ALL
            ),
            "photo.row_stride"
        );
        assert_eq!(
            field(
                Photo {
                    rgba: &buf[..399],
                    ..good
                },
                ALL
            ),
            "photo.rgba"
        );
        assert_eq!(
            field(
                Photo {
                    row_stride: 44,
                    ..good
                },
                ALL
            ),
            "photo.rgba"
        );
        assert_eq!(field(Photo { width: 0, ..good }, ALL), "photo.width");
        assert_eq!(field(Photo { height: 0, ..good }, ALL), "photo.height");
        assert_eq!(field(good, Rect { x: 1, ..ALL }), "pad.x");
        assert_eq!(field(good, Rect { y: 1, ..ALL }), "pad.y");
        assert_eq!(
            field(
                good,
                Rect {
                    x: u32::MAX,
                    width: u32::MAX,
                    ..ALL
                }
            ),
            "pad.x"
        );
        assert_eq!(field(good, Rect { width: 0, ..ALL }), "pad.width");
        assert_eq!(field(good, Rect { height: 0, ..ALL }), "pad.height");
        // The last row needs no padding.
        let (buf, _) = photo_of(10, 10, 0, [1, 2, 3]);
        let mut padded = Vec::new();
        for y in 0..10 {
            padded.extend_from_slice(&buf[y * 40..y * 40 + 40]);
            if y < 9 {
                padded.extend_from_slice(&[0; 24]);
            }
        }
        let photo = Photo {
            width: 10,
            height: 10,
            row_stride: 64,
            rgba: &padded,
        };
        assert!(sample_patch(&photo, ALL, "pad", &SamplingPolicy::default()).is_ok());
    }
}

//! The photo sampling of the camera screen (clinical-rules §13): any buffer geometry, any
//! rectangles, any pixels and any sampling policy give a sample inside 0–255, a typed refusal
//! (`invalid_input` naming the field, `uneven` with its share), never a panic; what is sampled
//! can always be read or refused.
//!
//! Input: 16 header bytes — width, height (u8 each, so the photo stays small), row stride
//! padding (u8), outlier levels (u8), the rejected share (u8 / 200, so above 1 is possible),
//! then three rectangles (white, pad, one swatch) of four u8 each (x, y, width, height) — then
//! the pixels.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nephro_core::dipstick::sample::{sample_patch, sample_photo, ChartSwatchRect, Photo, PhotoLayout, Rect, SamplingPolicy};
use nephro_core::dipstick::{read_dipstick, PhotoProblem, ReadPolicy};
use nephro_core::protein::DipstickGrade;
use nephro_core::Error;

fn rect(b: &[u8]) -> Rect {
    Rect {
        x: u32::from(b[0]),
        y: u32::from(b[1]),
        width: u32::from(b[2]),
        height: u32::from(b[3]),
    }
}

fn typed(e: &Error) -> bool {
    match e {
        Error::Invalid { field, .. } => !field.is_empty(),
        Error::Photo(PhotoProblem::Uneven { rejected_share, .. }) => (0.0..=1.0).contains(rejected_share),
        Error::Photo(_) => true,
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let (header, pixels) = data.split_at(17);
    let width = u32::from(header[0]);
    let height = u32::from(header[1]);
    let photo = Photo {
        width,
        height,
        row_stride: width.saturating_mul(4) + u32::from(header[2]) % 16,
        rgba: pixels,
    };
    let policy = SamplingPolicy {
        outlier_levels: header[3],
        max_rejected_share: f64::from(header[4]) / 200.0,
    };
    let (white, pad, swatch) = (rect(&header[5..9]), rect(&header[9..13]), rect(&header[13..17]));
    match sample_patch(&photo, pad, "pad", &policy) {
        Ok(s) => {
            assert!(s.colour.channels().iter().all(|c| (0.0..=255.0).contains(c)));
            assert!(s.glare + s.shadow < s.pixels);
            assert!(s.rejected_share <= policy.max_rejected_share);
        }
        Err(e) => assert!(typed(&e), "{e:?}"),
    }
    let layout = PhotoLayout {
        white,
        chart: vec![
            ChartSwatchRect { grade: DipstickGrade::Negative, rect: swatch },
            ChartSwatchRect { grade: DipstickGrade::FourPlus, rect: pad },
        ],
        pad,
    };
    match sample_photo(&photo, &layout, 60.0, [30.0, 90.0], &policy) {
        Ok(samples) => match read_dipstick(&samples, &ReadPolicy::default()) {
            Ok(r) => assert!(r.distances.iter().all(|d| d.delta_e.is_finite())),
            Err(e) => assert!(typed(&e), "{e:?}"),
        },
        Err(e) => assert!(typed(&e), "{e:?}"),
    }
});

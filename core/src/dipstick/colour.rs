//! The colour arithmetic of clinical-rules §13, steps 3–6: sRGB linearisation (IEC 61966-2-1),
//! white balance on the chart's white, CIELAB with §13's own matrix and reference white, and
//! CIEDE2000 (Sharma, Wu and Dalal, Color Res Appl 2005;30(1):21-30; kL = kC = kH = 1).
//!
//! Everything is f64 with exactly the constants of §13, so that every language computes the
//! same distances to 1e-6 (a colour library's own sRGB/Lab constants would shift them by about
//! 1e-3).

use std::f64::consts::PI;

/// The sRGB → XYZ matrix of clinical-rules §13 step 5 (rows X, Y, Z).
pub const SRGB_TO_XYZ: [[f64; 3]; 3] = [
    [0.4124, 0.3576, 0.1805],
    [0.2126, 0.7152, 0.0722],
    [0.0193, 0.1192, 0.9505],
];

/// The reference white of §13 step 5: the matrix's row sums (0.9505, 1.0, 1.0890), written as
/// the sums themselves so that a balanced white maps to L* = 100, a* = b* = 0.
pub const REFERENCE_WHITE: [f64; 3] = [
    SRGB_TO_XYZ[0][0] + SRGB_TO_XYZ[0][1] + SRGB_TO_XYZ[0][2],
    SRGB_TO_XYZ[1][0] + SRGB_TO_XYZ[1][1] + SRGB_TO_XYZ[1][2],
    SRGB_TO_XYZ[2][0] + SRGB_TO_XYZ[2][1] + SRGB_TO_XYZ[2][2],
];

/// CIE ε = 216/24389 (§13 step 5).
pub const CIE_EPSILON: f64 = 216.0 / 24389.0;

/// CIE κ = 24389/27 (§13 step 5).
pub const CIE_KAPPA: f64 = 24389.0 / 27.0;

/// A CIELAB colour (L*, a*, b*).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lab {
    /// Lightness L*, 0–100 for colours no lighter than the white.
    pub l: f64,
    /// a* (green − / red +).
    pub a: f64,
    /// b* (blue − / yellow +).
    pub b: f64,
}

/// Linearises one 8-bit sRGB channel value `v` (0–255, fractions allowed) per IEC 61966-2-1
/// (§13 step 3): c = v / 255; c / 12.92 when c ≤ 0.04045, else ((c + 0.055) / 1.055)^2.4.
pub fn linearise(v: f64) -> f64 {
    let c = v / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Linearises an sRGB triple (§13 step 3).
pub fn linearise_rgb(rgb: [f64; 3]) -> [f64; 3] {
    rgb.map(linearise)
}

/// The luminance Y of a linear RGB triple: the matrix's second row (§13 step 2 uses it on the
/// white before balancing).
pub fn luminance(linear: [f64; 3]) -> f64 {
    let m = SRGB_TO_XYZ[1];
    m[0] * linear[0] + m[1] * linear[1] + m[2] * linear[2]
}

/// White balance (§13 step 4): each linear channel divided by the white's.
/// The caller guarantees that no channel of `white` is 0.
pub fn balance(linear: [f64; 3], white: [f64; 3]) -> [f64; 3] {
    [
        linear[0] / white[0],
        linear[1] / white[1],
        linear[2] / white[2],
    ]
}

/// CIELAB of a (balanced) linear RGB triple (§13 step 5): XYZ = M · rgb, then the CIE formulas
/// against [`REFERENCE_WHITE`] with ε and κ.
pub fn lab_of_linear(rgb: [f64; 3]) -> Lab {
    let m = SRGB_TO_XYZ;
    let xyz = [0, 1, 2].map(|row| m[row][0] * rgb[0] + m[row][1] * rgb[1] + m[row][2] * rgb[2]);
    let f = |t: f64| {
        if t > CIE_EPSILON {
            t.cbrt()
        } else {
            (CIE_KAPPA * t + 16.0) / 116.0
        }
    };
    let fx = f(xyz[0] / REFERENCE_WHITE[0]);
    let fy = f(xyz[1] / REFERENCE_WHITE[1]);
    let fz = f(xyz[2] / REFERENCE_WHITE[2]);
    Lab {
        l: 116.0 * fy - 16.0,
        a: 500.0 * (fx - fy),
        b: 200.0 * (fy - fz),
    }
}

/// The CIEDE2000 colour difference ΔE00 between two CIELAB colours, with kL = kC = kH = 1
/// (§13 step 6), exactly as Sharma, Wu and Dalal write it (Color Res Appl 2005;30(1):21-30,
/// equations 2–22): hue angles in degrees in [0, 360), a hue of 0 when a′ = b′ = 0, the mean
/// hue and the hue difference by their case rules when the chromas' product is 0.
pub fn ciede2000(lab1: Lab, lab2: Lab) -> f64 {
    let deg = |rad: f64| rad * 180.0 / PI;
    let rad = |deg: f64| deg * PI / 180.0;
    let pow7 = |x: f64| x.powi(7);
    const POW25_7: f64 = 6_103_515_625.0; // 25^7

    // Equations 2–5.
    let c1 = lab1.a.hypot(lab1.b);
    let c2 = lab2.a.hypot(lab2.b);
    let c_bar = (c1 + c2) / 2.0;
    let g = 0.5 * (1.0 - (pow7(c_bar) / (pow7(c_bar) + POW25_7)).sqrt());
    let a1p = (1.0 + g) * lab1.a;
    let a2p = (1.0 + g) * lab2.a;
    let c1p = a1p.hypot(lab1.b);
    let c2p = a2p.hypot(lab2.b);
    let hue = |b: f64, ap: f64| {
        if b == 0.0 && ap == 0.0 {
            0.0
        } else {
            let h = deg(b.atan2(ap));
            if h < 0.0 {
                h + 360.0
            } else {
                h
            }
        }
    };
    let h1p = hue(lab1.b, a1p);
    let h2p = hue(lab2.b, a2p);

    // Equations 8–12.
    let dl = lab2.l - lab1.l;
    let dc = c2p - c1p;
    let chroma_product = c1p * c2p;
    let dh = if chroma_product == 0.0 {
        0.0
    } else {
        let d = h2p - h1p;
        if d > 180.0 {
            d - 360.0
        } else if d < -180.0 {
            d + 360.0
        } else {
            d
        }
    };
    let dh_big = 2.0 * chroma_product.sqrt() * rad(dh / 2.0).sin();

    // Equations 13–22.
    let l_bar = (lab1.l + lab2.l) / 2.0;
    let cp_bar = (c1p + c2p) / 2.0;
    let hp_bar = if chroma_product == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * rad(hp_bar - 30.0).cos()
        + 0.24 * rad(2.0 * hp_bar).cos()
        + 0.32 * rad(3.0 * hp_bar + 6.0).cos()
        - 0.20 * rad(4.0 * hp_bar - 63.0).cos();
    let d_theta = 30.0 * (-((hp_bar - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (pow7(cp_bar) / (pow7(cp_bar) + POW25_7)).sqrt();
    let l50 = (l_bar - 50.0).powi(2);
    let sl = 1.0 + 0.015 * l50 / (20.0 + l50).sqrt();
    let sc = 1.0 + 0.045 * cp_bar;
    let sh = 1.0 + 0.015 * cp_bar * t;
    let rt = -rad(2.0 * d_theta).sin() * rc;
    let (tl, tc, th) = (dl / sl, dc / sc, dh_big / sh);
    (tl * tl + tc * tc + th * th + rt * tc * th).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 34 test pairs published by Sharma, Wu and Dalal (2005), Table 1: L1, a1, b1, L2, a2,
    /// b2, ΔE00 (to 4 decimals).
    const SHARMA_PAIRS: [[f64; 7]; 34] = [
        [50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425],
        [50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615],
        [50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412],
        [
            50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000,
        ],
        [
            50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000,
        ],
        [
            50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000,
        ],
        [50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669],
        [50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461],
        [50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065],
        [50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492],
        [50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977],
        [50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030],
        [50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000],
        [
            60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644,
        ],
        [
            63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630,
        ],
        [61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731],
        [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
        [
            22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373,
        ],
        [36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
        [90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441],
        [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
        [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
        [2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082],
    ];

    fn lab(l: f64, a: f64, b: f64) -> Lab {
        Lab { l, a, b }
    }

    #[test]
    fn ciede2000_matches_the_34_published_pairs() {
        for (i, p) in SHARMA_PAIRS.iter().enumerate() {
            let (x, y) = (lab(p[0], p[1], p[2]), lab(p[3], p[4], p[5]));
            let forward = ciede2000(x, y);
            let backward = ciede2000(y, x);
            assert!(
                (forward - p[6]).abs() <= 1e-4,
                "pair {}: {forward} vs {}",
                i + 1,
                p[6]
            );
            // The formula is symmetric; the published table pairs both orders (7 and 8).
            assert!(
                (forward - backward).abs() <= 1e-12,
                "pair {} is asymmetric",
                i + 1
            );
        }
    }

    #[test]
    fn identical_colours_have_no_difference() {
        for c in [
            lab(50.0, 0.0, 0.0),
            lab(70.0, -20.0, 40.0),
            lab(0.0, 0.0, 0.0),
        ] {
            assert_eq!(ciede2000(c, c), 0.0);
        }
    }

    #[test]
    fn linearisation_follows_iec_61966_2_1() {
        assert_eq!(linearise(0.0), 0.0);
        assert!((linearise(255.0) - 1.0).abs() < 1e-15);
        // The linear segment ends at c = 0.04045 (v ≈ 10.31).
        let v = 0.04045 * 255.0;
        assert!((linearise(v) - 0.04045 / 12.92).abs() < 1e-15);
        assert!((linearise(128.0) - 0.215_860_500_113_899_26).abs() < 1e-12);
    }

    #[test]
    fn the_balanced_white_is_the_reference_white() {
        for (sum, printed) in REFERENCE_WHITE.iter().zip([0.9505, 1.0, 1.0890]) {
            assert!((sum - printed).abs() < 1e-15);
        }
        let white = lab_of_linear([1.0, 1.0, 1.0]);
        assert!((white.l - 100.0).abs() < 1e-12);
        assert!(white.a.abs() < 1e-12 && white.b.abs() < 1e-12);
        let black = lab_of_linear([0.0, 0.0, 0.0]);
        assert!(black.l.abs() < 1e-12);
    }
}

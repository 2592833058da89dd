//! Body-size formulas (clinical-rules §2).

use crate::error::Result;
use crate::numeric::require_positive;

/// Body surface area in m² by Mosteller (N Engl J Med 1987;317:1098):
/// `sqrt(height_cm × weight_kg / 3600)`, unrounded.
pub fn bsa_mosteller(height_cm: f64, weight_kg: f64) -> Result<f64> {
    let height = require_positive("height_cm", height_cm)?;
    let weight = require_positive("weight_kg", weight_kg)?;
    Ok((height * weight / 3600.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mosteller_matches_hand_values() {
        // 120 cm, 30 kg: sqrt(3600/3600) = 1.0 m².
        assert!((bsa_mosteller(120.0, 30.0).unwrap() - 1.0).abs() < 1e-12);
        assert!((bsa_mosteller(110.0, 20.0).unwrap() - 0.781735).abs() < 1e-6);
        assert!(bsa_mosteller(0.0, 20.0).is_err());
    }
}

//! Every medicine the child takes (clinical-rules §12): liquids measured with an oral syringe,
//! the cumulative cyclophosphamide dose, and steroid calendars given as a liquid.

pub mod cyclophosphamide;
pub mod liquid;
pub mod liquid_taper;

//! Every medicine the child takes (clinical-rules §12): the app's list of known medicines, any
//! medicine with any schedule, liquids measured with an oral syringe,
//! the cumulative cyclophosphamide dose, and steroid calendars given as a liquid.

pub mod cyclophosphamide;
pub mod input;
pub mod known;
pub mod liquid;
pub mod liquid_taper;
pub mod record;

//! The text fields the shells send through the FFI: dates, times, instants, zone names,
//! medication ids, and the enums' identifiers. Each parser answers a value or a typed refusal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nephro_core::dates::{format_date, parse_clock_time, parse_date, parse_instant, parse_time_zone};
use nephro_core::model::{DoseOutcome, MedicationId, Sex};
use nephro_core::protein::{DipstickGrade, UpcrUnit};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(date) = parse_date("date", text) {
        // A date that parses prints back as the same text.
        assert_eq!(format_date(date), text);
    }
    if let Ok(time) = parse_clock_time("time", text) {
        assert_eq!(time.format("%H:%M").to_string(), text);
    }
    let _ = parse_instant("instant", text);
    let _ = parse_time_zone("time_zone", text);
    if let Ok(id) = MedicationId::parse("medication_id", text) {
        let _ = id.to_string();
    }
    let _ = Sex::parse("sex", text);
    let _ = DoseOutcome::parse("outcome", text);
    let _ = DipstickGrade::parse("dipstick", text);
    let _ = UpcrUnit::parse("unit", text);
});

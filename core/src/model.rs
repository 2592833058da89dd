//! The records a diary keeps: the patient, body measurements, regimens and logged doses.
//!
//! Dates are local calendar dates of the patient (`NaiveDate`); instants are UTC epoch
//! milliseconds, the form they take in the database and across the FFI.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::dose::{calculate_dose, DoseRate, DoseRequest, DoseResult};
use crate::drug::Drug;
use crate::error::{Error, Result};
pub use crate::ids::{BloodPressureId, GlobalId, MeasurementId, MedicineId, PatientId, RegimenId};

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type EpochMillis = i64;

/// Sex recorded in the profile (used by growth references, not by any dose rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Not recorded or not disclosed.
    Unspecified,
}

impl Sex {
    /// The identifier stored in the database.
    pub fn id(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Unspecified => "unspecified",
        }
    }

    /// Parses [`Sex::id`].
    pub fn parse(field: &str, text: &str) -> Result<Sex> {
        [Sex::Female, Sex::Male, Sex::Unspecified]
            .into_iter()
            .find(|s| s.id() == text)
            .ok_or_else(|| Error::invalid(field, "must be female, male or unspecified"))
    }
}

/// The relapse definition sets a care team may choose (clinical-rules §6).
pub const DEFINITION_SETS: [&str; 3] = ["ipna2022", "kdigo2025", "kdigo2012"];

/// A new patient profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPatient {
    /// The name the family sees in the app (never written to logs or error messages).
    pub display_name: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Sex.
    pub sex: Sex,
    /// IANA time zone in which dosing times are read, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// Relapse definition set: `ipna2022` (default), `kdigo2025` or `kdigo2012`.
    pub definition_set: String,
}

/// A stored patient profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    /// Row id.
    pub id: PatientId,
    /// The patient's globally unique id ([`GlobalId`]).
    pub global_id: GlobalId,
    /// The profile as entered.
    pub profile: NewPatient,
}

/// A weight and/or height measured on a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Row id (0 before it is stored).
    pub id: MeasurementId,
    /// Its globally unique id ([`GlobalId`]; nil before it is stored).
    #[serde(default)]
    pub global_id: GlobalId,
    /// Local date of the measurement.
    pub measured_on: NaiveDate,
    /// Weight in kg, if measured.
    pub weight_kg: Option<f64>,
    /// Height in cm, if measured.
    pub height_cm: Option<f64>,
    /// The family confirmed the values after the app asked (clinical-rules §10): a value that
    /// is implausible for this child is refused with [`Error::NeedsConfirmation`] until it is
    /// sent again with `confirmed` set. Stored with the record; one flag confirms both values.
    #[serde(default)]
    pub confirmed: bool,
}

/// What the care team prescribes for a drug.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRegimen {
    /// The drug.
    pub drug: Drug,
    /// Pharmaceutical form, e.g. `capsule` or `dispersible tablet`.
    pub form: String,
    /// Available unit strengths in mg.
    pub strengths_mg: Vec<f64>,
    /// Whether a unit may be split in half.
    pub allow_split: bool,
    /// The prescribed daily rate.
    pub rate: DoseRate,
    /// Local dosing times, one per dose (BID default 08:00 and 20:00).
    pub times: Vec<NaiveTime>,
    /// First day of the regimen.
    pub start_date: NaiveDate,
    /// Last day, if the regimen has one.
    pub end_date: Option<NaiveDate>,
    /// Who prescribed it (a clinician's name or role as the family entered it).
    pub prescribed_by: String,
    /// When it was prescribed.
    pub prescribed_on: NaiveDate,
    /// The care team accepts a rate outside the protocol range.
    pub override_range: bool,
}

impl NewRegimen {
    /// The dose of this prescription on `weight_kg` (clinical-rules §3): its rate (with the
    /// height of a mg/m² rate already resolved), one dose per dosing time, its strengths and
    /// splitting. `override_range` is the care team's acceptance of a rate outside the protocol
    /// range: the prescription's own when it is prescribed, always for one already stored.
    pub fn dose_on(&self, weight_kg: f64, override_range: bool) -> Result<DoseResult> {
        calculate_dose(&DoseRequest {
            drug: self.drug,
            weight_kg,
            rate: self.rate,
            doses_per_day: self.times.len() as u32,
            strengths_mg: self.strengths_mg.clone(),
            allow_split: self.allow_split,
            override_range,
            liquid: None,
        })
    }
}

/// A stored regimen with the dose calculated on the weight in effect at its start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regimen {
    /// Row id.
    pub id: RegimenId,
    /// Its globally unique id ([`GlobalId`]).
    pub global_id: GlobalId,
    /// Patient row id.
    pub patient_id: PatientId,
    /// The prescription as entered.
    pub prescription: NewRegimen,
    /// Weight the dose was calculated on.
    pub weight_kg: f64,
    /// The calculated dose.
    pub dose: DoseResult,
}

impl Regimen {
    /// A regimen read back from the diary: its dose is recalculated from the stored
    /// prescription and weight (one source of truth), the stored rate accepted as it was when
    /// prescribed. A stored value the dose engine refuses makes the row unreadable.
    pub fn from_stored(
        id: RegimenId,
        global_id: GlobalId,
        patient_id: PatientId,
        prescription: NewRegimen,
        weight_kg: f64,
    ) -> Result<Regimen> {
        let dose = prescription.dose_on(weight_kg, true)?;
        Ok(Regimen {
            id,
            global_id,
            patient_id,
            prescription,
            weight_kg,
            dose,
        })
    }

    /// Whether the regimen is active on a local date.
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        let p = &self.prescription;
        p.start_date <= date && p.end_date.is_none_or(|end| date <= end)
    }
}

/// Whether a scheduled dose was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DoseOutcome {
    /// The dose was given.
    Taken,
    /// The dose was deliberately not given.
    Skipped,
}

impl DoseOutcome {
    /// The identifier stored in the database.
    pub fn id(self) -> &'static str {
        match self {
            DoseOutcome::Taken => "taken",
            DoseOutcome::Skipped => "skipped",
        }
    }

    /// Parses [`DoseOutcome::id`].
    pub fn parse(field: &str, text: &str) -> Result<DoseOutcome> {
        match text {
            "taken" => Ok(DoseOutcome::Taken),
            "skipped" => Ok(DoseOutcome::Skipped),
            _ => Err(Error::invalid(field, "must be taken or skipped")),
        }
    }
}

/// What a scheduled dose belongs to: a regimen (tacrolimus, MMF), a steroid course calendar or
/// any other medicine: the typed medication reference of the core's API. Written (Display,
/// FromStr, serde) `regimen-<id>`, `course-<key>` or `medicine-<id>`: the same text names the
/// medication in reminder ids, which the phones keep, and in policy keys, which the diary
/// stores, so it never changes (a test pins it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MedicationId {
    /// A regimen by row id.
    Regimen(RegimenId),
    /// A steroid course by its stable key (the same across its versions).
    Course(String),
    /// Any other medicine by row id (clinical-rules §12).
    Medicine(MedicineId),
}

impl MedicationId {
    /// Parses `regimen-<id>`, `course-<key>` or `medicine-<id>`, naming `field` when the text
    /// is none of them.
    pub fn parse(field: &str, text: &str) -> Result<MedicationId> {
        text.parse().map_err(|_: ParseMedicationIdError| {
            Error::invalid(field, ParseMedicationIdError::REASON)
        })
    }

    /// Parses an optional medication id ([`MedicationId::parse`]); none stays none.
    pub fn parse_optional(field: &str, text: Option<&str>) -> Result<Option<MedicationId>> {
        text.map(|text| MedicationId::parse(field, text))
            .transpose()
    }
}

/// Text that is not a medication reference (`regimen-<number>`, `course-<key>` or
/// `medicine-<number>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseMedicationIdError;

impl ParseMedicationIdError {
    const REASON: &'static str = "must be regimen-<number>, course-<key> or medicine-<number>";
}

impl std::fmt::Display for ParseMedicationIdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(Self::REASON)
    }
}

impl std::error::Error for ParseMedicationIdError {}

impl std::str::FromStr for MedicationId {
    type Err = ParseMedicationIdError;

    fn from_str(text: &str) -> std::result::Result<MedicationId, ParseMedicationIdError> {
        if let Some(id) = text.strip_prefix("medicine-") {
            if let Ok(id) = id.parse::<i64>() {
                return Ok(MedicationId::Medicine(id.into()));
            }
        }
        if let Some(id) = text.strip_prefix("regimen-") {
            if let Ok(id) = id.parse::<i64>() {
                return Ok(MedicationId::Regimen(id.into()));
            }
        }
        if let Some(key) = text.strip_prefix("course-") {
            let valid = !key.is_empty()
                && key.len() <= 64
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if valid {
                return Ok(MedicationId::Course(key.to_string()));
            }
        }
        Err(ParseMedicationIdError)
    }
}

/// Its text, for the schedule engine, which names medications by any text (conformance cases
/// use their own).
impl From<MedicationId> for String {
    fn from(medication: MedicationId) -> String {
        medication.to_string()
    }
}

/// Serialised as its text (`regimen-3`), the form every other place writes.
impl Serialize for MedicationId {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MedicationId {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for MedicationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MedicationId::Regimen(id) => write!(f, "regimen-{id}"),
            MedicationId::Course(key) => write!(f, "course-{key}"),
            MedicationId::Medicine(id) => write!(f, "medicine-{id}"),
        }
    }
}

/// A dose to log for a scheduled slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDoseLog {
    /// Client-generated id (e.g. a UUID made when the button was pressed): logging the same
    /// id again (a double tap, a retry) stores the dose once.
    pub client_id: String,
    /// The regimen or steroid course the dose belongs to.
    pub medication: MedicationId,
    /// Local date of the scheduled slot.
    pub slot_date: NaiveDate,
    /// Local time of the scheduled slot.
    pub slot_time: NaiveTime,
    /// Taken or skipped.
    pub outcome: DoseOutcome,
    /// When it was actually given (or decided to skip), UTC epoch ms.
    pub actual_at_ms: EpochMillis,
    /// Who logged it, e.g. `mother`.
    pub logged_by: String,
    /// The family's free-text note ("spat out half, gave again"): at most 500 characters; shown
    /// in identified exports, never in de-identified ones. A blank note is none.
    pub note: Option<String>,
}

impl NewDoseLog {
    /// A dose log with what every log has; optional details are added with the `with_` methods.
    pub fn new(
        client_id: String,
        medication: MedicationId,
        slot_date: NaiveDate,
        slot_time: NaiveTime,
        outcome: DoseOutcome,
        actual_at_ms: EpochMillis,
        logged_by: String,
    ) -> Self {
        NewDoseLog {
            client_id,
            medication,
            slot_date,
            slot_time,
            outcome,
            actual_at_ms,
            logged_by,
            note: None,
        }
    }

    /// The same log with the family's note.
    pub fn with_note(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }
}

/// The current state of a logged dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseLogEntry {
    /// The dose as last logged or edited.
    pub dose: NewDoseLog,
    /// The logged dose's globally unique id ([`GlobalId`]), made when it was first logged and
    /// kept through every edit and undo: the record's identity, not its revision's (a revision
    /// is named by this id and `revision`).
    pub global_id: GlobalId,
    /// Revision number: 1 when first logged, +1 per edit or undo.
    pub revision: i64,
    /// Whether the log was undone (kept in history, no longer counted).
    pub undone: bool,
    /// When this revision was recorded, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
}

/// A change to a logged dose; the previous revision stays in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseEdit {
    /// New outcome.
    pub outcome: DoseOutcome,
    /// New actual time, UTC epoch ms.
    pub actual_at_ms: EpochMillis,
    /// Who made the change.
    pub edited_by: String,
    /// The family's note: none keeps the current note; a text replaces it (at most 500
    /// characters), and a blank text removes it. An edit of only the note is a revision.
    #[serde(default)]
    pub note: Option<String>,
}

impl DoseEdit {
    /// An edit of a dose's outcome and time by `edited_by`, keeping its note (add one with
    /// [`DoseEdit::with_note`]).
    pub fn new(
        outcome: DoseOutcome,
        actual_at_ms: EpochMillis,
        edited_by: impl Into<String>,
    ) -> Self {
        DoseEdit {
            outcome,
            actual_at_ms,
            edited_by: edited_by.into(),
            note: None,
        }
    }

    /// The same edit with the family's note (none keeps the current one).
    pub fn with_note(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }
}

/// Refuses a date outside the hard bounds of clinical-rules §10 (1900-01-01 to 2200-12-31),
/// naming the field: [`crate::bounds::date`], the one place the bound lives. Every stored date
/// goes through it (stored dates are `YYYY-MM-DD` text, which also needs a four-digit year).
pub fn require_storable_date(field: &str, date: NaiveDate) -> Result<NaiveDate> {
    crate::bounds::date(field, date)
}

/// Refuses empty or over-long free text (names, roles), naming the field.
pub fn require_text(field: &str, text: &str, max_chars: usize) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts are stored (policy keys, dose logs read back) and are the prefix of every
    /// reminder id the phones keep: they must never change.
    #[test]
    fn medication_references_keep_their_exact_texts() {
        let pinned = [
            (MedicationId::Regimen(RegimenId::from(3)), "regimen-3"),
            (MedicationId::Course("p1_c1".into()), "course-p1_c1"),
            (MedicationId::Medicine(MedicineId::from(12)), "medicine-12"),
        ];
        for (medication, text) in pinned {
            assert_eq!(medication.to_string(), text);
            assert_eq!(String::from(medication.clone()), text);
            assert_eq!(text.parse::<MedicationId>(), Ok(medication.clone()));
            assert_eq!(
                MedicationId::parse("medication_id", text).unwrap(),
                medication
            );
            assert_eq!(
                serde_json::to_string(&medication).unwrap(),
                format!("\"{text}\"")
            );
            let back: MedicationId = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(back, medication);
        }
        assert_eq!(
            crate::schedule::reminder_id(
                &MedicationId::Course("p1_c1".into()).to_string(),
                NaiveDate::from_ymd_opt(2025, 6, 11).unwrap(),
                NaiveTime::from_hms_opt(8, 0, 0).unwrap()
            ),
            "course-p1_c1@2025-06-11T08:00"
        );
    }

    #[test]
    fn text_that_is_no_medication_reference_is_refused_naming_the_field() {
        for bad in [
            "",
            "regimen-",
            "regimen-x",
            "medicine-1.5",
            "course-",
            "course-p1-c1",
            "course-p1 c1",
            "tacrolimus",
            "Regimen-3",
        ] {
            assert_eq!(
                bad.parse::<MedicationId>(),
                Err(ParseMedicationIdError),
                "{bad}"
            );
            let err = MedicationId::parse("medication_id", bad).unwrap_err();
            assert!(err.to_string().contains("medication_id"), "{err}");
            assert!(serde_json::from_str::<MedicationId>(&format!("\"{bad}\"")).is_err());
        }
        let long_key = format!("course-{}", "k".repeat(65));
        assert!(long_key.parse::<MedicationId>().is_err());
    }

    #[test]
    fn an_optional_medication_id_is_none_or_read_naming_its_field() {
        assert_eq!(
            MedicationId::parse_optional("medication_id", None).unwrap(),
            None
        );
        assert_eq!(
            MedicationId::parse_optional("medication_id", Some("regimen-4")).unwrap(),
            Some(MedicationId::Regimen(RegimenId::from(4)))
        );
        let refused = MedicationId::parse_optional("medication_id", Some("tacrolimus"));
        assert_eq!(crate::test_support::refused_field(refused), "medication_id");
    }
}

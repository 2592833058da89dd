//! Identities of stored records.
//!
//! Every record has a local key (its row id, unique in one diary file) and a [`GlobalId`],
//! unique everywhere: two phones that keep diaries of the same child write records whose global
//! ids never collide, so their records can meet (a shared-care copy, a merge) without a
//! renumbering. The global id is made once, when the record is first stored, and never changes.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::{NoContext, Timestamp, Uuid};

use crate::error::{Error, Result};
use crate::model::EpochMillis;

/// The largest instant a UUID version 7 can carry: its timestamp is 48 bits of milliseconds
/// (RFC 9562 §5.7), which reaches the year 10889.
const MAX_V7_MILLIS: u64 = (1 << 48) - 1;

/// A record's globally unique id: a UUID version 7 (RFC 9562 §5.7), whose first 48 bits are
/// the instant the record was first stored and whose other 74 bits (but for version and variant)
/// are random from the OS. Time-ordered, so the diary's index of them grows at its end as
/// records are added; random enough that two diaries written apart never make the same one.
///
/// Identity across changes: a dose log entry, a urine reading and a lab result keep their
/// global id through every revision (a correction, an undo, a retraction); a revision is named
/// everywhere by the record's global id and its revision number, which is unique per record. A
/// steroid course keeps one global id across all its versions in the same way (with the version
/// number). So a revision has no id of its own: it is a state of the record that has the id.
///
/// Written as the 36-character lowercase hyphenated form (`0190f1a2-…`) in text, the FFI,
/// serialised records and the diary file (see `store::schema` for why text). The nil id (all zeros) stands for "not stored
/// yet" in a record given to the store as input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct GlobalId(Uuid);

impl GlobalId {
    /// A new id for a record first stored at `recorded_at_ms` (UTC epoch ms; clamped to what a
    /// version 7 UUID can carry, 1970 to the year 10889).
    pub fn new_at(recorded_at_ms: EpochMillis) -> GlobalId {
        let ms = u64::try_from(recorded_at_ms)
            .unwrap_or(0)
            .min(MAX_V7_MILLIS);
        let nanos = ((ms % 1000) * 1_000_000) as u32;
        GlobalId(Uuid::new_v7(Timestamp::from_unix(
            NoContext,
            ms / 1000,
            nanos,
        )))
    }

    /// The nil id (all zeros): a record not stored yet.
    pub const fn nil() -> GlobalId {
        GlobalId(Uuid::nil())
    }

    /// Whether this is the nil id of a record not stored yet.
    pub fn is_nil(&self) -> bool {
        self.0.is_nil()
    }

    /// The instant in the id, UTC epoch ms (the record's first storing).
    pub fn recorded_at_ms(&self) -> Option<EpochMillis> {
        let (seconds, nanos) = self.0.get_timestamp()?.to_unix();
        Some(seconds as EpochMillis * 1000 + EpochMillis::from(nanos / 1_000_000))
    }

    /// Parses the hyphenated text form, naming `field` when it is not a version 7 UUID.
    pub fn parse(field: &str, text: &str) -> Result<GlobalId> {
        text.parse()
            .map_err(|_: ParseGlobalIdError| Error::invalid(field, ParseGlobalIdError::REASON))
    }
}

impl fmt::Display for GlobalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

/// Text that is not a global id (a hyphenated version 7 UUID, or the nil UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseGlobalIdError;

impl ParseGlobalIdError {
    const REASON: &'static str = "must be a version 7 UUID in its hyphenated form";
}

impl fmt::Display for ParseGlobalIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::REASON)
    }
}

impl std::error::Error for ParseGlobalIdError {}

impl FromStr for GlobalId {
    type Err = ParseGlobalIdError;

    fn from_str(text: &str) -> std::result::Result<GlobalId, ParseGlobalIdError> {
        // The one form the app writes: hyphenated, lowercase (as stored, so text compares).
        if text.len() != 36 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(ParseGlobalIdError);
        }
        let uuid = Uuid::try_parse(text).map_err(|_| ParseGlobalIdError)?;
        if uuid.is_nil() || uuid.get_version_num() == 7 {
            Ok(GlobalId(uuid))
        } else {
            Err(ParseGlobalIdError)
        }
    }
}

impl Serialize for GlobalId {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GlobalId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Stored as its lowercase hyphenated text, which sorts in time order like the id.
impl ToSql for GlobalId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for GlobalId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<GlobalId> {
        value
            .as_str()?
            .parse()
            .map_err(|e: ParseGlobalIdError| FromSqlError::Other(Box::new(e)))
    }
}

/// A row id: the local key of a record in one diary file (see [`GlobalId`] for the key that
/// is unique everywhere). A distinct type per table, so that a patient's id cannot be passed
/// where a regimen's is asked for; `i64` underneath (`From`, [`Self::get`]), written as the
/// number (Display, serde, SQL).
macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        #[repr(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The row id as a number (0 before the record is stored, where a record has one).
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<$name> {
                i64::column_result(value).map($name)
            }
        }

        // Across the FFI the id is the number (`Long` in Kotlin, `Int64` in Swift).
        #[cfg(feature = "uniffi")]
        uniffi::custom_type!($name, i64, {
            lower: |id| id.0,
            try_lift: |id| Ok($name(id)),
        });
    };
}

row_id!(
    /// A patient's row id.
    PatientId
);
row_id!(
    /// A regimen's row id (written `regimen-<id>` as a [`crate::model::MedicationId`]).
    RegimenId
);
row_id!(
    /// A medicine's row id (clinical-rules §12; written `medicine-<id>` as a
    /// [`crate::model::MedicationId`]).
    MedicineId
);
row_id!(
    /// A weight and/or height measurement's row id.
    MeasurementId
);
row_id!(
    /// A blood-pressure reading's row id.
    BloodPressureId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_global_id_carries_its_record_time_and_reads_back_from_text() {
        let id = GlobalId::new_at(1_748_764_800_123);
        assert_eq!(id.recorded_at_ms(), Some(1_748_764_800_123));
        assert_eq!(id.0.get_version_num(), 7);
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text, text.to_lowercase());
        assert_eq!(text.parse::<GlobalId>(), Ok(id));
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        let back: GlobalId = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(back, id);
        // Two ids of the same millisecond differ (74 random bits) and sort after an earlier one.
        let twin = GlobalId::new_at(1_748_764_800_123);
        assert_ne!(twin, id);
        assert!(GlobalId::new_at(1_748_764_800_122) < id.min(twin));
    }

    #[test]
    fn a_row_id_is_its_number_in_text_serde_and_sql() {
        let id = PatientId::from(42);
        assert_eq!(
            (id.get(), i64::from(id), id.to_string()),
            (42, 42, "42".into())
        );
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(
            serde_json::from_str::<RegimenId>("7").unwrap(),
            RegimenId::from(7)
        );
        assert_eq!(MeasurementId::default().get(), 0);
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let back: MedicineId = conn
            .query_row("SELECT ?1 + 1", [MedicineId::from(9)], |r| r.get(0))
            .unwrap();
        assert_eq!(back, MedicineId::from(10));
        let text: Result<BloodPressureId, _> = conn.query_row("SELECT 'x'", [], |r| r.get(0));
        assert!(text.is_err(), "a row id is an integer");
    }

    #[test]
    fn times_a_v7_id_cannot_carry_are_clamped() {
        assert_eq!(GlobalId::new_at(-5).recorded_at_ms(), Some(0));
        assert_eq!(
            GlobalId::new_at(i64::MAX).recorded_at_ms(),
            Some(MAX_V7_MILLIS as i64)
        );
    }

    #[test]
    fn text_that_is_not_a_v7_uuid_is_refused_naming_the_field() {
        for bad in [
            "",
            "not-a-uuid",
            // Version 4.
            "6f1c2a8e-3b5d-4c7e-9a1b-2c3d4e5f6a7b",
            // Unhyphenated v7.
            "0190f1a23b5d7c7e9a1b2c3d4e5f6a7b",
            "{0190f1a2-3b5d-7c7e-9a1b-2c3d4e5f6a7b}",
            "0190F1A2-3B5D-7C7E-9A1B-2C3D4E5F6A7B",
        ] {
            assert_eq!(bad.parse::<GlobalId>(), Err(ParseGlobalIdError), "{bad}");
            let err = GlobalId::parse("global_id", bad).unwrap_err();
            assert!(err.to_string().contains("global_id"), "{err}");
        }
        assert_eq!(
            "0190f1a2-3b5d-7c7e-9a1b-2c3d4e5f6a7b"
                .parse::<GlobalId>()
                .unwrap()
                .to_string(),
            "0190f1a2-3b5d-7c7e-9a1b-2c3d4e5f6a7b"
        );
    }
}

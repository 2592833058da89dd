//! The one public error of the FFI.

use nephro_core::Error;

/// Why a call was refused. Messages never contain personal data.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum NephroError {
    /// An input field is missing, malformed or outside what the rules accept; nothing changed.
    #[error("invalid {field}: {reason}")]
    Validation {
        /// The field at fault, e.g. `weight_kg`.
        field: String,
        /// Why, in plain words.
        reason: String,
    },
    /// A requested dose rate is outside the protocol range; the care team must mark an override.
    #[error("{detail}")]
    DoseOutOfRange {
        /// What was requested and the range.
        detail: String,
    },
    /// A record named by the call does not exist.
    #[error("{detail}")]
    NotFound {
        /// What was not found.
        detail: String,
    },
    /// The call contradicts what is stored (e.g. a dose already logged for this slot).
    #[error("{detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
    },
    /// The database file was damaged; it was kept at `moved_to`. Open the diary again to start
    /// a new one, and tell the family their old file is kept.
    #[error("the database file was damaged and has been kept aside at {moved_to}")]
    CorruptDatabase {
        /// Where the damaged file was moved.
        moved_to: String,
    },
    /// The storage failed (disk full, file locked, written by a newer app…).
    #[error("{detail}")]
    Storage {
        /// What failed.
        detail: String,
    },
}

impl From<Error> for NephroError {
    fn from(e: Error) -> Self {
        let detail = e.to_string();
        match e {
            Error::Invalid { field, reason } => NephroError::Validation { field, reason },
            Error::DoseOutOfRange { .. } => NephroError::DoseOutOfRange { detail },
            Error::NotFound { .. } => NephroError::NotFound { detail },
            Error::Conflict(_) => NephroError::Conflict { detail },
            Error::CorruptDatabase { moved_to } => NephroError::CorruptDatabase {
                moved_to: moved_to.display().to_string(),
            },
            Error::NewerSchema { .. } | Error::Sqlite(_) | Error::Io(_) => {
                NephroError::Storage { detail }
            }
        }
    }
}

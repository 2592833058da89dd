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
    /// A requested dose rate is outside the protocol range, or the requested daily dose is above
    /// the drug's daily maximum (tacrolimus 10 mg/day, clinical-rules §10); the care team must
    /// mark an override.
    #[error("{detail}")]
    DoseOutOfRange {
        /// What was requested and the range.
        detail: String,
    },
    /// A liquid dose cannot be measured with the family's oral syringe (clinical-rules §12): less
    /// than one mark, or rounding to the marks moves the dose by more than 10 %. Tell the family to
    /// ask their pharmacist for a different strength.
    #[error("{detail}")]
    NotMeasurable {
        /// Why, in plain words.
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
    /// The diary file is damaged and was kept at `kept_at` for recovery (never deleted). When it
    /// was found on opening, it was moved aside and opening the path again starts a new diary;
    /// when it was met later, the file stays where it is and every write is refused. Tell the
    /// family their old file is kept.
    #[error("the diary file is damaged; it was kept for recovery and nothing was deleted")]
    CorruptDatabase {
        /// Where the damaged file lives now.
        kept_at: String,
    },
    /// The file is not a NephroDiary diary (another app's database, a text file); it was left
    /// untouched. Choose another path.
    #[error("the file is not a NephroDiary diary: {reason}")]
    NotADiary {
        /// Why, in plain words.
        reason: String,
    },
    /// The diary was written by a newer release of the app: update the app. It was left
    /// untouched.
    #[error("the diary was written by a newer release (schema {found}, this one reads up to {supported}); update the app")]
    NewerSchema {
        /// The diary's schema version.
        found: i64,
        /// The newest version this release reads.
        supported: i64,
    },
    /// The diary's schema version is one no release wrote (negative, or zero with tables): the
    /// file was left untouched.
    #[error("the diary has schema version {found}, which no release of the app wrote")]
    UnknownSchema {
        /// The version found.
        found: i64,
    },
    /// The diary is of an earlier version and its upgrade failed (its tables are not what that
    /// version's were): the file was left untouched; it may be restored from a backup.
    #[error("the diary has schema version {from_version} and could not be upgraded")]
    UpgradeFailed {
        /// The version found.
        from_version: i64,
    },
    /// The diary is open read-only (a read-only volume); reads work, nothing was written.
    #[error("the diary is open read-only; nothing was written")]
    ReadOnly,
    /// A value is implausible for this child (e.g. a weight 20 % from the previous one): ask the
    /// family ("20.0 or 200 kg?") and send it again marked as confirmed. Nothing was stored.
    #[error("{field} needs confirmation ({check}): {reason}")]
    NeedsConfirmation {
        /// The field at fault, e.g. `weight_kg`.
        field: String,
        /// Which check failed, e.g. `weight_change`, `height_decrease`, `weight_for_age`.
        check: String,
        /// Why, in plain words.
        reason: String,
    },
    /// A dipstick photo cannot be read as it is (clinical-rules §13): `problem` says why (too
    /// early or late, overexposed, too dark, a patch too uneven) and what to ask of the family.
    /// Nothing is suggested; offer a new photo or a reading by eye.
    #[error("{detail}")]
    Photo {
        /// Why, with the figures the shell needs (seconds, the window, the patch, the share).
        problem: crate::dipstick::PhotoProblem,
        /// The same in plain words.
        detail: String,
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
            Error::DoseOutOfRange { .. }
            | Error::DailyMaximumExceeded { .. }
            | Error::CumulativeDoseExceeded { .. } => NephroError::DoseOutOfRange { detail },
            Error::NotMeasurable { .. } => NephroError::NotMeasurable { detail },
            Error::NotFound { .. } => NephroError::NotFound { detail },
            Error::Conflict(_) => NephroError::Conflict { detail },
            Error::CorruptDatabase { kept_at } => NephroError::CorruptDatabase {
                kept_at: kept_at.display().to_string(),
            },
            Error::NotADiary { reason } => NephroError::NotADiary { reason },
            Error::ReadOnly => NephroError::ReadOnly,
            Error::NeedsConfirmation {
                field,
                check,
                reason,
            } => NephroError::NeedsConfirmation {
                field,
                check,
                reason,
            },
            Error::NewerSchema { found, supported } => {
                NephroError::NewerSchema { found, supported }
            }
            Error::UnknownSchema { found } => NephroError::UnknownSchema { found },
            Error::UpgradeFailed { from_version } => NephroError::UpgradeFailed { from_version },
            Error::Photo(problem) => NephroError::Photo {
                problem: problem.into(),
                detail,
            },
            Error::Sqlite(_) | Error::Io(_) => NephroError::Storage { detail },
        }
    }
}

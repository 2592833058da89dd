//! The one public error of the FFI.

use nephro_core::error::ConflictKind as CoreConflictKind;
use nephro_core::Error;

/// Which dose limit a request crossed ([`NephroError::DoseOutOfRange`]).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum DoseLimit {
    /// The requested rate is outside the protocol range (clinical-rules §1 and §3).
    ProtocolRange {
        /// The requested rate in mg/kg/day (for a mg/m² request, rate × BSA ÷ weight).
        requested_mg_per_kg_per_day: f64,
        /// Lower bound of the range, inclusive.
        min_mg_per_kg_per_day: f64,
        /// Upper bound of the range, inclusive.
        max_mg_per_kg_per_day: f64,
    },
    /// The requested daily dose is above the drug's daily maximum (clinical-rules §10). The
    /// requested amount is not given: it comes from the child's weight.
    DailyMaximum {
        /// The drug's daily maximum in mg/day.
        max_mg_per_day: f64,
    },
    /// A planned course would take the cumulative dose above the drug's lifetime limit
    /// (cyclophosphamide 168 mg/kg, clinical-rules §12).
    CumulativeLimit {
        /// The cumulative limit in mg/kg.
        limit_mg_per_kg: f64,
    },
}

/// What kind of contradiction a [`NephroError::Conflict`] is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ConflictKind {
    /// The client id was already used for a different record of the same kind (a retry of the
    /// same submission is accepted, not a different one under the same id).
    ClientIdReused,
    /// The dose's slot already has a live log: edit or undo that entry instead.
    AlreadyLogged,
    /// The record was undone or retracted, so it cannot be changed; log it again.
    Retracted,
    /// The record is already undone or retracted.
    AlreadyRetracted,
    /// The change was based on an earlier version of the record: reload it and decide again.
    StaleVersion {
        /// The version the change was based on.
        based_on_version: i64,
        /// The record's latest version.
        latest_version: i64,
    },
    /// No unused key is left for a new record.
    NoFreeKey,
}

impl From<CoreConflictKind> for ConflictKind {
    fn from(kind: CoreConflictKind) -> Self {
        match kind {
            CoreConflictKind::ClientIdReused => ConflictKind::ClientIdReused,
            CoreConflictKind::AlreadyLogged => ConflictKind::AlreadyLogged,
            CoreConflictKind::Retracted => ConflictKind::Retracted,
            CoreConflictKind::AlreadyRetracted => ConflictKind::AlreadyRetracted,
            CoreConflictKind::StaleVersion {
                based_on_version,
                latest_version,
            } => ConflictKind::StaleVersion {
                based_on_version,
                latest_version,
            },
            CoreConflictKind::NoFreeKey => ConflictKind::NoFreeKey,
        }
    }
}

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
    /// mark an override. `limit` says which, with its figures.
    #[error("{detail}")]
    DoseOutOfRange {
        /// The drug's identifier, e.g. `tacrolimus`.
        drug: String,
        /// Which limit the request crossed, with the limit's figures.
        limit: DoseLimit,
        /// The same in plain words.
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
    /// The call contradicts what is stored (e.g. a dose already logged for this slot); nothing
    /// changed. Branch on `kind`.
    #[error("{detail}")]
    Conflict {
        /// What kind of contradiction.
        kind: ConflictKind,
        /// The kind of record: `dose_log`, `urine_reading`, `lab_result`, `blood_pressure` or
        /// `steroid_course`.
        record: String,
        /// The same in plain words.
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
    /// One step of the diary's schema upgrade failed as it ran (its statements failed, or it
    /// would have broken references between rows): the step was rolled back and the diary stays
    /// at `from_version`. It may be restored from a backup.
    #[error("the diary could not be upgraded from schema version {from_version} to {to_version}")]
    MigrationFailed {
        /// The version the failed step started from.
        from_version: i64,
        /// The version the step would have reached.
        to_version: i64,
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
            Error::DoseOutOfRange {
                drug,
                requested,
                min,
                max,
            } => NephroError::DoseOutOfRange {
                drug: drug.into(),
                limit: DoseLimit::ProtocolRange {
                    requested_mg_per_kg_per_day: requested,
                    min_mg_per_kg_per_day: min,
                    max_mg_per_kg_per_day: max,
                },
                detail,
            },
            Error::DailyMaximumExceeded {
                drug,
                max_mg_per_day,
            } => NephroError::DoseOutOfRange {
                drug: drug.into(),
                limit: DoseLimit::DailyMaximum { max_mg_per_day },
                detail,
            },
            Error::CumulativeDoseExceeded { limit_mg_per_kg } => NephroError::DoseOutOfRange {
                drug: "cyclophosphamide".into(),
                limit: DoseLimit::CumulativeLimit { limit_mg_per_kg },
                detail,
            },
            Error::NotMeasurable { .. } => NephroError::NotMeasurable { detail },
            Error::NotFound { .. } => NephroError::NotFound { detail },
            Error::Conflict { kind, record } => NephroError::Conflict {
                kind: kind.into(),
                record: record.into(),
                detail,
            },
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
            Error::MigrationFailed {
                from_version,
                to_version,
            } => NephroError::MigrationFailed {
                from_version,
                to_version,
            },
            Error::Photo(problem) => NephroError::Photo { problem, detail },
            Error::Sqlite(_) | Error::Io(_) => NephroError::Storage { detail },
        }
    }
}

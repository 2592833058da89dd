//! The core's error type.
//!
//! Messages name fields and reasons, never values a family typed (names, notes): they reach
//! logs and crash reports. The bindings map this rich type to one small public error.

use std::path::PathBuf;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field of the input is missing, malformed or outside what the rules accept.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The input field at fault, e.g. `weight_kg` or `readings[3].unit`.
        field: String,
        /// Why it was refused, in plain words.
        reason: String,
    },
    /// A requested dose rate lies outside the protocol range and no override was given
    /// (clinical-rules §1 and §3, NCT04048161).
    #[error(
        "{drug} {requested} mg/kg/day is outside the protocol range {min}–{max} mg/kg/day; \
         the care team must mark an explicit override"
    )]
    DoseOutOfRange {
        /// The drug's identifier.
        drug: &'static str,
        /// The requested rate in mg/kg/day (for a mg/m² request, rate × BSA ÷ weight).
        requested: f64,
        /// Lower bound of the protocol range, inclusive.
        min: f64,
        /// Upper bound of the protocol range, inclusive.
        max: f64,
    },
    /// The requested daily dose (before rounding) is above the drug's daily maximum and no
    /// override was given (clinical-rules §10 "a daily maximum per drug", refused as in §3).
    /// The message names the drug and the maximum, never the requested amount (it comes from the
    /// child's weight).
    #[error(
        "{drug}: the requested daily dose is above the daily maximum of {max_mg_per_day} mg/day; \
         the care team must mark an explicit override"
    )]
    DailyMaximumExceeded {
        /// The drug's identifier.
        drug: &'static str,
        /// The drug's daily maximum in mg/day.
        max_mg_per_day: f64,
    },
    /// A liquid dose cannot be measured with the family's oral syringe (clinical-rules §12): the
    /// volume is below one graduation or rounds to 0 mL, or rounding to the graduation moves the
    /// dose by more than 10 %. The family is told to ask their pharmacist for a different strength.
    #[error("the dose cannot be measured with this liquid: {reason}; ask your pharmacist for a different strength")]
    NotMeasurable {
        /// Why, in plain words (never the dose itself).
        reason: String,
    },
    /// A planned cyclophosphamide course would take the cumulative dose above the 168 mg/kg
    /// lifetime limit (clinical-rules §12; IPNA 2022 Table 5) and the care team did not override.
    #[error(
        "cyclophosphamide: the planned course would take the cumulative dose above {limit_mg_per_kg} mg/kg; \
         the care team must mark an explicit override"
    )]
    CumulativeDoseExceeded {
        /// The cumulative limit in mg/kg.
        limit_mg_per_kg: f64,
    },
    /// A record the caller named does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of record, e.g. `patient`.
        entity: &'static str,
        /// The identifier that was looked up.
        id: String,
    },
    /// The request contradicts what is already stored (e.g. a client id reused for a different
    /// dose). Nothing was changed.
    #[error("conflict: {}", .kind.describe(.record))]
    Conflict {
        /// What kind of contradiction, for the app to branch on.
        kind: ConflictKind,
        /// The kind of record, as an identifier: `dose_log`, `urine_reading`, `lab_result`,
        /// `blood_pressure`, `steroid_course` or `medicine`.
        record: &'static str,
    },
    /// The database file was written by a newer version of the app.
    #[error("the database has schema version {found}, newer than this app's {supported}; update the app")]
    NewerSchema {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// The database file is damaged. It is kept for recovery, never deleted: a stamped diary
    /// found damaged when it is opened is moved aside to `kept_at` (`<file>.corrupt-<epoch ms>`)
    /// so that opening the path again starts a new diary; damage met after opening leaves the
    /// file where it is (`kept_at` is the diary's own path) and stops every further write.
    #[error("the diary file is damaged; it was kept for recovery and nothing was deleted")]
    CorruptDatabase {
        /// Where the damaged file now lives.
        kept_at: PathBuf,
    },
    /// The file is not a NephroDiary diary (another application's database, a text file, a
    /// directory); it was left exactly as it was.
    #[error("the file is not a NephroDiary diary: {reason}; it was left untouched")]
    NotADiary {
        /// Why the file was not recognised, in plain words.
        reason: String,
    },
    /// The diary's schema version is one no release of the app ever wrote (negative, zero with
    /// tables); the file was left untouched.
    #[error("the diary has schema version {found}, which no release of the app wrote; it was left untouched")]
    UnknownSchema {
        /// Version found in the file.
        found: i64,
    },
    /// The diary is of an earlier schema version whose upgrade to this build's failed (its
    /// tables are not what that version's were); the file was left untouched.
    #[error("the diary has schema version {from_version} and could not be upgraded; it was left untouched")]
    UpgradeFailed {
        /// The version found in the file.
        from_version: i64,
    },
    /// One step of the schema upgrade failed as it ran (its statements failed, or it would have
    /// broken references between rows); the step was rolled back, so the diary stays at
    /// `from_version`.
    #[error("the diary could not be upgraded from schema version {from_version} to {to_version}; nothing of that step was written")]
    MigrationFailed {
        /// The version the failed step started from.
        from_version: i64,
        /// The version the step would have reached.
        to_version: i64,
    },
    /// The diary was opened read-only (its volume or file cannot be written); nothing was written.
    #[error("the diary is open read-only; nothing was written")]
    ReadOnly,
    /// A value is plausible in itself but implausible for this child (clinical-rules §10): it is
    /// held until the caller confirms it. Nothing was stored.
    #[error("{field} needs confirmation ({check}): {reason}")]
    NeedsConfirmation {
        /// The input field at fault, e.g. `weight_kg`.
        field: String,
        /// Which check failed, as an identifier the app can branch on, e.g. `weight_change`.
        check: String,
        /// Why, in plain words (never the value itself).
        reason: String,
    },
    /// A dipstick photo cannot be read as it is (clinical-rules §13): too early or too late,
    /// overexposed, too dark, or a patch too uneven to trust. Its code is the problem's.
    #[error("{0}")]
    Photo(crate::dipstick::PhotoProblem),
    /// An SQLite error. Its message gives SQLite's reason, never the SQL text or a value.
    #[error("storage error: {}", sqlite_reason(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// A file-system error.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Shorthand for [`Error::Conflict`].
    pub fn conflict(kind: ConflictKind, record: &'static str) -> Self {
        Error::Conflict { kind, record }
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Whether this is SQLite reporting a damaged file (a malformed page, or a file that is no
    /// longer a database).
    pub fn is_corruption(&self) -> bool {
        match self {
            Error::Sqlite(e) => crate::store::is_corruption(e),
            Error::CorruptDatabase { .. } => true,
            _ => false,
        }
    }

    /// An identifier finer than the error's kind, safe for diagnostics (never a value, a name,
    /// a path or SQL): the conflict's kind, the field of an invalid input, the check of a
    /// confirmation, the photo problem, the drug of a dose limit, the entity not found,
    /// SQLite's result code or the file error's kind. `None` when the kind says it all.
    pub fn diagnostic_code(&self) -> Option<String> {
        match self {
            Error::Invalid { field, .. } => Some(field.clone()),
            Error::DoseOutOfRange { drug, .. } | Error::DailyMaximumExceeded { drug, .. } => {
                Some((*drug).to_string())
            }
            Error::CumulativeDoseExceeded { .. } => Some("cyclophosphamide".to_string()),
            Error::NotFound { entity, .. } => Some((*entity).to_string()),
            Error::Conflict { kind, .. } => Some(kind.id().to_string()),
            Error::NeedsConfirmation { check, .. } => Some(check.clone()),
            Error::Photo(problem) => Some(problem.code().to_string()),
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => Some(format!("{:?}", e.code)),
            // The variant's name only: the rest of rusqlite's error may hold a column's value.
            Error::Sqlite(e) => Some(
                format!("{e:?}")
                    .split(|c: char| !c.is_alphanumeric())
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
            Error::Io(e) => Some(format!("{:?}", e.kind())),
            Error::NewerSchema { .. }
            | Error::CorruptDatabase { .. }
            | Error::NotADiary { .. }
            | Error::UnknownSchema { .. }
            | Error::UpgradeFailed { .. }
            | Error::MigrationFailed { .. }
            | Error::NotMeasurable { .. }
            | Error::ReadOnly => None,
        }
    }

    /// The conformance error code of this error (`conformance.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid_input",
            Error::DoseOutOfRange { .. }
            | Error::DailyMaximumExceeded { .. }
            | Error::CumulativeDoseExceeded { .. } => "dose_out_of_range",
            Error::NotMeasurable { .. } => "not_measurable",
            Error::NotFound { .. } => "not_found",
            Error::Conflict { .. } => "conflict",
            Error::NeedsConfirmation { .. } => "needs_confirmation",
            Error::Photo(problem) => problem.code(),
            _ => "storage",
        }
    }
}

/// What kind of contradiction a [`Error::Conflict`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ConflictKind {
    /// The client id was already used for a different record of the same kind: a retry of the
    /// same submission is accepted, a different one under the same id is not.
    ClientIdReused,
    /// The dose's slot already has a live log: edit or undo that entry instead.
    AlreadyLogged,
    /// The record was undone or retracted, so it cannot be changed; log it again.
    Retracted,
    /// The record is already undone or retracted.
    AlreadyRetracted,
    /// The change was based on an earlier version of the record than its latest.
    StaleVersion {
        /// The version the change was based on.
        based_on_version: i64,
        /// The record's latest version.
        latest_version: i64,
    },
    /// No unused key is left for a new record.
    NoFreeKey,
}

impl ConflictKind {
    /// The kind as an identifier, e.g. `client_id_reused`.
    pub fn id(&self) -> &'static str {
        match self {
            ConflictKind::ClientIdReused => "client_id_reused",
            ConflictKind::AlreadyLogged => "already_logged",
            ConflictKind::Retracted => "retracted",
            ConflictKind::AlreadyRetracted => "already_retracted",
            ConflictKind::StaleVersion { .. } => "stale_version",
            ConflictKind::NoFreeKey => "no_free_key",
        }
    }

    /// The conflict in plain words, about a record of kind `record` (an identifier of
    /// [`Error::Conflict`]).
    fn describe(&self, record: &str) -> String {
        let noun = match record {
            "dose_log" => "dose",
            "urine_reading" => "urine reading",
            "lab_result" => "lab result",
            "blood_pressure" => "blood-pressure reading",
            "steroid_course" => "steroid course",
            other => other,
        };
        // A dose is undone and edited; a reading or a result is retracted and corrected.
        let (retracted, changed) = if record == "dose_log" {
            ("undone", "edited")
        } else {
            ("retracted", "corrected")
        };
        match self {
            ConflictKind::ClientIdReused => {
                format!("this client_id was already used for a different {noun}")
            }
            ConflictKind::AlreadyLogged => {
                format!("this {noun} is already logged; edit or undo that entry instead")
            }
            ConflictKind::Retracted => {
                format!("a {retracted} {noun} cannot be {changed}; log it again")
            }
            ConflictKind::AlreadyRetracted => format!("this {noun} is already {retracted}"),
            ConflictKind::StaleVersion {
                based_on_version,
                latest_version,
            } => format!(
                "the {noun} has changed since version {based_on_version}; its latest version is {latest_version}"
            ),
            ConflictKind::NoFreeKey => format!("no free {noun} key"),
        }
    }
}

/// SQLite's reason for an error, without the statement's text (a 2 KB SQL dump helps no one in
/// a message to a family, and a statement may hold values).
fn sqlite_reason(error: &rusqlite::Error) -> String {
    let reason = match error {
        // SQLite names the file in an open failure; a path may carry a child's name.
        rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::CannotOpen => {
            e.to_string()
        }
        rusqlite::Error::SqliteFailure(e, Some(message)) => format!("{e}: {message}"),
        rusqlite::Error::SqlInputError { error, msg, .. } => format!("{error}: {msg}"),
        other => other.to_string(),
    };
    // No reason of SQLite's is long; anything longer is cut rather than echoed whole.
    reason.chars().take(200).collect()
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_code_names_the_failure_never_the_data() {
        let io = Error::Io(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "/home/Mei Lin/diary.sqlite",
        ));
        assert_eq!(io.diagnostic_code().as_deref(), Some("PermissionDenied"));
        let busy = Error::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("INSERT INTO patient VALUES ('Mei Lin')".into()),
        ));
        assert_eq!(busy.diagnostic_code().as_deref(), Some("DatabaseBusy"));
        let conversion = Error::Sqlite(rusqlite::Error::InvalidColumnName("Mei Lin".into()));
        assert_eq!(
            conversion.diagnostic_code().as_deref(),
            Some("InvalidColumnName")
        );
        let stale = Error::conflict(
            ConflictKind::StaleVersion {
                based_on_version: 1,
                latest_version: 2,
            },
            "steroid_course",
        );
        assert_eq!(stale.diagnostic_code().as_deref(), Some("stale_version"));
        assert_eq!(
            stale.to_string(),
            "conflict: the steroid course has changed since version 1; its latest version is 2"
        );
        assert_eq!(
            Error::invalid("weight_kg", "must be positive")
                .diagnostic_code()
                .as_deref(),
            Some("weight_kg")
        );
    }
}

/// A failed call, as a diagnostics reporter sees it. It holds identifiers only, never a
/// value, a name, a note, a path or SQL, so it may go to logs and crash reports as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FailureReport {
    /// The call that failed, as the Rust method is named: `open`, `log_dose`, `home_screen`…
    pub operation: String,
    /// The error's variant as an identifier: `validation`, `dose_out_of_range`, `not_measurable`,
    /// `not_found`, `conflict`, `corrupt_database`, `not_a_diary`, `newer_schema`,
    /// `unknown_schema`, `upgrade_failed`, `migration_failed`, `read_only`,
    /// `needs_confirmation`, `photo` or `storage`.
    pub error: String,
    /// A finer identifier where the error has one: the conflict's kind (`client_id_reused`),
    /// the field of a validation error (`weight_kg`), the check of a confirmation, the photo
    /// problem, the drug of a dose limit, the entity not found, SQLite's result code
    /// (`DatabaseBusy`, `DiskFull`) or the file error's kind (`PermissionDenied`).
    pub code: Option<String>,
}

impl Error {
    /// The report of `operation` failing with this error: identifiers only.
    pub fn failure_report(&self, operation: &str) -> FailureReport {
        FailureReport {
            operation: operation.to_string(),
            error: self.variant_id().to_string(),
            code: self.diagnostic_code(),
        }
    }

    /// The variant of the FFI's error this error becomes, as an identifier.
    fn variant_id(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "validation",
            Error::DoseOutOfRange { .. }
            | Error::DailyMaximumExceeded { .. }
            | Error::CumulativeDoseExceeded { .. } => "dose_out_of_range",
            Error::NotMeasurable { .. } => "not_measurable",
            Error::NotFound { .. } => "not_found",
            Error::Conflict { .. } => "conflict",
            Error::CorruptDatabase { .. } => "corrupt_database",
            Error::NotADiary { .. } => "not_a_diary",
            Error::NewerSchema { .. } => "newer_schema",
            Error::UnknownSchema { .. } => "unknown_schema",
            Error::UpgradeFailed { .. } => "upgrade_failed",
            Error::MigrationFailed { .. } => "migration_failed",
            Error::ReadOnly => "read_only",
            Error::NeedsConfirmation { .. } => "needs_confirmation",
            Error::Photo(_) => "photo",
            Error::Sqlite(_) | Error::Io(_) => "storage",
        }
    }
}

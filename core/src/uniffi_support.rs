//! The core across UniFFI (feature `uniffi`, turned on by the mobile bindings `nephro-ffi`):
//! the namespace `nephro_core` holding the core's records and enums (derived where they are
//! declared, `#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]`), the one public error
//! of the FFI, and the conversions of dates, times, instants, locales and medication ids,
//! declared once here.
//!
//! A date, time or id that does not parse is refused as [`NephroError::Validation`] naming its
//! kind (`date`, `time`, …); inputs whose field must be named take their own text instead.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};

use crate::dates::{format_date, format_local, parse_clock_time, parse_date};
use crate::diary::reminders::ReminderNotification;
use crate::error::{ConflictKind, FailureReport};
use crate::ids::GlobalId;
use crate::locale::Locale;
use crate::model::MedicationId;
use crate::Error;

// A local calendar date crosses as `YYYY-MM-DD` text.
uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |date| format_date(date),
    try_lift: |text| Ok(parse_date("date", &text).map_err(NephroError::from)?),
});

// A local wall-clock time crosses as `HH:MM` text.
uniffi::custom_type!(NaiveTime, String, {
    remote,
    lower: |time| time.format("%H:%M").to_string(),
    try_lift: |text| Ok(parse_clock_time("time", &text).map_err(NephroError::from)?),
});

/// The foreign name of [`Locale`]: a custom type is a type alias in Swift, and `Locale` would
/// hide Foundation's.
pub type LocaleTag = Locale;

// A locale crosses as its BCP 47 tag (`en`, `zh-Hans`, case-insensitive), parsed here only.
uniffi::custom_type!(LocaleTag, String, {
    lower: |locale| locale.tag().to_string(),
    try_lift: |tag| Ok(Locale::parse("locale", &tag).map_err(NephroError::from)?),
});

/// The foreign name of an instant in UTC: it crosses as epoch milliseconds (`i64`).
pub type InstantMillis = DateTime<Utc>;

// An instant outside chrono's range is refused naming `instant` (inputs whose field must be
// named take their own `i64`).
uniffi::custom_type!(InstantMillis, i64, {
    remote,
    lower: |instant| instant.timestamp_millis(),
    try_lift: |millis| Ok(DateTime::from_timestamp_millis(millis).ok_or_else(|| {
        NephroError::from(Error::invalid("instant", "must be epoch milliseconds in range"))
    })?),
});

/// The foreign name of an instant on a local clock: it crosses as RFC 3339 text with its offset
/// (`2025-06-10T08:00:00+08:00`).
pub type LocalInstant = DateTime<FixedOffset>;

uniffi::custom_type!(LocalInstant, String, {
    remote,
    lower: |instant| format_local(&instant),
    try_lift: |text| Ok(DateTime::parse_from_rfc3339(&text).map_err(|_| {
        NephroError::from(Error::invalid("local_instant", "must be RFC 3339 with an offset"))
    })?),
});

// A medication crosses as its text: `regimen-<id>`, `course-<key>` or `medicine-<id>`.
uniffi::custom_type!(MedicationId, String, {
    lower: |medication| medication.to_string(),
    try_lift: |text| Ok(MedicationId::parse("medication_id", &text).map_err(NephroError::from)?),
});
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
                kind,
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

impl From<uniffi::UnexpectedUniFFICallbackError> for NephroError {
    /// A foreign implementation (the notification scheduler, the diagnostics reporter) threw
    /// something other than a [`NephroError`].
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        NephroError::Storage {
            detail: format!("the notification scheduler failed: {}", e.reason),
        }
    }
}

/// What the phone shells implement to keep the dose reminders pending as local notifications.
/// Called synchronously on the thread that called `Diary::refresh_notifications`.
#[uniffi::export(with_foreign)]
pub trait NotificationScheduler: Send + Sync {
    /// Makes exactly `reminders` the pending dose reminders: schedules each one under its `id`
    /// (replacing a pending one with the same id) and cancels every other pending dose reminder
    /// except snoozed ones. `reminders` are ordered by `fire_at_ms`. A refusal (e.g. notifications
    /// not permitted) is reported by throwing a [`NephroError`].
    fn replace_pending(&self, reminders: Vec<ReminderNotification>) -> Result<(), NephroError>;
}

/// What a shell implements to hear of failed calls (to count them, or to send them with its
/// crash reports). Called on the thread of the failed call, after the diary is released, so it
/// may call the diary again; it should return quickly.
#[uniffi::export(with_foreign)]
pub trait DiagnosticsReporter: Send + Sync {
    /// Reports one failed call. An error thrown here is ignored: it never changes the outcome
    /// of the call that failed.
    fn report_failure(&self, report: FailureReport) -> Result<(), NephroError>;
}

// A global id crosses as its text (a UUID, lowercase with hyphens).
uniffi::custom_type!(GlobalId, String, {
    lower: |id| id.to_string(),
    try_lift: |text| Ok(GlobalId::parse("global_id", &text).map_err(NephroError::from)?),
});

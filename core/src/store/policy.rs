//! Care-team policy settings per patient (the **policy** items of clinical-rules.md): one JSON
//! value per key, with who set it and when.
//!
//! The store is generic: it knows keys and JSON values, not what they mean. Each service owns
//! its keys (a dotted prefix such as `dose_window.regimen-3` or `lab_targets.tacrolimus`),
//! validates a value before it sets it, and falls back to the documented default when a key is
//! absent. Setting a key replaces its value; the row keeps who changed it last and when.

use super::cached_execute;
use crate::ids::PatientId;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::patients::require_patient;
use super::rows::{readable, RowSource};
use super::{now_ms, Store};
use crate::error::{Error, Result};
use crate::model::{require_text, EpochMillis};

/// The longest policy key, in characters.
pub const MAX_POLICY_KEY_CHARS: usize = 100;

/// The longest policy value, as JSON text, in bytes. Policies are small settings, not documents.
pub const MAX_POLICY_VALUE_BYTES: usize = 16 * 1024;

/// One stored policy setting.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyEntry {
    /// The key, e.g. `dose_window.regimen-3`.
    pub key: String,
    /// The value as JSON.
    pub value: Value,
    /// Who set it (a clinician's name or role as entered).
    pub changed_by: String,
    /// When it was set, UTC epoch ms.
    pub recorded_at_ms: EpochMillis,
}

impl Store {
    /// The policy value stored under `key` for a patient, if any.
    pub fn policy_entry(&self, patient_id: PatientId, key: &str) -> Result<Option<PolicyEntry>> {
        policy_entry(self.reader(), patient_id, key)
    }

    /// The policy value stored under `key`, read as `T`; `None` when the key is not set.
    /// A stored value that is not a `T` is refused naming `policy.<key>` (nothing is guessed).
    pub fn policy<T: DeserializeOwned>(
        &self,
        patient_id: PatientId,
        key: &str,
    ) -> Result<Option<T>> {
        read_policy(self.reader(), patient_id, key)
    }

    /// Every policy value of a patient whose key starts with `prefix` (`""` for all), by key.
    pub fn policy_entries(&self, patient_id: PatientId, prefix: &str) -> Result<Vec<PolicyEntry>> {
        // Keys are restricted to characters that LIKE treats literally, except `_`, which is
        // escaped.
        let pattern = format!("{}%", prefix.replace('_', "\\_"));
        let mut stmt = self.reader().prepare_cached(
            "SELECT key, value_json, changed_by, recorded_at_ms FROM patient_policy
             WHERE patient_id = ?1 AND key LIKE ?2 ESCAPE '\\' ORDER BY key",
        )?;
        let rows = stmt.query_map(params![patient_id, pattern], entry_from_row)?;
        readable(rows)
    }

    /// Sets a patient's policy value under `key` (replacing any earlier value), recording who
    /// changed it. The caller validates the value's meaning first; the store refuses an unknown
    /// patient, a malformed key, an empty `changed_by` or an oversized value.
    pub fn set_policy_value(
        &mut self,
        patient_id: PatientId,
        key: &str,
        value: &Value,
        changed_by: &str,
    ) -> Result<PolicyEntry> {
        require_key(key)?;
        require_text("changed_by", changed_by, 100)?;
        let text = value.to_string();
        if text.len() > MAX_POLICY_VALUE_BYTES {
            return Err(Error::invalid(
                "value",
                format!("must be at most {MAX_POLICY_VALUE_BYTES} bytes of JSON"),
            ));
        }
        let recorded_at_ms = now_ms();
        self.write(|tx| {
            require_patient(tx, patient_id)?;
            write_policy(tx, patient_id, key, value, changed_by, recorded_at_ms)
        })?;
        Ok(PolicyEntry {
            key: key.to_string(),
            value: value.clone(),
            changed_by: changed_by.to_string(),
            recorded_at_ms,
        })
    }

    /// [`Store::set_policy_value`] for any serialisable value.
    pub fn set_policy<T: Serialize>(
        &mut self,
        patient_id: PatientId,
        key: &str,
        value: &T,
        changed_by: &str,
    ) -> Result<PolicyEntry> {
        let value = serde_json::to_value(value)
            .map_err(|_| Error::invalid("value", "cannot be written as JSON"))?;
        self.set_policy_value(patient_id, key, &value, changed_by)
    }

    /// Removes a patient's policy value under `key`, so the documented default applies again.
    /// Returns whether a value was set.
    pub fn clear_policy(&mut self, patient_id: PatientId, key: &str) -> Result<bool> {
        require_key(key)?;
        self.write(|tx| {
            require_patient(tx, patient_id)?;
            let removed = cached_execute(
                tx,
                "DELETE FROM patient_policy WHERE patient_id = ?1 AND key = ?2",
                params![patient_id, key],
            )?;
            Ok(removed > 0)
        })
    }
}

/// Sets one policy value on a connection (inside the caller's write transaction); the caller
/// has checked the patient, the key's meaning and `changed_by`.
pub(super) fn write_policy(
    conn: &Connection,
    patient_id: PatientId,
    key: &str,
    value: &Value,
    changed_by: &str,
    recorded_at_ms: EpochMillis,
) -> Result<()> {
    require_key(key)?;
    let text = value.to_string();
    if text.len() > MAX_POLICY_VALUE_BYTES {
        return Err(Error::invalid(
            "value",
            format!("must be at most {MAX_POLICY_VALUE_BYTES} bytes of JSON"),
        ));
    }
    cached_execute(
        conn,
        "INSERT INTO patient_policy (patient_id, key, value_json, changed_by, recorded_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (patient_id, key) DO UPDATE SET
            value_json = excluded.value_json, changed_by = excluded.changed_by,
            recorded_at_ms = excluded.recorded_at_ms",
        params![patient_id, key, text, changed_by, recorded_at_ms],
    )?;
    Ok(())
}

fn policy_entry(
    conn: &Connection,
    patient_id: PatientId,
    key: &str,
) -> Result<Option<PolicyEntry>> {
    require_key(key)?;
    conn.prepare_cached(
        "SELECT key, value_json, changed_by, recorded_at_ms FROM patient_policy
         WHERE patient_id = ?1 AND key = ?2",
    )?
    .query_row(params![patient_id, key], entry_from_row)
    .optional()?
    .transpose()
}

/// [`Store::policy`] on a connection (inside a write transaction, so that a write checks the
/// policy in force when it commits).
pub(super) fn read_policy<T: DeserializeOwned>(
    conn: &Connection,
    patient_id: PatientId,
    key: &str,
) -> Result<Option<T>> {
    policy_entry(conn, patient_id, key)?
        .map(|entry| {
            serde_json::from_value(entry.value).map_err(|_| {
                Error::invalid(
                    format!("policy.{key}"),
                    "the stored value does not have the expected shape",
                )
            })
        })
        .transpose()
}

/// A key is 1–100 characters of ASCII letters, digits, `.`, `_` and `-`.
fn require_key(key: &str) -> Result<()> {
    let valid = !key.is_empty()
        && key.len() <= MAX_POLICY_KEY_CHARS
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "key",
            "must be 1 to 100 letters, digits, dots, underscores or hyphens",
        ))
    }
}

/// A patient's policy settings as [`Store::unreadable_rows`] scans them.
pub(super) fn policy_rows() -> RowSource {
    RowSource {
        table: "patient_policy",
        sql: "SELECT key, value_json, changed_by, recorded_at_ms, rowid FROM patient_policy
              WHERE patient_id = ?1"
            .to_string(),
        check: |r| entry_from_row(r).map(|e| e.map(drop)),
    }
}

fn entry_from_row(r: &Row) -> rusqlite::Result<Result<PolicyEntry>> {
    let key: String = r.get(0)?;
    let text: String = r.get(1)?;
    let changed_by: String = r.get(2)?;
    let recorded_at_ms: EpochMillis = r.get(3)?;
    Ok(serde_json::from_str(&text)
        .map_err(|_| Error::invalid(format!("policy.{key}"), "the stored value is not JSON"))
        .map(|value| PolicyEntry {
            key,
            value,
            changed_by,
            recorded_at_ms,
        }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::tests::seeded;

    #[test]
    fn set_read_replace_and_clear() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        assert_eq!(
            store
                .policy::<u32>(patient.id, "dose_window.grace")
                .unwrap(),
            None
        );
        store
            .set_policy(patient.id, "dose_window.grace", &30u32, "Dr. Li")
            .unwrap();
        assert_eq!(
            store
                .policy::<u32>(patient.id, "dose_window.grace")
                .unwrap(),
            Some(30)
        );
        let replaced = store
            .set_policy_value(patient.id, "dose_window.grace", &json!(45), "nurse")
            .unwrap();
        assert_eq!(replaced.changed_by, "nurse");
        let stored = store
            .policy_entry(patient.id, "dose_window.grace")
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.value, stored.changed_by),
            (json!(45), "nurse".into())
        );
        assert!(store.clear_policy(patient.id, "dose_window.grace").unwrap());
        assert!(!store.clear_policy(patient.id, "dose_window.grace").unwrap());
        assert!(store
            .policy_entry(patient.id, "dose_window.grace")
            .unwrap()
            .is_none());
    }

    #[test]
    fn prefix_listing_is_literal_about_underscores() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        for key in [
            "dose_window",
            "dose_window.regimen-1",
            "doseXwindow",
            "travel_policy",
        ] {
            store
                .set_policy_value(patient.id, key, &json!(true), "Dr. Li")
                .unwrap();
        }
        let keys: Vec<String> = store
            .policy_entries(patient.id, "dose_window")
            .unwrap()
            .into_iter()
            .map(|e| e.key)
            .collect();
        assert_eq!(keys, ["dose_window", "dose_window.regimen-1"]);
        assert_eq!(store.policy_entries(patient.id, "").unwrap().len(), 4);
    }

    #[test]
    fn refusals_name_the_field_and_change_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let err = |r: Result<PolicyEntry>| r.unwrap_err().to_string();
        assert!(err(store.set_policy_value(patient.id, "", &json!(1), "x")).contains("key"));
        assert!(err(store.set_policy_value(patient.id, "a b", &json!(1), "x")).contains("key"));
        assert!(err(store.set_policy_value(patient.id, "a%", &json!(1), "x")).contains("key"));
        assert!(err(store.set_policy_value(patient.id, "k", &json!(1), " ")).contains("changed_by"));
        let huge = json!("x".repeat(MAX_POLICY_VALUE_BYTES));
        assert!(err(store.set_policy_value(patient.id, "k", &huge, "x")).contains("value"));
        assert!(matches!(
            store.set_policy_value(PatientId::from(patient.id.get() + 99), "k", &json!(1), "x"),
            Err(Error::NotFound { .. })
        ));
        assert!(store.policy_entries(patient.id, "").unwrap().is_empty());
        // A value of the wrong shape is refused on reading, naming the key.
        store
            .set_policy_value(patient.id, "k", &json!("text"), "x")
            .unwrap();
        let wrong = store.policy::<u32>(patient.id, "k").unwrap_err();
        assert!(wrong.to_string().contains("policy.k"), "{wrong}");
    }

    #[test]
    fn policies_are_per_patient() {
        let mut store = Store::open_in_memory().unwrap();
        let (patient, _) = seeded(&mut store);
        let other = store
            .create_patient(&crate::store::tests::sample_patient())
            .unwrap();
        store
            .set_policy_value(patient.id, "k", &json!(1), "x")
            .unwrap();
        assert!(store.policy_entry(other.id, "k").unwrap().is_none());
    }
}

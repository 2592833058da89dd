//! Any other medicine of a patient (clinical-rules §12): added once per client id, listed, and
//! stopped on a day; the row is kept. The service `Store::add_medicine` (`diary::medicines`)
//! validates and measures it before any write ([`NewMedicine::validate`]); this module only
//! stores and reads.

use super::{cached_execute, cached_query_row};
use crate::ids::{MedicineId, PatientId};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::patients::{not_found, require_patient, stored_date};
use super::rows::{readable, with_row_id, RowSource};
use super::{now_ms, Store};
use crate::dates::format_date;
use crate::error::{ConflictKind, Error, Result};
use crate::ids::GlobalId;
use crate::medicine::known::KnownMedicine;
use crate::medicine::record::{
    Medicine, MedicineAmount, MedicineDose, MedicineName, MedicineSchedule, NewMedicine,
};
use crate::model::require_storable_date;

const MEDICINE_SELECT: &str =
    "SELECT id, patient_id, client_id, known, typed_name, form, amount_json, schedule_json,
    dose_mg, dose_ml, stopped_on, added_by, global_id FROM medicine";

impl Store {
    /// Stores a medicine the service [`Store::add_medicine`] checked, with `dose`, the dose of its
    /// amount. An unknown patient is `not_found`. Storing the same `client_id` again returns the
    /// stored medicine when it is the same request, and is a conflict when not.
    pub(crate) fn insert_medicine(
        &mut self,
        new: &NewMedicine,
        dose: MedicineDose,
    ) -> Result<Medicine> {
        let amount_json = to_json(&new.amount)?;
        let schedule_json = to_json(&new.schedule)?;
        self.write(|tx| {
            require_patient(tx, new.patient_id)?;
            if let Some(existing) = by_client_id(tx, &new.client_id)? {
                return if existing.prescription == *new {
                    Ok(existing)
                } else {
                    Err(Error::conflict(ConflictKind::ClientIdReused, "medicine"))
                };
            }
            let (known, typed) = match &new.name {
                MedicineName::Known(m) => (Some(m.id()), None),
                MedicineName::Typed(name) => (None, Some(name.as_str())),
            };
            let recorded_at_ms = now_ms();
            let global_id = GlobalId::new_at(recorded_at_ms);
            cached_execute(tx,
                "INSERT INTO medicine (patient_id, client_id, known, typed_name, form, amount_json, schedule_json,
                    dose_mg, dose_ml, stopped_on, added_by, recorded_at_ms, global_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, ?11, ?12)",
                params![
                    new.patient_id,
                    new.client_id,
                    known,
                    typed,
                    new.form,
                    amount_json,
                    schedule_json,
                    dose.mg,
                    dose.ml,
                    new.added_by,
                    recorded_at_ms,
                    global_id
                ],
            )?;
            Ok(Medicine {
                id: MedicineId::from(tx.last_insert_rowid()),
                global_id,
                prescription: new.clone(),
                dose,
                stopped_on: None,
            })
        })
    }

    /// Stops a medicine from a day on (no dose that day or after; its logs stay). The day must
    /// not be before its start; stopping it again moves the stop day.
    pub fn stop_medicine(
        &mut self,
        medicine_id: MedicineId,
        stopped_on: NaiveDate,
    ) -> Result<Medicine> {
        require_storable_date("stopped_on", stopped_on)?;
        let medicine = self.medicine(medicine_id)?;
        if stopped_on < medicine.prescription.schedule.start_date {
            return Err(Error::invalid(
                "stopped_on",
                "must not be before the medicine's start date",
            ));
        }
        self.write(|tx| {
            cached_execute(
                tx,
                "UPDATE medicine SET stopped_on = ?2 WHERE id = ?1",
                params![medicine_id, format_date(stopped_on)],
            )?;
            Ok(())
        })?;
        Ok(Medicine {
            stopped_on: Some(stopped_on),
            ..medicine
        })
    }

    /// A medicine by row id.
    pub fn medicine(&self, medicine_id: MedicineId) -> Result<Medicine> {
        medicine(self.reader(), medicine_id)
    }

    /// A patient's medicines, stopped ones included, oldest first.
    pub fn medicines(&self, patient_id: PatientId) -> Result<Vec<Medicine>> {
        let mut stmt = self.reader().prepare_cached(&format!(
            "{MEDICINE_SELECT} WHERE patient_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([patient_id], medicine_from_row)?;
        readable(rows)
    }
}

/// A medicine by row id on a connection (inside a transaction too).
pub(super) fn medicine(conn: &Connection, medicine_id: MedicineId) -> Result<Medicine> {
    cached_query_row(
        conn,
        &format!("{MEDICINE_SELECT} WHERE id = ?1"),
        [medicine_id],
        medicine_from_row,
    )
    .optional()?
    .ok_or_else(|| not_found("medicine", medicine_id))?
}

fn by_client_id(conn: &Connection, client_id: &str) -> Result<Option<Medicine>> {
    cached_query_row(
        conn,
        &format!("{MEDICINE_SELECT} WHERE client_id = ?1"),
        [client_id],
        medicine_from_row,
    )
    .optional()?
    .transpose()
}

/// A patient's medicines as [`Store::unreadable_rows`] scans them.
pub(super) fn medicine_rows() -> RowSource {
    RowSource {
        table: "medicine",
        sql: format!(
            "{} WHERE patient_id = ?1",
            with_row_id(MEDICINE_SELECT, "id")
        ),
        check: |r| medicine_from_row(r).map(|m| m.map(drop)),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|_| Error::invalid("medicine", "cannot be stored"))
}

fn from_json<T: serde::de::DeserializeOwned>(field: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|_| Error::invalid(field, "cannot be read"))
}

fn medicine_from_row(r: &Row) -> rusqlite::Result<Result<Medicine>> {
    let id: i64 = r.get(0)?;
    let patient_id: PatientId = r.get(1)?;
    let client_id: String = r.get(2)?;
    let known: Option<String> = r.get(3)?;
    let typed: Option<String> = r.get(4)?;
    let form: String = r.get(5)?;
    let amount_json: String = r.get(6)?;
    let schedule_json: String = r.get(7)?;
    let mg: f64 = r.get(8)?;
    let ml: Option<f64> = r.get(9)?;
    let stopped_on: Option<String> = r.get(10)?;
    let added_by: String = r.get(11)?;
    let global_id: GlobalId = r.get(12)?;
    Ok((|| {
        let name = match (known, typed) {
            (Some(known), _) => MedicineName::Known(KnownMedicine::parse("known", &known)?),
            (None, Some(name)) => MedicineName::Typed(name),
            (None, None) => return Err(Error::invalid("known", "is missing")),
        };
        let amount: MedicineAmount = from_json("amount_json", &amount_json)?;
        let schedule: MedicineSchedule = from_json("schedule_json", &schedule_json)?;
        Ok(Medicine {
            id: MedicineId::from(id),
            global_id,
            prescription: NewMedicine {
                patient_id,
                client_id,
                name,
                form,
                amount,
                schedule,
                added_by,
            },
            dose: MedicineDose { mg, ml },
            stopped_on: stopped_on.as_deref().map(stored_date).transpose()?,
        })
    })())
}

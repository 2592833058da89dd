//! The database schema and its step-by-step migrations (`PRAGMA user_version`).
//!
//! A fresh database runs [`CREATE_LATEST`]; an older one runs each step of [`UPGRADES`] from its
//! version, each inside its own IMMEDIATE transaction. A test asserts both paths give the same
//! schema. Never edit a shipped step: add a new one and a fixture file of the old version.

use rusqlite::types::Value;
use rusqlite::{params, Connection, Transaction, TransactionBehavior};

use crate::ids::GlobalId;

use crate::error::{Error, Result};

/// The schema version this build writes.
pub const LATEST_VERSION: i64 = 11;

/// Patients, measurements and regimens: unchanged since version 1 but for the measurement's
/// `confirmed` (version 4). Version 1 created them; later steps only alter them.
const PATIENT_TABLES: &str = r#"
CREATE TABLE patient (
    id              INTEGER PRIMARY KEY,
    display_name    TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL CHECK (sex IN ('female', 'male', 'unspecified')),
    time_zone       TEXT NOT NULL,
    definition_set  TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL
);

CREATE TABLE measurement (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    measured_on     TEXT NOT NULL,
    weight_kg       REAL CHECK (weight_kg > 0),
    height_cm       REAL CHECK (height_cm > 0),
    recorded_at_ms  INTEGER NOT NULL,
    -- Since version 4 (hence the last column): the family confirmed a value held as implausible
    -- for the child (clinical-rules §10).
    confirmed       INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
    CHECK (weight_kg IS NOT NULL OR height_cm IS NOT NULL)
);
CREATE INDEX measurement_by_patient ON measurement(patient_id, measured_on);

CREATE TABLE regimen (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    drug            TEXT NOT NULL,
    form            TEXT NOT NULL,
    strengths_mg    TEXT NOT NULL,
    allow_split     INTEGER NOT NULL,
    rate_basis      TEXT NOT NULL CHECK (rate_basis IN ('mg_per_kg_per_day', 'mg_per_m2_per_day')),
    rate            REAL NOT NULL,
    height_cm       REAL,
    times           TEXT NOT NULL,
    start_date      TEXT NOT NULL,
    end_date        TEXT,
    prescribed_by   TEXT NOT NULL,
    prescribed_on   TEXT NOT NULL,
    override_range  INTEGER NOT NULL,
    weight_kg       REAL NOT NULL,
    per_dose_mg     REAL NOT NULL,
    created_at_ms   INTEGER NOT NULL
);
CREATE INDEX regimen_by_patient ON regimen(patient_id);

"#;

/// Revisions of logged doses as created in version 1 (version 11 appends [`DOSE_REVISION_NOTE`]).
const DOSE_LOG_REVISION_TABLE: &str = r#"
CREATE TABLE dose_log_revision (
    id              INTEGER PRIMARY KEY,
    dose_log_id     INTEGER NOT NULL REFERENCES dose_log(id),
    revision        INTEGER NOT NULL,
    outcome         TEXT NOT NULL,
    actual_at_ms    INTEGER NOT NULL,
    logged_by       TEXT NOT NULL,
    undone          INTEGER NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    UNIQUE (dose_log_id, revision)
);
"#;

/// The dose log as of version 8: a dose belongs to a regimen, a steroid course or (since
/// version 8) any other medicine (clinical-rules §12); since version 7 it may carry a note.
const DOSE_LOG_TABLE: &str = r#"
-- The current state of each logged dose; every state it ever had is in dose_log_revision.
-- A dose belongs to exactly one of a regimen (tacrolimus, MMF), a steroid course's calendar or
-- any other medicine (since version 8, hence last).
CREATE TABLE dose_log (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    regimen_id      INTEGER REFERENCES regimen(id),
    course_key      TEXT,
    slot_date       TEXT NOT NULL,
    slot_time       TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('taken', 'skipped')),
    actual_at_ms    INTEGER NOT NULL,
    logged_by       TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    undone          INTEGER NOT NULL DEFAULT 0,
    recorded_at_ms  INTEGER NOT NULL,
    note            TEXT,
    medicine_id     INTEGER REFERENCES medicine(id),
    CHECK ((regimen_id IS NOT NULL) + (course_key IS NOT NULL) + (medicine_id IS NOT NULL) = 1)
);
-- At most one live log per scheduled slot.
CREATE UNIQUE INDEX dose_log_live_slot ON dose_log(regimen_id, slot_date, slot_time) WHERE undone = 0 AND regimen_id IS NOT NULL;
CREATE UNIQUE INDEX dose_log_live_course_slot ON dose_log(course_key, slot_date, slot_time) WHERE undone = 0 AND course_key IS NOT NULL;
CREATE UNIQUE INDEX dose_log_live_medicine_slot ON dose_log(medicine_id, slot_date, slot_time) WHERE undone = 0 AND medicine_id IS NOT NULL;
CREATE INDEX dose_log_by_slot_date ON dose_log(slot_date);

"#;

/// Every other medicine of a patient (since version 8; clinical-rules §12): a name from the
/// app's list or typed in, its amount and schedule as the core validated them (JSON of
/// `MedicineAmount` and `MedicineSchedule`), the dose that amount gives, and the day it stopped.
const MEDICINE_TABLE: &str = r#"
CREATE TABLE medicine (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    client_id       TEXT NOT NULL UNIQUE,
    known           TEXT,
    typed_name      TEXT,
    form            TEXT NOT NULL,
    amount_json     TEXT NOT NULL,
    schedule_json   TEXT NOT NULL,
    dose_mg         REAL NOT NULL,
    dose_ml         REAL,
    stopped_on      TEXT,
    added_by        TEXT NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    CHECK ((known IS NULL) <> (typed_name IS NULL))
);
CREATE INDEX medicine_by_patient ON medicine(patient_id);
"#;

/// Steroid courses as created in version 2 (the shipped step 1 → 2 creates this).
const STEROID_COURSE_TABLE_V2: &str = r#"
-- Steroid courses: every change is a new version; old versions stay readable.
CREATE TABLE steroid_course (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    course_key      TEXT NOT NULL,
    version         INTEGER NOT NULL,
    drug            TEXT NOT NULL,
    template        TEXT,
    plan_json       TEXT NOT NULL,
    times           TEXT NOT NULL,
    remission_confirmed TEXT,
    changed_by      TEXT NOT NULL,
    reason          TEXT,
    recorded_at_ms  INTEGER NOT NULL,
    UNIQUE (course_key, version)
);
CREATE INDEX steroid_course_by_patient ON steroid_course(patient_id);

"#;

/// Steroid courses as of version 3: an optional `client_id` makes a creation idempotent.
const STEROID_COURSE_TABLE: &str = r#"
-- Steroid courses: every change is a new version; old versions stay readable.
CREATE TABLE steroid_course (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    course_key      TEXT NOT NULL,
    version         INTEGER NOT NULL,
    drug            TEXT NOT NULL,
    template        TEXT,
    plan_json       TEXT NOT NULL,
    times           TEXT NOT NULL,
    remission_confirmed TEXT,
    changed_by      TEXT NOT NULL,
    reason          TEXT,
    recorded_at_ms  INTEGER NOT NULL,
    -- Since version 3 (hence last): the client's id of the request that created the course,
    -- on version 1 only; a retried creation returns the stored course.
    client_id       TEXT CHECK (client_id IS NULL OR version = 1),
    UNIQUE (course_key, version)
);
CREATE INDEX steroid_course_by_patient ON steroid_course(patient_id);
CREATE UNIQUE INDEX steroid_course_client_id ON steroid_course(client_id) WHERE client_id IS NOT NULL;

"#;

/// Urine readings and lab results with their revisions (unchanged since version 2).
const READING_TABLES: &str = r#"
-- Urine protein readings (dipstick or UPCR); corrections add revisions.
CREATE TABLE urine_reading (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    taken_on        TEXT NOT NULL,
    taken_at_ms     INTEGER NOT NULL,
    dipstick        TEXT,
    upcr            REAL,
    upcr_unit       TEXT,
    first_morning   INTEGER NOT NULL,
    note            TEXT,
    logged_by       TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    retracted       INTEGER NOT NULL DEFAULT 0,
    recorded_at_ms  INTEGER NOT NULL,
    CHECK ((dipstick IS NULL) <> (upcr IS NULL)),
    CHECK ((upcr IS NULL) = (upcr_unit IS NULL))
);
CREATE INDEX urine_reading_by_patient ON urine_reading(patient_id, taken_on);

CREATE TABLE urine_reading_revision (
    id              INTEGER PRIMARY KEY,
    reading_id      INTEGER NOT NULL REFERENCES urine_reading(id),
    revision        INTEGER NOT NULL,
    taken_on        TEXT NOT NULL,
    taken_at_ms     INTEGER NOT NULL,
    dipstick        TEXT,
    upcr            REAL,
    upcr_unit       TEXT,
    first_morning   INTEGER NOT NULL,
    note            TEXT,
    changed_by      TEXT NOT NULL,
    retracted       INTEGER NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    UNIQUE (reading_id, revision)
);

-- Laboratory results; corrections add revisions.
CREATE TABLE lab_result (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    kind            TEXT NOT NULL,
    value           REAL NOT NULL,
    unit            TEXT NOT NULL,
    drawn_at_ms     INTEGER NOT NULL,
    upper_limit_of_normal REAL,
    logged_by       TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    retracted       INTEGER NOT NULL DEFAULT 0,
    recorded_at_ms  INTEGER NOT NULL
);
CREATE INDEX lab_result_by_patient ON lab_result(patient_id, drawn_at_ms);

CREATE TABLE lab_result_revision (
    id              INTEGER PRIMARY KEY,
    lab_result_id   INTEGER NOT NULL REFERENCES lab_result(id),
    revision        INTEGER NOT NULL,
    value           REAL NOT NULL,
    unit            TEXT NOT NULL,
    drawn_at_ms     INTEGER NOT NULL,
    upper_limit_of_normal REAL,
    changed_by      TEXT NOT NULL,
    retracted       INTEGER NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    UNIQUE (lab_result_id, revision)
);

"#;

/// Blood-pressure readings as created in version 2 (the shipped step 1 → 2 creates this).
const BLOOD_PRESSURE_TABLE_V2: &str = r#"
-- Blood pressure readings.
CREATE TABLE blood_pressure (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    measured_at_ms  INTEGER NOT NULL,
    systolic_mmhg   REAL NOT NULL,
    diastolic_mmhg  REAL NOT NULL,
    recorded_at_ms  INTEGER NOT NULL
);
CREATE INDEX blood_pressure_by_patient ON blood_pressure(patient_id, measured_at_ms);

"#;

/// Blood-pressure readings as of version 3: an optional `client_id` makes a reading idempotent.
const BLOOD_PRESSURE_TABLE: &str = r#"
-- Blood pressure readings.
CREATE TABLE blood_pressure (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    measured_at_ms  INTEGER NOT NULL,
    systolic_mmhg   REAL NOT NULL,
    diastolic_mmhg  REAL NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    -- Since version 3 (hence last): the client's id of the request; a retry returns the stored reading.
    client_id       TEXT
);
CREATE INDEX blood_pressure_by_patient ON blood_pressure(patient_id, measured_at_ms);
CREATE UNIQUE INDEX blood_pressure_client_id ON blood_pressure(client_id) WHERE client_id IS NOT NULL;

"#;

/// Care-team policy settings (unchanged since version 2).
const POLICY_TABLE: &str = r#"
-- Care-team policy settings per patient (clinical-rules "policy" items), as JSON values.
CREATE TABLE patient_policy (
    patient_id      INTEGER NOT NULL REFERENCES patient(id),
    key             TEXT NOT NULL,
    value_json      TEXT NOT NULL,
    changed_by      TEXT NOT NULL,
    recorded_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (patient_id, key)
);
"#;

/// The suggestions of urine readings made from a photo (since version 5).
const URINE_READING_PHOTO_TABLE: &str = r#"
-- The core's suggestion for a urine reading made from a photo (clinical-rules §13): whether a
-- grade was suggested, which, and the two nearest swatches with their CIEDE2000 distances. The
-- reading's dipstick grade is the one the parent confirmed, and only that grade counts (§5–6).
-- Written once with the reading; corrections revise the reading, never its suggestion.
CREATE TABLE urine_reading_photo (
    reading_id      INTEGER PRIMARY KEY REFERENCES urine_reading(id),
    status          TEXT NOT NULL CHECK (status IN ('read', 'unsure')),
    grade           TEXT,
    nearest_grade   TEXT NOT NULL,
    nearest_delta_e REAL NOT NULL,
    second_grade    TEXT NOT NULL,
    second_delta_e  REAL NOT NULL,
    CHECK ((status = 'read') = (grade IS NOT NULL))
);
"#;

/// The relapse engine's state as of a past day, per patient (since version 6): a cache the
/// relapse screen walks on from, so that its cost does not grow with the diary's history. The
/// triggers keep it honest: every change to a patient's urine readings counts one generation,
/// and a change that touches a reading dated on or before the checkpoint's day (its old or new
/// date, or a move between patients) drops the checkpoint, whoever writes it (an edit, a
/// retraction, an import, another process). A checkpoint is saved only when the generation has
/// not moved since the readings it was walked from were read.
const RELAPSE_CHECKPOINT_TABLE: &str = r#"
CREATE TABLE relapse_checkpoint (
    patient_id      INTEGER PRIMARY KEY REFERENCES patient(id),
    generation      INTEGER NOT NULL DEFAULT 0,
    through         TEXT,
    state_json      TEXT,
    CHECK ((through IS NULL) = (state_json IS NULL))
);
INSERT INTO relapse_checkpoint (patient_id) SELECT id FROM patient;
CREATE TRIGGER relapse_checkpoint_of_new_patient AFTER INSERT ON patient BEGIN
    INSERT INTO relapse_checkpoint (patient_id) VALUES (NEW.id);
END;
CREATE TRIGGER relapse_checkpoint_after_reading_insert AFTER INSERT ON urine_reading BEGIN
    UPDATE relapse_checkpoint SET generation = generation + 1,
        through = CASE WHEN NEW.taken_on > through THEN through END,
        state_json = CASE WHEN NEW.taken_on > through THEN state_json END
    WHERE patient_id = NEW.patient_id;
END;
CREATE TRIGGER relapse_checkpoint_after_reading_update AFTER UPDATE ON urine_reading BEGIN
    UPDATE relapse_checkpoint SET generation = generation + 1,
        through = CASE WHEN OLD.taken_on > through AND NEW.taken_on > through
                            AND OLD.patient_id = NEW.patient_id THEN through END,
        state_json = CASE WHEN OLD.taken_on > through AND NEW.taken_on > through
                            AND OLD.patient_id = NEW.patient_id THEN state_json END
    WHERE patient_id IN (OLD.patient_id, NEW.patient_id);
END;
CREATE TRIGGER relapse_checkpoint_after_reading_delete AFTER DELETE ON urine_reading BEGIN
    UPDATE relapse_checkpoint SET generation = generation + 1,
        through = CASE WHEN OLD.taken_on > through THEN through END,
        state_json = CASE WHEN OLD.taken_on > through THEN state_json END
    WHERE patient_id = OLD.patient_id;
END;
"#;

/// The latest schema, for a new database, as batches run in order.
pub const CREATE_LATEST: &[&str] = &[
    PATIENT_TABLES,
    DOSE_LOG_TABLE,
    DOSE_LOG_REVISION_TABLE,
    STEROID_COURSE_TABLE,
    READING_TABLES,
    BLOOD_PRESSURE_TABLE,
    POLICY_TABLE,
    URINE_READING_PHOTO_TABLE,
    RELAPSE_CHECKPOINT_TABLE,
    MEDICINE_TABLE,
    // Version 9's columns are appended as the upgrade appends them, so both paths give one
    // schema; a new diary has no row to backfill.
    GLOBAL_ID_COLUMNS,
    GLOBAL_ID_INDEXES,
    GLOBAL_ID_TRIGGERS,
    SHARE_TABLES,
    SHARE_TRIGGERS,
    // Version 11's column, appended as the upgrade appends it.
    DOSE_REVISION_NOTE,
];

/// Version 1 → 2: the dose log may point at a steroid course (rebuilt, rows copied as they
/// are), and the tables of version 2 are created.
const UPGRADE_1_TO_2: &[&str] = &[
    r#"
-- The current state of each logged dose; every state it ever had is in dose_log_revision.
-- A dose belongs to a regimen (tacrolimus, MMF) or to a steroid course's calendar.
CREATE TABLE dose_log_v2 (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    regimen_id      INTEGER REFERENCES regimen(id),
    course_key      TEXT,
    slot_date       TEXT NOT NULL,
    slot_time       TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('taken', 'skipped')),
    actual_at_ms    INTEGER NOT NULL,
    logged_by       TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    undone          INTEGER NOT NULL DEFAULT 0,
    recorded_at_ms  INTEGER NOT NULL,
    CHECK ((regimen_id IS NULL) <> (course_key IS NULL))
);
INSERT INTO dose_log_v2 (id, client_id, regimen_id, course_key, slot_date, slot_time, outcome, actual_at_ms,
                         logged_by, revision, undone, recorded_at_ms)
    SELECT id, client_id, regimen_id, NULL, slot_date, slot_time, outcome, actual_at_ms,
           logged_by, revision, undone, recorded_at_ms FROM dose_log;
DROP TABLE dose_log;
ALTER TABLE dose_log_v2 RENAME TO dose_log;
-- At most one live log per scheduled slot.
CREATE UNIQUE INDEX dose_log_live_slot ON dose_log(regimen_id, slot_date, slot_time) WHERE undone = 0 AND regimen_id IS NOT NULL;
CREATE UNIQUE INDEX dose_log_live_course_slot ON dose_log(course_key, slot_date, slot_time) WHERE undone = 0 AND course_key IS NOT NULL;
CREATE INDEX dose_log_by_slot_date ON dose_log(slot_date);

"#,
    // The tables of version 2 (the same statements in the same order as when it shipped).
    STEROID_COURSE_TABLE_V2,
    READING_TABLES,
    BLOOD_PRESSURE_TABLE_V2,
    POLICY_TABLE,
];

/// Version 2 → 3: blood-pressure readings and steroid courses take an optional client id
/// (`ALTER TABLE ... ADD COLUMN` appends it, so the fresh tables list it last too), unique where
/// given; a course stores it on version 1 only (it identifies the creation).
const UPGRADE_2_TO_3: &[&str] = &[r#"
ALTER TABLE blood_pressure ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX blood_pressure_client_id ON blood_pressure(client_id) WHERE client_id IS NOT NULL;
ALTER TABLE steroid_course ADD COLUMN client_id TEXT CHECK (client_id IS NULL OR version = 1);
CREATE UNIQUE INDEX steroid_course_client_id ON steroid_course(client_id) WHERE client_id IS NOT NULL;
"#];

/// Version 3 → 4: a measurement records whether the family confirmed it (clinical-rules §10,
/// "held until confirmed"); every earlier measurement was stored without being asked.
const UPGRADE_3_TO_4: &[&str] = &[r#"
ALTER TABLE measurement ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1));
"#];

/// Version 4 → 5: a urine reading made from a photo keeps the core's suggestion beside the grade
/// the parent confirmed (clinical-rules §13); every earlier reading was read by eye, so the new
/// table starts empty.
const UPGRADE_4_TO_5: &[&str] = &[URINE_READING_PHOTO_TABLE];

/// Version 5 → 6: the relapse engine's checkpoint per patient, empty (the first relapse screen
/// walks the whole history and saves one).
const UPGRADE_5_TO_6: &[&str] = &[RELAPSE_CHECKPOINT_TABLE];

/// Version 6 → 7: a logged dose may carry the family's note (none for the doses logged before).
const UPGRADE_6_TO_7: &[&str] = &["ALTER TABLE dose_log ADD COLUMN note TEXT;"];

/// Version 7 → 8: any other medicine (clinical-rules §12) gets its table, and the dose log may
/// point at one (rebuilt, rows copied as they are, their notes too; the procedure of
/// sqlite.org/lang_altertable.html, as in the step 1 → 2).
const UPGRADE_7_TO_8: &[&str] = &[
    MEDICINE_TABLE,
    r#"
CREATE TABLE dose_log_v8 (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    regimen_id      INTEGER REFERENCES regimen(id),
    course_key      TEXT,
    slot_date       TEXT NOT NULL,
    slot_time       TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('taken', 'skipped')),
    actual_at_ms    INTEGER NOT NULL,
    logged_by       TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    undone          INTEGER NOT NULL DEFAULT 0,
    recorded_at_ms  INTEGER NOT NULL,
    note            TEXT,
    medicine_id     INTEGER REFERENCES medicine(id),
    CHECK ((regimen_id IS NOT NULL) + (course_key IS NOT NULL) + (medicine_id IS NOT NULL) = 1)
);
INSERT INTO dose_log_v8 (id, client_id, regimen_id, course_key, slot_date, slot_time, outcome, actual_at_ms,
                         logged_by, revision, undone, recorded_at_ms, note, medicine_id)
    SELECT id, client_id, regimen_id, course_key, slot_date, slot_time, outcome, actual_at_ms,
           logged_by, revision, undone, recorded_at_ms, note, NULL FROM dose_log;
DROP TABLE dose_log;
ALTER TABLE dose_log_v8 RENAME TO dose_log;
CREATE UNIQUE INDEX dose_log_live_slot ON dose_log(regimen_id, slot_date, slot_time) WHERE undone = 0 AND regimen_id IS NOT NULL;
CREATE UNIQUE INDEX dose_log_live_course_slot ON dose_log(course_key, slot_date, slot_time) WHERE undone = 0 AND course_key IS NOT NULL;
CREATE UNIQUE INDEX dose_log_live_medicine_slot ON dose_log(medicine_id, slot_date, slot_time) WHERE undone = 0 AND medicine_id IS NOT NULL;
CREATE INDEX dose_log_by_slot_date ON dose_log(slot_date);
"#,
];

/// Version 9's global id of every record ([`GlobalId`]): its 36-character lowercase text beside
/// the row id, appended to each table that holds records (`ALTER TABLE ... ADD COLUMN`, so a new
/// diary lists it last too). Text rather than the 16 bytes: any SQLite can write one (the
/// triggers below make it with `printf`; making bytes needs `unhex`, which SQLite before 3.41,
/// such as Python's, lacks), a person reading the file sees the id the app shows, and it still
/// sorts in time order; it costs 20 bytes more per row, about 0.5 MB over ten years of doses. A
/// column added this way cannot be NOT NULL without a constant default, so the CHECK keeps it
/// NULL (before the backfill) or the text form, and the store and the triggers always write one.
/// Policy settings have none: a setting is named by its patient and its key.
const GLOBAL_ID_COLUMNS: &str = r#"
ALTER TABLE patient ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
ALTER TABLE measurement ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
ALTER TABLE regimen ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
ALTER TABLE dose_log ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
ALTER TABLE urine_reading ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
ALTER TABLE lab_result ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
ALTER TABLE blood_pressure ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
ALTER TABLE steroid_course ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
ALTER TABLE medicine ADD COLUMN global_id TEXT CHECK (global_id IS NULL OR (typeof(global_id) = 'text' AND length(global_id) = 36 AND global_id = lower(global_id)));
"#;

/// Each global id names one record; a steroid course's versions share their course's id, so
/// there the id is unique with the version number.
const GLOBAL_ID_INDEXES: &str = r#"
CREATE UNIQUE INDEX patient_global_id ON patient(global_id);
CREATE UNIQUE INDEX measurement_global_id ON measurement(global_id);
CREATE UNIQUE INDEX regimen_global_id ON regimen(global_id);
CREATE UNIQUE INDEX dose_log_global_id ON dose_log(global_id);
CREATE UNIQUE INDEX urine_reading_global_id ON urine_reading(global_id);
CREATE UNIQUE INDEX lab_result_global_id ON lab_result(global_id);
CREATE UNIQUE INDEX blood_pressure_global_id ON blood_pressure(global_id);
CREATE UNIQUE INDEX steroid_course_global_id ON steroid_course(global_id, version);
CREATE UNIQUE INDEX medicine_global_id ON medicine(global_id);
"#;

/// `global_id_v7(<time column>)` as SQL: a version 7 UUID's text (RFC 9562 §5.7) made from 48
/// bits of milliseconds (the column's, when it is an integer a version 7 UUID can carry, else
/// now), the version nibble 7 and 12 random bits, the variant bits 10 and 14 random bits, and 48
/// random bits (SQLite's `random()`).
macro_rules! global_id_v7 {
    ($time:literal) => {
        concat!(
            "(SELECT printf('%08x-%04x-%04x-%04x-%012x', ms >> 16, ms & 65535, ",
            "(28672 | (random() & 4095)), (32768 | (random() & 16383)), (random() & 281474976710655)) ",
            "FROM (SELECT CASE WHEN typeof(", $time, ") = 'integer' AND ", $time,
            " BETWEEN 0 AND 281474976710655 THEN ", $time,
            " ELSE CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) END AS ms))"
        )
    };
}

/// The trigger that gives a row of `$table` inserted without a global id one at `$time`.
macro_rules! global_id_given {
    ($table:literal, $time:literal) => {
        concat!(
            "CREATE TRIGGER ",
            $table,
            "_global_id_given AFTER INSERT ON ",
            $table,
            " WHEN NEW.global_id IS NULL BEGIN UPDATE ",
            $table,
            " SET global_id = ",
            global_id_v7!($time),
            " WHERE id = NEW.id; END;\n"
        )
    };
}

/// A row inserted without a global id (by another program: a repair tool, an import written in
/// SQL) gets one from the schema itself, so that every record has one whoever writes it
/// (`global_id_v7!` of the row's own time). A steroid course's later version takes its
/// course's id. The store always gives the id itself (the `uuid` crate's); this is the net under
/// other writers.
const GLOBAL_ID_TRIGGERS: &str = concat!(
    global_id_given!("patient", "NEW.created_at_ms"),
    global_id_given!("measurement", "NEW.recorded_at_ms"),
    global_id_given!("regimen", "NEW.created_at_ms"),
    global_id_given!("dose_log", "NEW.recorded_at_ms"),
    global_id_given!("urine_reading", "NEW.recorded_at_ms"),
    global_id_given!("lab_result", "NEW.recorded_at_ms"),
    global_id_given!("blood_pressure", "NEW.recorded_at_ms"),
    global_id_given!("medicine", "NEW.recorded_at_ms"),
    "CREATE TRIGGER steroid_course_global_id_given AFTER INSERT ON steroid_course
     WHEN NEW.global_id IS NULL BEGIN UPDATE steroid_course SET global_id = coalesce(
        (SELECT global_id FROM steroid_course WHERE course_key = NEW.course_key AND global_id IS NOT NULL LIMIT 1), ",
    global_id_v7!("NEW.recorded_at_ms"),
    ") WHERE id = NEW.id; END;\n"
);

/// Version 8 → 9 (self-contained: it reads and writes only what versions 8 and 9 define): the
/// columns of [`GLOBAL_ID_COLUMNS`], then [`backfill_global_ids`], then the unique indexes.
const UPGRADE_8_TO_9: Upgrade = Upgrade {
    batches: &[GLOBAL_ID_COLUMNS],
    backfill: Some(backfill_global_ids),
    batches_after: &[GLOBAL_ID_INDEXES, GLOBAL_ID_TRIGGERS],
};

/// Version 10, shared care (clinical-rules §11): the change log every write feeds, and what a
/// device keeps of its sync. The store only stores them; what a change says and how changes
/// merge is `crate::share`'s and `store::changes`'s.
///
/// - `share_device`: this diary's device id and the last reading of its hybrid logical clock.
/// - `share_pending`: rows written in the current write transaction (filled by the triggers of
///   [`SHARE_TRIGGERS`]), turned into changes before the transaction commits.
/// - `share_change`: every change, made here (`local`) or received; `sent` once in a batch.
/// - `share_seen_batch`: the batches applied, so a replayed batch changes nothing.
/// - `share_conflict`: records revised concurrently on two devices and not yet resolved.
/// - `share_unapplied`: received records waiting for a record they refer to.
/// - `share_rejected`: a change received under a used id with other content, kept and reported.
///
/// Two devices may both log one dose slot while apart (a possible double dose, §11): the live-
/// slot indexes stop being unique; the store still refuses a second log of a slot on one device.
const SHARE_TABLES: &str = r#"
DROP INDEX dose_log_live_slot;
DROP INDEX dose_log_live_course_slot;
DROP INDEX dose_log_live_medicine_slot;
CREATE INDEX dose_log_live_slot ON dose_log(regimen_id, slot_date, slot_time) WHERE undone = 0 AND regimen_id IS NOT NULL;
CREATE INDEX dose_log_live_course_slot ON dose_log(course_key, slot_date, slot_time) WHERE undone = 0 AND course_key IS NOT NULL;
CREATE INDEX dose_log_live_medicine_slot ON dose_log(medicine_id, slot_date, slot_time) WHERE undone = 0 AND medicine_id IS NOT NULL;
CREATE TABLE share_device (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id       TEXT NOT NULL,
    hlc_wall_ms     INTEGER NOT NULL,
    hlc_counter     INTEGER NOT NULL,
    key_epoch       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO share_device (singleton, device_id, hlc_wall_ms, hlc_counter)
    VALUES (1, lower(hex(randomblob(16))), 0, 0);
CREATE TABLE share_pending (
    seq             INTEGER PRIMARY KEY,
    record_table    TEXT NOT NULL,
    row_key         TEXT NOT NULL,
    UNIQUE (record_table, row_key)
);
CREATE TABLE share_change (
    seq             INTEGER PRIMARY KEY,
    change_id       TEXT NOT NULL UNIQUE,
    record          TEXT NOT NULL,
    local           INTEGER NOT NULL CHECK (local IN (0, 1)),
    sent            INTEGER NOT NULL DEFAULT 0 CHECK (sent IN (0, 1)),
    change_json     TEXT NOT NULL
);
CREATE INDEX share_change_by_record ON share_change(record);
CREATE INDEX share_change_outbox ON share_change(seq) WHERE sent = 0;
CREATE TABLE share_seen_batch (
    device          TEXT NOT NULL,
    epoch           INTEGER NOT NULL,
    sequence        INTEGER NOT NULL,
    PRIMARY KEY (device, epoch, sequence)
);
CREATE TABLE share_conflict (
    record          TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    heads_json      TEXT NOT NULL
);
CREATE TABLE share_unapplied (
    record          TEXT PRIMARY KEY
);
CREATE TABLE share_rejected (
    id              INTEGER PRIMARY KEY,
    change_json     TEXT NOT NULL
);
"#;

/// A trigger that notes a written row of `$table` in `share_pending` (`$event`: INSERT or
/// UPDATE; `$key`: the row's key).
macro_rules! share_pending_trigger {
    ($table:literal, $event:literal, $row:literal, $key:literal) => {
        concat!(
            "CREATE TRIGGER share_pending_",
            $table,
            "_",
            $event,
            " AFTER ",
            $event,
            " ON ",
            $table,
            " BEGIN INSERT OR IGNORE INTO share_pending (record_table, row_key) VALUES ('",
            $row,
            "', ",
            $key,
            "); END;\n"
        )
    };
    ($table:literal) => {
        concat!(
            share_pending_trigger!($table, "INSERT", $table, "NEW.id"),
            share_pending_trigger!($table, "UPDATE", $table, "NEW.id")
        )
    };
}

/// Version 10's triggers: every write of a shared record notes its row for the change log.
const SHARE_TRIGGERS: &str = concat!(
    share_pending_trigger!("patient"),
    share_pending_trigger!("measurement"),
    share_pending_trigger!("regimen"),
    share_pending_trigger!("medicine"),
    share_pending_trigger!("steroid_course"),
    share_pending_trigger!("dose_log"),
    share_pending_trigger!("urine_reading"),
    share_pending_trigger!("lab_result"),
    share_pending_trigger!("blood_pressure"),
    share_pending_trigger!(
        "urine_reading_photo",
        "INSERT",
        "urine_reading",
        "NEW.reading_id"
    ),
    share_pending_trigger!(
        "urine_reading_photo",
        "UPDATE",
        "urine_reading",
        "NEW.reading_id"
    ),
    share_pending_trigger!(
        "patient_policy",
        "INSERT",
        "patient_policy",
        "NEW.patient_id || '/' || NEW.key"
    ),
    share_pending_trigger!(
        "patient_policy",
        "UPDATE",
        "patient_policy",
        "NEW.patient_id || '/' || NEW.key"
    ),
    share_pending_trigger!(
        "patient_policy",
        "DELETE",
        "patient_policy",
        "OLD.patient_id || '/' || OLD.key"
    ),
);

/// Version 9 → 10: [`SHARE_TABLES`] and [`SHARE_TRIGGERS`]; every record already stored is
/// noted for the change log (its revisions become changes at the next write or sync).
const UPGRADE_9_TO_10: Upgrade = Upgrade {
    batches: &[SHARE_TABLES, SHARE_TRIGGERS],
    backfill: None,
    batches_after: &[SHARE_BACKFILL],
};

/// Notes every stored record for the change log, in the order records refer to each other.
const SHARE_BACKFILL: &str = r#"
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'patient', id FROM patient ORDER BY id;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'measurement', id FROM measurement ORDER BY id;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'regimen', id FROM regimen ORDER BY id;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'medicine', id FROM medicine ORDER BY id;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'steroid_course', id FROM steroid_course ORDER BY course_key, version;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'patient_policy', patient_id || '/' || key FROM patient_policy ORDER BY patient_id, key;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'dose_log', id FROM dose_log ORDER BY id;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'urine_reading', id FROM urine_reading ORDER BY id;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'lab_result', id FROM lab_result ORDER BY id;
INSERT OR IGNORE INTO share_pending (record_table, row_key) SELECT 'blood_pressure', id FROM blood_pressure ORDER BY id;
"#;

/// Version 10 → 11: every revision of a logged dose keeps the family's note as it was then, so
/// an edit of only the note is a revision and the history shows each note. Revisions stored
/// before hold none (a dose's note could not change then: its row's note is the one it was
/// logged with); they are not backfilled, so a diary and the changes it shared rebuild the same
/// revisions on every caregiver's phone.
const DOSE_REVISION_NOTE: &str = "ALTER TABLE dose_log_revision ADD COLUMN note TEXT;\n";

/// One upgrade step: SQL batches, then an optional backfill that needs Rust (values SQLite
/// cannot make), then more SQL batches; all in the step's transaction.
pub struct Upgrade {
    /// The batches run first, in order.
    pub batches: &'static [&'static str],
    /// What runs next, in the same transaction.
    pub backfill: Option<fn(&Transaction) -> rusqlite::Result<()>>,
    /// The batches run last, in order.
    pub batches_after: &'static [&'static str],
}

impl Upgrade {
    /// A step of SQL batches only.
    const fn sql(batches: &'static [&'static str]) -> Upgrade {
        Upgrade {
            batches,
            backfill: None,
            batches_after: &[],
        }
    }
}

/// The record tables of [`GLOBAL_ID_COLUMNS`] (but the steroid course, whose versions share
/// one id) and the SQL of the instant each row's record was first stored: the row's own time,
/// or for a revised record its first revision's time. A time that is not an integer (a damaged
/// row) gives NULL and the id takes the time of the upgrade.
const FIRST_STORED_AT: &[(&str, &str)] = &[
    ("patient", "created_at_ms"),
    ("measurement", "recorded_at_ms"),
    ("regimen", "created_at_ms"),
    (
        "dose_log",
        "(SELECT min(recorded_at_ms) FROM dose_log_revision r WHERE r.dose_log_id = dose_log.id), recorded_at_ms",
    ),
    (
        "urine_reading",
        "(SELECT min(recorded_at_ms) FROM urine_reading_revision r WHERE r.reading_id = urine_reading.id), recorded_at_ms",
    ),
    (
        "lab_result",
        "(SELECT min(recorded_at_ms) FROM lab_result_revision r WHERE r.lab_result_id = lab_result.id), recorded_at_ms",
    ),
    ("blood_pressure", "recorded_at_ms"),
    ("medicine", "recorded_at_ms"),
];

/// Gives every existing record a [`GlobalId`] whose instant is the record's first storing
/// ([`FIRST_STORED_AT`]); a steroid course gets one for all its versions, at its earliest
/// version's time. Run once, inside the upgrade's transaction, so the ids are made once and
/// kept: a failed upgrade leaves none, a finished one never makes them again.
///
/// Giving a urine reading its id is an UPDATE of the reading, which the relapse checkpoint's
/// triggers count as a change of the readings (and drop a checkpoint for); the readings'
/// content does not change, so each patient's checkpoint is put back as it was.
pub fn backfill_global_ids(tx: &Transaction) -> rusqlite::Result<()> {
    let checkpoints: Vec<(Value, Value, Value, Value)> = tx
        .prepare("SELECT patient_id, generation, through, state_json FROM relapse_checkpoint")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let upgraded_at = super::now_ms();
    let first_stored = |at: Option<i64>| GlobalId::new_at(at.unwrap_or(upgraded_at));
    for (table, first_stored_at) in FIRST_STORED_AT {
        let rows: Vec<(i64, Option<i64>)> = tx
            .prepare(&format!(
                "SELECT id, coalesce({first_stored_at}, NULL) FROM {table} WHERE global_id IS NULL"
            ))?
            .query_map([], |r| Ok((r.get(0)?, integer(r.get(1)?))))?
            .collect::<rusqlite::Result<_>>()?;
        let mut update = tx.prepare(&format!("UPDATE {table} SET global_id = ?2 WHERE id = ?1"))?;
        for (id, at) in rows {
            update.execute(params![id, first_stored(at)])?;
        }
    }
    let courses: Vec<(Value, Option<i64>)> = tx
        .prepare(
            "SELECT course_key, min(recorded_at_ms) FROM steroid_course WHERE global_id IS NULL
             GROUP BY course_key",
        )?
        .query_map([], |r| Ok((r.get(0)?, integer(r.get(1)?))))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update =
        tx.prepare("UPDATE steroid_course SET global_id = ?2 WHERE course_key = ?1")?;
    for (course_key, at) in courses {
        update.execute(params![course_key, first_stored(at)])?;
    }
    let mut restore = tx.prepare(
        "UPDATE relapse_checkpoint SET generation = ?2, through = ?3, state_json = ?4
         WHERE patient_id = ?1",
    )?;
    for (patient_id, generation, through, state_json) in checkpoints {
        restore.execute(params![patient_id, generation, through, state_json])?;
    }
    Ok(())
}

/// An integer column's value; `None` for anything else (NULL, text or a real in a damaged row).
fn integer(value: Value) -> Option<i64> {
    match value {
        Value::Integer(n) => Some(n),
        _ => None,
    }
}

/// `UPGRADES[i]` upgrades a database from version `i + 1` to `i + 2`.
pub const UPGRADES: &[Upgrade] = &[
    Upgrade::sql(UPGRADE_1_TO_2),
    Upgrade::sql(UPGRADE_2_TO_3),
    Upgrade::sql(UPGRADE_3_TO_4),
    Upgrade::sql(UPGRADE_4_TO_5),
    Upgrade::sql(UPGRADE_5_TO_6),
    Upgrade::sql(UPGRADE_6_TO_7),
    Upgrade::sql(UPGRADE_7_TO_8),
    UPGRADE_8_TO_9,
    UPGRADE_9_TO_10,
    Upgrade::sql(&[DOSE_REVISION_NOTE]),
];

/// Brings a connection's schema to [`LATEST_VERSION`], refusing a newer one.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > LATEST_VERSION {
        return Err(Error::NewerSchema {
            found: version,
            supported: LATEST_VERSION,
        });
    }
    if version < 0 {
        return Err(Error::UnknownSchema { found: version });
    }
    if version == 0 {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read inside the write lock: another process may have created it meanwhile.
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current == 0 {
            for batch in CREATE_LATEST {
                tx.execute_batch(batch)?;
            }
            tx.pragma_update(None, "user_version", LATEST_VERSION)?;
        }
        tx.commit()?;
        return Ok(());
    }
    // Rebuilding a table (create, copy, drop, rename) needs foreign keys off; they are checked
    // inside each step before it commits (the procedure of sqlite.org/lang_altertable.html).
    conn.execute_batch("PRAGMA foreign_keys=OFF")?;
    let upgraded = upgrade_from(conn, version);
    conn.execute_batch("PRAGMA foreign_keys=ON")?;
    upgraded
}

fn upgrade_from(conn: &mut Connection, version: i64) -> Result<()> {
    for from in version..LATEST_VERSION {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current == from {
            let failed = || Error::MigrationFailed {
                from_version: from,
                to_version: from + 1,
            };
            // A step whose statements fail is a failed migration; damage stays damage.
            let step_failed = |e: rusqlite::Error| {
                if super::is_corruption(&e) {
                    Error::Sqlite(e)
                } else {
                    failed()
                }
            };
            let step = &UPGRADES[(from - 1) as usize];
            for batch in step.batches {
                tx.execute_batch(batch).map_err(step_failed)?;
            }
            if let Some(backfill) = step.backfill {
                backfill(&tx).map_err(step_failed)?;
            }
            for batch in step.batches_after {
                tx.execute_batch(batch).map_err(step_failed)?;
            }
            let violations: i64 =
                tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })?;
            if violations > 0 {
                return Err(failed());
            }
            tx.pragma_update(None, "user_version", from + 1)?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// Stamps a diary written before stamps existed with `application_id` (one IMMEDIATE
/// transaction; stamping twice is harmless).
pub fn stamp(conn: &mut Connection, application_id: i32) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.pragma_update(None, "application_id", application_id)?;
    tx.commit()?;
    Ok(())
}

/// The schema as SQLite reports it, sorted: every table's columns (name, type, not-null,
/// default, primary-key position) and every index's, trigger's and view's SQL with whitespace
/// normalised. Used to prove that a migrated database equals a fresh one.
pub fn describe(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut objects = conn.prepare(
        "SELECT type, name, COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )?;
    let objects: Vec<(String, String, String)> = objects
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name, sql) in objects {
        if kind == "table" {
            let mut columns = conn.prepare("SELECT name, type, \"notnull\", COALESCE(dflt_value, ''), pk FROM pragma_table_xinfo(?1)")?;
            let columns = columns.query_map([&name], |r| {
                Ok(format!(
                    "table {name} column {} {} notnull={} default={} pk={}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?
                ))
            })?;
            for column in columns {
                out.push(column?);
            }
        } else {
            out.push(format!(
                "{kind} {name}: {}",
                sql.split_whitespace().collect::<Vec<_>>().join(" ")
            ));
        }
    }
    Ok(out)
}

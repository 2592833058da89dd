"""Red-team checks of clinical-rules §10 from Python: what a slip of a finger must not do.

Every refusal is `NephroError.Validation` naming the field (or `DoseOutOfRange` for the daily
maximum) and leaves every row of the diary file as it was; a row damaged behind the app's back
never blocks the home screen or an export."""

import gc
import hashlib
import sqlite3

import nephro
from fixtures import EVENING_MS, MORNING_MS, dose_log, profile, seeded, tacrolimus_regimen, weight
from harness import check, check_equal, check_raises, check_validation, temp_dir, temp_path

# 2025-01-15 21:00 UTC, 22:00 in Berlin (the fixture patient's zone): after both slots of the day.
NIGHT_MS = 1736974800000
MINUTE_MS = 60_000
I64_MAX = 2**63 - 1


def digest(path):
    """A digest of every row of every table of the diary file, read on a separate connection."""
    conn = sqlite3.connect(path)
    try:
        h = hashlib.sha256()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for table in tables:
            h.update(table.encode())
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        conn.close()


def refused_unchanged(path, field, what, fn, *args):
    """`fn(*args)` is refused naming `field`, and no row of the file changed."""
    before = digest(path)
    check_validation(field, what, fn, *args)
    check_equal(digest(path), before, f"{what}: nothing stored")


def test_hard_bounds_are_refused_naming_the_field():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient, regimen = seeded(diary)
        med = regimen.medication_id
        diary.log_dose(dose_log("py-am", med, at_ms=MORNING_MS), MORNING_MS, None)

        refused_unchanged(path, "weight_kg", "200.0 typed as 2000 kg", diary.add_measurement, patient.id, weight(2000.0))
        refused_unchanged(path, "weight_kg", "a weight below 1 kg", diary.add_measurement, patient.id, weight(0.9))
        refused_unchanged(path, "height_cm", "a height above 230 cm", diary.add_measurement, patient.id,
                          nephro.Measurement(measured_on="2025-01-15", weight_kg=None, height_cm=1150.0))
        refused_unchanged(path, "measured_on", "a measurement in 2201", diary.add_measurement, patient.id,
                          weight(20.0, on="2201-01-01"))
        tiny = tacrolimus_regimen(start="2025-01-16")
        tiny.strengths_mg = [1e-9]
        refused_unchanged(path, "strengths_mg[0]", "a capsule of 1e-9 mg", diary.add_regimen, patient.id, tiny)
        refused_unchanged(path, "end_date", "a regimen ending in 9999", diary.end_regimen, regimen.id, "9999-12-31")
        refused_unchanged(path, "birth_date", "born in 1899", diary.update_patient, patient.id, profile("1899-12-31"))
        refused_unchanged(path, "actual_at_ms", "a dose given at i64::MAX", diary.log_dose,
                          dose_log("py-far", med, slot_time="20:00", at_ms=I64_MAX), EVENING_MS, None)
        refused_unchanged(path, "actual_at_ms", "an edit to i64::MAX", diary.edit_dose,
                          "py-am", nephro.DoseOutcome.TAKEN, I64_MAX, "father", EVENING_MS, None)
        refused_unchanged(path, "now_ms", "a device clock of i64::MAX", diary.log_dose,
                          dose_log("py-pm", med, slot_time="20:00", at_ms=EVENING_MS), I64_MAX, None)
        refused_unchanged(path, "slot_date", "a slot on 9999-12-31", diary.log_dose,
                          dose_log("py-9999", med, slot_date="9999-12-31", at_ms=EVENING_MS), EVENING_MS, None)
        urine = nephro.UrineReadingInput(
            client_id="py-urine", patient_id=patient.id, dipstick=nephro.DipstickGrade.NEGATIVE, upcr=None, unit=None,
            taken_at_ms=I64_MAX, taken_on=None, first_morning=True, note=None, logged_by="mother")
        refused_unchanged(path, "taken_at_ms", "a urine reading at i64::MAX", diary.log_urine_reading, urine)

        # The weight slip that passes the bounds is stopped by the daily maximum (10 mg/day).
        slip = nephro.DoseRequest(
            drug=nephro.Drug.TACROLIMUS, weight_kg=200.0, mg_per_kg_per_day=0.1, mg_per_m2_per_day=None,
            height_cm=None, doses_per_day=2, strengths_mg=[0.5, 1.0], allow_split=False, override_range=False)
        error = check_raises(nephro.NephroError.DoseOutOfRange, "tacrolimus 20 mg/day is refused",
                             nephro.calculate_dose, slip)
        check(error is not None and "200" not in str(error), "the refusal does not repeat the weight")
        check(error is not None and isinstance(error.limit, nephro.DoseLimit.DAILY_MAXIMUM)
              and error.limit.max_mg_per_day == 10.0, "the daily maximum crosses the FFI as a field")
        slip.override_range = True
        check_equal(nephro.calculate_dose(slip).daily_mg, 20.0, "the care team may override")
        del diary
        gc.collect()


def test_dose_timing_follows_the_device_clock():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient, regimen = seeded(diary)
        med = regimen.medication_id
        # 19:55 Berlin for the 20:00 dose, on a clock reading 19:55.
        early = EVENING_MS - 15 * MINUTE_MS  # 18:55 UTC = 19:55 Berlin
        diary.log_dose(dose_log("py-pm", med, slot_time="20:00", at_ms=early), early, None)
        # A slot 4.5 months ahead: refused, and its reminder is still there.
        ahead = dose_log("py-ahead", med, slot_date="2025-06-01", slot_time="20:00",
                         outcome=nephro.DoseOutcome.SKIPPED, at_ms=NIGHT_MS)
        refused_unchanged(path, "slot_date", "a slot 4.5 months ahead", diary.log_dose, ahead, NIGHT_MS, None)
        june_evening = 1748800800000 - 3_600_000  # 2025-06-01T17:00:00Z, an hour before 20:00 Berlin
        reminders = diary.next_reminders(patient.id, june_evening, None, 1, "en")
        check_equal([r.id for r in reminders], [f"{med}@2025-06-01T20:00"], "the reminder did not vanish")
        # Taken: no later than the clock plus 5 minutes, no earlier than the slot minus 6 hours.
        small_hours = NIGHT_MS + 5 * 60 * MINUTE_MS  # 03:00 Berlin: the 08:00 slot is 5 h ahead
        tomorrow = dose_log("py-next", med, slot_date="2025-01-16", at_ms=small_hours + 6 * MINUTE_MS)
        refused_unchanged(path, "actual_at_ms", "given after the device clock", diary.log_dose,
                          tomorrow, small_hours, None)
        too_early = dose_log("py-next", med, slot_date="2025-01-16", at_ms=small_hours - 2 * 60 * MINUTE_MS)
        refused_unchanged(path, "actual_at_ms", "given before the slot's take-window", diary.log_dose,
                          too_early, small_hours, None)
        on_time = dose_log("py-next", med, slot_date="2025-01-16", at_ms=small_hours + 5 * MINUTE_MS)
        check_equal(diary.log_dose(on_time, small_hours, None).revision, 1, "5 minutes of clock skew are allowed")
        del diary
        gc.collect()


def test_an_unreadable_row_never_blocks_the_home_screen_or_an_export():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient, regimen = seeded(diary)
        med = regimen.medication_id
        diary.log_dose(dose_log("py-am", med, at_ms=MORNING_MS), MORNING_MS, None)
        diary.log_dose(dose_log("py-pm", med, slot_time="20:00", at_ms=EVENING_MS), EVENING_MS, None)
        conn = sqlite3.connect(path)
        with conn:
            conn.execute("UPDATE dose_log SET actual_at_ms = ? WHERE client_id = 'py-pm'", (I64_MAX,))
            conn.execute("INSERT INTO measurement (patient_id, measured_on, weight_kg, height_cm, recorded_at_ms) "
                         "VALUES (?, 'garbage', 21.0, NULL, 0)", (patient.id,))
        conn.close()
        home = diary.home_screen(patient.id, NIGHT_MS, None, "en")
        check_equal(sorted(r.table for r in home.unreadable), ["dose_log", "measurement"], "both rows reported")
        check(all("garbage" not in r.reason for r in home.unreadable), "reasons name fields, not values")
        logged = [d.slot_time for d in home.doses if d.logged is not None]
        check_equal(logged, ["08:00"], "the readable dose is shown")
        for fmt in (nephro.ExportFormat.FHIR, nephro.ExportFormat.CSV, nephro.ExportFormat.HTML,
                    nephro.ExportFormat.ICS):
            request = nephro.ExportRequest(format=fmt, from_date=None, to_date=None, deidentify_seed=None,
                                           locale="en", now_ms=NIGHT_MS)
            files = diary.export(patient.id, request)
            text = "".join(bytes(f.bytes).decode("utf-8") for f in files).replace("\r\n ", "")
            check("2 stored records could not be read and are not shown" in text, f"{fmt} reports them")
        del diary
        gc.collect()

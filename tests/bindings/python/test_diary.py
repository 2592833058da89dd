"""The Diary object from Python: store, idempotent dose log, history, reopen, typed errors."""

import gc
import math
import os

import nephro
from fixtures import EVENING_LATER_MS, EVENING_MS, MORNING_MS, dose_log, profile, seeded, tacrolimus_regimen, weight
from harness import check, check_close, check_equal, check_raises, check_validation, temp_dir, temp_path


def test_library_loads():
    check_equal(nephro.ping(-(2**62)), -(2**62), "ping returns its argument (i64)")
    check(nephro.core_version(), "core_version is not empty")


def test_diary_logs_doses_and_keeps_them_across_reopen():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient = diary.create_patient(profile())
        check_equal(patient.profile.display_name, "Test Child", "patient stored")
        diary.add_measurement(patient.id, weight(20.0))
        regimen = diary.add_regimen(patient.id, tacrolimus_regimen())

        # 0.1 mg/kg/day x 20 kg = 2 mg/day, twice daily = one 1 mg capsule per dose.
        check_equal(regimen.medication_id, f"regimen-{regimen.id}", "medication id")
        check_close(regimen.weight_kg, 20.0, "regimen weight")
        check_close(regimen.dose.per_dose_mg, 1.0, "per dose mg")
        check_close(regimen.dose.daily_mg, 2.0, "daily mg")
        check_close(regimen.dose.mg_per_kg_per_day, 0.1, "actual mg/kg/day")
        check_equal(
            [(u.strength_mg, u.count) for u in regimen.dose.units], [(1.0, 1.0)], "units: one 1 mg capsule"
        )
        check_equal(regimen.prescription.times, ["08:00", "20:00"], "times round-trip")

        med = regimen.medication_id
        morning = diary.log_dose(dose_log("py-1", med, slot_time="08:00", at_ms=MORNING_MS), MORNING_MS, None)
        check_equal(morning.revision, 1, "first log is revision 1")
        check_equal(morning.undone, False, "first log is not undone")
        again = diary.log_dose(dose_log("py-1", med, slot_time="08:00", at_ms=MORNING_MS), EVENING_MS, None)
        check_equal(again, morning, "same client_id again returns the stored entry")
        diary.log_dose(dose_log("py-2", med, slot_time="20:00", at_ms=EVENING_MS), EVENING_MS, None)
        logs = diary.dose_logs(patient.id, "2025-01-15", "2025-01-15")
        check_equal([e.dose.client_id for e in logs], ["py-1", "py-2"], "double submission stored once")

        conflict = check_raises(
            nephro.NephroError.Conflict, "another client_id for a logged slot is a conflict",
            diary.log_dose, dose_log("py-3", med, slot_time="08:00", at_ms=MORNING_MS), MORNING_MS, None,
            record="dose_log",
        )
        check(conflict is not None and isinstance(conflict.kind, nephro.ConflictKind.ALREADY_LOGGED),
              "the conflict's kind is already_logged")
        check_equal(len(diary.dose_logs(patient.id, "2025-01-15", "2025-01-15")), 2, "conflict stored nothing")

        edited = diary.edit_dose("py-2", nephro.DoseOutcome.SKIPPED, EVENING_LATER_MS, "father", EVENING_LATER_MS, None)
        check_equal(edited.revision, 2, "edit makes revision 2")
        check_equal(edited.dose.outcome, nephro.DoseOutcome.SKIPPED, "edit changed the outcome")
        undone = diary.undo_dose("py-2", "mother")
        check_equal((undone.revision, undone.undone), (3, True), "undo makes revision 3, undone")
        history = diary.dose_history("py-2")
        check_equal([r.revision for r in history], [1, 2, 3], "history keeps 3 revisions")
        check_equal(
            [(r.outcome, r.by, r.undone) for r in history],
            [
                (nephro.DoseOutcome.TAKEN, "mother", False),
                (nephro.DoseOutcome.SKIPPED, "father", False),
                (nephro.DoseOutcome.SKIPPED, "mother", True),
            ],
            "history outcomes, authors and undo flag",
        )
        check_equal(history[0].actual_at_ms, EVENING_MS, "first revision keeps the original time")

        # Close (the last reference goes) and read everything back from the file.
        patient_id = patient.id
        del diary, morning, again, edited, undone
        gc.collect()
        diary = nephro.Diary.open(path)
        check_equal([p.id for p in diary.patients()], [patient_id], "patient after reopen")
        regimens = diary.regimens(patient_id)
        check_equal(len(regimens), 1, "one regimen after reopen")
        if regimens:
            check_equal(regimens[0].dose, regimen.dose, "regimen dose after reopen")
        logs = diary.dose_logs(patient_id, "2025-01-01", "2025-01-31")
        check_equal(
            [(e.dose.client_id, e.dose.slot_time, e.dose.outcome, e.revision, e.undone) for e in logs],
            [
                ("py-1", "08:00", nephro.DoseOutcome.TAKEN, 1, False),
                ("py-2", "20:00", nephro.DoseOutcome.SKIPPED, 3, True),
            ],
            "doses after reopen",
        )
        check_equal(diary.dose("py-1").dose.actual_at_ms, MORNING_MS, "dose by client id after reopen")
        check_equal(len(diary.dose_history("py-2")), 3, "history after reopen")
        check_raises(nephro.NephroError.NotFound, "unknown client id", diary.dose, "py-404")


def _dose_request(weight_kg):
    return nephro.DoseRequest(
        drug=nephro.Drug.TACROLIMUS, weight_kg=weight_kg, mg_per_kg_per_day=0.1, mg_per_m2_per_day=None,
        height_cm=None, doses_per_day=2, strengths_mg=[0.5, 1.0], allow_split=False, override_range=False,
    )


def test_refusals_are_typed_and_store_nothing():
    check_validation("weight_kg", "calculate_dose: weight 0", nephro.calculate_dose, _dose_request(0.0))
    check_validation("weight_kg", "calculate_dose: weight NaN", nephro.calculate_dose, _dose_request(math.nan))
    out_of_range = check_raises(
        nephro.NephroError.DoseOutOfRange, "calculate_dose: 0.15 mg/kg/day without override",
        nephro.calculate_dose,
        nephro.DoseRequest(
            drug=nephro.Drug.TACROLIMUS, weight_kg=20.0, mg_per_kg_per_day=0.15, mg_per_m2_per_day=None,
            height_cm=None, doses_per_day=2, strengths_mg=[0.5, 1.0], allow_split=False, override_range=False,
        ),
    )
    limit = out_of_range.limit if out_of_range is not None else None
    check(isinstance(limit, nephro.DoseLimit.PROTOCOL_RANGE), "the limit crossed is the protocol range")
    if isinstance(limit, nephro.DoseLimit.PROTOCOL_RANGE):
        check_equal((out_of_range.drug, limit.requested_mg_per_kg_per_day), ("tacrolimus", 0.15),
                    "the drug and the requested rate cross the FFI as fields")
        check(limit.min_mg_per_kg_per_day < limit.max_mg_per_kg_per_day < 0.15, "the range is below the request")
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        check_validation("birth_date", "create_patient: malformed birth date", diary.create_patient, profile("2019-02-30"))
        check_equal(diary.patients(), [], "no patient stored after the refusal")

        patient = diary.create_patient(profile())
        check_validation("weight_kg", "add_measurement: weight 0", diary.add_measurement, patient.id, weight(0.0))
        check_validation("weight_kg", "add_measurement: weight NaN", diary.add_measurement, patient.id, weight(math.nan))
        check_validation(
            "measured_on", "add_measurement: malformed date", diary.add_measurement, patient.id, weight(20.0, on="10.01.2025")
        )
        check_equal(diary.measurements(patient.id), [], "no measurement stored after the refusals")

        _, regimen = seeded(diary)
        check_validation(
            "slot_date", "log_dose: malformed slot date",
            diary.log_dose, dose_log("py-bad", regimen.medication_id, slot_date="2025-1-15"), MORNING_MS, None,
        )
        check_raises(nephro.NephroError.NotFound, "dose of a refused log", diary.dose, "py-bad")



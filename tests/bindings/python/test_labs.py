"""Labs from Python: every `labs` case through the typed `assess_labs_case`, and the Diary's lab
log with its flags, trough validity, alerts, settings, blood pressure and recalculate prompt."""

import gc
from datetime import datetime, timezone

import nephro
from conformance import run_suite
from fixtures import EVENING_MS, dose_log, profile, tacrolimus_regimen, weight
from harness import check, check_close, check_equal, check_raises, check_validation, temp_dir, temp_path

# The case files' identifiers of the typed enums (tests/conformance/README.md, suite labs).
KIND_IDS = {
    nephro.LabKind.TACROLIMUS_TROUGH: "tacrolimus_trough",
    nephro.LabKind.MPA_AUC: "mpa_auc",
    nephro.LabKind.CREATININE: "creatinine",
    nephro.LabKind.WBC: "wbc",
    nephro.LabKind.HAEMOGLOBIN: "haemoglobin",
    nephro.LabKind.PLATELETS: "platelets",
    nephro.LabKind.ALT: "alt",
    nephro.LabKind.TOTAL_BILIRUBIN: "total_bilirubin",
    nephro.LabKind.ALBUMIN: "albumin",
    nephro.LabKind.UPCR: "upcr",
}
FLAG_IDS = {
    nephro.TargetFlag.BELOW: "below",
    nephro.TargetFlag.IN_RANGE: "in_range",
    nephro.TargetFlag.ABOVE: "above",
    nephro.TargetFlag.NOT_A_TROUGH: "not_a_trough",
}
TROUGH_IDS = {
    nephro.TroughValidity.VALID: "valid",
    nephro.TroughValidity.AFTER_MORNING_DOSE: "after_morning_dose",
    nephro.TroughValidity.LESS_THAN10_HOURS_AFTER_DOSE: "less_than_10h_after_dose",
}
ALERT_IDS = {
    nephro.AlertKind.LEUKOPENIA: "leukopenia",
    nephro.AlertKind.ANAEMIA: "anaemia",
    nephro.AlertKind.THROMBOCYTOPENIA: "thrombocytopenia",
    nephro.AlertKind.ALT_RAISED: "alt_raised",
    nephro.AlertKind.BILIRUBIN_RAISED: "bilirubin_raised",
    nephro.AlertKind.CREATININE_RISE: "creatinine_rise",
    nephro.AlertKind.EGFR_BELOW90: "egfr_below_90",
}
NOTE_IDS = {
    nephro.AssessmentNote.UPPER_LIMIT_OF_NORMAL_MISSING: "uln_missing",
    nephro.AssessmentNote.NO_HEIGHT_FOR_EGFR: "no_height_for_egfr",
}
SOURCE_IDS = {
    nephro.BaselineSource.CARE_TEAM: "care_team",
    nephro.BaselineSource.FIRST_ON_RECORD: "first_on_record",
}


def _optional_float(value):
    return None if value is None else float(value)


def _target(t):
    if t is None:
        return None
    return nephro.LevelTarget(
        low=_optional_float(t.get("low")),
        high=_optional_float(t.get("high")),
        high_inclusive=t.get("high_inclusive", True),
    )


def labs_case_input(case_input):
    """The typed input of a case (key for key; missing lists are empty)."""
    targets = case_input.get("targets") or {}
    return nephro.LabsCaseInput(
        timezone=case_input["timezone"],
        phase=case_input.get("phase"),
        tacrolimus_trough_target=_target(targets.get("tacrolimus_trough")),
        mpa_auc_target=_target(targets.get("mpa_auc")),
        creatinine_baseline_mg_dl=_optional_float(case_input.get("creatinine_baseline_mg_dl")),
        labs=[
            nephro.LabsCaseLab(
                kind=lab["kind"],
                value=float(lab["value"]),
                unit=lab["unit"],
                drawn_at=lab["drawn_at"],
                upper_limit_of_normal=_optional_float(lab.get("upper_limit_of_normal")),
            )
            for lab in case_input["labs"]
        ],
        doses=[
            nephro.LabsCaseDose(taken_at=d["taken_at"], slot_date=d["slot_date"], slot_time=d["slot_time"])
            for d in case_input.get("doses", [])
        ],
        heights=[nephro.LabsCaseHeight(date=h["date"], height_cm=float(h["height_cm"])) for h in case_input.get("heights", [])],
        regimen_weight_kg=_optional_float(case_input.get("regimen_weight_kg")),
        latest_weight_kg=_optional_float(case_input.get("latest_weight_kg")),
        recalculate_threshold=_optional_float(case_input.get("recalculate_threshold")),
    )


def utc_text(ms):
    """An instant in UTC with `Z`, as the case files write it."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def evaluate(case_input):
    output = nephro.assess_labs_case(labs_case_input(case_input))
    prompt = output.recalculate_prompt
    return {
        "creatinine_baseline_mg_dl": output.creatinine_baseline_mg_dl,
        "creatinine_baseline_source": SOURCE_IDS.get(output.creatinine_baseline_source),
        "labs": [
            {
                "kind": KIND_IDS[a.kind],
                "drawn_at": utc_text(a.drawn_at_ms),
                "flag": FLAG_IDS.get(a.flag),
                "trough": TROUGH_IDS.get(a.trough),
                "alerts": [
                    {
                        "kind": ALERT_IDS[x.kind],
                        "value": x.value,
                        "threshold": x.threshold,
                        "unit": x.unit,
                        "message_key": x.message_key,
                    }
                    for x in a.alerts
                ],
                "egfr": a.egfr,
                "notes": [NOTE_IDS[n] for n in a.notes],
            }
            for a in output.labs
        ],
        "recalculate_prompt": None
        if prompt is None
        else {
            "change_fraction": prompt.change_fraction,
            "threshold_fraction": prompt.threshold_fraction,
            "message_key": prompt.message_key,
        },
    }


def test_labs_suite():
    run_suite("labs", evaluate)


# 2025-01-16 06:30 UTC (07:30 in Berlin, 11 h 20 min after the evening dose of the 15th at
# 19:10 UTC) and 2025-01-15 21:00 UTC (22:00 in Berlin, 1 h 50 min after it).
TROUGH_MS = 1737009000000
TOO_EARLY_MS = 1736974800000


def lab(client_id, patient_id, kind, value, unit, at_ms=TROUGH_MS, uln=None):
    return nephro.LabResultInput(
        client_id=client_id,
        patient_id=patient_id,
        kind=kind,
        value=value,
        unit=unit,
        drawn_at_ms=at_ms,
        upper_limit_of_normal=uln,
        logged_by="mother",
    )


def _flags(report):
    return [(line.result.client_id, line.assessment.flag) for line in report.lines]


def test_diary_logs_labs_and_reads_flags_and_alerts():
    K, U = nephro.LabKind, nephro.LabUnit
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient = diary.create_patient(profile())  # Europe/Berlin
        diary.add_measurement(patient.id, nephro.Measurement(measured_on="2025-01-10", weight_kg=20.0, height_cm=115.0))
        regimen = diary.add_regimen(patient.id, tacrolimus_regimen())
        diary.log_dose(dose_log("ev-15", regimen.medication_id, slot_time="20:00", at_ms=EVENING_MS), EVENING_MS, None)

        trough = diary.log_lab_result(lab("py-trough", patient.id, K.TACROLIMUS_TROUGH, 7.2, U.NANOGRAMS_PER_MILLILITRE))
        check_equal((trough.revision, trough.retracted), (1, False), "a logged lab is revision 1")
        again = diary.log_lab_result(lab("py-trough", patient.id, K.TACROLIMUS_TROUGH, 7.2, U.NANOGRAMS_PER_MILLILITRE))
        check_equal(again, trough, "the same client_id again returns the stored result")
        check_raises(
            nephro.NephroError.Conflict,
            "another value under a used client_id is a conflict",
            diary.log_lab_result,
            lab("py-trough", patient.id, K.TACROLIMUS_TROUGH, 9.9, U.NANOGRAMS_PER_MILLILITRE),
        )
        diary.log_lab_result(lab("py-early", patient.id, K.TACROLIMUS_TROUGH, 14.0, U.NANOGRAMS_PER_MILLILITRE, TOO_EARLY_MS))
        diary.log_lab_result(lab("py-wbc", patient.id, K.WBC, 2.8, U.BILLIONS_PER_LITRE))
        diary.log_lab_result(lab("py-creatinine", patient.id, K.CREATININE, 0.5, U.MILLIGRAMS_PER_DECILITRE))

        check_validation(
            "result.unit",
            "a unit that does not fit the kind is refused",
            diary.log_lab_result,
            lab("py-bad", patient.id, K.PLATELETS, 150.0, U.GRAMS_PER_DECILITRE),
        )
        check_validation(
            "result.value",
            "a negative value is refused",
            diary.log_lab_result,
            lab("py-bad", patient.id, K.WBC, -1.0, U.BILLIONS_PER_LITRE),
        )
        check_raises(nephro.NephroError.NotFound, "an unknown client id", diary.lab_result, "py-bad")

        report = diary.lab_report(patient.id, "2025-01-15", "2025-01-16", "en")
        check_equal(
            _flags(report),
            [
                ("py-early", nephro.TargetFlag.NOT_A_TROUGH),
                ("py-trough", nephro.TargetFlag.IN_RANGE),
                ("py-wbc", None),
                ("py-creatinine", None),
            ],
            "flags in draw order: the level 1 h 50 min after a dose is not a trough",
        )
        lines = {line.result.client_id: line for line in report.lines}
        if len(lines) == 4:
            check_equal(lines["py-trough"].assessment.trough, nephro.TroughValidity.VALID, "the 07:30 level is a trough")
            check_equal(
                lines["py-trough"].target,
                nephro.LevelTarget(low=5.0, high=10.0, high_inclusive=True),
                "initial phase target 5–10 ng/mL",
            )
            check("not drawn as a trough" in (lines["py-early"].assessment.flag_text or ""), "not-a-trough text")
            alerts = lines["py-wbc"].assessment.alerts
            check_equal([a.kind for a in alerts], [nephro.AlertKind.LEUKOPENIA], "WBC 2.8 raises leukopenia")
            if alerts:
                check_close(alerts[0].threshold, 3.0, "leukopenia threshold")
                check("contact your team" in alerts[0].text, "alert text points to the care team")
                check_equal(alerts[0].informational, False, "leukopenia is a safety alert")
            # 0.413 × 115 ÷ 0.5
            check_close(lines["py-creatinine"].assessment.egfr, 94.99, "bedside Schwartz eGFR")
            check_equal(report.creatinine_baseline_source, nephro.BaselineSource.FIRST_ON_RECORD, "baseline source")

        zh = diary.lab_report(patient.id, "2025-01-16", "2025-01-16", "zh-Hans")
        texts = [a.text for line in zh.lines for a in line.assessment.alerts]
        check(any("白细胞" in t for t in texts), "alert text in Simplified Chinese")
        check_validation("locale", "an unknown locale is refused", diary.lab_report, patient.id, "2025-01-16", "2025-01-16", "fr")

        corrected = diary.correct_lab_result(
            "py-wbc",
            nephro.LabCorrection(value=3.1, unit=U.BILLIONS_PER_LITRE, drawn_at_ms=TROUGH_MS, upper_limit_of_normal=None, corrected_by="nurse"),
        )
        check_equal(corrected.revision, 2, "a correction is revision 2")
        diary.retract_lab_result("py-creatinine", "mother")
        check_equal([r.revision for r in diary.lab_history("py-creatinine")], [1, 2], "retraction kept in history")

        bp = diary.add_blood_pressure(patient.id, nephro.BloodPressureInput(measured_at_ms=TROUGH_MS, systolic_mmhg=104.0, diastolic_mmhg=66.0))
        check_validation(
            "blood_pressure.diastolic_mmhg",
            "a diastolic pressure above the systolic is refused",
            diary.add_blood_pressure,
            patient.id,
            nephro.BloodPressureInput(measured_at_ms=TROUGH_MS, systolic_mmhg=60.0, diastolic_mmhg=100.0),
        )
        diary.add_measurement(patient.id, weight(22.0, on="2025-02-01"))

        # Close and read back from the file.
        patient_id = patient.id
        del diary, trough, again, corrected
        gc.collect()
        diary = nephro.Diary.open(path)
        results = diary.lab_results(patient_id, "2025-01-01", "2025-01-31")
        check_equal([r.client_id for r in results], ["py-early", "py-trough", "py-wbc", "py-creatinine"], "labs after reopen")
        check_equal([r.retracted for r in results], [False, False, False, True], "retracted flag after reopen")
        report = diary.lab_report(patient_id, "2025-01-15", "2025-01-16", "en")
        check_equal(
            [(line.result.client_id, line.result.value) for line in report.lines],
            [("py-early", 14.0), ("py-trough", 7.2), ("py-wbc", 3.1)],
            "the corrected value is assessed and the retracted one left out",
        )
        check(all(not line.assessment.alerts for line in report.lines), "WBC 3.1 raises no alert")
        check_equal(diary.blood_pressures(patient_id), [bp], "blood pressure after reopen")
        # A double tap, or a retry after a lost response, with the same client_id stores one reading.
        tapped = nephro.BloodPressureInput(
            measured_at_ms=TROUGH_MS + 3_600_000, systolic_mmhg=101.0, diastolic_mmhg=63.0, client_id="py-bp-1"
        )
        first_bp = diary.add_blood_pressure(patient_id, tapped)
        check_equal(diary.add_blood_pressure(patient_id, tapped), first_bp, "the same blood-pressure client_id returns the stored reading")
        check_equal(diary.blood_pressures(patient_id), [bp, first_bp], "the same blood-pressure client_id twice stores one reading")
        check_raises(
            nephro.NephroError.Conflict,
            "the same blood-pressure client_id with another reading is a conflict",
            diary.add_blood_pressure,
            patient_id,
            nephro.BloodPressureInput(
                measured_at_ms=TROUGH_MS + 3_600_000, systolic_mmhg=102.0, diastolic_mmhg=63.0, client_id="py-bp-1"
            ),
        )
        check_equal(len(diary.blood_pressures(patient_id)), 2, "a conflicting reading is not stored")
        growth = diary.growth(patient_id)
        check_equal([p.date for p in growth.points], ["2025-01-10", "2025-02-01"], "growth dates")
        if len(growth.points) == 2:
            check_close(growth.points[1].bsa_m2, (115.0 * 22.0 / 3600) ** 0.5, "BSA on the latest weight and height")

        # The care team moves to the maintenance phase: 7.2 ng/mL is above "< 5".
        settings = diary.set_target_phase(patient_id, nephro.TargetPhase.MAINTENANCE, "Dr. Example")
        check_equal(settings.phase, nephro.TargetPhase.MAINTENANCE, "phase stored")
        report = diary.lab_report(patient_id, "2025-01-16", "2025-01-16", "en")
        check_equal(report.lines[0].assessment.flag if report.lines else None, nephro.TargetFlag.ABOVE, "maintenance flag")
        check_validation(
            "targets.tacrolimus_trough.low",
            "a target with low above high is refused",
            diary.set_lab_targets,
            patient_id,
            nephro.TargetPhase.INITIAL,
            nephro.LevelTargets(
                tacrolimus_trough=nephro.LevelTarget(low=10.0, high=5.0, high_inclusive=True),
                mpa_auc=nephro.LevelTarget(low=30.0, high=50.0, high_inclusive=True),
            ),
            "Dr. Example",
        )

        # 22 kg against the regimen's 20 kg: exactly +10 % raises the prompt.
        prompts = diary.recalculate_prompts(patient_id, "2025-02-01", "en")
        check_equal([p.regimen_id for p in prompts], [regimen.id], "one recalculate prompt")
        if prompts:
            check_close(prompts[0].change_fraction, 0.1, "weight change +10 %")
            check_equal(prompts[0].message_key, "labs.prompt.recalculate_dose", "prompt message key")
        diary.set_recalculate_threshold(patient_id, 0.15, "Dr. Example")
        check_equal(diary.recalculate_prompts(patient_id, "2025-02-01", "en"), [], "no prompt under a 15 % threshold")

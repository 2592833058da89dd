"""Every medicine of clinical-rules §12 from Python: liquids (what the family reads, the bad input
of a concentration of 0, NaN or 1e9, a graduation larger than the dose), steroid calendars in mL
(the project's `liquid_taper` suite) and the cumulative cyclophosphamide dose (its
`cyclophosphamide` suite)."""

import math

import nephro
from conformance import run_suite
from fixtures import seeded
from harness import check, check_equal, check_raises, check_validation, temp_dir, temp_path
from test_dose_conformance import liquid_input
from test_taper import taper_case_input


def liquid_dose(concentration, step=None, weight=12.0, rate=2.0, doses=1):
    return nephro.DoseRequest(
        drug=nephro.Drug.PREDNISOLONE, weight_kg=weight, mg_per_kg_per_day=rate, mg_per_m2_per_day=None,
        height_cm=None, doses_per_day=doses, strengths_mg=[], allow_split=False, override_range=False,
        liquid=nephro.LiquidInput(concentration_mg_per_ml=concentration, syringe_step_ml=step),
    )


def test_the_family_reads_millilitres_then_milligrams():
    # 10 kg x 2.4 mg/kg/day = 24 mg in 2 doses = 12 mg = 2.4 mL of 5 mg/mL.
    result = nephro.calculate_dose(liquid_dose(5.0, weight=10.0, rate=2.4, doses=2))
    check_equal(result.per_dose_ml, 2.4, "2.4 mL per dose")
    check_equal(result.family_text, "2.4 mL (12 mg)", "the family's text")
    check_equal(result.units, [], "no tablets for a liquid")
    tablets = nephro.calculate_dose(nephro.DoseRequest(
        drug=nephro.Drug.TACROLIMUS, weight_kg=20.0, mg_per_kg_per_day=0.1, mg_per_m2_per_day=None, height_cm=None,
        doses_per_day=2, strengths_mg=[0.5, 1.0], allow_split=False, override_range=False))
    check_equal((tablets.per_dose_ml, tablets.family_text), (None, "1 mg"), "a tablet dose has no volume")


def test_bad_liquids_are_refused_naming_the_field():
    for bad in (0.0, math.nan, 1e9, -5.0, math.inf):
        check_validation("liquid.concentration_mg_per_ml", f"concentration {bad}", nephro.calculate_dose, liquid_dose(bad))
    check_validation("liquid.syringe_step_ml", "a 0 mL graduation", nephro.calculate_dose, liquid_dose(5.0, step=0.0))
    check_validation("liquid.syringe_step_ml", "a NaN graduation", nephro.calculate_dose, liquid_dose(5.0, step=math.nan))
    # A 10 mL graduation for a 4.8 mL dose: less than one mark.
    error = check_raises(nephro.NephroError.NotMeasurable, "a graduation larger than the dose",
                         nephro.calculate_dose, liquid_dose(5.0, step=10.0))
    check(error is not None and "pharmacist" in str(error), f"tells the family to ask the pharmacist: {error}")
    both = liquid_dose(5.0)
    both.strengths_mg = [5.0]
    check_validation("liquid", "strengths and a liquid", nephro.calculate_dose, both)


def test_liquid_taper_suite():
    def evaluate(case_input):
        liquid = liquid_input(case_input["liquid"])
        calendar = nephro.build_liquid_taper_calendar(taper_case_input(case_input), liquid)
        return {
            "mg_by_date": {day.date: day.mg for day in calendar.days},
            "ml_by_date": {day.date: day.ml for day in calendar.days},
            "total_mg": calendar.total_mg,
            "total_ml": calendar.total_ml,
            "dosing_days": calendar.dosing_days,
            "first_dosing_day": calendar.first_dosing_day,
            "last_dosing_day": calendar.last_dosing_day,
        }

    count = run_suite("liquid_taper", evaluate)
    check(count >= 7, f"the liquid_taper cases ran ({count})")


def test_liquid_calendar_shows_the_family_text_on_dosing_days_only():
    case = {"start": "2025-03-01", "weight_kg": 12, "phases": [
        {"dose": {"mg_per_kg": 2}, "frequency": "alternate_day", "days": 2}]}
    calendar = nephro.build_liquid_taper_calendar(taper_case_input(case), nephro.LiquidInput(concentration_mg_per_ml=5.0, syringe_step_ml=None))
    check_equal([d.family_text for d in calendar.days], ["4.8 mL (24 mg)", ""], "the family's text per day")


def test_cyclophosphamide_suite():
    def evaluate(case_input):
        plan = case_input.get("plan")
        result = nephro.cumulative_cyclophosphamide(nephro.CyclophosphamideInput(
            prior_mg_per_kg=float(case_input.get("prior_mg_per_kg", 0)),
            weights=[nephro.DatedWeightInput(date=w["date"], weight_kg=float(w["weight_kg"])) for w in case_input.get("weights", [])],
            doses=[nephro.TakenDoseInput(date=d["date"], mg=float(d["mg"])) for d in case_input.get("doses", [])],
            plan=nephro.CyclophosphamidePlan(mg_per_kg_per_day=float(plan["mg_per_kg_per_day"]), days=int(plan["days"])) if plan else None,
            override_limit=case_input.get("override", False),
        ))
        output = {"cumulative_mg_per_kg": result.cumulative_mg_per_kg, "warning": result.warning}
        if result.planned_total_mg_per_kg is not None:
            output["planned_total_mg_per_kg"] = result.planned_total_mg_per_kg
        return output

    count = run_suite("cyclophosphamide", evaluate)
    check(count >= 10, f"the cyclophosphamide cases ran ({count})")


# 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
BEFORE_FIRST_DOSE_MS = 1736920800000


def medicine(patient_id, client_id="enalapril", name=None, amount=None, days=None, times=("08:00",), **schedule):
    return nephro.NewMedicineInput(
        patient_id=patient_id, client_id=client_id,
        name=name or nephro.MedicineNameInput.KNOWN(id="enalapril"),
        form="tablet",
        amount=amount or nephro.MedicineAmountInput.TABLETS(strength_mg=2.5, units=1.0),
        schedule=nephro.MedicineScheduleInput(
            times=list(times), days=days or nephro.MedicineDaysInput.EVERY_DAY(), start_date="2025-01-15",
            end_date=schedule.get("end_date"), course_days=schedule.get("course_days")),
        added_by="nephrologist",
    )


def prednisolone_solution(patient_id, concentration=5.0, step=None):
    return medicine(
        patient_id, client_id="prednisolone-solution", name=nephro.MedicineNameInput.KNOWN(id="prednisolone"),
        amount=nephro.MedicineAmountInput.LIQUID(
            mg=12.0, liquid=nephro.LiquidInput(concentration_mg_per_ml=concentration, syringe_step_ml=step)),
        course_days=28,
    )


def test_any_medicine_is_added_reminded_shown_and_stopped():
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient, _ = seeded(diary)
        ace = diary.add_medicine(medicine(patient.id))
        check_equal((ace.medication_id, ace.dose_text, ace.is_steroid), (f"medicine-{ace.id}", "2.5 mg", False), "enalapril")
        check_equal(diary.add_medicine(medicine(patient.id)), ace, "a retried request stores it once")
        liquid = diary.add_medicine(prednisolone_solution(patient.id))
        check_equal((liquid.dose_ml, liquid.dose_mg, liquid.dose_text, liquid.is_steroid),
                    (2.4, 12.0, "2.4 mL (12 mg)", True), "prednisolone solution")
        typed = diary.add_medicine(medicine(
            patient.id, client_id="typed", name=nephro.MedicineNameInput.TYPED(name="Calcichew D3"),
            days=nephro.MedicineDaysInput.EVERY_N_DAYS(n=3)))
        check_equal(typed.is_steroid, False, "a typed-in name is never a steroid")
        check_equal([m.id for m in diary.medicines(patient.id)], [ace.id, liquid.id, typed.id], "listed")

        today = diary.today_doses(patient.id, BEFORE_FIRST_DOSE_MS, None, "en")
        labels = [d.label for d in today if d.medication_id.startswith("medicine-")]
        check_equal(labels, ["Enalapril 2.5 mg", "Prednisolone 2.4 mL (12 mg)", "Calcichew D3 2.5 mg"], "home screen")
        check_equal([d.drug for d in today if d.medication_id == liquid.medication_id],
                    [nephro.Drug.PREDNISOLONE], "a known drug keeps its drug")
        check_equal([d.drug for d in today if d.medication_id == ace.medication_id], [None], "no drug for enalapril")
        reminders = diary.next_reminders(patient.id, BEFORE_FIRST_DOSE_MS, None, 64, "en")
        typed_days = sorted({r.slot_date for r in reminders if r.medication_id == typed.medication_id})
        check_equal(typed_days[:3], ["2025-01-15", "2025-01-18", "2025-01-21"], "every third day")

        diary.stop_medicine(ace.id, "2025-01-16")
        reminders = diary.next_reminders(patient.id, BEFORE_FIRST_DOSE_MS, None, 64, "en")
        check_equal(sorted(r.slot_date for r in reminders if r.medication_id == ace.medication_id),
                    ["2025-01-15"], "no reminder from the stop day")
        check_validation("stopped_on", "a stop before the start", diary.stop_medicine, ace.id, "2025-01-01")


def test_bad_medicines_are_refused_naming_the_field_and_nothing_is_stored():
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient, _ = seeded(diary)
        for bad in (0.0, math.nan, 1e9):
            check_validation("amount.liquid.concentration_mg_per_ml", f"concentration {bad}",
                             diary.add_medicine, prednisolone_solution(patient.id, concentration=bad))
        check_validation("amount.liquid.syringe_step_ml", "a graduation larger than the dose",
                         diary.add_medicine, prednisolone_solution(patient.id, step=5.0))
        check_validation("schedule.times", "a medicine with no schedule",
                         diary.add_medicine, medicine(patient.id, times=()))
        check_validation("name", "a 10,000-character name", diary.add_medicine,
                         medicine(patient.id, name=nephro.MedicineNameInput.TYPED(name="x" * 10_000)))
        check_validation("name.known", "a name not on the app's list", diary.add_medicine,
                         medicine(patient.id, name=nephro.MedicineNameInput.KNOWN(id="aspirin")))
        check_equal(diary.medicines(patient.id), [], "nothing stored")


def test_known_medicines_name_the_steroids():
    steroids = [m.id for m in nephro.known_medicines("en") if m.is_steroid]
    check_equal(steroids, ["prednisolone", "prednisone", "methylprednisolone", "deflazacort", "hydrocortisone",
                           "dexamethasone"], "the listed glucocorticoids")
    names = {m.id: m.name for m in nephro.known_medicines("zh-Hans")}
    check_equal(names["enalapril"], "依那普利", "names in the locale")


def test_a_steroid_course_given_as_a_liquid_is_measured_in_millilitres():
    from fixtures import profile
    from test_taper import course_input, daily_mg

    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient_id = diary.create_patient(profile()).id
        diary.add_measurement(patient_id, nephro.Measurement(measured_on="2025-01-10", weight_kg=20.0, height_cm=115.0))
        solution = nephro.LiquidInput(concentration_mg_per_ml=5.0, syringe_step_ml=None)

        # 12 mg a day of 5 mg/mL is 2.4 mL (clinical-rules §12).
        course = course_input(template=None, phases=(daily_mg(12.0, 3),))
        course.liquid = solution
        stored = diary.create_course(patient_id, course)
        check_equal(stored.plan.liquid, nephro.Liquid(concentration_mg_per_ml=5.0, syringe_step_ml=0.1),
                    "the plan keeps the liquid")
        days = diary.course_calendar(stored.course_key, None, "2025-01-15").calendar.days
        check_equal([(d.mg, d.ml, d.tablets.whole) for d in days], [(12.0, 2.4, 0)] * 3, "each day in mL, no tablets")
        week = diary.steroid_week(patient_id, "2025-01-15").doses
        check_equal({d.ml for d in week}, {2.4}, "the week's doses carry the mL")

        # The relapse template's alternate-day phase (31.97 mg) is one 24 mg mark of 2.4 mg/mL with
        # 10 mL marks, 25 % off: refused before remission is known, nothing stored.
        coarse = course_input(start="2025-02-01")
        coarse.liquid = nephro.LiquidInput(concentration_mg_per_ml=2.4, syringe_step_ml=10.0)
        error = check_raises(nephro.NephroError.NotMeasurable, "a phase that cannot be measured",
                             diary.create_course, patient_id, coarse)
        check(error is not None and "phases[1]" in str(error), f"names the phase: {error}")
        bad = course_input(start="2025-02-01")
        bad.liquid = nephro.LiquidInput(concentration_mg_per_ml=0.0, syringe_step_ml=None)
        check_validation("liquid.concentration_mg_per_ml", "a concentration of 0", diary.create_course, patient_id, bad)
        tablets_too = course_input(start="2025-02-01")
        tablets_too.liquid = solution
        tablets_too.tablet_mg = 5.0
        check_validation("tablet_mg", "tablets and a liquid", diary.create_course, patient_id, tablets_too)
        check_equal(len(diary.courses(patient_id)), 1, "nothing stored by the refusals")


def rituximab(patient_id, times=()):
    """Rituximab as the care team enters it: 300 mg an infusion, given in hospital as needed
    from 2025-01-01."""
    m = medicine(
        patient_id, client_id="rituximab", name=nephro.MedicineNameInput.KNOWN(id="rituximab"),
        amount=nephro.MedicineAmountInput.INFUSION(mg=300.0), days=nephro.MedicineDaysInput.AS_NEEDED(),
        times=times,
    )
    m.schedule.start_date = "2025-01-01"
    return m


def test_rituximab_infusions_are_logged_never_reminded_and_on_the_report():
    import json

    from fixtures import MORNING_MS, dose_log

    def utc_ms(text):
        from datetime import datetime, timezone
        return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)

    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient, _ = seeded(diary)  # 20 kg on 2025-01-10, no height
        check_validation("schedule.times", "rituximab with a reminder time", diary.add_medicine,
                         rituximab(patient.id, times=("08:00",)))
        tablets = rituximab(patient.id)
        tablets.amount = nephro.MedicineAmountInput.TABLETS(strength_mg=500.0, units=1.0)
        check_validation("amount", "rituximab in tablets", diary.add_medicine, tablets)
        check_equal(diary.medicines(patient.id), [], "nothing stored")

        infusion = diary.add_medicine(rituximab(patient.id))
        check_equal((infusion.dose_mg, infusion.dose_text), (300.0, "300 mg"), "the infusion's mg")
        reminders = diary.next_reminders(patient.id, BEFORE_FIRST_DOSE_MS, None, 64, "en")
        check_equal([r for r in reminders if r.medication_id == infusion.medication_id], [], "never reminded")

        # Two infusions (10:00 in Berlin), the second after a height was measured: 115.2 cm and
        # 20 kg give a body surface area of 0.8 m² (Mosteller), so 300 mg is 375 mg/m².
        diary.log_dose(dose_log("rtx-1", infusion.medication_id, slot_date="2025-01-11", slot_time="10:00",
                                at_ms=utc_ms("2025-01-11T09:00:00")), MORNING_MS, None)
        diary.add_measurement(patient.id, nephro.Measurement(measured_on="2025-01-12", weight_kg=20.0, height_cm=115.2))
        diary.log_dose(dose_log("rtx-2", infusion.medication_id, slot_date="2025-01-14", slot_time="10:00",
                                at_ms=utc_ms("2025-01-14T09:00:00")), MORNING_MS, None)

        def export(fmt, seed=None):
            return diary.export(patient.id, nephro.ExportRequest(
                format=fmt, from_date="2025-01-01", to_date=None, deidentify_seed=seed, locale="en",
                now_ms=utc_ms("2025-04-01T12:00:00")))

        html = bytes(export(nephro.ExportFormat.HTML)[0].bytes).decode()
        check_equal(html.count('data-testid="infusion-marker"'), 2, "a marker per infusion on the timeline")
        check_equal(html.count('data-testid="infusion-row"'), 2, "a line per infusion")
        check("375 mg/m² (0.8 m²)" in html, "mg/m² on the day's body surface area")
        check("no height or weight recorded by then" in html, "an infusion before any height")
        bundle = json.loads(bytes(export(nephro.ExportFormat.FHIR)[0].bytes).decode("utf-8"))
        given = [e["resource"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "MedicationStatement"
                 and e["resource"]["medicationCodeableConcept"].get("text") == "Rituximab"]
        check_equal([(s["status"], s["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"]) for s in given],
                    [("completed", 300), ("completed", 300)], "each infusion with its dose in FHIR")
        csv = [f for f in export(nephro.ExportFormat.CSV) if f.name == "doses.csv"][0]
        rows = [r for r in bytes(csv.bytes).decode("utf-8-sig").split("\r\n") if ",rituximab," in r]
        check_equal(len(rows), 2, f"each infusion in doses.csv: {rows}")

        # De-identified: rituximab is a known medicine and keeps its name; dates shift.
        deidentified = bytes(export(nephro.ExportFormat.HTML, seed=7)[0].bytes).decode()
        check(deidentified.count('data-testid="infusion-row"') == 2 and "Rituximab" in deidentified,
              "a known medicine keeps its name when de-identified")
        check("2025-01-14" not in deidentified, "the infusion's date is shifted")

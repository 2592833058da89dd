"""Steroid courses from Python: every case of the `taper` suite through the typed
`build_taper_calendar`, and the Diary's courses, versions, calendars, steroid doses, exposure and
relapse prompt."""

import datetime
import gc

import nephro
from conformance import run_suite
from fixtures import profile
from harness import check, check_close, check_equal, check_raises, check_validation, temp_dir, temp_path

# 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
FIRST_MORNING_MS = 1736920800000
DAY_MS = 86400000


def dose_basis(name, dose):
    """The typed dose of a case phase (exactly one of mg_per_kg, mg_per_m2, mg)."""
    (key, value), = dose.items()
    kinds = {"mg_per_kg": nephro.DoseBasis.MG_PER_KG, "mg_per_m2": nephro.DoseBasis.MG_PER_M2, "mg": nephro.DoseBasis.MG}
    return kinds[key](float(value))


def phase_input(i, phase):
    """The typed phase of a case phase; the frequency and the length are read with the core's
    parsers, so an unknown frequency or a phase with two lengths is refused naming the same field
    as `nephro eval`."""
    name = f"phases[{i}]"
    frequency = nephro.parse_frequency(f"{name}.frequency", phase["frequency"])
    taper = phase.get("taper")
    steps = None
    if taper is not None:
        steps = nephro.TaperSteps(
            from_mg=float(taper["from_mg"]), to_mg=float(taper["to_mg"]), step_mg=float(taper["step_mg"]),
            every_days=int(taper["every_days"]),
        )
    length = nephro.parse_phase_length(name, phase.get("days"), phase.get("until_remission"), steps)
    max_mg = phase.get("max_mg")
    return nephro.PhaseInput(
        dose=dose_basis(name, phase["dose"]) if "dose" in phase else None,
        max_mg=float(max_mg) if max_mg is not None else None,
        frequency=frequency,
        length=length,
    )


def taper_case_input(case_input):
    """The typed input for a case input (defaults as in conformance.md)."""
    template = case_input.get("template")
    height, tablet = case_input.get("height_cm"), case_input.get("tablet_mg")
    return nephro.TaperCaseInput(
        start=case_input["start"],
        weight_kg=float(case_input["weight_kg"]),
        height_cm=float(height) if height is not None else None,
        tablet_mg=float(tablet) if tablet is not None else None,
        allow_half=case_input.get("allow_half"),
        template=nephro.parse_course_template("template", template) if template is not None else None,
        phases=[phase_input(i, p) for i, p in enumerate(case_input.get("phases", []))],
        remission_confirmed=case_input.get("remission_confirmed"),
    )


def render(calendar):
    """The calendar as the conformance output (the keys `nephro eval` prints)."""
    return {
        "mg_by_date": {day.date: day.mg for day in calendar.days},
        "total_mg": calendar.total_mg,
        "dosing_days": calendar.dosing_days,
        "first_dosing_day": calendar.first_dosing_day,
        "last_dosing_day": calendar.last_dosing_day,
    }


def test_taper_suite():
    run_suite("taper", lambda case_input: render(nephro.build_taper_calendar(taper_case_input(case_input))))


def course_input(start="2025-01-15", template=nephro.CourseTemplate.KDIGO2025_RELAPSE, phases=(), reason=None,
                 drug=nephro.Drug.PREDNISOLONE, times=("08:00",)):
    """A course as the care team enters it."""
    return nephro.CoursePlanInput(
        drug=drug, template=template, phases=list(phases), stamp=None, start=start, tablet_mg=None, allow_half=None,
        times=list(times), remission_confirmed=None, changed_by="Dr. Example", reason=reason,
    )


def daily_mg(mg, days):
    """A phase of `mg` every day for `days` days."""
    return nephro.PhaseInput(
        dose=nephro.DoseBasis.MG(mg), max_mg=None, frequency=nephro.Frequency.DAILY,
        length=nephro.PhaseLength.DAYS(days),
    )


def given_at(slot_date):
    """08:00 Berlin time (UTC+1 in January) on `slot_date`, 2025-01-15 or later."""
    days = (datetime.date.fromisoformat(slot_date) - datetime.date(2025, 1, 15)).days
    return FIRST_MORNING_MS + days * DAY_MS + 3_600_000


def steroid_dose(client_id, medication_id, slot_date):
    """A steroid dose taken at 08:00 (clinical-rules §10: within its slot's take-window)."""
    return nephro.DoseLogInput(
        client_id=client_id, medication_id=medication_id, slot_date=slot_date, slot_time="08:00",
        outcome=nephro.DoseOutcome.TAKEN, actual_at_ms=given_at(slot_date), logged_by="mother",
    )


def dipstick(client_id, patient_id, day, grade):
    """A first-morning dipstick at 07:00 Berlin time, `day` days after 2025-01-15."""
    return nephro.UrineReadingInput(
        client_id=client_id, patient_id=patient_id, dipstick=grade, upcr=None, unit=None,
        taken_at_ms=FIRST_MORNING_MS + day * DAY_MS, taken_on=None, first_morning=True, note=None, logged_by="mother",
    )


def test_diary_courses_versions_calendars_doses_and_exposure():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient_id = diary.create_patient(profile()).id
        diary.add_measurement(patient_id, nephro.Measurement(measured_on="2025-01-10", weight_kg=20.0, height_cm=115.0))

        course = diary.create_course(patient_id, course_input())
        key = course.course_key
        check_equal((key, course.version, course.medication_id), (f"p{patient_id}_c1", 1, f"course-p{patient_id}_c1"),
                    "key, version and medication id")
        check_equal((course.plan.weight_kg, course.plan.height_cm), (20.0, 115.0), "built on the weight and height")
        check_equal(len(course.plan.phases), 2, "the template's two phases")
        check_equal(course.plan.phases[0].length, nephro.PhaseLength.UNTIL_REMISSION(), "daily until remission")

        # No remission yet: the daily dose is shown continuing 28 days past today.
        calendar = diary.course_calendar(key, None, "2025-01-17").calendar
        check_equal(calendar.provisional, True, "provisional until remission")
        check_equal((calendar.days[0].date, calendar.days[-1].date), ("2025-01-15", "2025-02-14"), "through today + 28")
        # BSA sqrt(115 x 20 / 3600) = 0.799 m2; 60 x 0.799 = 47.96 -> 47.5 mg = 9 whole + 1 half.
        first = calendar.days[0]
        check_equal((first.mg, first.tablets.whole, first.tablets.halves), (47.5, 9, 1), "47.5 mg = 9 1/2 tablets")

        lower = course_input(template=None, phases=[daily_mg(20.0, 3)], reason="lower dose")
        revised = diary.revise_course(key, 1, lower)
        check_equal((revised.version, revised.template, revised.reason), (2, None, "lower dose"), "version 2")
        check_raises(nephro.NephroError.Conflict, "a change based on an old version is a conflict",
                     diary.revise_course, key, 1, lower)
        check_validation("reason", "a new version needs a reason", diary.revise_course, key, 2, course_input())
        check_equal(diary.course(key, 1).template, nephro.CourseTemplate.KDIGO2025_RELAPSE, "version 1 stays readable")
        check_equal(diary.course_calendar(key, 1, "2025-01-17").calendar.provisional, True, "old calendar readable")
        check_equal([c.version for c in diary.course_versions(key)], [1, 2], "both versions")

        medication = revised.medication_id
        diary.log_dose(steroid_dose("py-s1", medication, "2025-01-16"), given_at("2025-01-16"), None)
        check_validation("slot_date", "a steroid dose on a day the course does not dose",
                         diary.log_dose, steroid_dose("py-s2", medication, "2025-01-18"), given_at("2025-01-18"), None)

        week = diary.steroid_week(patient_id, "2025-01-16")
        check_equal((week.first_day, week.last_day), ("2025-01-13", "2025-01-19"), "Monday to Sunday")
        check_equal([(d.date, d.mg, d.tablets.whole, d.outcome) for d in week.doses],
                    [("2025-01-15", 20.0, 4, None), ("2025-01-16", 20.0, 4, nephro.DoseOutcome.TAKEN),
                     ("2025-01-17", 20.0, 4, None)],
                    "this week's doses with tablets and what was logged")
        check_equal(week.doses[1].reminder_id, f"{medication}@2025-01-16T08:00", "reminder id of the slot")

        exposure = diary.steroid_exposure(patient_id, None, "2025-01-01", "2025-01-31", "2025-01-17")
        check_equal((exposure.planned.mg, exposure.taken.mg, exposure.taken_doses), (60.0, 20.0, 1), "planned and taken")
        check_close(exposure.taken.mg_per_kg, 1.0, "taken mg per kg")
        check_close(exposure.taken.mg_per_m2, 20.0 / (115.0 * 20.0 / 3600.0) ** 0.5, "taken mg per m2")
        check_close(exposure.planned.mg_per_year, 60.0 * 365.25 / 31, "planned mg per year")
        check_validation("range", "a range ending before it starts", diary.steroid_exposure, patient_id, None,
                         "2025-01-31", "2025-01-01", "2025-01-17")

        del diary, course, revised, calendar, week, exposure
        gc.collect()
        diary = nephro.Diary.open(path)
        courses = diary.courses(patient_id)
        check_equal([(c.course_key, c.version) for c in courses], [(key, 2)], "the latest version after reopen")
        check_equal(diary.course(key, 1).plan.phases[0].length, nephro.PhaseLength.UNTIL_REMISSION(),
                    "version 1 after reopen")
        check_equal(diary.dose_logs(patient_id, "2025-01-16", "2025-01-16")[0].dose.medication_id, medication,
                    "the steroid dose after reopen")


def test_typed_refusals_name_the_field():
    def case(**changes):
        values = dict(start="2025-01-15", weight_kg=20.0, height_cm=115.0, tablet_mg=None, allow_half=None, template=None,
                      phases=[daily_mg(20.0, 3)], remission_confirmed=None)
        values.update(changes)
        return nephro.TaperCaseInput(**values)

    check_validation("weight_kg", "weight 0", nephro.build_taper_calendar, case(weight_kg=0.0))
    capped = nephro.PhaseInput(dose=nephro.DoseBasis.MG(20.0), max_mg=-1.0, frequency=nephro.Frequency.DAILY,
                               length=nephro.PhaseLength.DAYS(3))
    check_validation("phases[0].max_mg", "a cap below zero", nephro.build_taper_calendar, case(phases=[capped]))
    check_validation("template", "an unknown template", nephro.parse_course_template, "template", "kdigo2012")
    check_validation("remission_confirmed", "until remission without a remission date", nephro.build_taper_calendar,
                     case(template=nephro.CourseTemplate.KDIGO2025_RELAPSE, phases=[]))
    check_validation("phases[2]", "a phase with two lengths", nephro.parse_phase_length, "phases[2]", 3, True, None)
    check_validation("phases[0].frequency", "an unknown frequency", nephro.parse_frequency, "phases[0].frequency", "weekly")
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient_id = diary.create_patient(profile()).id
        check_validation("weight_kg", "a course needs a weight on or before its start",
                         diary.create_course, patient_id, course_input())
        diary.add_measurement(patient_id, nephro.Measurement(measured_on="2025-01-10", weight_kg=20.0, height_cm=115.0))
        check_validation("drug", "tacrolimus is not a steroid course", diary.create_course, patient_id,
                         course_input(drug=nephro.Drug.TACROLIMUS))
        check_validation("times[0]", "a malformed time", diary.create_course, patient_id, course_input(times=("8:00",)))
        check_equal(diary.courses(patient_id), [], "refused courses store nothing")


def test_the_same_course_client_id_twice_creates_one_course():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient_id = diary.create_patient(profile()).id
        diary.add_measurement(patient_id, nephro.Measurement(measured_on="2025-01-10", weight_kg=20.0, height_cm=115.0))
        tapped = course_input()
        tapped.client_id = "py-course-1"
        course = diary.create_course(patient_id, tapped)
        # A double tap, or a retry after a lost response: the stored course, no second one.
        check_equal(diary.create_course(patient_id, tapped), course, "the same course client_id returns the stored course")
        check_equal([c.course_key for c in diary.courses(patient_id)], [course.course_key],
                    "the same course client_id twice creates one course")
        other = course_input(start="2025-01-16")
        other.client_id = "py-course-1"
        check_raises(nephro.NephroError.Conflict, "the same course client_id with another course is a conflict",
                     diary.create_course, patient_id, other)
        check_equal(len(diary.courses(patient_id)), 1, "a conflicting course is not stored")
        # After reopening the file the id still identifies the course.
        del diary
        gc.collect()
        diary = nephro.Diary.open(path)
        check_equal(diary.create_course(patient_id, tapped), course, "the retry after reopening returns the stored course")
        check_equal(len(diary.courses(patient_id)), 1, "still one course after reopening")


def test_a_relapse_prompts_and_never_starts_a_course():
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient_id = diary.create_patient(profile()).id
        diary.add_measurement(patient_id, nephro.Measurement(measured_on="2025-01-10", weight_kg=20.0, height_cm=115.0))
        for day in range(3):
            diary.log_urine_reading(dipstick(f"py-u{day}", patient_id, day, nephro.DipstickGrade.THREE_PLUS))
        check_equal(diary.steroid_relapse_prompt(patient_id, "2025-01-16", None), None, "two nephrotic mornings: no prompt")
        prompt = diary.steroid_relapse_prompt(patient_id, "2025-01-17", None)
        if check(prompt is not None, "three nephrotic mornings: a prompt"):
            check(prompt.text.startswith("Relapse suspected — contact your team; your action plan says: "), prompt.text)
            check("47.5 mg (9½ tablets of 5 mg)" in prompt.text, prompt.text)
            suggestion = prompt.suggestion
            check_equal(suggestion.course.template, nephro.CourseTemplate.KDIGO2025_RELAPSE, "kdigo2025_relapse pre-filled")
            check_equal((suggestion.daily.mg, suggestion.alternate_day.mg), (47.5, 32.5), "the pre-filled doses")
            check_equal(diary.courses(patient_id), [], "the prompt never starts a course")
            zh = diary.steroid_relapse_prompt(patient_id, "2025-01-17", "zh-Hans")
            check(zh.text.startswith("疑似复发——请联系医疗团队"), zh.text)
            signed = suggestion.course
            signed.changed_by = "Dr. Example"
            diary.create_course(patient_id, signed)
            check_equal(diary.steroid_relapse_prompt(patient_id, "2025-01-18", None), None, "answered by a new course")

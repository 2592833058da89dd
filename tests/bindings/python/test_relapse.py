"""Urine readings and the relapse engine from Python: every case of the `relapse` suite through
the typed `assess_relapse`, and the Diary's readings and relapse status."""

import gc

import nephro
from conformance import run_suite
from fixtures import profile
from harness import check, check_equal, check_raises, check_validation, temp_dir, temp_path

# 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
FIRST_MORNING_MS = 1736920800000
DAY_MS = 86400000


def relapse_case_input(case_input):
    """The typed input for a case input; names are read with the core's parsers, so an unknown
    grade, unit or definition set is refused naming the same field as `nephro eval`."""
    readings = []
    for i, r in enumerate(case_input.get("readings", [])):
        readings.append(
            nephro.RelapseCaseReading(
                date=r["date"],
                dipstick=nephro.parse_dipstick_grade(f"readings[{i}].dipstick", r["dipstick"]) if "dipstick" in r else None,
                upcr=float(r["upcr"]) if "upcr" in r else None,
                unit=nephro.parse_upcr_unit(f"readings[{i}].unit", r["unit"]) if "unit" in r else None,
                first_morning=r.get("first_morning", False),
            )
        )
    definitions = case_input.get("definitions")
    initial_state = case_input.get("initial_state")
    return nephro.RelapseCaseInput(
        definitions=nephro.parse_definition_set("definitions", definitions) if definitions is not None else None,
        initial_state=nephro.parse_disease_state("initial_state", initial_state) if initial_state is not None else None,
        initial_remission=case_input.get("initial_remission"),
        readings=readings,
        steroid_courses=[nephro.SteroidCourseSpan(start=c["start"], end=c["end"]) for c in case_input.get("steroid_courses", [])],
        as_of=case_input.get("as_of"),
    )


def render(a):
    """The assessment as the conformance output (the keys `nephro eval` prints)."""
    return {
        "state": a.state.name.lower(),
        "relapses": [r.onset for r in a.relapses],
        "remissions": [r.onset for r in a.remissions],
        "frequently_relapsing": a.frequently_relapsing,
        "steroid_dependent": a.steroid_dependent,
        "as_of": a.as_of,
        "relapse_episodes": [
            {"onset": r.onset, "confirmed": r.confirmed, "remission_onset": r.remission_onset} for r in a.relapses
        ],
        "remission_episodes": [{"onset": r.onset, "confirmed": r.confirmed} for r in a.remissions],
        "relapse_rate_per_year": a.relapse_rate_per_year,
        "days_since_last_relapse": a.days_since_last_relapse,
        "days_in_current_remission": a.days_in_current_remission,
        "next_action": None if a.next_action is None else {"kind": a.next_action.kind.name.lower(), "date": a.next_action.date},
    }


def test_relapse_suite():
    run_suite("relapse", lambda case_input: render(nephro.assess_relapse(relapse_case_input(case_input))))


def dipstick(client_id, patient_id, day, grade, note=None):
    """A first-morning dipstick at 07:00 Berlin time, `day` days after 2025-01-15."""
    return nephro.UrineReadingInput(
        client_id=client_id,
        patient_id=patient_id,
        dipstick=grade,
        upcr=None,
        unit=None,
        taken_at_ms=FIRST_MORNING_MS + day * DAY_MS,
        taken_on=None,
        first_morning=True,
        note=note,
        logged_by="mother",
    )


def test_diary_logs_readings_and_reports_a_relapse_after_three_nephrotic_mornings():
    with temp_dir() as tmp:
        path = temp_path(tmp, "diary.sqlite")
        diary = nephro.Diary.open(path)
        patient_id = diary.create_patient(profile()).id
        grades = [nephro.DipstickGrade.THREE_PLUS, nephro.DipstickGrade.THREE_PLUS, nephro.DipstickGrade.FOUR_PLUS]
        for day, grade in enumerate(grades):
            stored = diary.log_urine_reading(dipstick(f"py-urine-{day}", patient_id, day, grade, note="fever"))
            check_equal(stored.level, nephro.ProteinLevel.NEPHROTIC, f"day {day} is nephrotic")
        first = diary.log_urine_reading(dipstick("py-urine-0", patient_id, 0, grades[0], note="fever"))
        check_equal((first.revision, first.taken_on), (1, "2025-01-15"), "same client_id again: stored once, local date")
        check_raises(
            nephro.NephroError.Conflict, "same client_id with another grade is a conflict",
            diary.log_urine_reading, dipstick("py-urine-0", patient_id, 0, nephro.DipstickGrade.NEGATIVE),
        )

        status = diary.relapse_status(patient_id, "2025-01-15", None)
        check_equal(status.assessment.state, nephro.RelapseState.WATCH, "first nephrotic morning: watch")
        check_equal(status.prompt, nephro.RelapsePrompt.TEST_AGAIN_TOMORROW, "first nephrotic morning: test again")

        bad = nephro.UrineReadingInput(
            client_id="py-bad", patient_id=patient_id, dipstick=None, upcr=-5.0, unit=nephro.UpcrUnit.MG_PER_MMOL,
            taken_at_ms=FIRST_MORNING_MS, taken_on=None, first_morning=False, note=None, logged_by="mother",
        )
        check_validation("upcr", "a negative UPCR is refused naming upcr", diary.log_urine_reading, bad)
        bad.upcr, bad.unit = 150.0, None
        check_validation("unit", "a UPCR without unit is refused naming unit", diary.log_urine_reading, bad)

        del diary, stored, first, status
        gc.collect()
        diary = nephro.Diary.open(path)
        readings = diary.urine_readings(patient_id, "2025-01-01", "2025-01-31", False)
        check_equal([r.taken_on for r in readings], ["2025-01-15", "2025-01-16", "2025-01-17"], "readings after reopen")
        check_equal([r.note for r in readings], ["fever"] * 3, "notes after reopen")

        status = diary.relapse_status(patient_id, "2025-01-17", "zh-Hans")
        check_equal(status.assessment.state, nephro.RelapseState.RELAPSE, "third nephrotic morning: relapse")
        check_equal(status.prompt, nephro.RelapsePrompt.RELAPSE_CONTACT_TEAM, "third morning: contact the team")
        check("联系医疗团队" in status.prompt_text, "the prompt is in Simplified Chinese")
        check_equal(
            [(r.onset, r.confirmed) for r in status.assessment.relapses], [("2025-01-15", "2025-01-17")], "relapse episode"
        )
        check_equal(status.morning_reading_logged, True, "today's morning reading is logged")
        status = diary.relapse_status(patient_id, "2025-01-18", None)
        check_equal(status.prompt, nephro.RelapsePrompt.RELAPSE_ONGOING, "the day after: relapse ongoing")
        check_validation("locale", "an unknown locale is refused", diary.relapse_status, patient_id, "2025-01-18", "fr")

        fixed = nephro.UrineReadingCorrection(
            dipstick=nephro.DipstickGrade.TRACE, upcr=None, unit=None, taken_at_ms=FIRST_MORNING_MS + DAY_MS,
            taken_on=None, first_morning=True, note=None, corrected_by="father",
        )
        corrected = diary.correct_urine_reading("py-urine-1", fixed)
        check_equal((corrected.revision, corrected.level), (2, nephro.ProteinLevel.REMISSION), "correction is revision 2")
        retracted = diary.retract_urine_reading("py-urine-2", "father")
        check_equal((retracted.revision, retracted.retracted), (2, True), "retraction is revision 2")
        history = diary.urine_reading_history("py-urine-1")
        check_equal(
            [(h.revision, h.dipstick, h.changed_by) for h in history],
            [(1, nephro.DipstickGrade.THREE_PLUS, "mother"), (2, nephro.DipstickGrade.TRACE, "father")],
            "the history keeps both revisions",
        )
        check_equal(len(diary.urine_readings(patient_id, "2025-01-01", "2025-01-31", True)), 3, "retracted ones on request")
        status = diary.relapse_status(patient_id, "2025-01-17", None)
        check_equal(status.assessment.relapses, [], "after the correction there is no relapse")


def test_typed_engine_refusals_name_the_field():
    reading = nephro.RelapseCaseReading(date="2025-03-01", dipstick=None, upcr=150.0, unit=None, first_morning=True)
    case = nephro.RelapseCaseInput(
        definitions=None, initial_state=None, initial_remission=None, readings=[reading], steroid_courses=[], as_of=None
    )
    check_validation("readings[0].unit", "a UPCR without unit", nephro.assess_relapse, case)
    check_validation("readings[3].dipstick", "an unknown grade", nephro.parse_dipstick_grade, "readings[3].dipstick", "5+")
    check_validation("unit", "an unknown unit", nephro.parse_upcr_unit, "unit", "mg/dL")

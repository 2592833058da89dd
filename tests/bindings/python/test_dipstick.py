"""Reading a dipstick from a photo (clinical-rules §13) through the typed bindings: every case of
the `dipstick` suite (the shared conformance-next cases and the project's) through
`read_dipstick`, a synthetic photo sampled and read end to end, and a reading the parent
confirmed stored with its suggestion."""

import json

import nephro
from conformance import case_files, run_suite
from fixtures import profile
from harness import check, check_equal, check_raises, check_validation, temp_dir, temp_path

NAMES = {
    nephro.DipstickGrade.NEGATIVE: "negative",
    nephro.DipstickGrade.TRACE: "trace",
    nephro.DipstickGrade.ONE_PLUS: "1+",
    nephro.DipstickGrade.TWO_PLUS: "2+",
    nephro.DipstickGrade.THREE_PLUS: "3+",
    nephro.DipstickGrade.FOUR_PLUS: "4+",
}


def colour(rgb):
    return nephro.SrgbColour(red=float(rgb[0]), green=float(rgb[1]), blue=float(rgb[2]))


def samples(case_input):
    """The typed samples of a case input (an unknown grade is refused by the core's parser)."""
    chart = [
        nephro.ChartSwatch(
            grade=nephro.parse_dipstick_grade(f"chart[{i}].grade", swatch["grade"]),
            colour=colour(swatch["rgb"]),
        )
        for i, swatch in enumerate(case_input["chart"])
    ]
    window = case_input["read_window_s"]
    return nephro.DipstickSamples(
        white=colour(case_input["white_rgb"]),
        chart=chart,
        pad=colour(case_input["pad_rgb"]),
        seconds_since_dip=float(case_input["seconds_since_dip"]),
        read_window_from_s=float(window[0]),
        read_window_to_s=float(window[1]),
    )


def evaluate(case_input):
    r = nephro.read_dipstick(samples(case_input), None)
    return {
        "status": "read" if r.status == nephro.DipstickReadStatus.READ else "unsure",
        "grade": NAMES[r.grade] if r.grade is not None else None,
        "nearest": [{"grade": NAMES[d.grade], "delta_e": d.delta_e} for d in r.nearest],
    }


def test_dipstick_suite():
    count = run_suite("dipstick", evaluate)
    shared_next = [f for f in case_files("dipstick") if "conformance-next" in f]
    check(len(shared_next) >= 8, f"the shared conformance-next dipstick cases ran ({len(shared_next)})")
    check(count >= 33, f"the dipstick suite has its shared and own cases ({count})")


def test_a_synthetic_photo_is_sampled_and_read():
    p = nephro.synthetic_strip_photo(nephro.DipstickGrade.TWO_PLUS, 0.1, nephro.SyntheticLight.WARM, 2.0, True, 1.5, 11)
    check_equal(p.photo.row_stride, p.photo.width * 4, "row stride of the synthetic photo")
    r = nephro.read_dipstick_photo(
        p.photo, p.layout, p.seconds_since_dip, p.read_window_from_s, p.read_window_to_s, None, None
    )
    check_equal(r.reading.status, nephro.DipstickReadStatus.READ, "warm light with glare and tilt reads")
    check_equal(r.reading.grade, nephro.DipstickGrade.TWO_PLUS, "the suggestion is the true grade")
    check_equal(len(r.reading.distances), 6, "every swatch's distance")
    patch = nephro.sample_photo_patch(p.photo, p.layout.pad, None)
    check(patch.rejected_share < 0.25, f"the pad's glare is rejected, not refused ({patch.rejected_share})")
    check(patch.glare > 0, "the glare spot's pixels are counted as glare")


def test_refusals_are_typed():
    p = nephro.synthetic_strip_photo(nephro.DipstickGrade.ONE_PLUS, 0.0, nephro.SyntheticLight.DAYLIGHT, 2.0, False, 0.0, 5)
    error = check_raises(
        nephro.NephroError.Photo, "a photo 10 s after dipping", nephro.read_dipstick_photo,
        p.photo, p.layout, 10.0, 30.0, 90.0, None, None,
    )
    if error is not None:
        check(isinstance(error.problem, nephro.PhotoProblem.TOO_EARLY), f"too early: {error.problem}")
        check_equal(error.problem.window_from_s, 30.0, "the window's start is carried")
    short = nephro.PhotoBuffer(width=p.photo.width, height=p.photo.height, row_stride=p.photo.row_stride, rgba=p.photo.rgba[:1000])
    check_validation("photo.rgba", "a buffer too short", nephro.sample_photo_patch, short, p.layout.pad, None)
    narrow = nephro.PhotoBuffer(width=p.photo.width, height=p.photo.height, row_stride=3, rgba=p.photo.rgba)
    check_validation("photo.row_stride", "a stride under width x 4", nephro.sample_photo_patch, narrow, p.layout.pad, None)
    outside = nephro.PhotoRect(x=p.photo.width - 1, y=0, width=2, height=2)
    check_validation("rect.x", "a rectangle past the right edge", nephro.sample_photo_patch, p.photo, outside, None)
    tight = nephro.SamplingPolicy(outlier_levels=32, max_rejected_share=0.0)
    glare = nephro.synthetic_strip_photo(nephro.DipstickGrade.FOUR_PLUS, 0.0, nephro.SyntheticLight.DAYLIGHT, 2.0, True, 0.0, 9)
    error = check_raises(nephro.NephroError.Photo, "a glare spot with no rejection allowed", nephro.sample_photo_patch, glare.photo, glare.layout.pad, tight)
    if error is not None:
        check(isinstance(error.problem, nephro.PhotoProblem.UNEVEN), f"uneven: {error.problem}")
        check(0.0 < error.problem.rejected_share < 0.5, f"its share: {error.problem.rejected_share}")
        check_equal(error.problem.patch, "rect", "the patch is named")
    policy = nephro.default_dipstick_policy()
    check_equal((policy.max_delta_e, policy.min_gap), (15.0, 2.0), "the default policy of §13")


# 2025-01-15 07:00 in Berlin (the fixtures' patient), in epoch ms.
BERLIN_MORNING_MS = 1736920800000
# 2025-01-16 12:00 UTC: the exports' "now".
EXPORT_NOW_MS = 1737028800000


def confirmed(client_id, patient_id, reading, grade):
    """A first-morning reading of a photo's strip: the core's suggestion copied from `reading`,
    `grade` the one the parent confirmed."""
    return nephro.UrineReadingInput(
        client_id=client_id, patient_id=patient_id, dipstick=grade, upcr=None, unit=None,
        taken_at_ms=BERLIN_MORNING_MS, taken_on=None, first_morning=True, note=None, logged_by="mother",
        photo=nephro.PhotoSuggestion(status=reading.status, grade=reading.grade, nearest=reading.nearest),
    )


def test_a_photo_reading_the_parent_changed_is_stored_with_both_grades_and_only_the_confirmed_one_counts():
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient = diary.create_patient(profile())
        p = nephro.synthetic_strip_photo(nephro.DipstickGrade.TWO_PLUS, 0.0, nephro.SyntheticLight.DAYLIGHT, 2.0, False, 0.0, 7)
        read = nephro.read_dipstick_photo(
            p.photo, p.layout, p.seconds_since_dip, p.read_window_from_s, p.read_window_to_s, None, None
        ).reading
        check_equal(read.grade, nephro.DipstickGrade.TWO_PLUS, "the core suggests 2+")

        # Refused, naming the field, and nothing stored.
        check_validation("dipstick", "a photo reading without the parent's grade",
                         diary.log_urine_reading, confirmed("p1", patient.id, read, None))
        unsure = confirmed("p1", patient.id, read, nephro.DipstickGrade.THREE_PLUS)
        unsure.photo.status = nephro.DipstickReadStatus.UNSURE
        check_validation("photo.grade", "an unsure suggestion with a grade", diary.log_urine_reading, unsure)
        negative = confirmed("p1", patient.id, read, nephro.DipstickGrade.THREE_PLUS)
        negative.photo.nearest = [read.nearest[0], nephro.SwatchDistance(grade=read.nearest[1].grade, delta_e=-1.0)]
        check_validation("photo.nearest[1].delta_e", "a negative distance", diary.log_urine_reading, negative)
        check_equal(diary.urine_readings(patient.id, "1900-01-01", "2200-12-31", True), [], "nothing stored")

        # The parent saw 3+ where the core suggested 2+.
        stored = diary.log_urine_reading(confirmed("p1", patient.id, read, nephro.DipstickGrade.THREE_PLUS))
        check_equal(stored.dipstick, nephro.DipstickGrade.THREE_PLUS, "the confirmed grade is the reading's")
        check_equal(stored.photo.grade, nephro.DipstickGrade.TWO_PLUS, "the suggestion is kept beside it")
        check_equal(stored.photo.nearest, read.nearest, "with its two nearest swatches")
        check_equal(diary.urine_reading("p1"), stored, "read back as stored")

        status = diary.relapse_status(patient.id, "2025-01-15", None)
        check_equal(status.assessment.state, nephro.RelapseState.WATCH, "one nephrotic morning: watch")
        check_equal(status.assessment.latest_run.level, nephro.ProteinLevel.NEPHROTIC, "3+ counts, not 2+")

        def export(fmt):
            request = nephro.ExportRequest(format=fmt, from_date=None, to_date=None, deidentify_seed=None,
                                           locale="en", now_ms=EXPORT_NOW_MS)
            return bytes(diary.export(patient.id, request)[0].bytes).decode("utf-8")

        bundle = json.loads(export(nephro.ExportFormat.FHIR))
        methods = [e["resource"]["method"]["text"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Observation"]
        check_equal(methods, ["first-morning urine; photo-assisted, confirmed by the caregiver"],
                    "the FHIR Observation says how it was read")
        check("the caregiver changed the suggested grade in 1;" in export(nephro.ExportFormat.HTML),
              "the report counts one change")

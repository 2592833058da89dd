// Steroid courses from Kotlin: every case of the `taper` suite through the typed
// `buildTaperCalendar`, and the Diary's courses, versions, calendars, steroid doses, exposure and
// relapse prompt.

import com.google.gson.JsonObject
import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val taperTests = listOf(
    ::taperSuite,
    ::diaryCoursesVersionsCalendarsDosesAndExposure,
    ::taperRefusalsNameTheField,
    ::theSameCourseClientIdTwiceCreatesOneCourse,
    ::aRelapsePromptsAndNeverStartsACourse,
)

// 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
private const val FIRST_MORNING_MS = 1736920800000L
private const val DAY_MS = 86400000L

/** The typed dose of a case phase (exactly one of mg_per_kg, mg_per_m2, mg). */
private fun doseBasisOf(dose: JsonObject): DoseBasis {
    val (key, value) = dose.entrySet().single()
    return when (key) {
        "mg_per_kg" -> DoseBasis.MgPerKg(value.asDouble)
        "mg_per_m2" -> DoseBasis.MgPerM2(value.asDouble)
        "mg" -> DoseBasis.Mg(value.asDouble)
        else -> throw IllegalArgumentException("unknown dose key $key")
    }
}

/**
 * The typed phase of a case phase; the frequency and the length are read with the core's
 * parsers, so an unknown frequency or a phase with two lengths is refused naming the same field
 * as `nephro eval`.
 */
private fun phaseInputOf(i: Int, phase: JsonObject): PhaseInput {
    val name = "phases[$i]"
    val frequency = parseFrequency("$name.frequency", phase.text("frequency"))
    val steps = phase.getAsJsonObject("taper")?.let {
        TaperSteps(it.double("from_mg"), it.double("to_mg"), it.double("step_mg"), it.get("every_days").asLong)
    }
    val length = parsePhaseLength(
        name,
        phase.get("days")?.asLong,
        phase.get("until_remission")?.asBoolean,
        steps,
    )
    return PhaseInput(
        dose = phase.getAsJsonObject("dose")?.let(::doseBasisOf),
        maxMg = phase.optDouble("max_mg"),
        frequency = frequency,
        length = length,
    )
}

/** The typed input for a case input (defaults as in conformance.md). */
fun taperCaseInputOf(input: JsonObject): TaperCaseInput = TaperCaseInput(
    start = input.text("start"),
    weightKg = input.double("weight_kg"),
    heightCm = input.optDouble("height_cm"),
    tabletMg = input.optDouble("tablet_mg"),
    allowHalf = input.get("allow_half")?.asBoolean,
    template = if (input.has("template")) parseCourseTemplate("template", input.text("template")) else null,
    phases = input.getAsJsonArray("phases")?.mapIndexed { i, p -> phaseInputOf(i, p.asJsonObject) }.orEmpty(),
    remissionConfirmed = if (input.has("remission_confirmed")) input.text("remission_confirmed") else null,
)

/** The calendar as the conformance output (the keys `nephro eval` prints). */
fun renderCalendar(c: TaperCalendar): Map<String, Any?> = mapOf(
    "mg_by_date" to c.days.associate { it.date to it.mg },
    "total_mg" to c.totalMg,
    "dosing_days" to c.dosingDays,
    "first_dosing_day" to c.firstDosingDay,
    "last_dosing_day" to c.lastDosingDay,
)

fun taperSuite() {
    runSuite("taper") { input -> renderCalendar(buildTaperCalendar(taperCaseInputOf(input))) }
}

/** A course as the care team enters it. */
private fun courseInput(
    start: String = "2025-01-15",
    template: CourseTemplate? = CourseTemplate.KDIGO2025_RELAPSE,
    phases: List<PhaseInput> = emptyList(),
    reason: String? = null,
    drug: Drug = Drug.PREDNISOLONE,
    times: List<String> = listOf("08:00"),
) = CoursePlanInput(
    drug = drug, template = template, phases = phases, stamp = null, start = start, tabletMg = null, allowHalf = null,
    times = times, remissionConfirmed = null, changedBy = "Dr. Example", reason = reason,
)

/** A phase of [mg] every day for [days] days. */
private fun dailyMg(mg: Double, days: Int) =
    PhaseInput(dose = DoseBasis.Mg(mg), maxMg = null, frequency = Frequency.DAILY, length = PhaseLength.Days(days.toUInt()))

/** 08:00 Berlin time (UTC+1 in January) on `slotDate`, 2025-01-15 or later. */
private fun givenAt(slotDate: String): Long =
    FIRST_MORNING_MS + java.time.LocalDate.parse("2025-01-15").until(java.time.LocalDate.parse(slotDate)).days * 86_400_000L + 3_600_000L

/** A steroid dose taken at 08:00 (clinical-rules §10: within its slot's take-window). */
private fun steroidDose(clientId: String, medicationId: String, slotDate: String) =
    DoseLogInput(clientId, medicationId, slotDate, "08:00", DoseOutcome.TAKEN, givenAt(slotDate), "mother")

private val withHeight = Measurement(measuredOn = "2025-01-10", weightKg = 20.0, heightCm = 115.0)

fun diaryCoursesVersionsCalendarsDosesAndExposure(): Unit = withTempDir { tmp ->
    val path = File(tmp, "diary.sqlite").path
    val (patientId, key, medication) = Diary.open(path).use { diary ->
        val patientId = diary.createPatient(profile()).id
        diary.addMeasurement(patientId, withHeight)
        val course = diary.createCourse(patientId, courseInput())
        val key = course.courseKey
        checkEqual(Triple(key, course.version, course.medicationId), Triple("p${patientId}_c1", 1L, "course-p${patientId}_c1"),
            "key, version and medication id")
        checkEqual(course.plan.weightKg to course.plan.heightCm, 20.0 to 115.0, "built on the weight and height")
        checkEqual(course.plan.phases.map { it.length }.first(), PhaseLength.UntilRemission, "daily until remission")

        // No remission yet: the daily dose is shown continuing 28 days past today.
        val calendar = diary.courseCalendar(key, null, "2025-01-17").calendar
        checkEqual(calendar.provisional, true, "provisional until remission")
        checkEqual(calendar.days.first().date to calendar.days.last().date, "2025-01-15" to "2025-02-14", "through today + 28")
        // BSA sqrt(115 x 20 / 3600) = 0.799 m2; 60 x 0.799 = 47.96 -> 47.5 mg = 9 whole + 1 half.
        val first = calendar.days.first()
        checkEqual(Triple(first.mg, first.tablets.whole, first.tablets.halves), Triple(47.5, 9uL, 1uL), "47.5 mg = 9 1/2 tablets")

        val lower = courseInput(template = null, phases = listOf(dailyMg(20.0, 3)), reason = "lower dose")
        val revised = diary.reviseCourse(key, 1, lower)
        checkEqual(revised.version to revised.reason, 2L to "lower dose", "version 2")
        checkThrows<NephroException.Conflict>("a change based on an old version is a conflict") { diary.reviseCourse(key, 1, lower) }
        checkValidation("reason", "a new version needs a reason") { diary.reviseCourse(key, 2, courseInput()) }
        checkEqual(diary.course(key, 1).template, CourseTemplate.KDIGO2025_RELAPSE, "version 1 stays readable")
        checkEqual(diary.courseCalendar(key, 1, "2025-01-17").calendar.provisional, true, "old calendar readable")
        checkEqual(diary.courseVersions(key).map { it.version }, listOf(1L, 2L), "both versions")

        val medication = revised.medicationId
        diary.logDose(steroidDose("kt-s1", medication, "2025-01-16"), givenAt("2025-01-16"), null)
        checkValidation("slot_date", "a steroid dose on a day the course does not dose") {
            diary.logDose(steroidDose("kt-s2", medication, "2025-01-18"), givenAt("2025-01-18"), null)
        }

        val week = diary.steroidWeek(patientId, "2025-01-16")
        checkEqual(week.firstDay to week.lastDay, "2025-01-13" to "2025-01-19", "Monday to Sunday")
        checkEqual(
            week.doses.map { listOf(it.date, it.mg, it.tablets.whole, it.outcome) },
            listOf(
                listOf("2025-01-15", 20.0, 4uL, null),
                listOf("2025-01-16", 20.0, 4uL, DoseOutcome.TAKEN),
                listOf("2025-01-17", 20.0, 4uL, null),
            ),
            "this week's doses with tablets and what was logged",
        )

        val exposure = diary.steroidExposure(patientId, null, "2025-01-01", "2025-01-31", "2025-01-17")
        checkEqual(Triple(exposure.planned.mg, exposure.taken.mg, exposure.takenDoses), Triple(60.0, 20.0, 1u), "planned and taken")
        checkClose(exposure.taken.mgPerKg, 1.0, "taken mg per kg")
        checkClose(exposure.taken.mgPerM2, 20.0 / Math.sqrt(115.0 * 20.0 / 3600.0), "taken mg per m2")
        checkClose(exposure.planned.mgPerYear, 60.0 * 365.25 / 31, "planned mg per year")
        checkValidation("range", "a range ending before it starts") {
            diary.steroidExposure(patientId, null, "2025-01-31", "2025-01-01", "2025-01-17")
        }
        Triple(patientId, key, medication)
    }

    Diary.open(path).use { diary ->
        checkEqual(diary.courses(patientId).map { it.courseKey to it.version }, listOf(key to 2L), "latest version after reopen")
        checkEqual(diary.course(key, 1).plan.phases.first().length, PhaseLength.UntilRemission, "version 1 after reopen")
        checkEqual(diary.doseLogs(patientId, "2025-01-16", "2025-01-16").single().dose.medicationId, medication,
            "the steroid dose after reopen")
    }
}

fun theSameCourseClientIdTwiceCreatesOneCourse(): Unit = withTempDir { tmp ->
    val path = File(tmp, "diary.sqlite").path
    val tapped = courseInput().copy(clientId = "kt-course-1")
    val (patientId, course) = Diary.open(path).use { diary ->
        val patientId = diary.createPatient(profile()).id
        diary.addMeasurement(patientId, withHeight)
        val course = diary.createCourse(patientId, tapped)
        // A double tap, or a retry after a lost response: the stored course, no second one.
        checkEqual(diary.createCourse(patientId, tapped), course, "the same course client id returns the stored course")
        checkEqual(diary.courses(patientId).map { it.courseKey }, listOf(course.courseKey),
            "the same course client id twice creates one course")
        checkThrows<NephroException.Conflict>("the same course client id with another course is a conflict") {
            diary.createCourse(patientId, tapped.copy(start = "2025-01-16"))
        }
        checkEqual(diary.courses(patientId).size, 1, "a conflicting course is not stored")
        patientId to course
    }
    Diary.open(path).use { diary ->
        checkEqual(diary.createCourse(patientId, tapped), course, "the retry after reopening returns the stored course")
        checkEqual(diary.courses(patientId).size, 1, "still one course after reopening")
    }
}

fun taperRefusalsNameTheField() {
    fun case(weightKg: Double = 20.0, template: CourseTemplate? = null, phases: List<PhaseInput> = listOf(dailyMg(20.0, 3))) =
        TaperCaseInput("2025-01-15", weightKg, 115.0, null, null, template, phases, null)

    checkValidation("weight_kg", "weight 0") { buildTaperCalendar(case(weightKg = 0.0)) }
    val capped = dailyMg(20.0, 3).copy(maxMg = -1.0)
    checkValidation("phases[0].max_mg", "a cap below zero") { buildTaperCalendar(case(phases = listOf(capped))) }
    checkValidation("template", "an unknown template") { parseCourseTemplate("template", "kdigo2012") }
    checkValidation("remission_confirmed", "until remission without a remission date") {
        buildTaperCalendar(case(template = CourseTemplate.KDIGO2025_RELAPSE, phases = emptyList()))
    }
    checkValidation("phases[2]", "a phase with two lengths") { parsePhaseLength("phases[2]", 3L, true, null) }
    checkValidation("phases[0].frequency", "an unknown frequency") { parseFrequency("phases[0].frequency", "weekly") }
    withTempDir { tmp ->
        Diary.open(File(tmp, "diary.sqlite").path).use { diary ->
            val patientId = diary.createPatient(profile()).id
            checkValidation("weight_kg", "a course needs a weight on or before its start") {
                diary.createCourse(patientId, courseInput())
            }
            diary.addMeasurement(patientId, withHeight)
            checkValidation("drug", "tacrolimus is not a steroid course") {
                diary.createCourse(patientId, courseInput(drug = Drug.TACROLIMUS))
            }
            checkValidation("times[0]", "a malformed time") { diary.createCourse(patientId, courseInput(times = listOf("8:00"))) }
            checkEqual(diary.courses(patientId), emptyList(), "refused courses store nothing")
        }
    }
}

private fun dipstick(clientId: String, patientId: Long, day: Int) = UrineReadingInput(
    clientId = clientId, patientId = patientId, dipstick = DipstickGrade.THREE_PLUS, upcr = null, unit = null,
    takenAtMs = FIRST_MORNING_MS + day * DAY_MS, takenOn = null, firstMorning = true, note = null, loggedBy = "mother",
)

fun aRelapsePromptsAndNeverStartsACourse(): Unit = withTempDir { tmp ->
    Diary.open(File(tmp, "diary.sqlite").path).use { diary ->
        val patientId = diary.createPatient(profile()).id
        diary.addMeasurement(patientId, withHeight)
        (0 until 3).forEach { day -> diary.logUrineReading(dipstick("kt-u$day", patientId, day)) }
        checkEqual(diary.steroidRelapsePrompt(patientId, "2025-01-16", null), null, "two nephrotic mornings: no prompt")
        val prompt = diary.steroidRelapsePrompt(patientId, "2025-01-17", null)
        if (check(prompt != null, "three nephrotic mornings: a prompt") && prompt != null) {
            check(prompt.text.startsWith("Relapse suspected — contact your team; your action plan says: "), prompt.text)
            check("47.5 mg (9½ tablets of 5 mg)" in prompt.text, prompt.text)
            val suggestion = prompt.suggestion
            checkEqual(suggestion.course.template, CourseTemplate.KDIGO2025_RELAPSE, "kdigo2025_relapse pre-filled")
            checkEqual(suggestion.daily?.mg to suggestion.alternateDay?.mg, 47.5 to 32.5, "the pre-filled doses")
            checkEqual(diary.courses(patientId), emptyList(), "the prompt never starts a course")
            val zh = diary.steroidRelapsePrompt(patientId, "2025-01-17", "zh-Hans")
            check(zh?.text?.startsWith("疑似复发——请联系医疗团队") == true, zh?.text ?: "no prompt")
            diary.createCourse(patientId, suggestion.course.copy(changedBy = "Dr. Example"))
            checkEqual(diary.steroidRelapsePrompt(patientId, "2025-01-18", null), null, "answered by a new course")
        }
    }
}

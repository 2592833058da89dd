// Urine readings and the relapse engine from Kotlin: every case of the `relapse` suite through
// the typed `assessRelapse`, and the Diary's readings and relapse status.

import com.google.gson.JsonObject
import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val relapseTests = listOf(
    ::relapseSuite,
    ::diaryLogsReadingsAndReportsARelapseAfterThreeNephroticMornings,
)

// 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
private const val FIRST_MORNING_MS = 1736920800000L
private const val DAY_MS = 86400000L

/**
 * The typed input for a case input; names are read with the core's parsers, so an unknown
 * grade, unit or definition set is refused naming the same field as `nephro eval`.
 */
fun relapseCaseInputOf(input: JsonObject): RelapseCaseInput {
    val readings = input.getAsJsonArray("readings")?.mapIndexed { i, element ->
        val r = element.asJsonObject
        RelapseCaseReading(
            date = r.text("date"),
            dipstick = if (r.has("dipstick")) parseDipstickGrade("readings[$i].dipstick", r.text("dipstick")) else null,
            upcr = r.optDouble("upcr"),
            unit = if (r.has("unit")) parseUpcrUnit("readings[$i].unit", r.text("unit")) else null,
            firstMorning = r.flag("first_morning", false),
        )
    }.orEmpty()
    val courses = input.getAsJsonArray("steroid_courses")?.map {
        SteroidCourseSpan(start = it.asJsonObject.text("start"), end = it.asJsonObject.text("end"))
    }.orEmpty()
    return RelapseCaseInput(
        definitions = if (input.has("definitions")) parseDefinitionSet("definitions", input.text("definitions")) else null,
        initialState = if (input.has("initial_state")) parseDiseaseState("initial_state", input.text("initial_state")) else null,
        initialRemission = if (input.has("initial_remission")) input.text("initial_remission") else null,
        readings = readings,
        steroidCourses = courses,
        asOf = if (input.has("as_of")) input.text("as_of") else null,
    )
}

/** The assessment as the conformance output (the keys `nephro eval` prints). */
fun renderAssessment(a: RelapseAssessment): Map<String, Any?> = mapOf(
    "state" to a.state.name.lowercase(),
    "relapses" to a.relapses.map { it.onset },
    "remissions" to a.remissions.map { it.onset },
    "frequently_relapsing" to a.frequentlyRelapsing,
    "steroid_dependent" to a.steroidDependent,
    "as_of" to a.asOf,
    "relapse_episodes" to a.relapses.map {
        mapOf("onset" to it.onset, "confirmed" to it.confirmed, "remission_onset" to it.remissionOnset)
    },
    "remission_episodes" to a.remissions.map { mapOf("onset" to it.onset, "confirmed" to it.confirmed) },
    "relapse_rate_per_year" to a.relapseRatePerYear,
    "days_since_last_relapse" to a.daysSinceLastRelapse,
    "days_in_current_remission" to a.daysInCurrentRemission,
    "next_action" to a.nextAction?.let { mapOf("kind" to it.kind.name.lowercase(), "date" to it.date) },
)

fun relapseSuite() {
    runSuite("relapse") { input -> renderAssessment(assessRelapse(relapseCaseInputOf(input))) }
}

/** A first-morning dipstick at 07:00 Berlin time, [day] days after 2025-01-15. */
private fun dipstick(clientId: String, patientId: Long, day: Int, grade: DipstickGrade) = UrineReadingInput(
    clientId = clientId,
    patientId = patientId,
    dipstick = grade,
    upcr = null,
    unit = null,
    takenAtMs = FIRST_MORNING_MS + day * DAY_MS,
    takenOn = null,
    firstMorning = true,
    note = "fever",
    loggedBy = "mother",
)

fun diaryLogsReadingsAndReportsARelapseAfterThreeNephroticMornings(): Unit = withTempDir { tmp ->
    val path = File(tmp, "diary.sqlite").path
    val grades = listOf(DipstickGrade.THREE_PLUS, DipstickGrade.THREE_PLUS, DipstickGrade.FOUR_PLUS)
    val patientId = Diary.open(path).use { diary ->
        val patientId = diary.createPatient(profile()).id
        grades.forEachIndexed { day, grade ->
            val stored = diary.logUrineReading(dipstick("kt-urine-$day", patientId, day, grade))
            checkEqual(stored.level, ProteinLevel.NEPHROTIC, "day $day is nephrotic")
        }
        val again = diary.logUrineReading(dipstick("kt-urine-0", patientId, 0, grades[0]))
        checkEqual(again.revision to again.takenOn, 1L to "2025-01-15", "same client_id again: stored once, local date")
        checkThrows<NephroException.Conflict>("same client_id with another grade is a conflict") {
            diary.logUrineReading(dipstick("kt-urine-0", patientId, 0, DipstickGrade.NEGATIVE))
        }
        val watch = diary.relapseStatus(patientId, "2025-01-15", null)
        checkEqual(watch.assessment.state, RelapseState.WATCH, "first nephrotic morning: watch")
        checkEqual(watch.prompt, RelapsePrompt.TEST_AGAIN_TOMORROW, "first nephrotic morning: test again")

        val negative = UrineReadingInput(
            clientId = "kt-bad", patientId = patientId, dipstick = null, upcr = -5.0, unit = UpcrUnit.MG_PER_MMOL,
            takenAtMs = FIRST_MORNING_MS, takenOn = null, firstMorning = false, note = null, loggedBy = "mother",
        )
        checkValidation("upcr", "a negative UPCR is refused naming upcr") { diary.logUrineReading(negative) }
        checkValidation("unit", "a UPCR without unit is refused naming unit") {
            diary.logUrineReading(negative.copy(upcr = 150.0, unit = null))
        }
        patientId
    }

    Diary.open(path).use { diary ->
        val readings = diary.urineReadings(patientId, "2025-01-01", "2025-01-31", false)
        checkEqual(readings.map { it.takenOn }, listOf("2025-01-15", "2025-01-16", "2025-01-17"), "readings after reopen")
        val status = diary.relapseStatus(patientId, "2025-01-17", "zh-Hans")
        checkEqual(status.assessment.state, RelapseState.RELAPSE, "third nephrotic morning: relapse")
        checkEqual(status.prompt, RelapsePrompt.RELAPSE_CONTACT_TEAM, "third morning: contact the team")
        check("联系医疗团队" in status.promptText, "the prompt is in Simplified Chinese")
        checkEqual(
            status.assessment.relapses.map { it.onset to it.confirmed },
            listOf("2025-01-15" to "2025-01-17"),
            "relapse episode",
        )
        checkValidation("locale", "an unknown locale is refused") { diary.relapseStatus(patientId, "2025-01-17", "fr") }

        val retracted = diary.retractUrineReading("kt-urine-2", "father")
        checkEqual(retracted.revision to retracted.retracted, 2L to true, "retraction is revision 2")
        checkEqual(diary.urineReadingHistory("kt-urine-2").map { it.changedBy }, listOf("mother", "father"), "history")
        checkEqual(diary.relapseStatus(patientId, "2025-01-17", null).assessment.relapses, emptyList(), "no relapse now")
    }
}

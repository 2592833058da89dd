// Reading a dipstick from a photo (clinical-rules §13) through the typed bindings: every case of
// the `dipstick` suite (the shared conformance-next cases and the project's) through
// `readDipstick`, a synthetic photo sampled and read end to end, as the camera screen does, and a
// reading the parent confirmed stored with its suggestion.

import com.google.gson.JsonArray
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val dipstickTests = listOf(
    ::dipstickSuite,
    ::syntheticPhotoIsSampledAndRead,
    ::photoRefusalsAreTyped,
    ::aPhotoReadingTheParentChangedKeepsBothGrades,
)

private val gradeNames = mapOf(
    DipstickGrade.NEGATIVE to "negative",
    DipstickGrade.TRACE to "trace",
    DipstickGrade.ONE_PLUS to "1+",
    DipstickGrade.TWO_PLUS to "2+",
    DipstickGrade.THREE_PLUS to "3+",
    DipstickGrade.FOUR_PLUS to "4+",
)

private fun colourOf(rgb: JsonArray) = SrgbColour(rgb[0].asDouble, rgb[1].asDouble, rgb[2].asDouble)

/** The typed samples of a case input (an unknown grade is refused by the core's parser). */
fun dipstickSamplesOf(input: JsonObject): DipstickSamples {
    val window = input.getAsJsonArray("read_window_s")
    return DipstickSamples(
        white = colourOf(input.getAsJsonArray("white_rgb")),
        chart = input.getAsJsonArray("chart").mapIndexed { i, s ->
            val swatch = s.asJsonObject
            ChartSwatch(parseDipstickGrade("chart[$i].grade", swatch.text("grade")), colourOf(swatch.getAsJsonArray("rgb")))
        },
        pad = colourOf(input.getAsJsonArray("pad_rgb")),
        secondsSinceDip = input.double("seconds_since_dip"),
        readWindowFromS = window[0].asDouble,
        readWindowToS = window[1].asDouble,
    )
}

fun dipstickSuite() {
    val count = runSuite("dipstick") { input ->
        val r = readDipstick(dipstickSamplesOf(input), null)
        mapOf(
            "status" to if (r.status == DipstickReadStatus.READ) "read" else "unsure",
            "grade" to r.grade?.let { gradeNames.getValue(it) },
            "nearest" to r.nearest.map { mapOf("grade" to gradeNames.getValue(it.grade), "delta_e" to it.deltaE) },
        )
    }
    val sharedNext = caseFiles("dipstick").count { "conformance-next" in it.path }
    check(sharedNext >= 8, "the shared conformance-next dipstick cases ran ($sharedNext)")
    check(count >= 33, "the dipstick suite has its shared and own cases ($count)")
}

fun syntheticPhotoIsSampledAndRead() {
    for (light in SyntheticLight.values()) {
        val p = syntheticStripPhoto(DipstickGrade.THREE_PLUS, -0.1, light, 2.0, false, 1.0, 3uL)
        val r = readDipstickPhoto(p.photo, p.layout, p.secondsSinceDip, p.readWindowFromS, p.readWindowToS, null, null)
        checkEqual(r.reading.status, DipstickReadStatus.READ, "$light: read")
        checkEqual(r.reading.grade, DipstickGrade.THREE_PLUS, "$light: the true grade")
        checkEqual(r.reading.distances.size, 6, "$light: every swatch's distance")
    }
}

fun photoRefusalsAreTyped() {
    val p = syntheticStripPhoto(DipstickGrade.ONE_PLUS, 0.0, SyntheticLight.DAYLIGHT, 2.0, false, 0.0, 5uL)
    val late = checkThrows<NephroException.Photo>("a photo 120 s after dipping") {
        readDipstickPhoto(p.photo, p.layout, 120.0, 30.0, 90.0, null, null)
    }
    val problem = late?.problem
    check(problem is PhotoProblem.TooLate && problem.windowToS == 90.0, "too late, with the window's end: $problem")
    checkValidation("photo.rgba", "a buffer too short") {
        samplePhotoPatch(p.photo.copy(rgba = p.photo.rgba.copyOf(1000)), p.layout.pad, null)
    }
    checkValidation("photo.row_stride", "a stride under width × 4") {
        samplePhotoPatch(p.photo.copy(rowStride = 3u), p.layout.pad, null)
    }
    checkValidation("rect.y", "a rectangle past the bottom edge") {
        samplePhotoPatch(p.photo, PhotoRect(0u, p.photo.height - 1u, 2u, 2u), null)
    }
    val glare = syntheticStripPhoto(DipstickGrade.FOUR_PLUS, 0.0, SyntheticLight.DAYLIGHT, 2.0, true, 0.0, 9uL)
    val uneven = checkThrows<NephroException.Photo>("a glare spot with no rejection allowed") {
        samplePhotoPatch(glare.photo, glare.layout.pad, SamplingPolicy(32u, 0.0))
    }?.problem
    check(uneven is PhotoProblem.Uneven && uneven.patch == "rect" && uneven.rejectedShare in 0.0..0.5, "uneven with its share: $uneven")
    val policy = defaultDipstickPolicy()
    checkEqual(policy.maxDeltaE to policy.minGap, 15.0 to 2.0, "the default policy of §13")
}

// 2025-01-15 07:00 in Berlin (the fixtures' patient), and 2025-01-16 12:00 UTC, in epoch ms.
private const val BERLIN_MORNING_MS = 1736920800000L
private const val PHOTO_EXPORT_NOW_MS = 1737028800000L

/** A first-morning reading of a photo's strip: the suggestion copied from [reading], [grade] the parent's. */
private fun confirmed(clientId: String, patientId: Long, reading: DipstickReading, grade: DipstickGrade?) = UrineReadingInput(
    clientId, patientId, grade, null, null, BERLIN_MORNING_MS, null, true, null, "mother",
    photo = PhotoSuggestion(reading.status, reading.grade, reading.nearest),
)

fun aPhotoReadingTheParentChangedKeepsBothGrades(): Unit = withTempDir { tmp ->
    Diary.open(File(tmp, "diary.sqlite").path).use { diary ->
        val patient = diary.createPatient(profile())
        val p = syntheticStripPhoto(DipstickGrade.TWO_PLUS, 0.0, SyntheticLight.DAYLIGHT, 2.0, false, 0.0, 7uL)
        val read = readDipstickPhoto(p.photo, p.layout, p.secondsSinceDip, p.readWindowFromS, p.readWindowToS, null, null).reading
        checkEqual(read.grade, DipstickGrade.TWO_PLUS, "the core suggests 2+")

        // Refused, naming the field, and nothing stored.
        checkValidation("dipstick", "a photo reading without the parent's grade") {
            diary.logUrineReading(confirmed("p1", patient.id, read, null))
        }
        val three = confirmed("p1", patient.id, read, DipstickGrade.THREE_PLUS)
        checkValidation("photo.grade", "an unsure suggestion with a grade") {
            diary.logUrineReading(three.copy(photo = three.photo!!.copy(status = DipstickReadStatus.UNSURE)))
        }
        checkValidation("photo.nearest[0].delta_e", "an infinite distance") {
            val far = read.nearest[0].copy(deltaE = Double.POSITIVE_INFINITY)
            diary.logUrineReading(three.copy(photo = three.photo!!.copy(nearest = listOf(far, read.nearest[1]))))
        }
        checkEqual(diary.urineReadings(patient.id, "1900-01-01", "2200-12-31", true), emptyList<UrineReading>(), "nothing stored")

        // The parent saw 3+ where the core suggested 2+.
        val stored = diary.logUrineReading(three)
        checkEqual(stored.dipstick, DipstickGrade.THREE_PLUS, "the confirmed grade is the reading's")
        checkEqual(stored.photo?.grade, DipstickGrade.TWO_PLUS, "the suggestion is kept beside it")
        checkEqual(stored.photo?.nearest, read.nearest, "with its two nearest swatches")
        checkEqual(diary.urineReading("p1"), stored, "read back as stored")

        val status = diary.relapseStatus(patient.id, "2025-01-15", null)
        checkEqual(status.assessment.state, RelapseState.WATCH, "one nephrotic morning: watch")
        checkEqual(status.assessment.latestRun?.level, ProteinLevel.NEPHROTIC, "3+ counts, not 2+")

        fun export(format: ExportFormat) = diary.export(
            patient.id, ExportRequest(format, null, null, null, "en", PHOTO_EXPORT_NOW_MS),
        )[0].bytes.toString(Charsets.UTF_8)
        val methods = JsonParser.parseString(export(ExportFormat.FHIR)).asJsonObject.getAsJsonArray("entry")
            .map { it.asJsonObject.getAsJsonObject("resource") }
            .filter { it.get("resourceType").asString == "Observation" }
            .map { it.getAsJsonObject("method").get("text").asString }
        checkEqual(methods, listOf("first-morning urine; photo-assisted, confirmed by the caregiver"), "the FHIR Observation says how it was read")
        check("the caregiver changed the suggested grade in 1;" in export(ExportFormat.HTML), "the report counts one change")
    }
}

// Reading a dipstick from a photo (clinical-rules §13) through the typed bindings: every case of
// the `dipstick` suite (the shared conformance-next cases and the project's) through
// `readDipstick`, and a synthetic photo sampled and read end to end, as the camera screen does.

import com.google.gson.JsonArray
import com.google.gson.JsonObject
import uniffi.nephro.*

val dipstickTests = listOf(::dipstickSuite, ::syntheticPhotoIsSampledAndRead, ::photoRefusalsAreTyped)

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

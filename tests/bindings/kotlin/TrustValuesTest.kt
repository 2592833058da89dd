// Red-team tests of clinical-rules §10 and of de-identification from Kotlin: a typo is refused
// naming its field and changes nothing; a de-identified export carries no id, generation time
// or zone that would undo it. (A damaged row among good ones needs raw SQL: the Rust FFI and
// Python suites cover it.)

import com.google.gson.JsonParser
import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val trustValuesTests = listOf(
    ::aTypoIsRefusedNamingItsFieldAndChangesNothing,
    ::deIdentifiedExportsShareNoIdAndNoGenerationTime,
)

private fun fileDigest(file: File): String =
    java.security.MessageDigest.getInstance("SHA-256").digest(file.readBytes()).joinToString("") { "%02x".format(it) }

/** [block] is refused with `Validation` naming [field], and the checkpointed file is unchanged. */
private fun refusedUnchanged(diary: Diary, file: File, field: String, what: String, block: () -> Any?) {
    diary.checkpoint()
    val before = fileDigest(file)
    checkValidation(field, what, block)
    diary.checkpoint()
    checkEqual(fileDigest(file), before, "$what: nothing stored")
}

fun aTypoIsRefusedNamingItsFieldAndChangesNothing(): Unit = withTempDir { tmp ->
    val file = File(tmp, "diary.db")
    Diary.open(file.path).use { diary ->
        val (patient, regimen) = seeded(diary)
        val med = regimen.medicationId
        diary.logDose(doseLog("kt-am", med), MORNING_MS, null)
        refusedUnchanged(diary, file, "weight_kg", "2000 kg") { diary.addMeasurement(patient.id, weight(2000.0)) }
        refusedUnchanged(diary, file, "weight_kg", "0.9 kg, even confirmed") {
            diary.addMeasurement(patient.id, Measurement("2025-01-15", 0.9, null, true))
        }
        refusedUnchanged(diary, file, "height_cm", "1150 cm") {
            diary.addMeasurement(patient.id, Measurement("2025-01-15", null, 1150.0, true))
        }
        refusedUnchanged(diary, file, "measured_on", "a weight in 2201") {
            diary.addMeasurement(patient.id, weight(20.0, on = "2201-01-01"))
        }
        refusedUnchanged(diary, file, "strengths_mg[0]", "a capsule of 1e-9 mg") {
            diary.addRegimen(patient.id, tacrolimusRegimen(start = "2025-01-16").copy(strengthsMg = listOf(1e-9)))
        }
        refusedUnchanged(diary, file, "end_date", "a regimen ending in 9999") { diary.endRegimen(regimen.id, "9999-12-31") }
        refusedUnchanged(diary, file, "actual_at_ms", "a dose given at Long.MAX_VALUE") {
            diary.logDose(doseLog("kt-far", med, slotTime = "20:00", atMs = Long.MAX_VALUE), EVENING_MS, null)
        }
        refusedUnchanged(diary, file, "slot_date", "a slot months ahead of the phone's clock") {
            diary.logDose(doseLog("kt-june", med, slotDate = "2025-06-01", atMs = MORNING_MS), MORNING_MS, null)
        }
        // 19:55 for the 20:00 dose is within its take-window.
        val early = diary.logDose(doseLog("kt-pm", med, slotTime = "20:00", atMs = EVENING_MS - 300_000), EVENING_MS - 300_000, null)
        checkEqual(early.revision, 1L, "19:55 for the 20:00 dose is logged")
        // 200 kg after 20 kg: held until confirmed, then stored with the confirmation.
        val held = checkThrows<NephroException.NeedsConfirmation>("200 kg after 20 kg") {
            diary.addMeasurement(patient.id, weight(200.0, on = "2025-01-16"))
        }
        checkEqual(held?.check, "weight_change", "the check that failed")
        // The weight slip that passes the bounds is stopped by the daily maximum (10 mg/day).
        val slip = DoseRequest(Drug.TACROLIMUS, 200.0, 0.1, null, null, 2u, listOf(0.5, 1.0), false, false)
        val slipRefused = checkThrows<NephroException.DoseOutOfRange>("tacrolimus 20 mg/day") { calculateDose(slip) }
        checkEqual(slipRefused?.limit, DoseLimit.DailyMaximum(10.0), "the daily maximum crosses the FFI as a field")
    }
}

fun deIdentifiedExportsShareNoIdAndNoGenerationTime(): Unit = withTempDir { tmp ->
    Diary.open(File(tmp, "diary.db").path).use { diary ->
        val (patient, regimen) = seeded(diary)
        diary.logDose(doseLog("kt-am", regimen.medicationId), MORNING_MS, null)
        // Months later, so the dose lies before any de-identification cutoff.
        val request = ExportRequest(ExportFormat.FHIR, null, null, null, "en", 1_748_736_000_000, deidentify = true)
        val bundles = (1..2).map {
            JsonParser.parseString(String(diary.export(patient.id, request).single().bytes)).asJsonObject
        }
        val ids = bundles.map { b -> b.getAsJsonArray("entry").map { it.asJsonObject["resource"].asJsonObject["id"].asString }.toSet() }
        check(ids.all { it.isNotEmpty() }, "resources exported")
        checkEqual(ids[0].intersect(ids[1]), emptySet(), "no id is shared by two de-identified exports")
        for (bundle in bundles) {
            check(!bundle.has("timestamp"), "no generation time")
            val text = bundle.toString()
            check("Test Child" !in text && "2025-01-15" !in text, "no name, and the dose's real date is shifted")
            // Instants (a date alone is a day, with no zone to leak).
            val instants = Regex("\"effectiveDateTime\":\"([^\"]+T[^\"]+)\"").findAll(text).map { it.groupValues[1] }.toList()
            check(instants.isNotEmpty() && instants.all { it.endsWith("Z") }, "instants in UTC notation, no zone offset")
        }
    }
}

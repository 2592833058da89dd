// Clinician exports from Kotlin: every format as bytes and written to a path, read back after
// reopening the diary; de-identification leaves no name, and one request in several formats has
// one shift; refusals name the field.

import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val exportTests = listOf(
    ::everyFormatExportsAsBytes,
    ::deIdentifiedExportsHoldNoName,
    ::oneDeIdentifiedRequestInSeveralFormatsHasOneShift,
    ::exportToPathSurvivesReopenAndRefusalsNameTheField,
    ::aTransactionBundleUpdatesByIdentifierAndIsRefusedWhenDeIdentified,
)

// 2025-01-20 12:00 UTC, in epoch ms.
private const val EXPORT_NOW_MS = 1737374400000L

// 2025-04-01 12:00 UTC: a de-identified period (which ends 14 to 69 days earlier) then holds the
// doses of 2025-01-15.
private const val EXPORT_LATER_MS = 1743508800000L

private fun exportRequest(
    format: ExportFormat,
    deidentifySeed: Long? = null,
    locale: String = "en",
    fromDate: String? = null,
    toDate: String? = null,
) = ExportRequest(format, fromDate, toDate, deidentifySeed, locale, EXPORT_NOW_MS)

/** A seeded diary with the two doses of 2025-01-15 logged (the evening one skipped). */
private fun exportDiary(path: String): Pair<Diary, Patient> {
    val diary = Diary.open(path)
    val (patient, regimen) = seeded(diary)
    val medication = "regimen-${regimen.id}"
    diary.logDose(doseLog("kt-export-1", medication), MORNING_MS, null)
    diary.logDose(doseLog("kt-export-2", medication, slotTime = "20:00", outcome = DoseOutcome.SKIPPED, atMs = EVENING_MS), EVENING_MS, null)
    return diary to patient
}

fun everyFormatExportsAsBytes(): Unit = withTempDir { tmp ->
    val (diary, patient) = exportDiary(File(tmp, "diary.sqlite").path)
    diary.use {
        val fhir = diary.export(patient.id, exportRequest(ExportFormat.FHIR))
        checkEqual(fhir.map { it.name }, listOf("diary.fhir.json"), "FHIR is one file")
        val json = fhir[0].bytes.toString(Charsets.UTF_8)
        check(json.startsWith("{\"resourceType\":\"Bundle\""), "a FHIR Bundle")
        check(json.contains("\"status\":\"not-taken\"") && json.contains("\"status\":\"completed\""), "taken and skipped doses")
        check(json.contains("\"text\":\"Test Child\""), "the identified export names the patient")
        val tables = diary.export(patient.id, exportRequest(ExportFormat.CSV))
        check(tables.any { it.name == "doses.csv" } && tables.any { it.name == "manifest.txt" }, "CSV tables and a manifest")
        val doses = tables.first { it.name == "doses.csv" }.bytes.toString(Charsets.UTF_8)
        checkEqual(doses.split("\r\n").size, 4, "a header and two dose rows")
        val html = diary.export(patient.id, exportRequest(ExportFormat.HTML, locale = "zh-Hans"))[0].bytes.toString(Charsets.UTF_8)
        check(html.contains("<html lang=\"zh-Hans\">") && html.contains("他克莫司"), "the report in Simplified Chinese")
        val ics = diary.export(patient.id, exportRequest(ExportFormat.ICS, fromDate = "2025-01-15"))[0].bytes.toString(Charsets.UTF_8)
        check(ics.startsWith("BEGIN:VCALENDAR\r\n") && ics.contains("RRULE:FREQ=DAILY"), "the calendar repeats the regimen")
    }
    Unit
}

fun deIdentifiedExportsHoldNoName(): Unit = withTempDir { tmp ->
    val (diary, patient) = exportDiary(File(tmp, "diary.sqlite").path)
    diary.use {
        for (format in ExportFormat.values()) {
            for (file in diary.export(patient.id, exportRequest(format, deidentifySeed = -42L))) {
                val text = file.bytes.toString(Charsets.UTF_8).replace("\r\n ", "")
                check(
                    !text.contains("Test Child") && !text.contains("2019-04-02") && !text.contains("mother"),
                    "de-identified ${file.name}: no name, birth date or logger",
                )
            }
        }
    }
    Unit
}

fun oneDeIdentifiedRequestInSeveralFormatsHasOneShift(): Unit = withTempDir { tmp ->
    val (diary, patient) = exportDiary(File(tmp, "diary.sqlite").path)
    diary.use {
        val share = ExportRequest(
            ExportFormat.FHIR, null, null, null, "en", EXPORT_LATER_MS,
            deidentify = true,
            extraFormats = listOf(ExportFormat.CSV, ExportFormat.HTML, ExportFormat.ICS),
        )
        val files = diary.export(patient.id, share)
        checkEqual(files.map { it.format }.toSet(), ExportFormat.values().toSet(), "every format asked for")
        val texts = files.associate { it.name to it.bytes.toString(Charsets.UTF_8) }
        check(texts.values.none { it.contains("Test Child") }, "no name in any file")
        val json = texts.getValue("diary.fhir.json")
        check(!json.contains("\"timestamp\""), "no generation time")
        val instants = texts.getValue("doses.csv").removePrefix("\uFEFF").split("\r\n").drop(1)
            .filter { it.isNotEmpty() }.map { it.split(",")[6] }  // after the patient column
        check(
            instants.isNotEmpty() && instants.all { it.endsWith("Z") && json.contains("\"effectiveDateTime\":\"$it\"") },
            "the CSV doses are FHIR statements at the same shifted instants",
        )
        val written = diary.exportToPath(patient.id, share, File(tmp, "share").path)
        check(File(tmp, "share/diary.fhir.json").isFile && File(tmp, "share/csv/doses.csv").isFile && written.size == 13,
              "several formats written into one directory")
    }
    Unit
}

fun exportToPathSurvivesReopenAndRefusalsNameTheField(): Unit = withTempDir { tmp ->
    val path = File(tmp, "diary.sqlite").path
    val (first, patient) = exportDiary(path)
    first.close()
    Diary.open(path).use { diary ->
        val report = File(tmp, "report.html")
        checkEqual(diary.exportToPath(patient.id, exportRequest(ExportFormat.HTML), report.path), listOf(report.path), "the report path is returned")
        check(report.length() > 1000, "the report is written")
        val written = diary.exportToPath(patient.id, exportRequest(ExportFormat.CSV), File(tmp, "tables").path)
        check(written.size >= 6 && written.all { File(it).isFile }, "CSV files written into a directory")
        checkValidation("locale", "an unknown locale") { diary.export(patient.id, exportRequest(ExportFormat.FHIR, locale = "fr")) }
        checkValidation("from", "a range ending before it starts") {
            diary.export(patient.id, exportRequest(ExportFormat.CSV, fromDate = "2025-02-01", toDate = "2025-01-01"))
        }
        checkValidation("to_date", "a malformed date") { diary.export(patient.id, exportRequest(ExportFormat.HTML, toDate = "2025-1-1")) }
    }
    Unit
}

/** An export request for a FHIR transaction bundle (identified exports only). */
private fun transactionRequest(
    deidentify: Boolean = false,
    deidentifySeed: Long? = null,
    extraFormats: List<ExportFormat> = listOf(),
) = ExportRequest(
    ExportFormat.FHIR, null, null, deidentifySeed, "en", EXPORT_NOW_MS,
    deidentify = deidentify,
    extraFormats = extraFormats,
    fhirBundle = FhirBundle.TRANSACTION,
)

/** The conditional-update URLs of a transaction bundle, in order. */
private fun requestUrls(json: String): List<String> =
    Regex("\"request\":\\{\"method\":\"PUT\",\"url\":\"([^\"]+)\"").findAll(json).map { it.groupValues[1] }.toList()

fun aTransactionBundleUpdatesByIdentifierAndIsRefusedWhenDeIdentified(): Unit = withTempDir { tmp ->
    val (diary, patient) = exportDiary(File(tmp, "diary.sqlite").path)
    diary.use {
        diary.undoDose("kt-export-2", "mother")
        val files = diary.export(patient.id, transactionRequest())
        checkEqual(files.map { it.name to it.format }, listOf("diary.fhir.json" to ExportFormat.FHIR), "a transaction is one FHIR file")
        val json = files[0].bytes.toString(Charsets.UTF_8)
        check(json.contains("\"type\":\"transaction\""), "the bundle is a transaction")
        val urls = requestUrls(json)
        val entries = Regex("\"fullUrl\"").findAll(json).count()
        check(
            entries > 0 && urls.size == entries && urls.all { it.contains("?identifier=urn%3Auuid%3A") },
            "every entry is a conditional update keyed by its diary-scoped identifier",
        )
        check(json.contains("\"status\":\"entered-in-error\""), "the undone dose is entered-in-error")
        val again = diary.export(patient.id, transactionRequest())[0].bytes.toString(Charsets.UTF_8)
        checkEqual(requestUrls(again), urls, "the next export updates the same records")
        val collection = ExportRequest(ExportFormat.FHIR, null, null, null, "en", EXPORT_NOW_MS, fhirBundle = FhirBundle.COLLECTION)
        check(diary.export(patient.id, collection)[0].bytes.toString(Charsets.UTF_8).contains("\"type\":\"collection\""), "a collection when asked for")
        val target = File(tmp, "load.json")
        checkEqual(diary.exportToPath(patient.id, transactionRequest(), target.path), listOf(target.path), "the file is returned")
        check(target.readText().contains("\"type\":\"transaction\""), "the transaction is written")

        val refused = File(tmp, "refused.json")
        checkValidation("fhir_bundle", "a de-identified transaction") { diary.export(patient.id, transactionRequest(deidentify = true)) }
        checkValidation("fhir_bundle", "a transaction de-identified by a seed") {
            diary.exportToPath(patient.id, transactionRequest(deidentifySeed = 7L), refused.path)
        }
        checkValidation("fhir_bundle", "a transaction beside other formats") {
            diary.exportToPath(patient.id, transactionRequest(extraFormats = listOf(ExportFormat.CSV)), refused.path)
        }
        check(!refused.exists(), "nothing written when refused")
    }
    Unit
}

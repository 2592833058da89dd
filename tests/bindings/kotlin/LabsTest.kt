// Labs from Kotlin: every `labs` case through the typed `assessLabsCase`, and the Diary's lab log
// with its flags, trough validity, alerts, settings, blood pressure and recalculate prompt.

import com.google.gson.JsonObject
import java.io.File
import java.time.Instant
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import uniffi.nephro.*
import uniffi.nephro_core.*

val labsTests = listOf(::labsSuite, ::diaryLogsLabsAndReadsFlagsAndAlerts)

// The case files' identifiers of the typed enums (tests/conformance/README.md, suite labs).
private val kindIds = mapOf(
    LabKind.TACROLIMUS_TROUGH to "tacrolimus_trough",
    LabKind.MPA_AUC to "mpa_auc",
    LabKind.CREATININE to "creatinine",
    LabKind.WBC to "wbc",
    LabKind.HAEMOGLOBIN to "haemoglobin",
    LabKind.PLATELETS to "platelets",
    LabKind.ALT to "alt",
    LabKind.TOTAL_BILIRUBIN to "total_bilirubin",
    LabKind.ALBUMIN to "albumin",
    LabKind.UPCR to "upcr",
)
private val flagIds = mapOf(
    TargetFlag.BELOW to "below",
    TargetFlag.IN_RANGE to "in_range",
    TargetFlag.ABOVE to "above",
    TargetFlag.NOT_A_TROUGH to "not_a_trough",
)
private val troughIds = mapOf(
    TroughValidity.VALID to "valid",
    TroughValidity.AFTER_MORNING_DOSE to "after_morning_dose",
    TroughValidity.LESS_THAN10_HOURS_AFTER_DOSE to "less_than_10h_after_dose",
)
private val alertIds = mapOf(
    AlertKind.LEUKOPENIA to "leukopenia",
    AlertKind.ANAEMIA to "anaemia",
    AlertKind.THROMBOCYTOPENIA to "thrombocytopenia",
    AlertKind.ALT_RAISED to "alt_raised",
    AlertKind.BILIRUBIN_RAISED to "bilirubin_raised",
    AlertKind.CREATININE_RISE to "creatinine_rise",
    AlertKind.EGFR_BELOW90 to "egfr_below_90",
)
private val noteIds = mapOf(
    AssessmentNote.UPPER_LIMIT_OF_NORMAL_MISSING to "uln_missing",
    AssessmentNote.NO_HEIGHT_FOR_EGFR to "no_height_for_egfr",
)
private val sourceIds = mapOf(BaselineSource.CARE_TEAM to "care_team", BaselineSource.FIRST_ON_RECORD to "first_on_record")

private fun JsonObject.optText(key: String): String? = get(key)?.takeUnless { it.isJsonNull }?.asString
private fun JsonObject.objects(key: String): List<JsonObject> =
    get(key)?.takeUnless { it.isJsonNull }?.asJsonArray?.map { it.asJsonObject } ?: emptyList()

private fun levelTarget(t: JsonObject?): LevelTarget? =
    t?.let { LevelTarget(low = it.optDouble("low"), high = it.optDouble("high"), highInclusive = it.flag("high_inclusive", true)) }

/** The typed input of a case (key for key; missing lists are empty). */
fun labsCaseInputOf(input: JsonObject): LabsCaseInput {
    val targets = input.get("targets")?.takeUnless { it.isJsonNull }?.asJsonObject
    return LabsCaseInput(
        timezone = input.text("timezone"),
        phase = input.optText("phase"),
        tacrolimusTroughTarget = levelTarget(targets?.get("tacrolimus_trough")?.asJsonObject),
        mpaAucTarget = levelTarget(targets?.get("mpa_auc")?.asJsonObject),
        creatinineBaselineMgDl = input.optDouble("creatinine_baseline_mg_dl"),
        labs = input.getAsJsonArray("labs").map { it.asJsonObject }.map {
            LabsCaseLab(
                kind = it.text("kind"),
                value = it.double("value"),
                unit = it.text("unit"),
                drawnAt = it.text("drawn_at"),
                upperLimitOfNormal = it.optDouble("upper_limit_of_normal"),
            )
        },
        doses = input.objects("doses").map { LabsCaseDose(it.text("taken_at"), it.text("slot_date"), it.text("slot_time")) },
        heights = input.objects("heights").map { LabsCaseHeight(it.text("date"), it.double("height_cm")) },
        regimenWeightKg = input.optDouble("regimen_weight_kg"),
        latestWeightKg = input.optDouble("latest_weight_kg"),
        recalculateThreshold = input.optDouble("recalculate_threshold"),
    )
}

private val utcText = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC)

/** An instant in UTC with `Z`, as the case files write it. */
fun utcText(ms: Long): String = utcText.format(Instant.ofEpochMilli(ms))

fun labsSuite() {
    runSuite("labs") { input ->
        val output = assessLabsCase(labsCaseInputOf(input))
        mapOf(
            "creatinine_baseline_mg_dl" to output.creatinineBaselineMgDl,
            "creatinine_baseline_source" to output.creatinineBaselineSource?.let { sourceIds.getValue(it) },
            "labs" to output.labs.map { a ->
                mapOf(
                    "kind" to kindIds.getValue(a.kind),
                    "drawn_at" to utcText(a.drawnAtMs),
                    "flag" to a.flag?.let { flagIds.getValue(it) },
                    "trough" to a.trough?.let { troughIds.getValue(it) },
                    "alerts" to a.alerts.map {
                        mapOf(
                            "kind" to alertIds.getValue(it.kind),
                            "value" to it.value,
                            "threshold" to it.threshold,
                            "unit" to it.unit,
                            "message_key" to it.messageKey,
                        )
                    },
                    "egfr" to a.egfr,
                    "notes" to a.notes.map { noteIds.getValue(it) },
                )
            },
            "recalculate_prompt" to output.recalculatePrompt?.let {
                mapOf(
                    "change_fraction" to it.changeFraction,
                    "threshold_fraction" to it.thresholdFraction,
                    "message_key" to it.messageKey,
                )
            },
        )
    }
}

// 2025-01-16 06:30 UTC (07:30 in Berlin, 11 h 20 min after the evening dose of the 15th at
// 19:10 UTC) and 2025-01-15 21:00 UTC (22:00 in Berlin, 1 h 50 min after it).
private const val TROUGH_MS = 1737009000000L
private const val TOO_EARLY_MS = 1736974800000L

private fun lab(
    clientId: String,
    patientId: Long,
    kind: LabKind,
    value: Double,
    unit: LabUnit,
    atMs: Long = TROUGH_MS,
) = LabResultInput(clientId, patientId, kind, value, unit, atMs, null, "mother")

fun diaryLogsLabsAndReadsFlagsAndAlerts(): Unit = withTempDir { tmp ->
    val path = File(tmp, "diary.sqlite").path
    val (patientId, regimenId) = Diary.open(path).use { diary ->
        val patient = diary.createPatient(profile()) // Europe/Berlin
        diary.addMeasurement(patient.id, Measurement(measuredOn = "2025-01-10", weightKg = 20.0, heightCm = 115.0))
        val regimen = diary.addRegimen(patient.id, tacrolimusRegimen())
        diary.logDose(doseLog("ev-15", regimen.medicationId, slotTime = "20:00", atMs = EVENING_MS), EVENING_MS, null)

        val trough = diary.logLabResult(lab("kt-trough", patient.id, LabKind.TACROLIMUS_TROUGH, 7.2, LabUnit.NANOGRAMS_PER_MILLILITRE))
        checkEqual(trough.revision to trough.retracted, 1L to false, "a logged lab is revision 1")
        val again = diary.logLabResult(lab("kt-trough", patient.id, LabKind.TACROLIMUS_TROUGH, 7.2, LabUnit.NANOGRAMS_PER_MILLILITRE))
        checkEqual(again, trough, "the same client_id again returns the stored result")
        checkThrows<NephroException.Conflict>("another value under a used client_id is a conflict") {
            diary.logLabResult(lab("kt-trough", patient.id, LabKind.TACROLIMUS_TROUGH, 9.9, LabUnit.NANOGRAMS_PER_MILLILITRE))
        }
        diary.logLabResult(lab("kt-early", patient.id, LabKind.TACROLIMUS_TROUGH, 14.0, LabUnit.NANOGRAMS_PER_MILLILITRE, TOO_EARLY_MS))
        diary.logLabResult(lab("kt-wbc", patient.id, LabKind.WBC, 2.8, LabUnit.BILLIONS_PER_LITRE))
        diary.logLabResult(lab("kt-creatinine", patient.id, LabKind.CREATININE, 0.5, LabUnit.MILLIGRAMS_PER_DECILITRE))

        checkValidation("result.unit", "a unit that does not fit the kind is refused") {
            diary.logLabResult(lab("kt-bad", patient.id, LabKind.PLATELETS, 150.0, LabUnit.GRAMS_PER_DECILITRE))
        }
        checkThrows<NephroException.NotFound>("nothing was stored under the refused id") { diary.labResult("kt-bad") }

        val report = diary.labReport(patient.id, "2025-01-15", "2025-01-16", "en")
        checkEqual(
            report.lines.map { it.result.clientId to it.assessment.flag },
            listOf(
                "kt-early" to TargetFlag.NOT_A_TROUGH,
                "kt-trough" to TargetFlag.IN_RANGE,
                "kt-wbc" to null,
                "kt-creatinine" to null,
            ),
            "flags in draw order: the level 1 h 50 min after a dose is not a trough",
        )
        val lines = report.lines.associateBy { it.result.clientId }
        checkEqual(lines["kt-trough"]?.assessment?.trough, TroughValidity.VALID, "the 07:30 level is a trough")
        checkEqual(lines["kt-trough"]?.target, LevelTarget(5.0, 10.0, true), "initial phase target 5–10 ng/mL")
        val alerts = lines["kt-wbc"]?.assessment?.alerts.orEmpty()
        checkEqual(alerts.map { it.kind }, listOf(AlertKind.LEUKOPENIA), "WBC 2.8 raises leukopenia")
        check(alerts.all { "contact your team" in it.text }, "alert text points to the care team")
        checkClose(lines["kt-creatinine"]?.assessment?.egfr, 94.99, "bedside Schwartz eGFR")

        val zh = diary.labReport(patient.id, "2025-01-16", "2025-01-16", "zh-Hans")
        check(zh.lines.flatMap { it.assessment.alerts }.any { "白细胞" in it.text }, "alert text in Simplified Chinese")

        diary.correctLabResult("kt-wbc", LabCorrection(3.1, LabUnit.BILLIONS_PER_LITRE, TROUGH_MS, null, "nurse"))
        diary.retractLabResult("kt-creatinine", "mother")
        checkEqual(diary.labHistory("kt-creatinine").map { it.revision }, listOf(1L, 2L), "retraction kept in history")
        diary.addBloodPressure(patient.id, BloodPressureInput(TROUGH_MS, 104.0, 66.0))
        checkValidation("blood_pressure.diastolic_mmhg", "a diastolic pressure above the systolic is refused") {
            diary.addBloodPressure(patient.id, BloodPressureInput(TROUGH_MS, 60.0, 100.0))
        }
        diary.addMeasurement(patient.id, weight(22.0, on = "2025-02-01"))
        patient.id to regimen.id
    }

    Diary.open(path).use { diary ->
        val results = diary.labResults(patientId, "2025-01-01", "2025-01-31")
        checkEqual(results.map { it.clientId }, listOf("kt-early", "kt-trough", "kt-wbc", "kt-creatinine"), "labs after reopen")
        checkEqual(results.map { it.retracted }, listOf(false, false, false, true), "retracted flag after reopen")
        val report = diary.labReport(patientId, "2025-01-15", "2025-01-16", "en")
        checkEqual(
            report.lines.map { it.result.clientId to it.result.value },
            listOf("kt-early" to 14.0, "kt-trough" to 7.2, "kt-wbc" to 3.1),
            "the corrected value is assessed and the retracted one left out",
        )
        check(report.lines.all { it.assessment.alerts.isEmpty() }, "WBC 3.1 raises no alert")
        checkEqual(diary.bloodPressures(patientId).map { it.systolicMmhg }, listOf(104.0), "blood pressure after reopen")
        // A double tap, or a retry after a lost response, with the same client id stores one reading.
        val tapped = BloodPressureInput(TROUGH_MS + 3_600_000, 101.0, 63.0, clientId = "kt-bp-1")
        val firstBp = diary.addBloodPressure(patientId, tapped)
        checkEqual(diary.addBloodPressure(patientId, tapped), firstBp, "the same blood-pressure client id returns the stored reading")
        checkEqual(diary.bloodPressures(patientId).map { it.systolicMmhg }, listOf(104.0, 101.0),
            "the same blood-pressure client id twice stores one reading")
        checkThrows<NephroException.Conflict>("the same blood-pressure client id with another reading is a conflict") {
            diary.addBloodPressure(patientId, tapped.copy(systolicMmhg = 102.0))
        }
        checkEqual(diary.bloodPressures(patientId).size, 2, "a conflicting reading is not stored")

        diary.setTargetPhase(patientId, TargetPhase.MAINTENANCE, "Dr. Example")
        val maintenance = diary.labReport(patientId, "2025-01-16", "2025-01-16", "en")
        checkEqual(maintenance.lines.firstOrNull()?.assessment?.flag, TargetFlag.ABOVE, "7.2 is above the maintenance target < 5")

        val prompts = diary.recalculatePrompts(patientId, "2025-02-01", "en")
        checkEqual(prompts.map { it.regimenId }, listOf<Long?>(regimenId), "22 kg against 20 kg raises one prompt")
        checkClose(prompts.firstOrNull()?.changeFraction, 0.1, "weight change +10 %")
    }
}

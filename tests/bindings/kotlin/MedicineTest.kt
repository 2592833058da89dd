// Every medicine of clinical-rules §12 through the typed bindings: the project's `liquid_taper`
// (steroid calendars in mL) and `cyclophosphamide` (the cumulative dose) suites, and what the
// family reads for a liquid dose.

import com.google.gson.JsonObject
import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val medicineTests = listOf(
    ::liquidTaperSuite, ::cyclophosphamideSuite, ::liquidFamilyText, ::anyMedicineIsAddedRemindedAndStopped,
    ::badMedicinesAreRefusedNamingTheField,
)

private fun JsonObject.list(key: String): List<JsonObject> =
    get(key)?.takeUnless { it.isJsonNull }?.asJsonArray?.map { it.asJsonObject } ?: emptyList()

fun liquidTaperSuite() {
    val count = runSuite("liquid_taper") { input ->
        val liquid = input.getAsJsonObject("liquid")
        val calendar = buildLiquidTaperCalendar(
            taperCaseInputOf(input),
            LiquidInput(liquid.double("concentration_mg_per_ml"), liquid.optDouble("syringe_step_ml")),
        )
        mapOf(
            "mg_by_date" to calendar.days.associate { it.date to it.mg },
            "ml_by_date" to calendar.days.associate { it.date to it.ml },
            "total_mg" to calendar.totalMg,
            "total_ml" to calendar.totalMl,
            "dosing_days" to calendar.dosingDays,
            "first_dosing_day" to calendar.firstDosingDay,
            "last_dosing_day" to calendar.lastDosingDay,
        )
    }
    check(count >= 7, "the liquid_taper cases ran ($count)")
}

fun cyclophosphamideSuite() {
    val count = runSuite("cyclophosphamide") { input ->
        val plan = input.getAsJsonObject("plan")
        val result = cumulativeCyclophosphamide(
            CyclophosphamideInput(
                priorMgPerKg = input.optDouble("prior_mg_per_kg") ?: 0.0,
                weights = input.list("weights").map { DatedWeightInput(it.text("date"), it.double("weight_kg")) },
                doses = input.list("doses").map { TakenDoseInput(it.text("date"), it.double("mg")) },
                plan = plan?.let { CyclophosphamidePlan(it.double("mg_per_kg_per_day"), it.int("days").toUInt()) },
                overrideLimit = input.flag("override", false),
            ),
        )
        buildMap {
            put("cumulative_mg_per_kg", result.cumulativeMgPerKg)
            put("warning", result.warning)
            result.plannedTotalMgPerKg?.let { put("planned_total_mg_per_kg", it) }
        }
    }
    check(count >= 10, "the cyclophosphamide cases ran ($count)")
}

fun liquidFamilyText() {
    // 10 kg x 2.4 mg/kg/day in 2 doses = 12 mg = 2.4 mL of 5 mg/mL.
    val result = calculateDose(
        DoseRequest(Drug.PREDNISOLONE, 10.0, 2.4, null, null, 2u, emptyList(), false, false, LiquidInput(5.0, null)),
    )
    check(result.familyText == "2.4 mL (12 mg)", "the family reads 2.4 mL (12 mg): ${result.familyText}")
}

// 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
private const val BEFORE_FIRST_DOSE_MS = 1736920800000L

private fun medicine(
    patientId: Long,
    clientId: String = "enalapril",
    name: MedicineNameInput = MedicineNameInput.Known("enalapril"),
    amount: MedicineAmountInput = MedicineAmountInput.Tablets(2.5, 1.0),
    days: MedicineDaysInput = MedicineDaysInput.EveryDay,
    times: List<String> = listOf("08:00"),
    courseDays: UInt? = null,
) = NewMedicineInput(
    patientId = patientId,
    clientId = clientId,
    name = name,
    form = "tablet",
    amount = amount,
    schedule = MedicineScheduleInput(times, days, "2025-01-15", null, courseDays),
    addedBy = "nephrologist",
)

private fun prednisoloneSolution(patientId: Long, concentration: Double = 5.0, step: Double? = null) = medicine(
    patientId, "prednisolone-solution", MedicineNameInput.Known("prednisolone"),
    MedicineAmountInput.Liquid(12.0, LiquidInput(concentration, step)), courseDays = 28u,
)

fun anyMedicineIsAddedRemindedAndStopped() {
    withTempDir { dir ->
        Diary.open(File(dir, "diary.sqlite").path).use { diary ->
            val (patient, _) = seeded(diary)
            val ace = diary.addMedicine(medicine(patient.id))
            checkEqual(ace.doseText, "2.5 mg", "enalapril's dose")
            checkEqual(diary.addMedicine(medicine(patient.id)), ace, "a retried request stores it once")
            val liquid = diary.addMedicine(prednisoloneSolution(patient.id))
            checkEqual(listOf(liquid.doseMl, liquid.doseText, liquid.isSteroid), listOf(2.4, "2.4 mL (12 mg)", true), "solution")
            val today = diary.todayDoses(patient.id, BEFORE_FIRST_DOSE_MS, null, "en")
            checkEqual(
                today.filter { it.medicationId.startsWith("medicine-") }.map { it.label },
                listOf("Enalapril 2.5 mg", "Prednisolone 2.4 mL (12 mg)"),
                "the home screen shows both",
            )
            checkEqual(today.first { it.medicationId == ace.medicationId }.drug, null, "no dose-engine drug for enalapril")
            diary.stopMedicine(ace.id, "2025-01-16")
            val reminders = diary.nextReminders(patient.id, BEFORE_FIRST_DOSE_MS, null, 64u, "en")
            checkEqual(reminders.filter { it.medicationId == ace.medicationId }.map { it.slotDate }, listOf("2025-01-15"), "stopped")
            checkEqual(diary.medicines(patient.id).map { it.stoppedOn }, listOf("2025-01-16", null), "listed with the stop day")
        }
    }
}

fun badMedicinesAreRefusedNamingTheField() {
    withTempDir { dir ->
        Diary.open(File(dir, "diary.sqlite").path).use { diary ->
            val (patient, _) = seeded(diary)
            for (bad in listOf(0.0, Double.NaN, 1e9)) {
                checkValidation("amount.liquid.concentration_mg_per_ml", "concentration $bad") {
                    diary.addMedicine(prednisoloneSolution(patient.id, concentration = bad))
                }
            }
            checkValidation("amount.liquid.syringe_step_ml", "a graduation larger than the dose") {
                diary.addMedicine(prednisoloneSolution(patient.id, step = 5.0))
            }
            checkValidation("schedule.times", "a medicine with no schedule") {
                diary.addMedicine(medicine(patient.id, times = emptyList()))
            }
            checkValidation("name", "a 10,000-character name") {
                diary.addMedicine(medicine(patient.id, name = MedicineNameInput.Typed("x".repeat(10_000))))
            }
            checkEqual(diary.medicines(patient.id), emptyList<MedicineRecord>(), "nothing stored")
        }
    }
}

// Every medicine of clinical-rules §12 through the typed bindings: the project's `liquid_taper`
// (steroid calendars in mL) and `cyclophosphamide` (the cumulative dose) suites, and what the
// family reads for a liquid dose.

import com.google.gson.JsonObject
import uniffi.nephro.*

val medicineTests = listOf(::liquidTaperSuite, ::cyclophosphamideSuite, ::liquidFamilyText)

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

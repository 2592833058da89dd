// Every case of the `dose` conformance suite through the typed `calculateDose`.

import com.google.gson.JsonObject
import uniffi.nephro.*
import uniffi.nephro_core.*

val doseConformanceTests = listOf(::doseSuite)

private val drugs = mapOf(
    "tacrolimus" to Drug.TACROLIMUS,
    "mycophenolate_mofetil" to Drug.MYCOPHENOLATE_MOFETIL,
    "prednisolone" to Drug.PREDNISOLONE,
    "prednisone" to Drug.PREDNISONE,
    "cyclophosphamide" to Drug.CYCLOPHOSPHAMIDE,
    "ciclosporin" to Drug.CICLOSPORIN,
    "levamisole" to Drug.LEVAMISOLE,
)

/** The typed request for a case input (defaults as in conformance.md). */
fun doseRequestOf(input: JsonObject) = DoseRequest(
    drug = drugs.getValue(input.text("drug")),
    weightKg = input.double("weight_kg"),
    mgPerKgPerDay = input.optDouble("mg_per_kg_per_day"),
    mgPerM2PerDay = input.optDouble("mg_per_m2_per_day"),
    heightCm = input.optDouble("height_cm"),
    dosesPerDay = input.int("doses_per_day").toUInt(),
    // A liquid is measured by volume: its case has no strengths (clinical-rules §12).
    strengthsMg = if (input.has("liquid") && !input.has("strengths_mg")) emptyList() else input.doubles("strengths_mg"),
    allowSplit = input.flag("allow_split", false),
    overrideRange = input.flag("override", false),
    liquid = input.getAsJsonObject("liquid")?.let {
        LiquidInput(concentrationMgPerMl = it.double("concentration_mg_per_ml"), syringeStepMl = it.optDouble("syringe_step_ml"))
    },
)

fun doseSuite() {
    runSuite("dose") { input ->
        val result = calculateDose(doseRequestOf(input))
        val ml = result.perDoseMl
        if (ml != null) mapOf(
            "per_dose_mg" to result.perDoseMg,
            "daily_mg" to result.dailyMg,
            "mg_per_kg_per_day" to result.mgPerKgPerDay,
            "per_dose_ml" to ml,
        ) else mapOf(
            "per_dose_mg" to result.perDoseMg,
            "daily_mg" to result.dailyMg,
            "mg_per_kg_per_day" to result.mgPerKgPerDay,
            "units" to result.units.map { mapOf("strength_mg" to it.strengthMg, "count" to it.count) },
        )
    }
}

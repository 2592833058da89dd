// Every case of the `dose` conformance suite through the typed `calculateDose`.

import com.google.gson.JsonObject
import uniffi.nephro.*

val doseConformanceTests = listOf(::doseSuite)

private val drugs = mapOf(
    "tacrolimus" to Drug.TACROLIMUS,
    "mycophenolate_mofetil" to Drug.MYCOPHENOLATE_MOFETIL,
    "prednisolone" to Drug.PREDNISOLONE,
    "prednisone" to Drug.PREDNISONE,
)

/** The typed request for a case input (defaults as in conformance.md). */
fun doseRequestOf(input: JsonObject) = DoseRequest(
    drug = drugs.getValue(input.text("drug")),
    weightKg = input.double("weight_kg"),
    mgPerKgPerDay = input.optDouble("mg_per_kg_per_day"),
    mgPerM2PerDay = input.optDouble("mg_per_m2_per_day"),
    heightCm = input.optDouble("height_cm"),
    dosesPerDay = input.int("doses_per_day").toUInt(),
    strengthsMg = input.doubles("strengths_mg"),
    allowSplit = input.flag("allow_split", false),
    overrideRange = input.flag("override", false),
)

fun doseSuite() {
    runSuite("dose") { input ->
        val result = calculateDose(doseRequestOf(input))
        mapOf(
            "per_dose_mg" to result.perDoseMg,
            "daily_mg" to result.dailyMg,
            "mg_per_kg_per_day" to result.mgPerKgPerDay,
            "units" to result.units.map { mapOf("strength_mg" to it.strengthMg, "count" to it.count) },
        )
    }
}

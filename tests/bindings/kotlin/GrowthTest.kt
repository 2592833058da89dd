// Growth references and the "held until confirmed" tier (clinical-rules §10) from Kotlin.

import uniffi.nephro.*
import uniffi.nephro_core.*

val growthTests = listOf(
    ::twentyOrTwoHundredKgIsHeldUntilConfirmed,
    ::growthZScoresAndPolicyCrossTheFfi,
)

fun twentyOrTwoHundredKgIsHeldUntilConfirmed(): Unit = withTempDir { tmp ->
    Diary.open(java.io.File(tmp, "diary.sqlite").path).use { diary ->
        val patient = diary.createPatient(profile())
        checkEqual(diary.addMeasurement(patient.id, weight(20.0)).confirmed, false, "a plausible weight is unconfirmed")
        val held = checkThrows<NephroException.NeedsConfirmation>("200 kg after 20 kg is held") {
            diary.addMeasurement(patient.id, weight(200.0, on = "2025-02-10"))
        }
        checkEqual(held?.check, "weight_change", "the check that failed")
        checkEqual(held?.field, "weight_kg", "the field")
        check(held?.reason?.contains("200") == false, "the reason carries no value")
        checkEqual(diary.measurements(patient.id).size, 1, "nothing stored while held")
        val confirmed = Measurement(measuredOn = "2025-02-10", weightKg = 200.0, heightCm = null, confirmed = true)
        checkEqual(diary.addMeasurement(patient.id, confirmed).confirmed, true, "the confirmed weight is stored")
        checkEqual(
            diary.measurements(patient.id).map { it.weightKg to it.confirmed },
            listOf(20.0 to false, 200.0 to true),
            "the stored records show the confirmation",
        )
    }
}

fun growthZScoresAndPolicyCrossTheFfi(): Unit = withTempDir { tmp ->
    // WHO 2006 weight-for-age, boys, day 0: M 3.3464 kg.
    val median = growthZScore(Sex.MALE, 0L, GrowthMeasure.WEIGHT, 3.3464)
    checkClose(median?.z, 0.0, "the median at birth is z 0", 1e-12)
    checkEqual(median?.reference, "who2006", "WHO 2006 at birth")
    checkEqual(growthZScore(Sex.FEMALE, 3653L, GrowthMeasure.WEIGHT, 30.0)?.reference, "cdc2000", "CDC above 10 y")
    checkEqual(growthZScore(Sex.FEMALE, 6940L, GrowthMeasure.HEIGHT, 160.0), null, "none from 19 years")
    checkValidation("sex", "unspecified sex is refused") { growthZScore(Sex.UNSPECIFIED, 10L, GrowthMeasure.WEIGHT, 3.0) }
    Diary.open(java.io.File(tmp, "diary.sqlite").path).use { diary ->
        val patient = diary.createPatient(profile())
        checkEqual(
            diary.plausibilityPolicy(patient.id),
            PlausibilityPolicy(weightChange = 0.2, heightDecreaseCm = 2.0, heightIncreaseCm = 10.0, heightIncreaseDays = 90u),
            "the defaults of §10",
        )
        val strict = PlausibilityPolicy(weightChange = 0.1, heightDecreaseCm = 1.0, heightIncreaseCm = 5.0, heightIncreaseDays = 30u)
        checkEqual(diary.setPlausibilityPolicy(patient.id, strict, "Dr. Example"), strict, "policy set")
        diary.addMeasurement(patient.id, weight(20.0))
        checkThrows<NephroException.NeedsConfirmation>("11 % is held under a 10 % policy") {
            diary.addMeasurement(patient.id, weight(22.2, on = "2025-02-10"))
        }
        checkValidation("weight_change", "20 typed for 20 % is refused") {
            diary.setPlausibilityPolicy(patient.id, strict.copy(weightChange = 20.0), "Dr. Example")
        }
    }
}

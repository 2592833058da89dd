// Fictional test data shared by the Kotlin binding tests (same values in Python and Swift).

import java.io.File
import java.nio.file.Files
import uniffi.nephro.*
import uniffi.nephro_core.*

// 2025-01-15 07:05, 19:10 and 19:40 UTC, in epoch ms.
const val MORNING_MS = 1736924700000L
const val EVENING_MS = 1736968200000L
const val EVENING_LATER_MS = 1736970000000L

/** A fictional child's profile. */
fun profile(birthDate: String = "2019-04-02") = PatientProfile(
    displayName = "Test Child",
    birthDate = birthDate,
    sex = Sex.FEMALE,
    timeZone = "Europe/Berlin",
    definitionSet = "ipna2022",
)

/** A weight measurement. */
fun weight(kg: Double, on: String = "2025-01-10") = Measurement(measuredOn = on, weightKg = kg, heightCm = null)

/** Tacrolimus 0.1 mg per kg per day in capsules of 0.5 and 1 mg. */
fun tacrolimusRegimen(times: List<String> = listOf("08:00", "20:00"), start: String = "2025-01-15") = RegimenInput(
    drug = Drug.TACROLIMUS,
    form = "capsule",
    strengthsMg = listOf(0.5, 1.0),
    allowSplit = false,
    rate = RegimenRate.MgPerKgPerDay(0.1),
    times = times,
    startDate = start,
    endDate = null,
    prescribedBy = "Dr. Example",
    prescribedOn = "2025-01-14",
    overrideRange = false,
)

/** A dose to log. */
fun doseLog(
    clientId: String,
    medicationId: String,
    slotDate: String = "2025-01-15",
    slotTime: String = "08:00",
    outcome: DoseOutcome = DoseOutcome.TAKEN,
    atMs: Long = MORNING_MS,
    by: String = "mother",
) = DoseLogInput(clientId, medicationId, slotDate, slotTime, outcome, atMs, by)

/** A patient weighing 20 kg on a tacrolimus regimen. */
fun seeded(diary: Diary): Pair<Patient, Regimen> {
    val patient = diary.createPatient(profile())
    diary.addMeasurement(patient.id, weight(20.0))
    return patient to diary.addRegimen(patient.id, tacrolimusRegimen())
}

/** Runs [block] with a fresh directory, removed afterwards. */
fun <T> withTempDir(block: (File) -> T): T {
    val dir = Files.createTempDirectory("nephro-kt-").toFile()
    try {
        return block(dir)
    } finally {
        dir.deleteRecursively()
    }
}

// The Diary object from Kotlin: store, idempotent dose log, history, reopen, typed errors.

import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val diaryTests = listOf(
    ::libraryLoads,
    ::diaryLogsDosesAndKeepsThemAcrossReopen,
    ::refusalsAreTypedAndStoreNothing,
    ::aDoseNoteReadsBackAndANoteEditIsARevision,
)

fun libraryLoads() {
    checkEqual(ping(Long.MIN_VALUE + 1), Long.MIN_VALUE + 1, "ping returns its argument (i64)")
    check(coreVersion().isNotEmpty(), "coreVersion is not empty")
}

fun diaryLogsDosesAndKeepsThemAcrossReopen(): Unit = withTempDir { tmp ->
    val path = File(tmp, "diary.sqlite").path
    val (patientId, regimenDose) = Diary.open(path).use { diary ->
        val patient = diary.createPatient(profile())
        checkEqual(patient.profile.displayName, "Test Child", "patient stored")
        diary.addMeasurement(patient.id, weight(20.0))
        val regimen = diary.addRegimen(patient.id, tacrolimusRegimen())

        // 0.1 mg/kg/day x 20 kg = 2 mg/day, twice daily = one 1 mg capsule per dose.
        checkEqual(regimen.medicationId, "regimen-${regimen.id}", "medication id")
        checkClose(regimen.weightKg, 20.0, "regimen weight")
        checkClose(regimen.dose.perDoseMg, 1.0, "per dose mg")
        checkClose(regimen.dose.dailyMg, 2.0, "daily mg")
        checkClose(regimen.dose.mgPerKgPerDay, 0.1, "actual mg/kg/day")
        checkEqual(regimen.dose.units, listOf(UnitCount(strengthMg = 1.0, count = 1.0)), "units: one 1 mg capsule")
        checkEqual(regimen.prescription.times, listOf("08:00", "20:00"), "times round-trip")

        val med = regimen.medicationId
        val morning = diary.logDose(doseLog("kt-1", med, slotTime = "08:00", atMs = MORNING_MS), MORNING_MS, null)
        checkEqual(morning.revision, 1L, "first log is revision 1")
        checkEqual(morning.undone, false, "first log is not undone")
        val again = diary.logDose(doseLog("kt-1", med, slotTime = "08:00", atMs = MORNING_MS), EVENING_MS, null)
        checkEqual(again, morning, "same client_id again returns the stored entry")
        diary.logDose(doseLog("kt-2", med, slotTime = "20:00", atMs = EVENING_MS), EVENING_MS, null)
        val logs = diary.doseLogs(patient.id, "2025-01-15", "2025-01-15")
        checkEqual(logs.map { it.dose.clientId }, listOf("kt-1", "kt-2"), "double submission stored once")

        val conflict = checkThrows<NephroException.Conflict>("another client_id for a logged slot is a conflict") {
            diary.logDose(doseLog("kt-3", med, slotTime = "08:00", atMs = MORNING_MS), MORNING_MS, null)
        }
        checkEqual(conflict?.kind, ConflictKind.AlreadyLogged, "the conflict's kind is AlreadyLogged")
        checkEqual(diary.doseLogs(patient.id, "2025-01-15", "2025-01-15").size, 2, "conflict stored nothing")

        val edited = diary.editDose("kt-2", DoseOutcome.SKIPPED, EVENING_LATER_MS, "father", EVENING_LATER_MS, null)
        checkEqual(edited.revision, 2L, "edit makes revision 2")
        checkEqual(edited.dose.outcome, DoseOutcome.SKIPPED, "edit changed the outcome")
        val undone = diary.undoDose("kt-2", "mother")
        checkEqual(undone.revision to undone.undone, 3L to true, "undo makes revision 3, undone")
        val history = diary.doseHistory("kt-2")
        checkEqual(history.map { it.revision }, listOf(1L, 2L, 3L), "history keeps 3 revisions")
        checkEqual(
            history.map { Triple(it.outcome, it.by, it.undone) },
            listOf(
                Triple(DoseOutcome.TAKEN, "mother", false),
                Triple(DoseOutcome.SKIPPED, "father", false),
                Triple(DoseOutcome.SKIPPED, "mother", true),
            ),
            "history outcomes, authors and undo flag",
        )
        checkEqual(history.firstOrNull()?.actualAtMs, EVENING_MS, "first revision keeps the original time")
        patient.id to regimen.dose
    } // `use` closes the diary (frees the Rust object and its connection)

    Diary.open(path).use { diary ->
        checkEqual(diary.patients().map { it.id }, listOf(patientId), "patient after reopen")
        val regimens = diary.regimens(patientId)
        checkEqual(regimens.map { it.dose }, listOf(regimenDose), "regimen dose after reopen")
        val logs = diary.doseLogs(patientId, "2025-01-01", "2025-01-31")
        checkEqual(
            logs.map { listOf(it.dose.clientId, it.dose.slotTime, it.dose.outcome, it.revision, it.undone) },
            listOf(
                listOf("kt-1", "08:00", DoseOutcome.TAKEN, 1L, false),
                listOf("kt-2", "20:00", DoseOutcome.SKIPPED, 3L, true),
            ),
            "doses after reopen",
        )
        checkEqual(diary.dose("kt-1").dose.actualAtMs, MORNING_MS, "dose by client id after reopen")
        checkEqual(diary.doseHistory("kt-2").size, 3, "history after reopen")
        checkThrows<NephroException.NotFound>("unknown client id") { diary.dose("kt-404") }
    }
}

private fun doseRequest(weightKg: Double, rate: Double = 0.1) = DoseRequest(
    drug = Drug.TACROLIMUS,
    weightKg = weightKg,
    mgPerKgPerDay = rate,
    mgPerM2PerDay = null,
    heightCm = null,
    dosesPerDay = 2u,
    strengthsMg = listOf(0.5, 1.0),
    allowSplit = false,
    overrideRange = false,
)

fun refusalsAreTypedAndStoreNothing() {
    checkValidation("weight_kg", "calculateDose: weight 0") { calculateDose(doseRequest(0.0)) }
    checkValidation("weight_kg", "calculateDose: weight NaN") { calculateDose(doseRequest(Double.NaN)) }
    val outOfRange = checkThrows<NephroException.DoseOutOfRange>("calculateDose: 0.15 mg/kg/day without override") {
        calculateDose(doseRequest(20.0, rate = 0.15))
    }
    checkEqual(outOfRange?.drug, "tacrolimus", "the drug crosses the FFI as a field")
    val limit = outOfRange?.limit
    check(limit is DoseLimit.ProtocolRange, "the limit crossed is the protocol range")
    if (limit is DoseLimit.ProtocolRange) {
        checkClose(limit.requestedMgPerKgPerDay, 0.15, "the requested rate crosses the FFI as a field")
        check(limit.minMgPerKgPerDay < limit.maxMgPerKgPerDay && limit.maxMgPerKgPerDay < 0.15, "the range is below the request")
    }
    withTempDir { tmp ->
        Diary.open(File(tmp, "diary.sqlite").path).use { diary ->
            checkValidation("birth_date", "createPatient: malformed birth date") { diary.createPatient(profile("2019-02-30")) }
            checkEqual(diary.patients(), emptyList(), "no patient stored after the refusal")

            val patient = diary.createPatient(profile())
            checkValidation("weight_kg", "addMeasurement: weight 0") { diary.addMeasurement(patient.id, weight(0.0)) }
            checkValidation("weight_kg", "addMeasurement: weight NaN") { diary.addMeasurement(patient.id, weight(Double.NaN)) }
            checkValidation("measured_on", "addMeasurement: malformed date") {
                diary.addMeasurement(patient.id, weight(20.0, on = "10.01.2025"))
            }
            checkEqual(diary.measurements(patient.id), emptyList(), "no measurement stored after the refusals")

            val (_, regimen) = seeded(diary)
            checkValidation("slot_date", "logDose: malformed slot date") {
                diary.logDose(doseLog("kt-bad", regimen.medicationId, slotDate = "2025-1-15"), MORNING_MS, null)
            }
            checkThrows<NephroException.NotFound>("dose of a refused log") { diary.dose("kt-bad") }
        }
    }
}

fun aDoseNoteReadsBackAndANoteEditIsARevision(): Unit = withTempDir { tmp ->
    Diary.open(File(tmp, "diary.sqlite").path).use { diary ->
        val (_, regimen) = seeded(diary)
        val noted = doseLog("kt-note", regimen.medicationId).copy(note = "spat out half, gave again")
        val logged = diary.logDose(noted, MORNING_MS, null)
        checkEqual(logged.dose.note, "spat out half, gave again", "the note is kept")
        checkEqual(diary.dose("kt-note").dose.note, "spat out half, gave again", "and read back")
        val edited = diary.editDose("kt-note", DoseOutcome.TAKEN, MORNING_MS, "father", MORNING_MS, null, "gave half again")
        checkEqual(edited.revision to edited.dose.note, 2L to "gave half again", "a note-only edit is revision 2")
        checkEqual(
            diary.doseHistory("kt-note").map { it.note },
            listOf("spat out half, gave again", "gave half again"),
            "each revision keeps its note",
        )
        val kept = diary.editDose("kt-note", DoseOutcome.TAKEN, MORNING_MS, "father", MORNING_MS, null)
        checkEqual(kept.dose.note, "gave half again", "an edit without a note keeps it")
        checkValidation("note", "a note of 501 characters is refused") {
            diary.editDose("kt-note", DoseOutcome.TAKEN, MORNING_MS, "father", MORNING_MS, null, "x".repeat(501))
        }
        checkEqual(diary.doseHistory("kt-note").size, 3, "the refused edit stored nothing")
    }
}

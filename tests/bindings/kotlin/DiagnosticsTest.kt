// The diagnostics callback from Kotlin (as the Android shell registers it): a reporter hears of
// every failed call by name and kind, with nothing the family wrote; a reporter that throws
// changes no call's outcome.

import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val diagnosticsTests = listOf(
    ::failedCallsAreReportedByNameAndKindWithoutPersonalData,
)

// Personal data planted in every input: none of it may reach a report.
private const val CHILD = "Mei Lin Zhang"
private const val CLIENT_ID = "mei-lin-dose-1"

private class CollectingReporter(val throws: Boolean = false) : DiagnosticsReporter {
    private val reports = mutableListOf<FailureReport>()

    override fun reportFailure(report: FailureReport) {
        synchronized(reports) { reports += report }
        if (throws) throw NephroException.Storage("the reporter failed")
    }

    fun take(): List<Triple<String, String, String?>> = synchronized(reports) {
        val taken = reports.map { Triple(it.operation, it.error, it.code) }
        reports.clear()
        taken
    }
}

fun failedCallsAreReportedByNameAndKindWithoutPersonalData(): Unit = withTempDir { tmp ->
    val collector = CollectingReporter()
    setDiagnosticsReporter(collector)
    try {
        val folder = File(tmp, CHILD).apply { mkdir() }
        val foreign = File(folder, "$CHILD.txt").apply { writeText("notes about $CHILD\n".repeat(200)) }
        checkThrows<NephroException.NotADiary>("a text file is not a diary") { Diary.open(foreign.path) }
        checkEqual(collector.take(), listOf(Triple("open", "not_a_diary", null)), "the refused open is reported")

        Diary.open(File(folder, "diary.sqlite").path).use { diary ->
            val patient = diary.createPatient(profile().copy(displayName = CHILD))
            diary.addMeasurement(patient.id, weight(20.0))
            val med = diary.addRegimen(patient.id, tacrolimusRegimen()).medicationId
            checkEqual(collector.take(), emptyList(), "successful calls are not reported")

            diary.logDose(doseLog(CLIENT_ID, med, by = CHILD), MORNING_MS, null)
            val conflict = checkThrows<NephroException.Conflict>("the same client id with another outcome is a conflict") {
                diary.logDose(doseLog(CLIENT_ID, med, outcome = DoseOutcome.SKIPPED, by = CHILD), MORNING_MS, null)
            }
            checkEqual(conflict?.kind, ConflictKind.ClientIdReused, "the conflict's kind is ClientIdReused")
            checkEqual(conflict?.record, "dose_log", "the conflict names the kind of record")
            checkThrows<NephroException.NotFound>("undoing an unknown dose is not_found") { diary.undoDose(CHILD, CHILD) }
            val heard = collector.take()
            checkEqual(
                heard,
                listOf(Triple("log_dose", "conflict", "client_id_reused"), Triple("undo_dose", "not_found", "dose")),
                "each failed call is reported by its name, kind and code",
            )
            val text = heard.toString()
            for (secret in listOf(CHILD, CLIENT_ID, "Mei", "2025", "08:00", "diary.sqlite", tmp.path, "/")) {
                check(!text.contains(secret), "the reports hold no '$secret'")
            }

            val thrower = CollectingReporter(throws = true)
            setDiagnosticsReporter(thrower)
            checkThrows<NephroException.Conflict>("a reporter that throws changes nothing of the outcome") {
                diary.logDose(doseLog(CLIENT_ID, med, outcome = DoseOutcome.SKIPPED, by = CHILD), MORNING_MS, null)
            }
            checkEqual(thrower.take().size, 1, "the throwing reporter was called")

            clearDiagnosticsReporter()
            checkThrows<NephroException.NotFound>("still refused") { diary.undoDose(CHILD, CHILD) }
            checkEqual(thrower.take() + collector.take(), emptyList(), "nothing is reported once cleared")
        }
    } finally {
        clearDiagnosticsReporter()
    }
}

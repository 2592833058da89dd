// The diagnostics callback from Swift (as the iOS shell registers it): a reporter hears of every
// failed call by name and kind, with nothing the family wrote; a reporter that throws changes no
// call's outcome.

import Foundation

let diagnosticsTests: [NamedTest] = [
    ("failedCallsAreReportedByNameAndKindWithoutPersonalData", failedCallsAreReportedByNameAndKindWithoutPersonalData),
]

// Personal data planted in every input: none of it may reach a report.
private let child = "Mei Lin Zhang"
private let clientId = "mei-lin-dose-1"

private final class CollectingReporter: DiagnosticsReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [FailureReport] = []
    private let throwsError: Bool

    init(throwsError: Bool = false) { self.throwsError = throwsError }

    func reportFailure(report: FailureReport) throws {
        lock.lock()
        reports.append(report)
        lock.unlock()
        if throwsError { throw NephroError.Storage(detail: "the reporter failed") }
    }

    /// What was heard since the last call, as "operation error code" lines.
    func take() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let taken = reports.map { "\($0.operation) \($0.error) \($0.code ?? "-")" }
        reports.removeAll()
        return taken
    }
}

func failedCallsAreReportedByNameAndKindWithoutPersonalData() throws {
    let collector = CollectingReporter()
    setDiagnosticsReporter(reporter: collector)
    defer { clearDiagnosticsReporter() }
    try withTempDir { tmp in
        let folder = tmp.appendingPathComponent(child)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let foreign = folder.appendingPathComponent("\(child).txt")
        try String(repeating: "notes about \(child)\n", count: 200).write(to: foreign, atomically: true, encoding: .utf8)
        checkThrows("a text file is not a diary", { try Diary.open(path: foreign.path) }, where: {
            if case NephroError.NotADiary = $0 { return true }; return false
        })
        checkEqual(collector.take(), ["open not_a_diary -"], "the refused open is reported")

        try withDiary(folder.appendingPathComponent("diary.sqlite").path) { diary in
            var named = profile()
            named.displayName = child
            let patient = try diary.createPatient(profile: named)
            _ = try diary.addMeasurement(patientId: patient.id, measurement: weight(20.0))
            let med = try diary.addRegimen(patientId: patient.id, regimen: tacrolimusRegimen()).medicationId
            checkEqual(collector.take(), [], "successful calls are not reported")

            _ = try diary.logDose(dose: doseLog(clientId, med, by: child), nowMs: morningMs, deviceTimeZone: nil)
            checkThrows("the same client id with another outcome is a conflict", {
                try diary.logDose(dose: doseLog(clientId, med, outcome: .skipped, by: child), nowMs: morningMs, deviceTimeZone: nil)
            }, where: {
                if case NephroError.Conflict(kind: .clientIdReused, record: "dose_log", detail: _) = $0 { return true }
                return false
            })
            checkThrows("undoing an unknown dose is not_found", { try diary.undoDose(clientId: child, undoneBy: child) }, where: {
                if case NephroError.NotFound = $0 { return true }; return false
            })
            let heard = collector.take()
            checkEqual(heard, ["log_dose conflict client_id_reused", "undo_dose not_found dose"],
                       "each failed call is reported by its name, kind and code")
            let text = heard.joined(separator: "\n")
            for secret in [child, clientId, "Mei", "2025", "08:00", "diary.sqlite", tmp.path, "/"] {
                check(!text.contains(secret), "the reports hold no '\(secret)'")
            }

            let thrower = CollectingReporter(throwsError: true)
            setDiagnosticsReporter(reporter: thrower)
            checkThrows("a reporter that throws changes nothing of the outcome", {
                try diary.logDose(dose: doseLog(clientId, med, outcome: .skipped, by: child), nowMs: morningMs, deviceTimeZone: nil)
            }, where: { if case NephroError.Conflict = $0 { return true }; return false })
            checkEqual(thrower.take().count, 1, "the throwing reporter was called")

            clearDiagnosticsReporter()
            checkThrows("still refused", { try diary.undoDose(clientId: child, undoneBy: child) })
            checkEqual(thrower.take() + collector.take(), [], "nothing is reported once cleared")
        }
    }
}

// Clinician exports from Swift: every format as bytes and written to a path, read back after
// reopening the diary; de-identification leaves no name, and one request in several formats has
// one shift; refusals name the field.

import Foundation

let exportTests: [NamedTest] = [
    ("everyFormatExportsAsBytes", everyFormatExportsAsBytes),
    ("deIdentifiedExportsHoldNoName", deIdentifiedExportsHoldNoName),
    ("oneDeIdentifiedRequestInSeveralFormatsHasOneShift", oneDeIdentifiedRequestInSeveralFormatsHasOneShift),
    ("exportToPathSurvivesReopenAndRefusalsNameTheField", exportToPathSurvivesReopenAndRefusalsNameTheField),
    (
        "aTransactionBundleUpdatesByIdentifierAndIsRefusedWhenDeIdentified",
        aTransactionBundleUpdatesByIdentifierAndIsRefusedWhenDeIdentified
    ),
]

// 2025-01-20 12:00 UTC, in epoch ms.
private let exportNowMs: Int64 = 1_737_374_400_000

// 2025-04-01 12:00 UTC: a de-identified period (which ends 14 to 69 days earlier) then holds the
// doses of 2025-01-15.
private let exportLaterMs: Int64 = 1_743_508_800_000

private func exportRequest(
    _ format: ExportFormat, deidentifySeed: Int64? = nil, locale: String = "en", fromDate: String? = nil,
    toDate: String? = nil
) -> ExportRequest {
    ExportRequest(
        format: format, fromDate: fromDate, toDate: toDate, deidentifySeed: deidentifySeed, locale: locale,
        nowMs: exportNowMs)
}

/// Logs the two doses of 2025-01-15 (the evening one skipped) on a seeded diary.
private func exportSeeded(_ diary: Diary) throws -> Patient {
    let (patient, regimen) = try seeded(diary)
    let medication = "regimen-\(regimen.id)"
    _ = try diary.logDose(dose: doseLog("sw-export-1", medication), nowMs: morningMs, deviceTimeZone: nil)
    _ = try diary.logDose(
        dose: doseLog("sw-export-2", medication, slotTime: "20:00", outcome: .skipped, atMs: eveningMs), nowMs: eveningMs,
        deviceTimeZone: nil)
    return patient
}

private func text(_ file: ExportFile) -> String {
    String(decoding: file.bytes, as: UTF8.self)
}

func everyFormatExportsAsBytes() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patient = try exportSeeded(diary)
            let fhir = try diary.export(patientId: patient.id, request: exportRequest(.fhir))
            checkEqual(fhir.map { $0.name }, ["diary.fhir.json"], "FHIR is one file")
            let json = text(fhir[0])
            check(json.hasPrefix("{\"resourceType\":\"Bundle\""), "a FHIR Bundle")
            check(json.contains("\"status\":\"not-taken\"") && json.contains("\"status\":\"completed\""), "taken and skipped doses")
            check(json.contains("\"text\":\"Test Child\""), "the identified export names the patient")
            let tables = try diary.export(patientId: patient.id, request: exportRequest(.csv))
            check(tables.contains { $0.name == "doses.csv" } && tables.contains { $0.name == "manifest.txt" }, "CSV tables and a manifest")
            if let doses = tables.first(where: { $0.name == "doses.csv" }) {
                checkEqual(text(doses).components(separatedBy: "\r\n").count, 4, "a header and two dose rows")
            }
            let html = text(try diary.export(patientId: patient.id, request: exportRequest(.html, locale: "zh-Hans"))[0])
            check(html.contains("<html lang=\"zh-Hans\">") && html.contains("他克莫司"), "the report in Simplified Chinese")
            let ics = text(try diary.export(patientId: patient.id, request: exportRequest(.ics, fromDate: "2025-01-15"))[0])
            check(ics.hasPrefix("BEGIN:VCALENDAR\r\n") && ics.contains("RRULE:FREQ=DAILY"), "the calendar repeats the regimen")
        }
    }
}

func deIdentifiedExportsHoldNoName() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patient = try exportSeeded(diary)
            for format in [ExportFormat.fhir, .csv, .html, .ics] {
                for file in try diary.export(patientId: patient.id, request: exportRequest(format, deidentifySeed: -42)) {
                    let unfolded = text(file).replacingOccurrences(of: "\r\n ", with: "")
                    check(
                        !unfolded.contains("Test Child") && !unfolded.contains("2019-04-02") && !unfolded.contains("mother"),
                        "de-identified \(file.name): no name, birth date or logger")
                }
            }
        }
    }
}

func oneDeIdentifiedRequestInSeveralFormatsHasOneShift() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patient = try exportSeeded(diary)
            let share = ExportRequest(
                format: .fhir, fromDate: nil, toDate: nil, deidentifySeed: nil, locale: "en", nowMs: exportLaterMs,
                deidentify: true, extraFormats: [.csv, .html, .ics])
            let files = try diary.export(patientId: patient.id, request: share)
            checkEqual(Set(files.map { $0.format }), Set([ExportFormat.fhir, .csv, .html, .ics]), "every format asked for")
            check(files.allSatisfy { !text($0).contains("Test Child") }, "no name in any file")
            let json = files.first { $0.name == "diary.fhir.json" }.map(text) ?? ""
            check(!json.contains("\"timestamp\""), "no generation time")
            let doses = files.first { $0.name == "doses.csv" }.map(text) ?? ""
            let instants = doses.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
                .map { $0.components(separatedBy: ",")[6] }  // after the patient column
            check(
                !instants.isEmpty && instants.allSatisfy { $0.hasSuffix("Z") && json.contains("\"effectiveDateTime\":\"\($0)\"") },
                "the CSV doses are FHIR statements at the same shifted instants")
            let shareDir = tmp.appendingPathComponent("share").path
            let written = try diary.exportToPath(patientId: patient.id, request: share, path: shareDir)
            check(
                FileManager.default.fileExists(atPath: shareDir + "/diary.fhir.json")
                    && FileManager.default.fileExists(atPath: shareDir + "/csv/doses.csv") && written.count == 13,
                "several formats written into one directory")
        }
    }
}

func exportToPathSurvivesReopenAndRefusalsNameTheField() throws {
    try withTempDir { tmp in
        let path = tmp.appendingPathComponent("diary.sqlite").path
        let patient = try withDiary(path) { diary in try exportSeeded(diary) }
        try withDiary(path) { diary in
            let report = tmp.appendingPathComponent("report.html").path
            checkEqual(try diary.exportToPath(patientId: patient.id, request: exportRequest(.html), path: report), [report], "the report path is returned")
            let size = (try FileManager.default.attributesOfItem(atPath: report)[.size] as? Int) ?? 0
            check(size > 1000, "the report is written")
            let written = try diary.exportToPath(
                patientId: patient.id, request: exportRequest(.csv), path: tmp.appendingPathComponent("tables").path)
            check(written.count >= 6 && written.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "CSV files written into a directory")
            checkValidation("locale", "an unknown locale") { try diary.export(patientId: patient.id, request: exportRequest(.fhir, locale: "fr")) }
            checkValidation("from", "a range ending before it starts") {
                try diary.export(patientId: patient.id, request: exportRequest(.csv, fromDate: "2025-02-01", toDate: "2025-01-01"))
            }
            checkValidation("to_date", "a malformed date") { try diary.export(patientId: patient.id, request: exportRequest(.html, toDate: "2025-1-1")) }
        }
    }
}

/// An export request for a FHIR transaction bundle (identified exports only).
private func transactionRequest(
    deidentify: Bool = false, deidentifySeed: Int64? = nil, extraFormats: [ExportFormat] = []
) -> ExportRequest {
    ExportRequest(
        format: .fhir, fromDate: nil, toDate: nil, deidentifySeed: deidentifySeed, locale: "en", nowMs: exportNowMs,
        deidentify: deidentify, extraFormats: extraFormats, fhirBundle: .transaction)
}

/// The entries of a FHIR bundle and its type.
private func bundleOf(_ bytes: Data) throws -> (type: String, entries: [[String: Any]]) {
    let bundle = try JSONSerialization.jsonObject(with: bytes) as? [String: Any] ?? [:]
    return (bundle["type"] as? String ?? "", bundle["entry"] as? [[String: Any]] ?? [])
}

/// The conditional-update URL of a transaction entry.
private func requestUrl(_ entry: [String: Any]) -> String {
    (entry["request"] as? [String: Any])?["url"] as? String ?? ""
}

func aTransactionBundleUpdatesByIdentifierAndIsRefusedWhenDeIdentified() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patient = try exportSeeded(diary)
            _ = try diary.undoDose(clientId: "sw-export-2", undoneBy: "mother")
            let files = try diary.export(patientId: patient.id, request: transactionRequest())
            checkEqual(files.map { $0.name }, ["diary.fhir.json"], "a transaction is one FHIR file")
            checkEqual(files.map { $0.format }, [.fhir], "of the FHIR format")
            let (type, entries) = try bundleOf(files[0].bytes)
            checkEqual(type, "transaction", "the bundle is a transaction")
            check(
                !entries.isEmpty && entries.allSatisfy { entry in
                    let request = entry["request"] as? [String: Any]
                    let resource = entry["resource"] as? [String: Any] ?? [:]
                    return request?["method"] as? String == "PUT"
                        && requestUrl(entry).contains("?identifier=urn%3Auuid%3A") && resource["id"] == nil
                },
                "every entry is a conditional update keyed by its diary-scoped identifier, without a resource id")
            let statuses = entries.compactMap { $0["resource"] as? [String: Any] }
                .filter { $0["resourceType"] as? String == "MedicationStatement" }
                .compactMap { $0["status"] as? String }.sorted()
            checkEqual(statuses, ["completed", "entered-in-error"], "the undone dose is entered-in-error")
            let again = try bundleOf(diary.export(patientId: patient.id, request: transactionRequest())[0].bytes)
            checkEqual(again.entries.map(requestUrl), entries.map(requestUrl), "the next export updates the same records")
            let collection = ExportRequest(
                format: .fhir, fromDate: nil, toDate: nil, deidentifySeed: nil, locale: "en", nowMs: exportNowMs,
                fhirBundle: .collection)
            checkEqual(try bundleOf(diary.export(patientId: patient.id, request: collection)[0].bytes).type, "collection",
                       "a collection when asked for")
            let target = tmp.appendingPathComponent("load.json").path
            checkEqual(try diary.exportToPath(patientId: patient.id, request: transactionRequest(), path: target), [target],
                       "the file is returned")
            checkEqual(try bundleOf(Data(contentsOf: URL(fileURLWithPath: target))).type, "transaction",
                       "the transaction is written")

            let refused = tmp.appendingPathComponent("refused.json").path
            checkValidation("fhir_bundle", "a de-identified transaction") {
                try diary.export(patientId: patient.id, request: transactionRequest(deidentify: true))
            }
            checkValidation("fhir_bundle", "a transaction de-identified by a seed") {
                try diary.exportToPath(patientId: patient.id, request: transactionRequest(deidentifySeed: 7), path: refused)
            }
            checkValidation("fhir_bundle", "a transaction beside other formats") {
                try diary.exportToPath(patientId: patient.id, request: transactionRequest(extraFormats: [.csv]), path: refused)
            }
            check(!FileManager.default.fileExists(atPath: refused), "nothing written when refused")
        }
    }
}

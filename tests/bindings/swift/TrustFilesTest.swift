// Red-team tests of the diary file from Swift: a file that is not a diary is never touched,
// paths that keep nothing are refused, damage is typed and stops writes, and a backup or an
// export never replaces a diary. (Read-only volumes and full disks need a mount namespace: the
// Rust and Python suites cover them.)

import Foundation

let trustFilesTests: [NamedTest] = [
    ("filesThatAreNotDiariesAreRefusedUntouched", filesThatAreNotDiariesAreRefusedUntouched),
    ("pathsThatKeepNothingAreRefused", pathsThatKeepNothingAreRefused),
    ("schemaVersionsNoReleaseWroteAreTyped", schemaVersionsNoReleaseWroteAreTyped),
    ("aDamagedDiaryIsMovedAsideAndKept", aDamagedDiaryIsMovedAsideAndKept),
    ("damageMetAfterOpeningIsTypedAndStopsWrites", damageMetAfterOpeningIsTypedAndStopsWrites),
    ("backupAndExportNeverReplaceADiary", backupAndExportNeverReplaceADiary),
]

/// Every file of `dir` with its bytes.
private func listing(_ dir: URL) -> [String: Data] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    var files: [String: Data] = [:]
    for name in names {
        var isDirectory: ObjCBool = false
        let path = dir.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            files[name] = FileManager.default.contents(atPath: path)
        }
    }
    return files
}

private func isNotADiary(_ error: Error) -> Bool {
    if case NephroError.NotADiary = error { return true }
    return false
}

private func isCorrupt(_ error: Error) -> Bool {
    if case NephroError.CorruptDatabase = error { return true }
    return false
}

private func checkNotADiary(_ file: URL, _ what: String) {
    let dir = file.deletingLastPathComponent()
    let before = listing(dir)
    checkThrows(what, { try Diary.open(path: file.path) }, where: isNotADiary)
    checkEqual(listing(dir), before, "\(what): nothing changed, renamed or made")
}

/// A SQLite file of another application: the header of an empty database stamped with id 7.
private func foreignDatabase() -> Data {
    var bytes = [UInt8](repeating: 0, count: 4096)
    bytes.replaceSubrange(0..<16, with: Array("SQLite format 3\u{0}".utf8))
    bytes[16] = 0x10; bytes[18] = 1; bytes[19] = 1; bytes[21] = 64; bytes[22] = 32; bytes[23] = 32
    bytes[31] = 1; bytes[47] = 4; bytes[71] = 7
    bytes[100] = 0x0D; bytes[105] = 0x10
    return Data(bytes)
}

func filesThatAreNotDiariesAreRefusedUntouched() throws {
    try withTempDir { tmp in
        let text = tmp.appendingPathComponent("notes.txt")
        try Data(String(repeating: "a family's notes\n", count: 100).utf8).write(to: text)
        checkNotADiary(text, "a text file")
        let empty = tmp.appendingPathComponent("empty.db")
        try Data().write(to: empty)
        checkNotADiary(empty, "an empty file")
        let other = tmp.appendingPathComponent("other.sqlite")
        try foreignDatabase().write(to: other)
        checkNotADiary(other, "another app's database")
        let link = tmp.appendingPathComponent("link.db")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: text)
        checkNotADiary(link, "a link to a text file")
    }
}

func pathsThatKeepNothingAreRefused() throws {
    try withTempDir { tmp in
        for path in ["", ":memory:", "file:diary.db", "file::memory:?cache=shared"] {
            checkValidation("path", "open \"\(path)\"") { try Diary.open(path: path) }
        }
        check(!FileManager.default.fileExists(atPath: "file:diary.db"), "no file made")
        checkThrows("a directory", { try Diary.open(path: tmp.path) }, where: isNotADiary)
    }
}

/// Writes `version` into the header's user_version (offset 60, big-endian) of a closed diary.
private func setUserVersion(_ file: URL, _ version: Int32) throws {
    var data = try Data(contentsOf: file)
    let bytes = withUnsafeBytes(of: version.bigEndian) { Array($0) }
    data.replaceSubrange(60..<64, with: bytes)
    try data.write(to: file)
}

func schemaVersionsNoReleaseWroteAreTyped() throws {
    try withTempDir { tmp in
        let file = tmp.appendingPathComponent("diary.db")
        try withDiary(file.path) { diary in _ = try seeded(diary) }
        try setUserVersion(file, -1)
        let bytes = try Data(contentsOf: file)
        let unknown = checkThrows("schema version -1", { try Diary.open(path: file.path) }, where: {
            if case NephroError.UnknownSchema(found: -1) = $0 { return true }; return false
        })
        check(unknown != nil, "UnknownSchema names the version")
        try setUserVersion(file, 1000)
        checkThrows("schema version 1000", { try Diary.open(path: file.path) }, where: {
            if case NephroError.NewerSchema(found: 1000, supported: _) = $0 { return true }; return false
        })
        try setUserVersion(file, -1)
        checkEqual(try Data(contentsOf: file), bytes, "the file is as it was")
    }
}

func aDamagedDiaryIsMovedAsideAndKept() throws {
    try withTempDir { tmp in
        let file = tmp.appendingPathComponent("diary.db")
        try withDiary(file.path) { _ in }
        var data = try Data(contentsOf: file)
        data.replaceSubrange(100..<4096, with: (0..<3996).map { UInt8(($0 * 37) % 251) })  // the schema page
        try data.write(to: file)
        let error = checkThrows("open a damaged diary", { try Diary.open(path: file.path) }, where: isCorrupt)
        if case NephroError.CorruptDatabase(let keptAt)? = error {
            check(keptAt != file.path && FileManager.default.fileExists(atPath: keptAt), "kept at keptAt")
            checkEqual(FileManager.default.contents(atPath: keptAt), data, "kept byte for byte")
        }
        try withDiary(file.path) { diary in checkEqual(try diary.patients(), [], "opening again starts a new diary") }
    }
}

/// Logs the two daily doses from 2025-01-15 to 2025-03-19 (winter time in Berlin: UTC+1).
private func logManyDoses(_ diary: Diary, _ medication: String) throws {
    let start: Int64 = 1_736_899_200_000  // 2025-01-15T00:00:00Z
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd"
    formatter.timeZone = TimeZone(identifier: "UTC")
    for day in 0..<64 {
        let midnight = start + Int64(day) * 86_400_000
        let date = formatter.string(from: Date(timeIntervalSince1970: Double(midnight) / 1000))
        for (slot, utcHour) in [("08:00", 7), ("20:00", 19)] {
            let atMs = midnight + Int64(utcHour) * 3_600_000
            _ = try diary.logDose(
                dose: doseLog("sw-\(date)-\(slot)", medication, slotDate: date, slotTime: slot, atMs: atMs),
                nowMs: atMs, deviceTimeZone: nil)
        }
    }
}

func damageMetAfterOpeningIsTypedAndStopsWrites() throws {
    try withTempDir { tmp in
        let file = tmp.appendingPathComponent("diary.db")
        try withDiary(file.path) { _ in }
        let freshSize = try Data(contentsOf: file).count
        let patientId = try withDiary(file.path) { diary -> Int64 in
            let (patient, regimen) = try seeded(diary)
            try logManyDoses(diary, regimen.medicationId)
            return patient.id
        }
        // The pages the doses added (past the fresh diary's schema pages) are overwritten.
        var data = try Data(contentsOf: file)
        check(data.count > freshSize, "the doses added pages")
        for i in freshSize..<data.count { data[i] = UInt8((i * 89) % 253) }
        try data.write(to: file)
        try withDiary(file.path) { diary in
            let read = checkThrows("a read meets the damage", {
                try diary.doseLogs(patientId: patientId, from: "2025-01-01", to: "2025-04-01")
            }, where: isCorrupt)
            if case NephroError.CorruptDatabase(let keptAt)? = read {
                checkEqual(keptAt, file.path, "the file stays where it is")
            }
            checkThrows("every later write is refused", {
                try diary.addMeasurement(patientId: patientId, measurement: weight(20.5, on: "2025-01-20"))
            }, where: isCorrupt)
        }
        checkEqual(try Data(contentsOf: file), data, "the damaged file is kept as it was")
    }
}

func backupAndExportNeverReplaceADiary() throws {
    try withTempDir { tmp in
        let file = tmp.appendingPathComponent("diary.db")
        let other = tmp.appendingPathComponent("other.db")
        try withDiary(other.path) { _ in }
        try withDiary(file.path) { diary in
            let (patient, regimen) = try seeded(diary)
            _ = try diary.logDose(dose: doseLog("sw-backup", regimen.medicationId), nowMs: morningMs, deviceTimeZone: nil)
            let copy = try diary.backupTo(target: tmp.appendingPathComponent("copy.db").path)
            check(!FileManager.default.fileExists(atPath: copy + "-wal"), "the copy needs no -wal")
            try withDiary(copy) { copied in
                checkEqual(try copied.dose(clientId: "sw-backup").dose.clientId, "sw-backup", "the copy holds the dose")
            }
            try diary.checkpoint()
            let before = [try Data(contentsOf: file), try Data(contentsOf: other)]
            let request = ExportRequest(
                format: .html, fromDate: nil, toDate: nil, deidentifySeed: nil, locale: "en", nowMs: morningMs)
            for target in [file.path, other.path, tmp.path + "/./diary.db", file.path + "-wal"] {
                checkValidation("target", "backup onto \(target)") { try diary.backupTo(target: target) }
                checkValidation("path", "export onto \(target)") {
                    try diary.exportToPath(patientId: patient.id, request: request, path: target)
                }
            }
            try diary.checkpoint()
            checkEqual([try Data(contentsOf: file), try Data(contentsOf: other)], before, "neither diary changed")
            _ = try diary.logDose(dose: doseLog("sw-after", regimen.medicationId, slotTime: "20:00", atMs: eveningMs), nowMs: eveningMs, deviceTimeZone: nil)
        }
        try withDiary(file.path) { diary in
            checkEqual(try diary.dose(clientId: "sw-after").dose.clientId, "sw-after", "the diary is still written")
        }
    }
}

// Fictional test data shared by the Swift binding tests (same values in Python and Kotlin).

import Foundation

// 2025-01-15 07:05, 19:10 and 19:40 UTC, in epoch ms.
let morningMs: Int64 = 1_736_924_700_000
let eveningMs: Int64 = 1_736_968_200_000
let eveningLaterMs: Int64 = 1_736_970_000_000

/// A fictional child's profile.
func profile(birthDate: String = "2019-04-02") -> PatientProfile {
    PatientProfile(displayName: "Test Child", birthDate: birthDate, sex: .female, timeZone: "Europe/Berlin", definitionSet: "ipna2022")
}

/// A weight measurement.
func weight(_ kg: Double, on date: String = "2025-01-10") -> Measurement {
    Measurement(measuredOn: date, weightKg: kg, heightCm: nil)
}

/// Tacrolimus 0.1 mg per kg per day in capsules of 0.5 and 1 mg.
func tacrolimusRegimen(times: [String] = ["08:00", "20:00"], start: String = "2025-01-15") -> RegimenInput {
    RegimenInput(
        drug: .tacrolimus, form: "capsule", strengthsMg: [0.5, 1.0], allowSplit: false, rate: .mgPerKgPerDay(rate: 0.1),
        times: times, startDate: start, endDate: nil, prescribedBy: "Dr. Example", prescribedOn: "2025-01-14",
        overrideRange: false)
}

/// A dose to log.
func doseLog(
    _ clientId: String, _ medicationId: String, slotDate: String = "2025-01-15", slotTime: String = "08:00",
    outcome: DoseOutcome = .taken, atMs: Int64 = morningMs, by: String = "mother"
) -> DoseLogInput {
    DoseLogInput(
        clientId: clientId, medicationId: medicationId, slotDate: slotDate, slotTime: slotTime, outcome: outcome,
        actualAtMs: atMs, loggedBy: by)
}

/// A patient weighing 20 kg on a tacrolimus regimen.
func seeded(_ diary: Diary) throws -> (Patient, Regimen) {
    let patient = try diary.createPatient(profile: profile())
    _ = try diary.addMeasurement(patientId: patient.id, measurement: weight(20.0))
    return (patient, try diary.addRegimen(patientId: patient.id, regimen: tacrolimusRegimen()))
}

/// Runs `body` with a fresh directory, removed afterwards.
@discardableResult
func withTempDir<T>(_ body: (URL) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nephro-swift-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try body(dir)
}

/// Opens the diary at `path` for `body`; the diary is released (closed) when `body` returns.
@discardableResult
func withDiary<T>(_ path: String, _ body: (Diary) throws -> T) throws -> T {
    try body(try Diary.open(path: path))
}

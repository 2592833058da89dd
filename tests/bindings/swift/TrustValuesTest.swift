// Red-team tests of clinical-rules §10 and of de-identification from Swift: a typo is refused
// naming its field and changes nothing; a de-identified export carries no id, generation time
// or zone that would undo it. (A damaged row among good ones needs raw SQL: the Rust FFI and
// Python suites cover it.)

import Foundation

let trustValuesTests: [NamedTest] = [
    ("aTypoIsRefusedNamingItsFieldAndChangesNothing", aTypoIsRefusedNamingItsFieldAndChangesNothing),
    ("deIdentifiedExportsShareNoIdAndNoGenerationTime", deIdentifiedExportsShareNoIdAndNoGenerationTime),
]

/// `body` is refused with `Validation` naming `field`, and the checkpointed file is unchanged.
private func refusedUnchanged<T>(_ diary: Diary, _ file: URL, _ field: String, _ what: String, _ body: () throws -> T) throws {
    try diary.checkpoint()
    let before = try Data(contentsOf: file)
    checkValidation(field, what, body)
    try diary.checkpoint()
    checkEqual(try Data(contentsOf: file), before, "\(what): nothing stored")
}

func aTypoIsRefusedNamingItsFieldAndChangesNothing() throws {
    try withTempDir { tmp in
        let file = tmp.appendingPathComponent("diary.db")
        try withDiary(file.path) { diary in
            let (patient, regimen) = try seeded(diary)
            let med = regimen.medicationId
            _ = try diary.logDose(dose: doseLog("sw-am", med), nowMs: morningMs, deviceTimeZone: nil)
            try refusedUnchanged(diary, file, "weight_kg", "2000 kg") {
                try diary.addMeasurement(patientId: patient.id, measurement: weight(2000.0))
            }
            try refusedUnchanged(diary, file, "weight_kg", "0.9 kg, even confirmed") {
                try diary.addMeasurement(patientId: patient.id, measurement: Measurement(
                    measuredOn: "2025-01-15", weightKg: 0.9, heightCm: nil, confirmed: true))
            }
            try refusedUnchanged(diary, file, "height_cm", "1150 cm") {
                try diary.addMeasurement(patientId: patient.id, measurement: Measurement(
                    measuredOn: "2025-01-15", weightKg: nil, heightCm: 1150.0, confirmed: true))
            }
            try refusedUnchanged(diary, file, "measured_on", "a weight in 2201") {
                try diary.addMeasurement(patientId: patient.id, measurement: weight(20.0, on: "2201-01-01"))
            }
            var tiny = tacrolimusRegimen(start: "2025-01-16")
            tiny.strengthsMg = [1e-9]
            try refusedUnchanged(diary, file, "strengths_mg[0]", "a capsule of 1e-9 mg") {
                try diary.addRegimen(patientId: patient.id, regimen: tiny)
            }
            try refusedUnchanged(diary, file, "end_date", "a regimen ending in 9999") {
                try diary.endRegimen(regimenId: regimen.id, endDate: "9999-12-31")
            }
            try refusedUnchanged(diary, file, "actual_at_ms", "a dose given at Int64.max") {
                try diary.logDose(dose: doseLog("sw-far", med, slotTime: "20:00", atMs: Int64.max), nowMs: eveningMs, deviceTimeZone: nil)
            }
            try refusedUnchanged(diary, file, "slot_date", "a slot months ahead of the phone's clock") {
                try diary.logDose(dose: doseLog("sw-june", med, slotDate: "2025-06-01"), nowMs: morningMs, deviceTimeZone: nil)
            }
            // 19:55 for the 20:00 dose is within its take-window.
            let early = try diary.logDose(
                dose: doseLog("sw-pm", med, slotTime: "20:00", atMs: eveningMs - 300_000), nowMs: eveningMs - 300_000,
                deviceTimeZone: nil)
            checkEqual(early.revision, 1, "19:55 for the 20:00 dose is logged")
            // 200 kg after 20 kg: held until confirmed.
            checkThrows("200 kg after 20 kg", {
                try diary.addMeasurement(patientId: patient.id, measurement: weight(200.0, on: "2025-01-16"))
            }, where: {
                if case NephroError.NeedsConfirmation(field: "weight_kg", check: "weight_change", reason: _) = $0 { return true }
                return false
            })
            // The weight slip that passes the bounds is stopped by the daily maximum (10 mg/day).
            let slip = DoseRequest(
                drug: .tacrolimus, weightKg: 200.0, mgPerKgPerDay: 0.1, mgPerM2PerDay: nil, heightCm: nil, dosesPerDay: 2,
                strengthsMg: [0.5, 1.0], allowSplit: false, overrideRange: false)
            checkThrows("tacrolimus 20 mg/day", { try calculateDose(request: slip) }, where: {
                if case NephroError.DoseOutOfRange(drug: "tacrolimus", limit: .dailyMaximum(maxMgPerDay: 10.0), detail: _) = $0 {
                    return true
                }
                return false
            })
        }
    }
}

func deIdentifiedExportsShareNoIdAndNoGenerationTime() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.db").path) { diary in
            let (patient, regimen) = try seeded(diary)
            _ = try diary.logDose(dose: doseLog("sw-am", regimen.medicationId), nowMs: morningMs, deviceTimeZone: nil)
            // Months later, so the dose lies before any de-identification cutoff.
            let request = ExportRequest(
                format: .fhir, fromDate: nil, toDate: nil, deidentifySeed: nil, locale: "en", nowMs: 1_748_736_000_000,
                deidentify: true)
            var idSets: [Set<String>] = []
            for _ in 0..<2 {
                let bytes = try diary.export(patientId: patient.id, request: request)[0].bytes
                let text = String(decoding: bytes, as: UTF8.self)
                let bundle = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] ?? [:]
                check(bundle["timestamp"] == nil, "no generation time")
                check(!text.contains("Test Child") && !text.contains("2025-01-15"), "no name; the real date is shifted")
                let entries = bundle["entry"] as? [[String: Any]] ?? []
                idSets.append(Set(entries.compactMap { ($0["resource"] as? [String: Any])?["id"] as? String }))
                // Instants (a date alone is a day, with no zone to leak).
                let instants = entries.compactMap { ($0["resource"] as? [String: Any])?["effectiveDateTime"] as? String }
                    .filter { $0.contains("T") }
                check(!instants.isEmpty && instants.allSatisfy { $0.hasSuffix("Z") }, "instants in UTC notation")
            }
            check(!idSets[0].isEmpty, "resources exported")
            checkEqual(idSets[0].intersection(idSets[1]), [], "no id is shared by two de-identified exports")
        }
    }
}

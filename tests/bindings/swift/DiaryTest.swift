// The Diary object from Swift: store, idempotent dose log, history, reopen, typed errors.

import Foundation

let diaryTests: [NamedTest] = [
    ("libraryLoads", libraryLoads),
    ("diaryLogsDosesAndKeepsThemAcrossReopen", diaryLogsDosesAndKeepsThemAcrossReopen),
    ("refusalsAreTypedAndStoreNothing", refusalsAreTypedAndStoreNothing),
    ("aDoseNoteReadsBackAndANoteEditIsARevision", aDoseNoteReadsBackAndANoteEditIsARevision),
]

func libraryLoads() throws {
    checkEqual(ping(value: Int64.min + 1), Int64.min + 1, "ping returns its argument (i64)")
    check(!coreVersion().isEmpty, "coreVersion is not empty")
}

private func isNotFound(_ error: Error) -> Bool {
    if case NephroError.NotFound = error { return true }
    return false
}

func diaryLogsDosesAndKeepsThemAcrossReopen() throws {
    try withTempDir { tmp in
        let path = tmp.appendingPathComponent("diary.sqlite").path
        let (patientId, regimenDose) = try withDiary(path) { diary -> (Int64, DoseResult) in
            let patient = try diary.createPatient(profile: profile())
            checkEqual(patient.profile.displayName, "Test Child", "patient stored")
            _ = try diary.addMeasurement(patientId: patient.id, measurement: weight(20.0))
            let regimen = try diary.addRegimen(patientId: patient.id, regimen: tacrolimusRegimen())

            // 0.1 mg/kg/day x 20 kg = 2 mg/day, twice daily = one 1 mg capsule per dose.
            checkEqual(regimen.medicationId, "regimen-\(regimen.id)", "medication id")
            checkClose(regimen.weightKg, 20.0, "regimen weight")
            checkClose(regimen.dose.perDoseMg, 1.0, "per dose mg")
            checkClose(regimen.dose.dailyMg, 2.0, "daily mg")
            checkClose(regimen.dose.mgPerKgPerDay, 0.1, "actual mg/kg/day")
            checkEqual(regimen.dose.units, [UnitCount(strengthMg: 1.0, count: 1.0)], "units: one 1 mg capsule")
            checkEqual(regimen.prescription.times, ["08:00", "20:00"], "times round-trip")

            let med = regimen.medicationId
            let morning = try diary.logDose(dose: doseLog("sw-1", med, slotTime: "08:00", atMs: morningMs), nowMs: morningMs, deviceTimeZone: nil)
            checkEqual(morning.revision, 1, "first log is revision 1")
            checkEqual(morning.undone, false, "first log is not undone")
            let again = try diary.logDose(dose: doseLog("sw-1", med, slotTime: "08:00", atMs: morningMs), nowMs: eveningMs, deviceTimeZone: nil)
            checkEqual(again, morning, "same client_id again returns the stored entry")
            _ = try diary.logDose(dose: doseLog("sw-2", med, slotTime: "20:00", atMs: eveningMs), nowMs: eveningMs, deviceTimeZone: nil)
            let logs = try diary.doseLogs(patientId: patient.id, from: "2025-01-15", to: "2025-01-15")
            checkEqual(logs.map { $0.dose.clientId }, ["sw-1", "sw-2"], "double submission stored once")

            checkThrows("another client_id for a logged slot is a conflict", {
                try diary.logDose(dose: doseLog("sw-3", med, slotTime: "08:00", atMs: morningMs), nowMs: morningMs, deviceTimeZone: nil)
            }, where: {
                if case NephroError.Conflict(kind: .alreadyLogged, record: "dose_log", detail: _) = $0 { return true }
                return false
            })
            checkEqual(try diary.doseLogs(patientId: patient.id, from: "2025-01-15", to: "2025-01-15").count, 2,
                       "conflict stored nothing")

            let edited = try diary.editDose(
                clientId: "sw-2", outcome: .skipped, actualAtMs: eveningLaterMs, editedBy: "father", nowMs: eveningLaterMs,
                deviceTimeZone: nil)
            checkEqual(edited.revision, 2, "edit makes revision 2")
            checkEqual(edited.dose.outcome, .skipped, "edit changed the outcome")
            let undone = try diary.undoDose(clientId: "sw-2", undoneBy: "mother")
            check(undone.revision == 3 && undone.undone, "undo makes revision 3, undone")
            let history = try diary.doseHistory(clientId: "sw-2")
            checkEqual(history.map { $0.revision }, [1, 2, 3], "history keeps 3 revisions")
            checkEqual(history.map { "\($0.outcome) \($0.by) \($0.undone)" },
                       ["taken mother false", "skipped father false", "skipped mother true"],
                       "history outcomes, authors and undo flag")
            checkEqual(history.first?.actualAtMs, eveningMs, "first revision keeps the original time")
            return (patient.id, regimen.dose)
        }  // the last reference goes: the diary is closed

        try withDiary(path) { diary in
            checkEqual(try diary.patients().map { $0.id }, [patientId], "patient after reopen")
            checkEqual(try diary.regimens(patientId: patientId).map { $0.dose }, [regimenDose], "regimen dose after reopen")
            let logs = try diary.doseLogs(patientId: patientId, from: "2025-01-01", to: "2025-01-31")
            checkEqual(logs.map { "\($0.dose.clientId) \($0.dose.slotTime) \($0.dose.outcome) \($0.revision) \($0.undone)" },
                       ["sw-1 08:00 taken 1 false", "sw-2 20:00 skipped 3 true"], "doses after reopen")
            checkEqual(try diary.dose(clientId: "sw-1").dose.actualAtMs, morningMs, "dose by client id after reopen")
            checkEqual(try diary.doseHistory(clientId: "sw-2").count, 3, "history after reopen")
            checkThrows("unknown client id", { try diary.dose(clientId: "sw-404") }, where: isNotFound)
        }
    }
}

private func doseRequest(weightKg: Double, rate: Double = 0.1) -> DoseRequest {
    DoseRequest(
        drug: .tacrolimus, weightKg: weightKg, mgPerKgPerDay: rate, mgPerM2PerDay: nil, heightCm: nil, dosesPerDay: 2,
        strengthsMg: [0.5, 1.0], allowSplit: false, overrideRange: false)
}

func refusalsAreTypedAndStoreNothing() throws {
    checkValidation("weight_kg", "calculateDose: weight 0") { try calculateDose(request: doseRequest(weightKg: 0)) }
    checkValidation("weight_kg", "calculateDose: weight NaN") { try calculateDose(request: doseRequest(weightKg: .nan)) }
    checkThrows("calculateDose: 0.15 mg/kg/day without override", {
        try calculateDose(request: doseRequest(weightKg: 20, rate: 0.15))
    }, where: {
        // The drug and the requested rate cross the FFI as fields, the range below the request.
        if case NephroError.DoseOutOfRange(
            drug: "tacrolimus",
            limit: .protocolRange(requestedMgPerKgPerDay: let requested, minMgPerKgPerDay: let min, maxMgPerKgPerDay: let max),
            detail: _) = $0 {
            return abs(requested - 0.15) < 1e-9 && min < max && max < 0.15
        }
        return false
    })

    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            checkValidation("birth_date", "createPatient: malformed birth date") {
                try diary.createPatient(profile: profile(birthDate: "2019-02-30"))
            }
            checkEqual(try diary.patients(), [], "no patient stored after the refusal")

            let patient = try diary.createPatient(profile: profile())
            checkValidation("weight_kg", "addMeasurement: weight 0") {
                try diary.addMeasurement(patientId: patient.id, measurement: weight(0))
            }
            checkValidation("weight_kg", "addMeasurement: weight NaN") {
                try diary.addMeasurement(patientId: patient.id, measurement: weight(.nan))
            }
            checkValidation("measured_on", "addMeasurement: malformed date") {
                try diary.addMeasurement(patientId: patient.id, measurement: weight(20, on: "10.01.2025"))
            }
            checkEqual(try diary.measurements(patientId: patient.id), [], "no measurement stored after the refusals")

            let (_, regimen) = try seeded(diary)
            checkValidation("slot_date", "logDose: malformed slot date") {
                try diary.logDose(dose: doseLog("sw-bad", regimen.medicationId, slotDate: "2025-1-15"), nowMs: morningMs, deviceTimeZone: nil)
            }
            checkThrows("dose of a refused log", { try diary.dose(clientId: "sw-bad") }, where: isNotFound)
        }
    }
}

func aDoseNoteReadsBackAndANoteEditIsARevision() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let (_, regimen) = try seeded(diary)
            var noted = doseLog("sw-note", regimen.medicationId)
            noted.note = "spat out half, gave again"
            let logged = try diary.logDose(dose: noted, nowMs: morningMs, deviceTimeZone: nil)
            checkEqual(logged.dose.note, "spat out half, gave again", "the note is kept")
            checkEqual(try diary.dose(clientId: "sw-note").dose.note, "spat out half, gave again", "and read back")
            let edited = try diary.editDose(
                clientId: "sw-note", outcome: .taken, actualAtMs: morningMs, editedBy: "father", nowMs: morningMs,
                deviceTimeZone: nil, note: "gave half again")
            check(edited.revision == 2 && edited.dose.note == "gave half again", "a note-only edit is revision 2")
            checkEqual(
                try diary.doseHistory(clientId: "sw-note").map { $0.note },
                ["spat out half, gave again", "gave half again"], "each revision keeps its note")
            let kept = try diary.editDose(
                clientId: "sw-note", outcome: .taken, actualAtMs: morningMs, editedBy: "father", nowMs: morningMs,
                deviceTimeZone: nil)
            checkEqual(kept.dose.note, "gave half again", "an edit without a note keeps it")
            _ = checkValidation("note", "a note of 501 characters is refused") {
                try diary.editDose(
                    clientId: "sw-note", outcome: .taken, actualAtMs: morningMs, editedBy: "father", nowMs: morningMs,
                    deviceTimeZone: nil, note: String(repeating: "x", count: 501))
            }
            checkEqual(try diary.doseHistory(clientId: "sw-note").count, 3, "the refused edit stored nothing")
        }
    }
}

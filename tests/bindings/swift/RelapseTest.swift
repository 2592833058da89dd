// Urine readings and the relapse engine from Swift: every case of the `relapse` suite through
// the typed `assessRelapse`, and the Diary's readings and relapse status.

import Foundation

let relapseTests: [NamedTest] = [
    ("relapseSuite", relapseSuite),
    ("diaryLogsReadingsAndReportsARelapseAfterThreeNephroticMornings", diaryLogsReadingsAndReportsARelapseAfterThreeNephroticMornings),
]

// 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
private let firstMorningMs: Int64 = 1_736_920_800_000
private let dayMs: Int64 = 86_400_000

/// The typed input for a case input; names are read with the core's parsers, so an unknown
/// grade, unit or definition set is refused naming the same field as `nephro eval`.
func relapseCaseInput(of input: JSON) throws -> RelapseCaseInput {
    let readings = try (input["readings"]?.array ?? []).enumerated().map { i, r -> RelapseCaseReading in
        RelapseCaseReading(
            date: try r.text("date"),
            dipstick: try r["dipstick"]?.string.map { try parseDipstickGrade(field: "readings[\(i)].dipstick", text: $0) },
            upcr: r.optDouble("upcr"),
            unit: try r["unit"]?.string.map { try parseUpcrUnit(field: "readings[\(i)].unit", text: $0) },
            firstMorning: r.flag("first_morning", false))
    }
    let courses = try (input["steroid_courses"]?.array ?? []).map {
        SteroidCourseSpan(start: try $0.text("start"), end: try $0.text("end"))
    }
    return RelapseCaseInput(
        definitions: try input["definitions"]?.string.map { try parseDefinitionSet(field: "definitions", text: $0) },
        initialState: try input["initial_state"]?.string.map { try parseDiseaseState(field: "initial_state", text: $0) },
        initialRemission: input["initial_remission"]?.string,
        readings: readings,
        steroidCourses: courses,
        asOf: input["as_of"]?.string)
}

private func text(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }
private func number(_ value: Double?) -> JSON { value.map { .number($0) } ?? .null }
private func number(_ value: Int64?) -> JSON { value.map { .number(Double($0)) } ?? .null }

private func stateId(_ state: RelapseState) -> String {
    switch state {
    case .remission: return "remission"
    case .watch: return "watch"
    case .relapse: return "relapse"
    }
}

private func actionId(_ kind: RelapseNextActionKind) -> String {
    switch kind {
    case .retestNextMorning: return "retest_next_morning"
    case .followActionPlan: return "follow_action_plan"
    }
}

/// The assessment as the conformance output (the keys `nephro eval` prints).
func render(_ a: RelapseAssessment) -> JSON {
    .object([
        "state": .string(stateId(a.state)),
        "relapses": .array(a.relapses.map { .string($0.onset) }),
        "remissions": .array(a.remissions.map { .string($0.onset) }),
        "frequently_relapsing": .bool(a.frequentlyRelapsing),
        "steroid_dependent": .bool(a.steroidDependent),
        "as_of": text(a.asOf),
        "relapse_episodes": .array(a.relapses.map {
            .object(["onset": .string($0.onset), "confirmed": .string($0.confirmed), "remission_onset": text($0.remissionOnset)])
        }),
        "remission_episodes": .array(a.remissions.map { .object(["onset": .string($0.onset), "confirmed": .string($0.confirmed)]) }),
        "relapse_rate_per_year": number(a.relapseRatePerYear),
        "days_since_last_relapse": number(a.daysSinceLastRelapse),
        "days_in_current_remission": number(a.daysInCurrentRemission),
        "next_action": a.nextAction.map { .object(["kind": .string(actionId($0.kind)), "date": .string($0.date)]) } ?? .null,
    ])
}

func relapseSuite() throws {
    runSuite("relapse") { input in render(try assessRelapse(input: try relapseCaseInput(of: input))) }
}

/// A first-morning dipstick at 07:00 Berlin time, `day` days after 2025-01-15.
private func dipstick(_ clientId: String, _ patientId: Int64, _ day: Int64, _ grade: DipstickGrade) -> UrineReadingInput {
    UrineReadingInput(
        clientId: clientId, patientId: patientId, dipstick: grade, upcr: nil, unit: nil,
        takenAtMs: firstMorningMs + day * dayMs, takenOn: nil, firstMorning: true, note: "fever", loggedBy: "mother")
}

private func isConflict(_ error: Error) -> Bool {
    if case NephroError.Conflict = error { return true }
    return false
}

func diaryLogsReadingsAndReportsARelapseAfterThreeNephroticMornings() throws {
    try withTempDir { tmp in
        let path = tmp.appendingPathComponent("diary.sqlite").path
        let grades: [DipstickGrade] = [.threePlus, .threePlus, .fourPlus]
        let patientId = try withDiary(path) { diary -> Int64 in
            let patientId = try diary.createPatient(profile: profile()).id
            for (day, grade) in grades.enumerated() {
                let stored = try diary.logUrineReading(reading: dipstick("sw-urine-\(day)", patientId, Int64(day), grade))
                checkEqual(stored.level, .nephrotic, "day \(day) is nephrotic")
            }
            let again = try diary.logUrineReading(reading: dipstick("sw-urine-0", patientId, 0, grades[0]))
            checkEqual(again.revision, 1, "same client_id again: stored once")
            checkEqual(again.takenOn, "2025-01-15", "the local date is derived in the patient's zone")
            checkThrows("same client_id with another grade is a conflict", {
                try diary.logUrineReading(reading: dipstick("sw-urine-0", patientId, 0, .negative))
            }, where: isConflict)
            let watch = try diary.relapseStatus(patientId: patientId, today: "2025-01-15", locale: nil)
            checkEqual(watch.assessment.state, .watch, "first nephrotic morning: watch")
            checkEqual(watch.prompt, .testAgainTomorrow, "first nephrotic morning: test again")

            var bad = UrineReadingInput(
                clientId: "sw-bad", patientId: patientId, dipstick: nil, upcr: -5.0, unit: .mgPerMmol,
                takenAtMs: firstMorningMs, takenOn: nil, firstMorning: false, note: nil, loggedBy: "mother")
            checkValidation("upcr", "a negative UPCR is refused naming upcr") { try diary.logUrineReading(reading: bad) }
            bad.upcr = 150.0
            bad.unit = nil
            checkValidation("unit", "a UPCR without unit is refused naming unit") { try diary.logUrineReading(reading: bad) }
            return patientId
        }

        try withDiary(path) { diary in
            let readings = try diary.urineReadings(patientId: patientId, from: "2025-01-01", to: "2025-01-31", includeRetracted: false)
            checkEqual(readings.map { $0.takenOn }, ["2025-01-15", "2025-01-16", "2025-01-17"], "readings after reopen")
            let status = try diary.relapseStatus(patientId: patientId, today: "2025-01-17", locale: "zh-Hans")
            checkEqual(status.assessment.state, .relapse, "third nephrotic morning: relapse")
            checkEqual(status.prompt, .relapseContactTeam, "third morning: contact the team")
            check(status.promptText.contains("联系医疗团队"), "the prompt is in Simplified Chinese")
            checkEqual(status.assessment.relapses.map { $0.onset + "/" + $0.confirmed }, ["2025-01-15/2025-01-17"], "relapse episode")
            checkValidation("locale", "an unknown locale is refused") {
                try diary.relapseStatus(patientId: patientId, today: "2025-01-17", locale: "fr")
            }
            let retracted = try diary.retractUrineReading(clientId: "sw-urine-2", retractedBy: "father")
            checkEqual(retracted.revision, 2, "retraction is revision 2")
            checkEqual(retracted.retracted, true, "retracted")
            checkEqual(try diary.urineReadingHistory(clientId: "sw-urine-2").map { $0.changedBy }, ["mother", "father"], "history")
            let after = try diary.relapseStatus(patientId: patientId, today: "2025-01-17", locale: nil)
            checkEqual(after.assessment.relapses.count, 0, "no relapse after the retraction")
        }
    }
}

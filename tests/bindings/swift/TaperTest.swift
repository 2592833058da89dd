// Steroid courses from Swift: every case of the `taper` suite through the typed
// `buildTaperCalendar`, and the Diary's courses, versions, calendars, steroid doses, exposure and
// relapse prompt.

import Foundation

let taperTests: [NamedTest] = [
    ("taperSuite", taperSuite),
    ("diaryCoursesVersionsCalendarsDosesAndExposure", diaryCoursesVersionsCalendarsDosesAndExposure),
    ("taperRefusalsNameTheField", taperRefusalsNameTheField),
    ("theSameCourseClientIdTwiceCreatesOneCourse", theSameCourseClientIdTwiceCreatesOneCourse),
    ("aRelapsePromptsAndNeverStartsACourse", aRelapsePromptsAndNeverStartsACourse),
]

// 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
private let firstMorningMs: Int64 = 1_736_920_800_000
private let dayMs: Int64 = 86_400_000

/// A whole number of a case input as `Int64`.
private func whole(_ value: JSON?, _ key: String) throws -> Int64? {
    guard let value = value else { return nil }
    guard let number = value.double, let n = Int64(exactly: number) else { throw ConformanceError.missing("\(key) as a whole number") }
    return n
}

/// The typed dose of a case phase (exactly one of mg_per_kg, mg_per_m2, mg).
private func doseBasis(of dose: JSON) throws -> DoseBasis {
    guard case .object(let o) = dose, o.count == 1, let (key, value) = o.first, let amount = value.double else {
        throw ConformanceError.missing("dose with one amount")
    }
    switch key {
    case "mg_per_kg": return .mgPerKg(amount)
    case "mg_per_m2": return .mgPerM2(amount)
    case "mg": return .mg(amount)
    default: throw ConformanceError.missing("dose \(key)")
    }
}

/// The typed phase of a case phase; the frequency and the length are read with the core's
/// parsers, so an unknown frequency or a phase with two lengths is refused naming the same field
/// as `nephro eval`.
private func phaseInput(_ i: Int, _ phase: JSON) throws -> PhaseInput {
    let name = "phases[\(i)]"
    let frequency = try parseFrequency(field: "\(name).frequency", text: try phase.text("frequency"))
    var steps: TaperSteps? = nil
    if let taper = phase["taper"] {
        guard let everyDays = try whole(taper["every_days"], "every_days") else { throw ConformanceError.missing("every_days") }
        steps = TaperSteps(
            fromMg: try taper.double("from_mg"), toMg: try taper.double("to_mg"), stepMg: try taper.double("step_mg"),
            everyDays: everyDays)
    }
    let length = try parsePhaseLength(
        field: name, days: try whole(phase["days"], "days"), untilRemission: phase["until_remission"]?.bool, taper: steps)
    return PhaseInput(
        dose: try phase["dose"].map(doseBasis(of:)), maxMg: phase.optDouble("max_mg"), frequency: frequency, length: length)
}

/// The typed input for a case input (defaults as in conformance.md).
func taperCaseInput(of input: JSON) throws -> TaperCaseInput {
    let phases = try (input["phases"]?.array ?? []).enumerated().map { try phaseInput($0.offset, $0.element) }
    return TaperCaseInput(
        start: try input.text("start"),
        weightKg: try input.double("weight_kg"),
        heightCm: input.optDouble("height_cm"),
        tabletMg: input.optDouble("tablet_mg"),
        allowHalf: input["allow_half"]?.bool,
        template: try input["template"]?.string.map { try parseCourseTemplate(field: "template", text: $0) },
        phases: phases,
        remissionConfirmed: input["remission_confirmed"]?.string)
}

/// The calendar as the conformance output (the keys `nephro eval` prints).
func renderTaperCalendar(_ c: TaperCalendar) -> JSON {
    var byDate: [String: JSON] = [:]
    for day in c.days { byDate[day.date] = .number(day.mg) }
    return .object([
        "mg_by_date": .object(byDate),
        "total_mg": .number(c.totalMg),
        "dosing_days": .number(Double(c.dosingDays)),
        "first_dosing_day": c.firstDosingDay.map { .string($0) } ?? .null,
        "last_dosing_day": c.lastDosingDay.map { .string($0) } ?? .null,
    ])
}

func taperSuite() throws {
    runSuite("taper") { input in renderTaperCalendar(try buildTaperCalendar(input: try taperCaseInput(of: input))) }
}

/// A course as the care team enters it.
private func courseInput(
    template: CourseTemplate? = .kdigo2025Relapse, phases: [PhaseInput] = [], reason: String? = nil,
    drug: Drug = .prednisolone, times: [String] = ["08:00"]
) -> CoursePlanInput {
    CoursePlanInput(
        drug: drug, template: template, phases: phases, stamp: nil, start: "2025-01-15", tabletMg: nil, allowHalf: nil,
        times: times, remissionConfirmed: nil, changedBy: "Dr. Example", reason: reason)
}

/// A phase of `mg` every day for `days` days.
private func dailyMg(_ mg: Double, _ days: UInt32, maxMg: Double? = nil) -> PhaseInput {
    PhaseInput(dose: .mg(mg), maxMg: maxMg, frequency: .daily, length: .days(days))
}

/// 08:00 Berlin time (UTC+1 in January) on `slotDate`, 2025-01-15 or later.
private func givenAt(_ slotDate: String) -> Int64 {
    let day = Int64(slotDate.suffix(2))! - 15
    return firstMorningMs + day * 86_400_000 + 3_600_000
}

/// A steroid dose taken at 08:00 (clinical-rules §10: within its slot's take-window).
private func steroidDose(_ clientId: String, _ medicationId: String, _ slotDate: String) -> DoseLogInput {
    doseLog(clientId, medicationId, slotDate: slotDate, slotTime: "08:00", atMs: givenAt(slotDate))
}

private let withHeight = Measurement(measuredOn: "2025-01-10", weightKg: 20.0, heightCm: 115.0)

private func isConflict(_ error: Error) -> Bool {
    if case NephroError.Conflict = error { return true }
    return false
}

func diaryCoursesVersionsCalendarsDosesAndExposure() throws {
    try withTempDir { tmp in
        let path = tmp.appendingPathComponent("diary.sqlite").path
        let (patientId, key, medication) = try withDiary(path) { diary -> (Int64, String, String) in
            let patientId = try diary.createPatient(profile: profile()).id
            _ = try diary.addMeasurement(patientId: patientId, measurement: withHeight)
            let course = try diary.createCourse(patientId: patientId, course: courseInput())
            let key = course.courseKey
            checkEqual([key, "\(course.version)", course.medicationId], ["p\(patientId)_c1", "1", "course-p\(patientId)_c1"],
                       "key, version and medication id")
            checkEqual(course.plan.weightKg, 20.0, "built on the weight")
            checkEqual(course.plan.heightCm, 115.0, "built on the height")
            checkEqual(course.plan.phases.first?.length, .untilRemission, "daily until remission")

            // No remission yet: the daily dose is shown continuing 28 days past today.
            let calendar = try diary.courseCalendar(courseKey: key, version: nil, today: "2025-01-17").calendar
            checkEqual(calendar.provisional, true, "provisional until remission")
            checkEqual([calendar.days.first?.date, calendar.days.last?.date], ["2025-01-15", "2025-02-14"], "through today + 28")
            // BSA sqrt(115 x 20 / 3600) = 0.799 m2; 60 x 0.799 = 47.96 -> 47.5 mg = 9 whole + 1 half.
            if let first = calendar.days.first {
                checkEqual("\(first.mg) \(first.tablets.whole) \(first.tablets.halves)", "47.5 9 1", "47.5 mg = 9 1/2 tablets")
            }

            let lower = courseInput(template: nil, phases: [dailyMg(20.0, 3)], reason: "lower dose")
            let revised = try diary.reviseCourse(courseKey: key, basedOnVersion: 1, course: lower)
            checkEqual(revised.version, 2, "version 2")
            checkEqual(revised.reason, "lower dose", "its reason")
            checkThrows("a change based on an old version is a conflict", {
                try diary.reviseCourse(courseKey: key, basedOnVersion: 1, course: lower)
            }, where: isConflict)
            checkValidation("reason", "a new version needs a reason") {
                try diary.reviseCourse(courseKey: key, basedOnVersion: 2, course: courseInput())
            }
            checkEqual(try diary.course(courseKey: key, version: 1).template, .kdigo2025Relapse, "version 1 stays readable")
            checkEqual(try diary.courseCalendar(courseKey: key, version: 1, today: "2025-01-17").calendar.provisional, true,
                       "old calendar readable")
            checkEqual(try diary.courseVersions(courseKey: key).map { $0.version }, [1, 2], "both versions")

            let medication = revised.medicationId
            _ = try diary.logDose(dose: steroidDose("sw-s1", medication, "2025-01-16"), nowMs: givenAt("2025-01-16"), deviceTimeZone: nil)
            checkValidation("slot_date", "a steroid dose on a day the course does not dose") {
                try diary.logDose(dose: steroidDose("sw-s2", medication, "2025-01-18"), nowMs: givenAt("2025-01-18"), deviceTimeZone: nil)
            }

            let week = try diary.steroidWeek(patientId: patientId, today: "2025-01-16")
            checkEqual([week.firstDay, week.lastDay], ["2025-01-13", "2025-01-19"], "Monday to Sunday")
            checkEqual(week.doses.map { "\($0.date) \($0.mg) \($0.tablets.whole) \($0.outcome.map { "\($0)" } ?? "-")" },
                       ["2025-01-15 20.0 4 -", "2025-01-16 20.0 4 taken", "2025-01-17 20.0 4 -"],
                       "this week's doses with tablets and what was logged")

            let exposure = try diary.steroidExposure(
                patientId: patientId, courseKey: nil, from: "2025-01-01", to: "2025-01-31", today: "2025-01-17")
            checkEqual("\(exposure.planned.mg) \(exposure.taken.mg) \(exposure.takenDoses)", "60.0 20.0 1", "planned and taken")
            checkClose(exposure.taken.mgPerKg, 1.0, "taken mg per kg")
            checkClose(exposure.taken.mgPerM2, 20.0 / (115.0 * 20.0 / 3600.0).squareRoot(), "taken mg per m2")
            checkClose(exposure.planned.mgPerYear, 60.0 * 365.25 / 31, "planned mg per year")
            checkValidation("range", "a range ending before it starts") {
                try diary.steroidExposure(patientId: patientId, courseKey: nil, from: "2025-01-31", to: "2025-01-01", today: "2025-01-17")
            }
            return (patientId, key, medication)
        }  // the last reference goes: the diary is closed

        try withDiary(path) { diary in
            checkEqual(try diary.courses(patientId: patientId).map { "\($0.courseKey) v\($0.version)" }, ["\(key) v2"],
                       "the latest version after reopen")
            checkEqual(try diary.course(courseKey: key, version: 1).plan.phases.first?.length, .untilRemission,
                       "version 1 after reopen")
            checkEqual(try diary.doseLogs(patientId: patientId, from: "2025-01-16", to: "2025-01-16").map { $0.dose.medicationId },
                       [medication], "the steroid dose after reopen")
        }
    }
}

func theSameCourseClientIdTwiceCreatesOneCourse() throws {
    try withTempDir { tmp in
        let path = tmp.appendingPathComponent("diary.sqlite").path
        var tapped = courseInput()
        tapped.clientId = "sw-course-1"
        let (patientId, course) = try withDiary(path) { diary -> (Int64, SteroidCourse) in
            let patientId = try diary.createPatient(profile: profile()).id
            _ = try diary.addMeasurement(patientId: patientId, measurement: withHeight)
            let course = try diary.createCourse(patientId: patientId, course: tapped)
            // A double tap, or a retry after a lost response: the stored course, no second one.
            checkEqual(try diary.createCourse(patientId: patientId, course: tapped), course,
                       "the same course client id returns the stored course")
            checkEqual(try diary.courses(patientId: patientId).map { $0.courseKey }, [course.courseKey],
                       "the same course client id twice creates one course")
            var other = tapped
            other.start = "2025-01-16"
            checkThrows("the same course client id with another course is a conflict", {
                try diary.createCourse(patientId: patientId, course: other)
            }, where: isConflict)
            checkEqual(try diary.courses(patientId: patientId).count, 1, "a conflicting course is not stored")
            return (patientId, course)
        }
        try withDiary(path) { diary in
            checkEqual(try diary.createCourse(patientId: patientId, course: tapped), course,
                       "the retry after reopening returns the stored course")
            checkEqual(try diary.courses(patientId: patientId).count, 1, "still one course after reopening")
        }
    }
}

func taperRefusalsNameTheField() throws {
    func taperCase(weightKg: Double = 20.0, template: CourseTemplate? = nil, phases: [PhaseInput] = [dailyMg(20.0, 3)]) -> TaperCaseInput {
        TaperCaseInput(
            start: "2025-01-15", weightKg: weightKg, heightCm: 115.0, tabletMg: nil, allowHalf: nil, template: template,
            phases: phases, remissionConfirmed: nil)
    }
    checkValidation("weight_kg", "weight 0") { try buildTaperCalendar(input: taperCase(weightKg: 0.0)) }
    checkValidation("phases[0].max_mg", "a cap below zero") {
        try buildTaperCalendar(input: taperCase(phases: [dailyMg(20.0, 3, maxMg: -1.0)]))
    }
    checkValidation("template", "an unknown template") { try parseCourseTemplate(field: "template", text: "kdigo2012") }
    checkValidation("remission_confirmed", "until remission without a remission date") {
        try buildTaperCalendar(input: taperCase(template: .kdigo2025Relapse, phases: []))
    }
    checkValidation("phases[2]", "a phase with two lengths") {
        try parsePhaseLength(field: "phases[2]", days: 3, untilRemission: true, taper: nil)
    }
    checkValidation("phases[0].frequency", "an unknown frequency") { try parseFrequency(field: "phases[0].frequency", text: "weekly") }
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patientId = try diary.createPatient(profile: profile()).id
            checkValidation("weight_kg", "a course needs a weight on or before its start") {
                try diary.createCourse(patientId: patientId, course: courseInput())
            }
            _ = try diary.addMeasurement(patientId: patientId, measurement: withHeight)
            checkValidation("drug", "tacrolimus is not a steroid course") {
                try diary.createCourse(patientId: patientId, course: courseInput(drug: .tacrolimus))
            }
            checkValidation("times[0]", "a malformed time") {
                try diary.createCourse(patientId: patientId, course: courseInput(times: ["8:00"]))
            }
            checkEqual(try diary.courses(patientId: patientId).count, 0, "refused courses store nothing")
        }
    }
}

func aRelapsePromptsAndNeverStartsACourse() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patientId = try diary.createPatient(profile: profile()).id
            _ = try diary.addMeasurement(patientId: patientId, measurement: withHeight)
            for day in 0..<3 {
                _ = try diary.logUrineReading(reading: UrineReadingInput(
                    clientId: "sw-u\(day)", patientId: patientId, dipstick: .threePlus, upcr: nil, unit: nil,
                    takenAtMs: firstMorningMs + Int64(day) * dayMs, takenOn: nil, firstMorning: true, note: nil,
                    loggedBy: "mother"))
            }
            check(try diary.steroidRelapsePrompt(patientId: patientId, today: "2025-01-16", locale: nil) == nil,
                  "two nephrotic mornings: no prompt")
            guard let prompt = try diary.steroidRelapsePrompt(patientId: patientId, today: "2025-01-17", locale: nil) else {
                check(false, "three nephrotic mornings: a prompt")
                return
            }
            check(prompt.text.hasPrefix("Relapse suspected — contact your team; your action plan says: "), prompt.text)
            check(prompt.text.contains("47.5 mg (9½ tablets of 5 mg)"), prompt.text)
            let suggestion = prompt.suggestion
            checkEqual(suggestion.course.template, .kdigo2025Relapse, "kdigo2025_relapse pre-filled")
            checkEqual([suggestion.daily?.mg, suggestion.alternateDay?.mg], [47.5, 32.5], "the pre-filled doses")
            checkEqual(try diary.courses(patientId: patientId).count, 0, "the prompt never starts a course")
            let zh = try diary.steroidRelapsePrompt(patientId: patientId, today: "2025-01-17", locale: "zh-Hans")
            check(zh?.text.hasPrefix("疑似复发——请联系医疗团队") == true, zh?.text ?? "no prompt")
            var signed = suggestion.course
            signed.changedBy = "Dr. Example"
            _ = try diary.createCourse(patientId: patientId, course: signed)
            check(try diary.steroidRelapsePrompt(patientId: patientId, today: "2025-01-18", locale: nil) == nil,
                  "answered by a new course")
        }
    }
}

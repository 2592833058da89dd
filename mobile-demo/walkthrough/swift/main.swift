// One week of a fictional family's life through the Swift bindings, using the iOS app's own
// non-UI code (DiaryRepository, Screens, ReminderSync from mobile-demo/ios/Sources/NephroDiaryCore),
// and printing what the app would show. Every state is checked; any mismatch exits 1.
//
//   LD_LIBRARY_PATH=<dir of libnephro_ffi.so> ./walkthrough-swift <work dir>
//
// Built (with the generated nephro.swift, as one module) and run inside the Swift root by
// scripts/test-walkthroughs.sh. The Kotlin walkthrough (mobile-demo/walkthrough/kotlin) plays the
// same week and must print the same lines.

import Foundation

let zone = "Asia/Shanghai"
let days = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07", "2025-03-08", "2025-03-09"]

/// The simulated clock the repository reads.
final class SimClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64 = 0
    var nowMs: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return now
    }
    func set(_ date: String, _ time: String) {
        let ms = epochMs(date, time)
        lock.lock()
        now = ms
        lock.unlock()
    }
}

func epochMs(_ date: String, _ time: String) -> Int64 {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: zone)
    f.dateFormat = "yyyy-MM-dd'T'HH:mm"
    guard let d = f.date(from: "\(date)T\(time)") else { fatalError("bad date \(date) \(time)") }
    return Int64((d.timeIntervalSince1970 * 1000).rounded())
}

var checkCount = 0
var failures: [String] = []

func check(_ ok: Bool, _ what: String, _ detail: @autoclosure () -> String = "") {
    checkCount += 1
    if !ok {
        let d = detail()
        let line = "FAILED \(what)" + (d.isEmpty ? "" : ": \(d)")
        failures.append(line)
        print(line)
    }
}

func checkEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String) {
    check(actual == expected, what, "got \(actual), expected \(expected)")
}

/// The phone's pending notifications: applies what the core hands over, as
/// UserNotificationScheduler does.
final class RecordingScheduler: NotificationScheduler, @unchecked Sendable {
    var pending: [String: ReminderNotification] = [:]
    var lastHanded: [ReminderNotification] = []
    var lastChanges = PendingChanges(cancel: [], schedule: [], unchanged: 0)

    func replacePending(reminders: [ReminderNotification]) throws {
        let changes = ReminderSync.plan(pending: pending.mapValues(ReminderSync.fingerprint), wanted: reminders)
        for id in changes.cancel { pending[id] = nil }
        for r in changes.schedule { pending[r.id] = r }
        lastHanded = reminders
        lastChanges = changes
    }

    func ids() -> [String] { lastHanded.map(\.id) }
}

func say(_ time: String, _ text: String) { print("  \(time) \(text)") }

func outcomeWord(_ outcome: DoseOutcome) -> String { outcome == .taken ? "taken" : "skipped" }

func rowLine(_ r: DoseRow) -> String {
    let state = r.outcome.map { "\(outcomeWord($0)) \(r.loggedAt ?? "")" } ?? r.statusLabel
    return "\(r.slotTime) \(r.label) · \(state)" + (r.guidanceText.map { " — \($0)" } ?? "")
}

func showToday(_ time: String, _ s: TodayScreen) {
    say(time, "Today \(s.today) (\(s.timeZone))")
    print("        [\(s.banner.title)] \(s.banner.text)")
    if let onset = s.banner.relapseOnset { print("        relapse since \(onset), confirmed \(s.banner.relapseConfirmed ?? "")") }
    if s.dipstickDue { print("        morning dipstick: not logged yet") }
    for row in s.doses { print("        \(rowLine(row))") }
    if let next = s.nextDose { print("        next: \(next)") }
    if let prompt = s.steroidPrompt { print("        ! \(prompt)") }
    for alert in s.alerts { print("        alert \(alert.date): \(alert.text)") }
}

/// The pending set right after a refresh: 64, unique, in firing order, all ahead of now.
func checkWindow(_ scheduler: RecordingScheduler, _ clock: SimClock, _ what: String) {
    let handed = scheduler.lastHanded
    checkEqual(handed.count, ReminderSync.window, "\(what): 64 reminders handed")
    checkEqual(scheduler.pending.count, ReminderSync.window, "\(what): 64 pending after applying the changes")
    checkEqual(Set(handed.map(\.id)).count, handed.count, "\(what): reminder ids are unique")
    check(zip(handed, handed.dropFirst()).allSatisfy { $0.fireAtMs <= $1.fireAtMs }, "\(what): reminders in firing order")
    check(handed.allSatisfy { $0.fireAtMs >= clock.nowMs }, "\(what): every reminder is ahead of now")
}

func notificationLine(_ scheduler: RecordingScheduler) -> String {
    let c = scheduler.lastChanges
    return "notifications: \(scheduler.pending.count) pending (-\(c.cancel.count) +\(c.schedule.count)), next \(scheduler.lastHanded.first?.id ?? "null")"
}

struct MissingRow: Error { let what: String }

func row(_ screen: TodayScreen, _ time: String, steroid: Bool = false) throws -> DoseRow {
    guard let r = screen.doses.first(where: { $0.slotTime == time && $0.isSteroid == steroid }) else {
        throw MissingRow(what: "no \(steroid ? "steroid" : "regimen") dose at \(time) on \(screen.today)")
    }
    return r
}

func week(dbPath: String, workDir: String, scheduler: RecordingScheduler) async throws {
    let clock = SimClock()
    let repo = try await DiaryRepository.open(
        path: dbPath, scheduler: scheduler, clock: { clock.nowMs }, deviceTimeZone: { zone }, locale: "en",
        loggedBy: "mother")
    var s: TodayScreen
    let (d1, d2, d3, d4, d5, d6, d7) = (days[0], days[1], days[2], days[3], days[4], days[5], days[6])

    // Day 1: enrolment, the first dipstick and the first two doses.
    print("Day 1 · \(d1)")
    clock.set(d1, "06:30")
    let patient = try await repo.enrol(
        profile: PatientProfile(
            displayName: "Mei (fictional)", birthDate: "2018-05-12", sex: .female, timeZone: zone, definitionSet: "ipna2022"),
        measurement: DiaryMeasurement(measuredOn: d1, weightKg: 20.0, heightCm: 115.0),
        regimens: [
            RegimenInput(
                drug: .tacrolimus, form: "capsule", strengthsMg: [0.5, 1.0], allowSplit: false,
                rate: .mgPerKgPerDay(rate: 0.1), times: ["08:00", "20:00"], startDate: d1, endDate: nil,
                prescribedBy: "Dr. Example", prescribedOn: "2025-03-01", overrideRange: false)
        ])
    let pid = patient.id
    s = try await repo.today(pid)
    let tac = s.doses.first?.medicationId ?? "?"
    say("06:30", "enrolled \(patient.profile.displayName): 20 kg, 115 cm; tacrolimus 0.1 mg/kg/day at 08:00 and 20:00")
    checkEqual(s.doses.map(\.label), ["Tacrolimus 1 mg", "Tacrolimus 1 mg"], "day 1: two tacrolimus doses of 1 mg")
    checkWindow(scheduler, clock, "day 1 enrolment")
    say("06:30", notificationLine(scheduler))
    checkEqual(scheduler.ids().first, "\(tac)@\(d1)T08:00", "day 1: first reminder is this morning's dose")
    checkEqual(scheduler.ids().last, "\(tac)@2025-04-03T20:00", "day 1: 64 reminders reach 32 days ahead")
    let firstIds = scheduler.ids()
    try await repo.refreshNotifications(pid)
    checkEqual(scheduler.ids(), firstIds, "day 1: a second refresh hands the same ids")
    checkEqual(scheduler.lastChanges.cancel.count + scheduler.lastChanges.schedule.count, 0, "day 1: a second refresh changes nothing")
    say("06:30", "refreshed again (as on the next launch): " + notificationLine(scheduler))
    checkEqual(s.banner.state, .remission, "day 1: no readings yet, remission")
    check(s.dipstickDue, "day 1: the morning dipstick card asks for today's reading")

    func dipstick(_ date: String, _ grade: DipstickGrade, _ label: String, photo: PhotoSuggestion? = nil) async throws -> TodayScreen {
        clock.set(date, "06:50")
        let screen = try await repo.logDipstick(pid, grade: grade, photo: photo)
        say("06:50", "dipstick \(label) → [\(screen.banner.title)] \(screen.banner.text)")
        check(!screen.dipstickDue, "\(date): the dipstick card is done after logging")
        return screen
    }

    @discardableResult
    func take(_ date: String, _ time: String, _ slot: String, steroid: Bool = false, outcome: DoseOutcome = .taken)
        async throws -> TodayScreen
    {
        clock.set(date, time)
        let before = try await repo.today(pid)
        let target = try row(before, slot, steroid: steroid)
        check(target.canLog, "\(date) \(slot): the row shows its buttons before logging")
        let after = try await repo.logDose(pid, row: target, outcome: outcome)
        let logged = try row(after, slot, steroid: steroid)
        checkEqual(logged.outcome, outcome, "\(date) \(slot): the row shows the logged outcome")
        checkEqual(logged.loggedAt, time, "\(date) \(slot): logged at the local time of the tap")
        check(!scheduler.ids().contains(target.reminderId), "\(date) \(slot): its reminder is not pending after the log")
        checkWindow(scheduler, clock, "\(date) \(time)")
        say(time, "\(outcomeWord(outcome)): \(target.slotTime) \(target.label) (was \(target.statusLabel))")
        return after
    }

    s = try await dipstick(d1, .negative, "negative")
    checkEqual(s.banner.state, .remission, "day 1: remission")
    checkEqual(s.banner.prompt, .allClear, "day 1: all clear")
    s = try await take(d1, "08:04", "08:00")
    checkEqual(try row(s, "08:00").status, .due, "day 1: at 08:04 the 08:00 dose is due")
    // The evening dose is given before its reminder fires: the reminder must go from the phone.
    clock.set(d1, "19:50")
    check(scheduler.ids().contains("\(tac)@\(d1)T20:00"), "day 1: the 20:00 reminder is pending before the evening dose")
    checkEqual(try row(try await repo.today(pid), "20:00").status, .upcoming, "day 1: at 19:50 the 20:00 dose is upcoming")
    s = try await take(d1, "19:50", "20:00")
    checkEqual(scheduler.lastChanges.cancel, ["\(tac)@\(d1)T20:00"], "day 1: the refresh cancels exactly the 20:00 reminder")
    checkEqual(scheduler.lastChanges.schedule.map(\.id), ["\(tac)@2025-04-04T20:00"], "day 1: and adds one at the end of the window")
    checkEqual(scheduler.ids().first, "\(tac)@\(d2)T08:00", "day 1: the next reminder is tomorrow morning")
    say("19:50", notificationLine(scheduler))
    clock.set(d1, "21:00")
    s = try await repo.today(pid)
    showToday("21:00", s)
    checkEqual(s.nextDose, "\(d2) 08:00 Tacrolimus 1 mg", "day 1: next dose tomorrow 08:00")

    // Day 2: a trace reading, doses on time.
    print("Day 2 · \(d2)")
    s = try await dipstick(d2, .trace, "trace")
    checkEqual(s.banner.state, .remission, "day 2: trace is remission level")
    try await take(d2, "08:02", "08:00")
    s = try await take(d2, "20:05", "20:00")
    checkEqual(try row(s, "20:00").status, .due, "day 2: at 20:05 the 20:00 dose is due")
    clock.set(d2, "21:00")
    showToday("21:00", try await repo.today(pid))

    // Day 3: the first nephrotic morning, read from a photo in a dim bathroom (a synthetic photo
    // with sensor noise, a glare spot and a slightly tilted strip): the core suggests, the parent
    // confirms, and only the confirmed grade is logged.
    print("Day 3 · \(d3)")
    let shot = try syntheticStripPhoto(
        grade: .threePlus, shade: 0.15, light: .dim, noiseSigma: 4.0, glare: true, tiltDegrees: 1.5, seed: 3)
    clock.set(d3, "06:49")
    var camera = try await repo.suggestFromPhoto(
        shot.photo, layout: shot.layout, secondsSinceDip: 12.0, readWindowFromS: shot.readWindowFromS,
        readWindowToS: shot.readWindowToS)
    say("06:49", "photo 12 s after dipping → \(camera.title): \(camera.text)")
    check(camera.retake && camera.suggested == nil, "day 3: a photo before the read window is taken again")
    clock.set(d3, "06:50")
    camera = try await repo.suggestFromPhoto(
        shot.photo, layout: shot.layout, secondsSinceDip: shot.secondsSinceDip, readWindowFromS: shot.readWindowFromS,
        readWindowToS: shot.readWindowToS)
    say("06:50", "photo \(Words.number(shot.secondsSinceDip)) s after dipping → \(camera.title): \(camera.text)")
    checkEqual(camera.suggested, .threePlus, "day 3: the photo in dim light suggests 3+")
    checkEqual(camera.nearest.first, .threePlus, "day 3: 3+ is the nearest swatch")
    checkEqual(try await repo.today(pid).dipstickDue, true, "day 3: a suggestion alone logs nothing")
    check(camera.photo != nil, "day 3: the camera screen holds the suggestion to store")
    s = try await dipstick(d3, camera.suggested ?? .negative, "3+ (the photo's suggestion, confirmed)", photo: camera.photo)
    checkEqual(s.banner.state, .watch, "day 3: one nephrotic morning is watch")
    checkEqual(s.banner.prompt, .testAgainTomorrow, "day 3: test again tomorrow")
    checkEqual(s.banner.tone, .watch, "day 3: the banner is amber")
    checkEqual(s.steroidPrompt, nil, "day 3: no steroid prompt yet")
    try await take(d3, "08:01", "08:00")
    try await take(d3, "20:03", "20:00")
    clock.set(d3, "21:00")
    showToday("21:00", try await repo.today(pid))

    // Day 4: the reminder to test, a second nephrotic morning, a missed morning dose.
    print("Day 4 · \(d4)")
    clock.set(d4, "06:30")
    s = try await repo.today(pid)
    checkEqual(s.banner.prompt, .morningTestMissing, "day 4: in watch, the app asks for this morning's test")
    check(s.dipstickDue, "day 4: the dipstick card is open")
    say("06:30", "[\(s.banner.title)] \(s.banner.text)")
    s = try await dipstick(d4, .threePlus, "3+")
    checkEqual(s.banner.state, .watch, "day 4: two nephrotic mornings are still watch")
    checkEqual(s.banner.prompt, .testAgainTomorrow, "day 4: test again tomorrow")
    clock.set(d4, "11:00")
    s = try await repo.today(pid)
    let late = try row(s, "08:00")
    checkEqual(late.status, .late, "day 4: at 11:00 the 08:00 dose is late")
    checkEqual(late.guidance, .takeNowLate, "day 4: late means take it now")
    say("11:00", rowLine(late))
    clock.set(d4, "15:00")
    s = try await repo.today(pid)
    let missed = try row(s, "08:00")
    checkEqual(missed.status, .missed, "day 4: at 15:00 the 08:00 dose is missed")
    checkEqual(missed.guidance, .skipNeverDouble, "day 4: missed means skip it, never double")
    check(missed.canLog, "day 4: the missed dose still shows its skip button")
    say("15:00", rowLine(missed))
    s = try await take(d4, "15:00", "08:00", outcome: .skipped)
    checkEqual(try row(s, "08:00").guidance, nil, "day 4: a logged skip has no guidance left")
    try await take(d4, "20:10", "20:00")
    clock.set(d4, "21:00")
    showToday("21:00", try await repo.today(pid))

    // Day 5: the third nephrotic morning confirms the relapse; the care team starts a course.
    print("Day 5 · \(d5)")
    s = try await dipstick(d5, .threePlus, "3+")
    checkEqual(s.banner.state, .relapse, "day 5: three nephrotic mornings are a relapse")
    checkEqual(s.banner.prompt, .relapseContactTeam, "day 5: contact the care team today")
    checkEqual(s.banner.tone, .alert, "day 5: the banner is red")
    checkEqual([s.banner.relapseOnset, s.banner.relapseConfirmed], [d3, d5], "day 5: onset day 3, confirmed day 5")
    check(s.steroidPrompt?.hasPrefix("Relapse suspected") == true,
          "day 5: the steroid prompt tells the family to contact the team", "got \(s.steroidPrompt ?? "nil")")
    say("06:50", "! \(s.steroidPrompt ?? "")")
    try await take(d5, "08:03", "08:00")
    clock.set(d5, "10:00")
    // A six-year-old who takes the steroid as a 5 mg/mL oral solution from a syringe.
    let started = try await repo.startSuggestedCourse(
        pid, signedBy: "Dr. Example (care team)", liquid: LiquidInput(concentrationMgPerMl: 5.0))
    check(started != nil, "day 5: the suggested course can be started")
    guard let course = started else { return }
    checkEqual(course.template, .kdigo2025Relapse, "day 5: the course is kdigo2025_relapse")
    checkEqual(course.plan.start, d5, "day 5: the course starts today")
    checkEqual(course.plan.liquid?.concentrationMgPerMl, 5.0, "day 5: the course is given as a 5 mg/mL solution")
    say("10:00", "care team starts kdigo2025_relapse (prednisolone 5 mg/mL oral solution from \(d5), signed \(course.changedBy))")
    checkWindow(scheduler, clock, "day 5 course")
    check(scheduler.ids().contains("\(course.medicationId)@\(d6)T08:00"), "day 5: tomorrow's steroid reminder is pending")
    say("10:00", notificationLine(scheduler))
    clock.set(d5, "10:05")
    s = try await repo.today(pid)
    checkEqual(s.steroidPrompt, nil, "day 5: the prompt goes once a course is started")
    checkEqual(s.banner.prompt, .relapseContactTeam, "day 5: the banner stays on the relapse")
    checkEqual(s.doses.count, 3, "day 5: tacrolimus twice and the steroid once")
    let steroid = try row(s, "08:00", steroid: true)
    // 60 mg/m² on sqrt(115 × 20 / 3600) = 0.799 m² is 47.96 mg = 9.59 mL of 5 mg/mL, measured to
    // the syringe's 0.1 mL marks: 9.6 mL = 48 mg.
    checkEqual(steroid.label, "Prednisolone 9.6 mL (48 mg)", "day 5: the steroid dose appears in today's doses in mL")
    checkEqual(steroid.status, .late, "day 5: at 10:05 today's 08:00 steroid dose is late")
    checkEqual(steroid.guidance, .takeNowLate, "day 5: take it now")
    try await take(d5, "10:10", "08:00", steroid: true)
    try await take(d5, "20:00", "20:00")
    clock.set(d5, "21:00")
    showToday("21:00", try await repo.today(pid))

    // Day 6: relapse ongoing; a tacrolimus trough before the morning dose.
    print("Day 6 · \(d6)")
    s = try await dipstick(d6, .threePlus, "3+")
    checkEqual(s.banner.state, .relapse, "day 6: still relapse")
    checkEqual(s.banner.prompt, .relapseOngoing, "day 6: keep following the plan")
    try await take(d6, "08:05", "08:00")
    try await take(d6, "08:05", "08:00", steroid: true)
    // The clinic's result arrives at noon: drawn at 07:40, before the 08:05 dose, so a trough.
    clock.set(d6, "12:00")
    let labs = try await repo.logLab(
        pid, kind: .tacrolimusTrough, value: 6.2, unit: .nanogramsPerMillilitre, drawnAtMs: epochMs(d6, "07:40"))
    checkEqual(labs.rows.count, 1, "day 6: one lab result")
    checkEqual(try await repo.labs(pid), labs, "day 6: the labs screen reads back what was entered")
    if let trough = labs.rows.first {
        checkEqual(trough.flag, .inRange, "day 6: 6.2 ng/mL is in the 5–10 target")
        checkEqual(trough.trough, .valid, "day 6: drawn before the morning dose, a valid trough")
        say("12:00", "labs: \(trough.date) tacrolimus trough \(Words.number(trough.value)) ng/mL · \(trough.flagText ?? "")")
    }
    // The care team adds an ACE inhibitor for the proteinuria: enalapril 2.5 mg every morning
    // at 09:00 from tomorrow.
    clock.set(d6, "12:30")
    let enalapril = try await repo.addMedicine(
        NewMedicineInput(
            patientId: pid, clientId: "walkthrough-enalapril", name: .known(id: "enalapril"), form: "tablet",
            amount: .tablets(strengthMg: 2.5, units: 1.0),
            schedule: MedicineScheduleInput(times: ["09:00"], days: .everyDay, startDate: d7),
            addedBy: "Dr. Example (care team)"))
    checkEqual(enalapril.doseText, "2.5 mg", "day 6: enalapril 2.5 mg a dose")
    check(!enalapril.isSteroid, "day 6: enalapril is not a steroid")
    checkWindow(scheduler, clock, "day 6 enalapril")
    check(scheduler.ids().contains("\(enalapril.medicationId)@\(d7)T09:00"), "day 6: tomorrow's enalapril reminder is pending")
    say("12:30", "care team adds enalapril \(enalapril.doseText) once a day at 09:00 from \(d7)")
    try await take(d6, "20:00", "20:00")
    clock.set(d6, "21:00")
    showToday("21:00", try await repo.today(pid))

    // Day 7: protein falling but not yet remission; the calendar and the report.
    print("Day 7 · \(d7)")
    s = try await dipstick(d7, .onePlus, "1+")
    checkEqual(s.banner.state, .relapse, "day 7: 1+ does not end a relapse")
    checkEqual(s.banner.prompt, .relapseOngoing, "day 7: relapse ongoing")
    try await take(d7, "08:02", "08:00")
    try await take(d7, "08:02", "08:00", steroid: true)
    s = try await take(d7, "09:03", "09:00")
    checkEqual(try row(s, "09:00").label, "Enalapril 2.5 mg", "day 7: the enalapril dose is in today's doses")
    try await take(d7, "19:58", "20:00")
    clock.set(d7, "21:00")
    s = try await repo.today(pid)
    showToday("21:00", s)
    checkEqual(s.doses.map(\.outcome), [DoseOutcome?](repeating: .taken, count: 4), "day 7: every dose taken")
    checkEqual(s.nextDose?.hasPrefix("2025-03-10 08:00"), true, "day 7: next dose tomorrow 08:00")

    let calendar = try await repo.steroidCalendar(pid)
    say("21:00", "Steroid calendar \(calendar.firstDay) – \(calendar.lastDay)")
    for day in calendar.days {
        print("        \(day.date) \(day.time) \(Words.number(day.mg)) mg (\(day.tablets))"
            + (day.outcome.map { " · \(outcomeWord($0))" } ?? "") + (day.provisional ? " · until remission" : ""))
    }
    checkEqual([calendar.firstDay, calendar.lastDay], [d1, d7], "day 7: the calendar shows Monday to Sunday")
    checkEqual(calendar.days.map(\.date), [d5, d6, d7], "day 7: steroid doses from the course start")
    check(calendar.days.allSatisfy { $0.mg == 48 && $0.tablets == "9.6 mL" },
          "day 7: 48 mg = 9.6 mL each day", "\(calendar.days)")
    check(calendar.days.allSatisfy { $0.provisional && $0.outcome == .taken }, "day 7: provisional until remission, all taken")

    let htmlPath = try await repo.shareReport(pid, format: .html, directory: workDir)
    let html = (try? String(contentsOfFile: htmlPath, encoding: .utf8)) ?? ""
    check(!html.isEmpty, "day 7: the HTML report is written")
    check(html.contains("data-testid=\"relapse-row\"") && html.contains(d3), "day 7: the report lists the relapse (onset \(d3))")
    check(html.contains("Photo-assisted dipstick readings: 1,"), "day 7: the report counts the photo-assisted reading of \(d3)")
    let fhirPath = try await repo.shareReport(pid, format: .fhir, directory: workDir)
    let fhir = (try? String(contentsOfFile: fhirPath, encoding: .utf8)) ?? ""
    check(fhir.contains("\"Bundle\""), "day 7: the FHIR bundle is written")
    check(fhir.contains("photo-assisted, confirmed by the caregiver"), "day 7: the FHIR bundle says how \(d3) was read")
    let htmlName = (htmlPath as NSString).lastPathComponent
    let fhirName = (fhirPath as NSString).lastPathComponent
    say("21:00", "share report: \(htmlName) (\(html.isEmpty ? "empty" : "written"), lists the relapse of \(d3)), \(fhirName)")

    // The app is killed and opened again: the same screen comes back from the file.
    let reopened = try await DiaryRepository.open(
        path: dbPath, scheduler: scheduler, clock: { clock.nowMs }, deviceTimeZone: { zone }, locale: "en")
    checkEqual(try await reopened.today(pid), s, "after reopening the diary, Today is unchanged")
    checkEqual(try await reopened.refreshNotifications(pid), 64, "after reopening, the refresh hands 64 reminders")
    checkEqual(scheduler.lastChanges.cancel.count + scheduler.lastChanges.schedule.count, 0, "after reopening, nothing to reschedule")
}

/// The Keychain stand-in of one phone: secrets in memory.
final class MemorySecrets: SecretStorage, @unchecked Sendable {
    private var secrets: [String: Data] = [:]
    func load(name: String) throws -> Data? { secrets[name] }
    func save(name: String, secret: Data) throws { secrets[name] = secret }
}

/// The family's cloud drive stand-in: names to sealed bytes, each written once.
final class MemoryTransport: ShareTransport, @unchecked Sendable {
    private(set) var files: [String: Data] = [:]
    func put(name: String, bytes: Data) throws {
        if let held = files[name], held != bytes { throw ShareCallbackError.Failed(reason: "a name is written once") }
        files[name] = bytes
    }
    func get(name: String) throws -> Data? { files[name] }
    func list(prefix: String) throws -> [String] {
        let start = prefix + "/"
        let children = files.keys.filter { $0.hasPrefix(start) }.map { String($0.dropFirst(start.count).split(separator: "/")[0]) }
        return Array(Set(children)).sorted()
    }
}

/// Shared care (clinical-rules §11): the mother's phone holds a copy of the week's diary, the
/// father's new phone joins it; his evening dose reaches her phone after a sync, and a morning dose
/// both give while apart shows the double-dose alert on both phones.
func sharedCare(dbPath: String, workDir: String) throws {
    print("Shared care · 2025-03-10 and 2025-03-11 · two caregivers' phones")
    let mumPath = (workDir as NSString).appendingPathComponent("mother.sqlite")
    let dadPath = (workDir as NSString).appendingPathComponent("father.sqlite")
    for path in [mumPath, dadPath] { try? FileManager.default.removeItem(atPath: path) }
    _ = try Diary.open(path: dbPath).backupTo(target: mumPath)
    let mum = try Diary.open(path: mumPath)
    let dad = try Diary.open(path: dadPath)
    let transport = MemoryTransport()
    let mumSecrets = MemorySecrets()
    let dadSecrets = MemorySecrets()
    let recovery = try mum.startSharing(caregiver: "mother", transport: transport, secrets: mumSecrets)
    check(recovery.hasPrefix("NEPHRO-RECOVER:"), "sharing: the mother's phone gets a recovery code to print")
    let invitation = try mum.invite(transport: transport, secrets: mumSecrets)
    let joined = try dad.joinFamily(invitation: invitation, caregiver: "father", transport: transport, secrets: dadSecrets)
    checkEqual(joined.refusedBatches, [], "sharing: nothing refused on joining")
    say("19:00", "the mother's phone starts the family; the father's phone joins with her invitation and receives \(joined.newChanges) changes")
    guard let mumPid = try mum.patients().first?.id, let dadPatient = try dad.patients().first,
        let mumMed = try mum.regimens(patientId: mumPid).first(where: { $0.prescription.drug == .tacrolimus })?.medicationId,
        let dadMed = try dad.regimens(patientId: dadPatient.id).first(where: { $0.prescription.drug == .tacrolimus })?.medicationId
    else {
        throw MissingRow(what: "the shared diary has no child or no tacrolimus")
    }
    let dadPid = dadPatient.id
    checkEqual(dadPatient.profile.displayName, "Mei (fictional)", "sharing: the father's phone holds the child")

    let (evening, morning) = ("2025-03-10", "2025-03-11")
    let givenAt = epochMs(evening, "20:04")
    _ = try dad.logDose(
        dose: DoseLogInput(
            clientId: "father-\(evening)-20", medicationId: dadMed, slotDate: evening, slotTime: "20:00", outcome: .taken,
            actualAtMs: givenAt, loggedBy: "father"),
        nowMs: givenAt, deviceTimeZone: nil)
    say("20:04", "father gives the 20:00 dose of \(evening) on his phone")
    _ = try dad.syncFamily(transport: transport, secrets: dadSecrets)
    _ = try mum.syncFamily(transport: transport, secrets: mumSecrets)
    guard let slot = try mum.homeScreen(patientId: mumPid, nowMs: epochMs(evening, "20:30"), deviceTimeZone: nil, locale: "en")
        .doses.first(where: { $0.medicationId == mumMed && $0.slotTime == "20:00" })
    else {
        throw MissingRow(what: "no 20:00 tacrolimus on the mother's phone")
    }
    say("20:30", "after a sync, the mother's phone: \(slot.slotTime) \(slot.label) · \(slot.loggedText ?? "null")")
    checkEqual(slot.loggedText, "Given by father at 8:04 pm", "sharing: the father's dose shows on the mother's phone")

    // Both give the 08:00 dose the next morning, neither phone online.
    func give(_ who: String, _ diary: Diary, _ medication: String, _ time: String) throws {
        let at = epochMs(morning, time)
        _ = try diary.logDose(
            dose: DoseLogInput(
                clientId: "\(who)-\(morning)-08", medicationId: medication, slotDate: morning, slotTime: "08:00",
                outcome: .taken, actualAtMs: at, loggedBy: who),
            nowMs: at, deviceTimeZone: nil)
        say(time, "\(who) gives the 08:00 dose of \(morning)")
    }
    try give("mother", mum, mumMed, "08:01")
    try give("father", dad, dadMed, "08:06")
    _ = try dad.syncFamily(transport: transport, secrets: dadSecrets)
    _ = try mum.syncFamily(transport: transport, secrets: mumSecrets)
    _ = try dad.syncFamily(transport: transport, secrets: dadSecrets)
    for (who, diary, pid) in [("mother", mum, mumPid), ("father", dad, dadPid)] {
        let alerts = try diary.homeScreen(patientId: pid, nowMs: epochMs(morning, "08:30"), deviceTimeZone: nil, locale: "en")
            .alerts.filter { $0.kind == .possibleDoubleDose }
        for alert in alerts { say("08:30", "after a sync, the \(who)'s phone: alert \(alert.date): \(alert.text)") }
        checkEqual(alerts.count, 1, "sharing: the \(who)'s phone shows the double-dose alert")
    }
    let clear = Data("Mei (fictional)".utf8)
    let leaked = transport.files.values.filter { $0.range(of: clear) != nil }.count
    checkEqual(leaked, 0, "sharing: no file on the transport holds the child's name")
    say("08:30", "the transport holds \(leaked == 0 ? "only ciphertext: no file has the child's name" : "CLEAR TEXT")")
}

guard CommandLine.arguments.count > 1 else {
    print("usage: walkthrough-swift <work dir>")
    exit(2)
}
let workDir = CommandLine.arguments[1]
try? FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
let dbPath = (workDir as NSString).appendingPathComponent("diary.sqlite")
try? FileManager.default.removeItem(atPath: dbPath)
print("NephroDiary walkthrough: one week of a fictional family in \(zone)")
do {
    try await week(dbPath: dbPath, workDir: workDir, scheduler: RecordingScheduler())
    try sharedCare(dbPath: dbPath, workDir: workDir)
} catch {
    failures.append("threw \(error)")
    print("FAILED threw \(error)")
}
if !failures.isEmpty {
    print("walkthrough: \(failures.count) of \(checkCount) checks FAILED")
    exit(1)
}
print("walkthrough: \(checkCount) checks passed")

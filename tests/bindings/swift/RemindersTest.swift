// Reminders from Swift: every case of the `schedule` suite through the typed
// `nextRemindersFor`, a real `NotificationScheduler` (as the iOS shell implements it over
// UNUserNotificationCenter), today's doses, status, snooze, policy and adherence on the Diary.

import Foundation

let remindersTests: [NamedTest] = [
    ("scheduleSuite", scheduleSuite),
    ("schedulerGets64StableRemindersAndALoggedDoseDropsOut", schedulerGets64StableRemindersAndALoggedDoseDropsOut),
    ("todayStatusSnoozePolicyAndAdherenceSurviveReopen", todayStatusSnoozePolicyAndAdherenceSurviveReopen),
]

// 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
private let beforeFirstDoseMs: Int64 = 1_736_920_800_000
private let hourMs: Int64 = 3_600_000

/// The typed input of a `schedule` case (days default to daily, count to 64).
func scheduleCaseInput(of input: JSON) throws -> ScheduleCaseInput {
    let medications = try (input["medications"]?.array ?? []).map { m -> ScheduleMedication in
        let days: ScheduleDays
        if let anchor = m["days"]?["alternate_from"]?.string {
            days = .alternateFrom(anchor: anchor)
        } else if let dates = m["days"]?["dates"]?.array {
            days = .dates(dates: dates.compactMap { $0.string })
        } else {
            days = .daily
        }
        return ScheduleMedication(
            id: try m.text("id"), times: (m["times"]?.array ?? []).compactMap { $0.string }, days: days,
            start: m["start"]?.string, end: m["end"]?.string)
    }
    return ScheduleCaseInput(
        timezone: try input.text("timezone"), from: try input.text("from"),
        count: input["count"]?.double.map { UInt32($0) }, medications: medications)
}

func scheduleSuite() throws {
    runSuite("schedule") { input in
        let reminders = try nextRemindersFor(input: try scheduleCaseInput(of: input))
        return .object([
            "reminders": .array(reminders.map {
                .object(["medication": .string($0.medicationId), "local": .string($0.local), "utc": .string($0.utc)])
            }),
        ])
    }
}

/// Keeps what it is given, like UNUserNotificationCenter's pending requests.
private final class CollectingScheduler: NotificationScheduler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [ReminderNotification] = []
    private var count = 0

    func replacePending(reminders: [ReminderNotification]) throws {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        stored = reminders
    }

    var pending: [ReminderNotification] { lock.lock(); defer { lock.unlock() }; return stored }
    var calls: Int { lock.lock(); defer { lock.unlock() }; return count }
    var ids: [String] { pending.map { $0.id } }
}

/// Notifications are not permitted.
private final class RefusingScheduler: NotificationScheduler, @unchecked Sendable {
    func replacePending(reminders: [ReminderNotification]) throws {
        throw NephroError.Storage(detail: "notifications are not permitted")
    }
}

private func isStorage(_ error: Error) -> Bool {
    if case NephroError.Storage = error { return true }
    return false
}

func schedulerGets64StableRemindersAndALoggedDoseDropsOut() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let (patient, regimen) = try seeded(diary)
            let med = regimen.medicationId
            let scheduler = CollectingScheduler()
            let handed = try diary.refreshNotifications(
                patientId: patient.id, nowMs: beforeFirstDoseMs, deviceTimeZone: nil, locale: "en", scheduler: scheduler)
            checkEqual(handed, 64, "64 reminders handed")
            let first = scheduler.ids
            checkEqual(first.count, 64, "the scheduler holds 64")
            checkEqual(first.first, "\(med)@2025-01-15T08:00", "first reminder id")
            if let r = scheduler.pending.first {
                checkEqual(r.fireAtMs, beforeFirstDoseMs + hourMs, "fires at 08:00 Berlin")
                checkEqual(r.fireAtLocal, "2025-01-15T08:00:00+01:00", "local fire time")
                checkEqual(r.title, "Tacrolimus 1 mg — 8:00 am dose", "title: drug, dose and time")
                checkClose(r.doseMg, 1.0, "dose in mg")
                checkEqual([r.slotDate, r.slotTime], ["2025-01-15", "08:00"], "slot")
                checkEqual(r.snoozed, false, "not snoozed")
            }
            let times = scheduler.pending.map { $0.fireAtMs }
            check(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "ordered by time")

            _ = try diary.refreshNotifications(
                patientId: patient.id, nowMs: beforeFirstDoseMs, deviceTimeZone: nil, locale: "en", scheduler: scheduler)
            checkEqual(scheduler.ids, first, "the same ids on a second refresh")

            _ = try diary.logDose(
                dose: doseLog("sw-r1", med, slotDate: "2025-01-15", slotTime: "08:00"), nowMs: morningMs, deviceTimeZone: nil)
            _ = try diary.refreshNotifications(
                patientId: patient.id, nowMs: beforeFirstDoseMs, deviceTimeZone: nil, locale: "zh-Hans", scheduler: scheduler)
            let after = scheduler.ids
            check(!after.contains(first[0]), "the logged dose's reminder is gone")
            checkEqual(Array(after.prefix(63)), Array(first.dropFirst()), "the others keep their ids")
            checkEqual(after.count, 64, "still 64")
            checkEqual(scheduler.pending.first?.title, "他克莫司 1 mg — 20:00 服药", "Chinese title")
            checkEqual(scheduler.calls, 3, "three refreshes")

            checkThrows("a scheduler's refusal reaches the caller", {
                try diary.refreshNotifications(
                    patientId: patient.id, nowMs: beforeFirstDoseMs, deviceTimeZone: nil, locale: "en", scheduler: RefusingScheduler())
            }, where: isStorage)
            checkValidation("locale", "unknown locale") {
                try diary.refreshNotifications(
                    patientId: patient.id, nowMs: beforeFirstDoseMs, deviceTimeZone: nil, locale: "fr", scheduler: scheduler)
            }
            checkValidation("device_time_zone", "unknown device zone") {
                try diary.refreshNotifications(
                    patientId: patient.id, nowMs: beforeFirstDoseMs, deviceTimeZone: "Mars/Base", locale: "en", scheduler: scheduler)
            }
            checkEqual(scheduler.calls, 3, "refused calls never reach the scheduler")
        }
    }
}

func todayStatusSnoozePolicyAndAdherenceSurviveReopen() throws {
    try withTempDir { tmp in
        let path = tmp.appendingPathComponent("diary.sqlite").path
        // 09:30 Berlin: the 08:00 dose is late, the 20:00 one upcoming.
        let later = beforeFirstDoseMs + 5 * hourMs / 2
        let (patientId, med) = try withDiary(path) { diary -> (Int64, String) in
            let (patient, regimen) = try seeded(diary)
            let med = regimen.medicationId
            let today = try diary.todayDoses(patientId: patient.id, nowMs: later, deviceTimeZone: nil, locale: "en")
            checkEqual(today.map { $0.status }, [.late, .upcoming], "statuses")
            checkEqual(today.first?.guidance, .takeNowLate, "late guidance")
            check(today.first?.guidanceText?.contains("Never take a double dose") ?? false, "never double")
            let snoozed = try diary.snooze(
                patientId: patient.id, reminderId: "\(med)@2025-01-15T08:00", nowMs: later, minutes: 15, deviceTimeZone: nil,
                locale: "en")
            check(snoozed?.snoozed == true && snoozed?.fireAtMs == later + 15 * 60_000, "snoozed 15 minutes")
            checkValidation("reminder_id", "malformed reminder id") {
                try diary.doseStatus(patientId: patient.id, reminderId: "tacrolimus", nowMs: later, deviceTimeZone: nil, locale: "en")
            }
            try diary.setDoseWindow(
                patientId: patient.id, medicationId: med, window: DoseWindow(graceMinutes: 30, takeWindowMinutes: 60),
                changedBy: "Dr. Example")
            checkValidation("take_window_minutes", "a take-window shorter than the grace") {
                try diary.setDoseWindow(
                    patientId: patient.id, medicationId: med, window: DoseWindow(graceMinutes: 90, takeWindowMinutes: 60),
                    changedBy: "Dr. Example")
            }
            try diary.setTravelPolicy(patientId: patient.id, policy: .keepHomeInstants, changedBy: "Dr. Example")
            return (patient.id, med)
        }

        try withDiary(path) { diary in
            let policy = try diary.reminderPolicy(patientId: patientId)
            checkEqual(policy.travel, .keepHomeInstants, "travel policy after reopen")
            checkEqual(policy.windows.map { "\($0.medicationId) \($0.window.graceMinutes) \(String(describing: $0.window.takeWindowMinutes))" },
                       ["\(med) 30 Optional(60)"], "dose window after reopen")
            let status = try diary.doseStatus(
                patientId: patientId, reminderId: "\(med)@2025-01-15T08:00", nowMs: later, deviceTimeZone: nil, locale: "zh-Hans")
            checkEqual(status.status, .missed, "missed with the 1 h window")
            checkEqual(status.statusLabel, "已漏服", "Chinese status label")
            let none = try diary.snooze(
                patientId: patientId, reminderId: "\(med)@2025-01-15T08:00", nowMs: later, minutes: 15, deviceTimeZone: nil, locale: "en")
            check(none == nil, "nothing to snooze once missed")
            let travel = try diary.nextReminders(
                patientId: patientId, nowMs: beforeFirstDoseMs, deviceTimeZone: "America/New_York", count: 1, locale: "en")
            checkEqual(travel.map { $0.fireAtMs }, [beforeFirstDoseMs + hourMs], "home instant kept")

            _ = try diary.logDose(
                dose: doseLog("sw-r2", med, slotDate: "2025-01-15", slotTime: "20:00", atMs: beforeFirstDoseMs + 13 * hourMs),
                nowMs: beforeFirstDoseMs + 13 * hourMs, deviceTimeZone: nil)
            let report = try diary.adherence(patientId: patientId, from: "2025-01-15", to: "2025-01-31", nowMs: beforeFirstDoseMs + 16 * hourMs)
            checkEqual([report.overall.scheduled, report.overall.taken, report.overall.missed], [2, 1, 1], "adherence counts")
            checkClose(report.overall.onTimeRate, 0.5, "on-time rate")
            checkEqual(report.medications.map { $0.drug }, [.tacrolimus], "drug per medication")
            checkEqual(report.calendar.map { $0.date }, ["2025-01-15"], "calendar up to today")
            checkEqual(report.calendar.first?.medications.first?.status, .partial, "partial day")

            let plan = try diary.shiftPlan(patientId: patientId, medicationId: med, newTimeZone: "Asia/Shanghai", changeDate: "2025-02-01")
            check(plan.count >= 3, "Berlin to Shanghai (7 h) needs a stepwise plan")
            let instants = plan.map { $0.atMs }
            check(zip(instants, instants.dropFirst()).allSatisfy { (10 * hourMs...14 * hourMs).contains($1 - $0) }, "intervals 10 to 14 h")
            checkEqual(try drugName(drug: .prednisolone, locale: "zh-Hans"), "泼尼松龙", "drug name in Chinese")
        }
    }
}

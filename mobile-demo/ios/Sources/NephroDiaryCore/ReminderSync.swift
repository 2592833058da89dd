// Turning the core's "these reminders must be pending" into the few platform calls that make it so.
//
// The core hands NotificationScheduler.replacePending the next 64 reminders (the iOS limit on
// pending local notifications) every time the shell calls Diary.refreshNotifications. A
// reminder's id is stable ("regimen-1@2025-03-04T08:00"), so the platform side only has to
// cancel what is no longer wanted and (re)schedule what is new or changed. That diff is the same
// on every platform and lives here: UserNotificationScheduler (App/) applies it with
// UNUserNotificationCenter, the walkthrough's recording scheduler applies it to a dictionary and
// checks it. Mirrors mobile-demo/android/.../core/ReminderSync.kt.

import Foundation
#if canImport(NephroBindings)
import NephroBindings
#endif

/// The changes that make a platform's pending reminders equal to what the core wants.
public struct PendingChanges: Sendable, Equatable {
    /// Ids to cancel: pending, not wanted any more, and not snoozed.
    public let cancel: [String]
    /// Reminders to schedule: new ids, or ids whose time or words changed.
    public let schedule: [ReminderNotification]
    /// Wanted reminders already pending exactly as wanted.
    public let unchanged: Int
}

public enum ReminderSync {
    /// How many reminders the core keeps pending (clinical-rules §7: the iOS limit).
    public static let window = 64

    /// What identifies a scheduled reminder's content: when it fires and what it says.
    public static func fingerprint(_ r: ReminderNotification) -> String { "\(r.fireAtMs)|\(r.title)|\(r.body)" }

    /// The changes from `pending` (id → fingerprint of what is scheduled now) to `wanted`.
    /// Snoozed reminders (`snoozed` ids) are the shell's own and are never cancelled here.
    public static func plan(
        pending: [String: String], wanted: [ReminderNotification], snoozed: Set<String> = []
    ) -> PendingChanges {
        let wantedIds = Set(wanted.map(\.id))
        let cancel = pending.keys.filter { !wantedIds.contains($0) && !snoozed.contains($0) }.sorted()
        let schedule = wanted.filter { pending[$0.id] != fingerprint($0) }
        return PendingChanges(cancel: cancel, schedule: schedule, unchanged: wanted.count - schedule.count)
    }
}

import Foundation
import NephroDiaryCore
import UserNotifications

/// The core's NotificationScheduler on iOS: keeps exactly the reminders the core hands over
/// pending in UNUserNotificationCenter (at most 64, the iOS limit, which is why the core hands
/// 64). Reminder ids are stable, so only what changed is removed or added (ReminderSync).
///
/// Called synchronously by the core on DiaryRepository's background queue (never the main
/// thread), so it may wait for the notification centre's completion handlers.
final class UserNotificationScheduler: NotificationScheduler, @unchecked Sendable {
    static let category = "dose-reminder"
    private let center = UNUserNotificationCenter.current()

    /// Ids of reminders the shell snoozed itself (kept across refreshes until their dose is logged).
    var snoozedIds: Set<String> {
        Set(UserDefaults.standard.stringArray(forKey: "snoozedReminderIds") ?? [])
    }

    func replacePending(reminders: [ReminderNotification]) throws {
        let pendingRequests = wait { done in self.center.getPendingNotificationRequests { done($0) } }
        var pending: [String: String] = [:]
        for request in pendingRequests where request.content.categoryIdentifier == Self.category {
            pending[request.identifier] = request.content.userInfo["fingerprint"] as? String ?? ""
        }
        let changes = ReminderSync.plan(pending: pending, wanted: reminders, snoozed: snoozedIds)
        center.removePendingNotificationRequests(withIdentifiers: changes.cancel)

        var refused = 0
        let group = DispatchGroup()
        let lock = NSLock()
        for reminder in changes.schedule {
            let content = UNMutableNotificationContent()
            content.title = reminder.title
            content.body = reminder.body
            content.sound = .default
            content.categoryIdentifier = Self.category
            content.userInfo = [
                "fingerprint": ReminderSync.fingerprint(reminder), "medicationId": reminder.medicationId,
                "slotDate": reminder.slotDate, "slotTime": reminder.slotTime,
            ]
            // An absolute instant: the core already chose the zone (travel policy).
            let seconds = max(1, Double(reminder.fireAtMs) / 1000 - Date().timeIntervalSince1970)
            let trigger = UNTimeIntervalNotificationTrigger(timeInterval: seconds, repeats: false)
            group.enter()
            // Adding an id that is pending replaces it.
            center.add(UNNotificationRequest(identifier: reminder.id, content: content, trigger: trigger)) { error in
                if error != nil {
                    lock.lock()
                    refused += 1
                    lock.unlock()
                }
                group.leave()
            }
        }
        group.wait()
        if refused > 0 {
            throw NephroError.Storage(detail: "the phone refused \(refused) notifications (are notifications allowed?)")
        }
    }

    private func wait<T>(_ start: (@escaping (T) -> Void) -> Void) -> T {
        let semaphore = DispatchSemaphore(value: 0)
        var result: T?
        start { value in
            result = value
            semaphore.signal()
        }
        semaphore.wait()
        return result!
    }
}

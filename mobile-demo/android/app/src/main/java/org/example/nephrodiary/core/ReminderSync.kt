// Turning the core's "these reminders must be pending" into the few platform calls that make it so.
//
// The core hands NotificationScheduler.replacePending the next 64 reminders (the iOS limit, kept
// on Android too) every time the shell calls Diary.refreshNotifications. A reminder's id is
// stable ("regimen-1@2025-03-04T08:00"), so the platform side only has to cancel what is no
// longer wanted and (re)schedule what is new or changed. That diff is the same on every platform
// and lives here: AlarmScheduler (notify/) applies it with AlarmManager, the walkthrough's
// recording scheduler applies it to a map and checks it.

package org.example.nephrodiary.core

import uniffi.nephro_core.ReminderNotification

/** The changes that make a platform's pending reminders equal to what the core wants. */
data class PendingChanges(
    /** Ids to cancel: pending, not wanted any more, and not snoozed. */
    val cancel: List<String>,
    /** Reminders to schedule: new ids, or ids whose time or words changed. */
    val schedule: List<ReminderNotification>,
    /** Wanted reminders already pending exactly as wanted. */
    val unchanged: Int,
)

object ReminderSync {
    /** How many reminders the core keeps pending (clinical-rules §7: the iOS limit). */
    const val WINDOW = 64

    /** What identifies a scheduled reminder's content: when it fires and what it says. */
    fun fingerprint(r: ReminderNotification): String = "${r.fireAtMs}|${r.title}|${r.body}"

    /**
     * The changes from [pending] (id → [fingerprint] of what is scheduled now) to [wanted].
     * Snoozed reminders ([snoozed] ids) are the shell's own and are never cancelled here.
     */
    fun plan(pending: Map<String, String>, wanted: List<ReminderNotification>, snoozed: Set<String> = emptySet()): PendingChanges {
        val wantedIds = wanted.mapTo(HashSet()) { it.id }
        val cancel = pending.keys.filter { it !in wantedIds && it !in snoozed }.sorted()
        val schedule = wanted.filter { pending[it.id] != fingerprint(it) }
        return PendingChanges(cancel, schedule, wanted.size - schedule.size)
    }
}

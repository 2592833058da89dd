package org.example.nephrodiary.notify

import android.app.AlarmManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Build
import org.example.nephrodiary.core.ReminderSync
import uniffi.nephro_core.NephroException
import uniffi.nephro_core.NotificationScheduler
import uniffi.nephro_core.ReminderNotification

/**
 * The core's NotificationScheduler on Android: one AlarmManager alarm per pending reminder
 * (ReminderReceiver posts the notification when it fires).
 *
 * - Exact alarms (setExactAndAllowWhileIdle) when allowed. Android 14 denies
 *   SCHEDULE_EXACT_ALARM by default to newly installed apps; then canScheduleExactAlarms() is
 *   false and the alarms fall back to 10-minute windows (setWindow). The Today screen tells the
 *   user and opens the system setting; RescheduleReceiver reschedules everything when the
 *   permission changes.
 * - AlarmManager cannot list what is pending, so a ledger (SharedPreferences: id → fingerprint
 *   and mode) remembers what was set; ReminderSync turns "these 64 must be pending" into the
 *   cancels and sets that make it so.
 * - Alarms die with a reboot: RescheduleReceiver calls [forgetAll] and refreshes.
 *
 * Called by the core on the thread that called refreshNotifications (the repository's io
 * dispatcher), never on the main thread.
 */
class AlarmScheduler(private val context: Context) : NotificationScheduler {
    private val alarms = context.getSystemService(AlarmManager::class.java)
    private val ledger = context.getSharedPreferences("pending-reminders", Context.MODE_PRIVATE)

    /** Whether reminders fire on the minute (false: within 10-minute windows). */
    fun canScheduleExact(): Boolean = Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms()

    @Synchronized
    override fun replacePending(reminders: List<ReminderNotification>) {
        val mode = if (canScheduleExact()) EXACT else WINDOW
        // A reminder set in the other mode counts as not pending: it is set again.
        val pending = ledger.all.mapValues { (_, value) ->
            (value as? String)?.takeIf { it.endsWith(mode) }?.removeSuffix(mode) ?: ""
        }
        val changes = ReminderSync.plan(pending, reminders)
        val edit = ledger.edit()
        try {
            for (id in changes.cancel) {
                alarms.cancel(alarmIntent(id, null))
                edit.remove(id)
            }
            for (reminder in changes.schedule) {
                val operation = alarmIntent(reminder.id, reminder)
                if (mode == EXACT) {
                    alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, reminder.fireAtMs, operation)
                } else {
                    alarms.setWindow(AlarmManager.RTC_WAKEUP, reminder.fireAtMs, WINDOW_MS, operation)
                }
                edit.putString(reminder.id, ReminderSync.fingerprint(reminder) + mode)
            }
        } catch (e: SecurityException) {
            // The exact-alarm permission was revoked between the check and the call.
            throw NephroException.Storage("the phone refused to set an alarm")
        } finally {
            edit.apply()
        }
    }

    /** Forgets the ledger (after a reboot the system has dropped every alarm). */
    @Synchronized
    fun forgetAll() {
        ledger.edit().clear().apply()
    }

    /** The alarm of one reminder: the data URI carries the id, so each id has its own alarm. */
    private fun alarmIntent(id: String, reminder: ReminderNotification?): PendingIntent {
        val intent = Intent(context, ReminderReceiver::class.java)
            .setData(Uri.parse("nephrodiary://reminder/" + Uri.encode(id)))
        if (reminder != null) {
            intent.putExtra(ReminderReceiver.EXTRA_ID, reminder.id)
                .putExtra(ReminderReceiver.EXTRA_TITLE, reminder.title)
                .putExtra(ReminderReceiver.EXTRA_BODY, reminder.body)
        }
        return PendingIntent.getBroadcast(
            context, 0, intent, PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
    }

    private companion object {
        const val EXACT = "#exact"
        const val WINDOW = "#window"
        /** The shortest window Android 12+ honours. */
        const val WINDOW_MS = 10 * 60 * 1000L
    }
}

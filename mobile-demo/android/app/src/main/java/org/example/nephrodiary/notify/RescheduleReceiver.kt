package org.example.nephrodiary.notify

import android.app.AlarmManager
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.util.Log
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import org.example.nephrodiary.NephroDiaryApp

/**
 * Reboot, time-zone or clock change, app update, exact-alarm permission granted or revoked:
 * reschedule the next 64 reminders. After a time-zone change the core reads the dosing times in
 * the new zone (travel policy "keep the wall clock", the default), so the fire times change and
 * every alarm is set again.
 */
class RescheduleReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val app = context.applicationContext as NephroDiaryApp
        when (intent.action) {
            // The system dropped every alarm, or they were set in the other exact/window mode.
            Intent.ACTION_BOOT_COMPLETED,
            Intent.ACTION_MY_PACKAGE_REPLACED,
            AlarmManager.ACTION_SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED -> app.scheduler.forgetAll()
            Intent.ACTION_TIMEZONE_CHANGED, Intent.ACTION_TIME_CHANGED -> Unit
            else -> return
        }
        val done = goAsync()
        CoroutineScope(SupervisorJob() + Dispatchers.IO).launch {
            try {
                app.refreshReminders()
            } catch (e: Exception) {
                Log.w("NephroDiary", "rescheduling reminders failed: ${e.javaClass.simpleName}")
            } finally {
                done.finish()
            }
        }
    }
}

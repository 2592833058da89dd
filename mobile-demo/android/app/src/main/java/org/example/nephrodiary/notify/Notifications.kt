package org.example.nephrodiary.notify

import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import org.example.nephrodiary.MainActivity
import org.example.nephrodiary.R

/** The dose-reminder notification channel and the notification itself. */
object Notifications {
    const val CHANNEL_DOSES = "doses"

    fun createChannel(context: Context) {
        val channel = NotificationChannel(
            CHANNEL_DOSES, context.getString(R.string.channel_doses), NotificationManager.IMPORTANCE_HIGH,
        )
        context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }

    /** Shows a reminder; its id is the reminder's stable id, so a repeat replaces it. */
    fun show(context: Context, reminderId: String, title: String, body: String) {
        val open = PendingIntent.getActivity(
            context, 0,
            Intent(context, MainActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP),
            PendingIntent.FLAG_IMMUTABLE,
        )
        val notification = NotificationCompat.Builder(context, CHANNEL_DOSES)
            .setSmallIcon(android.R.drawable.ic_popup_reminder)
            .setContentTitle(title)
            .setContentText(body)
            .setStyle(NotificationCompat.BigTextStyle().bigText(body))
            .setCategory(NotificationCompat.CATEGORY_REMINDER)
            .setPriority(NotificationCompat.PRIORITY_HIGH)
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        val manager = NotificationManagerCompat.from(context)
        if (manager.areNotificationsEnabled()) {
            try {
                manager.notify(reminderId, 0, notification)
            } catch (_: SecurityException) {
                // POST_NOTIFICATIONS was revoked meanwhile: the Today screen says so.
            }
        }
    }
}

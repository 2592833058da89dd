package org.example.nephrodiary.notify

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent

/** A reminder's alarm fired: show its notification (title and body in the family's language). */
class ReminderReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val id = intent.getStringExtra(EXTRA_ID) ?: return
        Notifications.show(
            context, id, intent.getStringExtra(EXTRA_TITLE).orEmpty(), intent.getStringExtra(EXTRA_BODY).orEmpty(),
        )
    }

    companion object {
        const val EXTRA_ID = "reminder_id"
        const val EXTRA_TITLE = "title"
        const val EXTRA_BODY = "body"
    }
}

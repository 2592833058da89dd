package org.example.nephrodiary

import android.app.Application
import java.io.File
import java.util.Locale
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.example.nephrodiary.core.DiaryRepository
import org.example.nephrodiary.notify.AlarmScheduler
import org.example.nephrodiary.notify.Notifications
import org.example.nephrodiary.notify.RefreshWorker

/** Holds the one open diary of the process and the notification scheduler the core calls. */
class NephroDiaryApp : Application() {
    val scheduler: AlarmScheduler by lazy { AlarmScheduler(this) }

    private val openLock = Mutex()
    @Volatile private var repository: DiaryRepository? = null

    override fun onCreate() {
        super.onCreate()
        Notifications.createChannel(this)
        // Rolls the 64-reminder window forward even when the app is not opened for weeks.
        RefreshWorker.schedule(this)
    }

    /**
     * The diary, opened once (off the main thread) from the app's private files directory.
     * The file never leaves the app's own storage; sharing is an explicit export.
     */
    suspend fun repository(): DiaryRepository = repository ?: openLock.withLock {
        repository ?: DiaryRepository.open(
            path = File(filesDir, "diary.sqlite").path,
            scheduler = scheduler,
            locale = if (Locale.getDefault().language == "zh") "zh-Hans" else "en",
            loggedBy = "family",
        ).also { repository = it }
    }

    /**
     * Hands the next 64 reminders to AlarmManager (launch, reboot, time-zone change, periodic
     * work). The core replaces the whole pending set per call, so the demo keeps reminders for
     * the diary's first child only.
     */
    suspend fun refreshReminders() {
        val repo = repository()
        repo.patients().firstOrNull()?.let { repo.refreshNotifications(it.id) }
    }
}

// Reminders from Kotlin: every case of the `schedule` suite through the typed
// `nextRemindersFor`, a real `NotificationScheduler` (as the Android shell implements it),
// today's doses, status, snooze, policy and adherence on the Diary.

import com.google.gson.JsonObject
import java.io.File
import uniffi.nephro.*
import uniffi.nephro_core.*

val remindersTests = listOf(
    ::scheduleSuite,
    ::schedulerGets64StableRemindersAndALoggedDoseDropsOut,
    ::todayStatusSnoozePolicyAndAdherenceSurviveReopen,
)

// 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
private const val BEFORE_FIRST_DOSE_MS = 1736920800000L
private const val REMINDER_HOUR_MS = 3600000L

/** The typed input of a `schedule` case (days default to daily, count to 64). */
fun scheduleCaseInputOf(input: JsonObject): ScheduleCaseInput = ScheduleCaseInput(
    timezone = input.text("timezone"),
    from = input.text("from"),
    count = if (input.has("count")) input.int("count").toUInt() else null,
    medications = input.getAsJsonArray("medications").map { element ->
        val m = element.asJsonObject
        val days = m.get("days")
        ScheduleMedication(
            id = m.text("id"),
            times = m.getAsJsonArray("times").map { it.asString },
            days = when {
                days == null || (days.isJsonPrimitive && days.asString == "daily") -> ScheduleDays.Daily
                days.asJsonObject.has("alternate_from") -> ScheduleDays.AlternateFrom(days.asJsonObject.text("alternate_from"))
                else -> ScheduleDays.Dates(days.asJsonObject.getAsJsonArray("dates").map { it.asString })
            },
            start = if (m.has("start")) m.text("start") else null,
            end = if (m.has("end")) m.text("end") else null,
        )
    },
)

fun scheduleSuite() {
    runSuite("schedule") { input ->
        mapOf(
            "reminders" to nextRemindersFor(scheduleCaseInputOf(input)).map {
                mapOf("medication" to it.medicationId, "local" to it.local, "utc" to it.utc)
            },
        )
    }
}

/** Keeps what it is given, like the phone's pending notifications (AlarmManager on Android). */
private class CollectingScheduler : NotificationScheduler {
    var pending: List<ReminderNotification> = emptyList()
    var calls = 0

    override fun replacePending(reminders: List<ReminderNotification>) {
        calls++
        pending = reminders
    }

    fun ids() = pending.map { it.id }
}

/** Notifications are not permitted. */
private class RefusingScheduler : NotificationScheduler {
    override fun replacePending(reminders: List<ReminderNotification>) {
        throw NephroException.Storage("notifications are not permitted")
    }
}

fun schedulerGets64StableRemindersAndALoggedDoseDropsOut(): Unit = withTempDir { dir ->
    Diary.open(File(dir, "diary.sqlite").path).use { diary ->
        val (patient, regimen) = seeded(diary)
        val med = regimen.medicationId
        val scheduler = CollectingScheduler()
        val handed = diary.refreshNotifications(patient.id, BEFORE_FIRST_DOSE_MS, null, "en", scheduler)
        checkEqual(handed, 64u, "64 reminders handed")
        val first = scheduler.ids()
        checkEqual(first.size, 64, "the scheduler holds 64")
        checkEqual(first.firstOrNull(), "$med@2025-01-15T08:00", "first reminder id")
        scheduler.pending.firstOrNull()?.let { r ->
            checkEqual(r.fireAtMs, BEFORE_FIRST_DOSE_MS + REMINDER_HOUR_MS, "fires at 08:00 Berlin")
            checkEqual(r.fireAtLocal, "2025-01-15T08:00:00+01:00", "local fire time")
            checkEqual(r.title, "Tacrolimus 1 mg — 8:00 am dose", "title: drug, dose and time")
            checkClose(r.doseMg, 1.0, "dose in mg")
            checkEqual(Triple(r.slotDate, r.slotTime, r.snoozed), Triple("2025-01-15", "08:00", false), "slot")
        }
        check(scheduler.pending.zipWithNext().all { (a, b) -> a.fireAtMs <= b.fireAtMs }, "ordered by time")

        diary.refreshNotifications(patient.id, BEFORE_FIRST_DOSE_MS, null, "en", scheduler)
        checkEqual(scheduler.ids(), first, "the same ids on a second refresh")

        diary.logDose(doseLog("kt-r1", med, slotDate = "2025-01-15", slotTime = "08:00"), MORNING_MS, null)
        diary.refreshNotifications(patient.id, BEFORE_FIRST_DOSE_MS, null, "zh-Hans", scheduler)
        val after = scheduler.ids()
        check(first.first() !in after, "the logged dose's reminder is gone")
        checkEqual(after.take(63), first.drop(1), "the others keep their ids")
        checkEqual(after.size, 64, "still 64")
        checkEqual(scheduler.pending.firstOrNull()?.title, "他克莫司 1 mg — 20:00 服药", "Chinese title")
        checkEqual(scheduler.calls, 3, "three refreshes")

        checkThrows<NephroException.Storage>("a scheduler's refusal reaches the caller") {
            diary.refreshNotifications(patient.id, BEFORE_FIRST_DOSE_MS, null, "en", RefusingScheduler())
        }
        checkValidation("locale", "unknown locale") {
            diary.refreshNotifications(patient.id, BEFORE_FIRST_DOSE_MS, null, "fr", scheduler)
        }
        checkValidation("device_time_zone", "unknown device zone") {
            diary.refreshNotifications(patient.id, BEFORE_FIRST_DOSE_MS, "Mars/Base", "en", scheduler)
        }
        checkEqual(scheduler.calls, 3, "refused calls never reach the scheduler")
    }
}

fun todayStatusSnoozePolicyAndAdherenceSurviveReopen(): Unit = withTempDir { dir ->
    val path = File(dir, "diary.sqlite").path
    // 09:30 Berlin: the 08:00 dose is late, the 20:00 one upcoming.
    val later = BEFORE_FIRST_DOSE_MS + 5 * REMINDER_HOUR_MS / 2
    val (patientId, med) = Diary.open(path).use { diary ->
        val (patient, regimen) = seeded(diary)
        val med = regimen.medicationId
        val today = diary.todayDoses(patient.id, later, null, "en")
        checkEqual(today.map { it.status }, listOf(DoseStatus.LATE, DoseStatus.UPCOMING), "statuses")
        checkEqual(today.firstOrNull()?.guidance, DoseGuidance.TAKE_NOW_LATE, "late guidance")
        check(today.firstOrNull()?.guidanceText?.contains("Never take a double dose") == true, "never double")
        val snoozed = diary.snooze(patient.id, "$med@2025-01-15T08:00", later, 15u, null, "en")
        check(snoozed != null && snoozed.snoozed && snoozed.fireAtMs == later + 15 * 60000L, "snoozed 15 minutes")
        checkValidation("reminder_id", "malformed reminder id") { diary.doseStatus(patient.id, "tacrolimus", later, null, "en") }
        diary.setDoseWindow(patient.id, med, DoseWindow(30u, 60u), "Dr. Example")
        checkValidation("take_window_minutes", "a take-window shorter than the grace") {
            diary.setDoseWindow(patient.id, med, DoseWindow(90u, 60u), "Dr. Example")
        }
        diary.setTravelPolicy(patient.id, TravelPolicy.KEEP_HOME_INSTANTS, "Dr. Example")
        patient.id to med
    }
    Diary.open(path).use { diary ->
        val policy = diary.reminderPolicy(patientId)
        checkEqual(policy.travel, TravelPolicy.KEEP_HOME_INSTANTS, "travel policy after reopen")
        checkEqual(policy.windows.map { Triple(it.medicationId, it.window.graceMinutes, it.window.takeWindowMinutes) },
            listOf(Triple(med, 30u, 60u)), "dose window after reopen")
        val status = diary.doseStatus(patientId, "$med@2025-01-15T08:00", later, null, "zh-Hans")
        checkEqual(status.status, DoseStatus.MISSED, "missed with the 1 h window")
        checkEqual(status.statusLabel, "已漏服", "Chinese status label")
        checkEqual(diary.snooze(patientId, "$med@2025-01-15T08:00", later, 15u, null, "en"), null, "nothing to snooze once missed")
        val travel = diary.nextReminders(patientId, BEFORE_FIRST_DOSE_MS, "America/New_York", 1u, "en")
        checkEqual(travel.map { it.fireAtMs }, listOf(BEFORE_FIRST_DOSE_MS + REMINDER_HOUR_MS), "home instant kept")

        diary.logDose(
            doseLog("kt-r2", med, slotDate = "2025-01-15", slotTime = "20:00", atMs = BEFORE_FIRST_DOSE_MS + 13 * REMINDER_HOUR_MS),
            BEFORE_FIRST_DOSE_MS + 13 * REMINDER_HOUR_MS, null,
        )
        val report = diary.adherence(patientId, "2025-01-15", "2025-01-31", BEFORE_FIRST_DOSE_MS + 16 * REMINDER_HOUR_MS)
        checkEqual(Triple(report.overall.scheduled, report.overall.taken, report.overall.missed), Triple(2u, 1u, 1u), "adherence counts")
        checkClose(report.overall.onTimeRate, 0.5, "on-time rate")
        checkEqual(report.medications.map { it.drug }, listOf(Drug.TACROLIMUS), "drug per medication")
        checkEqual(report.calendar.map { it.date }, listOf("2025-01-15"), "calendar up to today")
        checkEqual(report.calendar.firstOrNull()?.medications?.firstOrNull()?.status, AdherenceDayStatus.PARTIAL, "partial day")

        val plan = diary.shiftPlan(patientId, med, "Asia/Shanghai", "2025-02-01")
        check(plan.size >= 3, "Berlin to Shanghai (7 h) needs a stepwise plan")
        check(plan.zipWithNext().all { (a, b) -> b.atMs - a.atMs in 10 * REMINDER_HOUR_MS..14 * REMINDER_HOUR_MS }, "intervals 10 to 14 h")
        checkEqual(drugName(Drug.PREDNISOLONE, "zh-Hans"), "泼尼松龙", "drug name in Chinese")
    }
}

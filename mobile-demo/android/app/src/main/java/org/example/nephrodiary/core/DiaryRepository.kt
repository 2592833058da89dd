// The app's one door to the NephroDiary core: opens the diary, runs every call on a background
// dispatcher, refreshes the pending notifications after every log, and hands the screens their
// data (Screens.kt). Used by the Compose app (AppViewModel) and, unchanged, by the console
// walkthrough (mobile-demo/walkthrough/kotlin), which compiles this file on the JVM: nothing
// Android-specific here.
//
// How a shell must use the store (see mobile-demo/README.md):
// - every call is synchronous and short (one transaction); never call it on the main thread;
// - after every dose log, the notifications are refreshed (the logged slot's reminder goes, the
//   next one comes), on launch too, and after a reboot or a time-zone change;
// - client ids are made when the button is pressed and reused on retry (idempotent writes).

package org.example.nephrodiary.core

import java.time.LocalDate
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.nephro.*
import uniffi.nephro_core.*

class DiaryRepository(
    private val diary: Diary,
    /** Where the core hands the next 64 reminders (AlarmScheduler on Android). */
    private val scheduler: NotificationScheduler,
    /** The current instant, UTC epoch ms (a simulated clock in the walkthrough). */
    private val clock: () -> Long = System::currentTimeMillis,
    /** The phone's current IANA zone (null: at home). */
    private val deviceTimeZone: () -> String? = { java.util.TimeZone.getDefault().id },
    /** `en` or `zh-Hans`. */
    val locale: String = "en",
    /** Who logs from this phone, e.g. `mother`. */
    private val loggedBy: String = "family",
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    companion object {
        /** Opens (or creates) the diary file at [path] off the main thread. */
        suspend fun open(
            path: String,
            scheduler: NotificationScheduler,
            clock: () -> Long = System::currentTimeMillis,
            deviceTimeZone: () -> String? = { java.util.TimeZone.getDefault().id },
            locale: String = "en",
            loggedBy: String = "family",
            io: CoroutineDispatcher = Dispatchers.IO,
        ): DiaryRepository = withContext(io) {
            DiaryRepository(Diary.open(path), scheduler, clock, deviceTimeZone, locale, loggedBy, io)
        }

        /** A client id for one press of a button; keep it to retry the same write. */
        fun newClientId(): String = UUID.randomUUID().toString()
    }

    // Calls run on any thread of the io dispatcher.
    private val homeZones = ConcurrentHashMap<Long, String>()

    private suspend fun <T> onIo(block: Diary.() -> T): T = withContext(io) { diary.block() }

    // Called on the io dispatcher only.
    private fun Diary.refresh(patientId: Long): Int =
        refreshNotifications(patientId, clock(), deviceTimeZone(), locale, scheduler).toInt()

    private fun Diary.home(patientId: Long): TodayScreen =
        homeScreen(patientId, clock(), deviceTimeZone(), locale).toTodayScreen()

    /** The patient's local date in their profile's zone (the zone readings are dated in). */
    private fun Diary.localToday(patientId: Long): String {
        val zone = homeZones.getOrPut(patientId) { patient(patientId).profile.timeZone }
        return localDate(clock(), zone)
    }

    /** Every patient of the diary (a family usually has one). */
    suspend fun patients(): List<Patient> = onIo { patients() }

    /**
     * Enrols a child: profile, a measurement (weight and height) and the care team's regimens,
     * then schedules the reminders. Each write is its own short transaction.
     */
    suspend fun enrol(profile: PatientProfile, measurement: Measurement, regimens: List<RegimenInput>): Patient = onIo {
        val patient = createPatient(profile)
        addMeasurement(patient.id, measurement)
        regimens.forEach { addRegimen(patient.id, it) }
        refresh(patient.id)
        patient
    }

    /** The Today screen (one core call: `home_screen`). */
    suspend fun today(patientId: Long): TodayScreen = onIo { home(patientId) }

    /**
     * One tap on "taken" or "skip" of a row: logs it, refreshes the notifications (the slot's
     * reminder goes) and returns the new Today screen.
     */
    suspend fun logDose(
        patientId: Long,
        row: DoseRow,
        outcome: DoseOutcome,
        atMs: Long = clock(),
        clientId: String = newClientId(),
    ): TodayScreen = onIo {
        // The phone's clock and zone: the core refuses a slot too far ahead (clinical-rules §10).
        logDose(DoseLogInput(clientId, row.medicationId, row.slotDate, row.slotTime, outcome, atMs, loggedBy), clock(), deviceTimeZone())
        refresh(patientId)
        home(patientId)
    }

    /**
     * The morning dipstick entry: logs the reading and returns the new Today screen (banner). For a
     * strip read from a photo, [grade] is the one the parent confirmed and [photo] the camera
     * screen's suggestion ([DipstickPhotoScreen.photo]), stored beside it; only [grade] counts.
     */
    suspend fun logDipstick(
        patientId: Long,
        grade: DipstickGrade,
        takenAtMs: Long = clock(),
        firstMorning: Boolean = true,
        note: String? = null,
        clientId: String = newClientId(),
        photo: PhotoSuggestion? = null,
    ): TodayScreen = onIo {
        logUrineReading(
            UrineReadingInput(clientId, patientId, grade, null, null, takenAtMs, null, firstMorning, note, loggedBy, photo),
        )
        home(patientId)
    }

    /**
     * The camera screen: samples the photo (8-bit sRGB RGBA, converted from the camera's buffer)
     * at the guides' rectangles and suggests the pad's grade (clinical-rules §13), off the main
     * thread. Logs nothing: the parent confirms or corrects the suggestion, then [logDipstick]
     * stores the confirmed grade with the screen's `photo` (the suggestion, kept beside it).
     */
    suspend fun suggestFromPhoto(
        photo: PhotoBuffer,
        layout: PhotoLayout,
        secondsSinceDip: Double,
        readWindowFromS: Double,
        readWindowToS: Double,
    ): DipstickPhotoScreen = withContext(io) {
        photoScreen { readDipstickPhoto(photo, layout, secondsSinceDip, readWindowFromS, readWindowToS, null, null) }
    }

    /**
     * Hands the next 64 reminders to the scheduler. Call on launch, on resume, after a reboot or
     * a time-zone change, and from the periodic background work. Returns how many were handed.
     */
    suspend fun refreshNotifications(patientId: Long): Int = onIo { refresh(patientId) }

    /** The steroid calendar: this week's steroid doses with tablets and outcomes. */
    suspend fun steroidCalendar(patientId: Long): SteroidCalendarScreen =
        onIo { steroidWeek(patientId, localToday(patientId)).toCalendar(locale) }

    /** The labs screen: results of the last [days] days with flags and alerts. */
    suspend fun labs(patientId: Long, days: Long = 90): LabsScreen = onIo { labsScreen(patientId, days) }

    private fun Diary.labsScreen(patientId: Long, days: Long): LabsScreen {
        val to = localToday(patientId)
        val from = LocalDate.parse(to).minusDays(days - 1).toString()
        return labReport(patientId, from, to, locale).toLabsScreen(from, to, homeZones.getValue(patientId))
    }

    /** Enters a lab result (e.g. a tacrolimus trough from the clinic's letter). */
    suspend fun logLab(
        patientId: Long,
        kind: LabKind,
        value: Double,
        unit: LabUnit,
        drawnAtMs: Long,
        upperLimitOfNormal: Double? = null,
        clientId: String = newClientId(),
    ): LabsScreen = onIo {
        logLabResult(LabResultInput(clientId, patientId, kind, value, unit, drawnAtMs, upperLimitOfNormal, loggedBy))
        labsScreen(patientId, 90)
    }

    /**
     * Care-team mode: starts the `kdigo2025_relapse` course the relapse prompt suggests, signed
     * by [signedBy], and refreshes the reminders. Null when no relapse prompt is open. The app
     * never starts a course by itself. [clientId] is made once per tap: a retried or doubled
     * tap returns the course already started. With [liquid] the course is given as that oral
     * solution instead of tablets: every dose is measured in mL.
     */
    suspend fun startSuggestedCourse(
        patientId: Long,
        signedBy: String,
        clientId: String = newClientId(),
        liquid: LiquidInput? = null,
    ): SteroidCourse? = onIo {
        val prompt = steroidRelapsePrompt(patientId, localToday(patientId), locale) ?: return@onIo null
        var course = prompt.suggestion.course.copy(changedBy = signedBy, clientId = clientId)
        if (liquid != null) course = course.copy(liquid = liquid, tabletMg = null, allowHalf = null)
        val stored = createCourse(patientId, course)
        refresh(patientId)
        stored
    }

    /** Adds any medicine the child takes (an ACE inhibitor, …) and refreshes the reminders. */
    suspend fun addMedicine(medicine: NewMedicineInput): MedicineRecord = onIo {
        val stored = addMedicine(medicine)
        refresh(medicine.patientId)
        stored
    }

    /** "Share report": writes the export into [directory] and returns the file's path. */
    suspend fun shareReport(patientId: Long, format: ExportFormat, directory: String): String = onIo {
        val name = when (format) {
            ExportFormat.HTML -> "report.html"
            ExportFormat.FHIR -> "diary.fhir.json"
            ExportFormat.ICS -> "dosing.ics"
            ExportFormat.CSV -> "csv"
        }
        val request = ExportRequest(format, null, null, null, locale, clock())
        exportToPath(patientId, request, "$directory/$name").first()
    }
}

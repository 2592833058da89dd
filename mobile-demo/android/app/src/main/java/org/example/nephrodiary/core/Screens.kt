// What each screen shows, as plain values: mapped from the core's records by DiaryRepository,
// drawn by the Compose screens (ui/) and printed by the console walkthrough
// (mobile-demo/walkthrough/kotlin). No Android and no UI types here: the walkthrough compiles
// this file on the JVM.
//
// Mirrored in Swift by mobile-demo/ios/Sources/NephroDiaryCore/Screens.swift (same names, same
// words), so that both walkthroughs print the same week.

package org.example.nephrodiary.core

import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import uniffi.nephro.*
import uniffi.nephro_core.*

/** How loud the relapse banner is. */
enum class BannerTone { CALM, WATCH, ALERT }

/** The relapse banner at the top of the Today screen. */
data class RelapseBanner(
    val state: RelapseState,
    val tone: BannerTone,
    /** "In remission", "Watch", "Relapse" in the family's language. */
    val title: String,
    val prompt: RelapsePrompt,
    /** What to do, from the core (clinical-rules §6), in the family's language. */
    val text: String,
    /** The open relapse's onset and confirmation dates (`YYYY-MM-DD`), if any. */
    val relapseOnset: String?,
    val relapseConfirmed: String?,
)

/** One dose slot of today: a row with "taken" and "skip" while not logged. */
data class DoseRow(
    val reminderId: String,
    val medicationId: String,
    val slotDate: String,
    val slotTime: String,
    /** "Tacrolimus 1 mg". */
    val label: String,
    val status: DoseStatus,
    val statusLabel: String,
    /** The logged outcome, or null while the buttons are shown. */
    val outcome: DoseOutcome?,
    /** Local `HH:MM` of the log. */
    val loggedAt: String?,
    val guidance: DoseGuidance?,
    /** "Skip it; never take a double dose" and friends, from the core. */
    val guidanceText: String?,
    val isSteroid: Boolean,
) {
    /** Whether the row shows its "taken" and "skip" buttons. */
    val canLog: Boolean get() = outcome == null
}

/** A home-screen alert (lab safety or "ask the team to recalculate"). */
data class AlertLine(val kind: HomeAlertKind, val date: String, val text: String)

/** The Today screen. */
data class TodayScreen(
    val patientId: Long,
    /** Local date `YYYY-MM-DD` and the zone it is read in. */
    val today: String,
    val timeZone: String,
    val banner: RelapseBanner,
    /** Whether the morning-dipstick card asks for today's first-morning reading. */
    val dipstickDue: Boolean,
    val doses: List<DoseRow>,
    /** The next reminder not logged yet, e.g. `2025-03-04 08:00 Tacrolimus 1 mg`. */
    val nextDose: String?,
    /** "Relapse suspected — contact your team; …" while no course was started for the relapse. */
    val steroidPrompt: String?,
    val alerts: List<AlertLine>,
)

/** One steroid dose of the week on the steroid calendar. */
data class SteroidDayRow(
    val date: String,
    val time: String,
    val mg: Double,
    /** "9½ tablets of 5 mg", or "9.6 mL" for a course given as an oral solution. */
    val tablets: String,
    val outcome: DoseOutcome?,
    /** True while remission is not confirmed: the daily dose is shown continuing. */
    val provisional: Boolean,
)

/** The steroid calendar: this week's doses (Monday to Sunday). */
data class SteroidCalendarScreen(val firstDay: String, val lastDay: String, val days: List<SteroidDayRow>)

/** One lab result on the labs screen. */
data class LabRow(
    val date: String,
    val kind: LabKind,
    val value: Double,
    val unit: LabUnit,
    val flag: TargetFlag?,
    /** "In range" and friends, from the core. */
    val flagText: String?,
    val trough: TroughValidity?,
    val alerts: List<String>,
)

/** The labs screen. */
data class LabsScreen(val from: String, val to: String, val rows: List<LabRow>)

/**
 * What the camera screen shows after a photo of the strip beside its chart (clinical-rules §13):
 * a suggested grade to confirm, "compare by eye", or why to take the photo again. Nothing is
 * logged until the parent confirms a grade.
 */
data class DipstickPhotoScreen(
    /** The grade preselected for the parent to confirm (null: unsure or retake). */
    val suggested: DipstickGrade?,
    /** The two nearest grades, nearest first (empty when the photo was refused). */
    val nearest: List<DipstickGrade>,
    val title: String,
    val text: String,
    /** The photo cannot be used: offer the camera again (or a reading by eye). */
    val retake: Boolean,
    /**
     * The core's suggestion, stored with the grade the parent confirms ([DiaryRepository.logDipstick]'s
     * `photo`); null when the photo was refused.
     */
    val photo: PhotoSuggestion? = null,
)

/** The camera screen for a reading, or for the refusal [NephroException.Photo] carried. */
fun photoScreen(read: () -> PhotoReading): DipstickPhotoScreen = try {
    val r = read().reading
    val nearest = r.nearest.map { it.grade }
    val photo = PhotoSuggestion(r.status, r.grade, r.nearest)
    when (val grade = r.grade) {
        null -> DipstickPhotoScreen(
            null, nearest, "Compare by eye",
            "The pad is between ${Words.grade(nearest[0])} and ${Words.grade(nearest[1])}: compare it with the chart yourself and choose the grade.",
            false,
            photo,
        )
        else -> DipstickPhotoScreen(
            grade, nearest, "Suggested: ${Words.grade(grade)}",
            "Compare the pad with the chart: confirm ${Words.grade(grade)}, or choose another grade.",
            false,
            photo,
        )
    }
} catch (e: NephroException.Photo) {
    val text = when (val p = e.problem) {
        is PhotoProblem.TooEarly -> "Too early: the read window opens ${Words.number(p.windowFromS)} s after dipping. Wait, then take the photo again."
        is PhotoProblem.TooLate -> "Too late: the read window closed ${Words.number(p.windowToS)} s after dipping. Dip a new strip."
        is PhotoProblem.Overexposed -> "Too bright: part of the photo is washed out. Move out of direct light."
        is PhotoProblem.TooDark -> "Too dark to compare colours. Turn on a light."
        is PhotoProblem.Uneven -> "The ${p.patch} is uneven (a reflection, a shadow or a half-wet pad). Take the photo again, or choose the grade by eye."
    }
    DipstickPhotoScreen(null, emptyList(), "Take the photo again", text, true)
}

/** The few words the shell adds around the core's texts (the core writes everything else). */
object Words {
    /** A grade as printed on the bottle: negative, trace, 1+ … 4+. */
    fun grade(grade: DipstickGrade): String = when (grade) {
        DipstickGrade.NEGATIVE -> "negative"
        DipstickGrade.TRACE -> "trace"
        DipstickGrade.ONE_PLUS -> "1+"
        DipstickGrade.TWO_PLUS -> "2+"
        DipstickGrade.THREE_PLUS -> "3+"
        DipstickGrade.FOUR_PLUS -> "4+"
    }

    fun stateTitle(state: RelapseState, locale: String): String = when (state) {
        RelapseState.REMISSION -> if (locale == "zh-Hans") "缓解期" else "In remission"
        RelapseState.WATCH -> if (locale == "zh-Hans") "观察" else "Watch"
        RelapseState.RELAPSE -> if (locale == "zh-Hans") "复发" else "Relapse"
    }

    fun tablets(whole: ULong, halves: ULong, tabletMg: Double, locale: String): String {
        val count = when {
            whole == 0uL && halves > 0uL -> "½"
            halves > 0uL -> "$whole½"
            else -> "$whole"
        }
        val mg = number(tabletMg)
        return if (locale == "zh-Hans") "${mg} mg片剂${count}片" else "$count tablets of $mg mg"
    }

    /** `1.0` → `1`, `47.5` → `47.5`. */
    fun number(value: Double): String =
        if (value == Math.floor(value) && !value.isInfinite()) value.toLong().toString() else value.toString()
}

/** Local `HH:MM` of an instant in an IANA zone. */
fun localClock(epochMs: Long, zone: String): String =
    Instant.ofEpochMilli(epochMs).atZone(ZoneId.of(zone)).format(DateTimeFormatter.ofPattern("HH:mm"))

/** Local `YYYY-MM-DD` of an instant in an IANA zone. */
fun localDate(epochMs: Long, zone: String): String =
    Instant.ofEpochMilli(epochMs).atZone(ZoneId.of(zone)).toLocalDate().toString()

fun DoseSlot.toRow(zone: String): DoseRow = DoseRow(
    reminderId = reminderId,
    medicationId = medicationId,
    slotDate = slotDate,
    slotTime = slotTime,
    label = label,
    status = status,
    statusLabel = statusLabel,
    outcome = logged?.outcome,
    loggedAt = logged?.let { localClock(it.atMs, zone) },
    guidance = guidance,
    guidanceText = guidanceText,
    isSteroid = medicationId.startsWith("course-"),
)

fun RelapseStatus.toBanner(): RelapseBanner {
    val state = assessment.state
    val open = assessment.relapses.lastOrNull()?.takeIf { it.remissionOnset == null && state == RelapseState.RELAPSE }
    return RelapseBanner(
        state = state,
        tone = when (state) {
            RelapseState.REMISSION -> BannerTone.CALM
            RelapseState.WATCH -> BannerTone.WATCH
            RelapseState.RELAPSE -> BannerTone.ALERT
        },
        title = Words.stateTitle(state, locale),
        prompt = prompt,
        text = promptText,
        relapseOnset = open?.onset,
        relapseConfirmed = open?.confirmed,
    )
}

fun HomeScreen.toTodayScreen(): TodayScreen = TodayScreen(
    patientId = patientId,
    today = today,
    timeZone = timeZone,
    banner = relapse.toBanner(),
    dipstickDue = !relapse.morningReadingLogged,
    doses = doses.map { it.toRow(timeZone) },
    nextDose = nextDose?.let { "${it.slotDate} ${it.slotTime} ${it.label}" },
    steroidPrompt = steroidPrompt?.text,
    alerts = alerts.map { AlertLine(it.kind, it.date, it.text) },
)

fun SteroidWeek.toCalendar(locale: String): SteroidCalendarScreen = SteroidCalendarScreen(
    firstDay = firstDay,
    lastDay = lastDay,
    days = doses.map {
        SteroidDayRow(
            date = it.date,
            time = it.time,
            mg = it.mg,
            tablets = it.ml?.let { ml -> "${Words.number(ml)} mL" }
                ?: Words.tablets(it.tablets.whole, it.tablets.halves, it.tabletMg, locale),
            outcome = it.outcome,
            provisional = it.provisional,
        )
    },
)

fun LabReport.toLabsScreen(from: String, to: String, zone: String): LabsScreen = LabsScreen(
    from = from,
    to = to,
    rows = lines.map {
        LabRow(
            date = localDate(it.result.drawnAtMs, zone),
            kind = it.result.kind,
            value = it.result.value,
            unit = it.result.unit,
            flag = it.assessment.flag,
            flagText = it.assessment.flagText,
            trough = it.assessment.trough,
            alerts = it.assessment.alerts.map { a -> a.text },
        )
    },
)

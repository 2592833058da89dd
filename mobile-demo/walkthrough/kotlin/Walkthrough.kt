// One week of a fictional family's life through the Kotlin bindings, using the Android app's own
// non-UI code (DiaryRepository, Screens, ReminderSync from mobile-demo/android/.../core), and
// printing what the app would show. Every state is checked; any mismatch exits 1.
//
//   java -Djna.library.path=<dir of libnephro_ffi.so> -cp <walkthrough.jar>:<bindings.jar>:<jna>:<coroutines>:<stdlib> \
//       WalkthroughKt <work dir>
//
// Built and run by scripts/test-walkthroughs.sh. The Swift walkthrough
// (mobile-demo/walkthrough/swift/main.swift) plays the same week and must print the same lines.

import java.io.File
import java.time.LocalDateTime
import java.time.ZoneId
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import org.example.nephrodiary.core.*
import uniffi.nephro.*
import uniffi.nephro_core.*

const val ZONE = "Asia/Shanghai"
val DAYS = listOf("2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07", "2025-03-08", "2025-03-09")

/** The simulated clock the repository reads. */
object SimClock {
    var nowMs = 0L
    fun set(date: String, time: String) {
        nowMs = epochMs(date, time)
    }
}

fun epochMs(date: String, time: String): Long =
    LocalDateTime.parse("${date}T$time").atZone(ZoneId.of(ZONE)).toInstant().toEpochMilli()

object Checks {
    var count = 0
    val failures = mutableListOf<String>()
}

fun check(ok: Boolean, what: String, detail: () -> String = { "" }) {
    Checks.count++
    if (!ok) {
        val line = "FAILED $what" + detail().let { if (it.isEmpty()) "" else ": $it" }
        Checks.failures += line
        println(line)
    }
}

fun <T> checkEqual(actual: T, expected: T, what: String) = check(actual == expected, what) { "got $actual, expected $expected" }

/** The phone's pending notifications: applies what the core hands over, as AlarmScheduler does. */
class RecordingScheduler : NotificationScheduler {
    val pending = LinkedHashMap<String, ReminderNotification>()
    var lastHanded: List<ReminderNotification> = emptyList()
    var lastChanges = PendingChanges(emptyList(), emptyList(), 0)

    override fun replacePending(reminders: List<ReminderNotification>) {
        val changes = ReminderSync.plan(pending.mapValues { ReminderSync.fingerprint(it.value) }, reminders)
        changes.cancel.forEach { pending.remove(it) }
        changes.schedule.forEach { pending[it.id] = it }
        lastHanded = reminders
        lastChanges = changes
    }

    fun ids(): List<String> = lastHanded.map { it.id }
}

fun say(time: String, text: String) = println("  $time $text")

fun outcomeWord(outcome: DoseOutcome): String = if (outcome == DoseOutcome.TAKEN) "taken" else "skipped"

fun rowLine(r: DoseRow): String {
    val state = r.outcome?.let { "${outcomeWord(it)} ${r.loggedAt}" } ?: r.statusLabel
    return "${r.slotTime} ${r.label} · $state" + (r.guidanceText?.let { " — $it" } ?: "")
}

fun showToday(time: String, s: TodayScreen) {
    say(time, "Today ${s.today} (${s.timeZone})")
    println("        [${s.banner.title}] ${s.banner.text}")
    if (s.banner.relapseOnset != null) println("        relapse since ${s.banner.relapseOnset}, confirmed ${s.banner.relapseConfirmed}")
    if (s.dipstickDue) println("        morning dipstick: not logged yet")
    s.doses.forEach { println("        ${rowLine(it)}") }
    s.nextDose?.let { println("        next: $it") }
    s.steroidPrompt?.let { println("        ! $it") }
    s.alerts.forEach { println("        alert ${it.date}: ${it.text}") }
}

/** The pending set right after a refresh: 64, unique, in firing order, all ahead of now. */
fun checkWindow(scheduler: RecordingScheduler, what: String) {
    val handed = scheduler.lastHanded
    checkEqual(handed.size, ReminderSync.WINDOW, "$what: 64 reminders handed")
    checkEqual(scheduler.pending.size, ReminderSync.WINDOW, "$what: 64 pending after applying the changes")
    checkEqual(handed.map { it.id }.toSet().size, handed.size, "$what: reminder ids are unique")
    check(handed.zipWithNext().all { (a, b) -> a.fireAtMs <= b.fireAtMs }, "$what: reminders in firing order")
    check(handed.all { it.fireAtMs >= SimClock.nowMs }, "$what: every reminder is ahead of now")
}

fun notificationLine(scheduler: RecordingScheduler): String {
    val c = scheduler.lastChanges
    return "notifications: ${scheduler.pending.size} pending (-${c.cancel.size} +${c.schedule.size}), next ${scheduler.lastHanded.firstOrNull()?.id}"
}

fun row(screen: TodayScreen, time: String, steroid: Boolean = false): DoseRow =
    screen.doses.first { it.slotTime == time && it.isSteroid == steroid }

fun main(args: Array<String>) {
    val workDir = File(args.getOrNull(0) ?: error("usage: WalkthroughKt <work dir>")).apply { mkdirs() }
    val dbPath = File(workDir, "diary.sqlite").apply { delete() }.path
    val scheduler = RecordingScheduler()
    println("NephroDiary walkthrough: one week of a fictional family in $ZONE")
    try {
        runBlocking { week(dbPath, workDir, scheduler) }
        sharedCare(dbPath, workDir)
    } catch (e: Throwable) {
        Checks.failures += "threw ${e.stackTraceToString()}"
        println("FAILED threw $e")
    }
    if (Checks.failures.isNotEmpty()) {
        println("walkthrough: ${Checks.failures.size} of ${Checks.count} checks FAILED")
        exitProcess(1)
    }
    println("walkthrough: ${Checks.count} checks passed")
}

suspend fun week(dbPath: String, workDir: File, scheduler: RecordingScheduler) {
    val repo = DiaryRepository.open(
        dbPath, scheduler, clock = { SimClock.nowMs }, deviceTimeZone = { ZONE }, locale = "en", loggedBy = "mother",
    )
    var s: TodayScreen
    val (d1, d2, d3, d4, d5) = DAYS
    val d6 = DAYS[5]
    val d7 = DAYS[6]

    // Day 1: enrolment, the first dipstick and the first two doses.
    println("Day 1 · $d1")
    SimClock.set(d1, "06:30")
    val patient = repo.enrol(
        PatientProfile("Mei (fictional)", "2018-05-12", Sex.FEMALE, ZONE, "ipna2022"),
        Measurement(d1, 20.0, 115.0),
        listOf(
            RegimenInput(
                Drug.TACROLIMUS, "capsule", listOf(0.5, 1.0), false, RegimenRate.MgPerKgPerDay(0.1),
                listOf("08:00", "20:00"), d1, null, "Dr. Example", "2025-03-01", false,
            ),
        ),
    )
    val pid = patient.id
    s = repo.today(pid)
    val tac = s.doses.first().medicationId
    say("06:30", "enrolled ${patient.profile.displayName}: 20 kg, 115 cm; tacrolimus 0.1 mg/kg/day at 08:00 and 20:00")
    checkEqual(s.doses.map { it.label }, listOf("Tacrolimus 1 mg", "Tacrolimus 1 mg"), "day 1: two tacrolimus doses of 1 mg")
    checkWindow(scheduler, "day 1 enrolment")
    say("06:30", notificationLine(scheduler))
    checkEqual(scheduler.ids().first(), "$tac@${d1}T08:00", "day 1: first reminder is this morning's dose")
    checkEqual(scheduler.ids().last(), "$tac@2025-04-03T20:00", "day 1: 64 reminders reach 32 days ahead")
    val firstIds = scheduler.ids()
    repo.refreshNotifications(pid)
    checkEqual(scheduler.ids(), firstIds, "day 1: a second refresh hands the same ids")
    checkEqual(scheduler.lastChanges.cancel.size + scheduler.lastChanges.schedule.size, 0, "day 1: a second refresh changes nothing")
    say("06:30", "refreshed again (as on the next launch): " + notificationLine(scheduler))
    checkEqual(s.banner.state, RelapseState.REMISSION, "day 1: no readings yet, remission")
    check(s.dipstickDue, "day 1: the morning dipstick card asks for today's reading")

    suspend fun dipstick(date: String, grade: DipstickGrade, label: String, photo: PhotoSuggestion? = null): TodayScreen {
        SimClock.set(date, "06:50")
        val screen = repo.logDipstick(pid, grade, photo = photo)
        say("06:50", "dipstick $label → [${screen.banner.title}] ${screen.banner.text}")
        check(!screen.dipstickDue, "$date: the dipstick card is done after logging")
        return screen
    }

    suspend fun take(date: String, time: String, slot: String, steroid: Boolean = false, outcome: DoseOutcome = DoseOutcome.TAKEN): TodayScreen {
        SimClock.set(date, time)
        val before = repo.today(pid)
        val target = row(before, slot, steroid)
        check(target.canLog, "$date $slot: the row shows its buttons before logging")
        val after = repo.logDose(pid, target, outcome)
        val logged = row(after, slot, steroid)
        checkEqual(logged.outcome, outcome, "$date $slot: the row shows the logged outcome")
        checkEqual(logged.loggedAt, time, "$date $slot: logged at the local time of the tap")
        check(scheduler.ids().none { it == target.reminderId }, "$date $slot: its reminder is not pending after the log")
        checkWindow(scheduler, "$date $time")
        say(time, "${outcomeWord(outcome)}: ${target.slotTime} ${target.label} (was ${target.statusLabel})")
        return after
    }

    s = dipstick(d1, DipstickGrade.NEGATIVE, "negative")
    checkEqual(s.banner.state, RelapseState.REMISSION, "day 1: remission")
    checkEqual(s.banner.prompt, RelapsePrompt.ALL_CLEAR, "day 1: all clear")
    s = take(d1, "08:04", "08:00")
    checkEqual(row(s, "08:00").status, DoseStatus.DUE, "day 1: at 08:04 the 08:00 dose is due")
    // The evening dose is given before its reminder fires: the reminder must go from the phone.
    SimClock.set(d1, "19:50")
    check("$tac@${d1}T20:00" in scheduler.ids(), "day 1: the 20:00 reminder is pending before the evening dose")
    checkEqual(row(repo.today(pid), "20:00").status, DoseStatus.UPCOMING, "day 1: at 19:50 the 20:00 dose is upcoming")
    s = take(d1, "19:50", "20:00")
    checkEqual(scheduler.lastChanges.cancel, listOf("$tac@${d1}T20:00"), "day 1: the refresh cancels exactly the 20:00 reminder")
    checkEqual(scheduler.lastChanges.schedule.map { it.id }, listOf("$tac@2025-04-04T20:00"), "day 1: and adds one at the end of the window")
    checkEqual(scheduler.ids().first(), "$tac@${d2}T08:00", "day 1: the next reminder is tomorrow morning")
    say("19:50", notificationLine(scheduler))
    SimClock.set(d1, "21:00")
    s = repo.today(pid)
    showToday("21:00", s)
    checkEqual(s.nextDose, "$d2 08:00 Tacrolimus 1 mg", "day 1: next dose tomorrow 08:00")

    // Day 2: a trace reading, doses on time.
    println("Day 2 · $d2")
    s = dipstick(d2, DipstickGrade.TRACE, "trace")
    checkEqual(s.banner.state, RelapseState.REMISSION, "day 2: trace is remission level")
    take(d2, "08:02", "08:00")
    s = take(d2, "20:05", "20:00")
    checkEqual(row(s, "20:00").status, DoseStatus.DUE, "day 2: at 20:05 the 20:00 dose is due")
    SimClock.set(d2, "21:00")
    showToday("21:00", repo.today(pid))

    // Day 3: the first nephrotic morning, read from a photo in a dim bathroom (a synthetic photo
    // with sensor noise, a glare spot and a slightly tilted strip): the core suggests, the parent
    // confirms, and only the confirmed grade is logged.
    println("Day 3 · $d3")
    val shot = syntheticStripPhoto(DipstickGrade.THREE_PLUS, 0.15, SyntheticLight.DIM, 4.0, true, 1.5, 3uL)
    SimClock.set(d3, "06:49")
    var camera = repo.suggestFromPhoto(shot.photo, shot.layout, 12.0, shot.readWindowFromS, shot.readWindowToS)
    say("06:49", "photo 12 s after dipping → ${camera.title}: ${camera.text}")
    check(camera.retake && camera.suggested == null, "day 3: a photo before the read window is taken again")
    SimClock.set(d3, "06:50")
    camera = repo.suggestFromPhoto(shot.photo, shot.layout, shot.secondsSinceDip, shot.readWindowFromS, shot.readWindowToS)
    say("06:50", "photo ${Words.number(shot.secondsSinceDip)} s after dipping → ${camera.title}: ${camera.text}")
    checkEqual(camera.suggested, DipstickGrade.THREE_PLUS, "day 3: the photo in dim light suggests 3+")
    checkEqual(camera.nearest.firstOrNull(), DipstickGrade.THREE_PLUS, "day 3: 3+ is the nearest swatch")
    checkEqual(repo.today(pid).dipstickDue, true, "day 3: a suggestion alone logs nothing")
    check(camera.photo != null, "day 3: the camera screen holds the suggestion to store")
    s = dipstick(d3, camera.suggested ?: DipstickGrade.NEGATIVE, "3+ (the photo's suggestion, confirmed)", camera.photo)
    checkEqual(s.banner.state, RelapseState.WATCH, "day 3: one nephrotic morning is watch")
    checkEqual(s.banner.prompt, RelapsePrompt.TEST_AGAIN_TOMORROW, "day 3: test again tomorrow")
    checkEqual(s.banner.tone, BannerTone.WATCH, "day 3: the banner is amber")
    checkEqual(s.steroidPrompt, null, "day 3: no steroid prompt yet")
    take(d3, "08:01", "08:00")
    take(d3, "20:03", "20:00")
    SimClock.set(d3, "21:00")
    showToday("21:00", repo.today(pid))

    // Day 4: the reminder to test, a second nephrotic morning, a missed morning dose.
    println("Day 4 · $d4")
    SimClock.set(d4, "06:30")
    s = repo.today(pid)
    checkEqual(s.banner.prompt, RelapsePrompt.MORNING_TEST_MISSING, "day 4: in watch, the app asks for this morning's test")
    check(s.dipstickDue, "day 4: the dipstick card is open")
    say("06:30", "[${s.banner.title}] ${s.banner.text}")
    s = dipstick(d4, DipstickGrade.THREE_PLUS, "3+")
    checkEqual(s.banner.state, RelapseState.WATCH, "day 4: two nephrotic mornings are still watch")
    checkEqual(s.banner.prompt, RelapsePrompt.TEST_AGAIN_TOMORROW, "day 4: test again tomorrow")
    SimClock.set(d4, "11:00")
    s = repo.today(pid)
    val late = row(s, "08:00")
    checkEqual(late.status, DoseStatus.LATE, "day 4: at 11:00 the 08:00 dose is late")
    checkEqual(late.guidance, DoseGuidance.TAKE_NOW_LATE, "day 4: late means take it now")
    say("11:00", rowLine(late))
    SimClock.set(d4, "15:00")
    s = repo.today(pid)
    val missed = row(s, "08:00")
    checkEqual(missed.status, DoseStatus.MISSED, "day 4: at 15:00 the 08:00 dose is missed")
    checkEqual(missed.guidance, DoseGuidance.SKIP_NEVER_DOUBLE, "day 4: missed means skip it, never double")
    check(missed.canLog, "day 4: the missed dose still shows its skip button")
    say("15:00", rowLine(missed))
    s = take(d4, "15:00", "08:00", outcome = DoseOutcome.SKIPPED)
    checkEqual(row(s, "08:00").guidance, null, "day 4: a logged skip has no guidance left")
    take(d4, "20:10", "20:00")
    SimClock.set(d4, "21:00")
    showToday("21:00", repo.today(pid))

    // Day 5: the third nephrotic morning confirms the relapse; the care team starts a course.
    println("Day 5 · $d5")
    s = dipstick(d5, DipstickGrade.THREE_PLUS, "3+")
    checkEqual(s.banner.state, RelapseState.RELAPSE, "day 5: three nephrotic mornings are a relapse")
    checkEqual(s.banner.prompt, RelapsePrompt.RELAPSE_CONTACT_TEAM, "day 5: contact the care team today")
    checkEqual(s.banner.tone, BannerTone.ALERT, "day 5: the banner is red")
    checkEqual(s.banner.relapseOnset to s.banner.relapseConfirmed, d3 to d5, "day 5: onset day 3, confirmed day 5")
    check(s.steroidPrompt?.startsWith("Relapse suspected") == true, "day 5: the steroid prompt tells the family to contact the team") {
        "got ${s.steroidPrompt}"
    }
    say("06:50", "! ${s.steroidPrompt}")
    take(d5, "08:03", "08:00")
    SimClock.set(d5, "10:00")
    // A six-year-old who takes the steroid as a 5 mg/mL oral solution from a syringe.
    val course = repo.startSuggestedCourse(pid, "Dr. Example (care team)", liquid = LiquidInput(concentrationMgPerMl = 5.0))
    check(course != null, "day 5: the suggested course can be started")
    course!!
    checkEqual(course.template, CourseTemplate.KDIGO2025_RELAPSE, "day 5: the course is kdigo2025_relapse")
    checkEqual(course.plan.start, d5, "day 5: the course starts today")
    checkEqual(course.plan.liquid?.concentrationMgPerMl, 5.0, "day 5: the course is given as a 5 mg/mL solution")
    say("10:00", "care team starts kdigo2025_relapse (prednisolone 5 mg/mL oral solution from $d5, signed ${course.changedBy})")
    checkWindow(scheduler, "day 5 course")
    check("${course.medicationId}@${d6}T08:00" in scheduler.ids(), "day 5: tomorrow's steroid reminder is pending")
    say("10:00", notificationLine(scheduler))
    SimClock.set(d5, "10:05")
    s = repo.today(pid)
    checkEqual(s.steroidPrompt, null, "day 5: the prompt goes once a course is started")
    checkEqual(s.banner.prompt, RelapsePrompt.RELAPSE_CONTACT_TEAM, "day 5: the banner stays on the relapse")
    checkEqual(s.doses.size, 3, "day 5: tacrolimus twice and the steroid once")
    val steroid = row(s, "08:00", steroid = true)
    // 60 mg/m² on sqrt(115 × 20 / 3600) = 0.799 m² is 47.96 mg = 9.59 mL of 5 mg/mL, measured to
    // the syringe's 0.1 mL marks: 9.6 mL = 48 mg.
    checkEqual(steroid.label, "Prednisolone 9.6 mL (48 mg)", "day 5: the steroid dose appears in today's doses in mL")
    checkEqual(steroid.status, DoseStatus.LATE, "day 5: at 10:05 today's 08:00 steroid dose is late")
    checkEqual(steroid.guidance, DoseGuidance.TAKE_NOW_LATE, "day 5: take it now")
    take(d5, "10:10", "08:00", steroid = true)
    take(d5, "20:00", "20:00")
    SimClock.set(d5, "21:00")
    showToday("21:00", repo.today(pid))

    // Day 6: relapse ongoing; a tacrolimus trough before the morning dose.
    println("Day 6 · $d6")
    s = dipstick(d6, DipstickGrade.THREE_PLUS, "3+")
    checkEqual(s.banner.state, RelapseState.RELAPSE, "day 6: still relapse")
    checkEqual(s.banner.prompt, RelapsePrompt.RELAPSE_ONGOING, "day 6: keep following the plan")
    take(d6, "08:05", "08:00")
    take(d6, "08:05", "08:00", steroid = true)
    // The clinic's result arrives at noon: drawn at 07:40, before the 08:05 dose, so a trough.
    SimClock.set(d6, "12:00")
    val labs = repo.logLab(pid, LabKind.TACROLIMUS_TROUGH, 6.2, LabUnit.NANOGRAMS_PER_MILLILITRE, epochMs(d6, "07:40"))
    checkEqual(labs.rows.size, 1, "day 6: one lab result")
    checkEqual(repo.labs(pid), labs, "day 6: the labs screen reads back what was entered")
    val trough = labs.rows.single()
    checkEqual(trough.flag, TargetFlag.IN_RANGE, "day 6: 6.2 ng/mL is in the 5–10 target")
    checkEqual(trough.trough, TroughValidity.VALID, "day 6: drawn before the morning dose, a valid trough")
    say("12:00", "labs: ${trough.date} tacrolimus trough ${Words.number(trough.value)} ng/mL · ${trough.flagText}")
    // The care team adds an ACE inhibitor for the proteinuria: enalapril 2.5 mg every morning
    // at 09:00 from tomorrow.
    SimClock.set(d6, "12:30")
    val enalapril = repo.addMedicine(
        NewMedicineInput(
            pid, "walkthrough-enalapril", MedicineNameInput.Known("enalapril"), "tablet",
            MedicineAmountInput.Tablets(2.5, 1.0),
            MedicineScheduleInput(listOf("09:00"), MedicineDaysInput.EveryDay, d7),
            "Dr. Example (care team)",
        ),
    )
    checkEqual(enalapril.doseText, "2.5 mg", "day 6: enalapril 2.5 mg a dose")
    check(!enalapril.isSteroid, "day 6: enalapril is not a steroid")
    checkWindow(scheduler, "day 6 enalapril")
    check("${enalapril.medicationId}@${d7}T09:00" in scheduler.ids(), "day 6: tomorrow's enalapril reminder is pending")
    say("12:30", "care team adds enalapril ${enalapril.doseText} once a day at 09:00 from $d7")
    take(d6, "20:00", "20:00")
    SimClock.set(d6, "21:00")
    showToday("21:00", repo.today(pid))

    // Day 7: protein falling but not yet remission; the calendar and the report.
    println("Day 7 · $d7")
    s = dipstick(d7, DipstickGrade.ONE_PLUS, "1+")
    checkEqual(s.banner.state, RelapseState.RELAPSE, "day 7: 1+ does not end a relapse")
    checkEqual(s.banner.prompt, RelapsePrompt.RELAPSE_ONGOING, "day 7: relapse ongoing")
    take(d7, "08:02", "08:00")
    take(d7, "08:02", "08:00", steroid = true)
    s = take(d7, "09:03", "09:00")
    checkEqual(row(s, "09:00").label, "Enalapril 2.5 mg", "day 7: the enalapril dose is in today's doses")
    take(d7, "19:58", "20:00")
    SimClock.set(d7, "21:00")
    s = repo.today(pid)
    showToday("21:00", s)
    checkEqual(s.doses.map { it.outcome }, List(4) { DoseOutcome.TAKEN }, "day 7: every dose taken")
    checkEqual(s.nextDose?.startsWith("2025-03-10 08:00"), true, "day 7: next dose tomorrow 08:00")

    val calendar = repo.steroidCalendar(pid)
    say("21:00", "Steroid calendar ${calendar.firstDay} – ${calendar.lastDay}")
    calendar.days.forEach {
        println("        ${it.date} ${it.time} ${Words.number(it.mg)} mg (${it.tablets})" +
            (it.outcome?.let { o -> " · ${outcomeWord(o)}" } ?: "") + (if (it.provisional) " · until remission" else ""))
    }
    checkEqual(calendar.firstDay to calendar.lastDay, d1 to d7, "day 7: the calendar shows Monday to Sunday")
    checkEqual(calendar.days.map { it.date }, listOf(d5, d6, d7), "day 7: steroid doses from the course start")
    check(calendar.days.all { it.mg == 48.0 && it.tablets == "9.6 mL" }, "day 7: 48 mg = 9.6 mL each day") {
        calendar.days.toString()
    }
    check(calendar.days.all { it.provisional && it.outcome == DoseOutcome.TAKEN }, "day 7: provisional until remission, all taken")

    val html = File(repo.shareReport(pid, ExportFormat.HTML, workDir.path))
    check(html.isFile && html.length() > 0, "day 7: the HTML report is written")
    val text = html.readText()
    check("data-testid=\"relapse-row\"" in text && d3 in text, "day 7: the report lists the relapse (onset $d3)")
    check("Photo-assisted dipstick readings: 1," in text, "day 7: the report counts the photo-assisted reading of $d3")
    val fhir = File(repo.shareReport(pid, ExportFormat.FHIR, workDir.path))
    check(fhir.isFile && "\"Bundle\"" in fhir.readText(), "day 7: the FHIR bundle is written")
    check("photo-assisted, confirmed by the caregiver" in fhir.readText(), "day 7: the FHIR bundle says how $d3 was read")
    say("21:00", "share report: ${html.name} (${if (html.length() > 0) "written" else "empty"}, lists the relapse of $d3), ${fhir.name}")

    // The app is killed and opened again: the same screen comes back from the file.
    val reopened = DiaryRepository.open(dbPath, scheduler, clock = { SimClock.nowMs }, deviceTimeZone = { ZONE }, locale = "en")
    checkEqual(reopened.today(pid), s, "after reopening the diary, Today is unchanged")
    checkEqual(reopened.refreshNotifications(pid), 64, "after reopening, the refresh hands 64 reminders")
    checkEqual(scheduler.lastChanges.cancel.size + scheduler.lastChanges.schedule.size, 0, "after reopening, nothing to reschedule")
}

/** The Keychain / Keystore stand-in of one phone: secrets in memory. */
class MemorySecrets : SecretStorage {
    private val secrets = mutableMapOf<String, ByteArray>()
    override fun load(name: String): ByteArray? = secrets[name]
    override fun save(name: String, secret: ByteArray) {
        secrets[name] = secret.copyOf()
    }
}

/** The family's cloud drive stand-in: names to sealed bytes, each written once. */
class MemoryTransport : ShareTransport {
    val files = sortedMapOf<String, ByteArray>()
    override fun put(name: String, bytes: ByteArray) {
        val held = files[name]
        if (held != null && !held.contentEquals(bytes)) throw ShareCallbackException.Failed("a name is written once")
        files[name] = bytes.copyOf()
    }
    override fun get(name: String): ByteArray? = files[name]
    override fun list(prefix: String): List<String> =
        files.keys.filter { it.startsWith("$prefix/") }.map { it.removePrefix("$prefix/").substringBefore('/') }.distinct()
}

/**
 * Shared care (clinical-rules §11): the mother's phone holds a copy of the week's diary, the
 * father's new phone joins it; his evening dose reaches her phone after a sync, and a morning dose
 * both give while apart shows the double-dose alert on both phones.
 */
fun sharedCare(dbPath: String, workDir: File) {
    println("Shared care · 2025-03-10 and 2025-03-11 · two caregivers' phones")
    val mumPath = File(workDir, "mother.sqlite").apply { delete() }.path
    val dadPath = File(workDir, "father.sqlite").apply { delete() }.path
    Diary.open(dbPath).use { it.backupTo(mumPath) }
    val mum = Diary.open(mumPath)
    val dad = Diary.open(dadPath)
    val transport = MemoryTransport()
    val mumSecrets = MemorySecrets()
    val dadSecrets = MemorySecrets()
    val recovery = mum.startSharing("mother", transport, mumSecrets)
    check(recovery.startsWith("NEPHRO-RECOVER:"), "sharing: the mother's phone gets a recovery code to print")
    val invitation = mum.invite(transport, mumSecrets)
    val joined = dad.joinFamily(invitation, "father", transport, dadSecrets)
    checkEqual(joined.refusedBatches, emptyList(), "sharing: nothing refused on joining")
    say("19:00", "the mother's phone starts the family; the father's phone joins with her invitation and receives ${joined.newChanges} changes")
    val mumPid = mum.patients().single().id
    val dadPid = dad.patients().single().id
    val mumMed = mum.regimens(mumPid).first { it.prescription.drug == Drug.TACROLIMUS }.medicationId
    val dadMed = dad.regimens(dadPid).first { it.prescription.drug == Drug.TACROLIMUS }.medicationId
    checkEqual(dad.patients().single().profile.displayName, "Mei (fictional)", "sharing: the father's phone holds the child")

    val (evening, morning) = "2025-03-10" to "2025-03-11"
    val givenAt = epochMs(evening, "20:04")
    dad.logDose(DoseLogInput("father-$evening-20", dadMed, evening, "20:00", DoseOutcome.TAKEN, givenAt, "father"), givenAt, null)
    say("20:04", "father gives the 20:00 dose of $evening on his phone")
    dad.syncFamily(transport, dadSecrets)
    mum.syncFamily(transport, mumSecrets)
    val slot = mum.homeScreen(mumPid, epochMs(evening, "20:30"), null, "en").doses
        .first { it.medicationId == mumMed && it.slotTime == "20:00" }
    say("20:30", "after a sync, the mother's phone: ${slot.slotTime} ${slot.label} · ${slot.loggedText}")
    checkEqual(slot.loggedText, "Given by father at 8:04 pm", "sharing: the father's dose shows on the mother's phone")

    // Both give the 08:00 dose the next morning, neither phone online.
    fun give(who: String, diary: Diary, medication: String, time: String) {
        val at = epochMs(morning, time)
        diary.logDose(DoseLogInput("$who-$morning-08", medication, morning, "08:00", DoseOutcome.TAKEN, at, who), at, null)
        say(time, "$who gives the 08:00 dose of $morning")
    }
    give("mother", mum, mumMed, "08:01")
    give("father", dad, dadMed, "08:06")
    dad.syncFamily(transport, dadSecrets)
    mum.syncFamily(transport, mumSecrets)
    dad.syncFamily(transport, dadSecrets)
    for ((who, diary, pid) in listOf(Triple("mother", mum, mumPid), Triple("father", dad, dadPid))) {
        val alerts = diary.homeScreen(pid, epochMs(morning, "08:30"), null, "en").alerts
            .filter { it.kind == HomeAlertKind.POSSIBLE_DOUBLE_DOSE }
        alerts.forEach { say("08:30", "after a sync, the $who's phone: alert ${it.date}: ${it.text}") }
        checkEqual(alerts.size, 1, "sharing: the $who's phone shows the double-dose alert")
    }
    val clear = "Mei (fictional)".toByteArray()
    val leaked = transport.files.values.count { bytes ->
        (0..bytes.size - clear.size).any { start -> clear.indices.all { bytes[start + it] == clear[it] } }
    }
    checkEqual(leaked, 0, "sharing: no file on the transport holds the child's name")
    say("08:30", "the transport holds ${if (leaked == 0) "only ciphertext: no file has the child's name" else "CLEAR TEXT"}")
    mum.close()
    dad.close()
}

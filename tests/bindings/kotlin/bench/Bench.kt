// Per-call cost of the bindings from Kotlin on the JVM through JNA (a benchmark, not a test).
//
//   java -Djna.library.path=<dir> -cp ... BenchKt [--ping N] [--log N]
//
// ping: N calls of `ping()` in 5 rounds; the median round's time per call (and the first,
// JIT-cold round's). log_dose: N `logDose` calls on a temp diary, each a distinct slot of one
// regimen (08:00 and 20:00 from 2025-01-01 on); each call timed alone: median and mean.

import java.nio.file.Files
import java.time.LocalDate
import uniffi.nephro.*
import uniffi.nephro_core.*

const val ROUNDS = 5

fun human(ns: Double): String = when {
    ns < 1_000 -> "%.0f ns".format(ns)
    ns < 1_000_000 -> "%.1f µs".format(ns / 1_000)
    else -> "%.2f ms".format(ns / 1_000_000)
}

fun median(values: List<Double>): Double {
    val sorted = values.sorted()
    val mid = sorted.size / 2
    return if (sorted.size % 2 == 1) sorted[mid] else (sorted[mid - 1] + sorted[mid]) / 2
}

fun main(args: Array<String>) {
    var pingCalls = 200_000
    var logCalls = 2_000
    args.toList().chunked(2).forEach { (name, value) ->
        when (name) {
            "--ping" -> pingCalls = value.toInt()
            "--log" -> logCalls = value.toInt()
            else -> error("unknown argument $name")
        }
    }

    val perRound = maxOf(1, pingCalls / ROUNDS)
    var sink = 0L
    val pingPerCall = (1..ROUNDS).map {
        val start = System.nanoTime()
        for (i in 0 until perRound) sink += ping(i.toLong())
        (System.nanoTime() - start).toDouble() / perRound
    }
    check(sink >= 0)

    val dir = Files.createTempDirectory("nephro-bench-kt-").toFile()
    val logTimes = try {
        Diary.open(dir.resolve("bench.sqlite").path).use { diary ->
            val patient = diary.createPatient(
                PatientProfile("Bench Child", "2019-04-02", Sex.UNSPECIFIED, "Europe/Berlin", "ipna2022"))
            diary.addMeasurement(patient.id, Measurement("2024-12-31", 20.0, null))
            val regimen = diary.addRegimen(
                patient.id,
                RegimenInput(
                    Drug.TACROLIMUS, "capsule", listOf(0.5, 1.0), false, RegimenRate.MgPerKgPerDay(0.1),
                    listOf("08:00", "20:00"), "2025-01-01", null, "Dr. Example", "2024-12-31", false,
                ),
            )
            val firstDay = LocalDate.of(2025, 1, 1)
            val baseMs = 1735718400000L // 2025-01-01T08:00:00Z
            val inputs = (0 until logCalls).map { i ->
                DoseLogInput(
                    "bench-$i", regimen.medicationId, firstDay.plusDays((i / 2).toLong()).toString(),
                    if (i % 2 == 0) "08:00" else "20:00", DoseOutcome.TAKEN,
                    baseMs + (i / 2) * 86_400_000L + (i % 2) * 43_200_000L, "bench",
                )
            }
            val times = inputs.map { dose ->
                val start = System.nanoTime()
                diary.logDose(dose, dose.actualAtMs, null)
                (System.nanoTime() - start).toDouble()
            }
            val stored = diary.doseLogs(patient.id, firstDay.toString(), firstDay.plusDays(logCalls.toLong()).toString()).size
            check(stored == logCalls) { "kotlin bench: $stored doses stored, expected $logCalls" }
            times
        }
    } finally {
        dir.deleteRecursively()
    }
    println(
        "kotlin: ping ${human(median(pingPerCall))}/call (median of $ROUNDS rounds, ${perRound * ROUNDS} calls; " +
            "first round ${human(pingPerCall.first())}) | log_dose median ${human(median(logTimes))}, " +
            "mean ${human(logTimes.average())} ($logCalls calls)",
    )
}

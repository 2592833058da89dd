// Runs the Kotlin binding tests (JVM through JNA, as on Android).
//
//   java -Djna.library.path=<dir of libnephro_ffi.so> -cp <tests.jar>:<jna>:<gson>:<stdlib> MainKt \
//       [--shared-conformance DIR] [--next-conformance DIR] [--repo-conformance DIR] [--filter TEXT]
//       [--relay URL]
//
// With --relay, the live relay flow (LiveRelayTest.kt) runs against that relay instead of the
// tests (scripts/test-relay.sh starts one).
// The conformance directories default to $NEPHRO_SHARED_CONFORMANCE,
// $NEPHRO_SHARED_CONFORMANCE_NEXT and $NEPHRO_REPO_CONFORMANCE.
// Every check helper call is one check; a failed check is recorded and the test goes on, an
// exception escaping a test fails that test. Prints `kotlin: N checks passed in M tests`, or
// every failure and exits 1.
//
// To add tests: write `fun myThing()` functions in a new `<Name>Test.kt`, list them there in
// `val <name>Tests = listOf(::myThing, ...)`, and add that list to `allTests` below (one line).

import kotlin.reflect.KFunction0
import uniffi.nephro_core.NephroException
import kotlin.system.exitProcess

val allTests: List<KFunction0<Unit>> = listOf(
    diagnosticsTests,
    diaryTests,
    dipstickTests,
    doseConformanceTests,
    exportTests,
    growthTests,
    labsTests,
    medicineTests,
    relapseTests,
    remindersTests,
    shareTests,
    taperTests,
    trustFilesTests,
    trustValuesTests,
).flatten()

object Checks {
    var count = 0
    val failures = mutableListOf<String>()
    var currentTest = "?"

    fun record(ok: Boolean, what: String, detail: () -> String = { "" }): Boolean {
        count++
        if (!ok) {
            val d = detail()
            failures += "$currentTest: " + if (d.isEmpty()) what else "$what: $d"
        }
        return ok
    }
}

/** Passes when [condition] holds. */
fun check(condition: Boolean, what: String): Boolean = Checks.record(condition, what)

/** Passes when [actual] equals [expected]. */
fun <T> checkEqual(actual: T, expected: T, what: String): Boolean =
    Checks.record(actual == expected, what) { "got $actual, expected $expected" }

/** Passes when two numbers differ by at most [tolerance]. */
fun checkClose(actual: Double?, expected: Double, what: String, tolerance: Double = 1e-6): Boolean =
    Checks.record(actual != null && actual.isFinite() && Math.abs(actual - expected) <= tolerance, what) {
        "got $actual, expected $expected within $tolerance"
    }

/** Passes when [block] throws an [E]; returns it (null when the check failed). */
inline fun <reified E : Throwable> checkThrows(what: String, block: () -> Any?): E? {
    val outcome = try {
        Result.success(block())
    } catch (e: Throwable) {
        Result.failure(e)
    }
    val error = outcome.exceptionOrNull()
    Checks.record(error is E, what) {
        if (error == null) "returned ${outcome.getOrNull()}, expected ${E::class.simpleName}"
        else "threw $error, expected ${E::class.simpleName}"
    }
    return error as? E
}

/** Passes when [block] throws `NephroException.Validation` naming [field]. */
fun checkValidation(field: String, what: String, block: () -> Any?): NephroException.Validation? {
    val outcome = runCatching { block() }
    val error = outcome.exceptionOrNull()
    val validation = (error as? NephroException.Validation)?.takeIf { it.field == field }
    Checks.record(validation != null, what) {
        if (error == null) "returned ${outcome.getOrNull()}, expected Validation($field)"
        else "threw $error, expected Validation($field)"
    }
    return validation
}

/** Where the conformance cases are (set from the command line or the environment). */
object Config {
    var sharedConformance: String? = System.getenv("NEPHRO_SHARED_CONFORMANCE")
    var nextConformance: String? = System.getenv("NEPHRO_SHARED_CONFORMANCE_NEXT")
    var repoConformance: String? = System.getenv("NEPHRO_REPO_CONFORMANCE")
    var relay: String? = null
}

fun main(args: Array<String>) {
    var filter = ""
    var i = 0
    while (i < args.size) {
        val value = args.getOrNull(i + 1)
        when (args[i]) {
            "--shared-conformance" -> Config.sharedConformance = value
            "--next-conformance" -> Config.nextConformance = value
            "--repo-conformance" -> Config.repoConformance = value
            "--filter" -> filter = value ?: ""
            "--relay" -> Config.relay = value
            else -> { System.err.println("kotlin: unknown argument ${args[i]}"); exitProcess(2) }
        }
        i += 2
    }
    val tests = (if (Config.relay != null) liveRelayTests else allTests).filter { filter in it.name }
    for (test in tests) {
        Checks.currentTest = test.name
        try {
            test()
        } catch (e: Throwable) {
            Checks.failures += "${test.name}: threw ${e.stackTraceToString().trimEnd()}"
        }
    }
    if (tests.isEmpty()) {
        System.err.println("kotlin: no tests found")
        exitProcess(1)
    }
    if (Checks.failures.isNotEmpty()) {
        Checks.failures.forEach { println("FAILED $it") }
        println("kotlin: ${Checks.failures.size} failures (${Checks.count} checks) in ${tests.size} tests")
        exitProcess(1)
    }
    println("kotlin: ${Checks.count} checks passed in ${tests.size} tests")
    exitProcess(0)
}

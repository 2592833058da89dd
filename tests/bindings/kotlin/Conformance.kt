// Conformance cases through the typed bindings (shared/spec/conformance.md).
//
// A suite test gives `runSuite` a function that turns a case's `input` (a Gson JsonObject) into
// the typed request, calls the typed FFI function and renders its result as JSON-like Kotlin
// values (Map, List, Number, String, Boolean, null). A refusal (NephroException) becomes
// {"error": {"code": ...}} by `errorCode`. The output is compared with `expected` by the
// matching rules of conformance.md: every expected key present, arrays element by element with
// equal length, numbers within 1e-6, strings, booleans and null exactly, a boolean never
// matches a number.

import com.google.gson.JsonArray
import com.google.gson.JsonElement
import com.google.gson.JsonNull
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import com.google.gson.JsonPrimitive
import java.io.File
import uniffi.nephro_core.NephroException
import uniffi.nephro_core.PhotoProblem

const val NUMBER_TOLERANCE = 1e-6

/** The suites of the shared `conformance-next` whose capability has landed (conformance-next/README.md). */
val landedNextSuites = setOf("dipstick", "dose")

/** The conformance error code of a refusal (as `nephro eval` prints it). */
fun errorCode(error: NephroException): String = when (error) {
    is NephroException.Validation -> "invalid_input"
    is NephroException.DoseOutOfRange -> "dose_out_of_range"
    is NephroException.NotMeasurable -> "not_measurable"
    is NephroException.NotFound -> "not_found"
    is NephroException.Conflict -> "conflict"
    is NephroException.NeedsConfirmation -> "needs_confirmation"
    is NephroException.Photo -> photoProblemCode(error.problem)
    is NephroException.CorruptDatabase, is NephroException.NotADiary, is NephroException.ReadOnly,
    is NephroException.NewerSchema, is NephroException.UnknownSchema, is NephroException.UpgradeFailed,
    is NephroException.MigrationFailed, is NephroException.Storage -> "storage"
}

/** The conformance code of a [PhotoProblem] (clinical-rules §13). */
fun photoProblemCode(problem: PhotoProblem): String = when (problem) {
    is PhotoProblem.TooEarly -> "too_early"
    is PhotoProblem.TooLate -> "too_late"
    is PhotoProblem.Overexposed -> "overexposed"
    is PhotoProblem.TooDark -> "too_dark"
    is PhotoProblem.Uneven -> "uneven"
}

/** The shared, the landed shared-next and the project's case directories of [suite] (those that exist). */
fun suiteDirs(suite: String): List<File> =
    listOfNotNull(
        Config.sharedConformance,
        Config.nextConformance.takeIf { suite in landedNextSuites },
        Config.repoConformance,
    ).map { File(it, suite) }.filter { it.isDirectory }

/** Every `*.json` case of [suite], shared ones first, each directory sorted by name. */
fun caseFiles(suite: String): List<File> =
    suiteDirs(suite).flatMap { dir -> dir.listFiles { f -> f.name.endsWith(".json") }.orEmpty().sortedBy { it.name } }

/** Kotlin values (Map, List, Number, String, Boolean, null) as a Gson tree. */
fun toJson(value: Any?): JsonElement = when (value) {
    null -> JsonNull.INSTANCE
    is JsonElement -> value
    is Boolean -> JsonPrimitive(value)
    is Number -> JsonPrimitive(value)
    is UInt -> JsonPrimitive(value.toLong())
    is String -> JsonPrimitive(value)
    is Map<*, *> -> JsonObject().also { o -> value.forEach { (k, v) -> o.add(k.toString(), toJson(v)) } }
    is Iterable<*> -> JsonArray().also { a -> value.forEach { a.add(toJson(it)) } }
    else -> throw IllegalArgumentException("not a JSON value: $value")
}

/** Where [actual] does not match [expected], as readable lines (empty: match). */
fun mismatches(expected: JsonElement, actual: JsonElement, path: String = "$"): List<String> {
    fun differ() = listOf("$path: expected $expected, got $actual")
    return when {
        expected.isJsonObject -> {
            if (!actual.isJsonObject) return differ()
            val got = actual.asJsonObject
            expected.asJsonObject.entrySet().flatMap { (key, value) ->
                if (!got.has(key)) listOf("$path.$key: missing") else mismatches(value, got.get(key), "$path.$key")
            }
        }
        expected.isJsonArray -> {
            if (!actual.isJsonArray) return differ()
            val (e, a) = expected.asJsonArray to actual.asJsonArray
            if (e.size() != a.size()) return listOf("$path: expected ${e.size()} elements, got ${a.size()}: $actual")
            (0 until e.size()).flatMap { i -> mismatches(e.get(i), a.get(i), "$path[$i]") }
        }
        expected.isJsonNull -> if (actual.isJsonNull) emptyList() else differ()
        else -> {
            val e = expected.asJsonPrimitive
            val a = if (actual.isJsonPrimitive) actual.asJsonPrimitive else return differ()
            val same = when {
                e.isNumber -> a.isNumber && a.asDouble.isFinite() && Math.abs(a.asDouble - e.asDouble) <= NUMBER_TOLERANCE
                e.isBoolean -> a.isBoolean && a.asBoolean == e.asBoolean
                else -> a.isString && a.asString == e.asString
            }
            if (same) emptyList() else differ()
        }
    }
}

/**
 * Runs every case of [suite] through [evaluate] (case input → JSON-like output); one check per
 * case, plus one that cases were found. Returns the number of cases.
 */
fun runSuite(suite: String, evaluate: (JsonObject) -> Any?): Int {
    val files = caseFiles(suite)
    check(files.isNotEmpty(), "suite $suite: no case files found in ${suiteDirs(suite).ifEmpty { "any conformance directory" }}")
    for (file in files) {
        val found = try {
            val case = JsonParser.parseString(file.readText()).asJsonObject
            val output = try {
                toJson(evaluate(case.getAsJsonObject("input")))
            } catch (e: NephroException) {
                toJson(mapOf("error" to mapOf("code" to errorCode(e), "message" to e.message)))
            }
            mismatches(case.get("expected"), output)
        } catch (e: Exception) {
            listOf("threw $e")
        }
        check(found.isEmpty(), "$suite/${file.name}: ${found.joinToString("; ")}")
    }
    return files.size
}

// Typed accessors for case inputs: a missing key is null for the optional ones.
fun JsonObject.double(key: String): Double = get(key).asDouble
fun JsonObject.optDouble(key: String): Double? = get(key)?.takeUnless { it.isJsonNull }?.asDouble
fun JsonObject.int(key: String): Int = get(key).asInt
fun JsonObject.text(key: String): String = get(key).asString
fun JsonObject.flag(key: String, default: Boolean): Boolean = get(key)?.takeUnless { it.isJsonNull }?.asBoolean ?: default
fun JsonObject.doubles(key: String): List<Double> = getAsJsonArray(key).map { it.asDouble }

// Red-team tests of the diary file from Kotlin: a file that is not a diary is never touched,
// paths that keep nothing are refused, damage is typed and stops writes, and a backup or an
// export never replaces a diary. (Read-only volumes and full disks need a mount namespace: the
// Rust and Python suites cover them.)

import java.io.File
import java.io.RandomAccessFile
import java.time.LocalDate
import java.time.ZoneOffset
import uniffi.nephro.*
import uniffi.nephro_core.*

val trustFilesTests = listOf(
    ::filesThatAreNotDiariesAreRefusedUntouched,
    ::pathsThatKeepNothingAreRefused,
    ::schemaVersionsNoReleaseWroteAreTyped,
    ::aDamagedDiaryIsMovedAsideAndKept,
    ::damageMetAfterOpeningIsTypedAndStopsWrites,
    ::backupAndExportNeverReplaceADiary,
)

/** The SHA-256 of a file's bytes, in hex (a failure message shows this, not the bytes). */
private fun sha256(file: File): String =
    java.security.MessageDigest.getInstance("SHA-256").digest(file.readBytes()).joinToString("") { "%02x".format(it) }

/** Every file of [dir] with the digest of its bytes. */
private fun listing(dir: File): Map<String, String> =
    (dir.listFiles() ?: emptyArray()).filter { it.isFile }.associate { it.name to sha256(it) }

private fun checkNotADiary(file: File, what: String) {
    val before = listing(file.parentFile)
    checkThrows<NephroException.NotADiary>(what) { Diary.open(file.path).close() }
    checkEqual(listing(file.parentFile), before, "$what: nothing changed, renamed or made")
}

/** A SQLite file of another application: the 100-byte header of an empty database. */
private fun foreignDatabaseHeader(): ByteArray {
    val header = ByteArray(4096)
    "SQLite format 3\u0000".toByteArray(Charsets.US_ASCII).copyInto(header)
    header[16] = 0x10; header[17] = 0x00 // page size 4096
    header[18] = 1; header[19] = 1; header[21] = 64; header[22] = 32; header[23] = 32
    header[31] = 1 // one page
    header[47] = 4 // schema format 4
    header[71] = 7 // application id 7: someone else's
    header[100] = 0x0D // an empty table leaf page
    header[105] = 0x10 // cell content starts at 4096
    return header
}

fun filesThatAreNotDiariesAreRefusedUntouched(): Unit = withTempDir { tmp ->
    val text = File(tmp, "notes.txt").apply { writeText("a family's notes\n".repeat(100)) }
    checkNotADiary(text, "a text file")
    checkNotADiary(File(tmp, "empty.db").apply { writeBytes(ByteArray(0)) }, "an empty file")
    checkNotADiary(File(tmp, "other.sqlite").apply { writeBytes(foreignDatabaseHeader()) }, "another app's database")
    val link = File(tmp, "link.db")
    java.nio.file.Files.createSymbolicLink(link.toPath(), text.toPath())
    checkNotADiary(link, "a link to a text file")
}

fun pathsThatKeepNothingAreRefused(): Unit = withTempDir { tmp ->
    for (path in listOf("", ":memory:", "file:diary.db", "file::memory:?cache=shared")) {
        checkValidation("path", "open \"$path\"") { Diary.open(path).close() }
    }
    check(!File("file:diary.db").exists(), "no file made")
    checkThrows<NephroException.NotADiary>("a directory") { Diary.open(tmp.path).close() }
}

/** Writes [version] into the header's user_version (offset 60, big-endian) of a closed diary. */
private fun setUserVersion(file: File, version: Int) = RandomAccessFile(file, "rw").use { f ->
    f.seek(60)
    f.writeInt(version)
}

fun schemaVersionsNoReleaseWroteAreTyped(): Unit = withTempDir { tmp ->
    val file = File(tmp, "diary.db")
    Diary.open(file.path).use { seeded(it) }
    setUserVersion(file, -1)
    val bytes = file.readBytes()
    val unknown = checkThrows<NephroException.UnknownSchema>("schema version -1") { Diary.open(file.path).close() }
    checkEqual(unknown?.found, -1L, "the version found")
    setUserVersion(file, 1000)
    val newer = checkThrows<NephroException.NewerSchema>("schema version 1000") { Diary.open(file.path).close() }
    checkEqual(newer?.found, 1000L, "the newer version")
    setUserVersion(file, -1)
    check(file.readBytes().contentEquals(bytes), "the file is as it was")
}

fun aDamagedDiaryIsMovedAsideAndKept(): Unit = withTempDir { tmp ->
    val file = File(tmp, "diary.db")
    Diary.open(file.path).close()
    RandomAccessFile(file, "rw").use { f ->
        f.seek(100)
        f.write(ByteArray(3996) { i -> ((i * 37) % 251).toByte() }) // the schema page; the header stays
    }
    val damaged = file.readBytes()
    val error = checkThrows<NephroException.CorruptDatabase>("open a damaged diary") { Diary.open(file.path).close() }
    if (error != null) {
        val kept = File(error.keptAt)
        check(kept.path != file.path && kept.isFile, "kept at keptAt")
        if (kept.isFile) check(kept.readBytes().contentEquals(damaged), "kept byte for byte")
    }
    Diary.open(file.path).use { checkEqual(it.patients(), emptyList(), "opening again starts a new diary") }
}

/** Logs the two daily doses from 2025-01-15 to 2025-03-20 (winter time in Berlin: UTC+1). */
private fun logManyDoses(diary: Diary, medication: String) {
    var day = LocalDate.of(2025, 1, 15)
    while (day.isBefore(LocalDate.of(2025, 3, 20))) {
        for ((slot, utcHour) in listOf("08:00" to 7, "20:00" to 19)) {
            val atMs = day.atTime(utcHour, 0).toInstant(ZoneOffset.UTC).toEpochMilli()
            diary.logDose(doseLog("kt-$day-$slot", medication, slotDate = day.toString(), slotTime = slot, atMs = atMs), atMs, null)
        }
        day = day.plusDays(1)
    }
}

fun damageMetAfterOpeningIsTypedAndStopsWrites(): Unit = withTempDir { tmp ->
    val file = File(tmp, "diary.db")
    Diary.open(file.path).close()
    val freshSize = file.length()
    val patientId = Diary.open(file.path).use { diary ->
        val (patient, regimen) = seeded(diary)
        logManyDoses(diary, regimen.medicationId)
        patient.id
    }
    // The pages the doses added (past the fresh diary's schema pages) are overwritten.
    val bytes = file.readBytes()
    check(bytes.size > freshSize, "the doses added pages")
    for (i in freshSize.toInt() until bytes.size) bytes[i] = ((i * 89) % 253).toByte()
    file.writeBytes(bytes)
    Diary.open(file.path).use { diary ->
        val read = checkThrows<NephroException.CorruptDatabase>("a read meets the damage") {
            diary.doseLogs(patientId, "2025-01-01", "2025-04-01")
        }
        checkEqual(read?.keptAt, file.path, "the file stays where it is")
        checkThrows<NephroException.CorruptDatabase>("every later write is refused") {
            diary.addMeasurement(patientId, weight(20.5, on = "2025-01-20"))
        }
    }
    check(file.readBytes().contentEquals(bytes), "the damaged file is kept as it was")
}

fun backupAndExportNeverReplaceADiary(): Unit = withTempDir { tmp ->
    val file = File(tmp, "diary.db")
    val other = File(tmp, "other.db")
    Diary.open(other.path).close()
    Diary.open(file.path).use { diary ->
        val (patient, regimen) = seeded(diary)
        diary.logDose(doseLog("kt-backup", regimen.medicationId), MORNING_MS, null)
        val copy = diary.backupTo(File(tmp, "copy.db").path)
        check(!File("$copy-wal").exists(), "the copy needs no -wal")
        Diary.open(copy).use { checkEqual(it.dose("kt-backup").dose.clientId, "kt-backup", "the copy holds the dose") }
        diary.checkpoint()
        val before = listOf(file, other).map(::sha256)
        val request = ExportRequest(ExportFormat.HTML, null, null, null, "en", 1_736_924_700_000)
        for (target in listOf(file.path, other.path, "${tmp.path}/./diary.db", "${file.path}-wal")) {
            checkValidation("target", "backup onto $target") { diary.backupTo(target) }
            checkValidation("path", "export onto $target") { diary.exportToPath(patient.id, request, target) }
        }
        diary.checkpoint()
        checkEqual(listOf(file, other).map(::sha256), before, "neither diary changed")
        diary.logDose(doseLog("kt-after", regimen.medicationId, slotTime = "20:00", atMs = EVENING_MS), EVENING_MS, null)
    }
    Diary.open(file.path).use { checkEqual(it.dose("kt-after").dose.clientId, "kt-after", "the diary is still written") }
}

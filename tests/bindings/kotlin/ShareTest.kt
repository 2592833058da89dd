// Shared care from Kotlin (clinical-rules §11), as the Android shell uses it: a transport and a
// secret storage written in Kotlin (in memory here; a cloud drive and the Android Keystore on a
// phone) join two caregivers' diaries; Dad's dose shows on Mum's phone with his name, a morning
// dose given on both phones apart alerts on both, and the transport holds no clear text.

import uniffi.nephro.*
import uniffi.nephro_core.*

val shareTests = listOf(
    ::twoCaregiversShareADiaryThroughAKotlinTransport,
    ::aGarbledInvitationIsRefusedAndChangesNothing,
    ::bothPhonesNameASlotAlikeForTheRelay,
)

// 2025-01-16 07:02, 07:05 and 07:30 UTC (08:02, 08:05 and 08:30 in Europe/Berlin), epoch ms.
private const val NEXT_MORNING_MUM_MS = 1737010920000L
private const val NEXT_MORNING_DAD_MS = 1737011100000L
private const val NEXT_MORNING_LATER_MS = 1737012600000L

/** The phone's secure storage, in memory (also the live relay test's). */
class MemorySecrets : SecretStorage {
    val secrets = mutableMapOf<String, ByteArray>()

    override fun load(name: String): ByteArray? = synchronized(secrets) { secrets[name] }

    override fun save(name: String, secret: ByteArray) {
        synchronized(secrets) { secrets[name] = secret.copyOf() }
    }
}

/** A transport in memory: names to bytes, each written once, as a cloud drive would hold them. */
private class MemoryTransport : ShareTransport {
    val files = sortedMapOf<String, ByteArray>()

    override fun put(name: String, bytes: ByteArray) = synchronized(files) {
        val held = files[name]
        if (held != null && !held.contentEquals(bytes)) throw ShareCallbackException.Failed("a name is written once")
        files[name] = bytes.copyOf()
    }

    override fun get(name: String): ByteArray? = synchronized(files) { files[name] }

    override fun list(prefix: String): List<String> = synchronized(files) {
        files.keys.filter { it.startsWith("$prefix/") }
            .map { it.removePrefix("$prefix/").substringBefore('/') }
            .distinct()
    }
}

/** Whether the bytes hold [text] (UTF-8) anywhere. */
fun ByteArray.contains(text: String): Boolean {
    val needle = text.toByteArray()
    return (0..size - needle.size).any { start -> needle.indices.all { this[start + it] == needle[it] } }
}

fun twoCaregiversShareADiaryThroughAKotlinTransport(): Unit = withTempDir { tmp ->
    val transport = MemoryTransport()
    val mumSecrets = MemorySecrets()
    val dadSecrets = MemorySecrets()
    Diary.open(tmp.resolve("mum.sqlite").path).use { mum ->
        Diary.open(tmp.resolve("dad.sqlite").path).use { dad ->
            val (patient, regimen) = seeded(mum)
            val recovery = mum.startSharing("Mum", transport, mumSecrets)
            check(recovery.startsWith("NEPHRO-RECOVER:"), "starting a family returns its recovery code")
            val invitation = mum.invite(transport, mumSecrets)
            check(invitation.startsWith("NEPHRO-JOIN:"), "an invitation's text")

            val joined = dad.joinFamily(invitation, "Dad", transport, dadSecrets)
            check(joined.newChanges > 0u && joined.refusedBatches.isEmpty(), "the whole diary arrives: $joined")
            val dadPatient = dad.patients().single()
            checkEqual(dadPatient.profile.displayName, "Test Child", "Dad's diary holds the child")
            val dadMed = dad.regimens(dadPatient.id).single().medicationId
            val mumMed = regimen.medicationId
            checkEqual(
                mum.familyMembers(transport, mumSecrets).map { it.caregiver to it.isThisDevice }.sortedBy { it.first },
                listOf("Dad" to false, "Mum" to true),
                "two members, Mum's phone is this device",
            )

            // Dad gives the 20:00 dose at 20:10; after both sync, Mum's phone says who gave it.
            dad.logDose(doseLog("dad-evening", dadMed, slotTime = "20:00", atMs = EVENING_MS, by = "Dad"), EVENING_MS, null)
            checkEqual(dad.syncFamily(transport, dadSecrets).sentChanges, 1uL, "Dad sends his dose")
            checkEqual(mum.syncFamily(transport, mumSecrets).newChanges, 1uL, "Mum receives it")
            val evening = mum.homeScreen(patient.id, EVENING_LATER_MS, null, "en").doses
                .singleOrNull { it.medicationId == mumMed && it.slotDate == "2025-01-15" && it.slotTime == "20:00" }
            val text = evening?.loggedText
            check(text != null && "Dad" in text && "8:10" in text, "Mum's phone shows who gave it: $text")

            // The next morning both give the 08:00 dose, neither phone online.
            mum.logDose(doseLog("mum-morning", mumMed, slotDate = "2025-01-16", atMs = NEXT_MORNING_MUM_MS, by = "Mum"),
                NEXT_MORNING_MUM_MS, null)
            dad.logDose(doseLog("dad-morning", dadMed, slotDate = "2025-01-16", atMs = NEXT_MORNING_DAD_MS, by = "Dad"),
                NEXT_MORNING_DAD_MS, null)
            dad.syncFamily(transport, dadSecrets)
            mum.syncFamily(transport, mumSecrets)
            dad.syncFamily(transport, dadSecrets)
            for ((who, diary, patientId) in listOf(Triple("Mum", mum, patient.id), Triple("Dad", dad, dadPatient.id))) {
                val kinds = diary.homeScreen(patientId, NEXT_MORNING_LATER_MS, null, "en").alerts.map { it.kind }
                check(HomeAlertKind.POSSIBLE_DOUBLE_DOSE in kinds, "$who's home screen alerts a double dose: $kinds")
                checkEqual(
                    diary.doubleDoseAlerts("2025-01-16", "2025-01-16").map { a -> a.slotTime to a.entries.map { it.caregiver } },
                    listOf("08:00" to listOf("Mum", "Dad")),
                    "$who's diary lists both logs of the slot",
                )
            }

            check(transport.files.size > 5, "the transport holds the family's files (${transport.files.size})")
            for (clear in listOf("Test Child", "2019-04-02", "Dr. Example")) {
                check(transport.files.values.none { it.contains(clear) }, "no file on the transport contains '$clear'")
            }
        }
    }
}

fun aGarbledInvitationIsRefusedAndChangesNothing(): Unit = withTempDir { tmp ->
    val transport = MemoryTransport()
    val mumSecrets = MemorySecrets()
    val dadSecrets = MemorySecrets()
    Diary.open(tmp.resolve("mum.sqlite").path).use { mum ->
        Diary.open(tmp.resolve("dad.sqlite").path).use { dad ->
            seeded(mum)
            checkValidation("secrets", "syncing before sharing") { mum.syncFamily(transport, mumSecrets) }
            mum.startSharing("Mum", transport, mumSecrets)
            val invitation = mum.invite(transport, mumSecrets)
            val held = transport.files.keys.toList()
            val garbled = invitation.dropLast(6) + if (invitation.endsWith("AAAAAA")) "BBBBBB" else "AAAAAA"
            checkValidation("invitation", "a garbled invitation") { dad.joinFamily(garbled, "Dad", transport, dadSecrets) }
            checkEqual(dadSecrets.secrets.isEmpty(), true, "a refused join keeps no secret")
            checkEqual(dad.patients(), emptyList(), "and writes nothing to the diary")
            checkEqual(transport.files.keys.toList(), held, "nor to the transport")
        }
    }
}

/** A claim for the relay (issue 16): the same token for the same slot on both phones, a holder
 * only the family opens, refused for another slot. */
fun bothPhonesNameASlotAlikeForTheRelay(): Unit = withTempDir { tmp ->
    val transport = MemoryTransport()
    val mumSecrets = MemorySecrets()
    val dadSecrets = MemorySecrets()
    Diary.open(tmp.resolve("mum.sqlite").path).use { mum ->
        Diary.open(tmp.resolve("dad.sqlite").path).use { dad ->
            val (_, regimen) = seeded(mum)
            mum.startSharing("Mum", transport, mumSecrets)
            dad.joinFamily(mum.invite(transport, mumSecrets), "Dad", transport, dadSecrets)
            val dadMed = dad.regimens(dad.patients().single().id).single().medicationId
            val mine = mum.slotClaim(regimen.medicationId, "2025-01-15", "20:00", EVENING_MS, mumSecrets)
            val theirs = dad.slotClaim(dadMed, "2025-01-15", "20:00", EVENING_MS, dadSecrets)
            checkEqual(mine.tokenHex, theirs.tokenHex, "both phones name the evening slot alike")
            val holder = dad.claimHolder(dadMed, "2025-01-15", "20:00", mine.sealedHolder, dadSecrets)
            checkEqual(holder.caregiver to holder.atMs, "Mum" to EVENING_MS, "Dad's phone reads who claimed it")
            checkValidation("holder", "a holder of another slot") {
                dad.claimHolder(dadMed, "2025-01-15", "08:00", mine.sealedHolder, dadSecrets)
            }
        }
    }
}

// The relay from Kotlin, live (issue 16, clinical-rules §11), as the Android shell uses it: an
// HTTP client written in Kotlin (java.net.HttpURLConnection here; OkHttp on a phone) reaches a
// real relay started by scripts/test-relay.sh. Mum claims the 20:00 dose before giving it; Dad is
// told "being given by Mum", then "already given by Mum"; a released claim frees the slot; the
// relay sees no clear text; offline, a claim fails with a typed error. Run with `--relay URL`.

import java.net.HttpURLConnection
import java.net.URI
import uniffi.nephro.*
import uniffi.nephro_core.*

val liveRelayTests = listOf(::twoCaregiversClaimTheEveningDoseThroughTheRelay)

// 2025-01-15 19:01 UTC (20:01 in Europe/Berlin) and 2025-01-16 07:01 UTC, epoch ms.
private const val CLAIM_MS = 1736967660000L
private const val NEXT_MORNING_MS = 1737010860000L

/** The relay's HTTP client over HttpURLConnection; keeps what went over the wire to search it. */
private class UrlConnectionRelayHttp : RelayHttpClient {
    val seen = mutableListOf<ByteArray>()
    @Volatile var offline = false

    override fun send(request: RelayRequest): RelayResponse {
        if (offline) throw ShareCallbackException.Failed("the phone is offline")
        val connection = URI(request.url).toURL().openConnection() as HttpURLConnection
        try {
            connection.instanceFollowRedirects = false
            connection.connectTimeout = 30_000
            connection.readTimeout = 30_000
            connection.requestMethod = request.method
            request.authorization?.let { connection.setRequestProperty("Authorization", it) }
            request.contentType?.let { connection.setRequestProperty("Content-Type", it) }
            if (request.method == "PUT" || request.method == "POST") {
                connection.doOutput = true
                connection.outputStream.use { it.write(request.body) }
            }
            val status = connection.responseCode
            val body = (if (status >= 400) connection.errorStream else connection.inputStream)
                ?.use { it.readBytes() } ?: ByteArray(0)
            synchronized(seen) { seen += request.url.toByteArray() + request.body + body }
            return RelayResponse(status.toUShort(), body)
        } catch (e: java.io.IOException) {
            throw ShareCallbackException.Failed("no answer: ${e.javaClass.simpleName}")
        } finally {
            connection.disconnect()
        }
    }
}

fun twoCaregiversClaimTheEveningDoseThroughTheRelay(): Unit = withTempDir { tmp ->
    val http = UrlConnectionRelayHttp()
    val relay = FamilyRelay(Config.relay ?: error("--relay is needed"), http)
    val mumSecrets = MemorySecrets()
    val dadSecrets = MemorySecrets()
    Diary.open(tmp.resolve("mum.sqlite").path).use { mum ->
        Diary.open(tmp.resolve("dad.sqlite").path).use { dad ->
            val (patient, regimen) = seeded(mum)
            val recovery = mum.startSharingOnRelay("Mum", relay, mumSecrets)
            check(recovery.startsWith("NEPHRO-RECOVER:"), "starting a family on the relay returns its recovery code")
            val invitation = mum.inviteOnRelay(relay, mumSecrets)
            val joined = dad.joinFamilyOnRelay(invitation, "Dad", relay, dadSecrets)
            check(joined.newChanges > 0u, "the whole diary arrives through the relay: $joined")
            val dadPatient = dad.patients().single()
            val dadMed = dad.regimens(dadPatient.id).single().medicationId
            val mumMed = regimen.medicationId
            checkEqual(
                mum.familyMembersOnRelay(relay, mumSecrets).map { it.caregiver }.sorted(),
                listOf("Dad", "Mum"),
                "two members on the relay",
            )

            // 20:01: Mum claims the 20:00 dose before giving it; Dad, a minute later, is told.
            val granted = mum.claimDoseSlot(mumMed, "2025-01-15", "20:00", CLAIM_MS, relay, mumSecrets)
            check(granted is ClaimStatus.Granted, "Mum's claim is granted: $granted")
            val held = dad.claimDoseSlot(dadMed, "2025-01-15", "20:00", CLAIM_MS + 60_000, relay, dadSecrets)
            checkEqual(
                (held as? ClaimStatus.BeingGiven)?.holder?.let { it.caregiver to it.atMs },
                "Mum" to CLAIM_MS,
                "Dad is told it is being given by Mum since she claimed",
            )

            // Mum gives and logs it, then ends her claim as taken; Dad is told "already given".
            mum.logDose(doseLog("mum-evening", mumMed, slotTime = "20:00", atMs = EVENING_MS, by = "Mum"), EVENING_MS, null)
            mum.endDoseSlotClaim(mumMed, "2025-01-15", "20:00", ClaimOutcome.TAKEN, relay, mumSecrets)
            val given = dad.claimDoseSlot(dadMed, "2025-01-15", "20:00", EVENING_LATER_MS, relay, dadSecrets)
            checkEqual((given as? ClaimStatus.Given)?.holder?.caregiver, "Mum", "Dad is told it was given by Mum")

            // After a sync through the relay, Dad's home screen shows Mum's dose.
            mum.syncFamilyOnRelay(relay, mumSecrets)
            checkEqual(dad.syncFamilyOnRelay(relay, dadSecrets).newChanges, 1uL, "Dad receives Mum's dose")
            val row = dad.homeScreen(dadPatient.id, EVENING_LATER_MS, null, "en").doses
                .singleOrNull { it.slotDate == "2025-01-15" && it.slotTime == "20:00" }
            check(row?.loggedText?.contains("Mum") == true, "Dad's phone shows who gave it: ${row?.loggedText}")

            // The next morning Dad claims, the child refuses, he releases: Mum may give it.
            check(
                dad.claimDoseSlot(dadMed, "2025-01-16", "08:00", NEXT_MORNING_MS, relay, dadSecrets) is ClaimStatus.Granted,
                "Dad's morning claim is granted",
            )
            dad.endDoseSlotClaim(dadMed, "2025-01-16", "08:00", ClaimOutcome.RELEASED, relay, dadSecrets)
            check(
                mum.claimDoseSlot(mumMed, "2025-01-16", "08:00", NEXT_MORNING_MS + 120_000, relay, mumSecrets) is ClaimStatus.Granted,
                "after the release Mum's claim is granted",
            )
            checkValidation("slot_time", "a bad slot time is refused by name") {
                mum.claimDoseSlot(mumMed, "2025-01-16", "25:00", NEXT_MORNING_MS, relay, mumSecrets)
            }

            // Offline: the claim fails with a typed error; the dose is logged as usual.
            http.offline = true
            checkThrows<NephroException.Storage>("offline, a claim fails as a storage error") {
                mum.claimDoseSlot(mumMed, "2025-01-16", "20:00", NEXT_MORNING_MS, relay, mumSecrets)
            }
            http.offline = false

            for (text in listOf("Test Child", "2019-04-02", "Dr. Example", "Mum", "Dad", "2025-01-15", "20:00")) {
                check(http.seen.none { it.contains(text) }, "the relay never saw '$text'")
            }
        }
    }
}

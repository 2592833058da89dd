// Shared care from Swift (clinical-rules §11), as the iOS shell uses it: a transport and a secret
// storage written in Swift (in memory here; iCloud Drive and the Keychain on a phone) join two
// caregivers' diaries; Dad's dose shows on Mum's phone with his name, a morning dose given on
// both phones apart alerts on both, and the transport holds no clear text.

import Foundation

let shareTests: [NamedTest] = [
    ("twoCaregiversShareADiaryThroughASwiftTransport", twoCaregiversShareADiaryThroughASwiftTransport),
    ("aGarbledInvitationIsRefusedAndChangesNothing", aGarbledInvitationIsRefusedAndChangesNothing),
    ("bothPhonesNameASlotAlikeForTheRelay", bothPhonesNameASlotAlikeForTheRelay),
]

// 2025-01-16 07:02, 07:05 and 07:30 UTC (08:02, 08:05 and 08:30 in Europe/Berlin), epoch ms.
private let nextMorningMumMs: Int64 = 1_737_010_920_000
private let nextMorningDadMs: Int64 = 1_737_011_100_000
private let nextMorningLaterMs: Int64 = 1_737_012_600_000

/// The phone's secure storage, in memory (also the live relay test's).
final class MemorySecrets: SecretStorage, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var secrets: [String: Data] = [:]

    func load(name: String) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return secrets[name]
    }

    func save(name: String, secret: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        secrets[name] = secret
    }
}

/// A transport in memory: names to bytes, each written once, as a cloud drive would hold them.
private final class MemoryTransport: ShareTransport, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var files: [String: Data] = [:]

    func put(name: String, bytes: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        if let held = files[name], held != bytes { throw ShareCallbackError.Failed(reason: "a name is written once") }
        files[name] = bytes
    }

    func get(name: String) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return files[name]
    }

    func list(prefix: String) throws -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let start = prefix + "/"
        let children = files.keys.filter { $0.hasPrefix(start) }
            .map { String($0.dropFirst(start.count).split(separator: "/")[0]) }
        return Array(Set(children)).sorted()
    }
}

func twoCaregiversShareADiaryThroughASwiftTransport() throws {
    try withTempDir { tmp in
        let transport = MemoryTransport()
        let mumSecrets = MemorySecrets()
        let dadSecrets = MemorySecrets()
        let mum = try Diary.open(path: tmp.appendingPathComponent("mum.sqlite").path)
        let dad = try Diary.open(path: tmp.appendingPathComponent("dad.sqlite").path)
        let (patient, regimen) = try seeded(mum)
        let recovery = try mum.startSharing(caregiver: "Mum", transport: transport, secrets: mumSecrets)
        check(recovery.hasPrefix("NEPHRO-RECOVER:"), "starting a family returns its recovery code")
        let invitation = try mum.invite(transport: transport, secrets: mumSecrets)
        check(invitation.hasPrefix("NEPHRO-JOIN:"), "an invitation's text")

        let joined = try dad.joinFamily(invitation: invitation, caregiver: "Dad", transport: transport, secrets: dadSecrets)
        check(joined.newChanges > 0 && joined.refusedBatches.isEmpty, "the whole diary arrives: \(joined)")
        let dadPatients = try dad.patients()
        guard checkEqual(dadPatients.map { $0.profile.displayName }, ["Test Child"], "Dad's diary holds the child") else {
            return
        }
        let dadPatient = dadPatients[0]
        let dadMed = try dad.regimens(patientId: dadPatient.id)[0].medicationId
        let mumMed = regimen.medicationId
        let members = try mum.familyMembers(transport: transport, secrets: mumSecrets)
            .map { "\($0.caregiver) \($0.isThisDevice)" }.sorted()
        checkEqual(members, ["Dad false", "Mum true"], "two members, Mum's phone is this device")

        // Dad gives the 20:00 dose at 20:10; after both sync, Mum's phone says who gave it.
        _ = try dad.logDose(
            dose: doseLog("dad-evening", dadMed, slotTime: "20:00", atMs: eveningMs, by: "Dad"), nowMs: eveningMs,
            deviceTimeZone: nil)
        checkEqual(try dad.syncFamily(transport: transport, secrets: dadSecrets).sentChanges, 1, "Dad sends his dose")
        checkEqual(try mum.syncFamily(transport: transport, secrets: mumSecrets).newChanges, 1, "Mum receives it")
        let evening = try mum.homeScreen(patientId: patient.id, nowMs: eveningLaterMs, deviceTimeZone: nil, locale: "en")
            .doses.first { $0.medicationId == mumMed && $0.slotDate == "2025-01-15" && $0.slotTime == "20:00" }
        let text = evening?.loggedText ?? ""
        check(text.contains("Dad") && text.contains("8:10"), "Mum's phone shows who gave it: \(text)")

        // The next morning both give the 08:00 dose, neither phone online.
        _ = try mum.logDose(
            dose: doseLog("mum-morning", mumMed, slotDate: "2025-01-16", atMs: nextMorningMumMs, by: "Mum"),
            nowMs: nextMorningMumMs, deviceTimeZone: nil)
        _ = try dad.logDose(
            dose: doseLog("dad-morning", dadMed, slotDate: "2025-01-16", atMs: nextMorningDadMs, by: "Dad"),
            nowMs: nextMorningDadMs, deviceTimeZone: nil)
        _ = try dad.syncFamily(transport: transport, secrets: dadSecrets)
        _ = try mum.syncFamily(transport: transport, secrets: mumSecrets)
        _ = try dad.syncFamily(transport: transport, secrets: dadSecrets)
        for (who, diary, patientId) in [("Mum", mum, patient.id), ("Dad", dad, dadPatient.id)] {
            let kinds = try diary.homeScreen(
                patientId: patientId, nowMs: nextMorningLaterMs, deviceTimeZone: nil, locale: "en"
            ).alerts.map { $0.kind }
            check(kinds.contains(.possibleDoubleDose), "\(who)'s home screen alerts a double dose: \(kinds)")
            let alerts = try diary.doubleDoseAlerts(from: "2025-01-16", to: "2025-01-16")
                .map { "\($0.slotTime) " + $0.entries.map { $0.caregiver }.joined(separator: ",") }
            checkEqual(alerts, ["08:00 Mum,Dad"], "\(who)'s diary lists both logs of the slot")
        }

        check(transport.files.count > 5, "the transport holds the family's files (\(transport.files.count))")
        for clear in ["Test Child", "2019-04-02", "Dr. Example"] {
            let needle = Data(clear.utf8)
            check(!transport.files.values.contains { $0.range(of: needle) != nil }, "no file on the transport contains '\(clear)'")
        }
    }
}

func aGarbledInvitationIsRefusedAndChangesNothing() throws {
    try withTempDir { tmp in
        let transport = MemoryTransport()
        let mumSecrets = MemorySecrets()
        let dadSecrets = MemorySecrets()
        let mum = try Diary.open(path: tmp.appendingPathComponent("mum.sqlite").path)
        let dad = try Diary.open(path: tmp.appendingPathComponent("dad.sqlite").path)
        _ = try seeded(mum)
        checkValidation("secrets", "syncing before sharing") { try mum.syncFamily(transport: transport, secrets: mumSecrets) }
        _ = try mum.startSharing(caregiver: "Mum", transport: transport, secrets: mumSecrets)
        let invitation = try mum.invite(transport: transport, secrets: mumSecrets)
        let held = transport.files.keys.sorted()
        let garbled = String(invitation.dropLast(6)) + (invitation.hasSuffix("AAAAAA") ? "BBBBBB" : "AAAAAA")
        checkValidation("invitation", "a garbled invitation") {
            try dad.joinFamily(invitation: garbled, caregiver: "Dad", transport: transport, secrets: dadSecrets)
        }
        checkEqual(dadSecrets.secrets.isEmpty, true, "a refused join keeps no secret")
        checkEqual(try dad.patients().count, 0, "and writes nothing to the diary")
        checkEqual(transport.files.keys.sorted(), held, "nor to the transport")
    }
}

/// A claim for the relay (issue 16): the same token for the same slot on both phones, a holder
/// only the family opens, refused for another slot.
func bothPhonesNameASlotAlikeForTheRelay() throws {
    try withTempDir { tmp in
        let transport = MemoryTransport()
        let mumSecrets = MemorySecrets()
        let dadSecrets = MemorySecrets()
        let mum = try Diary.open(path: tmp.appendingPathComponent("mum.sqlite").path)
        let dad = try Diary.open(path: tmp.appendingPathComponent("dad.sqlite").path)
        let (_, regimen) = try seeded(mum)
        _ = try mum.startSharing(caregiver: "Mum", transport: transport, secrets: mumSecrets)
        let invitation = try mum.invite(transport: transport, secrets: mumSecrets)
        _ = try dad.joinFamily(invitation: invitation, caregiver: "Dad", transport: transport, secrets: dadSecrets)
        guard let dadPatient = try dad.patients().first,
              let dadMed = try dad.regimens(patientId: dadPatient.id).first?.medicationId else {
            check(false, "Dad's diary holds the regimen")
            return
        }
        let mine = try mum.slotClaim(
            medicationId: regimen.medicationId, slotDate: "2025-01-15", slotTime: "20:00", atMs: eveningMs,
            secrets: mumSecrets)
        let theirs = try dad.slotClaim(
            medicationId: dadMed, slotDate: "2025-01-15", slotTime: "20:00", atMs: eveningMs, secrets: dadSecrets)
        checkEqual(mine.tokenHex, theirs.tokenHex, "both phones name the evening slot alike")
        let holder = try dad.claimHolder(
            medicationId: dadMed, slotDate: "2025-01-15", slotTime: "20:00", sealedHolder: mine.sealedHolder,
            secrets: dadSecrets)
        checkEqual(holder.caregiver, "Mum", "Dad's phone reads who claimed it")
        checkEqual(holder.atMs, eveningMs, "and since when")
        checkValidation("holder", "a holder of another slot") {
            try dad.claimHolder(
                medicationId: dadMed, slotDate: "2025-01-15", slotTime: "08:00", sealedHolder: mine.sealedHolder,
                secrets: dadSecrets)
        }
    }
}

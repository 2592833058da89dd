// The relay from Swift, live (issue 16, clinical-rules §11), as the iOS shell uses it: an HTTP
// client written in Swift over URLSession reaches a real relay started by scripts/test-relay.sh.
// Mum claims the 20:00 dose before giving it; Dad is told "being given by Mum", then "already
// given by Mum"; a released claim frees the slot; the relay sees no clear text; offline, a claim
// fails with a typed error. Run with `--relay URL`.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let liveRelayTests: [NamedTest] = [
    ("twoCaregiversClaimTheEveningDoseThroughTheRelay", twoCaregiversClaimTheEveningDoseThroughTheRelay),
]

// 2025-01-15 19:01 UTC (20:01 in Europe/Berlin) and 2025-01-16 07:01 UTC, epoch ms.
private let claimMs: Int64 = 1_736_967_660_000
private let nextMorningMs: Int64 = 1_737_010_860_000

/// Refuses redirects: the relay never sends one, and a request is made exactly as given.
private final class NoRedirects: NSObject, URLSessionTaskDelegate {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// One request's answer, handed from URLSession's queue to the calling thread (the core calls
/// `send` synchronously).
private final class Exchange: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var answer: (Data?, URLResponse?, Error?) = (nil, nil, nil)

    func finish(_ data: Data?, _ response: URLResponse?, _ error: Error?) {
        answer = (data, response, error)
        done.signal()
    }

    func wait() -> (Data?, URLResponse?, Error?) {
        done.wait()
        return answer
    }
}

/// The relay's HTTP client over URLSession; keeps what went over the wire to search it.
private final class URLSessionRelayHttp: RelayHttpClient, @unchecked Sendable {
    private let session: URLSession
    private let lock = NSLock()
    private(set) var seen: [Data] = []
    var offline = false

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    func send(request: RelayRequest) throws -> RelayResponse {
        if offline { throw ShareCallbackError.Failed(reason: "the phone is offline") }
        guard let url = URL(string: request.url) else { throw ShareCallbackError.Failed(reason: "not a URL") }
        var outgoing = URLRequest(url: url)
        outgoing.httpMethod = request.method
        if let authorization = request.authorization {
            outgoing.setValue(authorization, forHTTPHeaderField: "Authorization")
        }
        if let contentType = request.contentType {
            outgoing.setValue(contentType, forHTTPHeaderField: "Content-Type")
            outgoing.httpBody = request.body
        }
        let exchange = Exchange()
        session.dataTask(with: outgoing) { data, response, error in
            exchange.finish(data, response, error)
        }.resume()
        let (data, response, error) = exchange.wait()
        guard let http = response as? HTTPURLResponse, error == nil else {
            throw ShareCallbackError.Failed(reason: "no answer")
        }
        let body = data ?? Data()
        lock.lock()
        seen.append(Data(request.url.utf8) + request.body + body)
        lock.unlock()
        return RelayResponse(status: UInt16(http.statusCode), body: body)
    }
}

func twoCaregiversClaimTheEveningDoseThroughTheRelay() throws {
    guard let address = Config.relay else { throw ShareCallbackError.Failed(reason: "--relay is needed") }
    let http = URLSessionRelayHttp()
    let relay = try FamilyRelay(address: address, http: http)
    let mumSecrets = MemorySecrets()
    let dadSecrets = MemorySecrets()
    try withTempDir { tmp in
        let mum = try Diary.open(path: tmp.appendingPathComponent("mum.sqlite").path)
        let dad = try Diary.open(path: tmp.appendingPathComponent("dad.sqlite").path)
        let (_, regimen) = try seeded(mum)
        let recovery = try mum.startSharingOnRelay(caregiver: "Mum", relay: relay, secrets: mumSecrets)
        check(recovery.hasPrefix("NEPHRO-RECOVER:"), "starting a family on the relay returns its recovery code")
        let invitation = try mum.inviteOnRelay(relay: relay, secrets: mumSecrets)
        let joined = try dad.joinFamilyOnRelay(
            invitation: invitation, caregiver: "Dad", relay: relay, secrets: dadSecrets)
        check(joined.newChanges > 0, "the whole diary arrives through the relay: \(joined)")
        guard let dadPatient = try dad.patients().first,
              let dadMed = try dad.regimens(patientId: dadPatient.id).first?.medicationId else {
            check(false, "Dad's diary holds the child and the regimen")
            return
        }
        let mumMed = regimen.medicationId
        checkEqual(
            try mum.familyMembersOnRelay(relay: relay, secrets: mumSecrets).map { $0.caregiver }.sorted(),
            ["Dad", "Mum"], "two members on the relay")

        // 20:01: Mum claims the 20:00 dose before giving it; Dad, a minute later, is told.
        let granted = try mum.claimDoseSlot(
            medicationId: mumMed, slotDate: "2025-01-15", slotTime: "20:00", nowMs: claimMs, relay: relay,
            secrets: mumSecrets)
        if case .granted = granted { check(true, "Mum's claim is granted") } else {
            check(false, "Mum's claim is granted: \(granted)")
        }
        let held = try dad.claimDoseSlot(
            medicationId: dadMed, slotDate: "2025-01-15", slotTime: "20:00", nowMs: claimMs + 60_000, relay: relay,
            secrets: dadSecrets)
        if case let .beingGiven(holder, _) = held {
            checkEqual(holder.caregiver, "Mum", "Dad is told it is being given by Mum")
            checkEqual(holder.atMs, claimMs, "since she claimed")
        } else {
            check(false, "Dad is told it is being given: \(held)")
        }

        // Mum gives and logs it, then ends her claim as taken; Dad is told "already given".
        _ = try mum.logDose(
            dose: doseLog("mum-evening", mumMed, slotTime: "20:00", atMs: eveningMs, by: "Mum"), nowMs: eveningMs,
            deviceTimeZone: nil)
        try mum.endDoseSlotClaim(
            medicationId: mumMed, slotDate: "2025-01-15", slotTime: "20:00", outcome: .taken, relay: relay,
            secrets: mumSecrets)
        let given = try dad.claimDoseSlot(
            medicationId: dadMed, slotDate: "2025-01-15", slotTime: "20:00", nowMs: eveningLaterMs, relay: relay,
            secrets: dadSecrets)
        if case let .given(holder, _) = given {
            checkEqual(holder.caregiver, "Mum", "Dad is told it was given by Mum")
        } else {
            check(false, "Dad is told it was given: \(given)")
        }

        // After a sync through the relay, Dad's home screen shows Mum's dose.
        _ = try mum.syncFamilyOnRelay(relay: relay, secrets: mumSecrets)
        checkEqual(try dad.syncFamilyOnRelay(relay: relay, secrets: dadSecrets).newChanges, 1, "Dad receives Mum's dose")
        let row = try dad.homeScreen(patientId: dadPatient.id, nowMs: eveningLaterMs, deviceTimeZone: nil, locale: "en")
            .doses.first { $0.slotDate == "2025-01-15" && $0.slotTime == "20:00" }
        check(row?.loggedText?.contains("Mum") == true, "Dad's phone shows who gave it: \(String(describing: row?.loggedText))")

        // The next morning Dad claims, the child refuses, he releases: Mum may give it.
        let morning = try dad.claimDoseSlot(
            medicationId: dadMed, slotDate: "2025-01-16", slotTime: "08:00", nowMs: nextMorningMs, relay: relay,
            secrets: dadSecrets)
        if case .granted = morning { check(true, "Dad's morning claim is granted") } else {
            check(false, "Dad's morning claim is granted: \(morning)")
        }
        try dad.endDoseSlotClaim(
            medicationId: dadMed, slotDate: "2025-01-16", slotTime: "08:00", outcome: .released, relay: relay,
            secrets: dadSecrets)
        let after = try mum.claimDoseSlot(
            medicationId: mumMed, slotDate: "2025-01-16", slotTime: "08:00", nowMs: nextMorningMs + 120_000,
            relay: relay, secrets: mumSecrets)
        if case .granted = after { check(true, "after the release Mum's claim is granted") } else {
            check(false, "after the release Mum's claim is granted: \(after)")
        }
        checkValidation("slot_date", "a bad slot date is refused by name") {
            try mum.claimDoseSlot(
                medicationId: mumMed, slotDate: "2025-13-01", slotTime: "08:00", nowMs: nextMorningMs, relay: relay,
                secrets: mumSecrets)
        }

        // Offline: the claim fails with a typed error; the dose is logged as usual.
        http.offline = true
        checkThrows("offline, a claim fails as a storage error", {
            try mum.claimDoseSlot(
                medicationId: mumMed, slotDate: "2025-01-16", slotTime: "20:00", nowMs: nextMorningMs, relay: relay,
                secrets: mumSecrets)
        }, where: { error in
            if case NephroError.Storage = error { return true }
            return false
        })
        http.offline = false

        for text in ["Test Child", "2019-04-02", "Dr. Example", "Mum", "Dad", "2025-01-15", "20:00"] {
            check(!http.seen.contains { $0.range(of: Data(text.utf8)) != nil }, "the relay never saw '\(text)'")
        }
    }
}

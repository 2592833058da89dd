// The app's one door to the NephroDiary core: opens the diary, runs every call on a serial
// background queue, refreshes the pending notifications after every log, and hands the screens
// their data (Screens.swift). Used by the SwiftUI app (App/AppModel.swift) and, unchanged, by the
// console walkthrough (mobile-demo/walkthrough/swift), which compiles this file on Linux: nothing
// iOS-specific here. Mirrors mobile-demo/android/.../core/DiaryRepository.kt.
//
// How a shell must use the store (see mobile-demo/README.md):
// - every call is synchronous and short (one transaction); never call it on the main thread;
// - the file lives in the app's own container (Application Support), not in an App Group: a
//   SQLite file in a shared container held locked at suspension gets the app killed (0xdead10cc);
// - after every dose log, the notifications are refreshed (the logged slot's reminder goes, the
//   next one comes), on launch too, on background refresh, and after a time-zone change;
// - client ids are made when the button is pressed and reused on retry (idempotent writes).

import Foundation
#if canImport(NephroBindings)
import NephroBindings
#endif

public final class DiaryRepository: @unchecked Sendable {
    private let diary: Diary
    /// Where the core hands the next 64 reminders (UserNotificationScheduler on iOS).
    private let scheduler: NotificationScheduler
    /// The current instant, UTC epoch ms (a simulated clock in the walkthrough).
    private let clock: @Sendable () -> Int64
    /// The phone's current IANA zone (nil: at home).
    private let deviceTimeZone: @Sendable () -> String?
    /// `en` or `zh-Hans`.
    public let locale: String
    /// Who logs from this phone, e.g. `mother`.
    private let loggedBy: String
    /// Every call runs here, one at a time, never on the main thread.
    private let queue: DispatchQueue
    /// Touched on `queue` only.
    private var homeZones: [Int64: String] = [:]

    public static func systemClock() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    private init(
        diary: Diary, scheduler: NotificationScheduler, clock: @escaping @Sendable () -> Int64,
        deviceTimeZone: @escaping @Sendable () -> String?, locale: String, loggedBy: String, queue: DispatchQueue
    ) {
        self.diary = diary
        self.scheduler = scheduler
        self.clock = clock
        self.deviceTimeZone = deviceTimeZone
        self.locale = locale
        self.loggedBy = loggedBy
        self.queue = queue
    }

    /// Opens (or creates) the diary file at `path` off the main thread.
    public static func open(
        path: String, scheduler: NotificationScheduler,
        clock: @escaping @Sendable () -> Int64 = { DiaryRepository.systemClock() },
        deviceTimeZone: @escaping @Sendable () -> String? = { TimeZone.current.identifier },
        locale: String = "en", loggedBy: String = "family"
    ) async throws -> DiaryRepository {
        let queue = DispatchQueue(label: "org.example.nephrodiary.diary", qos: .userInitiated)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    DiaryRepository(
                        diary: try Diary.open(path: path), scheduler: scheduler, clock: clock,
                        deviceTimeZone: deviceTimeZone, locale: locale, loggedBy: loggedBy, queue: queue)
                })
            }
        }
    }

    /// A client id for one press of a button; keep it to retry the same write.
    public static func newClientId() -> String { UUID().uuidString.lowercased() }

    private func onQueue<T>(_ body: @escaping (Diary) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self.diary) }) }
        }
    }

    // The helpers below run on `queue` only.

    @discardableResult
    private func refresh(_ patientId: Int64) throws -> Int {
        Int(try diary.refreshNotifications(
            patientId: patientId, nowMs: clock(), deviceTimeZone: deviceTimeZone(), locale: locale, scheduler: scheduler))
    }

    private func home(_ patientId: Int64) throws -> TodayScreen {
        try diary.homeScreen(patientId: patientId, nowMs: clock(), deviceTimeZone: deviceTimeZone(), locale: locale)
            .toTodayScreen()
    }

    /// The patient's local date in their profile's zone (the zone readings are dated in).
    private func localToday(_ patientId: Int64) throws -> String {
        if homeZones[patientId] == nil {
            homeZones[patientId] = try diary.patient(patientId: patientId).profile.timeZone
        }
        return localDate(clock(), zone: homeZones[patientId] ?? "UTC")
    }

    private func labsScreen(_ patientId: Int64, days: Int) throws -> LabsScreen {
        let to = try localToday(patientId)
        let from = addDays(to, -(days - 1))
        return try diary.labReport(patientId: patientId, from: from, to: to, locale: locale)
            .toLabsScreen(from: from, to: to, zone: homeZones[patientId] ?? "UTC")
    }

    /// Every patient of the diary (a family usually has one).
    public func patients() async throws -> [Patient] { try await onQueue { try $0.patients() } }

    /// Enrols a child: profile, a measurement (weight and height) and the care team's regimens,
    /// then schedules the reminders. Each write is its own short transaction.
    public func enrol(profile: PatientProfile, measurement: DiaryMeasurement, regimens: [RegimenInput]) async throws -> Patient {
        try await onQueue { diary in
            let patient = try diary.createPatient(profile: profile)
            _ = try diary.addMeasurement(patientId: patient.id, measurement: measurement)
            for regimen in regimens { _ = try diary.addRegimen(patientId: patient.id, regimen: regimen) }
            try self.refresh(patient.id)
            return patient
        }
    }

    /// The Today screen (one core call: `home_screen`).
    public func today(_ patientId: Int64) async throws -> TodayScreen {
        try await onQueue { _ in try self.home(patientId) }
    }

    /// One tap on "taken" or "skip" of a row: logs it, refreshes the notifications (the slot's
    /// reminder goes) and returns the new Today screen.
    public func logDose(
        _ patientId: Int64, row: DoseRow, outcome: DoseOutcome, atMs: Int64? = nil,
        clientId: String = DiaryRepository.newClientId()
    ) async throws -> TodayScreen {
        try await onQueue { diary in
            // The phone's clock and zone: the core refuses a slot too far ahead (clinical-rules §10).
            _ = try diary.logDose(
                dose: DoseLogInput(
                    clientId: clientId, medicationId: row.medicationId, slotDate: row.slotDate, slotTime: row.slotTime,
                    outcome: outcome, actualAtMs: atMs ?? self.clock(), loggedBy: self.loggedBy),
                nowMs: self.clock(), deviceTimeZone: self.deviceTimeZone())
            try self.refresh(patientId)
            return try self.home(patientId)
        }
    }

    /// The morning dipstick entry: logs the reading and returns the new Today screen (banner). For
    /// a strip read from a photo, `grade` is the one the parent confirmed and `photo` the camera
    /// screen's suggestion (`DipstickPhotoScreen.photo`), stored beside it; only `grade` counts.
    public func logDipstick(
        _ patientId: Int64, grade: DipstickGrade, takenAtMs: Int64? = nil, firstMorning: Bool = true,
        note: String? = nil, clientId: String = DiaryRepository.newClientId(), photo: PhotoSuggestion? = nil
    ) async throws -> TodayScreen {
        try await onQueue { diary in
            _ = try diary.logUrineReading(reading: UrineReadingInput(
                clientId: clientId, patientId: patientId, dipstick: grade, upcr: nil, unit: nil,
                takenAtMs: takenAtMs ?? self.clock(), takenOn: nil, firstMorning: firstMorning, note: note,
                loggedBy: self.loggedBy, photo: photo))
            return try self.home(patientId)
        }
    }

    /// The camera screen: samples the photo (8-bit sRGB RGBA, converted from the camera's buffer)
    /// at the guides' rectangles and suggests the pad's grade (clinical-rules §13), off the main
    /// thread. Logs nothing: the parent confirms or corrects the suggestion, then `logDipstick`
    /// stores the confirmed grade with the screen's `photo` (the suggestion, kept beside it).
    public func suggestFromPhoto(
        _ photo: PhotoBuffer, layout: PhotoLayout, secondsSinceDip: Double, readWindowFromS: Double,
        readWindowToS: Double
    ) async throws -> DipstickPhotoScreen {
        try await onQueue { _ in
            try photoScreen {
                try readDipstickPhoto(
                    photo: photo, layout: layout, secondsSinceDip: secondsSinceDip, readWindowFromS: readWindowFromS,
                    readWindowToS: readWindowToS, sampling: nil, policy: nil)
            }
        }
    }

    /// Hands the next 64 reminders to the scheduler. Call on launch, when the app comes to the
    /// foreground, from the background refresh task and after a time-zone change. Returns how
    /// many were handed.
    @discardableResult
    public func refreshNotifications(_ patientId: Int64) async throws -> Int {
        try await onQueue { _ in try self.refresh(patientId) }
    }

    /// The steroid calendar: this week's steroid doses with tablets and outcomes.
    public func steroidCalendar(_ patientId: Int64) async throws -> SteroidCalendarScreen {
        try await onQueue { diary in
            try diary.steroidWeek(patientId: patientId, today: try self.localToday(patientId)).toCalendar(locale: self.locale)
        }
    }

    /// The labs screen: results of the last `days` days with flags and alerts.
    public func labs(_ patientId: Int64, days: Int = 90) async throws -> LabsScreen {
        try await onQueue { _ in try self.labsScreen(patientId, days: days) }
    }

    /// Enters a lab result (e.g. a tacrolimus trough from the clinic's letter).
    public func logLab(
        _ patientId: Int64, kind: LabKind, value: Double, unit: LabUnit, drawnAtMs: Int64,
        upperLimitOfNormal: Double? = nil, clientId: String = DiaryRepository.newClientId()
    ) async throws -> LabsScreen {
        try await onQueue { diary in
            _ = try diary.logLabResult(result: LabResultInput(
                clientId: clientId, patientId: patientId, kind: kind, value: value, unit: unit, drawnAtMs: drawnAtMs,
                upperLimitOfNormal: upperLimitOfNormal, loggedBy: self.loggedBy))
            return try self.labsScreen(patientId, days: 90)
        }
    }

    /// Care-team mode: starts the `kdigo2025_relapse` course the relapse prompt suggests, signed
    /// by `signedBy`, and refreshes the reminders. Nil when no relapse prompt is open. The app
    /// never starts a course by itself. `clientId` is made once per tap: a retried or doubled
    /// tap returns the course already started.
    public func startSuggestedCourse(
        _ patientId: Int64, signedBy: String, clientId: String = DiaryRepository.newClientId(),
        liquid: LiquidInput? = nil
    ) async throws -> SteroidCourse? {
        try await onQueue { diary in
            guard let prompt = try diary.steroidRelapsePrompt(
                patientId: patientId, today: try self.localToday(patientId), locale: self.locale)
            else { return nil }
            var course = prompt.suggestion.course
            course.changedBy = signedBy
            course.clientId = clientId
            if let liquid {
                // Given as an oral solution: every dose is measured in mL, no tablets.
                course.liquid = liquid
                course.tabletMg = nil
                course.allowHalf = nil
            }
            let stored = try diary.createCourse(patientId: patientId, course: course)
            try self.refresh(patientId)
            return stored
        }
    }

    /// Adds any medicine the child takes (an ACE inhibitor, …) and refreshes the reminders.
    public func addMedicine(_ medicine: NewMedicineInput) async throws -> MedicineRecord {
        try await onQueue { diary in
            let stored = try diary.addMedicine(medicine: medicine)
            try self.refresh(medicine.patientId)
            return stored
        }
    }

    /// "Share report": writes the export into `directory` and returns the file's path.
    public func shareReport(_ patientId: Int64, format: ExportFormat, directory: String) async throws -> String {
        try await onQueue { diary in
            let name: String
            switch format {
            case .html: name = "report.html"
            case .fhir: name = "diary.fhir.json"
            case .ics: name = "dosing.ics"
            case .csv: name = "csv"
            }
            let request = ExportRequest(
                format: format, fromDate: nil, toDate: nil, deidentifySeed: nil, locale: self.locale, nowMs: self.clock())
            let written = try diary.exportToPath(
                patientId: patientId, request: request, path: (directory as NSString).appendingPathComponent(name))
            return written.first ?? directory
        }
    }
}

import Foundation
import NephroDiaryCore
import UserNotifications

/// The screens' state. Every core call goes through DiaryRepository, which runs it on its own
/// background queue; this class only awaits the results on the main actor and publishes them.
@MainActor
final class AppModel: ObservableObject {
    @Published var loading = true
    @Published var patientId: Int64?
    @Published var today: TodayScreen?
    @Published var calendar: SteroidCalendarScreen?
    @Published var labs: LabsScreen?
    /// The camera screen after the last photo of the strip (nil: no photo yet).
    @Published var camera: DipstickPhotoScreen?
    @Published var sharedFile: URL?
    /// A refusal to show (the core's messages never carry personal data).
    @Published var error: String?

    private var repository: DiaryRepository?
    private let scheduler = UserNotificationScheduler()

    /// The diary lives in Application Support of the app's own container — not in an App Group
    /// container, where a SQLite file locked at suspension gets the app killed (0xdead10cc). It
    /// stays readable after the first unlock so that background refresh can open it.
    private static func storePath() throws -> String {
        let dir = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        try FileManager.default.setAttributes(
            [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication], ofItemAtPath: dir.path)
        return dir.appendingPathComponent("diary.sqlite").path
    }

    private func run(_ body: (DiaryRepository) async throws -> Void) async {
        do {
            if repository == nil {
                let locale = Locale.preferredLanguages.first?.hasPrefix("zh") == true ? "zh-Hans" : "en"
                repository = try await DiaryRepository.open(
                    path: try Self.storePath(), scheduler: scheduler, locale: locale, loggedBy: "family")
            }
            if let repository { try await body(repository) }
        } catch {
            self.error = error.localizedDescription
        }
        loading = false
    }

    /// On launch: ask for notification permission, open the diary, show Today, schedule reminders.
    func start() async {
        _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge])
        await resume()
    }

    /// On launch and every return to the foreground.
    func resume() async {
        await run { repo in
            guard let patient = try await repo.patients().first else { return }
            patientId = patient.id
            try await repo.refreshNotifications(patient.id)
            today = try await repo.today(patient.id)
        }
    }

    /// From background refresh and time-zone changes: only the reminders.
    func refreshReminders() async {
        await run { repo in
            if let patient = try await repo.patients().first { try await repo.refreshNotifications(patient.id) }
        }
    }

    /// Demo only: enrols a fictional child so that the screens have something to show.
    func setUpDemoFamily() async {
        await run { repo in
            let day = localDate(DiaryRepository.systemClock(), zone: TimeZone.current.identifier)
            let patient = try await repo.enrol(
                profile: PatientProfile(
                    displayName: "Mei (fictional)", birthDate: "2018-05-12", sex: .female,
                    timeZone: TimeZone.current.identifier, definitionSet: "ipna2022"),
                measurement: DiaryMeasurement(measuredOn: day, weightKg: 20, heightCm: 115),
                regimens: [
                    RegimenInput(
                        drug: .tacrolimus, form: "capsule", strengthsMg: [0.5, 1], allowSplit: false,
                        rate: .mgPerKgPerDay(rate: 0.1), times: ["08:00", "20:00"], startDate: day, endDate: nil,
                        prescribedBy: "Dr. Example", prescribedOn: day, overrideRange: false)
                ])
            patientId = patient.id
            today = try await repo.today(patient.id)
        }
    }

    /// One tap on "taken" or "skip"; the client id is made at the tap.
    func log(_ row: DoseRow, _ outcome: DoseOutcome) async {
        guard let id = patientId else { return }
        let clientId = DiaryRepository.newClientId()
        await run { repo in today = try await repo.logDose(id, row: row, outcome: outcome, clientId: clientId) }
    }

    func logDipstick(_ grade: DipstickGrade, firstMorning: Bool, note: String, photo: PhotoSuggestion? = nil) async {
        guard let id = patientId else { return }
        await run { repo in
            today = try await repo.logDipstick(
                id, grade: grade, firstMorning: firstMorning, note: note.isEmpty ? nil : note, photo: photo)
        }
    }

    /// A photo of the strip beside its chart: the core's suggestion, nothing logged.
    func suggestFromPhoto(
        _ photo: PhotoBuffer, layout: PhotoLayout, secondsSinceDip: Double, window: (from: Double, to: Double)
    ) async {
        await run { repo in
            camera = try await repo.suggestFromPhoto(
                photo, layout: layout, secondsSinceDip: secondsSinceDip, readWindowFromS: window.from,
                readWindowToS: window.to)
        }
    }

    /// The parent confirmed (or corrected) the photo's suggestion: this grade counts, the
    /// suggestion is kept beside it.
    func confirmPhotoGrade(_ grade: DipstickGrade) async {
        await logDipstick(grade, firstMorning: true, note: "", photo: camera?.photo)
        camera = nil
    }

    func loadCalendar() async {
        guard let id = patientId else { return }
        await run { repo in calendar = try await repo.steroidCalendar(id) }
    }

    func loadLabs() async {
        guard let id = patientId else { return }
        await run { repo in labs = try await repo.labs(id) }
    }

    func export(_ format: ExportFormat) async {
        guard let id = patientId else { return }
        await run { repo in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exports", isDirectory: true)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            sharedFile = URL(fileURLWithPath: try await repo.shareReport(id, format: format, directory: dir.path))
        }
    }
}

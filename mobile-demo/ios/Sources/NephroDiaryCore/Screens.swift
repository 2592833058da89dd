// What each screen shows, as plain values: mapped from the core's records by DiaryRepository,
// drawn by the SwiftUI views (App/) and printed by the console walkthrough
// (mobile-demo/walkthrough/swift). No SwiftUI or UIKit here: the walkthrough compiles this file
// on Linux.
//
// Mirrors mobile-demo/android/.../core/Screens.kt (same names, same words), so that both
// walkthroughs print the same week.

import Foundation
#if canImport(NephroBindings)
@_exported import NephroBindings
/// The core's weight-and-height record. Foundation has a `Measurement` too: across modules the
/// plain name is ambiguous, so the app and this package say `DiaryMeasurement`.
public typealias DiaryMeasurement = NephroBindings.Measurement
#else
/// The core's weight-and-height record (see the package build above).
public typealias DiaryMeasurement = Measurement
#endif

/// How loud the relapse banner is.
public enum BannerTone: Sendable, Equatable { case calm, watch, alert }

/// The relapse banner at the top of the Today screen.
public struct RelapseBanner: Sendable, Equatable {
    public let state: RelapseState
    public let tone: BannerTone
    /// "In remission", "Watch", "Relapse" in the family's language.
    public let title: String
    public let prompt: RelapsePrompt
    /// What to do, from the core (clinical-rules §6), in the family's language.
    public let text: String
    /// The open relapse's onset and confirmation dates (`YYYY-MM-DD`), if any.
    public let relapseOnset: String?
    public let relapseConfirmed: String?
}

/// One dose slot of today: a row with "taken" and "skip" while not logged.
public struct DoseRow: Sendable, Equatable, Identifiable {
    public var id: String { reminderId }
    public let reminderId: String
    public let medicationId: String
    public let slotDate: String
    public let slotTime: String
    /// "Tacrolimus 1 mg".
    public let label: String
    public let status: DoseStatus
    public let statusLabel: String
    /// The logged outcome, or nil while the buttons are shown.
    public let outcome: DoseOutcome?
    /// Local `HH:MM` of the log.
    public let loggedAt: String?
    public let guidance: DoseGuidance?
    /// "Skip it; never take a double dose" and friends, from the core.
    public let guidanceText: String?
    public let isSteroid: Bool

    /// Whether the row shows its "taken" and "skip" buttons.
    public var canLog: Bool { outcome == nil }
}

/// A home-screen alert (lab safety or "ask the team to recalculate").
public struct AlertLine: Sendable, Equatable {
    public let kind: HomeAlertKind
    public let date: String
    public let text: String
}

/// The Today screen.
public struct TodayScreen: Sendable, Equatable {
    public let patientId: Int64
    /// Local date `YYYY-MM-DD` and the zone it is read in.
    public let today: String
    public let timeZone: String
    public let banner: RelapseBanner
    /// Whether the morning-dipstick card asks for today's first-morning reading.
    public let dipstickDue: Bool
    public let doses: [DoseRow]
    /// The next reminder not logged yet, e.g. `2025-03-04 08:00 Tacrolimus 1 mg`.
    public let nextDose: String?
    /// "Relapse suspected — contact your team; …" while no course was started for the relapse.
    public let steroidPrompt: String?
    public let alerts: [AlertLine]
}

/// One steroid dose of the week on the steroid calendar.
public struct SteroidDayRow: Sendable, Equatable {
    public let date: String
    public let time: String
    public let mg: Double
    /// "9½ tablets of 5 mg", or "9.6 mL" for a course given as an oral solution.
    public let tablets: String
    public let outcome: DoseOutcome?
    /// True while remission is not confirmed: the daily dose is shown continuing.
    public let provisional: Bool
}

/// The steroid calendar: this week's doses (Monday to Sunday).
public struct SteroidCalendarScreen: Sendable, Equatable {
    public let firstDay: String
    public let lastDay: String
    public let days: [SteroidDayRow]
}

/// One lab result on the labs screen.
public struct LabRow: Sendable, Equatable {
    public let date: String
    public let kind: LabKind
    public let value: Double
    public let unit: LabUnit
    public let flag: TargetFlag?
    /// "In range" and friends, from the core.
    public let flagText: String?
    public let trough: TroughValidity?
    public let alerts: [String]
}

/// The labs screen.
public struct LabsScreen: Sendable, Equatable {
    public let from: String
    public let to: String
    public let rows: [LabRow]
}

/// The few words the shell adds around the core's texts (the core writes everything else).
/// What the camera screen shows after a photo of the strip beside its chart (clinical-rules §13):
/// a suggested grade to confirm, "compare by eye", or why to take the photo again. Nothing is
/// logged until the parent confirms a grade.
public struct DipstickPhotoScreen: Sendable, Equatable {
    /// The grade preselected for the parent to confirm (nil: unsure or retake).
    public let suggested: DipstickGrade?
    /// The two nearest grades, nearest first (empty when the photo was refused).
    public let nearest: [DipstickGrade]
    public let title: String
    public let text: String
    /// The photo cannot be used: offer the camera again (or a reading by eye).
    public let retake: Bool
    /// The core's suggestion, stored with the grade the parent confirms (`logDipstick`'s
    /// `photo`); nil when the photo was refused.
    public let photo: PhotoSuggestion?
}

/// The camera screen for a reading, or for the refusal `NephroError.Photo` carried.
func photoScreen(_ read: () throws -> PhotoReading) throws -> DipstickPhotoScreen {
    do {
        let r = try read().reading
        let nearest = r.nearest.map { $0.grade }
        let photo = PhotoSuggestion(status: r.status, grade: r.grade, nearest: r.nearest)
        guard let grade = r.grade else {
            return DipstickPhotoScreen(
                suggested: nil, nearest: nearest, title: "Compare by eye",
                text: "The pad is between \(Words.grade(nearest[0])) and \(Words.grade(nearest[1])): compare it with the chart yourself and choose the grade.",
                retake: false, photo: photo)
        }
        return DipstickPhotoScreen(
            suggested: grade, nearest: nearest, title: "Suggested: \(Words.grade(grade))",
            text: "Compare the pad with the chart: confirm \(Words.grade(grade)), or choose another grade.",
            retake: false, photo: photo)
    } catch NephroError.Photo(let problem, _) {
        let text: String
        switch problem {
        case .tooEarly(_, let from):
            text = "Too early: the read window opens \(Words.number(from)) s after dipping. Wait, then take the photo again."
        case .tooLate(_, let to):
            text = "Too late: the read window closed \(Words.number(to)) s after dipping. Dip a new strip."
        case .overexposed:
            text = "Too bright: part of the photo is washed out. Move out of direct light."
        case .tooDark:
            text = "Too dark to compare colours. Turn on a light."
        case .uneven(let patch, _):
            text = "The \(patch) is uneven (a reflection, a shadow or a half-wet pad). Take the photo again, or choose the grade by eye."
        }
        return DipstickPhotoScreen(
            suggested: nil, nearest: [], title: "Take the photo again", text: text, retake: true, photo: nil)
    }
}

public enum Words {
    /// A grade as printed on the bottle: negative, trace, 1+ … 4+.
    public static func grade(_ grade: DipstickGrade) -> String {
        switch grade {
        case .negative: return "negative"
        case .trace: return "trace"
        case .onePlus: return "1+"
        case .twoPlus: return "2+"
        case .threePlus: return "3+"
        case .fourPlus: return "4+"
        }
    }

    public static func stateTitle(_ state: RelapseState, locale: String) -> String {
        switch state {
        case .remission: return locale == "zh-Hans" ? "缓解期" : "In remission"
        case .watch: return locale == "zh-Hans" ? "观察" : "Watch"
        case .relapse: return locale == "zh-Hans" ? "复发" : "Relapse"
        }
    }

    public static func tablets(whole: UInt64, halves: UInt64, tabletMg: Double, locale: String) -> String {
        let count: String
        if whole == 0 && halves > 0 {
            count = "½"
        } else if halves > 0 {
            count = "\(whole)½"
        } else {
            count = "\(whole)"
        }
        let mg = number(tabletMg)
        return locale == "zh-Hans" ? "\(mg) mg片剂\(count)片" : "\(count) tablets of \(mg) mg"
    }

    /// `1.0` → `1`, `47.5` → `47.5`.
    public static func number(_ value: Double) -> String {
        value.isFinite && value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

private func formatter(_ pattern: String, _ zone: String) -> DateFormatter {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.calendar = Calendar(identifier: .gregorian)
    f.timeZone = TimeZone(identifier: zone)
    f.dateFormat = pattern
    return f
}

/// Local `HH:MM` of an instant in an IANA zone.
public func localClock(_ epochMs: Int64, zone: String) -> String {
    formatter("HH:mm", zone).string(from: Date(timeIntervalSince1970: Double(epochMs) / 1000))
}

/// Local `YYYY-MM-DD` of an instant in an IANA zone.
public func localDate(_ epochMs: Int64, zone: String) -> String {
    formatter("yyyy-MM-dd", zone).string(from: Date(timeIntervalSince1970: Double(epochMs) / 1000))
}

/// `YYYY-MM-DD` moved by whole days.
public func addDays(_ date: String, _ days: Int) -> String {
    let f = formatter("yyyy-MM-dd", "UTC")
    guard let day = f.date(from: date) else { return date }
    return f.string(from: day.addingTimeInterval(Double(days) * 86_400))
}

extension DoseSlot {
    func toRow(zone: String) -> DoseRow {
        DoseRow(
            reminderId: reminderId, medicationId: medicationId, slotDate: slotDate, slotTime: slotTime, label: label,
            status: status, statusLabel: statusLabel, outcome: logged?.outcome,
            loggedAt: logged.map { localClock($0.atMs, zone: zone) }, guidance: guidance, guidanceText: guidanceText,
            isSteroid: medicationId.hasPrefix("course-"))
    }
}

extension RelapseStatus {
    func toBanner() -> RelapseBanner {
        let state = assessment.state
        let open = state == .relapse ? assessment.relapses.last.flatMap { $0.remissionOnset == nil ? $0 : nil } : nil
        let tone: BannerTone
        switch state {
        case .remission: tone = .calm
        case .watch: tone = .watch
        case .relapse: tone = .alert
        }
        return RelapseBanner(
            state: state, tone: tone, title: Words.stateTitle(state, locale: locale), prompt: prompt, text: promptText,
            relapseOnset: open?.onset, relapseConfirmed: open?.confirmed)
    }
}

extension HomeScreen {
    func toTodayScreen() -> TodayScreen {
        TodayScreen(
            patientId: patientId, today: today, timeZone: timeZone, banner: relapse.toBanner(),
            dipstickDue: !relapse.morningReadingLogged, doses: doses.map { $0.toRow(zone: timeZone) },
            nextDose: nextDose.map { "\($0.slotDate) \($0.slotTime) \($0.label)" }, steroidPrompt: steroidPrompt?.text,
            alerts: alerts.map { AlertLine(kind: $0.kind, date: $0.date, text: $0.text) })
    }
}

extension SteroidWeek {
    func toCalendar(locale: String) -> SteroidCalendarScreen {
        SteroidCalendarScreen(
            firstDay: firstDay, lastDay: lastDay,
            days: doses.map {
                SteroidDayRow(
                    date: $0.date, time: $0.time, mg: $0.mg,
                    tablets: $0.ml.map { ml in "\(Words.number(ml)) mL" }
                        ?? Words.tablets(whole: $0.tablets.whole, halves: $0.tablets.halves, tabletMg: $0.tabletMg, locale: locale),
                    outcome: $0.outcome, provisional: $0.provisional)
            })
    }
}

extension LabReport {
    func toLabsScreen(from: String, to: String, zone: String) -> LabsScreen {
        LabsScreen(
            from: from, to: to,
            rows: lines.map {
                LabRow(
                    date: localDate($0.result.drawnAtMs, zone: zone), kind: $0.result.kind, value: $0.result.value,
                    unit: $0.result.unit, flag: $0.assessment.flag, flagText: $0.assessment.flagText,
                    trough: $0.assessment.trough, alerts: $0.assessment.alerts.map(\.text))
            })
    }
}

// The SwiftUI app. Not built on the Linux machine (no SwiftUI there); its non-UI code is
// NephroDiaryCore, which the Linux walkthrough compiles and runs.

import BackgroundTasks
import NephroDiaryCore
import SwiftUI

@main
struct NephroDiaryApp: App {
    @StateObject private var model = AppModel()
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            ContentView()
                .environmentObject(model)
                .task { await model.start() }
                // A time-zone change moves the reminders (travel policy "keep the wall clock").
                .onReceive(NotificationCenter.default.publisher(for: .NSSystemTimeZoneDidChange)) { _ in
                    Task { await model.refreshReminders() }
                }
        }
        .onChange(of: scenePhase) { phase in
            switch phase {
            case .active: Task { await model.resume() }
            case .background: BackgroundRefresh.submit()
            default: break
            }
        }
        // BGAppRefreshTask: refresh the 64 pending notifications while the app is not opened.
        .backgroundTask(.appRefresh(BackgroundRefresh.identifier)) {
            BackgroundRefresh.submit()
            await model.refreshReminders()
        }
    }
}

/// The app-refresh task (identifier listed in Info.plist's BGTaskSchedulerPermittedIdentifiers).
enum BackgroundRefresh {
    static let identifier = "org.example.nephrodiary.refresh"

    /// Asks for the next refresh in about six hours (iOS decides when).
    static func submit() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 6 * 3600)
        try? BGTaskScheduler.shared.submit(request)
    }
}

struct ContentView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        Group {
            if model.loading {
                ProgressView()
            } else if model.patientId == nil {
                Button("Set up the demo family (fictional)") { Task { await model.setUpDemoFamily() } }
            } else {
                TabView {
                    TodayView().tabItem { Label("Today", systemImage: "house") }
                    DipstickEntryView().tabItem { Label("Dipstick", systemImage: "drop") }
                    DipstickCameraView().tabItem { Label("Photo", systemImage: "camera") }
                    SteroidCalendarView().tabItem { Label("Steroids", systemImage: "calendar") }
                    LabsView().tabItem { Label("Labs", systemImage: "list.bullet") }
                    ShareReportView().tabItem { Label("Share", systemImage: "square.and.arrow.up") }
                }
            }
        }
        .alert("Not saved", isPresented: Binding(get: { model.error != nil }, set: { if !$0 { model.error = nil } })) {
            Button("OK", role: .cancel) {}
        } message: {
            Text(model.error ?? "")
        }
    }
}

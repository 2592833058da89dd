import NephroDiaryCore
import SwiftUI

/// Today: the relapse banner, the dipstick card, today's doses with one-tap buttons, alerts.
struct TodayView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        NavigationStack {
            List {
                if let today = model.today {
                    Section { RelapseBannerView(banner: today.banner) }
                    if let prompt = today.steroidPrompt {
                        Section { Text(prompt).foregroundStyle(.red) }
                    }
                    if today.dipstickDue {
                        Section { Text("Log this morning's first urine dipstick.").bold() }
                    }
                    Section("Doses") {
                        ForEach(today.doses) { row in DoseRowView(row: row) }
                        if let next = today.nextDose { Text("Next: \(next)").font(.footnote) }
                    }
                    if !today.alerts.isEmpty {
                        Section("Alerts") {
                            ForEach(today.alerts, id: \.text) { Text("\($0.date): \($0.text)").foregroundStyle(.red) }
                        }
                    }
                }
            }
            .navigationTitle(model.today?.today ?? "Today")
            .refreshable { await model.resume() }
        }
    }
}

/// One dose: label, status, guidance ("skip it; never double"), and the buttons until logged.
struct DoseRowView: View {
    @EnvironmentObject private var model: AppModel
    let row: DoseRow

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text("\(row.slotTime)  \(row.label)").font(.headline)
            if let outcome = row.outcome {
                Text("\(outcome == .taken ? "✓ taken" : "– skipped") \(row.loggedAt ?? "")")
            } else {
                Text(row.statusLabel).foregroundStyle(row.status == .missed ? .red : .primary)
            }
            if let guidance = row.guidanceText { Text(guidance).font(.footnote) }
            if row.canLog {
                HStack {
                    // A missed dose offers only "skip": never a double dose.
                    if row.status != .missed {
                        Button("Taken") { Task { await model.log(row, .taken) } }.buttonStyle(.borderedProminent)
                    }
                    Button("Skip") { Task { await model.log(row, .skipped) } }.buttonStyle(.bordered)
                }
            }
        }
    }
}

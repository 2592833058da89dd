import NephroDiaryCore
import SwiftUI

/// Lab results of the last 90 days with their target flag and safety alerts.
struct LabsView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        NavigationStack {
            List {
                if let labs = model.labs {
                    Section("\(labs.from) – \(labs.to)") {
                        if labs.rows.isEmpty { Text("No results in this period.") }
                        ForEach(Array(labs.rows.enumerated()), id: \.offset) { _, row in
                            VStack(alignment: .leading) {
                                Text("\(row.date)  \(String(describing: row.kind))  \(Words.number(row.value))").font(.headline)
                                if let flag = row.flagText { Text(flag).font(.footnote) }
                                ForEach(row.alerts, id: \.self) { Text($0).font(.footnote).foregroundStyle(.red) }
                            }
                        }
                    }
                }
            }
            .navigationTitle("Labs")
            .task { await model.loadLabs() }
        }
    }
}

import NephroDiaryCore
import SwiftUI

/// This week's steroid doses, tablets and outcomes; "until remission" while provisional.
struct SteroidCalendarView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        NavigationStack {
            List {
                if let calendar = model.calendar {
                    Section("\(calendar.firstDay) – \(calendar.lastDay)") {
                        if calendar.days.isEmpty { Text("No steroid this week.") }
                        ForEach(calendar.days, id: \.date) { day in
                            HStack {
                                VStack(alignment: .leading) {
                                    Text("\(day.date) \(day.time)  \(Words.number(day.mg)) mg").font(.headline)
                                    Text(day.tablets + (day.provisional ? " · until remission" : "")).font(.footnote)
                                }
                                Spacer()
                                Text(day.outcome == .taken ? "✓" : day.outcome == .skipped ? "–" : "")
                            }
                        }
                    }
                }
            }
            .navigationTitle("Steroids")
            .task(id: model.today) { await model.loadCalendar() }
        }
    }
}

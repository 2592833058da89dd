import NephroDiaryCore
import SwiftUI

/// The morning dipstick entry: grade as read on the strip, first-morning flag, optional note.
struct DipstickEntryView: View {
    @EnvironmentObject private var model: AppModel
    @State private var grade: DipstickGrade = .negative
    @State private var firstMorning = true
    @State private var note = ""

    private let grades: [(DipstickGrade, String)] = [
        (.negative, "negative"), (.trace, "trace"), (.onePlus, "1+"), (.twoPlus, "2+"), (.threePlus, "3+"),
        (.fourPlus, "4+"),
    ]

    var body: some View {
        NavigationStack {
            Form {
                if let banner = model.today?.banner { RelapseBannerView(banner: banner) }
                Picker("Reading", selection: $grade) {
                    ForEach(grades.indices, id: \.self) { i in Text(grades[i].1).tag(grades[i].0) }
                }
                .pickerStyle(.segmented)
                Toggle("First urine of the morning", isOn: $firstMorning)
                TextField("Note (fever, infection, swelling)", text: $note)
                Button("Save") { Task { await model.logDipstick(grade, firstMorning: firstMorning, note: note) } }
            }
            .navigationTitle("Dipstick")
        }
    }
}

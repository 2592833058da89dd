import NephroDiaryCore
import SwiftUI

/// "Share report": the printable HTML report or the FHIR bundle, through the share sheet.
struct ShareReportView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        NavigationStack {
            Form {
                Text("The report names your child. Share it only with your care team.")
                Button("Prepare report (HTML)") { Task { await model.export(.html) } }
                Button("Prepare for the clinic's system (FHIR)") { Task { await model.export(.fhir) } }
                if let file = model.sharedFile {
                    ShareLink(item: file) { Label("Share \(file.lastPathComponent)", systemImage: "square.and.arrow.up") }
                }
            }
            .navigationTitle("Share report")
        }
    }
}

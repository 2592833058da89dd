import NephroDiaryCore
import SwiftUI

/// The relapse banner: green in remission, amber in watch, red in relapse.
struct RelapseBannerView: View {
    let banner: RelapseBanner

    private var color: Color {
        switch banner.tone {
        case .calm: return .green
        case .watch: return .orange
        case .alert: return .red
        }
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(banner.title).font(.title3.bold()).foregroundStyle(color)
            Text(banner.text)
            if let onset = banner.relapseOnset {
                Text("\(onset) → \(banner.relapseConfirmed ?? "")").font(.footnote)
            }
        }
        .listRowBackground(color.opacity(0.12))
    }
}

// swift-tools-version:5.9
// NephroDiary iOS demo: the Rust core as an XCFramework, its generated Swift bindings, and the
// app's non-UI code (NephroDiaryCore, also compiled by the Linux walkthrough). The SwiftUI app
// itself is the Xcode project made from App/project.yml (XcodeGen), which depends on this
// package. Run ./build-xcframework.sh first: it makes Frameworks/nephroFFI.xcframework and
// Sources/NephroBindings/nephro.swift.
import PackageDescription

let package = Package(
    name: "NephroDiaryCore",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "NephroDiaryCore", targets: ["NephroDiaryCore"]),
    ],
    targets: [
        // libnephro_ffi.a per platform (device, simulator) with nephroFFI.h and its module map.
        .binaryTarget(name: "nephroFFI", path: "Frameworks/nephroFFI.xcframework"),
        // The generated bindings (module `NephroBindings`; they `import nephroFFI`).
        .target(name: "NephroBindings", dependencies: ["nephroFFI"], path: "Sources/NephroBindings"),
        // DiaryRepository, Screens, ReminderSync: shared with mobile-demo/walkthrough/swift.
        .target(name: "NephroDiaryCore", dependencies: ["NephroBindings"], path: "Sources/NephroDiaryCore"),
    ]
)

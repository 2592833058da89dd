// The dipstick camera screen (clinical-rules §13): the parent taps "dipped" when the strip leaves
// the urine, lays it in the guides beside the bottle's colour chart and takes one photo; the core
// samples the guides' rectangles and suggests a grade, which the parent confirms or corrects.
// Nothing is logged until "Confirm". Sources only: SwiftUI, UIKit and AVFoundation do not exist
// on this Linux machine, so this view has never been built here (see mobile-demo/README.md).

import AVFoundation
import CoreGraphics
import NephroDiaryCore
import SwiftUI
import UIKit

/// A guide rectangle as fractions of the photo (the preview shows the same frame).
private struct Guide {
    let x, y, w, h: Double
    func rect(width: Int, height: Int) -> PhotoRect {
        PhotoRect(
            x: UInt32(x * Double(width)), y: UInt32(y * Double(height)),
            width: UInt32(max(1, w * Double(width))), height: UInt32(max(1, h * Double(height))))
    }
}

/// The guides: the chart's white strip, six swatch squares under it, the pad below.
private enum Guides {
    static let white = Guide(x: 0.08, y: 0.10, w: 0.84, h: 0.06)
    static let swatches: [(DipstickGrade, Guide)] = [DipstickGrade.negative, .trace, .onePlus, .twoPlus, .threePlus, .fourPlus]
        .enumerated().map { i, grade in (grade, Guide(x: 0.08 + Double(i) * 0.145, y: 0.22, w: 0.09, h: 0.12)) }
    static let pad = Guide(x: 0.45, y: 0.62, w: 0.10, h: 0.10)

    static func layout(width: Int, height: Int) -> PhotoLayout {
        PhotoLayout(
            white: white.rect(width: width, height: height),
            chart: swatches.map { ChartSwatchRect(grade: $0.0, rect: $0.1.rect(width: width, height: height)) },
            pad: pad.rect(width: width, height: height))
    }
}

/// The captured image as 8-bit sRGB RGBA: drawing into an sRGB context converts Display P3.
private func srgbBuffer(_ image: CGImage) -> PhotoBuffer? {
    let (width, height) = (image.width, image.height)
    let bytesPerRow = width * 4
    var pixels = [UInt8](repeating: 0, count: bytesPerRow * height)
    guard let space = CGColorSpace(name: CGColorSpace.sRGB),
          let context = CGContext(
              data: &pixels, width: width, height: height, bitsPerComponent: 8, bytesPerRow: bytesPerRow,
              space: space, bitmapInfo: CGImageAlphaInfo.noneSkipLast.rawValue)
    else { return nil }
    context.draw(image, in: CGRect(x: 0, y: 0, width: width, height: height))
    return PhotoBuffer(width: UInt32(width), height: UInt32(height), rowStride: UInt32(bytesPerRow), rgba: Data(pixels))
}

/// The camera session and one-photo capture.
final class StripCamera: NSObject, ObservableObject, AVCapturePhotoCaptureDelegate {
    let session = AVCaptureSession()
    private let output = AVCapturePhotoOutput()
    private var completion: ((CGImage?) -> Void)?

    func start() {
        guard session.inputs.isEmpty,
              let device = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back),
              let input = try? AVCaptureDeviceInput(device: device)
        else { return }
        session.beginConfiguration()
        session.sessionPreset = .photo
        if session.canAddInput(input) { session.addInput(input) }
        if session.canAddOutput(output) { session.addOutput(output) }
        session.commitConfiguration()
        DispatchQueue.global(qos: .userInitiated).async { self.session.startRunning() }
    }

    func capture(_ completion: @escaping (CGImage?) -> Void) {
        self.completion = completion
        output.capturePhoto(with: AVCapturePhotoSettings(), delegate: self)
    }

    func photoOutput(_ output: AVCapturePhotoOutput, didFinishProcessingPhoto photo: AVCapturePhoto, error: Error?) {
        completion?(photo.cgImageRepresentation())
        completion = nil
    }
}

private struct CameraPreview: UIViewRepresentable {
    let session: AVCaptureSession
    func makeUIView(context: Context) -> UIView {
        let view = UIView()
        let layer = AVCaptureVideoPreviewLayer(session: session)
        layer.videoGravity = .resizeAspect
        view.layer.addSublayer(layer)
        return view
    }
    func updateUIView(_ view: UIView, context: Context) {
        view.layer.sublayers?.first?.frame = view.bounds
    }
}

struct DipstickCameraView: View {
    @EnvironmentObject private var model: AppModel
    @StateObject private var camera = StripCamera()
    @State private var dippedAt: Date?
    @State private var chosen: DipstickGrade?
    /// The read window printed on the bottle (seconds after dipping); a setting in a real app.
    private let window = (from: 30.0, to: 90.0)

    var body: some View {
        NavigationStack {
            Form {
                ZStack {
                    CameraPreview(session: camera.session)
                    GeometryReader { geo in
                        let box = { (g: Guide, colour: Color) in
                            Rectangle().stroke(colour, lineWidth: 2)
                                .frame(width: g.w * geo.size.width, height: g.h * geo.size.height)
                                .position(x: (g.x + g.w / 2) * geo.size.width, y: (g.y + g.h / 2) * geo.size.height)
                        }
                        box(Guides.white, .white)
                        ForEach(Guides.swatches.indices, id: \.self) { i in box(Guides.swatches[i].1, .yellow) }
                        box(Guides.pad, .cyan)
                    }
                }
                .aspectRatio(3 / 4, contentMode: .fit)
                if let dipped = dippedAt {
                    Text("Read between \(Words.number(window.from)) and \(Words.number(window.to)) s after dipping.")
                    Button("Take the photo") {
                        camera.capture { image in
                            let seconds = Date().timeIntervalSince(dipped)
                            guard let image, let photo = srgbBuffer(image) else { return }
                            let layout = Guides.layout(width: image.width, height: image.height)
                            Task {
                                await model.suggestFromPhoto(
                                    photo, layout: layout, secondsSinceDip: seconds, window: window)
                                chosen = model.camera?.suggested
                            }
                        }
                    }
                } else {
                    Button("Strip dipped: start the timer") { dippedAt = Date() }
                }
                if let screen = model.camera {
                    Text(screen.title).font(.headline)
                    Text(screen.text)
                    if !screen.retake {
                        // The usual grade picker, the suggestion preselected; the parent decides.
                        Picker("Grade", selection: $chosen) {
                            ForEach([DipstickGrade.negative, .trace, .onePlus, .twoPlus, .threePlus, .fourPlus], id: \.self) {
                                Text(Words.grade($0)).tag(Optional($0))
                            }
                        }
                        .pickerStyle(.segmented)
                        Button("Confirm") { if let grade = chosen { Task { await model.confirmPhotoGrade(grade) } } }
                            .disabled(chosen == nil)
                    }
                }
            }
            .navigationTitle("Photo")
            .onAppear { camera.start() }
        }
    }
}

// Reading a dipstick from a photo (clinical-rules §13) through the typed bindings: every case of
// the `dipstick` suite (the shared conformance-next cases and the project's) through
// `readDipstick`, and a synthetic photo sampled and read end to end, as the camera screen does.

import Foundation

let dipstickTests: [NamedTest] = [
    ("dipstickSuite", dipstickSuite),
    ("syntheticPhotoIsSampledAndRead", syntheticPhotoIsSampledAndRead),
    ("photoRefusalsAreTyped", photoRefusalsAreTyped),
]

private let gradeNames: [DipstickGrade: String] = [
    .negative: "negative", .trace: "trace", .onePlus: "1+", .twoPlus: "2+", .threePlus: "3+", .fourPlus: "4+",
]

private func colour(_ value: JSON?, _ key: String) throws -> SrgbColour {
    guard let rgb = value?.array?.compactMap({ $0.double }), rgb.count == 3 else { throw ConformanceError.missing(key) }
    return SrgbColour(red: rgb[0], green: rgb[1], blue: rgb[2])
}

/// The typed samples of a case input (an unknown grade is refused by the core's parser).
func dipstickSamples(of input: JSON) throws -> DipstickSamples {
    guard let chart = input["chart"]?.array else { throw ConformanceError.missing("chart") }
    let window = try input.doubles("read_window_s")
    guard window.count == 2 else { throw ConformanceError.missing("read_window_s") }
    return DipstickSamples(
        white: try colour(input["white_rgb"], "white_rgb"),
        chart: try chart.enumerated().map { i, swatch in
            ChartSwatch(
                grade: try parseDipstickGrade(field: "chart[\(i)].grade", text: try swatch.text("grade")),
                colour: try colour(swatch["rgb"], "chart[\(i)].rgb"))
        },
        pad: try colour(input["pad_rgb"], "pad_rgb"),
        secondsSinceDip: try input.double("seconds_since_dip"),
        readWindowFromS: window[0],
        readWindowToS: window[1])
}

func dipstickSuite() throws {
    let count = runSuite("dipstick") { input in
        let r = try readDipstick(samples: try dipstickSamples(of: input), policy: nil)
        return .object([
            "status": .string(r.status == .read ? "read" : "unsure"),
            "grade": r.grade.map { .string(gradeNames[$0]!) } ?? .null,
            "nearest": .array(r.nearest.map { .object(["grade": .string(gradeNames[$0.grade]!), "delta_e": .number($0.deltaE)]) }),
        ])
    }
    let sharedNext = caseFiles("dipstick").filter { $0.path.contains("conformance-next") }.count
    check(sharedNext >= 8, "the shared conformance-next dipstick cases ran (\(sharedNext))")
    check(count >= 33, "the dipstick suite has its shared and own cases (\(count))")
}

func syntheticPhotoIsSampledAndRead() throws {
    for light in [SyntheticLight.daylight, .warm, .cool, .dim] {
        let p = try syntheticStripPhoto(grade: .onePlus, shade: 0.1, light: light, noiseSigma: 2.0, glare: true, tiltDegrees: -1.0, seed: 8)
        let r = try readDipstickPhoto(
            photo: p.photo, layout: p.layout, secondsSinceDip: p.secondsSinceDip,
            readWindowFromS: p.readWindowFromS, readWindowToS: p.readWindowToS, sampling: nil, policy: nil)
        checkEqual(r.reading.status, .read, "\(light): read")
        checkEqual(r.reading.grade, .onePlus, "\(light): the true grade")
        checkEqual(r.reading.distances.count, 6, "\(light): every swatch's distance")
    }
}

func photoRefusalsAreTyped() throws {
    let p = try syntheticStripPhoto(grade: .twoPlus, shade: 0, light: .daylight, noiseSigma: 2, glare: false, tiltDegrees: 0, seed: 5)
    let early = checkThrows("a photo 10 s after dipping", {
        try readDipstickPhoto(photo: p.photo, layout: p.layout, secondsSinceDip: 10, readWindowFromS: 30, readWindowToS: 90, sampling: nil, policy: nil)
    }, where: { error in
        if case NephroError.Photo(problem: .tooEarly(secondsSinceDip: 10, windowFromS: 30), detail: _) = error { return true }
        return false
    })
    check(early != nil, "too early carries the seconds and the window")
    var short = p.photo
    short.rgba = short.rgba.prefix(1000)
    checkValidation("photo.rgba", "a buffer too short") { try samplePhotoPatch(photo: short, rect: p.layout.pad, sampling: nil) }
    var narrow = p.photo
    narrow.rowStride = 3
    checkValidation("photo.row_stride", "a stride under width × 4") { try samplePhotoPatch(photo: narrow, rect: p.layout.pad, sampling: nil) }
    checkValidation("rect.x", "a rectangle past the right edge") {
        try samplePhotoPatch(photo: p.photo, rect: PhotoRect(x: p.photo.width - 1, y: 0, width: 2, height: 2), sampling: nil)
    }
    let glare = try syntheticStripPhoto(grade: .fourPlus, shade: 0, light: .daylight, noiseSigma: 2, glare: true, tiltDegrees: 0, seed: 9)
    checkThrows("a glare spot with no rejection allowed", {
        try samplePhotoPatch(photo: glare.photo, rect: glare.layout.pad, sampling: SamplingPolicy(outlierLevels: 32, maxRejectedShare: 0))
    }, where: { error in
        if case NephroError.Photo(problem: .uneven(let patch, let share), detail: _) = error {
            return patch == "rect" && share > 0 && share < 0.5
        }
        return false
    })
    let policy = defaultDipstickPolicy()
    checkEqual([policy.maxDeltaE, policy.minGap], [15.0, 2.0], "the default policy of §13")
}

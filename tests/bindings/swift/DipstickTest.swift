// Reading a dipstick from a photo (clinical-rules §13) through the typed bindings: every case of
// the `dipstick` suite (the shared conformance-next cases and the project's) through
// `readDipstick`, a synthetic photo sampled and read end to end, as the camera screen does, and a
// reading the parent confirmed stored with its suggestion.

import Foundation

let dipstickTests: [NamedTest] = [
    ("dipstickSuite", dipstickSuite),
    ("syntheticPhotoIsSampledAndRead", syntheticPhotoIsSampledAndRead),
    ("photoRefusalsAreTyped", photoRefusalsAreTyped),
    ("aPhotoReadingTheParentChangedKeepsBothGrades", aPhotoReadingTheParentChangedKeepsBothGrades),
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

/// 2025-01-15 07:00 in Berlin (the fixtures' patient), in epoch ms.
private let berlinMorningMs: Int64 = 1_736_920_800_000
/// 2025-01-16 12:00 UTC: the exports' "now".
private let photoExportNowMs: Int64 = 1_737_028_800_000

/// A first-morning reading of a photo's strip: the suggestion copied from `reading`, `grade` the parent's.
private func confirmed(_ clientId: String, _ patientId: Int64, _ reading: DipstickReading, _ grade: DipstickGrade?) -> UrineReadingInput {
    UrineReadingInput(
        clientId: clientId, patientId: patientId, dipstick: grade, upcr: nil, unit: nil, takenAtMs: berlinMorningMs,
        takenOn: nil, firstMorning: true, note: nil, loggedBy: "mother",
        photo: PhotoSuggestion(status: reading.status, grade: reading.grade, nearest: reading.nearest))
}

func aPhotoReadingTheParentChangedKeepsBothGrades() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patient = try diary.createPatient(profile: profile())
            let p = try syntheticStripPhoto(grade: .twoPlus, shade: 0, light: .daylight, noiseSigma: 2, glare: false, tiltDegrees: 0, seed: 7)
            let read = try readDipstickPhoto(
                photo: p.photo, layout: p.layout, secondsSinceDip: p.secondsSinceDip,
                readWindowFromS: p.readWindowFromS, readWindowToS: p.readWindowToS, sampling: nil, policy: nil).reading
            checkEqual(read.grade, .twoPlus, "the core suggests 2+")

            // Refused, naming the field, and nothing stored.
            checkValidation("dipstick", "a photo reading without the parent's grade") {
                try diary.logUrineReading(reading: confirmed("p1", patient.id, read, nil))
            }
            let three = confirmed("p1", patient.id, read, .threePlus)
            var unsure = three
            unsure.photo?.status = .unsure
            checkValidation("photo.grade", "an unsure suggestion with a grade") { try diary.logUrineReading(reading: unsure) }
            var swapped = three
            swapped.photo?.nearest = [read.nearest[1], read.nearest[0]]
            checkValidation("photo.nearest[1].delta_e", "the two nearest out of order") { try diary.logUrineReading(reading: swapped) }
            checkEqual(
                try diary.urineReadings(patientId: patient.id, from: "1900-01-01", to: "2200-12-31", includeRetracted: true), [],
                "nothing stored")

            // The parent saw 3+ where the core suggested 2+.
            let stored = try diary.logUrineReading(reading: three)
            checkEqual(stored.dipstick, .threePlus, "the confirmed grade is the reading's")
            checkEqual(stored.photo?.grade, .twoPlus, "the suggestion is kept beside it")
            checkEqual(stored.photo?.nearest, read.nearest, "with its two nearest swatches")
            checkEqual(try diary.urineReading(clientId: "p1"), stored, "read back as stored")

            let status = try diary.relapseStatus(patientId: patient.id, today: "2025-01-15", locale: nil)
            checkEqual(status.assessment.state, .watch, "one nephrotic morning: watch")
            checkEqual(status.assessment.latestRun?.level, .nephrotic, "3+ counts, not 2+")

            func export(_ format: ExportFormat) throws -> String {
                let request = ExportRequest(
                    format: format, fromDate: nil, toDate: nil, deidentifySeed: nil, locale: "en", nowMs: photoExportNowMs)
                return String(decoding: try diary.export(patientId: patient.id, request: request)[0].bytes, as: UTF8.self)
            }
            let bundle = try JSONSerialization.jsonObject(with: Data(try export(.fhir).utf8)) as? [String: Any]
            let methods = (bundle?["entry"] as? [[String: Any]] ?? [])
                .compactMap { $0["resource"] as? [String: Any] }
                .filter { $0["resourceType"] as? String == "Observation" }
                .compactMap { ($0["method"] as? [String: Any])?["text"] as? String }
            checkEqual(methods, ["first-morning urine; photo-assisted, confirmed by the caregiver"], "the FHIR Observation says how it was read")
            check(try export(.html).contains("the caregiver changed the suggested grade in 1;"), "the report counts one change")
        }
    }
}

// Per-call cost of the bindings from Swift (a benchmark, not a test).
//
//   LD_LIBRARY_PATH=<dir> ./bench [--ping N] [--log N]
//
// ping: N calls of `ping()` in 5 rounds; the median round's time per call (and the first
// round's). log_dose: N `logDose` calls on a temp diary, each a distinct slot of one regimen
// (08:00 and 20:00 from 2025-01-01 on); each call timed alone: median and mean.

import Foundation

let rounds = 5

func nowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func human(_ ns: Double) -> String {
    ns < 1_000 ? String(format: "%.0f ns", ns)
        : ns < 1_000_000 ? String(format: "%.1f µs", ns / 1_000) : String(format: "%.2f ms", ns / 1_000_000)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

var pingCalls = 1_000_000
var logCalls = 2_000
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let name = arguments.next() {
    let value = Int(arguments.next() ?? "") ?? 0
    switch name {
    case "--ping": pingCalls = value
    case "--log": logCalls = value
    default: fatalError("unknown argument \(name)")
    }
}

let perRound = max(1, pingCalls / rounds)
var sink: Int64 = 0
var pingPerCall: [Double] = []
for _ in 0..<rounds {
    let start = nowNs()
    for i in 0..<perRound { sink &+= ping(value: Int64(i)) }
    pingPerCall.append(Double(nowNs() - start) / Double(perRound))
}
precondition(sink >= 0)

let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nephro-bench-swift-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }

func benchLogDose() throws -> [Double] {
    let diary = try Diary.open(path: dir.appendingPathComponent("bench.sqlite").path)
    let patient = try diary.createPatient(profile: PatientProfile(
        displayName: "Bench Child", birthDate: "2019-04-02", sex: .unspecified, timeZone: "Europe/Berlin",
        definitionSet: "ipna2022"))
    _ = try diary.addMeasurement(patientId: patient.id, measurement: Measurement(measuredOn: "2024-12-31", weightKg: 20, heightCm: nil))
    let regimen = try diary.addRegimen(patientId: patient.id, regimen: RegimenInput(
        drug: .tacrolimus, form: "capsule", strengthsMg: [0.5, 1.0], allowSplit: false, rate: .mgPerKgPerDay(rate: 0.1),
        times: ["08:00", "20:00"], startDate: "2025-01-01", endDate: nil, prescribedBy: "Dr. Example",
        prescribedOn: "2024-12-31", overrideRange: false))
    let day = DateFormatter()
    day.dateFormat = "yyyy-MM-dd"
    day.timeZone = TimeZone(identifier: "UTC")
    day.locale = Locale(identifier: "en_US_POSIX")
    let firstDay: TimeInterval = 1_735_689_600  // 2025-01-01T00:00:00Z
    let baseMs: Int64 = 1_735_718_400_000  // 2025-01-01T08:00:00Z
    var inputs: [DoseLogInput] = []
    for i in 0..<logCalls {
        let dayIndex = i / 2
        let slotDate = day.string(from: Date(timeIntervalSince1970: firstDay + Double(dayIndex) * 86_400))
        let actualAtMs: Int64 = baseMs + Int64(dayIndex) * 86_400_000 + Int64(i % 2) * 43_200_000
        inputs.append(DoseLogInput(
            clientId: "bench-\(i)", medicationId: regimen.medicationId, slotDate: slotDate,
            slotTime: i % 2 == 0 ? "08:00" : "20:00", outcome: .taken, actualAtMs: actualAtMs, loggedBy: "bench"))
    }
    var times: [Double] = []
    times.reserveCapacity(logCalls)
    for dose in inputs {
        let start = nowNs()
        _ = try diary.logDose(dose: dose, nowMs: dose.actualAtMs, deviceTimeZone: nil)
        times.append(Double(nowNs() - start))
    }
    let last = day.string(from: Date(timeIntervalSince1970: firstDay + Double(logCalls) * 86_400))
    let stored = try diary.doseLogs(patientId: patient.id, from: "2025-01-01", to: last).count
    precondition(stored == logCalls, "swift bench: \(stored) doses stored, expected \(logCalls)")
    return times
}

let logTimes = try benchLogDose()
let pingMedian = human(median(pingPerCall))
let pingFirst = human(pingPerCall[0])
let logMedian = human(median(logTimes))
let logMean = human(logTimes.reduce(0, +) / Double(max(1, logTimes.count)))
print("swift: ping \(pingMedian)/call (median of \(rounds) rounds, \(perRound * rounds) calls; first round \(pingFirst)) "
    + "| log_dose median \(logMedian), mean \(logMean) (\(logCalls) calls)")

// Labs from Swift: every `labs` case through the typed `assessLabsCase`, and the Diary's lab log
// with its flags, trough validity, alerts, settings, blood pressure and recalculate prompt.

import Foundation

let labsTests: [NamedTest] = [
    ("labsSuite", labsSuite),
    ("diaryLogsLabsAndReadsFlagsAndAlerts", diaryLogsLabsAndReadsFlagsAndAlerts),
]

// The case files' identifiers of the typed enums (tests/conformance/README.md, suite labs).
private let kindIds: [LabKind: String] = [
    .tacrolimusTrough: "tacrolimus_trough", .mpaAuc: "mpa_auc", .creatinine: "creatinine", .wbc: "wbc",
    .haemoglobin: "haemoglobin", .platelets: "platelets", .alt: "alt", .totalBilirubin: "total_bilirubin",
    .albumin: "albumin", .upcr: "upcr",
]
private let flagIds: [TargetFlag: String] = [
    .below: "below", .inRange: "in_range", .above: "above", .notATrough: "not_a_trough",
]
private let troughIds: [TroughValidity: String] = [
    .valid: "valid", .afterMorningDose: "after_morning_dose", .lessThan10HoursAfterDose: "less_than_10h_after_dose",
]
private let alertIds: [AlertKind: String] = [
    .leukopenia: "leukopenia", .anaemia: "anaemia", .thrombocytopenia: "thrombocytopenia", .altRaised: "alt_raised",
    .bilirubinRaised: "bilirubin_raised", .creatinineRise: "creatinine_rise", .egfrBelow90: "egfr_below_90",
]
private let noteIds: [AssessmentNote: String] = [
    .upperLimitOfNormalMissing: "uln_missing", .noHeightForEgfr: "no_height_for_egfr",
]
private let sourceIds: [BaselineSource: String] = [.careTeam: "care_team", .firstOnRecord: "first_on_record"]

private func objects(_ input: JSON, _ key: String) -> [JSON] { input[key]?.array ?? [] }

private func levelTarget(_ t: JSON?) -> LevelTarget? {
    guard let t = t, case .object = t else { return nil }
    return LevelTarget(low: t.optDouble("low"), high: t.optDouble("high"), highInclusive: t.flag("high_inclusive", true))
}

/// The typed input of a case (key for key; missing lists are empty).
func labsCaseInput(of input: JSON) throws -> LabsCaseInput {
    guard let labs = input["labs"]?.array else { throw ConformanceError.missing("labs") }
    return LabsCaseInput(
        timezone: try input.text("timezone"),
        phase: input["phase"]?.string,
        tacrolimusTroughTarget: levelTarget(input["targets"]?["tacrolimus_trough"]),
        mpaAucTarget: levelTarget(input["targets"]?["mpa_auc"]),
        creatinineBaselineMgDl: input.optDouble("creatinine_baseline_mg_dl"),
        labs: try labs.map {
            LabsCaseLab(
                kind: try $0.text("kind"), value: try $0.double("value"), unit: try $0.text("unit"),
                drawnAt: try $0.text("drawn_at"), upperLimitOfNormal: $0.optDouble("upper_limit_of_normal"))
        },
        doses: try objects(input, "doses").map {
            LabsCaseDose(takenAt: try $0.text("taken_at"), slotDate: try $0.text("slot_date"), slotTime: try $0.text("slot_time"))
        },
        heights: try objects(input, "heights").map { LabsCaseHeight(date: try $0.text("date"), heightCm: try $0.double("height_cm")) },
        regimenWeightKg: input.optDouble("regimen_weight_kg"),
        latestWeightKg: input.optDouble("latest_weight_kg"),
        recalculateThreshold: input.optDouble("recalculate_threshold"))
}

/// An instant in UTC with `Z`, as the case files write it.
func utcText(_ ms: Int64) -> String {
    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

private func optional(_ value: Double?) -> JSON { value.map { .number($0) } ?? .null }
private func optional(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }

func labsSuite() throws {
    runSuite("labs") { input in
        let output = try assessLabsCase(input: try labsCaseInput(of: input))
        let labs: [JSON] = output.labs.map { a in
            .object([
                "kind": optional(kindIds[a.kind]),
                "drawn_at": .string(utcText(a.drawnAtMs)),
                "flag": optional(a.flag.flatMap { flagIds[$0] }),
                "trough": optional(a.trough.flatMap { troughIds[$0] }),
                "alerts": .array(a.alerts.map {
                    .object([
                        "kind": optional(alertIds[$0.kind]), "value": .number($0.value), "threshold": .number($0.threshold),
                        "unit": .string($0.unit), "message_key": .string($0.messageKey),
                    ])
                }),
                "egfr": optional(a.egfr),
                "notes": .array(a.notes.map { optional(noteIds[$0]) }),
            ])
        }
        let prompt: JSON = output.recalculatePrompt.map {
            .object([
                "change_fraction": .number($0.changeFraction), "threshold_fraction": .number($0.thresholdFraction),
                "message_key": .string($0.messageKey),
            ])
        } ?? .null
        return .object([
            "creatinine_baseline_mg_dl": optional(output.creatinineBaselineMgDl),
            "creatinine_baseline_source": optional(output.creatinineBaselineSource.flatMap { sourceIds[$0] }),
            "labs": .array(labs),
            "recalculate_prompt": prompt,
        ])
    }
}

// 2025-01-16 06:30 UTC (07:30 in Berlin, 11 h 20 min after the evening dose of the 15th at
// 19:10 UTC) and 2025-01-15 21:00 UTC (22:00 in Berlin, 1 h 50 min after it).
private let troughMs: Int64 = 1_737_009_000_000
private let tooEarlyMs: Int64 = 1_736_974_800_000

private func lab(
    _ clientId: String, _ patientId: Int64, _ kind: LabKind, _ value: Double, _ unit: LabUnit, atMs: Int64 = troughMs
) -> LabResultInput {
    LabResultInput(
        clientId: clientId, patientId: patientId, kind: kind, value: value, unit: unit, drawnAtMs: atMs,
        upperLimitOfNormal: nil, loggedBy: "mother")
}

func diaryLogsLabsAndReadsFlagsAndAlerts() throws {
    try withTempDir { tmp in
        let path = tmp.appendingPathComponent("diary.sqlite").path
        let (patientId, regimenId) = try withDiary(path) { diary -> (Int64, Int64) in
            let patient = try diary.createPatient(profile: profile())  // Europe/Berlin
            _ = try diary.addMeasurement(
                patientId: patient.id, measurement: Measurement(measuredOn: "2025-01-10", weightKg: 20.0, heightCm: 115.0))
            let regimen = try diary.addRegimen(patientId: patient.id, regimen: tacrolimusRegimen())
            _ = try diary.logDose(
                dose: doseLog("ev-15", regimen.medicationId, slotTime: "20:00", atMs: eveningMs), nowMs: eveningMs,
                deviceTimeZone: nil)

            let trough = try diary.logLabResult(result: lab("sw-trough", patient.id, .tacrolimusTrough, 7.2, .nanogramsPerMillilitre))
            check(trough.revision == 1 && !trough.retracted, "a logged lab is revision 1")
            let again = try diary.logLabResult(result: lab("sw-trough", patient.id, .tacrolimusTrough, 7.2, .nanogramsPerMillilitre))
            checkEqual(again, trough, "the same client_id again returns the stored result")
            checkThrows("another value under a used client_id is a conflict", {
                try diary.logLabResult(result: lab("sw-trough", patient.id, .tacrolimusTrough, 9.9, .nanogramsPerMillilitre))
            }, where: { if case NephroError.Conflict = $0 { return true }; return false })
            _ = try diary.logLabResult(
                result: lab("sw-early", patient.id, .tacrolimusTrough, 14.0, .nanogramsPerMillilitre, atMs: tooEarlyMs))
            _ = try diary.logLabResult(result: lab("sw-wbc", patient.id, .wbc, 2.8, .billionsPerLitre))
            _ = try diary.logLabResult(result: lab("sw-creatinine", patient.id, .creatinine, 0.5, .milligramsPerDecilitre))

            checkValidation("result.unit", "a unit that does not fit the kind is refused") {
                try diary.logLabResult(result: lab("sw-bad", patient.id, .platelets, 150.0, .gramsPerDecilitre))
            }
            checkThrows("nothing was stored under the refused id", { try diary.labResult(clientId: "sw-bad") }, where: {
                if case NephroError.NotFound = $0 { return true }; return false
            })

            let report = try diary.labReport(patientId: patient.id, from: "2025-01-15", to: "2025-01-16", locale: "en")
            checkEqual(
                report.lines.map { "\($0.result.clientId) \($0.assessment.flag.flatMap { flagIds[$0] } ?? "-")" },
                ["sw-early not_a_trough", "sw-trough in_range", "sw-wbc -", "sw-creatinine -"],
                "flags in draw order: the level 1 h 50 min after a dose is not a trough")
            let lines = Dictionary(report.lines.map { ($0.result.clientId, $0) }, uniquingKeysWith: { a, _ in a })
            checkEqual(lines["sw-trough"]?.assessment.trough, .valid, "the 07:30 level is a trough")
            checkEqual(lines["sw-trough"]?.target, LevelTarget(low: 5, high: 10, highInclusive: true), "initial phase target 5–10 ng/mL")
            let alerts = lines["sw-wbc"]?.assessment.alerts ?? []
            checkEqual(alerts.map { $0.kind }, [.leukopenia], "WBC 2.8 raises leukopenia")
            check(alerts.allSatisfy { $0.text.contains("contact your team") }, "alert text points to the care team")
            checkClose(lines["sw-creatinine"]?.assessment.egfr, 94.99, "bedside Schwartz eGFR")

            let zh = try diary.labReport(patientId: patient.id, from: "2025-01-16", to: "2025-01-16", locale: "zh-Hans")
            check(zh.lines.flatMap { $0.assessment.alerts }.contains { $0.text.contains("白细胞") }, "alert text in Simplified Chinese")

            _ = try diary.correctLabResult(
                clientId: "sw-wbc",
                correction: LabCorrection(
                    value: 3.1, unit: .billionsPerLitre, drawnAtMs: troughMs, upperLimitOfNormal: nil, correctedBy: "nurse"))
            _ = try diary.retractLabResult(clientId: "sw-creatinine", retractedBy: "mother")
            checkEqual(try diary.labHistory(clientId: "sw-creatinine").map { $0.revision }, [1, 2], "retraction kept in history")
            _ = try diary.addBloodPressure(
                patientId: patient.id, reading: BloodPressureInput(measuredAtMs: troughMs, systolicMmhg: 104, diastolicMmhg: 66))
            checkValidation("blood_pressure.diastolic_mmhg", "a diastolic pressure above the systolic is refused") {
                try diary.addBloodPressure(
                    patientId: patient.id, reading: BloodPressureInput(measuredAtMs: troughMs, systolicMmhg: 60, diastolicMmhg: 100))
            }
            _ = try diary.addMeasurement(patientId: patient.id, measurement: weight(22.0, on: "2025-02-01"))
            return (patient.id, regimen.id)
        }  // the last reference goes: the diary is closed

        try withDiary(path) { diary in
            let results = try diary.labResults(patientId: patientId, from: "2025-01-01", to: "2025-01-31")
            checkEqual(results.map { $0.clientId }, ["sw-early", "sw-trough", "sw-wbc", "sw-creatinine"], "labs after reopen")
            checkEqual(results.map { $0.retracted }, [false, false, false, true], "retracted flag after reopen")
            let report = try diary.labReport(patientId: patientId, from: "2025-01-15", to: "2025-01-16", locale: "en")
            checkEqual(
                report.lines.map { "\($0.result.clientId) \($0.result.value)" }, ["sw-early 14.0", "sw-trough 7.2", "sw-wbc 3.1"],
                "the corrected value is assessed and the retracted one left out")
            check(report.lines.allSatisfy { $0.assessment.alerts.isEmpty }, "WBC 3.1 raises no alert")
            checkEqual(try diary.bloodPressures(patientId: patientId).map { $0.systolicMmhg }, [104], "blood pressure after reopen")
            // A double tap, or a retry after a lost response, with the same client id stores one reading.
            var tapped = BloodPressureInput(
                measuredAtMs: troughMs + 3_600_000, systolicMmhg: 101, diastolicMmhg: 63, clientId: "sw-bp-1")
            let firstBp = try diary.addBloodPressure(patientId: patientId, reading: tapped)
            checkEqual(try diary.addBloodPressure(patientId: patientId, reading: tapped), firstBp,
                       "the same blood-pressure client id returns the stored reading")
            checkEqual(try diary.bloodPressures(patientId: patientId).map { $0.systolicMmhg }, [104, 101],
                       "the same blood-pressure client id twice stores one reading")
            tapped.systolicMmhg = 102
            checkThrows("the same blood-pressure client id with another reading is a conflict", {
                try diary.addBloodPressure(patientId: patientId, reading: tapped)
            }, where: { if case NephroError.Conflict = $0 { return true }; return false })
            checkEqual(try diary.bloodPressures(patientId: patientId).count, 2, "a conflicting reading is not stored")

            _ = try diary.setTargetPhase(patientId: patientId, phase: .maintenance, changedBy: "Dr. Example")
            let maintenance = try diary.labReport(patientId: patientId, from: "2025-01-16", to: "2025-01-16", locale: "en")
            checkEqual(maintenance.lines.first?.assessment.flag, .above, "7.2 is above the maintenance target < 5")

            let prompts = try diary.recalculatePrompts(patientId: patientId, today: "2025-02-01", locale: "en")
            checkEqual(prompts.map { $0.regimenId }, [regimenId], "22 kg against 20 kg raises one prompt")
            checkClose(prompts.first?.changeFraction, 0.1, "weight change +10 %")
        }
    }
}

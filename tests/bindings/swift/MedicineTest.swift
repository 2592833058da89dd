// Every medicine of clinical-rules §12 through the typed bindings: the project's `liquid_taper`
// (steroid calendars in mL) and `cyclophosphamide` (the cumulative dose) suites, and what the
// family reads for a liquid dose.

import Foundation

let medicineTests: [NamedTest] = [
    ("liquidTaperSuite", liquidTaperSuite),
    ("cyclophosphamideSuite", cyclophosphamideSuite),
    ("liquidFamilyText", liquidFamilyText),
    ("anyMedicineIsAddedRemindedAndStopped", anyMedicineIsAddedRemindedAndStopped),
    ("badMedicinesAreRefusedNamingTheField", badMedicinesAreRefusedNamingTheField),
]

private func objects(_ input: JSON, _ key: String) -> [JSON] { input[key]?.array ?? [] }

func liquidTaperSuite() throws {
    let count = runSuite("liquid_taper") { input in
        guard let liquid = input["liquid"] else { throw ConformanceError.missing("liquid") }
        let calendar = try buildLiquidTaperCalendar(
            input: try taperCaseInput(of: input),
            liquid: LiquidInput(concentrationMgPerMl: try liquid.double("concentration_mg_per_ml"),
                                syringeStepMl: liquid.optDouble("syringe_step_ml")))
        var mg: [String: JSON] = [:]
        var ml: [String: JSON] = [:]
        for day in calendar.days {
            mg[day.date] = .number(day.mg)
            ml[day.date] = .number(day.ml)
        }
        return .object([
            "mg_by_date": .object(mg),
            "ml_by_date": .object(ml),
            "total_mg": .number(calendar.totalMg),
            "total_ml": .number(calendar.totalMl),
            "dosing_days": .number(Double(calendar.dosingDays)),
            "first_dosing_day": calendar.firstDosingDay.map { .string($0) } ?? .null,
            "last_dosing_day": calendar.lastDosingDay.map { .string($0) } ?? .null,
        ])
    }
    check(count >= 7, "the liquid_taper cases ran (\(count))")
}

func cyclophosphamideSuite() throws {
    let count = runSuite("cyclophosphamide") { input in
        let plan = try input["plan"].map {
            CyclophosphamidePlan(mgPerKgPerDay: try $0.double("mg_per_kg_per_day"), days: UInt32(try $0.double("days")))
        }
        let result = try cumulativeCyclophosphamide(input: CyclophosphamideInput(
            priorMgPerKg: input.optDouble("prior_mg_per_kg") ?? 0,
            weights: try objects(input, "weights").map { DatedWeightInput(date: try $0.text("date"), weightKg: try $0.double("weight_kg")) },
            doses: try objects(input, "doses").map { TakenDoseInput(date: try $0.text("date"), mg: try $0.double("mg")) },
            plan: plan,
            overrideLimit: input.flag("override", false)))
        var output: [String: JSON] = [
            "cumulative_mg_per_kg": .number(result.cumulativeMgPerKg),
            "warning": .bool(result.warning),
        ]
        if let total = result.plannedTotalMgPerKg { output["planned_total_mg_per_kg"] = .number(total) }
        return .object(output)
    }
    check(count >= 10, "the cyclophosphamide cases ran (\(count))")
}

func liquidFamilyText() throws {
    // 10 kg x 2.4 mg/kg/day in 2 doses = 12 mg = 2.4 mL of 5 mg/mL.
    let result = try calculateDose(request: DoseRequest(
        drug: .prednisolone, weightKg: 10, mgPerKgPerDay: 2.4, mgPerM2PerDay: nil, heightCm: nil, dosesPerDay: 2,
        strengthsMg: [], allowSplit: false, overrideRange: false,
        liquid: LiquidInput(concentrationMgPerMl: 5, syringeStepMl: nil)))
    check(result.familyText == "2.4 mL (12 mg)", "the family reads 2.4 mL (12 mg): \(result.familyText)")
}

// 2025-01-15 06:00 UTC = 07:00 in Europe/Berlin (the fixture patient's zone), in epoch ms.
private let beforeFirstDoseMs: Int64 = 1736920800000

private func medicine(
    _ patientId: Int64,
    clientId: String = "enalapril",
    name: MedicineNameInput = .known(id: "enalapril"),
    amount: MedicineAmountInput = .tablets(strengthMg: 2.5, units: 1.0),
    times: [String] = ["08:00"],
    courseDays: UInt32? = nil
) -> NewMedicineInput {
    NewMedicineInput(
        patientId: patientId, clientId: clientId, name: name, form: "tablet", amount: amount,
        schedule: MedicineScheduleInput(times: times, days: .everyDay, startDate: "2025-01-15",
                                        endDate: nil, courseDays: courseDays),
        addedBy: "nephrologist")
}

private func prednisoloneSolution(_ patientId: Int64, concentration: Double = 5.0, step: Double? = nil) -> NewMedicineInput {
    medicine(patientId, clientId: "prednisolone-solution", name: .known(id: "prednisolone"),
             amount: .liquid(mg: 12.0, liquid: LiquidInput(concentrationMgPerMl: concentration, syringeStepMl: step)),
             courseDays: 28)
}

func anyMedicineIsAddedRemindedAndStopped() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let (patient, _) = try seeded(diary)
            let ace = try diary.addMedicine(medicine: medicine(patient.id))
            checkEqual(ace.doseText, "2.5 mg", "enalapril's dose")
            checkEqual(try diary.addMedicine(medicine: medicine(patient.id)), ace, "a retried request stores it once")
            let liquid = try diary.addMedicine(medicine: prednisoloneSolution(patient.id))
            checkEqual(liquid.doseMl, 2.4, "2.4 mL")
            checkEqual(liquid.doseText, "2.4 mL (12 mg)", "the family's text")
            checkEqual(liquid.isSteroid, true, "prednisolone is a steroid")
            let today = try diary.todayDoses(patientId: patient.id, nowMs: beforeFirstDoseMs, deviceTimeZone: nil, locale: "en")
            checkEqual(today.filter { $0.medicationId.hasPrefix("medicine-") }.map { $0.label },
                       ["Enalapril 2.5 mg", "Prednisolone 2.4 mL (12 mg)"], "the home screen shows both")
            checkEqual(today.first { $0.medicationId == ace.medicationId }?.drug, Drug?.none, "no dose-engine drug")
            _ = try diary.stopMedicine(medicineId: ace.id, stoppedOn: "2025-01-16")
            let reminders = try diary.nextReminders(patientId: patient.id, nowMs: beforeFirstDoseMs,
                                                    deviceTimeZone: nil, count: 64, locale: "en")
            checkEqual(reminders.filter { $0.medicationId == ace.medicationId }.map { $0.slotDate },
                       ["2025-01-15"], "no reminder from the stop day")
            checkEqual(try diary.medicines(patientId: patient.id).map { $0.stoppedOn },
                       ["2025-01-16", nil], "listed with the stop day")
        }
    }
}

func badMedicinesAreRefusedNamingTheField() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let (patient, _) = try seeded(diary)
            for bad in [0.0, Double.nan, 1e9] {
                checkValidation("amount.liquid.concentration_mg_per_ml", "concentration \(bad)") {
                    try diary.addMedicine(medicine: prednisoloneSolution(patient.id, concentration: bad))
                }
            }
            checkValidation("amount.liquid.syringe_step_ml", "a graduation larger than the dose") {
                try diary.addMedicine(medicine: prednisoloneSolution(patient.id, step: 5.0))
            }
            checkValidation("schedule.times", "a medicine with no schedule") {
                try diary.addMedicine(medicine: medicine(patient.id, times: []))
            }
            checkValidation("name", "a 10,000-character name") {
                try diary.addMedicine(medicine: medicine(patient.id, name: .typed(name: String(repeating: "x", count: 10_000))))
            }
            checkEqual(try diary.medicines(patientId: patient.id).count, 0, "nothing stored")
        }
    }
}

// Every medicine of clinical-rules §12 through the typed bindings: the project's `liquid_taper`
// (steroid calendars in mL) and `cyclophosphamide` (the cumulative dose) suites, and what the
// family reads for a liquid dose.

import Foundation

let medicineTests: [NamedTest] = [
    ("liquidTaperSuite", liquidTaperSuite),
    ("cyclophosphamideSuite", cyclophosphamideSuite),
    ("liquidFamilyText", liquidFamilyText),
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

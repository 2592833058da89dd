// Every case of the `dose` conformance suite through the typed `calculateDose`.

import Foundation

let doseConformanceTests: [NamedTest] = [
    ("doseSuite", doseSuite),
]

private let drugs: [String: Drug] = [
    "tacrolimus": .tacrolimus,
    "mycophenolate_mofetil": .mycophenolateMofetil,
    "prednisolone": .prednisolone,
    "prednisone": .prednisone,
    "cyclophosphamide": .cyclophosphamide,
    "ciclosporin": .ciclosporin,
    "levamisole": .levamisole,
]

/// The typed request for a case input (defaults as in conformance.md).
func doseRequest(of input: JSON) throws -> DoseRequest {
    let drugName = try input.text("drug")
    guard let drug = drugs[drugName] else { throw ConformanceError.missing("drug \(drugName)") }
    guard let dosesPerDay = UInt32(exactly: try input.double("doses_per_day")) else {
        throw ConformanceError.missing("doses_per_day as a whole number")
    }
    // A liquid is measured by volume: its case has no strengths (clinical-rules §12).
    let liquid: LiquidInput? = try input["liquid"].map {
        LiquidInput(concentrationMgPerMl: try $0.double("concentration_mg_per_ml"), syringeStepMl: $0.optDouble("syringe_step_ml"))
    }
    let strengths = liquid != nil && input["strengths_mg"] == nil ? [] : try input.doubles("strengths_mg")
    return DoseRequest(
        drug: drug,
        weightKg: try input.double("weight_kg"),
        mgPerKgPerDay: input.optDouble("mg_per_kg_per_day"),
        mgPerM2PerDay: input.optDouble("mg_per_m2_per_day"),
        heightCm: input.optDouble("height_cm"),
        dosesPerDay: dosesPerDay,
        strengthsMg: strengths,
        allowSplit: input.flag("allow_split", false),
        overrideRange: input.flag("override", false),
        liquid: liquid)
}

func doseSuite() throws {
    runSuite("dose") { input in
        let result = try calculateDose(request: try doseRequest(of: input))
        if let ml = result.perDoseMl {
            return .object([
                "per_dose_mg": .number(result.perDoseMg),
                "daily_mg": .number(result.dailyMg),
                "mg_per_kg_per_day": .number(result.mgPerKgPerDay),
                "per_dose_ml": .number(ml),
            ])
        }
        return .object([
            "per_dose_mg": .number(result.perDoseMg),
            "daily_mg": .number(result.dailyMg),
            "mg_per_kg_per_day": .number(result.mgPerKgPerDay),
            "units": .array(result.units.map { .object(["strength_mg": .number($0.strengthMg), "count": .number($0.count)]) }),
        ])
    }
}

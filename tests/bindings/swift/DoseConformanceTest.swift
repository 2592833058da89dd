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
]

/// The typed request for a case input (defaults as in conformance.md).
func doseRequest(of input: JSON) throws -> DoseRequest {
    let drugName = try input.text("drug")
    guard let drug = drugs[drugName] else { throw ConformanceError.missing("drug \(drugName)") }
    guard let dosesPerDay = UInt32(exactly: try input.double("doses_per_day")) else {
        throw ConformanceError.missing("doses_per_day as a whole number")
    }
    return DoseRequest(
        drug: drug,
        weightKg: try input.double("weight_kg"),
        mgPerKgPerDay: input.optDouble("mg_per_kg_per_day"),
        mgPerM2PerDay: input.optDouble("mg_per_m2_per_day"),
        heightCm: input.optDouble("height_cm"),
        dosesPerDay: dosesPerDay,
        strengthsMg: try input.doubles("strengths_mg"),
        allowSplit: input.flag("allow_split", false),
        overrideRange: input.flag("override", false))
}

func doseSuite() throws {
    runSuite("dose") { input in
        let result = try calculateDose(request: try doseRequest(of: input))
        return .object([
            "per_dose_mg": .number(result.perDoseMg),
            "daily_mg": .number(result.dailyMg),
            "mg_per_kg_per_day": .number(result.mgPerKgPerDay),
            "units": .array(result.units.map { .object(["strength_mg": .number($0.strengthMg), "count": .number($0.count)]) }),
        ])
    }
}

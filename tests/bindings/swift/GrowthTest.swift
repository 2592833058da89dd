// Growth references and the "held until confirmed" tier (clinical-rules §10) from Swift.

import Foundation

let growthTests: [NamedTest] = [
    ("twentyOrTwoHundredKgIsHeldUntilConfirmed", twentyOrTwoHundredKgIsHeldUntilConfirmed),
    ("growthZScoresAndPolicyCrossTheFfi", growthZScoresAndPolicyCrossTheFfi),
]

/// The check of a `NeedsConfirmation` refusal, or nil for any other error.
private func confirmationCheck(_ error: Error?) -> (field: String, check: String, reason: String)? {
    if case let NephroError.NeedsConfirmation(field, check, reason)? = error as? NephroError {
        return (field, check, reason)
    }
    return nil
}

func twentyOrTwoHundredKgIsHeldUntilConfirmed() throws {
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patient = try diary.createPatient(profile: profile())
            checkEqual(try diary.addMeasurement(patientId: patient.id, measurement: weight(20.0)).confirmed, false,
                       "a plausible weight is unconfirmed")
            let error = checkThrows("200 kg after 20 kg is held", {
                try diary.addMeasurement(patientId: patient.id, measurement: weight(200.0, on: "2025-02-10"))
            }, where: { confirmationCheck($0) != nil })
            let held = confirmationCheck(error)
            checkEqual(held?.check, "weight_change", "the check that failed")
            checkEqual(held?.field, "weight_kg", "the field")
            check(held.map { !$0.reason.contains("200") } ?? false, "the reason carries no value")
            checkEqual(try diary.measurements(patientId: patient.id).count, 1, "nothing stored while held")
            let confirmed = Measurement(measuredOn: "2025-02-10", weightKg: 200.0, heightCm: nil, confirmed: true)
            checkEqual(try diary.addMeasurement(patientId: patient.id, measurement: confirmed).confirmed, true,
                       "the confirmed weight is stored")
            let stored = try diary.measurements(patientId: patient.id)
            checkEqual(stored.map { $0.weightKg }, [20.0, 200.0], "both weights stored")
            checkEqual(stored.map { $0.confirmed }, [false, true], "the stored records show the confirmation")
        }
    }
}

func growthZScoresAndPolicyCrossTheFfi() throws {
    // WHO 2006 weight-for-age, boys, day 0: M 3.3464 kg.
    let median = try growthZScore(sex: .male, ageDays: 0, measure: .weight, value: 3.3464)
    checkClose(median?.z, 0.0, "the median at birth is z 0", tolerance: 1e-12)
    checkEqual(median?.reference, "who2006", "WHO 2006 at birth")
    checkEqual(try growthZScore(sex: .female, ageDays: 3653, measure: .weight, value: 30.0)?.reference, "cdc2000",
               "CDC above 10 y")
    checkEqual(try growthZScore(sex: .female, ageDays: 6940, measure: .height, value: 160.0), nil, "none from 19 years")
    checkValidation("sex", "unspecified sex is refused") {
        try growthZScore(sex: .unspecified, ageDays: 10, measure: .weight, value: 3.0)
    }
    try withTempDir { tmp in
        try withDiary(tmp.appendingPathComponent("diary.sqlite").path) { diary in
            let patient = try diary.createPatient(profile: profile())
            checkEqual(try diary.plausibilityPolicy(patientId: patient.id),
                       PlausibilityPolicy(weightChange: 0.2, heightDecreaseCm: 2.0, heightIncreaseCm: 10.0, heightIncreaseDays: 90),
                       "the defaults of §10")
            let strict = PlausibilityPolicy(weightChange: 0.1, heightDecreaseCm: 1.0, heightIncreaseCm: 5.0, heightIncreaseDays: 30)
            checkEqual(try diary.setPlausibilityPolicy(patientId: patient.id, policy: strict, changedBy: "Dr. Example"), strict,
                       "policy set")
            _ = try diary.addMeasurement(patientId: patient.id, measurement: weight(20.0))
            checkThrows("11 % is held under a 10 % policy", {
                try diary.addMeasurement(patientId: patient.id, measurement: weight(22.2, on: "2025-02-10"))
            }, where: { confirmationCheck($0) != nil })
            var typo = strict
            typo.weightChange = 20.0
            checkValidation("weight_change", "20 typed for 20 % is refused") {
                try diary.setPlausibilityPolicy(patientId: patient.id, policy: typo, changedBy: "Dr. Example")
            }
        }
    }
}

"""Every case of the `dose` conformance suite through the typed `calculate_dose`."""

import nephro
from conformance import run_suite

DRUGS = {
    "tacrolimus": nephro.Drug.TACROLIMUS,
    "mycophenolate_mofetil": nephro.Drug.MYCOPHENOLATE_MOFETIL,
    "prednisolone": nephro.Drug.PREDNISOLONE,
    "prednisone": nephro.Drug.PREDNISONE,
    "cyclophosphamide": nephro.Drug.CYCLOPHOSPHAMIDE,
    "ciclosporin": nephro.Drug.CICLOSPORIN,
    "levamisole": nephro.Drug.LEVAMISOLE,
}


def dose_request(case_input):
    """The typed request for a case input (defaults as in conformance.md)."""
    return nephro.DoseRequest(
        drug=DRUGS[case_input["drug"]],
        weight_kg=float(case_input["weight_kg"]),
        mg_per_kg_per_day=case_input.get("mg_per_kg_per_day"),
        mg_per_m2_per_day=case_input.get("mg_per_m2_per_day"),
        height_cm=case_input.get("height_cm"),
        doses_per_day=case_input["doses_per_day"],
        # A liquid is measured by volume: its case has no strengths (clinical-rules §12).
        strengths_mg=[float(s) for s in case_input.get("strengths_mg", [] if "liquid" in case_input else None)],
        allow_split=case_input.get("allow_split", False),
        override_range=case_input.get("override", False),
        liquid=liquid_input(case_input.get("liquid")),
    )


def liquid_input(liquid):
    """The typed liquid of a case input, or None."""
    if liquid is None:
        return None
    step = liquid.get("syringe_step_ml")
    return nephro.LiquidInput(
        concentration_mg_per_ml=float(liquid["concentration_mg_per_ml"]),
        syringe_step_ml=float(step) if step is not None else None,
    )


def evaluate(case_input):
    result = nephro.calculate_dose(dose_request(case_input))
    if result.per_dose_ml is not None:
        return {
            "per_dose_mg": result.per_dose_mg,
            "daily_mg": result.daily_mg,
            "mg_per_kg_per_day": result.mg_per_kg_per_day,
            "per_dose_ml": result.per_dose_ml,
        }
    return {
        "per_dose_mg": result.per_dose_mg,
        "daily_mg": result.daily_mg,
        "mg_per_kg_per_day": result.mg_per_kg_per_day,
        "units": [{"strength_mg": u.strength_mg, "count": u.count} for u in result.units],
    }


def test_dose_suite():
    run_suite("dose", evaluate)

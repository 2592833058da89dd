"""Fictional test data shared by the Python binding tests (same values in Kotlin and Swift)."""

import nephro

# 2025-01-15 07:05, 19:10 and 19:40 UTC, in epoch ms.
MORNING_MS = 1736924700000
EVENING_MS = 1736968200000
EVENING_LATER_MS = 1736970000000


def profile(birth_date="2019-04-02"):
    """A fictional child's profile."""
    return nephro.PatientProfile(
        display_name="Test Child",
        birth_date=birth_date,
        sex=nephro.Sex.FEMALE,
        time_zone="Europe/Berlin",
        definition_set="ipna2022",
    )


def weight(kg, on="2025-01-10"):
    """A weight measurement."""
    return nephro.Measurement(measured_on=on, weight_kg=kg, height_cm=None)


def tacrolimus_regimen(times=("08:00", "20:00"), start="2025-01-15", rate=0.1):
    """Tacrolimus 0.1 mg per kg per day in capsules of 0.5 and 1 mg."""
    return nephro.RegimenInput(
        drug=nephro.Drug.TACROLIMUS,
        form="capsule",
        strengths_mg=[0.5, 1.0],
        allow_split=False,
        rate=nephro.RegimenRate.MG_PER_KG_PER_DAY(rate=rate),
        times=list(times),
        start_date=start,
        end_date=None,
        prescribed_by="Dr. Example",
        prescribed_on="2025-01-14",
        override_range=False,
    )


def dose_log(client_id, medication_id, slot_date="2025-01-15", slot_time="08:00",
             outcome=nephro.DoseOutcome.TAKEN, at_ms=MORNING_MS, by="mother"):
    """A dose to log."""
    return nephro.DoseLogInput(
        client_id=client_id,
        medication_id=medication_id,
        slot_date=slot_date,
        slot_time=slot_time,
        outcome=outcome,
        actual_at_ms=at_ms,
        logged_by=by,
    )


def seeded(diary):
    """A patient weighing 20 kg on a tacrolimus regimen: (patient, regimen)."""
    patient = diary.create_patient(profile())
    diary.add_measurement(patient.id, weight(20.0))
    regimen = diary.add_regimen(patient.id, tacrolimus_regimen())
    return patient, regimen

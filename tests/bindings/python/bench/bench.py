#!/usr/bin/env python3
"""Per-call cost of the bindings from Python (a benchmark, not a test).

    bench.py --bindings DIR [--ping N] [--log N]

ping: N calls of `ping()` in 5 rounds; the median round's time per call (and the first round's).
log_dose: N `log_dose` calls on a temp diary, each a distinct slot of one regimen (08:00 and
20:00 from 2025-01-01 on); each call timed alone: median and mean.
"""

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time

ROUNDS = 5


def human(ns):
    return f"{ns:.0f} ns" if ns < 1000 else f"{ns / 1000:.1f} µs" if ns < 1_000_000 else f"{ns / 1e6:.2f} ms"


def bench_ping(nephro, calls):
    ping = nephro.ping
    per_round = max(1, calls // ROUNDS)
    per_call = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        for i in range(per_round):
            ping(i)
        per_call.append((time.perf_counter_ns() - start) / per_round)
    return statistics.median(per_call), per_call[0], per_round * ROUNDS


def bench_log_dose(nephro, calls):
    tmp = tempfile.mkdtemp(prefix="nephro-bench-py-")
    try:
        diary = nephro.Diary.open(os.path.join(tmp, "bench.sqlite"))
        patient = diary.create_patient(nephro.PatientProfile(
            display_name="Bench Child", birth_date="2019-04-02", sex=nephro.Sex.UNSPECIFIED,
            time_zone="Europe/Berlin", definition_set="ipna2022"))
        diary.add_measurement(patient.id, nephro.Measurement(measured_on="2024-12-31", weight_kg=20.0, height_cm=None))
        regimen = diary.add_regimen(patient.id, nephro.RegimenInput(
            drug=nephro.Drug.TACROLIMUS, form="capsule", strengths_mg=[0.5, 1.0], allow_split=False,
            rate=nephro.RegimenRate.MG_PER_KG_PER_DAY(rate=0.1), times=["08:00", "20:00"],
            start_date="2025-01-01", end_date=None, prescribed_by="Dr. Example", prescribed_on="2024-12-31",
            override_range=False))
        first_day = datetime.date(2025, 1, 1)
        base_ms = 1735718400000  # 2025-01-01T08:00:00Z
        inputs = [
            nephro.DoseLogInput(
                client_id=f"bench-{i}", medication_id=regimen.medication_id,
                slot_date=(first_day + datetime.timedelta(days=i // 2)).isoformat(),
                slot_time=("08:00", "20:00")[i % 2], outcome=nephro.DoseOutcome.TAKEN,
                actual_at_ms=base_ms + (i // 2) * 86_400_000 + (i % 2) * 43_200_000, logged_by="bench")
            for i in range(calls)
        ]
        times = []
        for dose in inputs:
            start = time.perf_counter_ns()
            diary.log_dose(dose, dose.actual_at_ms, None)
            times.append(time.perf_counter_ns() - start)
        last = (first_day + datetime.timedelta(days=calls)).isoformat()
        stored = len(diary.dose_logs(patient.id, first_day.isoformat(), last))
        if stored != calls:
            raise SystemExit(f"python bench: {stored} doses stored, expected {calls}")
        del diary
        return statistics.median(times), statistics.fmean(times)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bindings", required=True)
    parser.add_argument("--ping", type=int, default=200_000)
    parser.add_argument("--log", type=int, default=2_000)
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.bindings))
    import nephro

    ping_median, ping_first, ping_calls = bench_ping(nephro, args.ping)
    log_median, log_mean = bench_log_dose(nephro, args.log)
    print(f"python: ping {human(ping_median)}/call (median of {ROUNDS} rounds, {ping_calls} calls; "
          f"first round {human(ping_first)}) | log_dose median {human(log_median)}, mean {human(log_mean)} "
          f"({args.log} calls)")


if __name__ == "__main__":
    main()

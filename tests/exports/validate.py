#!/usr/bin/env python3
"""Independent validators of the NephroDiary exports (issue 7).

Validates one export set, a directory written by scripts/test-exports.sh:
    SET/diary.fhir.json  SET/dosing.ics  SET/csv/*.csv + manifest.txt  SET/report.html

    validate.py SET --db DIARY.db [--deidentified --compare-with IDENTIFIED_SET]

- FHIR: every resource is parsed by the FHIR R4B models of `fhir.resources` (pydantic, strict:
  unknown elements, missing required elements, malformed dates and codes all fail), the bundle
  and each entry on its own; then what the models do not check: bundle type, fullUrl = urn:uuid
  of the id, references resolve, the codes and UCUM units of clinical-rules §9, R4 invariants
  qty-3 and con-3/con-4, statuses.
- iCalendar: parsed by `icalendar`; every event has UID, DTSTAMP, DTSTART; repeating events are
  expanded with dateutil and keep their wall-clock time across daylight-saving changes; lines
  are CRLF and at most 75 octets.
- CSV: RFC 4180 (Python's csv module, strict), rectangular, UTF-8 with BOM, CRLF, ISO dates.
- Cross-checks against the diary file read with sqlite3 (not through NephroDiary): counts of
  doses, readings, labs; the patient's name present (identified) or absent from every file
  (de-identified), with the birth date and the notes; a de-identified set is shifted by one
  constant number of days against the identified set, leaves out at least the last 14 days,
  has random (version 4) ids, instants in UTC (`Z`) and no generation time.

Prints one line per check and `N passed, M failed`; exits 1 on any failure.
"""

import argparse
import csv
import datetime as dt
import io
import json
import re
import sqlite3
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil import rrule
from fhir.resources.R4B import get_fhir_model_class
from icalendar import Calendar

PASSED = 0
FAILED = 0

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DIPSTICK_SNOMED = {"167273002", "167274008", "167275009", "167276005", "167277001", "167278006"}
# The trial's drugs (clinical-rules §9) and the demo's ACE inhibitor, enalapril (§12).
RXNORM_CODES = {"8640", "8638", "42316", "68149", "3827"}
UCUM_UNITS = {"mg", "mg/dL", "mg/mmol", "mg/g", "mg/mg", "g/g", "ng/mL", "ug.h/mL", "kg", "cm", "mm[Hg]",
              "umol/L", "10*9/L", "g/dL", "g/L", "U/L", "a"}
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}))?$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check(ok, what):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"ok    {what}")
    else:
        FAILED += 1
        print(f"FAIL  {what}")
    return ok


def diary_facts(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    q = lambda sql: con.execute(sql).fetchall()
    facts = {
        "name": q("SELECT display_name FROM patient")[0][0],
        "birth": q("SELECT birth_date FROM patient")[0][0],
        "zone": q("SELECT time_zone FROM patient")[0][0],
        "doses": q("SELECT count(*) FROM dose_log WHERE undone = 0")[0][0],
        "skipped": q("SELECT count(*) FROM dose_log WHERE undone = 0 AND outcome = 'skipped'")[0][0],
        "readings": q("SELECT count(*) FROM urine_reading WHERE retracted = 0")[0][0],
        "labs": q("SELECT count(*) FROM lab_result WHERE retracted = 0")[0][0],
        "notes": [r[0] for r in q("SELECT note FROM urine_reading WHERE note IS NOT NULL AND retracted = 0")],
        "loggers": sorted({r[0] for r in q("SELECT logged_by FROM dose_log UNION SELECT logged_by FROM urine_reading")}),
        "regimens": q("SELECT count(*) FROM regimen")[0][0],
        "courses": q("SELECT count(DISTINCT course_key) FROM steroid_course")[0][0],
        "medicines": q("SELECT count(*) FROM medicine")[0][0],
    }
    con.close()
    return facts


# ------------------------------------------------------------------------------------------------
# FHIR


def coding(concept, system):
    return [c for c in (concept or {}).get("coding", []) if c.get("system") == system]


def walk(value, path=""):
    if isinstance(value, dict):
        yield path, value
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")


def counts(actual, expected, deidentified):
    """Identified: every record. De-identified: the period ends weeks before the export day, so
    some of them (at least one)."""
    return 0 < actual <= expected if deidentified else actual == expected


def validate_fhir(path, facts, deidentified):
    data = json.loads(path.read_text(encoding="utf-8"))
    name = path.name
    try:
        get_fhir_model_class("Bundle").model_validate(data)
        check(True, f"{name}: the Bundle validates against the FHIR R4B models")
    except Exception as e:  # noqa: BLE001 - report any validation error
        check(False, f"{name}: the Bundle validates against the FHIR R4B models: {str(e)[:400]}")
    invalid = []
    for i, entry in enumerate(data.get("entry", [])):
        resource = entry.get("resource", {})
        try:
            get_fhir_model_class(resource.get("resourceType", "?")).model_validate(resource)
        except Exception as e:  # noqa: BLE001
            invalid.append(f"entry[{i}] {resource.get('resourceType')}: {str(e)[:200]}")
    check(not invalid, f"{name}: each of {len(data.get('entry', []))} resources validates on its own"
          + (f" ({invalid[:3]})" if invalid else ""))
    check(data.get("type") == "collection", f"{name}: bundle type is collection")
    entries = data.get("entry", [])
    urls = [e.get("fullUrl") for e in entries]
    check(len(set(urls)) == len(urls), f"{name}: fullUrls are unique")
    check(all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in entries), f"{name}: fullUrl is urn:uuid:<id>")
    refs = [v["reference"] for _, v in walk(data) if isinstance(v, dict) and "reference" in v]
    dangling = [r for r in refs if r not in set(urls)]
    check(not dangling, f"{name}: all {len(refs)} references resolve inside the bundle {dangling[:3]}")
    by_type = {}
    for e in entries:
        by_type.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    print(f"      resources: {', '.join(f'{k} {len(v)}' for k, v in sorted(by_type.items()))}")

    quantities = [v for p, v in walk(data) if isinstance(v, dict) and "value" in v and "unit" in v]
    check(all(q.get("system") == UCUM and q.get("code") in UCUM_UNITS for q in quantities),
          f"{name}: every quantity is UCUM with a code (qty-3); {len(quantities)} quantities")
    times = [v for p, v in walk(data) if isinstance(v, dict)
             for k in ("effectiveDateTime", "onsetDateTime", "abatementDateTime", "authoredOn") if k in v]
    check(all(DATE_TIME.match(t[k]) for t in times for k in t if k.endswith(("DateTime", "authoredOn"))
              and isinstance(t[k], str)), f"{name}: dateTimes carry seconds and an offset")

    patient = by_type.get("Patient", [])
    check(len(patient) == 1, f"{name}: one Patient")
    statements = by_type.get("MedicationStatement", [])
    check(counts(len(statements), facts["doses"], deidentified),
          f"{name}: one MedicationStatement per live dose log of the period ({len(statements)} of {facts['doses']})")
    skipped = sum(s["status"] == "not-taken" for s in statements)
    check(skipped == facts["skipped"] or (deidentified and skipped <= facts["skipped"]),
          f"{name}: skipped doses are not-taken ({skipped} of {facts['skipped']})")
    check(all(s["status"] in ("completed", "not-taken") for s in statements), f"{name}: statements completed or not-taken")
    requests = by_type.get("MedicationRequest", [])
    check(counts(len(requests), facts["regimens"] + facts["courses"] + facts["medicines"], deidentified),
          f"{name}: a MedicationRequest per regimen, course and medicine of the period")
    meds = requests + statements
    check(all(coding(m["medicationCodeableConcept"], RXNORM) and coding(m["medicationCodeableConcept"], RXNORM)[0]["code"]
              in RXNORM_CODES for m in meds), f"{name}: medications carry their RxNorm code")
    observations = by_type.get("Observation", [])
    check(all(o.get("status") and o.get("code") for o in observations), f"{name}: every Observation has status and code")
    dipsticks = [o for o in observations if any(c["code"] == "20454-5" for c in coding(o["code"], LOINC))]
    upcr = [o for o in observations if any(c["code"] == "2890-2" for c in coding(o["code"], LOINC))]
    check(all(coding(o.get("valueCodeableConcept"), SNOMED)[0]["code"] in DIPSTICK_SNOMED for o in dipsticks),
          f"{name}: dipsticks are LOINC 20454-5 with a SNOMED CT grade ({len(dipsticks)})")
    check(all(o["valueQuantity"]["code"] in ("mg/mg", "g/g", "mg/g") for o in upcr),
          f"{name}: LOINC 2890-2 (a mass ratio) carries only mg/mg, g/g or mg/g, never mg/mmol ({len(upcr)})")
    # clinical-rules §9: LOINC and UCUM on every lab and reading; an MPA-AUC is text only, and so
    # is a UPCR in mg/mmol (no Protein/Creatinine [Mass/Moles] in Urine term could be confirmed,
    # core/src/export/fhir.rs upcr_loinc).
    labs = [o for o in observations if o["category"][0]["coding"][0]["code"] == "laboratory"]
    auc = [o for o in labs if o.get("valueQuantity", {}).get("code") == "ug.h/mL"]
    check(all(not coding(o["code"], LOINC) for o in auc), f"{name}: MPA-AUC values carry no LOINC code ({len(auc)})")
    per_mmol = [o for o in labs if o.get("valueQuantity", {}).get("code") == "mg/mmol"]
    check(all(not coding(o["code"], LOINC) and o["code"].get("text") for o in per_mmol),
          f"{name}: UPCR values in mg/mmol carry code.text and no LOINC code ({len(per_mmol)})")
    text_only = auc + per_mmol
    uncoded = [o["code"].get("text") for o in labs if o not in text_only and not coding(o["code"], LOINC)]
    check(not uncoded,
          f"{name}: every other lab and reading carries a LOINC code ({len(labs) - len(text_only)}) {uncoded[:3]}")
    any_time = [o for o in observations if any(c["code"] == "11253-2" for c in coding(o["code"], LOINC))]
    trough = [o for o in observations if any(c["code"] == "77348-1" for c in coding(o["code"], LOINC))]
    check(all("referenceRange" not in o and "interpretation" not in o and o.get("note") for o in any_time),
          f"{name}: a tacrolimus level that is not a trough has no range and no interpretation, only a note ({len(any_time)})")
    check(all(o.get("referenceRange") and o.get("interpretation") for o in trough),
          f"{name}: a valid trough (LOINC 77348-1) carries its target band and interpretation ({len(trough)})")
    flags = [(o, c["code"]) for o in observations for i in o.get("interpretation", [])
             for c in coding(i, INTERPRETATION)]
    check(all(any("low" in r for r in o["referenceRange"]) for o, code in flags if code == "LL")
          and all(any("high" in r for r in o["referenceRange"]) for o, code in flags if code == "HH"),
          f"{name}: LL flags carry their threshold as low, HH flags their limit as high "
          f"({sum(c == 'LL' for _, c in flags)} LL, {sum(c == 'HH' for _, c in flags)} HH)")
    check(all(c in ("N", "L", "H", "LL", "HH") for _, c in flags), f"{name}: interpretations are N, L, H, LL or HH")
    narrated = [e for e in entries if e["resource"].get("text", {}).get("div", "").startswith("<div xmlns=")]
    check(len(narrated) == len(entries), f"{name}: every resource has narrative (dom-6) ({len(narrated)} of {len(entries)})")
    with_identifier = [e for e in entries if e["resource"].get("identifier")]
    if deidentified:
        check(not with_identifier, f"{name}: de-identified resources carry no diary identifier")
    else:
        check(len(with_identifier) == len(entries), f"{name}: every resource carries its diary-scoped identifier")
    lab_like = [o for o in observations if o not in dipsticks and o["category"][0]["coding"][0]["code"] == "laboratory"]
    check(counts(len(dipsticks) + len(lab_like), facts["readings"] + facts["labs"], deidentified),
          f"{name}: one Observation per reading and lab of the period ({facts['readings']} + {facts['labs']} in the diary)")
    bp = [o for o in observations if any(c["code"] == "85354-9" for c in coding(o["code"], LOINC))]
    check(all({c["code"]["coding"][0]["code"] for c in o["component"]} == {"8480-6", "8462-4"} for o in bp),
          f"{name}: blood pressure panels have systolic and diastolic components ({len(bp)})")
    conditions = by_type.get("Condition", [])
    check(all(coding(c["code"], SNOMED)[0]["code"] == "52254009" for c in conditions),
          f"{name}: relapse episodes are SNOMED CT 52254009 ({len(conditions)})")
    check(all(c["clinicalStatus"]["coding"][0]["code"] in ("remission", "resolved", "inactive")
              for c in conditions if "abatementDateTime" in c), f"{name}: abated conditions are in remission (con-4)")
    check(len(by_type.get("List", [])) == 1 and by_type["List"][0].get("note"), f"{name}: the manifest List states the contents")
    text = path.read_text(encoding="utf-8")
    if deidentified:
        check("name" not in patient[0] and "birthDate" not in patient[0], f"{name}: de-identified Patient has no name or birth date")
        check(any(any(c["code"] == "30525-0" for c in coding(o["code"], LOINC)) for o in observations),
              f"{name}: the age replaces the birth date (LOINC 30525-0)")
        check(data.get("meta", {}).get("security", [{}])[0].get("code") == "PSEUDED", f"{name}: bundle labelled PSEUDED")
        check("timestamp" not in data and all("date" not in r for r in by_type.get("List", [])),
              f"{name}: no generation time (Bundle.timestamp, List.date)")
        ids = [e["resource"]["id"] for e in entries] + [data["id"]]
        check(all(UUID4.match(i) for i in ids), f"{name}: every id is a random (version 4) UUID ({len(ids)})")
        check(not OFFSET.search(text), f"{name}: instants in UTC (Z), no offset names a zone")
    else:
        check(patient[0].get("birthDate") == facts["birth"] and patient[0]["name"][0]["text"] == facts["name"],
              f"{name}: identified Patient has its name and birth date")
        check(all(n in text for n in facts["notes"]), f"{name}: the family's notes are kept ({len(facts['notes'])})")
    return {"conditions": len(conditions), "troughs": sum(any(c["code"] == "11253-2" for c in coding(o["code"], LOINC))
                                                          for o in observations)}


# ------------------------------------------------------------------------------------------------
# iCalendar


def validate_ics(path, facts, deidentified):
    raw = path.read_bytes()
    name = path.name
    lines = raw.split(b"\r\n")
    check(raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), f"{name}: every line ends with CRLF")
    check(all(len(line) <= 75 for line in lines), f"{name}: lines are folded at 75 octets (longest {max(map(len, lines))})")
    try:
        cal = Calendar.from_ical(raw)
        check(True, f"{name}: parsed by icalendar")
    except Exception as e:  # noqa: BLE001
        check(False, f"{name}: parsed by icalendar: {e}")
        return
    check(str(cal.get("VERSION")) == "2.0" and cal.get("PRODID"), f"{name}: VERSION 2.0 and PRODID")
    events = list(cal.walk("VEVENT"))
    check(all(e.get("UID") and e.get("DTSTAMP") and e.get("DTSTART") for e in events),
          f"{name}: every one of {len(events)} events has UID, DTSTAMP and DTSTART")
    uids = [str(e["UID"]) for e in events]
    check(len(set(uids)) == len(uids), f"{name}: UIDs are unique")
    if deidentified:
        check(all(re.match(r"^[0-9a-f-]{36}@nephrodiary\.app$", u) and UUID4.match(u[:36]) for u in uids),
              f"{name}: UIDs are random (version 4) UUIDs @nephrodiary.app")
    else:
        check(all(re.match(r"^(regimen-\d+|course-\w+|medicine-\d+)@\d{4}-\d{2}-\d{2}T\d{2}:\d{2}@nephrodiary\.app$", u) for u in uids),
              f"{name}: UIDs are reminder ids @nephrodiary.app")
    zones = list(cal.walk("VTIMEZONE"))
    if deidentified:
        check(not zones and all(e["DTSTART"].dt.tzinfo is None for e in events), f"{name}: floating local times, no zone named")
    else:
        check(len(zones) == 1 and str(zones[0]["TZID"]) == facts["zone"], f"{name}: a VTIMEZONE for {facts['zone']}")
        check(all(e["DTSTART"].params.get("TZID") == facts["zone"] for e in events), f"{name}: every DTSTART names the zone")
    repeating = [e for e in events if e.get("RRULE")]
    for e in repeating:
        start = e["DTSTART"].dt
        rule = rrule.rrulestr(e["RRULE"].to_ical().decode(), dtstart=start)
        occurrences = list(rule.xafter(start, count=400, inc=True))
        hours = {(o.hour, o.minute) for o in occurrences}
        check(len(hours) == 1 and len(occurrences) > 1,
              f"{name}: {e['UID']} repeats daily at the same wall-clock time across {len(occurrences)} occurrences")
    check(all(any(c.name == "VALARM" for c in e.subcomponents) for e in events), f"{name}: every event has an alarm")


# ------------------------------------------------------------------------------------------------
# CSV


def read_csv(path):
    raw = path.read_bytes()
    check(raw.startswith(b"\xef\xbb\xbf"), f"csv/{path.name}: UTF-8 with BOM")
    text = raw.decode("utf-8-sig")
    body = text.replace('""', "")
    # Outside quoted fields every line break is CRLF (a bare LF may only sit inside quotes).
    outside = re.sub(r'"[^"]*"', "", body)
    check("\n" not in outside.replace("\r\n", ""), f"csv/{path.name}: records end with CRLF")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    check(rows and all(len(r) == len(rows[0]) for r in rows), f"csv/{path.name}: rectangular, {len(rows) - 1} rows")
    # Every table says whose data it is: a first column `patient`, one patient on every row.
    check(rows and rows[0][0] == "patient" and len({r[0] for r in rows[1:]}) <= 1 and all(r[0] for r in rows[1:]),
          f"csv/{path.name}: the first column names the patient ({rows[1][0] if len(rows) > 1 else '-'})")
    PATIENTS.update(r[0] for r in rows[1:])
    return [r[1:] for r in rows]


PATIENTS = set()


def validate_csv(directory, facts, deidentified):
    tables = {}
    for path in sorted(directory.glob("*.csv")):
        tables[path.stem] = read_csv(path)
    for table in ("doses", "readings", "labs", "measurements", "steroid_calendar"):
        check(table in tables, f"csv: {table}.csv present")
    check((directory / "manifest.txt").exists(), "csv: manifest.txt states the contents")
    doses = tables.get("doses", [[]])
    check(counts(len(doses) - 1, facts["doses"], deidentified), f"csv/doses.csv: one row per live dose log of the period ({facts['doses']} in the diary)")
    check(counts(len(tables.get("readings", [[]])) - 1, facts["readings"], deidentified), "csv/readings.csv: one row per reading of the period")
    check(len(tables.get("labs", [[]])) - 1 <= facts["labs"] if deidentified else len(tables.get("labs", [[]])) - 1 == facts["labs"],
          "csv/labs.csv: one row per lab of the period")
    check("dose (mg)" in doses[0] and "weight (kg)" in tables["measurements"][0], "csv: units in the headers")
    dates_ok = all(ISO_DATE.match(r[0]) for name in ("doses", "readings", "measurements", "steroid_calendar")
                   for r in tables.get(name, [[]])[1:])
    check(dates_ok, "csv: dates are ISO 8601")
    manifest = (directory / "manifest.txt").read_text(encoding="utf-8-sig")
    patient = next(iter(PATIENTS), "")
    if deidentified:
        check(len(PATIENTS) == 1 and re.fullmatch(r"P-[0-9a-f]{8}", patient),
              f"csv: every table names one pseudonym ({sorted(PATIENTS)[:2]})")
    else:
        check(PATIENTS == {facts["name"]}, f"csv: every table names the patient ({sorted(PATIENTS)[:2]})")
    check(patient and patient in manifest, "csv: the manifest names the patient")
    return tables


# ------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", type=Path)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--deidentified", action="store_true")
    parser.add_argument("--compare-with", type=Path, help="the identified set a de-identified one was made from")
    args = parser.parse_args()
    facts = diary_facts(args.db)
    print(f"== {args.set} ({'de-identified' if args.deidentified else 'identified'})")
    validate_fhir(args.set / "diary.fhir.json", facts, args.deidentified)
    validate_ics(args.set / "dosing.ics", facts, args.deidentified)
    tables = validate_csv(args.set / "csv", facts, args.deidentified)

    files = [p for p in args.set.rglob("*") if p.is_file() and p.suffix in (".json", ".ics", ".csv", ".txt", ".html")]
    texts = {p: p.read_bytes().replace(b"\r\n ", b"").decode("utf-8") for p in files}
    if args.deidentified:
        secrets = [facts["name"], facts["birth"], facts["zone"]] + facts["notes"] + [n for n in facts["loggers"] if len(n) >= 4]
        leaks = [(p.name, s) for p, t in texts.items() for s in secrets if s and s in t]
        check(not leaks, f"de-identified: no name, birth date, zone, note or logger in any of {len(files)} files {leaks[:3]}")
        if args.compare_with:
            # The de-identified doses are the identified ones up to the end of its period.
            plain = read_csv(args.compare_with / "csv" / "doses.csv")
            shifted = tables["doses"]
            deltas = {(dt.date.fromisoformat(b[0]) - dt.date.fromisoformat(a[0])).days for a, b in zip(plain[1:], shifted[1:])}
            check(1 < len(shifted) < len(plain) and len(deltas) == 1 and 0 not in deltas,
                  f"de-identified: every dose date moved by one constant offset ({len(deltas)} distinct, non-zero)")
            if len(deltas) == 1:
                delta = dt.timedelta(days=deltas.pop())
                last_kept = dt.date.fromisoformat(shifted[-1][0]) - delta
                last_logged = dt.date.fromisoformat(plain[-1][0])
                # The rule (core/src/export/deidentify.rs): the period ends 14 to 69 days before
                # the day of the export in the patient's zone. That day is the diary's last day,
                # or the day after it once the patient's local midnight has passed (the demo
                # diary ends on its last logged day), so it is taken from the clock, as the
                # export did moments ago, not from the last log.
                export_day = dt.datetime.now(ZoneInfo(facts["zone"])).date()
                check(last_kept < last_logged and (export_day - last_kept).days >= 14,
                      f"de-identified: the period ends at least 14 days before the day of the export "
                      f"({(export_day - last_kept).days} days before {export_day}, "
                      f"{(last_logged - last_kept).days} before the last log)")
            check(all(a[1] == b[1] and a[5][11:19] == b[5][11:19] and b[5].endswith("Z") for a, b in zip(plain[1:], shifted[1:])),
                  "de-identified: local times of day are kept, written in UTC notation (Z)")
    else:
        check(any(facts["name"] in t for p, t in texts.items() if p.suffix == ".html"), "identified: the report names the patient")
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()

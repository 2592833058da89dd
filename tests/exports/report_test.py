#!/usr/bin/env python3
"""Renders the NephroDiary report in headless Chromium and checks what a clinician sees.

    report_test.py SET --db DIARY.db --lang en|zh-Hans [--deidentified]

SET is an export set (see validate.py): SET/report.html is rendered by Chromium twice, once to
dump the DOM after layout (`--dump-dom`) and once to a PNG screenshot (`--screenshot`, kept as
SET/report.png). The DOM must hold the key numbers and charts, and they must agree with the
other exports of the same set, computed here independently: the relapse episodes with the FHIR
Conditions, the tacrolimus troughs with the FHIR Observations, the cumulative steroid with the
sum of steroid_calendar.csv, the steroid taken with doses.csv, the adherence with adherence.csv.
The screenshot must be a real picture (not blank). The file must not reach the network.

Prints one line per check and `N passed, M failed`; exits 1 on any failure.
"""

import argparse
import csv
import io
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

PASSED = 0
FAILED = 0


def check(ok, what):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"ok    {what}")
    else:
        FAILED += 1
        print(f"FAIL  {what}")
    return ok


def chromium():
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    sys.exit("report_test.py: Chromium not found (scripts/toolchains.sh --with-chromium installs it)")


def run_chromium(*args):
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}", *args]
        return subprocess.run(command, capture_output=True, timeout=120, check=False)


class Dom(HTMLParser):
    """Elements with their attributes, text and the elements inside them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.stack = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "children": []}
        if tag == "html":
            self.lang = element["attrs"].get("lang")
        for open_element in self.stack:
            open_element["children"].append(element)
        self.elements.append(element)
        if tag not in ("meta", "link", "br", "img", "input", "rect", "circle", "line", "path", "polyline"):
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1]["tag"] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element["text"] += data

    def testid(self, name):
        return [e for e in self.elements if e["attrs"].get("data-testid") == name]


def png_is_a_picture(path):
    """Reads the PNG (8-bit RGB/RGBA, as Chromium writes) and tells whether it has real content."""
    data = path.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False, "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    pixels = zlib.decompress(idat)
    distinct = len(set(pixels[i:i + 3] for i in range(1, min(len(pixels), 3_000_000), 97)))
    return width >= 800 and height >= 1000 and distinct > 20, f"{width}x{height}, {distinct} distinct samples"


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", type=Path)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--lang", required=True)
    parser.add_argument("--deidentified", action="store_true")
    args = parser.parse_args()
    report = (args.set / "report.html").resolve()
    print(f"== {report} ({args.lang}{', de-identified' if args.deidentified else ''})")
    source = report.read_text(encoding="utf-8")
    check("http://" not in source and "https://" not in source and "<script" not in source and "url(" not in source,
          "self-contained: no script and no link to the network")
    check("default-src 'none'" in source, "a Content-Security-Policy forbids every fetch")

    dumped = run_chromium("--dump-dom", report.as_uri())
    check(dumped.returncode == 0 and b"</html>" in dumped.stdout, f"Chromium renders the report (exit {dumped.returncode})")
    dom = Dom()
    dom.feed(dumped.stdout.decode("utf-8"))
    check(dom.lang == args.lang, f"<html lang> is {args.lang} (found {dom.lang})")

    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    name = con.execute("SELECT display_name FROM patient").fetchone()[0]
    con.close()
    patient = dom.testid("patient")
    if args.deidentified:
        check(patient and name not in dumped.stdout.decode("utf-8"), "de-identified: the name is nowhere in the page")
    else:
        check(patient and name in patient[0]["text"], "the patient is named at the top")

    for testid in ("report-title", "summary", "current-state", "flag-frequently-relapsing", "flag-steroid-dependent",
                   "relapse-rate", "relapse-count", "cumulative-steroid", "steroid-taken", "adherence-overall",
                   "alert-count", "manifest", "chart-proteinuria", "chart-trough", "chart-weight",
                   "chart-height", "table-medications", "table-labs"):
        check(len(dom.testid(testid)) >= 1, f"present: {testid}")
    value = lambda testid: dom.testid(testid)[0]["attrs"].get("data-value", "") if dom.testid(testid) else ""

    check(value("current-state") in ("remission", "watch", "relapse"), f"current state {value('current-state')}")
    bundle = json.loads((args.set / "diary.fhir.json").read_text(encoding="utf-8"))
    resources = [e["resource"] for e in bundle["entry"]]
    conditions = [r for r in resources if r["resourceType"] == "Condition"]
    shaded = dom.testid("relapse-episode")
    check(len(shaded) == len(conditions), f"relapse episodes shaded on the timeline: {len(shaded)} = FHIR Conditions {len(conditions)}")
    open_relapse = any(c["clinicalStatus"]["coding"][0]["code"] == "relapse" for c in conditions)
    check(open_relapse == (value("current-state") == "relapse"), "the current state agrees with the open FHIR episode")
    # Every tacrolimus level: a valid trough under the trough code 77348-1, any other level under
    # 11253-2 (clinical-rules §9).
    troughs = [r for r in resources if r["resourceType"] == "Observation"
               and any(c.get("code") in ("11253-2", "77348-1") for c in r["code"].get("coding", []))]
    trough_chart = dom.testid("chart-trough")[0]
    circles = [c for c in trough_chart["children"] if c["tag"] == "circle"]
    check(int(trough_chart["attrs"]["data-count"]) == len(troughs) == len(circles),
          f"trough chart: {len(circles)} points = FHIR tacrolimus Observations {len(troughs)}")
    check(len(dom.testid("chart-trough-band")) == 1, "trough chart: the target band is drawn")
    # A drug level chart only for a drug the child takes (or was measured for).
    takes_mmf = any(r["resourceType"] == "MedicationRequest" and any(c.get("code") == "68149"
                    for c in r["medicationCodeableConcept"].get("coding", [])) for r in resources)
    has_auc = any(r["resourceType"] == "Observation" and r.get("valueQuantity", {}).get("code") == "ug.h/mL"
                  for r in resources)
    check(bool(dom.testid("chart-mpa-auc")) == (takes_mmf or has_auc)
          and len(dom.testid("chart-mpa-auc-band")) == int(takes_mmf or has_auc),
          f"MPA-AUC chart drawn only for a child on mycophenolate ({'on it' if takes_mmf else 'not on it'}, {has_auc and 'has' or 'no'} results)")
    # The lab table: human units, one unit per test, and every safety alert flagged.
    rows = dom.testid("lab-row")
    units = {}
    for row in rows:
        units.setdefault(row["attrs"].get("data-kind"), set()).add(row["attrs"].get("data-unit"))
    check(all(len(u) == 1 for u in units.values()),
          f"lab table: one unit per test ({len(rows)} rows: { {k: sorted(v) for k, v in units.items()} })")
    shown = dumped.stdout.decode("utf-8")
    body = shown[shown.find("<body"):]
    ucum = [code for code in ("10*9/L", "umol/L", "ug.h/mL", "mm[Hg]") if code in re.sub(r"<[^>]+>", " ", body)]
    check(not ucum, f"the report shows human units, never UCUM codes {ucum}")
    flagged = [o for o in resources if o["resourceType"] == "Observation" and any(
        c.get("code") in ("LL", "HH") for i in o.get("interpretation", []) for c in i.get("coding", []))]
    alert_rows = [r for r in rows if any(k in r["attrs"].get("data-flags", "").split() for k in
                  ("leukopenia", "anaemia", "thrombocytopenia", "alt_raised", "bilirubin_raised", "creatinine_rise"))]
    check(len(alert_rows) == len(flagged) and all(r["children"][3]["text"].strip() for r in alert_rows),
          f"lab table: every safety alert is flagged in its row ({len(alert_rows)} rows = FHIR LL/HH {len(flagged)})")
    timeline = dom.testid("chart-proteinuria")[0]
    day_marks = [c for c in timeline["children"] if c["tag"] == "rect" and c["attrs"].get("class", "").startswith("l-")]
    check(int(timeline["attrs"]["data-days"]) == 0 or day_marks, f"proteinuria timeline: {len(day_marks)} level runs drawn")

    tables = args.set / "csv"
    calendar = read_csv(tables / "steroid_calendar.csv")
    planned = sum(float(r["dose (mg)"]) for r in calendar)
    shown = value("cumulative-steroid")
    check((not calendar and shown == "") or abs(float(shown or 0) - planned) < 1e-6,
          f"cumulative steroid {shown} mg = sum of steroid_calendar.csv {planned:g} mg")
    if calendar:
        check(len(dom.testid("steroid-curve")) == 1, "the steroid dose curve is drawn under the timeline")
    doses = read_csv(tables / "doses.csv")
    taken = sum(float(r["dose (mg)"] or 0) for r in doses if r["drug"] in ("prednisolone", "prednisone") and r["outcome"] == "taken")
    check(abs(float(value("steroid-taken") or 0) - taken) < 1e-6, f"steroid taken {value('steroid-taken')} mg = doses.csv {taken:g} mg")
    adherence = read_csv(tables / "adherence.csv")
    overall = [r for r in adherence if r["medication_id"] == "all"][0]
    rate = value("adherence-overall")
    check(rate and abs(float(rate) * 100 - float(overall["taken (%)"])) < 0.051,
          f"adherence {rate} = adherence.csv {overall['taken (%)']} %")
    shown_text = dom.testid("adherence-overall")[0]["text"].strip()
    check(rate and shown_text == f"{float(rate) * 100:.1f} %", f"adherence shown as {shown_text}")
    medications = [r for r in adherence if r["medication_id"] != "all"]
    calendars = dom.testid("chart-adherence")
    check(sorted(c["attrs"]["data-medication"] for c in calendars) == sorted(r["medication_id"] for r in medications),
          f"an adherence calendar per medication ({len(calendars)})")
    check(all(int(c["attrs"]["data-days"]) > 0 for c in calendars), "adherence calendars have day cells")
    measurements = read_csv(tables / "measurements.csv")
    weights = [r for r in measurements if r["weight (kg)"]]
    check(int(dom.testid("chart-weight")[0]["attrs"]["data-count"]) == len(weights), f"growth: {len(weights)} weights charted")
    alerts = int(value("alert-count") or -1)
    rows = [c for c in dom.testid("table-alerts")[0]["children"] if c["tag"] == "tr"][1:] if dom.testid("table-alerts") else []
    check(alerts == len(rows) or (alerts == 0 and len(rows) == 1), f"alerts: {alerts} counted, {len(rows)} listed")
    manifest_lines = [c for c in dom.testid("manifest")[0]["children"] if c["tag"] == "li"]
    check(len(manifest_lines) >= 5, f"the report states what it contains ({len(manifest_lines)} lines)")

    png = args.set / "report.png"
    shot = run_chromium("--hide-scrollbars", "--window-size=1100,2600", f"--screenshot={png}", report.as_uri())
    check(shot.returncode == 0 and png.exists(), f"screenshot written to {png}")
    if png.exists():
        ok, detail = png_is_a_picture(png)
        check(ok, f"the screenshot is a real picture ({detail})")
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()

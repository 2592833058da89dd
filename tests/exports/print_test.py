#!/usr/bin/env python3
"""Prints the NephroDiary report to PDF in headless Chromium, as a clinician's "Print → Save as
PDF" does, and reads every page back with pdftotext (poppler-utils), tools the project did not
write:

- every page names the patient — the name and date of birth, or in a de-identified report the
  pseudonym of the export's CSV tables and the age — and says "page N of M" (of the PDF's own
  page count, from pdfinfo);
- no page is three-quarters blank: on every page but the last, the text reaches below a quarter
  of the page (word boxes from `pdftotext -bbox`, page margins left out);
- a Simplified Chinese report holds no English word outside codes, units, names of guidelines
  and what the family typed (the child's name, notes, names of who logged).

Usage: print_test.py SET --db DIARY.db --lang en|zh-Hans [--deidentified]
Prints one line per check and `N passed, M failed`; exits 1 on any failure.
"""
import argparse
import csv
import html
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

PASSED = 0
FAILED = 0
MM = 72 / 25.4
# Codes, units, abbreviations and proper names a Chinese clinical report writes in Latin letters.
ALLOWED = {
    "NephroDiary", "eGFR", "MPA", "AUC", "UPCR", "ALT", "BSA", "UTC", "IPNA", "KDIGO", "STAMP", "NCT",
    "Schwartz", "Mosteller", "LOINC", "UCUM", "RxNorm", "SNOMED", "CT",
    "mg", "kg", "g", "dL", "L", "mL", "ng", "h", "m", "cm", "mm", "Hg", "mmHg", "mmol", "U", "min", "a",
    "Z",  # Z: the UTC designator, named where the report explains its times
    # Font names the report states it needs.
    "Segoe", "UI", "Helvetica", "Neue", "Arial", "Noto", "Sans", "DejaVu", "PingFang", "SC", "Hiragino", "GB",
    "Microsoft", "YaHei", "CJK", "Source", "Han", "WenQuanYi", "Micro", "Hei",
}


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
    sys.exit("print_test.py: Chromium not found (scripts/toolchains.sh --with-chromium installs it)")


def print_to_pdf(report, pdf):
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri()],
                       capture_output=True, timeout=180, check=False)


def page_count(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_text(pdf, page):
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def body_fill(pdf):
    """For each page, how far down the body text reaches (0–1), margins (page boxes) left out."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    fills = []
    for page in out.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        words = [(float(a), float(b)) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page)]
        body = [b for a, b in words if a > 16 * MM and b < height - 14 * MM]
        fills.append(max(body, default=0) / height)
    return fills


def family_text(db):
    """What the family typed (and the child's name and zone): data, not the report's words."""
    texts = []
    con = sqlite3.connect(db)
    for query in ("SELECT display_name, time_zone FROM patient", "SELECT note, logged_by FROM urine_reading",
                  "SELECT logged_by, logged_by FROM dose_log", "SELECT form, prescribed_by FROM regimen",
                  "SELECT changed_by, changed_by FROM steroid_course", "SELECT logged_by, logged_by FROM lab_result"):
        try:
            texts += [v for row in con.execute(query) for v in row if isinstance(v, str)]
        except sqlite3.Error:
            pass
    return sorted(set(texts), key=len, reverse=True)


def visible_text(report):
    body = report.read_text(encoding="utf-8")
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    body = re.sub(r"<head>.*?</head>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", body))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", type=Path)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--lang", required=True)
    parser.add_argument("--deidentified", action="store_true")
    args = parser.parse_args()
    report = (args.set / "report.html").resolve()
    print(f"== {report} printed ({args.lang}{', de-identified' if args.deidentified else ''})")
    version = subprocess.run(["pdftotext", "-v"], capture_output=True, text=True).stderr.splitlines()[0]
    chrome = subprocess.run([chromium(), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"tools: {chrome}; {version}")

    con = sqlite3.connect(args.db)
    name, birth = con.execute("SELECT display_name, birth_date FROM patient").fetchone()
    if args.deidentified:
        rows = list(csv.reader(io.StringIO((args.set / "csv" / "doses.csv").read_text(encoding="utf-8-sig"))))
        who = [rows[1][0]]
        age = re.search(r"(\d+) (years|岁)", visible_text(report))
        who.append(age.group(0) if age else "?")
    else:
        who = [name, birth]

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        print_to_pdf(report, pdf)
        if not check(pdf.exists() and pdf.stat().st_size > 1000, "Chromium prints the report to PDF"):
            print(f"{PASSED} passed, {FAILED} failed")
            sys.exit(1)
        pages = page_count(pdf)
        check(pages >= 1, f"the PDF has {pages} pages")
        for page in range(1, pages + 1):
            text = page_text(pdf, page)
            flat = " ".join(text.split())
            numbered = (f"Page {page} of {pages}" if args.lang == "en" else f"第 {page} 页，共 {pages} 页") in flat
            named = all(w in flat for w in who)
            check(numbered and named, f"page {page}: names the patient ({' · '.join(who)}) and says page {page} of {pages}")
            if args.deidentified:
                check(name not in flat and birth not in flat, f"page {page}: no name, no birth date")
        fills = body_fill(pdf)
        blank = [i + 1 for i, f in enumerate(fills[:-1]) if f < 0.25]
        check(not blank, f"no page three-quarters blank (text reaches {', '.join(f'{f:.0%}' for f in fills)} of each page) {blank}")

    if args.lang == "zh-Hans":
        text = visible_text(report)
        # ISO 8601 dates and times, and codes with digits (NCT04048161, ipna2022, A4), are codes.
        text = re.sub(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?)?", " ", text)
        for typed in family_text(args.db) + (who[:1] if args.deidentified else []):
            text = text.replace(typed, " ")
        words = {w for w in re.findall(r"[A-Za-zµ][A-Za-z0-9µ]*", text) if not re.search(r"\d", w)}
        english = sorted(words - ALLOWED - {"µmol", "µg"})
        where = [re.search(rf".{{0,20}}\b{re.escape(w)}\b.{{0,20}}", text, re.S) for w in english[:3]]
        check(not english, f"zh-Hans: no English word outside codes and units ({len(english)} found: {english[:12]}"
              f"{' in ' + repr([m.group(0) for m in where if m]) if english else ''})")
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()

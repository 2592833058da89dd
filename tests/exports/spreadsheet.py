"""Opens NephroDiary's CSV tables the way a clinic opens them, with tools the project did not
write: LibreOffice Calc (headless, the import filter a user gets: comma, double quote, UTF-8)
converts every table to .xlsx, read back with openpyxl; pandas reads every table with its own type
inference. Checks that values survive:

- every cell LibreOffice keeps as text is the CSV's text exactly (UTF-8, Chinese included);
- every cell it reads as a number is a number in the CSV, written without a leading zero it would
  lose; every date or time it reads is an ISO 8601 date or time in the CSV;
- dipstick grades, record keys and the patient column stay text in LibreOffice and in pandas;
- pandas reads each table with as many rows and columns as the CSV.

Usage: spreadsheet.py SET_DIR [--deidentified]   (SET_DIR/csv/*.csv)
Prints each check and a closing `N passed, M failed`; exits 1 on any failure.
"""

import argparse
import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd

PASSED = 0
FAILED = 0

NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_TIME = re.compile(r"\d{2}:\d{2}")
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")
# Columns that must stay text whatever they hold.
TEXT_COLUMNS = {"patient", "dipstick grade", "record key", "medication_id", "drug", "test", "outcome"}


def check(ok, what):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print(f"ok    {what}")
    else:
        FAILED += 1
        print(f"FAIL  {what}")


def read_csv(path):
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def libreoffice(tables, out):
    """Converts every table to .xlsx with LibreOffice's CSV filter (44 = comma, 34 = double quote,
    76 = UTF-8, 1 = start at line 1) in a throw-away profile; returns its version."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    profile = Path(tempfile.mkdtemp(prefix="nephro-lo-"))
    try:
        version = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=120).stdout.strip()
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
             "--infilter=CSV:44,34,76,1", "--outdir", str(out), *map(str, tables)],
            capture_output=True, timeout=600, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return version


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", type=Path)
    parser.add_argument("--deidentified", action="store_true")
    args = parser.parse_args()
    tables = sorted((args.set / "csv").glob("*.csv"))
    print(f"== {args.set}/csv in LibreOffice and pandas ({len(tables)} tables)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        version = libreoffice(tables, out)
        print(f"tools: {version}; openpyxl {openpyxl.__version__}; pandas {pd.__version__}")
        for table in tables:
            rows = read_csv(table)
            header = rows[0]
            book = openpyxl.load_workbook(out / (table.stem + ".xlsx"))
            sheet = book.active
            cells = [[c.value for c in r] for r in sheet.iter_rows(min_row=1, max_row=len(rows), max_col=len(header))]
            changed, lost, text_broken = [], [], []
            for r, (row, got) in enumerate(zip(rows, cells)):
                for c, (want, value) in enumerate(zip(row, got)):
                    column = header[c]
                    if want == "":
                        continue
                    if isinstance(value, str):
                        if value != want:
                            changed.append((r, column, want, value))
                    elif isinstance(value, bool) or value is None:
                        changed.append((r, column, want, value))
                    elif isinstance(value, (int, float)):
                        if not NUMBER.fullmatch(want) or float(want) != float(value):
                            lost.append((r, column, want, value))
                    elif isinstance(value, (dt.datetime, dt.date, dt.time)):
                        if not (ISO_DATE.fullmatch(want) or ISO_TIME.fullmatch(want) or ISO_INSTANT.fullmatch(want)):
                            lost.append((r, column, want, value))
                    if r > 0 and column in TEXT_COLUMNS and not isinstance(value, str):
                        text_broken.append((r, column, want, value))
            check(not changed, f"LibreOffice: {table.name}: every text cell is the CSV's text ({sum(len(r) for r in rows)} cells) {changed[:2]}")
            check(not lost, f"LibreOffice: {table.name}: numbers, dates and times read as what they are, no leading zero lost {lost[:2]}")
            check(not text_broken, f"LibreOffice: {table.name}: grades, keys and the patient stay text {text_broken[:2]}")
            frame = pd.read_csv(table, encoding="utf-8-sig", keep_default_na=False)
            check(frame.shape == (len(rows) - 1, len(header)) and list(frame.columns) == header,
                  f"pandas: {table.name}: {frame.shape[0]} rows × {frame.shape[1]} columns as in the CSV")
            bad = [(col, frame[col].dtype) for col in frame.columns if col in TEXT_COLUMNS
                   and len(frame) and not all(isinstance(v, str) for v in frame[col])]
            differs = [(col, i) for col in frame.columns if col in TEXT_COLUMNS
                       for i, v in enumerate(frame[col]) if str(v) != rows[i + 1][header.index(col)]]
            check(not bad and not differs, f"pandas: {table.name}: grades, keys and the patient read as the CSV's text {bad[:2]} {differs[:2]}")
        grades = [r for t in tables if t.name == "readings.csv" for r in read_csv(t)[1:]]
        shown = {r[read_csv(args.set / "csv" / "readings.csv")[0].index("dipstick grade")] for r in grades} - {""}
        check(shown and all(not NUMBER.fullmatch(g) for g in shown), f"readings.csv: dipstick grades {sorted(shown)} are not numbers")
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()

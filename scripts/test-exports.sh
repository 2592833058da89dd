#!/usr/bin/env bash
# Tests the clinician exports (issue 7) end to end with independent tools:
#   1. builds the `nephro` CLI (debug) and makes the demo diary (`nephro demo`, which also writes
#      its HTML report beside the diary);
#   2. exports every format with `nephro export` — identified (one command per format) and
#      de-identified (one command for every format, so one shift), English and Simplified
#      Chinese — into target/exports/<set>/;
#   3. loads FHIR transaction bundles (a month ago, today, today again) into Medplum's FHIR server
#      logic and queries them back; validates every FHIR file with the official R4 JSON schema
#      (tests/exports/fhir_server.mjs);
#   4. validates each set: FHIR with the R4B models of fhir.resources, the calendar with
#      icalendar and dateutil, the CSV tables with Python's csv module (tests/exports/validate.py)
#      and opened in LibreOffice headless and pandas (tests/exports/spreadsheet.py), calendars
#      of three zones expanded for ten years by ical.js, node-ical, icalendar and libical
#      (tests/exports/calendar_check.*),
#      and the report rendered in headless Chromium, DOM and screenshot (tests/exports/report_test.py),
#      then printed to PDF and read page by page with pdftotext (tests/exports/print_test.py).
# Needs the Python venv, Chromium and the npm checkers of scripts/toolchains.sh (installed here
# when missing).
# Prints every check and a closing `exports: N passed, M failed`; exits 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/toolchains.sh --print-env --with-chromium)"
PY="$NEPHRO_VENV/bin/python"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

# A font with Chinese glyphs, so the zh-Hans screenshot shows text rather than boxes (1.6 MB).
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-wqy-microhei >/dev/null 2>&1; } \
    || echo "test-exports: no Chinese font could be installed; the zh-Hans screenshot will show boxes" >&2
fi

echo "== build"
cargo build -p nephro-cli --locked
NEPHRO=target/debug/nephro

OUT=target/exports
rm -rf "$OUT"
mkdir -p "$OUT"
DB="$OUT/demo.db"

echo "== demo"
"$NEPHRO" demo --db "$DB" | tail -n 3
[ -s "$OUT/demo-report.html" ] || { echo "nephro demo did not write $OUT/demo-report.html"; exit 1; }

export_set() {  # export_set NAME LOCALE
  local name="$1" locale="$2"
  local dir="$OUT/$name"
  mkdir -p "$dir"
  "$NEPHRO" export --db "$DB" --format fhir --locale "$locale" --out "$dir/diary.fhir.json" >/dev/null
  "$NEPHRO" export --db "$DB" --format csv --locale "$locale" --out "$dir/csv" >/dev/null
  "$NEPHRO" export --db "$DB" --format html --locale "$locale" --out "$dir/report.html" >/dev/null
  # The calendar from the diary's first dose, so it holds repeating regimens and steroid days.
  "$NEPHRO" export --db "$DB" --format ics --locale "$locale" --from "$FIRST_DAY" --out "$dir/dosing.ics" >/dev/null
  echo "exported $dir"
}
deidentified_set() {  # deidentified_set NAME LOCALE: every format from one request, one random shift
  local dir="$OUT/$1"
  "$NEPHRO" export --db "$DB" --format fhir,csv,html,ics --locale "$2" --deidentify --out "$dir" >/dev/null
  echo "exported $dir"
}
FIRST_DAY=$("$PY" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT min(slot_date) FROM dose_log').fetchone()[0])" "$DB")

echo "== export"
export_set en en
export_set zh-Hans zh-Hans
deidentified_set deid-en en
deidentified_set deid-zh-Hans zh-Hans

passed=0
failed=0
run_check() {  # run_check COMMAND...: runs a validator, adds its counts
  local log status=0
  log=$(mktemp)
  "$@" 2>&1 | tee "$log" || status=$?
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "validator gave no result: $*"; failed=$((failed + 1)); return
  fi
  passed=$((passed + ${line%% passed*}))
  local f=${line##*passed, }
  failed=$((failed + ${f%% failed}))
  [ "$status" -eq 0 ] || [ "${f%% failed}" -gt 0 ] || failed=$((failed + 1))
}

echo "== validate"
run_check "$PY" tests/exports/validate.py "$OUT/en" --db "$DB"
run_check "$PY" tests/exports/validate.py "$OUT/zh-Hans" --db "$DB"
run_check "$PY" tests/exports/validate.py "$OUT/deid-en" --db "$DB" --deidentified --compare-with "$OUT/en"
run_check "$PY" tests/exports/validate.py "$OUT/deid-zh-Hans" --db "$DB" --deidentified --compare-with "$OUT/zh-Hans"

echo "== CSV tables in LibreOffice and pandas"
for set in en zh-Hans deid-en deid-zh-Hans; do
  run_check "$PY" tests/exports/spreadsheet.py "$OUT/$set"
done

echo "== calendars in ical.js, node-ical, icalendar and libical (London, New York, Shanghai; 10 years)"
# A regimen without end in each zone, written by the export's own test (core/src/export/tests.rs).
ZONES="$PWD/$OUT/ics-zones"  # absolute: the test runs in core/
NEPHRO_EXPORT_SAMPLES="$ZONES" cargo test -p nephro-core --lib --locked -q calendar_zones_cover_every_occurrence >/dev/null
PAIRS=("$ZONES/Europe_London.ics" Europe/London "$ZONES/America_New_York.ics" America/New_York
       "$ZONES/Asia_Shanghai.ics" Asia/Shanghai)
cp tests/exports/calendar_check.mjs "$NEPHRO_NODE_CHECKERS/"
run_check node "$NEPHRO_NODE_CHECKERS/calendar_check.mjs" "${PAIRS[@]}"
run_check "$PY" tests/exports/calendar_check.py --parser icalendar "${PAIRS[@]}"
run_check /usr/bin/python3 tests/exports/calendar_check.py --parser libical "${PAIRS[@]}"

echo "== FHIR transactions into a FHIR server (Medplum's server logic) and the R4 JSON schema"
TX="$OUT/fhir-server"
mkdir -p "$TX"
# "Last month's" export, then today's: loading both (today's twice) must duplicate nothing.
MONTH_AGO=$("$PY" -c "import datetime; print(datetime.date.today() - datetime.timedelta(days=30))")
"$NEPHRO" export --db "$DB" --format fhir --fhir-bundle transaction --to "$MONTH_AGO" --out "$TX/earlier.json" >/dev/null
"$NEPHRO" export --db "$DB" --format fhir --fhir-bundle transaction --out "$TX/current.json" >/dev/null
if "$NEPHRO" export --db "$DB" --format fhir --fhir-bundle transaction --deidentify --out "$TX/refused.json" >/dev/null 2>&1 \
   || [ -e "$TX/refused.json" ]; then
  echo "FAIL  a de-identified export was written as a transaction"; failed=$((failed + 1))
else
  echo "ok    a de-identified export has no transaction form (refused, nothing written)"; passed=$((passed + 1))
fi
# The checker imports its packages from the folder it runs in (ES modules resolve beside the file).
cp tests/exports/fhir_server.mjs "$NEPHRO_NODE_CHECKERS/"
run_check node "$NEPHRO_NODE_CHECKERS/fhir_server.mjs" \
  --schema "$OUT/en/diary.fhir.json" --schema "$OUT/zh-Hans/diary.fhir.json" \
  --schema "$OUT/deid-en/diary.fhir.json" --schema "$OUT/deid-zh-Hans/diary.fhir.json" \
  --load "$TX/earlier.json" --load "$TX/current.json"

echo "== report in Chromium"
run_check "$PY" tests/exports/report_test.py "$OUT/en" --db "$DB" --lang en
run_check "$PY" tests/exports/report_test.py "$OUT/zh-Hans" --db "$DB" --lang zh-Hans
run_check "$PY" tests/exports/report_test.py "$OUT/deid-en" --db "$DB" --lang en --deidentified
run_check "$PY" tests/exports/report_test.py "$OUT/deid-zh-Hans" --db "$DB" --lang zh-Hans --deidentified

echo "== the report printed to PDF (Chromium) and read back page by page (pdftotext)"
run_check "$PY" tests/exports/print_test.py "$OUT/en" --db "$DB" --lang en
run_check "$PY" tests/exports/print_test.py "$OUT/zh-Hans" --db "$DB" --lang zh-Hans
run_check "$PY" tests/exports/print_test.py "$OUT/deid-en" --db "$DB" --lang en --deidentified
run_check "$PY" tests/exports/print_test.py "$OUT/deid-zh-Hans" --db "$DB" --lang zh-Hans --deidentified

echo "exports: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

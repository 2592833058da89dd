#!/usr/bin/env bash
# Reliability tests of NephroDiary (issue 9): crash safety, concurrency, hostile input, time,
# and fuzzing of everything that parses outside data.
#
# Usage:
#   scripts/test-reliability.sh              short form (CI): the reliability tests, then a
#                                            short fuzz run (eval 40 s, fields, open and
#                                            sampling 15 s each)
#   scripts/test-reliability.sh --fuzz-only  only the short fuzz run (scripts/test-all.sh: its
#                                            `cargo test --workspace` already ran the tests)
#   scripts/test-reliability.sh --long       long form: 250 SIGKILLs per durability setting,
#                                            30-second concurrency runs, 2000 cases per property
#                                            test, and 5 minutes of fuzzing
#
# The tests (short forms, also part of `cargo test --workspace`):
#   core/tests/reliability.rs     SIGKILL crash safety (WAL + synchronous FULL and NORMAL) and
#                                 two processes × several threads logging and reading at once
#   core/tests/hostile_input.rs   proptest over every engine, the `nephro eval` adapters and the store
#   core/tests/time_edges.rs      clock moving backwards, zone changes, leap days, 2038+
#   bindings/tests/hostile_ffi.rs proptest over the FFI functions and Diary methods
#   core/src/store/tests.rs       schema fixtures of every version migrate with their records
set -euo pipefail
cd "$(dirname "$0")/.."

mode=short
case "${1:-}" in
  --long) mode=long ;;
  --fuzz-only) mode=fuzz ;;
  "") ;;
  -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "test-reliability.sh: unknown argument $1" >&2; exit 2 ;;
esac

start=$(date +%s)
if [ "$mode" != fuzz ]; then
  if [ "$mode" = long ]; then
    export NEPHRO_LONG_TESTS=1 PROPTEST_CASES=2000
  fi
  echo "== reliability tests ($mode)"
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  status=0
  cargo test --locked -p nephro-core --test reliability --test hostile_input --test time_edges -- --nocapture \
    >"$log" 2>&1 || status=$?
  cargo test --locked -p nephro-ffi --test hostile_ffi >>"$log" 2>&1 || status=$?
  grep -E '^(test .* \.\.\. |crash test|concurrency|store property|test result)|panicked' "$log" || true
  if [ "$status" != 0 ]; then
    tail -n 60 "$log"
    echo "== reliability tests FAILED" >&2
    exit "$status"
  fi
fi

echo "== fuzzing"
if [ "$mode" = long ]; then
  scripts/fuzz.sh 240 eval
  scripts/fuzz.sh 60 fields
  scripts/fuzz.sh 60 sampling
  scripts/fuzz.sh 60 batch
  scripts/fuzz.sh 60 relay_request
else
  scripts/fuzz.sh
fi
echo "== reliability: passed in $(( $(date +%s) - start )) s"

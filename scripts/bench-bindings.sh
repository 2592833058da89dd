#!/usr/bin/env bash
# NephroDiary: per-call cost of the bindings from Python, Kotlin and Swift (a benchmark, not a
# test): `ping()` calls (Swift 1,000,000; Kotlin and Python 200,000) and 2,000 `log_dose` calls
# on a temp diary (each a distinct slot). Prints one line per language.
#
#   scripts/bench-bindings.sh [profile]     (default: release)
#
# Builds like scripts/test-bindings.sh (products under target/bindings-tests/<profile>/);
# the bench programs are tests/bindings/<language>/bench/. The Swift bench is built with -O.
#
# Environment:
#   NEPHRO_BINDINGS_LANGS   languages to run (default: "python kotlin swift")
#   NEPHRO_BENCH_PING       ping calls for every language (default: per language, as above)
#   NEPHRO_BENCH_LOG        log_dose calls (default: 2000)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd -P)"
profile="${1:-release}"
case "$profile" in -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
langs="${NEPHRO_BINDINGS_LANGS:-python kotlin swift}"
log_calls="${NEPHRO_BENCH_LOG:-2000}"
bench_dir="$REPO/tests/bindings"

# shellcheck source=bindings-harness.sh
source "$REPO/scripts/bindings-harness.sh"

T_ALL="$(bh_now)"
bh_prepare "$profile"

bench_python() {
  "$NEPHRO_VENV/bin/python" "$bench_dir/python/bench/bench.py" --bindings "$BH_GEN/python" \
    --ping "${NEPHRO_BENCH_PING:-200000}" --log "$log_calls"
}

bench_kotlin() {
  local out="$BH_OUT/kotlin"
  mkdir -p "$out"
  bh_kotlin_compile "$out/nephro-bindings.jar" "$JNA_JAR" \
    "$BH_GEN/kotlin/uniffi/nephro/nephro.kt" "$BH_GEN/kotlin/uniffi/nephro_core/nephro_core.kt"
  bh_kotlin_compile "$out/bench.jar" "$out/nephro-bindings.jar:$JNA_JAR" "$bench_dir"/kotlin/bench/*.kt
  java -Djna.library.path="$BH_GEN/lib" -cp "$out/bench.jar:$out/nephro-bindings.jar:$JNA_JAR:$KOTLIN_STDLIB" \
    BenchKt --ping "${NEPHRO_BENCH_PING:-200000}" --log "$log_calls"
}

bench_swift() {
  local out="$BH_OUT/swift"
  mkdir -p "$out"
  bh_swift_compile "$out/bench" -O -- "$bench_dir"/swift/bench/*.swift
  bh_swift_run "$out/bench" --ping "${NEPHRO_BENCH_PING:-1000000}" --log "$log_calls"
}

failed=()
for lang in $langs; do
  case "$lang" in
    python|kotlin|swift) ;;
    *) echo "bench-bindings.sh: unknown language $lang" >&2; exit 2 ;;
  esac
  t0="$(bh_now)"
  set +e
  (set -e; "bench_$lang")
  rc=$?
  set -e
  bh_log "$lang bench: $( [ "$rc" -eq 0 ] && echo done || echo "FAILED (exit $rc)") in $(bh_since "$t0") s"
  [ "$rc" -eq 0 ] || failed+=("$lang")
done
bh_log "bench ($profile) finished in $(bh_since "$T_ALL") s"
[ "${#failed[@]}" -eq 0 ] || { bh_log "bench FAILED: ${failed[*]}"; exit 1; }

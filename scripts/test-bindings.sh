#!/usr/bin/env bash
# NephroDiary: runs the binding tests in Python, Kotlin (JVM through JNA) and Swift against
# the library built with <profile>, in that order, and prints each language's summary line.
#
#   scripts/test-bindings.sh [profile]     (default: release, as in CI; `dev` while developing)
#
# Installs missing toolchains (scripts/toolchains.sh), builds the library and its bindings
# (scripts/build-bindings.sh), compiles the Kotlin and Swift tests under
# target/bindings-tests/<profile>/ and runs every test of tests/bindings/<language>/.
# Exits non-zero when any language fails (every language still runs).
#
# Environment:
#   NEPHRO_SHARED_CONFORMANCE  shared conformance cases (default: <repo>/../shared/conformance)
#   NEPHRO_SHARED_CONFORMANCE_NEXT  shared cases of capabilities being built; each runner reads
#                              the suites that have landed (default: <repo>/../shared/conformance-next)
#   NEPHRO_BINDINGS_LANGS      languages to run (default: "python kotlin swift")
#   NEPHRO_TEST_FILTER         run only tests whose name contains this text
#   NEPHRO_LIVE_RELAY          a live relay's address: runs each language's live relay flow
#                              instead of the tests (scripts/test-relay.sh sets it)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd -P)"
profile="${1:-release}"
case "$profile" in -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
langs="${NEPHRO_BINDINGS_LANGS:-python kotlin swift}"
filter="${NEPHRO_TEST_FILTER:-}"
live_relay="${NEPHRO_LIVE_RELAY:-}"
shared="${NEPHRO_SHARED_CONFORMANCE:-$REPO/../shared/conformance}"
[ -d "$shared" ] || { echo "test-bindings.sh: no shared conformance directory at $shared" >&2; exit 1; }
shared="$(cd "$shared" && pwd -P)"
next_cases="${NEPHRO_SHARED_CONFORMANCE_NEXT:-$REPO/../shared/conformance-next}"
[ -d "$next_cases" ] || { echo "test-bindings.sh: no shared conformance-next directory at $next_cases" >&2; exit 1; }
next_cases="$(cd "$next_cases" && pwd -P)"
repo_cases="$REPO/tests/conformance"
tests_dir="$REPO/tests/bindings"

# shellcheck source=bindings-harness.sh
source "$REPO/scripts/bindings-harness.sh"

T_ALL="$(bh_now)"
bh_prepare "$profile"

failed=()

run_python() {
  "$NEPHRO_VENV/bin/python" "$tests_dir/python/run.py" --bindings "$BH_GEN/python" \
    --shared-conformance "$shared" --next-conformance "$next_cases" --repo-conformance "$repo_cases" \
    ${filter:+-k "$filter"} ${live_relay:+--relay "$live_relay"}
}

run_kotlin() {
  local out="$BH_OUT/kotlin"
  mkdir -p "$out"
  bh_kotlin_compile "$out/nephro-bindings.jar" "$JNA_JAR" \
    "$BH_GEN/kotlin/uniffi/nephro/nephro.kt" "$BH_GEN/kotlin/uniffi/nephro_core/nephro_core.kt"
  local sources=("$tests_dir"/kotlin/*.kt)
  bh_kotlin_compile "$out/tests.jar" "$out/nephro-bindings.jar:$JNA_JAR:$GSON_JAR" "${sources[@]}"
  java -Djna.library.path="$BH_GEN/lib" \
    -cp "$out/tests.jar:$out/nephro-bindings.jar:$JNA_JAR:$GSON_JAR:$KOTLIN_STDLIB" MainKt \
    --shared-conformance "$shared" --next-conformance "$next_cases" --repo-conformance "$repo_cases" \
    ${filter:+--filter "$filter"} ${live_relay:+--relay "$live_relay"}
}

run_swift() {
  local out="$BH_OUT/swift"
  mkdir -p "$out"
  bh_swift_compile "$out/tests" -- "$tests_dir"/swift/*.swift
  # Only the repository is visible inside the Swift root: stage the shared cases there.
  rm -rf "$out/conformance-shared" "$out/conformance-next"
  cp -r "$shared" "$out/conformance-shared"
  cp -r "$next_cases" "$out/conformance-next"
  bh_swift_run "$out/tests" --shared-conformance "$out/conformance-shared" \
    --next-conformance "$out/conformance-next" --repo-conformance "$repo_cases" \
    ${filter:+--filter "$filter"} ${live_relay:+--relay "$live_relay"}
}

for lang in $langs; do
  case "$lang" in
    python|kotlin|swift) ;;
    *) echo "test-bindings.sh: unknown language $lang" >&2; exit 2 ;;
  esac
  t0="$(bh_now)"
  bh_log "== $lang"
  # A subshell outside any `||`/`if`, so that `set -e` stays in force inside the steps.
  set +e
  (set -e; "run_$lang")
  rc=$?
  set -e
  bh_log "$lang: $( [ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $(bh_since "$t0") s"
  [ "$rc" -eq 0 ] || failed+=("$lang")
done

if [ "${#failed[@]}" -gt 0 ]; then
  bh_log "binding tests FAILED: ${failed[*]} ($(bh_since "$T_ALL") s)"
  exit 1
fi
bh_log "binding tests passed: $langs ($(bh_since "$T_ALL") s)"

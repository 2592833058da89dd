#!/usr/bin/env bash
# Runs every NephroDiary test on this machine, installing what is missing on the way
# (toolchains into ~/.cache/nephro, see scripts/toolchains.sh):
#   0. style: `cargo fmt --all --check` and `cargo clippy --workspace --all-targets --locked --
#      -D warnings` (clippy also checks the standard-library calls against `rust-version`);
#   1. Rust: unit, store (migrations from every schema fixture), conformance (shared and project
#      cases, through the library and through `nephro eval`), CLI, crash safety (SIGKILL),
#      concurrency, property tests and time edges (short forms; NEPHRO_LONG_TESTS=1 for long);
#   2. the bindings from their three clients: Python, Kotlin (JVM + JNA) and Swift;
#   3. the console walkthroughs of mobile-demo/ (Kotlin and Swift, one week of a family's life);
#   4. the clinician exports checked by independent tools (FHIR R4B models, icalendar, csv,
#      headless Chromium);
#   5. the relay against a throw-away PostgreSQL (scripts/test-relay.sh: installs and starts it,
#      runs `cargo test -p nephro-relay` with a short load run, then each binding language's
#      live relay flow against the relay binary, stops them);
#   6. a short fuzz run of everything that parses outside data.
# Prints what ran per language and exits non-zero on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { echo; echo "== $1 ($(( $(date +%s) - start )) s)"; }

step "toolchains"
scripts/toolchains.sh --with-chromium

step "style"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "rust"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The relay's tests need PostgreSQL: scripts/test-relay.sh runs them below.
cargo test --workspace --locked --exclude nephro-relay 2>&1 | tee "$log"
# The test-only entry points across the FFI (case runner, typed case mirrors) exist only in
# test builds of the library.
cargo test --locked -p nephro-ffi --features conformance --test hostile_ffi --test schedule_cases 2>&1 | tee -a "$log"
rust_tests=$(grep -E '^test result: ok\.' "$log" | awk '{sum += $4} END {print sum + 0}')
summary="rust: $rust_tests tests passed"
echo "$summary"

step "bindings"
# The debug library is already built by the Rust tests; the binding tests reuse it.
scripts/test-bindings.sh dev 2>&1 | tee "$log"
summary="$summary"$'\n'"$(grep -E '^(python|kotlin|swift): [0-9]+ checks passed' "$log" || true)"

step "walkthroughs"
scripts/test-walkthroughs.sh dev 2>&1 | tee "$log"
summary="$summary"$'\n'"walkthroughs (Kotlin and Swift): $(grep -E '^walkthrough: [0-9]+ checks passed' "$log" | head -1 | sed 's/^walkthrough: //' || true) each"

step "exports"
scripts/test-exports.sh 2>&1 | tee "$log"
summary="$summary"$'\n'"$(grep -E '^exports: ' "$log" | tail -1)"

step "relay"
scripts/test-relay.sh 2>&1 | tee "$log"
summary="$summary"$'\n'"$(grep -E '^relay: ' "$log" || true)"

step "fuzz"
scripts/test-reliability.sh --fuzz-only

step "done"
echo "$summary"
echo "all tests passed in $(( $(date +%s) - start )) s"

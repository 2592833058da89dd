#!/usr/bin/env bash
# Runs every NephroDiary test on this machine, installing what is missing on the way:
#   1. Rust: unit, store, conformance (shared + project cases) and CLI tests;
#   2. the bindings from their three clients: Python, Kotlin (JVM + JNA) and Swift.
# Toolchains go to ~/.cache/nephro (see scripts/toolchains.sh). Prints checks per language.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

echo "== toolchains"
scripts/toolchains.sh

echo "== rust"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
rust_tests=$(grep -E '^test result: ok\.' "$log" | awk '{sum += $4} END {print sum + 0}')
echo "rust: $rust_tests tests passed"

echo "== bindings"
# The debug library is already built by the Rust tests; the binding tests reuse it.
scripts/test-bindings.sh dev

echo "== all tests passed in $(( $(date +%s) - start )) s (rust: $rust_tests tests)"

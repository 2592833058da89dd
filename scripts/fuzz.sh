#!/usr/bin/env bash
# Fuzzes everything that parses data from outside the app (issue 9) with libFuzzer:
#   eval    the text of a `nephro eval` conformance case (also the FFI's evaluate_conformance_case)
#   fields  the text fields the shells send: dates, times, instants, zones, medication ids, enums
#   open    random bytes as a diary file: never a panic, never a write to a file not a diary
#   sampling  a camera buffer, its rectangles and a sampling policy (the dipstick photo reading)
#   batch   a shared-care batch from another device: sealed bytes and its plaintext
#   relay_request  what a request to the relay carries: authorization, names, tokens, bodies
#
# Usage:
#   scripts/fuzz.sh [SECONDS] [TARGET...]      run each target (default: eval 40 s, the others 15 s)
#   scripts/fuzz.sh --merge [TARGET...]        fold new finds into the corpus in the repository
#
# Works on the stable toolchain: it builds the targets with the same coverage flags cargo-fuzz
# passes (`cargo fuzz build -s none`), so neither nightly nor cargo-fuzz is needed. The safe Rust
# targets need no AddressSanitizer; with cargo-fuzz installed, `RUSTC_BOOTSTRAP=1 cargo fuzz run
# eval` runs the same target under ASan.
#
# The corpus is kept in fuzz/corpus/<target>/ (seeded from every conformance case); new inputs
# found during a run go to target/fuzz/new-<target>/ so a run never edits the repository; a
# crash is saved as target/fuzz/artifacts/<target>/crash-* and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

merge=0
if [ "${1:-}" = "--merge" ]; then
  merge=1
  shift
fi
seconds=""
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(eval fields open sampling batch relay_request)

triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# Separate target dir: these flags would otherwise rebuild the whole workspace's cache.
export CARGO_TARGET_DIR="$PWD/target/fuzz/build"
echo "[fuzz] building ${targets[*]} (release, coverage instrumentation, $triple)"
cargo build --quiet --locked --release --manifest-path fuzz/Cargo.toml --target "$triple" $(printf -- '--bin %s ' "${targets[@]}")

status=0
for target in "${targets[@]}"; do
  binary="$CARGO_TARGET_DIR/$triple/release/$target"
  corpus="fuzz/corpus/$target"
  found="target/fuzz/new-$target"
  artifacts="target/fuzz/artifacts/$target/"
  mkdir -p "$corpus" "$found" "$artifacts"
  if [ "$merge" = 1 ]; then
    # The corpus becomes its named seeds (the conformance cases) plus the smallest set of
    # found inputs (libFuzzer's -set_cover_merge) that keeps the coverage of corpus + finds.
    tmp="$(mktemp -d)"
    mkdir "$tmp/seeds" "$tmp/min"
    find "$corpus" -maxdepth 1 -type f ! -regex '.*/[0-9a-f]\{40\}' -exec cp {} "$tmp/seeds/" \;
    "$binary" -set_cover_merge=1 "$tmp/min" "$corpus" "$found" >"$tmp/merge.log" 2>&1 || { tail -n 20 "$tmp/merge.log"; exit 1; }
    seed_sums="$(cd "$tmp/seeds" && sha1sum -- * 2>/dev/null | cut -d' ' -f1)"
    find "$corpus" -maxdepth 1 -type f -regex '.*/[0-9a-f]\{40\}' -delete
    for f in "$tmp"/min/*; do
      grep -qx "$(basename "$f")" <<<"$seed_sums" || cp "$f" "$corpus/"
    done
    rm -rf "$tmp"
    echo "[fuzz] $target: corpus now has $(ls "$corpus" | wc -l) inputs ($(du -sh "$corpus" | cut -f1))"
    continue
  fi
  case "$target" in
    eval) time="${seconds:-40}" ;;
    *) time="${seconds:-15}" ;;
  esac
  # A diary file of every schema version is 45-145 KB: the open target takes whole files.
  max_len=65536
  [ "$target" = open ] && max_len=262144
  echo "[fuzz] $target: ${time} s from $(ls "$corpus" | wc -l) corpus inputs"
  log="target/fuzz/$target.log"
  if "$binary" "$found" "$corpus" -max_total_time="$time" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
    echo "[fuzz] $target: $runs runs, $cov, no crash"
  else
    status=1
    tail -n 40 "$log"
    echo "[fuzz] $target: CRASH, input saved in $artifacts" >&2
  fi
done
exit "$status"

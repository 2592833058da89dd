#!/usr/bin/env bash
# Runs every NephroDiary benchmark once and writes BENCHMARKS.md (figures are printed, not
# asserted). About 15 minutes on a 2-core machine, most of it release and size builds.
#
#   scripts/bench.sh [--no-bindings] [--output FILE]
#   scripts/bench.sh --report-only    rewrite BENCHMARKS.md from the last run (target/bench-run)
#
# 1. core/benches/store.rs: log_dose through the store vs a bare rusqlite insert of the same rows
#    (ratio), opening and migrating a fresh database, opening a 10-year diary and computing its
#    home screen, and the peak memory of each (in a fresh process);
# 2. the other criterion benches in core/benches/ (reminders, relapse, export, ...): each
#    benchmark's median, and the peak memory (max RSS) of each bench process;
# 3. scripts/bench-bindings.sh: per-call cost from Python, Kotlin and Swift (ping and log_dose);
# 4. the release cdylib built with the `size` profile, stripped (aim under 4 MB on x86_64).
#
# Peak memory comes from GNU time (`/usr/bin/time -v`, installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

bindings=1
report_only=0
output="BENCHMARKS.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-bindings) bindings=0 ;;
    --report-only) report_only=1 ;;
    --output) output="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[bench] %s\n' "$*" >&2; }

if [ ! -x /usr/bin/time ]; then
  log "installing GNU time for peak-memory figures"
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time) >/dev/null 2>&1 || true
  fi
fi

work="$repo/target/bench-run"
started=$(date +%s)

# Criterion writes its estimates under target/criterion/<group>/<id>/new/estimates.json.
criterion="${CARGO_TARGET_DIR:-$repo/target}/criterion"

# Max RSS (KiB) of a command run under GNU time, or empty.
max_rss() { sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$1" 2>/dev/null | tail -n 1; }

# The medians criterion recorded while one bench ran (between its start and done markers), as
# markdown table rows.
medians_between() {
  python3 - "$criterion" "$1" "$2" <<'PY'
import json, os, sys
root, marker, done = sys.argv[1], os.path.getmtime(sys.argv[2]), os.path.getmtime(sys.argv[3])
rows = []
for dirpath, _, files in os.walk(root):
    if os.path.basename(dirpath) == "new" and "estimates.json" in files:
        path = os.path.join(dirpath, "estimates.json")
        if not marker <= os.path.getmtime(path) <= done:
            continue
        bench_id = os.path.relpath(os.path.dirname(dirpath), root)
        est = json.load(open(path))
        ns = est["median"]["point_estimate"]
        lo = est["median"]["confidence_interval"]["lower_bound"]
        hi = est["median"]["confidence_interval"]["upper_bound"]
        def fmt(x):
            return f"{x/1e6:.2f} ms" if x >= 1e6 else f"{x/1e3:.1f} µs"
        rows.append(f"| `{bench_id}` | {fmt(ns)} | {fmt(lo)} – {fmt(hi)} |")
for row in sorted(rows):
    print(row)
PY
}

# ---------------------------------------------------------------------------------------------
if [ "$report_only" = 0 ]; then
rm -rf "$work"
mkdir -p "$work"
log "building the benchmarks (bench profile)"
cargo bench -p nephro-core --no-run --message-format=json 2>"$work/build.log" \
  | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and "bench" in m["target"]["kind"] and m.get("executable"):
        print(m["target"]["name"], m["executable"])
' >"$work/benches.txt" || { tail -n 40 "$work/build.log"; exit 1; }

benches=()
while read -r name exe; do
  benches+=("$name")
  echo "$exe" >"$work/$name.exe"
done < <(sort "$work/benches.txt")
log "benches: ${benches[*]}"

run_bench() {
  local name="$1" exe
  exe="$(cat "$work/$name.exe")"
  touch "$work/$name.marker"
  sleep 1
  log "running $name"
  local rc=0
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$work/$name.time" "$exe" --bench >"$work/$name.out" 2>"$work/$name.err" || rc=1
  else
    "$exe" --bench >"$work/$name.out" 2>"$work/$name.err" || rc=1
  fi
  sleep 1
  touch "$work/$name.done"
  [ "$rc" = 0 ] && echo ok >"$work/$name.status" || echo failed >"$work/$name.status"
  return "$rc"
}

for name in "${benches[@]}"; do
  run_bench "$name" || log "$name FAILED (see $work/$name.err)"
done

# ---------------------------------------------------------------------------------------------
bindings_out="$work/bindings.out"
if [ "$bindings" = 1 ] && [ -x scripts/bench-bindings.sh ]; then
  log "running scripts/bench-bindings.sh (release)"
  if ! scripts/bench-bindings.sh release >"$bindings_out" 2>"$work/bindings.err"; then
    echo "(scripts/bench-bindings.sh failed; see target/bench-run/bindings.err)" >>"$bindings_out"
  fi
else
  echo "(not run)" >"$bindings_out"
fi

# ---------------------------------------------------------------------------------------------
log "building the cdylib with the size profile"
cargo build --profile size -p nephro-ffi 2>"$work/size-build.log" || { tail -n 40 "$work/size-build.log"; exit 1; }
lib="${CARGO_TARGET_DIR:-$repo/target}/size/libnephro_ffi.so"
cp "$lib" "$work/libnephro_ffi.so"
# The shipped library carries no test-only entry point (the `conformance` feature is off).
if nm -D --defined-only "$work/libnephro_ffi.so" | grep -q 'evaluate_conformance_case'; then
  echo "bench: the size library exports the conformance runner" >&2
  exit 1
fi
unstripped=$(stat -c %s "$work/libnephro_ffi.so")
strip "$work/libnephro_ffi.so"
stat -c %s "$work/libnephro_ffi.so" >"$work/stripped.size"
echo "$unstripped" >"$work/unstripped.size"
echo $(( $(date +%s) - started )) >"$work/elapsed"
fi

# ---------------------------------------------------------------------------------------------
# The report, from what the run left in target/bench-run.
benches=()
while read -r name _; do benches+=("$name"); done < <(sort "$work/benches.txt")
declare -A status
for name in "${benches[@]}"; do status[$name]=$(cat "$work/$name.status" 2>/dev/null || echo missing); done
unstripped=$(cat "$work/unstripped.size")
stripped=$(cat "$work/stripped.size")
bindings_out="$work/bindings.out"
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB (%d bytes)", b / 1048576, b }'; }

# ---------------------------------------------------------------------------------------------
cpu=$(lscpu | sed -n 's/^Model name:\s*//p' | head -n 1)
cores=$(nproc)
memory=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
rustc_version=$(rustc --version)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
elapsed=$(cat "$work/elapsed")
run_date=$(date -u -r "$work/elapsed" +%Y-%m-%d)
run_time=$(date -u -r "$work/elapsed" +%H:%M)

{
  echo "# NephroDiary benchmarks"
  echo
  echo "Generated by \`scripts/bench.sh\` on $run_date at $run_time UTC from commit \`$commit\`$dirty,"
  echo "in $elapsed s. Figures are measurements on this machine, not assertions; the machine is shared,"
  echo "so expect noise of ±20 %."
  echo
  echo "**Machine:** $cpu, $cores cores, $memory; $(uname -sr); $rustc_version."
  echo
  echo "**Rerun:** \`scripts/bench.sh\` (everything, about 15 minutes, rewrites this file), or one part:"
  echo "\`cargo bench -p nephro-core --bench store\` (or \`reminders\`, \`relapse\`, \`export\`),"
  echo "\`scripts/bench-bindings.sh\`, \`cargo build --profile size -p nephro-ffi\`."
  echo
  echo "## Store"
  echo
  echo "From \`core/benches/store.rs\` (criterion medians; the app opens its diary with WAL and"
  echo "\`synchronous=FULL\`, so a logged dose survives a power loss; \`NORMAL\` is shown for comparison)."
  echo "The bare insert writes the same two rows as \`log_dose\` (the dose and its first revision) in one"
  echo "IMMEDIATE transaction with the same pragmas. Aims: ratio ≤ 1.3; 10-year home screen under 20 ms."
  echo
  if [ "${status[store]:-missing}" = ok ]; then
    grep '^10-year diary:' "$work/store.out" | sed 's/^/- /'
    grep '^figure:' "$work/store.out" | sed 's/^figure: /- /'
  else
    echo "- the store bench did not run (${status[store]:-missing})"
  fi
  echo
  echo "## Engines, services and exports (criterion medians)"
  echo
  echo "Peak memory is the maximum resident set size of the whole bench process (GNU time), which"
  echo "includes building its test data (for example a 10-year diary) and criterion itself: an upper"
  echo "bound for each operation."
  for name in "${benches[@]}"; do
    echo
    echo "### \`$name\` (core/benches/$name.rs)"
    echo
    if [ "${status[$name]}" != ok ]; then
      echo "Did not run: $(tail -n 3 "$work/$name.err" | tr '\n' ' ')"
      continue
    fi
    echo "| benchmark | median | 95 % interval |"
    echo "|---|---|---|"
    medians_between "$work/$name.marker" "$work/$name.done"
    rss=$(max_rss "$work/$name.time")
    echo
    [ -n "$rss" ] && echo "Peak memory of the bench process: $(awk -v k="$rss" 'BEGIN { printf "%.1f MiB", k / 1024 }')."
    # Lines the bench prints about itself (its figures and data), besides criterion's output.
    if [ "$name" != store ]; then
      grep -E '^(figure:|10-year|note:)' "$work/$name.out" | sed -e 's/^figure: //' -e 's/^/- /' || true
    fi
  done
  echo
  echo "## Bindings: per-call overhead (scripts/bench-bindings.sh, release library)"
  echo
  echo '```'
  cat "$bindings_out"
  echo '```'
  echo
  echo "## Library size"
  echo
  echo "\`cargo build --profile size -p nephro-ffi\` (opt-level s, fat LTO, one codegen unit, unwinding"
  echo "panics for UniFFI), x86_64 Linux \`libnephro_ffi.so\`. Aim: under 4 MB stripped."
  echo
  echo "- unstripped: $(mib "$unstripped")"
  echo "- stripped (\`strip\`): $(mib "$stripped")"
} >"$output"

log "wrote $output in $elapsed s"
for name in "${benches[@]}"; do [ "${status[$name]}" = ok ] || exit 1; done

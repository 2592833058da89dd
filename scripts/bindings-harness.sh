# NephroDiary: shared steps of scripts/test-bindings.sh and scripts/bench-bindings.sh.
# Sourced, not run. Expects `set -euo pipefail` and REPO (the repository root, absolute).
#
# bh_prepare <profile>  installs/locates the toolchains (scripts/toolchains.sh), waits for any
#                       other test/bench run of the same profile, builds the library and its
#                       bindings (scripts/build-bindings.sh <profile>) and snapshots
#                       target/bindings into $BH_OUT/gen (hard links), so later runs of
#                       build-bindings.sh by others do not change the files under test.
#                       Sets BH_OUT=target/bindings-tests/<profile> and BH_GEN=$BH_OUT/gen.
# bh_kotlin_compile <jar> <classpath> <sources...>   kotlinc-jvm, skipped when up to date
# bh_swift_compile <binary> <swiftc flags...> -- <sources...>   swiftc inside the Swift root
# bh_swift_run <command...>   runs a command in the Swift root with LD_LIBRARY_PATH=$BH_GEN/lib

bh_log() { printf '[bindings] %s\n' "$*" >&2; }

bh_now() { date +%s.%N; }
bh_since() { awk -v a="$1" -v b="$(bh_now)" 'BEGIN { printf "%.1f", b - a }'; }

bh_prepare() {
  local profile="$1" t0 exports
  t0="$(bh_now)"
  # Installs what is missing (a fresh machine); progress goes to stderr. (Assigned first:
  # `eval "$(failing command)"` would succeed.)
  exports="$("$REPO/scripts/toolchains.sh" --print-env)"
  eval "$exports"
  BH_OUT="$REPO/target/bindings-tests/$profile"
  BH_GEN="$BH_OUT/gen"
  mkdir -p "$BH_OUT"
  # One run per profile at a time, for the whole run (held until this shell exits): another
  # run would replace the snapshot and the compiled programs while this one uses them.
  exec 7>"$BH_OUT.lock"
  if ! flock -n 7; then
    bh_log "waiting for another binding test or bench run ($profile) to finish"
    flock 7
  fi
  (
    # One build-and-snapshot at a time among these scripts (target/bindings is shared).
    flock 8
    # With the test-only entry points (`next_reminders_for`, `assess_labs_case`).
    NEPHRO_FFI_FEATURES=conformance "$REPO/scripts/build-bindings.sh" "$profile" >&2
    rm -rf "$BH_GEN.tmp" "$BH_GEN"
    cp -al "$REPO/target/bindings" "$BH_GEN.tmp"
    mv "$BH_GEN.tmp" "$BH_GEN"
  ) 8>"$REPO/target/.bindings-tests.lock"
  bh_log "bindings ($profile) ready in $(bh_since "$t0") s"
}

# bh_up_to_date <stamp file> <text> <files...>: true when the stamp holds the hash of the text
# (e.g. flags), the files (names and contents) and the compiler paths; otherwise writes the new
# hash to <stamp>.new.
bh_up_to_date() {
  local stamp="$1" text="$2" sum
  shift 2
  sum="$({ printf '%s\n' "$text" "${KOTLINC:-}" "${SWIFT_ROOT:-}"; sha256sum "$@"; } | sha256sum | cut -c1-64)"
  printf '%s\n' "$sum" >"$stamp.new"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]
}

bh_kotlin_compile() {
  local jar="$1" classpath="$2" stamp="$1.sha256" t0
  shift 2
  local inputs=("$@") cp_files=()
  IFS=: read -r -a cp_files <<<"$classpath"
  if bh_up_to_date "$stamp" "$classpath" "${inputs[@]}" "${cp_files[@]}" && [ -f "$jar" ]; then
    rm -f "$stamp.new"
    bh_log "kotlin: $(basename "$jar") is up to date"
    return 0
  fi
  t0="$(bh_now)"
  rm -f "$jar" "$stamp"
  "$KOTLINC" -cp "$classpath" "${inputs[@]}" -d "$jar" || { rm -f "$stamp.new"; return 1; }
  mv "$stamp.new" "$stamp"
  bh_log "kotlin: compiled $(basename "$jar") in $(bh_since "$t0") s"
}

bh_swift_compile() {
  local binary="$1" stamp="$1.sha256" t0 flags=() sources=()
  shift
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  sources=("$BH_GEN/swift/nephro.swift" "$BH_GEN/swift/nephro_core.swift" "$@")
  if bh_up_to_date "$stamp" "${flags[*]}" "${sources[@]}" "$BH_GEN/swift/nephroFFI.h" "$BH_GEN/swift/nephro_coreFFI.h" \
       "$BH_GEN/swift/nephroFFI.modulemap" && [ -x "$binary" ]; then
    rm -f "$stamp.new"
    bh_log "swift: $(basename "$binary") is up to date"
    return 0
  fi
  t0="$(bh_now)"
  rm -f "$binary" "$stamp"
  # The repository is mounted into the root at the same path, so absolute paths (the
  # modulemap's too) mean the same inside and outside.
  "$REPO/scripts/swift-in-root.sh" "$REPO" swiftc "${flags[@]}" \
    -I "$BH_GEN/swift" -L "$BH_GEN/lib" -lnephro_ffi \
    -Xcc -fmodule-map-file="$BH_GEN/swift/nephroFFI.modulemap" \
    "${sources[@]}" -o "$binary" || { rm -f "$stamp.new"; return 1; }
  mv "$stamp.new" "$stamp"
  bh_log "swift: compiled $(basename "$binary") in $(bh_since "$t0") s"
}

bh_swift_run() {
  "$REPO/scripts/swift-in-root.sh" "$REPO" env LD_LIBRARY_PATH="$BH_GEN/lib" "$@"
}

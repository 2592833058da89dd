#!/usr/bin/env bash
# NephroDiary: builds and runs the console walkthroughs of mobile-demo/ — one week of a fictional
# family's life played through the bindings by the phone shells' own non-UI code:
#   Kotlin on the JVM: mobile-demo/walkthrough/kotlin/Walkthrough.kt compiled with
#     mobile-demo/android/app/src/main/java/org/example/nephrodiary/core/*.kt
#   Swift on Linux:    mobile-demo/walkthrough/swift/main.swift compiled with
#     mobile-demo/ios/Sources/NephroDiaryCore/*.swift
# Each checks every state and exits non-zero on a mismatch; then the two outputs must be the same
# lines, check count included (both shells show the same week). Last, SwiftPM builds the iOS
# package's library targets as separate modules (a system library stands in for the XCFramework).
#
#   scripts/test-walkthroughs.sh [profile]     (default: dev)
#
# Reuses scripts/bindings-harness.sh: toolchains, the library and bindings snapshot under
# target/bindings-tests/<profile>/ (shared with scripts/test-bindings.sh, whose runs of the same
# profile wait for this one and the other way round), incremental kotlinc/swiftc.
# The walkthroughs' output is kept in target/bindings-tests/<profile>/walkthrough/.
#
# Environment:
#   NEPHRO_WALKTHROUGH_LANGS   steps to run (default: "kotlin swift swiftpm"; the comparison of
#                              the two outputs runs only when both walkthroughs do; swiftpm
#                              builds the iOS package's NephroDiaryCore as its own module)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd -P)"
profile="${1:-dev}"
case "$profile" in -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
langs="${NEPHRO_WALKTHROUGH_LANGS:-kotlin swift swiftpm}"
android_core="$REPO/mobile-demo/android/app/src/main/java/org/example/nephrodiary/core"
ios_core="$REPO/mobile-demo/ios/Sources/NephroDiaryCore"
walkthroughs="$REPO/mobile-demo/walkthrough"

# shellcheck source=bindings-harness.sh
source "$REPO/scripts/bindings-harness.sh"

T_ALL="$(bh_now)"
bh_prepare "$profile"
OUT="$BH_OUT/walkthrough"
mkdir -p "$OUT"

run_kotlin() {
  # kotlinx-coroutines ships with the Kotlin compiler (lib/); Android gets it from Gradle.
  local coroutines
  coroutines="$(dirname "$KOTLIN_STDLIB")/kotlinx-coroutines-core-jvm.jar"
  [ -f "$coroutines" ] || { echo "test-walkthroughs.sh: no $coroutines" >&2; return 1; }
  # The same bindings jar as scripts/test-bindings.sh (compiled once per snapshot).
  mkdir -p "$BH_OUT/kotlin"
  bh_kotlin_compile "$BH_OUT/kotlin/nephro-bindings.jar" "$JNA_JAR" \
    "$BH_GEN/kotlin/uniffi/nephro/nephro.kt" "$BH_GEN/kotlin/uniffi/nephro_core/nephro_core.kt"
  bh_kotlin_compile "$OUT/walkthrough.jar" "$BH_OUT/kotlin/nephro-bindings.jar:$JNA_JAR:$coroutines" \
    "$android_core"/*.kt "$walkthroughs/kotlin/Walkthrough.kt"
  rm -rf "$OUT/kotlin-work"
  java -Djna.library.path="$BH_GEN/lib" \
    -cp "$OUT/walkthrough.jar:$BH_OUT/kotlin/nephro-bindings.jar:$JNA_JAR:$coroutines:$KOTLIN_STDLIB" \
    WalkthroughKt "$OUT/kotlin-work" | tee "$OUT/kotlin.out"
}

# The iOS package's library targets (NephroBindings, NephroDiaryCore) built by SwiftPM as
# separate modules, with a system-library target standing in for the XCFramework (Linux has no
# xcframeworks): catches what the one-module walkthrough compile cannot, such as access control
# or a name that is ambiguous across modules (Foundation.Measurement).
run_swiftpm() {
  local pkg="$OUT/swift-package" staged="$OUT/swift-package.staged"
  # Staged first, then copied over only where different: unchanged files keep their times and
  # SwiftPM (incremental, .build kept between runs) recompiles only what changed.
  rm -rf "$staged"
  mkdir -p "$staged/Sources/nephroFFI" "$staged/Sources/NephroBindings" "$staged/Sources/NephroDiaryCore"
  sed -e 's|\.binaryTarget(name: "nephroFFI", path: "Frameworks/nephroFFI.xcframework")|.systemLibrary(name: "nephroFFI", path: "Sources/nephroFFI")|' \
    "$REPO/mobile-demo/ios/Package.swift" >"$staged/Package.swift"
  grep -q 'systemLibrary(name: "nephroFFI"' "$staged/Package.swift" \
    || { echo "test-walkthroughs.sh: Package.swift has no nephroFFI binary target to stand in for" >&2; return 1; }
  cp "$BH_GEN/swift/nephroFFI.h" "$BH_GEN/swift/nephro_coreFFI.h" "$staged/Sources/nephroFFI/"
  sed 's/^module nephroFFI {/module nephroFFI {\n    link "nephro_ffi"/' "$BH_GEN/swift/nephroFFI.modulemap" \
    >"$staged/Sources/nephroFFI/module.modulemap"
  cp "$BH_GEN/swift/nephro.swift" "$BH_GEN/swift/nephro_core.swift" "$staged/Sources/NephroBindings/"
  cp "$ios_core"/*.swift "$staged/Sources/NephroDiaryCore/"
  local f
  mkdir -p "$pkg"
  (cd "$pkg" && find . -path ./.build -prune -o -type f -print) | while read -r f; do
    [ -f "$staged/$f" ] || rm -f "$pkg/$f"
  done
  (cd "$staged" && find . -type f) | while read -r f; do
    cmp -s "$staged/$f" "$pkg/$f" || { mkdir -p "$(dirname "$pkg/$f")"; cp "$staged/$f" "$pkg/$f"; }
  done
  rm -rf "$staged"
  "$REPO/scripts/swift-in-root.sh" "$REPO" env HOME=/tmp \
    swift build --package-path "$pkg" -Xlinker -L"$BH_GEN/lib" 2>&1 | tail -n 20
  echo "swiftpm: NephroDiaryCore builds as its own module"
}

run_swift() {
  bh_swift_compile "$OUT/walkthrough-swift" -- "$ios_core"/*.swift "$walkthroughs/swift/main.swift"
  rm -rf "$OUT/swift-work"
  bh_swift_run "$OUT/walkthrough-swift" "$OUT/swift-work" | tee "$OUT/swift.out"
}

failed=()
for lang in $langs; do
  case "$lang" in
    kotlin|swift|swiftpm) ;;
    *) echo "test-walkthroughs.sh: unknown language $lang" >&2; exit 2 ;;
  esac
  t0="$(bh_now)"
  bh_log "== walkthrough: $lang"
  rm -f "$OUT/$lang.out"
  set +e
  (set -eo pipefail; "run_$lang")
  rc=$?
  set -e
  bh_log "walkthrough $lang: $( [ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $(bh_since "$t0") s"
  [ "$rc" -eq 0 ] || failed+=("$lang")
done

# Both shells show the same week: the same lines, down to the number of checks.
if [ "${#failed[@]}" -eq 0 ] && [[ " $langs " == *" kotlin "* && " $langs " == *" swift "* ]]; then
  if diff "$OUT/kotlin.out" "$OUT/swift.out" >"$OUT/kotlin-vs-swift.diff"; then
    bh_log "the Kotlin and Swift walkthroughs printed the same week"
  else
    cat "$OUT/kotlin-vs-swift.diff" >&2
    bh_log "the Kotlin and Swift walkthroughs printed different weeks (see above)"
    failed+=("kotlin-vs-swift")
  fi
fi

if [ "${#failed[@]}" -gt 0 ]; then
  bh_log "walkthroughs FAILED: ${failed[*]} ($(bh_since "$T_ALL") s)"
  exit 1
fi
bh_log "walkthroughs passed: $langs ($(bh_since "$T_ALL") s)"

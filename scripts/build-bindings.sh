#!/usr/bin/env bash
# Builds the nephro-ffi library and generates its Kotlin, Swift and Python bindings.
#
#   scripts/build-bindings.sh [profile]     (default: release)
#
# Output in target/bindings/: kotlin/uniffi/nephro/nephro.kt, swift/{nephro.swift, nephroFFI.h,
# nephroFFI.modulemap}, python/nephro.py, and lib/libnephro_ffi.so (also copied beside nephro.py).
# Bindings are generated from the unstripped library: a stripped one yields empty bindings.
# NEPHRO_FFI_FEATURES: cargo features of nephro-ffi (the binding tests build with `conformance`,
# the test-only entry points; the shipped library has none).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-release}"
cargo build --locked --profile "$profile" -p nephro-ffi -p uniffi-bindgen \
  ${NEPHRO_FFI_FEATURES:+--features "nephro-ffi/$NEPHRO_FFI_FEATURES"}
dir="target/$profile"
[ "$profile" = dev ] && dir=target/debug
lib="$dir/libnephro_ffi.so"
out=target/bindings
rm -rf "$out"
mkdir -p "$out/lib" "$out/kotlin" "$out/swift" "$out/python"
cp "$lib" "$out/lib/"
"$dir/uniffi-bindgen" generate "$lib" --language kotlin --out-dir "$out/kotlin" >/dev/null
"$dir/uniffi-bindgen" generate "$lib" --language swift --out-dir "$out/swift" >/dev/null
"$dir/uniffi-bindgen" generate "$lib" --language python --out-dir "$out/python" >/dev/null
cp "$lib" "$out/python/"
echo "bindings: $(find "$out" -type f | wc -l) files in $out ($profile)"

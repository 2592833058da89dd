#!/usr/bin/env bash
# Builds the nephro-ffi library and generates its Kotlin, Swift and Python bindings.
#
#   scripts/build-bindings.sh [profile]     (default: release)
#
# The library holds two UniFFI namespaces: `nephro` (the bindings crate) and `nephro_core` (the
# core's records, enums, error and custom types). Output in target/bindings/:
#   kotlin/uniffi/nephro/nephro.kt and kotlin/uniffi/nephro_core/nephro_core.kt (two packages),
#   swift/{nephro.swift, nephro_core.swift} (one Swift module `nephro`) with nephroFFI.h,
#     nephro_coreFFI.h and one nephroFFI.modulemap listing both headers,
#   python/nephro/ (a package: nephro.py, nephro_core.py and an __init__.py that re-exports both,
#     so `import nephro` sees every type) with libnephro_ffi.so beside them,
#   lib/libnephro_ffi.so.
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
# One module map for the Swift module's two headers.
{
  echo "module nephroFFI {"
  echo "    header \"nephroFFI.h\""
  echo "    header \"nephro_coreFFI.h\""
  sed -n '/^module /,/^}/{/^module /d;/^}/d;/header /d;p}' "$out/swift/nephroFFI.modulemap"
  echo "}"
} >"$out/swift/nephroFFI.modulemap.tmp"
mv "$out/swift/nephroFFI.modulemap.tmp" "$out/swift/nephroFFI.modulemap"
rm -f "$out/swift/nephro_coreFFI.modulemap"
# The Python package `nephro`: each generated module imports the other as a sibling.
mkdir -p "$out/python/nephro"
mv "$out/python/nephro.py" "$out/python/nephro_core.py" "$out/python/nephro/"
cat >"$out/python/nephro/__init__.py" <<'PY'
"""NephroDiary bindings: the core's types (`nephro_core`) and the diary's API (`nephro`)."""
from .nephro_core import *  # noqa: F401,F403
from .nephro import *  # noqa: F401,F403
PY
cp "$lib" "$out/python/nephro/"
echo "bindings: $(find "$out" -type f | wc -l) files in $out ($profile)"

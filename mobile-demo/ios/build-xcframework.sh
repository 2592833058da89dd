#!/usr/bin/env bash
# NephroDiary iOS demo: builds the Rust core for iOS devices and simulators, packs it as
# Frameworks/nephroFFI.xcframework (static libraries + nephroFFI.h + module map) and generates
# the Swift bindings into Sources/NephroBindings/nephro.swift. Then:
#   cd App && xcodegen generate && open NephroDiary.xcodeproj
#
#   mobile-demo/ios/build-xcframework.sh [profile]     (default: size, the shipped profile)
#
# Prerequisites — macOS only; none of this exists on the Linux machine the walkthroughs run on,
# so this script has not been run there:
#   - Xcode 15 or newer (xcodebuild, lipo), with its command-line tools selected
#   - rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#   - XcodeGen for the app project (brew install xcodegen)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd -P)"
repo="$(cd "$here/../.." && pwd -P)"
profile="${1:-size}"
dir="$profile"
[ "$profile" = dev ] && dir=debug

die() { echo "build-xcframework.sh: $*" >&2; exit 1; }
[ "$(uname -s)" = Darwin ] || die "needs macOS with Xcode (xcodebuild); on Linux run scripts/test-walkthroughs.sh instead"
command -v xcodebuild >/dev/null || die "xcodebuild not found: install Xcode 15+ and run xcode-select"
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  rustup target list --installed | grep -qx "$t" || die "missing Rust target: rustup target add $t"
done

cd "$repo"
export IPHONEOS_DEPLOYMENT_TARGET=16.0
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo build --locked --profile "$profile" -p nephro-ffi --target "$t"
done

# Swift bindings from the host build (library mode reads the metadata; the host is a Mac).
cargo build --locked --profile "$profile" -p nephro-ffi -p uniffi-bindgen
host_lib="target/$dir/libnephro_ffi.dylib"
[ -f "$host_lib" ] || die "no $host_lib"
gen="$here/build/swift"
rm -rf "$gen"
mkdir -p "$gen"
"target/$dir/uniffi-bindgen" generate "$host_lib" --language swift --out-dir "$gen" >/dev/null
[ -s "$gen/nephro.swift" ] || die "the Swift bindings were not generated"

# Headers of the XCFramework: the C headers of the two namespaces (nephro, nephro_core) and one
# module map listing both, named module.modulemap so that `import nephroFFI` (at the top of
# nephro.swift and nephro_core.swift) finds it.
headers="$here/build/headers"
rm -rf "$headers"
mkdir -p "$headers"
cp "$gen/nephroFFI.h" "$gen/nephro_coreFFI.h" "$headers/"
awk '{ print } /^    header "nephroFFI.h"$/ { print "    header \"nephro_coreFFI.h\"" }' \
  "$gen/nephroFFI.modulemap" >"$headers/module.modulemap"

# One library per platform: the device, and both simulator architectures merged with lipo.
sim="$here/build/ios-simulator"
rm -rf "$sim"
mkdir -p "$sim"
lipo -create \
  "target/aarch64-apple-ios-sim/$dir/libnephro_ffi.a" \
  "target/x86_64-apple-ios/$dir/libnephro_ffi.a" \
  -output "$sim/libnephro_ffi.a"

rm -rf "$here/Frameworks/nephroFFI.xcframework"
mkdir -p "$here/Frameworks"
xcodebuild -create-xcframework \
  -library "target/aarch64-apple-ios/$dir/libnephro_ffi.a" -headers "$headers" \
  -library "$sim/libnephro_ffi.a" -headers "$headers" \
  -output "$here/Frameworks/nephroFFI.xcframework"

mkdir -p "$here/Sources/NephroBindings"
cp "$gen/nephro.swift" "$gen/nephro_core.swift" "$here/Sources/NephroBindings/"
echo "ios: Frameworks/nephroFFI.xcframework and Sources/NephroBindings/{nephro,nephro_core}.swift are ready"

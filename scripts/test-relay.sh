#!/usr/bin/env bash
# Tests the relay (issue 16) against a real, throw-away PostgreSQL:
#   1. finds initdb and pg_ctl (PATH, then /usr/lib/postgresql/*/bin), installing Debian's
#      `postgresql` package when they are missing;
#   2. starts a cluster in a temporary directory on a free loopback port (as the unprivileged
#      `postgres` user when run as root: the server refuses root);
#   3. runs `cargo test -p nephro-relay` (three devices, the claim race, security, SIGKILL of
#      the relay during pushes, PostgreSQL restarted under load, and a short load run);
#   4. starts the relay binary on its own database and runs the phones' side against it: each
#      binding language's live relay flow (tests/bindings/python/live_relay.py,
#      kotlin/LiveRelayTest.kt, swift/LiveRelayTest.swift) with an HTTP client written in that
#      language, as the shells use URLSession and OkHttp (skipped with --no-live; only that
#      with --live-only);
#   5. stops the relay and the cluster and removes the directory, whatever happened.
# Long forms: NEPHRO_LONG_TESTS=1 (more claim races and crash rounds) and
# NEPHRO_RELAY_LOAD_FAMILIES=N (the load run with N families × 3 devices; 20 by default here).
# Extra arguments go to `cargo test` (e.g. a test name, or -- --nocapture to see the figures).
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return
    fi
  done
}

PG_BIN=$(find_pg_bin || true)
if [ -z "$PG_BIN" ]; then
  echo "test-relay: installing PostgreSQL from the distribution's packages"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(find_pg_bin)
fi
echo "test-relay: PostgreSQL from $PG_BIN ($("$PG_BIN/pg_ctl" --version))"

TMP=$(mktemp -d /tmp/nephro-relay-pg.XXXXXX)
chmod 755 "$TMP"
# A free loopback port: a random one nothing answers on (bash's /dev/tcp, no other tool needed).
PORT=""
for _ in $(seq 1 50); do
  candidate=$(( 20000 + RANDOM % 40000 ))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    PORT=$candidate
    break
  fi
done
[ -n "$PORT" ] || { echo "test-relay: no free port found" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$TMP"
fi

RELAY_PID=""
stop() {
  [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap stop EXIT

as_pg "$PG_BIN/initdb" -D "$TMP/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$TMP/data" -l "$TMP/postgres.log" \
  -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c max_connections=200" -w start >/dev/null
echo "test-relay: PostgreSQL on 127.0.0.1:$PORT in $TMP"

export NEPHRO_RELAY_TEST_PG="host=127.0.0.1 port=$PORT user=postgres"
# For the test that restarts PostgreSQL under load.
export NEPHRO_RELAY_TEST_PG_CTL="$PG_BIN/pg_ctl"
export NEPHRO_RELAY_TEST_PG_DATA="$TMP/data"
export NEPHRO_RELAY_TEST_PG_OPTIONS="-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c max_connections=200"
if [ "$(id -u)" -eq 0 ]; then
  export NEPHRO_RELAY_TEST_PG_AS=postgres
fi
export NEPHRO_RELAY_LOAD_FAMILIES="${NEPHRO_RELAY_LOAD_FAMILIES:-20}"

live="yes"
only_live="no"
case "${1:-}" in
  --no-live) live="no"; shift ;;
  --live-only) only_live="yes"; shift ;;
esac

# The CLI's relay commands are tested against the relay too (relay/tests/cli.rs).
cargo build -p nephro-cli -p nephro-relay --locked

log=$(mktemp)
if [ "$only_live" = "yes" ]; then
  :
elif [ $# -gt 0 ]; then
  live="no"
  cargo test -p nephro-relay --locked "$@" 2>&1 | tee "$log"
else
  cargo test -p nephro-relay --locked -- --skip load_ 2>&1 | tee "$log"
  # The load run prints its figures. The short form runs on the debug build already made (a
  # release build of the relay's dependencies costs CI minutes); NEPHRO_LONG_TESTS=1 runs it on
  # a release build, whose figures are the ones to report.
  if [ "${NEPHRO_LONG_TESTS:-0}" = "1" ]; then
    cargo test --release -p nephro-relay --locked --test load -- --nocapture 2>&1 | tee -a "$log"
  else
    cargo test -p nephro-relay --locked --test load -- --nocapture 2>&1 | tee -a "$log"
  fi
fi

if [ "$live" = "yes" ]; then
  RELAY_PORT=""
  for _ in $(seq 1 50); do
    candidate=$(( 20000 + RANDOM % 40000 ))
    if [ "$candidate" != "$PORT" ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
      RELAY_PORT=$candidate
      break
    fi
  done
  [ -n "$RELAY_PORT" ] || { echo "test-relay: no free port found for the relay" >&2; exit 1; }
  # The cluster's own `postgres` database (the Rust tests make one database each).
  target/debug/nephro-relay --listen "127.0.0.1:$RELAY_PORT" \
    --database-url "host=127.0.0.1 port=$PORT user=postgres dbname=postgres" >"$TMP/relay.log" 2>&1 &
  RELAY_PID=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$RELAY_PORT") 2>/dev/null && break
    sleep 0.2
  done
  echo "test-relay: the relay on 127.0.0.1:$RELAY_PORT for the phones' side"
  NEPHRO_LIVE_RELAY="http://127.0.0.1:$RELAY_PORT" scripts/test-bindings.sh dev 2>&1 | tee "$TMP/live.log"
  phones=$(grep -E '^(python|kotlin|swift): [0-9]+ checks passed' "$TMP/live.log" | sed 's/ checks passed.*//' | paste -sd, - | sed 's/,/, /g')
  echo "relay: the phones' live flow passed ($phones checks)"
  if grep -iE 'test child|2019-04-02|dr\. example' "$TMP/relay.log"; then
    echo "test-relay: the relay's log holds personal data" >&2
    exit 1
  fi
fi
passed=$( (grep -E '^test result: ok\.' "$log" || true) | awk '{sum += $4} END {print sum + 0}')
rm -f "$log"
[ "$only_live" = "yes" ] || echo "relay: $passed tests passed"

#!/usr/bin/env bash
# Tests the relay (issue 16) against a real, throw-away PostgreSQL:
#   1. finds initdb and pg_ctl (PATH, then /usr/lib/postgresql/*/bin), installing Debian's
#      `postgresql` package when they are missing;
#   2. starts a cluster in a temporary directory on a free loopback port (as the unprivileged
#      `postgres` user when run as root: the server refuses root);
#   3. runs `cargo test -p nephro-relay` (three devices, the claim race, security, SIGKILL of
#      the relay during pushes, PostgreSQL restarted under load, and a short load run);
#   4. stops the cluster and removes the directory, whatever happened.
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

stop() {
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

# The CLI's relay commands are tested against the relay too (relay/tests/cli.rs).
cargo build -p nephro-cli --locked

log=$(mktemp)
if [ $# -gt 0 ]; then
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
passed=$(grep -E '^test result: ok\.' "$log" | awk '{sum += $4} END {print sum + 0}')
rm -f "$log"
echo "relay: $passed tests passed"

#!/usr/bin/env bash
# tests/integration/99-down.sh -- `make down` really stops everything (runs last).
#
# Runs deploy/local/down.sh and asserts that the processes of our pid files are
# gone and that none of our ports (PostgreSQL, Kafka broker and controller,
# FerretDB, the gateway, the optional local LLM) is still listening (`ss -ltn`); then runs
# deploy/local/up.sh again so that whatever runs after this suite finds the stack
# as it was. TAP output; exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

# shellcheck source=tests/integration/lib/tap.sh
. "$ROOT/tests/integration/lib/tap.sh"

TEST_LOG="$FINCHAT_LOG_DIR/test-99-down.log"
mkdir -p "$FINCHAT_LOG_DIR"
: >"$TEST_LOG"
PORTS=("$FINCHAT_PG_PORT" "$FINCHAT_KAFKA_PORT" "$FINCHAT_KAFKA_CONTROLLER_PORT" "$FINCHAT_MONGO_PORT"
  "${FINCHAT_HTTP_ADDR##*:}" "${FINCHAT_LLM_PORT:-18081}")

run_script() {
  if "$FINCHAT_LOCAL_DIR/$1" >>"$TEST_LOG" 2>&1; then return 0; fi
  echo "# $1 failed; last lines of $TEST_LOG:" >&2
  tail -n 25 "$TEST_LOG" | sed 's/^/#   /' >&2
  return 1
}

no_port_listening() {
  local p busy=0 lines
  for p in "${PORTS[@]}"; do
    lines="$(ss -Hltn "sport = :$p")"
    if [ -n "$lines" ]; then
      echo "# port $p still listening: $lines" >&2
      busy=1
    fi
  done
  [ "$busy" -eq 0 ]
}

pids_gone() {
  local pid alive=0
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
      echo "# pid $pid still alive: $(tr '\0' ' ' <"/proc/$pid/cmdline")" >&2
      alive=1
    fi
  done
  [ "$alive" -eq 0 ]
}

no_pid_files() {
  local left
  left="$(find "$FINCHAT_RUN_DIR" -name '*.pid' 2>/dev/null)"
  [ -z "$left" ] || {
    echo "# pid files left: $left" >&2
    return 1
  }
}

# The processes `make up` started, read before they are stopped.
pids=()
for f in "$FINCHAT_RUN_DIR"/*.pid; do
  [ -e "$f" ] || continue
  pid="$(tr -dc '0-9' <"$f")"
  [ -n "$pid" ] && pids+=("$pid")
done

check "deploy/local/down.sh succeeds" run_script down.sh
check "no process of ours is left (${#pids[@]} recorded)" pids_gone "${pids[@]}"
check "no port of ours is listening (${PORTS[*]})" no_port_listening
check "no pid file is left in $FINCHAT_RUN_DIR" no_pid_files
check "deploy/local/down.sh again is a no-op" run_script down.sh
check "deploy/local/up.sh brings everything back" run_script up.sh
check "GET /readyz is 200 again" \
  curl -fsS -o /dev/null --max-time 5 "http://$FINCHAT_HTTP_ADDR/readyz"
finish

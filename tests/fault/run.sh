#!/usr/bin/env bash
# tests/fault/run.sh -- `make fault`: what a user relies on while parts of finchat fail.
#
# Brings up a PRIVATE finchat (its own PostgreSQL, Kafka and FerretDB on their own ports,
# state in build/fault/stack, a gateway and 2 workers from build/bin, a scripted mock LLM as
# the `openai` provider with the analyst behind it), then runs the numbered cases in
# tests/fault/ (NN-*.py) one after the other. Each case kills something for real (kill -9 of
# a store, of a gateway; a reader that never reads; a thousand reconnecting readers) and
# prints TAP lines `ok - ...` / `not ok - ...`; a case that dies without saying why counts as
# one failure. Ends with "N passed, M failed", stops everything it started (also on failure,
# Ctrl-C or a case's timeout) and exits non-zero when anything failed.
#
# Environment (defaults):
#   FINCHAT_FAULT_ONLY (all)               case numbers to run, e.g. "10 40"
#   FINCHAT_FAULT_CASE_TIMEOUT (150)       seconds a case may take before it is killed
#   FINCHAT_FAULT_FRESH (1)                start from an empty stack; 0 reuses the last one
#   FINCHAT_FAULT_KEEP (0)                 1 leaves the stack running (`run.sh down` stops it)
#   FINCHAT_FAULT_{PG,KAFKA,KAFKA_CONTROLLER,MONGO,HTTP,HTTP2,MOCK}_PORT,
#   FINCHAT_FAULT_WORKER_HEALTH_BASE       (29432, 29092, 29093, 29318, 29080, 29081, 29070,
#                                          29190): away from the defaults of `make up`
#                                          and of the bench, below the ephemeral range
#   FINCHAT_SKIP_DEPS (0)                  passed to deploy/local/up.sh (make test passes 1:
#                                          it installed them first)
set -uo pipefail

FAULT_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$FAULT_SRC/../.." && pwd)"
OUT="$ROOT/build/fault"

# ---- the private stack's addresses (lib.sh derives the URLs from them) --------------------
unset FINCHAT_PG_URL FINCHAT_KAFKA_BROKERS FINCHAT_MONGO_URL FINCHAT_REPLY_PARTITIONS FINCHAT_URL
export FINCHAT_STATE_DIR="$OUT/stack"
export FINCHAT_PG_PORT="${FINCHAT_FAULT_PG_PORT:-29432}"
export FINCHAT_KAFKA_PORT="${FINCHAT_FAULT_KAFKA_PORT:-29092}"
export FINCHAT_KAFKA_CONTROLLER_PORT="${FINCHAT_FAULT_KAFKA_CONTROLLER_PORT:-29093}"
export FINCHAT_MONGO_PORT="${FINCHAT_FAULT_MONGO_PORT:-29318}"
export FINCHAT_HTTP_ADDR="127.0.0.1:${FINCHAT_FAULT_HTTP_PORT:-29080}"
export FINCHAT_FAULT_HTTP2_ADDR="127.0.0.1:${FINCHAT_FAULT_HTTP2_PORT:-29081}"
export FINCHAT_WORKER_HEALTH_BASE="${FINCHAT_FAULT_WORKER_HEALTH_BASE:-29190}"
export FINCHAT_BIN_DIR="${FINCHAT_BIN_DIR:-$ROOT/build/bin}"
export FINCHAT_WORKERS=2
MOCK_PORT="${FINCHAT_FAULT_MOCK_PORT:-29070}"
export FINCHAT_FAULT_MOCK_URL="http://127.0.0.1:$MOCK_PORT"
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

# ---- what the services run with ------------------------------------------------------------
export FINCHAT_RATE_LIMIT=1000000 FINCHAT_AUTH_RATE_LIMIT=1000000
export FINCHAT_CHAT_RATE_LIMIT=1000000 FINCHAT_DAILY_TOKEN_BUDGET=2000000000
export FINCHAT_ACCESS_TTL_S=86400
export FINCHAT_LLM_CHAIN=openai,analyst OPENAI_API_KEY=x OPENAI_MODEL=mock
export OPENAI_BASE_URL="$FINCHAT_FAULT_MOCK_URL/v1"
export FINCHAT_ANALYST_PACE_MS="${FINCHAT_ANALYST_PACE_MS:-25}"
unset GROQ_API_KEY ANTHROPIC_API_KEY OLLAMA_URL FINCHAT_LOCAL_URL
export FINCHAT_STOP_TIMEOUT=15

ONLY="${FINCHAT_FAULT_ONLY:-}"
CASE_TIMEOUT="${FINCHAT_FAULT_CASE_TIMEOUT:-150}"
PY="$FINCHAT_PYTHON"
VENV_PY="${FINCHAT_CACHE_DIR}/venv-itest/bin/python3"
PASSED=0 FAILED=0 FAILED_NAMES=""
MOCK_PID=""

stop_all() {
  "$ROOT/deploy/local/services.sh" down >/dev/null 2>&1
  # A second gateway a case started and could not stop (it records its pid here).
  if [ -s "$FINCHAT_RUN_DIR/gateway-2.pid" ]; then
    stop_proc gateway-2 "$FINCHAT_BIN_DIR/finchat-gateway" >/dev/null 2>&1
  fi
  "$ROOT/deploy/local/stack.sh" down >/dev/null 2>&1
}

# `run.sh down`: stop a stack left running with FINCHAT_FAULT_KEEP=1.
if [ "${1:-}" = down ]; then
  stop_all
  exit 0
fi

cleanup() {
  local rc=$?
  set +e
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null; fi
  if [ "${FINCHAT_FAULT_KEEP:-0}" = 1 ]; then
    log "leaving the fault stack running (FINCHAT_FAULT_KEEP=1): 'tests/fault/run.sh down' stops it"
  else
    log "stopping the fault stack"
    stop_all
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
t0=$SECONDS

# Python with pymongo (the venv the worker integration tests make), for the duplicate checks.
if ! "$VENV_PY" -c 'import pymongo' 2>/dev/null; then
  "$PY" -m venv "${VENV_PY%/bin/python3}" >/dev/null &&
    "${VENV_PY%/bin/python3}/bin/pip" install -q 'pymongo>=4,<5' 'jsonschema>=4.18' >/dev/null ||
    {
      echo "not ok - python venv with pymongo"
      echo "0 passed, 1 failed"
      exit 1
    }
fi
for b in finchat-gateway finchat-worker finchatctl; do
  [ -x "$FINCHAT_BIN_DIR/$b" ] || die "$FINCHAT_BIN_DIR/$b missing: run 'make bins'"
done

# ---- the mock provider and the stack ---------------------------------------------------------
"$PY" "$ROOT/tests/mockllm/server.py" --port "$MOCK_PORT" --tps 25 --tokens 150 \
  >"$OUT/mockllm.log" 2>&1 &
MOCK_PID=$!
wait_until "mock provider" 20 "$OUT/mockllm.log" "" curl -fsS -o /dev/null "$FINCHAT_FAULT_MOCK_URL/__health"

stop_all
if [ "${FINCHAT_FAULT_FRESH:-1}" != 0 ] && [ -d "$FINCHAT_STATE_DIR" ]; then
  if [ -L "$FINCHAT_STATE_DIR/pg" ]; then rm -rf "$(readlink -f "$FINCHAT_STATE_DIR/pg")"; fi
  rm -rf "$FINCHAT_STATE_DIR"
fi
log "starting the fault stack (state in ${FINCHAT_STATE_DIR#"$ROOT"/}, gateway on $FINCHAT_HTTP_ADDR)"
if ! FINCHAT_SKIP_BUILD=1 FINCHAT_SKIP_DEPS="${FINCHAT_SKIP_DEPS:-0}" "$ROOT/deploy/local/up.sh" \
  >"$OUT/up.log" 2>&1; then
  tail -n 30 "$OUT/up.log"
  echo "not ok - fault stack up (log: $OUT/up.log)"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "ok - fault stack up in $((SECONDS - t0)) s"
PASSED=$((PASSED + 1))

# ---- the cases -------------------------------------------------------------------------------
export PYTHONPATH="$FAULT_SRC:$ROOT/tests/integration:$ROOT/tests/integration/lib${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
for c in "$FAULT_SRC"/[0-9][0-9]-*.py; do
  name="$(basename "$c" .py)"
  if [ -n "$ONLY" ] && [[ " $ONLY " != *" ${name%%-*} "* ]]; then continue; fi
  echo "# $name"
  out="$OUT/$name.out"
  c0=$SECONDS
  timeout --kill-after=10 "$CASE_TIMEOUT" "$VENV_PY" "$c" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  ok=$(grep -cE '^ok - ' "$out")
  nok=$(grep -cE '^not ok - ' "$out")
  if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
    [ "$rc" -eq 124 ] && echo "not ok - $name finished within ${CASE_TIMEOUT}s" ||
      echo "not ok - $name exited with status $rc"
    nok=1
  fi
  PASSED=$((PASSED + ok))
  FAILED=$((FAILED + nok))
  if [ "$nok" -ne 0 ]; then FAILED_NAMES="$FAILED_NAMES $name"; fi
  echo "# $name took $((SECONDS - c0)) s"
  # The next case starts from a whole stack, whatever this one left behind.
  if ! "$ROOT/deploy/local/stack.sh" up >>"$OUT/up.log" 2>&1 ||
    ! "$ROOT/deploy/local/services.sh" up >>"$OUT/up.log" 2>&1; then
    echo "not ok - the stack is whole again after $name (log: $OUT/up.log)"
    FAILED=$((FAILED + 1))
    FAILED_NAMES="$FAILED_NAMES restore-after-$name"
  fi
done

echo "# fault suite took $((SECONDS - t0)) s"
[ -n "$FAILED_NAMES" ] && echo "# failed:$FAILED_NAMES"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

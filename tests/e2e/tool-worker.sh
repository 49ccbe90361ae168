#!/usr/bin/env bash
# tests/e2e/tool-worker.sh start|stop -- a tool-using model behind the local stack, for the
# browser test of tool lookups and checked figures (e2e.mjs).
#
# start: stops the stack's own workers (deploy/local/services.sh's worker-N), starts the
#   scripted mock LLM (tests/mockllm/server.py) on a free port and one finchat-worker with
#   FINCHAT_LLM_CHAIN=openai,analyst whose OpenAI provider is that mock, waits until that
#   worker holds the request partitions, and prints `mock_port=N`. The test then scripts the
#   mock's tool rounds (POST /__script) and asks through the web client as usual.
# stop: stops that worker and the mock (only those: by their pid files), and starts the
#   stack's workers again when `start` had stopped them. Safe to run more than once.
# Reaches the stack the way the other scripts do (deploy/local/lib.sh: FINCHAT_STATE_DIR,
# FINCHAT_KAFKA_BROKERS, FINCHAT_MONGO_URL, ...). Logs: $FINCHAT_STATE_DIR/log/e2e-*.log.
# Exits non-zero with a one-line reason on stderr when something cannot be started.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "$0")/../../deploy/local/lib.sh"

WORKER_BIN="${FINCHAT_WORKER_BIN:-$FINCHAT_ROOT/build/bin/finchat-worker}"
MOCK="$FINCHAT_ROOT/tests/mockllm/server.py"
WORKER=e2e-tools-worker # not worker-N: services.sh must not take it for one of its own
MOCK_NAME=e2e-mockllm
STOPPED="$FINCHAT_RUN_DIR/e2e-tools.stopped"
PORT_FILE="$FINCHAT_RUN_DIR/e2e-mockllm.port"

fail() {
  printf 'tool-worker: %s\n' "$*" >&2
  exit 1
}

# grows FILE FROM NEEDLE: the part of FILE after byte FROM holds the regex NEEDLE.
grows() { tail -c "+$(($2 + 1))" "$1" 2>/dev/null | grep -qE "$3"; }

cmd_start() {
  [ -x "$WORKER_BIN" ] || fail "$WORKER_BIN missing (make bins)"
  command -v python3 >/dev/null || fail "python3 is required for the mock LLM"
  mkdir -p "$FINCHAT_RUN_DIR" "$FINCHAT_LOG_DIR"
  cmd_stop_ours
  # The stack's workers leave the consumer group, so that every request reaches ours.
  local f name
  for f in "$FINCHAT_RUN_DIR"/worker-*.pid; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .pid)"
    if running "$name" "$WORKER_BIN"; then
      stop_proc "$name" "$WORKER_BIN" >/dev/null 2>&1
      printf '%s\n' "$name" >>"$STOPPED"
    fi
  done

  rm -f "$PORT_FILE"
  spawn "$MOCK_NAME" "$FINCHAT_LOG_DIR/$MOCK_NAME.log" python3 "$MOCK" --port 0 --port-file "$PORT_FILE" --tps 100
  local i port=""
  for ((i = 0; i < 100; i++)); do
    port="$(cat "$PORT_FILE" 2>/dev/null || true)"
    [ -n "$port" ] && break
    running "$MOCK_NAME" "$MOCK" || fail "the mock LLM exited (log: $FINCHAT_LOG_DIR/$MOCK_NAME.log)"
    sleep 0.1
  done
  [ -n "$port" ] || fail "the mock LLM did not start (log: $FINCHAT_LOG_DIR/$MOCK_NAME.log)"

  local logf="$FINCHAT_LOG_DIR/$WORKER.log" mark
  touch "$logf"
  mark="$(stat -c %s "$logf")"
  (
    cd "$FINCHAT_ROOT"
    spawn "$WORKER" "$logf" env FINCHAT_INSTANCE_ID="$WORKER" FINCHAT_WORKER_HEALTH_ADDR= \
      FINCHAT_LLM_CHAIN=openai,analyst OPENAI_API_KEY=e2e-test-key \
      OPENAI_BASE_URL="http://127.0.0.1:$port/v1" OPENAI_MODEL=mock "$WORKER_BIN"
  )
  for ((i = 0; i < 300; i++)); do
    grows "$logf" "$mark" 'assigned partitions \[[0-9]' && break
    running "$WORKER" "$WORKER_BIN" || fail "the worker exited (log: $logf)"
    sleep 0.2
  done
  grows "$logf" "$mark" 'assigned partitions \[[0-9]' || fail "the worker got no partitions in 60 s (log: $logf)"
  sleep 2 # let the group settle: a rebalance may still move partitions
  printf 'mock_port=%s\n' "$port"
}

cmd_stop_ours() {
  stop_proc "$WORKER" "$WORKER_BIN" >/dev/null 2>&1 || true
  stop_proc "$MOCK_NAME" "$MOCK" >/dev/null 2>&1 || true
  rm -f "$PORT_FILE"
}

cmd_stop() {
  cmd_stop_ours
  if [ -s "$STOPPED" ]; then
    "$FINCHAT_LOCAL_DIR/services.sh" up >/dev/null 2>&1 || fail "could not start the stack's workers again (deploy/local/services.sh up)"
  fi
  rm -f "$STOPPED"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  *) fail "usage: $0 start|stop" ;;
esac

#!/usr/bin/env bash
# deploy/local/services.sh up|down|status -- the finchat processes on the local stack.
#
# `up` starts one build/bin/finchat-gateway (on $FINCHAT_HTTP_ADDR, default
# 127.0.0.1:8080) and $FINCHAT_WORKERS (default 2) build/bin/finchat-worker processes,
# detached, with pid files in $FINCHAT_STATE_DIR/run and logs in
# $FINCHAT_STATE_DIR/log/{gateway,worker-1,worker-2}.log, then waits until
# http://$FINCHAT_HTTP_ADDR/readyz answers 200 ($FINCHAT_SERVICES_TIMEOUT s, default
# 60; prints the log tail on failure). Processes already running are left alone.
# `down` stops them (SIGTERM, SIGKILL after $FINCHAT_STOP_TIMEOUT s).
# They connect to FINCHAT_PG_URL / FINCHAT_KAFKA_BROKERS / FINCHAT_MONGO_URL (see
# lib.sh: the local stack's addresses unless set) and run from the repository root.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "$0")/lib.sh"

BIN_DIR="${FINCHAT_BIN_DIR:-$FINCHAT_ROOT/build/bin}"
GATEWAY_BIN="$BIN_DIR/finchat-gateway"
WORKER_BIN="$BIN_DIR/finchat-worker"
WORKERS="${FINCHAT_WORKERS:-2}"
TIMEOUT="${FINCHAT_SERVICES_TIMEOUT:-60}"
HTTP_PORT="${FINCHAT_HTTP_ADDR##*:}"
READY_URL="http://$FINCHAT_HTTP_ADDR/readyz"

worker_names() {
  local i
  for ((i = 1; i <= WORKERS; i++)); do printf 'worker-%d\n' "$i"; done
}

# All services we may have started (even with a smaller FINCHAT_WORKERS now).
started_names() {
  local f
  printf 'gateway\n'
  for f in "$FINCHAT_RUN_DIR"/worker-*.pid; do
    [ -e "$f" ] && basename "$f" .pid
  done
  return 0
}

pattern_of() {
  case "$1" in
    gateway) printf '%s' "$GATEWAY_BIN" ;;
    *) printf '%s' "$WORKER_BIN" ;;
  esac
}

# A fingerprint of what the services run: their binaries (path, mtime, size) and the
# values of the variables of `finchatctl config-doc` (the configuration table). When it
# differs from the one the running services were started with, `up` restarts them, so
# that `make up` always leaves them running the code just built, with the settings it
# was given (e.g. `make up LLM=local`).
config_fingerprint() {
  local names
  # shellcheck disable=SC2016 # the backquotes are Markdown, not shell
  names="$("$BIN_DIR/finchatctl" config-doc 2>/dev/null | sed -n 's/^| `\([A-Z][A-Z0-9_]*\)`.*/\1/p')" || true
  [ -n "$names" ] || return 0
  {
    stat -c '%n %Y %s' "$GATEWAY_BIN" "$WORKER_BIN"
    while read -r n; do printf '%s=%s\n' "$n" "${!n-}"; done <<<"$names"
  } | sha256sum | cut -c1-64
}
FINGERPRINT_FILE="$FINCHAT_RUN_DIR/services.config.sha256"

any_running() {
  local name
  while read -r name; do
    if running "$name" "$(pattern_of "$name")"; then return 0; fi
  done < <(started_names)
  return 1
}

readyz_ok() { curl -fsS -o /dev/null --max-time 2 "$READY_URL"; }

start_one() {
  local name="$1" bin="$2"
  if running "$name" "$bin"; then
    log "$name already running (pid $(pid_of "$name"))"
    return 0
  fi
  log "starting $name"
  # FINCHAT_INSTANCE_ID names the process in logs and metrics. Worker N serves its probes and
  # metrics on 127.0.0.1:$((FINCHAT_WORKER_HEALTH_BASE + N)) (18091, 18092, ...).
  local extra=()
  case "$name" in
    worker-*) extra=("FINCHAT_WORKER_HEALTH_ADDR=$FINCHAT_LOCAL_HOST:$((${FINCHAT_WORKER_HEALTH_BASE:-18090} + ${name#worker-}))") ;;
  esac
  spawn "$name" "$FINCHAT_LOG_DIR/$name.log" env "FINCHAT_INSTANCE_ID=$name" "${extra[@]}" "$bin"
}

cmd_up() {
  local t0 name fp
  t0="$(now_s)"
  if [ ! -x "$GATEWAY_BIN" ] || [ ! -x "$WORKER_BIN" ]; then
    die "$GATEWAY_BIN or $WORKER_BIN missing: run 'make bins'"
  fi
  mkdir -p "$FINCHAT_RUN_DIR" "$FINCHAT_LOG_DIR"
  cd "$FINCHAT_ROOT"
  fp="$(config_fingerprint)"
  if [ -n "$fp" ] && [ -f "$FINGERPRINT_FILE" ] && [ "$(cat "$FINGERPRINT_FILE")" != "$fp" ] && any_running; then
    log "the services' binaries or configuration changed since they started: restarting them"
    cmd_down
  fi
  if ! running gateway "$GATEWAY_BIN"; then need_free_port finchat-gateway "$HTTP_PORT"; fi
  start_one gateway "$GATEWAY_BIN"
  while read -r name; do start_one "$name" "$WORKER_BIN"; done < <(worker_names)
  wait_until "finchat-gateway ($READY_URL)" "$TIMEOUT" "$FINCHAT_LOG_DIR/gateway.log" gateway readyz_ok
  while read -r name; do
    running "$name" "$WORKER_BIN" || {
      log_tail "$FINCHAT_LOG_DIR/$name.log"
      die "$name exited (log: $FINCHAT_LOG_DIR/$name.log)"
    }
  done < <(worker_names)
  if [ -n "$fp" ]; then printf '%s\n' "$fp" >"$FINGERPRINT_FILE"; fi
  log "services ready in $(elapsed "$t0"): gateway + $WORKERS workers"
}

cmd_down() {
  local name names
  mapfile -t names < <(started_names)
  for name in "${names[@]}"; do signal_stop "$name" "$(pattern_of "$name")" TERM; done
  for name in "${names[@]}"; do wait_stopped "$name" "$(pattern_of "$name")"; done
  rm -f "$FINGERPRINT_FILE"
}

cmd_status() {
  local name pid state
  while read -r name; do
    pid="$(pid_of "$name")"
    if proc_matches "$pid" "$(pattern_of "$name")"; then
      state=running
      if [ "$name" = gateway ]; then
        if readyz_ok 2>/dev/null; then state='ready'; else state='running, /readyz not 200'; fi
      fi
      printf '%-10s %-24s pid %-8s %s\n' "$name" "$([ "$name" = gateway ] && printf '%s' "$FINCHAT_HTTP_ADDR")" "$pid" "$state"
    else
      printf '%-10s %-24s %-12s %s\n' "$name" "$([ "$name" = gateway ] && printf '%s' "$FINCHAT_HTTP_ADDR")" '' stopped
    fi
  done < <( (
    started_names
    worker_names
  ) | awk '!seen[$0]++')
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac

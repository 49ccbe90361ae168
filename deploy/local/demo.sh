#!/usr/bin/env bash
# deploy/local/demo.sh -- `make demo`: `make up`, then follow the service logs until
# Ctrl-C (or SIGTERM), which runs `make down`.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "$0")/lib.sh"

tail_pid=''
stop() {
  trap - INT TERM
  if [ -n "$tail_pid" ]; then kill "$tail_pid" 2>/dev/null || true; fi
  printf '\n'
  log "stopping finchat"
  "$FINCHAT_LOCAL_DIR/down.sh"
  exit 0
}
# Set before up.sh, so that an interrupted start also stops what it had started.
trap stop INT TERM
"$FINCHAT_LOCAL_DIR/up.sh"

logs=("$FINCHAT_LOG_DIR/gateway.log")
for f in "$FINCHAT_LOG_DIR"/worker-*.log; do [ -e "$f" ] && logs+=("$f"); done
log "following ${logs[*]#"$FINCHAT_ROOT"/} (Ctrl-C stops everything)"
tail -n 5 -F "${logs[@]}" &
tail_pid=$!
# `wait` returns early when a trapped signal arrives; the trap then stops everything.
while kill -0 "$tail_pid" 2>/dev/null; do wait "$tail_pid" || true; done
stop

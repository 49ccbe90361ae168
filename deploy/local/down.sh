#!/usr/bin/env bash
# deploy/local/down.sh -- `make down`: stops everything `make up` started (services
# first, then the optional local LLM server, then the stores), by pid file. State in
# $FINCHAT_STATE_DIR is kept; delete that directory for a clean slate.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "$0")/lib.sh"

"$FINCHAT_LOCAL_DIR/services.sh" down
if [ -x "$FINCHAT_LOCAL_DIR/llm-local.sh" ]; then
  "$FINCHAT_LOCAL_DIR/llm-local.sh" down
fi
"$FINCHAT_LOCAL_DIR/stack.sh" down
log "finchat stopped"

#!/usr/bin/env bash
# Workers reuse a user's context document only while it is current (see 56-chat-context-cache.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
exec "$PY" "$(dirname "$0")/56-chat-context-cache.py" # the stack's own workers, with their metrics

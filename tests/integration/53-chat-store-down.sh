#!/usr/bin/env bash
# A question the message store cannot take is 503 and is canceled on the bus (see 53-chat-store-down.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
exec "$PY" "$(dirname "$0")/53-chat-store-down.py" # the stack's own workers keep running

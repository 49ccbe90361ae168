#!/usr/bin/env bash
# The per-user chat rate holds under concurrent posts (see 54-chat-rate-race.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh" # a Python with pymongo: the refused posts' messages
exec "$PY" "$(dirname "$0")/54-chat-rate-race.py"

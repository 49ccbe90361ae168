#!/usr/bin/env bash
# Worker: a conversation's next question takes its turns from the worker that recorded them; a new worker reads them from MongoDB (see 49-worker-history-cache.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/49-worker-history-cache.py"

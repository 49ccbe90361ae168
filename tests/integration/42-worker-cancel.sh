#!/usr/bin/env bash
# Worker: a cancel on finchat.chat.control stops an answer in progress with an error chunk (code canceled) and a stored canceled message; a cancel sent before the request is consumed also wins (see 42-worker-cancel.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/42-worker-cancel.py"

#!/usr/bin/env bash
# Worker: poison requests go to finchat.chat.dlq: undecodable bytes, an invalid request (with an invalid_request error chunk to its client), and a request that failed FINCHAT_MAX_ATTEMPTS times (max_attempts error) (see 43-worker-dlq.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/43-worker-dlq.py"

#!/usr/bin/env bash
# Worker: kill -9 of the worker answering mid-stream: a reset (worker_failover, attempt 2) and a complete answer from the other worker within 30 s, equal to the stored message (see 41-worker-failover.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/41-worker-failover.py"

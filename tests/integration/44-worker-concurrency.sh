#!/usr/bin/env bash
# Worker: 50 concurrent requests over two workers all complete, each assembled answer equal to its stored message (see 44-worker-concurrency.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/44-worker-concurrency.py"

#!/usr/bin/env bash
# A full worker hands standalone requests over to another worker and parks a conversation's in order (see 51-worker-handoff.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/51-worker-handoff.py"

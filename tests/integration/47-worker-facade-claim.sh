#!/usr/bin/env bash
# Worker: a facade request's question is stored by the worker with the claim of its answer, in one unordered insert; a stored question or an earlier claim is handled as a redelivery (see 47-worker-facade-claim.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/47-worker-facade-claim.py"

#!/usr/bin/env bash
# Worker: provider chain through Kafka against the scripted mock LLM (see 45-provider-chain.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/45-provider-chain.py"

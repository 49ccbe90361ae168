#!/usr/bin/env bash
# The worker answers a request: start/token/final chunks on the reply partition with the
# SPEC §6 headers and key, every chunk valid against proto/chat.chunk.schema.json, the
# assembled text equal to the stored MongoDB message, the offset committed (a restarted
# worker does not answer again), and a clean SIGTERM drain (see 40-worker-stream.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/40-worker-stream.py"

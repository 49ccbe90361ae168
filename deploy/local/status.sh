#!/usr/bin/env bash
# deploy/local/status.sh -- one line per local process: address, pid, ready or not.
set -euo pipefail
here="$(dirname "$0")"
"$here/stack.sh" status
"$here/services.sh" status
if [ -x "$here/llm-local.sh" ]; then "$here/llm-local.sh" status || true; fi

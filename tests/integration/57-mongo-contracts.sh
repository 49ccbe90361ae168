#!/usr/bin/env bash
# The contexts, messages and histories documents the running services write validate
# against proto/mongo.*.schema.json (see 57-mongo-contracts.py, proto/MONGO.md).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
exec "$PY" "$(dirname "$0")/57-mongo-contracts.py"

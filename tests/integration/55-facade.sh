#!/usr/bin/env bash
# tests/integration/55-facade.sh -- the OpenAI-compatible facade (SPEC §4,
# POST /v1/chat/completions) with the official `openai` npm package: installs
# tests/facade's locked dependencies when they are missing (npm ci), then runs
# tests/facade/test.mjs with node's test runner (TAP: `ok N - ...` / `not ok N - ...`).
#
# Environment: FINCHAT_URL (http://127.0.0.1:8080). Needs node >= 20 and npm.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../facade" && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "not ok - node and npm are needed for the facade test"
  exit 1
fi
if [ ! -d "$dir/node_modules/openai" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || {
    echo "not ok - npm ci in tests/facade"
    exit 1
  }
fi
cd "$dir"
export FINCHAT_URL="${FINCHAT_URL:-http://127.0.0.1:8080}"
exec node --test --test-reporter=tap test.mjs

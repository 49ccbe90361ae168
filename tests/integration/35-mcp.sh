#!/usr/bin/env bash
# The MCP server (POST /mcp) against the running stack with the official SDK's client
# (tests/mcp/mcp.mjs): initialize, tools/list, every tool's figures equal to the REST API's,
# errors, and another user's key. Installs the pinned SDK with npm ci when missing.
set -uo pipefail
cd "$(dirname "$0")/../mcp"
export FINCHAT_URL="${FINCHAT_URL:-http://${FINCHAT_HTTP_ADDR:-127.0.0.1:8080}}"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/@modelcontextprotocol/sdk/package.json ||
      "$(cat node_modules/.finchat-lock.sha256 2>/dev/null)" != "$lock_hash" ]]; then
    echo "# mcp: installing @modelcontextprotocol/sdk (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null ||
        { echo "not ok - install the MCP SDK (npm ci in tests/mcp)"; exit 1; }
    echo "$lock_hash" > node_modules/.finchat-lock.sha256
fi
if ! curl -fsS -o /dev/null --max-time 5 "$FINCHAT_URL/healthz"; then
    echo "not ok - finchat stack reachable at $FINCHAT_URL (start it with make up)"
    exit 1
fi
exec node mcp.mjs

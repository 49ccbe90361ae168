#!/usr/bin/env bash
# Unit tests of the web client (Vitest: the stream client, the SSE parser, the markdown
# renderer, the simulator's projection). Needs no running stack. Installs web/node_modules
# when missing (through deploy/local/build-web.sh's rule: npm ci when the lockfile changed).
# Prints TAP-style `ok - ` / `not ok - ` lines and a closing "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/../../web"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || "$(cat node_modules/.finchat-lock.sha256 2>/dev/null)" != "$lock_hash" ]]; then
  npm ci --no-audit --no-fund --loglevel=error || { echo "not ok - install web dependencies"; echo "web-unit: 0 passed, 1 failed"; exit 1; }
  echo "$lock_hash" > node_modules/.finchat-lock.sha256
fi
out=$(npx --no-install vitest run --reporter=tap-flat 2>&1)
rc=$?
printf '%s\n' "$out" | sed -nE 's/^(not ok|ok) [0-9]+ - /\1 - web: /p'
pass=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+ ')
fail=$(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+ ')
if [[ $rc -ne 0 && $fail -eq 0 ]]; then
  printf '%s\n' "$out" | tail -20
  fail=1
fi
echo "web-unit: $pass passed, $fail failed"
exit $(( rc != 0 || fail != 0 ))

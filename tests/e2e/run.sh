#!/usr/bin/env bash
# Browser end-to-end tests of the web client against a running finchat stack.
#   FINCHAT_URL   the stack (default http://127.0.0.1:8080), started by `make up`
#   E2E_ONLY      a regex: run only the tests whose name matches
#   E2E_SKIP_UNIT=1  skip the web client's unit tests (unit.sh), which run first otherwise
# Installs its own npm dependency (playwright-core) when missing; uses Debian's
# /usr/bin/chromium (installed with apt-get when missing and running as root), never a
# browser downloaded by a tool. Prints `ok - ` / `not ok - ` lines and a closing
# "N passed, N failed" line; exits non-zero when a test failed or the stack is unreachable.
# Screenshots: build/screenshots/.
set -uo pipefail
cd "$(dirname "$0")"
export FINCHAT_URL="${FINCHAT_URL:-http://127.0.0.1:8080}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/playwright-core/package.json || "$(cat node_modules/.finchat-lock.sha256 2>/dev/null)" != "$lock_hash" ]]; then
  echo "# e2e: installing playwright-core (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error || { echo "not ok - install e2e dependencies"; echo "e2e: 0 passed, 1 failed"; exit 1; }
  echo "$lock_hash" > node_modules/.finchat-lock.sha256
fi

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM_PATH" && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  echo "# e2e: installing Debian's chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1
fi
if [[ ! -x "$CHROMIUM_PATH" ]]; then
  echo "not ok - chromium available at $CHROMIUM_PATH (apt-get install chromium)"
  echo "e2e: 0 passed, 1 failed"
  exit 1
fi
export CHROMIUM_PATH

if ! curl -fsS -o /dev/null --max-time 5 "$FINCHAT_URL/healthz"; then
  echo "not ok - finchat stack reachable at $FINCHAT_URL (start it with make up)"
  echo "e2e: 0 passed, 1 failed"
  exit 1
fi
if ! curl -fsS -o /dev/null --max-time 5 "$FINCHAT_URL/login/"; then
  echo "not ok - web client served at $FINCHAT_URL/login/ (build it with make web)"
  echo "e2e: 0 passed, 1 failed"
  exit 1
fi

upass=0 ufail=0
if [[ "${E2E_SKIP_UNIT:-0}" != 1 ]]; then
  unit_out=$(./unit.sh 2>&1)
  printf '%s\n' "$unit_out" | grep -v '^web-unit: '
  read -r upass ufail < <(printf '%s\n' "$unit_out" | sed -nE 's/^web-unit: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' | tail -1)
  upass=${upass:-0} ufail=${ufail:-1}
fi
e2e_out=$(mktemp)
node e2e.mjs | tee "$e2e_out"
rc=${PIPESTATUS[0]}
read -r epass efail < <(sed -nE 's/^e2e: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$e2e_out" | tail -1)
rm -f "$e2e_out"
epass=${epass:-0} efail=${efail:-0}
[[ $rc -ne 0 && $efail -eq 0 ]] && efail=1
echo "web: $((upass + epass)) passed, $((ufail + efail)) failed"
[[ $ufail -eq 0 && $efail -eq 0 ]]

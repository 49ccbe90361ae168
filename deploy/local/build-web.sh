#!/usr/bin/env bash
# Builds the web client (web/) into the static export web/out that finchat-gateway serves at /.
#  - `npm ci` only when web/node_modules is missing or package-lock.json changed since the
#    last install (its hash is kept in node_modules/.finchat-lock.sha256);
#  - `next build` (+ the inline-script externalisation step, see web/scripts/) only when an
#    input changed: the hash of every source file, the lockfile and the configs is kept in
#    web/out/.finchat-build.sha256 and compared first.
# FINCHAT_WEB_FORCE=1 rebuilds regardless.
set -euo pipefail
cd "$(dirname "$0")/../../web"

export NEXT_TELEMETRY_DISABLED=1
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

command -v node >/dev/null || { echo "build-web: node is required (Node.js >= 20.9)" >&2; exit 1; }
command -v npm >/dev/null || { echo "build-web: npm is required" >&2; exit 1; }

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || ! -f node_modules/.finchat-lock.sha256 || "$(cat node_modules/.finchat-lock.sha256)" != "$lock_hash" ]]; then
  echo "build-web: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.finchat-lock.sha256
fi

# Inputs of the build, in a stable order: sources, public assets, configs, lockfile, the
# currency table shared with the C services (proto/currencies.json), and the toolchain version
# (a different Node may produce different output).
input_hash=$(
  {
    find app components lib public scripts -type f ! -name '*.test.ts' ! -name '*.test.tsx' -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum package.json package-lock.json next.config.ts tsconfig.json ../proto/currencies.json
    node --version
  } | sha256sum | cut -d' ' -f1
)
stamp=out/.finchat-build.sha256
if [[ "${FINCHAT_WEB_FORCE:-0}" != 1 && -f "$stamp" && -f out/index.html && "$(cat "$stamp")" == "$input_hash" ]]; then
  echo "build-web: web/out is up to date"
  exit 0
fi

echo "build-web: building web/out (next build)"
rm -rf out
npx --no-install next build
node scripts/externalize-inline-scripts.mjs out
echo "$input_hash" > "$stamp"
echo "build-web: done ($(find out -type f | wc -l) files; CSP script hashes needed: $(grep -c . out/csp-hashes.txt || true))"

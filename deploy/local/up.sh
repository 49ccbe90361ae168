#!/usr/bin/env bash
# deploy/local/up.sh -- `make up`: everything needed for a running finchat, idempotently.
#
#   1. install-deps.sh             Debian packages, Kafka jars, FerretDB (fast when present)
#   2. make bins (+ make web)      the C binaries, and the web client when web/ has one
#   3. stack.sh up                 PostgreSQL, Kafka (+ topics), FerretDB on loopback
#   4. finchatctl migrate          schema migrations
#   5. finchatctl seed-demo        the demo user and data (no-op when already seeded)
#   6. services.sh up              gateway + 2 workers, returns once /readyz is 200
# then prints the URL and the demo login. Environment: everything lib.sh reads
# (ports, FINCHAT_STATE_DIR, ...), FINCHAT_SKIP_DEPS=1 / FINCHAT_SKIP_BUILD=1 to skip
# steps 1 / 2, LLM=local for the optional local LLM server (SPEC §3).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "$0")/lib.sh"

t0="$(now_s)"
cd "$FINCHAT_ROOT"

if [ "${FINCHAT_SKIP_DEPS:-0}" != 1 ]; then
  "$FINCHAT_LOCAL_DIR/install-deps.sh"
fi

if [ "${FINCHAT_SKIP_BUILD:-0}" != 1 ]; then
  log "building the binaries (make bins)"
  make -s -C "$FINCHAT_ROOT" -j"$(nproc)" bins
  if [ -f "$FINCHAT_ROOT/web/package.json" ]; then
    make -s -C "$FINCHAT_ROOT" web
  fi
fi

"$FINCHAT_LOCAL_DIR/stack.sh" up

# ---- LLM=local hook ----------------------------------------------------------
# SPEC §3: `make up LLM=local` also runs llama-cpp-python's OpenAI-compatible server
# with SmolLM2-135M-Instruct on 127.0.0.1:18081 and points the `local` provider at it.
# deploy/local/llm-local.sh (up|down) is to provide that server; until it exists,
# LLM=local stops here with a clear message rather than starting without it.
if [ "${LLM:-}" = local ]; then
  [ -x "$FINCHAT_LOCAL_DIR/llm-local.sh" ] ||
    die "LLM=local: deploy/local/llm-local.sh is not there yet; run 'make up' without LLM=local"
  "$FINCHAT_LOCAL_DIR/llm-local.sh" up
  export FINCHAT_LOCAL_URL="${FINCHAT_LOCAL_URL:-http://127.0.0.1:${FINCHAT_LLM_PORT:-18081}/v1}"
  # The worker fits each prompt to the context the server was started with.
  export FINCHAT_LOCAL_CONTEXT_TOKENS="${FINCHAT_LOCAL_CONTEXT_TOKENS:-${FINCHAT_LLM_CTX:-8192}}"
fi
# ---- end of LLM=local hook ---------------------------------------------------

CTL="${FINCHAT_BIN_DIR:-$FINCHAT_ROOT/build/bin}/finchatctl"
[ -x "$CTL" ] || die "$CTL missing: run 'make bins'"
log "migrating the database"
"$CTL" migrate
log "seeding the demo user"
"$CTL" seed-demo

"$FINCHAT_LOCAL_DIR/services.sh" up

cat <<EOF

  finchat is up (in $(elapsed "$t0")):  http://$FINCHAT_HTTP_ADDR/
  demo login:  demo@finchat.dev / DemoPass2026!
  logs:        ${FINCHAT_LOG_DIR#"$FINCHAT_ROOT"/}/   status: deploy/local/status.sh   stop: make down

EOF

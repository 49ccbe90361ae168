#!/usr/bin/env bash
# tests/bench/run.sh -- `make bench`: the benchmarks of SPEC §13, side by side in one run.
#
# Runs against a private finchat: its own stack (PostgreSQL, Kafka, FerretDB on their own
# ports, state in build/bench/stack), brought up with deploy/local/up.sh, and its own
# gateway + 2 workers built into build/bench/build. So a bench neither disturbs a running
# `make up` / `make test` nor gets disturbed by one, and it can raise the limits it needs:
# the gateway runs with the per-IP, auth and chat rate limits and the daily token budget
# raised; the workers run with FINCHAT_LLM_CHAIN=openai,analyst against the scripted mock
# provider (tests/mockllm/server.py), whose pace is known.
#
# Measures (each phase can be chosen with FINCHAT_BENCH_ONLY="http chat facade tps tools idle"):
#   http  p50/p99 of GET /api/v1/dashboard and /api/v1/transactions?limit=50 (demo user)
#         at a fixed 200 req/s, open loop, after a warm-up; /healthz req/s beside a private
#         nginx (worker_processes 2) serving a static file, with wrk
#   chat  time-to-first-token overhead at 1, 100, 500 concurrent chats: client TTFT minus
#         the mock's own TTFT; the mock is also measured directly at the same concurrency
#   tps   tokens/s of one long answer through the pipeline vs read from the mock directly
#   tools the extra time to first token of one tool round (the mock scripted to call
#         spending_by_category, then answer) against the same question answered directly,
#         at 1 and 100 concurrent chats; then the workers restarted with
#         FINCHAT_LLM_CHAIN=analyst: the offline analyst's time to first token, its tool
#         calls included, from the POST and from the worker's `request received`
#   idle  gateway RSS growth per idle SSE connection, 10,000 connections to a stream whose
#         provider stalls before its first token
# Prints a table and writes build/bench/report.json (raw samples in build/bench/raw/).
# `tests/bench/run.sh down` stops a bench stack kept with FINCHAT_BENCH_KEEP=1.
#
# Environment (defaults; tests/bench/README.md says more):
#   FINCHAT_BENCH_ONLY ("http chat facade tps tools idle") phases to run
#   FINCHAT_BENCH_RUNS (3)                      repetitions of the HTTP and tokens/s runs
#   FINCHAT_BENCH_RATE (200), FINCHAT_BENCH_HTTP_SECONDS (10), FINCHAT_BENCH_WARMUP (5)
#   FINCHAT_BENCH_CHAT_WARMUP (4 chats x 50 clients before the levels, not measured),
#   FINCHAT_BENCH_SHORT_TOKENS (20; 0 = skip the short-answer run at 100 concurrent chats),
#   FINCHAT_BENCH_CHAT_LEVELS ("1 100 500"), FINCHAT_BENCH_CHATS ("1:1:20 100:1:2 500:0:1",
#     level:warm-up:measured chats per client), FINCHAT_BENCH_USERS (100),
#     FINCHAT_BENCH_CHAT_TIMEOUT (180 s), FINCHAT_BENCH_MOCK_TPS (40), FINCHAT_BENCH_MOCK_TOKENS (150)
#   FINCHAT_BENCH_TPS_TOKENS (20000), FINCHAT_BENCH_IDLE_CONNS (10000)
#   FINCHAT_BENCH_WORKER_INFLIGHT (256 per worker)
#   FINCHAT_BENCH_TOOLS_LEVELS ("1 100"), FINCHAT_BENCH_TOOLS_CHATS ("1:2:30 100:1:2"),
#     FINCHAT_BENCH_TOOLS_REPS (3 alternations of without / with the tool round),
#     FINCHAT_BENCH_ANALYST_CHATS ("1:2:30 100:1:3"), FINCHAT_BENCH_ANALYST_PACE_MS (0)
#   FINCHAT_BENCH_SOURCE (unset = working tree) a git revision to bench instead
#   FINCHAT_BENCH_FRESH (1) start from an empty bench stack; 0 reuses the last one
#   FINCHAT_BENCH_KEEP (0) 1 leaves the bench stack running afterwards
#   FINCHAT_BENCH_{PG,KAFKA,KAFKA_CONTROLLER,MONGO,HTTP}_PORT, FINCHAT_BENCH_WORKER_HEALTH_BASE
#     (25632, 19292, 19293, 27218, 18680, 18690) the bench stack's ports, all below
#     the ephemeral range (32768-60999), where a client connection can hold a port
#   FINCHAT_SKIP_DEPS (0) passed to deploy/local/up.sh
set -euo pipefail

BENCH_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_SRC/../.." && pwd)"
OUT="$ROOT/build/bench"
RAW="$OUT/raw"

# ---- the private stack's addresses (lib.sh derives the URLs from them) --------------------
unset FINCHAT_PG_URL FINCHAT_KAFKA_BROKERS FINCHAT_MONGO_URL FINCHAT_REPLY_PARTITIONS
export FINCHAT_STATE_DIR="$OUT/stack"
export FINCHAT_PG_PORT="${FINCHAT_BENCH_PG_PORT:-25632}"
export FINCHAT_KAFKA_PORT="${FINCHAT_BENCH_KAFKA_PORT:-19292}"
export FINCHAT_KAFKA_CONTROLLER_PORT="${FINCHAT_BENCH_KAFKA_CONTROLLER_PORT:-19293}"
export FINCHAT_MONGO_PORT="${FINCHAT_BENCH_MONGO_PORT:-27218}"
GW_PORT="${FINCHAT_BENCH_HTTP_PORT:-18680}"
export FINCHAT_HTTP_ADDR="127.0.0.1:$GW_PORT"
export FINCHAT_BIN_DIR="$OUT/build/bin"
export FINCHAT_WORKERS=2
# Workers serve health/metrics on BASE+N (services.sh); keep clear of the default 18091...
export FINCHAT_WORKER_HEALTH_BASE="${FINCHAT_BENCH_WORKER_HEALTH_BASE:-18690}"
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

RUNS="${FINCHAT_BENCH_RUNS:-3}"
RATE="${FINCHAT_BENCH_RATE:-200}"
HTTP_SECONDS="${FINCHAT_BENCH_HTTP_SECONDS:-10}"
WARMUP="${FINCHAT_BENCH_WARMUP:-5}"
CHAT_LEVELS="${FINCHAT_BENCH_CHAT_LEVELS:-1 100 500}"
CHAT_PLAN="${FINCHAT_BENCH_CHATS:-1:1:20 100:1:2 500:0:1}"
CHAT_WARMUP="${FINCHAT_BENCH_CHAT_WARMUP:-4}"
SHORT_TOKENS="${FINCHAT_BENCH_SHORT_TOKENS:-20}"
CHAT_TIMEOUT="${FINCHAT_BENCH_CHAT_TIMEOUT:-180}"
MOCK_TPS="${FINCHAT_BENCH_MOCK_TPS:-40}"
# An answer of typical length (a hosted model at 40 tokens/s streams it in about 4 s); the
# short-answer run below keeps the 20-token answers of earlier reports as a stress test.
MOCK_TOKENS="${FINCHAT_BENCH_MOCK_TOKENS:-150}"
USERS="${FINCHAT_BENCH_USERS:-100}"
TPS_TOKENS="${FINCHAT_BENCH_TPS_TOKENS:-20000}"
IDLE_CONNS="${FINCHAT_BENCH_IDLE_CONNS:-10000}"
INFLIGHT="${FINCHAT_BENCH_WORKER_INFLIGHT:-256}"
TOOLS_LEVELS="${FINCHAT_BENCH_TOOLS_LEVELS:-1 100}"
TOOLS_PLAN="${FINCHAT_BENCH_TOOLS_CHATS:-1:2:30 100:1:2}"
TOOLS_REPS="${FINCHAT_BENCH_TOOLS_REPS:-3}"
ANALYST_PLAN="${FINCHAT_BENCH_ANALYST_CHATS:-1:2:30 100:1:3}"
ANALYST_PACE_MS="${FINCHAT_BENCH_ANALYST_PACE_MS:-0}"
ONLY="${FINCHAT_BENCH_ONLY:-http chat facade tps tools idle}"
PY="$FINCHAT_PYTHON"
# The mock's first token comes one token period after the request (tests/mockllm/server.py).
MOCK_TTFT_MS="$(awk -v t="$MOCK_TPS" 'BEGIN { print (t > 0 ? 1000 / t : 0) }')"
URL="http://$FINCHAT_HTTP_ADDR"
FCBENCH="$OUT/fcbench"
NOTES=()

want() { [[ " $ONLY " == *" $1 "* ]]; }
note() {
  NOTES+=("$*")
  warn "$*"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
gw_pid() { pid_of gateway; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# A free TCP port on loopback (the kernel's choice).
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Stops every process of the bench's pid files that runs a binary from build/bench (those of
# an earlier run may come from another FINCHAT_BENCH_SOURCE, which services.sh would not
# recognise as its own).
stop_bench_services() {
  local f pid pids=() t0=$SECONDS
  for f in "$FINCHAT_RUN_DIR"/gateway.pid "$FINCHAT_RUN_DIR"/worker-*.pid; do
    [ -e "$f" ] || continue
    pid="$(tr -dc '0-9' <"$f")"
    if proc_matches "$pid" "$OUT/" && proc_matches "$pid" /bin/finchat-; then
      kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
    fi
    rm -f "$f"
  done
  for pid in "${pids[@]+"${pids[@]}"}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ $((SECONDS - t0)) -ge "$FINCHAT_STOP_TIMEOUT" ]; then
        kill -KILL "$pid" 2>/dev/null
        break
      fi
      sleep 0.2
    done
  done
}

# `run.sh down`: stop a bench stack left running with FINCHAT_BENCH_KEEP=1.
if [ "${1:-}" = down ]; then
  stop_bench_services
  "$ROOT/deploy/local/stack.sh" down
  exit 0
fi

# ---- processes this script starts, stopped on exit ---------------------------------------
MOCK_PID="" NGINX_PID="" IDLE_PID=""
# shellcheck source=tests/bench/facade.sh
. "$BENCH_SRC/facade.sh" # the facade phase (and litellm_stop, used by cleanup)
cleanup() {
  local rc=$?
  set +e
  litellm_stop
  for p in "$IDLE_PID" "$NGINX_PID" "$MOCK_PID"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  if [ "${FINCHAT_BENCH_KEEP:-0}" = 1 ]; then
    log "leaving the bench stack running (FINCHAT_BENCH_KEEP=1): 'tests/bench/run.sh down' stops it"
  else
    log "stopping the bench services and stack"
    stop_bench_services
    "$ROOT/deploy/local/stack.sh" down >/dev/null 2>&1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT" "$RAW"
rm -f "$RAW"/*
LOAD_START="$(loadavg)"
STARTED_AT="$(date -u +%FT%TZ)"
log "finchat bench: load average at start $LOAD_START ($(nproc) CPUs)"

# 10,000 SSE connections: the gateway (started below, inheriting this limit) and fcbench
# each need that many descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_CONNS + 512)) ]; then
  note "ulimit -n is $(ulimit -n): idle SSE connections reduced from $IDLE_CONNS"
  IDLE_CONNS=$(($(ulimit -n) - 512))
fi

# ---- build: the services (into build/bench/build, so a concurrent `make clean` or
# half-finished build elsewhere cannot pull binaries from under a running bench) and fcbench
# FINCHAT_BENCH_SOURCE=<git revision> benches a committed snapshot instead of the working
# tree (exported with git archive into build/bench/src).
SRC="$ROOT"
if [ -n "${FINCHAT_BENCH_SOURCE:-}" ]; then
  SRC="$OUT/src"
  rm -rf "$SRC"
  mkdir -p "$SRC"
  git -C "$ROOT" archive "$FINCHAT_BENCH_SOURCE" | tar -x -C "$SRC" ||
    die "git archive $FINCHAT_BENCH_SOURCE failed"
  export FINCHAT_BIN_DIR="$SRC/build/bin"
  BUILD_DIR="$SRC/build"
  log "building $FINCHAT_BENCH_SOURCE ($(git -C "$ROOT" rev-parse --short "$FINCHAT_BENCH_SOURCE")) into ${SRC#"$ROOT"/}"
else
  BUILD_DIR="$OUT/build"
  log "building the working tree's services into ${BUILD_DIR#"$ROOT"/}"
fi
if ! make -s -C "$SRC" -j"$(nproc)" BUILD="$BUILD_DIR" bins >"$OUT/build.log" 2>&1; then
  tail -n 30 "$OUT/build.log" >&2
  die "make bins failed (log: $OUT/build.log)"
fi
cc -std=c11 -O2 -Wall -Wextra -o "$FCBENCH" "$BENCH_SRC/fcbench.c" || die "building fcbench failed"

# ---- the mock provider --------------------------------------------------------------------
MOCK_PORT="$(free_port)"
MOCK_URL="http://127.0.0.1:$MOCK_PORT"
"$PY" "$SRC/tests/mockllm/server.py" --port "$MOCK_PORT" --tps "$MOCK_TPS" --tokens "$MOCK_TOKENS" \
  >"$OUT/mockllm.log" 2>&1 &
MOCK_PID=$!
wait_until "mock provider" 20 "$OUT/mockllm.log" "" curl -fsS -o /dev/null "$MOCK_URL/__health"

# ---- the private stack and services -------------------------------------------------------
# An earlier bench's services keep their old environment: stop them.
stop_bench_services
# Every run starts from the same state (FINCHAT_BENCH_FRESH=0 reuses the last one): the
# chat phases add thousands of messages, and what the worker reads gets slower with them.
if [ "${FINCHAT_BENCH_FRESH:-1}" != 0 ] && [ -d "$FINCHAT_STATE_DIR" ]; then
  "$ROOT/deploy/local/stack.sh" down >/dev/null 2>&1 || true
  PG_LINK="$FINCHAT_STATE_DIR/pg"
  if [ -L "$PG_LINK" ]; then rm -rf "$(readlink -f "$PG_LINK")"; fi
  rm -rf "$FINCHAT_STATE_DIR"
fi
export FINCHAT_RATE_LIMIT=1000000 FINCHAT_AUTH_RATE_LIMIT=1000000
export FINCHAT_CHAT_RATE_LIMIT=1000000 FINCHAT_DAILY_TOKEN_BUDGET=2000000000
export FINCHAT_ACCESS_TTL_S=86400
export FINCHAT_LLM_CHAIN=openai,analyst OPENAI_API_KEY=x OPENAI_BASE_URL="$MOCK_URL/v1"
export OPENAI_MODEL=mock FINCHAT_WORKER_MAX_INFLIGHT="$INFLIGHT"
# The idle-SSE phase holds one answer whose provider stalls for minutes (up to the 10-minute maximum).
export FINCHAT_FIRST_TOKEN_TIMEOUT_MS=600000 FINCHAT_DEADLINE_MS=1200000
unset GROQ_API_KEY ANTHROPIC_API_KEY OLLAMA_URL FINCHAT_LOCAL_URL
log "starting the bench stack (state in ${FINCHAT_STATE_DIR#"$ROOT"/}, gateway on $FINCHAT_HTTP_ADDR)"
FINCHAT_SKIP_BUILD=1 FINCHAT_SKIP_DEPS="${FINCHAT_SKIP_DEPS:-0}" "$ROOT/deploy/local/up.sh" \
  >"$OUT/up.log" 2>&1 || {
  tail -n 40 "$OUT/up.log" >&2
  die "deploy/local/up.sh failed for the bench stack (log: $OUT/up.log)"
}
GW_PID="$(gw_pid)"
[ -n "$GW_PID" ] || die "no gateway pid in $FINCHAT_RUN_DIR"
sleep 2
for w in worker-1 worker-2; do
  running "$w" "$FINCHAT_BIN_DIR/finchat-worker" || {
    log_tail "$FINCHAT_LOG_DIR/$w.log" 10
    die "$w exited after start (log: $FINCHAT_LOG_DIR/$w.log)"
  }
done
log "gateway pid $GW_PID, limit $(awk '/Max open files/ { print $4 }' "/proc/$GW_PID/limits") open files"

# Planner statistics for the freshly seeded tables (autovacuum would get there within a
# minute or two, in the middle of the HTTP measurements).
psql -X -q -h "$FINCHAT_LOCAL_HOST" -p "$FINCHAT_PG_PORT" -U finchat -d finchat -c ANALYZE ||
  note "ANALYZE of the bench database failed"
DEMO_TOKEN="$("$PY" "$BENCH_SRC/bench.py" login "$URL" demo@finchat.dev 'DemoPass2026!')"
AUTH="Authorization: Bearer $DEMO_TOKEN"

LOAD_SAMPLES=()
# Load average, and the CPU seconds each process of the bench has used so far
# (details.cpu_by_phase in the report: which process a phase kept busy).
sample_load() {
  LOAD_SAMPLES+=("$(date -u +%T) $(loadavg) $1")
  "$PY" "$BENCH_SRC/bench.py" cpu-sample "$FINCHAT_RUN_DIR" "$RAW/cpu.jsonl" "$1" \
    "mock=$MOCK_PID" || true
}
sample_load start

# =============================== 1. HTTP ===================================================
# After an overloaded run the gateway still works through what the client gave up on: wait
# until a small authenticated query is quick again (up to 60 s), so runs do not overlap.
wait_drained() {
  local t0=$SECONDS ok=0 t
  while [ $((SECONDS - t0)) -lt 60 ]; do
    t="$(curl -s -o /dev/null -w '%{time_total}' -H "$AUTH" "$URL/api/v1/accounts" || echo 9)"
    if awk -v t="$t" 'BEGIN { exit !(t < 0.2) }'; then
      ok=$((ok + 1))
      [ "$ok" -ge 3 ] && return 0
    else
      ok=0
    fi
    sleep 0.5
  done
}

phase_http() {
  local i name path nginx_port ndir hz=() ng=() r
  log "HTTP: dashboard and transactions at $RATE req/s (${WARMUP}s warm-up + ${HTTP_SECONDS}s) x $RUNS"
  for ((i = 1; i <= RUNS; i++)); do
    for name in dashboard transactions; do
      case "$name" in
        dashboard) path=/api/v1/dashboard ;;
        transactions) path='/api/v1/transactions?limit=50' ;;
      esac
      "$FCBENCH" rate --port "$GW_PORT" --path "$path" -H "$AUTH" --rate "$RATE" \
        --duration "$HTTP_SECONDS" --warmup "$WARMUP" --conns 8 --max-conns 256 \
        >"$RAW/http-$name-$i.json"
      wait_drained
      printf '    %-13s run %d: %s\n' "$name" "$i" "$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print("p50 %.2f ms  p99 %.2f ms  max %.2f ms  served %.0f req/s  (%d requests, %d errors, %d non-2xx%s)" % (r["p50_ms"], r["p99_ms"], r["max_ms"], r["achieved_rps"], r["count"], r["errors"], r["non2xx"], ", %d unanswered 10 s after the end: lower bounds" % r["incomplete"] if r["incomplete"] else ""))' "$RAW/http-$name-$i.json")"
    done
  done
  sample_load "after http latency"
  # Context for the fixed-rate figures: the most each route serves, closed loop (wrk, 8
  # connections), so a p99 far above the target can be told apart from overload.
  log "HTTP: capacity of the two routes, closed loop (wrk -t1 -c8 -d5s)"
  for name in dashboard transactions; do
    case "$name" in
      dashboard) path=/api/v1/dashboard ;;
      transactions) path='/api/v1/transactions?limit=50' ;;
    esac
    r="$(FINCHAT_BENCH_TOKEN="$DEMO_TOKEN" wrk -t1 -c8 -d5s -s "$BENCH_SRC/auth.lua" "$URL$path" |
      awk '/^Requests\/sec:/ { print $2 }')"
    printf '    %-13s %s req/s\n' "$name" "${r:-?}"
    printf '{"route":"%s","tool":"wrk -t1 -c8 -d5s","rps":%s}\n' "$name" "${r:-null}" >"$RAW/capacity-$name.json"
  done

  # nginx: a private instance, 2 workers, serving the same bytes as /healthz.
  nginx_port="$(free_port)"
  ndir="$OUT/nginx"
  mkdir -p "$ndir/html" "$ndir/tmp"
  curl -fsS "$URL/healthz" >"$ndir/html/healthz.json"
  cat >"$ndir/nginx.conf" <<EOF
# Written by tests/bench/run.sh: the static-file baseline of the /healthz comparison.
worker_processes 2;
daemon off;
user root root;
pid $ndir/nginx.pid;
error_log $ndir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $ndir/tmp/body;
  proxy_temp_path $ndir/tmp/proxy;
  fastcgi_temp_path $ndir/tmp/fastcgi;
  uwsgi_temp_path $ndir/tmp/uwsgi;
  scgi_temp_path $ndir/tmp/scgi;
  default_type application/json;
  server {
    listen 127.0.0.1:$nginx_port;
    root $ndir/html;
  }
}
EOF
  nginx -p "$ndir" -c "$ndir/nginx.conf" 2>>"$ndir/error.log" &
  NGINX_PID=$!
  wait_until nginx 10 "$ndir/error.log" "" curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/healthz.json"
  log "HTTP: /healthz vs nginx static file, wrk -t2 -c64 -d5s, alternating x $RUNS"
  for ((i = 1; i <= RUNS; i++)); do
    r="$(wrk -t2 -c64 -d5s "$URL/healthz" | awk '/^Requests\/sec:/ { print $2 }')"
    hz+=("${r:-0}")
    r="$(wrk -t2 -c64 -d5s "http://127.0.0.1:$nginx_port/healthz.json" | awk '/^Requests\/sec:/ { print $2 }')"
    ng+=("${r:-0}")
    printf '    run %d: /healthz %s req/s, nginx %s req/s\n' "$i" "${hz[-1]}" "${ng[-1]}"
  done
  kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  NGINX_PID=""
  "$PY" -c 'import json,sys; n=int(sys.argv[2]); a=[float(x) for x in sys.argv[3:]]; json.dump({"healthz":a[:n],"nginx":a[n:],"tool":"wrk -t2 -c64 -d5s"}, open(sys.argv[1],"w"))' \
    "$RAW/rps.json" "${#hz[@]}" "${hz[@]}" "${ng[@]}"
  sample_load "after http rps"
}

mock() { "$PY" "$BENCH_SRC/bench.py" mock "$MOCK_URL" "$@"; }

# Checks once that a chat is answered through the mock; explains what is missing if not.
pipeline_check() {
  local rid
  rid="$("$PY" "$BENCH_SRC/bench.py" post "$URL" "$DEMO_TOKEN" "How much did I spend this month?")" ||
    return 1
  if ! "$PY" "$BENCH_SRC/bench.py" first-token "$URL" "$DEMO_TOKEN" "$rid" 60; then
    note "the pipeline did not stream a token for request $rid within 60 s (gateway log: $FINCHAT_LOG_DIR/gateway.log, workers: $FINCHAT_LOG_DIR/worker-*.log)"
    return 1
  fi
}

# One line about a chat run: how many answered, client TTFT p50/p99.
summarize_chat() {
  "$PY" -c '
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
rows = [r for r in rows if not r["warmup"]]
ok = sorted(r["ttft_ms"] for r in rows if r["outcome"] == "ok" and r["ttft_ms"] >= 0)
bad = {}
for r in rows:
    if not (r["outcome"] == "ok" and r["ttft_ms"] >= 0):
        bad[r["outcome"]] = bad.get(r["outcome"], 0) + 1
q = lambda p: ok[max(0, min(len(ok) - 1, int(math.ceil(len(ok) * p)) - 1))] if ok else float("nan")
print("    %d chats answered, client TTFT p50 %.1f ms p99 %.1f ms%s" % (len(ok), q(.5), q(.99),
      ("; failed: %s" % bad) if bad else ""))' "$1"
}

# =============================== 2. chat TTFT ==============================================
phase_chat() {
  local c chats warm spec stagger jobs
  mock /__config "{\"tps\": $MOCK_TPS, \"tokens\": $MOCK_TOKENS, \"text\": null}"
  pipeline_check || return 0
  jobs="$OUT/jobs.txt"
  log "chat: $USERS users (registered once, logged in)"
  "$PY" "$BENCH_SRC/bench.py" users "$URL" "$USERS" bench "$jobs.users"
  # Warm-up, not measured: a freshly started stack spends its first minute compiling
  # (Kafka's JIT takes a core) and filling caches; the levels measure it warmed up.
  if [ "$CHAT_WARMUP" -gt 0 ]; then
    log "chat: warm-up, 50 concurrent clients x $CHAT_WARMUP chats (not measured)"
    "$PY" "$BENCH_SRC/bench.py" spread "$URL" "$jobs.users" 50 "$jobs"
    sample_load "before chat warm-up"
    "$FCBENCH" chat --port "$GW_PORT" --jobs "$jobs" --clients 50 --chats "$CHAT_WARMUP" \
      --warm-chats 0 --stagger 2 --timeout "$CHAT_TIMEOUT" \
      --run-id "$(printf 'e%03x%04x' "$((RANDOM % 4096))" 50)" >"$RAW/chat-warmup.jsonl"
    sample_load "after chat warm-up"
  fi
  for c in $CHAT_LEVELS; do
    # Each concurrent client runs its chats back to back on its own conversation; the
    # conversations are spread round-robin over the users.
    "$PY" "$BENCH_SRC/bench.py" spread "$URL" "$jobs.users" "$c" "$jobs"
    # chats per client: WARM (not counted) + MEASURED; FINCHAT_BENCH_CHATS overrides
    # per level as "LEVEL:WARM:MEASURED ...".
    # shellcheck disable=SC2086 # the plan is a list of words
    spec="$(printf '%s\n' $CHAT_PLAN | awk -F: -v c="$c" '$1 == c { print $2, $3 }')"
    if [ -z "$spec" ]; then spec="1 $((c == 1 ? 30 : 1))"; fi
    read -r warm chats <<<"$spec"
    stagger="$(awk -v c="$c" 'BEGIN { print (c == 1 ? 0 : (c < 200 ? 2 : 5)) }')"
    log "chat: $c concurrent chats, $warm warm-up + $chats measured each, started over ${stagger}s; mock TTFT $MOCK_TTFT_MS ms, $MOCK_TOKENS tokens at $MOCK_TPS tokens/s"
    mock /__reset '{}'
    sample_load "before chat c$c"
    "$FCBENCH" chat --port "$GW_PORT" --jobs "$jobs" --clients "$c" --chats "$chats" \
      --warm-chats "$warm" --stagger "$stagger" --timeout "$CHAT_TIMEOUT" \
      --run-id "$(printf '%04x%04x' "$RANDOM" "$c")" >"$RAW/chat-c$c.jsonl"
    sample_load "after chat c$c"
    curl -fsS "$MOCK_URL/__requests" >"$RAW/mock-requests-c$c.json" || true
    summarize_chat "$RAW/chat-c$c.jsonl"
    log "chat: the mock read directly at $c concurrent streams"
    "$FCBENCH" direct --port "$MOCK_PORT" --model mock --clients "$c" --chats "$chats" \
      --warm-chats "$warm" --stagger "$stagger" --timeout "$CHAT_TIMEOUT" \
      --run-id "$(printf 'd%03x%04x' "$((RANDOM % 4096))" "$c")" >"$RAW/direct-c$c.jsonl"
    summarize_chat "$RAW/direct-c$c.jsonl"
  done
  # Short answers: the same 100 concurrent clients with 20-token answers (0.5 s each) start
  # chats about ten times as often, which measures how many new chats per second the stack
  # takes rather than the pipeline's own delay.
  if [ "$SHORT_TOKENS" -gt 0 ]; then
    mock /__config "{\"tps\": $MOCK_TPS, \"tokens\": $SHORT_TOKENS, \"text\": null}"
    "$PY" "$BENCH_SRC/bench.py" spread "$URL" "$jobs.users" 100 "$jobs"
    log "chat: 100 concurrent chats with $SHORT_TOKENS-token answers, 1 warm-up + 2 measured each"
    mock /__reset '{}'
    sample_load "before chat short c100"
    "$FCBENCH" chat --port "$GW_PORT" --jobs "$jobs" --clients 100 --chats 2 --warm-chats 1 \
      --stagger 2 --timeout "$CHAT_TIMEOUT" \
      --run-id "$(printf 'f%03x%04x' "$((RANDOM % 4096))" 100)" >"$RAW/chat-short-c100.jsonl"
    sample_load "after chat short c100"
    curl -fsS "$MOCK_URL/__requests" >"$RAW/mock-requests-short-c100.json" || true
    summarize_chat "$RAW/chat-short-c100.jsonl"
    mock /__config "{\"tps\": $MOCK_TPS, \"tokens\": $MOCK_TOKENS, \"text\": null}"
  fi
}

# =============================== 3. tokens/s ===============================================
phase_tps() {
  local i jobs="$OUT/jobs-tps.txt"
  mock /__config "{\"tps\": 0, \"tokens\": $TPS_TOKENS, \"text\": null}"
  pipeline_check || return 0
  "$PY" "$BENCH_SRC/bench.py" conversations "$URL" "$DEMO_TOKEN" 1 "$jobs"
  log "tokens/s: one answer of $TPS_TOKENS tokens, mock unpaced, pipeline vs direct x $RUNS"
  for ((i = 1; i <= RUNS; i++)); do
    "$FCBENCH" chat --port "$GW_PORT" --jobs "$jobs" --clients 1 --chats 1 --warm-chats 0 \
      --stagger 0 --timeout 300 >>"$RAW/tps-pipeline.jsonl"
    "$FCBENCH" direct --port "$MOCK_PORT" --model mock --clients 1 --chats 1 --warm-chats 0 \
      --stagger 0 --timeout 300 >>"$RAW/tps-direct.jsonl"
  done
  mock /__config "{\"tps\": $MOCK_TPS, \"tokens\": $MOCK_TOKENS}"
  sample_load "after tps"
}

# =============================== 4. tool rounds and the analyst ============================
# "WARM MEASURED" chats per client at level $2 of the plan $1 ("LEVEL:WARM:MEASURED ...").
plan_of() {
  # shellcheck disable=SC2086 # the plan is a list of words
  printf '%s\n' $1 | awk -F: -v c="$2" '$1 == c { print $2, $3; f = 1 } END { if (!f) print 1, 1 }'
}

# The question of the tool-round runs, the mock's script matching it and its answer (no
# figures: the same text whether or not a tool ran).
TOOLS_QUESTION="How much did I spend in each category last month?"
TOOLS_MATCH="each category last month"
TOOLS_ANSWER="Last month most of your spending went to groceries, then dining out and transport; the categories below show each one with its share of the month."
# The analyst's questions, each needing a tool (one a line, asked in turn).
ANALYST_QUESTIONS="What did I spend at Target in October?
How much did I spend on groceries last month?
How much did I spend on dining out this month?
What was my largest expense last month?
What are my subscriptions?
How much did I spend last month?"

# Restarts the gateway and workers with the environment as it is now (services.sh restarts
# them all when their configuration changed), then waits until a chat is answered.
restart_services() {
  stop_bench_services
  "$ROOT/deploy/local/services.sh" up >>"$OUT/up.log" 2>&1 ||
    die "restarting the bench services failed (log: $OUT/up.log)"
  GW_PID="$(gw_pid)"
}

phase_tools() {
  local c warm chats stagger rep kind jobs="$OUT/jobs-tools.txt" plain one
  mock /__config "{\"tps\": $MOCK_TPS, \"tokens\": $MOCK_TOKENS, \"text\": null}"
  pipeline_check || return 0
  plain="{\"scripts\": [{\"match\": \"$TOOLS_MATCH\", \"rounds\": [{\"text\": \"$TOOLS_ANSWER\"}]}]}"
  one="{\"scripts\": [{\"match\": \"$TOOLS_MATCH\", \"rounds\": [{\"tool_calls\": [{\"name\": \"spending_by_category\", \"arguments\": {\"period\": \"last_month\"}}]}, {\"text\": \"$TOOLS_ANSWER\"}]}]}"
  # Warm-up, not measured (as in the chat phase; this phase may run alone on a fresh stack):
  # 50 concurrent chats x 2 with the tool round.
  "$PY" "$BENCH_SRC/bench.py" conversations "$URL" "$DEMO_TOKEN" 50 "$jobs"
  mock /__script "$one"
  log "tools: warm-up, 50 concurrent chats x 2 with one tool round (not measured)"
  "$FCBENCH" chat --port "$GW_PORT" --jobs "$jobs" --clients 50 --chats 2 --warm-chats 0 \
    --stagger 2 --timeout "$CHAT_TIMEOUT" --text "$TOOLS_QUESTION" \
    --run-id "$(printf '7f%02x%04x' "$((RANDOM % 256))" 50)" >"$RAW/tools-warmup.jsonl"
  for c in $TOOLS_LEVELS; do
    "$PY" "$BENCH_SRC/bench.py" conversations "$URL" "$DEMO_TOKEN" "$c" "$jobs"
    read -r warm chats <<<"$(plan_of "$TOOLS_PLAN" "$c")"
    stagger="$(awk -v c="$c" 'BEGIN { print (c == 1 ? 0 : 2) }')"
    log "tools: $c concurrent chats (demo user), without and with one tool round, alternating x $TOOLS_REPS, $warm warm-up + $chats measured each"
    mock /__reset '{}'
    sample_load "before tools c$c"
    for ((rep = 1; rep <= TOOLS_REPS; rep++)); do
      for kind in plain one; do
        if [ "$kind" = plain ]; then mock /__script "$plain"; else mock /__script "$one"; fi
        "$FCBENCH" chat --port "$GW_PORT" --jobs "$jobs" --clients "$c" --chats "$chats" \
          --warm-chats "$warm" --stagger "$stagger" --timeout "$CHAT_TIMEOUT" \
          --text "$TOOLS_QUESTION" \
          --run-id "$(printf '7%x%02x%04x' "$([ "$kind" = plain ] && echo 0 || echo 1)" "$rep" "$c")" \
          >>"$RAW/tools-$kind-c$c.jsonl"
      done
    done
    sample_load "after tools c$c"
    curl -fsS "$MOCK_URL/__requests" >"$RAW/mock-requests-tools-c$c.json" || true
    printf '    without tools\n'
    summarize_chat "$RAW/tools-plain-c$c.jsonl"
    printf '    one tool round\n'
    summarize_chat "$RAW/tools-one-c$c.jsonl"
  done
  mock /__reset '{}'

  # The analyst alone, unpaced: its time to first token is its own work (question reader,
  # planner, tool calls to the gateway), not a pace.
  log "analyst: restarting the workers with FINCHAT_LLM_CHAIN=analyst FINCHAT_ANALYST_PACE_MS=$ANALYST_PACE_MS"
  export FINCHAT_LLM_CHAIN=analyst FINCHAT_ANALYST_PACE_MS="$ANALYST_PACE_MS"
  restart_services
  printf '%s\n' "$ANALYST_QUESTIONS" >"$RAW/analyst-questions.txt"
  if pipeline_check; then
    for c in $TOOLS_LEVELS; do
      "$PY" "$BENCH_SRC/bench.py" conversations "$URL" "$DEMO_TOKEN" "$c" "$jobs"
      read -r warm chats <<<"$(plan_of "$ANALYST_PLAN" "$c")"
      stagger="$(awk -v c="$c" 'BEGIN { print (c == 1 ? 0 : 2) }')"
      log "analyst: $c concurrent chats (demo user, $(wc -l <"$RAW/analyst-questions.txt") questions in turn), $warm warm-up + $chats measured each"
      sample_load "before analyst c$c"
      "$FCBENCH" chat --port "$GW_PORT" --jobs "$jobs" --clients "$c" --chats "$chats" \
        --warm-chats "$warm" --stagger "$stagger" --timeout "$CHAT_TIMEOUT" \
        --texts "$RAW/analyst-questions.txt" \
        --run-id "$(printf 'a%03x%04x' "$((RANDOM % 4096))" "$c")" >"$RAW/analyst-c$c.jsonl"
      sample_load "after analyst c$c"
      summarize_chat "$RAW/analyst-c$c.jsonl"
    done
  fi
  export FINCHAT_LLM_CHAIN=openai,analyst
  unset FINCHAT_ANALYST_PACE_MS
  if want idle; then
    log "analyst: restarting the services with FINCHAT_LLM_CHAIN=$FINCHAT_LLM_CHAIN"
    restart_services
  fi
}

# =============================== 5. idle SSE ===============================================
sse_active() { curl -fsS "$URL/metrics" | awk '/^finchat_sse_active_streams / { print $2 }'; }

phase_idle() {
  local rid round before after closed line fifo out active t0 rounds=()
  # A fresh gateway process, so the growth of its heap is what the connections cost (a
  # gateway that served the other phases has freed memory it would reuse first).
  log "idle SSE: restarting the gateway"
  signal_stop gateway "$FINCHAT_BIN_DIR/finchat-gateway" TERM
  wait_stopped gateway "$FINCHAT_BIN_DIR/finchat-gateway" >/dev/null
  "$ROOT/deploy/local/services.sh" up >>"$OUT/up.log" 2>&1 || die "gateway restart failed (log: $FINCHAT_LOG_DIR/gateway.log)"
  GW_PID="$(gw_pid)"
  mock /__config "{\"tps\": $MOCK_TPS, \"tokens\": $MOCK_TOKENS}"
  # The next provider request stalls: headers sent, no token, for up to 10 minutes.
  # Two stalls queued: a rebalance right after the stack started may hand the request to
  # the other worker, whose attempt must stall too (the spare one is reset below).
  mock /__fail '{"behavior": "stall", "arg": "600000", "times": 2}'
  rid="$("$PY" "$BENCH_SRC/bench.py" post "$URL" "$DEMO_TOKEN" "How much did I spend this month?")" || {
    note "idle SSE: could not post the stalled chat"
    return 0
  }
  sleep 3
  log "idle SSE: $IDLE_CONNS connections to stream $rid (its provider stalls before the first token)"
  for round in 1 2; do
    before="$(rss_kb "$GW_PID")"
    fifo="$OUT/idle.fifo"
    out="$RAW/idle-$round.out"
    rm -f "$fifo"
    mkfifo "$fifo"
    "$FCBENCH" idle --port "$GW_PORT" --path "/api/v1/streams/$rid" -H "$AUTH" -n "$IDLE_CONNS" \
      --batch 256 <"$fifo" >"$out" 2>&1 &
    IDLE_PID=$!
    exec 9>"$fifo" # holds the client's stdin open; closing it ends the client
    local deadline=$((SECONDS + 180))
    while ! grep -q '^ready' "$out" 2>/dev/null; do
      if ! kill -0 "$IDLE_PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
        note "idle SSE: the client did not get its connections open ($(tail -c 300 "$out"))"
        break
      fi
      sleep 0.5
    done
    sleep 3
    after="$(rss_kb "$GW_PID")"
    active="$(sse_active)"
    line="$(grep '^ready' "$out" || echo 'ready 0 0 0')"
    sample_load "idle round $round, connections open"
    exec 9>&-
    wait "$IDLE_PID" 2>/dev/null || true
    IDLE_PID=""
    rm -f "$fifo"
    # The gateway notices a closed idle stream at its next write (the 15 s ping).
    t0=$SECONDS
    while [ "$(sse_active)" != 0 ] && [ $((SECONDS - t0)) -lt 45 ]; do sleep 1; done
    closed="$(rss_kb "$GW_PID")"
    # shellcheck disable=SC2086
    set -- $line
    rounds+=("{\"round\":$round,\"established\":$2,\"failed\":$3,\"open_s\":$4,\"gateway_sse_active\":${active:-null},\"rss_before_kb\":$before,\"rss_after_kb\":$after,\"rss_after_close_kb\":$closed,\"released_after_s\":$((SECONDS - t0)),\"bytes_per_conn\":$(awk -v a="$after" -v b="$before" -v n="$2" 'BEGIN { print (n > 0 ? int((a - b) * 1024 / n) : "null") }'),\"client\":$(tail -n1 "$out")}")
    printf '    round %s: %s connections (%s failed, gateway counts %s), RSS %s -> %s kB (%s B each); %s kB once released after %ss\n' \
      "$round" "$2" "$3" "${active:-?}" "$before" "$after" \
      "$(awk -v a="$after" -v b="$before" -v n="$2" 'BEGIN { print (n > 0 ? int((a - b) * 1024 / n) : "?") }')" \
      "$closed" "$((SECONDS - t0))"
  done
  "$PY" "$BENCH_SRC/bench.py" cancel "$URL" "$DEMO_TOKEN" "$rid" || true
  mock /__reset '{}'
  printf '{"stream":"%s","gateway_pid":%s,"note":"round 1 on a freshly started gateway; round 2 after round 1 was released shows whether the memory is reused","rounds":[%s]}\n' \
    "$rid" "$GW_PID" "$(IFS=,; echo "${rounds[*]}")" >"$RAW/idle.json"
}

want http && phase_http
want chat && phase_chat
want facade && phase_facade
want tps && phase_tps
want tools && phase_tools
want idle && phase_idle

# =============================== report ====================================================
cat "$FINCHAT_LOG_DIR"/worker-*.log 2>/dev/null | grep -h '"msg":"request received"' >"$RAW/worker-received.jsonl" || true
LOAD_END="$(loadavg)"
sample_load end
"$PY" - "$RAW/meta.json" <<PYEOF
import json, os, platform, sys
notes = [l for l in """$(printf '%s\n' "${NOTES[@]+"${NOTES[@]}"}")""".splitlines() if l]
samples = [l for l in """$(printf '%s\n' "${LOAD_SAMPLES[@]}")""".splitlines() if l]
meta = {
  "started_at": "$STARTED_AT",
  "loadavg_start": [float(x) for x in "$LOAD_START".split()],
  "loadavg_end": [float(x) for x in "$LOAD_END".split()],
  "loadavg_samples": samples,
  "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
              "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
  "config": {"rate": $RATE, "http_seconds": $HTTP_SECONDS, "warmup_seconds": $WARMUP, "runs": $RUNS,
             "chat_levels": [int(x) for x in "$CHAT_LEVELS".split()],
             "mock_tps": $MOCK_TPS, "mock_tokens": $MOCK_TOKENS,
             "mock_ttft_ms": $MOCK_TTFT_MS, "chat_plan": "$CHAT_PLAN (level:warm-up:measured chats per client)",
             "chat_warmup": "50 clients x $CHAT_WARMUP chats before the levels, not measured",
             "short_tokens": $SHORT_TOKENS,
             "chat_timeout_s": $CHAT_TIMEOUT,
             "users": $USERS, "tps_tokens": $TPS_TOKENS, "idle_conns": $IDLE_CONNS,
             "tools_levels": [int(x) for x in "$TOOLS_LEVELS".split()] if "tools" in "$ONLY".split() else [],
             "tools_plan": "$TOOLS_PLAN (level:warm-up:measured chats per client and run)",
             "tools_reps": $TOOLS_REPS, "tools_question": "$TOOLS_QUESTION",
             "analyst_plan": "$ANALYST_PLAN (level:warm-up:measured chats per client)",
             "analyst_pace_ms": $ANALYST_PACE_MS,
             "facade_levels": [int(x) for x in "$FACADE_LEVELS".split()] if "facade" in "$ONLY".split() else [],
             "facade_plan": "$FACADE_PLAN (level:warm-up:measured streams per client)",
             "facade_mock": {"tokens": $FACADE_TOKENS, "tps": $FACADE_TPS},
             "litellm": "$LITELLM_SPEC, $LITELLM_WORKERS workers, venv $LITELLM_VENV",
             "worker_max_inflight": $INFLIGHT, "workers": 2, "gateway_threads": "one per core",
             "stack": "private (build/bench/stack)"},
  "errors": notes,
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
PYEOF
"$PY" "$BENCH_SRC/bench.py" report "$RAW" "$OUT/report.json"
log "report: ${OUT#"$ROOT"/}/report.json (raw samples in ${RAW#"$ROOT"/}/)"

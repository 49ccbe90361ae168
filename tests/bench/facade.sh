# shellcheck shell=bash
# tests/bench/facade.sh - the `facade` phase of `make bench`, sourced by run.sh (it uses
# run.sh's helpers: log, note, mock, sample_load, free_port, rss_kb, pid_of, plan_of, $PY,
# $FCBENCH, $RAW, $OUT, $URL, $GW_PORT, $MOCK_PORT, $MOCK_URL).
#
# One API key, an app sending many requests at once: the same load generator
# (`fcbench direct`, OpenAI streaming requests) against, side by side at each level,
#   facade   finchat's POST /v1/chat/completions with one API key of one user,
#   direct   the scripted provider itself (the mock),
#   litellm  LiteLLM's proxy (litellm[proxy] from PyPI, 2 workers) in front of the same mock,
# the mock streaming FACADE_TOKENS tokens FACADE_TPS per second. At the highest level the
# gateway's and each worker's RSS are sampled every 0.5 s (their maximum goes to the report).

FACADE_LEVELS="${FINCHAT_BENCH_FACADE_LEVELS:-1 100 500}"
FACADE_PLAN="${FINCHAT_BENCH_FACADE_CHATS:-1:1:20 100:1:2 500:0:1}"
FACADE_TPS="${FINCHAT_BENCH_FACADE_TPS:-50}"
FACADE_TOKENS="${FINCHAT_BENCH_FACADE_TOKENS:-100}"
LITELLM_VENV="${FINCHAT_BENCH_LITELLM_VENV:-$HOME/.cache/finchat/litellm-venv}"
LITELLM_SPEC="${FINCHAT_BENCH_LITELLM_SPEC:-litellm[proxy]}"
# 0 leaves LiteLLM out (a quicker run while working on finchat's own figures).
LITELLM_WANT="${FINCHAT_BENCH_LITELLM:-1}"
LITELLM_WORKERS=2
LITELLM_PID="" LITELLM_PORT=""
# uvicorn's own multi-process supervisor restarts workers that miss its 5 s health check
# while they still import (a loaded 2-core machine): gunicorn's supervisor waits for them.
LITELLM_SERVER="${FINCHAT_BENCH_LITELLM_SERVER:---run_gunicorn}"
# The proxy refuses to start without a master key; the clients send it as their bearer token,
# as finchat's clients send their API key.
LITELLM_KEY="sk-bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

# Installs LiteLLM's proxy into its own venv once (pip, from PyPI). Non-zero on failure.
litellm_install() {
  [ -x "$LITELLM_VENV/bin/litellm" ] && return 0
  log "facade: installing $LITELLM_SPEC into $LITELLM_VENV (once)"
  mkdir -p "$(dirname "$LITELLM_VENV")"
  { "$PY" -m venv "$LITELLM_VENV" && "$LITELLM_VENV/bin/pip" install -q "$LITELLM_SPEC"; } \
    >"$OUT/litellm-install.log" 2>&1 || {
    rm -rf "$LITELLM_VENV"
    return 1
  }
}

# Starts the proxy on a free port in front of the mock: sets LITELLM_PID and LITELLM_PORT.
# Non-zero when it does not answer within 120 s (each probe waits at most 2 s: a worker
# that hangs in its start, as one did once, holds the connection without answering). It runs in a session of its own (setsid:
# its workers and their supervisor get no signal meant for the bench, and stopping it is
# one signal to its process group); the model price list is its packaged copy (no
# download).
litellm_start() {
  local cfg="$OUT/litellm.yaml" t0=$SECONDS
  LITELLM_PORT="$(free_port)"
  cat >"$cfg" <<EOF
model_list:
  - model_name: mock
    litellm_params:
      model: openai/mock
      api_base: $MOCK_URL/v1
      api_key: x
litellm_settings:
  drop_params: true
  telemetry: false
general_settings:
  master_key: $LITELLM_KEY
EOF
  # shellcheck disable=SC2086 # LITELLM_SERVER is zero or more words
  LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_TELEMETRY=False \
    setsid "$LITELLM_VENV/bin/litellm" --config "$cfg" --host 127.0.0.1 --port "$LITELLM_PORT" \
    --num_workers "$LITELLM_WORKERS" $LITELLM_SERVER >"$OUT/litellm.log" 2>&1 &
  LITELLM_PID=$!
  while [ $((SECONDS - t0)) -lt 120 ]; do
    curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$LITELLM_PORT/health/liveliness" 2>/dev/null &&
      return 0
    kill -0 "$LITELLM_PID" 2>/dev/null || break
    sleep 1
  done
  return 1
}

# Stops the proxy and its workers (its process group, which it leads).
litellm_stop() {
  [ -n "$LITELLM_PID" ] || return 0
  kill -TERM -- "-$LITELLM_PID" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$LITELLM_PID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$LITELLM_PID" 2>/dev/null || true
  wait "$LITELLM_PID" 2>/dev/null || true
  LITELLM_PID=""
}

# RSS in kB of every process of session @1 (the proxy and its workers).
session_rss_kb() {
  ps -o rss= --sid "$1" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# Samples the RSS of the gateway, the workers (and the LiteLLM proxy, with its workers,
# when it runs) every 0.5 s into @1, one "name kB" line each, until killed.
rss_sampler() {
  local p pid
  while :; do
    for p in gateway worker-1 worker-2; do
      pid="$(pid_of "$p")"
      [ -n "$pid" ] && [ -e "/proc/$pid/status" ] && echo "$p $(rss_kb "$pid")"
    done
    [ -n "$LITELLM_PID" ] && echo "litellm $(session_rss_kb "$LITELLM_PID")"
    sleep 0.5
  done >>"$1"
}

# Writes the stage histograms of the gateway and of each worker (their /metrics) to @1.
scrape_stages() {
  local n
  {
    curl -fsS "$URL/metrics" 2>/dev/null | grep '^finchat_chat_stage_seconds' || true
    for n in 1 2; do
      curl -fsS "http://127.0.0.1:$((FINCHAT_WORKER_HEALTH_BASE + n))/metrics" 2>/dev/null |
        grep '^finchat_worker_stage_seconds' || true
    done
  } >"$1"
}

# One run of the load generator: @1 target (facade, direct, litellm), @2 port, @3 key,
# @4 level, @5 warm-up chats, @6 measured chats, @7 stagger (s).
facade_run() {
  if [ "$1" = facade ]; then
    scrape_stages "$RAW/facade-stages-c$4-before.txt"
    mock /__reset '{}'
  fi
  "$FCBENCH" direct --port "$2" --key "$3" --model mock --clients "$4" --chats "$6" \
    --warm-chats "$5" --stagger "$7" --timeout "$CHAT_TIMEOUT" \
    --run-id "$(printf 'fa%02x%04x' "$((RANDOM % 256))" "$4")" >"$RAW/facade-$1-c$4.jsonl" ||
    note "facade: fcbench against $1 at $4 streams exited with $?"
  if [ "$1" = facade ]; then
    scrape_stages "$RAW/facade-stages-c$4-after.txt"
    curl -fsS "$MOCK_URL/__requests" >"$RAW/facade-mock-requests-c$4.json" || true
  fi
  summarize_chat "$RAW/facade-$1-c$4.jsonl"
}

phase_facade() {
  local key c warm chats stagger lport="" top sampler=""
  mock /__config "{\"tps\": $FACADE_TPS, \"tokens\": $FACADE_TOKENS, \"text\": null}"
  pipeline_check || return 0
  key="$("$PY" "$BENCH_SRC/bench.py" api-key "$URL" bench-api@bench.finchat.dev)" || {
    note "facade: could not create an API key"
    return 0
  }
  if [ "$LITELLM_WANT" = 0 ]; then
    note "facade: LiteLLM left out (FINCHAT_BENCH_LITELLM=0)"
  elif litellm_install; then
    log "facade: starting LiteLLM's proxy ($LITELLM_WORKERS workers)"
    if litellm_start; then
      lport="$LITELLM_PORT"
    else
      # Its workers hung in their start once (each waiting on a lock, nothing listening
      # answered): a second start is a new set of processes.
      litellm_stop
      log "facade: LiteLLM's proxy did not answer within 120 s; starting it again"
      if litellm_start; then
        lport="$LITELLM_PORT"
      else
        note "facade: LiteLLM's proxy did not start, twice in 120 s (log: ${OUT#"$ROOT"/}/litellm.log)"
        litellm_stop
      fi
    fi
  else
    note "facade: installing $LITELLM_SPEC failed (log: ${OUT#"$ROOT"/}/litellm-install.log)"
  fi
  top="$(printf '%s\n' $FACADE_LEVELS | sort -n | tail -n1)"
  : >"$RAW/facade-rss.txt"
  log "facade: warm-up, 50 concurrent streams x 2 through the API key (not measured)"
  "$FCBENCH" direct --port "$GW_PORT" --key "$key" --model mock --clients 50 --chats 2 \
    --warm-chats 0 --stagger 1 --timeout "$CHAT_TIMEOUT" >"$RAW/facade-warmup.jsonl"
  for c in $FACADE_LEVELS; do
    read -r warm chats <<<"$(plan_of "$FACADE_PLAN" "$c")"
    stagger="$(awk -v c="$c" 'BEGIN { print (c == 1 ? 0 : (c < 200 ? 1 : 2)) }')"
    log "facade: $c concurrent streams of $FACADE_TOKENS tokens at $FACADE_TPS/s, $warm warm-up + $chats measured each, started over ${stagger}s"
    if [ "$c" = "$top" ]; then
      rss_sampler "$RAW/facade-rss.txt" &
      sampler=$!
    fi
    sample_load "before facade c$c"
    printf '    finchat /v1/chat/completions, one API key\n'
    facade_run facade "$GW_PORT" "$key" "$c" "$warm" "$chats" "$stagger"
    sample_load "after facade c$c"
    printf '    the provider directly\n'
    facade_run direct "$MOCK_PORT" x "$c" "$warm" "$chats" "$stagger"
    if [ -n "$lport" ]; then
      printf '    LiteLLM proxy (%d workers)\n' "$LITELLM_WORKERS"
      facade_run litellm "$lport" "$LITELLM_KEY" "$c" "$warm" "$chats" "$stagger"
      sample_load "after litellm c$c"
    fi
    if [ -n "$sampler" ]; then
      # (wait answers 143 for the sampler it just ended: not a failure under set -e)
      kill "$sampler" 2>/dev/null || true
      wait "$sampler" 2>/dev/null || true
      sampler=""
    fi
  done
  litellm_stop
  mock /__config "{\"tps\": $MOCK_TPS, \"tokens\": $MOCK_TOKENS, \"text\": null}"
}

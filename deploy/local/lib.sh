# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are used by the scripts that source this
# deploy/local/lib.sh -- shared settings and helpers of the local-stack scripts.
#
# Sourced (never run) by install-deps.sh, stack.sh, services.sh, up.sh, down.sh,
# demo.sh and the integration tests. It defines every path and port of the local
# stack (all overridable from the environment), the derived FINCHAT_* URLs, and the
# helpers for pid files, readiness polling and stopping processes.

# ---- paths ------------------------------------------------------------------
FINCHAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FINCHAT_LOCAL_DIR="$FINCHAT_ROOT/deploy/local"

# Local state (databases, logs, pid files, secrets); relative paths are relative to
# the repository root. Exported absolute so the services agree with the scripts.
FINCHAT_STATE_DIR="${FINCHAT_STATE_DIR:-.local}"
case "$FINCHAT_STATE_DIR" in
  /*) ;;
  *) FINCHAT_STATE_DIR="$FINCHAT_ROOT/$FINCHAT_STATE_DIR" ;;
esac
export FINCHAT_STATE_DIR
FINCHAT_RUN_DIR="$FINCHAT_STATE_DIR/run"
FINCHAT_LOG_DIR="$FINCHAT_STATE_DIR/log"

# Downloads and builds that outlive a checkout.
FINCHAT_CACHE_DIR="${FINCHAT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/finchat}"
FINCHAT_KAFKA_VERSION="${FINCHAT_KAFKA_VERSION:-3.9.2}" # keep in sync with kafka/pom.xml
FINCHAT_KAFKA_LIBS="${FINCHAT_KAFKA_LIBS:-$FINCHAT_CACHE_DIR/kafka-$FINCHAT_KAFKA_VERSION/libs}"
FINCHAT_FERRETDB_BIN="${FINCHAT_FERRETDB_BIN:-$FINCHAT_CACHE_DIR/bin/ferretdb-local}"

# Python for the small helpers: the system one starts faster than a pyenv shim.
if [ -z "${FINCHAT_PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then FINCHAT_PYTHON=/usr/bin/python3; else FINCHAT_PYTHON=python3; fi
fi

# ---- addresses --------------------------------------------------------------
FINCHAT_LOCAL_HOST="${FINCHAT_LOCAL_HOST:-127.0.0.1}"
FINCHAT_PG_PORT="${FINCHAT_PG_PORT:-55432}"
FINCHAT_KAFKA_PORT="${FINCHAT_KAFKA_PORT:-19092}"
FINCHAT_KAFKA_CONTROLLER_PORT="${FINCHAT_KAFKA_CONTROLLER_PORT:-19093}"
FINCHAT_MONGO_PORT="${FINCHAT_MONGO_PORT:-27018}"
FINCHAT_KAFKA_HEAP="${FINCHAT_KAFKA_HEAP:-512m}"

# What the services connect to; an explicit value wins over the local stack's.
export FINCHAT_PG_URL="${FINCHAT_PG_URL:-postgresql://finchat@$FINCHAT_LOCAL_HOST:$FINCHAT_PG_PORT/finchat}"
export FINCHAT_KAFKA_BROKERS="${FINCHAT_KAFKA_BROKERS:-$FINCHAT_LOCAL_HOST:$FINCHAT_KAFKA_PORT}"
export FINCHAT_MONGO_URL="${FINCHAT_MONGO_URL:-mongodb://$FINCHAT_LOCAL_HOST:$FINCHAT_MONGO_PORT/finchat}"
export FINCHAT_HTTP_ADDR="${FINCHAT_HTTP_ADDR:-127.0.0.1:8080}"

# Kafka topics of SPEC §6: name and partition count.
FINCHAT_TOPICS=(
  "finchat.chat.requests:6"
  "finchat.chat.chunks:8"
  "finchat.chat.control:3"
  "finchat.chat.dlq:1"
)

# Seconds a component may take to become ready / to stop before SIGKILL.
FINCHAT_READY_TIMEOUT="${FINCHAT_READY_TIMEOUT:-90}"
FINCHAT_STOP_TIMEOUT="${FINCHAT_STOP_TIMEOUT:-30}"

# ---- messages ---------------------------------------------------------------
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  _c_on=$'\033[1;34m' _c_warn=$'\033[1;33m' _c_err=$'\033[1;31m' _c_off=$'\033[0m'
else
  _c_on='' _c_warn='' _c_err='' _c_off=''
fi
log() { printf '%s==>%s %s\n' "$_c_on" "$_c_off" "$*"; }
warn() { printf '%swarning:%s %s\n' "$_c_warn" "$_c_off" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$_c_err" "$_c_off" "$*" >&2
  exit 1
}

# Monotonic-enough seconds with millisecond precision, for timings.
now_s() { date +%s.%N | cut -c1-14; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1fs", b - a }'; }

# ---- root / unprivileged user -----------------------------------------------
is_root() { [ "$(id -u)" -eq 0 ]; }

# as_root CMD...: run CMD as root (directly, or through sudo when not root).
as_root() {
  if is_root; then "$@"; else sudo "$@"; fi
}

# ---- pid files and processes ------------------------------------------------
pidfile() { printf '%s/%s.pid' "$FINCHAT_RUN_DIR" "$1"; }

# pid_of NAME: print the pid recorded for NAME (empty if none).
pid_of() {
  local f
  f="$(pidfile "$1")"
  [ -s "$f" ] && head -n1 "$f" | tr -dc '0-9'
  return 0
}

# proc_matches PID PATTERN: the live process PID has PATTERN in its command line
# (guards against a recycled pid).
proc_matches() {
  local pid="$1" pat="$2" cmd
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$pat"* ]]
}

# running NAME PATTERN: the process recorded for NAME is alive and is what we started.
running() { proc_matches "$(pid_of "$1")" "$2"; }

# port_listening PORT: something listens on TCP PORT (any local address).
port_listening() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# need_free_port NAME PORT: fail clearly when PORT is taken by something else.
need_free_port() {
  if port_listening "$2"; then
    die "$1: port $2 is already in use by another process:
$(ss -Hltnp "sport = :$2" 2>/dev/null || true)
Stop it, or choose another port (see deploy/local/README.md)."
  fi
}

# spawn NAME LOGFILE CMD...: start CMD detached (own session, so a Ctrl-C in the
# terminal does not reach it), stdin from /dev/null, output appended to LOGFILE,
# and record its pid.
spawn() {
  local name="$1" logf="$2" pid
  shift 2
  mkdir -p "$FINCHAT_RUN_DIR" "$(dirname "$logf")"
  printf '\n---- %s: starting %s\n' "$(date -u +%FT%TZ)" "$name" >>"$logf"
  setsid "$@" </dev/null >>"$logf" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$(pidfile "$name")"
}

# log_tail FILE [N]: print the last N lines of FILE, indented, for error messages.
log_tail() {
  local f="$1" n="${2:-30}"
  if [ -f "$f" ]; then
    printf -- '--- last %s lines of %s:\n' "$n" "$f" >&2
    tail -n "$n" "$f" | sed 's/^/    /' >&2
  fi
}

# wait_until NAME TIMEOUT LOGFILE PIDNAME CHECK...: poll CHECK (a command) every
# 0.2 s until it succeeds. Fails with the log tail when TIMEOUT seconds pass or the
# process recorded as PIDNAME (if given) dies meanwhile.
wait_until() {
  local name="$1" timeout="$2" logf="$3" pidname="$4" deadline pid
  shift 4
  deadline=$((SECONDS + timeout))
  while ! "$@" >/dev/null 2>&1; do
    if [ -n "$pidname" ]; then
      pid="$(pid_of "$pidname")"
      if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        log_tail "$logf"
        die "$name exited while starting (log: $logf)"
      fi
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log_tail "$logf"
      die "$name not ready after ${timeout}s (log: $logf)"
    fi
    sleep 0.2
  done
}

# signal_stop NAME PATTERN SIGNAL: send SIGNAL to NAME's process if it is ours;
# forget a stale pid file. Prints nothing; use wait_stopped afterwards.
signal_stop() {
  local name="$1" pat="$2" sig="$3" pid
  pid="$(pid_of "$name")"
  [ -n "$pid" ] || return 0
  if proc_matches "$pid" "$pat"; then
    kill "-$sig" "$pid" 2>/dev/null || true
  else
    rm -f "$(pidfile "$name")"
  fi
}

# wait_stopped NAME PATTERN: wait up to FINCHAT_STOP_TIMEOUT for NAME's process to
# exit, then SIGKILL it (and its process group); remove the pid file.
wait_stopped() {
  local name="$1" pat="$2" pid deadline
  pid="$(pid_of "$name")"
  [ -n "$pid" ] || return 0
  deadline=$((SECONDS + FINCHAT_STOP_TIMEOUT))
  while proc_matches "$pid" "$pat"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      warn "$name (pid $pid) did not stop within ${FINCHAT_STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      continue
    fi
    sleep 0.1
  done
  rm -f "$(pidfile "$name")"
  log "$name stopped"
}

# stop_proc NAME PATTERN [SIGNAL]: signal_stop then wait_stopped.
stop_proc() {
  signal_stop "$1" "$2" "${3:-TERM}"
  wait_stopped "$1" "$2"
}

# Write .local/env.sh: the variables a test or a shell needs to reach the stack.
write_env_file() {
  mkdir -p "$FINCHAT_STATE_DIR"
  cat >"$FINCHAT_STATE_DIR/env.sh" <<EOF
# Written by deploy/local: source it to reach the local stack from a shell or a test.
export FINCHAT_STATE_DIR='$FINCHAT_STATE_DIR'
export FINCHAT_PG_URL='$FINCHAT_PG_URL'
export FINCHAT_KAFKA_BROKERS='$FINCHAT_KAFKA_BROKERS'
export FINCHAT_MONGO_URL='$FINCHAT_MONGO_URL'
export FINCHAT_HTTP_ADDR='$FINCHAT_HTTP_ADDR'
export FINCHAT_PG_PORT='$FINCHAT_PG_PORT'
export FINCHAT_KAFKA_PORT='$FINCHAT_KAFKA_PORT'
export FINCHAT_KAFKA_CONTROLLER_PORT='$FINCHAT_KAFKA_CONTROLLER_PORT'
export FINCHAT_MONGO_PORT='$FINCHAT_MONGO_PORT'
EOF
}

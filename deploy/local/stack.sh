#!/usr/bin/env bash
# deploy/local/stack.sh up|down|status -- the three local stores of SPEC §3.
#
#   PostgreSQL 15   own cluster in $FINCHAT_STATE_DIR/pg, 127.0.0.1:$FINCHAT_PG_PORT (55432),
#                   trust auth on loopback, superuser `finchat`, database `finchat`.
#   Kafka 3.9       single KRaft node (broker+controller) in $FINCHAT_STATE_DIR/kafka,
#                   127.0.0.1:$FINCHAT_KAFKA_PORT (19092), controller on
#                   $FINCHAT_KAFKA_CONTROLLER_PORT (19093), with the SPEC §6 topics.
#   FerretDB 1.24   SQLite backend in $FINCHAT_STATE_DIR/ferretdb, 127.0.0.1:$FINCHAT_MONGO_PORT (27018).
#
# `up` starts what is not running (a live process from our pid file is left alone, a
# dead one restarted), waits until each store really answers (pg_isready + a query,
# a broker in `kcat -L`, a wire-protocol ping), creates the database and the topics
# if missing, and writes $FINCHAT_STATE_DIR/env.sh. `down` stops exactly the
# processes of our pid files (SIGKILL after $FINCHAT_STOP_TIMEOUT s). `status` prints
# one line per store. Binaries come from deploy/local/install-deps.sh.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "$0")/lib.sh"

PG_BIN="${FINCHAT_PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$PG_BIN/initdb" ] && command -v initdb >/dev/null 2>&1; then
  PG_BIN="$(dirname "$(command -v initdb)")"
fi
PG_OS_USER="${FINCHAT_PG_OS_USER:-finchat}" # the unprivileged user PostgreSQL runs as under root
PG_BASE="$FINCHAT_STATE_DIR/pg"
PG_LOG="$FINCHAT_LOG_DIR/postgres.log"
KAFKA_DIR="$FINCHAT_STATE_DIR/kafka"
KAFKA_LOG="$FINCHAT_LOG_DIR/kafka.log"
MONGO_DIR="$FINCHAT_STATE_DIR/ferretdb"
MONGO_LOG="$FINCHAT_LOG_DIR/ferretdb.log"
KAFKA_ADDR="$FINCHAT_LOCAL_HOST:$FINCHAT_KAFKA_PORT"
MONGO_ADDR="$FINCHAT_LOCAL_HOST:$FINCHAT_MONGO_PORT"

# The command-line fragments that identify our processes (see proc_matches).
kafka_pattern() { printf 'kafka.Kafka %s/server.properties' "$KAFKA_DIR"; }
mongo_pattern() { printf -- '-data %s' "$MONGO_DIR"; }
pg_pattern() { printf -- '-D %s' "$PG_DATA"; }

java_cp() { printf '%s/*' "$FINCHAT_KAFKA_LIBS"; }

# ---- PostgreSQL -------------------------------------------------------------

# Decide who runs PostgreSQL and where its files live. initdb and postgres refuse
# to run as root, so under root they run as $PG_OS_USER (created if missing). If
# that user cannot reach $FINCHAT_STATE_DIR (e.g. a checkout under /root), the
# cluster lives in /var/tmp and $FINCHAT_STATE_DIR/pg is a symlink to it.
pg_layout() {
  PG_RUN=()
  if is_root; then
    if ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
      log "creating system user $PG_OS_USER for PostgreSQL"
      useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin "$PG_OS_USER"
    fi
    PG_RUN=(runuser -u "$PG_OS_USER" --)
  fi
  mkdir -p "$FINCHAT_STATE_DIR" "$FINCHAT_LOG_DIR" "$FINCHAT_RUN_DIR"
  if [ ! -e "$PG_BASE" ]; then
    mkdir -p "$PG_BASE"
    if is_root; then chown "$PG_OS_USER:" "$PG_BASE"; fi
  fi
  if is_root && ! "${PG_RUN[@]}" test -w "$PG_BASE" -a -x "$PG_BASE"; then
    local alt
    alt="/var/tmp/finchat-pg-$(printf '%s' "$FINCHAT_STATE_DIR" | md5sum | cut -c1-12)"
    if [ -d "$PG_BASE" ] && [ ! -L "$PG_BASE" ] && [ -z "$(ls -A "$PG_BASE")" ]; then
      rmdir "$PG_BASE"
    fi
    [ -e "$PG_BASE" ] && [ ! -L "$PG_BASE" ] &&
      die "user $PG_OS_USER cannot use $PG_BASE (a parent directory is not searchable); move it away or set FINCHAT_STATE_DIR"
    warn "user $PG_OS_USER cannot reach $FINCHAT_STATE_DIR; keeping the PostgreSQL cluster in $alt"
    mkdir -p "$alt"
    chown "$PG_OS_USER:" "$alt"
    chmod 700 "$alt"
    ln -sfn "$alt" "$PG_BASE"
  fi
  if [ -L "$PG_BASE" ]; then
    # The cluster lives elsewhere: so does its log, linked from the log directory.
    ln -sfn "$(readlink -f "$PG_BASE")/postgres.log" "$PG_LOG"
    PG_LOG="$(readlink -f "$PG_BASE")/postgres.log"
  fi
  PG_BASE="$(readlink -f "$PG_BASE")"
  PG_DATA="$PG_BASE/data"
  PG_SOCK="$PG_BASE/sock"
  # A Unix socket path is limited to 107 bytes.
  if [ "${#PG_SOCK}" -gt 80 ]; then
    PG_SOCK="/tmp/finchat-pgsock-$(printf '%s' "$PG_BASE" | md5sum | cut -c1-12)"
  fi
  if [ ! -e "$PG_LOG" ]; then : >"$PG_LOG"; fi
  if is_root; then
    mkdir -p "$PG_SOCK"
    chown "$PG_OS_USER:" "$PG_BASE" "$PG_SOCK" "$PG_LOG"
  else
    mkdir -p "$PG_SOCK"
  fi
}

pg_init() {
  [ -f "$PG_DATA/PG_VERSION" ] && return 0
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 binaries not found in $PG_BIN; run deploy/local/install-deps.sh"
  log "initialising PostgreSQL cluster in $PG_DATA"
  rm -rf "$PG_BASE/data.new"
  "${PG_RUN[@]}" "$PG_BIN/initdb" -D "$PG_BASE/data.new" -U finchat --auth=trust \
    --encoding=UTF8 --no-locale --no-instructions >>"$PG_LOG" 2>&1 ||
    {
      log_tail "$PG_LOG"
      die "initdb failed"
    }
  printf "\n# finchat local stack: settings in finchat.conf, rewritten by stack.sh\ninclude_if_exists = 'finchat.conf'\n" \
    >>"$PG_BASE/data.new/postgresql.conf"
  mv "$PG_BASE/data.new" "$PG_DATA"
}

# Written at every start so port and host overrides take effect.
pg_write_conf() {
  local conf="$PG_DATA/finchat.conf"
  # synchronous_commit stays on: with it off, a crash of PostgreSQL (kill -9) lost the last
  # second of acknowledged writes -- a conversation and the questions accepted in it, whose
  # answers MongoDB kept (tests/fault/20-postgres.py).
  cat >"$conf" <<EOF
# Written by deploy/local/stack.sh at every start; edits are lost.
listen_addresses = '$FINCHAT_LOCAL_HOST'
port = $FINCHAT_PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
synchronous_commit = on
log_min_duration_statement = 1000
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  if is_root; then chown "$PG_OS_USER:" "$conf"; fi
}

pg_pid_from_datadir() {
  [ -s "$PG_DATA/postmaster.pid" ] && head -n1 "$PG_DATA/postmaster.pid" | tr -dc '0-9'
  return 0
}

pg_ready() {
  "$PG_BIN/pg_isready" -q -h "$FINCHAT_LOCAL_HOST" -p "$FINCHAT_PG_PORT" -U finchat -d postgres &&
    psql -X -q -h "$FINCHAT_LOCAL_HOST" -p "$FINCHAT_PG_PORT" -U finchat -d postgres -tAc 'select 1' | grep -qx 1
}

pg_start() {
  local pid
  pid="$(pg_pid_from_datadir)"
  if proc_matches "$pid" "$(pg_pattern)"; then
    printf '%s\n' "$pid" >"$(pidfile postgres)" # adopt a cluster started by an earlier run
    log "PostgreSQL already running (pid $pid)"
    return 0
  fi
  need_free_port PostgreSQL "$FINCHAT_PG_PORT"
  pg_write_conf
  log "starting PostgreSQL on $FINCHAT_LOCAL_HOST:$FINCHAT_PG_PORT"
  printf '\n---- %s: starting postgres\n' "$(date -u +%FT%TZ)" >>"$PG_LOG"
  # The recorded postmaster is not running. If it was just killed it may linger a
  # moment as a zombie, and PostgreSQL refuses to start while that pid exists.
  if [ -n "$pid" ]; then
    local gone=$((SECONDS + 10)) cmd
    while [ -e "/proc/$pid" ] && [ "$SECONDS" -lt "$gone" ]; do
      cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
      [ -z "$cmd" ] || [[ "$cmd" == *"$(pg_pattern)"* ]] || break
      sleep 0.1
    done
  fi
  rm -f "$PG_DATA/postmaster.pid"
  # -W: do not wait here; Kafka and FerretDB start meanwhile, readiness is polled below.
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" start -W -D "$PG_DATA" -l "$PG_LOG" -s >/dev/null 2>&1 ||
    {
      log_tail "$PG_LOG"
      die "pg_ctl start failed (log: $PG_LOG)"
    }
  # Adopt the postmaster's pid once it has written its pid file.
  local deadline=$((SECONDS + 15))
  until pid="$(pg_pid_from_datadir)" && [ -n "$pid" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log_tail "$PG_LOG"
      die "PostgreSQL did not start (log: $PG_LOG)"
    fi
    sleep 0.1
  done
  printf '%s\n' "$pid" >"$(pidfile postgres)"
}

pg_finish() {
  wait_until PostgreSQL "$FINCHAT_READY_TIMEOUT" "$PG_LOG" postgres pg_ready
  if ! psql -X -q -h "$FINCHAT_LOCAL_HOST" -p "$FINCHAT_PG_PORT" -U finchat -d postgres -tAc \
    "select 1 from pg_database where datname = 'finchat'" | grep -qx 1; then
    log "creating database finchat"
    "$PG_BIN/createdb" -h "$FINCHAT_LOCAL_HOST" -p "$FINCHAT_PG_PORT" -U finchat -O finchat finchat
  fi
  log "PostgreSQL ready: postgresql://finchat@$FINCHAT_LOCAL_HOST:$FINCHAT_PG_PORT/finchat"
}

# ---- Kafka --------------------------------------------------------------------

kafka_write_conf() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by deploy/local/stack.sh at every start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$FINCHAT_LOCAL_HOST:$FINCHAT_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$FINCHAT_LOCAL_HOST:$FINCHAT_KAFKA_PORT,CONTROLLER://$FINCHAT_LOCAL_HOST:$FINCHAT_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$FINCHAT_LOCAL_HOST:$FINCHAT_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
# After a crash the restarted node must wait for its previous registration's session
# to expire (DUPLICATE_BROKER_REGISTRATION): 4 s instead of the default 9 s.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
log.retention.hours=168
num.network.threads=1
num.io.threads=2
EOF
  # One network and two I/O threads, and the serial collector (kafka_start), suit a broker
  # sharing a few cores with everything else: in the bench (2 cores, 100 concurrent chats)
  # the broker used ~20% less CPU than with 2/4 threads and G1, and the time to first
  # token fell (p99 146 -> 55-72 ms).
  cat >"$KAFKA_DIR/log4j.properties" <<'EOF'
# Written by deploy/local/stack.sh: INFO to stdout (the log file), minus the noisiest parts.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
log4j.logger.kafka.log=WARN
log4j.logger.org.apache.kafka.storage=WARN
log4j.logger.kafka.coordinator=WARN
log4j.logger.org.apache.kafka.coordinator=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.metadata=WARN
log4j.logger.org.apache.kafka.image=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.kafka.server.metadata=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
EOF
}

kafka_java() {
  java "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties" -cp "$(java_cp)" "$@"
}

# Format the log directory once, with a random cluster id kept in cluster.id.
kafka_format() {
  [ -f "$KAFKA_DIR/data/meta.properties" ] && return 0
  [ -f "$FINCHAT_KAFKA_LIBS/kafka_2.13-$FINCHAT_KAFKA_VERSION.jar" ] ||
    die "Kafka jars not found in $FINCHAT_KAFKA_LIBS; run deploy/local/install-deps.sh"
  if [ ! -s "$KAFKA_DIR/cluster.id" ]; then
    # An id starting with '-' reads as an option to StorageTool's parser: draw again.
    "$FINCHAT_PYTHON" -c 'import base64, uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if s[0].isalnum():
        print(s)
        break' >"$KAFKA_DIR/cluster.id"
  fi
  log "formatting Kafka storage in $KAFKA_DIR/data"
  kafka_java -Xmx256m -XX:TieredStopAtLevel=1 kafka.tools.StorageTool format --ignore-formatted \
    --cluster-id="$(cat "$KAFKA_DIR/cluster.id")" -c "$KAFKA_DIR/server.properties" >>"$KAFKA_LOG" 2>&1 ||
    {
      log_tail "$KAFKA_LOG"
      die "formatting Kafka storage failed"
    }
}

kafka_start() {
  if running kafka "$(kafka_pattern)"; then
    log "Kafka already running (pid $(pid_of kafka))"
    return 0
  fi
  need_free_port Kafka "$FINCHAT_KAFKA_PORT"
  need_free_port "Kafka controller" "$FINCHAT_KAFKA_CONTROLLER_PORT"
  log "starting Kafka $FINCHAT_KAFKA_VERSION on $KAFKA_ADDR"
  spawn kafka "$KAFKA_LOG" java "-Xmx$FINCHAT_KAFKA_HEAP" "-Xms$FINCHAT_KAFKA_HEAP" \
    -XX:+UseSerialGC -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties" \
    "-Dkafka.logs.dir=$FINCHAT_LOG_DIR" -cp "$(java_cp)" \
    kafka.Kafka "$KAFKA_DIR/server.properties"
}

kafka_metadata() { kcat -b "$KAFKA_ADDR" -L -m 5 2>/dev/null; }
kafka_ready() { kafka_metadata | grep -q ' broker 1 at '; }

# Create the SPEC §6 topics that are missing (one JVM each, in parallel), and grow
# any with too few partitions. Existence is read from `kcat -L`, which is cheap.
kafka_topics() {
  local meta entry name want have pids=() names=() i failed=0
  meta="$(kafka_metadata)"
  for entry in "${FINCHAT_TOPICS[@]}"; do
    name="${entry%%:*}" want="${entry##*:}"
    have="$(printf '%s\n' "$meta" | sed -n "s/^ *topic \"$name\" with \([0-9]*\) partitions.*/\1/p")"
    if [ -z "$have" ]; then
      log "creating topic $name ($want partitions)"
      kafka_java -Xmx128m -XX:TieredStopAtLevel=1 org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "$KAFKA_ADDR" --create --if-not-exists --topic "$name" \
        --partitions "$want" --replication-factor 1 >>"$KAFKA_LOG" 2>&1 &
    elif [ "$have" -lt "$want" ]; then
      log "topic $name has $have partitions; growing it to $want"
      kafka_java -Xmx128m -XX:TieredStopAtLevel=1 org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "$KAFKA_ADDR" --alter --topic "$name" --partitions "$want" >>"$KAFKA_LOG" 2>&1 &
    else
      [ "$have" -gt "$want" ] && warn "topic $name has $have partitions (expected $want)"
      continue
    fi
    pids+=("$!") names+=("$name")
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      warn "creating topic ${names[$i]} failed"
      failed=1
    fi
  done
  if [ "$failed" -ne 0 ]; then
    log_tail "$KAFKA_LOG"
    die "Kafka topics could not be created (log: $KAFKA_LOG)"
  fi
  # Creation is asynchronous in the controller: wait until every topic is listed.
  wait_until "Kafka topics" 30 "$KAFKA_LOG" kafka kafka_topics_listed
}

kafka_topics_listed() {
  local meta entry
  meta="$(kafka_metadata)"
  for entry in "${FINCHAT_TOPICS[@]}"; do
    printf '%s\n' "$meta" | grep -q "^ *topic \"${entry%%:*}\" with ${entry##*:} partitions" || return 1
  done
}

kafka_finish() {
  wait_until Kafka "$FINCHAT_READY_TIMEOUT" "$KAFKA_LOG" kafka kafka_ready
  kafka_topics
  log "Kafka ready: $KAFKA_ADDR"
}

# ---- FerretDB -----------------------------------------------------------------

mongo_ping() { "$FINCHAT_PYTHON" "$FINCHAT_LOCAL_DIR/mongo-ping.py" "$MONGO_ADDR" 2; }

mongo_start() {
  local pid
  if running ferretdb "$(mongo_pattern)"; then
    pid="$(pid_of ferretdb)"
    # install-deps.sh replaces the binary when its sources or patches change: a process
    # still running the old one is restarted (its data stays).
    if [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != *" (deleted)" ]]; then
      log "FerretDB already running (pid $pid)"
      return 0
    fi
    log "FerretDB (pid $pid) runs a replaced binary: restarting it"
    signal_stop ferretdb "$(mongo_pattern)" TERM
    wait_stopped ferretdb "$(mongo_pattern)"
  fi
  [ -x "$FINCHAT_FERRETDB_BIN" ] || die "$FINCHAT_FERRETDB_BIN not found; run deploy/local/install-deps.sh"
  need_free_port FerretDB "$FINCHAT_MONGO_PORT"
  mkdir -p "$MONGO_DIR"
  log "starting FerretDB on $MONGO_ADDR"
  spawn ferretdb "$MONGO_LOG" "$FINCHAT_FERRETDB_BIN" -listen "$MONGO_ADDR" -data "$MONGO_DIR" \
    -log-level "${FINCHAT_FERRETDB_LOG_LEVEL:-warn}"
}

mongo_finish() {
  wait_until FerretDB "$FINCHAT_READY_TIMEOUT" "$MONGO_LOG" ferretdb mongo_ping
  log "FerretDB ready: mongodb://$MONGO_ADDR/finchat"
}

# ---- commands -----------------------------------------------------------------

cmd_up() {
  local t0 fmt_pid
  t0="$(now_s)"
  mkdir -p "$FINCHAT_RUN_DIR" "$FINCHAT_LOG_DIR" "$KAFKA_DIR"
  command -v kcat >/dev/null || die "kcat not found; run deploy/local/install-deps.sh"
  command -v java >/dev/null || die "java not found; run deploy/local/install-deps.sh"
  pg_layout
  # The one-time preparations of Kafka (a JVM) and PostgreSQL (initdb) overlap.
  kafka_write_conf
  kafka_format &
  fmt_pid=$!
  pg_init
  wait "$fmt_pid" || exit 1
  # Start everything, then wait for each: the slow starters overlap.
  mongo_start
  kafka_start
  pg_start
  mongo_finish
  pg_finish
  kafka_finish
  write_env_file
  log "stack ready in $(elapsed "$t0") (env: $FINCHAT_STATE_DIR/env.sh)"
}

cmd_down() {
  local pg_pat=''
  # PostgreSQL's pattern needs its data dir; resolve it without creating anything.
  if [ -e "$PG_BASE" ]; then
    PG_DATA="$(readlink -f "$PG_BASE")/data"
    pg_pat="$(pg_pattern)"
  fi
  # Signal all first, then wait: the shutdowns overlap. SIGINT is PostgreSQL's fast shutdown.
  signal_stop kafka "$(kafka_pattern)" TERM
  signal_stop ferretdb "$(mongo_pattern)" TERM
  if [ -n "$pg_pat" ]; then signal_stop postgres "$pg_pat" INT; fi
  wait_stopped ferretdb "$(mongo_pattern)"
  if [ -n "$pg_pat" ]; then wait_stopped postgres "$pg_pat"; fi
  wait_stopped kafka "$(kafka_pattern)"
}

status_line() {
  local name="$1" pat="$2" addr="$3" check="$4" pid state
  pid="$(pid_of "$name")"
  if proc_matches "$pid" "$pat"; then
    if "$check" >/dev/null 2>&1; then state=ready; else state='running, not answering'; fi
    printf '%-10s %-24s pid %-8s %s\n' "$name" "$addr" "$pid" "$state"
  else
    printf '%-10s %-24s %-12s %s\n' "$name" "$addr" '' stopped
  fi
}

cmd_status() {
  PG_DATA="$(readlink -f "$PG_BASE" 2>/dev/null || printf '%s' "$PG_BASE")/data"
  status_line postgres "$(pg_pattern)" "$FINCHAT_LOCAL_HOST:$FINCHAT_PG_PORT" pg_ready
  status_line kafka "$(kafka_pattern)" "$KAFKA_ADDR" kafka_ready
  status_line ferretdb "$(mongo_pattern)" "$MONGO_ADDR" mongo_ping
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

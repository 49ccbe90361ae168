#!/usr/bin/env bash
# tests/integration/01-stack.sh -- the local stack of deploy/local, for real.
#
# Brings everything up with deploy/local/up.sh (idempotent), checks each store
# (PostgreSQL query, the SPEC §6 topics and a Kafka produce/consume round trip,
# a FerretDB insert/find), then kills the Kafka broker (SIGKILL on its pid) and
# expects /readyz to turn 503 within 15 s, runs up.sh again and expects 200.
# Prints TAP lines (`ok N - ...` / `not ok N - ...`); exits non-zero on any failure.
# Honours every deploy/local variable (ports, FINCHAT_STATE_DIR, FINCHAT_BIN_DIR ...).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

# shellcheck source=tests/integration/lib/tap.sh
. "$ROOT/tests/integration/lib/tap.sh"

TEST_LOG="$FINCHAT_LOG_DIR/test-01-stack.log"
mkdir -p "$FINCHAT_LOG_DIR"
: >"$TEST_LOG"
READY_URL="http://$FINCHAT_HTTP_ADDR/readyz"

readyz_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$READY_URL" || true; }

run_up() {
  if "$FINCHAT_LOCAL_DIR/up.sh" >>"$TEST_LOG" 2>&1; then return 0; fi
  echo "# up.sh failed; last lines of $TEST_LOG:" >&2
  tail -n 25 "$TEST_LOG" | sed 's/^/#   /' >&2
  return 1
}

# wait_code CODE SECONDS: /readyz answers CODE within SECONDS.
wait_code() {
  local want="$1" deadline=$((SECONDS + $2)) code
  while :; do
    code="$(readyz_code)"
    [ "$code" = "$want" ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "# /readyz answered $code, expected $want" >&2
      return 1
    fi
    sleep 0.25
  done
}

kafka() { kcat -b "$FINCHAT_LOCAL_HOST:$FINCHAT_KAFKA_PORT" "$@"; }

topics_ok() {
  local meta entry
  meta="$(kafka -L -m 5)"
  for entry in "${FINCHAT_TOPICS[@]}"; do
    grep -q "^ *topic \"${entry%%:*}\" with ${entry##*:} partitions" <<<"$meta" || {
      echo "# topic ${entry%%:*} with ${entry##*:} partitions missing" >&2
      return 1
    }
  done
}

pg_ok() {
  [ "$(psql -X -q -tA "$FINCHAT_PG_URL" -c 'select current_user || current_database()')" = finchatfinchat ]
}

# Round trip through a scratch topic (not one the services consume), created once.
kafka_roundtrip() {
  local topic=finchat.selftest marker got
  if ! kafka -L -t "$topic" -m 5 2>/dev/null | grep -q "topic \"$topic\" with [1-9]"; then
    java -Xmx128m -XX:TieredStopAtLevel=1 -cp "$FINCHAT_KAFKA_LIBS/*" \
      "-Dlog4j.configuration=file:$FINCHAT_STATE_DIR/kafka/log4j.properties" \
      org.apache.kafka.tools.TopicCommand --bootstrap-server "$FINCHAT_LOCAL_HOST:$FINCHAT_KAFKA_PORT" \
      --create --if-not-exists --topic "$topic" --partitions 1 --replication-factor 1 >>"$TEST_LOG" 2>&1 || return 1
  fi
  marker="selftest-$$-$RANDOM"
  # A topic just created takes a moment to get a leader: retry the produce briefly.
  local tries=0
  until printf '{"schema":"finchat.selftest/1","marker":"%s"}\n' "$marker" |
    kafka -P -t "$topic" -k "$marker" -H content-type=application/json 2>>"$TEST_LOG"; do
    tries=$((tries + 1))
    [ "$tries" -lt 20 ] || return 1
    sleep 0.5
  done
  got="$(kafka -C -t "$topic" -o -20 -e -q -f '%k %h %s\n' 2>>"$TEST_LOG" | grep "^$marker " || true)"
  [[ "$got" == "$marker content-type=application/json {\"schema\":\"finchat.selftest/1\",\"marker\":\"$marker\"}" ]]
}

mongo_ok() { "$FINCHAT_PYTHON" "$FINCHAT_LOCAL_DIR/mongo-ping.py" "$FINCHAT_LOCAL_HOST:$FINCHAT_MONGO_PORT" 3 --roundtrip; }

# Log in as the demo user, ask one question, read its SSE stream to the `final` event:
# the whole pipeline (gateway -> Kafka -> worker -> Kafka -> gateway) works again.
chat_roundtrip() {
  "$FINCHAT_PYTHON" - "http://$FINCHAT_HTTP_ADDR" <<'PY' 2>>"$TEST_LOG"
import json, sys, time, urllib.request
base = sys.argv[1] + "/api/v1"
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"content-type": "application/json"})
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)
tok = call("POST", "/auth/login", {"email": "demo@finchat.dev", "password": "DemoPass2026!"})["access_token"]
conv = call("POST", "/conversations", {"title": "01-stack self-test"}, tok)["id"]
sent = call("POST", f"/conversations/{conv}/messages", {"text": "How much did I spend this month?"}, tok)
req = urllib.request.Request(base + f"/streams/{sent['request_id']}", headers={"authorization": "Bearer " + tok})
events, deadline = [], time.time() + 60
with urllib.request.urlopen(req, timeout=60) as r:
    for raw in r:
        line = raw.decode().strip()
        if line.startswith("event:"):
            events.append(line[6:].strip())
            if events[-1] in ("final", "error") or time.time() > deadline:
                break
# Tidy up: the demo user's conversation list is what people see.
try:
    urllib.request.urlopen(urllib.request.Request(base + f"/conversations/{conv}", method="DELETE",
                                                  headers={"authorization": "Bearer " + tok}), timeout=10)
except OSError:
    pass
ok = events[:1] == ["start"] and "token" in events and events[-1] == "final"
if not ok:
    print("# stream events:", events, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

stack_all_ready() {
  local out
  out="$("$FINCHAT_LOCAL_DIR/stack.sh" status)"
  [ "$(grep -c ' ready$' <<<"$out")" -eq 3 ] || {
    printf '# %s\n' "${out//$'\n'/$'\n'# }" >&2
    return 1
  }
}

check "deploy/local/up.sh brings the stack and the services up" run_up
check "GET /readyz is 200" wait_code 200 5
check "stack.sh status reports the three stores ready" stack_all_ready
check "PostgreSQL answers as user finchat in database finchat" pg_ok
check "the four SPEC §6 topics exist with their partition counts" topics_ok
check "Kafka: a message produced with kcat is consumed back with its key and header" kafka_roundtrip
check "FerretDB: ping, insert, find and delete over the wire protocol" mongo_ok

old_pid="$(pid_of kafka)"
if [ -n "$old_pid" ] && kill -KILL "$old_pid" 2>/dev/null; then
  ok "killed the Kafka broker (pid $old_pid)"
else
  not_ok "killed the Kafka broker (no live pid in $(pidfile kafka))"
fi
check "GET /readyz turns 503 within 15 s of the broker's death" wait_code 503 15
check "deploy/local/up.sh again after the failure" run_up
check "GET /readyz is 200 again" wait_code 200 30
new_pid="$(pid_of kafka)"
check "a new broker runs (pid $new_pid)" test -n "$new_pid" -a "$new_pid" != "$old_pid"
check "the topics survived the crash" topics_ok
check "a chat question is answered end to end (SSE start/token/final) after the restart" chat_roundtrip
finish

"""worker_itest.py - helpers of the worker integration tests (tests/integration/4[0-4]-*.sh).

Talks to the local stack the way the gateway would: produces requests and control messages
with kcat (headers of SPEC §6), follows finchat.chat.chunks with kcat, validates every
message against proto/*.schema.json, assembles answers the way a client does (dedupe by
(attempt, seq), discard on reset) and reads MongoDB with pymongo. Starts and stops its own
finchat-worker processes (FINCHAT_LLM_CHAIN=analyst) and only ever signals those.

Needs: kcat, pymongo and jsonschema (tests/integration/lib/worker-env.sh provides them).
"""
import json
import os
import pathlib
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[3]
BROKERS = os.environ.get("FINCHAT_KAFKA_BROKERS", "127.0.0.1:19092")
MONGO_URL = os.environ.get("FINCHAT_MONGO_URL", "mongodb://127.0.0.1:27018/finchat")
WORKER_BIN = os.environ.get("FINCHAT_WORKER_BIN", str(ROOT / "build" / "bin" / "finchat-worker"))
STATE_DIR = pathlib.Path(os.environ.get("FINCHAT_STATE_DIR", str(ROOT / ".local")))
LOG_DIR = STATE_DIR / "log"
REQUESTS, CHUNKS, CONTROL, DLQ = (
    "finchat.chat.requests", "finchat.chat.chunks", "finchat.chat.control", "finchat.chat.dlq")
SEQ_BASE = 1000000

_failed = 0
_passed = 0


def ok(cond, name, detail=""):
    """Prints a TAP-style line and counts it."""
    global _failed, _passed
    if cond:
        _passed += 1
        print(f"ok - {name}", flush=True)
    else:
        _failed += 1
        print(f"not ok - {name}" + (f": {detail}" if detail else ""), flush=True)
    return cond


def done():
    """Prints the summary line and exits non-zero when a check failed."""
    print(f"{_passed} passed, {_failed} failed", flush=True)
    sys.exit(1 if _failed else 0)


# ---- schemas -------------------------------------------------------------------------

_validators = {}


def validator(kind):
    import jsonschema
    if kind not in _validators:
        schema = json.loads((ROOT / "proto" / f"chat.{kind}.schema.json").read_text())
        _validators[kind] = jsonschema.Draft202012Validator(schema)
    return _validators[kind]


def schema_errors(kind, doc):
    return [e.message for e in validator(kind).iter_errors(doc)]


# ---- Kafka through kcat --------------------------------------------------------------

def new_traceparent():
    return f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"


def produce(topic, key, value, headers=None, partition=None):
    """Produces one message (bytes or str) with kcat; raises on failure."""
    if isinstance(value, str):
        value = value.encode()
    cmd = ["kcat", "-P", "-b", BROKERS, "-t", topic, "-k", key, "-c", "1"]
    if partition is not None:
        cmd += ["-p", str(partition)]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}={v}"]
    # kcat splits on newlines by default; -D with a byte that never occurs keeps one message.
    cmd += ["-D", "\x01"]
    subprocess.run(cmd, input=value, check=True, timeout=30, capture_output=True)


def std_headers(schema, request_id, traceparent=None):
    return {"content-type": "application/json", "schema": schema,
            "traceparent": traceparent or new_traceparent(), "request-id": request_id}


def end_offset(topic, partition):
    """The next offset of @topic/@partition (its high watermark)."""
    out = subprocess.run(["kcat", "-Q", "-b", BROKERS, "-t", f"{topic}:{partition}:-1"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    # "finchat.chat.chunks [3] offset 42"
    return int(out.strip().split()[-1])


def partition_count(topic):
    out = subprocess.run(["kcat", "-L", "-b", BROKERS, "-t", topic, "-J"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    meta = json.loads(out)
    return len(meta["topics"][0]["partitions"])


class Follower:
    """Follows partitions of a topic from given offsets with one kcat process per partition;
    messages arrive as dicts {partition, offset, key, headers, value(bytes)}."""

    def __init__(self, topic, partitions_offsets):
        self.q = queue.Queue()
        self.procs = []
        for part, off in partitions_offsets.items():
            # -J would escape; a raw format with a separator keeps values exact.
            p = subprocess.Popen(
                ["kcat", "-C", "-u", "-q", "-b", BROKERS, "-t", topic, "-p", str(part), "-o",
                 str(off), "-f", "%p\\x02%o\\x02%k\\x02%h\\x02%S\\x02%s\\x03"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            self.procs.append(p)
            threading.Thread(target=self._read, args=(p,), daemon=True).start()

    def _read(self, p):
        buf = b""
        while True:
            data = p.stdout.read1(65536)
            if not data:
                return
            buf += data
            while b"\x03" in buf:
                rec, buf = buf.split(b"\x03", 1)
                fields = rec.split(b"\x02", 5)
                if len(fields) != 6:
                    continue
                headers = {}
                for kv in fields[3].decode(errors="replace").split(","):
                    if "=" in kv:
                        k, v = kv.split("=", 1)
                        headers[k] = v
                self.q.put({"partition": int(fields[0]), "offset": int(fields[1]),
                            "key": fields[2].decode(errors="replace"), "headers": headers,
                            "value": fields[5]})

    def get(self, timeout):
        try:
            return self.q.get(timeout=max(timeout, 0.01))
        except queue.Empty:
            return None

    def close(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


def follow_from_end(topic, partitions=None):
    n = partition_count(topic)
    parts = partitions if partitions is not None else range(n)
    return Follower(topic, {p: end_offset(topic, p) for p in parts})


# ---- requests and answers ------------------------------------------------------------

def golden_request(**overrides):
    """The valid golden request with fresh ids, a deadline a minute away and @overrides."""
    doc = json.loads((ROOT / "proto/golden/request/valid-basic.json").read_text())
    now = int(time.time() * 1000)
    for k in ("request_id", "user_id", "conversation_id", "message_id", "reply_message_id"):
        doc[k] = str(uuid.uuid4())
    doc["created_ms"] = now
    doc["deadline_ms"] = now + 60000
    doc.update(overrides)
    return doc


def send_request(req, traceparent=None):
    produce(REQUESTS, req["conversation_id"],
            json.dumps(req, separators=(",", ":"), ensure_ascii=False),
            std_headers("finchat.chat.request/1", req["request_id"], traceparent))


def send_cancel(request_id):
    msg = {"schema": "finchat.chat.control/1", "request_id": request_id, "action": "cancel"}
    produce(CONTROL, request_id, json.dumps(msg, separators=(",", ":")),
            std_headers("finchat.chat.control/1", request_id))


class Answer:
    """A client's view of one request's chunks."""

    def __init__(self, request_id):
        self.request_id = request_id
        self.seen = set()
        self.events = []  # (type, attempt, seq, data) in arrival order, duplicates removed
        self.text = ""
        self.final = None
        self.error = None
        self.problems = []
        self.last_seq = -1

    def add(self, msg):
        try:
            doc = json.loads(msg["value"].decode("utf-8"))
        except ValueError as exc:
            self.problems.append(f"offset {msg['offset']}: not JSON: {exc}")
            return
        if doc.get("request_id") != self.request_id:
            return
        errs = schema_errors("chunk", doc)
        if errs:
            self.problems.append(f"offset {msg['offset']}: schema: {errs[0]}")
        h = msg["headers"]
        if (h.get("content-type") != "application/json" or h.get("schema") != "finchat.chat.chunk/1"
                or h.get("request-id") != self.request_id or msg["key"] != self.request_id
                or not h.get("traceparent", "").startswith("00-")):
            self.problems.append(f"offset {msg['offset']}: headers/key {h} key={msg['key']}")
        ident = (doc["attempt"], doc["seq"])
        if ident in self.seen:
            return
        self.seen.add(ident)
        if doc["seq"] <= self.last_seq:
            self.problems.append(f"seq went back: {doc['seq']} after {self.last_seq}")
        self.last_seq = doc["seq"]
        self.events.append((doc["type"], doc["attempt"], doc["seq"], doc["data"], h))
        if doc["type"] == "token":
            self.text += doc["data"]["text"]
        elif doc["type"] == "reset":
            self.text = ""
        elif doc["type"] == "final":
            self.final = doc["data"]
        elif doc["type"] == "error":
            self.error = doc["data"]

    @property
    def finished(self):
        return self.final is not None or self.error is not None

    def types(self):
        return [e[0] for e in self.events]


def collect(follower, answers, until, timeout):
    """Feeds chunks to @answers (dict request_id -> Answer) until @until() or @timeout s."""
    end = time.time() + timeout
    while not until() and time.time() < end:
        msg = follower.get(min(0.5, end - time.time()))
        if msg is None:
            continue
        try:
            rid = json.loads(msg["value"]).get("request_id")
        except ValueError:
            continue
        if rid in answers:
            answers[rid].add(msg)
    return until()


# ---- MongoDB -------------------------------------------------------------------------

_db = None


def mongo():
    global _db
    if _db is None:
        import pymongo
        client = pymongo.MongoClient(MONGO_URL, serverSelectionTimeoutMS=3000)
        _db = client.get_default_database("finchat")
    return _db


def put_context(user_id):
    """Writes a small but realistic contexts document for @user_id."""
    doc = {
        "_id": user_id, "user_id": user_id, "currency": "USD", "as_of": "2026-01-20",
        "net_worth_minor": 1843210,
        "accounts": [
            {"name": "Everyday Checking", "type": "checking", "balance_minor": 423150},
            {"name": "Rainy Day Savings", "type": "savings", "balance_minor": 1520060},
            {"name": "Visa", "type": "credit", "balance_minor": -100000},
        ],
        "month": {"month": "2026-01", "income_minor": 520000, "expenses_minor": 310050,
                  "savings_rate_pct": 40.4},
        "categories": [{"category": "groceries", "amount_minor": 61230, "share_pct": 19.7},
                       {"category": "rent", "amount_minor": 180000, "share_pct": 58.1}],
        "subscriptions": [{"merchant": "Streamly", "amount_minor": 1599, "cadence": "monthly"}],
        "recent_transactions": [
            {"posted_at": "2026-01-18", "merchant": "Fresh Market", "amount_minor": -8412,
             "category": "groceries"}],
    }
    mongo().contexts.replace_one({"_id": user_id}, doc, upsert=True)


def stored_message(message_id):
    return mongo().messages.find_one({"_id": message_id})


def put_message(doc):
    mongo().messages.replace_one({"_id": doc["_id"]}, doc, upsert=True)


# ---- worker processes ----------------------------------------------------------------

class Worker:
    """A finchat-worker started by a test (analyst provider, its own log file)."""

    def __init__(self, name, **env):
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"itest-{name}.log"
        e = dict(os.environ)
        e.update({"FINCHAT_LLM_CHAIN": "analyst", "FINCHAT_KAFKA_BROKERS": BROKERS,
                  "FINCHAT_MONGO_URL": MONGO_URL, "FINCHAT_STATE_DIR": str(STATE_DIR)})
        e.update({k: str(v) for k, v in env.items()})
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([WORKER_BIN], cwd=str(ROOT), env=e, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_log(self, needle, timeout, since=0):
        end = time.time() + timeout
        while time.time() < end:
            if needle in self.log_text()[since:]:
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=40):
        """SIGTERM (graceful drain); returns the exit code or None if it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


def start_workers(n, envs=None, **env):
    """Starts @n workers and waits until each has partitions or the group settled; worker i
    gets @env and then @envs[i] (when given) as its environment."""
    marks = {}
    workers = []
    for i in range(n):
        w = Worker(f"w{i + 1}-{os.getpid()}", **env, **((envs or [{}] * n)[i]))
        marks[w.name] = len(w.log_text())
        workers.append(w)
    for w in workers:
        w.wait_log("worker ready", 30, marks[w.name])
    # Joining members trigger rebalances (with cooperative-sticky a newcomer may first get an
    # empty assignment); wait until each of ours holds a partition, then let the group settle.
    end = time.time() + 40
    while time.time() < end:
        if all(re.search(r"assigned partitions \[\d", w.log_text()[marks[w.name]:])
               for w in workers):
            break
        time.sleep(0.3)
    time.sleep(2)
    return workers


def stop_all(workers):
    for w in workers:
        w.stop()


def worker_pid(answer):
    """The pid in the worker field (host:pid) of the answer's latest start chunk."""
    for typ, _a, _s, data, _h in reversed(answer.events):
        if typ == "start":
            return int(data["worker"].rsplit(":", 1)[1])
    return None


def start_mock(*args):
    """Starts the scripted mock LLM (tests/mockllm/server.py) on a free port with @args;
    returns (its process, its port)."""
    port_file = tempfile.mktemp()
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests/mockllm/server.py"), "--port", "0",
                             "--port-file", port_file, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(port_file) and pathlib.Path(port_file).read_text().strip():
            return proc, int(pathlib.Path(port_file).read_text().strip())
        time.sleep(0.1)
    raise SystemExit("not ok - the mock LLM did not start")

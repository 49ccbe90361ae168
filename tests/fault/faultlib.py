"""faultlib.py - what the fault cases share: the private stack's processes (kill -9 by pid
file, restart through deploy/local), /readyz timing, questions and SSE readers that behave
like a browser's EventSource (reconnect with Last-Event-ID until `final` or `error`), and the
checks every case makes on the answers: complete or a clear error, what the reader assembled
equals the stored message, nothing duplicated.

Run by tests/fault/run.sh, which sets the environment (ports, state dir) of its private stack."""
import http.client
import json
import os
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import fclib
from fclib import auth, check, login, request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE_DIR = os.environ.get("FINCHAT_STATE_DIR", os.path.join(ROOT, "build/fault/stack"))
RUN_DIR = os.path.join(STATE_DIR, "run")
LOG_DIR = os.path.join(STATE_DIR, "log")
BIN_DIR = os.environ.get("FINCHAT_BIN_DIR", os.path.join(ROOT, "build/bin"))
URL = fclib.URL
URL2 = "http://" + os.environ.get("FINCHAT_FAULT_HTTP2_ADDR", "127.0.0.1:29081")
MOCK = os.environ.get("FINCHAT_FAULT_MOCK_URL", "http://127.0.0.1:29070")
MONGO_URL = os.environ.get("FINCHAT_MONGO_URL", "mongodb://127.0.0.1:29318/finchat")
LONG_Q = "Give me a detailed breakdown of my spending by category, my subscriptions and my budget."


def note(msg):
    print(f"# {msg}", flush=True)


# ---- processes ---------------------------------------------------------------------------
def pid_of(name):
    try:
        with open(os.path.join(RUN_DIR, name + ".pid")) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def children(pid):
    """The pids whose parent is @pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    return out


def signal_tree(name, sig):
    """Sends @sig to the process recorded as @name and to its children (PostgreSQL's
    backends with their postmaster). Returns the time it was sent."""
    pid = pid_of(name)
    if not pid:
        raise SystemExit(f"not ok - no pid file for {name}")
    t = time.time()
    for p in [pid] + children(pid):
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass
    return t


def kill9(name):
    """kill -9 of @name and its children, as in a crash; waits until the process is gone.
    Returns the time of the kill."""
    pid = pid_of(name)
    t = signal_tree(name, signal.SIGKILL)
    for _ in range(100):
        if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z":
            break
        time.sleep(0.05)
    return t


def stack_up():
    """deploy/local/stack.sh up: starts whatever store is not running; True on success."""
    r = subprocess.run([os.path.join(ROOT, "deploy/local/stack.sh"), "up"], capture_output=True, text=True)
    if r.returncode != 0:
        note("stack.sh up failed: " + r.stderr[-500:].replace("\n", " | "))
    return r.returncode == 0


def services_up():
    r = subprocess.run([os.path.join(ROOT, "deploy/local/services.sh"), "up"], capture_output=True, text=True)
    return r.returncode == 0


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Gateway2:
    """A second gateway on URL2 (own reply partition 7), recorded in the run dir so the
    runner stops it even when the case cannot."""

    def __init__(self):
        port = urllib.parse.urlsplit(URL2).port
        env = dict(os.environ, FINCHAT_HTTP_ADDR=f"127.0.0.1:{port}", FINCHAT_REPLY_PARTITIONS="7",
                   FINCHAT_HTTP_THREADS="1", FINCHAT_INSTANCE_ID="gateway-2")
        log = open(os.path.join(LOG_DIR, "gateway-2.log"), "ab")
        self.proc = subprocess.Popen([os.path.join(BIN_DIR, "finchat-gateway")], env=env, cwd=ROOT,
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        with open(os.path.join(RUN_DIR, "gateway-2.pid"), "w") as f:
            f.write(f"{self.proc.pid}\n")
        self.ready = wait_readyz(200, 30, URL2) is not None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        try:
            os.unlink(os.path.join(RUN_DIR, "gateway-2.pid"))
        except OSError:
            pass


# ---- readiness ---------------------------------------------------------------------------
def readyz(url=URL):
    try:
        return request("GET", "/readyz", url=url, timeout=2).status
    except OSError:
        return 0


def wait_readyz(status, timeout, url=URL, since=None):
    """Polls /readyz every 0.1 s until it answers @status; the seconds since @since (or since
    the call), or None after @timeout seconds."""
    t0 = since or time.time()
    end = time.time() + timeout
    while time.time() < end:
        if readyz(url) == status:
            return time.time() - t0
        time.sleep(0.1)
    return None


def check_readyz_cycle(store, killed_at, restart):
    """The /readyz contract around one store's outage: 503 within 3 s of @killed_at, then
    200 again within 60 s once @restart() brought the store back. Returns the two times."""
    down = wait_readyz(503, 5, since=killed_at)
    check(down is not None and down <= 3.0, f"/readyz says 503 within 3 s of {store} going down",
          f"{down:.2f} s" if down is not None else "still not 503 after 5 s")
    t_back = time.time()
    ok = restart()
    check(ok, f"{store} restarts")
    up = wait_readyz(200, 60, since=t_back)
    check(up is not None, f"/readyz says 200 again after {store} is back",
          f"{up:.1f} s after the restart began" if up is not None else "not 200 after 60 s")
    note(f"{store}: /readyz 503 after {down if down is None else round(down, 2)} s, "
         f"200 again {up if up is None else round(up, 1)} s after the restart began")
    return down, up


# ---- the mock provider -------------------------------------------------------------------
def mock(path, obj):
    req = urllib.request.Request(MOCK + path, data=json.dumps(obj).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read() or b"{}")


# ---- chat --------------------------------------------------------------------------------
class User:
    def __init__(self):
        self.H = auth(login())
        self.url = URL  # where the checks read the stored messages
        self.conv = request("POST", "/api/v1/conversations", {"title": "fault " + str(os.getpid())},
                            headers=self.H).json()["id"]

    def ask(self, text=LONG_Q, url=URL):
        """Posts a question; the request id, or None (with the answer noted)."""
        r = request("POST", f"/api/v1/conversations/{self.conv}/messages", {"text": text},
                    headers=self.H, url=url)
        if r.status != 202:
            note(f"posting a question: {r.status} {r.body[:200]!r}")
            return None
        return r.json()["request_id"]

    def messages(self):
        r = request("GET", f"/api/v1/conversations/{self.conv}/messages", headers=self.H, url=self.url)
        return r.json()["items"] if r.status == 200 else None


class SSELines:
    """SSE framing, one line at a time: feed() returns an event (id, event, data) when a
    line ends one, else None."""

    def __init__(self):
        self.cur = {}

    def feed(self, raw):
        line = raw.decode().rstrip("\n")
        if line.startswith("id: "):
            self.cur["id"] = int(line[4:])
        elif line.startswith("event: "):
            self.cur["event"] = line[7:]
        elif line.startswith("data: "):
            self.cur["data"] = json.loads(line[6:])
        elif line == "" and "event" in self.cur:
            cur, self.cur = self.cur, {}
            return (cur.get("id"), cur["event"], cur.get("data"))
        return None


def parse_events(fp, on_event=None, stop=None):
    """Reads SSE events from @fp until EOF, `final`/`error`, or stop(); [(id, event, data)]."""
    events, sse = [], SSELines()
    while True:
        line = fp.readline()
        if not line:
            break
        e = sse.feed(line)
        if e is None:
            continue
        events.append(e)
        if on_event:
            on_event(e)
        if e[1] in ("final", "error") or (stop and stop()):
            break
    return events


class Reader(threading.Thread):
    """An SSE reader that behaves like EventSource: on a dropped connection it reconnects
    (to the next of @urls, after @retry_s) with Last-Event-ID, until `final` or `error` or
    @deadline_s. events: all events received; reconnects: how many times it came back."""

    def __init__(self, H, rid, urls=(URL,), deadline_s=90, on_event=None, retry_s=0.5, last_id=None):
        super().__init__(daemon=True)
        self.H, self.rid, self.urls = H, rid, list(urls)
        self.deadline = time.time() + deadline_s
        self.on_event, self.retry_s = on_event, retry_s
        self.events, self.reconnects, self.statuses = [], 0, []
        self.resumes = []  # (url, Last-Event-ID, events held) of every reconnection
        self.last_id = last_id
        self.first_token = threading.Event()
        self.start()

    def once(self, url):
        u = urllib.parse.urlsplit(url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        h = dict(self.H)
        if self.reconnects:
            self.resumes.append((url, self.last_id, len(self.events)))
        if self.last_id is not None:
            h["Last-Event-ID"] = str(self.last_id)
        try:
            c.request("GET", f"/api/v1/streams/{self.rid}", headers=h)
            r = c.getresponse()
            self.statuses.append(r.status)
            if r.status != 200:
                return False
            parse_events(r.fp, self.event, lambda: time.time() > self.deadline)
        finally:
            c.close()
        return self.finished()

    def event(self, e):
        self.events.append(e)
        if e[0] is not None:
            self.last_id = e[0]
        if e[1] == "token":
            self.first_token.set()
        if self.on_event:
            self.on_event(e)

    def finished(self):
        return bool(self.events) and self.events[-1][1] in ("final", "error")

    def run(self):
        i = 0
        while time.time() < self.deadline:
            try:
                if self.once(self.urls[i % len(self.urls)]):
                    return
            except (OSError, http.client.HTTPException, ValueError):
                self.statuses.append(0)
            i += 1
            self.reconnects += 1
            time.sleep(self.retry_s)

    def outcome(self):
        return self.events[-1][1] if self.finished() else "unfinished"


def assemble(events):
    text = ""
    for _, ev, d in events:
        if ev == "reset":
            text = ""
        elif ev == "token":
            text += d["text"]
    return text


def increasing(events):
    ids = [e[0] for e in events]
    return all(b > a for a, b in zip(ids, ids[1:]))


def stored_answers(user, rid, timeout=30):
    """The assistant messages stored for @rid, once none is still streaming (or @timeout)."""
    end = time.time() + timeout
    found = []
    while time.time() < end:
        items = user.messages()
        if items is None:  # the conversation is gone
            return []
        found = [m for m in items if m["role"] == "assistant" and m.get("request_id") == rid]
        if found and all(m.get("status") != "streaming" for m in found):
            break
        time.sleep(0.3)
    return found


def mongo_counts(rid):
    """Documents in `messages` for request @rid: (user messages, assistant messages)."""
    import pymongo

    c = pymongo.MongoClient(MONGO_URL, serverSelectionTimeoutMS=5000)
    try:
        coll = c.get_default_database()["messages"]
        return tuple(coll.count_documents({"request_id": rid, "role": role}) for role in ("user", "assistant"))
    finally:
        c.close()


def check_answers(user, readers, what):
    """The user's checks on every answer of a case: each reader ended with `final` or a
    clear `error`; its event ids only grow; a final's text equals the stored message; one
    stored answer per request. Returns {outcome: count}."""
    outcomes = {}
    check(bool(readers), f"{what}: there are answers to check")
    check(user.messages() is not None, f"{what}: the conversation is still there")
    for r in readers:
        outcomes[r.outcome()] = outcomes.get(r.outcome(), 0) + 1
    check(all(r.finished() for r in readers), f"{what}: every answer ends with final or error",
          json.dumps(outcomes))
    errors = [r.events[-1][2] for r in readers if r.outcome() == "error"]
    check(all(isinstance(e, dict) and e.get("code") and e.get("message") for e in errors),
          f"{what}: every error event names its code and says what happened", json.dumps(errors[:3]))
    check(all(increasing(r.events) for r in readers), f"{what}: event ids only grow (nothing duplicated)")
    bad, dups = [], []
    for r in readers:
        stored = stored_answers(user, r.rid)
        if len(stored) != 1:
            dups.append((r.rid, len(stored)))
        if r.outcome() == "final":
            text = stored[0]["text"] if len(stored) == 1 and stored[0].get("status") == "complete" else None
            if text is None or text != assemble(r.events):
                bad.append((r.rid, (text or "")[:60], assemble(r.events)[:60]))
                note(f"{what}: {r.rid}: resumed {r.resumes}; events "
                     + " ".join(f"{e[0]}:{e[1]}:{(e[2] or {}).get('text', '')!r}" for e in r.events[:24]))
    check(not bad, f"{what}: what each reader assembled equals the stored message", str(bad[:2]))
    check(not dups, f"{what}: one stored answer per question", str(dups[:3]))
    mongo_dups = [(r.rid, n) for r in readers for n in [mongo_counts(r.rid)] if n != (1, 1)]
    check(not mongo_dups, f"{what}: one question and one answer document per request in MongoDB",
          str(mongo_dups[:3]))
    note(f"{what}: outcomes {json.dumps(outcomes)}, reconnects {sum(r.reconnects for r in readers)}")
    return outcomes


def answer_one(user, what, deadline_s=60):
    """Asks one more question after a fault and checks it is answered in full."""
    rid = user.ask()
    r = Reader(user.H, rid, deadline_s=deadline_s) if rid else None
    if r:
        r.join()
    check(r is not None and r.outcome() == "final", f"{what}: a new question is answered in full",
          r.outcome() if r else "not accepted")
    return r


def store_outage(store, pidname, n=6, after_restart=None):
    """One store killed with kill -9 while @n answers stream, then restarted: the /readyz
    cycle, and the user's checks on the answers, then a fresh question answered in full.
    @after_restart(), when given, runs as soon as the store answers again."""
    user = User()
    mock("/__config", {"tps": 25, "tokens": 150})
    rids = [user.ask() for _ in range(n)]
    check(all(rids), f"{store}: {n} questions accepted")
    readers = [Reader(user.H, rid, deadline_s=120) for rid in rids if rid]
    started = bool(readers) and all(r.first_token.wait(30) for r in readers)
    check(started, f"{store}: every answer is streaming before the kill")
    killed_at = kill9(pidname)
    t_mid = sum(len(r.events) for r in readers)
    note(f"{store}: killed with kill -9 after {t_mid} events had reached the {len(readers)} readers")

    def restart():
        ok = stack_up()
        if ok and after_restart:
            after_restart()
        return ok

    check_readyz_cycle(store, killed_at, restart)
    for r in readers:
        r.join(max(0.0, r.deadline - time.time()))
    note(f"{store}: answers ended {time.time() - killed_at:.1f} s after the kill at the latest")
    check_answers(user, readers, store)
    answer_one(user, store)

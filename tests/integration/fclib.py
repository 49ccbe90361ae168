"""fclib.py - small helpers for the integration tests written in Python (stdlib only).

TAP-style output (`ok - ...` / `not ok - ...`), HTTP with http.client so every status and
header is visible, demo login, and the addresses of the local stack from the environment
(the same defaults as deploy/local/lib.sh), and the port and readiness helpers of tests that
start a private gateway or test double."""
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

URL = os.environ.get("FINCHAT_URL") or "http://" + os.environ.get("FINCHAT_HTTP_ADDR", "127.0.0.1:8080")
PG_URL = os.environ.get("FINCHAT_PG_URL", "postgresql://finchat@127.0.0.1:55432/finchat")
DEMO = ("demo@finchat.dev", "DemoPass2026!")

failures = 0
count = 0


def check(cond, desc, detail=""):
    global failures, count
    count += 1
    if cond:
        print(f"ok - {desc}", flush=True)
    else:
        failures += 1
        print(f"not ok - {desc}" + (f"  # {detail}" if detail else ""), flush=True)
    return cond


def done():
    print(f"# {count - failures}/{count} passed", flush=True)
    sys.exit(1 if failures else 0)


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def header(self, name):
        return self.headers.get(name.lower())


def request(method, path, body=None, headers=None, url=None, timeout=30):
    u = urllib.parse.urlsplit(url or URL)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    h = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode()
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return Resp(r.status, hdrs, data)


def login(email=DEMO[0], password=DEMO[1], url=None):
    r = request("POST", "/api/v1/auth/login", {"email": email, "password": password}, url=url)
    if r.status != 200:
        raise SystemExit(f"not ok - login as {email}: {r.status} {r.body[:200]!r}")
    return r.json()["access_token"]


def auth(token):
    return {"Authorization": "Bearer " + token}


def is_error(r, status, code=None):
    j = r.json()
    if r.status != status or not isinstance(j, dict) or "error" not in j:
        return False
    e = j["error"]
    return (code is None or e.get("code") == code) and bool(e.get("message")) and bool(e.get("request_id"))


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_http(url, path="/healthz", statuses=(200,)):
    """Polls GET @url@path for up to ~10 s until it answers one of @statuses; True if it did."""
    for _ in range(100):
        try:
            if request("GET", path, url=url).status in statuses:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


class Gateway:
    """A finchat-gateway of a test's own (build/bin/finchat-gateway) on a free port, on the
    stack's stores and secrets (the environment of the stack), with @env added: for what the
    stack's gateway cannot show, e.g. an injected clock or a low rate limit. stop() ends it."""

    def __init__(self, **env):
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        port = free_port()
        e = dict(os.environ, FINCHAT_HTTP_ADDR=f"127.0.0.1:{port}", FINCHAT_HTTP_THREADS="1",
                 FINCHAT_REPLY_PARTITIONS="6")
        e.pop("FINCHAT_ENV", None)
        e.update({k: str(v) for k, v in env.items()})
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([os.path.join(root, "build/bin/finchat-gateway")], env=e, cwd=root,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_http(self.url):
            self.stop()
            raise SystemExit(f"not ok - a private gateway with {env} did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class PlaidGateway:
    """The Plaid test double (tests/plaidmock) on a free port and a private Gateway configured
    for it (test credentials, its base URL, reply partition 7): .mock_url, .url; stop() ends
    both."""

    def __init__(self):
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        port = free_port()
        self.mock_url = f"http://127.0.0.1:{port}"
        self.mock = subprocess.Popen(["python3", os.path.join(root, "tests/plaidmock/server.py"),
                                      "--port", str(port)])
        wait_http(self.mock_url, "/__requests", (200, 404))
        try:
            self.gw = Gateway(PLAID_CLIENT_ID="test-client", PLAID_SECRET="test-secret",
                              PLAID_BASE_URL=self.mock_url, FINCHAT_REPLY_PARTITIONS="7")
        except BaseException:
            self.mock.terminate()
            raise
        self.url = self.gw.url

    def stop(self):
        self.gw.stop()
        self.mock.terminate()
        self.mock.wait(timeout=15)

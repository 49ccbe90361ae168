"""10-gateway: the HTTP server core against the running stack — health, headers, error
shape, hostile bodies, HTTP/2, metrics, status, rate limits (on a private gateway with low
limits), and that a stalled database query does not delay /healthz."""
import http.client
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse

from fclib import URL, PG_URL, Resp, check, done, request, login, auth, is_error, free_port, wait_http

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

r = request("GET", "/healthz")
check(r.status == 200 and r.json() == {"status": "ok"}, "/healthz is 200 {status: ok}")
check(r.header("x-request-id"), "every response has X-Request-Id")
csp = r.header("content-security-policy") or ""
check("frame-ancestors 'none'" in csp and "default-src 'self'" in csp, "CSP with frame-ancestors 'none'")
check(r.header("x-content-type-options") == "nosniff", "X-Content-Type-Options: nosniff")
check(r.header("referrer-policy") == "no-referrer", "Referrer-Policy")

r = request("GET", "/readyz")
j = r.json() or {}
check(r.status == 200 and j.get("components") == {"postgres": "ok", "kafka": "ok", "mongo": "ok"},
      "/readyz is 200 with every component ok", r.body[:200])

r = request("GET", "/api/v1/no-such-thing")
check(is_error(r, 404, "not_found"), "unknown API route: 404 not_found with the error shape")
check(r.json()["error"]["request_id"] == r.header("x-request-id"), "error request_id equals X-Request-Id")
r = request("DELETE", "/api/v1/auth/login")
check(is_error(r, 405), "wrong method: 405 with the error shape")
check(r.header("allow") == "POST", "405 names the allowed methods in Allow", str(r.header("allow")))
r = request("PUT", "/api/v1/conversations")
check(is_error(r, 405) and r.header("allow") == "POST, GET", "Allow lists every method of the path",
      str(r.header("allow")))

r = request("POST", "/api/v1/auth/login", '{"email": "a@b.c", "password": ', {"Content-Type": "application/json"})
check(is_error(r, 400, "invalid_json"), "malformed JSON: 400 invalid_json")
deep = "[" * 40 + "]" * 40
r = request("POST", "/api/v1/auth/login", '{"email":' + deep + "}", {"Content-Type": "application/json"})
check(is_error(r, 400, "invalid_json"), "JSON nested 40 deep: 400 invalid_json")
r = request("POST", "/api/v1/auth/login", '{"email":"a@b.c","email":"d@e.f"}', {"Content-Type": "application/json"})
check(is_error(r, 400, "invalid_json"), "duplicate keys: 400 invalid_json")
r = request("POST", "/api/v1/auth/login", '{"email":"a\\u0000b@c.d","password":"x"}', {"Content-Type": "application/json"})
check(is_error(r, 400, "invalid_json") and "NUL" in r.json()["error"]["message"]
      and "JSON_ALLOW_NUL" not in r.json()["error"]["message"],
      "a \\u0000 in a string: 400 invalid_json saying what is wrong in the client's terms", r.body[:200])
big = '{"email":"' + "a" * (2 * 1024 * 1024) + '"}'
r = request("POST", "/api/v1/auth/login", big, {"Content-Type": "application/json"})
check(is_error(r, 413, "payload_too_large"), "2 MiB body: 413 payload_too_large", str(r.status))


def declared(size, path="/api/v1/auth/login", ctype="application/json"):
    """Sends only the head of an HTTP/1.1 request declaring a body of @size bytes and returns
    the answer: the server must refuse it from the Content-Length, without the body."""
    u = urllib.parse.urlsplit(URL)
    sock = socket.create_connection((u.hostname, u.port or 80), timeout=10)
    try:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {u.netloc}\r\nContent-Type: {ctype}\r\n"
                     f"Content-Length: {size}\r\n\r\n".encode())
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        return Resp(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        sock.close()


def shaped_413(r):
    """The SPEC answer to a body too large: 413, error shape, X-Request-Id, security headers."""
    j = r.json() or {}
    return (is_error(r, 413, "payload_too_large") and r.header("x-request-id")
            and j["error"].get("request_id") == r.header("x-request-id")
            and "frame-ancestors 'none'" in (r.header("content-security-policy") or "")
            and r.header("x-content-type-options") == "nosniff"
            and r.header("referrer-policy") == "no-referrer")


# Beyond h2o's own cap (FINCHAT_IMPORT_LIMIT + 1 MiB) h2o answers before any handler runs;
# the answer must still be the gateway's, and come before the body is sent.
for mib, path in ((12, "/api/v1/auth/login"), (100, "/api/v1/auth/login"), (100, "/api/v1/imports")):
    r = declared(mib * 1024 * 1024, path, "application/json" if "auth" in path else "text/csv")
    check(shaped_413(r), f"declared {mib} MiB body to {path} over HTTP/1.1: 413 in the SPEC error shape"
          " with X-Request-Id and the security headers", f"{r.status} {r.headers} {r.body[:200]!r}")
r = declared(12 * 1024 * 1024, "/api/v1/no-such-thing")
check(shaped_413(r), "declared 12 MiB body to an unknown route: the same 413", f"{r.status} {r.body[:120]!r}")
# Over HTTP/2 (prior knowledge) the 2 MiB body gets the same answer.
with tempfile.NamedTemporaryFile() as f:
    f.write(big.encode())
    f.flush()
    out = subprocess.run(["curl", "-s", "-D", "-", "--http2-prior-knowledge", "-H", "Content-Type: application/json",
                          "--data-binary", "@" + f.name, URL + "/api/v1/auth/login"], capture_output=True, text=True)
head, _, body = out.stdout.partition("\n\n")  # text=True reads CRLF as LF
hdrs = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in head.splitlines()[1:] if ":" in l}
check(shaped_413(Resp(int(head.split()[1]) if head.startswith("HTTP/2") else 0, hdrs, body.encode())),
      "2 MiB body over HTTP/2: 413 in the SPEC error shape with X-Request-Id and the security headers",
      out.stdout[:300])

r = request("POST", "/api/v1/auth/login", "email=a", {"Content-Type": "application/x-www-form-urlencoded"})
check(is_error(r, 415, "unsupported_media_type"), "form body: 415 unsupported_media_type")

token = login()
r = request("GET", "/api/v1/me", headers=auth(token))
check(r.status == 200 and r.json()["user"]["email"] == "demo@finchat.dev", "GET /me with a bearer token")
r = request("GET", "/api/v1/me")
check(is_error(r, 401, "unauthorized"), "GET /me without credentials: 401")

# HTTP/2: prior knowledge and h2c upgrade, through curl.
out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_version}", "--http2-prior-knowledge", URL + "/healthz"],
                     capture_output=True, text=True)
check(out.stdout.strip() == "2", "HTTP/2 with prior knowledge", out.stdout)
out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_version}", "--http2", URL + "/healthz"],
                     capture_output=True, text=True)
check(out.stdout.strip() in ("2", "1.1"), "h2c upgrade request is answered", out.stdout)

r = request("GET", "/metrics")
check(r.status == 200 and b"finchat_http_requests_total" in r.body and b"finchat_http_request_duration_seconds_bucket" in r.body,
      "/metrics: Prometheus text with per-route counters and histograms")
r = request("GET", "/api/v1/status")
j = r.json() or {}
check(r.status == 200 and {"uptime_s", "components", "providers", "requests", "routes", "cache"} <= set(j),
      "/api/v1/status has uptime, components, providers, requests, routes, cache")

# A query stalled behind a table lock must not delay /healthz (the query pool is off the loop).
locker = subprocess.Popen(["psql", PG_URL, "-qAt", "-c",
                           "BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.5)
slow = {}


def slow_call():
    t = time.time()
    slow["r"] = request("GET", "/api/v1/accounts", headers=auth(token), timeout=20)
    slow["t"] = time.time() - t


th = threading.Thread(target=slow_call)
th.start()
time.sleep(0.3)
lat = []
for _ in range(20):
    t = time.time()
    request("GET", "/healthz")
    lat.append(time.time() - t)
th.join()
locker.wait()
lat.sort()
check(slow.get("t", 0) > 2.0, "the accounts query really waited on the lock", str(slow.get("t")))
check(lat[len(lat) // 2] < 0.05 and lat[-1] < 0.5, "/healthz stays fast while a query is stalled",
      f"median {lat[len(lat)//2]*1000:.1f} ms, max {lat[-1]*1000:.1f} ms")

# Rate limits on a private gateway instance with small limits.
port = free_port()
env = dict(os.environ, FINCHAT_HTTP_ADDR=f"127.0.0.1:{port}", FINCHAT_RATE_LIMIT="5",
           FINCHAT_AUTH_RATE_LIMIT="3", FINCHAT_REPLY_PARTITIONS="7", FINCHAT_HTTP_THREADS="1")
gw = subprocess.Popen([os.path.join(ROOT, "build/bin/finchat-gateway")], env=env, cwd=ROOT,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
url2 = f"http://127.0.0.1:{port}"
try:
    wait_http(url2)
    # The limiter's windows are wall-clock minutes: start the bursts with at least 10 s of
    # the current minute left, so no burst straddles two windows (a CI rehearsal hit that once).
    while time.time() % 60 > 50:
        time.sleep(0.2)
    codes = [request("POST", "/api/v1/auth/login", {"email": "nobody@example.com", "password": "wrongwrongwrong"}, url=url2)
             for _ in range(5)]
    check([c.status for c in codes[:3]] == [401, 401, 401], "auth limit: first 3 attempts are answered")
    last = codes[3]
    check(is_error(last, 429, "rate_limited") and int(last.header("retry-after") or "0") >= 1,
          "auth limit: 4th attempt is 429 rate_limited with Retry-After", f"{last.status} {last.header('retry-after')}")
    codes = [request("GET", "/api/v1/status", url=url2).status for _ in range(7)]
    check(codes[:5] == [200] * 5 and codes[5] == 429, "general limit: 6th request in a minute is 429", str(codes))
    check(request("GET", "/healthz", url=url2).status == 200, "health checks are not rate limited")
    gw.terminate()
    rc = gw.wait(timeout=15)
    check(rc == 0, "gateway exits 0 on SIGTERM after draining", str(rc))
finally:
    if gw.poll() is None:
        gw.kill()

# TLS: a private gateway with a self-signed certificate speaks HTTPS, negotiates HTTP/2 by
# ALPN, sends HSTS and marks the session cookie Secure.
tmp = tempfile.mkdtemp()
cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-days", "1", "-subj", "/CN=127.0.0.1"], capture_output=True, check=True)
tport = free_port()
env = dict(os.environ, FINCHAT_HTTP_ADDR=f"127.0.0.1:{tport}", FINCHAT_TLS_CERT=cert, FINCHAT_TLS_KEY=key,
           FINCHAT_REPLY_PARTITIONS="7", FINCHAT_HTTP_THREADS="1")
gw = subprocess.Popen([os.path.join(ROOT, "build/bin/finchat-gateway")], env=env, cwd=ROOT,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    out = ""
    for _ in range(100):
        res = subprocess.run(["curl", "-sk", "-D", "-", "-o", "/dev/null", "-w", "HTTPV=%{http_version}",
                              f"https://127.0.0.1:{tport}/healthz"], capture_output=True, text=True)
        out = res.stdout
        if "HTTPV=2" in out:
            break
        time.sleep(0.1)
    check("HTTPV=2" in out, "TLS: HTTPS with HTTP/2 negotiated by ALPN", out[-40:])
    check("strict-transport-security: max-age=" in out.lower(), "TLS: HSTS on every response")
    res = subprocess.run(["curl", "-sk", "-D", "-", "-o", "/dev/null", "-H", "Content-Type: application/json",
                          "-d", '{"email":"demo@finchat.dev","password":"DemoPass2026!"}',
                          f"https://127.0.0.1:{tport}/api/v1/auth/login"], capture_output=True, text=True)
    session = [l for l in res.stdout.lower().splitlines() if l.startswith("set-cookie: finchat_session=")]
    check(session and "secure" in session[0] and "httponly" in session[0] and "samesite=strict" in session[0],
          "TLS: the session cookie is Secure, HttpOnly, SameSite=Strict", str(session)[:200])
finally:
    gw.terminate()
    gw.wait(timeout=15)
done()

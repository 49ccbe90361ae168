#!/usr/bin/env python3
"""bench.py - the Python side of `make bench` (tests/bench/run.sh); stdlib only.

  bench.py login URL EMAIL PASSWORD           print an access token
  bench.py users URL N PREFIX TOKENS          ensure N users PREFIX-<i>@bench.finchat.dev exist,
                                              log each in, write their access tokens to TOKENS
  bench.py spread URL TOKENS N JOBS           N new conversations round-robin over those users;
                                              writes "TOKEN CONVERSATION_ID" lines to JOBS
  bench.py conversations URL TOKEN N JOBS     N conversations of one user, same JOBS format
  bench.py post URL TOKEN TEXT                new conversation + message; print the request_id
  bench.py cancel URL TOKEN REQUEST_ID        POST /streams/{id}/cancel
  bench.py mock URL PATH JSON                 POST JSON to the mock's admin endpoint PATH
  bench.py first-token URL TOKEN REQUEST_ID S wait up to S seconds for the stream to send a
                                              `token` event (exit 0) or to end (exit 1)
  bench.py report RAWDIR OUT.json             assemble the report and print the table
"""
import concurrent.futures
import http.client
import json
import math
import os
import re
import statistics
import sys
import time
import urllib.parse

BENCH_PASSWORD = "BenchPass2026!"


def req(url, method, path, body=None, token=None, timeout=60, headers=None):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    raw = r.read()
    conn.close()
    try:
        j = json.loads(raw) if raw else None
    except ValueError:
        j = None
    return r.status, j, raw


def must(cond, what, status, raw):
    if not cond:
        sys.exit("bench.py: %s failed: HTTP %s %s" % (what, status, raw[:300]))


def login(url, email, password):
    for attempt in range(20):
        st, j, raw = req(url, "POST", "/api/v1/auth/login", {"email": email, "password": password})
        if st == 429:
            time.sleep(1 + attempt)
            continue
        must(st == 200 and j and "access_token" in j, "login " + email, st, raw)
        return j["access_token"]
    sys.exit("bench.py: login %s: still rate limited" % email)


def new_conversation(url, token, title="bench"):
    st, j, raw = req(url, "POST", "/api/v1/conversations", {"title": title}, token)
    must(st == 201 and j and "id" in j, "POST /conversations", st, raw)
    return j["id"]


def ensure_user(url, email):
    st, j, raw = req(url, "POST", "/api/v1/auth/register",
                     {"email": email, "password": BENCH_PASSWORD, "name": "Bench User"})
    must(st in (201, 409), "register " + email, st, raw)
    return login(url, email, BENCH_PASSWORD)


def cmd_users(url, n, prefix, tokens_out):
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        toks = list(ex.map(lambda i: ensure_user(url, "%s-%d@bench.finchat.dev" % (prefix, i)),
                           range(int(n))))
    with open(tokens_out, "w") as f:
        for tok in toks:
            f.write(tok + "\n")


def cmd_spread(url, tokens_file, n, jobs):
    """N new conversations, round-robin over the users of tokens_file."""
    with open(tokens_file) as f:
        toks = [line.strip() for line in f if line.strip()]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        rows = list(ex.map(lambda i: (toks[i % len(toks)], new_conversation(url, toks[i % len(toks)])),
                           range(int(n))))
    with open(jobs, "w") as f:
        for tok, conv in rows:
            f.write("%s %s\n" % (tok, conv))


def cmd_conversations(url, token, n, jobs):
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        convs = list(ex.map(lambda i: new_conversation(url, token), range(int(n))))
    with open(jobs, "w") as f:
        for c in convs:
            f.write("%s %s\n" % (token, c))


def cmd_api_key(url, email):
    """Registers @email if needed and prints a new API key of that user."""
    token = ensure_user(url, email)
    st, j, raw = req(url, "POST", "/api/v1/api-keys", {"name": "bench"}, token)
    must(st == 201 and j and "key" in j, "POST /api-keys", st, raw)
    print(j["key"])


def cmd_post(url, token, text):
    conv = new_conversation(url, token, "bench idle")
    st, j, raw = req(url, "POST", "/api/v1/conversations/%s/messages" % conv, {"text": text}, token)
    must(st == 202 and j and "request_id" in j, "POST /messages", st, raw)
    print(j["request_id"])


def cmd_first_token(url, token, rid, seconds):
    """Reads the stream until its first token (0) or its end / the time limit (1)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=float(seconds))
    conn.request("GET", "/api/v1/streams/" + rid, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    if r.status != 200:
        print("stream: HTTP %d %s" % (r.status, r.read()[:200]), file=sys.stderr)
        return 1
    deadline = time.monotonic() + float(seconds)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 1
            conn.sock.settimeout(left)  # pings every 15 s would defeat a per-read timeout
            line = r.fp.readline()
            if not line:
                return 1
            if line.startswith(b"event: token"):
                return 0
            if line.startswith(b"event: error") or line.startswith(b"event: final"):
                return 1
    except OSError:
        return 1
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------
# report


def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def load_jsonl(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
    except OSError:
        pass
    return out


def percentile(values, q):
    """Nearest-rank percentile of a list (None when empty)."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(math.ceil(q * len(v))) - 1))
    return v[k]


def percentile_failed_inf(values, nfail, q):
    """Percentile over successes and failures, failures counting as infinitely slow: None
    when the percentile falls on a failure."""
    n = len(values) + nfail
    if n == 0:
        return None
    v = sorted(values)
    k = max(0, int(math.ceil(q * n)) - 1)
    return v[k] if k < len(v) else None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def rnd(x, nd=2):
    return None if x is None else round(x, nd)


def http_section(raw):
    out, detail = {}, {}
    for name in ("dashboard", "transactions"):
        runs = [load_json(os.path.join(raw, f)) for f in sorted(os.listdir(raw))
                if f.startswith("http-%s-" % name) and f.endswith(".json")]
        runs = [r for r in runs if r]
        if not runs:
            continue
        out[name] = {"p50_ms": rnd(med([r["p50_ms"] for r in runs]), 3),
                     "p99_ms": rnd(med([r["p99_ms"] for r in runs]), 3)}
        lower = any(r.get("incomplete") for r in runs)
        if lower:
            out[name]["lower_bound"] = True
        detail[name] = {"runs": runs,
                        "note": ("overloaded: some requests were still unanswered 10 s after the "
                                 "run; they count with the time waited, so the figures are lower "
                                 "bounds") if lower else None,
                        "served_rps_median": rnd(med([r.get("achieved_rps") for r in runs]), 1),
                        "p999_ms_median": rnd(med([r["p999_ms"] for r in runs]), 3),
                        "max_ms_max": rnd(max(r["max_ms"] for r in runs), 3),
                        "errors": sum(r["errors"] + r["non2xx"] for r in runs),
                        "requests": sum(r["count"] for r in runs),
                        "capacity_rps_closed_loop": (load_json(os.path.join(
                            raw, "capacity-%s.json" % name)) or {}).get("rps")}
    rps = load_json(os.path.join(raw, "rps.json"), {})
    if rps.get("healthz") and rps.get("nginx"):
        out["healthz_rps"] = round(med(rps["healthz"]))
        out["nginx_rps"] = round(med(rps["nginx"]))
        out["healthz_vs_nginx"] = rnd(out["healthz_rps"] / out["nginx_rps"], 3)
        detail["rps_runs"] = rps
    return out, detail


def pp(values):
    return {"p50": rnd(percentile(values, .5)), "p99": rnd(percentile(values, .99)),
            "n": len(values)}


def iso_to_unix(ts):
    """'2026-11-22T04:35:37.695Z' -> Unix seconds (UTC)."""
    import calendar
    base, _, frac = ts.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


def breakdown(ok, mock_reqs, worker_recv, mock_ttft_ms):
    """Where the time to first token goes, per chat, from three clocks on one machine: the
    client (wall time of the POST), the worker's log ("request received", ms), the mock's
    request log (arrival). The trace id sent in traceparent joins them."""
    arrival = {}
    for m in mock_reqs or []:
        tp = (m.get("headers") or {}).get("traceparent") or ""
        parts = tp.split("-")
        if len(parts) >= 2 and parts[1] not in arrival:
            arrival[parts[1]] = m.get("ts")
    to_worker, to_provider, delivery = [], [], []
    for r in ok:
        t = r.get("trace")
        w = worker_recv.get(t)
        a = arrival.get(t)
        if w is not None:
            to_worker.append((w - r["wall_begin"]) * 1000)
        if w is not None and a is not None:
            to_provider.append((a - w) * 1000)
        if a is not None:
            delivery.append((r["wall_begin"] + r["ttft_ms"] / 1000 - a) * 1000 - mock_ttft_ms)
    return {"post_to_worker_received_ms": pp(to_worker),
            "worker_received_to_provider_request_ms": pp(to_provider),
            "provider_first_token_to_client_ms": pp(delivery),
            "how": "client wall clock at POST; worker log 'request received' (ms resolution); "
                   "mock arrival time; provider first token assumed at arrival + mock_ttft_ms"}


def chat_rate(rows):
    """Chats finished per second over the whole run (warm-up included): the pipeline's
    throughput at that concurrency."""
    if not rows:
        return None
    t0 = min(r["t_begin"] for r in rows)
    t1 = max(r["t_begin"] + r["total_ms"] * 1e6 for r in rows)
    return rnd(len(rows) / ((t1 - t0) / 1e9), 2) if t1 > t0 else None


def chat_level(rows, mock_ttft_ms, mock_reqs=None, worker_recv=None):
    ok = [r for r in rows if not r["warmup"] and r["outcome"] == "ok" and r["ttft_ms"] >= 0]
    bad = [r for r in rows if not r["warmup"] and not (r["outcome"] == "ok" and r["ttft_ms"] >= 0)]
    ttft = [r["ttft_ms"] for r in ok]
    over = [t - mock_ttft_ms for t in ttft]
    wk = [r["final"]["timings"]["ttft_ms"] for r in ok
          if isinstance(r.get("final"), dict) and isinstance(r["final"].get("timings"), dict)]
    outcomes = {}
    for r in bad:
        key = r["outcome"]
        outcomes[key] = outcomes.get(key, 0) + 1
    return {
        "p50": rnd(percentile_failed_inf(over, len(bad), .5)),
        "p99": rnd(percentile_failed_inf(over, len(bad), .99)),
    }, {
        "chats_ok": len(ok), "chats_failed": len(bad), "failures": outcomes,
        "first_failure": (bad[0].get("final") if bad else None),
        "client_ttft_ms": {"p50": rnd(percentile(ttft, .5)), "p90": rnd(percentile(ttft, .9)),
                           "p99": rnd(percentile(ttft, .99)), "max": rnd(max(ttft) if ttft else None)},
        "post_202_ms": {"p50": rnd(percentile([r["post_ms"] for r in ok], .5)),
                        "p99": rnd(percentile([r["post_ms"] for r in ok], .99))},
        "start_event_ms": {"p50": rnd(percentile([r["start_ms"] for r in ok if r["start_ms"] >= 0], .5)),
                           "p99": rnd(percentile([r["start_ms"] for r in ok if r["start_ms"] >= 0], .99))},
        "worker_ttft_ms": {"p50": percentile(wk, .5), "p99": percentile(wk, .99)},
        "total_ms": {"p50": rnd(percentile([r["total_ms"] for r in ok], .5)),
                     "p99": rnd(percentile([r["total_ms"] for r in ok], .99))},
        "chats_per_s": chat_rate(rows),
        "breakdown": breakdown(ok, mock_reqs, worker_recv or {}, mock_ttft_ms),
    }


def direct_level(rows):
    ok = [r for r in rows if not r["warmup"] and r["outcome"] == "ok" and r["ttft_ms"] >= 0]
    nbad = len([r for r in rows if not r["warmup"]]) - len(ok)
    ttft = [r["ttft_ms"] for r in ok]
    return {"chats_ok": len(ok), "chats_failed": nbad,
            "ttft_ms": {"p50": rnd(percentile_failed_inf(ttft, nbad, .5)),
                        "p99": rnd(percentile_failed_inf(ttft, nbad, .99))}}


def tps_of(rows, direct):
    vals = []
    for r in rows:
        if r["outcome"] != "ok" or r["ttft_ms"] < 0 or r["last_ms"] <= r["ttft_ms"]:
            continue
        tokens = r["tokens"]
        if not direct and isinstance(r.get("final"), dict):
            tokens = (r["final"].get("usage") or {}).get("completion_tokens") or tokens
        # tokens after the first one, over the time from first to last token
        vals.append({"tokens": tokens, "events": r["tokens"], "bytes": r["text_bytes"],
                     "stream_s": round((r["last_ms"] - r["ttft_ms"]) / 1000, 4),
                     "tokens_per_s": round((tokens - 1) / ((r["last_ms"] - r["ttft_ms"]) / 1000), 1),
                     "total_ms": r["total_ms"]})
    return vals


def proc_tree_cpu_s():
    """CPU seconds (user + system) of every process, with its parent: {pid: (ppid, s)}."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        f = st[st.rindex(")") + 2:].split()
        out[int(d)] = (int(f[1]), (int(f[11]) + int(f[12])) / tick)
    return out


def cmd_cpu_sample(run_dir, out_path, label, extra):
    """Appends one line to out_path: the CPU seconds used so far by each stack service (the
    pid files in run_dir) and by each NAME=PID in extra, each with its descendants (the
    PostgreSQL backends under the postmaster)."""
    procs = proc_tree_cpu_s()
    kids = {}
    for pid, (ppid, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    roots = {}
    for name in sorted(os.listdir(run_dir)):
        if name.endswith(".pid"):
            try:
                roots[name[:-4]] = int(open(os.path.join(run_dir, name)).read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    for kv in extra:
        name, _, pid = kv.partition("=")
        if pid.isdigit():
            roots[name] = int(pid)
    cpu, pids = {}, {}
    for name, root in roots.items():
        if root not in procs:
            continue
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            total += procs[pid][1]
            todo.extend(kids.get(pid, []))
        cpu[name] = round(total, 2)
        pids[name] = root
    with open(out_path, "a") as f:
        f.write(json.dumps({"label": label, "t": time.time(), "cpu_s": cpu, "pids": pids}) + "\n")


def cpu_section(raw):
    """CPU seconds each process used in each phase (between consecutive samples)."""
    rows = load_jsonl(os.path.join(raw, "cpu.jsonl"))
    out = {}
    for a, b in zip(rows, rows[1:]):
        secs = b["t"] - a["t"]
        if secs <= 0:
            continue
        # A process started again in between (the idle phase restarts the gateway) counts
        # from zero.
        same = lambda k: (a.get("pids") or {}).get(k) == (b.get("pids") or {}).get(k)
        # A service whose child processes exited (PostgreSQL's backends when the gateway
        # restarts) loses their CPU seconds: count that phase's as 0, not negative.
        used = {k: round(max(0.0, v - (a["cpu_s"].get(k, 0.0) if same(k) else 0.0)), 2)
                for k, v in b["cpu_s"].items()}
        out[b["label"]] = {"wall_s": round(secs, 1), "cpu_s": used,
                           "cores_busy": round(sum(used.values()) / secs, 2)}
    return out


def ok_rows(rows):
    return [r for r in rows if not r["warmup"] and r["outcome"] == "ok" and r["ttft_ms"] >= 0]


def failed_rows(rows):
    return [r for r in rows if not r["warmup"] and not (r["outcome"] == "ok" and r["ttft_ms"] >= 0)]


def ttft_pct(rows):
    """Client TTFT (POST sent -> first `token` event) p50/p99 of the measured chats, failed
    ones counting as infinitely slow (None when a percentile falls on one)."""
    ok = [r["ttft_ms"] for r in ok_rows(rows)]
    nbad = len(failed_rows(rows))
    return {"p50": rnd(percentile_failed_inf(ok, nbad, .5)),
            "p99": rnd(percentile_failed_inf(ok, nbad, .99)), "n": len(ok), "failed": nbad}


def mock_rounds(mock_reqs):
    """{trace id: [request, ...] in arrival order} from the mock's request log."""
    out = {}
    for m in mock_reqs or []:
        parts = ((m.get("headers") or {}).get("traceparent") or "").split("-")
        if len(parts) >= 2:
            out.setdefault(parts[1], []).append(m)
    for v in out.values():
        v.sort(key=lambda m: m.get("ts") or 0)
    return out


def tool_round_breakdown(ok, mock_reqs, worker_recv, mock_ttft_ms):
    """Where a chat with one tool round spends its time to first token, per chat, from the
    client's clock, the worker's `request received` log line, the mock's request log (each
    request's arrival `ts` and `done`) and the chat's `tool` events (their `ms`)."""
    by_trace = mock_rounds(mock_reqs)
    to_worker, to_r1, r1, gap, tool, between, to_client = [], [], [], [], [], [], []
    for r in ok:
        reqs = by_trace.get(r.get("trace")) or []
        w = worker_recv.get(r.get("trace"))
        if len(reqs) < 2:
            continue
        a1, d1, a2 = reqs[0].get("ts"), reqs[0].get("done"), reqs[-1].get("ts")
        if w is not None:
            to_worker.append((w - r["wall_begin"]) * 1000)
            to_r1.append((a1 - w) * 1000)
        if d1 is not None:
            r1.append((d1 - a1) * 1000)
            gap.append((a2 - d1) * 1000)
            if r.get("tool_calls"):
                tool.append(r["tool_ms"])
                between.append((a2 - d1) * 1000 - r["tool_ms"])
        to_client.append((r["wall_begin"] + r["ttft_ms"] / 1000 - a2) * 1000 - mock_ttft_ms)
    return {"post_to_worker_received_ms": pp(to_worker),
            "worker_received_to_round1_request_ms": pp(to_r1),
            "mock_round1_ms": pp(r1),
            "round1_end_to_round2_request_ms": pp(gap),
            "tool_call_ms": pp(tool),
            "round1_end_to_round2_request_minus_tool_ms": pp(between),
            "round2_first_token_to_client_ms": pp(to_client),
            "how": "round 1 = the model's tool-call round, round 2 = its answer; mock request "
                   "log arrival (ts) and end (done) per request, joined by trace id; tool_call_ms "
                   "= the tool event's ms (the worker's timing of its HTTP call to the "
                   "gateway's tool); round 2's first token assumed at its arrival + mock_ttft_ms"}


def tools_section(raw, levels, worker_recv, mock_ttft_ms):
    """tools.one_round_extra_ms: client TTFT of the question answered after one tool round
    minus client TTFT of the same question answered directly, percentile by percentile."""
    out, detail = {}, {}
    for c in levels:
        plain = load_jsonl(os.path.join(raw, "tools-plain-c%s.jsonl" % c))
        one = load_jsonl(os.path.join(raw, "tools-one-c%s.jsonl" % c))
        if not plain or not one:
            continue
        mock_reqs = load_json(os.path.join(raw, "mock-requests-tools-c%s.json" % c), [])
        tp, to = ttft_pct(plain), ttft_pct(one)
        k = "c%s" % c
        out[k] = {q: (rnd(to[q] - tp[q]) if to[q] is not None and tp[q] is not None else None)
                  for q in ("p50", "p99")}
        ok = ok_rows(one)
        detail[k] = {
            "ttft_ms_without_tools": tp, "ttft_ms_one_tool_round": to,
            "tool_calls_per_chat": pp([r.get("tool_calls", 0) for r in ok]),
            "tool_errors": sum(r.get("tool_errors", 0) for r in ok),
            "chats_per_s": {"without_tools": chat_rate(plain), "one_tool_round": chat_rate(one)},
            "breakdown_one_tool_round": tool_round_breakdown(
                ok, mock_reqs,
                worker_recv, mock_ttft_ms),
            "breakdown_without_tools": breakdown(
                ok_rows(plain),
                mock_reqs,
                worker_recv, mock_ttft_ms),
        }
    return out, detail


def analyst_section(raw, levels, worker_recv):
    """The offline analyst's time to first token, tool calls included: POST -> first token
    (client clock), worker `request received` -> first token at the client, and the worker's
    own received -> first token (final.timings.ttft_ms)."""
    out, detail = {}, {}
    texts = []
    try:
        with open(os.path.join(raw, "analyst-questions.txt")) as f:
            texts = [line.strip() for line in f if line.strip()]
    except OSError:
        pass
    for c in levels:
        rows = load_jsonl(os.path.join(raw, "analyst-c%s.jsonl" % c))
        if not rows:
            continue
        k = "c%s" % c
        ok = ok_rows(rows)
        w2t = [(r["wall_begin"] + r["ttft_ms"] / 1000 - worker_recv[r["trace"]]) * 1000
               for r in ok if r.get("trace") in worker_recv]
        wk = [r["final"]["timings"]["ttft_ms"] for r in ok
              if isinstance(r.get("final"), dict) and isinstance(r["final"].get("timings"), dict)]
        providers = {}
        for r in ok:
            pv = r["final"].get("provider") if isinstance(r.get("final"), dict) else None
            providers[pv] = providers.get(pv, 0) + 1
        t = ttft_pct(rows)
        out.setdefault("ttft_ms", {})[k] = {"p50": t["p50"], "p99": t["p99"]}
        w = pp(w2t)
        out.setdefault("worker_to_first_token_ms", {})[k] = {"p50": w["p50"], "p99": w["p99"]}
        wkp = pp(wk)
        out.setdefault("worker_ttft_ms", {})[k] = {"p50": wkp["p50"], "p99": wkp["p99"]}
        per_q = {}
        for i, q in enumerate(texts):
            qr = [r for r in ok if r.get("q") == i]
            per_q[q] = {"chats": len(qr),
                        "ttft_ms_p50": rnd(percentile([r["ttft_ms"] for r in qr], .5)),
                        "tool_calls_p50": percentile([r.get("tool_calls", 0) for r in qr], .5),
                        "tool_ms_p50": percentile([r.get("tool_ms", 0) for r in qr], .5)}
        detail[k] = {"client_ttft_ms": t, "worker_to_first_token_ms": w,
                     "worker_ttft_ms": wkp, "providers": providers,
                     "chats_with_tool_calls": len([r for r in ok if r.get("tool_calls")]),
                     "tool_calls_per_chat": pp([r.get("tool_calls", 0) for r in ok]),
                     "tool_rounds_per_chat": pp([r.get("tool_rounds", 0) for r in ok]),
                     "tool_ms_per_chat": pp([r.get("tool_ms", 0) for r in ok]),
                     "tool_errors": sum(r.get("tool_errors", 0) for r in ok),
                     "chats_per_s": chat_rate(rows), "by_question": per_q,
                     "first_failure": next((r.get("final") for r in failed_rows(rows)), None)}
    return out, detail


def stream_level(rows):
    """One target of the facade phase at one level: client TTFT (failed streams count as
    infinitely slow), total time, and the tokens per second of all measured streams together
    (their tokens, stream_tokens(), over the time from the first one's request to the last
    one's end)."""
    meas = [r for r in rows if not r["warmup"]]
    ok = [r for r in meas if r["outcome"] == "ok" and r["ttft_ms"] >= 0]
    nbad = len(meas) - len(ok)
    ttft = [r["ttft_ms"] for r in ok]
    span_s = None
    if ok:
        t0 = min(r["t_begin"] for r in meas) / 1e6
        t1 = max(r["t_begin"] / 1e6 + r["total_ms"] for r in meas)
        span_s = (t1 - t0) / 1000
    return {"streams_ok": len(ok), "streams_failed": nbad,
            "ttft_ms": {"p50": rnd(percentile_failed_inf(ttft, nbad, .5)),
                        "p99": rnd(percentile_failed_inf(ttft, nbad, .99))},
            "total_ms": {"p50": rnd(percentile([r["total_ms"] for r in ok], .5)),
                         "p99": rnd(percentile([r["total_ms"] for r in ok], .99))},
            "tokens_per_s": rnd(sum(stream_tokens(r) for r in ok) / span_s, 1) if span_s else None}


def stream_tokens(r):
    """The tokens of one stream: its usage chunk's completion_tokens when it sent one (finchat
    batches several tokens per content chunk), else its content chunks."""
    u = r.get("final").get("usage") if isinstance(r.get("final"), dict) else None
    n = u.get("completion_tokens") if isinstance(u, dict) else None
    return n if isinstance(n, int) and n > 0 else r["tokens"]


def ratio(a, b, nd=3):
    return rnd(a / b, nd) if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b \
        and a != float("inf") and b != float("inf") else None


STAGE_RE = re.compile(r'^(finchat_(?:chat|worker)_stage_seconds)_bucket\{stage="([a-z_]+)",le="([^"]+)"\} (\d+)$')


def read_stage_buckets(path):
    """{(service, stage): {le: cumulative count}} summed over the processes in @path (the
    gateway's and each worker's finchat_*_stage_seconds histograms)."""
    out = {}
    if not os.path.exists(path):
        return out
    for line in open(path):
        m = STAGE_RE.match(line.strip())
        if not m:
            continue
        svc = "gateway" if "_chat_" in m.group(1) else "worker"
        le = float("inf") if m.group(3) == "+Inf" else float(m.group(3))
        b = out.setdefault((svc, m.group(2)), {})
        b[le] = b.get(le, 0) + int(m.group(4))
    return out


def stage_quantiles(before, after):
    """Per stage of one run (the bucket counts after minus before): count and the upper
    bounds, in ms, of the buckets holding its p50 and p99."""
    out = {}
    for key, b in after.items():
        prev = before.get(key, {})
        les = sorted(b)
        cum = [b[le] - prev.get(le, 0) for le in les]
        n = cum[-1] if cum else 0
        if n <= 0:
            continue
        q = {}
        for name, f in (("p50_ms", 0.5), ("p99_ms", 0.99)):
            for le, c in zip(les, cum):
                if c >= f * n:
                    q[name] = None if le == float("inf") else rnd(le * 1000, 2)
                    break
        out["%s.%s" % key] = dict(count=n, **q)
    return out


def facade_section(raw, levels, worker_recv=None, mock_ttft_ms=None):
    """The facade phase: per level the three targets (facade, direct, litellm), RSS at the
    top level, and facade_vs_litellm / facade_vs_direct ratios (< 1 is faster for TTFT,
    > 1 is more for tokens/s)."""
    out = {}
    for c in levels:
        lv = {}
        for t in ("facade", "direct", "litellm"):
            rows = load_jsonl(os.path.join(raw, "facade-%s-c%s.jsonl" % (t, c)))
            if rows:
                lv[t] = stream_level(rows)
        st = stage_quantiles(read_stage_buckets(os.path.join(raw, "facade-stages-c%s-before.txt" % c)),
                             read_stage_buckets(os.path.join(raw, "facade-stages-c%s-after.txt" % c)))
        if lv and st:
            lv["facade_stages"] = st
        mreqs = load_json(os.path.join(raw, "facade-mock-requests-c%s.json" % c), [])
        rows = load_jsonl(os.path.join(raw, "facade-facade-c%s.jsonl" % c))
        if lv and mreqs and mock_ttft_ms is not None:
            lv["facade_breakdown"] = breakdown(ok_rows(rows), mreqs, worker_recv or {}, mock_ttft_ms)
        if lv:
            out["c%s" % c] = lv
    if not out:
        return None
    vs_l, vs_d = {}, {}
    for k, lv in out.items():
        f, l, d = lv.get("facade"), lv.get("litellm"), lv.get("direct")
        if f and l:
            vs_l[k] = {"ttft_p50": ratio(f["ttft_ms"]["p50"], l["ttft_ms"]["p50"]),
                       "ttft_p99": ratio(f["ttft_ms"]["p99"], l["ttft_ms"]["p99"]),
                       "tokens_per_s": ratio(f["tokens_per_s"], l["tokens_per_s"])}
        if f and d:
            fo = f["ttft_ms"]
            vs_d[k] = {"ttft_overhead_ms": {
                "p50": rnd(fo["p50"] - d["ttft_ms"]["p50"]) if None not in (fo["p50"], d["ttft_ms"]["p50"]) else None,
                "p99": rnd(fo["p99"] - d["ttft_ms"]["p99"]) if None not in (fo["p99"], d["ttft_ms"]["p99"]) else None},
                "tokens_per_s": ratio(f["tokens_per_s"], d["tokens_per_s"])}
    rss = {}
    for line in open(os.path.join(raw, "facade-rss.txt")) if os.path.exists(
            os.path.join(raw, "facade-rss.txt")) else []:
        p = line.split()
        if len(p) == 2 and p[1].isdigit():
            rss[p[0]] = max(rss.get(p[0], 0), int(p[1]))
    sec = {"levels": out, "facade_vs_litellm": vs_l, "facade_vs_direct": vs_d}
    if rss:
        sec["rss_max_kb_at_c%s" % max(levels)] = rss
    return sec


def cmd_report(raw, out_path):
    meta = load_json(os.path.join(raw, "meta.json"), {})
    report = {"schema": "finchat.bench/1", "started_at": meta.get("started_at"),
              "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": meta.get("machine"), "config": meta.get("config"),
              "load": {"start": meta.get("loadavg_start"), "end": meta.get("loadavg_end"),
                       "samples": meta.get("loadavg_samples")},
              "targets": {"ttft_overhead_ms.c100": "p50 <= 5, p99 <= 25",
                          "tokens_per_s.pipeline_vs_direct": ">= 0.8",
                          "http.dashboard.p99_ms": "< 10 at 200 req/s",
                          "http.healthz_vs_nginx": ">= 0.5",
                          "sse_idle_bytes_per_conn": "<= 10240 (10 KiB)",
                          "analyst.worker_to_first_token_ms": "<= 50",
                          "facade_vs_litellm.{c100,c500}.{ttft_p50,ttft_p99}": "< 1",
                          "facade_vs_direct.c100.ttft_overhead_ms": "p50 <= 10, p99 <= 40",
                          "facade_vs_direct.{c100,c500}.tokens_per_s": ">= 0.9"},
              "details": {}}
    cpu = cpu_section(raw)
    if cpu:
        report["details"]["cpu_by_phase"] = cpu
    http, hd = http_section(raw)
    if http:
        report["http"] = http
        report["details"]["http"] = hd

    mock_ttft = (meta.get("config") or {}).get("mock_ttft_ms")
    levels = (meta.get("config") or {}).get("chat_levels") or []
    tt, td, dd = {}, {}, {}
    worker_recv = {}
    for w in load_jsonl(os.path.join(raw, "worker-received.jsonl")):
        if w.get("trace_id") and w.get("ts") and w.get("attempt", 1) == 1:
            worker_recv.setdefault(w["trace_id"], iso_to_unix(w["ts"]))
    for c in levels:
        rows = load_jsonl(os.path.join(raw, "chat-c%s.jsonl" % c))
        if rows and mock_ttft is not None:
            tt["c%s" % c], td["c%s" % c] = chat_level(
                rows, mock_ttft, load_json(os.path.join(raw, "mock-requests-c%s.json" % c), []),
                worker_recv)
        drows = load_jsonl(os.path.join(raw, "direct-c%s.jsonl" % c))
        if drows:
            dd["c%s" % c] = direct_level(drows)
    if tt:
        report["ttft_overhead_ms"] = tt
        report["details"]["chat"] = td
        report["details"]["mock_direct"] = dd
    rows = load_jsonl(os.path.join(raw, "chat-short-c100.jsonl"))
    if rows and mock_ttft is not None:
        st, sd = chat_level(rows, mock_ttft,
                            load_json(os.path.join(raw, "mock-requests-short-c100.json"), []),
                            worker_recv)
        report["ttft_overhead_ms_short_answers"] = {"c100": st}
        sd["answer_tokens"] = (meta.get("config") or {}).get("short_tokens")
        report["details"]["chat_short_answers"] = {"c100": sd}

    tool_levels = (meta.get("config") or {}).get("tools_levels") or []
    tl, tld = tools_section(raw, tool_levels, worker_recv, mock_ttft or 0)
    if tl:
        report["tools"] = {"one_round_extra_ms": tl}
        report["details"]["tools"] = tld
    an, anld = analyst_section(raw, tool_levels, worker_recv)
    if an:
        report["analyst"] = an
        report["details"]["analyst"] = anld

    fm = (meta.get("config") or {}).get("facade_mock") or {}
    fs = facade_section(raw, (meta.get("config") or {}).get("facade_levels") or [], worker_recv,
                        1000.0 / fm["tps"] if fm.get("tps") else None)
    if fs:
        report["facade"] = fs["levels"]
        report["facade_vs_litellm"] = fs["facade_vs_litellm"]
        report["facade_vs_direct"] = fs["facade_vs_direct"]
        for k, v in fs.items():
            if k.startswith("rss_"):
                report["facade_" + k] = v

    p = tps_of(load_jsonl(os.path.join(raw, "tps-pipeline.jsonl")), False)
    d = tps_of(load_jsonl(os.path.join(raw, "tps-direct.jsonl")), True)
    if p or d:
        report["tokens_per_s"] = {"pipeline": rnd(med([x["tokens_per_s"] for x in p]), 1),
                                  "direct": rnd(med([x["tokens_per_s"] for x in d]), 1)}
        if report["tokens_per_s"]["pipeline"] and report["tokens_per_s"]["direct"]:
            report["tokens_per_s"]["pipeline_vs_direct"] = rnd(
                report["tokens_per_s"]["pipeline"] / report["tokens_per_s"]["direct"], 3)
        report["details"]["tokens_per_s"] = {"pipeline_runs": p, "direct_runs": d}

    idle = load_json(os.path.join(raw, "idle.json"))
    if idle and idle.get("rounds"):
        first = idle["rounds"][0]
        report["sse_idle_conns"] = first.get("established")
        report["sse_idle_bytes_per_conn"] = first.get("bytes_per_conn")
        report["details"]["sse_idle"] = idle

    report["errors"] = meta.get("errors") or []
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    os.replace(tmp, out_path)
    print_table(report)


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        v = ("%.2f" % v) if abs(v) < 100 else ("%.0f" % v)
    return "%s%s" % (v, unit)


def facade_rows(r):
    """The table's lines of the facade phase: per level, each target's TTFT and tokens/s."""
    rows = []
    for k, lv in (r.get("facade") or {}).items():
        for t, label in (("facade", "finchat /v1/chat/completions"), ("litellm", "LiteLLM proxy"),
                         ("direct", "provider directly")):
            v = lv.get(t)
            if not v:
                continue
            vl = (r.get("facade_vs_litellm") or {}).get(k) or {}
            vd = (r.get("facade_vs_direct") or {}).get(k) or {}
            third, fourth = "", ""
            if t == "facade" and vl:
                third = "vs LiteLLM: TTFT p50 %s x, p99 %s x, tok/s %s x" % (
                    fmt(vl.get("ttft_p50")), fmt(vl.get("ttft_p99")), fmt(vl.get("tokens_per_s")))
                if vl.get("ttft_p50") is not None and vl.get("ttft_p99") is not None:
                    fourth = "ok" if vl["ttft_p50"] < 1 and vl["ttft_p99"] < 1 else "MISSED"
            elif t == "facade" and vd:
                third = "overhead p50 %s p99 %s" % (
                    fmt(vd["ttft_overhead_ms"]["p50"], " ms"), fmt(vd["ttft_overhead_ms"]["p99"], " ms"))
            rows.append(("%s, one key, %s streams" % (label, k[1:]),
                         "TTFT p50 %s  p99 %s  %s tok/s%s" % (
                             fmt(v["ttft_ms"]["p50"], " ms"), fmt(v["ttft_ms"]["p99"], " ms"),
                             fmt(v["tokens_per_s"]),
                             "  (%d failed)" % v["streams_failed"] if v["streams_failed"] else ""),
                         third, fourth))
    for k, lv in (r.get("facade") or {}).items():
        st = lv.get("facade_stages") or {}
        if st:
            rows.append(("finchat stages at %s streams (bucket bounds)" % k[1:], "  ".join(
                "%s %s/%s" % (n, fmt(v.get("p50_ms")), fmt(v.get("p99_ms")))
                for n, v in st.items()), "p50/p99 ms", ""))
        bd = lv.get("facade_breakdown") or {}
        if bd:
            rows.append(("finchat TTFT at %s streams, by clock" % k[1:], "  ".join(
                "%s %s/%s" % (n.replace("_ms", ""), fmt((v or {}).get("p50")), fmt((v or {}).get("p99")))
                for n, v in bd.items() if isinstance(v, dict)), "p50/p99 ms", ""))
    for k, v in r.items():
        if k.startswith("facade_rss_max_kb"):
            rows.append(("RSS max at %s streams (kB)" % k.rsplit("_c", 1)[1],
                         "  ".join("%s %s" % (n, kb) for n, kb in sorted(v.items())), "", ""))
    return rows


def print_table(r):
    rows = []
    h = r.get("http") or {}
    hd = (r.get("details") or {}).get("http") or {}

    def verdict(ok):
        return "" if ok is None else ("ok" if ok else "MISSED")

    for name, label in (("dashboard", "GET /api/v1/dashboard"),
                        ("transactions", "GET /api/v1/transactions?limit=50")):
        if name in h:
            d = h[name]
            n = (hd.get(name) or {}).get("runs") or []
            rate = n[0]["rate"] if n else None
            cap = (hd.get(name) or {}).get("capacity_rps_closed_loop")
            ge = ">=" if d.get("lower_bound") else ""
            rows.append(("%s @ %s req/s" % (label, fmt(rate)), "p50 %s%s  p99 %s%s%s" % (
                ge, fmt(d["p50_ms"], " ms"), ge, fmt(d["p99_ms"], " ms"),
                ("  (capacity %s req/s)" % fmt(cap)) if cap else ""),
                "p99 < 10 ms" if name == "dashboard" else "",
                verdict(d["p99_ms"] < 10) if name == "dashboard" and d["p99_ms"] is not None else ""))
    if "healthz_rps" in h:
        rows.append(("GET /healthz vs nginx static (req/s)", "%s vs %s = %s x" % (
            fmt(h["healthz_rps"]), fmt(h["nginx_rps"]), fmt(h["healthz_vs_nginx"])),
            ">= 0.5 x", verdict(h["healthz_vs_nginx"] >= 0.5)))
    tt = r.get("ttft_overhead_ms") or {}
    cd = (r.get("details") or {}).get("chat") or {}
    for k, v in tt.items():
        d = cd.get(k) or {}
        extra = "" if not d.get("chats_failed") else "  (%d failed)" % d["chats_failed"]
        rows.append(("TTFT overhead, %s concurrent chats" % k[1:], "p50 %s  p99 %s%s" % (
            fmt(v["p50"], " ms"), fmt(v["p99"], " ms"), extra),
            "%s chats/s" % fmt(d.get("chats_per_s")), ""))
    for k, v in (r.get("ttft_overhead_ms_short_answers") or {}).items():
        d = ((r.get("details") or {}).get("chat_short_answers") or {}).get(k) or {}
        rows.append(("  same, %s-token answers" % d.get("answer_tokens", "short"),
                     "p50 %s  p99 %s" % (fmt(v["p50"], " ms"), fmt(v["p99"], " ms")),
                     "%s chats/s" % fmt(d.get("chats_per_s")), ""))
    rows.extend(facade_rows(r))
    tp = r.get("tokens_per_s")
    if tp:
        rows.append(("tokens/s, one long answer", "pipeline %s vs direct %s" % (
            fmt(tp.get("pipeline")), fmt(tp.get("direct"))),
            "%s x" % fmt(tp.get("pipeline_vs_direct")), ""))
    td = (r.get("details") or {}).get("tools") or {}
    for k, v in ((r.get("tools") or {}).get("one_round_extra_ms") or {}).items():
        d = td.get(k) or {}
        fails = (d.get("ttft_ms_one_tool_round") or {}).get("failed", 0) + (
            d.get("ttft_ms_without_tools") or {}).get("failed", 0)
        rows.append(("one tool round, extra TTFT, %s concurrent" % k[1:],
                     "p50 %s  p99 %s%s" % (fmt(v["p50"], " ms"), fmt(v["p99"], " ms"),
                                           "  (%d failed)" % fails if fails else ""),
                     "tool call p50 %s" % fmt(((d.get("breakdown_one_tool_round") or {}).get(
                         "tool_call_ms") or {}).get("p50"), " ms"), ""))
    an = r.get("analyst") or {}
    ad = (r.get("details") or {}).get("analyst") or {}
    for k, v in (an.get("ttft_ms") or {}).items():
        w = (an.get("worker_to_first_token_ms") or {}).get(k) or {}
        d = ad.get(k) or {}
        fails = (d.get("client_ttft_ms") or {}).get("failed", 0)
        rows.append(("analyst TTFT, %s concurrent (POST / worker)" % k[1:],
                     "p50 %s / %s  p99 %s / %s%s" % (
                         fmt(v["p50"], " ms"), fmt(w.get("p50"), " ms"), fmt(v["p99"], " ms"),
                         fmt(w.get("p99"), " ms"), "  (%d failed)" % fails if fails else ""),
                     "worker p50 <= 50 ms; %s tool calls/chat" % fmt(
                         (d.get("tool_calls_per_chat") or {}).get("p50")),
                     verdict(w["p50"] <= 50) if w.get("p50") is not None else ""))
    if r.get("sse_idle_bytes_per_conn") is not None:
        b = r["sse_idle_bytes_per_conn"]
        rows.append(("idle SSE memory per connection", "%s B (%.2f KiB) at %s conns" % (
            fmt(b), b / 1024, fmt(r.get("sse_idle_conns"))), "<= 10 KiB", verdict(b <= 10240)))
    w = [max(len(x[i]) for x in rows) if rows else 0 for i in range(4)]
    print()
    print("finchat bench  (load %s -> %s; %s)" % (
        " ".join(map(str, (r.get("load") or {}).get("start") or [])),
        " ".join(map(str, (r.get("load") or {}).get("end") or [])),
        (r.get("machine") or {}).get("cpus", "?") and "%s CPUs" % (r.get("machine") or {}).get("cpus")))
    sep = "-+-".join("-" * n for n in w)
    print(sep)
    for x in rows:
        print(" | ".join(x[i].ljust(w[i]) for i in range(4)).rstrip())
    print(sep)
    for e in r.get("errors") or []:
        print("note: " + e)


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    cmd = a[0]
    if cmd == "login":
        print(login(a[1], a[2], a[3]))
    elif cmd == "users":
        cmd_users(a[1], a[2], a[3], a[4])
    elif cmd == "spread":
        cmd_spread(a[1], a[2], a[3], a[4])
    elif cmd == "conversations":
        cmd_conversations(a[1], a[2], a[3], a[4])
    elif cmd == "post":
        cmd_post(a[1], a[2], a[3])
    elif cmd == "api-key":
        cmd_api_key(a[1], a[2])
    elif cmd == "cancel":
        st, _, raw = req(a[1], "POST", "/api/v1/streams/%s/cancel" % a[3], {}, a[2])
        must(st in (200, 202, 409), "cancel", st, raw)
    elif cmd == "mock":
        st, j, raw = req(a[1], "POST", a[2], json.loads(a[3]))
        must(st == 200, "mock " + a[2], st, raw)
    elif cmd == "first-token":
        sys.exit(cmd_first_token(a[1], a[2], a[3], a[4]))
    elif cmd == "cpu-sample":
        cmd_cpu_sample(a[1], a[2], a[3], a[4:])
    elif cmd == "report":
        cmd_report(a[1], a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

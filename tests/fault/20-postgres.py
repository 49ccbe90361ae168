"""20-postgres: PostgreSQL killed (kill -9, postmaster and backends) while six answers stream,
then restarted: the same checks as 10-kafka, and from the moment PostgreSQL answers again no
user request fails: every pooled connection of the gateway died with the server, and each
must be noticed and replaced before a request uses it (3 rounds of 24 concurrent requests,
more than the pool's 8 connections, across routes that read PostgreSQL)."""
import concurrent.futures
import time

from fclib import check, done, login, auth, request
from faultlib import note, store_outage

ROUTES = ["/api/v1/accounts", "/api/v1/dashboard", "/api/v1/conversations", "/api/v1/me",
          "/api/v1/transactions?limit=20", "/api/v1/budgets"]
H = auth(login())


def burst():
    t0 = time.time()
    fails = []
    with concurrent.futures.ThreadPoolExecutor(24) as ex:
        for rnd in range(3):
            paths = [ROUTES[i % len(ROUTES)] for i in range(24)]
            for p, r in zip(paths, ex.map(lambda p: request("GET", p, headers=H, timeout=10), paths)):
                if r.status != 200:
                    fails.append((rnd, p, r.status, r.body[:120]))
    check(not fails, "postgres: no user request fails once PostgreSQL answers again (72 requests)",
          f"{len(fails)} failed: {fails[:3]}")
    note(f"postgres: 72 requests right after the restart in {time.time() - t0:.2f} s, {len(fails)} failed")


store_outage("postgres", "postgres", after_restart=burst)
done()

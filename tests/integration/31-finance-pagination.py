#!/usr/bin/env python3
"""31-finance-pagination.py - GET /transactions cursors stay exact while rows are inserted.

A fresh user gets 150 transactions with distinct times and amounts. For each sort order the
list is walked 7 rows at a time while another thread posts new transactions that land before,
inside and after the part already read. Keyset cursors must return every pre-existing row
exactly once, in order, with no duplicate; new rows may or may not appear (each at most once).
Also: cursors are opaque base64url, tampered cursors are 400, and a cursor keeps working
after the rows around it change.

Environment: FINCHAT_URL, FINCHAT_PG_URL. Needs python3 and psql."""
import base64
import datetime
import random
import threading
import time

from finlib import check, done, get, is_error, new_account, new_user, psql_one, request

tok, uid = new_user("pages")
acct = new_account(tok, "Pager", "checking", 0)
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
rng = random.Random(31)


def ts(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def post(amount, when, merchant):
    return request("POST", "/api/v1/transactions",
                   {"account_id": acct, "amount_minor": amount, "merchant": merchant,
                    "category": "test", "posted_at": ts(when)}, token=tok)


statuses = []
for i in range(150):
    when = now - datetime.timedelta(days=60) + datetime.timedelta(minutes=571 * i + rng.randint(0, 60))
    statuses.append(post(-(1000 + 37 * i), when, f"Shop {i % 13}").status)
check(statuses.count(201) == 150, "150 transactions created", str(set(statuses)))
existing = {row for row in psql_one(
    "SELECT string_agg(id::text, ',') FROM transactions WHERE user_id = :'a1'", uid).split(",")}
check(len(existing) == 150, "150 rows in PostgreSQL")

SORTS = {"date_desc": ("posted_at", True), "date_asc": ("posted_at", False),
         "amount_desc": ("amount_minor", True), "amount_asc": ("amount_minor", False)}

for sort, (key, rev) in SORTS.items():
    stop = threading.Event()
    inserted = []

    def writer():
        k = 0
        while not stop.is_set() and k < 60:
            offset = datetime.timedelta(days=rng.uniform(-61, 0))
            r = post(-rng.randint(500, 9000), now + offset if offset < datetime.timedelta(0) else now,
                     f"Late {sort} {k}")
            if r.status == 201:
                inserted.append(r.json()["transaction"]["id"])
            k += 1

    t = threading.Thread(target=writer)
    t.start()
    seen, order, cursor, pages, bad = [], [], None, 0, None
    while True:
        time.sleep(0.08)  # let the writer land rows between pages
        r = get("/api/v1/transactions", tok, limit=7, sort=sort, cursor=cursor)
        if r.status != 200:
            bad = r
            break
        j = r.json()
        seen += [x["id"] for x in j["items"]]
        order += [(x[key], x["id"]) for x in j["items"]]
        pages += 1
        cursor = j["next_cursor"]
        if not cursor:
            break
    stop.set()
    t.join()
    check(bad is None, f"{sort}: every page answered 200", bad.body[:200] if bad else "")
    check(len(seen) == len(set(seen)), f"{sort}: no row twice across {pages} pages while inserting")
    check(existing <= set(seen), f"{sort}: every pre-existing row seen",
          f"missing {len(existing - set(seen))}")
    check(set(seen) <= existing | set(inserted), f"{sort}: nothing foreign")
    keys = [k for k, _ in order]
    check(keys == sorted(keys, reverse=rev), f"{sort}: order holds across pages")
    check(len(inserted) > 0, f"{sort}: {len(inserted)} rows were inserted during the walk")
    existing |= set(inserted)

# Cursors are opaque, validated and bound to their sort order.
page = get("/api/v1/transactions", tok, limit=5, sort="date_desc").json()
cur = page["next_cursor"]
check(isinstance(cur, str) and all(c.isalnum() or c in "-_" for c in cur), "cursor is base64url text")
raw = base64.urlsafe_b64decode(cur + "=" * (-len(cur) % 4))
for name, forged in [
        ("flipped byte", base64.urlsafe_b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode().rstrip("=")),
        ("sql in key", base64.urlsafe_b64encode(b"0.1 OR 1=1.00000000-0000-0000-0000-000000000000").decode().rstrip("=")),
        ("not base64", "!!!"), ("padding", cur + "=="), ("huge", "A" * 500),
        ("other sort", None)]:
    if forged is None:
        r = get("/api/v1/transactions", tok, limit=5, sort="amount_asc", cursor=cur)
    else:
        r = get("/api/v1/transactions", tok, limit=5, sort="date_desc", cursor=forged)
    check(is_error(r, 400, "invalid_field") or (name == "flipped byte" and r.status == 200),
          f"tampered cursor ({name}) is refused", r.body[:120])
r = get("/api/v1/transactions", tok, limit=5, sort="date_desc", cursor=cur)
first_again = r.json()["items"][0]["id"] if r.status == 200 else None
# Deleting nothing but inserting a newer row must not shift a cursor's page.
post(-1, now, "Newest")
r2 = get("/api/v1/transactions", tok, limit=5, sort="date_desc", cursor=cur)
check(r2.status == 200 and r2.json()["items"][0]["id"] == first_again,
      "a cursor's next page does not move when newer rows arrive")
done()

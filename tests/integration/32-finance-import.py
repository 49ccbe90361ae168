#!/usr/bin/env python3
"""32-finance-import.py - POST /api/v1/imports with CSV and OFX statements.

Added / duplicate / rejected counts with line numbers; importing the same file again adds
nothing; CSV quoting, Unicode and Latin-1 bytes; OFX in its SGML (1.x) and XML (2.x) forms,
deduplicated by FITID; the account balance moves by exactly the sum of the added rows; an
outlier row raises a review alert; unsupported media types are 415, unreadable files 400,
another user's account 404, and a refused upload changes nothing. Also a 5,000-row file,
timed.

Environment: FINCHAT_URL, FINCHAT_PG_URL. Needs python3 and psql."""
import time

from finlib import (all_transactions, check, done, get, is_error, new_account, new_user, psql,
                    psql_one, request, snapshot)

tok, uid = new_user("import")
acct = new_account(tok, "Import Checking", "checking", 10000)
tok_b, uid_b = new_user("import-b")
acct_b = new_account(tok_b, "B", "checking", 0)


def upload(body, ctype, account=acct, token=tok):
    return request("POST", f"/api/v1/imports?account_id={account}", raw=body, ctype=ctype, token=token)


def balance():
    return int(psql_one("SELECT balance_minor FROM accounts WHERE id = :'a1'", acct))


csv = ("\ufeffDate,Description,Amount,Category\r\n"
       "2026-01-05,\"Whole Foods, Market\",-54.20,Groceries\r\n"
       "2026-01-05,Coffee,-3.00,dining\r\n"
       "2026-01-05,Coffee,-3.00,dining\r\n"
       "2026-01-06,\"He said \"\"hi\"\"\",\"1,200.00\",\r\n"
       "2026-02-30,Bad date,-1.00,\r\n"
       "2026-01-07,Bad amount,ten,\r\n"
       "\r\n"
       "2026-01-08,\"Multi\nline memo\",-10.00,misc\r\n"
       "2026-01-09,Café ☕ 東京,-4.75,dining\r\n"
       "2026-01-10,Zero,0.00,\r\n").encode()
b0 = balance()
r = upload(csv, "text/csv")
j = r.json() or {}
check(r.status == 200 and j.get("added") == 6 and j.get("duplicates") == 0,
      "CSV: 6 rows added (two identical coffees both kept)", r.body[:300])
rej = {x["line"]: x["reason"] for x in j.get("rejected", [])}
check(set(rej) == {6, 7, 12} and "date" in rej.get(6, "") and "amount" in rej.get(7, "")
      and "zero" in rej.get(12, ""), "CSV: rejected rows with their line numbers and reasons", str(rej))
added_sum = -5420 - 300 - 300 + 120000 - 1000 - 475
check(balance() == b0 + added_sum, "balance moved by exactly the added rows", f"{balance()} vs {b0 + added_sum}")
items, _ = all_transactions(tok, account_id=acct)
desc = {t["description"] for t in items}
check({"Whole Foods, Market", "He said \"hi\"", "Multi line memo", "Café ☕ 東京"} <= desc,
      "quoted fields, doubled quotes, line breaks and Unicode arrive intact", str(desc))
wf = [t for t in items if t["description"] == "Whole Foods, Market"][0]
check(wf["posted_at"].startswith("2026-01-05") and wf["category"] == "groceries" and wf["type"] == "expense"
      and wf["amount_minor"] == -5420, "row fields: date, category, type, amount")
b1 = balance()
r = upload(csv, "text/csv")
j = r.json() or {}
check(r.status == 200 and j.get("added") == 0 and j.get("duplicates") == 6 and len(j.get("rejected", [])) == 3,
      "the same file again: all duplicates", r.body[:200])
check(balance() == b1, "re-import leaves the balance alone")
r = upload(b"date,description,amount\n2026-01-05,Coffee,-3.00\n2026-01-05,Coffee,-3.00\n"
           b"2026-01-05,Coffee,-3.00\n2026-01-11,Caf\xe9 Latin-1,-2.00\n", "text/csv")
j = r.json() or {}
check(r.status == 200 and j.get("added") == 2 and j.get("duplicates") == 2,
      "an overlapping file adds only the new rows (a third identical coffee is new)", r.body[:200])
check(any(t["description"] == "Café Latin-1" for t in all_transactions(tok, q="Latin-1")[0]),
      "Latin-1 bytes are read as Latin-1 and stored as UTF-8")

sgml = (b"OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nCHARSET:1252\r\n\r\n"
        b"<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</STATUS></SONRS></SIGNONMSGSRSV1>\r\n"
        b"<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKTRANLIST>\r\n"
        b"<STMTTRN>\r\n<TRNTYPE>DEBIT\r\n<DTPOSTED>20260203120000[-5:EST]\r\n<TRNAMT>-19.99\r\n"
        b"<FITID>SG-1\r\n<NAME>NETFLIX.COM\r\n<MEMO>Streaming &amp; more\r\n</STMTTRN>\r\n"
        b"<STMTTRN>\r\n<TRNTYPE>CREDIT\r\n<DTPOSTED>20260215\r\n<TRNAMT>2500,00\r\n"
        b"<FITID>SG-2\r\n<NAME>ACME PAYROLL\r\n</STMTTRN>\r\n"
        b"<STMTTRN>\r\n<TRNTYPE>XFER\r\n<DTPOSTED>20260216\r\n<TRNAMT>-300.00\r\n"
        b"<FITID>SG-3\r\n<NAME>To savings\r\n</STMTTRN>\r\n"
        b"<STMTTRN>\r\n<TRNTYPE>DEBIT\r\n<DTPOSTED>2026021\r\n<TRNAMT>-1.00\r\n<FITID>SG-4\r\n"
        b"<NAME>Bad date\r\n</STMTTRN>\r\n"
        b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n")
b2 = balance()
r = upload(sgml, "application/x-ofx")
j = r.json() or {}
bad_line = [i + 1 for i, ln in enumerate(sgml.split(b"\r\n")) if ln == b"<STMTTRN>"][3]
check(r.status == 200 and j.get("added") == 3 and [x["line"] for x in j.get("rejected", [])] == [bad_line],
      "OFX SGML: 3 added, the bad DTPOSTED rejected at its line", r.body[:300])
check(balance() == b2 - 1999 + 250000 - 30000, "OFX: balance moved by the added rows")
xfer = [t for t in all_transactions(tok, q="To savings")[0]]
check(len(xfer) == 1 and xfer[0]["type"] == "transfer", "TRNTYPE XFER is a transfer")
r = upload(sgml, "application/x-ofx")
check(r.status == 200 and r.json()["added"] == 0 and r.json()["duplicates"] == 3, "OFX: FITID dedupes a re-import")
xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?OFX OFXHEADER=\"200\" VERSION=\"220\"?>\n"
       "<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><BANKTRANLIST>\n"
       "<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20260301083000.000[+1:CET]</DTPOSTED>"
       "<TRNAMT>-9.99</TRNAMT><FITID>X-1</FITID><NAME>Caf&#233; &#x2615;</NAME></STMTTRN>\n"
       "<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20260302</DTPOSTED><TRNAMT>-15.49</TRNAMT>"
       "<FITID>X-2</FITID><PAYEE><NAME>Spotify</NAME></PAYEE></STMTTRN>\n"
       "</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\n").encode()
r = upload(xml, "application/x-ofx")
check(r.status == 200 and r.json()["added"] == 2, "OFX XML: 2 added", r.body[:200])
check(any(t["merchant"] == "Café ☕" for t in all_transactions(tok, q="☕")[0]),
      "OFX character references decode to UTF-8")
r = upload(xml, "application/octet-stream")
check(r.status == 200 and r.json()["duplicates"] == 2, "a generic media type is sniffed as OFX")

# An outlier among ordinary rows is scored against the history and logged as an alert.
alerts0 = int(psql_one("SELECT count(*) FROM fraud_alerts WHERE user_id = :'a1'", uid))
rows = "".join(f"2026-04-{d:02d},Corner Grocer,-{20 + d}.00,groceries\n" for d in range(1, 11))
r = upload(("date,description,amount,category\n" + rows + "2026-04-20,Corner Grocer,-950.00,groceries\n").encode(),
           "text/csv")
check(r.status == 200 and r.json()["added"] == 11, "11 grocery rows imported")
new = psql("SELECT f.level, f.reasons::text FROM fraud_alerts f JOIN transactions t ON t.id = f.transaction_id"
           " WHERE f.user_id = :'a1' AND t.amount_minor = -95000", uid)
check(len(new) == 1 and new[0][0] == "review" and "average" in new[0][1]
      and int(psql_one("SELECT count(*) FROM fraud_alerts WHERE user_id = :'a1'", uid)) == alerts0 + 1,
      "the outlier row raised one review alert with its reason", str(new))

# Refusals change nothing.
before = snapshot(uid)
before_b = snapshot(uid_b)
for body, ctype, status, code, what in [
        (csv, "image/png", 415, "unsupported_media_type", "an image media type"),
        (b"", "text/csv", 400, "invalid_field", "an empty body"),
        (b"when,what\n1,2\n", "text/csv", 400, "invalid_field", "a CSV without the needed columns"),
        (b"<html>not ofx</html>", "application/x-ofx", 400, "invalid_field", "a non-OFX body as OFX")]:
    r = upload(body, ctype)
    check(is_error(r, status, code), f"{what} is {status} {code}", r.body[:160])
r = upload(csv, "text/csv", account=acct, token=tok_b)
check(is_error(r, 404, "not_found"), "importing into another user's account is 404")
r = request("POST", "/api/v1/imports", raw=csv, ctype="text/csv", token=tok)
check(is_error(r, 400, "invalid_field") and "account_id" in r.json()["error"]["message"], "missing account_id is 400")
r = request("POST", "/api/v1/imports?account_id=x'--", raw=csv, ctype="text/csv", token=tok)
check(is_error(r, 400, "invalid_field"), "a malformed account_id is 400")
check(snapshot(uid) == before and snapshot(uid_b) == before_b, "refused uploads changed nothing")

# A larger statement, in one transaction.
big = "date,description,amount,category\n" + "".join(
    f"2025-{1 + i % 12:02d}-{1 + i % 28:02d},Vendor {i % 97},-{1 + i % 500}.{i % 100:02d},cat{i % 9}\n"
    for i in range(5000))
t0 = time.time()
r = upload(big.encode(), "text/csv")
dt = time.time() - t0
check(r.status == 200 and r.json()["added"] == 5000, f"5,000-row CSV imported in {dt * 1000:.0f} ms", r.body[:200])
check(int(psql_one("SELECT count(*) FROM transactions WHERE user_id = :'a1' AND source = 'import'", uid))
      == 6 + 2 + 3 + 2 + 11 + 5000, "every imported row is stored once")
rows = psql("SELECT a.balance_minor, (SELECT sum(amount_minor) FROM transactions t WHERE t.account_id = a.id)"
            " FROM accounts a WHERE a.id = :'a1'", acct)
check(rows[0][0] == rows[0][1], "the balance still equals the sum of the account's transactions")
r = get("/api/v1/dashboard", tok)
check(r.status == 200, "dashboard answers after the imports")

# Amounts take the minor units of the account's currency (proto/currencies.json): 1,200 yen
# are 1200 minor units, 1.5 dinars 1500; a yen amount with decimals refuses the file.
tok_c, uid_c = new_user("import-currencies")
cur_accts = {}
for cur in ("JPY", "KWD"):
    r = request("POST", "/api/v1/accounts", {"name": cur, "type": "checking", "currency": cur}, token=tok_c)
    check(r.status == 201, f"a {cur} account", r.body[:200])
    cur_accts[cur] = (r.json() or {}).get("account", {}).get("id")
cur_csv = b"date,description,amount\n2026-01-05,Sushi,\"-1,200\"\n2026-01-06,Salary,1.5\n"
for cur, want in (("JPY", None), ("KWD", [-1200000, 1500])):
    r = upload(cur_csv, "text/csv", account=cur_accts[cur], token=tok_c)
    if want is None:
        check(is_error(r, 400, "invalid_field") and "line 3" in r.json()["error"]["message"],
              "JPY: an amount with decimals refuses the file, naming its line", r.body[:200])
        continue
    got = sorted(int(x[0]) for x in psql("SELECT amount_minor FROM transactions WHERE account_id = :'a1'",
                                         cur_accts[cur]))
    check(r.status == 200 and got == sorted(want), f"{cur}: amounts in the currency's minor units", f"{got}")
r = upload(b"date,description,amount\n2026-01-05,Sushi,\"-1,200\"\n", "text/csv", account=cur_accts["JPY"], token=tok_c)
got = psql_one("SELECT balance_minor FROM accounts WHERE id = :'a1'", cur_accts["JPY"])
check(r.status == 200 and got == "-1200", "JPY: 1,200 yen are 1200 minor units", f"{got}")
done()

"""60-plaid: bank linking against the Plaid test double (tests/plaidmock), through a private
gateway configured for it: link token, public-token exchange (accounts created, the access
token stored sealed), cursor-based sync with pagination, re-sync adding nothing, modified and
removed transactions, a mutation during pagination (sync restarts), Plaid failures (nothing
changes), and the default gateway answering 503 plaid_disabled."""
import subprocess
import uuid

from fclib import PG_URL, PlaidGateway, check, done, request, login, auth, is_error


def psql(sql):
    return subprocess.run(["psql", PG_URL, "-qAtc", sql], capture_output=True, text=True).stdout.strip()


r = request("POST", "/api/v1/plaid/link-token", headers=auth(login()))
check(is_error(r, 503, "plaid_disabled"), "without Plaid credentials: 503 plaid_disabled")

plaid = PlaidGateway()
mock_url, gw_url = plaid.mock_url, plaid.url
try:
    email = f"plaid-{uuid.uuid4().hex[:8]}@example.com"
    request("POST", "/api/v1/auth/register", {"email": email, "password": "PlaidPass2026!", "name": "Plaid"}, url=gw_url)
    H = auth(login(email, "PlaidPass2026!", url=gw_url))
    uid = psql(f"SELECT id FROM users WHERE email = '{email}'")

    r = request("POST", "/api/v1/plaid/link-token", headers=H, url=gw_url)
    check(r.status == 200 and r.json()["link_token"].startswith("link-sandbox-"), "link token from Plaid")

    r = request("POST", "/api/v1/plaid/exchange", {"public_token": "public-sandbox-bogus"}, headers=H, url=gw_url)
    check(is_error(r, 502, "plaid_error") and "INVALID_PUBLIC_TOKEN" in r.json()["error"]["message"],
          "a bad public token: 502 plaid_error naming Plaid's code")
    check(psql(f"SELECT count(*) FROM plaid_items WHERE user_id = '{uid}'") == "0", "nothing stored after the failure")

    pub = request("POST", "/sandbox/public_token/create", {"client_id": "test-client", "secret": "test-secret",
                                                          "institution_id": "ins_109508", "initial_products": ["transactions"]},
                  url=mock_url).json()["public_token"]
    r = request("POST", "/api/v1/plaid/exchange", {"public_token": pub}, headers=H, url=gw_url)
    check(r.status == 201 and r.json()["accounts"] == 3, "exchange creates the three linked accounts", r.body[:200])
    enc = psql(f"SELECT encode(access_token_enc, 'escape') FROM plaid_items WHERE user_id = '{uid}'")
    check(enc and "access-sandbox" not in enc, "the access token is stored sealed, not in clear")
    accts = request("GET", "/api/v1/accounts", headers=H, url=gw_url).json()["items"]
    by_name = {a["name"]: a for a in accts}
    check(by_name.get("Plaid Checking", {}).get("balance_minor") == 123456 and
          by_name.get("Plaid Credit Card", {}).get("balance_minor") == -41025,
          "balances in minor units; a card balance is a debt", str(by_name))

    r = request("POST", "/api/v1/plaid/sync", headers=H, url=gw_url, timeout=60)
    check(r.status == 200 and r.json()["added"] == 30, "first sync adds the 30 transactions", r.body[:200])
    n = psql(f"SELECT count(*) FROM transactions WHERE user_id = '{uid}' AND source = 'plaid'")
    check(n == "30", "30 transactions stored", n)
    pay = psql(f"SELECT amount_minor || ' ' || type FROM transactions WHERE user_id = '{uid}' AND external_id = 'tx-0010'")
    check(pay == "250000 income", "a payroll credit is income with a positive amount", pay)
    r = request("POST", "/api/v1/plaid/sync", headers=H, url=gw_url)
    check(r.status == 200 and r.json()["added"] == 0, "re-sync from the saved cursor adds nothing")

    request("POST", "/__admin/add", {"transactions": [
        {"transaction_id": "tx-9001", "account_id": "acc-chk", "amount": 12.5, "iso_currency_code": "USD",
         "date": "2026-11-02", "name": "New Cafe", "merchant_name": "New Cafe"},
        {"transaction_id": "tx-9002", "account_id": "acc-cc", "amount": 80.0, "iso_currency_code": "USD",
         "date": "2026-11-03", "name": "Bookshop", "merchant_name": "Bookshop"}]}, url=mock_url)
    request("POST", "/__admin/modify", {"transactions": [
        {"transaction_id": "tx-0001", "account_id": "acc-chk", "amount": 99.99, "iso_currency_code": "USD",
         "date": "2026-10-02", "name": "Corrected", "merchant_name": "Corrected"}]}, url=mock_url)
    request("POST", "/__admin/remove", {"transaction_ids": ["tx-0002"]}, url=mock_url)
    request("POST", "/__admin/fail", {"endpoint": "/transactions/sync", "status": 400,
                                      "error_code": "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION", "times": 1}, url=mock_url)
    r = request("POST", "/api/v1/plaid/sync", headers=H, url=gw_url)
    j = r.json() or {}
    check(r.status == 200 and (j.get("added"), j.get("modified"), j.get("removed")) == (2, 1, 1),
          "a mutation during pagination restarts the sync; added/modified/removed applied", r.body[:200])
    check(psql(f"SELECT amount_minor FROM transactions WHERE user_id = '{uid}' AND external_id = 'tx-0001'") == "-9999",
          "the modified amount is stored")
    check(psql(f"SELECT count(*) FROM transactions WHERE user_id = '{uid}' AND external_id = 'tx-0002'") == "0",
          "the removed transaction is gone")

    before = psql(f"SELECT count(*) || ' ' || (SELECT cursor FROM plaid_items WHERE user_id = '{uid}') FROM transactions WHERE user_id = '{uid}'")
    request("POST", "/__admin/add", {"transactions": [
        {"transaction_id": "tx-9003", "account_id": "acc-chk", "amount": 5.0, "iso_currency_code": "USD",
         "date": "2026-11-04", "name": "Kiosk", "merchant_name": "Kiosk"}]}, url=mock_url)
    request("POST", "/__admin/fail", {"endpoint": "/accounts/get", "status": 500, "error_code": "INTERNAL_SERVER_ERROR", "times": 1},
            url=mock_url)
    r = request("POST", "/api/v1/plaid/sync", headers=H, url=gw_url)
    check(is_error(r, 503, "dependency_down"), "Plaid failing mid-sync: 503", r.body[:200])
    after = psql(f"SELECT count(*) || ' ' || (SELECT cursor FROM plaid_items WHERE user_id = '{uid}') FROM transactions WHERE user_id = '{uid}'")
    check(before == after, "a failed sync changes nothing (rows and cursor)", f"{before} vs {after}")
    r = request("POST", "/api/v1/plaid/sync", headers=H, url=gw_url)
    check(r.status == 200 and r.json()["added"] == 1, "the retried sync applies what the failed one did not")
    reqs = request("GET", "/__requests", url=mock_url).json()
    check(all("secret" not in q["body"] for q in reqs) and any(q["path"] == "/transactions/sync" for q in reqs),
          "requests reached Plaid in its wire format")
finally:
    plaid.stop()
done()

#!/usr/bin/env bash
# tests/integration/20-auth.sh -- SPEC §4 (Auth and account) and §9 (JWT rules) against the
# running gateway, with the shapes of proto/API.md.
#
# Register / login / me / refresh / logout; refresh-token reuse revokes the whole family;
# forged, expired, not-yet-valid, alg:none and other-algorithm tokens get 401 with the error
# shape; cookie sessions need X-CSRF-Token on writes (403 otherwise); API keys are created,
# listed, used, refused where not accepted, and another user's key id is 404; malformed JSON
# is 400 invalid_json; rejected requests change nothing in PostgreSQL (row counts before and
# after). The /auth rate limit is checked by 10-gateway.py on a private gateway with low limits.
#
# Environment: FINCHAT_URL (http://127.0.0.1:8080), FINCHAT_PG_URL
# (postgresql://finchat@127.0.0.1:55432/finchat), FINCHAT_AUTH_RATE_LIMIT (10, the value the
# gateway runs with). Tokens signed with the real key (expired, early, wrong iss/aud) are
# checked when the key is known: FINCHAT_JWT_SECRET, else $FINCHAT_STATE_DIR/secrets/jwt_secret
# (development). Needs bash, curl, python3 and psql. Prints `ok - ...` / `not ok - ...`;
# exits non-zero when any check failed.
# shellcheck disable=SC2034 # some variables are read only inside eval'd checks
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
URL="${FINCHAT_URL:-http://127.0.0.1:8080}"
PG="${FINCHAT_PG_URL:-postgresql://finchat@127.0.0.1:55432/finchat}"
RATE="${FINCHAT_AUTH_RATE_LIMIT:-10}"
STATE="${FINCHAT_STATE_DIR:-.local}"
case "$STATE" in /*) ;; *) STATE="$ROOT/$STATE" ;; esac
SECRET="${FINCHAT_JWT_SECRET:-}"
if [ -z "$SECRET" ] && [ -r "$STATE/secrets/jwt_secret" ]; then
  SECRET="$(head -n 1 "$STATE/secrets/jwt_secret")"
fi
export JWT_SECRET="$SECRET" JWT_KID="${FINCHAT_JWT_KID:-k1}"
export JWT_ISS="${FINCHAT_JWT_ISSUER:-finchat}" JWT_AUD="${FINCHAT_JWT_AUDIENCE:-finchat-api}"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
failed=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }
check() {
  local desc="$1"
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# ---- helpers ------------------------------------------------------------------------------

# Against a loopback gateway, requests leave from loopback addresses of their own, a fresh
# one every BUDGET requests, so this script neither trips the per-IP limits (it also passes
# against a stack with the default 10/min on /auth/*) nor spends 127.0.0.1's budget that the
# scripts after it need. Elsewhere requests go out as usual.
SRC=()
LOOPBACK=0
case "$URL" in http://127.0.0.1:* | http://localhost:*) LOOPBACK=1 ;; esac
BUDGET=$((RATE < 100 ? RATE - 1 : 99)) # the general limit is 120/min per IP
[ "$BUDGET" -ge 1 ] || BUDGET=1
src_used=$BUDGET
fresh_src() { SRC=(--interface "127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 2)).$((RANDOM % 250 + 2))"); }

# http METHOD PATH [BODY] [curl args...]: the status goes to $STATUS, the body to $TMP/body,
# the response headers to $TMP/headers. A BODY of "-" sends none.
STATUS=000
http() {
  local method="$1" path="$2" body="${3:--}"
  shift 3 2>/dev/null || shift $#
  if [ "$LOOPBACK" = 1 ]; then
    if [ "$src_used" -ge "$BUDGET" ]; then fresh_src && src_used=0; fi
    src_used=$((src_used + 1))
  fi
  local args=(-s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$method" --max-time 20 "${SRC[@]}")
  if [ "$body" != "-" ]; then args+=(-H 'Content-Type: application/json' --data-binary "$body"); fi
  STATUS="$(curl "${args[@]}" "$@" "$URL$path" 2>/dev/null)" || STATUS=000
}

# jget EXPR: evaluates the Python expression EXPR over the last JSON body `d`; prints it
# (JSON for containers, text for strings, empty for null).
jget() {
  python3 - "$TMP/body" "$1" <<'PY' 2>/dev/null
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2], {"d": d})
except Exception:
    sys.exit(1)
if v is None:
    print("")
elif isinstance(v, str):
    print(v)
else:
    print(json.dumps(v))
PY
}

# is_error STATUS CODE: the last response has that status and the SPEC error shape.
is_error() {
  [ "$STATUS" = "$1" ] || { echo "#   status $STATUS, expected $1: $(head -c 300 "$TMP/body")" >&2; return 1; }
  python3 - "$TMP/body" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = d["error"]
ok = (e["code"] == sys.argv[2] and isinstance(e["message"], str) and e["message"]
      and isinstance(e["request_id"], str) and e["request_id"])
if not ok:
    print("#   body: %s" % json.dumps(d), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

is_status() {
  [ "$STATUS" = "$1" ] || { echo "#   status $STATUS, expected $1: $(head -c 300 "$TMP/body")" >&2; return 1; }
}

header() { # header NAME: all values of response header NAME, one a line
  tr -d '\r' <"$TMP/headers" | awk -v n="$(printf '%s' "$1" | tr 'A-Z' 'a-z')" -F': ' \
    'tolower($1) == n { sub(/^[^:]*: /, ""); print }'
}

sql() { psql "$PG" -XAtq -v ON_ERROR_STOP=1 -c "$1" 2>/dev/null; }
counts() { sql "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM refresh_tokens) || ' ' || (SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL AND rotated_at IS NULL) || ' ' || (SELECT count(*) FROM api_keys) || ' ' || (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL)"; }

cat >"$TMP/jwt.py" <<'PY'
# jwt.py KIND SUB: prints a token of KIND for user SUB, signed with HMAC here (never by the
# gateway). Kinds signed with a wrong key or no key need no secret; the others use JWT_SECRET.
import base64, hashlib, hmac, json, os, sys, time, uuid

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def token(header, claims, key, digest=hashlib.sha256):
    signing = b64(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64(json.dumps(claims, separators=(",", ":")).encode())
    if key is None:
        return signing + "."
    return signing + "." + b64(hmac.new(key.encode(), signing.encode(), digest).digest())

kind, sub = sys.argv[1], sys.argv[2]
now = int(time.time())
secret, kid = os.environ["JWT_SECRET"], os.environ["JWT_KID"]
iss, aud = os.environ["JWT_ISS"], os.environ["JWT_AUD"]
hdr = {"alg": "HS256", "typ": "JWT", "kid": kid}
cl = {"sub": sub, "iss": iss, "aud": aud, "iat": now, "nbf": now, "exp": now + 600,
      "jti": str(uuid.uuid4())}
wrong = "not-the-server-key-not-the-server-key-0123456789"
out = {
    "wrong_key": lambda: token(hdr, cl, wrong),
    "alg_none": lambda: token(dict(hdr, alg="none"), cl, None),
    "alg_none_signed": lambda: token(dict(hdr, alg="none"), cl, secret or wrong),
    "alg_hs512": lambda: token(dict(hdr, alg="HS512"), cl, secret or wrong, hashlib.sha512),
    "alg_rs256": lambda: token(dict(hdr, alg="RS256"), cl, secret or wrong),
    "valid": lambda: token(hdr, cl, secret),
    "expired": lambda: token(hdr, dict(cl, iat=now - 7200, nbf=now - 7200, exp=now - 3600), secret),
    "not_yet_valid": lambda: token(hdr, dict(cl, nbf=now + 3600, exp=now + 7200), secret),
    "wrong_iss": lambda: token(hdr, dict(cl, iss="someone-else"), secret),
    "wrong_aud": lambda: token(hdr, dict(cl, aud="another-api"), secret),
    "unknown_kid": lambda: token(dict(hdr, kid="no-such-kid"), cl, secret),
    "sub_not_uuid": lambda: token(hdr, dict(cl, sub="admin"), secret),
    "unknown_user": lambda: token(hdr, dict(cl, sub=str(uuid.uuid4())), secret),
}[kind]()
print(out)
PY
forge() { python3 "$TMP/jwt.py" "$@"; }

TAG="$(date +%s)-$$-$RANDOM"
EMAIL="auth-$TAG@example.com"
PASS="Correct-horse-$TAG"
OTHER_EMAIL="auth-other-$TAG@example.com"

# ---- register -----------------------------------------------------------------------------

before="$(counts)"
http POST /api/v1/auth/register "{\"email\":\"  Auth-$TAG@Example.COM \",\"password\":\"$PASS\",\"name\":\"Auth Tester\"}"
check "register answers 201 with {user}" is_status 201
USER_ID="$(jget 'd["user"]["id"]')"
check "register: user has id, email lower-cased, name, created_at, base_currency USD, timezone UTC, no hash" python3 - "$TMP/body" "$EMAIL" <<'PY'
import json, re, sys
u = json.load(open(sys.argv[1]))["user"]
assert set(u) == {"id", "email", "name", "created_at", "base_currency", "timezone"}, u
assert u["base_currency"] == "USD" and u["timezone"] == "UTC", u
assert re.fullmatch(r"[0-9a-f-]{36}", u["id"]) and u["email"] == sys.argv[2] and u["name"] == "Auth Tester"
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", u["created_at"]), u
PY
check "register: the password is stored as an Argon2id hash" \
  test "$(sql "SELECT password_hash LIKE '\$argon2id\$%' AND position('$PASS' in password_hash) = 0 FROM users WHERE id = '$USER_ID'")" = t

before="$(counts)"
http POST /api/v1/auth/register "{\"email\":\"AUTH-$TAG@example.com\",\"password\":\"Other-password-1\",\"name\":\"Dup\"}"
check "register: the same email in other case is 409 conflict" is_error 409 conflict
http POST /api/v1/auth/register "{\"email\":\"x-$TAG@example.com\",\"password\":\"short\",\"name\":\"X\"}"
check "register: a 5-character password is 400 invalid_field" is_error 400 invalid_field
http POST /api/v1/auth/register "{\"email\":\"x-$TAG@example.com\",\"password\":\"$(printf 'p%.0s' $(seq 257))\",\"name\":\"X\"}"
check "register: a 257-character password is 400 invalid_field" is_error 400 invalid_field
http POST /api/v1/auth/register "{\"email\":\"not-an-email\",\"password\":\"$PASS\",\"name\":\"X\"}"
check "register: a malformed email is 400 invalid_field" is_error 400 invalid_field
http POST /api/v1/auth/register "{\"email\":\"x-$TAG@example.com\",\"password\":\"$PASS\",\"name\":\"\"}"
check "register: an empty name is 400 invalid_field" is_error 400 invalid_field
http POST /api/v1/auth/register "{\"email\":\"x-$TAG@example.com\",\"password\":\"$PASS\",\"name\":\"$(printf 'n%.0s' $(seq 101))\"}"
check "register: a 101-character name is 400 invalid_field" is_error 400 invalid_field
http POST /api/v1/auth/register '{"email": "x@example.com", "password": '
check "register: malformed JSON is 400 invalid_json" is_error 400 invalid_json
check "register: rejected registrations wrote nothing" test "$(counts)" = "$before"

# ---- login --------------------------------------------------------------------------------

fails_before="$(sql "SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND detail->>'email' = '$EMAIL'")"
http POST /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"Wrong-password-$TAG\"}"
check "login: a wrong password is 401 unauthorized" is_error 401 unauthorized
check "login: the message is \"invalid email or password\"" test "$(jget 'd["error"]["message"]')" = "invalid email or password"
check "login: a failed login sets no cookie" test -z "$(header set-cookie)"
http POST /api/v1/auth/login "{\"email\":\"nobody-$TAG@example.com\",\"password\":\"Wrong-password-$TAG\"}"
check "login: an unknown email gets the same 401 and message" \
  eval 'is_error 401 unauthorized && test "$(jget "d[\"error\"][\"message\"]")" = "invalid email or password"'
check "login: the failed login is audited with email and IP" \
  test "$(sql "SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND detail->>'email' = '$EMAIL' AND ip IS NOT NULL AND ip <> ''")" -gt "$fails_before"
check "login: no password in the audit log" \
  test "$(sql "SELECT count(*) FROM audit_log WHERE detail::text LIKE '%Wrong-password-$TAG%'")" = 0
http POST /api/v1/auth/login '{"email":"x@example.com",'
check "login: malformed JSON is 400 invalid_json" is_error 400 invalid_json
check "login: rejected logins wrote no token" test "$(counts)" = "$before"

http POST /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASS\"}" -c "$TMP/jar"
check "login answers 200" is_status 200
cp "$TMP/body" "$TMP/login.json"
cp "$TMP/headers" "$TMP/login.headers"
check "login: body has access_token, refresh_token, token_type Bearer, expires_in, csrf_token, user" \
  python3 - "$TMP/body" "$USER_ID" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["token_type"] == "Bearer" and isinstance(d["expires_in"], int) and d["expires_in"] > 0
assert d["access_token"].count(".") == 2 and len(d["refresh_token"]) >= 40 and len(d["csrf_token"]) >= 16
assert d["user"]["id"] == sys.argv[2]
PY
ACCESS="$(jget 'd["access_token"]')"
REFRESH="$(jget 'd["refresh_token"]')"
CSRF="$(jget 'd["csrf_token"]')"
TTL="$(jget 'd["expires_in"]')"
secure_ok() { # Secure exactly when the gateway speaks TLS
  case "$URL" in https:*) grep -q '; Secure' <<<"$1" ;; *) ! grep -q 'Secure' <<<"$1" ;; esac
}
cookie_line() { header set-cookie | grep "^$1=" | head -n 1; }
c="$(cookie_line finchat_session)"
check "login: finchat_session cookie is the access token, HttpOnly, SameSite=Strict, Path=/, Max-Age=$TTL" \
  eval 'grep -q "^finchat_session=$ACCESS;" <<<"$c" && grep -q "; HttpOnly" <<<"$c" && grep -q "; SameSite=Strict" <<<"$c" && grep -q "; Path=/;" <<<"$c" && grep -q "; Max-Age=$TTL" <<<"$c" && secure_ok "$c"'
c="$(cookie_line finchat_refresh)"
check "login: finchat_refresh cookie is HttpOnly, SameSite=Strict, Path=/api/v1/auth" \
  eval 'grep -q "^finchat_refresh=$REFRESH;" <<<"$c" && grep -q "; HttpOnly" <<<"$c" && grep -q "; SameSite=Strict" <<<"$c" && grep -q "; Path=/api/v1/auth;" <<<"$c" && secure_ok "$c"'
c="$(cookie_line finchat_csrf)"
check "login: finchat_csrf cookie is readable by scripts (not HttpOnly), SameSite=Strict, Path=/" \
  eval 'grep -q "^finchat_csrf=$CSRF;" <<<"$c" && ! grep -q "HttpOnly" <<<"$c" && grep -q "; SameSite=Strict" <<<"$c" && grep -q "; Path=/;" <<<"$c"'
check "login: the refresh token is stored only as its SHA-256" \
  test "$(sql "SELECT count(*) FROM refresh_tokens WHERE token_hash = sha256(convert_to('$REFRESH', 'UTF8')) AND user_id = '$USER_ID'")" = 1

# ---- me, bearer tokens, forged tokens -----------------------------------------------------

http GET /api/v1/me - -H "Authorization: Bearer $ACCESS"
check "me with the access token is 200 and the same user" \
  eval 'is_status 200 && test "$(jget "d[\"user\"][\"id\"]")" = "$USER_ID" && test "$(jget "d[\"user\"][\"email\"]")" = "$EMAIL"'
http GET /api/v1/me -
check "me without credentials is 401 unauthorized" is_error 401 unauthorized
http GET /api/v1/me - -H "Authorization: Basic dXNlcjpwYXNz"
check "me with a Basic header is 401 unauthorized" is_error 401 unauthorized
http GET /api/v1/me - -H "Authorization: Bearer ${ACCESS}x"
check "me with a tampered signature is 401" is_error 401 unauthorized
payload="$(cut -d. -f2 <<<"$ACCESS")"
tampered="$(cut -d. -f1 <<<"$ACCESS").$(python3 -c 'import base64,json,sys,uuid
p=sys.argv[1]; d=json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4))); d["sub"]=str(uuid.uuid4())
print(base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode())' "$payload").$(cut -d. -f3 <<<"$ACCESS")"
http GET /api/v1/me - -H "Authorization: Bearer $tampered"
check "me with a tampered payload (other sub) is 401" is_error 401 unauthorized

for kind in wrong_key alg_none alg_none_signed alg_hs512 alg_rs256; do
  http GET /api/v1/me - -H "Authorization: Bearer $(forge "$kind" "$USER_ID")"
  check "forged token ($kind) is 401 with the error shape" is_error 401 unauthorized
done
http GET /api/v1/me - -H "Authorization: Bearer not.a.jwt"
check "a garbage bearer token is 401" is_error 401 unauthorized
if [ -n "$SECRET" ]; then
  http GET /api/v1/me - -H "Authorization: Bearer $(forge valid "$USER_ID")"
  if is_status 200; then
    ok "a token made here with the server key is accepted (control for the checks below)"
    for kind in expired not_yet_valid wrong_iss wrong_aud unknown_kid sub_not_uuid unknown_user; do
      http GET /api/v1/me - -H "Authorization: Bearer $(forge "$kind" "$USER_ID")"
      check "correctly signed but $kind token is 401" is_error 401 unauthorized
    done
  else
    not_ok "a token made here with the known key is accepted (is FINCHAT_JWT_SECRET the gateway's?)"
  fi
else
  echo "# the signing key is unknown here: expired/nbf/iss/aud checks with real signatures skipped"
fi

# ---- cookie sessions and CSRF -------------------------------------------------------------

http GET /api/v1/me - -b "$TMP/jar"
check "cookie session: GET /me with cookies only is 200" \
  eval 'is_status 200 && test "$(jget "d[\"user\"][\"id\"]")" = "$USER_ID"'
before="$(counts)"
http POST /api/v1/api-keys '{"name":"csrf-less"}' -b "$TMP/jar"
check "cookie session: a write without X-CSRF-Token is 403 forbidden" is_error 403 forbidden
check "cookie session: the 403 says \"missing or invalid CSRF token\"" \
  test "$(jget 'd["error"]["message"]')" = "missing or invalid CSRF token"
http POST /api/v1/api-keys '{"name":"csrf-wrong"}' -b "$TMP/jar" -H "X-CSRF-Token: ${CSRF}x"
check "cookie session: a wrong X-CSRF-Token is 403 forbidden" is_error 403 forbidden
http POST /api/v1/api-keys '{"name":"csrf-no-cookie"}' -b "finchat_session=$ACCESS" -H "X-CSRF-Token: $CSRF"
check "cookie session: the header without the csrf cookie is 403 forbidden" is_error 403 forbidden
check "cookie session: refused writes wrote nothing" test "$(counts)" = "$before"
http POST /api/v1/api-keys '{"name":"cookie-made"}' -b "$TMP/jar" -H "X-CSRF-Token: $CSRF"
check "cookie session: the write with X-CSRF-Token = finchat_csrf is 201" is_status 201
COOKIE_KEY_ID="$(jget 'd["id"]')"

# ---- refresh rotation and reuse -----------------------------------------------------------

http POST /api/v1/auth/refresh "{\"refresh_token\":\"$REFRESH\"}"
check "refresh with the body token is 200 with the login shape" \
  eval 'is_status 200 && test -n "$(jget "d[\"access_token\"]")" && test "$(jget "d[\"token_type\"]")" = Bearer && test -n "$(jget "d[\"csrf_token\"]")" && test "$(jget "d[\"user\"][\"id\"]")" = "$USER_ID"'
REFRESH2="$(jget 'd["refresh_token"]')"
ACCESS2="$(jget 'd["access_token"]')"
check "refresh: a new refresh token, and cookies set again" \
  eval 'test -n "$REFRESH2" && test "$REFRESH2" != "$REFRESH" && header set-cookie | grep -q "^finchat_refresh=$REFRESH2;"'
check "refresh: the new token is in the same family, the old one marked rotated" \
  test "$(sql "SELECT count(DISTINCT family_id) || ' ' || count(rotated_at) FROM refresh_tokens WHERE token_hash IN (sha256(convert_to('$REFRESH', 'UTF8')), sha256(convert_to('$REFRESH2', 'UTF8')))")" = "1 1"
http GET /api/v1/me - -H "Authorization: Bearer $ACCESS2"
check "refresh: the new access token works" is_status 200
FAMILY="$(sql "SELECT family_id FROM refresh_tokens WHERE token_hash = sha256(convert_to('$REFRESH2', 'UTF8'))")"
reuse_before="$(sql "SELECT count(*) FROM audit_log WHERE action = 'refresh_reuse' AND user_id = '$USER_ID'")"
http POST /api/v1/auth/refresh "{\"refresh_token\":\"$REFRESH\"}"
check "refresh: reusing the rotated token is 401" is_error 401 unauthorized
http POST /api/v1/auth/refresh "{\"refresh_token\":\"$REFRESH2\"}"
check "refresh: after the reuse the newer token of the family is refused too" is_error 401 unauthorized
check "refresh: the reuse revoked every token of the family" \
  test "$(sql "SELECT count(*) FROM refresh_tokens WHERE family_id = '$FAMILY' AND revoked_at IS NULL")" = 0
check "refresh: the reuse is audited" \
  test "$(sql "SELECT count(*) FROM audit_log WHERE action = 'refresh_reuse' AND user_id = '$USER_ID'")" -gt "$reuse_before"
before="$(counts)"
http POST /api/v1/auth/refresh '{"refresh_token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'
check "refresh: an unknown token is 401" is_error 401 unauthorized
http POST /api/v1/auth/refresh '{}'
check "refresh: no token at all is 401" is_error 401 unauthorized
http POST /api/v1/auth/refresh '{"refresh_token":'
check "refresh: malformed JSON is 400 invalid_json" is_error 400 invalid_json
check "refresh: refused refreshes wrote nothing" test "$(counts)" = "$before"

# The browser flow (web/lib/api.ts): body "{}", the refresh cookie, X-CSRF-Token.
http POST /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASS\"}" -c "$TMP/jar2"
CSRF2="$(jget 'd["csrf_token"]')"
before="$(counts)"
http POST /api/v1/auth/refresh '{}' -b "$TMP/jar2"
check "cookie refresh without X-CSRF-Token is 403 forbidden" is_error 403 forbidden
check "cookie refresh without X-CSRF-Token wrote nothing" test "$(counts)" = "$before"
http POST /api/v1/auth/refresh '{}' -b "$TMP/jar2" -c "$TMP/jar2" -H "X-CSRF-Token: $CSRF2"
check "cookie refresh with X-CSRF-Token is 200 and rotates the cookie" \
  eval 'is_status 200 && header set-cookie | grep -q "^finchat_refresh=$(jget "d[\"refresh_token\"]");"'
CSRF2="$(jget 'd["csrf_token"]')"
REFRESH_C="$(jget 'd["refresh_token"]')"
http POST /api/v1/auth/logout '{}' -b "$TMP/jar2" -c "$TMP/jar2"
check "cookie logout without X-CSRF-Token is 403 forbidden" is_error 403 forbidden
http POST /api/v1/auth/logout '{}' -b "$TMP/jar2" -c "$TMP/jar2" -H "X-CSRF-Token: $CSRF2"
check "cookie logout with X-CSRF-Token is 204" is_status 204
# Replay the cookies a stale client would still hold: the family is gone.
http POST /api/v1/auth/refresh '{}' -b "finchat_refresh=$REFRESH_C; finchat_csrf=$CSRF2" \
  -H "X-CSRF-Token: $CSRF2"
check "after cookie logout, the old refresh cookie is 401" is_error 401 unauthorized

# ---- logout -------------------------------------------------------------------------------

http POST /api/v1/auth/login "{\"email\":\"$EMAIL\",\"password\":\"$PASS\"}"
REFRESH3="$(jget 'd["refresh_token"]')"
ACCESS3="$(jget 'd["access_token"]')"
http POST /api/v1/auth/logout "{\"refresh_token\":\"$REFRESH3\"}"
check "logout is 204 with an empty body" eval 'is_status 204 && test ! -s "$TMP/body"'
check "logout clears the three cookies (Max-Age=0)" \
  test "$(header set-cookie | grep -cE '^finchat_(session|refresh|csrf)=; .*Max-Age=0')" = 3
check "logout revoked the token's family" \
  test "$(sql "SELECT count(*) FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = sha256(convert_to('$REFRESH3', 'UTF8'))) AND revoked_at IS NULL")" = 0
http POST /api/v1/auth/refresh "{\"refresh_token\":\"$REFRESH3\"}"
check "after logout the refresh token is 401" is_error 401 unauthorized
http POST /api/v1/auth/logout '{}'
check "logout without a token is still 204" is_status 204

# ---- API keys -----------------------------------------------------------------------------

AUTHZ=(-H "Authorization: Bearer $ACCESS3")
http POST /api/v1/api-keys '{"name":"ci laptop"}' "${AUTHZ[@]}"
check "api-keys: create is 201 {id,name,prefix,key,created_at}" python3 - "$TMP/body" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"id", "name", "prefix", "key", "created_at"}, d
assert re.fullmatch(r"fc_[A-Za-z0-9_-]{43}", d["key"]) and d["prefix"] == d["key"][:10]
assert d["name"] == "ci laptop"
PY
KEY="$(jget 'd["key"]')"
KEY_ID="$(jget 'd["id"]')"
check "api-keys: stored as its SHA-256 only" \
  test "$(sql "SELECT count(*) FROM api_keys WHERE id = '$KEY_ID' AND key_hash = sha256(convert_to('$KEY', 'UTF8')) AND position('$KEY' in prefix) = 0")" = 1
http GET /api/v1/api-keys - "${AUTHZ[@]}"
check "api-keys: list shows the key without its secret, last_used_at null" python3 - "$TMP/body" "$KEY_ID" "$COOKIE_KEY_ID" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
mine = [i for i in items if i["id"] == sys.argv[2]]
assert len(mine) == 1 and any(i["id"] == sys.argv[3] for i in items)
assert set(mine[0]) == {"id", "name", "prefix", "created_at", "last_used_at"}, mine
assert mine[0]["last_used_at"] is None and "key" not in mine[0]
PY
http GET /api/v1/me - -H "Authorization: Bearer $KEY"
check "api-keys: the key authenticates GET /me" \
  eval 'is_status 200 && test "$(jget "d[\"user\"][\"id\"]")" = "$USER_ID"'
http GET /api/v1/api-keys - "${AUTHZ[@]}"
check "api-keys: last_used_at is set after use" \
  test -n "$(jget "[i for i in d['items'] if i['id'] == '$KEY_ID'][0]['last_used_at']")"
http GET /api/v1/api-keys - -H "Authorization: Bearer $KEY"
check "api-keys: a key cannot manage keys (403 forbidden)" is_error 403 forbidden
http GET /api/v1/me - -H "Authorization: Bearer fc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
check "api-keys: an unknown key is 401" is_error 401 unauthorized

http POST /api/v1/auth/register "{\"email\":\"$OTHER_EMAIL\",\"password\":\"$PASS\",\"name\":\"Other\"}"
http POST /api/v1/auth/login "{\"email\":\"$OTHER_EMAIL\",\"password\":\"$PASS\"}"
OTHER_ACCESS="$(jget 'd["access_token"]')"
before="$(counts)"
http DELETE "/api/v1/api-keys/$KEY_ID" - -H "Authorization: Bearer $OTHER_ACCESS"
check "api-keys: another user's key id is 404 not_found" is_error 404 not_found
http GET /api/v1/api-keys - -H "Authorization: Bearer $OTHER_ACCESS"
check "api-keys: another user does not see the key" \
  test "$(jget "len([i for i in d['items'] if i['id'] == '$KEY_ID'])")" = 0
http DELETE /api/v1/api-keys/not-a-uuid - "${AUTHZ[@]}"
check "api-keys: a malformed id is 404" is_error 404 not_found
http POST /api/v1/api-keys '{"name":' "${AUTHZ[@]}"
check "api-keys: malformed JSON is 400 invalid_json" is_error 400 invalid_json
http POST /api/v1/api-keys '{"name":""}' "${AUTHZ[@]}"
check "api-keys: an empty name is 400 invalid_field" is_error 400 invalid_field
http DELETE "/api/v1/api-keys/$KEY_ID" - -H "Authorization: Bearer $(forge wrong_key "$USER_ID")"
check "api-keys: delete with a forged token is 401" is_error 401 unauthorized
check "api-keys: refused requests wrote nothing" test "$(counts)" = "$before"
http DELETE "/api/v1/api-keys/$KEY_ID" - "${AUTHZ[@]}"
check "api-keys: the owner deletes it (204)" is_status 204
http GET /api/v1/me - -H "Authorization: Bearer $KEY"
check "api-keys: a deleted key is 401" is_error 401 unauthorized
http DELETE "/api/v1/api-keys/$KEY_ID" - "${AUTHZ[@]}"
check "api-keys: deleting it again is 404" is_error 404 not_found
http DELETE "/api/v1/api-keys/$COOKIE_KEY_ID" - "${AUTHZ[@]}"

# The /auth rate limit (429 rate_limited with Retry-After, the window per address) is checked
# by 10-gateway.py against a private gateway started with low limits: make test raises this
# stack's limits so the other scripts are not throttled.

if [ "$failed" -ne 0 ]; then
  echo "# $failed auth checks failed" >&2
  exit 1
fi
exit 0

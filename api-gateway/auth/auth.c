/* auth.c - account, session and API-key handlers, and request authentication (see auth.h). */
#include "api-gateway/auth/auth.h"

#include "err.h"
#include "log.h"
#include "money.h"
#include "utf8.h"
#include "uuid.h"
#include "xmalloc.h"
#include "api-gateway/auth/jwt_token.h"
#include "api-gateway/auth/password.h"
#include "api-gateway/auth/tool_token.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/finance/finance_api.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/http/cookies.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TOKEN_BYTES 32      /* entropy of refresh tokens, CSRF tokens and API keys */
#define TOKEN_CHARS 43      /* their unpadded base64url length */
#define KEY_PREFIX "fc_"    /* API keys */
#define KEY_SHOWN_PREFIX 10 /* characters of a key kept in clear to recognise it */
#define HASH_HEX 65         /* SHA-256 in hex, with NUL */

#define REFRESH_PATH "/api/v1/auth"

/* Timestamps leave PostgreSQL as RFC 3339 UTC text. */
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define USER_COLS "u.id, u.email, u.name, " TS("u.created_at") ", u.currency, u.timezone"
#define USER_NCOLS 6 /* the columns of USER_COLS; what a query adds after them starts here */

/* Logins for unknown emails verify against this hash, so they cost what a wrong password
 * costs. It is made once per process by password_hash() (so its costs follow password.c)
 * from a random password nobody knows; the constant is a valid fallback of the same costs. */
static char dummy_hash[PASSWORD_HASH_MAX] = "$argon2id$v=19$m=19456,t=3,p=1$blKyezGgf7KWQZfDD9uqOQ$"
                                            "UsoCF66w9ctnnk1LhIOFjXjTYL0K1IgwUIQq642WV1g";
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* ---- Small pure helpers ---------------------------------------------------------------- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Fills @out (>= TOKEN_CHARS + 1 bytes) with the unpadded base64url encoding of TOKEN_BYTES
 * random bytes. Returns 0 or FC_EIO. */
static int random_token(char *out, size_t outlen)
{
    unsigned char raw[TOKEN_BYTES];
    unsigned char enc[4 * ((TOKEN_BYTES + 2) / 3) + 1];
    int n;

    if (outlen < TOKEN_CHARS + 1 || RAND_bytes(raw, sizeof(raw)) != 1)
        return FC_EIO;
    n = EVP_EncodeBlock(enc, raw, (int)sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    for (int i = 0; i < n && i < TOKEN_CHARS; i++)
        out[i] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : (char)enc[i];
    out[TOKEN_CHARS] = '\0';
    OPENSSL_cleanse(enc, sizeof(enc));
    return 0;
}

static void dummy_init(void)
{
    char pw[TOKEN_CHARS + 1], h[PASSWORD_HASH_MAX];

    if (random_token(pw, sizeof(pw)) == 0 && password_hash(pw, h, sizeof(h)) == 0)
        memcpy(dummy_hash, h, sizeof(h));
    OPENSSL_cleanse(pw, sizeof(pw));
}

/* True when @s is exactly TOKEN_CHARS base64url characters. */
static bool token_shaped(const char *s)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    return n == TOKEN_CHARS && s[n] == '\0';
}

static bool api_key_shaped(const char *s)
{
    return strncmp(s, KEY_PREFIX, strlen(KEY_PREFIX)) == 0 && token_shaped(s + strlen(KEY_PREFIX));
}

/* Writes the SHA-256 of @s as lower-case hex into @out. */
static void sha256_hex(const char *s, char out[HASH_HEX])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char d[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *)s, strlen(s), d);
    for (size_t i = 0; i < sizeof(d); i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 0xf];
    }
    out[2 * sizeof(d)] = '\0';
}

/* Trims @in and checks it as a display name: 1..AUTH_NAME_MAX code points, no C0/C1 control
 * characters. Returns a new string the caller frees, or NULL. */
static char *clean_name(const char *in)
{
    const char *s = in, *e;
    char *name;

    if (!in)
        return NULL;
    while (is_space(*s))
        s++;
    e = s + strlen(s);
    while (e > s && is_space(e[-1]))
        e--;
    for (const char *p = s; p < e; p++) {
        unsigned char c = (unsigned char)*p;

        if (c < 0x20 || c == 0x7f || (c == 0xc2 && p + 1 < e && (unsigned char)p[1] < 0xa0))
            return NULL;
    }
    if (e == s || (size_t)(e - s) > 4 * AUTH_NAME_MAX)
        return NULL;
    name = xstrndup(s, (size_t)(e - s));
    if (utf8_count(name, strlen(name)) > AUTH_NAME_MAX) {
        free(name);
        return NULL;
    }
    return name;
}

static bool local_part_valid(const char *s, size_t n)
{
    static const char atext[] = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-";

    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' ? s[i + 1] == '.' : strchr(atext, s[i]) == NULL)
            return false;
    }
    return true;
}

static bool domain_valid(const char *s, size_t n)
{
    size_t label = 0, labels = 1;

    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : '.';

        if (c == '.') {
            if (label == 0 || label > 63 || s[i - label] == '-' || s[i - 1] == '-')
                return false;
            if (i < n)
                labels++;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            label++;
        } else {
            return false;
        }
    }
    return labels >= 2;
}

int auth_email_normalize(const char *in, char *out, size_t outlen)
{
    const char *s = in, *e, *at;
    size_t n;

    if (!in)
        return FC_EINVAL;
    while (is_space(*s))
        s++;
    e = s + strlen(s);
    while (e > s && is_space(e[-1]))
        e--;
    n = (size_t)(e - s);
    if (n < 3 || n > AUTH_EMAIL_MAX || n >= outlen)
        return FC_EINVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= 0x20 || c >= 0x7f)
            return FC_EINVAL;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out[n] = '\0';
    at = strchr(out, '@');
    if (!at || strchr(at + 1, '@'))
        return FC_EINVAL;
    if (!local_part_valid(out, (size_t)(at - out)) || !domain_valid(at + 1, strlen(at + 1)))
        return FC_EINVAL;
    return 0;
}

bool auth_csrf_valid(const char *cookie_token, const char *header_token)
{
    size_t n;

    if (!cookie_token || !header_token)
        return false;
    n = strlen(cookie_token);
    if (n < 16 || n != strlen(header_token))
        return false;
    return CRYPTO_memcmp(cookie_token, header_token, n) == 0;
}

/* ---- Request plumbing ------------------------------------------------------------------ */

/* The Cookie and X-CSRF-Token headers of a request that reached a public handler, so
 * refresh and logout can take the refresh token from the browser's cookie. */
static const char *req_cookie(const struct api_req *req)
{
    return req->cookie;
}

static const char *req_csrf(const struct api_req *req)
{
    return req->csrf_token;
}

static bool safe_method(const char *m)
{
    return m && (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0);
}

/* True when the request's Cookie and X-CSRF-Token headers pass the double-submit check. */
static bool csrf_ok(const char *cookie, const char *csrf_header)
{
    char c[128];

    return cookies_get(cookie, COOKIE_CSRF, c, sizeof(c)) > 0 && auth_csrf_valid(c, csrf_header);
}

/* Requires a JSON object body; fills @resp with 400 invalid_json otherwise. */
static int require_object(struct api_req *req, struct api_resp *resp)
{
    if (json_is_object(req->body))
        return 0;
    if (req->body)
        return api_error(resp, 400, "invalid_json", "the request body must be a JSON object");
    if (req->raw_len > 0)
        return api_error(resp, 400, "invalid_json", "the request body is not valid JSON");
    return api_error(resp, 400, "invalid_json", "a JSON object body is required");
}

/* Returns string field @key of object @body, or NULL when absent, not a string, or holding a
 * NUL character (which could never round-trip through C or PostgreSQL). */
static const char *str_field(const json_t *body, const char *key)
{
    const json_t *v = json_object_get(body, key);

    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

static json_t *user_json(const PGresult *res, int row)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", PQgetvalue(res, row, 0), "email",
                     PQgetvalue(res, row, 1), "name", PQgetvalue(res, row, 2), "created_at",
                     PQgetvalue(res, row, 3), "base_currency", PQgetvalue(res, row, 4), "timezone",
                     PQgetvalue(res, row, 5));
}

/* Appends an audit_log row; takes ownership of @detail (may be NULL). A failure is logged
 * by sql_exec() and does not fail the request. */
static void audit(struct api_req *req, const char *user_id, const char *action, json_t *detail)
{
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    const char *vals[4] = {user_id, req->ip[0] ? req->ip : NULL, action, d ? d : "{}"};

    (void)sql_exec(req->pg,
                   "INSERT INTO audit_log (user_id, ip, action, detail) "
                   "VALUES ($1, $2, $3, $4::jsonb)",
                   4, vals, NULL);
    free(d);
    json_decref(detail);
}

static void add_cookie(struct api_resp *resp, const char *name, const char *value, const char *path,
                       long max_age, unsigned flags)
{
    char *line = cookies_set_line(name, value, path, max_age, flags);

    if (line)
        api_header(resp, line);
    free(line);
}

static unsigned secure_flag(const struct api_req *req)
{
    return req->cfg->tls_cert && *req->cfg->tls_cert ? COOKIE_SECURE : 0;
}

static void clear_cookies(struct api_req *req, struct api_resp *resp)
{
    unsigned secure = secure_flag(req);

    add_cookie(resp, COOKIE_SESSION, "", "/", 0, COOKIE_HTTPONLY | secure);
    add_cookie(resp, COOKIE_REFRESH, "", REFRESH_PATH, 0, COOKIE_HTTPONLY | secure);
    add_cookie(resp, COOKIE_CSRF, "", "/", 0, secure);
}

/* Answers a login or refresh: a new access token and CSRF token, the already stored refresh
 * token @refresh, the three cookies and the user. Takes ownership of @user. */
static int session_response(struct api_req *req, struct api_resp *resp, const char *user_id,
                            const char *refresh, json_t *user)
{
    const struct fc_config *cfg = req->cfg;
    unsigned secure = secure_flag(req);
    char csrf[TOKEN_CHARS + 1];
    char *access = jwt_token_issue(cfg, user_id, time(NULL));
    int rc;

    if (!access || random_token(csrf, sizeof(csrf)) != 0) {
        log_emit(LOG_ERROR, req->request_id, NULL, NULL, "auth: could not issue a session");
        json_decref(user);
        rc = api_error(resp, 500, "internal", "internal error");
        goto out_free_access;
    }
    add_cookie(resp, COOKIE_SESSION, access, "/", cfg->access_ttl, COOKIE_HTTPONLY | secure);
    add_cookie(resp, COOKIE_REFRESH, refresh, REFRESH_PATH, cfg->refresh_ttl,
               COOKIE_HTTPONLY | secure);
    add_cookie(resp, COOKIE_CSRF, csrf, "/", cfg->refresh_ttl, secure);
    rc = api_json(resp, 200,
                  json_pack("{s:s,s:s,s:s,s:i,s:s,s:o}", "access_token", access, "refresh_token",
                            refresh, "token_type", "Bearer", "expires_in", cfg->access_ttl,
                            "csrf_token", csrf, "user", user));
out_free_access:
    free(access);
    return rc;
}

/* ---- POST /auth/register --------------------------------------------------------------- */

static int h_register(struct api_req *req, struct api_resp *resp)
{
    char email[AUTH_EMAIL_MAX + 1], hash[PASSWORD_HASH_MAX];
    const char *pw;
    char *name = NULL;
    PGresult *res;
    int rc;

    rc = require_object(req, resp);
    if (rc)
        return rc;
    if (auth_email_normalize(str_field(req->body, "email"), email, sizeof(email)) != 0)
        return api_error(resp, 400, "invalid_field", "email must be a valid email address");
    name = clean_name(str_field(req->body, "name"));
    if (!name)
        return api_error(resp, 400, "invalid_field",
                         "name must be 1 to %d characters without control characters",
                         AUTH_NAME_MAX);
    pw = str_field(req->body, "password");
    if (!pw || utf8_count(pw, strlen(pw)) < AUTH_PASSWORD_MIN ||
        utf8_count(pw, strlen(pw)) > AUTH_PASSWORD_MAX) {
        rc = api_error(resp, 400, "invalid_field", "password must be %d to %d characters",
                       AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
        goto out_free_name;
    }
    if (password_hash(pw, hash, sizeof(hash)) != 0) {
        rc = api_error(resp, 500, "internal", "internal error");
        goto out_free_name;
    }
    rc = sql_query(req->pg,
                   "INSERT INTO users AS u (email, name, password_hash) VALUES ($1, $2, $3) "
                   "ON CONFLICT DO NOTHING RETURNING " USER_COLS,
                   3, (const char *const[]){email, name, hash}, &res);
    if (rc) {
        rc = api_pg_fail(req, resp, rc);
        goto out_free_name;
    }
    if (PQntuples(res) != 1) {
        rc = api_error(resp, 409, "conflict", "an account with this email already exists");
        goto out_clear;
    }
    audit(req, PQgetvalue(res, 0, 0), "register", NULL);
    log_emit(LOG_INFO, req->request_id, NULL, NULL, "auth: registered user %s",
             PQgetvalue(res, 0, 0));
    rc = api_json(resp, 201, json_pack("{s:o}", "user", user_json(res, 0)));
out_clear:
    PQclear(res);
out_free_name:
    free(name);
    return rc;
}

/* ---- POST /auth/login ------------------------------------------------------------------ */

/* Stores a new refresh token of a new family for @user_id. Returns 0 or a negative code with
 * @resp filled. */
static int store_new_family(struct api_req *req, struct api_resp *resp, const char *user_id,
                            const char *refresh)
{
    char hash[HASH_HEX], ttl[24];
    int rc;

    sha256_hex(refresh, hash);
    snprintf(ttl, sizeof(ttl), "%d", req->cfg->refresh_ttl);
    rc = sql_exec(req->pg,
                  "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) "
                  "VALUES ($1, gen_random_uuid(), decode($2, 'hex'), "
                  "now() + $3::int * interval '1 second')",
                  3, (const char *const[]){user_id, hash, ttl}, NULL);
    return rc ? api_pg_fail(req, resp, rc) : 0;
}

static void audit_login_failed(struct api_req *req, const char *user_id, const char *email)
{
    json_t *detail = json_object();

    json_object_set_new(detail, "email",
                        json_stringn(email, utf8_cut(email, strlen(email), AUTH_EMAIL_MAX)));
    audit(req, user_id, "login_failed", detail);
    log_emit(LOG_INFO, req->request_id, NULL, NULL, "auth: failed login");
}

static int h_login(struct api_req *req, struct api_resp *resp)
{
    char email[AUTH_EMAIL_MAX + 1], refresh[TOKEN_CHARS + 1];
    const char *email_in, *pw;
    PGresult *res = NULL;
    bool found, ok;
    int rc;

    rc = require_object(req, resp);
    if (rc)
        return rc;
    email_in = str_field(req->body, "email");
    pw = str_field(req->body, "password");
    if (!email_in || !pw)
        return api_error(resp, 400, "invalid_field", "email and password are required");
    if (auth_email_normalize(email_in, email, sizeof(email)) == 0) {
        rc = sql_query(req->pg,
                       "SELECT " USER_COLS ", u.password_hash FROM users u "
                       "WHERE lower(u.email) = $1",
                       1, (const char *const[]){email}, &res);
        if (rc)
            return api_pg_fail(req, resp, rc);
    }
    found = res && PQntuples(res) == 1;
    if (!found)
        pthread_once(&dummy_once, dummy_init);
    /* Unknown emails pay for one Argon2id verification too. */
    ok = password_verify(found ? PQgetvalue(res, 0, USER_NCOLS) : dummy_hash, pw) && found;
    if (!ok) {
        audit_login_failed(req, found ? PQgetvalue(res, 0, 0) : NULL, email_in);
        rc = api_error(resp, 401, "unauthorized", "invalid email or password");
        goto out_clear;
    }
    if (random_token(refresh, sizeof(refresh)) != 0) {
        rc = api_error(resp, 500, "internal", "internal error");
        goto out_clear;
    }
    rc = store_new_family(req, resp, PQgetvalue(res, 0, 0), refresh);
    if (rc)
        goto out_clear;
    audit(req, PQgetvalue(res, 0, 0), "login", NULL);
    rc = session_response(req, resp, PQgetvalue(res, 0, 0), refresh, user_json(res, 0));
out_clear:
    OPENSSL_cleanse(refresh, sizeof(refresh));
    PQclear(res);
    return rc;
}

/* ---- POST /auth/refresh, POST /auth/logout --------------------------------------------- */

/* Finds the refresh token a refresh or logout request presents: the body's "refresh_token",
 * else the finchat_refresh cookie, which browsers send on their own and so counts only with
 * a matching X-CSRF-Token (else 403). Sets *@tok (NULL when none was presented) and
 * *@from_cookie. Returns 0, or a negative code with @resp filled. */
static int presented_refresh(struct api_req *req, struct api_resp *resp, char *buf, size_t buflen,
                             const char **tok, bool *from_cookie)
{
    const json_t *v;
    int rc;

    *tok = NULL;
    *from_cookie = false;
    if (req->body || req->raw_len > 0) {
        rc = require_object(req, resp);
        if (rc)
            return rc;
    }
    v = req->body ? json_object_get(req->body, "refresh_token") : NULL;
    if (v) {
        if (!json_is_string(v))
            return api_error(resp, 400, "invalid_field", "refresh_token must be a string");
        *tok = json_string_value(v);
        return 0;
    }
    if (cookies_get(req_cookie(req), COOKIE_REFRESH, buf, buflen) <= 0)
        return 0;
    if (!csrf_ok(req_cookie(req), req_csrf(req)))
        return api_error(resp, 403, "forbidden", "missing or invalid CSRF token");
    *tok = buf;
    *from_cookie = true;
    return 0;
}

/* Rotation did not happen for the token hashed @hash. If the token exists but was already
 * rotated or revoked, someone replayed it: revoke its whole family. Always answers 401. */
static int refuse_refresh(struct api_req *req, struct api_resp *resp, const char *hash,
                          bool from_cookie)
{
    char revoked[24];
    int64_t n;
    PGresult *res;
    int rc;

    rc = sql_query(req->pg,
                   "SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = "
                   "decode($1, 'hex') AND (rotated_at IS NOT NULL OR revoked_at IS NOT NULL)",
                   1, (const char *const[]){hash}, &res);
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) == 1) {
        rc = sql_exec(req->pg,
                      "UPDATE refresh_tokens SET revoked_at = now() "
                      "WHERE family_id = $1 AND revoked_at IS NULL",
                      1, (const char *const[]){PQgetvalue(res, 0, 0)}, &n);
        if (rc) {
            PQclear(res);
            return api_pg_fail(req, resp, rc);
        }
        snprintf(revoked, sizeof(revoked), "%lld", (long long)n);
        audit(req, PQgetvalue(res, 0, 1), "refresh_reuse",
              json_pack("{s:s,s:s}", "family_id", PQgetvalue(res, 0, 0), "revoked", revoked));
        log_emit(LOG_WARN, req->request_id, NULL, NULL,
                 "auth: rotated or revoked refresh token presented, family of user %s revoked",
                 PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    if (from_cookie)
        clear_cookies(req, resp);
    return api_error(resp, 401, "unauthorized", "invalid or expired refresh token");
}

static int h_refresh(struct api_req *req, struct api_resp *resp)
{
    char cookie_tok[TOKEN_CHARS + 2], fresh[TOKEN_CHARS + 1];
    char old_hash[HASH_HEX], new_hash[HASH_HEX], ttl[24];
    const char *tok;
    bool from_cookie;
    PGresult *res;
    int rc;

    rc = presented_refresh(req, resp, cookie_tok, sizeof(cookie_tok), &tok, &from_cookie);
    if (rc)
        return rc;
    if (!tok)
        return api_error(resp, 401, "unauthorized", "missing refresh token");
    if (!token_shaped(tok)) {
        if (from_cookie)
            clear_cookies(req, resp);
        return api_error(resp, 401, "unauthorized", "invalid or expired refresh token");
    }
    if (random_token(fresh, sizeof(fresh)) != 0)
        return api_error(resp, 500, "internal", "internal error");
    sha256_hex(tok, old_hash);
    sha256_hex(fresh, new_hash);
    snprintf(ttl, sizeof(ttl), "%d", req->cfg->refresh_ttl);
    /* One statement: concurrent refreshes with one token cannot both rotate it. */
    rc = sql_query(req->pg,
                   "WITH old AS ("
                   "  UPDATE refresh_tokens SET rotated_at = now()"
                   "  WHERE token_hash = decode($1, 'hex') AND rotated_at IS NULL"
                   "    AND revoked_at IS NULL AND expires_at > now()"
                   "  RETURNING user_id, family_id),"
                   " fresh AS ("
                   "  INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)"
                   "  SELECT user_id, family_id, decode($2, 'hex'),"
                   "         now() + $3::int * interval '1 second' FROM old"
                   "  RETURNING user_id)"
                   " SELECT " USER_COLS " FROM fresh JOIN users u ON u.id = fresh.user_id",
                   3, (const char *const[]){old_hash, new_hash, ttl}, &res);
    if (rc) {
        rc = api_pg_fail(req, resp, rc);
        goto out;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        rc = refuse_refresh(req, resp, old_hash, from_cookie);
        goto out;
    }
    rc = session_response(req, resp, PQgetvalue(res, 0, 0), fresh, user_json(res, 0));
    PQclear(res);
out:
    OPENSSL_cleanse(fresh, sizeof(fresh));
    OPENSSL_cleanse(cookie_tok, sizeof(cookie_tok));
    return rc;
}

static int h_logout(struct api_req *req, struct api_resp *resp)
{
    char cookie_tok[TOKEN_CHARS + 2], hash[HASH_HEX];
    const char *tok;
    bool from_cookie;
    PGresult *res;
    int rc;

    rc = presented_refresh(req, resp, cookie_tok, sizeof(cookie_tok), &tok, &from_cookie);
    if (rc)
        return rc;
    if (tok && token_shaped(tok)) {
        sha256_hex(tok, hash);
        rc = sql_query(req->pg,
                       "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = "
                       "(SELECT family_id FROM refresh_tokens WHERE token_hash = decode($1, 'hex'))"
                       " AND revoked_at IS NULL RETURNING user_id",
                       1, (const char *const[]){hash}, &res);
        if (rc)
            return api_pg_fail(req, resp, rc);
        if (PQntuples(res) > 0)
            audit(req, PQgetvalue(res, 0, 0), "logout", NULL);
        PQclear(res);
    }
    OPENSSL_cleanse(cookie_tok, sizeof(cookie_tok));
    clear_cookies(req, resp);
    resp->status = 204;
    return 0;
}

/* ---- GET /me --------------------------------------------------------------------------- */

static int h_me(struct api_req *req, struct api_resp *resp)
{
    PGresult *res;
    int rc = sql_query(req->pg, "SELECT " USER_COLS " FROM users u WHERE u.id = $1", 1,
                       (const char *const[]){req->user_id}, &res);

    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) != 1)
        rc = api_error(resp, 401, "unauthorized", "this account no longer exists");
    else
        rc = api_json(resp, 200, json_pack("{s:o}", "user", user_json(res, 0)));
    PQclear(res);
    return rc;
}

/* ---- PATCH /me ------------------------------------------------------------------------ */

/* Reads optional string field @key of the body into *@out (NULL when absent); a present
 * non-string, or one longer than @max bytes, answers 400 invalid_field. */
static int opt_setting(struct api_req *req, struct api_resp *resp, const char *key, size_t max,
                       const char **out)
{
    const json_t *v = json_object_get(req->body, key);

    *out = NULL;
    if (!v)
        return 0;
    *out = str_field(req->body, key);
    if (!*out || !**out || strlen(*out) > max)
        return api_error(resp, 400, "invalid_field", "%s must be a non-empty string", key);
    return 0;
}

/* {base_currency?, timezone?}: the user's calendar and base currency (SPEC §15). A currency
 * not in common/money.h's table, or a zone PostgreSQL does not list in pg_timezone_names,
 * answers 400 invalid_field and changes nothing. A change bumps data_version and rebuilds the
 * context document (finance_changed()), as every total depends on both. */
static int h_me_patch(struct api_req *req, struct api_resp *resp)
{
    const char *cur, *tz;
    PGresult *res;
    int rc = require_object(req, resp);

    if (!rc)
        rc = opt_setting(req, resp, "base_currency", 3, &cur);
    if (!rc)
        rc = opt_setting(req, resp, "timezone", 64, &tz);
    if (rc)
        return rc;
    if (cur && !money_currency_find(cur))
        return api_error(resp, 400, "invalid_field",
                         "base_currency must be a supported ISO 4217 code such as USD or EUR");
    if (tz) {
        int64_t known = 0;

        rc = sql_int64(req->pg, "SELECT count(*) FROM pg_timezone_names WHERE name = $1", 1,
                       (const char *const[]){tz}, &known);
        if (rc)
            return api_pg_fail(req, resp, rc);
        if (!known)
            return api_error(resp, 400, "invalid_field",
                             "timezone must be an IANA time zone such as Europe/Paris");
    }
    rc = sql_query(req->pg,
                   "WITH old AS (SELECT currency, timezone FROM users WHERE id = $1),"
                   " upd AS (UPDATE users u SET currency = coalesce($2, u.currency),"
                   "  timezone = coalesce($3, u.timezone) WHERE u.id = $1 RETURNING " USER_COLS ")"
                   " SELECT upd.*, (old.currency, old.timezone) IS DISTINCT FROM"
                   " (upd.currency, upd.timezone) FROM upd, old",
                   3, (const char *const[]){req->user_id, cur, tz}, &res);
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) != 1) {
        PQclear(res);
        return api_error(resp, 401, "unauthorized", "this account no longer exists");
    }
    if (strcmp(PQgetvalue(res, 0, USER_NCOLS), "t") == 0)
        finance_changed(req);
    rc = api_json(resp, 200, json_pack("{s:o}", "user", user_json(res, 0)));
    PQclear(res);
    return rc;
}

/* ---- /api-keys ------------------------------------------------------------------------- */

static int h_key_create(struct api_req *req, struct api_resp *resp)
{
    char key[sizeof(KEY_PREFIX) + TOKEN_CHARS], prefix[KEY_SHOWN_PREFIX + 1], hash[HASH_HEX];
    char max[16];
    char *name;
    PGresult *res;
    int rc;

    rc = require_object(req, resp);
    if (rc)
        return rc;
    name = clean_name(str_field(req->body, "name"));
    if (!name)
        return api_error(resp, 400, "invalid_field",
                         "name must be 1 to %d characters without control characters",
                         AUTH_NAME_MAX);
    memcpy(key, KEY_PREFIX, strlen(KEY_PREFIX));
    if (random_token(key + strlen(KEY_PREFIX), sizeof(key) - strlen(KEY_PREFIX)) != 0) {
        rc = api_error(resp, 500, "internal", "internal error");
        goto out_free_name;
    }
    memcpy(prefix, key, KEY_SHOWN_PREFIX);
    prefix[KEY_SHOWN_PREFIX] = '\0';
    sha256_hex(key, hash);
    snprintf(max, sizeof(max), "%d", AUTH_MAX_API_KEYS);
    rc = sql_query(req->pg,
                   "INSERT INTO api_keys (user_id, name, prefix, key_hash) "
                   "SELECT $1, $2, $3, decode($4, 'hex') WHERE (SELECT count(*) FROM api_keys "
                   "WHERE user_id = $1 AND revoked_at IS NULL) < $5::int "
                   "RETURNING id, name, prefix, " TS("created_at"),
                   5, (const char *const[]){req->user_id, name, prefix, hash, max}, &res);
    if (rc) {
        rc = api_pg_fail(req, resp, rc);
        goto out_free_name;
    }
    if (PQntuples(res) != 1) {
        rc = api_error(resp, 409, "conflict", "at most %d API keys; revoke one first",
                       AUTH_MAX_API_KEYS);
        goto out_clear;
    }
    audit(req, req->user_id, "api_key_created",
          json_pack("{s:s,s:s}", "key_id", PQgetvalue(res, 0, 0), "prefix", prefix));
    rc = api_json(resp, 201,
                  json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", PQgetvalue(res, 0, 0), "name",
                            PQgetvalue(res, 0, 1), "prefix", PQgetvalue(res, 0, 2), "key", key,
                            "created_at", PQgetvalue(res, 0, 3)));
out_clear:
    PQclear(res);
out_free_name:
    OPENSSL_cleanse(key, sizeof(key));
    free(name);
    return rc;
}

static int h_key_list(struct api_req *req, struct api_resp *resp)
{
    PGresult *res;
    json_t *items;
    int rc =
        sql_query(req->pg,
                  "SELECT id, name, prefix, " TS("created_at") ", " TS(
                      "last_used_at") " FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL"
                                      " ORDER BY created_at DESC, id",
                  1, (const char *const[]){req->user_id}, &res);

    if (rc)
        return api_pg_fail(req, resp, rc);
    items = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        json_array_append_new(
            items,
            json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", PQgetvalue(res, i, 0), "name",
                      PQgetvalue(res, i, 1), "prefix", PQgetvalue(res, i, 2), "created_at",
                      PQgetvalue(res, i, 3), "last_used_at",
                      PQgetisnull(res, i, 4) ? json_null() : json_string(PQgetvalue(res, i, 4))));
    }
    PQclear(res);
    return api_json(resp, 200, json_pack("{s:o}", "items", items));
}

static int h_key_delete(struct api_req *req, struct api_resp *resp)
{
    const char *id = req->nparams > 0 ? req->params[0] : NULL;
    PGresult *res;
    int rc;

    if (!uuid_valid(id))
        return api_error(resp, 404, "not_found", "API key not found");
    rc = sql_query(req->pg,
                   "UPDATE api_keys SET revoked_at = now() "
                   "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING prefix",
                   2, (const char *const[]){id, req->user_id}, &res);
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) != 1) {
        rc = api_error(resp, 404, "not_found", "API key not found");
    } else {
        audit(req, req->user_id, "api_key_revoked",
              json_pack("{s:s,s:s}", "key_id", id, "prefix", PQgetvalue(res, 0, 0)));
        resp->status = 204;
        rc = 0;
    }
    PQclear(res);
    return rc;
}

/* ---- Authentication -------------------------------------------------------------------- */

const char *auth_bearer(const char *authorization)
{
    const char *p = authorization;

    if (strncasecmp(p, "Bearer", 6) != 0 || !is_space(p[6]))
        return NULL;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || strpbrk(p, " \t\r\n"))
        return NULL;
    return p;
}

/* Sets req->user_id after checking the user @sub still exists. */
static int accept_user(struct api_req *req, const char *sub, struct api_resp *resp)
{
    PGresult *res;
    int rc = sql_query(req->pg, "SELECT 1 FROM users WHERE id = $1", 1, (const char *const[]){sub},
                       &res);

    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) != 1)
        rc = api_error(resp, 401, "unauthorized", "this account no longer exists");
    else
        snprintf(req->user_id, sizeof(req->user_id), "%s", sub);
    PQclear(res);
    return rc;
}

static int authenticate_key(struct api_req *req, const char *key, int route_flags,
                            struct api_resp *resp)
{
    char hash[HASH_HEX];
    PGresult *res;
    int rc;

    if (!(route_flags & ROUTE_APIKEY))
        return api_error(resp, 403, "forbidden",
                         "API keys are not accepted on this route; sign in for an access token");
    if (!api_key_shaped(key))
        return api_error(resp, 401, "unauthorized", "invalid API key");
    sha256_hex(key, hash);
    /* Looks the key up and stamps last_used_at, at most once a minute per key. */
    rc = sql_query(req->pg,
                   "WITH k AS (SELECT k.id, k.user_id FROM api_keys k JOIN users u ON u.id = "
                   "k.user_id WHERE k.key_hash = decode($1, 'hex') AND k.revoked_at IS NULL),"
                   " touch AS (UPDATE api_keys a SET last_used_at = now() FROM k WHERE a.id = k.id"
                   "  AND (a.last_used_at IS NULL OR a.last_used_at < now() - interval '60 s'))"
                   " SELECT user_id FROM k",
                   1, (const char *const[]){hash}, &res);
    if (rc)
        return api_pg_fail(req, resp, rc);
    if (PQntuples(res) != 1)
        rc = api_error(resp, 401, "unauthorized", "invalid API key");
    else
        snprintf(req->user_id, sizeof(req->user_id), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc;
}

static int authenticate(struct api_req *req, const char *authorization, const char *cookie,
                        const char *csrf_header, int route_flags, struct api_resp *resp)
{
    char session[JWT_TOKEN_MAX_LEN + 1];
    struct jwt_claims claims;
    struct tool_claims tc;
    const char *cred;

    req->user_id[0] = '\0';
    if (authorization && *authorization) {
        cred = auth_bearer(authorization);
        if (!cred)
            return api_error(resp, 401, "unauthorized",
                             "expected an Authorization header of the form Bearer <token>");
        if (strncmp(cred, KEY_PREFIX, strlen(KEY_PREFIX)) == 0)
            return authenticate_key(req, cred, route_flags, resp);
        if (jwt_token_verify(req->cfg, cred, time(NULL), &claims) == 0)
            return accept_user(req, claims.sub, resp);
        if ((route_flags & ROUTE_TOOLTOKEN) &&
            tool_token_verify(req->cfg, cred, time(NULL), &tc) == 0)
            return accept_user(req, tc.sub, resp);
        return api_error(resp, 401, "unauthorized", "invalid or expired access token");
    }
    if (cookies_get(cookie, COOKIE_SESSION, session, sizeof(session)) <= 0)
        return api_error(resp, 401, "unauthorized", "authentication required");
    if (jwt_token_verify(req->cfg, session, time(NULL), &claims) != 0)
        return api_error(resp, 401, "unauthorized", "invalid or expired session");
    if (!safe_method(req->method) && !csrf_ok(cookie, csrf_header))
        return api_error(resp, 403, "forbidden", "missing or invalid CSRF token");
    return accept_user(req, claims.sub, resp);
}

int auth_authenticate(struct api_req *req, const char *authorization, const char *cookie,
                      const char *csrf_header, int route_flags, struct api_resp *resp)
{
    int rc = authenticate(req, authorization, cookie, csrf_header, route_flags, resp);

    /* RFC 9110: a 401 names the scheme to use (MCP clients read it). */
    if (rc && resp->status == 401)
        api_header(resp, "WWW-Authenticate: Bearer realm=\"finchat\"");
    return rc;
}

/* ---- Routes ---------------------------------------------------------------------------- */

const struct api_route auth_routes[] = {
    {"POST", "/api/v1/auth/register", h_register, ROUTE_PUBLIC},
    {"POST", "/api/v1/auth/login", h_login, ROUTE_PUBLIC},
    {"POST", "/api/v1/auth/refresh", h_refresh, ROUTE_PUBLIC},
    {"POST", "/api/v1/auth/logout", h_logout, ROUTE_PUBLIC},
    {"GET", "/api/v1/me", h_me, ROUTE_APIKEY},
    {"PATCH", "/api/v1/me", h_me_patch, 0},
    {"POST", "/api/v1/api-keys", h_key_create, 0},
    {"GET", "/api/v1/api-keys", h_key_list, 0},
    {"DELETE", "/api/v1/api-keys/{id}", h_key_delete, 0},
    {NULL, NULL, NULL, 0},
};

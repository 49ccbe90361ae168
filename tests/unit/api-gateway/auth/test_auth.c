/* test_auth.c - email validation, the CSRF comparison, and, when FINCHAT_TEST_PG_URL names a
 * migrated database, the auth handlers and auth_authenticate() called directly the way the
 * server calls them (register, login, refresh rotation and reuse, logout, cookies + CSRF,
 * API keys, unknown-email timing). Without a database only the pure checks run. */
#include "test.h"
#include "pgtest.h"

#include "err.h"
#include "pgconn.h"
#include "api-gateway/auth/auth.h"
#include "api-gateway/db/sql.h"
#include "api-gateway/http/cookies.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Pure parts ------------------------------------------------------------------------ */

static void test_email_valid(void)
{
    char out[AUTH_EMAIL_MAX + 1];

    CHECK_EQ_INT(auth_email_normalize("Demo@FinChat.dev", out, sizeof(out)), 0);
    CHECK_EQ_STR(out, "demo@finchat.dev");
    CHECK_EQ_INT(auth_email_normalize("  a.b+tag@Mail.Example.co.uk \t", out, sizeof(out)), 0);
    CHECK_EQ_STR(out, "a.b+tag@mail.example.co.uk");
    CHECK_EQ_INT(auth_email_normalize("o'brien_1@x-y.io", out, sizeof(out)), 0);
    CHECK_EQ_STR(out, "o'brien_1@x-y.io");
    CHECK_EQ_INT(auth_email_normalize("a@b.co", out, sizeof(out)), 0);
}

static void test_email_invalid(void)
{
    static const char *const bad[] = {
        "",           "a",         "ab",       "@x.io",         "a@",       "a@x",
        "a@@x.io",    "a@b@x.io",  "a@x..io",  "a@.x.io",       "a@x.io.",  ".a@x.io",
        "a.@x.io",    "a..b@x.io", "a b@x.io", "a@-x.io",       "a@x-.io",  "\xc3\xa9@x.io",
        "a@x_y.io",   "a\"b@x.io", "(a)@x.io", "a@[127.0.0.1]", "a,b@x.io", "a@x.io; b",
        "a\x01@x.io", "a@x.i\x7f", "a:b@x.io", "a<b>@x.io",
    };
    char out[AUTH_EMAIL_MAX + 1], big[400];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (auth_email_normalize(bad[i], out, sizeof(out)) != FC_EINVAL)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_EQ_INT(auth_email_normalize(bad[i], out, sizeof(out)), FC_EINVAL);
    }
    CHECK_EQ_INT(auth_email_normalize(NULL, out, sizeof(out)), FC_EINVAL);
    /* Length limits: 254 overall, 64 local, 63 per label. */
    memset(big, 'a', sizeof(big));
    memcpy(big + 64, "@x.io", 6);
    CHECK_EQ_INT(auth_email_normalize(big, out, sizeof(out)), 0);
    memset(big, 'a', sizeof(big));
    memcpy(big + 65, "@x.io", 6);
    CHECK_EQ_INT(auth_email_normalize(big, out, sizeof(out)), FC_EINVAL);
    memset(big, 'a', sizeof(big));
    big[1] = '@';
    memcpy(big + 2 + 63, ".io", 4);
    CHECK_EQ_INT(auth_email_normalize(big, out, sizeof(out)), 0);
    memset(big, 'a', sizeof(big));
    big[1] = '@';
    memcpy(big + 2 + 64, ".io", 4);
    CHECK_EQ_INT(auth_email_normalize(big, out, sizeof(out)), FC_EINVAL);
    /* 254 characters pass, 255 do not. */
    memset(big, 'b', sizeof(big));
    big[64] = '@';
    big[64 + 1 + 61] = '.';
    big[64 + 1 + 61 + 1 + 61] = '.';
    big[64 + 1 + 61 + 1 + 61 + 1 + 61] = '.';
    memcpy(big + 250, "b.io", 5);
    CHECK_EQ_INT(auth_email_normalize(big, out, sizeof(out)), 0);
    memcpy(big + 250, "bb.io", 6);
    CHECK_EQ_INT(auth_email_normalize(big, out, sizeof(out)), FC_EINVAL);
    /* The output buffer must hold it. */
    CHECK_EQ_INT(auth_email_normalize("a@b.co", out, 6), FC_EINVAL);
    CHECK_EQ_INT(auth_email_normalize("a@b.co", out, 7), 0);
}

static void test_csrf(void)
{
    const char *t = "Zm9vYmFyYmF6cXV4LTEyMzQ1Njc4OTA";

    CHECK(auth_csrf_valid(t, "Zm9vYmFyYmF6cXV4LTEyMzQ1Njc4OTA"));
    CHECK(!auth_csrf_valid(t, "Zm9vYmFyYmF6cXV4LTEyMzQ1Njc4OTB"));
    CHECK(!auth_csrf_valid(t, "Zm9vYmFyYmF6cXV4LTEyMzQ1Njc4OT"));
    CHECK(!auth_csrf_valid(t, ""));
    CHECK(!auth_csrf_valid(t, NULL));
    CHECK(!auth_csrf_valid(NULL, t));
    CHECK(!auth_csrf_valid(NULL, NULL));
    CHECK(!auth_csrf_valid("", ""));
    CHECK(!auth_csrf_valid("short", "short")); /* too short to be one of ours */
}

/* ---- Handlers against a real database ------------------------------------------------- */

static struct fc_config cfg;
static PGconn *pg;
static char tag[32];

static api_handler route(const char *method, const char *pattern)
{
    for (const struct api_route *r = auth_routes; r->method; r++)
        if (strcmp(r->method, method) == 0 && strcmp(r->pattern, pattern) == 0)
            return r->fn;
    return NULL;
}

static int route_flags(const char *method, const char *pattern)
{
    for (const struct api_route *r = auth_routes; r->method; r++)
        if (strcmp(r->method, method) == 0 && strcmp(r->pattern, pattern) == 0)
            return r->flags;
    return -1;
}

static void req_init(struct api_req *req, const char *method, const char *json)
{
    memset(req, 0, sizeof(*req));
    req->method = method;
    req->pg = pg;
    req->cfg = &cfg;
    snprintf(req->ip, sizeof(req->ip), "192.0.2.7");
    snprintf(req->request_id, sizeof(req->request_id), "test-%s", method);
    if (json) {
        req->raw_body = json;
        req->raw_len = strlen(json);
        req->body = json_loads(json, 0, NULL);
    }
}

static void resp_release(struct api_resp *resp)
{
    json_decref(resp->body);
    for (int i = 0; i < resp->nheaders; i++)
        free(resp->headers[i]);
    free(resp->raw);
    memset(resp, 0, sizeof(*resp));
}

/* Calls handler METHOD PATTERN with @json; returns the status, @resp kept for inspection. */
static int call(const char *method, const char *pattern, const char *json, const char *user_id,
                const char *param, struct api_resp *resp)
{
    struct api_req req;
    api_handler fn = route(method, pattern);

    req_init(&req, method, json);
    if (user_id)
        snprintf(req.user_id, sizeof(req.user_id), "%s", user_id);
    if (param) {
        req.params[0] = (char *)param;
        req.nparams = 1;
    }
    memset(resp, 0, sizeof(*resp));
    if (!fn)
        return -1;
    fn(&req, resp);
    json_decref(req.body);
    return resp->status;
}

static const char *err_code(const struct api_resp *resp)
{
    return json_string_value(json_object_get(json_object_get(resp->body, "error"), "code"));
}

static long count(const char *sql, const char *param)
{
    int64_t n = -1;

    if (sql_int64(pg, sql, param ? 1 : 0, &param, &n) != 0)
        return -1;
    return (long)n;
}

static bool has_header(const struct api_resp *resp, const char *prefix)
{
    for (int i = 0; i < resp->nheaders; i++)
        if (strncmp(resp->headers[i], prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

static int authenticate(const char *method, const char *authorization, const char *cookie,
                        const char *csrf, int flags, char *user_out)
{
    struct api_req req;
    struct api_resp resp;
    int rc;

    req_init(&req, method, NULL);
    memset(&resp, 0, sizeof(resp));
    rc = auth_authenticate(&req, authorization, cookie, csrf, flags, &resp);
    if (rc == 0 && user_out)
        snprintf(user_out, 40, "%s", req.user_id);
    if (rc != 0 && resp.status != 401 && resp.status != 403)
        fprintf(stderr, "authenticate: unexpected status %d\n", resp.status);
    if (rc != 0)
        rc = resp.status;
    resp_release(&resp);
    return rc;
}

static char email[128], body_reg[512], body_login[256];
static char user_id[40];

static void test_register(void)
{
    struct api_resp resp;
    char upper[160], dup[512];
    long users = count("SELECT count(*) FROM users", NULL);

    CHECK_EQ_INT(call("POST", "/api/v1/auth/register", body_reg, NULL, NULL, &resp), 201);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(resp.body, "user"), "email")),
                 email);
    snprintf(user_id, sizeof(user_id), "%s",
             json_string_value(json_object_get(json_object_get(resp.body, "user"), "id")));
    CHECK(json_object_get(json_object_get(resp.body, "user"), "password_hash") == NULL);
    CHECK(strlen(json_string_value(
              json_object_get(json_object_get(resp.body, "user"), "created_at"))) == 20);
    resp_release(&resp);
    CHECK_EQ_INT(count("SELECT count(*) FROM users", NULL), users + 1);

    /* The same address in other case is taken. */
    snprintf(upper, sizeof(upper), "%s", email);
    upper[0] = 'U';
    snprintf(dup, sizeof(dup), "{\"email\":\"%s\",\"password\":\"Another-pass-1\",\"name\":\"X\"}",
             upper);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/register", dup, NULL, NULL, &resp), 409);
    CHECK_EQ_STR(err_code(&resp), "conflict");
    resp_release(&resp);

    /* Field validation; nothing is written. */
    static const char *const bad[] = {
        "{\"email\":\"nope\",\"password\":\"long-enough-1\",\"name\":\"A\"}",
        "{\"email\":\"v@x.io\",\"password\":\"short\",\"name\":\"A\"}",
        "{\"email\":\"v@x.io\",\"password\":\"long-enough-1\",\"name\":\"  \"}",
        "{\"email\":\"v@x.io\",\"password\":\"long-enough-1\",\"name\":\"a\\u0007b\"}",
        "{\"email\":\"v@x.io\",\"password\":\"long-enough-1\"}",
        "{\"email\":7,\"password\":\"long-enough-1\",\"name\":\"A\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(call("POST", "/api/v1/auth/register", bad[i], NULL, NULL, &resp), 400);
        CHECK_EQ_STR(err_code(&resp), "invalid_field");
        resp_release(&resp);
    }
    /* A NUL inside a string: refused, whether by the parser or by the handler. */
    CHECK_EQ_INT(call("POST", "/api/v1/auth/register",
                      "{\"email\":\"v@x.io\",\"password\":\"long-enough\\u00001\",\"name\":\"A\"}",
                      NULL, NULL, &resp),
                 400);
    resp_release(&resp);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/register", "{\"email\":", NULL, NULL, &resp), 400);
    CHECK_EQ_STR(err_code(&resp), "invalid_json");
    resp_release(&resp);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/register", "[]", NULL, NULL, &resp), 400);
    CHECK_EQ_STR(err_code(&resp), "invalid_json");
    resp_release(&resp);
    CHECK_EQ_INT(count("SELECT count(*) FROM users", NULL), users + 1);
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_login_failures(void)
{
    struct api_resp resp;
    char wrong[256], unknown[256];
    long audits = count("SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND "
                        "detail->>'email' = $1",
                        email);
    double t0, t_wrong, t_unknown;

    snprintf(wrong, sizeof(wrong), "{\"email\":\"%s\",\"password\":\"Wrong-password-9\"}", email);
    snprintf(unknown, sizeof(unknown),
             "{\"email\":\"nobody-%s@example.com\",\"password\":\"Wrong-password-9\"}", tag);
    t0 = now_ms();
    CHECK_EQ_INT(call("POST", "/api/v1/auth/login", wrong, NULL, NULL, &resp), 401);
    t_wrong = now_ms() - t0;
    CHECK_EQ_STR(err_code(&resp), "unauthorized");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(resp.body, "error"), "message")),
                 "invalid email or password");
    CHECK(resp.nheaders == 0);
    resp_release(&resp);
    t0 = now_ms();
    CHECK_EQ_INT(call("POST", "/api/v1/auth/login", unknown, NULL, NULL, &resp), 401);
    t_unknown = now_ms() - t0;
    resp_release(&resp);
    /* An unknown email costs a real Argon2id verification too (not microseconds). */
    CHECK(t_unknown > t_wrong * 0.3);
    CHECK_EQ_INT(count("SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND "
                       "detail->>'email' = $1",
                       email),
                 audits + 1);
    /* The audit row never holds the password. */
    CHECK_EQ_INT(count("SELECT count(*) FROM audit_log WHERE detail::text LIKE "
                       "'%Wrong-password-9%'",
                       NULL),
                 0);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/login", "{\"email\":\"a@b.co\"}", NULL, NULL, &resp),
                 400);
    resp_release(&resp);
}

struct session {
    char access[2048], refresh[64], csrf[64];
};

static void take_session(const struct api_resp *resp, struct session *s)
{
    snprintf(s->access, sizeof(s->access), "%s",
             json_string_value(json_object_get(resp->body, "access_token")));
    snprintf(s->refresh, sizeof(s->refresh), "%s",
             json_string_value(json_object_get(resp->body, "refresh_token")));
    snprintf(s->csrf, sizeof(s->csrf), "%s",
             json_string_value(json_object_get(resp->body, "csrf_token")));
}

static void login(struct session *s)
{
    struct api_resp resp;

    CHECK_EQ_INT(call("POST", "/api/v1/auth/login", body_login, NULL, NULL, &resp), 200);
    take_session(&resp, s);
    resp_release(&resp);
}

static void test_login_and_authenticate(void)
{
    struct api_resp resp;
    struct session s;
    char uid[40], bearer[2100], cookie[2400];

    CHECK_EQ_INT(call("POST", "/api/v1/auth/login", body_login, NULL, NULL, &resp), 200);
    CHECK_EQ_STR(json_string_value(json_object_get(resp.body, "token_type")), "Bearer");
    CHECK_EQ_INT(json_integer_value(json_object_get(resp.body, "expires_in")), 900);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(resp.body, "user"), "id")),
                 user_id);
    take_session(&resp, &s);
    CHECK(strlen(s.refresh) == 43 && strlen(s.csrf) == 43);
    CHECK(has_header(&resp, "Set-Cookie: finchat_session="));
    CHECK(has_header(&resp, "Set-Cookie: finchat_refresh="));
    CHECK(has_header(&resp, "Set-Cookie: finchat_csrf="));
    for (int i = 0; i < resp.nheaders; i++) {
        const char *h = resp.headers[i];

        if (strstr(h, "finchat_session=")) {
            CHECK(strstr(h, "; Path=/; HttpOnly; SameSite=Strict; Max-Age=900") != NULL);
        } else if (strstr(h, "finchat_refresh=")) {
            CHECK(strstr(h, "; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=2592000"));
        } else if (strstr(h, "finchat_csrf=")) {
            CHECK(strstr(h, s.csrf) != NULL && strstr(h, "HttpOnly") == NULL);
        }
        CHECK(strstr(h, "Secure") == NULL); /* no TLS in this configuration */
    }
    resp_release(&resp);
    /* The refresh token is stored only as its hash. */
    CHECK_EQ_INT(count("SELECT count(*) FROM refresh_tokens WHERE token_hash = "
                       "sha256(convert_to($1, 'UTF8'))",
                       s.refresh),
                 1);
    CHECK_EQ_INT(count("SELECT count(*) FROM refresh_tokens WHERE encode(token_hash, 'escape') "
                       "LIKE '%' || $1 || '%'",
                       s.refresh),
                 0);

    /* Bearer access token. */
    snprintf(bearer, sizeof(bearer), "Bearer %s", s.access);
    uid[0] = '\0';
    CHECK_EQ_INT(authenticate("POST", bearer, NULL, NULL, 0, uid), 0);
    CHECK_EQ_STR(uid, user_id);
    snprintf(bearer, sizeof(bearer), "bearer   %s", s.access);
    CHECK_EQ_INT(authenticate("GET", bearer, NULL, NULL, 0, NULL), 0);
    snprintf(bearer, sizeof(bearer), "Basic %s", s.access);
    CHECK_EQ_INT(authenticate("GET", bearer, NULL, NULL, 0, NULL), 401);
    CHECK_EQ_INT(authenticate("GET", "Bearer ", NULL, NULL, 0, NULL), 401);
    CHECK_EQ_INT(authenticate("GET", "Bearer a.b.c", NULL, NULL, 0, NULL), 401);
    CHECK_EQ_INT(authenticate("GET", NULL, NULL, NULL, 0, NULL), 401);

    /* Cookie session: reads pass, writes need the double-submit header. */
    snprintf(cookie, sizeof(cookie), "finchat_session=%s; finchat_csrf=%s", s.access, s.csrf);
    CHECK_EQ_INT(authenticate("GET", NULL, cookie, NULL, 0, uid), 0);
    CHECK_EQ_INT(authenticate("HEAD", NULL, cookie, NULL, 0, NULL), 0);
    CHECK_EQ_INT(authenticate("POST", NULL, cookie, NULL, 0, NULL), 403);
    CHECK_EQ_INT(authenticate("DELETE", NULL, cookie, "wrong-wrong-wrong-wrong", 0, NULL), 403);
    CHECK_EQ_INT(authenticate("POST", NULL, cookie, s.csrf, 0, uid), 0);
    CHECK_EQ_STR(uid, user_id);
    snprintf(cookie, sizeof(cookie), "finchat_session=%s", s.access);
    CHECK_EQ_INT(authenticate("PATCH", NULL, cookie, s.csrf, 0, NULL), 403);
    snprintf(cookie, sizeof(cookie), "finchat_session=%sx; finchat_csrf=%s", s.access, s.csrf);
    CHECK_EQ_INT(authenticate("GET", NULL, cookie, NULL, 0, NULL), 401);

    /* /me */
    CHECK_EQ_INT(call("GET", "/api/v1/me", NULL, user_id, NULL, &resp), 200);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(resp.body, "user"), "email")),
                 email);
    resp_release(&resp);
}

static void test_refresh_rotation_and_reuse(void)
{
    struct api_resp resp;
    struct session s, s2, s3;
    char body[128], body2[128], body3[128];
    long tokens;

    login(&s);
    snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", s.refresh);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", body, NULL, NULL, &resp), 200);
    take_session(&resp, &s2);
    CHECK(strcmp(s.refresh, s2.refresh) != 0);
    CHECK(has_header(&resp, "Set-Cookie: finchat_refresh="));
    resp_release(&resp);
    CHECK_EQ_INT(count("SELECT count(DISTINCT family_id) FROM refresh_tokens WHERE token_hash IN "
                       "(sha256(convert_to($1, 'UTF8')))",
                       s2.refresh),
                 1);
    /* Replaying the rotated token revokes the family: the newer token dies too. */
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", body, NULL, NULL, &resp), 401);
    CHECK_EQ_STR(err_code(&resp), "unauthorized");
    resp_release(&resp);
    snprintf(body2, sizeof(body2), "{\"refresh_token\":\"%s\"}", s2.refresh);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", body2, NULL, NULL, &resp), 401);
    resp_release(&resp);
    CHECK_EQ_INT(count("SELECT count(*) FROM audit_log WHERE action = 'refresh_reuse' AND "
                       "user_id = $1",
                       user_id) >= 1,
                 1);
    /* Another login (another family) is unaffected. */
    login(&s3);
    snprintf(body3, sizeof(body3), "{\"refresh_token\":\"%s\"}", s3.refresh);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", body3, NULL, NULL, &resp), 200);
    resp_release(&resp);

    /* Garbage and unknown tokens: 401, nothing written. */
    tokens = count("SELECT count(*) FROM refresh_tokens", NULL);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh",
                      "{\"refresh_token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", NULL,
                      NULL, &resp),
                 401);
    resp_release(&resp);
    CHECK_EQ_INT(
        call("POST", "/api/v1/auth/refresh", "{\"refresh_token\":\"x\"}", NULL, NULL, &resp), 401);
    resp_release(&resp);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", "{}", NULL, NULL, &resp), 401);
    resp_release(&resp);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", NULL, NULL, NULL, &resp), 401);
    resp_release(&resp);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", "{\"refresh_token\":5}", NULL, NULL, &resp),
                 400);
    resp_release(&resp);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", "{oops", NULL, NULL, &resp), 400);
    CHECK_EQ_STR(err_code(&resp), "invalid_json");
    resp_release(&resp);
    CHECK_EQ_INT(count("SELECT count(*) FROM refresh_tokens", NULL), tokens);
}

static void test_logout(void)
{
    struct api_resp resp;
    struct session s;
    char body[128];

    login(&s);
    snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", s.refresh);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/logout", body, NULL, NULL, &resp), 204);
    CHECK(resp.body == NULL);
    CHECK(has_header(&resp, "Set-Cookie: finchat_session=; Path=/; HttpOnly; SameSite=Strict; "
                            "Max-Age=0"));
    CHECK(has_header(&resp, "Set-Cookie: finchat_refresh=; Path=/api/v1/auth;"));
    CHECK(has_header(&resp, "Set-Cookie: finchat_csrf=; Path=/;"));
    resp_release(&resp);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/refresh", body, NULL, NULL, &resp), 401);
    resp_release(&resp);
    /* Logout without a token still clears cookies. */
    CHECK_EQ_INT(call("POST", "/api/v1/auth/logout", NULL, NULL, NULL, &resp), 204);
    CHECK_EQ_INT(resp.nheaders, 3);
    resp_release(&resp);
}

static void test_api_keys(void)
{
    struct api_resp resp;
    char key[64], id[40], bearer[80], other[40], body[512];
    const json_t *items;
    long keys;

    CHECK_EQ_INT(call("POST", "/api/v1/api-keys", "{\"name\":\"laptop\"}", user_id, NULL, &resp),
                 201);
    snprintf(key, sizeof(key), "%s", json_string_value(json_object_get(resp.body, "key")));
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(resp.body, "id")));
    CHECK(strncmp(key, "fc_", 3) == 0 && strlen(key) == 46);
    CHECK(strncmp(json_string_value(json_object_get(resp.body, "prefix")), key, 10) == 0);
    CHECK_EQ_INT(strlen(json_string_value(json_object_get(resp.body, "prefix"))), 10);
    CHECK_EQ_STR(json_string_value(json_object_get(resp.body, "name")), "laptop");
    resp_release(&resp);
    CHECK_EQ_INT(count("SELECT count(*) FROM api_keys WHERE key_hash = "
                       "sha256(convert_to($1, 'UTF8'))",
                       key),
                 1);

    /* Used as a Bearer credential where keys are accepted, refused elsewhere. */
    snprintf(bearer, sizeof(bearer), "Bearer %s", key);
    other[0] = '\0';
    CHECK_EQ_INT(authenticate("GET", bearer, NULL, NULL, ROUTE_APIKEY, other), 0);
    CHECK_EQ_STR(other, user_id);
    CHECK_EQ_INT(authenticate("GET", bearer, NULL, NULL, 0, NULL), 403);
    bearer[strlen(bearer) - 1] ^= 1;
    CHECK_EQ_INT(authenticate("GET", bearer, NULL, NULL, ROUTE_APIKEY, NULL), 401);
    CHECK_EQ_INT(authenticate("GET", "Bearer fc_short", NULL, NULL, ROUTE_APIKEY, NULL), 401);

    CHECK_EQ_INT(call("GET", "/api/v1/api-keys", NULL, user_id, NULL, &resp), 200);
    items = json_object_get(resp.body, "items");
    CHECK_EQ_INT(json_array_size(items), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(items, 0), "id")), id);
    CHECK(json_is_string(json_object_get(json_array_get(items, 0), "last_used_at")));
    CHECK(json_object_get(json_array_get(items, 0), "key") == NULL);
    resp_release(&resp);

    /* Another user cannot see or delete it. */
    snprintf(body, sizeof(body),
             "{\"email\":\"other-%s@example.com\",\"password\":\"Other-pass-123\",\"name\":\"O\"}",
             tag);
    CHECK_EQ_INT(call("POST", "/api/v1/auth/register", body, NULL, NULL, &resp), 201);
    snprintf(other, sizeof(other), "%s",
             json_string_value(json_object_get(json_object_get(resp.body, "user"), "id")));
    resp_release(&resp);
    CHECK_EQ_INT(call("GET", "/api/v1/api-keys", NULL, other, NULL, &resp), 200);
    CHECK_EQ_INT(json_array_size(json_object_get(resp.body, "items")), 0);
    resp_release(&resp);
    keys = count("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL", NULL);
    CHECK_EQ_INT(call("DELETE", "/api/v1/api-keys/{id}", NULL, other, id, &resp), 404);
    CHECK_EQ_STR(err_code(&resp), "not_found");
    resp_release(&resp);
    CHECK_EQ_INT(call("DELETE", "/api/v1/api-keys/{id}", NULL, user_id, "not-a-uuid", &resp), 404);
    resp_release(&resp);
    CHECK_EQ_INT(count("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL", NULL), keys);

    CHECK_EQ_INT(call("DELETE", "/api/v1/api-keys/{id}", NULL, user_id, id, &resp), 204);
    resp_release(&resp);
    CHECK_EQ_INT(call("DELETE", "/api/v1/api-keys/{id}", NULL, user_id, id, &resp), 404);
    resp_release(&resp);
    snprintf(bearer, sizeof(bearer), "Bearer %s", key);
    CHECK_EQ_INT(authenticate("GET", bearer, NULL, NULL, ROUTE_APIKEY, NULL), 401);

    CHECK_EQ_INT(call("POST", "/api/v1/api-keys", "{\"name\":\"\"}", user_id, NULL, &resp), 400);
    resp_release(&resp);
    CHECK_EQ_INT(call("POST", "/api/v1/api-keys", "{}", user_id, NULL, &resp), 400);
    resp_release(&resp);
}

static void test_routes_table(void)
{
    CHECK_EQ_INT(route_flags("POST", "/api/v1/auth/register"), ROUTE_PUBLIC);
    CHECK_EQ_INT(route_flags("POST", "/api/v1/auth/login"), ROUTE_PUBLIC);
    CHECK_EQ_INT(route_flags("POST", "/api/v1/auth/refresh"), ROUTE_PUBLIC);
    CHECK_EQ_INT(route_flags("POST", "/api/v1/auth/logout"), ROUTE_PUBLIC);
    CHECK_EQ_INT(route_flags("GET", "/api/v1/me"), ROUTE_APIKEY);
    CHECK_EQ_INT(route_flags("POST", "/api/v1/api-keys"), 0);
    CHECK_EQ_INT(route_flags("GET", "/api/v1/api-keys"), 0);
    CHECK_EQ_INT(route_flags("DELETE", "/api/v1/api-keys/{id}"), 0);
}

static void test_with_database(void)
{
    /* 124 of the file's checks are against PostgreSQL (185 with it, 61 without). */
    pg = pgtest_open("test_auth", 124);
    if (!pg)
        return;
    cfg.jwt_secret = "unit-test-secret-unit-test-secret-0123456789";
    cfg.jwt_kid = "k1";
    cfg.jwt_prev_secret = "";
    cfg.jwt_prev_kid = "";
    cfg.jwt_issuer = "finchat";
    cfg.jwt_audience = "finchat-api";
    cfg.tls_cert = "";
    cfg.access_ttl = 900;
    cfg.refresh_ttl = 2592000;
    snprintf(tag, sizeof(tag), "%ld%d", (long)time(NULL), rand() % 100000);
    snprintf(email, sizeof(email), "unit-%s@example.com", tag);
    snprintf(body_reg, sizeof(body_reg),
             "{\"email\":\"  Unit-%s@Example.com \",\"password\":\"Correct-horse-9\","
             "\"name\":\" Unit Tester \"}",
             tag);
    snprintf(body_login, sizeof(body_login), "{\"email\":\"%s\",\"password\":\"Correct-horse-9\"}",
             email);
    test_register();
    test_login_failures();
    test_login_and_authenticate();
    test_refresh_rotation_and_reuse();
    test_logout();
    test_api_keys();
    pg_close(pg);
}

TEST_MAIN(test_email_valid, test_email_invalid, test_csrf, test_routes_table, test_with_database)

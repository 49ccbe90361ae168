/* test_tool_token.c - the per-request tool capability: its claims, its expiry at the
 * request's deadline plus the grace, and every token it must refuse (an access token, other
 * typ values, a bad signature, expiry, claims that are not UUIDs); and that an access-token
 * check never accepts a tool token. Forged tokens come from jwtforge.h (OpenSSL alone). */
#include "test.h"

#include "err.h"
#include "api-gateway/auth/jwt_token.h"
#include "api-gateway/auth/tool_token.h"
#include "jwtforge.h"

#include <jansson.h>

#define KEY1 "0123456789abcdef0123456789abcdef-current"
#define SUB "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
#define RID "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define NOW 1767225600L                   /* 2026-01-01T00:00:00Z */
#define DEADLINE_MS (NOW * 1000 + 120000) /* two minutes from NOW */
#define HS256_K1 "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"

static struct fc_config cfg(void)
{
    return forge_cfg(KEY1);
}

/* The claims of @token, read without checking (the payload segment decoded). */
static json_t *payload_of(const char *token)
{
    const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    unsigned char buf[2048];
    char seg[2048];
    size_t n;
    int len;

    if (!d2 || (size_t)(d2 - d1 - 1) + 4 >= sizeof(seg))
        return NULL;
    n = (size_t)(d2 - d1 - 1);
    memcpy(seg, d1 + 1, n);
    for (size_t i = 0; i < n; i++)
        seg[i] = seg[i] == '-' ? '+' : seg[i] == '_' ? '/' : seg[i];
    while (n % 4)
        seg[n++] = '=';
    len = EVP_DecodeBlock(buf, (const unsigned char *)seg, (int)n);
    if (len <= 0)
        return NULL;
    while (len > 0 && buf[len - 1] == '\0')
        len--;
    return json_loadb((const char *)buf, (size_t)len, 0, NULL);
}

static void test_claims(void)
{
    struct fc_config c = cfg();
    char *t = tool_token_mint(&c, SUB, RID, DEADLINE_MS, NOW);
    json_t *p = t ? payload_of(t) : NULL;

    CHECK(t != NULL);
    CHECK(p != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(p, "typ")), "tool");
    CHECK_EQ_STR(json_string_value(json_object_get(p, "sub")), SUB);
    CHECK_EQ_STR(json_string_value(json_object_get(p, "rid")), RID);
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "exp")), NOW + 120 + TOOL_TOKEN_GRACE_S);
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "iat")), NOW);
    CHECK(strlen(t) < 1024); /* TOOL_TOKEN_MAX of chatmsg.h */
    json_decref(p);
    free(t);
    /* A deadline in the middle of a second is rounded up. */
    t = tool_token_mint(&c, SUB, RID, DEADLINE_MS + 1, NOW);
    p = payload_of(t);
    CHECK_EQ_INT(json_integer_value(json_object_get(p, "exp")), NOW + 121 + TOOL_TOKEN_GRACE_S);
    json_decref(p);
    free(t);
}

static void test_round_trip_and_expiry(void)
{
    struct fc_config c = cfg();
    struct tool_claims tc;
    char *t = tool_token_mint(&c, SUB, RID, DEADLINE_MS, NOW);
    int64_t exp = NOW + 120 + TOOL_TOKEN_GRACE_S;

    CHECK_EQ_INT(tool_token_verify(&c, t, NOW, &tc), 0);
    CHECK_EQ_STR(tc.sub, SUB);
    CHECK_EQ_STR(tc.rid, RID);
    CHECK_EQ_INT(tc.exp, exp);
    CHECK_EQ_INT(tool_token_verify(&c, t, (time_t)exp - 1, NULL), 0);
    CHECK_EQ_INT(tool_token_verify(&c, t, (time_t)exp + JWT_TOKEN_LEEWAY_S, NULL), FC_EAUTH);
    CHECK_EQ_INT(tool_token_verify(&c, t, NOW + 86400, NULL), FC_EAUTH);
    /* Issued in the future beyond the leeway. */
    CHECK_EQ_INT(tool_token_verify(&c, t, NOW - JWT_TOKEN_LEEWAY_S - 1, NULL), FC_EAUTH);
    /* Never an access token. */
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW, NULL), FC_EAUTH);
    free(t);
}

static void test_refused(void)
{
    struct fc_config c = cfg();
    char *access = jwt_token_issue(&c, SUB, NOW);
    char *t = tool_token_mint(&c, SUB, RID, DEADLINE_MS, NOW), *bad;
    const EVP_MD *md = EVP_sha256();

    /* An access token is not a tool token. */
    CHECK_EQ_INT(tool_token_verify(&c, access, NOW, NULL), FC_EAUTH);
    /* A flipped signature character. */
    t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
    CHECK_EQ_INT(tool_token_verify(&c, t, NOW, NULL), FC_EAUTH);
    /* Another secret. */
    c.jwt_secret = "another secret of enough length, 32+ bytes";
    free(t);
    t = tool_token_mint(&c, SUB, RID, DEADLINE_MS, NOW);
    c = cfg();
    CHECK_EQ_INT(tool_token_verify(&c, t, NOW, NULL), FC_EAUTH);
    /* Forged with the right key: the forge helper agrees, then each claim matters. */
#define TOOL_CLAIMS(typ, sub, rid)                                                                 \
    "{\"typ\":\"" typ "\",\"sub\":\"" sub "\",\"rid\":\"" rid                                      \
    "\",\"iss\":\"finchat\",\"aud\":\"finchat-api\",\"iat\":1767225600,\"exp\":1767226000}"
    bad = forge(HS256_K1, TOOL_CLAIMS("tool", SUB, RID), KEY1, md);
    CHECK_EQ_INT(tool_token_verify(&c, bad, NOW, NULL), 0);
    free(bad);
    bad = forge(HS256_K1, TOOL_CLAIMS("access", SUB, RID), KEY1, md);
    CHECK_EQ_INT(tool_token_verify(&c, bad, NOW, NULL), FC_EAUTH);
    free(bad);
    bad = forge(HS256_K1, TOOL_CLAIMS("tool", "admin", RID), KEY1, md);
    CHECK_EQ_INT(tool_token_verify(&c, bad, NOW, NULL), FC_EAUTH);
    free(bad);
    bad = forge(HS256_K1, TOOL_CLAIMS("tool", SUB, "r1"), KEY1, md);
    CHECK_EQ_INT(tool_token_verify(&c, bad, NOW, NULL), FC_EAUTH);
    free(bad);
    bad = forge("{\"alg\":\"none\",\"kid\":\"k1\"}", TOOL_CLAIMS("tool", SUB, RID), KEY1, NULL);
    CHECK_EQ_INT(tool_token_verify(&c, bad, NOW, NULL), FC_EAUTH);
    free(bad);
    bad = forge(HS256_K1,
                "{\"typ\":\"tool\",\"sub\":\"" SUB "\",\"rid\":\"" RID
                "\",\"iss\":\"finchat\",\"aud\":\"finchat-api\",\"iat\":1767225600}",
                KEY1, md);
    CHECK_EQ_INT(tool_token_verify(&c, bad, NOW, NULL), FC_EAUTH); /* no exp */
    free(bad);
    CHECK_EQ_INT(tool_token_verify(&c, NULL, NOW, NULL), FC_EAUTH);
    CHECK_EQ_INT(tool_token_verify(&c, "a.b.c", NOW, NULL), FC_EAUTH);
    free(t);
    free(access);
}

static void test_mint_refuses(void)
{
    struct fc_config c = cfg();

    CHECK(tool_token_mint(&c, "nope", RID, DEADLINE_MS, NOW) == NULL);
    CHECK(tool_token_mint(&c, SUB, "", DEADLINE_MS, NOW) == NULL);
    c.jwt_secret = "";
    CHECK(tool_token_mint(&c, SUB, RID, DEADLINE_MS, NOW) == NULL);
}

TEST_MAIN(test_claims, test_round_trip_and_expiry, test_refused, test_mint_refuses)

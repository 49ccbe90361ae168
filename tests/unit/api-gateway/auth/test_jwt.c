/* test_jwt.c - access tokens: issue/verify round trip, every way a token must be refused
 * (expired, early, wrong iss/aud, alg none and other algorithms, tampering, unknown kid,
 * garbage) and key rotation through the previous kid. Forged tokens are built here with
 * OpenSSL's HMAC so the tests never depend on the code under test to make them. */
#include "test.h"

#include "err.h"
#include "uuid.h"
#include "api-gateway/auth/jwt_token.h"
#include "jwtforge.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define KEY1 "0123456789abcdef0123456789abcdef-current"
#define KEY0 "fedcba9876543210fedcba9876543210-previous"
#define SUB "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
#define NOW 1767225600L /* 2026-01-01T00:00:00Z */

static struct fc_config cfg_current(void)
{
    return forge_cfg(KEY1);
}

static char *claims(const char *iss, const char *aud, const char *sub, long iat, long nbf, long exp)
{
    static char buf[512];

    snprintf(buf, sizeof(buf),
             "{\"sub\":\"%s\",\"iss\":\"%s\",\"aud\":\"%s\",\"iat\":%ld,\"nbf\":%ld,\"exp\":%ld,"
             "\"jti\":\"j1\"}",
             sub, iss, aud, iat, nbf, exp);
    return buf;
}

#define HS256_K1 "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"
#define GOOD_CLAIMS claims("finchat", "finchat-api", SUB, NOW, NOW, NOW + 900)

static int verify_forged(const char *header, const char *payload, const char *key, const EVP_MD *md)
{
    struct fc_config c = cfg_current();
    char *t = forge(header, payload, key, md);
    int rc = jwt_token_verify(&c, t, NOW, NULL);

    free(t);
    return rc;
}

static void test_round_trip(void)
{
    struct fc_config c = cfg_current();
    struct jwt_claims cl;
    char *t = jwt_token_issue(&c, SUB, NOW);

    CHECK(t != NULL);
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW, &cl), 0);
    CHECK_EQ_STR(cl.sub, SUB);
    CHECK_EQ_STR(cl.kid, "k1");
    CHECK_EQ_INT(cl.iat, NOW);
    CHECK_EQ_INT(cl.nbf, NOW);
    CHECK_EQ_INT(cl.exp, NOW + 900);
    CHECK(uuid_canonical(cl.jti));
    /* Two tokens for the same user at the same second still differ (jti). */
    {
        char *t2 = jwt_token_issue(&c, SUB, NOW);
        CHECK(t2 && strcmp(t, t2) != 0);
        free(t2);
    }
    free(t);
}

static void test_forge_helper_agrees(void)
{
    /* A correctly forged token verifies: the refusals below are about what they change. */
    CHECK_EQ_INT(verify_forged(HS256_K1, GOOD_CLAIMS, KEY1, EVP_sha256()), 0);
    CHECK_EQ_INT(
        verify_forged("{\"alg\":\"HS256\",\"kid\":\"k1\"}", GOOD_CLAIMS, KEY1, EVP_sha256()), 0);
}

static void test_expiry_and_not_before(void)
{
    struct fc_config c = cfg_current();
    char *t = jwt_token_issue(&c, SUB, NOW);

    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW + 899, NULL), 0);
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW + 900 + JWT_TOKEN_LEEWAY_S - 1, NULL), 0);
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW + 900 + JWT_TOKEN_LEEWAY_S, NULL), FC_EAUTH);
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW + 86400, NULL), FC_EAUTH);
    /* Issued in the future (clock skew beyond the leeway). */
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW - JWT_TOKEN_LEEWAY_S, NULL), 0);
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW - JWT_TOKEN_LEEWAY_S - 1, NULL), FC_EAUTH);
    free(t);
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               claims("finchat", "finchat-api", SUB, NOW, NOW + 120, NOW + 900),
                               KEY1, EVP_sha256()),
                 FC_EAUTH);
    CHECK_EQ_INT(
        verify_forged(HS256_K1,
                      claims("finchat", "finchat-api", SUB, NOW - 7200, NOW - 7200, NOW - 3600),
                      KEY1, EVP_sha256()),
        FC_EAUTH);
}

static void test_claims_checked(void)
{
    const EVP_MD *md = EVP_sha256();

    CHECK_EQ_INT(
        verify_forged(HS256_K1, claims("evil", "finchat-api", SUB, NOW, NOW, NOW + 900), KEY1, md),
        FC_EAUTH);
    CHECK_EQ_INT(
        verify_forged(HS256_K1, claims("finchat", "other-api", SUB, NOW, NOW, NOW + 900), KEY1, md),
        FC_EAUTH);
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               claims("finchat", "finchat-api", "admin", NOW, NOW, NOW + 900), KEY1,
                               md),
                 FC_EAUTH);
    /* Missing or mistyped claims. */
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               "{\"sub\":\"" SUB "\",\"iss\":\"finchat\",\"aud\":\"finchat-api\","
                               "\"iat\":1767225600,\"nbf\":1767225600,\"jti\":\"j\"}",
                               KEY1, md),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               "{\"sub\":\"" SUB "\",\"iss\":\"finchat\",\"aud\":\"finchat-api\","
                               "\"iat\":1767225600,\"nbf\":1767225600,\"exp\":\"9999999999\","
                               "\"jti\":\"j\"}",
                               KEY1, md),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               "{\"sub\":\"" SUB "\",\"iss\":\"finchat\",\"aud\":\"finchat-api\","
                               "\"iat\":1767225600,\"nbf\":1767225600,\"exp\":9999999999.5,"
                               "\"jti\":\"j\"}",
                               KEY1, md),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               "{\"sub\":\"" SUB "\",\"iss\":\"finchat\",\"aud\":[\"finchat-api\"],"
                               "\"iat\":1767225600,\"nbf\":1767225600,\"exp\":1767226500,"
                               "\"jti\":\"j\"}",
                               KEY1, md),
                 FC_EAUTH);
    /* A second "sub" must not let two parsers disagree. */
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               "{\"sub\":\"" SUB
                               "\",\"sub\":\"00000000-0000-4000-8000-000000000000\","
                               "\"iss\":\"finchat\",\"aud\":\"finchat-api\",\"iat\":1767225600,"
                               "\"nbf\":1767225600,\"exp\":1767226500,\"jti\":\"j\"}",
                               KEY1, md),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged(HS256_K1, "[1,2,3]", KEY1, md), FC_EAUTH);
}

static void test_algorithms_pinned(void)
{
    struct fc_config c = cfg_current();
    char *t;

    /* alg none, with and without a signature segment, in several spellings. */
    CHECK_EQ_INT(
        verify_forged("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_CLAIMS, NULL, NULL),
        FC_EAUTH);
    CHECK_EQ_INT(
        verify_forged("{\"alg\":\"none\",\"kid\":\"k1\"}", GOOD_CLAIMS, KEY1, EVP_sha256()),
        FC_EAUTH);
    CHECK_EQ_INT(
        verify_forged("{\"alg\":\"None\",\"kid\":\"k1\"}", GOOD_CLAIMS, KEY1, EVP_sha256()),
        FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_CLAIMS, KEY1, EVP_sha256()),
                 FC_EAUTH);
    t = forge("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_CLAIMS, NULL, NULL);
    CHECK(t[strlen(t) - 1] == '.');
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW, NULL), FC_EAUTH);
    free(t);
    /* Other algorithms, even when signed correctly for what they claim. */
    CHECK_EQ_INT(verify_forged("{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_CLAIMS,
                               KEY1, EVP_sha512()),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"alg\":\"HS384\",\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_CLAIMS,
                               KEY1, EVP_sha384()),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_CLAIMS,
                               KEY1, EVP_sha256()),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"alg\":\"hs256\",\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_CLAIMS,
                               KEY1, EVP_sha256()),
                 FC_EAUTH);
    /* Duplicate alg: one parser could read HS256, another none. */
    CHECK_EQ_INT(verify_forged("{\"alg\":\"HS256\",\"alg\":\"none\",\"kid\":\"k1\"}", GOOD_CLAIMS,
                               KEY1, EVP_sha256()),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"alg\":\"HS256\",\"typ\":\"JWE\",\"kid\":\"k1\"}", GOOD_CLAIMS,
                               KEY1, EVP_sha256()),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"kid\":\"k1\"}", GOOD_CLAIMS,
                               KEY1, EVP_sha256()),
                 FC_EAUTH);
}

static void test_tampering(void)
{
    struct fc_config c = cfg_current();
    char *t = jwt_token_issue(&c, SUB, NOW);
    char *forged;
    char *dot1 = strchr(t, '.'), *dot2 = strrchr(t, '.');
    size_t len = strlen(t);
    char saved = t[len - 2];

    /* Flip one character of the signature, then of the payload. */
    t[len - 2] = saved == 'A' ? 'B' : 'A';
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW, NULL), FC_EAUTH);
    t[len - 2] = saved;
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW, NULL), 0);
    dot1[5] = dot1[5] == 'x' ? 'y' : 'x';
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW, NULL), FC_EAUTH);
    /* Drop the signature. */
    dot2[1] = '\0';
    CHECK_EQ_INT(jwt_token_verify(&c, t, NOW, NULL), FC_EAUTH);
    free(t);
    /* Signed with the wrong key. */
    forged = forge(HS256_K1, GOOD_CLAIMS, "not-the-key-not-the-key-not-the-key!", EVP_sha256());
    CHECK_EQ_INT(jwt_token_verify(&c, forged, NOW, NULL), FC_EAUTH);
    free(forged);
}

static void test_key_rotation(void)
{
    struct fc_config old = cfg_current(), now = cfg_current();
    char *t;

    old.jwt_secret = KEY0;
    old.jwt_kid = "k0";
    t = jwt_token_issue(&old, SUB, NOW);
    /* The new configuration knows k0 only as the previous key. */
    now.jwt_prev_secret = KEY0;
    now.jwt_prev_kid = "k0";
    CHECK_EQ_INT(jwt_token_verify(&now, t, NOW, NULL), 0);
    /* Once the previous key is dropped, its tokens stop working. */
    now.jwt_prev_secret = "";
    now.jwt_prev_kid = "";
    CHECK_EQ_INT(jwt_token_verify(&now, t, NOW, NULL), FC_EAUTH);
    /* A kid must select its own key: k0's token relabelled k1 fails. */
    free(t);
    CHECK_EQ_INT(
        verify_forged("{\"alg\":\"HS256\",\"kid\":\"k1\"}", GOOD_CLAIMS, KEY0, EVP_sha256()),
        FC_EAUTH);
    /* Unknown or missing kid, even with the right key. */
    CHECK_EQ_INT(
        verify_forged("{\"alg\":\"HS256\",\"kid\":\"k9\"}", GOOD_CLAIMS, KEY1, EVP_sha256()),
        FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"alg\":\"HS256\"}", GOOD_CLAIMS, KEY1, EVP_sha256()), FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"alg\":\"HS256\",\"kid\":\"\"}", GOOD_CLAIMS, KEY1, EVP_sha256()),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged("{\"alg\":\"HS256\",\"kid\":1}", GOOD_CLAIMS, KEY1, EVP_sha256()),
                 FC_EAUTH);
    /* An empty previous kid never matches a token's empty kid. */
    now.jwt_prev_secret = KEY1;
    t = forge("{\"alg\":\"HS256\",\"kid\":\"\"}", GOOD_CLAIMS, KEY1, EVP_sha256());
    CHECK_EQ_INT(jwt_token_verify(&now, t, NOW, NULL), FC_EAUTH);
    free(t);
}

static void test_garbage(void)
{
    struct fc_config c = cfg_current();
    static const char *const bad[] = {
        "",
        "a",
        "a.b",
        "a.b.c",
        "..",
        "...",
        "a..c",
        ".b.c",
        "a.b.",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
        "eyJhbGciOiJIUzI1NiJ9.e30.abc.def",
        "eyJhbGciOiJIUzI1NiJ9 .e30.abc",
        "eyJhbGciOiJIUzI1NiJ9.e30.ab+c",
        "eyJhbGciOiJIUzI1NiJ9=.e30.abc",
        "bm90IGpzb24.e30.abc", /* header "not json" */
        "WzEsMl0.e30.abc",     /* header [1,2] */
        "Bearer x.y.z",
    };
    char *big;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ_INT(jwt_token_verify(&c, bad[i], NOW, NULL), FC_EAUTH);
    CHECK_EQ_INT(jwt_token_verify(&c, NULL, NOW, NULL), FC_EAUTH);
    big = malloc(JWT_TOKEN_MAX_LEN + 2);
    memset(big, 'A', JWT_TOKEN_MAX_LEN + 1);
    big[10] = '.';
    big[20] = '.';
    big[JWT_TOKEN_MAX_LEN + 1] = '\0';
    CHECK_EQ_INT(jwt_token_verify(&c, big, NOW, NULL), FC_EAUTH);
    free(big);
}

static void test_issue_refuses(void)
{
    struct fc_config c = cfg_current();

    CHECK(jwt_token_issue(&c, "not-a-uuid", NOW) == NULL);
    CHECK(jwt_token_issue(&c, "", NOW) == NULL);
    c.jwt_secret = "";
    CHECK(jwt_token_issue(&c, SUB, NOW) == NULL);
}

/* A correctly signed token with a "typ" claim (a tool token, tool_token.h) is no session. */
static void test_typed_token_refused(void)
{
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               "{\"typ\":\"tool\",\"sub\":\"" SUB "\",\"iss\":\"finchat\","
                               "\"aud\":\"finchat-api\",\"iat\":1767225600,\"nbf\":1767225600,"
                               "\"exp\":1767226500,\"jti\":\"j\"}",
                               KEY1, EVP_sha256()),
                 FC_EAUTH);
    CHECK_EQ_INT(verify_forged(HS256_K1,
                               "{\"typ\":\"access\",\"sub\":\"" SUB "\",\"iss\":\"finchat\","
                               "\"aud\":\"finchat-api\",\"iat\":1767225600,\"nbf\":1767225600,"
                               "\"exp\":1767226500,\"jti\":\"j\"}",
                               KEY1, EVP_sha256()),
                 FC_EAUTH);
}

TEST_MAIN(test_round_trip, test_forge_helper_agrees, test_expiry_and_not_before,
          test_claims_checked, test_algorithms_pinned, test_tampering, test_key_rotation,
          test_garbage, test_issue_refuses, test_typed_token_refused)

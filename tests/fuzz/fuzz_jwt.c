/* fuzz_jwt.c - libFuzzer target for access-token verification (api-gateway/auth/jwt_token.c).
 *
 * The input is a token, verified at a fixed time under a current and a previous key. Only
 * 0 or FC_EAUTH may come back, and an accepted token must carry a UUID subject, a known kid
 * and times valid then. The first three bytes also change one byte of a token just issued:
 * any change must make it refused. Built and run by tests/fuzz/run.sh. */
#include "err.h"
#include "uuid.h"
#include "api-gateway/auth/jwt_token.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1767225600L /* 2026-01-01T00:00:00Z, the corpus tokens' issue time */
#define SUB "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fc_config cfg = {
    .jwt_secret = "0123456789abcdef0123456789abcdef-current",
    .jwt_kid = "k1",
    .jwt_prev_secret = "fedcba9876543210fedcba9876543210-previous",
    .jwt_prev_kid = "k0",
    .jwt_issuer = "finchat",
    .jwt_audience = "finchat-api",
    .access_ttl = 900,
};

/* Checks what verification says of @token. */
static void check_verify(const char *token)
{
    struct jwt_claims c;
    int rc = jwt_token_verify(&cfg, token, NOW, &c);

    if (rc != 0 && rc != FC_EAUTH)
        abort();
    if (rc == 0 && (!uuid_valid(c.sub) || (strcmp(c.kid, "k1") && strcmp(c.kid, "k0")) ||
                    NOW >= c.exp + JWT_TOKEN_LEEWAY_S || c.nbf > NOW + JWT_TOKEN_LEEWAY_S))
        abort();
}

/* Changes one byte of a freshly issued token, which must then be refused. */
static void check_tamper(const uint8_t *data, size_t size)
{
    static char *issued;
    char *t;
    size_t len, at;

    if (!issued)
        issued = jwt_token_issue(&cfg, SUB, NOW);
    if (!issued || jwt_token_verify(&cfg, issued, NOW, NULL) != 0)
        abort();
    if (size < 3 || data[2] == 0)
        return;
    len = strlen(issued);
    at = ((size_t)data[0] << 8 | data[1]) % len;
    if ((unsigned char)issued[at] == data[2])
        return;
    t = strdup(issued);
    t[at] = (char)data[2];
    if (jwt_token_verify(&cfg, t, NOW, NULL) != FC_EAUTH)
        abort();
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *token = malloc(size + 1);

    memcpy(token, data, size);
    token[size] = '\0';
    check_verify(token);
    free(token);
    check_tamper(data, size);
    return 0;
}

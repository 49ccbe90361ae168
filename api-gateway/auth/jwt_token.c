/* jwt_token.c - HS256 access tokens: issue with libjwt, verify header-first (see jwt_token.h). */
#include "api-gateway/auth/jwt_token.h"

#include "err.h"
#include "uuid.h"
#include "xmalloc.h"

#include <jansson.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_MAX 512   /* decoded header bytes; ours is ~50 */
#define PAYLOAD_MAX 2048 /* decoded payload bytes; ours is ~250 */

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* Decodes @len characters of unpadded base64url at @in into @out (@cap bytes). Returns the
 * decoded length, or -1 when the input is not canonical base64url or does not fit. */
static long b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;

    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)in[i]);

        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap)
                return -1;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits && (acc & ((1u << bits) - 1)) != 0)
        return -1; /* non-zero padding bits: two spellings of one token */
    return (long)n;
}

/* Splits @token (@len bytes) into three non-empty base64url segments at *@d1 and *@d2. */
static bool split_segments(const char *token, size_t len, const char **d1, const char **d2)
{
    const char *first = memchr(token, '.', len);
    const char *second;

    if (!first)
        return false;
    second = memchr(first + 1, '.', len - (size_t)(first + 1 - token));
    if (!second || memchr(second + 1, '.', len - (size_t)(second + 1 - token)))
        return false;
    if (first == token || second == first + 1 || second + 1 == token + len)
        return false;
    *d1 = first;
    *d2 = second;
    return true;
}

/* Parses @len base64url characters at @seg as a JSON object (duplicate keys refused, so two
 * parsers can never read one token differently). Returns a new reference or NULL. */
static json_t *segment_json(const char *seg, size_t len, size_t cap)
{
    unsigned char buf[PAYLOAD_MAX];
    long n = b64url_decode(seg, len, buf, cap < sizeof(buf) ? cap : sizeof(buf));
    json_t *obj;

    if (n <= 0)
        return NULL;
    obj = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    if (obj && !json_is_object(obj)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static bool str_eq(const json_t *v, const char *want)
{
    return json_is_string(v) && want && strcmp(json_string_value(v), want) == 0;
}

/* Checks the header and selects the key its kid names. Returns the key or NULL. */
static const char *header_key(const struct fc_config *cfg, const json_t *h, struct jwt_claims *c)
{
    const json_t *typ = json_object_get(h, "typ");
    const json_t *kid = json_object_get(h, "kid");
    const char *k;

    if (!str_eq(json_object_get(h, "alg"), "HS256"))
        return NULL;
    if (typ && !(json_is_string(typ) && strcasecmp(json_string_value(typ), "JWT") == 0))
        return NULL;
    if (json_object_get(h, "crit") || !json_is_string(kid))
        return NULL;
    k = json_string_value(kid);
    if (!*k || strlen(k) >= sizeof(c->kid))
        return NULL;
    snprintf(c->kid, sizeof(c->kid), "%s", k);
    if (cfg->jwt_kid && *cfg->jwt_kid && strcmp(k, cfg->jwt_kid) == 0)
        return cfg->jwt_secret && *cfg->jwt_secret ? cfg->jwt_secret : NULL;
    if (cfg->jwt_prev_kid && *cfg->jwt_prev_kid && strcmp(k, cfg->jwt_prev_kid) == 0)
        return cfg->jwt_prev_secret && *cfg->jwt_prev_secret ? cfg->jwt_prev_secret : NULL;
    return NULL;
}

static bool int_claim(const json_t *claims, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(claims, name);

    if (!json_is_integer(v))
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* Checks the registered claims at @now and copies them into @c. */
static bool claims_valid(const struct fc_config *cfg, const json_t *claims, time_t now,
                         struct jwt_claims *c)
{
    const json_t *sub = json_object_get(claims, "sub");
    const json_t *jti = json_object_get(claims, "jti");
    int64_t t = (int64_t)now;

    /* An access token has no "typ" claim: a token minted for another use (tool_token.h) is
     * never a session. */
    if (json_object_get(claims, "typ"))
        return false;
    if (!str_eq(json_object_get(claims, "iss"), cfg->jwt_issuer) ||
        !str_eq(json_object_get(claims, "aud"), cfg->jwt_audience))
        return false;
    if (!json_is_string(sub) || !uuid_valid(json_string_value(sub)))
        return false;
    if (!json_is_string(jti) || json_string_length(jti) == 0 ||
        json_string_length(jti) >= sizeof(c->jti))
        return false;
    if (!int_claim(claims, "exp", &c->exp) || !int_claim(claims, "nbf", &c->nbf) ||
        !int_claim(claims, "iat", &c->iat))
        return false;
    if (t >= c->exp + JWT_TOKEN_LEEWAY_S || c->nbf > t + JWT_TOKEN_LEEWAY_S ||
        c->iat > t + JWT_TOKEN_LEEWAY_S)
        return false;
    snprintf(c->sub, sizeof(c->sub), "%s", json_string_value(sub));
    snprintf(c->jti, sizeof(c->jti), "%s", json_string_value(jti));
    return true;
}

char *jwt_token_sign(const struct fc_config *cfg, const json_t *claims)
{
    jwt_t *jwt = NULL;
    char *text, *enc, *token = NULL;
    const char *key = cfg->jwt_secret;

    if (!json_is_object(claims) || !key || !*key || !cfg->jwt_kid || !*cfg->jwt_kid)
        return NULL;
    text = json_dumps(claims, JSON_COMPACT);
    if (!text)
        return NULL;
    if (jwt_new(&jwt) != 0)
        goto out_free_text;
    if (jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)key, (int)strlen(key)) != 0 ||
        jwt_add_header(jwt, "kid", cfg->jwt_kid) != 0 || jwt_add_grants_json(jwt, text) != 0)
        goto out_free_jwt;
    enc = jwt_encode_str(jwt);
    if (!enc)
        goto out_free_jwt;
    token = xstrdup(enc);
    free(enc);
out_free_jwt:
    jwt_free(jwt);
out_free_text:
    free(text);
    return token;
}

char *jwt_token_issue(const struct fc_config *cfg, const char *sub, time_t now)
{
    char jti[UUID_STR_LEN];
    json_t *claims;
    char *token;

    if (!uuid_valid(sub))
        return NULL;
    uuid_generate(jti);
    claims = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "sub", sub, "iss", cfg->jwt_issuer, "aud",
                       cfg->jwt_audience, "iat", (json_int_t)now, "nbf", (json_int_t)now, "exp",
                       (json_int_t)now + cfg->access_ttl, "jti", jti);
    if (!claims)
        return NULL;
    token = jwt_token_sign(cfg, claims);
    json_decref(claims);
    return token;
}

/* Checks @token's header and signature; on success *@claims_out is its claims (a new
 * reference) and @c->kid the key id. Returns 0 or FC_EAUTH. */
static int decode_signed(const struct fc_config *cfg, const char *token, json_t **claims_out,
                         struct jwt_claims *c)
{
    const char *d1, *d2, *key;
    json_t *header, *claims = NULL;
    jwt_t *jwt = NULL;
    size_t len;
    int rc = FC_EAUTH;

    *claims_out = NULL;
    if (!token)
        return FC_EAUTH;
    len = strnlen(token, JWT_TOKEN_MAX_LEN + 1);
    if (len > JWT_TOKEN_MAX_LEN || !split_segments(token, len, &d1, &d2))
        return FC_EAUTH;
    /* The header decides everything below, so it is judged before any signature work. */
    header = segment_json(token, (size_t)(d1 - token), HEADER_MAX);
    if (!header)
        return FC_EAUTH;
    key = header_key(cfg, header, c);
    if (!key)
        goto out_free_header;
    if (jwt_decode(&jwt, token, (const unsigned char *)key, (int)strlen(key)) != 0 || !jwt)
        goto out_free_header;
    if (jwt_get_alg(jwt) != JWT_ALG_HS256)
        goto out_free_jwt;
    /* The signature holds: read the claims from the signed bytes themselves. */
    claims = segment_json(d1 + 1, (size_t)(d2 - d1 - 1), PAYLOAD_MAX);
    if (claims) {
        *claims_out = claims;
        rc = 0;
    }
out_free_jwt:
    jwt_free(jwt);
out_free_header:
    json_decref(header);
    return rc;
}

int jwt_token_decode(const struct fc_config *cfg, const char *token, json_t **claims_out)
{
    struct jwt_claims c;

    memset(&c, 0, sizeof(c));
    return decode_signed(cfg, token, claims_out, &c);
}

int jwt_token_verify(const struct fc_config *cfg, const char *token, time_t now,
                     struct jwt_claims *out)
{
    struct jwt_claims c;
    json_t *claims;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = decode_signed(cfg, token, &claims, &c);
    if (rc)
        return rc;
    rc = claims_valid(cfg, claims, now, &c) ? 0 : FC_EAUTH;
    json_decref(claims);
    if (!rc && out)
        *out = c;
    return rc;
}

/* tool_token.c - mint and verify the per-request tool capability (see tool_token.h). */
#include "api-gateway/auth/tool_token.h"

#include "err.h"
#include "uuid.h"
#include "api-gateway/auth/jwt_token.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

char *tool_token_mint(const struct fc_config *cfg, const char *sub, const char *rid,
                      int64_t deadline_ms, time_t now)
{
    json_t *claims;
    char *token;

    if (!uuid_valid(sub) || !uuid_valid(rid))
        return NULL;
    claims = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "typ", "tool", "sub", sub, "rid", rid,
                       "iss", cfg->jwt_issuer, "aud", cfg->jwt_audience, "iat", (json_int_t)now,
                       "exp", (json_int_t)((deadline_ms + 999) / 1000 + TOOL_TOKEN_GRACE_S));
    if (!claims)
        return NULL;
    token = jwt_token_sign(cfg, claims);
    json_decref(claims);
    return token;
}

static bool str_is(const json_t *v, const char *want)
{
    return json_is_string(v) && want && strcmp(json_string_value(v), want) == 0;
}

static bool uuid_claim(const json_t *claims, const char *name, char out[40])
{
    const json_t *v = json_object_get(claims, name);

    if (!json_is_string(v) || !uuid_valid(json_string_value(v)))
        return false;
    snprintf(out, 40, "%s", json_string_value(v));
    return true;
}

int tool_token_verify(const struct fc_config *cfg, const char *token, time_t now,
                      struct tool_claims *out)
{
    struct tool_claims c;
    json_t *claims, *exp, *iat;
    bool ok;

    if (jwt_token_decode(cfg, token, &claims) != 0)
        return FC_EAUTH;
    memset(&c, 0, sizeof(c));
    exp = json_object_get(claims, "exp");
    iat = json_object_get(claims, "iat");
    ok = str_is(json_object_get(claims, "typ"), "tool") &&
         str_is(json_object_get(claims, "iss"), cfg->jwt_issuer) &&
         str_is(json_object_get(claims, "aud"), cfg->jwt_audience) &&
         uuid_claim(claims, "sub", c.sub) && uuid_claim(claims, "rid", c.rid) &&
         json_is_integer(exp) && json_is_integer(iat) &&
         (int64_t)now < json_integer_value(exp) + JWT_TOKEN_LEEWAY_S &&
         json_integer_value(iat) <= (int64_t)now + JWT_TOKEN_LEEWAY_S;
    if (ok)
        c.exp = json_integer_value(exp);
    json_decref(claims);
    if (!ok)
        return FC_EAUTH;
    if (out)
        *out = c;
    return 0;
}

/* jwtforge.h - HS256 tokens built for tests with OpenSSL's HMAC alone, so the tests of
 * jwt_token.h and tool_token.h never depend on the code under test to make what they check. */
#ifndef FINCHAT_TEST_JWTFORGE_H
#define FINCHAT_TEST_JWTFORGE_H

#include "config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void b64url(const unsigned char *in, size_t n, char *out, size_t cap)
{
    unsigned char tmp[4096];
    int len;

    if (4 * ((n + 2) / 3) + 1 > sizeof(tmp) || 4 * ((n + 2) / 3) + 1 > cap) {
        out[0] = '\0';
        return;
    }
    len = EVP_EncodeBlock(tmp, in, (int)n);
    for (int i = 0; i < len; i++) {
        char ch = (char)tmp[i];
        if (ch == '=')
            len = i;
        else
            out[i] = ch == '+' ? '-' : ch == '/' ? '_' : ch;
    }
    out[len] = '\0';
}

/* Builds header.payload.signature (caller frees); @md NULL means an empty signature (alg none). */
static char *forge(const char *header, const char *payload, const char *key, const EVP_MD *md)
{
    char h[1024], p[2048], sig[256];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    char *signing, *out;
    size_t cap;

    b64url((const unsigned char *)header, strlen(header), h, sizeof(h));
    b64url((const unsigned char *)payload, strlen(payload), p, sizeof(p));
    cap = strlen(h) + strlen(p) + 2;
    signing = malloc(cap);
    snprintf(signing, cap, "%s.%s", h, p);
    sig[0] = '\0';
    if (md) {
        HMAC(md, key, (int)strlen(key), (const unsigned char *)signing, strlen(signing), mac,
             &maclen);
        b64url(mac, maclen, sig, sizeof(sig));
    }
    cap = strlen(signing) + strlen(sig) + 2;
    out = malloc(cap);
    snprintf(out, cap, "%s.%s", signing, sig);
    free(signing);
    return out;
}

/* A configuration signing with @secret under kid "k1", issuer "finchat", audience
 * "finchat-api", 900 s access tokens, and no previous key. */
static struct fc_config forge_cfg(const char *secret)
{
    struct fc_config c;

    memset(&c, 0, sizeof(c));
    c.jwt_secret = (char *)secret;
    c.jwt_kid = "k1";
    c.jwt_prev_secret = "";
    c.jwt_prev_kid = "";
    c.jwt_issuer = "finchat";
    c.jwt_audience = "finchat-api";
    c.access_ttl = 900;
    return c;
}

#endif

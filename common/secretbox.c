/* secretbox.c - AES-256-GCM through OpenSSL's EVP interface. */
#include "secretbox.h"

#include "err.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#define NONCE 12
#define TAG 16

int secretbox_key(const char *hex, unsigned char key[32])
{
    if (!hex || strlen(hex) != 64)
        return FC_EINVAL;
    for (int i = 0; i < 32; i++) {
        int v = 0;

        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;

            if (d < 0)
                return FC_EINVAL;
            v = v * 16 + d;
        }
        key[i] = (unsigned char)v;
    }
    return 0;
}

int secretbox_seal(const unsigned char key[32], const char *aad, const unsigned char *msg,
                   size_t len, unsigned char *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, rc = FC_EIO;

    if (!ctx || RAND_bytes(out, NONCE) != 1)
        goto out;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) != 1)
        goto out;
    if (aad && EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) != 1)
        goto out;
    if (EVP_EncryptUpdate(ctx, out + NONCE, &n, msg, (int)len) != 1)
        goto out;
    if (EVP_EncryptFinal_ex(ctx, out + NONCE + n, &n) != 1)
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG, out + NONCE + len) != 1)
        goto out;
    rc = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

int secretbox_open(const unsigned char key[32], const char *aad, const unsigned char *in,
                   size_t len, unsigned char *out, size_t *out_len)
{
    EVP_CIPHER_CTX *ctx;
    unsigned char tag[TAG];
    size_t clen;
    int n = 0, rc = FC_EINVAL;

    if (len < SECRETBOX_OVERHEAD)
        return FC_EINVAL;
    clen = len - SECRETBOX_OVERHEAD;
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return FC_EIO;
    memcpy(tag, in + NONCE + clen, TAG);
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, in) != 1)
        goto out;
    if (aad && EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) != 1)
        goto out;
    if (EVP_DecryptUpdate(ctx, out, &n, in + NONCE, (int)clen) != 1)
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG, tag) != 1)
        goto out;
    if (EVP_DecryptFinal_ex(ctx, out + n, &n) != 1) {
        memset(out, 0, clen);
        goto out;
    }
    *out_len = clen;
    rc = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

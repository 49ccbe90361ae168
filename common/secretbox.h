/* secretbox.h - authenticated encryption of secrets at rest (Plaid access tokens) with
 * AES-256-GCM under FINCHAT_DATA_KEY. Sealed format: 12-byte random nonce | ciphertext |
 * 16-byte tag. @aad binds a sealed value to its owner (e.g. the user id), so a ciphertext
 * copied to another row does not open. Pure apart from the nonce; thread-safe. */
#ifndef FINCHAT_SECRETBOX_H
#define FINCHAT_SECRETBOX_H

#include <stddef.h>

#define SECRETBOX_OVERHEAD 28

/* Parses the 64-hex-character key into @key (32 bytes). 0 or FC_EINVAL. */
int secretbox_key(const char *hex, unsigned char key[32]);
/* Seals @len bytes of @msg into @out (>= len + SECRETBOX_OVERHEAD bytes). 0 or FC_EIO. */
int secretbox_seal(const unsigned char key[32], const char *aad, const unsigned char *msg,
                   size_t len, unsigned char *out);
/* Opens @len sealed bytes into @out (>= len - SECRETBOX_OVERHEAD bytes) and stores the
 * plaintext length. FC_EINVAL when the input was altered, the aad differs or the key is
 * wrong — nothing is written to @out then. */
int secretbox_open(const unsigned char key[32], const char *aad, const unsigned char *in,
                   size_t len, unsigned char *out, size_t *out_len);

#endif

/* password.h - Argon2id password hashing (libargon2) in the PHC string format. */
#ifndef FINCHAT_PASSWORD_H
#define FINCHAT_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 128

/* Hashes @pw with a fresh random salt into @out (>= PASSWORD_HASH_MAX bytes).
 * Returns 0 or a negative FC_E* code. Costs ~tens of ms by design: call off the event loop. */
int password_hash(const char *pw, char *out, size_t outlen);
/* True when @pw matches the encoded hash @encoded. */
bool password_verify(const char *encoded, const char *pw);

#endif

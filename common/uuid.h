/* uuid.h - the one UUID rule of finchat: validation, normalisation and random generation.
 *
 * The rule: a UUID is the canonical text form 8-4-4-4-12 of hexadecimal digits with hyphens
 * at offsets 8, 13, 18 and 23, and nothing else (no braces, no "urn:uuid:", no spaces).
 * Input is accepted with digits in either case, as PostgreSQL accepts it. Wherever ids are
 * compared or stored as text (Kafka keys and messages, MongoDB documents, SSE stream URLs,
 * log lines) the lower-case form is used: uuid_normalize() turns an accepted id into it,
 * uuid_generate() writes it, and uuid_canonical() is the check for text that must already
 * be in it (the Kafka message schemas). Pure except uuid_generate(); any thread. */
#ifndef FINCHAT_UUID_H
#define FINCHAT_UUID_H

#include <stdbool.h>

/* Bytes of the text form including its NUL. */
#define UUID_STR_LEN 37

/* True when the NUL-terminated @s is a UUID in the 8-4-4-4-12 form, digits in either case.
 * NULL is not. */
bool uuid_valid(const char *s);
/* True when @s is uuid_valid() and all its hex letters are lower case. */
bool uuid_canonical(const char *s);
/* Writes the lower-case form of @in into @out when uuid_valid(@in) and returns true;
 * returns false and leaves @out untouched otherwise. @in and @out may be the same. */
bool uuid_normalize(const char *in, char out[UUID_STR_LEN]);
/* Writes a fresh random (version 4, RFC 9562) UUID in lower case into @out. The 122 random
 * bits come from the kernel's CSPRNG (getrandom); aborts when the kernel cannot give them,
 * which only a broken system does. @locality any thread */
void uuid_generate(char out[UUID_STR_LEN]);

#endif

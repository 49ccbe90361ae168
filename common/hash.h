/* hash.h - FNV-1a string hashing for the in-memory tables (stream hub, rate limiter,
 * dashboard cache). Not for anything an attacker must not steer: tables that use it are
 * bounded and degrade gracefully on collisions. Pure; thread-safe. */
#ifndef FINCHAT_HASH_H
#define FINCHAT_HASH_H

#include <stdint.h>

/* FNV-1a of the NUL-terminated @s, starting from the offset basis xor @seed. */
uint32_t hash_str(const char *s, uint32_t seed);

#endif

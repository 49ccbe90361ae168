/* hash.c - FNV-1a. */
#include "hash.h"

uint32_t hash_str(const char *s, uint32_t seed)
{
    uint32_t h = 2166136261u ^ seed;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

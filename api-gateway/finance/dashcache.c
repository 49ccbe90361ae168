/* dashcache.c - direct-mapped table of rendered dashboards. */
#include "api-gateway/finance/dashcache.h"

#include "hash.h"
#include "xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char user_id[40];
    int64_t version;
    int32_t day;
    char *text;
    size_t len;
};

static struct entry table[DASHCACHE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned slot_of(const char *id)
{
    return hash_str(id, 0) % DASHCACHE_SLOTS;
}

char *dashcache_get(const char *user_id, int64_t version, int32_t day, size_t *len)
{
    struct entry *e = &table[slot_of(user_id)];
    char *copy = NULL;

    pthread_mutex_lock(&lock);
    if (e->text && e->version == version && e->day == day && strcmp(e->user_id, user_id) == 0) {
        copy = xmalloc(e->len + 1);
        memcpy(copy, e->text, e->len + 1);
        *len = e->len;
    }
    pthread_mutex_unlock(&lock);
    return copy;
}

void dashcache_put(const char *user_id, int64_t version, int32_t day, const char *text, size_t len)
{
    struct entry *e = &table[slot_of(user_id)];
    char *copy = xmalloc(len + 1), *old;

    memcpy(copy, text, len);
    copy[len] = '\0';
    pthread_mutex_lock(&lock);
    old = e->text;
    snprintf(e->user_id, sizeof(e->user_id), "%s", user_id);
    e->version = version;
    e->day = day;
    e->text = copy;
    e->len = len;
    pthread_mutex_unlock(&lock);
    free(old);
}

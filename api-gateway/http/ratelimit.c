/* ratelimit.c - open-addressed table of per-minute counters. */
#include "api-gateway/http/ratelimit.h"

#include "hash.h"
#include "xmalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64
#define PROBES 16

struct slot {
    char key[KEY_MAX];
    int cls;
    int64_t window; /* minute number; 0 = empty */
    int count;
};

struct ratelimit {
    pthread_mutex_t lock;
    unsigned nslots;
    struct slot *slots;
};

struct ratelimit *ratelimit_new(unsigned slots)
{
    struct ratelimit *rl = xcalloc(1, sizeof(*rl));

    pthread_mutex_init(&rl->lock, NULL);
    rl->nslots = slots;
    rl->slots = xcalloc(slots, sizeof(struct slot));
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->slots);
    free(rl);
}

int ratelimit_hit(struct ratelimit *rl, const char *key, int cls, int limit, int64_t now_ms)
{
    int64_t window = now_ms / 60000 + 1;
    uint32_t h = hash_str(key, (uint32_t)cls);
    struct slot *found = NULL, *free_slot = NULL;
    int retry = 0;

    pthread_mutex_lock(&rl->lock);
    for (unsigned i = 0; i < PROBES; i++) {
        struct slot *s = &rl->slots[(h + i) % rl->nslots];

        if (s->window == window && s->cls == cls && strncmp(s->key, key, KEY_MAX - 1) == 0) {
            found = s;
            break;
        }
        if (!free_slot && s->window != window)
            free_slot = s;
    }
    if (!found && free_slot) {
        found = free_slot;
        memset(found, 0, sizeof(*found));
        strncpy(found->key, key, KEY_MAX - 1);
        found->cls = cls;
        found->window = window;
    }
    if (found) {
        if (found->count >= limit)
            retry = (int)((window * 60000 - now_ms + 999) / 1000);
        else
            found->count++;
    }
    pthread_mutex_unlock(&rl->lock);
    return retry;
}

/* placement.c - least-waiting placement of requests that stand alone (see placement.h). */
#include "api-gateway/chat/placement.h"

#include "hash.h"
#include "xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 4096

struct entry {
    struct entry *next;
    char id[40];
    int32_t partition;
    int64_t at_ms;
};

struct placement {
    pthread_mutex_t lock;
    struct entry *buckets[NBUCKETS];       /* @locks lock */
    int waiting[PLACEMENT_PARTITIONS_MAX]; /* @locks lock */
    int tracked;                           /* @locks lock */
    unsigned cursor;                       /* @locks lock: where ties start */
};

struct placement *placement_new(void)
{
    struct placement *p = xcalloc(1, sizeof(*p));

    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void placement_free(struct placement *p)
{
    if (!p)
        return;
    for (int b = 0; b < NBUCKETS; b++)
        while (p->buckets[b]) {
            struct entry *e = p->buckets[b];

            p->buckets[b] = e->next;
            free(e);
        }
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int32_t placement_pick(struct placement *p, int n)
{
    int32_t best = 0;
    int low = -1;

    if (n <= 0)
        return 0;
    if (n > PLACEMENT_PARTITIONS_MAX)
        n = PLACEMENT_PARTITIONS_MAX;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < n; i++) {
        int32_t k = (int32_t)((p->cursor + (unsigned)i) % (unsigned)n);

        if (low < 0 || p->waiting[k] < low) {
            low = p->waiting[k];
            best = k;
        }
    }
    p->cursor = (unsigned)best + 1;
    pthread_mutex_unlock(&p->lock);
    return best;
}

void placement_add(struct placement *p, const char *request_id, int32_t partition, int64_t now_ms)
{
    unsigned b = hash_str(request_id, 0) % NBUCKETS;
    struct entry *e;

    if (partition < 0 || partition >= PLACEMENT_PARTITIONS_MAX)
        return;
    pthread_mutex_lock(&p->lock);
    if (p->tracked < PLACEMENT_TRACKED_MAX) {
        e = xcalloc(1, sizeof(*e));
        snprintf(e->id, sizeof(e->id), "%s", request_id);
        e->partition = partition;
        e->at_ms = now_ms;
        e->next = p->buckets[b];
        p->buckets[b] = e;
        p->waiting[partition]++;
        p->tracked++;
    }
    pthread_mutex_unlock(&p->lock);
}

/* Unlinks *@link's entry and uncounts it. @locks lock held */
static void drop(struct placement *p, struct entry **link)
{
    struct entry *e = *link;

    *link = e->next;
    p->waiting[e->partition]--;
    p->tracked--;
    free(e);
}

void placement_started(struct placement *p, const char *request_id)
{
    unsigned b = hash_str(request_id, 0) % NBUCKETS;

    pthread_mutex_lock(&p->lock);
    for (struct entry **l = &p->buckets[b]; *l; l = &(*l)->next)
        if (strcmp((*l)->id, request_id) == 0) {
            drop(p, l);
            break;
        }
    pthread_mutex_unlock(&p->lock);
}

void placement_sweep(struct placement *p, int64_t now_ms, int64_t max_age_ms)
{
    pthread_mutex_lock(&p->lock);
    for (int b = 0; b < NBUCKETS && p->tracked > 0; b++)
        for (struct entry **l = &p->buckets[b]; *l;)
            if ((*l)->at_ms < now_ms - max_age_ms)
                drop(p, l);
            else
                l = &(*l)->next;
    pthread_mutex_unlock(&p->lock);
}

int placement_waiting(struct placement *p, int32_t partition)
{
    int n;

    if (partition < 0 || partition >= PLACEMENT_PARTITIONS_MAX)
        return 0;
    pthread_mutex_lock(&p->lock);
    n = p->waiting[partition];
    pthread_mutex_unlock(&p->lock);
    return n;
}

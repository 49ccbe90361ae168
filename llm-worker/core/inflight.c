/* inflight.c - per-partition offset tracker: a sorted window of consumed offsets per
 * partition, done entries popped from its front. */
#include "llm-worker/core/inflight.h"

#include "err.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    int64_t offset;
    bool done;
};

struct part {
    int32_t id;
    uint64_t epoch;
    struct slot *slots; /* offsets in increasing order, slots[head..n) live */
    size_t head, n, cap;
    int64_t next;     /* last added offset + 1, -1 before the first add */
    int64_t reported; /* last position handed out by inflight_take_commits() */
    int pending;      /* live slots not done */
};

struct inflight {
    struct part *parts;
    size_t nparts, cap;
    uint64_t next_epoch;
};

struct inflight *inflight_new(void)
{
    struct inflight *t = xcalloc(1, sizeof(*t));

    t->next_epoch = 1;
    return t;
}

void inflight_free(struct inflight *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nparts; i++)
        free(t->parts[i].slots);
    free(t->parts);
    free(t);
}

static struct part *find(const struct inflight *t, int32_t partition)
{
    for (size_t i = 0; i < t->nparts; i++)
        if (t->parts[i].id == partition)
            return &t->parts[i];
    return NULL;
}

static struct part *find_or_add(struct inflight *t, int32_t partition)
{
    struct part *p = find(t, partition);

    if (p)
        return p;
    if (t->nparts == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->parts = xrealloc(t->parts, t->cap * sizeof(*t->parts));
    }
    p = &t->parts[t->nparts++];
    memset(p, 0, sizeof(*p));
    p->id = partition;
    p->epoch = t->next_epoch++;
    p->next = -1;
    p->reported = -1;
    return p;
}

bool inflight_live(const struct inflight *t, int32_t partition, uint64_t epoch)
{
    const struct part *p = find(t, partition);

    return p && p->epoch == epoch;
}

static int64_t position(const struct part *p)
{
    if (p->head < p->n)
        return p->slots[p->head].offset;
    return p->next;
}

int inflight_add(struct inflight *t, int32_t partition, int64_t offset, uint64_t *epoch)
{
    struct part *p;

    if (offset < 0)
        return FC_EINVAL;
    p = find_or_add(t, partition);
    if (p->next >= 0 && offset < p->next)
        return FC_EINVAL;
    if (p->head > 0 && p->head == p->n) {
        p->head = p->n = 0;
    } else if (p->n == p->cap && p->head > p->cap / 2) {
        memmove(p->slots, p->slots + p->head, (p->n - p->head) * sizeof(*p->slots));
        p->n -= p->head;
        p->head = 0;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->slots = xrealloc(p->slots, p->cap * sizeof(*p->slots));
    }
    p->slots[p->n].offset = offset;
    p->slots[p->n].done = false;
    p->n++;
    p->next = offset + 1;
    p->pending++;
    if (epoch)
        *epoch = p->epoch;
    return 0;
}

bool inflight_done(struct inflight *t, int32_t partition, int64_t offset, uint64_t epoch)
{
    struct part *p = find(t, partition);
    size_t lo, hi;

    if (!p || p->epoch != epoch)
        return false;
    lo = p->head;
    hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (p->slots[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == p->n || p->slots[lo].offset != offset || p->slots[lo].done)
        return false;
    p->slots[lo].done = true;
    p->pending--;
    while (p->head < p->n && p->slots[p->head].done)
        p->head++;
    return true;
}

void inflight_drop(struct inflight *t, int32_t partition)
{
    struct part *p = find(t, partition);
    size_t i;

    if (!p)
        return;
    i = (size_t)(p - t->parts);
    free(p->slots);
    t->parts[i] = t->parts[--t->nparts];
}

int inflight_take_commits(struct inflight *t, struct inflight_commit *out, int max)
{
    int n = 0;

    for (size_t i = 0; i < t->nparts && n < max; i++) {
        struct part *p = &t->parts[i];
        int64_t pos = position(p);

        if (pos < 0 || pos <= p->reported)
            continue;
        out[n].partition = p->id;
        out[n].offset = pos;
        p->reported = pos;
        n++;
    }
    return n;
}

int64_t inflight_position(const struct inflight *t, int32_t partition)
{
    const struct part *p = find(t, partition);

    return p ? position(p) : -1;
}

int inflight_pending(const struct inflight *t, int32_t partition)
{
    int n = 0;

    for (size_t i = 0; i < t->nparts; i++)
        if (partition < 0 || t->parts[i].id == partition)
            n += t->parts[i].pending;
    return n;
}

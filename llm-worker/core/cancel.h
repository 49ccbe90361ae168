/* cancel.h - cancels: reads finchat.chat.control from its end on every worker and stops the
 * named answer, or remembers the cancel for a request this worker has not seen yet.
 *
 * Cancels must reach every worker, so the control consumer has a group of its own and is
 * assigned every partition by hand, committing nothing. A cancel can overtake its request
 * (another topic, another partition): the ring keeps the last CANCEL_RING cancels for
 * CANCEL_TTL_MS, and a request that arrives after its cancel ends before it starts.
 *
 * @locality engine thread: nothing here is thread-safe. */
#ifndef FINCHAT_CANCEL_H
#define FINCHAT_CANCEL_H

#include <stdbool.h>
#include <stdint.h>

#define CANCEL_RING 1024 /* cancels remembered for requests not seen yet */
#define CANCEL_TTL_MS (10 * 60 * 1000)

struct worker;

struct cancel_entry {
    char request_id[37];
    int64_t at_ms; /* mono */
};

/* The control consumer's state and the ring of remembered cancels (zeroed: empty). */
struct cancels {
    bool assigned;    /* the control consumer has its partitions */
    int64_t retry_ms; /* mono: when to try assigning them again */
    struct cancel_entry ring[CANCEL_RING];
    unsigned next;
};

/* Creates @w->control, the control consumer (not yet assigned: cancel_assign()). 0, or
 * FC_EDEP with @errbuf filled. */
int cancel_open(struct worker *w, char *errbuf, unsigned errlen);
/* Assigns every partition of finchat.chat.control from its end; when the topic is not
 * there yet, logs it and lets cancel_assign_retry() try again 5 s later. */
void cancel_assign(struct worker *w);
/* Calls cancel_assign() when the partitions are not assigned and the retry time came. */
void cancel_assign_retry(struct worker *w);
/* Serves up to CONSUME_BATCH control messages: each cancel stops its job (job_cancel()) or
 * is remembered. Invalid messages are logged and skipped. */
void cancel_poll(struct worker *w);

/* Remembers a cancel of @request_id at @now_ms (mono), forgetting the oldest one. */
void cancel_remember(struct cancels *c, const char *request_id, int64_t now_ms);
/* True when a cancel of @request_id was remembered less than CANCEL_TTL_MS before @now_ms. */
bool cancel_seen(const struct cancels *c, const char *request_id, int64_t now_ms);

#endif

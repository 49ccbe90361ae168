/* breaker.c - per-provider circuit breaker. */
#include "llm-worker/providers/breaker.h"

#include <string.h>

void breaker_init(struct breaker *b, int threshold, int64_t cooldown_ms)
{
    memset(b, 0, sizeof(*b));
    b->threshold = threshold > 0 ? threshold : 1;
    b->cooldown = cooldown_ms > 0 ? cooldown_ms : 0;
}

bool breaker_blocked(const struct breaker *b, int64_t now)
{
    switch (b->state) {
    case BREAKER_CLOSED:
        return false;
    case BREAKER_OPEN:
        return now - b->opened_at < b->cooldown;
    case BREAKER_HALF_OPEN:
        return b->trial;
    }
    return true;
}

bool breaker_allow(struct breaker *b, int64_t now)
{
    if (breaker_blocked(b, now))
        return false;
    if (b->state != BREAKER_CLOSED) {
        b->state = BREAKER_HALF_OPEN;
        b->trial = true;
    }
    return true;
}

void breaker_success(struct breaker *b)
{
    b->state = BREAKER_CLOSED;
    b->failures = 0;
    b->trial = false;
}

void breaker_failure(struct breaker *b, int64_t now)
{
    if (b->state == BREAKER_OPEN)
        return; /* a call that started before the circuit opened */
    if (b->state == BREAKER_CLOSED && ++b->failures < b->threshold)
        return;
    b->state = BREAKER_OPEN;
    b->opened_at = now;
    b->trial = false;
}

void breaker_abandon(struct breaker *b)
{
    b->trial = false;
}

const char *breaker_state_name(const struct breaker *b, int64_t now)
{
    if (b->state == BREAKER_CLOSED)
        return "closed";
    if (b->state == BREAKER_OPEN && now - b->opened_at < b->cooldown)
        return "open";
    return "half_open";
}

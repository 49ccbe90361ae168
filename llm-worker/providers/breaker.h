/* breaker.h - a circuit breaker for one provider.
 *
 * Closed: calls pass and consecutive failures are counted; @threshold of them open the
 * circuit. Open: calls are refused until @cooldown_ms passed. Half-open: exactly one trial
 * call passes; its success closes the circuit, its failure opens it again for another
 * cooldown. Time is passed in (clock_mono_ms() scale), so the state machine is pure.
 * One breaker belongs to one engine thread. */
#ifndef FINCHAT_BREAKER_H
#define FINCHAT_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

struct breaker {
    enum breaker_state state;
    int failures;      /* consecutive failures while closed */
    int threshold;     /* failures that open the circuit, >= 1 */
    int64_t cooldown;  /* ms an open circuit stays open */
    int64_t opened_at; /* when the circuit last opened */
    bool trial;        /* half-open: the one trial call is in flight */
};

void breaker_init(struct breaker *b, int threshold, int64_t cooldown_ms);

/* Returns true when a call may start now. In the half-open state this takes the single trial
 * slot: the caller must then report breaker_success(), breaker_failure() or breaker_abandon(). */
bool breaker_allow(struct breaker *b, int64_t now);
/* Returns true when breaker_allow() would refuse now, without taking the trial slot. */
bool breaker_blocked(const struct breaker *b, int64_t now);
void breaker_success(struct breaker *b);
void breaker_failure(struct breaker *b, int64_t now);
/* A call that started ended with no verdict (canceled): frees the trial slot. */
void breaker_abandon(struct breaker *b);

/* The state as /status shows it: "closed", "open" or "half_open" (an open circuit whose
 * cooldown has passed reads "half_open"). */
const char *breaker_state_name(const struct breaker *b, int64_t now);

#endif

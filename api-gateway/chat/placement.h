/* placement.h - where a request that stands alone goes among the partitions of
 * finchat.chat.requests.
 *
 * A request carrying the client's own turns (the facade's) is ordered against nothing, so it
 * may go to any partition and so to any worker. Round-robin spread such requests evenly over
 * the partitions whatever the workers behind them were doing: a worker at its in-flight limit
 * (or slow, or stopped) kept being handed its share, which then waited on its partitions
 * while another worker had room. The placement instead picks the partition with the fewest of
 * this gateway's requests still waiting there -- produced, and no chunk of theirs seen yet,
 * that is, no worker started them -- taking tied partitions in turn. A worker with room starts
 * its requests within milliseconds, so its partitions stay near zero; a full one's partitions
 * fill up and are passed over until it starts what waits there. With equal workers this is
 * round-robin. Each gateway counts only its own requests (no coordination); a request whose
 * first chunk never comes is forgotten after @max_age_ms (placement_sweep()).
 *
 * Thread-safe: one mutex; placement_pick() and placement_add() are called by query threads,
 * placement_started() by the chunk consumer, placement_sweep() by whichever thread sweeps. */
#ifndef FINCHAT_PLACEMENT_H
#define FINCHAT_PLACEMENT_H

#include <stdint.h>

#define PLACEMENT_PARTITIONS_MAX 1024
#define PLACEMENT_TRACKED_MAX 65536 /* requests waiting beyond this are placed, not counted */

struct placement;

struct placement *placement_new(void);
void placement_free(struct placement *p);
/* The partition, among @n (1..PLACEMENT_PARTITIONS_MAX), with the fewest requests waiting. */
int32_t placement_pick(struct placement *p, int n);
/* Counts request @request_id as waiting on @partition from @now_ms (once it was produced). */
void placement_add(struct placement *p, const char *request_id, int32_t partition, int64_t now_ms);
/* A first chunk of @request_id was seen: it waits no more. Unknown ids are ignored. */
void placement_started(struct placement *p, const char *request_id);
/* Forgets requests that have waited since before @now_ms - @max_age_ms. */
void placement_sweep(struct placement *p, int64_t now_ms, int64_t max_age_ms);
/* Requests waiting on @partition (for tests and metrics). */
int placement_waiting(struct placement *p, int32_t partition);

#endif

/* tail.h - `finchatctl tail TOPIC`: follows one of the chat topics (SPEC §6) and prints every
 * message with its partition, offset, key and headers, checked against its contract
 * (chatmsg decoding plus the standard headers) and pretty-printed. Invalid messages are
 * flagged, never fatal.
 *
 * Usage: tail TOPIC [--from-beginning] [--max N] [--exit]. TOPIC is a full name or one of
 * requests, chunks, control, dlq. It follows from the end of every partition unless
 * --from-beginning; stops after N messages with --max, at the end of every partition with
 * --exit, or on SIGINT/SIGTERM. Runs on the calling thread (plus librdkafka's). */
#ifndef FINCHAT_TAIL_H
#define FINCHAT_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

/* One consumed message as tail sees it. Header values are NUL-terminated or NULL. */
struct tail_msg {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* -1 when unknown */
    const char *key;
    size_t key_len;
    const char *payload;
    size_t len;
    const char *content_type, *schema, *traceparent, *request_id;
    const char *context_version; /* requests only; NULL when absent (it is optional) */
    const char *handed_over_by;  /* requests a full worker handed over; NULL otherwise */
};

/* Returns the full topic name for @name (a full name or a short one), or NULL. */
const char *tail_topic(const char *name);
/* Checks @m against its topic's contract. True when valid; else false with the first problem
 * in @why. Pure. */
bool tail_check(const struct tail_msg *m, char *why, size_t whylen);
/* Prints @m: a heading line, the headers, the verdict of tail_check() and the payload
 * (indented JSON when it parses, else the text with invalid bytes replaced). Returns the
 * verdict. */
bool tail_print(FILE *out, const struct tail_msg *m);

/* The command. Returns the process exit code: 0, 1 when Kafka failed, 2 on bad usage. */
int ctl_tail(const struct fc_config *cfg, int argc, char **argv);

#endif

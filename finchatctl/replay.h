/* replay.h - `finchatctl replay REQUEST_ID`: reads the chunks of one chat request back from
 * finchat.chat.chunks and prints its events and the answer a client would have assembled
 * (deduplicated by (attempt, seq), restarted on every reset).
 *
 * Where to read is found in PostgreSQL (chat_requests.reply_partition and first_offset);
 * without a row (or with --scan) every partition is scanned from its beginning. Reading
 * stops at the end offsets the partitions had when the command started. */
#ifndef FINCHAT_REPLAY_H
#define FINCHAT_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chatmsg.h"
#include "config.h"
#include "strbuf.h"

/* A client's view of one request's stream. Zero-initialise; release with
 * replay_state_release(). */
struct replay_state {
    struct strbuf text; /* the answer so far (its buf is NULL until the first token) */
    int64_t last_seq;   /* highest seq applied */
    int events, duplicates, resets, tools; /* tools: tool events (running and ended) */
    int attempt;                           /* attempt of the last applied chunk */
    char *final;                           /* data of the final chunk (JSON text, owned) or NULL */
    char *error;                           /* data of the error chunk or NULL */
    char *started;                         /* data of the latest start chunk or NULL */
};

/* Applies @c to @st. Chunks at or below the last applied seq are duplicates (returns false);
 * a reset empties the text. Pure. */
bool replay_apply(struct replay_state *st, const struct chat_chunk *c);
void replay_state_release(struct replay_state *st);

/* The command. Returns the process exit code: 0 when a final or error chunk was found,
 * 1 when the request has no chunks or Kafka failed, 2 on bad usage. */
int ctl_replay(const struct fc_config *cfg, int argc, char **argv);

#endif

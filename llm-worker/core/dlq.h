/* dlq.h - the dead-letter queue: entries of finchat.chat.dlq for requests that failed on
 * every attempt, and the handling of requests that do not decode at all (poison).
 *
 * @locality engine thread. */
#ifndef FINCHAT_DLQ_H
#define FINCHAT_DLQ_H

#include <librdkafka/rdkafka.h>

struct ctoken;
struct worker;

/* Produces the DLQ entry of a request: @request_json is the message as JSON text, @tok (may
 * be NULL) rides to the delivery report. Counts it in @w->dlq. 0 or a negative FC_E* code. */
int dlq_send(struct worker *w, const char *request_id, int attempt, const char *reason,
             const char *request_json, const char *traceparent, struct ctoken *tok);
/* Ends request @m, which does not decode (@reason says why): a DLQ entry at once, and an
 * error chunk when the message names a request id and a reply partition the client could be
 * waiting on. Its offset is tracked and done once they are delivered. */
void dlq_poison(struct worker *w, const rd_kafka_message_t *m, const char *reason,
                const char *traceparent);

#endif

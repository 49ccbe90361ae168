/* analyst_compose.h - the analyst's answers: one composer per intent, in plain sentences and
 * short lists, with the user's real figures from the context document (analyst_doc.h) and
 * money formatted exactly from minor units (analyst_fmt.h). Where the document lacks what
 * an answer needs, the answer says so instead of inventing figures.
 *
 * Pure: no I/O, no globals; any thread. */
#ifndef FINCHAT_ANALYST_COMPOSE_H
#define FINCHAT_ANALYST_COMPOSE_H

#include "llm-worker/analyst/analyst.h"

#include <jansson.h>

/* Returns the answer for @intent to question @q (lower-cased) from @doc (the context
 * document, or NULL); newly allocated (caller frees), never NULL. */
char *analyst_compose(enum analyst_intent intent, const char *q, const json_t *doc, int64_t today);

#endif

/* prompt.h - the prompt of one answer, built from the MongoDB documents the worker fetched:
 * fixed system rules, the user's `contexts` document rendered compactly within a token
 * budget, and the conversation's recent `messages` within a token budget (newest kept).
 *
 * User data (context, history, the question) never goes into the system text: it is the
 * engine's to place in user/assistant turns. Tokens are estimated as 4 characters each.
 * Pure: no I/O, no globals; safe from any thread. */
#ifndef FINCHAT_PROMPT_H
#define FINCHAT_PROMPT_H

#include <jansson.h>

#define PROMPT_CONTEXT_TOKENS 1500
#define PROMPT_HISTORY_TOKENS 1500

struct prompt {
    const char *system; /* static rules text */
    char *context_text; /* rendered context, "" when there is none */
    json_t *history;    /* [{role:"user"|"assistant", content}] oldest first */
    int est_tokens;     /* estimate of system + context + history */
};

/* Builds @p from @context (the contexts document, may be NULL) and @messages (the
 * conversation's message documents in any order, may be NULL), leaving out the messages
 * whose _id is @skip_id1 or @skip_id2 (the question being answered and its reply; either may
 * be NULL). Never fails; release with prompt_release(). */
void prompt_build(struct prompt *p, const json_t *context, const json_t *messages,
                  const char *skip_id1, const char *skip_id2, int context_tokens,
                  int history_tokens);
void prompt_release(struct prompt *p);

/* The fixed system rules. */
const char *prompt_system_rules(void);
/* Estimated tokens of @len bytes of UTF-8 text: ceil(code points / 4). */
int prompt_estimate_tokens(const char *s, size_t len);
/* Renders @context as compact text of at most @budget_tokens * 4 bytes; caller frees. */
char *prompt_render_context(const json_t *context, int budget_tokens);
/* Selects the history (new reference, oldest first): user messages and complete assistant
 * messages with non-empty text, newest kept within @budget_tokens. When the document of
 * @skip_id1 (the question) is among @messages, only messages older than it are history. */
json_t *prompt_select_history(const json_t *messages, const char *skip_id1, const char *skip_id2,
                              int budget_tokens);

#endif

/* screen.h - cleaning and prompt-injection screening of chat input (SPEC §9).
 *
 * screen_clean() removes what must never reach storage or a model: control characters and
 * the white space around the text. screen_text() decides whether a cleaned question looks
 * like an attempt to steer the assistant rather than a question: known override phrases,
 * role-play jailbreaks, prompt exfiltration, encoded payloads and fake role tags.
 *
 * Matching runs on normalised views of the text — lower case, zero-width and combining
 * characters removed, homoglyphs (Cyrillic, Greek, fullwidth, mathematical letters, accents)
 * folded to ASCII, light leetspeak folded, white space collapsed, and a rot13 view — and again
 * on the percent-decoded text when it holds "%XX" escapes, so simple disguises do not help.
 * Rules are word-sequence patterns, in English and, for override and exfiltration phrases, in
 * French, Spanish, German, Portuguese and Italian, chosen so that ordinary finance questions
 * ("Ignore the Netflix charge, what else is recurring?") pass.
 *
 * Pure: no I/O, no mutable globals; safe from any thread. Input of any length and any bytes;
 * invalid UTF-8 is tolerated (dropped by screen_clean, skipped by screen_text). */
#ifndef FINCHAT_SCREEN_H
#define FINCHAT_SCREEN_H

#include <stddef.h>

/* Returns a newly allocated, NUL-terminated copy of the @len bytes at @text (caller frees)
 * without control characters (C0 except \t and \n, DEL, C1, bidirectional overrides) and the
 * terminal escape sequences they start (colours, titles), without invalid UTF-8 and NUL
 * bytes, and trimmed of white space at both ends. Stores the number of
 * code points of the result in *@ncp. Never fails. */
char *screen_clean(const char *text, size_t len, size_t *ncp);

/* Screens the NUL-terminated UTF-8 @text. Returns 0 when it may be answered, or FC_EREJECT
 * with *@rule set to the static name of the first rule that matched ("override.ignore_previous",
 * "roleplay.jailbreak", "exfiltration.reveal_prompt", "encoded.base64", "role_tag.chatml", ...).
 * On 0, *@rule is NULL. */
int screen_text(const char *text, const char **rule);

#endif

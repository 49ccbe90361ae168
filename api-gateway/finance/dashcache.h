/* dashcache.h - a per-gateway cache of rendered dashboards.
 *
 * An entry is the JSON text of one user's GET /dashboard, tagged with the user's
 * data_version (users.data_version, bumped after every committed finance write by
 * finance_changed()) and the user's local day it was computed on (users.timezone). A lookup hits
 * only when both still match, so a write on any gateway instance, or the user's midnight, makes
 * every instance recompute: the check costs one indexed read instead of the dashboard's dozen
 * aggregate queries.
 *
 * Thread-safe (@locks an internal mutex held only for the copy); bounded: at most
 * DASHCACHE_SLOTS entries, a colliding user replaces the older entry. */
#ifndef FINCHAT_DASHCACHE_H
#define FINCHAT_DASHCACHE_H

#include <stddef.h>
#include <stdint.h>

#define DASHCACHE_SLOTS 4096

/* Returns a copy of the cached text (caller frees) and its length, or NULL on a miss. */
char *dashcache_get(const char *user_id, int64_t version, int32_t day, size_t *len);
/* Stores @text (copied) for @user_id at @version and @day. */
void dashcache_put(const char *user_id, int64_t version, int32_t day, const char *text, size_t len);

#endif

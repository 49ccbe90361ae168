/* cursor.h - the opaque cursors of paginated lists (SPEC §4: ?limit=&cursor= answered with
 * {"items":[...],"next_cursor":...}).
 *
 * A cursor names the boundary of a page in a keyset order: the order's number, the sort key
 * of the page's last row (a time in microseconds, an amount, an index ...) and that row's
 * UUID, as base64url (no padding) of "<sort>.<key>.<uuid>". Each list owns its sort numbers
 * (GET /transactions 0..3, the conversation list 9 ...), so a cursor of one order is refused
 * by another. Cursors arrive from the network: the decoder accepts nothing but what the
 * encoder writes (modulo the UUID's letter case), and is fuzzed (tests/fuzz/fuzz_cursor.c).
 *
 * Pure: no I/O, no state, any thread. */
#ifndef FINCHAT_CURSOR_H
#define FINCHAT_CURSOR_H

#include <stddef.h>
#include <stdint.h>

/* A page boundary: the sort order it belongs to (0..9), the sort key of the last row and
 * that row's id. */
struct cursor {
    int sort;
    int64_t key;
    char id[37];
};

#define CURSOR_MAX 120 /* characters of an encoded cursor */

/* Encodes a cursor into @out of @len bytes (CURSOR_MAX + 1 is enough); when @len is too
 * small, @out becomes "" (when @len > 0). */
void cursor_encode(int sort, int64_t key, const char *id, char *out, size_t len);
/* Decodes and validates @s: base64url of "<sort>.<integer>.<uuid>" for sort order @sort.
 * Returns 0 with @c filled, or FC_EINVAL for anything else (other sort, tampering, junk). */
int cursor_decode(const char *s, int sort, struct cursor *c);

#endif

/* jschema.h - a small JSON Schema checker for tool arguments (proto/tools.json).
 *
 * Supports the subset the tool catalogue uses (draft 2020-12 keywords): type (object,
 * string, integer, number, boolean, array, null, or an array of them), properties,
 * required, additionalProperties (false, or a schema), enum, const, pattern (POSIX
 * extended, compiled on each call), minLength / maxLength (code points), minimum /
 * maximum, items, maxItems. Unknown keywords (description, $comment, ...) are ignored.
 * A schema using $ref must have been inlined first (the catalogue is, at build time).
 * Pure, no globals: safe from any thread. */
#ifndef FINCHAT_JSCHEMA_H
#define FINCHAT_JSCHEMA_H

#include <jansson.h>

/* Checks @value against @schema. Returns 0, or FC_EINVAL with the first problem in @err,
 * naming its place: "period: does not match the expected form", "limit: must be at most
 * 200", "merchant: unknown argument" (for additionalProperties false), "month: must be a
 * string". A schema this module cannot read also gives FC_EINVAL ("schema: ..."). */
int jschema_validate(const json_t *schema, const json_t *value, char *err, unsigned errlen);

#endif

/* jschema.h - a small JSON Schema checker for tool arguments (proto/tools.json).
 *
 * Supports the subset the tool catalogue uses (draft 2020-12 keywords): type (object,
 * string, integer, number, boolean, array, null, or an array of them), properties,
 * required, additionalProperties (false, or a schema), enum, const, pattern (POSIX
 * extended, compiled on each call), minLength / maxLength (code points), minimum /
 * maximum, items, maxItems; and the boolean schemas true and false. Unknown keywords
 * (description, $comment, ...) are ignored. A schema using $ref must have been inlined
 * first (the catalogue is, at build time); one that still holds a $ref is refused.
 *
 * As in JSON Schema, an integer is any number without a fractional part: 6 and 6.0 both
 * pass "integer" (read such a value with json_number_value()); 6.5 does not. Every number
 * passes "number". A string holding U+0000 never matches a pattern (regexec() would stop
 * at it). Pure, no globals: safe from any thread. */
#ifndef FINCHAT_JSCHEMA_H
#define FINCHAT_JSCHEMA_H

#include <jansson.h>

/* Checks @value against @schema. Returns 0, or FC_EINVAL with the first problem in @err,
 * naming its place: "period: does not match the expected form", "limit: must be at most
 * 200", "merchant: unknown argument" (for additionalProperties false), "month: must be a
 * string", "tags[2]: must be a string", "filter.month: is required". The value itself is
 * "(arguments)": "(arguments): must be an object". A schema this module cannot read also
 * gives FC_EINVAL ("schema: ..."), as does a NULL @schema or @value. @err may be NULL when
 * @errlen is 0; a long message is cut at a character boundary. */
int jschema_validate(const json_t *schema, const json_t *value, char *err, unsigned errlen);

#endif

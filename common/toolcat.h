/* toolcat.h - the catalogue of the assistant's tools (SPEC §14), from proto/tools.json.
 *
 * One definition for both services: the gateway executes the tools and lists them over MCP;
 * the worker offers them to the models. Each tool has a name, a one-line description for
 * the model, and a JSON Schema (a small draft 2020-12 subset, jschema.h) of its arguments.
 * The table is generated at build time from proto/tools.json by tools/gen-toolcat.py, which
 * checks it, inlines its "$ref"s and leaves out "rest" (the REST route, for people). Pure, no
 * I/O; any thread (the parsed catalogue is built once, under a pthread_once, and never
 * changed after). The borrowed objects it hands out must not be modified. */
#ifndef FINCHAT_TOOLCAT_H
#define FINCHAT_TOOLCAT_H

#include <jansson.h>
#include <stdbool.h>

/* The number of tools, and the @i-th tool's name (0 <= i < toolcat_count()). */
int toolcat_count(void);
const char *toolcat_name(int i);

/* [{name, description, parameters}] of every tool, in catalogue order: a fresh deep copy the
 * caller owns (decrefs) and may change. */
json_t *toolcat_list(void);

/* The tool named @name as {name, description, parameters} (borrowed, valid for the
 * process's life), or NULL when there is no such tool. */
const json_t *toolcat_get(const char *name);

/* Checks @args against the schema of tool @name; NULL @args stands for no arguments ({}).
 * Beyond the schema, a "period" or "month" argument must be one period_parse() accepts
 * (period.h): a date that exists, a year in 1970..2100, a range that does not end before it
 * starts. Integer arguments may arrive as integral reals (6.0, as JSON Schema allows): read
 * them with json_number_value(). Returns 0; FC_ENOTFOUND for an unknown tool ("no such tool:
 * NAME" in @err); FC_EINVAL with the first problem in @err ("limit: must be at most 200",
 * "month: does not match the expected form"). @err may be NULL when @errlen is 0. */
int toolcat_validate(const char *name, const json_t *args, char *err, unsigned errlen);

/* Writes what a call looks up, in words, into @out (for "Looked up: ..."): "spending by
 * category, March 2025", "transactions at Target, October 2026", "groceries transactions,
 * last month", "cash flow, last 6 months", "your accounts". A default the tool applies is
 * said ("budgets, this month"); an argument that is missing its form is left out. Text from
 * the arguments is copied as it is (the client escapes it), cut at a character boundary when
 * @out is full. Never fails; an unknown tool gets its own name, a NULL one "". */
void toolcat_label(const char *name, const json_t *args, char *out, unsigned outlen);

/* The catalogue as JSON text (build/gen/toolcat_data.c); use the functions above. */
extern const char toolcat_json[];

#endif

/* toolcat.h - the catalogue of the assistant's tools (SPEC §14), from proto/tools.json.
 *
 * One definition for both services: the gateway executes the tools and lists them over MCP;
 * the worker offers them to the models. Each tool has a name, a one-line description for
 * the model, and a JSON Schema (a small draft 2020-12 subset, jschema.h) of its arguments.
 * The table is generated at build time from proto/tools.json. Pure, no I/O; thread-safe
 * after the first call (the parsed catalogue is built once, under a pthread_once). */
#ifndef FINCHAT_TOOLCAT_H
#define FINCHAT_TOOLCAT_H

#include <jansson.h>
#include <stdbool.h>

/* The number of tools, and the @i-th tool's name (0 <= i < toolcat_count()). */
int toolcat_count(void);
const char *toolcat_name(int i);

/* [{name, description, parameters}] of every tool, a new reference (caller decrefs). */
json_t *toolcat_list(void);

/* The tool named @name as {name, description, parameters} (borrowed, valid for the
 * process's life), or NULL when there is no such tool. */
const json_t *toolcat_get(const char *name);

/* Checks @args against the schema of tool @name. Returns 0; FC_ENOTFOUND for an unknown
 * tool; FC_EINVAL with the first problem in @err ("month: must match YYYY-MM"). */
int toolcat_validate(const char *name, const json_t *args, char *err, unsigned errlen);

/* Writes what a call looks up, in words, into @out: "spending by category, March 2025",
 * "transactions at Target, October 2026". Never fails; unknown names get their own name. */
void toolcat_label(const char *name, const json_t *args, char *out, unsigned outlen);

#endif

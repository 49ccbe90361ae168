/* import_api.h - POST /api/v1/imports?account_id=: a CSV or OFX statement into one account of
 * the user (SPEC §4 Finance), answered with {added, duplicates, rejected:[{line, reason}]}.
 *
 * The body (ROUTE_IMPORT: up to FINCHAT_IMPORT_LIMIT, text/csv or application/x-ofx, sniffed
 * when the type is vague) is parsed by importer.h; the valid rows go in with one INSERT in
 * one transaction (all or nothing), rows whose external_id the account already has are
 * counted as duplicates, and the new rows are fraud-scored in posted order against the
 * user's history (the amount rule only: statements carry booking dates, not times of day).
 * 400 invalid_field for a missing or foreign account id or an unreadable file, 415 for
 * another media type.
 *
 * The handler follows api.h (@locality pool thread). */
#ifndef FINCHAT_IMPORT_API_H
#define FINCHAT_IMPORT_API_H

#include "api-gateway/http/api.h"

/* POST /api/v1/imports. NULL-terminated. */
extern const struct api_route import_routes[];

#endif

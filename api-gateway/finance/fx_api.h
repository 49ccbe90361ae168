/* fx_api.h - exchange rates (SPEC §15): GET /api/v1/fx-rates, PUT /api/v1/fx-rates and
 * POST /api/v1/fx-rates/import (the ECB reference-rate XML, ingest/ecbxml.h).
 *
 * Rates are global reference data, not a user's: table fx_rates (migration 009), one row per
 * (base, quote, day), 1 base = rate quote. Any signed-in user (a session token; API keys
 * and tool tokens are not accepted) may write them: finchat is self-hosted for one household,
 * whose members share the rates; see proto/API.md. A write changes every user's totals, so
 * it bumps every user's data_version (dashboard caches) and marks their context documents
 * stale (rebuilt before their next question), then rebuilds the writer's own.
 *
 * Bad input answers 400 invalid_field naming the field and writes nothing; each write is one
 * SQL transaction. @locality pool thread (handlers, with req->pg). */
#ifndef FINCHAT_FX_API_H
#define FINCHAT_FX_API_H

#include "api-gateway/http/api.h"

/* The largest rate accepted by PUT (1 base = at most this many quote units). */
#define FX_RATE_MAX 1e9
/* The most currencies one PUT may carry. */
#define FX_PUT_MAX 200

/* The fx routes (see above). NULL-terminated. */
extern const struct api_route fx_routes[];

#endif

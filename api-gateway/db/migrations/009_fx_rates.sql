-- 009_fx_rates.sql: exchange rates (SPEC §15) and the one conversion every total goes through
-- (fx_convert(); the base currency is users.currency, see 008 and finance_calendar()).
-- Rates are global reference data: 1 unit of base = rate units of quote on that day. minor_rate
-- is the same rate between minor units (rate * 10^(minor units of quote - minor units of base)),
-- written by the gateway from common/money.h's table, so SQL converts minor units directly.
CREATE TABLE fx_rates (
    day date NOT NULL,
    base char(3) NOT NULL,
    quote char(3) NOT NULL,
    rate numeric NOT NULL CHECK (rate > 0),
    minor_rate numeric NOT NULL CHECK (minor_rate > 0),
    source text NOT NULL DEFAULT 'manual',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (base, quote, day),
    CHECK (base <> quote)
);

-- Minor units of @q per minor unit of @b on day @d: the latest rate on or before @d, stored
-- directly or inversely; NULL when there is none.
CREATE FUNCTION fx_leg(b char(3), q char(3), d date) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN b = q THEN 1::numeric ELSE coalesce(
        (SELECT minor_rate FROM fx_rates WHERE base = b AND quote = q AND day <= d
          ORDER BY day DESC LIMIT 1),
        (SELECT 1 / minor_rate FROM fx_rates WHERE base = q AND quote = b AND day <= d
          ORDER BY day DESC LIMIT 1)) END
$$;

-- Minor units of @dst per minor unit of @src on day @d: a stored rate (either direction),
-- else the cross rate through EUR, rate(src->dst) = rate(EUR->dst) / rate(EUR->src); NULL
-- when a rate is missing.
CREATE FUNCTION fx_rate(src char(3), dst char(3), d date) RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT coalesce(fx_leg(src, dst, d), fx_leg('EUR', dst, d) / fx_leg('EUR', src, d))
$$;

-- @amount minor units of @src in minor units of @dst at day @d's rate (rounded half away
-- from zero), or NULL when no rate is known: a total must not add it as if it were @dst.
-- Zero and amounts already in @dst need no rate. Inlined by the planner: a row in the base
-- currency never looks a rate up.
CREATE FUNCTION fx_convert(amount bigint, src char(3), dst char(3), d date) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN src = dst OR amount = 0 THEN amount ELSE round(amount * fx_rate(src, dst, d))::bigint END
$$;

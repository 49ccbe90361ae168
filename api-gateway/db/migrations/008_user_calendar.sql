-- 008_user_calendar.sql: the user's calendar and base currency (SPEC §15).
-- users.timezone (IANA, since 002) says which calendar days count as "today" and "this month";
-- users.currency (since 001) is the base currency: the one setting GET/PATCH /me show as
-- base_currency and every total is expressed in (finance_user_currency(), finance_calendar()).
-- Existing rows are made valid: a zone PostgreSQL does not know becomes UTC, a currency that
-- is not three capital letters becomes USD; new rows get UTC and USD.
UPDATE users SET timezone = 'UTC'
    WHERE timezone IS NULL OR timezone NOT IN (SELECT name FROM pg_timezone_names);
UPDATE users SET currency = 'USD' WHERE currency IS NULL OR currency !~ '^[A-Z]{3}$';
ALTER TABLE users ALTER COLUMN timezone SET DEFAULT 'UTC';
ALTER TABLE users ALTER COLUMN timezone SET NOT NULL;
ALTER TABLE users ALTER COLUMN currency SET DEFAULT 'USD';
ALTER TABLE users ALTER COLUMN currency SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_base_currency_code CHECK (currency ~ '^[A-Z]{3}$');
COMMENT ON COLUMN users.currency IS 'base currency (ISO 4217): GET/PATCH /me base_currency';
COMMENT ON COLUMN users.timezone IS 'IANA time zone of the user''s calendar (SPEC §15)';

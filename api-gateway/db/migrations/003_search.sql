-- 003_search.sql: trigram indexes for GET /transactions?q= (ILIKE '%...%' over merchant and
-- description). pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner can
-- create it; where it cannot be had, search still works by scanning the user's rows.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%); transaction search scans instead', SQLERRM;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS transactions_merchant_trgm
            ON transactions USING gin (merchant gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS transactions_description_trgm
            ON transactions USING gin (description gin_trgm_ops);
    END IF;
END
$$;

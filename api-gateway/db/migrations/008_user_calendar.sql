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
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_base_currency_code;
ALTER TABLE users ADD CONSTRAINT users_base_currency_code CHECK (currency ~ '^[A-Z]{3}$');
COMMENT ON COLUMN users.currency IS 'base currency (ISO 4217): GET/PATCH /me base_currency';
COMMENT ON COLUMN users.timezone IS 'IANA time zone of the user''s calendar (SPEC §15)';

-- The context document is as of the user's local day (users.context_day, set by every rebuild
-- in users.timezone: context.c), so chat_request_open() (migration 005) calls it stale once
-- the user's own day has changed, not the UTC one: the same function with only that
-- comparison changed.
CREATE OR REPLACE FUNCTION chat_request_open(
    p_lock_class int, p_id uuid, p_user uuid, p_conv uuid, p_message uuid, p_reply uuid,
    p_partition int, p_first_offset bigint, p_text text, p_rate_limit int, p_budget bigint,
    p_default_title text)
RETURNS TABLE (outcome text, retry_after bigint, created_ms bigint, data_version bigint,
               context_stale boolean)
LANGUAGE plpgsql AS $$
DECLARE
    n_recent bigint;
    oldest timestamptz;
    used bigint;
    day_start timestamptz := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    at timestamptz;
    t text;
    dv bigint;
    stale boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_class, hashtext(p_user::text));
    IF NOT EXISTS (SELECT 1 FROM conversations c
                   WHERE c.id = p_conv AND c.user_id = p_user AND c.deleted_at IS NULL) THEN
        RETURN QUERY SELECT 'not_found'::text, 0::bigint, 0::bigint, 0::bigint, false;
        RETURN;
    END IF;
    SELECT count(*), min(r.created_at) INTO n_recent, oldest FROM chat_requests r
        WHERE r.user_id = p_user AND r.created_at > now() - interval '60 seconds';
    IF n_recent >= p_rate_limit THEN
        RETURN QUERY SELECT 'rate_limited'::text,
            greatest(1, ceil(extract(epoch FROM oldest + interval '60 seconds' - now())))::bigint,
            0::bigint, 0::bigint, false;
        RETURN;
    END IF;
    SELECT coalesce(sum(r.completion_tokens), 0) INTO used FROM chat_requests r
        WHERE r.user_id = p_user AND r.created_at >= day_start;
    IF used >= p_budget THEN
        RETURN QUERY SELECT 'budget_exceeded'::text,
            greatest(1, ceil(extract(epoch FROM day_start + interval '1 day' - now())))::bigint,
            0::bigint, 0::bigint, false;
        RETURN;
    END IF;
    INSERT INTO chat_requests (id, user_id, conversation_id, message_id, reply_message_id,
                               status, reply_partition, first_offset)
        VALUES (p_id, p_user, p_conv, p_message, p_reply, 'queued', p_partition, p_first_offset)
        RETURNING chat_requests.created_at INTO at;
    t := btrim(regexp_replace(p_text, '\s+', ' ', 'g'));
    UPDATE conversations c SET updated_at = now(), last_message = left(t, 120),
        title = CASE WHEN c.title <> p_default_title THEN c.title
                     WHEN char_length(t) > 60 THEN rtrim(left(t, 59)) || '…' ELSE t END
        WHERE c.id = p_conv AND c.user_id = p_user;
    -- A user whose document was never built (context_day NULL: no data yet) is left so: the
    -- assistant then says it has no data instead of quoting a document of zeros.
    SELECT u.data_version, coalesce(u.context_day < (now() AT TIME ZONE u.timezone)::date, false)
        INTO dv, stale FROM users u WHERE u.id = p_user;
    RETURN QUERY SELECT 'ok'::text, 0::bigint, (extract(epoch FROM at) * 1000)::bigint, dv, stale;
END
$$;

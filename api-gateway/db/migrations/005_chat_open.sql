-- 005_chat_open.sql: the PostgreSQL work of a posted question in one round trip.
--
-- chat_request_open() takes the per-user lock, checks the conversation, the chat rate and
-- the daily token budget, records the request and updates the conversation, all in the
-- caller's transaction (one autocommitted statement). It was six round trips (BEGIN, lock,
-- checks, INSERT, UPDATE, COMMIT) on the path every question waits on. Each statement of a
-- PL/pgSQL function takes a fresh snapshot under READ COMMITTED, so the counts read after
-- the lock see the rows of a concurrent post that held it, as the old transaction did.
--
-- Returns one row: outcome ('ok', 'not_found', 'rate_limited', 'budget_exceeded'), the
-- seconds to wait for a 429, the request's created_at in Unix milliseconds, the user's
-- data_version (migration 004), which the request carries so a worker can tell whether the
-- context document it holds is the current one (llm-worker/ctxcache.h), and whether the
-- context document was built on an earlier UTC day than today (users.context_day, set by
-- every rebuild; NULL before the first): its "this month", forecast and recent days are then
-- as of that day, and the gateway rebuilds it before the question goes to a worker.
ALTER TABLE users ADD COLUMN IF NOT EXISTS context_day date;

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
    SELECT u.data_version, coalesce(u.context_day < (now() AT TIME ZONE 'UTC')::date, false)
        INTO dv, stale FROM users u WHERE u.id = p_user;
    RETURN QUERY SELECT 'ok'::text, 0::bigint, (extract(epoch FROM at) * 1000)::bigint, dv, stale;
END
$$;

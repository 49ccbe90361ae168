-- 011_chat_usage.sql: opening a chat request without queueing a user's questions behind
-- each other.
--
-- The budget. chat_request_open() summed the day's completion tokens of the user over
-- chat_requests at every question, under the per-user lock: the cost grew with the questions
-- of the day (1.3 ms at 1,800, one API key of `make bench`), and every other question of the
-- same user waited behind it.
-- chat_usage_daily keeps that sum per user and UTC day (the budget renews at 00:00 UTC),
-- maintained by a trigger on chat_requests, so every writer of completion_tokens counts and
-- none has to know. The tokens of a deleted conversation's answers stay counted for the day:
-- deleting a conversation no longer gives the budget back.
CREATE TABLE chat_usage_daily (
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day date NOT NULL,
    completion_tokens bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
);
INSERT INTO chat_usage_daily (user_id, day, completion_tokens)
    SELECT r.user_id, (r.created_at AT TIME ZONE 'UTC')::date, sum(r.completion_tokens)
    FROM chat_requests r WHERE r.completion_tokens IS NOT NULL GROUP BY 1, 2;

CREATE OR REPLACE FUNCTION chat_usage_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint := coalesce(NEW.completion_tokens, 0);
BEGIN
    IF TG_OP = 'UPDATE' THEN
        delta := delta - coalesce(OLD.completion_tokens, 0);
    END IF;
    IF delta <> 0 THEN
        INSERT INTO chat_usage_daily AS u (user_id, day, completion_tokens)
            VALUES (NEW.user_id, (NEW.created_at AT TIME ZONE 'UTC')::date, delta)
            ON CONFLICT (user_id, day)
            DO UPDATE SET completion_tokens = u.completion_tokens + EXCLUDED.completion_tokens;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER chat_requests_usage AFTER INSERT OR UPDATE OF completion_tokens ON chat_requests
    FOR EACH ROW EXECUTE FUNCTION chat_usage_count();

-- The per-user lock, only where it can matter. chat_request_open() took it first thing, so a
-- user's questions were opened one at a time, each holding it through the whole function and
-- its commit; with one API key sending hundreds at once (an app, SPEC §4's facade) the
-- database's connections of every gateway queued on it, and on a busy machine a holder
-- descheduled mid-way stalled them all (500 streams: 50 ms p50 to open one, 0.5 s queued for
-- a connection). The lock is there so that concurrent questions count each other against the
-- rate limit. They can only miss each other while uncommitted, and no more transactions than
-- max_connections are ever open at once: a count that stays below the limit by that many
-- cannot be pushed over it by any of them, so only a count closer to the limit takes the lock
-- and counts again. With the default limit (20 a minute) that is every question, as before;
-- with a limit raised for heavy API use, only those near it. The budget needs no lock (the
-- tokens are counted when answers finish). The conversation's update goes last, so that its
-- row lock, which the user's other questions into the same conversation wait for, is held
-- only until the commit that follows.
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
    IF NOT EXISTS (SELECT 1 FROM conversations c
                   WHERE c.id = p_conv AND c.user_id = p_user AND c.deleted_at IS NULL) THEN
        RETURN QUERY SELECT 'not_found'::text, 0::bigint, 0::bigint, 0::bigint, false;
        RETURN;
    END IF;
    SELECT count(*), min(r.created_at) INTO n_recent, oldest FROM chat_requests r
        WHERE r.user_id = p_user AND r.created_at > now() - interval '60 seconds';
    IF n_recent + current_setting('max_connections')::bigint >= p_rate_limit THEN
        PERFORM pg_advisory_xact_lock(p_lock_class, hashtext(p_user::text));
        SELECT count(*), min(r.created_at) INTO n_recent, oldest FROM chat_requests r
            WHERE r.user_id = p_user AND r.created_at > now() - interval '60 seconds';
    END IF;
    IF n_recent >= p_rate_limit THEN
        RETURN QUERY SELECT 'rate_limited'::text,
            greatest(1, ceil(extract(epoch FROM oldest + interval '60 seconds' - now())))::bigint,
            0::bigint, 0::bigint, false;
        RETURN;
    END IF;
    SELECT coalesce(sum(d.completion_tokens), 0) INTO used FROM chat_usage_daily d
        WHERE d.user_id = p_user AND d.day = (day_start AT TIME ZONE 'UTC')::date;
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
    -- A user whose document was never built (context_day NULL: no data yet) is left so: the
    -- assistant then says it has no data instead of quoting a document of zeros.
    SELECT u.data_version, coalesce(u.context_day < (now() AT TIME ZONE u.timezone)::date, false)
        INTO dv, stale FROM users u WHERE u.id = p_user;
    t := btrim(regexp_replace(p_text, '\s+', ' ', 'g'));
    UPDATE conversations c SET updated_at = now(), last_message = left(t, 120),
        title = CASE WHEN c.title <> p_default_title THEN c.title
                     WHEN char_length(t) > 60 THEN rtrim(left(t, 59)) || '…' ELSE t END
        WHERE c.id = p_conv AND c.user_id = p_user;
    RETURN QUERY SELECT 'ok'::text, 0::bigint, (extract(epoch FROM at) * 1000)::bigint, dv, stale;
END
$$;

-- chat_request_open_once() (migration 006) took the same per-user lock for its check that no
-- answer to the same question is still being written: that check only concerns questions
-- with the same message id (regenerates), so it now locks the message id (the same lock
-- class; a hash shared with a user costs a wait, never a wrong answer).
CREATE OR REPLACE FUNCTION chat_request_open_once(
    p_lock_class int, p_id uuid, p_user uuid, p_conv uuid, p_message uuid, p_reply uuid,
    p_partition int, p_first_offset bigint, p_text text, p_rate_limit int, p_budget bigint,
    p_default_title text, p_deadline_ms bigint)
RETURNS TABLE (outcome text, retry_after bigint, created_ms bigint, data_version bigint,
               context_stale boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_class, hashtext(p_message::text));
    IF EXISTS (SELECT 1 FROM chat_requests r
               WHERE r.user_id = p_user AND r.message_id = p_message
                 AND r.status IN ('queued', 'streaming')
                 AND r.created_at > now() - make_interval(secs => p_deadline_ms / 1000.0)) THEN
        RETURN QUERY SELECT 'busy'::text, 0::bigint, 0::bigint, 0::bigint, false;
        RETURN;
    END IF;
    RETURN QUERY SELECT * FROM chat_request_open(p_lock_class, p_id, p_user, p_conv, p_message,
        p_reply, p_partition, p_first_offset, p_text, p_rate_limit, p_budget, p_default_title);
END
$$;

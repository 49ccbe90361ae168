-- 012_chat_context_built.sql: opening a chat request also says whether the user has a
-- context document at all.
--
-- A user without data has none (context_day NULL: migration 011 leaves it so, and the
-- assistant then says it has no data). A worker had no way to know that before reading
-- MongoDB, and an absent document cannot be cached by its data_version: every question of
-- such a user cost one MongoDB round trip at the start of its answer (about 1 ms, the largest
-- part of the worker's own time before the provider is called). The gateway now tells the
-- worker (Kafka header context-version: none) and the worker reads nothing.
--
-- context_built is read in the same transaction as the request row is written: a document
-- being built at that very moment (its context_day is set once it is stored) is not yet
-- there for this question, as a question that read MongoDB a moment earlier would not have
-- found it either. The return type grows a column, so the function is dropped and created
-- again (a caller reading the first five columns by position is unaffected).
DROP FUNCTION chat_request_open_once(int, uuid, uuid, uuid, uuid, uuid, int, bigint, text, int,
                                     bigint, text, bigint);

CREATE FUNCTION chat_request_open_once(
    p_lock_class int, p_id uuid, p_user uuid, p_conv uuid, p_message uuid, p_reply uuid,
    p_partition int, p_first_offset bigint, p_text text, p_rate_limit int, p_budget bigint,
    p_default_title text, p_deadline_ms bigint)
RETURNS TABLE (outcome text, retry_after bigint, created_ms bigint, data_version bigint,
               context_stale boolean, context_built boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_class, hashtext(p_message::text));
    IF EXISTS (SELECT 1 FROM chat_requests r
               WHERE r.user_id = p_user AND r.message_id = p_message
                 AND r.status IN ('queued', 'streaming')
                 AND r.created_at > now() - make_interval(secs => p_deadline_ms / 1000.0)) THEN
        RETURN QUERY SELECT 'busy'::text, 0::bigint, 0::bigint, 0::bigint, false, false;
        RETURN;
    END IF;
    RETURN QUERY SELECT o.outcome, o.retry_after, o.created_ms, o.data_version, o.context_stale,
                        o.outcome = 'ok' AND u.context_day IS NOT NULL
        FROM chat_request_open(p_lock_class, p_id, p_user, p_conv, p_message, p_reply,
                               p_partition, p_first_offset, p_text, p_rate_limit, p_budget,
                               p_default_title) o
        LEFT JOIN users u ON u.id = p_user;
END
$$;

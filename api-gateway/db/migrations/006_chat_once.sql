-- 006_chat_once.sql: one answer at a time per question.
--
-- POST /conversations/{id}/regenerate answers the conversation's last question again. Ten
-- regenerates sent at once were all accepted, and one question got thirteen answers
-- written side by side. chat_request_open_once() takes the same per-user lock as
-- chat_request_open() (migration 005, which it then calls: the lock is re-entrant within the
-- transaction), and answers 'busy' instead when a request for the same question
-- (message_id) is still queued or streaming and younger than its deadline (@p_deadline_ms):
-- a request that never finished does not block the question for good. A new question has a
-- message id of its own, so only regenerates can be busy.
CREATE OR REPLACE FUNCTION chat_request_open_once(
    p_lock_class int, p_id uuid, p_user uuid, p_conv uuid, p_message uuid, p_reply uuid,
    p_partition int, p_first_offset bigint, p_text text, p_rate_limit int, p_budget bigint,
    p_default_title text, p_deadline_ms bigint)
RETURNS TABLE (outcome text, retry_after bigint, created_ms bigint, data_version bigint,
               context_stale boolean)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_class, hashtext(p_user::text));
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

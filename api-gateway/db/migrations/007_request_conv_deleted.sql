-- 007_request_conv_deleted.sql: a request remembers that its conversation was deleted.
--
-- GET /streams/{request_id} answers 404 once the request's conversation is deleted. Joining
-- conversations on every stream lookup made the hottest read of a chat a two-table query
-- (PostgreSQL even chose a sequential scan of conversations while the table was small);
-- the delete now marks the conversation's requests instead, so the lookup stays one
-- primary-key read of chat_requests.
ALTER TABLE chat_requests ADD COLUMN IF NOT EXISTS conversation_deleted boolean NOT NULL DEFAULT false;
UPDATE chat_requests r SET conversation_deleted = true
    FROM conversations c
    WHERE c.id = r.conversation_id AND c.deleted_at IS NOT NULL AND NOT r.conversation_deleted;

-- 004_data_version.sql: a per-user counter bumped by every committed finance write, so the
-- gateways' dashboard caches can tell, with one indexed read, whether what they hold is current.
ALTER TABLE users ADD COLUMN IF NOT EXISTS data_version bigint NOT NULL DEFAULT 0;

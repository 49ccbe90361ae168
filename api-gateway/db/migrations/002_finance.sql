-- 002_finance.sql: what the finance API needs beyond the core schema.
-- The user's time zone, for the fraud rule on local night-time spending (IANA name).
ALTER TABLE users ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';
-- Alerts are looked up and embedded by transaction.
CREATE INDEX fraud_alerts_transaction ON fraud_alerts (transaction_id);
-- Category filters and per-category budget sums.
CREATE INDEX transactions_user_category ON transactions (user_id, category, posted_at);

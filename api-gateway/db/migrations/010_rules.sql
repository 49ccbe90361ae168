-- 010_rules.sql: the user's categorisation rules (SPEC §15, finance/rules.h).
--
-- A rule gives its category to a new transaction whose merchant equals or contains
-- `merchant` (case-insensitively), optionally only when the amount's magnitude lies in
-- [min_minor, max_minor] and only on one account. Deleting the account deletes its rules.
CREATE TABLE IF NOT EXISTS categorization_rules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    merchant text NOT NULL CHECK (merchant <> ''),
    match text NOT NULL CHECK (match IN ('equals','contains')),
    category text NOT NULL CHECK (category <> ''),
    min_minor bigint CHECK (min_minor IS NULL OR min_minor >= 0),
    max_minor bigint CHECK (max_minor IS NULL OR max_minor >= 0),
    account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
    seq bigserial NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (min_minor IS NULL OR max_minor IS NULL OR min_minor <= max_minor)
);
CREATE INDEX IF NOT EXISTS categorization_rules_user ON categorization_rules (user_id, seq);

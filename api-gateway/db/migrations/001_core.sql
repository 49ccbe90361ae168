-- 001_core.sql: the relational schema of SPEC §5. Money is bigint minor units.
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    name text NOT NULL,
    password_hash text NOT NULL,
    currency char(3) NOT NULL DEFAULT 'USD',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text NOT NULL,
    prefix text NOT NULL,
    key_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text NOT NULL,
    type text NOT NULL CHECK (type IN ('checking','savings','credit','investment')),
    institution text NOT NULL DEFAULT '',
    mask text NOT NULL DEFAULT '',
    currency char(3) NOT NULL DEFAULT 'USD',
    balance_minor bigint NOT NULL DEFAULT 0,
    plaid_account_id text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_user ON accounts (user_id);

CREATE TABLE transactions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    posted_at timestamptz NOT NULL,
    amount_minor bigint NOT NULL,
    currency char(3) NOT NULL DEFAULT 'USD',
    merchant text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    category text NOT NULL DEFAULT 'uncategorized',
    type text NOT NULL CHECK (type IN ('income','expense','transfer')),
    note text NOT NULL DEFAULT '',
    fraud_score int NOT NULL DEFAULT 0,
    fraud_reasons jsonb NOT NULL DEFAULT '[]',
    source text NOT NULL DEFAULT 'manual',
    external_id text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transactions_user_posted ON transactions (user_id, posted_at DESC, id DESC);
CREATE INDEX transactions_user_amount ON transactions (user_id, amount_minor, id);
CREATE INDEX transactions_user_merchant ON transactions (user_id, merchant);
CREATE UNIQUE INDEX transactions_external ON transactions (account_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE budgets (
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category text NOT NULL,
    limit_minor bigint NOT NULL CHECK (limit_minor >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, category)
);

CREATE TABLE goals (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text NOT NULL,
    target_minor bigint NOT NULL,
    current_minor bigint NOT NULL DEFAULT 0,
    target_date date,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE holdings (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id uuid REFERENCES accounts(id) ON DELETE CASCADE,
    symbol text NOT NULL,
    name text NOT NULL DEFAULT '',
    quantity_milli bigint NOT NULL,
    price_minor bigint NOT NULL,
    currency char(3) NOT NULL DEFAULT 'USD',
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE fraud_alerts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    transaction_id uuid NOT NULL REFERENCES transactions(id) ON DELETE CASCADE,
    score int NOT NULL,
    level text NOT NULL CHECK (level IN ('high','review')),
    reasons jsonb NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','resolved')),
    resolution text,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
CREATE INDEX fraud_alerts_user ON fraud_alerts (user_id, status, created_at DESC);

CREATE TABLE conversations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title text NOT NULL DEFAULT 'New conversation',
    last_message text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX conversations_user ON conversations (user_id, updated_at DESC);

CREATE TABLE chat_requests (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    message_id uuid NOT NULL,
    reply_message_id uuid NOT NULL,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued','streaming','complete','error','canceled')),
    reply_partition int NOT NULL,
    first_offset bigint,
    last_offset bigint,
    attempt int NOT NULL DEFAULT 1,
    provider text,
    model text,
    prompt_tokens int,
    completion_tokens int,
    ttft_ms int,
    total_ms int,
    error_code text,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE INDEX chat_requests_user_day ON chat_requests (user_id, created_at);

CREATE TABLE plaid_items (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    item_id text NOT NULL,
    access_token_enc bytea NOT NULL,
    cursor text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    user_id uuid,
    ip text,
    action text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at DESC);

CREATE TABLE ai_briefings (
    user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    text text NOT NULL,
    generated_at timestamptz NOT NULL DEFAULT now()
);

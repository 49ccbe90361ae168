/* config.h - the configuration table: every setting, its environment variable, type,
 * default, bounds and one-line doc. The README's configuration table is printed from it
 * (`finchatctl config-doc`), and a test checks the two agree.
 *
 * config_load() fills a struct fc_config from the environment. In development, missing
 * secrets are generated into $FINCHAT_STATE_DIR/secrets (mode 0600) and reused; with
 * FINCHAT_ENV=production a missing secret is an error. */
#ifndef FINCHAT_CONFIG_H
#define FINCHAT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct fc_config {
    char *env;
    char *state_dir;
    char *log_level;
    char *http_addr;
    int http_threads;
    char *tls_cert;
    char *tls_key;
    char *web_root;
    char *cors_origins;
    int rate_limit;
    int auth_rate_limit;
    int body_limit;
    int import_limit;
    int chat_rate_limit;
    int daily_token_budget;
    char *pg_url;
    int pg_pool;
    char *kafka_brokers;
    char *reply_partitions;
    char *mongo_url;
    char *jwt_secret;
    char *jwt_kid;
    char *jwt_prev_secret;
    char *jwt_prev_kid;
    char *jwt_issuer;
    char *jwt_audience;
    int access_ttl;
    int refresh_ttl;
    char *data_key;
    char *llm_chain;
    char *openai_api_key;
    char *openai_base_url;
    char *openai_model;
    char *groq_api_key;
    char *groq_base_url;
    char *groq_model;
    char *anthropic_api_key;
    char *anthropic_base_url;
    char *anthropic_model;
    char *ollama_url;
    char *ollama_model;
    char *local_url;
    char *local_model;
    /* Context windows in tokens, per provider (prompts are fitted to them). */
    int openai_ctx_tokens, anthropic_ctx_tokens, ollama_ctx_tokens, local_ctx_tokens;
    int local_first_token_ms; /* the local provider's first-token timeout */
    char *gateway_url;        /* the workers' way to the gateway's tool endpoint */
    int tools_enabled;        /* 0 or 1 */
    int tool_timeout_ms;      /* one tool call at most */
    int analyst_pace_ms;
    int worker_max_inflight;
    int worker_drain_ms;
    int token_flush_ms;
    char *worker_health_addr;
    char *test_now;      /* FINCHAT_TEST_NOW: RFC 3339 or ""; refused in production */
    int64_t test_now_ms; /* test_now read by clock_parse_rfc3339(), 0 when unset */
    int connect_timeout_ms;
    int first_token_timeout_ms;
    int idle_timeout_ms;
    int deadline_ms;
    int max_attempts;
    int breaker_threshold;
    int breaker_cooldown_ms;
    char *plaid_client_id;
    char *plaid_secret;
    char *plaid_base_url;
};

/* Loads defaults, then environment overrides, then checks bounds and secrets.
 * Returns 0, or a negative error code with a message in @errbuf. */
int config_load(struct fc_config *cfg, char *errbuf, unsigned errlen);

/* For processes that use none of the secrets (the worker): they are left empty and not
 * required, even in production. */
#define CONFIG_NO_SECRETS 0x1
int config_load_opts(struct fc_config *cfg, unsigned flags, char *errbuf, unsigned errlen);
/* Frees every string owned by @cfg. */
void config_release(struct fc_config *cfg);
/* Prints the configuration table as Markdown (name, default, description). */
void config_print_markdown(FILE *out);
bool config_is_production(const struct fc_config *cfg);

#endif

/* config.c - the configuration table and its loader. */
#include "config.h"

#include "clock.h"
#include "err.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum ctype { C_STR, C_INT, C_SECRET };

struct centry {
    const char *env;
    enum ctype type;
    size_t off;
    const char *def;
    long min, max;
    const char *doc;
};

#define S(env, field, def, doc)                                                                    \
    {                                                                                              \
        env, C_STR, offsetof(struct fc_config, field), def, 0, 0, doc                              \
    }
#define K(env, field, doc)                                                                         \
    {                                                                                              \
        env, C_SECRET, offsetof(struct fc_config, field), "", 0, 0, doc                            \
    }
#define I(env, field, def, lo, hi, doc)                                                            \
    {                                                                                              \
        env, C_INT, offsetof(struct fc_config, field), def, lo, hi, doc                            \
    }

static const struct centry table[] = {
    S("FINCHAT_ENV", env, "development",
      "`development` or `production` (missing secrets are then an error)"),
    S("FINCHAT_STATE_DIR", state_dir, ".local",
      "Local state: databases, logs, pid files, generated secrets"),
    S("FINCHAT_LOG_LEVEL", log_level, "info", "debug, info, warn or error"),
    S("FINCHAT_HTTP_ADDR", http_addr, "127.0.0.1:8080", "Gateway listen address host:port"),
    I("FINCHAT_HTTP_THREADS", http_threads, "0", 0, 64,
      "Gateway event-loop threads (0 = one per core)"),
    S("FINCHAT_TLS_CERT", tls_cert, "",
      "PEM certificate; with FINCHAT_TLS_KEY enables HTTPS (and HSTS)"),
    S("FINCHAT_TLS_KEY", tls_key, "", "PEM private key for FINCHAT_TLS_CERT"),
    S("FINCHAT_WEB_ROOT", web_root, "web/out", "Static export of the web client served at /"),
    S("FINCHAT_CORS_ORIGINS", cors_origins, "",
      "Comma-separated origins allowed by CORS (empty = none)"),
    I("FINCHAT_RATE_LIMIT", rate_limit, "120", 1, 1000000, "Requests per minute per IP"),
    I("FINCHAT_AUTH_RATE_LIMIT", auth_rate_limit, "10", 1, 1000000,
      "Requests per minute per IP on /auth/*"),
    I("FINCHAT_BODY_LIMIT", body_limit, "1048576", 1024, 104857600, "Request body limit in bytes"),
    I("FINCHAT_IMPORT_LIMIT", import_limit, "10485760", 1024, 104857600,
      "Body limit for POST /imports"),
    I("FINCHAT_CHAT_RATE_LIMIT", chat_rate_limit, "20", 1, 1000000,
      "Chat messages per minute per user"),
    I("FINCHAT_DAILY_TOKEN_BUDGET", daily_token_budget, "200000", 1, 2000000000,
      "Completion tokens per user per UTC day"),
    S("FINCHAT_PG_URL", pg_url, "postgresql://finchat@127.0.0.1:55432/finchat",
      "PostgreSQL connection URL"),
    I("FINCHAT_PG_POOL", pg_pool, "8", 1, 256,
      "PostgreSQL connections (and query threads) per gateway"),
    S("FINCHAT_KAFKA_BROKERS", kafka_brokers, "127.0.0.1:19092", "Kafka bootstrap servers"),
    S("FINCHAT_REPLY_PARTITIONS", reply_partitions, "",
      "Partitions of finchat.chat.chunks this gateway owns, e.g. `0-3` (empty = all)"),
    S("FINCHAT_MONGO_URL", mongo_url, "mongodb://127.0.0.1:27018/finchat",
      "MongoDB (or FerretDB) URL; the path names the database"),
    K("FINCHAT_JWT_SECRET", jwt_secret,
      "HS256 signing key for access tokens (generated in development)"),
    S("FINCHAT_JWT_KID", jwt_kid, "k1", "`kid` header of tokens signed with FINCHAT_JWT_SECRET"),
    S("FINCHAT_JWT_PREV_SECRET", jwt_prev_secret, "",
      "Previous signing key, still accepted during rotation"),
    S("FINCHAT_JWT_PREV_KID", jwt_prev_kid, "", "`kid` of FINCHAT_JWT_PREV_SECRET"),
    S("FINCHAT_JWT_ISSUER", jwt_issuer, "finchat", "JWT `iss`"),
    S("FINCHAT_JWT_AUDIENCE", jwt_audience, "finchat-api", "JWT `aud`"),
    I("FINCHAT_ACCESS_TTL_S", access_ttl, "900", 30, 86400, "Access token lifetime in seconds"),
    I("FINCHAT_REFRESH_TTL_S", refresh_ttl, "2592000", 60, 31536000,
      "Refresh token lifetime in seconds"),
    K("FINCHAT_DATA_KEY", data_key,
      "AES-256 key (64 hex chars) for secrets at rest (generated in development)"),
    S("FINCHAT_LLM_CHAIN", llm_chain, "openai,anthropic,ollama,local,analyst",
      "Provider fallback order; unconfigured providers are skipped"),
    S("OPENAI_API_KEY", openai_api_key, "", "Key for the `openai` provider (unset = skipped)"),
    S("OPENAI_BASE_URL", openai_base_url, "https://api.openai.com/v1",
      "Any OpenAI-compatible endpoint"),
    S("OPENAI_MODEL", openai_model, "gpt-4o-mini", "Model for the `openai` provider"),
    I("OPENAI_CONTEXT_TOKENS", openai_ctx_tokens, "128000", 512, 10000000,
      "Context window of the `openai` model (or GROQ_MODEL); prompts are fitted to it"),
    S("GROQ_API_KEY", groq_api_key, "",
      "Used by `openai` when OPENAI_API_KEY is unset, with GROQ_BASE_URL"),
    S("GROQ_BASE_URL", groq_base_url, "https://api.groq.com/openai/v1",
      "Groq's OpenAI-compatible endpoint"),
    S("GROQ_MODEL", groq_model, "llama-3.1-8b-instant", "Model used with GROQ_API_KEY"),
    S("ANTHROPIC_API_KEY", anthropic_api_key, "",
      "Key for the `anthropic` provider (unset = skipped)"),
    S("ANTHROPIC_BASE_URL", anthropic_base_url, "https://api.anthropic.com",
      "Anthropic Messages API base URL"),
    S("ANTHROPIC_MODEL", anthropic_model, "claude-3-5-haiku-latest",
      "Model for the `anthropic` provider"),
    I("ANTHROPIC_CONTEXT_TOKENS", anthropic_ctx_tokens, "200000", 512, 10000000,
      "Context window of the `anthropic` model; prompts are fitted to it"),
    S("OLLAMA_URL", ollama_url, "",
      "Ollama base URL, e.g. http://127.0.0.1:11434 (unset = skipped)"),
    S("OLLAMA_MODEL", ollama_model, "llama3.2", "Model for the `ollama` provider"),
    I("OLLAMA_CONTEXT_TOKENS", ollama_ctx_tokens, "4096", 512, 10000000,
      "Context (num_ctx) the `ollama` provider asks for; prompts are fitted to it"),
    S("FINCHAT_LOCAL_URL", local_url, "",
      "Local OpenAI-compatible server (set by `make up LLM=local`)"),
    S("FINCHAT_LOCAL_MODEL", local_model, "smollm2-135m-instruct",
      "Model name for the `local` provider"),
    I("FINCHAT_LOCAL_FIRST_TOKEN_TIMEOUT_MS", local_first_token_ms, "60000", 10, 600000,
      "Time-to-first-token timeout of the `local` provider: a CPU model reads the prompt "
      "before its first token (SmolLM2-135M: about 110 prompt tokens/s on 2 cores)"),
    I("FINCHAT_LOCAL_CONTEXT_TOKENS", local_ctx_tokens, "8192", 512, 10000000,
      "Context window of the local server (`make up LLM=local` passes the one it starts the "
      "server with); prompts are fitted to it"),
    S("FINCHAT_GATEWAY_URL", gateway_url, "",
      "Where workers reach the gateway's tool endpoint (SPEC §14), e.g. http://gateway:8080 "
      "(empty = http:// + FINCHAT_HTTP_ADDR, 0.0.0.0 read as 127.0.0.1)"),
    I("FINCHAT_TOOLS", tools_enabled, "1", 0, 1,
      "1: the assistant may call the read-only tools over the user's data; 0: it answers from "
      "the context document alone"),
    I("FINCHAT_TOOL_TIMEOUT_MS", tool_timeout_ms, "10000", 100, 600000,
      "Longest time one tool call may take (within the answer's deadline)"),
    I("FINCHAT_ANALYST_PACE_MS", analyst_pace_ms, "25", 0, 10000,
      "Delay between analyst tokens (0 = no pacing)"),
    I("FINCHAT_WORKER_MAX_INFLIGHT", worker_max_inflight, "64", 1, 10000,
      "Generations in flight per worker"),
    I("FINCHAT_WORKER_DRAIN_MS", worker_drain_ms, "25000", 0, 600000,
      "On SIGTERM, how long a worker lets answers in flight finish"),
    I("FINCHAT_TOKEN_FLUSH_MS", token_flush_ms, "50", 0, 1000,
      "After an answer's first token (sent at once), tokens are gathered this long into one "
      "chunk (0 = one chunk per read from the provider)"),
    S("FINCHAT_TEST_NOW", test_now, "",
      "Tests only: the gateway's clock starts at this RFC 3339 time and runs on from there "
      "(periods, budgets' months, the context document); an error when FINCHAT_ENV=production"),
    S("FINCHAT_WORKER_HEALTH_ADDR", worker_health_addr, "",
      "Worker probe/metrics endpoint host:port: /healthz, /readyz, /metrics (empty = off)"),
    I("FINCHAT_CONNECT_TIMEOUT_MS", connect_timeout_ms, "3000", 10, 600000,
      "Provider connect timeout"),
    I("FINCHAT_FIRST_TOKEN_TIMEOUT_MS", first_token_timeout_ms, "20000", 10, 600000,
      "Provider time-to-first-token timeout"),
    I("FINCHAT_IDLE_TIMEOUT_MS", idle_timeout_ms, "10000", 10, 600000,
      "Longest gap between provider tokens"),
    I("FINCHAT_DEADLINE_MS", deadline_ms, "120000", 100, 3600000, "Total deadline of one answer"),
    I("FINCHAT_MAX_ATTEMPTS", max_attempts, "3", 1, 20,
      "Deliveries of a chat request before it goes to the DLQ"),
    I("FINCHAT_BREAKER_THRESHOLD", breaker_threshold, "3", 1, 1000,
      "Consecutive provider failures that open its circuit"),
    I("FINCHAT_BREAKER_COOLDOWN_MS", breaker_cooldown_ms, "30000", 100, 3600000,
      "How long an open circuit stays open"),
    S("PLAID_CLIENT_ID", plaid_client_id, "", "Plaid client id (unset = bank linking disabled)"),
    S("PLAID_SECRET", plaid_secret, "", "Plaid secret"),
    S("PLAID_BASE_URL", plaid_base_url, "https://sandbox.plaid.com", "Plaid API base URL"),
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

static char **str_field(struct fc_config *cfg, const struct centry *e)
{
    return (char **)(void *)((char *)cfg + e->off);
}

static int *int_field(struct fc_config *cfg, const struct centry *e)
{
    return (int *)(void *)((char *)cfg + e->off);
}

bool config_is_production(const struct fc_config *cfg)
{
    return cfg->env && strcmp(cfg->env, "production") == 0;
}

static int random_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char buf[64];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return FC_EIO;
    n = read(fd, buf, nbytes);
    close(fd);
    if (n != (ssize_t)nbytes)
        return FC_EIO;
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[2 * nbytes] = '\0';
    return 0;
}

/* Reads the development secret @name from the state dir, creating it when absent. */
static char *dev_secret(const char *state_dir, const char *name, char *errbuf, unsigned errlen)
{
    char *dir = xasprintf("%s/secrets", state_dir);
    char *path = xasprintf("%s/%s", dir, name);
    char buf[160];
    char *val = NULL;
    int fd;
    ssize_t n;

    mkdir(state_dir, 0755);
    mkdir(dir, 0700);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n >= 32) {
            buf[n] = '\0';
            buf[strcspn(buf, "\r\n")] = '\0';
            val = xstrdup(buf);
            goto out;
        }
    }
    if (random_hex(buf, 32) != 0) {
        snprintf(errbuf, errlen, "cannot read /dev/urandom");
        goto out;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        /* Another process created it first: use theirs. */
        free(dir);
        free(path);
        return dev_secret(state_dir, name, errbuf, errlen);
    }
    if (fd < 0 || write(fd, buf, 64) != 64) {
        snprintf(errbuf, errlen, "cannot write secret %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    close(fd);
    val = xstrdup(buf);
out:
    free(dir);
    free(path);
    return val;
}

int config_load(struct fc_config *cfg, char *errbuf, unsigned errlen)
{
    return config_load_opts(cfg, 0, errbuf, errlen);
}

int config_load_opts(struct fc_config *cfg, unsigned flags, char *errbuf, unsigned errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NTABLE; i++) {
        const struct centry *e = &table[i];
        const char *v = getenv(e->env);

        if (e->type == C_INT) {
            char *end;
            long n;

            if (!v || !*v)
                v = e->def;
            errno = 0;
            n = strtol(v, &end, 10);
            if (errno || *end || end == v || n < e->min || n > e->max) {
                snprintf(errbuf, errlen, "%s=%s: expected an integer in [%ld, %ld]", e->env, v,
                         e->min, e->max);
                config_release(cfg);
                return FC_EINVAL;
            }
            *int_field(cfg, e) = (int)n;
        } else {
            *str_field(cfg, e) = xstrdup(v ? v : e->def);
        }
    }
    for (size_t i = 0; i < NTABLE; i++) {
        const struct centry *e = &table[i];
        char **f = str_field(cfg, e);
        char name[64];

        if (e->type != C_SECRET || **f || (flags & CONFIG_NO_SECRETS))
            continue;
        if (config_is_production(cfg)) {
            snprintf(errbuf, errlen, "%s is required when FINCHAT_ENV=production", e->env);
            config_release(cfg);
            return FC_EINVAL;
        }
        snprintf(name, sizeof(name), "%s", e->env + strlen("FINCHAT_"));
        for (char *p = name; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        free(*f);
        *f = dev_secret(cfg->state_dir, name, errbuf, errlen);
        if (!*f) {
            config_release(cfg);
            return FC_EIO;
        }
    }
    if (*cfg->test_now && config_is_production(cfg)) {
        snprintf(errbuf, errlen, "FINCHAT_TEST_NOW is refused when FINCHAT_ENV=production");
        config_release(cfg);
        return FC_EINVAL;
    }
    if (*cfg->test_now && clock_parse_rfc3339(cfg->test_now, &cfg->test_now_ms)) {
        snprintf(errbuf, errlen, "FINCHAT_TEST_NOW=%s: expected an RFC 3339 time like %s",
                 cfg->test_now, "2026-11-30T20:00:00-08:00");
        config_release(cfg);
        return FC_EINVAL;
    }
    if (flags & CONFIG_NO_SECRETS)
        return 0;
    if (strlen(cfg->jwt_secret) < 32) {
        snprintf(errbuf, errlen, "FINCHAT_JWT_SECRET must be at least 32 characters");
        config_release(cfg);
        return FC_EINVAL;
    }
    if (strlen(cfg->data_key) != 64 || strspn(cfg->data_key, "0123456789abcdefABCDEF") != 64) {
        snprintf(errbuf, errlen, "FINCHAT_DATA_KEY must be 64 hex characters (32 bytes)");
        config_release(cfg);
        return FC_EINVAL;
    }
    return 0;
}

void config_release(struct fc_config *cfg)
{
    for (size_t i = 0; i < NTABLE; i++) {
        if (table[i].type != C_INT) {
            char **f = str_field(cfg, &table[i]);

            free(*f);
            *f = NULL;
        }
    }
}

void config_print_markdown(FILE *out)
{
    fprintf(out, "| variable | default | description |\n| --- | --- | --- |\n");
    for (size_t i = 0; i < NTABLE; i++) {
        const struct centry *e = &table[i];
        const char *def = e->type == C_SECRET ? "(generated in development)" : e->def;

        fprintf(out, "| `%s` | %s%s%s | %s |\n", e->env, *def ? "`" : "", *def ? def : "(unset)",
                *def ? "`" : "", e->doc);
    }
}

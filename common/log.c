/* log.c - JSON-line logging. */
#include "log.h"

#include "clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *log_svc = "finchat";
static int log_min = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *svc, int level)
{
    const char *env;

    log_svc = svc;
    if (level >= 0) {
        log_min = level;
        return;
    }
    env = getenv("FINCHAT_LOG_LEVEL");
    if (!env)
        return;
    for (int i = 0; i < 4; i++)
        if (strcmp(env, level_names[i]) == 0)
            log_min = i;
}

void log_json_escape(char *out, unsigned cap, unsigned *pos, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    unsigned p = *pos;

    for (; *s && p + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            out[p++] = '\\';
            out[p++] = (char)c;
        } else if (c == '\n') {
            out[p++] = '\\';
            out[p++] = 'n';
        } else if (c < 0x20) {
            memcpy(out + p, "\\u00", 4);
            p += 4;
            out[p++] = hex[c >> 4];
            out[p++] = hex[c & 15];
        } else {
            out[p++] = (char)c;
        }
    }
    out[p] = '\0';
    *pos = p;
}

static void put(char *out, unsigned cap, unsigned *pos, const char *s)
{
    size_t n = strlen(s);

    if (*pos + n + 1 >= cap)
        n = cap > *pos + 1 ? cap - *pos - 1 : 0;
    memcpy(out + *pos, s, n);
    *pos += (unsigned)n;
    out[*pos] = '\0';
}

void log_emit(enum log_level lvl, const char *request_id, const char *trace_id,
              const char *extra_json, const char *fmt, ...)
{
    char line[4096], msg[2048], ts[32];
    unsigned pos = 0;
    va_list ap;

    if ((int)lvl < log_min)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    clock_rfc3339(clock_wall_ms(), ts, sizeof(ts));

    put(line, sizeof(line) - 2, &pos, "{\"ts\":\"");
    put(line, sizeof(line) - 2, &pos, ts);
    put(line, sizeof(line) - 2, &pos, "\",\"level\":\"");
    put(line, sizeof(line) - 2, &pos, level_names[lvl]);
    put(line, sizeof(line) - 2, &pos, "\",\"svc\":\"");
    log_json_escape(line, sizeof(line) - 2, &pos, log_svc);
    put(line, sizeof(line) - 2, &pos, "\",\"msg\":\"");
    log_json_escape(line, sizeof(line) - 2, &pos, msg);
    put(line, sizeof(line) - 2, &pos, "\"");
    if (request_id) {
        put(line, sizeof(line) - 2, &pos, ",\"request_id\":\"");
        log_json_escape(line, sizeof(line) - 2, &pos, request_id);
        put(line, sizeof(line) - 2, &pos, "\"");
    }
    if (trace_id) {
        put(line, sizeof(line) - 2, &pos, ",\"trace_id\":\"");
        log_json_escape(line, sizeof(line) - 2, &pos, trace_id);
        put(line, sizeof(line) - 2, &pos, "\"");
    }
    if (extra_json)
        put(line, sizeof(line) - 2, &pos, extra_json);
    line[pos++] = '}';
    line[pos++] = '\n';
    if (write(STDERR_FILENO, line, pos) < 0) {
        /* Nothing sensible to do when stderr is gone. */
    }
}

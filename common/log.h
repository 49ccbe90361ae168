/* log.h - JSON-line logging to stderr: one object per line, written with one write(2).
 *
 * Lines carry ts, level, svc, msg, and request_id / trace_id when given.
 * Thread-safe: each line is formatted in a local buffer. Never pass secrets. */
#ifndef FINCHAT_LOG_H
#define FINCHAT_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the service name and the minimum level (from FINCHAT_LOG_LEVEL if @level < 0). */
void log_init(const char *svc, int level);

/* Logs @fmt. @request_id and @trace_id may be NULL. Extra fields: pass a pre-encoded
 * JSON fragment (",\"k\":1") as @extra_json or NULL. */
void log_emit(enum log_level lvl, const char *request_id, const char *trace_id,
              const char *extra_json, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_debug(...) log_emit(LOG_DEBUG, NULL, NULL, NULL, __VA_ARGS__)
#define log_info(...) log_emit(LOG_INFO, NULL, NULL, NULL, __VA_ARGS__)
#define log_warn(...) log_emit(LOG_WARN, NULL, NULL, NULL, __VA_ARGS__)
#define log_error(...) log_emit(LOG_ERROR, NULL, NULL, NULL, __VA_ARGS__)

/* Appends @s JSON-escaped (without quotes) into @out of @cap bytes starting at *@pos; never
 * overflows, truncates silently. Shared by anything that hand-builds JSON text. */
void log_json_escape(char *out, unsigned cap, unsigned *pos, const char *s);

#endif

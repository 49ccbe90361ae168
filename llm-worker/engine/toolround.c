/* toolround.c - a model round's tool calls, from deltas to plans and turns. */
#include "llm-worker/engine/toolround.h"

#include "err.h"
#include "toolcat.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

void toolround_init(struct toolround *r)
{
    memset(r, 0, sizeof(*r));
    strbuf_init(&r->text, 0);
}

void toolround_release(struct toolround *r)
{
    for (int i = 0; i < r->n; i++) {
        strbuf_release(&r->calls[i].id);
        strbuf_release(&r->calls[i].name);
        strbuf_release(&r->calls[i].args);
    }
    strbuf_release(&r->text);
    toolround_init(r);
}

void toolround_add_text(struct toolround *r, const char *s, size_t len)
{
    strbuf_add(&r->text, s, len);
}

/* Appends at most what keeps @sb within @max bytes. */
static void add_capped(struct strbuf *sb, const char *s, size_t len, size_t max)
{
    if (!s || sb->len >= max)
        return;
    strbuf_add(sb, s, len < max - sb->len ? len : max - sb->len);
}

int toolround_add_piece(struct toolround *r, const struct provider_delta *d, char *err,
                        unsigned errlen)
{
    struct toolround_call *c = NULL;

    for (int i = 0; i < r->n && !c; i++)
        if (r->calls[i].index == d->tool_index)
            c = &r->calls[i];
    if (!c) {
        if (r->n == TOOLROUND_CALLS_MAX) {
            snprintf(err, errlen, "more than %d tool calls in one round", TOOLROUND_CALLS_MAX);
            return FC_ETOOBIG;
        }
        c = &r->calls[r->n++];
        c->index = d->tool_index;
        strbuf_init(&c->id, 0);
        strbuf_init(&c->name, 0);
        strbuf_init(&c->args, 0);
    }
    add_capped(&c->id, d->tool_id, d->tool_id_len, TOOLROUND_ID_MAX);
    add_capped(&c->name, d->tool_name, d->tool_name_len, TOOLROUND_NAME_MAX);
    if (d->tool_args && d->tool_args_len) {
        if (c->args.len + d->tool_args_len > TOOLROUND_ARGS_MAX) {
            snprintf(err, errlen, "tool call arguments beyond %d bytes", TOOLROUND_ARGS_MAX);
            return FC_ETOOBIG;
        }
        strbuf_add(&c->args, d->tool_args, d->tool_args_len);
    }
    return 0;
}

/* A JSON string of @len bytes of @s, invalid UTF-8 replaced (a model may send anything). */
static json_t *jstr(const char *s, size_t len)
{
    size_t n;
    char *clean = utf8_sanitize(s ? s : "", s ? len : 0, &n);
    json_t *v = json_stringn(clean, n);

    free(clean);
    return v;
}

int toolround_add_call(struct toolround *r, int index, const char *id, const char *name,
                       const char *args, char *err, unsigned errlen)
{
    struct provider_delta d;

    provider_delta_init(&d);
    d.tool_index = index;
    d.tool_id = id;
    d.tool_id_len = id ? strlen(id) : 0;
    d.tool_name = name;
    d.tool_name_len = name ? strlen(name) : 0;
    d.tool_args = args;
    d.tool_args_len = args ? strlen(args) : 0;
    return toolround_add_piece(r, &d, err, errlen);
}

json_t *toolround_error(const char *msg, const char *hint)
{
    return json_pack("{s:s, s:s}", "error", msg, "hint", hint ? hint : "");
}

static bool is_code(const char *s)
{
    if (!*s || *s < 'a' || *s > 'z')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static bool id_taken(const struct toolround_plan *plans, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (strcmp(plans[i].id, id) == 0)
            return true;
    return false;
}

/* Fills @p's id: the provider's when it has one (printable ASCII), else call_<round>_<i>;
 * unique among @p's predecessors. */
static void plan_id(struct toolround_plan *plans, int i, const struct toolround_call *c, int round)
{
    struct toolround_plan *p = &plans[i];
    bool ok = c->id.len > 0;

    for (size_t k = 0; k < c->id.len; k++)
        ok = ok && c->id.buf[k] > 0x20 && c->id.buf[k] < 0x7f;
    if (ok)
        snprintf(p->id, sizeof(p->id), "%s", c->id.buf);
    else
        snprintf(p->id, sizeof(p->id), "call_%d_%d", round, i + 1);
    for (int n = 2; id_taken(plans, i, p->id); n++)
        snprintf(p->id, sizeof(p->id), "call_%d_%d_%d", round, i + 1, n);
}

static char *tool_names(void)
{
    struct strbuf sb = STRBUF_INIT;

    for (int i = 0; i < toolcat_count(); i++)
        strbuf_addf(&sb, "%s%s", i ? ", " : "", toolcat_name(i));
    return strbuf_detach(&sb, NULL);
}

/* Decides whether call @c runs: fills p->args and p->error. */
static void plan_check(struct toolround_plan *p, const struct toolround_call *c)
{
    const char *text = c->args.len ? c->args.buf : "{}";
    json_error_t jerr;
    char why[200], msg[320];
    json_t *args;

    snprintf(p->name, sizeof(p->name), "%s", is_code(c->name.buf) ? c->name.buf : "invalid_name");
    args = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    p->args = json_is_object(args) ? json_incref(args) : json_object();
    if (!toolcat_get(c->name.buf)) {
        char *names = tool_names();

        snprintf(msg, sizeof(msg), "unknown tool \"%s\"", p->name);
        p->error = toolround_error(msg, names);
        free(names);
    } else if (!args) {
        snprintf(msg, sizeof(msg), "the arguments are not valid JSON: %s", jerr.text);
        p->error = toolround_error(msg, "send the arguments as one JSON object");
    } else if (!json_is_object(args)) {
        p->error = toolround_error("the arguments are not a JSON object",
                                   "send the arguments as one JSON object");
    } else if (toolcat_validate(c->name.buf, args, why, sizeof(why)) != 0) {
        snprintf(msg, sizeof(msg), "invalid arguments: %s", why);
        p->error = toolround_error(msg, "check the tool's parameters schema");
    }
    json_decref(args);
}

json_t *toolround_finish(struct toolround *r, int round, struct toolround_plan *plans)
{
    json_t *calls = json_array();

    for (int i = 0; i < r->n; i++) {
        const struct toolround_call *c = &r->calls[i];
        struct toolround_plan *p = &plans[i];

        memset(p, 0, sizeof(*p));
        plan_id(plans, i, c, round);
        plan_check(p, c);
        json_array_append_new(calls, json_pack("{s:s, s:o, s:O, s:o}", "id", p->id, "name",
                                               jstr(c->name.buf, c->name.len), "arguments", p->args,
                                               "arguments_text", jstr(c->args.buf, c->args.len)));
    }
    return json_pack("{s:s, s:o, s:o}", "role", "assistant", "content",
                     jstr(r->text.buf, r->text.len), "calls", calls);
}

void toolround_plan_release(struct toolround_plan *p)
{
    json_decref(p->args);
    json_decref(p->error);
    p->args = p->error = NULL;
}

json_t *toolround_result_turn(const char *id, const char *name, const json_t *result, bool is_error)
{
    char *text = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *turn;

    if (text && strlen(text) > TOOLROUND_CONTENT_MAX) {
        json_t *e = toolround_error("the result is too large to read",
                                    "ask for less: a smaller limit, a shorter period or more "
                                    "filters");

        free(text);
        text = json_dumps(e, JSON_COMPACT);
        json_decref(e);
        is_error = true;
    }
    turn = json_pack("{s:s, s:s, s:s, s:s, s:b}", "role", "tool", "id", id, "name", name, "content",
                     text ? text : "null", "is_error", is_error);
    free(text);
    return turn;
}

/* golden.h - the golden documents of proto/golden/ for unit tests, and the schema check of
 * the documents a test built (proto/MONGO.md).
 *
 * Paths are relative to the repository root, where `make unit` runs the tests. A document
 * is checked by tests/proto/check-golden.sh --validate (Python's jsonschema, the validator
 * that checks the goldens themselves), whose report is shown only when it fails. */
#ifndef FINCHAT_TEST_GOLDEN_H
#define FINCHAT_TEST_GOLDEN_H

#include <bson/bson.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GOLDEN_DIR "proto/golden/"

/* The golden file @name (e.g. "mongo/messages/valid-user.json") parsed by jansson; NULL
 * with a message on stderr when it cannot be read. */
static inline json_t *golden_json(const char *name)
{
    char path[1024];
    json_error_t err;
    json_t *v;

    snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
    v = json_load_file(path, 0, &err);
    if (!v)
        fprintf(stderr, "golden: %s: %s (line %d)\n", path, err.text, err.line);
    return v;
}

/* The golden file @name as the BSON document MongoDB would hold: its relaxed Extended JSON
 * parsed by libbson ({"$date": ...} becomes a date). NULL with a message on stderr. */
static inline bson_t *golden_bson(const char *name)
{
    json_t *v = golden_json(name);
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    bson_error_t err;
    bson_t *b = text ? bson_new_from_json((const uint8_t *)text, -1, &err) : NULL;

    if (text && !b)
        fprintf(stderr, "golden: %s: not BSON: %s\n", name, err.message);
    free(text);
    json_decref(v);
    return b;
}

/* Writes @doc as relaxed Extended JSON to a new temporary file, whose name goes to @path
 * (at least 40 bytes). False when it cannot. */
static inline bool golden_write_tmp(const bson_t *doc, char *path)
{
    size_t len;
    char *text;
    int fd;
    bool ok;

    snprintf(path, 40, "/tmp/finchat-golden-XXXXXX.json");
    fd = mkstemps(path, 5);
    if (fd < 0)
        return false;
    text = bson_as_relaxed_extended_json(doc, &len);
    ok = text && write(fd, text, len) == (ssize_t)len;
    close(fd);
    bson_free(text);
    return ok;
}

/* Whether each of the @n documents @docs, as relaxed Extended JSON, validates against
 * proto/@schema.schema.json (@schema e.g. "mongo.messages"). One validator run for all. */
static inline bool golden_validates(const char *schema, const bson_t *const *docs, size_t n)
{
    char paths[16][40] = {{0}}, cmd[1024], line[1024];
    size_t used;
    bool ok = n > 0 && n <= 16;
    FILE *out = NULL;

    used = (size_t)snprintf(cmd, sizeof(cmd), "tests/proto/check-golden.sh --validate %s", schema);
    for (size_t i = 0; ok && i < n; i++) {
        ok = golden_write_tmp(docs[i], paths[i]);
        used += (size_t)snprintf(cmd + used, sizeof(cmd) - used, " %s", paths[i]);
    }
    if (ok && used + 8 < sizeof(cmd)) {
        snprintf(cmd + used, sizeof(cmd) - used, " 2>&1");
        out = popen(cmd, "r");
    }
    if (!out)
        ok = false;
    /* The validator's "ok -" lines are not the test's: shown only for a failure. */
    while (out && fgets(line, sizeof(line), out))
        if (strncmp(line, "ok - ", 5) != 0)
            fprintf(stderr, "golden: %s", line);
    if (out && pclose(out) != 0)
        ok = false;
    /* The documents of a failure are left for a look. */
    for (size_t i = 0; ok && i < n; i++)
        unlink(paths[i]);
    return ok;
}

#endif

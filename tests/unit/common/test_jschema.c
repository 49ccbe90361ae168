/* test_jschema.c - the JSON Schema subset of tool arguments: each keyword accepting and
 * refusing, the messages naming the argument, and schemas the checker cannot read. */
#include "test.h"

#include "err.h"
#include "jschema.h"

#include <jansson.h>

static char err[256];

/* Validates JSON text @value against JSON text @schema; returns jschema_validate()'s result
 * (its message in err), or 99 when a text does not parse. */
static int run(const char *schema, const char *value)
{
    json_t *s = json_loads(schema, JSON_DECODE_ANY, NULL);
    json_t *v = json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    int rc = s && v ? jschema_validate(s, v, err, sizeof(err)) : 99;

    json_decref(s);
    json_decref(v);
    return rc;
}

/* @value passes @schema and the error text is left empty. */
static void check_ok(const char *schema, const char *value)
{
    snprintf(err, sizeof(err), "stale");
    CHECK_EQ_INT(run(schema, value), 0);
    CHECK_EQ_STR(err, "");
}

/* @value fails @schema with exactly @msg. */
static void check_fail(const char *schema, const char *value, const char *msg)
{
    CHECK_EQ_INT(run(schema, value), FC_EINVAL);
    CHECK_EQ_STR(err, msg);
}

static void test_types(void)
{
    check_ok("{\"type\":\"string\"}", "\"x\"");
    check_ok("{\"type\":\"object\"}", "{}");
    check_ok("{\"type\":\"array\"}", "[]");
    check_ok("{\"type\":\"boolean\"}", "false");
    check_ok("{\"type\":\"null\"}", "null");
    check_fail("{\"type\":\"string\"}", "1", "(arguments): must be a string");
    check_fail("{\"type\":\"object\"}", "[]", "(arguments): must be an object");
    check_fail("{\"type\":\"array\"}", "{}", "(arguments): must be an array");
    check_fail("{\"type\":\"boolean\"}", "0", "(arguments): must be a boolean");
    check_fail("{\"type\":\"null\"}", "false", "(arguments): must be null");
    /* A list of types: any of them. */
    check_ok("{\"type\":[\"string\",\"null\"]}", "null");
    check_ok("{\"type\":[\"string\",\"null\"]}", "\"a\"");
    check_fail("{\"type\":[\"string\",\"null\"]}", "3", "(arguments): must be a string or null");
    /* No type: any value. */
    check_ok("{}", "3");
    check_ok("{\"description\":\"anything\"}", "[1,{}]");
}

/* An integer is a number without a fractional part, written either way; 6.5 is not one. */
static void test_integers_and_numbers(void)
{
    const char *i = "{\"type\":\"integer\"}", *n = "{\"type\":\"number\"}";

    check_ok(i, "6");
    check_ok(i, "-6");
    check_ok(i, "6.0");
    check_ok(i, "1e3");
    check_fail(i, "6.5", "(arguments): must be an integer");
    check_fail(i, "-0.25", "(arguments): must be an integer");
    check_fail(i, "\"6\"", "(arguments): must be an integer");
    check_fail(i, "true", "(arguments): must be an integer");
    check_fail(i, "null", "(arguments): must be an integer");
    check_ok(n, "6");
    check_ok(n, "6.5");
    check_ok(n, "-1e-3");
    check_fail(n, "\"6.5\"", "(arguments): must be a number");
    check_fail(n, "false", "(arguments): must be a number");
}

static void test_minimum_maximum(void)
{
    const char *limit = "{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\","
                        "\"minimum\":1,\"maximum\":200}}}";
    const char *pct = "{\"type\":\"number\",\"minimum\":-0.5,\"maximum\":99.75}";

    check_ok(limit, "{\"limit\":1}");
    check_ok(limit, "{\"limit\":200}");
    check_ok(limit, "{\"limit\":200.0}");
    check_fail(limit, "{\"limit\":201}", "limit: must be at most 200");
    check_fail(limit, "{\"limit\":200.5}", "limit: must be an integer");
    check_fail(limit, "{\"limit\":0}", "limit: must be at least 1");
    check_fail(limit, "{\"limit\":-9223372036854775807}", "limit: must be at least 1");
    check_fail(limit, "{\"limit\":1e300}", "limit: must be at most 200");
    check_ok(pct, "-0.5");
    check_ok(pct, "99.75");
    check_ok(pct, "0");
    check_fail(pct, "-0.51", "(arguments): must be at least -0.5");
    check_fail(pct, "100", "(arguments): must be at most 99.75");
    /* Integers compare exactly, beyond the 53 bits of a double. */
    check_ok("{\"maximum\":9007199254740993}", "9007199254740993");
    check_fail("{\"maximum\":9007199254740992}", "9007199254740993",
               "(arguments): must be at most 9007199254740992");
    /* Bounds say nothing about other types. */
    check_ok("{\"minimum\":5}", "\"3\"");
}

/* Lengths count code points, not bytes. */
static void test_lengths(void)
{
    const char *s = "{\"type\":\"string\",\"minLength\":1,\"maxLength\":3}";

    check_ok(s, "\"a\"");
    check_ok(s, "\"abc\"");
    check_ok(s, "\"\\u00e9\\u00e9\\u00e9\"");        /* 3 characters, 6 bytes */
    check_ok(s, "\"\\ud83d\\udcb6\\ud83d\\udcb6\""); /* 2 characters, 8 bytes */
    check_fail(s, "\"\"", "(arguments): must be at least 1 character long");
    check_fail(s, "\"abcd\"", "(arguments): must be at most 3 characters long");
    check_fail(s, "\"\\u00e9\\u00e9\\u00e9\\u00e9\"",
               "(arguments): must be at most 3 characters long");
    check_fail("{\"minLength\":2}", "\"a\"", "(arguments): must be at least 2 characters long");
    check_fail("{\"maxLength\":1}", "\"ab\"", "(arguments): must be at most 1 character long");
    /* Lengths say nothing about other types. */
    check_ok("{\"maxLength\":1}", "12345");
}

static void test_pattern(void)
{
    const char *month = "{\"type\":\"object\",\"properties\":{\"month\":{\"type\":\"string\","
                        "\"pattern\":\"^[0-9]{4}-(0[1-9]|1[0-2])$\"}}}";

    check_ok(month, "{\"month\":\"2026-11\"}");
    check_fail(month, "{\"month\":\"2026-13\"}", "month: does not match the expected form");
    check_fail(month, "{\"month\":\"2026-1\"}", "month: does not match the expected form");
    check_fail(month, "{\"month\":\" 2026-11\"}", "month: does not match the expected form");
    check_fail(month, "{\"month\":202611}", "month: must be a string");
    /* regexec() would stop at U+0000 and see only "2026-11". */
    check_fail(month, "{\"month\":\"2026-11\\u0000; drop\"}",
               "month: does not match the expected form");
    /* Unanchored patterns match anywhere, as in JSON Schema. */
    check_ok("{\"pattern\":\"b+\"}", "\"abbc\"");
    check_fail("{\"pattern\":\"b+\"}", "\"ac\"", "(arguments): does not match the expected form");
    check_ok("{\"pattern\":\"b+\"}", "7");
}

static void test_enum_const(void)
{
    const char *type = "{\"type\":\"object\",\"properties\":{\"type\":{\"enum\":[\"income\","
                       "\"expense\",\"transfer\"]}}}";

    check_ok(type, "{\"type\":\"income\"}");
    check_ok(type, "{\"type\":\"transfer\"}");
    check_fail(type, "{\"type\":\"Income\"}", "type: must be one of income, expense, transfer");
    check_fail(type, "{\"type\":1}", "type: must be one of income, expense, transfer");
    check_ok("{\"enum\":[1,null,[2]]}", "null");
    check_ok("{\"enum\":[1,null,[2]]}", "[2]");
    check_fail("{\"enum\":[1,null,[2]]}", "2", "(arguments): must be one of 1, null, [2]");
    check_ok("{\"const\":\"v1\"}", "\"v1\"");
    check_fail("{\"const\":\"v1\"}", "\"v2\"", "(arguments): must be v1");
    check_fail("{\"const\":{\"a\":1}}", "{\"a\":2}", "(arguments): must be {\"a\":1}");
}

static void test_objects(void)
{
    const char *closed = "{\"type\":\"object\",\"additionalProperties\":false,\"required\":["
                         "\"month\"],\"properties\":{\"month\":{\"type\":\"string\"},\"n\":{"
                         "\"type\":\"integer\"}}}";
    const char *typed = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
                        "\"additionalProperties\":{\"type\":\"integer\"}}";

    check_ok(closed, "{\"month\":\"x\"}");
    check_ok(closed, "{\"month\":\"x\",\"n\":2}");
    check_fail(closed, "{}", "month: is required");
    check_fail(closed, "{\"month\":\"x\",\"foo\":1}", "foo: unknown argument");
    check_fail(closed, "{\"month\":\"x\",\"n\":\"2\"}", "n: must be an integer");
    check_fail(closed, "[]", "(arguments): must be an object");
    check_fail(closed, "\"month\"", "(arguments): must be an object");
    /* Open objects take any other member; a schema checks the others. */
    check_ok("{\"type\":\"object\",\"properties\":{}}", "{\"anything\":[1]}");
    check_ok(typed, "{\"a\":\"s\",\"b\":3}");
    check_fail(typed, "{\"a\":\"s\",\"b\":\"3\"}", "b: must be an integer");
    check_fail(typed, "{\"a\":3}", "a: must be a string");
    /* Nested places are named in full. */
    check_fail("{\"properties\":{\"filter\":{\"required\":[\"month\"]}}}", "{\"filter\":{}}",
               "filter.month: is required");
    check_fail("{\"properties\":{\"filter\":{\"additionalProperties\":false}}}",
               "{\"filter\":{\"x\":1}}", "filter.x: unknown argument");
    /* Boolean schemas. */
    check_ok("true", "{\"x\":1}");
    check_fail("false", "1", "(arguments): not allowed");
    check_fail("{\"properties\":{\"x\":false}}", "{\"x\":1}", "x: not allowed");
}

static void test_arrays(void)
{
    const char *tags = "{\"properties\":{\"tags\":{\"type\":\"array\",\"maxItems\":2,\"items\":"
                       "{\"type\":\"string\",\"minLength\":1}}}}";

    check_ok(tags, "{\"tags\":[]}");
    check_ok(tags, "{\"tags\":[\"a\",\"b\"]}");
    check_fail(tags, "{\"tags\":[\"a\",\"b\",\"c\"]}", "tags: must have at most 2 items");
    check_fail(tags, "{\"tags\":[\"a\",3]}", "tags[1]: must be a string");
    check_fail(tags, "{\"tags\":[\"\"]}", "tags[0]: must be at least 1 character long");
    check_fail("{\"maxItems\":1}", "[1,2]", "(arguments): must have at most 1 item");
    check_fail("{\"items\":{\"properties\":{\"a\":{\"type\":\"null\"}}}}",
               "[{\"a\":null},{\"a\":1}]", "[1].a: must be null");
}

/* A schema this module cannot read is an error of its own, never a pass. */
static void test_bad_schemas(void)
{
    json_t *v = json_object();

    check_fail("{\"$ref\":\"#/$defs/period\"}", "\"x\"", "schema: $ref not inlined at (arguments)");
    check_fail("{\"properties\":{\"p\":{\"$ref\":\"#/$defs/period\"}}}", "{\"p\":1}",
               "schema: $ref not inlined at p");
    check_fail("{\"type\":\"text\"}", "\"x\"", "schema: bad type at (arguments)");
    check_fail("{\"type\":[]}", "\"x\"", "schema: empty type at (arguments)");
    check_fail("{\"type\":7}", "\"x\"", "schema: bad type at (arguments)");
    check_fail("{\"properties\":{\"a\":3}}", "{\"a\":1}", "schema: not a schema at a");
    check_fail("{\"properties\":[]}", "{}", "schema: bad properties at (arguments)");
    check_fail("{\"minLength\":-1}", "\"x\"", "schema: bad minLength at (arguments)");
    check_fail("{\"maxLength\":\"3\"}", "\"x\"", "schema: bad maxLength at (arguments)");
    check_fail("{\"maximum\":\"3\"}", "3", "schema: bad minimum or maximum at (arguments)");
    check_fail("{\"maxItems\":1.5}", "[]", "schema: bad maxItems at (arguments)");
    check_fail("{\"enum\":[]}", "1", "schema: bad enum at (arguments)");
    check_fail("{\"enum\":\"a\"}", "\"a\"", "schema: bad enum at (arguments)");
    check_fail("{\"required\":\"a\"}", "{}", "schema: bad required at (arguments)");
    check_fail("{\"required\":[1]}", "{}", "schema: bad required at (arguments)");
    check_fail("{\"pattern\":\"([\"}", "\"x\"", "schema: bad pattern at (arguments)");
    CHECK_EQ_INT(jschema_validate(NULL, v, err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_STR(err, "schema: missing");
    CHECK_EQ_INT(jschema_validate(v, NULL, err, sizeof(err)), FC_EINVAL);
    CHECK_EQ_STR(err, "(arguments): missing");
    json_decref(v);
}

/* The message is cut to the buffer at a character boundary; no buffer is fine too. */
static void test_error_buffer(void)
{
    json_t *s = json_loads("{\"additionalProperties\":false}", 0, NULL);
    json_t *v = json_loads("{\"\\u00e9\\u00e9\\u00e9\":1}", 0, NULL);
    json_t *big = json_object();
    char small[6], key[1000];

    CHECK_EQ_INT(jschema_validate(s, v, small, sizeof(small)), FC_EINVAL);
    CHECK_EQ_STR(small, "\xc3\xa9\xc3\xa9"); /* "ééé: unknown argument" cut to 5 bytes */
    CHECK_EQ_INT(jschema_validate(s, v, NULL, 0), FC_EINVAL);
    /* A very long unknown name is cut in the message, never beyond the buffer. */
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    json_object_set_new(big, key, json_true());
    CHECK_EQ_INT(jschema_validate(s, big, err, sizeof(err)), FC_EINVAL);
    CHECK(strlen(err) < sizeof(err));
    CHECK(strstr(err, ": unknown argument") != NULL);
    json_decref(big);
    json_decref(s);
    json_decref(v);
}

TEST_MAIN(test_types, test_integers_and_numbers, test_minimum_maximum, test_lengths, test_pattern,
          test_enum_const, test_objects, test_arrays, test_bad_schemas, test_error_buffer)

/* test.h - a minimal assertion header for unit tests.
 *
 * A test file defines test functions, lists them with TEST_MAIN(...) and exits non-zero
 * when any check failed. Output: one line per failed check, then "unit: <file> N checks, M failed".
 */
#ifndef FINCHAT_TEST_H
#define FINCHAT_TEST_H

#include <stdio.h>
#include <string.h>

static int t_checks, t_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        t_checks++;                                                                                \
        if (!(cond)) {                                                                             \
            t_failed++;                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long t_a = (long long)(a), t_b = (long long)(b);                                      \
        t_checks++;                                                                                \
        if (t_a != t_b) {                                                                          \
            t_failed++;                                                                            \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b,  \
                    t_a, t_b);                                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *t_a = (a), *t_b = (b);                                                         \
        t_checks++;                                                                                \
        if (!t_a || !t_b || strcmp(t_a, t_b) != 0) {                                               \
            t_failed++;                                                                            \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a,  \
                    #b, t_a ? t_a : "(null)", t_b ? t_b : "(null)");                               \
        }                                                                                          \
    } while (0)

/* Skips a group of checks that cannot run here, saying why. It prints a TAP line
 * "ok - <file>: <what> # SKIP <why>", which the test runners count as skipped (never as
 * passed) and list at the end of `make test`. */
static int t_skipped;
#define TEST_SKIP(what, why)                                                                       \
    do {                                                                                           \
        t_skipped++;                                                                               \
        printf("ok - %s: %s # SKIP %s\n", __FILE__, (what), (why));                                \
    } while (0)

typedef void (*test_fn)(void);

static int test_run(const char *file, const test_fn *fns, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fns[i]();
    if (t_skipped)
        printf("unit: %s %d checks, %d failed, %d groups skipped\n", file, t_checks, t_failed,
               t_skipped);
    else
        printf("unit: %s %d checks, %d failed\n", file, t_checks, t_failed);
    return t_failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                                             \
    int main(void)                                                                                 \
    {                                                                                              \
        static const test_fn fns[] = {__VA_ARGS__};                                                \
        return test_run(__FILE__, fns, sizeof(fns) / sizeof(fns[0]));                              \
    }

#endif

/* Unit tests for router.c: exact paths, {param} captures, 404 vs 405. */
#include "test.h"
#include "api-gateway/http/router.h"

#include <stdlib.h>

static int h_dummy(struct api_req *req, struct api_resp *resp)
{
    (void)req;
    (void)resp;
    return 0;
}

static const struct api_route table[] = {
    {"GET", "/api/v1/transactions", h_dummy, 0},
    {"PATCH", "/api/v1/transactions/{id}", h_dummy, 0},
    {"POST", "/api/v1/insights/fraud-alerts/{id}/resolve", h_dummy, 0},
    {"GET", "/api/v1/a/{x}/b/{y}", h_dummy, 0},
    {NULL, NULL, NULL, 0},
};
static const struct api_route *const tables[] = {table, NULL};

static int match(const char *method, const char *path, const struct api_route **r, char **p, int *n)
{
    return router_match(tables, method, path, strlen(path), r, p, n);
}

static void free_params(char **p, int n)
{
    for (int i = 0; i < n; i++)
        free(p[i]);
}

static void test_exact_and_params(void)
{
    const struct api_route *r = NULL;
    char *p[API_MAX_PARAMS];
    int n = 0;

    CHECK_EQ_INT(match("GET", "/api/v1/transactions", &r, p, &n), ROUTER_MATCH);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(match("PATCH", "/api/v1/transactions/abc-1", &r, p, &n), ROUTER_MATCH);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(p[0], "abc-1");
    free_params(p, n);
    CHECK_EQ_INT(match("POST", "/api/v1/insights/fraud-alerts/77/resolve", &r, p, &n),
                 ROUTER_MATCH);
    CHECK_EQ_STR(p[0], "77");
    free_params(p, n);
    CHECK_EQ_INT(match("GET", "/api/v1/a/1/b/2", &r, p, &n), ROUTER_MATCH);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(p[1], "2");
    free_params(p, n);
}

static void test_misses(void)
{
    const struct api_route *r = NULL;
    char *p[API_MAX_PARAMS];
    int n = 0;

    CHECK_EQ_INT(match("DELETE", "/api/v1/transactions", &r, p, &n), ROUTER_METHOD_NOT_ALLOWED);
    CHECK_EQ_INT(match("GET", "/api/v1/transactions/", &r, p, &n), ROUTER_NOT_FOUND);
    CHECK_EQ_INT(match("PATCH", "/api/v1/transactions//", &r, p, &n), ROUTER_NOT_FOUND);
    CHECK_EQ_INT(match("PATCH", "/api/v1/transactions/a/b", &r, p, &n), ROUTER_NOT_FOUND);
    CHECK_EQ_INT(match("GET", "/api/v1/transactionsX", &r, p, &n), ROUTER_NOT_FOUND);
    CHECK_EQ_INT(match("GET", "", &r, p, &n), ROUTER_NOT_FOUND);
}

TEST_MAIN(test_exact_and_params, test_misses)

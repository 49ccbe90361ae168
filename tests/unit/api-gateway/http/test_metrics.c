/* test_metrics.c - the Prometheus rendering of the gateway's counters and histograms. */
#include "test.h"

#include "api-gateway/http/metrics.h"

#include <stdio.h>
#include <stdlib.h>

/* Many routes make a text far longer than the first allocation; every line must be there. */
static void test_render(void)
{
    char name[64], line[160], *txt;
    char *extra = malloc(20001);

    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "GET /api/v1/route-%03d", i);
        metrics_observe(metrics_route(name), 200 + (i % 3) * 100, 1000 + i);
    }
    metrics_add(M_KAFKA_PRODUCED, 7);
    memset(extra, 'x', 20000);
    extra[20000] = '\0';
    extra[19999] = '\n';
    txt = metrics_render(extra);
    CHECK(strstr(txt, "# TYPE finchat_kafka_produced_total counter\n"
                      "finchat_kafka_produced_total 7\n") != NULL);
    for (int i = 0; i < 100; i++) {
        snprintf(line, sizeof(line),
                 "finchat_http_requests_total{route=\"GET /api/v1/route-%03d\",code=\"%dxx\"} 1\n",
                 i, 2 + i % 3);
        if (!strstr(txt, line))
            CHECK(!"a route's request count is missing");
    }
    CHECK(strlen(txt) > 20000 + 100 * 100);
    CHECK(strcmp(txt + strlen(txt) - 20000, extra) == 0);
    free(txt);
    txt = metrics_render(NULL);
    CHECK(strstr(
              txt,
              "finchat_http_request_duration_seconds_count{route=\"GET /api/v1/route-099\"} 1\n") !=
          NULL);
    free(txt);
    free(extra);
}

TEST_MAIN(test_render)

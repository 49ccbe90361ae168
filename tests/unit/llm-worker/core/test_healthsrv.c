/* Unit tests for healthsrv.c's metrics rendering from a status snapshot. */
#include "test.h"
#include "llm-worker/core/healthsrv.h"

#include <stdlib.h>

static void test_metrics(void)
{
    json_t *st = json_loads(
        "{\"inflight\":3,\"consumed\":10,\"answered\":7,\"failed\":1,"
        "\"dlq\":0,\"handed_over\":4,\"providers\":[{\"name\":\"openai\",\"circuit\":\"open\","
        "\"answers\":5,\"failures\":4},{\"name\":\"analyst\",\"circuit\":"
        "\"closed\",\"answers\":2}]}",
        0, NULL);
    char *txt = healthsrv_metrics(st, true);

    CHECK(strstr(txt, "finchat_worker_ready 1\n") != NULL);
    CHECK(strstr(txt, "finchat_worker_inflight 3\n") != NULL);
    CHECK(strstr(txt, "finchat_worker_answered_total 7\n") != NULL);
    CHECK(strstr(txt, "finchat_worker_handed_over_total 4\n") != NULL);
    CHECK(strstr(txt, "finchat_worker_parked_total 0\n") != NULL);
    CHECK(strstr(txt, "finchat_provider_circuit_open{provider=\"openai\"} 1\n") != NULL);
    CHECK(strstr(txt, "finchat_provider_circuit_open{provider=\"analyst\"} 0\n") != NULL);
    CHECK(strstr(txt, "{provider=\"openai\",outcome=\"failure\"} 4\n") != NULL);
    free(txt);
    json_decref(st);
    txt = healthsrv_metrics(NULL, false);
    CHECK(strstr(txt, "finchat_worker_ready 0\n") != NULL);
    free(txt);
}

TEST_MAIN(test_metrics)

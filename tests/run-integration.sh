#!/usr/bin/env bash
# Runs tests/integration/NN-*.sh in order against the running stack (make up).
# 99-down.sh stops and restarts the stack, so it runs last. Each script has a time limit.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
for t in tests/integration/[0-9][0-9]-*.sh; do
    echo "# $t"
    limit="${FINCHAT_TEST_TIMEOUT:-600}"
    # The local LLM test compiles llama.cpp on a machine whose wheel cache is empty (tens of
    # minutes on 2 cores); with the cache it takes seconds.
    case "$t" in *-local-llm.sh) limit="${FINCHAT_LLM_TEST_TIMEOUT:-3600}" ;; esac
    tally "$t" timeout "$limit" bash "$t"
done
echo "integration: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

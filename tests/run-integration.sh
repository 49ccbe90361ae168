#!/usr/bin/env bash
# Runs tests/integration/NN-*.sh in order against the running stack (make up).
# 99-down.sh stops and restarts the stack, so it runs last. Each script has a time limit.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
for t in tests/integration/[0-9][0-9]-*.sh; do
    echo "# $t"
    tally "$t" timeout "${FINCHAT_TEST_TIMEOUT:-600}" bash "$t"
done
echo "integration: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]

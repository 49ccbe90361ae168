#!/usr/bin/env bash
# `make test`: every test the project has, on a machine that may have nothing yet.
#   1. installs dependencies and builds (binaries, web client)
#   2. static checks: clang-format, banned calls, README config table in sync
#   3. unit tests, plain and under AddressSanitizer+UBSan (checks that need PostgreSQL print
#      as skipped there and run in step 4, `make unit-pg`, once the stack is up), and the
#      self-tests of the tools the tests use (the mock LLM's scripted tool rounds)
#   4. brings the local stack up with test settings (services restarted so the settings
#      apply) and runs the integration tests, then the browser end-to-end tests
#   5. resets the demo user's data the tests changed (finchatctl seed-demo --reset)
#   6. stops the stack again if it was not running before (a stack that was up stays up,
#      with the test settings), so a finished run holds no ports and no processes
#   7. the fault suite (tests/fault/run.sh): stores and a gateway killed mid-answer, on a
#      private stack of its own ports that it stops again
# Prints the skipped checks (TAP "# SKIP") and one closing line "N passed, M failed,
# K skipped"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh
export FINCHAT_RATE_LIMIT=${FINCHAT_RATE_LIMIT:-100000}
export FINCHAT_AUTH_RATE_LIMIT=${FINCHAT_AUTH_RATE_LIMIT:-100000}
export FINCHAT_CHAT_RATE_LIMIT=${FINCHAT_CHAT_RATE_LIMIT:-100000}
export FINCHAT_ANALYST_PACE_MS=${FINCHAT_ANALYST_PACE_MS:-25}
t0=$(date +%s)
stack_was_up=0
if deploy/local/stack.sh status 2>/dev/null | grep -q ' ready$'; then stack_was_up=1; fi

if ! deploy/local/install-deps.sh; then
    echo "not ok - install dependencies"
    echo "0 passed, 1 failed"
    exit 1
fi
if ! make -s -j"$(nproc)" bins; then
    echo "not ok - build"
    echo "0 passed, 1 failed"
    exit 1
fi
tally "web build" make -s web
tally "format" tests/check-format.sh
tally "banned calls" tests/check-banned.sh
tally "config table" tests/check-config-doc.sh
tally "unit" make -s -j"$(nproc)" unit
tally "unit (asan+ubsan)" make -s -j"$(nproc)" asan
tally "web unit" tests/e2e/unit.sh
tally "golden messages" tests/proto/check-golden.sh
tally "mock LLM tool rounds" python3 tests/mockllm/test_tools.py
tally "fuzz (short)" env FUZZ_SECONDS="${FUZZ_SECONDS:-5}" tests/fuzz/run.sh

# Restart the services so they run with the test settings above.
deploy/local/services.sh down >/dev/null 2>&1 || true
if FINCHAT_SKIP_DEPS=1 FINCHAT_SKIP_BUILD=1 deploy/local/up.sh; then
    echo "ok - stack up"
    PASSED=$((PASSED + 1))
    tally "unit (with PostgreSQL)" make -s unit-pg
    tally "integration" tests/run-integration.sh
    if [ -x tests/e2e/run.sh ]; then
        tally "e2e" env E2E_SKIP_UNIT=1 tests/e2e/run.sh
    fi
    # The tests wrote into the demo user's data; a newcomer's `make demo` afterwards should
    # see the demo as on first start (tests/integration/98-demo-reset.py checks the reset).
    tally "demo data reset" build/bin/finchatctl seed-demo --reset
else
    echo "not ok - stack up"
    FAILED=$((FAILED + 1))
fi

if [ "$stack_was_up" = 0 ]; then
    deploy/local/down.sh >/dev/null 2>&1 || echo "# could not stop the local stack (make down)"
fi
tally "fault" env FINCHAT_SKIP_DEPS=1 tests/fault/run.sh
echo "# make test took $(( $(date +%s) - t0 ))s"
skipped_report
[ -n "$FAILED_NAMES" ] && echo "# failed:$FAILED_NAMES"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]

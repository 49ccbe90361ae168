# tests/lib.sh - helpers for the test runners: result counting and a uniform summary.
# Sourced; defines tally() which runs a command, echoes its output, and adds its
# `ok - ` / `not ok - ` lines (or its exit status when it prints none) to the totals.
# A line `ok - ... # SKIP reason` (TAP's directive) counts as skipped, not passed, and each
# skipped check is listed again at the end by skipped_report().
PASSED=${PASSED:-0}
SKIPPED=${SKIPPED:-0}
SKIPPED_LINES=${SKIPPED_LINES:-}
FAILED=${FAILED:-0}
FAILED_NAMES=${FAILED_NAMES:-}

tally() {
    local name=$1
    shift
    local out rc ok nok skip
    out=$(mktemp)
    set +e
    "$@" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    set -e
    ok=$(grep -cE '^ok( [0-9]+)? - ' "$out" || true)
    nok=$(grep -cE '^not ok( [0-9]+)? - ' "$out" || true)
    skip=$(grep -cE '^ok( [0-9]+)? - .*# SKIP' "$out" || true)
    if [ "$skip" -gt 0 ]; then
        ok=$((ok - skip))
        SKIPPED=$((SKIPPED + skip))
        SKIPPED_LINES="$SKIPPED_LINES$(grep -E '^ok( [0-9]+)? - .*# SKIP' "$out" | sed "s|^|  $name: |")
"
    fi
    rm -f "$out"
    if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ] && [ "$skip" -eq 0 ]; then
        if [ "$rc" -eq 0 ]; then ok=1; else nok=1; fi
    elif [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then
        nok=1
    fi
    PASSED=$((PASSED + ok))
    FAILED=$((FAILED + nok))
    if [ "$nok" -ne 0 ]; then
        FAILED_NAMES="$FAILED_NAMES $name"
        echo "FAILED: $name (exit $rc)"
    fi
}

# skipped_report: lists every skipped check of the run (nothing when none was skipped).
skipped_report() {
    [ "$SKIPPED" -eq 0 ] && return 0
    echo "# skipped ($SKIPPED):"
    printf '%s' "$SKIPPED_LINES"
}

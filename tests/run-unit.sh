#!/usr/bin/env bash
# Runs each unit-test binary given as an argument; prints ok/not ok per binary.
set -uo pipefail
fail=0
for t in "$@"; do
    if "$t"; then
        echo "ok - unit $(basename "$t")"
    else
        echo "not ok - unit $(basename "$t")"
        fail=1
    fi
done
exit $fail

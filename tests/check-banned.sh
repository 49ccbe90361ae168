#!/usr/bin/env bash
# Fails when C sources call functions STYLE.md bans (unbounded or unsafe string handling).
set -euo pipefail
cd "$(dirname "$0")/.."
hits=$(git ls-files '*.c' '*.h' | xargs grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)[[:space:]]*\(' || true)
if [ -n "$hits" ]; then
    echo "$hits"
    echo "not ok - banned calls found"
    exit 1
fi
echo "ok - no banned calls"

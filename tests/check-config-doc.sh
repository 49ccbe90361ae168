#!/usr/bin/env bash
# The README's configuration table must be exactly what the config table prints.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(build/bin/finchatctl config-doc)
have=$(awk '/<!-- config-table:begin -->/{f=1;next}/<!-- config-table:end -->/{f=0}f' README.md)
if [ "$want" != "$have" ]; then
    diff <(echo "$want") <(echo "$have") || true
    echo "not ok - README configuration table is out of date (regenerate with make config-doc)"
    exit 1
fi
echo "ok - README configuration table matches the config table"

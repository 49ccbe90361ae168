#!/usr/bin/env bash
# Fails when a C file of the checkout (tracked, or new and not ignored) differs from what
# clang-format (repo .clang-format) produces.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
for f in $(git ls-files --cached --others --exclude-standard '*.c' '*.h'); do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "needs formatting: $f"
        bad=1
    fi
done
if [ $bad -ne 0 ]; then
    echo "not ok - clang-format (run: make format)"
    exit 1
fi
echo "ok - clang-format"

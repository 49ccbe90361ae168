#!/usr/bin/env bash
# run.sh - builds every libFuzzer target tests/fuzz/fuzz_NAME.c (with ASan+UBSan) and runs it
# for FUZZ_SECONDS (default 30) on a copy of its checked-in corpus tests/fuzz/corpus/NAME/.
# A target's sources are the file itself plus the modules on its "fuzz-links:" comment line,
# else the .c files its header comment names, else common/NAME.c; common/xmalloc.c and common/err.c are always linked.
# Crashes are left in build/fuzz/NAME/ and fail the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${FUZZ_SECONDS:-30}"
pkgs="jansson libcurl"
rc=0
for src in tests/fuzz/fuzz_*.c; do
    name="$(basename "$src" .c)"; name="${name#fuzz_}"
    links="$(sed -n 's/.*fuzz-links: *\(.*\)\*\/.*/\1/p' "$src" | head -1)"
    [ -n "$links" ] || links="$(awk '{print} /\*\//{exit}' "$src" |
        grep -oE '(common|llm-worker|api-gateway)/[a-z0-9_]+\.c' |
        grep -vE 'common/(xmalloc|err)\.c' | sort -u | tr '\n' ' ' || true)"
    [ -n "$links" ] || links="common/$name.c"
    out="build/fuzz/$name"; mkdir -p "$out/corpus"
    cp -n tests/fuzz/corpus/"$name"/* "$out/corpus/" 2>/dev/null || true
    clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all -I. -Icommon $(pkg-config --cflags $pkgs) -o "$out/fuzz" \
        "$src" $links common/xmalloc.c common/err.c $(pkg-config --libs $pkgs)
    if (cd "$out" && ./fuzz -max_total_time="$secs" -max_len=70000 -print_final_stats=0 corpus \
            >fuzz.log 2>&1); then
        echo "ok - fuzz $name ${secs}s"
    else
        echo "not ok - fuzz $name (see $out/fuzz.log)"; tail -30 "$out/fuzz.log"; rc=1
    fi
done
exit $rc

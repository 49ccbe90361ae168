#!/usr/bin/env bash
# run.sh - builds every libFuzzer target tests/fuzz/fuzz_NAME.c (with ASan+UBSan) and runs it
# on a copy of its checked-in corpus tests/fuzz/corpus/NAME/.
#   FUZZ_RUNS=N      run each target for N executions (`make fuzz`: 1,000,000)
#   FUZZ_SECONDS=S   otherwise, run each target for S seconds (default 30; `make test`: 5)
#   FUZZ_ONLY=NAME   run one target only
# What each target links is named in links_of below, explicitly: a target without an entry
# fails the run instead of being guessed. common/xmalloc.c and common/err.c are always linked.
# common/money.c comes with its currency table, generated from proto/currencies.json into
# build/fuzz/currencies.c first (as the Makefile does into build/gen/), and common/toolcat.c
# with its catalogue, generated from proto/tools.json into build/fuzz/toolcat_data.c.
# Crashes are left in build/fuzz/NAME/ and fail the run; each target's executions are printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${FUZZ_SECONDS:-30}"
runs="${FUZZ_RUNS:-}"
pkgs="jansson libcurl"

links_of() {
    local gw=api-gateway wk=llm-worker money="common/money.c build/fuzz/currencies.c"
    local toolcat="common/toolcat.c build/fuzz/toolcat_data.c common/jschema.c common/period.c
        common/clock.c common/strbuf.c common/utf8.c"
    case "$1" in
    analyst | analyst_step) echo $wk/analyst/*.c common/clock.c $money common/strbuf.c ;;
    anthropic) echo $wk/providers/anthropic.c $wk/providers/sse_parse.c \
        $wk/providers/provider_delta.c $wk/providers/tool_turns.c common/strbuf.c ;;
    chatmsg) echo common/chatmsg.c common/utf8.c common/uuid.c ;;
    checks) echo $wk/engine/checks.c $money common/utf8.c ;;
    cookies) echo $gw/http/cookies.c ;;
    csv | ofx) echo $gw/ingest/importer.c $gw/finance/finance_calc.c common/clock.c \
        $money common/strbuf.c common/utf8.c common/uuid.c -lcrypto ;;
    ollama) echo $wk/providers/ollama.c $wk/providers/provider_delta.c \
        $wk/providers/tool_turns.c common/strbuf.c ;;
    openai) echo $wk/providers/openai.c $wk/providers/sse_parse.c \
        $wk/providers/provider_delta.c $wk/providers/tool_turns.c common/strbuf.c ;;
    screen) echo $gw/chat/screen.c common/utf8.c ;;
    utf8) echo common/utf8.c ;;
    sse) echo $wk/providers/sse_parse.c common/strbuf.c ;;
    jwt) echo $gw/auth/jwt_token.c common/strbuf.c common/uuid.c -ljwt -lcrypto ;;
    cursor) echo $gw/http/cursor.c common/uuid.c ;;
    jsonlimit) echo $gw/http/jsonlimit.c ;;
    query) echo $gw/http/query.c ;;
    jsonrpc) echo $gw/http/jsonrpc.c $gw/http/jsonlimit.c ;;
    lastevent) echo $gw/http/sse.c common/strbuf.c ;;
    plaid) echo $gw/ingest/plaid_map.c $money ;;
    ecbxml) echo $gw/ingest/ecbxml.c $gw/finance/finance_calc.c common/clock.c $money \
        common/strbuf.c common/utf8.c common/uuid.c -lcrypto ;;
    jschema | period) echo $toolcat ;;
    *) return 1 ;;
    esac
}

mkdir -p build/fuzz
tools/gen-currencies.py proto/currencies.json build/fuzz/currencies.c
tools/gen-toolcat.py proto/tools.json build/fuzz/toolcat_data.c
rc=0
for src in tests/fuzz/fuzz_*.c; do
    name="$(basename "$src" .c)"; name="${name#fuzz_}"
    [ -z "${FUZZ_ONLY:-}" ] || [ "$FUZZ_ONLY" = "$name" ] || continue
    if ! links="$(links_of "$name")"; then
        echo "not ok - fuzz $name: no entry in links_of (tests/fuzz/run.sh)"; rc=1; continue
    fi
    srcs=()
    for l in $links; do
        case "$l" in
        -l* | build/*) ;;
        *) if [ ! -e "$l" ]; then
            echo "not ok - fuzz $name: links_of names $l, which is not there"; rc=1; continue 2
        fi ;;
        esac
        srcs+=("$l")
    done
    out="build/fuzz/$name"; mkdir -p "$out/corpus"
    cp -n tests/fuzz/corpus/"$name"/* "$out/corpus/" 2>/dev/null || true
    # shellcheck disable=SC2046 # pkg-config output is a list of flags
    if ! clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
            -fno-sanitize-recover=all -I. -Icommon $(pkg-config --cflags $pkgs) -o "$out/fuzz" \
            "$src" "${srcs[@]}" common/xmalloc.c common/err.c $(pkg-config --libs $pkgs) \
            >"$out/build.log" 2>&1; then
        echo "not ok - fuzz $name: build failed (see $out/build.log)"; tail -20 "$out/build.log"
        rc=1; continue
    fi
    if [ -n "$runs" ]; then limit="-runs=$runs"; what="$runs runs"; else
        limit="-max_total_time=$secs"; what="${secs}s"; fi
    if (cd "$out" && ./fuzz "$limit" -max_len=70000 -print_final_stats=1 corpus \
            >fuzz.log 2>&1); then
        execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" | tail -1)"
        echo "ok - fuzz $name $what (${execs:-?} executions)"
    else
        echo "not ok - fuzz $name (see $out/fuzz.log)"; tail -30 "$out/fuzz.log"; rc=1
    fi
done
exit $rc

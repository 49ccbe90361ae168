# worker-env.sh - sourced by tests/integration/4[0-4]-*.sh: a Python with pymongo and
# jsonschema (a venv under ~/.cache/finchat, made once), kcat, and the worker binary.
# Sets PY; exits 1 with a `not ok` line when something cannot be had.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
VENV="${FINCHAT_CACHE_DIR:-$HOME/.cache/finchat}/venv-itest"
PY="$VENV/bin/python3"
if ! "$PY" -c 'import pymongo, jsonschema' 2>/dev/null; then
    python3 -m venv "$VENV" >/dev/null &&
        "$VENV/bin/pip" install -q 'pymongo>=4,<5' 'jsonschema>=4.18' >/dev/null ||
        { echo "not ok - python venv with pymongo and jsonschema"; exit 1; }
fi
command -v kcat >/dev/null || { echo "not ok - kcat is installed"; exit 1; }
if [ -z "${FINCHAT_WORKER_BIN:-}" ] && [ ! -x "$ROOT/build/bin/finchat-worker" ]; then
    make -C "$ROOT" -s build/bin/finchat-worker >/dev/null ||
        { echo "not ok - build/bin/finchat-worker builds"; exit 1; }
fi
export PYTHONPATH="$ROOT/tests/integration/lib${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1

# run_itest SCRIPT: runs a worker test with the stack's own workers (deploy/local/services.sh)
# stopped, so the consumer group holds only the test's workers and every request reaches
# them; the stack's workers are started again afterwards, whatever the outcome.
run_itest() {
    local rc=0 name stopped=""
    # shellcheck source=deploy/local/lib.sh
    . "$ROOT/deploy/local/lib.sh"
    for f in "$FINCHAT_RUN_DIR"/worker-*.pid; do
        [ -e "$f" ] || continue
        name="$(basename "$f" .pid)"
        stop_proc "$name" "$ROOT/build/bin/finchat-worker" >/dev/null 2>&1 && stopped="$stopped $name"
    done
    [ -n "$stopped" ] && echo "# stopped the stack's workers for this test:$stopped"
    "$PY" "$@" || rc=$?
    if [ -n "$stopped" ]; then
        "$ROOT/deploy/local/services.sh" up >/dev/null 2>&1 ||
            echo "# warning: could not restart the stack's workers"
    fi
    return $rc
}

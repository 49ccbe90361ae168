#!/usr/bin/env bash
# check-golden.sh - validates proto/golden/ against proto/*.schema.json (JSON Schema 2020-12).
# valid-*.json must validate; invalid-*.json must fail to parse or to validate, except
# invalid-beyond-schema-*.json, which only the C decoder rejects (and which must parse).
# `check-golden.sh --validate SCHEMA FILE...` validates documents a test wrote instead
# (SCHEMA e.g. mongo.messages for proto/mongo.messages.schema.json; FILEs absolute or
# relative to the repository root).
# Uses python3's jsonschema, installed into a venv under ~/.cache/finchat when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=python3
if ! python3 -c 'import jsonschema' 2>/dev/null; then
    venv="$HOME/.cache/finchat/venv-proto"
    if [ ! -x "$venv/bin/python3" ] || ! "$venv/bin/python3" -c 'import jsonschema' 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q 'jsonschema>=4.18'
    fi
    py="$venv/bin/python3"
fi
exec "$py" tests/proto/check_golden.py "$@"

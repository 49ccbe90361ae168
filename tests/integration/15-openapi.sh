#!/usr/bin/env bash
# The server against proto/openapi.yaml (see 15-openapi.py). Needs PyYAML, installed by this
# script into a private virtualenv under ~/.cache/finchat on first use.
set -euo pipefail
venv="${FINCHAT_CACHE_DIR:-$HOME/.cache/finchat}/venv-tests"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import yaml' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q pyyaml
fi
cd "$(dirname "$0")"
exec "$venv/bin/python" 15-openapi.py

#!/usr/bin/env bash
# The assistant's tools through the gateway (see 34-tools.py).
set -euo pipefail
cd "$(dirname "$0")"
command -v kcat >/dev/null || { echo "not ok - kcat is installed"; exit 1; }
exec python3 34-tools.py

#!/usr/bin/env bash
# The finance API end to end (see 30-finance.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 30-finance.py

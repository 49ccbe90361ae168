#!/usr/bin/env bash
# The context document in MongoDB follows every finance write (see 33-finance-context.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 33-finance-context.py

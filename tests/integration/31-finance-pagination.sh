#!/usr/bin/env bash
# Cursor pagination of GET /transactions under concurrent inserts (see 31-finance-pagination.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 31-finance-pagination.py

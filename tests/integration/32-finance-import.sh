#!/usr/bin/env bash
# CSV and OFX statement imports (see 32-finance-import.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 32-finance-import.py

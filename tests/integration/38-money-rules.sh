#!/usr/bin/env bash
# Categorisation rules on every insert path and applied to the past (see 38-money-rules.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 38-money-rules.py

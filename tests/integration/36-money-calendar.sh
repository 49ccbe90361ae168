#!/usr/bin/env bash
# The user's calendar, base currency, refunds and transfers (see 36-money-calendar.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 36-money-calendar.py

#!/usr/bin/env bash
# Currencies end to end: exchange rates and totals in the base currency (see 37-money-fx.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 37-money-fx.py

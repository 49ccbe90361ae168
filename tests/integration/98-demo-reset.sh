#!/usr/bin/env bash
# finchatctl seed-demo --reset gives back the demo as on first start (see 98-demo-reset.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 98-demo-reset.py

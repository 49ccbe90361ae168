#!/usr/bin/env bash
# The gateway's HTTP core (see 10-gateway.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 10-gateway.py

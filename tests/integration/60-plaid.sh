#!/usr/bin/env bash
# Bank linking through Plaid, against the Plaid test double (see 60-plaid.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 60-plaid.py

#!/usr/bin/env bash
# The per-user chat rate holds under concurrent posts (see 54-chat-rate-race.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 54-chat-rate-race.py

#!/usr/bin/env bash
# SSE resume across gateways, after the end, over HTTP/2, and across a killed worker
# (see 52-stream-resume.py).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 52-stream-resume.py

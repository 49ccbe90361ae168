#!/usr/bin/env bash
# The offline analyst answers 150 ordinary questions with the figures of the REST API, through
# the whole pipeline (see 75-analyst-questions.py). Needs the stack running with the analyst
# in the worker's chain and a chat rate limit and daily token budget that allow 150 questions
# (FINCHAT_CHAT_RATE_LIMIT, FINCHAT_DAILY_TOKEN_BUDGET; the test waits out 429 rate_limited).
set -euo pipefail
cd "$(dirname "$0")"
exec python3 75-analyst-questions.py

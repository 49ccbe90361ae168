#!/usr/bin/env bash
# Worker: the tool loop of SPEC §14 through the gateway, with the scripted mock LLM speaking
# the OpenAI, Anthropic and Ollama tool formats (see 46-tool-loop.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/46-tool-loop.py"

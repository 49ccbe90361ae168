#!/usr/bin/env bash
# Facade: requests of one API key go to the partitions where the fewest wait for a worker, so a worker at its in-flight limit is passed over (see 48-facade-placement.py).
set -euo pipefail
. "$(dirname "$0")/lib/worker-env.sh"
run_itest "$(dirname "$0")/48-facade-placement.py"

# tap.sh - sourced by the shell integration tests that count their own results: TAP lines
# "ok N - ..." / "not ok N - ...", check CMD (ok when CMD exits 0), and finish, which prints
# the plan "1..N" and exits 1 when anything failed.
# shellcheck shell=bash
n=0 failed=0
ok() { n=$((n + 1)) && echo "ok $n - $*"; }
not_ok() { n=$((n + 1)) && failed=$((failed + 1)) && echo "not ok $n - $*"; }
check() {
  local desc="$1"
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
  echo "1..$n"
  [ "$failed" -eq 0 ] || {
    echo "# $failed of $n failed" >&2
    exit 1
  }
}

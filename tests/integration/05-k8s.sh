#!/usr/bin/env bash
# tests/integration/05-k8s.sh -- offline validation of k8s/ and deploy/ (SPEC §12).
#
# Builds k8s/validate (a Go program using the kustomize, Kubernetes API and
# compose-spec libraries; Go modules from the module proxy, go.sum pinned) into
# ~/.cache/finchat/bin/finchat-k8s-validate -- once, then only when its sources or the
# Go version change -- and runs it: every overlay is built with kustomize, each object
# decoded strictly into its API type and checked against the deployment rules;
# deploy/compose.yaml is loaded as `docker compose` would; deploy/Dockerfile is checked.
# When kubectl is on PATH, its own kustomize must build the overlays too.
# Needs no cluster, no Docker engine and no running stack. TAP output.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

SRC="$ROOT/k8s/validate"
BIN="$FINCHAT_CACHE_DIR/bin/finchat-k8s-validate"
command -v go >/dev/null || die "go not found (deploy/local/install-deps.sh needs it too)"
want="$(cat "$SRC/main.go" "$SRC/go.mod" "$SRC/go.sum" | sha256sum | cut -c1-64) $(go env GOVERSION)"
if [ ! -x "$BIN" ] || [ ! -f "$BIN.stamp" ] || [ "$(cat "$BIN.stamp")" != "$want" ]; then
  echo "# building $BIN (first run: about a minute of CPU)"
  mkdir -p "$(dirname "$BIN")"
  if ! (cd "$SRC" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false \
    -o "$BIN.tmp.$$" .) >"$BIN.log" 2>&1; then
    rm -f "$BIN.tmp.$$"
    echo "not ok 1 - build k8s/validate"
    sed 's/^/#   /' "$BIN.log" | tail -n 30
    exit 1
  fi
  mv "$BIN.tmp.$$" "$BIN"
  printf '%s\n' "$want" >"$BIN.stamp"
fi

# The validator prints its own TAP plan; the kubectl cross-check is appended after it
# as plain ok/not ok lines, so print them first.
extra=()
if command -v kubectl >/dev/null 2>&1; then
  for ov in "$ROOT"/k8s/overlays/*/; do
    name="$(basename "$ov")"
    if out="$(kubectl kustomize "$ov" 2>&1 >/dev/null)"; then
      extra+=("ok - overlay $name: kubectl kustomize builds it too")
    else
      extra+=("not ok - overlay $name: kubectl kustomize builds it too" "#   ${out//$'\n'/ }")
    fi
  done
fi
failed=0
for line in "${extra[@]}"; do
  echo "$line"
  [[ "$line" == "not ok"* ]] && failed=1
done
"$BIN" -root "$ROOT" -external finchat-secrets,finchat-tls || failed=1
exit "$failed"

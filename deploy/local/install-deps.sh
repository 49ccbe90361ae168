#!/usr/bin/env bash
# deploy/local/install-deps.sh -- install what the build and the local stack need.
#
# Idempotent and fast when nothing is missing (one dpkg-query, two stamp checks):
#   1. Debian packages: C toolchain and libraries, PostgreSQL 15, kcat, nginx, wrk,
#      Chromium, clang, Java, Maven, curl ... (apt-get; sudo when not root; the
#      package lists are refreshed only if an install fails).
#   2. Kafka $FINCHAT_KAFKA_VERSION jars from Maven Central (deploy/local/kafka/pom.xml)
#      into ~/.cache/finchat/kafka-<version>/libs.
#   3. FerretDB 1.24 (deploy/local/ferretdb, a Go program embedding it, with the patches
#      in deploy/local/ferretdb/patches) built into ~/.cache/finchat/bin/ferretdb-local;
#      rebuilt only when its sources or patches change.
# Environment: FINCHAT_CACHE_DIR, FINCHAT_KAFKA_VERSION, FINCHAT_APT_EXTRA (more
# packages), FINCHAT_SKIP_APT=1 (skip step 1).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
. "$(dirname "$0")/lib.sh"

APT_PACKAGES=(
  build-essential pkg-config libh2o-evloop-dev librdkafka-dev libmongoc-dev libbson-dev
  libjansson-dev libjwt-dev libargon2-dev libcurl4-openssl-dev libssl-dev libpq-dev
  postgresql-15 kcat nginx-light wrk chromium clang clang-format
  curl iproute2 procps util-linux python3 ca-certificates patch
)
# Java (Kafka) and Maven (its jars) may come from elsewhere than Debian (a JDK in /opt,
# SDKMAN ...): only ask apt for them when they are not on PATH.
command -v java >/dev/null 2>&1 || APT_PACKAGES+=(default-jre-headless)
command -v mvn >/dev/null 2>&1 || APT_PACKAGES+=(maven)
# shellcheck disable=SC2206 # word splitting of the extra list is intended
APT_PACKAGES+=(${FINCHAT_APT_EXTRA:-})

t_start="$(now_s)"

# ---- 1. Debian packages ----------------------------------------------------

missing_packages() {
  # dpkg-query exits 1 when any package was never installed (the usual case on a
  # new machine); under pipefail that would end this function with no output and
  # report nothing missing, so its status is ignored: the list is the answer.
  local installed
  installed="$({ dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true; } |
    awk '$2 == "ii" { print $1 }')"
  local p
  for p in "${APT_PACKAGES[@]}"; do
    grep -qx -- "$p" <<<"$installed" || printf '%s\n' "$p"
  done
}

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

install_apt() {
  [ "${FINCHAT_SKIP_APT:-0}" = 1 ] && return 0
  local missing
  mapfile -t missing < <(missing_packages)
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if ! apt_install "${missing[@]}"; then
    log "refreshing the package lists and retrying"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    apt_install "${missing[@]}"
  fi
  # The Debian postgresql package starts a default cluster on 5432; we run our own.
  # Leave a cluster that was there before us alone; stop only a freshly made one.
  if printf '%s\n' "${missing[@]}" | grep -qx postgresql-15 && command -v pg_lsclusters >/dev/null; then
    if pg_lsclusters -h 2>/dev/null | awk '$1 == 15 && $2 == "main" { f = 1 } END { exit !f }'; then
      as_root pg_ctlcluster 15 main stop 2>/dev/null || true
    fi
  fi
}

# ---- 2. Kafka jars -----------------------------------------------------------

install_kafka() {
  local pom="$FINCHAT_LOCAL_DIR/kafka/pom.xml" dest stamp want tmp
  dest="$FINCHAT_KAFKA_LIBS"
  stamp="$dest/.finchat-stamp"
  want="$FINCHAT_KAFKA_VERSION $(sha256sum "$pom" | cut -c1-64)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (Debian package maven)"
  log "collecting Kafka $FINCHAT_KAFKA_VERSION jars from Maven Central into $dest"
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$FINCHAT_CACHE_DIR"
  mvn -B -Dstyle.color=never -f "$pom" "-Dkafka.version=$FINCHAT_KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$tmp" \
    >"$FINCHAT_CACHE_DIR/mvn.log" 2>&1 ||
    {
      rm -rf "$tmp"
      log_tail "$FINCHAT_CACHE_DIR/mvn.log"
      die "mvn could not collect the Kafka jars (log: $FINCHAT_CACHE_DIR/mvn.log)"
    }
  [ -f "$tmp/kafka_2.13-$FINCHAT_KAFKA_VERSION.jar" ] || die "kafka_2.13-$FINCHAT_KAFKA_VERSION.jar missing after mvn"
  printf '%s\n' "$want" >"$tmp/.finchat-stamp"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$tmp" "$dest"
}

# ---- 3. FerretDB ------------------------------------------------------------------

GO_TAGS=ferretdb_no_postgresql

# FerretDB is built from a copy of its module with deploy/local/ferretdb/patches/*.patch
# applied (each patch says why), wired in with a go.mod replace in a build copy of
# deploy/local/ferretdb; the sources in the repository and the module cache stay untouched.
install_ferretdb() {
  local src="$FINCHAT_LOCAL_DIR/ferretdb" bin="$FINCHAT_FERRETDB_BIN" want gov mod work p
  command -v go >/dev/null || die "go not found: FerretDB is built with Go >= 1.24 (https://go.dev/dl is not reachable here; use the machine's Go)"
  gov="$(go env GOVERSION)"
  want="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" "$src"/patches/*.patch | sha256sum | cut -c1-64) $gov $GO_TAGS"
  if [ -x "$bin" ] && [ -f "$bin.stamp" ] && [ "$(cat "$bin.stamp")" = "$want" ]; then return 0; fi
  log "building FerretDB ($src, $gov, $(find "$src/patches" -name '*.patch' | wc -l) patch(es)) into $bin"
  mkdir -p "$(dirname "$bin")"
  work="$FINCHAT_CACHE_DIR/build/ferretdb"
  rm -rf "$work"
  mkdir -p "$work/main"
  (
    set -e
    cd "$src"
    export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
    go mod download github.com/FerretDB/FerretDB
    mod="$(go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)"
    cp -R "$mod" "$work/ferretdb-src"
    chmod -R u+w "$work/ferretdb-src"
    for p in "$src"/patches/*.patch; do
      echo "applying $p"
      patch -p1 --forward --batch -d "$work/ferretdb-src" <"$p"
    done
    cp main.go go.mod go.sum "$work/main/"
    cd "$work/main"
    go mod edit -replace github.com/FerretDB/FerretDB=../ferretdb-src
    go build -trimpath -buildvcs=false -tags "$GO_TAGS" -ldflags '-s -w' -o "$bin.tmp.$$" .
  ) >"$bin.log" 2>&1 || {
    rm -f "$bin.tmp.$$"
    log_tail "$bin.log"
    die "building FerretDB failed (log: $bin.log)"
  }
  mv "$bin.tmp.$$" "$bin"
  printf '%s\n' "$want" >"$bin.stamp"
}

install_apt
t_apt="$(elapsed "$t_start")"
# Kafka's jars (network) and FerretDB's build (CPU) overlap.
install_kafka &
kafka_pid=$!
install_ferretdb
wait "$kafka_pid" || exit 1
log "dependencies ready in $(elapsed "$t_start") (apt $t_apt)"

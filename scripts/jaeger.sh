#!/usr/bin/env bash
# Jaeger v2, built from its pinned Go module — shared by
# scripts/test_peers.sh and `scripts/demo.sh --jaeger`.
#
#   scripts/jaeger.sh build    # prints the path of the binary
#
# Builds github.com/jaegertracing/jaeger/cmd/jaeger at the version
# tests/interop/jaeger/go.mod pins (go.sum verifies every module) once per
# content of go.mod+go.sum, and keeps the binary in
# ${TRACEPROP_CACHE:-~/.cache/traceprop}/jaeger/jaeger-<hash>; later calls
# print that path at once (a call made while another one builds waits for
# it). The Go caches are the ones test_peers.sh uses
# (GOPATH, GOMODCACHE, GOCACHE under the same cache directory) unless the
# environment sets them. The build is a go module download and a 6-minute
# compile on 2 cores; it needs go (>= go.mod's version) on PATH.
#
# Run the binary with tests/interop/jaeger/config.yaml: in-memory storage,
# OTLP gRPC/HTTP on 127.0.0.1:4317/4318, the query API (and the UI, when
# built in: this module build has only Jaeger's placeholder page) on
# 127.0.0.1:16686; JAEGER_OTLP_GRPC_PORT, JAEGER_OTLP_HTTP_PORT,
# JAEGER_QUERY_HTTP_PORT and JAEGER_QUERY_GRPC_PORT move them. It prints
# "Everything is ready" when it accepts spans.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$(realpath -m "${TRACEPROP_CACHE:-$HOME/.cache/traceprop}")

case ${1:-} in
  build) ;;
  *)
    echo "usage: scripts/jaeger.sh build" >&2
    exit 2
    ;;
esac
command -v go >/dev/null || {
  echo "jaeger.sh: go is missing (Jaeger is built from its Go module; see scripts/install_deps.sh)" >&2
  exit 1
}
export GOPATH=${GOPATH:-$CACHE/go} GOMODCACHE=${GOMODCACHE:-$CACHE/go/mod}
export GOCACHE=${GOCACHE:-$CACHE/go/build} GOFLAGS=${GOFLAGS:--modcacherw}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

cd "$ROOT/tests/interop/jaeger"
key=$(cat go.mod go.sum | sha256sum | cut -c1-16)
bin=$CACHE/jaeger/jaeger-$key
mkdir -p "$CACHE/jaeger"
# One build at a time per cache (test_peers.sh and demo.sh --jaeger may
# run together): a later call waits for the build, then finds its binary.
exec 9>"$CACHE/jaeger/.lock"
flock 9
if [[ ! -x $bin ]]; then
  echo "jaeger.sh: building Jaeger (once; about 6 minutes on 2 cores) into $bin" >&2
  nice go build -o "$bin.tmp" github.com/jaegertracing/jaeger/cmd/jaeger >&2
  mv "$bin.tmp" "$bin"
fi
echo "$bin"

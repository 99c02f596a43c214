#!/usr/bin/env bash
# Decoding by OpenTelemetry's own code: the OTLP/gRPC request traceprop's
# exporter sends, decoded with the protobuf code OpenTelemetry JS generated
# from opentelemetry-proto.
#
#   scripts/test_otlp_decode.sh [BUILD_DIR]      # or BUILD_DIR=... in the env
#
# Builds tests/exporters/otlp_capture_request in BUILD_DIR (configured with
# cmake+ninja if needed; default build-interop), runs it (the real exporter
# against a capturing receiver; it writes the raw request bytes), installs
# the pinned npm packages of tests/otlp_decode with `npm ci` (npm cache in
# ${TRACEPROP_CACHE:-~/.cache/traceprop}/npm) and runs `node --test
# decode.test.js` on the bytes. Exit status is the test's. JOBS (default 2)
# bounds the build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build-interop}}")
CACHE=$(realpath -m "${TRACEPROP_CACHE:-$HOME/.cache/traceprop}")
JOBS=${JOBS:-2}
cd "$ROOT"

source "$ROOT/scripts/prelude.sh"
require_tools test_otlp_decode cmake ninja node npm

configure_once "$BUILD_DIR"
ninja -C "$BUILD_DIR" -j"$JOBS" otlp_capture_request

work=$(mktemp -d "${TMPDIR:-/tmp}/traceprop-otlp-decode.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$BUILD_DIR/tests/exporters/otlp_capture_request" "$work/request.bin"

echo "--- npm ci (tests/otlp_decode)"
(cd tests/otlp_decode &&
  npm_config_cache=$CACHE/npm npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
cd tests/otlp_decode
OTLP_REQUEST_FILE=$work/request.bin node --test --test-reporter=spec decode.test.js

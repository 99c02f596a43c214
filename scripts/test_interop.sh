#!/usr/bin/env bash
# Interop test: traceprop's C++ relays with OpenTelemetry JS (Node.js).
#
#   scripts/test_interop.sh [BUILD_DIR]      # or BUILD_DIR=... in the env
#
# Builds the relay example programs in BUILD_DIR (configured with
# cmake+ninja if needed; default build-interop), installs the pinned npm
# packages of tests/interop with `npm ci`, starts C++ relays on free
# loopback ports (two sync, one async, one callback server with the default
# formats; three more with OTEL_PROPAGATORS set to B3 variants), runs
# `node --test` on tests/interop/interop.test.js (W3C Trace Context) and
# propagators.test.js (B3 and W3C Baggage against OpenTelemetry JS's own
# propagators), and stops everything it started, also on failure or Ctrl-C.
# Exit status is the tests'. JOBS (default 2) bounds the build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build-interop}}")
cd "$ROOT"
JOBS=${JOBS:-2}

source "$ROOT/scripts/prelude.sh"
require_tools test_interop cmake ninja node npm

configure_once "$BUILD_DIR"
ninja -C "$BUILD_DIR" -j"$JOBS" relay_server relay_client async_server callback_server
BIN=$BUILD_DIR/examples/relay

echo "--- npm ci (tests/interop)"
(cd tests/interop && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)

# shellcheck source=../examples/relay/procs.sh
source "$ROOT/examples/relay/procs.sh"
procs_init "$(mktemp -d "${TMPDIR:-/tmp}/traceprop-interop.XXXXXX")"

procs_start relay-a "$BIN/relay_server" --port 0 --name relay-a
export TRACEPROP_RELAY_A=$PROCS_ADDR
procs_start relay-b "$BIN/relay_server" --port 0 --name relay-b
export TRACEPROP_RELAY_B=$PROCS_ADDR
procs_start async "$BUILD_DIR/examples/async_server/async_server" --port 0 --name async
export TRACEPROP_RELAY_ASYNC=$PROCS_ADDR
procs_start callback "$BUILD_DIR/examples/callback_server/callback_server" --port 0 --name callback
export TRACEPROP_RELAY_CALLBACK=$PROCS_ADDR
# The same programs reading and writing other formats (OTEL_PROPAGATORS,
# as every example honours it), one per server API style.
procs_start b3 env OTEL_PROPAGATORS=b3,baggage \
  "$BIN/relay_server" --port 0 --name b3
export TRACEPROP_RELAY_B3=$PROCS_ADDR
procs_start b3multi env OTEL_PROPAGATORS=b3multi,baggage \
  "$BUILD_DIR/examples/async_server/async_server" --port 0 --name b3multi
export TRACEPROP_RELAY_B3MULTI=$PROCS_ADDR
procs_start b3-w3c env OTEL_PROPAGATORS=b3,tracecontext,baggage \
  "$BUILD_DIR/examples/callback_server/callback_server" --port 0 --name b3-w3c
export TRACEPROP_RELAY_B3_W3C=$PROCS_ADDR
export TRACEPROP_RELAY_CLIENT=$BIN/relay_client
echo "--- relays: relay-a $TRACEPROP_RELAY_A, relay-b $TRACEPROP_RELAY_B (sync)," \
  "async $TRACEPROP_RELAY_ASYNC, callback $TRACEPROP_RELAY_CALLBACK;" \
  "b3 $TRACEPROP_RELAY_B3, b3multi $TRACEPROP_RELAY_B3MULTI, b3-w3c $TRACEPROP_RELAY_B3_W3C"

status=0
(cd tests/interop && node --test --test-reporter=spec interop.test.js propagators.test.js) ||
  status=$?
procs_finish "$status"

#!/usr/bin/env bash
# Interop test: traceprop's C++ relays with OpenTelemetry JS (Node.js).
#
#   scripts/test_interop.sh [BUILD_DIR]      # or BUILD_DIR=... in the env
#
# Builds the relay example programs in BUILD_DIR (configured with
# cmake+ninja if needed; default build-interop), installs the pinned npm
# packages of tests/interop with `npm ci`, starts C++ relays (two sync, one
# async, one callback server) on free loopback ports, runs `node --test` (tests/interop/interop.test.js), and
# stops everything it started, also on failure or Ctrl-C. Exit status is the
# test's. JOBS (default 2) bounds the build.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build-interop}}")
cd "$ROOT"
JOBS=${JOBS:-2}

for tool in cmake ninja node npm; do
  command -v "$tool" >/dev/null || {
    echo "test_interop: $tool is missing (scripts/install_deps.sh installs it)" >&2
    exit 1
  }
done

if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
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
export TRACEPROP_RELAY_CLIENT=$BIN/relay_client
echo "--- relays: relay-a $TRACEPROP_RELAY_A, relay-b $TRACEPROP_RELAY_B (sync)," \
  "async $TRACEPROP_RELAY_ASYNC, callback $TRACEPROP_RELAY_CALLBACK"

status=0
(cd tests/interop && node --test --test-reporter=spec interop.test.js) || status=$?
if ((status != 0)); then
  for log in "$PROCS_DIR"/*.log; do
    echo "--- $(basename "$log")"
    tail -40 "$log"
  done
fi
procs_stop_all
procs_check_exits || status=1  # a relay that crashed or did not stop
rm -rf "$PROCS_DIR"
exit "$status"

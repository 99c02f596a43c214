#!/usr/bin/env bash
# Interop test: chains that alternate traceprop's C++ relays with
# OpenTelemetry-instrumented peers in Go, Java, Python and JavaScript.
#
#   scripts/test_peers.sh [BUILD_DIR]      # or BUILD_DIR=... in the env
#
# Builds the C++ relay examples in BUILD_DIR (default build-interop), then
# the peers of tests/interop/{go,java,python} with pinned versions (go.mod +
# go.sum, pom.xml, requirements.txt, package-lock.json), starts C++ relays
# (sync ×2, async, callback) and the Go, Java and Python relays on free
# loopback ports, runs `node --test tests/interop/peers.test.js` (which adds
# the OTel JS relay in-process) and stops everything it started, also on
# failure or Ctrl-C. Exit status is the test's.
#
# With Jaeger (the default; JAEGER=0 leaves it out and says so): builds
# Jaeger v2 from its Go module (tests/interop/jaeger/go.mod pins it; the
# binary is cached by the hash of go.mod+go.sum), starts it with
# tests/interop/jaeger/config.yaml (in-memory storage, OTLP on
# 127.0.0.1:4317/4318, query API on 127.0.0.1:16686; JAEGER_*_PORT move
# them), points the Go, Java and Python peers at it, and after the chains
# sends one more chain and one whose last hop fails, stops the peers (they
# flush on SIGTERM) and checks the traces Jaeger assembled
# (tests/interop/jaeger.test.js).
#
# PREPARE_ONLY=1 only builds the Go, Java and Python peers and Jaeger (not
# the C++ relays, not npm's packages, which scripts/test_interop.sh also
# installs) and exits.
#
# PROBE=1 runs
# tests/interop/peers_probe.js instead (prints each peer's departures from
# W3C Trace Context).
#
# Downloads and builds are cached under ${TRACEPROP_CACHE:-~/.cache/traceprop}:
# go/ (GOPATH, module and build caches, protoc plugins), m2/ (Maven's local
# repository), pip/ and python/venv-<hash of requirements.txt>, npm/. Every
# step is bounded in time. JOBS (default 2) bounds the C++ build; PYTHON
# (default /usr/bin/python3) makes the venv.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${1:-${BUILD_DIR:-$ROOT/build-interop}}")
CACHE=$(realpath -m "${TRACEPROP_CACHE:-$HOME/.cache/traceprop}")
PYTHON=${PYTHON:-/usr/bin/python3}
JOBS=${JOBS:-2}
PEERS=$BUILD_DIR/peers
cd "$ROOT"

source "$ROOT/scripts/prelude.sh"
require_tools test_peers cmake ninja node npm go java mvn protoc jq timeout "$PYTHON"

# step LIMIT LABEL FUNCTION — runs the exported FUNCTION in a bash of its
# own with at most LIMIT seconds, prints its time; a failure or a timeout names
# the step and fails the script.
step() {
  local limit=$1 label=$2 fn=$3 start=$SECONDS status=0
  echo "--- $label"
  timeout -k 10 "$limit" bash -euo pipefail -c "$fn" || status=$?
  if ((status != 0)); then
    ((status == 124)) && echo "test_peers: $label: timed out after ${limit}s" >&2
    echo "test_peers: $label failed (status $status)" >&2
    exit 1
  fi
  echo "--- $label: $((SECONDS - start)) s"
}

export ROOT CACHE PYTHON PEERS
export GOPATH=$CACHE/go GOMODCACHE=$CACHE/go/mod GOCACHE=$CACHE/go/build
export GOBIN=$CACHE/go/bin GOFLAGS=-modcacherw GOTOOLCHAIN=local
export npm_config_cache=$CACHE/npm
mkdir -p "$PEERS"

build_cpp() {
  configure_once "$BUILD_DIR"
  nice ninja -C "$BUILD_DIR" -j"$JOBS" relay_server relay_client async_server callback_server
}

# Go: protoc-gen-go and protoc-gen-go-grpc at the versions go.mod's `tool`
# lines pin, relay.proto compiled into the module (git-ignored), one binary.
build_go() {
  cd "$ROOT/tests/interop/go"
  nice go install tool
  rm -rf relaypb && mkdir relaypb
  local m=Mrelay.proto=traceprop/interop/gopeer/relaypb
  protoc -I "$ROOT/examples/proto" \
    --plugin=protoc-gen-go="$GOBIN/protoc-gen-go" --go_out=relaypb --go_opt=paths=source_relative,$m \
    --plugin=protoc-gen-go-grpc="$GOBIN/protoc-gen-go-grpc" --go-grpc_out=relaypb \
    --go-grpc_opt=paths=source_relative,$m relay.proto
  nice go build -o "$PEERS/go_relay" .
}

# Java: Maven compiles relay.proto with protoc and protoc-gen-grpc-java from
# Maven Central for this platform, and writes the runtime class path.
build_java() {
  local arch
  case $(uname -m) in
    x86_64) arch=x86_64 ;;
    aarch64) arch=aarch_64 ;;
    *) echo "test_peers: no protoc for $(uname -m) on Maven Central" >&2; return 1 ;;
  esac
  cd "$ROOT/tests/interop/java"
  # (sed: Debian's Maven 3.8.7 prints colour resets even with -B.)
  nice mvn -B -q -Dmaven.repo.local="$CACHE/m2" -Dos.detected.classifier="linux-$arch" \
    package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt 2>&1 |
    sed 's/\x1b\[[0-9;]*m//g'
}

# Python: a venv per requirements.txt content, made once; relay.proto
# compiled by grpcio-tools into $PEERS/python.
build_python() {
  local req=$ROOT/tests/interop/python/requirements.txt hash venv
  hash=$(cat "$req" <("$PYTHON" --version) | sha256sum | cut -c1-16)
  venv=$CACHE/python/venv-$hash
  if [[ ! -f $venv/.complete ]]; then
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    nice "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      --cache-dir "$CACHE/pip" -r "$req"
    touch "$venv/.complete"
  fi
  ln -sfn "$venv" "$PEERS/venv"
  rm -rf "$PEERS/python" && mkdir -p "$PEERS/python"
  "$venv/bin/python" -m grpc_tools.protoc -I "$ROOT/examples/proto" \
    --python_out="$PEERS/python" --grpc_python_out="$PEERS/python" relay.proto
}

# Jaeger: built once per pinned go.mod+go.sum, kept in the cache
# (scripts/jaeger.sh, shared with scripts/demo.sh --jaeger).
build_jaeger() {
  local bin
  bin=$("$ROOT/scripts/jaeger.sh" build)
  ln -sfn "$bin" "$PEERS/jaeger"
}

build_js() {
  cd "$ROOT/tests/interop"
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error
}
export BUILD_DIR JOBS
export -f configure_once build_cpp build_go build_java build_python build_js build_jaeger
JAEGER=${JAEGER:-1}

# The Go, Java and Python peers and Jaeger hold this lock while they build:
# PREPARE_ONLY=1 (scripts/test.sh runs it in the background while it
# compiles the C++) builds just them, with no time limits, and exits; a
# run started meanwhile waits for it, then finds them built.
mkdir -p "$CACHE"
exec 8>"$CACHE/peers-prepare.lock"
flock 8
if [[ ${PREPARE_ONLY:-0} == 1 ]]; then
  # No limits: at the lowest priority beside a C++ build this may wait long.
  # Mostly downloads first (Maven Central has taken 5 minutes for one jar).
  step 0 "Java peer (mvn package)" build_java
  step 0 "Python peer (venv, pip install, grpc_tools.protoc)" build_python
  step 0 "Go peer (go install tool, protoc, go build)" build_go
  [[ $JAEGER == 1 ]] && step 0 "Jaeger v2 (go build, cached)" build_jaeger
  exit 0
fi
step 1800 "C++ relays (ninja)" build_cpp
step 900 "Go peer (go install tool, protoc, go build)" build_go
step 900 "Java peer (mvn package)" build_java
step 900 "Python peer (venv, pip install, grpc_tools.protoc)" build_python
step 600 "JS peer (npm ci)" build_js
if [[ $JAEGER == 1 ]]; then
  step 2400 "Jaeger v2 (go build, cached)" build_jaeger
else
  echo "--- Jaeger: left out (JAEGER=0); the assembled trace is NOT checked"
fi
exec 8>&-  # the relays started below must not hold the lock

# shellcheck source=../examples/relay/procs.sh
source "$ROOT/examples/relay/procs.sh"
procs_init "$(mktemp -d "${TMPDIR:-/tmp}/traceprop-peers.XXXXXX")"
BIN=$BUILD_DIR/examples
J=$ROOT/tests/interop/java/target
JAVA_CP="$J/classes:$(cat "$J/classpath.txt")"
RELAY_PIDS=()  # every relay: stopped (and so flushed) before Jaeger is queried
# start_relay NAME VAR CMD... — starts a relay, exports VAR=its address.
start_relay() {
  local name=$1 var=$2
  shift 2
  procs_start "$name" "$@"
  export "$var=$PROCS_ADDR"
  RELAY_PIDS+=("${PROCS_PIDS[-1]}")
}

# Jaeger first, so that every program below — C++ relays, peers and each
# relay_client — exports its spans to it from its first call on.
if [[ $JAEGER == 1 ]]; then
  export JAEGER_OTLP_GRPC_PORT=${JAEGER_OTLP_GRPC_PORT:-4317}
  export JAEGER_QUERY_HTTP_PORT=${JAEGER_QUERY_HTTP_PORT:-16686}
  PROCS_READY='*Everything is ready*' procs_start jaeger "$PEERS/jaeger" \
    --config "$ROOT/tests/interop/jaeger/config.yaml"
  export JAEGER_QUERY=http://127.0.0.1:$JAEGER_QUERY_HTTP_PORT
  export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$JAEGER_OTLP_GRPC_PORT
fi

# The chains: every C++ server API style and every peer, W3C trace context
# and baggage (each SDK's default propagators: tracecontext,baggage).
# service.name is each relay's --name.
start_relay cpp-sync TRACEPROP_CPP_SYNC "$BIN/relay/relay_server" --port 0 --name cpp-sync
start_relay cpp-sync-b TRACEPROP_CPP_SYNC_B "$BIN/relay/relay_server" --port 0 --name cpp-sync-b
start_relay cpp-async TRACEPROP_CPP_ASYNC "$BIN/async_server/async_server" --port 0 \
  --name cpp-async
start_relay cpp-callback TRACEPROP_CPP_CALLBACK "$BIN/callback_server/callback_server" \
  --port 0 --name cpp-callback
start_relay go TRACEPROP_GO "$PEERS/go_relay" --port 0 --name go
start_relay java TRACEPROP_JAVA java -cp "$JAVA_CP" traceprop.interop.JavaRelay --port 0 \
  --name java
PY=("$PEERS/venv/bin/python" "$ROOT/tests/interop/python/python_relay.py" --gen "$PEERS/python")
start_relay python TRACEPROP_PYTHON "${PY[@]}" --port 0 --name python

# B3: C++ hops that inject every format (and read the first valid one),
# and peers that speak only B3, single header (Go) or multi (Java, Python),
# all selected by the standard OTEL_PROPAGATORS.
OTEL_PROPAGATORS=tracecontext,baggage,b3,b3multi start_relay cpp-b3 TRACEPROP_CPP_B3 \
  "$BIN/relay/relay_server" --port 0 --name cpp-b3
OTEL_PROPAGATORS=tracecontext,baggage,b3,b3multi start_relay cpp-b3-async \
  TRACEPROP_CPP_B3_ASYNC "$BIN/async_server/async_server" --port 0 --name cpp-b3-async
OTEL_PROPAGATORS=b3 start_relay go-b3 TRACEPROP_GO_B3 "$PEERS/go_relay" --port 0 --name go-b3
OTEL_PROPAGATORS=b3multi start_relay java-b3 TRACEPROP_JAVA_B3 java -cp "$JAVA_CP" \
  traceprop.interop.JavaRelay --port 0 --name java-b3
OTEL_PROPAGATORS=b3multi start_relay python-b3 TRACEPROP_PYTHON_B3 "${PY[@]}" --port 0 \
  --name python-b3

# Consistent probability sampling at one ratio: traceprop's TraceIdRatio
# sampler, OpenTelemetry Java contrib's consistent56 sampler and the Python
# SDK's experimental composite sampler, each deciding every span itself
# (not parent-based).
export TRACEPROP_SAMPLING_RATIO=${TRACEPROP_SAMPLING_RATIO:-0.25}
# The C++ examples install spans (and so the sampler) only when an exporter
# is configured (example_tracing.h): without Jaeger, exporter "none".
ratio_exporter=otlp
[[ $JAEGER == 1 ]] || ratio_exporter=none
OTEL_TRACES_EXPORTER=$ratio_exporter OTEL_TRACES_SAMPLER=traceidratio \
  OTEL_TRACES_SAMPLER_ARG=$TRACEPROP_SAMPLING_RATIO start_relay cpp-ratio TRACEPROP_CPP_RATIO "$BIN/relay/relay_server" --port 0 --name cpp-ratio
start_relay java-ratio TRACEPROP_JAVA_RATIO java -cp "$JAVA_CP" traceprop.interop.JavaRelay \
  --port 0 --name java-ratio --consistent_ratio "$TRACEPROP_SAMPLING_RATIO"
start_relay python-ratio TRACEPROP_PYTHON_RATIO "${PY[@]}" --port 0 --name python-ratio \
  --consistent_ratio "$TRACEPROP_SAMPLING_RATIO"

export TRACEPROP_RELAY_CLIENT=$BIN/relay/relay_client
echo "--- relays: cpp-sync $TRACEPROP_CPP_SYNC, cpp-sync-b $TRACEPROP_CPP_SYNC_B," \
  "cpp-async $TRACEPROP_CPP_ASYNC, cpp-callback $TRACEPROP_CPP_CALLBACK;" \
  "go $TRACEPROP_GO, java $TRACEPROP_JAVA, python $TRACEPROP_PYTHON (js: in the test);" \
  "B3: cpp-b3 $TRACEPROP_CPP_B3, cpp-b3-async $TRACEPROP_CPP_B3_ASYNC, go-b3 $TRACEPROP_GO_B3," \
  "java-b3 $TRACEPROP_JAVA_B3, python-b3 $TRACEPROP_PYTHON_B3;" \
  "sampling at $TRACEPROP_SAMPLING_RATIO: cpp-ratio $TRACEPROP_CPP_RATIO," \
  "java-ratio $TRACEPROP_JAVA_RATIO, python-ratio $TRACEPROP_PYTHON_RATIO"
[[ $JAEGER == 1 ]] && echo "--- every relay and relay_client exports to Jaeger ($JAEGER_QUERY)"

status=0
if [[ ${PROBE:-} == 1 ]]; then  # what each peer does with W3C edge cases
  (cd tests/interop && timeout -k 10 600 node peers_probe.js) || status=$?
else
  (cd tests/interop &&
    timeout -k 10 600 node --test --test-reporter=spec peers.test.js) || status=$?
fi
if [[ $JAEGER == 1 && ${PROBE:-} != 1 ]] && ((status == 0)); then
  echo "--- Jaeger: chains through every language and C++ API style, as Jaeger assembles them"
  export TRACEPROP_JAEGER_CHAIN=$PROCS_DIR/jaeger-chain.json
  # relay_client starts the trace (its root span and client span export too).
  timeout 30 "$TRACEPROP_RELAY_CLIENT" --json --route "$TRACEPROP_CPP_SYNC,$TRACEPROP_GO,\
$TRACEPROP_CPP_ASYNC,$TRACEPROP_PYTHON,$TRACEPROP_CPP_CALLBACK,$TRACEPROP_JAVA,\
$TRACEPROP_CPP_SYNC_B,$TRACEPROP_GO,$TRACEPROP_PYTHON,$TRACEPROP_JAVA,$TRACEPROP_CPP_ASYNC" \
    >"$TRACEPROP_JAEGER_CHAIN" || status=$?
  # Errors in the middle, under trace ids we choose (raw headers: relay_client
  # itself records nothing). UNAVAILABLE: cpp-sync's next hop refuses the
  # connection and the error travels back through every style and peer.
  rand_trace() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
  export TRACEPROP_JAEGER_ERROR_PARENT=00f067aa0ba902b7
  TRACEPROP_JAEGER_UNAVAILABLE_TRACE=$(rand_trace)
  export TRACEPROP_JAEGER_UNAVAILABLE_TRACE
  export TRACEPROP_JAEGER_UNAVAILABLE_ROUTE=go,cpp-async,python,cpp-callback,java,cpp-sync,closed
  if timeout 30 "$TRACEPROP_RELAY_CLIENT" --route "$TRACEPROP_GO,$TRACEPROP_CPP_ASYNC,\
$TRACEPROP_PYTHON,$TRACEPROP_CPP_CALLBACK,$TRACEPROP_JAVA,$TRACEPROP_CPP_SYNC,127.0.0.1:1" \
    --traceparent "00-$TRACEPROP_JAEGER_UNAVAILABLE_TRACE-$TRACEPROP_JAEGER_ERROR_PARENT-01"; then
    echo "test_peers: a chain ending at a closed port succeeded" >&2
    status=1
  fi
  # INVALID_ARGUMENT: cpp-callback rejects the route it is given (a caller
  # error: per the conventions not an error of its server span, but of
  # every client span above it). Only peers before it: a C++ relay checks
  # the whole remaining route before it calls on.
  TRACEPROP_JAEGER_INVALID_TRACE=$(rand_trace)
  export TRACEPROP_JAEGER_INVALID_TRACE TRACEPROP_JAEGER_INVALID_ROUTE=java,python,cpp-callback,bad
  if timeout 30 "$TRACEPROP_RELAY_CLIENT" --route "$TRACEPROP_JAVA,$TRACEPROP_PYTHON,\
$TRACEPROP_CPP_CALLBACK,bad:0" \
    --traceparent "00-$TRACEPROP_JAEGER_INVALID_TRACE-$TRACEPROP_JAEGER_ERROR_PARENT-01"; then
    echo "test_peers: a chain with an invalid route succeeded" >&2
    status=1
  fi
  # Every relay flushes its spans when it stops (SIGTERM); Jaeger stays.
  for pid in "${RELAY_PIDS[@]}"; do procs_stop "$pid"; done
  if ((status == 0)); then
    (cd tests/interop &&
      timeout -k 10 120 node --test --test-reporter=spec jaeger.test.js) || status=$?
  fi
fi
procs_finish "$status"

#!/usr/bin/env bash
# The traceprop demo: one request crosses three gRPC services — written with
# the three gRPC C++ server APIs — and a background worker; every log line
# of every process carries the same trace id, and every process records its
# spans of the trace (to a local OTLP/JSON file each, no collector needed),
# shown at the end as a timed waterfall (scripts/waterfall.py).
#
#   scripts/demo.sh            # BUILD_DIR (default build-demo), JOBS (default nproc)
#
#   relay_client ──> frontend (sync API) ──> inventory (async CQ API) ──> billing (callback API)
#                       │
#                       └──> task queue ──> worker thread (job carries the trace in its payload)
#
# It installs missing Debian packages (scripts/install_deps.sh), builds the
# example programs with cmake+ninja, starts the servers on free 127.0.0.1
# ports, sends one request, prints the hop tree and the interleaved logs of
# all processes for that trace, stops everything it started — on success,
# failure, Ctrl-C or kill — and prints the trace's waterfall from the spans
# the processes flushed as they stopped. To send the spans to Jaeger or a
# Collector instead, run any program with
# OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 (see README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$ROOT/build-demo}")
JOBS=${JOBS:-$(nproc)}
cd "$ROOT"

bold() { if [[ -t 1 ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

bold "== 1. dependencies"
scripts/install_deps.sh

bold "== 2. build ($BUILD_DIR)"
if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTRACEPROP_BUILD_TESTS=OFF -DTRACEPROP_BUILD_BENCHMARKS=OFF >/dev/null
fi
ninja -C "$BUILD_DIR" -j"$JOBS" relay_server relay_client async_server \
  callback_server task_queue task_client
EX=$BUILD_DIR/examples

# shellcheck source=../examples/relay/procs.sh
source "$ROOT/examples/relay/procs.sh"
procs_init "$(mktemp -d "${TMPDIR:-/tmp}/traceprop-demo.XXXXXX")"
# Every process appends its spans to $PROCS_DIR/spans/NAME.jsonl (OTLP/JSON
# lines; see exporters/env_config.h), flushed when it exits. Whatever OTEL_*
# variables the caller set would redirect them: the demo ignores them.
unset OTEL_SDK_DISABLED OTEL_TRACES_EXPORTER OTEL_EXPORTER_OTLP_ENDPOINT \
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT OTEL_SERVICE_NAME OTEL_TRACES_SAMPLER
mkdir -p "$PROCS_DIR/spans"
spans() { TRACEPROP_OTLP_JSON_FILE=$PROCS_DIR/spans/$1.jsonl "${@:2}"; }

bold "== 3. start the services (127.0.0.1, free ports)"
spans tasks procs_start tasks "$EX/tasks/task_queue" --port 0 --workers 2 --name tasks
TASKS=$PROCS_ADDR
spans billing procs_start billing "$EX/callback_server/callback_server" --port 0 --name billing
BILLING=$PROCS_ADDR
spans inventory procs_start inventory "$EX/async_server/async_server" --port 0 --threads 2 --name inventory
INVENTORY=$PROCS_ADDR
spans frontend procs_start frontend "$EX/relay/relay_server" --port 0 --name frontend --enqueue_to "$TASKS"
FRONTEND=$PROCS_ADDR
printf '  %-10s %s\n' frontend "$FRONTEND (sync API; queues a background job)" \
  inventory "$INVENTORY (async completion-queue API, 2 threads)" \
  billing "$BILLING (callback API)" tasks "$TASKS (task queue, 2 worker threads)"

bold "== 4. one request: frontend -> inventory -> billing"
spans client "$EX/relay/relay_client" --name client --route "$FRONTEND,$INVENTORY,$BILLING" --payload "order 42" \
  2>"$PROCS_DIR/client.log" | tee "$PROCS_DIR/tree.txt"
trace=$(sed -n 's/^client  trace \([0-9a-f]\{32\}\) .*/\1/p' "$PROCS_DIR/tree.txt")
# Wait until the worker has run the job the frontend queued.
"$EX/tasks/task_client" --target "$TASKS" --drain >/dev/null 2>>"$PROCS_DIR/client.log"

procs_stop_all
procs_check_exits || { echo "demo: a service did not stop cleanly; logs in $PROCS_DIR" >&2; exit 1; }

bold "== 5. every log line of trace $trace, all processes, in time order"
# Lines start with "[YYYY-mm-dd HH:MM:SS.mmm] [process]": sorting by the
# first two fields interleaves the processes.
grep -h -F "[$trace]" "$PROCS_DIR"/*.log | sort -s -k1,2
lines=$(grep -h -F "[$trace]" "$PROCS_DIR"/*.log | wc -l)
procs=$(grep -l -F "[$trace]" "$PROCS_DIR"/*.log | wc -l)
echo
bold "trace $trace: $lines log lines from $procs processes (client, frontend, inventory, billing, tasks)"
if ((procs < 5)); then
  echo "demo: expected lines from 5 processes; logs kept in $PROCS_DIR" >&2
  exit 1
fi

bold "== 6. the spans of trace $trace, as a waterfall"
# One line per span, indented under its parent; the bar spans the trace.
python3 "$ROOT/scripts/waterfall.py" --trace "$trace" "$PROCS_DIR"/spans/*.jsonl
rm -rf "$PROCS_DIR"

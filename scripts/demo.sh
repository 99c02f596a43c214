#!/usr/bin/env bash
# The traceprop demo: one request crosses three gRPC services — written with
# the three gRPC C++ server APIs — and a background worker; every log line
# of every process carries the same trace id, and every process records its
# spans of the trace (to a local OTLP/JSON file each, no collector needed),
# shown at the end as a timed waterfall (scripts/waterfall.py) in the
# terminal and as a web page (one self-contained HTML file; its path is
# printed).
#
#   scripts/demo.sh                 # BUILD_DIR (default build-demo), JOBS (default nproc)
#   scripts/demo.sh --jaeger        # the spans go to a local Jaeger instead
#   scripts/demo.sh --keep-jaeger   # ... and Jaeger is left running to browse
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
# the processes flushed as they stopped. The span files and the page are
# kept in DEMO_OUT (default BUILD_DIR/demo-trace; both replaced at each run):
# spans/NAME.jsonl and trace.html.
#
# --jaeger: builds Jaeger v2 (scripts/jaeger.sh: once, about 6 minutes;
# then cached) and starts it in memory with tests/interop/jaeger/config.yaml
# (OTLP on 127.0.0.1:4317, query API on 127.0.0.1:16686;
# JAEGER_OTLP_GRPC_PORT, JAEGER_OTLP_HTTP_PORT, JAEGER_QUERY_HTTP_PORT and
# JAEGER_QUERY_GRPC_PORT move them), points every process at it
# (OTEL_EXPORTER_OTLP_ENDPOINT), and after the run fetches the trace as
# Jaeger assembled it (/api/v3/traces/ID, OTLP/JSON) for the waterfall and
# the page, and prints the query API's URL for it (and the UI's, when the
# Jaeger build has its UI). Jaeger is stopped at the end; --keep-jaeger
# leaves it running and says how to stop it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath -m "${BUILD_DIR:-$ROOT/build-demo}")
JOBS=${JOBS:-$(nproc)}
OUT=$(realpath -m "${DEMO_OUT:-$BUILD_DIR/demo-trace}")
JAEGER=0
KEEP_JAEGER=0
for arg in "$@"; do
  case $arg in
    --jaeger) JAEGER=1 ;;
    --keep-jaeger) JAEGER=1 KEEP_JAEGER=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    *)
      echo "demo: unknown argument $arg (--jaeger, --keep-jaeger, --help)" >&2
      exit 2
      ;;
  esac
done
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
if ((JAEGER)); then
  JAEGER_BIN=$(scripts/jaeger.sh build)
fi

# shellcheck source=../examples/relay/procs.sh
source "$ROOT/examples/relay/procs.sh"
procs_init "$(mktemp -d "${TMPDIR:-/tmp}/traceprop-demo.XXXXXX")"
# Every process appends its spans to $OUT/spans/NAME.jsonl (OTLP/JSON lines;
# see exporters/env_config.h), flushed when it exits — or, with --jaeger,
# exports them to Jaeger. Whatever OTEL_* variables the caller set would
# redirect them: the demo ignores them.
unset OTEL_SDK_DISABLED OTEL_TRACES_EXPORTER OTEL_EXPORTER_OTLP_ENDPOINT \
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT OTEL_SERVICE_NAME OTEL_TRACES_SAMPLER
rm -rf "$OUT/spans" "$OUT/trace.html"
mkdir -p "$OUT/spans"
SERVICE_PIDS=()
if ((JAEGER)); then
  bold "== 3a. start Jaeger ($JAEGER_BIN)"
  export JAEGER_OTLP_GRPC_PORT=${JAEGER_OTLP_GRPC_PORT:-4317}
  export JAEGER_OTLP_HTTP_PORT=${JAEGER_OTLP_HTTP_PORT:-4318}
  export JAEGER_QUERY_HTTP_PORT=${JAEGER_QUERY_HTTP_PORT:-16686}
  export JAEGER_QUERY_GRPC_PORT=${JAEGER_QUERY_GRPC_PORT:-16685}
  PROCS_READY='*Everything is ready*' procs_start jaeger "$JAEGER_BIN" \
    --config "$ROOT/tests/interop/jaeger/config.yaml"
  JAEGER_PID=${PROCS_PIDS[-1]}
  JAEGER_DRAIN=${PROCS_DRAINS[-1]}
  QUERY=http://127.0.0.1:$JAEGER_QUERY_HTTP_PORT
  echo "  OTLP/gRPC 127.0.0.1:$JAEGER_OTLP_GRPC_PORT, query $QUERY (log: $PROCS_DIR/jaeger.log)"
  spans() { OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$JAEGER_OTLP_GRPC_PORT "${@:2}"; }
else
  spans() { TRACEPROP_OTLP_JSON_FILE=$OUT/spans/$1.jsonl "${@:2}"; }
fi
# service NAME CMD... — starts a demo service (procs_start) exporting its spans.
service() {
  spans "$1" procs_start "$@"
  SERVICE_PIDS+=("${PROCS_PIDS[-1]}")
}

bold "== 3. start the services (127.0.0.1, free ports)"
service tasks "$EX/tasks/task_queue" --port 0 --workers 2 --name tasks
TASKS=$PROCS_ADDR
service billing "$EX/callback_server/callback_server" --port 0 --name billing
BILLING=$PROCS_ADDR
service inventory "$EX/async_server/async_server" --port 0 --threads 2 --name inventory
INVENTORY=$PROCS_ADDR
service frontend "$EX/relay/relay_server" --port 0 --name frontend --enqueue_to "$TASKS"
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

# SIGTERM: each service flushes its spans as it stops.
for pid in "${SERVICE_PIDS[@]}"; do procs_stop "$pid"; done
if ((JAEGER)); then
  # Jaeger stores a span before the export that carried it returns, and
  # every process has exported before exiting: the trace is complete.
  curl -fsS "$QUERY/api/v3/traces/$trace" | jq -c .result >"$OUT/spans/jaeger.jsonl" || {
    echo "demo: Jaeger has no trace $trace; its log: $PROCS_DIR/jaeger.log" >&2
    exit 1
  }
  if ((KEEP_JAEGER)); then  # out of procs_stop_all's reach
    keep=()
    for pid in "${PROCS_PIDS[@]}"; do [[ $pid == "$JAEGER_PID" ]] || keep+=("$pid"); done
    PROCS_PIDS=("${keep[@]}")
    keep=()
    for pid in "${PROCS_DRAINS[@]}"; do [[ $pid == "$JAEGER_DRAIN" ]] || keep+=("$pid"); done
    PROCS_DRAINS=("${keep[@]}")
  fi
fi
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

if ((JAEGER)); then
  bold "== 6. the spans of trace $trace as Jaeger assembled them, as a waterfall"
else
  bold "== 6. the spans of trace $trace, as a waterfall"
fi
# One line per span, indented under its parent; the bar spans the trace.
python3 "$ROOT/scripts/waterfall.py" --trace "$trace" --html "$OUT/trace.html" "$OUT"/spans/*.jsonl

bold "== 7. the trace as a web page (self-contained; click a span for its attributes)"
echo "page: $OUT/trace.html"
echo "  open file://$OUT/trace.html in a browser"
if ((JAEGER)); then
  bold "== 8. the trace in Jaeger"
  echo "query API: $QUERY/api/traces/$trace"
  if grep -q "ui assets not embedded" "$PROCS_DIR/jaeger.log"; then
    echo "UI: none — this Jaeger is built from its Go module, which has only a placeholder"
    echo "  page at $QUERY/ (the UI's assets are built separately with Node)"
  else
    echo "UI: $QUERY/trace/$trace"
  fi
  if ((KEEP_JAEGER)); then
    echo "Jaeger is left running (pid $JAEGER_PID; its log: $PROCS_DIR/jaeger.log)."
    echo "  Stop it with: kill -TERM -- -$JAEGER_PID"
    exit 0  # its log stays in $PROCS_DIR
  fi
  echo "Jaeger stopped (scripts/demo.sh --keep-jaeger leaves it running)."
fi
rm -rf "$PROCS_DIR"

#!/usr/bin/env bash
# Runs a relay chain (relay_client -> relay_server -> async_server ->
# callback_server, the first hop also queueing a job on task_queue) with
# every process exporting its spans as OTLP/JSON lines to a file of its own
# (TRACEPROP_OTLP_JSON_FILE), stops the servers with SIGTERM (they flush
# after shutting down: the batch delay is left at its 5 s default, so the
# spans can only be in the files because of that flush) and checks the
# trace tree with jq; then renders it with scripts/waterfall.py and checks
# the waterfall's lines.
#
#   tests/examples/spans_test.sh RELAY_BIN_DIR ASYNC_BIN_DIR CALLBACK_BIN_DIR TASKS_BIN_DIR
set -euo pipefail
RBIN=$1
ABIN=$2
CBIN=$3
TBIN=$4
HERE=$(cd "$(dirname "$0")" && pwd)
WATERFALL=$HERE/../../scripts/waterfall.py
# shellcheck source=checks.sh
source "$HERE/checks.sh" spans
D=$PROCS_DIR
unset OTEL_SDK_DISABLED OTEL_SERVICE_NAME OTEL_TRACES_EXPORTER \
  OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT \
  OTEL_TRACES_SAMPLER OTEL_TRACES_SAMPLER_ARG OTEL_BSP_SCHEDULE_DELAY

pids=()
# start NAME CMD... — a server exporting to $D/NAME.jsonl, named NAME.
start() {
  local name=$1
  shift
  TRACEPROP_OTLP_JSON_FILE=$D/$name.jsonl procs_start "$name" "$@" --name "$name"
  pids+=("${PROCS_PIDS[-1]}")
}
start queue "$TBIN/task_queue" --port 0 --workers 1
Q=$PROCS_ADDR
start hop-c "$CBIN/callback_server" --port 0
C=$PROCS_ADDR
start hop-b "$ABIN/async_server" --port 0 --threads 2
B=$PROCS_ADDR
start hop-a "$RBIN/relay_server" --port 0 --enqueue_to "$Q"
A=$PROCS_ADDR

# 1. The chain, in one trace.
out=$(TRACEPROP_OTLP_JSON_FILE=$D/client.jsonl "$RBIN/relay_client" --name client \
  --json --route "$A,$B,$C" 2>>"$D/client.log")
T=$(jq -r .client.trace_id <<<"$out")
# 2. A hop that cannot be reached (UNAVAILABLE: an error on both sides) and
# a bad route (INVALID_ARGUMENT: an error for the client, not the server).
if TRACEPROP_OTLP_JSON_FILE=$D/client-down.jsonl "$RBIN/relay_client" --name client \
  --route "$A,127.0.0.1:1" >/dev/null 2>>"$D/client.log"; then
  fail "a call to a dead hop fails"
fi
if TRACEPROP_OTLP_JSON_FILE=$D/client-bad.jsonl "$RBIN/relay_client" --name client \
  --route "$A,no-port-here" >/dev/null 2>>"$D/client.log"; then
  fail "a call with a bad route fails"
fi

# SIGTERM, queue last (its worker runs the queued jobs before it exits).
for ((i = ${#pids[@]} - 1; i >= 0; i--)); do procs_stop "${pids[i]}"; done
procs_check_exits && pass "every server exits 0 on SIGTERM" ||
  fail "every server exits 0 on SIGTERM"

# Every span of every file, flattened, with its process's service.name.
flatten() {
  jq -c '.resourceSpans[] |
    ([.resource.attributes[] | select(.key == "service.name") | .value.stringValue][0]) as $svc |
    .scopeSpans[].spans[] |
    {svc: $svc, name, kind, trace: .traceId, id: .spanId,
     parent: (.parentSpanId // ""), start: .startTimeUnixNano,
     end: .endTimeUnixNano, code: (.status.code // 0),
     grpc: ([.attributes[]? | select(.key == "rpc.grpc.status_code") | .value.intValue][0])}' "$@"
}
all=$(flatten "$D"/queue.jsonl "$D"/hop-*.jsonl "$D"/client*.jsonl | jq -sc .)
chain=$(jq -c --arg t "$T" '[.[] | select(.trace == $t)]' <<<"$all")

check "the client's trace has its 11 spans (client 2, hop-a 3, hop-b 2, hop-c 1, queue 3)" \
  'length == 11' "$chain"
n_traces=$(jq '[.[].trace] | unique | length' <<<"$all")
((n_traces == 3)) && pass "three traces in all (chain, dead hop, bad route)" ||
  fail "three traces in all (chain, dead hop, bad route): $n_traces"
check "ids are well formed" \
  'all(.[]; (.trace | test("^[0-9a-f]{32}$")) and (.id | test("^[0-9a-f]{16}$")) and (.parent | test("^([0-9a-f]{16})?$")))' "$all"
check "span ids are unique" '([.[].id] | unique | length) == length' "$all"
check "service.name is each process's --name" \
  '[.[].svc] | unique == ["client","hop-a","hop-b","hop-c","queue"]' "$chain"

# The tree: [service, kind, name] of each span and of its parent.
edges=$(jq -c 'INDEX(.id) as $by |
  [.[] | [.svc, .kind, .name, (if .parent == "" then null else
    ($by[.parent] | if . == null then "MISSING" else [.svc, .kind, .name] end) end)]] | sort' <<<"$chain")
F=traceprop.examples.Relay/Forward
E=traceprop.examples.Tasks/Enqueue
expected=$(jq -nc --arg f "$F" --arg e "$E" '[
  ["client", 1, "relay_client request", null],
  ["client", 3, $f, ["client", 1, "relay_client request"]],
  ["hop-a", 2, $f, ["client", 3, $f]],
  ["hop-a", 3, $f, ["hop-a", 2, $f]],
  ["hop-a", 3, $e, ["hop-a", 2, $f]],
  ["hop-b", 2, $f, ["hop-a", 3, $f]],
  ["hop-b", 3, $f, ["hop-b", 2, $f]],
  ["hop-c", 2, $f, ["hop-b", 3, $f]],
  ["queue", 2, $e, ["hop-a", 3, $e]],
  ["queue", 4, "publish jobs", ["queue", 2, $e]],
  ["queue", 5, "process jobs", ["queue", 4, "publish jobs"]]
] | sort')
if [[ $edges == "$expected" ]]; then
  pass "tree: every hop's SERVER span is the child of the previous hop's CLIENT span; kinds and names; the job's PRODUCER/CONSUMER spans"
else
  fail "tree: every hop's SERVER span is the child of the previous hop's CLIENT span; kinds and names"
  echo "  got:      $edges" >&2
  echo "  expected: $expected" >&2
fi
check "the chain succeeded: every status unset, every rpc.grpc.status_code 0" \
  'all(.[]; .code == 0 and (.grpc == null or .grpc == "0"))' "$chain"
# Timestamps are 19-digit decimal strings: compared as strings, exactly.
check "timestamps are 19-digit nanoseconds" \
  'all(.[]; (.start | test("^[0-9]{19}$")) and (.end | test("^[0-9]{19}$")))' "$all"
check "every span starts before it ends" 'all(.[]; .start <= .end)' "$all"
check "children run within their parents (the queued job's CONSUMER span excepted: it runs later)" \
  'INDEX(.id) as $by | all(.[] | select(.parent != "" and .kind != 5);
     $by[.parent] as $p | $p.start <= .start and .end <= $p.end)' "$chain"
check "the job runs after it was published" \
  'INDEX(.id) as $by | all(.[] | select(.kind == 5); .start >= $by[.parent].start)' "$chain"

# Statuses: a dead hop is an error for the client and for the server
# (UNAVAILABLE); a bad route only for the client (INVALID_ARGUMENT).
td=$(flatten "$D"/client-down.jsonl | jq -r -s '.[0].trace')
tb=$(flatten "$D"/client-bad.jsonl | jq -r -s '.[0].trace')
check "one trace id for the chain and its job: no span outside it but the two error traces" \
  "all(.[]; .trace == \"$T\" or .trace == \"$td\" or .trace == \"$tb\") and (\"$T\" != \"$td\") and (\"$T\" != \"$tb\")" "$all"
down=$(jq -c --arg t "$td" '[.[] | select(.trace == $t)]' <<<"$all")
check "dead hop: the client's root and CLIENT spans are errors (status_code 14)" \
  '[.[] | select(.svc == "client")] | length == 2 and all(.[]; .code == 2) and (map(select(.kind == 3))[0].grpc == "14")' "$down"
check "dead hop: hop-a's SERVER span and its CLIENT span to the dead hop are errors" \
  '[.[] | select(.svc == "hop-a" and .name == "traceprop.examples.Relay/Forward")] | length == 2 and all(.[]; .code == 2)' "$down"
bad=$(jq -c --arg t "$tb" '[.[] | select(.trace == $t)]' <<<"$all")
check "bad route: the client's CLIENT span is an error (status_code 3)" \
  '[.[] | select(.svc == "client" and .kind == 3)] | length == 1 and .[0].code == 2 and .[0].grpc == "3"' "$bad"
check "bad route: hop-a's SERVER span is not (INVALID_ARGUMENT is the client's fault)" \
  '[.[] | select(.svc == "hop-a" and .kind == 2)] | length == 1 and .[0].code == 0 and .[0].grpc == "3"' "$bad"

# The waterfall of the chain: a header, then one line per span, each
# indented one level (two spaces) deeper than its parent's line, which
# comes before it.
wf=$(python3 "$WATERFALL" --ids --trace "$T" "$D"/*.jsonl)
printf '%s\n' "$wf" >"$D/waterfall.txt"
lines=$(($(wc -l <"$D/waterfall.txt") - 1))
[[ $(head -1 "$D/waterfall.txt") == "trace $T "*" 11 spans" ]] &&
  pass "waterfall: a header naming the trace and its 11 spans" ||
  fail "waterfall: a header naming the trace and its 11 spans: $(head -1 "$D/waterfall.txt")"
((lines == 11)) && pass "waterfall: one line per span" || fail "waterfall: one line per span ($lines)"
if awk 'NR == 1 { next }
  { match($0, /^ */); depth = RLENGTH / 2
    split($0, f, "span="); split(f[2], g, " parent="); id = g[1]; parent = g[2]
    if (parent == "-") { if (depth != 0) bad = bad " " id " (root at depth " depth ")" }
    else if (!(parent in seen)) bad = bad " " id " (parent not above it)"
    else if (seen[parent] != depth - 1) bad = bad " " id " (depth " depth ", parent " seen[parent] ")"
    seen[id] = depth
    if (index($0, "|") == 0 || $0 !~ /[0-9.]+ (us|ms|s)  (unset|ok|error)/) bad = bad " " id " (no bar/duration/status)" }
  END { if (bad != "") { print "bad lines:" bad > "/dev/stderr"; exit 1 } }' "$D/waterfall.txt"; then
  pass "waterfall: children below their parent, indented one level deeper; bar, duration and status on every line"
else
  fail "waterfall: indentation follows the tree"
  cat "$D/waterfall.txt" >&2
fi
first=$(sed -n 2p "$D/waterfall.txt")
[[ $first == "relay_client request  client  INTERNAL"* && $first == *"█"*"|"* ]] &&
  pass "waterfall: the client's root span first, with its bar" ||
  fail "waterfall: the client's root span first: $first"
if python3 "$WATERFALL" --trace 00000000000000000000000000000001 "$D"/*.jsonl >/dev/null 2>&1; then
  fail "waterfall: exit 1 for a trace that is not there"
else
  pass "waterfall: exit 1 for a trace that is not there"
fi

# An unreachable collector: the spans are lost (reported), the exit is not
# delayed past the grace period (procs_stop would SIGKILL it after PROCS_STOP_WAIT_S).
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:1 \
  procs_start dead-collector "$RBIN/relay_server" --port 0 --name dead --grace_ms 1000
X=$PROCS_ADDR
"$RBIN/relay_client" --route "$X" >/dev/null 2>>"$D/client.log"
t0=$(date +%s%N)
procs_stop "${PROCS_PIDS[-1]}"
took=$((($(date +%s%N) - t0) / 1000000))
if procs_check_exits && ((took <= 1000 + 3000)) && grep -q "stopped" "$D/dead-collector.log"; then
  pass "collector unreachable: SIGTERM exits 0 within the grace period + 3 s ($took ms)"
else
  fail "collector unreachable: SIGTERM exits 0 within the grace period + 3 s ($took ms)"
fi
grep -q "spans lost" "$D/dead-collector.log" && pass "collector unreachable: the lost spans are reported" ||
  fail "collector unreachable: the lost spans are reported"

# Nothing set: nothing installed; the programs run as before.
procs_start plain "$RBIN/relay_server" --port 0 --name plain
P=$PROCS_ADDR
"$RBIN/relay_client" --route "$P" >/dev/null 2>>"$D/client.log"
procs_stop "${PROCS_PIDS[-1]}"
procs_check_exits && pass "without OTEL_* variables the programs run as before" ||
  fail "without OTEL_* variables the programs run as before"

checks_done spans

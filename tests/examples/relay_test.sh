#!/usr/bin/env bash
# Runs the relay example: three relay_server processes and relay_client,
# and checks what the hops report against the W3C Trace Context text.
#
#   tests/examples/relay_test.sh BIN_DIR     (BIN_DIR holds relay_server, relay_client)
#
# Needs jq. Every process it starts is stopped on exit.
set -euo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=checks.sh
source "$HERE/checks.sh" relay

procs_start relay-a "$BIN/relay_server" --port 0 --name relay-a
A=$PROCS_ADDR
procs_start relay-b "$BIN/relay_server" --port 0 --name relay-b
B=$PROCS_ADDR
procs_start relay-c "$BIN/relay_server" --port 0 --name relay-c
C=$PROCS_ADDR

client() { "$BIN/relay_client" --json "$@" 2>>"$PROCS_DIR/client.log"; }

# Each hop continued from the parent-id in the traceparent it received.
CHAIN='[.hops[] | (.traceparent | split("-")[2]) == .parent_span_id] | all'

# 1. A new trace crosses three processes.
out=$(client --route "$A,$B,$C")
check "three hops answer in route order" \
  '[.hops[].service] == ["relay-a","relay-b","relay-c"]' "$out"
check "every hop is in the client's trace" \
  '.client.trace_id as $t | ($t | test("^[0-9a-f]{32}$")) and ([.hops[].trace_id == $t] | all)' "$out"
check "every hop continued from the parent-id it received" "$CHAIN" "$out"
check "each hop received a version-00 traceparent of that trace" \
  '.client.trace_id as $t | [.hops[].traceparent | test("^00-" + $t + "-[0-9a-f]{16}-0[13]$")] | all' "$out"
check "every hop has its own span id" \
  '[.hops[].span_id] | (unique | length) == 3 and all(test("^[0-9a-f]{16}$"))' "$out"
check "the parent of a hop is never the previous hop's own span id (call spans)" \
  '[range(1; .hops | length) as $i | .hops[$i].parent_span_id != .hops[$i - 1].span_id] | all' "$out"
check "sampled everywhere" '[.hops[].sampled] | all' "$out"
trace=$(jq -r .client.trace_id <<<"$out")
for name in relay-a relay-b relay-c; do
  if grep -q "\[$trace\]" "$PROCS_DIR/$name.log"; then pass "$name logged under the trace"; else
    fail "$name logged under the trace"
  fi
done

# 2. A given traceparent and tracestate are continued and passed on.
TP=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
TS='congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'
out=$(client --route "$A,$B,$C" --traceparent "$TP" --tracestate "$TS")
check "given trace id continued by every hop" \
  '[.hops[].trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"] | all' "$out"
check "first hop's parent is the given parent-id" \
  '.hops[0].parent_span_id == "00f067aa0ba902b7"' "$out"
check "tracestate reaches every hop unchanged" \
  "[.hops[].tracestate == \"$TS\"] | all" "$out"
check "chain continuity with a given context" "$CHAIN" "$out"

# 3. Not sampled stays not sampled (W3C §3.2.2.5.1).
out=$(client --route "$A,$B" --unsampled)
check "unsampled trace stays unsampled" \
  '([.hops[].sampled | not] | all) and ([.hops[].traceparent | endswith("-00") or endswith("-02")] | all)' "$out"

# 4. Bad or unusual headers (W3C §4.3): restart, never propagate garbage.
restart='.hops[0].parent_span_id == "" and .hops[0].trace_id != "4bf92f3577b34da6a3ce929d0e0e4736" and .hops[1].trace_id == .hops[0].trace_id'
out=$(client --route "$A,$B" --traceparent 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01)
check "uppercase traceparent restarts the trace" "$restart" "$out"
out=$(client --route "$A,$B" --traceparent "$TP,00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01")
check "two traceparent values restart the trace" "$restart" "$out"
check "both values are reported joined with ','" \
  ".hops[0].traceparent == \"$TP,00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01\"" "$out"
out=$(client --route "$A,$B" --traceparent ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01)
check "version ff restarts the trace" "$restart" "$out"
out=$(client --route "$A,$B" --traceparent "$TP-extra")
check "version 00 with trailing data restarts the trace" "$restart" "$out"
out=$(client --route "$A,$B" --traceparent 00-00000000000000000000000000000000-00f067aa0ba902b7-01)
check "all-zero trace-id restarts the trace" \
  '.hops[0].parent_span_id == "" and (.hops[0].trace_id | test("^0+$") | not)' "$out"
out=$(client --route "$A,$B" --traceparent cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-future)
check "a future version is continued by its first four fields" \
  '([.hops[].trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"] | all) and .hops[0].parent_span_id == "00f067aa0ba902b7"' "$out"
check "and sent on as version 00 with only known flags" \
  '.hops[1].traceparent | test("^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$")' "$out"
out=$(client --route "$A,$B" --traceparent "$TP" --tracestate 'Bad Key=1')
check "an invalid tracestate is dropped, the trace continues" \
  '.hops[0].trace_id == "4bf92f3577b34da6a3ce929d0e0e4736" and .hops[0].tracestate == "Bad Key=1" and .hops[1].tracestate == ""' "$out"

# 5. Errors are clear and the servers keep serving.
check_unreachable_hop "$BIN/relay_client" "$A" relay-a
if err=$("$BIN/relay_client" --route "$A,$B,not-a-hop" 2>&1 >/dev/null); then
  fail "malformed route entry fails"
else
  [[ $err == *"INVALID_ARGUMENT"*"not-a-hop"* ]] && pass "malformed entry: INVALID_ARGUMENT naming it" ||
    fail "malformed entry: INVALID_ARGUMENT naming it (got: $err)"
fi
out=$(client --route "$A,$B,$C")
check "servers still serve after bad requests" '.hops | length == 3' "$out"

# 6. The readable tree.
tree=$("$BIN/relay_client" --route "$A,$B" 2>>"$PROCS_DIR/client.log")
[[ $tree == *"└─ relay-a"*"└─ relay-b"* ]] && pass "tree output lists the hops" ||
  fail "tree output lists the hops (got: $tree)"

stop_and_finish "relay" "$PROCS_DIR"/relay-{a,b,c}.log

#!/usr/bin/env bash
# Runs the callback (reactor) example: callback_server's streaming
# Ticker.Watch (every tick says which trace the reactor step that wrote it
# saw) and its unary Relay.Forward with a client callback in a chain.
#
#   tests/examples/callback_server_test.sh CALLBACK_BIN_DIR RELAY_BIN_DIR
set -euo pipefail
CBIN=$1
RBIN=$2
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=checks.sh
source "$HERE/checks.sh" callback

procs_start callback "$CBIN/callback_server" --port 0 --name callback
CB=$PROCS_ADDR
procs_start relay "$RBIN/relay_server" --port 0 --name relay
R=$PROCS_ADDR
LOG=$PROCS_DIR/callback.log

# 1. Streaming: every reactor step runs under the call's server span.
out=$("$CBIN/ticker_client" --target "$CB" --count 6 --json 2>>"$PROCS_DIR/client.log")
check "six ticks in order" '[.ticks[].seq] == [1,2,3,4,5,6]' "$out"
check "every tick written under the client's trace" \
  '.client.trace_id as $t | [.ticks[].trace_id == $t] | all' "$out"
check "every tick written under one server span (not the client's)" \
  '(.ticks | map(.span_id) | unique | length == 1) and (.ticks[0].span_id | test("^[0-9a-f]{16}$")) and .ticks[0].span_id != .client.span_id' "$out"
check "first tick from the constructor, the rest from OnWriteDone" \
  '.ticks[0].step == "constructor" and ([.ticks[1:][].step == "OnWriteDone"] | all)' "$out"
t=$(jq -r .client.trace_id <<<"$out")
s=$(jq -r '.ticks[0].span_id' <<<"$out")
grep -q "\[$t\] \[$s\] Watch: done after 6 ticks" "$LOG" && pass "OnDone logs under the call's span" ||
  fail "OnDone logs under the call's span"

# Concurrent streams never mix their traces.
pids=()
for i in 1 2 3 4 5; do
  "$CBIN/ticker_client" --target "$CB" --count 20 --json >"$PROCS_DIR/w$i.json" 2>>"$PROCS_DIR/client.log" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
ok=true
for i in 1 2 3 4 5; do
  [[ $(jq -r '.client.trace_id as $t | (.ticks | length == 20) and ([.ticks[].trace_id == $t] | all)' "$PROCS_DIR/w$i.json") == true ]] || ok=false
done
$ok && pass "5 concurrent streams: every tick under its own trace" ||
  fail "5 concurrent streams: every tick under its own trace"

if err=$("$CBIN/ticker_client" --target "$CB" --count 0 2>&1 >/dev/null); then fail "count 0 fails"; else
  [[ $err == *"count must be 1..100"* ]] && pass "count 0: INVALID_ARGUMENT" || fail "count 0: INVALID_ARGUMENT ($err)"
fi

# 2. Unary callback Forward in a chain; the client callback (Wrap) logs
# under the handler's span.
out=$("$RBIN/relay_client" --json --route "$CB,$R,$CB" 2>>"$PROCS_DIR/client.log")
check "callback -> relay -> callback answers in order" \
  '[.hops[].service] == ["callback","relay","callback"]' "$out"
check "every hop in the client's trace" '.client.trace_id as $t | [.hops[].trace_id == $t] | all' "$out"
check "every hop continued from what it received" \
  '[.hops[] | (.traceparent | split("-")[2]) == .parent_span_id] | all' "$out"
t=$(jq -r .client.trace_id <<<"$out")
s=$(jq -r '.hops[0].span_id' <<<"$out")
grep -q "\[$t\] \[$s\] 127.0.0.1:[0-9]* answered: OK" "$LOG" &&
  pass "the client callback runs under the handler's span (Wrap)" ||
  fail "the client callback runs under the handler's span (Wrap)"
check_unreachable_hop "$RBIN/relay_client" "$CB" callback

stop_and_finish "callback server" "$LOG"

#!/usr/bin/env bash
# Runs the completion-queue example (async_server, several drain threads)
# in relay chains and checks that every step of every call logs under that
# call's trace and server span, also with concurrent calls.
#
#   tests/examples/async_server_test.sh ASYNC_BIN_DIR RELAY_BIN_DIR
set -euo pipefail
ABIN=$1
RBIN=$2
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=checks.sh
source "$HERE/checks.sh" async

procs_start async "$ABIN/async_server" --port 0 --threads 3 --name async
AS=$PROCS_ADDR
procs_start relay "$RBIN/relay_server" --port 0 --name relay
R=$PROCS_ADDR
LOG=$PROCS_DIR/async.log
client() { "$RBIN/relay_client" --json "$@" 2>>"$PROCS_DIR/client.log"; }
CHAIN='[.hops[] | (.traceparent | split("-")[2]) == .parent_span_id] | all'

out=$(client --route "$AS,$R,$AS")
first=$out
check "async -> relay -> async answers in order" \
  '[.hops[].service] == ["async","relay","async"]' "$out"
check "every hop in the client's trace" '.client.trace_id as $t | [.hops[].trace_id == $t] | all' "$out"
check "every hop continued from what it received" "$CHAIN" "$out"
t=$(jq -r .client.trace_id <<<"$out")
s0=$(jq -r '.hops[0].span_id' <<<"$out")
s2=$(jq -r '.hops[2].span_id' <<<"$out")
for step in "step 1 on cq-[0-9]*: Forward received" "step 2 on cq-[0-9]*: .* answered: OK" "step 3 on cq-[0-9]*: reply sent"; do
  grep -q "\[$t\] \[$s0\] $step" "$LOG" && pass "first call: '$step' under its span" ||
    fail "first call: '$step' under its span"
done
grep -q "\[$t\] \[$s2\] step 1" "$LOG" && grep -q "\[$t\] \[$s2\] step 3" "$LOG" &&
  pass "last call: its steps under its own span" || fail "last call: its steps under its own span"

# Concurrent calls: every step line names a (trace, span) pair that belongs
# to one call, and each call has all its steps.
: >"$PROCS_DIR/pairs"
pids=()
for i in $(seq 1 8); do
  client --route "$AS,$R" >"$PROCS_DIR/c$i.json" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
ok=true
for i in $(seq 1 8); do
  out=$(cat "$PROCS_DIR/c$i.json")
  t=$(jq -r .client.trace_id <<<"$out")
  s=$(jq -r '.hops[0].span_id' <<<"$out")
  [[ $(jq -r '.hops[0].trace_id == .client.trace_id and .hops[1].trace_id == .client.trace_id' <<<"$out") == true ]] || ok=false
  echo "[$t] [$s]" >>"$PROCS_DIR/pairs"
  n=$(grep -c "\[$t\] \[$s\] step [123] " "$LOG" || true)
  [[ $n == 3 ]] || { echo "  call $i: $n step lines" >&2; ok=false; }
done
$ok && pass "8 concurrent calls: three steps each, all under their own trace" ||
  fail "8 concurrent calls: three steps each, all under their own trace"
# Every step line so far belongs to one of the calls made: no step ever
# logged under another call's span, or under none.
echo "[$(jq -r .client.trace_id <<<"$first")] [$s0]" >>"$PROCS_DIR/pairs"
echo "[$(jq -r .client.trace_id <<<"$first")] [$s2]" >>"$PROCS_DIR/pairs"
strays=$(grep -E "step [123] on" "$LOG" | cut -d' ' -f5,6 | sort -u |
  grep -v -x -F -f "$PROCS_DIR/pairs" || true)
[[ -z $strays ]] && pass "no step logged under a foreign span" ||
  fail "no step logged under a foreign span: $strays"

# Errors.
if err=$("$RBIN/relay_client" --route "$AS,bad" 2>&1 >/dev/null); then fail "bad route fails"; else
  [[ $err == *INVALID_ARGUMENT*"'bad'"* ]] && pass "bad route: INVALID_ARGUMENT" || fail "bad route: INVALID_ARGUMENT ($err)"
fi
check_unreachable_hop "$RBIN/relay_client" "$AS" async

stop_and_finish "async server" "$LOG"

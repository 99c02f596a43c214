#!/usr/bin/env bash
# Runs the task-queue example: task_queue with worker threads, task_client,
# and a relay_server that queues background work — and checks that the
# worker continues the trace (CONTINUE) or starts a new one that records its
# origin (NEW_TRACE_WITH_ORIGIN), and that worker log lines carry the trace.
#
#   tests/examples/tasks_test.sh TASKS_BIN_DIR RELAY_BIN_DIR
#
# Needs jq. Every process it starts is stopped on exit.
set -euo pipefail
TBIN=$1
RBIN=$2
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=checks.sh
source "$HERE/checks.sh" tasks

procs_start tasks "$TBIN/task_queue" --port 0 --workers 3
Q=$PROCS_ADDR
LOG=$PROCS_DIR/tasks.log
client() { "$TBIN/task_client" --target "$Q" --json "$@" 2>>"$PROCS_DIR/client.log"; }

# 1. CONTINUE: the job is a child span of the Enqueue server span.
out=$(client --work "resize image" --mode continue)
check "enqueue ran in the client's trace" '.enqueue.trace_id == .client.trace_id' "$out"
check "worker continues the trace" '.result.trace_id == .client.trace_id' "$out"
check "worker span is a child of the enqueuing span" \
  '.result.parent_span_id == .enqueue.span_id and .result.span_id != .enqueue.span_id' "$out"
check "no origin recorded when continuing" '.result.origin_trace_id == ""' "$out"
check "ran on a worker thread" '.result.worker | test("^worker-[0-9]+$")' "$out"
t=$(jq -r .result.trace_id <<<"$out")
s=$(jq -r .result.span_id <<<"$out")
grep -q "\[$t\] \[$s\] worker-[0-9]* runs job" "$LOG" && pass "worker log line carries the job's trace and span" ||
  fail "worker log line carries the job's trace and span"

# 2. NEW_TRACE_WITH_ORIGIN: a fresh trace that records where it came from.
out=$(client --work "nightly report" --mode new)
check "new trace for the job" \
  '.result.trace_id != .client.trace_id and (.result.trace_id | test("^[0-9a-f]{32}$"))' "$out"
check "new trace has no parent" '.result.parent_span_id == ""' "$out"
check "origin is the enqueuing span" \
  '.result.origin_trace_id == .enqueue.trace_id and .result.origin_span_id == .enqueue.span_id' "$out"
t=$(jq -r .result.trace_id <<<"$out")
o=$(jq -r .enqueue.trace_id <<<"$out")
grep -q "\[$t\] .* in a new trace; origin $o" "$LOG" && pass "worker logs the origin under the new trace" ||
  fail "worker logs the origin under the new trace"

# 3. Many jobs at once: each worker line carries its own job's trace.
pids=()
for i in 1 2 3 4 5 6; do
  client --work "job-$i" --mode continue >"$PROCS_DIR/many-$i.json" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
ok=true
for i in 1 2 3 4 5 6; do
  out=$(cat "$PROCS_DIR/many-$i.json")
  t=$(jq -r .client.trace_id <<<"$out")
  [[ $(jq -r '.result.trace_id == .client.trace_id and .result.work == "job-'$i'"' <<<"$out") == true ]] || ok=false
  grep -q "\[$t\] \[[0-9a-f]*\] worker-[0-9]* runs job [0-9]* 'job-$i'" "$LOG" || ok=false
done
$ok && pass "concurrent jobs never show another job's trace" || fail "concurrent jobs never show another job's trace"

# 4. A relay hop queues background work in the request's trace.
procs_start relay "$RBIN/relay_server" --port 0 --name relay --enqueue_to "$Q"
R=$PROCS_ADDR
out=$("$RBIN/relay_client" --json --route "$R" 2>>"$PROCS_DIR/client.log")
"$TBIN/task_client" --target "$Q" --drain >/dev/null 2>>"$PROCS_DIR/client.log"
t=$(jq -r .client.trace_id <<<"$out")
grep -q "\[$t\] \[[0-9a-f]*\] worker-[0-9]* runs job [0-9]* 'follow-up of 'hello' from relay'" "$LOG" &&
  pass "background job from a relay runs in the request's trace" ||
  fail "background job from a relay runs in the request's trace"

# 5. Bounded state: memory stays flat over 100 000 jobs of 1 KiB (results
# are kept for the newest 1000 jobs only; an old job's result has expired).
# ASan's quarantine of freed memory would count as growth: keep it small.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4" \
  procs_start bounded "$TBIN/task_queue" --port 0 --workers 2 --keep_results 1000
B=$PROCS_ADDR
BPID=${PROCS_PIDS[-1]}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
"$TBIN/task_client" --target "$B" --jobs 20000 --work_bytes 1024 2>>"$PROCS_DIR/client.log" |
  grep -q "queued: 20000 jobs; drained: 20000" || fail "20 000 jobs queued and run"
rss1=$(rss_kib "$BPID")
"$TBIN/task_client" --target "$B" --jobs 80000 --work_bytes 1024 2>>"$PROCS_DIR/client.log" |
  grep -q "queued: 80000 jobs; drained: 100000" || fail "80 000 more jobs queued and run"
rss2=$(rss_kib "$BPID")
growth=$(((rss2 - rss1) / 1024))
((growth < 24)) &&
  pass "memory flat over 100 000 jobs: ${rss1} KiB after 20 000, ${rss2} KiB after 100 000" ||
  fail "memory flat over 100 000 jobs: grew ${growth} MiB (${rss1} -> ${rss2} KiB)"
err=$("$TBIN/task_client" --target "$B" --wait_id 1 2>&1 >/dev/null || true)
[[ $err == *"job 1 done; its result expired"* ]] && pass "an old job's result has expired" ||
  fail "an old job's result has expired ($err)"
out=$("$TBIN/task_client" --target "$B" --wait_id 100000 2>>"$PROCS_DIR/client.log")
[[ $(jq -r .id <<<"$out") == 100000 ]] && pass "the newest job's result is kept" ||
  fail "the newest job's result is kept ($out)"

stop_and_finish "task queue" "$LOG"

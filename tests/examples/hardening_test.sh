#!/usr/bin/env bash
# What an operator and an attacker do to the example servers, for each
# server API style (relay_server: sync, async_server: completion queue,
# callback_server: callback):
#   1. headers and payloads with CR/LF and other control bytes (sent by a
#      hand-made HTTP/2 client that does not refuse them) forge no log line;
#   2. an incoming deadline bounds the downstream call: the next hop sees
#      its call cancelled soon after the deadline (measured);
#   3. a client that dies mid-call cancels the downstream call (measured);
#   4. SIGTERM with 200 calls in flight — half of them stuck on a next hop
#      that never answers (a stopped process), half on a slow one — exits 0
#      within the grace period, over $RUNS runs each.
# Timeouts here are upper bounds only; every wait is for a condition.
#
#   tests/examples/hardening_test.sh RELAY_BIN_DIR ASYNC_BIN_DIR CALLBACK_BIN_DIR
set -euo pipefail
RBIN=$1
ABIN=$2
CBIN=$3
RUNS=${RUNS:-4}
GRACE_MS=1000
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../examples/relay/procs.sh
source "$HERE/../../examples/relay/procs.sh"
procs_init "$(mktemp -d "${TMPDIR:-/tmp}/hardening_test.XXXXXX")"

failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1" >&2; failures=$((failures + 1)); }
now_ms() { date +%s%3N; }

# wait_for_count FILE PATTERN N SECONDS — until FILE has N lines matching
# PATTERN (grep -E), at most SECONDS; prints the count reached.
wait_for_count() {
  local file=$1 pattern=$2 n=$3 limit=$(($(now_ms) + $4 * 1000)) c=0
  while :; do
    c=$(grep -cE -- "$pattern" "$file" 2>/dev/null || true)
    ((c >= n || $(now_ms) > limit)) && break
    sleep 0.02
  done
  echo "$c"
}

# server_cmd STYLE NAME — the command line of one server of that style.
server_cmd() {
  case $1 in
    sync) echo "$RBIN/relay_server --port 0 --grace_ms $GRACE_MS --name $2" ;;
    async) echo "$ABIN/async_server --port 0 --threads 3 --grace_ms $GRACE_MS --name $2" ;;
    callback) echo "$CBIN/callback_server --port 0 --grace_ms $GRACE_MS --name $2" ;;
  esac
}

# The next hops: a slow one (relay_server holds as asked) and a stuck one
# (a relay_server stopped with SIGSTOP: it accepts TCP, never answers).
procs_start holder "$RBIN/relay_server" --port 0 --name holder
HOLDER=$PROCS_ADDR
HLOG=$PROCS_DIR/holder.log
procs_start stuck "$RBIN/relay_server" --port 0 --name stuck
STUCK=$PROCS_ADDR
STUCK_PID=${PROCS_PIDS[-1]}
kill -STOP "$STUCK_PID"

FORGE=$'\r\nFORGED [info] [4bf92f3577b34da6a3ce929d0e0e4736] [00f067aa0ba902b7] \x1b[31mtake me'
for style in sync async callback; do
  # shellcheck disable=SC2046
  procs_start "$style" $(server_cmd "$style" "$style")
  X=$PROCS_ADDR
  XPID=${PROCS_PIDS[-1]}
  XLOG=$PROCS_DIR/$style.log

  # 1. Injection through headers (raw HTTP/2), payload and route.
  reply=$(python3 "$HERE/raw_h2_call.py" "$X" /traceprop.examples.Relay/Forward \
    'traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nFORGED [info] header' \
    'tracestate=a=b\r\nFORGED [info] state\x1b[2J')
  [[ $reply == *'\r\nFORGED [info] header'* ]] &&
    pass "$style: the CR/LF header reached the handler as sent" ||
    fail "$style: the CR/LF header reached the handler as sent ($reply)"
  "$RBIN/relay_client" --route "$X" --payload "x${FORGE}" >/dev/null 2>>"$PROCS_DIR/client.log" ||
    fail "$style: call with a CR/LF payload"
  "$RBIN/relay_client" --route "$X,bad${FORGE}:1" >/dev/null 2>>"$PROCS_DIR/client.log" &&
    fail "$style: bad route refused" || true
  wait_for_count "$XLOG" 'bad\\r\\nFORGED' 1 10 >/dev/null
  if grep -q $'\r' "$XLOG" || grep -q $'\x1b' "$XLOG" || grep -q '^FORGED' "$XLOG"; then
    fail "$style: no forged line, CR or ESC in the log"
    grep -n 'FORGED' "$XLOG" | cat -A | head -5 >&2
  else
    pass "$style: no forged line, CR or ESC in the log"
  fi
  grep -q 'bad\\r\\nFORGED \[info\] \[4bf92f' "$XLOG" &&
    pass "$style: the route is logged escaped, within its own line" ||
    fail "$style: the route is logged escaped, within its own line"

  # 2. Deadline: 400 ms on the client; the holder would hold 20 s.
  before=$(grep -c "held .* ms: cancelled" "$HLOG" || true)
  "$RBIN/relay_client" --route "$X,$HOLDER" --hold_ms 20000 --deadline_ms 400 \
    >/dev/null 2>>"$PROCS_DIR/client.log" && fail "$style: deadline call fails" || true
  c=$(wait_for_count "$HLOG" "held .* ms: cancelled" $((before + 1)) 15)
  held=$(grep -oE "held [0-9]+ ms: cancelled" "$HLOG" | tail -1 | grep -oE '[0-9]+' || echo 99999)
  ((c > before && held < 2500)) &&
    pass "$style: a 400 ms deadline ends the downstream call (held ${held} ms)" ||
    fail "$style: a 400 ms deadline ends the downstream call (held ${held} ms, count $c)"

  # 3. Cancellation: the client dies while the holder holds.
  before=$(grep -c "held .* ms: cancelled" "$HLOG" || true)
  started=$(grep -c "Forward from" "$HLOG" || true)
  "$RBIN/relay_client" --route "$X,$HOLDER" --hold_ms 20000 --deadline_ms 30000 \
    >/dev/null 2>>"$PROCS_DIR/client.log" &
  cpid=$!
  wait_for_count "$HLOG" "Forward from" $((started + 1)) 15 >/dev/null
  t0=$(now_ms)
  kill -KILL "$cpid"
  wait "$cpid" 2>/dev/null || true
  c=$(wait_for_count "$HLOG" "held .* ms: cancelled" $((before + 1)) 15)
  took=$(($(now_ms) - t0))
  ((c > before && took < 2500)) &&
    pass "$style: a killed client cancels the downstream call (${took} ms)" ||
    fail "$style: a killed client cancels the downstream call (${took} ms, count $c)"

  procs_stop "$XPID"
done

# 4. SIGTERM under load, $RUNS times per style.
for style in sync async callback; do
  worst=0
  for run in $(seq 1 "$RUNS"); do
    name="$style-$run"
    # shellcheck disable=SC2046
    procs_start "$name" $(server_cmd "$style" "$name")
    X=$PROCS_ADDR
    XPID=${PROCS_PIDS[-1]}
    XLOG=$PROCS_DIR/$name.log
    "$RBIN/relay_client" --route "$X,$STUCK" --concurrent 100 --deadline_ms 60000 \
      >"$PROCS_DIR/$name.stuck.out" 2>>"$PROCS_DIR/client.log" &
    c1=$!
    "$RBIN/relay_client" --route "$X,$HOLDER" --hold_ms 60000 --concurrent 100 \
      --deadline_ms 60000 >"$PROCS_DIR/$name.slow.out" 2>>"$PROCS_DIR/client.log" &
    c2=$!
    inflight=$(wait_for_count "$XLOG" "forwarding to" 200 60)
    t0=$(now_ms)
    # Exits on its own; procs_stop would SIGKILL it after PROCS_STOP_WAIT_S (a failure).
    procs_stop "$XPID"
    took=$(($(now_ms) - t0))
    wait "$c1" "$c2" || true
    ((took > worst)) && worst=$took
    if ((inflight < 200)); then
      fail "$name: 200 calls in flight before SIGTERM (only $inflight)"
    fi
    if ((took > GRACE_MS + 3000)) || ! grep -q "stopped" "$XLOG"; then
      fail "$name: exit 0 within the grace period ($took ms)"
      tail -5 "$XLOG" >&2
    fi
    for out in stuck slow; do
      grep -qE "^100 calls:" "$PROCS_DIR/$name.$out.out" ||
        fail "$name: every $out call ended ($(cat "$PROCS_DIR/$name.$out.out"))"
    done
  done
  if procs_check_exits; then
    pass "$style: SIGTERM with 200 calls in flight, $RUNS runs: exit 0 within ${GRACE_MS} ms grace (slowest ${worst} ms)"
  else
    fail "$style: SIGTERM with 200 calls in flight exits 0"
  fi
  PROCS_BAD_EXITS=()
done

kill -CONT "$STUCK_PID"
procs_stop_all
procs_check_exits && pass "holder and stuck hop exited 0" || fail "holder and stuck hop exited 0"
((failures == 0)) || { echo "$failures check(s) failed; logs in $PROCS_DIR" >&2; exit 1; }
rm -rf "$PROCS_DIR"
echo "all hardening checks passed"

# examples/relay/procs.sh — bash helpers to run example servers from a
# script and always stop them. Sourced by scripts/demo.sh,
# scripts/test_interop.sh and the tests in tests/examples.
#
#   source examples/relay/procs.sh
#   procs_init "$workdir"          # traps EXIT/INT/TERM -> procs_stop_all
#   procs_start relay-a "$bin/relay_server" --port 0 --name relay-a
#   echo "$PROCS_ADDR"             # 127.0.0.1:PORT from "listening on ..."
#
# Each server's output goes to $PROCS_DIR/<name>.log. Readiness is the
# server's "listening on HOST:PORT" line, read from its output pipe
# (a blocking read with a timeout, no polling). Every process started is
# stopped on exit — normal, failure, Ctrl-C or kill: SIGTERM to its process
# group, then SIGKILL after $PROCS_STOP_WAIT_S seconds (default 5), then
# reaped.

PROCS_PIDS=()   # servers (process group leaders)
PROCS_DRAINS=() # the cat processes copying their output to the logs
PROCS_DIR=""
PROCS_ADDR=""
declare -A PROCS_NAMES=()  # server pid -> name
PROCS_BAD_EXITS=()         # "name: status N" of servers that did not exit 0

procs_init() {
  PROCS_DIR=$1
  mkdir -p "$PROCS_DIR"
  trap procs_stop_all EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# procs_start NAME CMD ARGS... — starts CMD in its own process group, waits
# (at most 30 s) for its "listening on" line, sets PROCS_ADDR. A server
# that prints no such line (Jaeger): PROCS_READY=GLOB waits for a line
# matching GLOB instead, and PROCS_ADDR is set to that line.
procs_start() {
  local name=$1 log=$PROCS_DIR/$1.log fd line pid ready=${PROCS_READY:-}
  shift
  PROCS_ADDR=""
  : >"$log"
  # setsid: a new process group led by the server itself, so stopping it
  # also stops anything it might start.
  exec {fd}< <(exec setsid "$@" 2>&1)
  pid=$!
  PROCS_PIDS+=("$pid")
  PROCS_NAMES[$pid]=$name
  while IFS= read -r -t 30 -u "$fd" line; do
    printf '%s\n' "$line" >>"$log"
    if [[ -z $ready && $line == "listening on "* ]]; then
      PROCS_ADDR=${line#listening on }
      break
    fi
    # shellcheck disable=SC2053  # $ready is a glob on purpose
    if [[ -n $ready && $line == $ready ]]; then
      PROCS_ADDR=$line
      break
    fi
  done
  if [[ -z $PROCS_ADDR ]]; then
    exec {fd}<&-
    echo "procs: $name did not start; its output:" >&2
    cat "$log" >&2
    return 1
  fi
  # Keep draining its output into the log until it exits.
  cat <&"$fd" >>"$log" &
  PROCS_DRAINS+=("$!")
  exec {fd}<&-
}

# procs_wait_gone PID — waits up to $PROCS_STOP_WAIT_S s (default 5; the
# sanitizer steps of scripts/test.sh allow 15, as an instrumented process's
# exit, leak check included, is slower on a loaded 2-CPU machine) for PID
# to exit, then SIGKILLs its group (or itself), then reaps it; a server that exits with a non-zero
# status (a crash, a sanitizer report, or the SIGKILL) is recorded in
# PROCS_BAD_EXITS.
procs_wait_gone() {
  local pid=$1 i status=0
  for ((i = 0; i < ${PROCS_STOP_WAIT_S:-5} * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || status=$?
  if [[ -n ${PROCS_NAMES[$pid]:-} && $status != 0 ]]; then
    PROCS_BAD_EXITS+=("${PROCS_NAMES[$pid]}: status $status")
  fi
}

# procs_stop PID — stops one server started by procs_start (SIGTERM to its
# group, then as procs_wait_gone) and forgets it; its exit is checked like
# the others'.
procs_stop() {
  local pid=$1 i
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  procs_wait_gone "$pid"
  for i in "${!PROCS_PIDS[@]}"; do
    [[ ${PROCS_PIDS[$i]} == "$pid" ]] && unset 'PROCS_PIDS[i]'
  done
  PROCS_PIDS=("${PROCS_PIDS[@]}")
}

# procs_check_exits — after procs_stop_all: 0 when every server exited 0
# after SIGTERM; otherwise prints which did not (and their log tails), 1.
procs_check_exits() {
  local bad
  ((${#PROCS_BAD_EXITS[@]} == 0)) && return 0
  for bad in "${PROCS_BAD_EXITS[@]}"; do
    echo "procs: $bad; last lines of its log:" >&2
    tail -30 "$PROCS_DIR/${bad%%:*}.log" >&2
  done
  return 1
}

# procs_finish STATUS — the end of a test script: prints every log's tail
# when STATUS is not 0, stops every server, then exits with STATUS, or 1
# when a server did not exit 0 after SIGTERM. Removes $PROCS_DIR unless
# it exits with a failure.
procs_finish() {
  local status=$1 log
  if ((status != 0)); then
    for log in "$PROCS_DIR"/*.log; do
      echo "--- $(basename "$log")"
      tail -40 "$log"
    done
  fi
  procs_stop_all
  procs_check_exits || status=1  # a server that crashed or did not stop
  ((status != 0)) || rm -rf "$PROCS_DIR"
  exit "$status"
}

# procs_stop_all stops every server (SIGTERM to its group), then lets the
# log drains finish at end of output. Idempotent.
procs_stop_all() {
  local pid
  trap - EXIT INT TERM
  for pid in "${PROCS_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PROCS_PIDS[@]}" "${PROCS_DRAINS[@]}"; do
    procs_wait_gone "$pid"
  done
  PROCS_PIDS=()
  PROCS_DRAINS=()
}

# Sourced by the example tests: starts the process helpers of
# examples/relay/procs.sh in a fresh temporary directory and defines the
# check functions every script uses.
#
#   source "$HERE/checks.sh" NAME    # NAME labels the temporary directory
#   check "what" '.field == "x"' "$json"   # a jq expression that must be true
#   pass "what" / fail "what"              # a check decided in bash
#   checks_done "relay"                    # exits 1 if any check failed
#   check_unreachable_hop "$BIN/relay_client" "$A" relay-a
#   stop_and_finish "relay" "$PROCS_DIR/relay-a.log"   # last line
#
# shellcheck shell=bash
# shellcheck source=../../examples/relay/procs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../examples/relay/procs.sh"
procs_init "$(mktemp -d "${TMPDIR:-/tmp}/$1_test.XXXXXX")"

failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1" >&2; failures=$((failures + 1)); }
# check NAME JQ_EXPR JSON — the jq expression must yield true.
check() {
  if [[ $(jq -r "$2" <<<"$3") == "true" ]]; then pass "$1"; else
    fail "$1"
    echo "  expression: $2" >&2
    echo "  json: $3" >&2
  fi
}
# checks_done WHAT removes the temporary directory and exits 1 if any check
# failed.
checks_done() {
  rm -rf "$PROCS_DIR"
  if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "all $1 checks passed"
}
# check_unreachable_hop CLIENT FIRST SERVICE — `CLIENT --route
# FIRST,127.0.0.1:1` must fail with UNAVAILABLE naming the dead hop as
# SERVICE (the server that could not reach it) reports it.
check_unreachable_hop() {
  local err
  if err=$("$1" --route "$2,127.0.0.1:1" 2>&1 >/dev/null); then
    fail "unreachable hop fails"
  else
    [[ $err == *UNAVAILABLE*"$3: hop 127.0.0.1:1"* ]] &&
      pass "unreachable hop: UNAVAILABLE naming it" ||
      fail "unreachable hop: UNAVAILABLE naming it (got: $err)"
  fi
}
# stop_and_finish WHAT LOG... — SIGTERM every server: each must exit 0 and
# each LOG must say "stopped"; then checks_done WHAT.
stop_and_finish() {
  local what=$1 log
  shift
  procs_stop_all
  procs_check_exits && pass "every server exited 0 after SIGTERM" ||
    fail "every server exited 0 after SIGTERM"
  for log in "$@"; do
    grep -q "stopped" "$log" && pass "$(basename "$log" .log) stopped cleanly" ||
      fail "$(basename "$log" .log) stopped cleanly"
  done
  checks_done "$what"
}

# Sourced by the example tests: starts the process helpers of
# examples/relay/procs.sh in a fresh temporary directory and defines the
# check functions every script uses.
#
#   source "$HERE/checks.sh" NAME    # NAME labels the temporary directory
#   check "what" '.field == "x"' "$json"   # a jq expression that must be true
#   pass "what" / fail "what"              # a check decided in bash
#   checks_done "relay"                    # exits 1 if any check failed
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

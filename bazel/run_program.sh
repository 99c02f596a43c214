#!/usr/bin/env bash
# Runs a program as a Bazel test, like a ctest add_test with
# PASS_REGULAR_EXPRESSION / FAIL_REGULAR_EXPRESSION:
#
#   run_program.sh PROGRAM [--pass REGEX] [--fail REGEX] [-- ARGS...]
#
# Passes when PROGRAM exits 0, its output matches --pass (if given) and
# does not match --fail (if given). The output is always shown.
set -uo pipefail
program=$1
shift
pass_re=""
fail_re=""
while (($#)); do
  case $1 in
    --pass) pass_re=$2; shift 2 ;;
    --fail) fail_re=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "run_program.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=$("$program" "$@" 2>&1)
status=$?
printf '%s\n' "$out"
if ((status != 0)); then
  echo "run_program.sh: $program exited with $status" >&2
  exit 1
fi
if [[ -n $pass_re ]] && ! grep -Eq -- "$pass_re" <<<"$out"; then
  echo "run_program.sh: output does not match: $pass_re" >&2
  exit 1
fi
if [[ -n $fail_re ]] && grep -Eq -- "$fail_re" <<<"$out"; then
  echo "run_program.sh: output matches: $fail_re" >&2
  exit 1
fi
exit 0

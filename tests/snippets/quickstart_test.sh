#!/usr/bin/env bash
# Runs the README's first program (quickstart.cc) and checks what the README
# says it does: the handler's and the client's log lines carry the same
# trace id, each with its own span id.
#   quickstart_test.sh <path to the quickstart program>
set -euo pipefail
out=$("$1")
echo "$out"
# "[2026-...] [info] [<32 hex>] [<16 hex>] hello world"
ids() {
  grep -F "$1" <<<"$out" | sed -nE 's/.*\[info\] \[([0-9a-f]{32})\] \[([0-9a-f]{16})\] .*/\1 \2/p'
}
read -r server_trace server_span <<<"$(ids '] hello world')"
read -r client_trace client_span <<<"$(ids '] reply: hello world')"
[[ -n ${server_trace:-} && -n ${client_trace:-} ]] ||
  { echo "FAIL: expected a server and a client line with trace ids"; exit 1; }
[[ $server_trace == "$client_trace" ]] ||
  { echo "FAIL: server trace $server_trace != client trace $client_trace"; exit 1; }
[[ $server_span != "$client_span" ]] ||
  { echo "FAIL: the server span should be a span of its own"; exit 1; }
if grep -qF '[] ' <<<"$out"; then
  echo "FAIL: the default logger's lines show an empty name '[]'"; exit 1
fi
echo "ok: one trace $server_trace across client and server"

#!/usr/bin/env bash
# Prototype (not part of the library or the test command): shows that a
# gRPC C++ 1.51 server application can be given grpc-trace-bin by a core
# channel filter. See README.md here.
#
#   docs/prototypes/grpc_trace_bin_filter/build.sh
#
# Needs the gRPC core's *internal* headers, which Debian does not install:
# they come from the grpcio 1.51.1 source distribution (pip download,
# sha256-pinned, cached under ${TRACEPROP_CACHE:-~/.cache/traceprop}).
# Builds in a temporary directory, runs the program without and with the
# filter, and exits non-zero unless only the filtered run sees the value.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${TRACEPROP_CACHE:-$HOME/.cache/traceprop}/grpcio-1.51.1
SHA256=e6dfc2b6567b1c261739b43d9c59d201c1b89e017afd9e684d85aa7a186c9f7a

[[ $(pkg-config --modversion grpc++) == 1.51.1 ]] || {
  echo "needs the system gRPC C++ 1.51.1 (the filter uses its internal ABI)" >&2
  exit 1
}
if [[ ! -d $CACHE/grpcio-1.51.1/src/core ]]; then
  mkdir -p "$CACHE"
  /usr/bin/python3 -m pip download grpcio==1.51.1 --no-binary :all: --no-deps \
    -d "$CACHE" >/dev/null
  echo "$SHA256  $CACHE/grpcio-1.51.1.tar.gz" | sha256sum -c --quiet
  tar xzf "$CACHE/grpcio-1.51.1.tar.gz" -C "$CACHE" grpcio-1.51.1/src/core
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck disable=SC2046  # pkg-config output is a list of flags
g++ -std=c++17 -O1 -I"$CACHE/grpcio-1.51.1" "$HERE/main.cc" \
  "$HERE/trace_bin_filter.cc" -o "$WORK/proto" $(pkg-config --cflags --libs grpc++ grpc)
without=$(timeout 30 "$WORK/proto")
with=$(timeout 30 "$WORK/proto" install)
printf -- '--- without the filter\n%s\n--- with the filter\n%s\n' "$without" "$with"
[[ $without != *traceprop-trace-bin* && $with == *"traceprop-trace-bin (29 bytes), equal to"* ]]

# Sourced by the test scripts (test_interop.sh, test_otlp_decode.sh,
# test_peers.sh): the checks each of them starts with. Expects ROOT (the
# repository) to be set.

# require_tools WHO TOOL...: exits 1 naming the first TOOL not on PATH.
require_tools() {
  local who=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || {
      echo "$who: $tool is missing (scripts/install_deps.sh installs it)" >&2
      exit 1
    }
  done
}

# configure_once BUILD_DIR: a RelWithDebInfo Ninja build of the repository
# in BUILD_DIR, unless BUILD_DIR is already configured.
configure_once() {
  [[ -f $1/build.ninja ]] ||
    cmake -S "$ROOT" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
}

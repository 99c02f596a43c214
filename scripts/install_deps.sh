#!/usr/bin/env bash
# Installs the Debian packages traceprop needs to build, test and run the
# demo. Idempotent: apt is only touched when something is missing.
# Usage: scripts/install_deps.sh [--with-bazel] [--with-chromium]
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  clang-14 libclang-rt-14-dev
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc
  libprotobuf-dev protobuf-compiler libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libspdlog-dev libgoogle-glog-dev
  util-linux procps jq
)
for arg in "$@"; do
  case $arg in
    --with-bazel) packages+=(bazel-bootstrap) ;;
    # Headless Chromium for tests/examples/html_test.sh (the demo's trace
    # page); Debian 12's package, like every package here.
    --with-chromium) packages+=(chromium) ;;
    *) echo "install_deps: unknown argument $arg" >&2; exit 2 ;;
  esac
done
# Node.js and npm run the OpenTelemetry JS interop test; the machine image
# ships them, a bare Debian gets its own.
if ! command -v node >/dev/null 2>&1; then packages+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi
# The peers of scripts/test_peers.sh: Java + Maven, and Python's venv module.
# Go (>= the version in tests/interop/go/go.mod) is the machine image's;
# Debian's golang-go is too old for it.
if ! command -v java >/dev/null 2>&1; then packages+=(openjdk-17-jdk-headless); fi
if ! command -v mvn >/dev/null 2>&1; then packages+=(maven); fi
packages+=(python3-venv)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install_deps: all packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) != 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

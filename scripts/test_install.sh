#!/usr/bin/env bash
# Tests that traceprop can be installed and consumed:
#
#   scripts/test_install.sh
#
#   1. configure + build traceprop's libraries (no tests/benchmarks/examples)
#      and `cmake --install` them into a fresh temporary prefix (or, with
#      BUILD_DIR, install from that existing build: scripts/test.sh passes
#      its release build, so the libraries are not compiled again);
#   2. package: build tests/consumer against that prefix with
#      find_package(traceprop CONFIG) and run it (a traced gRPC call over
#      localhost, checked end to end, and the README's programs from
#      tests/snippets, -Werror, linking traceprop::traceprop), and compile
#      every installed header on its own; then the README's getting-started
#      project, built from an empty directory;
#   3. pkg-config: compile and run tests/consumer/pkgconfig_consumer.cc with
#      only `pkg-config --cflags --libs traceprop`;
#   4. subdirectory: build tests/consumer with add_subdirectory(<source>)
#      and run it;
#   5. FetchContent: configure tests/consumer with FetchContent_MakeAvailable
#      (the same targets as 4, so it is not built a third time).
#
# The consumers are built with no build type (-O0, no debug info, NDEBUG
# unset): what is checked is how they find, compile and link traceprop,
# which needs no optimiser; and a consumer without NDEBUG against an
# installed library built with it is the mix users have (scope checks on in
# their code, off in ours).
#
# Environment: JOBS (default 2), BUILD_ROOT (default build/ in the repo; the
# work happens in $BUILD_ROOT/install-test, recreated each run), BUILD_DIR
# (optional: a configured traceprop build to bring up to date and install
# from; the library-only configuration is still built by step 4).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-2}
BUILD_ROOT=${BUILD_ROOT:-$ROOT/build}
WORK=$BUILD_ROOT/install-test
PREFIX=$WORK/prefix

rm -rf "$WORK"
mkdir -p "$WORK"

step() { echo "--- $*"; }

step "build and install traceprop into $PREFIX"
BUILT=${BUILD_DIR:-$WORK/traceprop}
if [[ -z ${BUILD_DIR:-} ]]; then
  cmake -S "$ROOT" -B "$BUILT" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTRACEPROP_BUILD_TESTS=OFF -DTRACEPROP_BUILD_BENCHMARKS=OFF \
    -DTRACEPROP_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX=/nonexistent \
    >"$WORK/traceprop.configure.log" 2>&1 || { cat "$WORK/traceprop.configure.log"; exit 1; }
fi
ninja -C "$BUILT" -j"$JOBS" >"$WORK/traceprop.build.log" 2>&1 ||
  { tail -50 "$WORK/traceprop.build.log"; exit 1; }
# --prefix at install time (the configure-time prefix is a dummy): the
# package must not depend on where it was configured to go.
cmake --install "$BUILT" --prefix "$PREFIX" >"$WORK/install.log"
# The installed tree must not point back into the source or build tree.
if grep -rlE "$ROOT|$BUILT" "$PREFIX/lib/cmake" "$PREFIX/lib/pkgconfig"; then
  echo "installed package files refer to the source or build tree"
  exit 1
fi
for f in include/traceprop/context/trace_context.h include/traceprop/version.h \
  include/traceprop/proto/trace_context.pb.h include/traceprop/proto/trace_context.proto \
  include/traceprop/interceptors/tracing.h lib/cmake/traceprop/traceprop-config.cmake \
  lib/cmake/traceprop/traceprop-config-version.cmake lib/pkgconfig/traceprop.pc; do
  [[ -f $PREFIX/$f ]] || { echo "missing from the install: $f"; exit 1; }
done
echo "installed $(find "$PREFIX" -type f | wc -l) files"

step "package consumer (find_package) against $PREFIX"
cmake -S "$ROOT/tests/consumer" -B "$WORK/consumer-package" -G Ninja \
  -DCMAKE_BUILD_TYPE= -DCONSUMER_MODE=package \
  -DCMAKE_PREFIX_PATH="$PREFIX" >"$WORK/consumer-package.configure.log" 2>&1 ||
  { cat "$WORK/consumer-package.configure.log"; exit 1; }
grep "traceprop headers installed" "$WORK/consumer-package.configure.log" || true
ninja -C "$WORK/consumer-package" -j"$JOBS" >"$WORK/consumer-package.build.log" 2>&1 ||
  { tail -80 "$WORK/consumer-package.build.log"; exit 1; }
"$WORK/consumer-package/consumer"
bash "$ROOT/tests/snippets/quickstart_test.sh" "$WORK/consumer-package/quickstart"
"$WORK/consumer-package/callbacks"
"$WORK/consumer-package/header_examples"

step "getting started: the README's new project, from an empty directory, with -Werror"
# Exactly what README.md's "Getting started" tells a user to write.
mkdir -p "$WORK/getting-started/src"
cp "$ROOT/tests/snippets/getting_started.cmake" "$WORK/getting-started/src/CMakeLists.txt"
cp "$ROOT/tests/snippets/greeter.proto" "$WORK/getting-started/src/greeter.proto"
cp "$ROOT/tests/snippets/quickstart.cc" "$WORK/getting-started/src/main.cc"
cmake -S "$WORK/getting-started/src" -B "$WORK/getting-started/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" \
  >"$WORK/getting-started.configure.log" 2>&1 ||
  { cat "$WORK/getting-started.configure.log"; exit 1; }
ninja -C "$WORK/getting-started/build" -j"$JOBS" >"$WORK/getting-started.build.log" 2>&1 ||
  { tail -80 "$WORK/getting-started.build.log"; exit 1; }
bash "$ROOT/tests/snippets/quickstart_test.sh" "$WORK/getting-started/build/greeter"

step "a version the package does not satisfy is refused"
mkdir -p "$WORK/version-check"
cat >"$WORK/version-check/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.18)
project(version_check LANGUAGES CXX)
find_package(traceprop 99.0 CONFIG QUIET)
if(traceprop_FOUND)
  message(FATAL_ERROR "find_package(traceprop 99.0) accepted ${traceprop_VERSION}")
endif()
find_package(traceprop CONFIG QUIET COMPONENTS no_such_component)
if(traceprop_FOUND)
  message(FATAL_ERROR "find_package(traceprop COMPONENTS no_such_component) succeeded")
endif()
EOF
cmake -S "$WORK/version-check" -B "$WORK/version-check/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$PREFIX" >"$WORK/version-check.log" 2>&1 ||
  { cat "$WORK/version-check.log"; exit 1; }
echo "ok"

step "pkg-config consumer"
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
[[ $(pkg-config --modversion traceprop) == "$(sed -n 's/^#define TRACEPROP_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/version.h")" ]] ||
  { echo "traceprop.pc version differs from version.h"; exit 1; }
# shellcheck disable=SC2046
g++ -std=c++17 -o "$WORK/pkgconfig_consumer" "$ROOT/tests/consumer/pkgconfig_consumer.cc" \
  $(pkg-config --cflags --libs traceprop)
"$WORK/pkgconfig_consumer"
unset PKG_CONFIG_PATH

step "subdirectory consumer (add_subdirectory)"
cmake -S "$ROOT/tests/consumer" -B "$WORK/consumer-subdirectory" -G Ninja \
  -DCMAKE_BUILD_TYPE= -DCONSUMER_MODE=subdirectory \
  -DTRACEPROP_SOURCE_DIR="$ROOT" >"$WORK/consumer-subdirectory.configure.log" 2>&1 ||
  { cat "$WORK/consumer-subdirectory.configure.log"; exit 1; }
ninja -C "$WORK/consumer-subdirectory" -j"$JOBS" consumer \
  >"$WORK/consumer-subdirectory.build.log" 2>&1 ||
  { tail -80 "$WORK/consumer-subdirectory.build.log"; exit 1; }
"$WORK/consumer-subdirectory/consumer"
ninja -C "$WORK/consumer-subdirectory" -j"$JOBS" quickstart callbacks header_examples \
  >>"$WORK/consumer-subdirectory.build.log" 2>&1 ||
  { tail -80 "$WORK/consumer-subdirectory.build.log"; exit 1; }
"$WORK/consumer-subdirectory/callbacks"

step "FetchContent consumer (configure and generate only: the build is the add_subdirectory one)"
cmake -S "$ROOT/tests/consumer" -B "$WORK/consumer-fetchcontent" -G Ninja \
  -DCMAKE_BUILD_TYPE= -DCONSUMER_MODE=fetchcontent \
  -DTRACEPROP_SOURCE_DIR="$ROOT" >"$WORK/consumer-fetchcontent.configure.log" 2>&1 ||
  { cat "$WORK/consumer-fetchcontent.configure.log"; exit 1; }
echo "ok"

echo "test_install: all consumers built and passed"

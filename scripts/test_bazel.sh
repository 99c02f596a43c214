#!/usr/bin/env bash
# Builds and tests everything with Bazel, offline, against Debian's packages:
#
#   scripts/test_bazel.sh [extra bazel test args, e.g. //context/...]
#
# Needs only `apt-get install bazel-bootstrap` (Debian's Bazel 4.2.3) and the
# -dev packages scripts/install_deps.sh installs; nothing is downloaded
# (WORKSPACE points Bazel at local stand-ins and /usr, see bazel/).
#
# What it does:
#   1. Snapshots the source tree (git's tracked and untracked, not ignored
#      files) into $TRACEPROP_BAZEL_ROOT/workspace. In-tree CMake build
#      directories hold a symlink include/traceprop -> the source root, which
#      `bazel test //...` would otherwise walk into forever; the snapshot also
#      keeps the run consistent while the tree is being edited.
#   2. Checks that every CMake target (library, test, program) has a Bazel
#      target of the same name in the same folder (bazel/check_target_names.py).
#   3. Runs `bazel test //...` there with --jobs=$JOBS: every library,
#      example, benchmark and test target is built, every test is run.
#   4. Builds and runs tests/consumer, a separate workspace depending on
#      @traceprop (local_repository), like a user's WORKSPACE.
#
# Environment:
#   TRACEPROP_BAZEL_ROOT  where the snapshot and Bazel's output (cache) live;
#                         default $HOME/.cache/traceprop-bazel. Reusing it
#                         makes reruns incremental; delete it to start over.
#   JOBS                  parallel jobs (default 2).
#   BAZEL                 the bazel binary (default: bazel on PATH).
# The Bazel server exits after 5 idle minutes (--max_idle_secs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BAZEL=${BAZEL:-bazel}
JOBS=${JOBS:-2}
STATE=${TRACEPROP_BAZEL_ROOT:-${HOME:-/tmp}/.cache/traceprop-bazel}
WORKSPACE_COPY=$STATE/workspace
OUTPUT_ROOT=$STATE/output

command -v "$BAZEL" >/dev/null 2>&1 || {
  echo "test_bazel: '$BAZEL' not found; install it with: apt-get install bazel-bootstrap" >&2
  exit 1
}

# 1. Snapshot: the exact file list git would commit (plus new files), so
#    build directories, node_modules and editor files never reach Bazel.
mkdir -p "$WORKSPACE_COPY" "$OUTPUT_ROOT"
find "$WORKSPACE_COPY" -mindepth 1 -maxdepth 1 ! -name 'bazel-*' -exec rm -rf {} +
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
    done |
    tar -C "$ROOT" --null -T - -cf - | tar -C "$WORKSPACE_COPY" -xf -
else
  tar -C "$ROOT" --exclude='./build*' --exclude='./bazel-*' --exclude='./.cache' \
    --exclude='node_modules' -cf - . | tar -C "$WORKSPACE_COPY" -xf -
fi

# 3. Test. --config=debian (.bazelrc) undoes Debian's noisy --sandbox_debug.
targets=("$@")
everything=false
if ((${#targets[@]} == 0)); then targets=(//...) everything=true; fi
cd "$WORKSPACE_COPY"
echo "test_bazel: $("$BAZEL" --version 2>/dev/null | head -1 || true), snapshot in $WORKSPACE_COPY"
bazel_() { "$BAZEL" --output_user_root="$OUTPUT_ROOT" --max_idle_secs=300 "$@"; }

# Same names in both builds: every CMake target needs its Bazel twin.
bazel_ query 'kind(rule, //...)' 2>"$STATE/query.log" |
  python3 "$WORKSPACE_COPY/bazel/check_target_names.py" "$WORKSPACE_COPY" ||
  { cat "$STATE/query.log" >&2; exit 1; }

# --nocache_test_results: build outputs may be reused from an earlier run,
# test results never are — every test runs every time.
bazel_ test --config=debian --jobs="$JOBS" --local_test_jobs="$JOBS" \
  --nocache_test_results --keep_going --test_output=errors --test_summary=terse \
  -- "${targets[@]}"

# 4. A separate workspace that depends on @traceprop, as a WORKSPACE-mode
#    user's does: tests/consumer (a traced gRPC call, checked end to end).
#    Only when testing everything.
$everything || exit 0
version=$(sed -n 's/^ *version = "\([0-9.]*\)",$/\1/p' "$WORKSPACE_COPY/MODULE.bazel" | head -1)
echo "test_bazel: tests/consumer against @traceprop $version"
cd "$WORKSPACE_COPY/tests/consumer"
bazel_ test --jobs="$JOBS" --nocache_test_results --copt="-DCONSUMER_EXPECTED_VERSION=\"$version\"" //:consumer_test

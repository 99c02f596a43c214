#!/bin/sh
# Stand-in for the coverage tools of @remote_coverage_tools.
echo "bazel coverage is not supported with the offline stand-in for @remote_coverage_tools;" >&2
echo "use the CMake build for coverage." >&2
exit 1

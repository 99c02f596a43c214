"""traceprop_example_test: Bazel's twin of the CMake function of that name
in tests/examples/CMakeLists.txt."""

load("@rules_shell//shell:sh_test.bzl", "sh_test")

# Every script sources checks.sh and starts relay servers with procs.sh.
_COMMON = [
    "checks.sh",
    "//examples/relay:procs.sh",
    "//examples/relay:relay_client",
    "//examples/relay:relay_server",
]

def traceprop_example_test(name, script, dirs, data = [], size = "medium"):
    """A test running `bash script <dir>...` over the example programs.

    Args:
      name: test name, as CMake's NAME.
      script: the bash script, as CMake's SCRIPT.
      dirs: the example folders whose programs the script runs, in the order
        it expects them (CMake's DIRS_OF, as directories).
      data: programs and files the script needs beyond _COMMON.
      size: the Bazel test size.
    """
    sh_test(
        name = name,
        size = size,
        srcs = [script],
        args = dirs,
        data = _COMMON + data,
        tags = ["unit", "examples"],
    )

"""traceprop's Bazel macros, mirroring cmake/traceprop_helpers.cmake.

Target names are the same in both builds: CMake's
`traceprop_cc_library(NAME context ...)` (traceprop::context) is
`//context:context`, CMake's test `ids_test` in tests/context is
`//tests/context:ids_test`.

    load("//bazel:defs.bzl", "traceprop_cc_library", "traceprop_cc_test")

    traceprop_cc_library(
        name = "context",
        srcs = ["trace_context.cc"],
        hdrs = ["trace_context.h"],
        deps = ["@com_google_absl//absl/status:statusor"],
    )
    traceprop_cc_test(
        name = "trace_context_test",
        srcs = ["trace_context_test.cc"],
        deps = ["//context"],
        labels = ["tsan"],
    )
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")
load("@rules_shell//shell:sh_test.bzl", "sh_test")

# What every example program links (examples/*): tracing, logging, gRPC
# and the flags library.
EXAMPLE_DEPS = [
    "//context",
    "//interceptors",
    "//logging",
    "//logging:logging_spdlog",
    "@com_github_grpc_grpc//:grpc++",
    "@com_google_absl//absl/flags:flag",
    "@com_google_absl//absl/flags:parse",
    "@com_google_absl//absl/flags:usage",
    "@com_google_absl//absl/functional:any_invocable",
    "@com_google_absl//absl/status",
    "@com_google_absl//absl/strings",
    "@com_google_protobuf//:protobuf",
    "@spdlog",
]

def traceprop_cc_library(name, srcs = [], hdrs = [], deps = [], visibility = ["//visibility:public"], **kwargs):
    """A library whose headers are included as "traceprop/<package>/<file>.h".

    Args:
      name: target name, as CMake's NAME (traceprop::<name>).
      srcs: .cc files (and private headers).
      hdrs: headers, paths relative to the package (internal/ ones too).
      deps: other targets; use the BCR-style labels of system libraries.
      visibility: public by default, like the CMake targets.
      **kwargs: passed to cc_library (copts, local_defines, ...).
    """
    package = native.package_name()
    cc_library(
        name = name,
        srcs = srcs,
        hdrs = hdrs,
        include_prefix = "traceprop/" + package,
        strip_include_prefix = "/" + package,
        linkopts = kwargs.pop("linkopts", []) + ["-pthread"],
        deps = deps,
        visibility = visibility,
        **kwargs
    )

def traceprop_cc_test(name, srcs, deps = [], labels = [], **kwargs):
    """A GoogleTest suite, as CMake's traceprop_cc_test (gtest + gmock + main).

    Args:
      name: test name, as in CMake/ctest.
      srcs: test sources.
      deps: libraries under test.
      labels: CMake labels besides "unit" (e.g. "tsan"); become tags.
      **kwargs: passed to cc_test (local_defines, data, size, ...).
    """
    cc_test(
        name = name,
        srcs = srcs,
        deps = deps + ["@com_google_googletest//:gtest_main"],
        tags = kwargs.pop("tags", []) + ["unit"] + labels,
        **kwargs
    )

def traceprop_cc_tests(tests, prefix = "", deps = [], labels = ["tsan"], **kwargs):
    """One traceprop_cc_test per entry of `tests`, for a folder of suites.

    Args:
      tests: {"foo_test": [deps of that suite only]}: test `<prefix>foo_test`
        built from foo_test.cc.
      prefix: put before each test name (CMake's NAME).
      deps: libraries every suite uses.
      labels: as traceprop_cc_test (default ["tsan"]).
      **kwargs: passed to each traceprop_cc_test.
    """
    for test, extra_deps in tests.items():
        traceprop_cc_test(
            name = prefix + test,
            srcs = [test + ".cc"],
            deps = deps + extra_deps,
            labels = labels,
            **kwargs
        )

def traceprop_example_binary(name, srcs = None, deps = [], visibility = ["//visibility:public"], **kwargs):
    """An example program (examples/*): `<name>.cc` with EXAMPLE_DEPS.

    Args:
      name: program name, as the CMake executable target.
      srcs: sources; default [name + ".cc"].
      deps: what this program needs beyond EXAMPLE_DEPS (its protos...).
      visibility: public by default (tests/examples runs the programs).
      **kwargs: passed to cc_binary.
    """
    cc_binary(
        name = name,
        srcs = srcs or [name + ".cc"],
        deps = deps + EXAMPLE_DEPS,
        visibility = visibility,
        **kwargs
    )

def traceprop_program_test(name, program, args = [], tags = ["unit"], **kwargs):
    """A test that runs `program` with bazel/run_program.sh.

    Args:
      name: test name, as CMake's add_test NAME.
      program: the cc_binary label (":basics").
      args: run_program.sh options after the program (--pass/--fail REGEX).
      tags: as CMake's labels.
      **kwargs: passed to sh_test.
    """
    sh_test(
        name = name,
        srcs = ["//bazel:run_program.sh"],
        args = ["$(location %s)" % program] + args,
        data = [program],
        tags = tags,
        **kwargs
    )

def traceprop_public_headers():
    """:public_headers, the package's public headers, for
    //tests/snippets:snippets_docs_test (their usage examples must equal the
    compiled code they name)."""
    native.filegroup(
        name = "public_headers",
        srcs = native.glob(["*.h"]),
        visibility = ["//tests/snippets:__pkg__"],
    )

def traceprop_cc_binary(name, srcs, deps = [], **kwargs):
    """A program (examples, tools), as a CMake add_executable.

    Args:
      name: program name, as the CMake executable target.
      srcs: sources.
      deps: libraries.
      **kwargs: passed to cc_binary.
    """
    cc_binary(
        name = name,
        srcs = srcs,
        deps = deps,
        **kwargs
    )

def traceprop_cc_benchmark(name, srcs, deps = [], **kwargs):
    """A Google Benchmark program, as CMake's traceprop_cc_benchmark.

    Args:
      name: program name.
      srcs: sources.
      deps: libraries under measurement.
      **kwargs: passed to cc_binary.
    """
    cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + [
            "@com_github_google_benchmark//:benchmark",
            "@com_github_google_benchmark//:benchmark_main",
        ],
        **kwargs
    )

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

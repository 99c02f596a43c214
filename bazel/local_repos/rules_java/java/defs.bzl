"""Offline stand-in for @rules_java//java:defs.bzl under Debian's Bazel 4.2.3.

Bazel 4.2.3's own @bazel_tools//tools/jdk package loads this file even for a
pure C++ build, and would otherwise fetch rules_java from the network. Every
macro forwards to the native rule, tagged like upstream rules_java does.
traceprop itself has no Java code.
"""

_MIGRATION_TAG = "__JAVA_RULES_MIGRATION_DO_NOT_USE_WILL_BREAK__"

def _tagged(attrs):
    attrs = dict(attrs)
    attrs["tags"] = (attrs.get("tags") or []) + [_MIGRATION_TAG]
    return attrs

def java_binary(**attrs):
    native.java_binary(**_tagged(attrs))

def java_import(**attrs):
    native.java_import(**_tagged(attrs))

def java_library(**attrs):
    native.java_library(**_tagged(attrs))

def java_lite_proto_library(**attrs):
    native.java_lite_proto_library(**_tagged(attrs))

def java_proto_library(**attrs):
    native.java_proto_library(**_tagged(attrs))

def java_test(**attrs):
    native.java_test(**_tagged(attrs))

def java_package_configuration(**attrs):
    native.java_package_configuration(**_tagged(attrs))

def java_plugin(**attrs):
    native.java_plugin(**_tagged(attrs))

def java_runtime(**attrs):
    native.java_runtime(**_tagged(attrs))

def java_toolchain(**attrs):
    native.java_toolchain(**_tagged(attrs))

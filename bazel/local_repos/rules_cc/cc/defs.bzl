"""Offline stand-in for @rules_cc//cc:defs.bzl under Debian's Bazel 4.2.3.

Debian's rules_cc (0.0.4) needs a newer Bazel, and Bazel 4.2.3 would fetch
rules_cc from the network. The C++ rules are built into Bazel 4, so every
macro here forwards to the native rule, adding the tag the upstream rules_cc
adds so that --incompatible_load_cc_rules_from_bzl accepts the call. Under
Bazel 7+ (MODULE.bazel) the real rules_cc from the Bazel Central Registry is
used instead and this directory is ignored.
"""

_MIGRATION_TAG = "__CC_RULES_MIGRATION_DO_NOT_USE_WILL_BREAK__"

def _tagged(attrs):
    attrs = dict(attrs)
    attrs["tags"] = (attrs.get("tags") or []) + [_MIGRATION_TAG]
    return attrs

def cc_binary(**attrs):
    native.cc_binary(**_tagged(attrs))

def cc_import(**attrs):
    native.cc_import(**_tagged(attrs))

def cc_library(**attrs):
    native.cc_library(**_tagged(attrs))

def cc_test(**attrs):
    native.cc_test(**_tagged(attrs))

def cc_proto_library(**attrs):
    native.cc_proto_library(**_tagged(attrs))

def cc_toolchain(**attrs):
    native.cc_toolchain(**_tagged(attrs))

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**_tagged(attrs))

def fdo_prefetch_hints(**attrs):
    native.fdo_prefetch_hints(**_tagged(attrs))

def fdo_profile(**attrs):
    native.fdo_profile(**_tagged(attrs))

def objc_library(**attrs):
    native.objc_library(**_tagged(attrs))

def objc_import(**attrs):
    native.objc_import(**_tagged(attrs))

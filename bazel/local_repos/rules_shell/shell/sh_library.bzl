"""Offline stand-in for @rules_shell//shell:sh_library.bzl under Bazel 4.2.3.

rules_shell does not exist for Bazel 4; its rule is built in. Under Bazel 7+
(MODULE.bazel) the real rules_shell is used.
"""

def sh_library(**attrs):
    native.sh_library(**attrs)

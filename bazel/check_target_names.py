#!/usr/bin/env python3
"""Checks that every CMake target has a Bazel target of the same name.

    check_target_names.py SOURCE_ROOT < labels

reads the labels of `bazel query 'kind(rule, //...)'` on stdin and, for
each CMakeLists.txt under SOURCE_ROOT (except tests/consumer, a separate
project), the names declared with traceprop_cc_library, traceprop_proto_library,
traceprop_cc_test, traceprop_cc_benchmark, traceprop_example_test,
add_executable and add_test
(simple `foreach(var a b c)` loops are expanded). Each must exist as
//<folder>:<name>. Prints the missing ones and exits 1 if there are any.
Conventions: docs/BUILDING.md, bazel/defs.bzl.
"""
import os
import re
import sys

DECL = re.compile(
    r"\b(?:traceprop_cc_library|traceprop_proto_library|traceprop_cc_test|"
    r"traceprop_cc_benchmark|traceprop_example_test|add_test)"
    r"\(\s*NAME\s+([^\s)]+)"
    r"|\badd_executable\(\s*([^\s)]+)")
FOREACH = re.compile(r"\bforeach\(\s*(\w+)\s+([^)]*)\)(.*?)\bendforeach\(",
                     re.S)


def names_in(text):
    found = set()
    # Expand simple foreach loops over literal items.
    for var, items, body in FOREACH.findall(text):
        if "${" in items or " IN " in f" {items} ":
            continue
        for item in items.split():
            expanded = body.replace("${%s}" % var, item)
            for m in DECL.finditer(expanded):
                found.add(m.group(1) or m.group(2))
    for m in DECL.finditer(FOREACH.sub("", text)):
        found.add(m.group(1) or m.group(2))
    return {n for n in found if "$" not in n}


def main():
    root = sys.argv[1]
    labels = set()
    for line in sys.stdin:
        line = line.strip()
        if line.startswith("//"):
            labels.add(line)
    missing = []
    checked = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if not d.startswith((".", "bazel-", "build"))
                       and d != "node_modules"]
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel
        if rel == "tests/consumer" or "CMakeLists.txt" not in filenames:
            continue
        with open(os.path.join(dirpath, "CMakeLists.txt")) as f:
            for name in sorted(names_in(f.read())):
                checked += 1
                if f"//{rel}:{name}" not in labels:
                    missing.append(f"//{rel}:{name}  (CMake target in {rel or '.'}/CMakeLists.txt)")
    if missing:
        print("CMake targets without a Bazel target of the same name:")
        for m in missing:
            print("  " + m)
        return 1
    print(f"check_target_names: all {checked} CMake targets have Bazel twins")
    return 0


if __name__ == "__main__":
    sys.exit(main())

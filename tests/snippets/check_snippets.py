#!/usr/bin/env python3
"""Checks that the code shown in the docs is the code that is compiled.

    check_snippets.py SOURCE_ROOT

Compiled files (tests/snippets/*.cc, *.txt, *.cmake, *.bazel, *.proto) mark
regions with `// [START name]` ... `// [END name]` (or `#` comments). The
docs quote them:

  - README.md and docs/*.md: a line `<!-- snippet: <file> <region> -->`
    followed by a fenced code block whose body must equal the region.
    Every ```cpp block in README.md must be quoted this way.
  - public headers (context/, logging/, interceptors/): a comment line
    `// Example (compiled in <file>, "<region>"):` followed by the example,
    each line `//   <code>` (or `//` for an empty line), which must equal
    the region.

Regions are compared after removing their common indentation. Prints each
difference and exits 1 if there is any (or if a quoted region does not
exist, or nothing was checked). With --skip-missing, quotes of files that
are absent are skipped (Bazel's test sandbox cannot see tests/consumer,
a separate workspace).
"""
import difflib
import glob
import os
import re
import sys

START = re.compile(r"^\s*(?://|#) \[START ([\w-]+)\]\s*$")
END = re.compile(r"^\s*(?://|#) \[END ([\w-]+)\]\s*$")
MD_MARK = re.compile(r"^<!-- snippet: (\S+) (\S+) -->\s*$")
H_MARK = re.compile(r'^// Example \(compiled in (\S+), "([\w-]+)"\):\s*$')


def dedent(lines):
    indents = [len(l) - len(l.lstrip(" ")) for l in lines if l.strip()]
    cut = min(indents) if indents else 0
    return [l[cut:].rstrip() for l in lines]


def regions_of(path):
    regions, open_name, body = {}, None, []
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            m = START.match(line)
            if m:
                open_name, body = m.group(1), []
                continue
            m = END.match(line)
            if m and m.group(1) == open_name:
                regions[open_name] = dedent(body)
                open_name = None
                continue
            if open_name is not None:
                body.append(line)
    return regions


class Checker:
    def __init__(self, root, skip_missing):
        self.root = root
        self.skip_missing = skip_missing
        self.skipped = 0
        self.cache = {}
        self.errors = []
        self.checked = 0

    def region(self, file, name, where):
        path = os.path.join(self.root, file)
        if not os.path.isfile(path):
            if self.skip_missing:
                self.skipped += 1
            else:
                self.errors.append(f"{where}: no file {file}")
            return None
        if path not in self.cache:
            self.cache[path] = regions_of(path)
        if name not in self.cache[path]:
            self.errors.append(f"{where}: no region [START {name}] in {file}")
            return None
        return self.cache[path][name]

    def compare(self, shown, file, name, where):
        want = self.region(file, name, where)
        if want is None:
            return
        self.checked += 1
        shown = dedent(shown)
        if shown != want:
            diff = "\n".join(difflib.unified_diff(
                want, shown, f"{file} [{name}]", where, lineterm=""))
            self.errors.append(f"{where}: differs from {file} [{name}]\n{diff}")

    def markdown(self, rel, require_marks):
        with open(os.path.join(self.root, rel), encoding="utf-8") as f:
            lines = f.read().split("\n")
        i = 0
        while i < len(lines):
            m = MD_MARK.match(lines[i])
            if m:
                j = i + 1
                if j >= len(lines) or not lines[j].startswith("```"):
                    self.errors.append(f"{rel}:{i + 1}: marker not followed by a code block")
                    i += 1
                    continue
                k = j + 1
                while k < len(lines) and not lines[k].startswith("```"):
                    k += 1
                self.compare(lines[j + 1:k], m.group(1), m.group(2), f"{rel}:{j + 2}")
                i = k + 1
                continue
            if require_marks and lines[i].startswith("```cpp"):
                self.errors.append(
                    f"{rel}:{i + 1}: C++ block not quoted from a compiled file "
                    "(add <!-- snippet: <file> <region> --> above it)")
            if lines[i].startswith("```"):
                i += 1
                while i < len(lines) and not lines[i].startswith("```"):
                    i += 1
            i += 1

    def header(self, rel):
        with open(os.path.join(self.root, rel), encoding="utf-8") as f:
            lines = f.read().split("\n")
        for i, line in enumerate(lines):
            m = H_MARK.match(line)
            if not m:
                continue
            body = []
            j = i + 1
            while j < len(lines):
                l = lines[j]
                if l.startswith("//   "):
                    body.append(l[5:])
                elif l == "//" and j + 1 < len(lines) and lines[j + 1].startswith("//   "):
                    body.append("")
                else:
                    break
                j += 1
            if not body:
                self.errors.append(f"{rel}:{i + 1}: Example marker with no example below")
                continue
            self.compare(body, m.group(1), m.group(2), f"{rel}:{i + 2}")


def main():
    args = [a for a in sys.argv[1:] if a != "--skip-missing"]
    root = args[0] if args else "."
    c = Checker(root, "--skip-missing" in sys.argv[1:])
    c.markdown("README.md", require_marks=True)
    for md in sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
        c.markdown(os.path.relpath(md, root), require_marks=False)
    for folder in ("context", "logging", "interceptors"):
        pattern = os.path.join(root, folder, "**", "*.h")
        for h in sorted(glob.glob(pattern, recursive=True)):
            c.header(os.path.relpath(h, root))
    for e in c.errors:
        print(e)
    if c.checked == 0:
        print("no snippet was checked")
        return 1
    print(f"{c.checked} snippets checked, {c.skipped} skipped (file absent), "
          f"{len(c.errors)} problems")
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())

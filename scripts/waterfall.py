#!/usr/bin/env python3
"""waterfall.py — prints the spans of OTLP/JSON-lines files as a timed
waterfall in the terminal, one trace after another.

    scripts/waterfall.py spans/*.jsonl            # every trace in the files
    scripts/waterfall.py --trace TRACE_ID a.jsonl b.jsonl
    scripts/waterfall.py --html trace.html spans/*.jsonl   # and a web page
    OTEL_TRACES_EXPORTER=console prog | scripts/waterfall.py -   # stdin

Input: what traceprop's OtlpJsonExporter writes (one TracesData object per
line, the OTLP/JSON encoding the Collector's otlpjsonfile receiver reads);
lines that are not JSON objects (a program's log on the same stdout) are
skipped. Output, per trace: a header line, then one line per span in tree
order (children after their parent, by start time), indented two spaces
per level:

    trace 4bf92f3577b34da6a3ce929d0e0e4736  5.08 ms  7 spans
    relay_client request  relay_client  INTERNAL  |████████████████████| 5.08 ms  unset
      Relay/Forward  relay_client  CLIENT         | ███████████████████| 4.95 ms  unset

The bar is scaled to the trace's duration (first start to last end);
status is unset, ok or error (with its message). A span whose parent is not
in the files is shown as a root, marked "(parent not recorded)". --ids
appends each span's id and its parent's, for scripts checking the tree.
--html OUT also writes the same traces as a self-contained HTML page
(waterfall_html.py: bars on a time axis, a colour per service, the span's
attributes, events and links on click; no network). Standard library only;
exit status 1 when no span was found.
"""

import argparse
import json
import sys

KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT",
         4: "PRODUCER", 5: "CONSUMER"}


def printable(text, limit=80):
    """Escapes what is not printable ASCII: names came from other processes."""
    out = []
    for ch in text[:limit]:
        out.append(ch if " " <= ch <= "~" else "\\x%02x" % (ord(ch) & 0xFF)
                   if ord(ch) < 0x100 else "\\u%04x" % (ord(ch) & 0xFFFF))
    return "".join(out) + ("..." if len(text) > limit else "")


def read_spans(paths):
    """Returns every span in the files, each a dict with service added."""
    spans = []
    for path in paths:
        f = (open(0, encoding="utf-8", errors="replace", closefd=False)
             if path == "-" else open(path, encoding="utf-8", errors="replace"))
        with f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    data = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                for rs in data.get("resourceSpans") or []:
                    service = "?"
                    for attr in (rs.get("resource") or {}).get("attributes") or []:
                        if attr.get("key") == "service.name":
                            service = str((attr.get("value") or {})
                                          .get("stringValue", "?"))
                    for ss in rs.get("scopeSpans") or []:
                        for span in ss.get("spans") or []:
                            try:
                                span["_start"] = int(span["startTimeUnixNano"])
                                span["_end"] = int(span["endTimeUnixNano"])
                            except (KeyError, TypeError, ValueError):
                                continue
                            span["_service"] = service
                            spans.append(span)
    return spans


def status_text(span):
    status = span.get("status") or {}
    code = status.get("code", 0)
    if code == 2 or code == "STATUS_CODE_ERROR":
        message = status.get("message", "")
        return "error" + (": " + printable(message, 60) if message else "")
    if code == 1 or code == "STATUS_CODE_OK":
        return "ok"
    return "unset"


def duration_text(ns):
    if ns >= 1_000_000_000:
        return "%.2f s" % (ns / 1e9)
    if ns >= 1_000_000:
        return "%.2f ms" % (ns / 1e6)
    return "%.1f us" % (ns / 1e3)


def tree_rows(spans):
    """Lays one trace's spans out as a tree: returns (rows, by_id, start,
    total) where rows is [(depth, span)] in tree order (children after their
    parent, siblings by start time), by_id maps span id to span, start is
    the first start and total the trace's duration in ns (at least 1). A
    span whose parent is not among them is a root; spans in a parent cycle
    come last. Every span is in rows exactly once. Shared by the terminal
    and the HTML rendering (waterfall_html.py)."""
    by_id = {s.get("spanId"): s for s in spans}
    children = {}
    roots = []
    for s in spans:
        parent = s.get("parentSpanId") or ""
        if parent and parent in by_id and parent != s.get("spanId"):
            children.setdefault(parent, []).append(s)
        else:
            roots.append(s)
    start = min(s["_start"] for s in spans)
    end = max(s["_end"] for s in spans)
    total = max(end - start, 1)

    rows = []  # (depth, span) in tree order
    seen = set()

    def walk(tops):
        stack = [(0, s) for s in sorted(tops, key=lambda s: s["_start"],
                                        reverse=True)]
        while stack:
            depth, s = stack.pop()
            if id(s) in seen:
                continue
            seen.add(id(s))
            rows.append((depth, s))
            for c in sorted(children.get(s.get("spanId"), []),
                            key=lambda s: s["_start"], reverse=True):
                stack.append((depth + 1, c))

    walk(roots)
    # Spans whose parents form a cycle (a malformed file) are shown too,
    # each cycle from its earliest span, after the tree.
    while len(seen) < len(spans):
        walk([min((s for s in spans if id(s) not in seen),
                  key=lambda s: s["_start"])])
    return rows, by_id, start, total


def render_trace(trace_id, spans, width, show_ids, out):
    rows, by_id, start, total = tree_rows(spans)
    labels = []
    for depth, s in rows:
        label = "%s%s  %s  %s" % ("  " * depth, printable(s.get("name", "")),
                                  printable(s["_service"], 40),
                                  KINDS.get(s.get("kind", 0), "?"))
        parent = s.get("parentSpanId") or ""
        if parent and parent not in by_id:
            label += " (parent not recorded)"
        labels.append(label)
    label_width = max(len(l) for l in labels)

    out.write("trace %s  %s  %d spans\n" % (printable(trace_id, 32),
                                            duration_text(total), len(rows)))
    for (depth, s), label in zip(rows, labels):
        offset = int((s["_start"] - start) * width / total)
        length = max(1, round((s["_end"] - s["_start"]) * width / total))
        offset = min(offset, width - 1)
        length = min(length, width - offset)
        bar = " " * offset + "█" * length + " " * (width - offset - length)
        line = "%s  |%s| %9s  %s" % (label.ljust(label_width), bar,
                                     duration_text(s["_end"] - s["_start"]),
                                     status_text(s))
        if show_ids:
            line += "  span=%s parent=%s" % (printable(s.get("spanId", ""), 16),
                                             printable(s.get("parentSpanId") or "-", 16))
        out.write(line + "\n")


def main():
    parser = argparse.ArgumentParser(
        description="Print OTLP/JSON-lines spans as a timed waterfall.")
    parser.add_argument("files", nargs="+", help="OTLP/JSON-lines files; - is stdin")
    parser.add_argument("--trace", help="only this trace id (32 hex)")
    parser.add_argument("--width", type=int, default=40, help="bar width")
    parser.add_argument("--ids", action="store_true",
                        help="append span and parent ids to each line")
    parser.add_argument("--html", metavar="OUT",
                        help="also write the traces as a self-contained HTML "
                        "page to OUT (waterfall_html.py)")
    args = parser.parse_args()
    width = max(args.width, 10)

    spans = read_spans(args.files)
    traces = {}
    for s in spans:
        traces.setdefault(s.get("traceId", ""), []).append(s)
    if args.trace:
        traces = {t: v for t, v in traces.items() if t == args.trace.lower()}
    if not traces:
        print("waterfall: no spans found", file=sys.stderr)
        return 1
    ordered = sorted(traces.items(), key=lambda kv: min(s["_start"] for s in kv[1]))
    for i, (trace_id, trace_spans) in enumerate(ordered):
        if i:
            sys.stdout.write("\n")
        render_trace(trace_id, trace_spans, width, args.ids, sys.stdout)
    if args.html:
        import waterfall_html  # beside this file: sys.path[0]
        with open(args.html, "w", encoding="utf-8") as out:
            waterfall_html.render_page(
                [(t, tree_rows(v)) for t, v in ordered], out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

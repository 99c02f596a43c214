#!/usr/bin/env python3
"""html_check.py — the checks of tests/examples/html_test.sh on a waterfall
page (scripts/waterfall.py --html) as headless Chromium rendered it.
Standard library only (the PNG is decoded with zlib + struct).

  html_check.py size DOM
      prints "W,H": the page's size from the self-check report in DOM (the
      output of `chromium --dump-dom PAGE#selfcheck`), plus a margin: the
      window size for the screenshot.
  html_check.py check DOM PNG --spans N [--expect FILE]
      the report's verdict is "pass" with no problem, it has N rows; with
      --expect, the rows' rendered depths and names are those of FILE (one
      "DEPTH NAME" line per row, in order); the page holds no element or
      attribute an injected span name or attribute value could have made
      (an <img>, data-pwned); and in the screenshot PNG every row is
      visible: the inside of its bar (where the DOM report says it is)
      has the bar's colour, and its name's box has text in it.
  html_check.py selfcontained PAGE
      the page loads nothing: no element that fetches (img, link, iframe,
      object, embed, base, audio, video, source), no src/href/action/
      srcset/poster attribute, no url( or @import in its CSS, a
      Content-Security-Policy of default-src 'none', and exactly one
      script that runs.
  html_check.py corrupt MODE PAGE OUT
      writes a deliberately broken copy of PAGE for the negative cases:
      swap    rows 2 and 3 (a parent and its child) trade places
      order   rows 6 and 7 (two siblings) trade places
      indent  row 3 is indented one level too deep
      drop    row 4 (and its details) is gone
      cover   row 5's bar is painted over (only the screenshot can tell)
Exit status 1 with the problems on stderr when a check fails.
"""

import html
import html.parser
import json
import re
import struct
import sys
import zlib


def report_of(dom_path):
    with open(dom_path, encoding="utf-8", errors="replace") as f:
        dom = f.read()
    m = re.search(r'<pre id="selfcheck"[^>]*>(.*?)</pre>', dom, re.S)
    if not m:
        sys.exit("html_check: no self-check report in %s (did the page's script run?)"
                 % dom_path)
    return dom, json.loads(html.unescape(m.group(1)))


def read_png(path):
    """(width, height, rows of RGB tuples-in-bytes, bytes per pixel)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s is not a PNG" % path)
    pos, idat, width = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("PNG: depth %d colour type %d interlace %d not handled"
                                 % (depth, ctype, interlace))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif ftype != 0:
            raise ValueError("PNG: bad filter %d on line %d" % (ftype, y))
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def pixel(png, x, y):
    width, height, rows, bpp = png
    if not (0 <= x < width and 0 <= y < height):
        return None
    return tuple(rows[y][x * bpp:x * bpp + 3])


def check_pixels(report, png, problems):
    width, height = png[0], png[1]
    page_w, page_h = report["page"]
    if width < page_w or height < page_h:
        problems.append("screenshot %dx%d is smaller than the page %dx%d"
                        % (width, height, page_w, page_h))
    ys = set()
    for i, row in enumerate(report["rows"]):
        x, y, w, h = row["bar"]
        colour = row["colour"]
        cy = int(y + h / 2)
        ys.add(cy)
        # The inside of the bar on its middle line (its edges are blended).
        xs = list(range(int(x) + 1, int(x + w) - 1)) or [int(x + w / 2)]
        near = sum(1 for px in xs
                   if (p := pixel(png, px, cy)) and all(abs(a - b) <= 6 for a, b in zip(p, colour)))
        if near < 0.9 * len(xs):
            problems.append("row %d (%s): its bar (%s at x %d..%d, y %d) is not in the "
                            "screenshot: %d of %d pixels have its colour"
                            % (i, row["name"], colour, x, x + w, cy, near, len(xs)))
        lx, ly, lw, lh = row["label"]
        ink = sum(1 for py in range(int(ly), int(ly + lh)) for px in range(int(lx), int(lx + lw))
                  if (p := pixel(png, px, py)) and max(p) - min(p) + (255 - min(p)) > 120)
        if ink < 10:
            problems.append("row %d (%s): no text where its name is" % (i, row["name"]))
    if len(ys) != len(report["rows"]):
        problems.append("rows share a line: %d rows on %d lines" % (len(report["rows"]), len(ys)))


def cmd_size(args):
    _, report = report_of(args[0])
    print("%d,%d" % (report["page"][0] + 16, report["page"][1] + 16))


def cmd_check(args):
    dom_path, png_path = args[0], args[1]
    spans = int(args[args.index("--spans") + 1])
    expect = args[args.index("--expect") + 1] if "--expect" in args else None
    dom, report = report_of(dom_path)
    problems = ["self-check: " + p for p in report["problems"]]
    if report["verdict"] != "pass":
        problems.append("self-check verdict: %s" % report["verdict"])
    if len(report["rows"]) != spans:
        problems.append("%d rows, the span file has %d spans" % (len(report["rows"]), spans))
    if expect:
        with open(expect, encoding="utf-8") as f:
            want = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
        got = ["%d %s" % (r["depth"], r["name"]) for r in report["rows"]]
        if got != want:
            problems.append("rows (depth name):\n  got:  %s\n  want: %s" % (got, want))
    if re.search(r"<img|data-pwned", dom, re.I):
        problems.append("the page holds an element or attribute made by span text")
    check_pixels(report, read_png(png_path), problems)
    if problems:
        for p in problems:
            print("html_check: " + p, file=sys.stderr)
        return 1
    print("html_check: %d rows: nesting, order, bars and details right in the DOM; "
          "every row visible in the %s screenshot" % (len(report["rows"]), png_path))
    return 0


class Fetches(html.parser.HTMLParser):
    FETCHING_TAGS = {"img", "link", "iframe", "object", "embed", "base", "audio",
                     "video", "source", "frame", "track", "input"}
    FETCHING_ATTRS = {"src", "href", "action", "srcset", "poster", "data",
                      "formaction", "background"}

    def __init__(self):
        super().__init__()
        self.problems, self.scripts, self.csp, self.in_style = [], 0, "", False

    def handle_starttag(self, tag, attrs):
        if tag in self.FETCHING_TAGS:
            self.problems.append("a <%s> element" % tag)
        for name, value in attrs:
            if name in self.FETCHING_ATTRS:
                self.problems.append("a %s= attribute on <%s>" % (name, tag))
            if name == "style" and value and re.search(r"url\(|@import", value, re.I):
                self.problems.append("url() in a style attribute")
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") in (None, "", "text/javascript", "module"):
            self.scripts += 1
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = attrs.get("content") or ""
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if self.in_style and re.search(r"url\(|@import", data, re.I):
            self.problems.append("url() or @import in a <style>")


def cmd_selfcontained(args):
    with open(args[0], encoding="utf-8") as f:
        parser = Fetches()
        parser.feed(f.read())
    problems = parser.problems
    if "default-src 'none'" not in parser.csp:
        problems.append("no Content-Security-Policy with default-src 'none': %r" % parser.csp)
    if parser.scripts != 1:
        problems.append("%d scripts that run, not 1" % parser.scripts)
    for p in problems:
        print("html_check: %s: %s" % (args[0], p), file=sys.stderr)
    return 1 if problems else 0


def cmd_corrupt(args):
    mode, page, out = args
    with open(page, encoding="utf-8") as f:
        lines = f.read().split("\n")
    rows = [i for i, l in enumerate(lines) if l.startswith('<div class="row ')]
    # Each row's line is followed by its details' line.
    if mode in ("swap", "order"):
        a, b = (rows[1], rows[2]) if mode == "swap" else (rows[5], rows[6])
        lines[a:a + 2], lines[b:b + 2] = lines[b:b + 2], lines[a:a + 2]
    elif mode == "indent":
        lines[rows[2]] = re.sub(r"padding-left:(\d+)px",
                                lambda m: "padding-left:%dpx" % (int(m.group(1)) + 16),
                                lines[rows[2]], count=1)
    elif mode == "drop":
        del lines[rows[3]:rows[3] + 2]
    elif mode == "cover":
        # Rows and details alternate: the fifth row is the ninth child.
        style = ('<style>.rows > .row:nth-child(9) .track::after { content: ""; '
                 'position: absolute; inset: 0; background: #fff; }</style>')
        head_end = next(j for j, l in enumerate(lines) if "</head>" in l)
        lines[head_end] = lines[head_end].replace("</head>", style + "</head>")
    else:
        sys.exit("html_check: unknown corruption " + mode)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return 0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    return {"size": cmd_size, "check": cmd_check, "corrupt": cmd_corrupt,
            "selfcontained": cmd_selfcontained}[cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())

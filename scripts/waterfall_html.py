"""waterfall_html.py — the HTML page of `scripts/waterfall.py --html OUT`.

One self-contained page (inline CSS and script, no network: its
Content-Security-Policy allows no fetch at all and only its own script, by
hash) with a section per trace: a legend of the services and their colours,
a time axis, then one row per span in tree order — the label indented by
depth, a bar placed on the trace's time axis in its service's colour (an
error is outlined in red and its status written in red), the duration and
the status. Clicking a row (or Enter on it) shows the span's ids, times,
attributes, events and links below it.

Everything that came from the span files (names, services, attribute keys
and values, status messages, ids) is HTML-escaped, with control and bidi
characters shown as \\xNN / \\uNNNN; the data the page's script reads is JSON
inside <script type="application/json"> with <, > and & escaped.

The layout is fixed-width (a row is LABEL_W + TRACK_W + DUR_W + STATUS_W
pixels, INDENT pixels per level), so the page lays out the same in any
window. Opened as PAGE#selfcheck, the page's script checks what the browser
rendered against the span data (one row per span, each row's rendered
indentation = its parent's + 1, parents above children and every row right
below its parent's subtree, siblings in start-time order, each bar where its
start time puts it on the axis and in its service's legend colour, a click
showing the span's attributes) and writes a JSON report into
<pre id="selfcheck"> (tests/examples/html_test.sh reads it with
`chromium --dump-dom`).

Parsing and the tree are waterfall.py's (read_spans, tree_rows); this module
only renders.
"""

import base64
import hashlib
import html
import json

KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT",
         4: "PRODUCER", 5: "CONSUMER"}
# Service colours: distinct, none of them the red that marks errors; more
# services than these get hues spaced by the golden angle.
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
           "#edc948", "#9c755f", "#ff9da7", "#8c6d31", "#17becf"]
LABEL_W, TRACK_W, DUR_W, STATUS_W, INDENT, ROW_H = 440, 560, 80, 160, 16, 22


def shown(text, limit=200):
    """The text as the page shows it (before HTML escaping): control and
    bidi-override characters made visible, cut at limit characters."""
    text = str(text)
    out = []
    for ch in text[:limit]:
        o = ord(ch)
        if o < 0x20 or 0x7F <= o < 0xA0:
            out.append("\\x%02x" % o)
        elif 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069 or o in (0x2028, 0x2029):
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(text) > limit else "")


def esc(text, limit=200):
    return html.escape(shown(text, limit), quote=True)


def any_value(v, depth=0):
    """An OTLP/JSON AnyValue as text."""
    if not isinstance(v, dict):
        return str(v)
    if depth > 4:
        return "…"
    if "stringValue" in v:
        return str(v["stringValue"])
    if "boolValue" in v:
        return "true" if v["boolValue"] else "false"
    if "intValue" in v:
        return str(v["intValue"])
    if "doubleValue" in v:
        return str(v["doubleValue"])
    if "arrayValue" in v:
        values = (v["arrayValue"] or {}).get("values") or []
        return "[" + ", ".join(any_value(x, depth + 1) for x in values) + "]"
    if "kvlistValue" in v:
        kvs = (v["kvlistValue"] or {}).get("values") or []
        return "{" + ", ".join("%s: %s" % (kv.get("key", ""),
                                          any_value(kv.get("value"), depth + 1))
                               for kv in kvs if isinstance(kv, dict)) + "}"
    if "bytesValue" in v:
        return "bytes " + str(v["bytesValue"])
    return ""


def attributes(items):
    """[(key, value text)] of an OTLP attribute list."""
    out = []
    for a in items or []:
        if isinstance(a, dict):
            out.append((str(a.get("key", "")), any_value(a.get("value"))))
    return out


def duration_text(ns):
    if ns >= 1_000_000_000:
        return "%.2f s" % (ns / 1e9)
    if ns >= 1_000_000:
        return "%.2f ms" % (ns / 1e6)
    return "%.1f µs" % (ns / 1e3)


def status_of(span):
    """(css class, text) of the span's status."""
    status = span.get("status") or {}
    code = status.get("code", 0)
    if code in (2, "STATUS_CODE_ERROR"):
        message = status.get("message", "")
        return "error", "✖ error" + (": " + shown(message, 300) if message else "")
    if code in (1, "STATUS_CODE_OK"):
        return "ok", "ok"
    return "unset", "unset"


def colour(i):
    if i < len(PALETTE):
        return PALETTE[i]
    return "hsl(%d, 55%%, 50%%)" % ((i * 137) % 360)


def table(rows, head):
    if not rows:
        return ""
    out = ['<table><tr>%s</tr>' % "".join("<th>%s</th>" % h for h in head)]
    for cells in rows:
        out.append("<tr>%s</tr>" % "".join("<td>%s</td>" % c for c in cells))
    out.append("</table>")
    return "".join(out)


def details_html(span, start):
    status_class, status_text = status_of(span)
    facts = [
        ("span id", esc(span.get("spanId", ""), 64)),
        ("parent span id", esc(span.get("parentSpanId") or "—", 64)),
        ("trace id", esc(span.get("traceId", ""), 64)),
        ("service", esc(span["_service"])),
        ("kind", esc(KINDS.get(span.get("kind", 0), span.get("kind", "?")))),
        ("start", "+%s" % duration_text(span["_start"] - start)),
        ("duration", duration_text(span["_end"] - span["_start"])),
        ("status", '<span class="%s">%s</span>' % (
            status_class, html.escape(status_text))),
    ]
    out = ['<dl>%s</dl>' % "".join("<dt>%s</dt><dd>%s</dd>" % f for f in facts)]
    attrs = attributes(span.get("attributes"))
    out.append("<h4>attributes</h4>" + (table(
        [(esc(k), esc(v, 2000)) for k, v in attrs], ["key", "value"])
        if attrs else "<p>none</p>"))
    events = [e for e in span.get("events") or [] if isinstance(e, dict)]
    if events:
        rows = []
        for e in events:
            try:
                at = "+" + duration_text(int(e.get("timeUnixNano")) - start)
            except (TypeError, ValueError):
                at = "?"
            rows.append((at, esc(e.get("name", "")), "<br>".join(
                "%s = %s" % (esc(k), esc(v, 2000))
                for k, v in attributes(e.get("attributes")))))
        out.append("<h4>events</h4>" + table(rows, ["time", "name", "attributes"]))
    links = [l for l in span.get("links") or [] if isinstance(l, dict)]
    if links:
        out.append("<h4>links</h4>" + table(
            [(esc(l.get("traceId", ""), 64), esc(l.get("spanId", ""), 64),
              "<br>".join("%s = %s" % (esc(k), esc(v, 2000))
                          for k, v in attributes(l.get("attributes"))))
             for l in links], ["trace id", "span id", "attributes"]))
    return "".join(out)


def json_for_script(value):
    """JSON that cannot end its <script> element or open a comment."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_section(trace_id, layout):
    rows, by_id, start, total = layout
    services = []
    for _, s in rows:
        if s["_service"] not in services:
            services.append(s["_service"])
    colour_of = {svc: colour(i) for i, svc in enumerate(services)}
    errors = sum(1 for _, s in rows if status_of(s)[0] == "error")

    out = ['<section class="trace" data-trace="%s" data-indent="%d">' % (
        esc(trace_id, 64), INDENT)]
    out.append('<h2>trace <code>%s</code> <span class="meta">%s · %d spans · '
               '%d services%s</span></h2>' % (
                   esc(trace_id, 64), duration_text(total), len(rows),
                   len(services), " · <span class=\"error\">%d error%s</span>" % (
                       errors, "" if errors == 1 else "s") if errors else ""))
    out.append('<ul class="legend">%s<li><span class="swatch errorkey"></span>'
               'error (red outline)</li></ul>' % "".join(
                   '<li data-service="%s"><span class="swatch" style="background:%s">'
                   '</span>%s</li>' % (esc(svc), colour_of[svc], esc(svc))
                   for svc in services))
    ticks = "".join('<span class="tick" style="left:%g%%">%s</span>' % (
        i * 25, "0" if i == 0 else duration_text(total * i // 4)) for i in range(5))
    out.append('<div class="axis"><div class="label">span · service · kind'
               '</div><div class="track">%s</div><div class="dur">duration</div>'
               '<div class="status">status</div></div>' % ticks)
    out.append('<div class="rows">')
    data = []
    for i, (depth, s) in enumerate(rows):
        status_class, status_text = status_of(s)
        parent = s.get("parentSpanId") or ""
        orphan = bool(parent) and parent not in by_id
        left = (s["_start"] - start) * 100.0 / total
        width = (s["_end"] - s["_start"]) * 100.0 / total
        out.append(
            '<div class="row st-%s" role="button" tabindex="0" aria-expanded="false" '
            'data-span="%s" data-parent="%s">'
            '<div class="label" style="padding-left:%dpx" title="%s"><span class="name">%s'
            '</span> <span class="svc">%s</span> <span class="kind">%s</span>%s</div>'
            '<div class="track"><div class="bar %s" style="left:min(%.4f%%, calc(100%% - 3px));'
            'width:%.4f%%;background:%s"></div></div>'
            '<div class="dur">%s</div><div class="status %s" title="%s">%s</div></div>' % (
                status_class, esc(s.get("spanId", ""), 64), esc(parent, 64),
                4 + depth * INDENT, esc(s.get("name", ""), 300), esc(s.get("name", ""), 120),
                esc(s["_service"], 60),
                esc(KINDS.get(s.get("kind", 0), s.get("kind", "?")), 20),
                ' <span class="orphan">(parent not recorded)</span>' if orphan else "",
                status_class, left, width, colour_of[s["_service"]],
                duration_text(s["_end"] - s["_start"]), status_class,
                html.escape(status_text), html.escape(status_text)))
        out.append('<div class="details" hidden>%s</div>' % details_html(s, start))
        data.append({"id": shown(s.get("spanId", ""), 64),
                     "parent": shown(parent, 64),
                     "start": str(s["_start"]), "end": str(s["_end"]),
                     "name": shown(s.get("name", ""), 120),
                     "service": shown(s["_service"]),
                     "keys": [shown(k) for k, _ in attributes(s.get("attributes"))]})
    out.append("</div>")
    out.append('<script type="application/json" class="trace-data">%s</script>'
               % json_for_script({"spans": data}))
    out.append("</section>")
    return "\n".join(out)


STYLE = """
body { margin: 16px; font: 13px/1.4 "DejaVu Sans", Arial, sans-serif; color: #222; background: #fff; }
h1 { font-size: 18px; margin: 0 0 8px; }
h2 { font-size: 15px; margin: 20px 0 6px; }
h2 .meta { font-weight: normal; color: #555; }
code { font-family: "DejaVu Sans Mono", monospace; }
section.trace { width: %(row_w)dpx; }
.legend { list-style: none; padding: 0; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 2px; }
.swatch.errorkey { background: #fff; outline: 2px solid #d00; outline-offset: -2px; }
.axis, .row { display: grid; grid-template-columns: %(label_w)dpx %(track_w)dpx %(dur_w)dpx %(status_w)dpx; height: %(row_h)dpx; align-items: center; }
.axis { border-bottom: 1px solid #bbb; color: #555; font-size: 11px; }
.axis .track { position: relative; height: 100%%; }
.tick { position: absolute; bottom: 2px; transform: translateX(-50%%); white-space: nowrap; }
.tick:first-child { transform: none; }
.tick:last-child { transform: translateX(-100%%); }
.row { cursor: pointer; border-bottom: 1px solid #f0f0f0; }
.row:hover, .row:focus, .row[aria-expanded="true"] { background: #f3f6fb; outline: none; }
.label { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; box-sizing: border-box; padding-right: 8px; }
.svc, .kind { color: #666; font-size: 11px; }
.orphan { color: #a60; font-size: 11px; }
.track { position: relative; height: 100%%; background: repeating-linear-gradient(to right, #e8e8e8 0 1px, transparent 1px 25%%); }
.bar { position: absolute; top: 4px; height: 14px; min-width: 3px; border-radius: 2px; }
.bar.error { outline: 2px solid #d00; outline-offset: 1px; }
.dur { text-align: right; padding-right: 10px; font-variant-numeric: tabular-nums; }
.status { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status.error, .meta .error, .details .error { color: #c00; font-weight: bold; }
.row.st-error .name { color: #c00; font-weight: bold; }
.details { margin: 2px 0 10px %(indent)dpx; padding: 6px 10px; border-left: 3px solid #99b; background: #fafafd; overflow-wrap: anywhere; }
.details dl { display: grid; grid-template-columns: 120px 1fr; margin: 0; }
.details dt { color: #666; }
.details dd { margin: 0; font-family: "DejaVu Sans Mono", monospace; }
.details h4 { margin: 8px 0 2px; font-size: 12px; }
.details table { border-collapse: collapse; }
.details td, .details th { border: 1px solid #ddd; padding: 1px 6px; text-align: left; vertical-align: top; }
.details td { font-family: "DejaVu Sans Mono", monospace; }
footer { margin-top: 16px; color: #777; font-size: 11px; }
""" % {"row_w": LABEL_W + TRACK_W + DUR_W + STATUS_W, "label_w": LABEL_W,
       "track_w": TRACK_W, "dur_w": DUR_W, "status_w": STATUS_W, "row_h": ROW_H,
       "indent": INDENT}

# The page's one script: rows open and close their details; PAGE#selfcheck
# checks the rendered page against the span data (see the module comment).
SCRIPT = r"""
(function () {
  function toggle(row) {
    var details = row.nextElementSibling;
    var open = details.hidden;
    details.hidden = !open;
    row.setAttribute('aria-expanded', open ? 'true' : 'false');
  }
  document.querySelectorAll('.row').forEach(function (row) {
    row.addEventListener('click', function () { toggle(row); });
    row.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(row); }
    });
  });
  if (location.hash !== '#selfcheck') return;

  var report = {verdict: 'fail', problems: [], rows: [], sections: 0};
  function bad(msg) { if (report.problems.length < 50) report.problems.push(msg); }
  function rect(el) {
    var r = el.getBoundingClientRect();
    return [r.left + scrollX, r.top + scrollY, r.width, r.height];
  }
  function rgb(text) {
    var m = /^rgba?\((\d+), (\d+), (\d+)(, ([\d.]+))?\)$/.exec(text);
    return m && (m[5] === undefined || +m[5] === 1) ? [+m[1], +m[2], +m[3]] : null;
  }
  function shownNow(el) { return el.getClientRects().length > 0; }

  document.querySelectorAll('section.trace').forEach(function (sec) {
    report.sections++;
    var spans = JSON.parse(sec.querySelector('script.trace-data').textContent).spans;
    var indent = +sec.dataset.indent;
    var byId = new Map();
    spans.forEach(function (s) {
      if (byId.has(s.id)) bad('span id ' + s.id + ' twice in the data');
      byId.set(s.id, s);
    });
    function parentOf(s) {
      return s.parent && s.parent !== s.id && byId.has(s.parent) ? s.parent : null;
    }
    var t0 = null, t1 = null;
    spans.forEach(function (s) {
      var a = BigInt(s.start), b = BigInt(s.end);
      if (t0 === null || a < t0) t0 = a;
      if (t1 === null || b > t1) t1 = b;
    });
    var total = t1 - t0 > 0n ? t1 - t0 : 1n;
    var legend = new Map();
    sec.querySelectorAll('.legend li[data-service]').forEach(function (li) {
      legend.set(li.dataset.service, getComputedStyle(li.querySelector('.swatch')).backgroundColor);
    });

    var rows = Array.from(sec.querySelectorAll('.rows > .row'));
    var rowOf = new Map(), depth = [], ids = [];
    rows.forEach(function (row, i) {
      var id = row.dataset.span, s = byId.get(id);
      ids.push(id);
      if (!s) { bad('row ' + i + ': span ' + id + ' is not in the data'); return; }
      if (rowOf.has(id)) bad('span ' + id + ' has two rows');
      rowOf.set(id, i);
      var label = row.querySelector('.label'), name = row.querySelector('.name');
      // The rendered indentation, from where the name starts in its cell.
      depth[i] = Math.round((name.getBoundingClientRect().left -
                             label.getBoundingClientRect().left - 4) / indent);
      if (name.textContent !== s.name) bad('row ' + i + ': name "' + name.textContent + '", span says "' + s.name + '"');
    });
    spans.forEach(function (s) { if (!rowOf.has(s.id)) bad('span ' + s.id + ' (' + s.name + ') has no row'); });

    rows.forEach(function (row, i) {
      var s = byId.get(ids[i]);
      if (!s) return;
      var p = parentOf(s);
      if (p === null) {
        if (depth[i] !== 0) bad('row ' + i + ' (' + s.name + '): a root at depth ' + depth[i]);
      } else {
        var pi = rowOf.get(p);
        if (!(pi < i)) bad('row ' + i + ' (' + s.name + '): its parent is not above it');
        else if (depth[i] !== depth[pi] + 1)
          bad('row ' + i + ' (' + s.name + '): depth ' + depth[i] + ', its parent\'s ' + depth[pi]);
        // Right below its parent's subtree: the row above is the parent or
        // one of its descendants.
        if (i > 0) {
          var a = ids[i - 1], seen = 0;
          while (a !== null && a !== p && seen++ < spans.length) {
            a = byId.has(a) ? parentOf(byId.get(a)) : null;
          }
          if (a !== p) bad('row ' + i + ' (' + s.name + '): not under its parent\'s subtree');
        }
      }
      // Siblings (same parent, or both roots) in start-time order.
      for (var j = i - 1; j >= 0; j--) {
        var o = byId.get(ids[j]);
        if (o && parentOf(o) === p) {
          if (BigInt(o.start) > BigInt(s.start))
            bad('row ' + i + ' (' + s.name + '): starts before its sibling above it');
          break;
        }
      }
      // The bar: on the axis where its start puts it, in its service's colour.
      var bar = row.querySelector('.bar'), track = row.querySelector('.track');
      var br = bar.getBoundingClientRect(), tr = track.getBoundingClientRect();
      var want = tr.left + Number(BigInt(s.start) - t0) / Number(total) * tr.width;
      if (br.width < 1 || br.height < 1) bad('row ' + i + ': bar is empty');
      if (Math.abs(br.left - Math.min(want, tr.right - 3)) > 2)
        bad('row ' + i + ' (' + s.name + '): bar at x=' + br.left + ', its start time says ' + want);
      if (br.right > tr.right + 1) bad('row ' + i + ': bar runs past the axis');
      var style = getComputedStyle(bar);
      if (style.visibility !== 'visible' || style.display === 'none' || +style.opacity !== 1)
        bad('row ' + i + ': bar is not visible');
      if (!legend.has(s.service)) bad('service ' + s.service + ' is not in the legend');
      else if (style.backgroundColor !== legend.get(s.service))
        bad('row ' + i + ': bar colour ' + style.backgroundColor + ', legend says ' + legend.get(s.service));
      report.rows.push({span: s.id, name: s.name, depth: depth[i], bar: rect(bar),
                        colour: rgb(style.backgroundColor), label: rect(row.querySelector('.name')),
                        error: row.classList.contains('st-error')});
    });
    // A click shows the span's details (every attribute key), a second hides them.
    rows.forEach(function (row, i) {
      var s = byId.get(ids[i]), details = row.nextElementSibling;
      if (!s) return;
      if (!details || !details.classList.contains('details')) { bad('row ' + i + ': no details'); return; }
      if (shownNow(details)) bad('row ' + i + ': details shown before a click');
      row.click();
      if (!shownNow(details)) bad('row ' + i + ': a click does not show its details');
      s.keys.forEach(function (k) {
        if (details.textContent.indexOf(k) < 0) bad('row ' + i + ': attribute ' + k + ' not in its details');
      });
      row.click();
      if (shownNow(details)) bad('row ' + i + ': a second click does not hide its details');
    });
  });
  if (report.sections === 0) bad('no trace in the page');
  report.verdict = report.problems.length ? 'fail' : 'pass';
  report.page = [document.documentElement.scrollWidth, document.documentElement.scrollHeight];
  var pre = document.createElement('pre');
  pre.id = 'selfcheck';
  pre.hidden = true;
  pre.textContent = JSON.stringify(report);
  document.body.appendChild(pre);
})();
"""


def render_page(traces, out):
    """Writes the page of traces, a list of (trace id, tree_rows(spans))."""
    title = ("trace " + traces[0][0]) if len(traces) == 1 else "%d traces" % len(traces)
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    out.write('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
              '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
              'style-src \'unsafe-inline\'; script-src \'sha256-%s\'">\n'
              '<title>%s</title>\n<style>%s</style></head>\n<body>\n'
              '<h1>traceprop · trace waterfall</h1>\n' % (script_hash, esc(title, 100), STYLE))
    for trace_id, layout in traces:
        out.write(render_section(trace_id, layout) + "\n")
    out.write('<footer>Written by traceprop\'s scripts/waterfall.py from OTLP/JSON '
              'lines. Click a span for its attributes, events and links.</footer>\n'
              '<script>%s</script>\n</body></html>\n' % SCRIPT)

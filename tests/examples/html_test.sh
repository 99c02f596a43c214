#!/usr/bin/env bash
# The trace's web page (scripts/waterfall.py --html) in headless Chromium:
# for each page, `chromium --dump-dom PAGE#selfcheck` runs the page's own
# check of what the browser rendered against the span data (rows, their
# nesting and order, bars on the time axis in their service's colour,
# details on click; a JSON report in the DOM), and `chromium --screenshot`
# shows the page; tests/examples/html_check.py then checks the report and
# that every row's bar and name are in the screenshot's pixels.
#
#   tests/examples/html_test.sh BUILD_DIR   # BUILD_DIR has (or gets) the examples
#
# Pages: (1) a hand-made span file with a known tree (tests/examples/testdata:
# siblings listed out of order, an error, events and links, a span whose
# parent is not recorded, names and values that try to inject HTML); (2)
# the same page deliberately broken five ways — each must fail, for its
# reason; (3) the page `scripts/demo.sh` writes for its real trace (it runs
# the demo with BUILD_DIR; its span files give the expected span count);
# (4) `scripts/demo.sh --keep-jaeger`: the trace found through Jaeger's
# query API at the URL the demo prints, its page checked the same way, then
# Jaeger stopped (JAEGER=0 leaves this part out and says so).
# Every Chromium run has a timeout and a private --user-data-dir, and no
# process of it may outlive the run.
set -euo pipefail
BUILD_DIR=$(realpath -m "${1:?usage: html_test.sh BUILD_DIR}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CHECK=$HERE/html_check.py
# shellcheck source=checks.sh
source "$HERE/checks.sh" html
D=$PROCS_DIR
command -v chromium >/dev/null || {
  echo "html_test: chromium is missing (scripts/install_deps.sh installs it)" >&2
  exit 1
}

runs=0
# chrome ARGS... — one headless Chromium run, at most 60 s, in a profile
# of its own. As root Chromium refuses to start without --no-sandbox; the
# pages are our own files, opened offline.
chrome() {
  local profile=$D/chrome-$((++runs)) status=0 left
  timeout -k 5 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$profile" "$@" 2>>"$D/chromium.log" || status=$?
  # Nothing of this run may be left (its processes all name the profile):
  # its helpers get 5 s to finish exiting after the browser.
  for _ in {1..50}; do
    left=$(pgrep -f -- "--user-data-dir=$profile( |$)" || true)
    [[ -z $left ]] && break
    sleep 0.1
  done
  if [[ -n $left ]]; then
    # shellcheck disable=SC2086  # one pid per word
    kill -KILL $left 2>/dev/null || true
    fail "chromium run $runs left processes behind: $left"
  fi
  rm -rf "$profile"
  return "$status"
}

# render NAME PAGE — the self-check report (NAME.dom) and a screenshot of
# the whole page (NAME.png); the window is the page's size.
render() {
  local name=$1 page=$2 size
  chrome --dump-dom "file://$page#selfcheck" >"$D/$name.dom" || return 1
  size=$(python3 "$CHECK" size "$D/$name.dom") || return 1
  chrome --window-size="$size" --hide-scrollbars --force-device-scale-factor=1 \
    --screenshot="$D/$name.png" "file://$page" >/dev/null || return 1
}

# 1. The hand-made trace: its rows are those of handmade_expected.txt.
T=0af7651916cd43dd8448eb211c80319c
SPANS=$HERE/testdata/handmade_spans.jsonl
python3 "$ROOT/scripts/waterfall.py" --trace "$T" --html "$D/handmade.html" "$SPANS" >/dev/null
n=$(jq -R 'fromjson? // empty | [.resourceSpans[].scopeSpans[].spans[] |
  select(.traceId == "'$T'")] | length' "$SPANS" | jq -s add)
render handmade "$D/handmade.html" || fail "chromium renders the hand-made page"
if python3 "$CHECK" check "$D/handmade.dom" "$D/handmade.png" --spans "$n" \
  --expect "$HERE/testdata/handmade_expected.txt"; then
  pass "hand-made trace: $n rows in tree order, nested, bars where their times say, details on click, every row in the screenshot"
else
  fail "hand-made trace: the page as rendered"
fi
# The injection attempts are shown as text, and the script ran under the
# page's Content-Security-Policy (the report exists).
grep -q '&lt;script&gt;document.body.dataset.pwned=2&lt;/script&gt;' "$D/handmade.dom" &&
  pass "hand-made trace: a span name with <script> is shown as text" ||
  fail "hand-made trace: a span name with <script> is shown as text"
python3 "$CHECK" selfcontained "$D/handmade.html" &&
  pass "the page loads nothing (no fetching element or attribute, no CSS url(), CSP default-src 'none', one script)" ||
  fail "the page loads nothing"

# 2. Broken pages: the check must fail, and for the right reason.
broken() {  # broken MODE WHAT REASON_REGEX
  local mode=$1 what=$2 reason=$3
  python3 "$CHECK" corrupt "$mode" "$D/handmade.html" "$D/broken-$mode.html"
  render "broken-$mode" "$D/broken-$mode.html" || fail "chromium renders the page with $what"
  if python3 "$CHECK" check "$D/broken-$mode.dom" "$D/broken-$mode.png" --spans "$n" \
    2>"$D/broken-$mode.err"; then
    fail "negative: $what passes the check"
  elif grep -Eq "$reason" "$D/broken-$mode.err"; then
    pass "negative: $what fails the check ($(grep -Em1 "$reason" "$D/broken-$mode.err" | cut -c1-110))"
  else
    fail "negative: $what fails, but not with /$reason/:"
    cat "$D/broken-$mode.err" >&2
  fi
}
broken swap "a child row above its parent" "self-check: row 1 .*parent is not above it"
broken order "two siblings out of start order" "self-check: row 6 .*starts before its sibling"
broken indent "a row indented one level too deep" "self-check: row 2 .*depth 3, its parent's 1"
broken drop "a missing row" "self-check: span d000000000000004 .*has no row"
broken cover "a row painted over (only the screenshot shows it)" "row 4 .*not in the screenshot"
# The cover must be invisible to the DOM check: only the pixels tell.
grep -q '"verdict":"pass"' "$D/broken-cover.dom" &&
  pass "negative: the painted-over row passes the DOM check (the screenshot check is what catches it)" ||
  fail "negative: the painted-over row passes the DOM check"

# 3. The demo's page, from the spans of the real example programs.
DEMO=$D/demo
# (At most 20 minutes: the demo builds the examples when BUILD_DIR lacks them.)
if DEMO_OUT=$DEMO BUILD_DIR=$BUILD_DIR JOBS=${JOBS:-2} \
  timeout -k 10 1200 "$ROOT/scripts/demo.sh" >"$D/demo.out" 2>&1; then
  pass "scripts/demo.sh runs"
else
  fail "scripts/demo.sh runs"
  tail -30 "$D/demo.out" >&2
fi
page=$(sed -n 's/^page: //p' "$D/demo.out")
trace=$(sed -n 's/^client  trace \([0-9a-f]\{32\}\) .*/\1/p' "$D/demo.out")
if [[ $page == "$DEMO/trace.html" && -s $page ]]; then
  pass "the demo prints the path of its page ($page)"
  n=$(cat "$DEMO"/spans/*.jsonl | jq -s --arg t "$trace" \
    '[.[].resourceSpans[].scopeSpans[].spans[] | select(.traceId == $t)] | length')
  render demo "$page" || fail "chromium renders the demo's page"
  if python3 "$CHECK" check "$D/demo.dom" "$D/demo.png" --spans "$n"; then
    pass "the demo's trace: $n rows (as many as its span files hold), nested, in order, all in the screenshot"
  else
    fail "the demo's trace: the page as rendered"
  fi
  python3 "$CHECK" selfcontained "$page" &&
    pass "the demo's page loads nothing" || fail "the demo's page loads nothing"
  jq -e '.rows[0].name == "relay_client request" and .rows[0].depth == 0' \
    <<<"$(sed -n 's/.*<pre id="selfcheck"[^>]*>\(.*\)<\/pre>.*/\1/p' "$D/demo.dom" |
      python3 -c 'import html,sys; print(html.unescape(sys.stdin.read()))')" >/dev/null &&
    pass "the demo's trace: the client's root span is the first row" ||
    fail "the demo's trace: the client's root span is the first row"
else
  fail "the demo prints the path of its page: '$page'"
fi

# 4. scripts/demo.sh --keep-jaeger: the trace through Jaeger's query API
# (Jaeger built by scripts/jaeger.sh: cached after the peers step, or built
# here), on ports the OS says are free; then Jaeger is stopped.
if [[ ${JAEGER:-1} == 0 ]]; then
  echo "--- demo.sh --jaeger: left out (JAEGER=0); NOT checked"
else
  read -r p1 p2 p3 p4 < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
  JDEMO=$D/jdemo
  status=0
  JAEGER_OTLP_GRPC_PORT=$p1 JAEGER_OTLP_HTTP_PORT=$p2 JAEGER_QUERY_HTTP_PORT=$p3 \
    JAEGER_QUERY_GRPC_PORT=$p4 DEMO_OUT=$JDEMO BUILD_DIR=$BUILD_DIR JOBS=${JOBS:-2} \
    timeout -k 10 1200 "$ROOT/scripts/demo.sh" --keep-jaeger >"$D/jdemo.out" 2>&1 || status=$?
  jpid=$(sed -n 's/^Jaeger is left running (pid \([0-9]*\);.*/\1/p' "$D/jdemo.out")
  [[ -n $jpid ]] && PROCS_PIDS+=("$jpid")  # stopped at exit whatever happens
  if ((status == 0)) && [[ -n $jpid ]]; then
    pass "scripts/demo.sh --keep-jaeger runs and leaves Jaeger running (pid $jpid)"
  else
    fail "scripts/demo.sh --keep-jaeger runs and leaves Jaeger running (status $status)"
    tail -30 "$D/jdemo.out" >&2
  fi
  trace=$(sed -n 's/^client  trace \([0-9a-f]\{32\}\) .*/\1/p' "$D/jdemo.out")
  url=$(sed -n 's/^query API: //p' "$D/jdemo.out")
  if [[ -n $trace && $url == "http://127.0.0.1:$p3/api/traces/$trace" ]]; then
    pass "the demo prints the query API URL of its trace"
    got=$(curl -fsS --max-time 10 "$url" || echo '{}')
    check "Jaeger's query API has the trace: 11 spans, one trace id, the 5 services" \
      '(.data | length) == 1 and (.data[0].spans | length) == 11 and
       ([.data[0].spans[].traceID] | unique) == ["'"$trace"'"] and
       ([.data[0].processes[].serviceName] | unique) == ["billing","client","frontend","inventory","tasks"]' "$got"
  else
    fail "the demo prints the query API URL of its trace: '$url'"
  fi
  grep -q "^UI: none" "$D/jdemo.out" && pass "the demo says this Jaeger has no UI" ||
    fail "the demo says whether Jaeger has a UI"
  if [[ -s $JDEMO/trace.html ]]; then
    render jdemo "$JDEMO/trace.html" || fail "chromium renders the page of the trace from Jaeger"
    python3 "$CHECK" check "$D/jdemo.dom" "$D/jdemo.png" --spans 11 &&
      pass "the page of the trace as Jaeger assembled it: 11 rows, nested, in order, in the screenshot" ||
      fail "the page of the trace as Jaeger assembled it"
  else
    fail "demo.sh --jaeger writes the page"
  fi
  if [[ -n $jpid ]]; then
    procs_stop "$jpid"
    kill -0 "$jpid" 2>/dev/null && fail "Jaeger stopped" || pass "Jaeger stopped (SIGTERM to its group)"
    rm -rf "$(sed -n 's/.*its log: \(.*\)\/jaeger.log).*/\1/p' "$D/jdemo.out")"
  fi
fi

checks_done html

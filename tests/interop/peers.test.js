'use strict';
// Chains that alternate traceprop's C++ relays (all three server API
// styles) with OpenTelemetry-instrumented relays in Go, Java, Python and
// JavaScript.
//
// Environment (set by scripts/test_peers.sh):
//   TRACEPROP_CPP_SYNC, TRACEPROP_CPP_SYNC_B  C++ relay_server (sync API)
//   TRACEPROP_CPP_ASYNC                       C++ async_server (CQ API)
//   TRACEPROP_CPP_CALLBACK                    C++ callback_server
//   TRACEPROP_GO, TRACEPROP_JAVA, TRACEPROP_PYTHON  the peers' relays
//   TRACEPROP_RELAY_CLIENT                    C++ relay_client
// The JavaScript relay (node_relay.js) runs in this process.
//
// Every hop reports what it received and the server span it ran under
// (examples/proto/relay.proto). Checked on the W3C text: one trace id end
// to end, each hop continued from the parent-id it received, that parent-id
// is a span of the previous hop (not a header passed through), the sampled
// flag and tracestate carried; and a malformed header sent into a chain
// never comes out of a C++ hop. Failures name the hop, its language and
// what it received. What each peer does with malformed headers is printed
// as diagnostics (tests/interop/README.md lists the departures).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { startNodeRelay } = require('./node_relay');

function env(name) {
  const v = process.env[name];
  assert.ok(v, `${name} must be set (run scripts/test_peers.sh)`);
  return v;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

let R; // hop name -> address
let js;
before(async () => {
  js = await startNodeRelay('js');
  R = {
    'cpp-sync': env('TRACEPROP_CPP_SYNC'),
    'cpp-sync-b': env('TRACEPROP_CPP_SYNC_B'),
    'cpp-async': env('TRACEPROP_CPP_ASYNC'),
    'cpp-callback': env('TRACEPROP_CPP_CALLBACK'),
    go: env('TRACEPROP_GO'),
    java: env('TRACEPROP_JAVA'),
    python: env('TRACEPROP_PYTHON'),
    js: js.address,
  };
});
after(async () => {
  if (js) await js.close();
});

const lang = (service) => (service.startsWith('cpp') ? 'C++' :
  { go: 'Go', java: 'Java', python: 'Python', js: 'JavaScript' }[service] || '?');
const isCpp = (service) => service.startsWith('cpp');

// where(hops, i) names hop i for failure messages.
function where(hops, i) {
  const h = hops[i];
  return `hop ${i} ${h.service} (${lang(h.service)}) received ` +
    `traceparent=${JSON.stringify(h.traceparent)} tracestate=${JSON.stringify(h.tracestate)}`;
}

// relay sends one Forward along `names` with relay_client (extra args:
// --traceparent, --tracestate, --unsampled) and returns its JSON.
function relay(names, args = []) {
  const route = names.map((n) => R[n]).join(',');
  return new Promise((resolve, reject) => {
    execFile(env('TRACEPROP_RELAY_CLIENT'), ['--json', '--route', route, ...args],
      { timeout: 30000 }, (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`relay_client through ${names.join(' -> ')} ${args.join(' ')} ` +
            `failed: ${err.message}\n${stderr}`));
          return;
        }
        const out = JSON.parse(stdout);
        assert.deepEqual(out.hops.map((h) => h.service), names, 'hops answered in route order');
        resolve(out);
      });
  });
}

// assertContinued checks hops[from..] carry trace `traceId`: each received
// a version-00 traceparent of that trace, continued from its parent-id,
// with the sampled flag `sampled` and tracestate `ts`; and each parent-id
// after the first is a new span of the previous hop (its client span),
// not the header the previous hop received, nor its server span.
function assertContinued(hops, traceId, { sampled = true, ts = '', from = 0 } = {}) {
  const seen = new Set();
  for (let i = from; i < hops.length; i++) {
    const h = hops[i];
    const at = where(hops, i);
    const m = TRACEPARENT.exec(h.traceparent);
    assert.ok(m, `${at}: not a valid version-00 traceparent`);
    const [, tid, pid, flags] = m;
    assert.equal(tid, traceId, `${at}: another trace id than ${traceId}`);
    assert.equal(h.trace_id, traceId, `${at}: its server span is in trace ${h.trace_id}`);
    assert.match(h.span_id, HEX16, `${at}: server span id`);
    assert.equal(h.parent_span_id, pid, `${at}: did not continue from the parent-id it received`);
    assert.equal((parseInt(flags, 16) & 1) === 1, sampled, `${at}: sampled flag`);
    assert.equal(h.sampled, sampled, `${at}: its server span's sampled flag is ${h.sampled}`);
    assert.equal(h.tracestate, ts, `${at}: tracestate not carried`);
    if (i > from) {
      const prev = hops[i - 1];
      assert.notEqual(pid, prev.parent_span_id,
        `${at}: ${prev.service} passed on the parent-id it received instead of its own span`);
      assert.notEqual(pid, prev.span_id,
        `${at}: ${prev.service} sent its server span, not a client span under it`);
    }
    assert.ok(!seen.has(h.span_id), `${at}: server span id ${h.span_id} used twice`);
    seen.add(h.span_id).add(pid);
  }
}

// Every C++ server API style next to every peer, in both directions.
const CHAIN = ['cpp-sync', 'go', 'cpp-async', 'java', 'cpp-callback', 'python', 'cpp-sync-b',
  'js', 'cpp-async'];
const PEERS_FIRST = ['go', 'python', 'java', 'js', 'cpp-callback', 'go', 'java', 'cpp-sync',
  'python', 'js', 'cpp-async', 'go'];

test('a trace relay_client starts crosses C++ and every peer', async () => {
  const out = await relay(CHAIN);
  assert.match(out.client.trace_id, HEX32);
  assertContinued(out.hops, out.client.trace_id);
});

test('a given traceparent and tracestate cross C++ and every peer', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const ts = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
  const out = await relay(CHAIN, ['--traceparent', `00-${traceId}-00f067aa0ba902b7-01`,
    '--tracestate', ts]);
  assert.equal(out.hops[0].parent_span_id, '00f067aa0ba902b7');
  assertContinued(out.hops, traceId, { ts });
});

test('an unsampled trace stays unsampled through C++ and every peer', async () => {
  const out = await relay(CHAIN, ['--unsampled']);
  assertContinued(out.hops, out.client.trace_id, { sampled: false });
});

test('peer -> peer hops, then C++, starting at a peer', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const ts = 'vendor@tenant=x1';
  const out = await relay(PEERS_FIRST, ['--traceparent', `00-${traceId}-b7ad6b7169203331-01`,
    '--tracestate', ts]);
  assertContinued(out.hops, traceId, { ts });
});

test('a future traceparent version into C++ comes out as version 00 to every peer', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  for (const [cpp, peer] of [['cpp-sync', 'go'], ['cpp-async', 'java'],
    ['cpp-callback', 'python'], ['cpp-sync-b', 'js']]) {
    const out = await relay([cpp, peer, 'cpp-sync'], ['--traceparent',
      `cc-${traceId}-b7ad6b7169203331-01-what-the-future-holds`, '--tracestate', 'a=1']);
    assert.equal(out.hops[0].parent_span_id, 'b7ad6b7169203331', where(out.hops, 0));
    assertContinued(out.hops, traceId, { from: 1, ts: 'a=1' });
  }
});

// Headers W3C Trace Context says a receiver must not continue (§3.2,
// §4.3): each restarts the trace at a C++ hop. A list means several
// traceparent metadata values.
const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const P = '00f067aa0ba902b7';
const MALFORMED = {
  'uppercase hex': [`00-${T.toUpperCase()}-${P.toUpperCase()}-01`],
  'version ff': [`ff-${T}-${P}-01`],
  'version 00 with an extra field': [`00-${T}-${P}-01-extra`],
  'all-zero trace id': [`00-${'0'.repeat(32)}-${P}-01`],
  'all-zero parent id': [`00-${T}-${'0'.repeat(16)}-01`],
  'short trace id': [`00-${T.slice(2)}-${P}-01`],
  'non-hex trace id': [`00-${T.slice(0, 31)}g-${P}-01`],
  'non-hex flags': [`00-${T}-${P}-0x`],
  'future version, too short': [`01-${T}-${P}`],
  'two traceparent values': [`00-${T}-${P}-01`, `00-${'a'.repeat(32)}-${P}-01`],
  'garbage': ['hello'],
};
const STYLES = ['cpp-sync', 'cpp-async', 'cpp-callback'];
const PEER_NAMES = ['go', 'java', 'python', 'js'];

test('a malformed traceparent never comes out of a C++ hop', async () => {
  let k = 0;
  for (const [what, values] of Object.entries(MALFORMED)) {
    // Each case through each C++ API style, followed by a peer (rotating).
    for (const cpp of STYLES) {
      const peer = PEER_NAMES[k++ % PEER_NAMES.length];
      const out = await relay([cpp, peer, 'cpp-sync-b'],
        ['--traceparent', values.join(','), '--tracestate', 'rojo=00f067aa0ba902b7']);
      const [c] = out.hops;
      const at = `${what}: ${where(out.hops, 0)}`;
      assert.equal(c.traceparent, values.join(','), `${at}: not what was sent`);
      assert.equal(c.parent_span_id, '', `${at}: continued an invalid header`);
      assert.match(c.trace_id, HEX32, `${at}: no new trace`);
      assert.ok(![T, 'a'.repeat(32), '0'.repeat(32)].includes(c.trace_id),
        `${at}: kept trace id ${c.trace_id}`);
      // The peer after it receives the new trace, valid, and no tracestate
      // (it belonged to the discarded context).
      assertContinued(out.hops, c.trace_id, { from: 1 });
    }
  }
});

// What each peer does with the same headers: informational (the
// departures), except that whatever a peer makes of them, the hop after
// the C++ hop that follows receives a valid header of the C++ hop's trace.
test('malformed headers into each peer, then C++: what each peer does', async (t) => {
  for (const [what, values] of Object.entries(MALFORMED)) {
    for (const peer of PEER_NAMES) {
      const out = await relay([peer, 'cpp-callback', PEER_NAMES[(PEER_NAMES.indexOf(peer) + 1) %
        PEER_NAMES.length]], ['--traceparent', values.join(',')]);
      const [p, c] = out.hops;
      assert.match(p.trace_id, HEX32, `${what}: ${where(out.hops, 0)}: no trace`);
      assertContinued(out.hops, c.trace_id, { from: 2 });
      if (p.parent_span_id !== '') {
        t.diagnostic(`${lang(peer)} continued "${what}": trace ${p.trace_id}, ` +
          `parent ${p.parent_span_id}; C++ then received ${c.traceparent}`);
      }
      // The C++ hop restarts only if the peer sent it something invalid.
      if (c.parent_span_id === '') {
        t.diagnostic(`${lang(peer)} sent an invalid header on "${what}": ${c.traceparent}`);
      }
    }
  }
});

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
//   TRACEPROP_CPP_B3, TRACEPROP_CPP_B3_ASYNC  C++ relays with OTEL_PROPAGATORS=
//                                             tracecontext,baggage,b3,b3multi
//   TRACEPROP_GO_B3 (b3), TRACEPROP_JAVA_B3, TRACEPROP_PYTHON_B3 (b3multi)
//                                             peers speaking only B3
//   TRACEPROP_CPP_RATIO, TRACEPROP_JAVA_RATIO, C++ TraceIdRatio, Java contrib
//   TRACEPROP_PYTHON_RATIO                    consistent56 and Python SDK
//   TRACEPROP_SAMPLING_RATIO                  composite samplers at this ratio
// The JavaScript relay (node_relay.js) and a sink (a last hop that records
// the metadata it received) run in this process.
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
const crypto = require('node:crypto');
const path = require('node:path');
const { startNodeRelay, newClient, forward } = require('./node_relay');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { env: envOf, HEX32, HEX16, TRACEPARENT } = require('./test_env');
const env = (name) => envOf(name, 'scripts/test_peers.sh');

// startSink listens on 127.0.0.1:0: a last hop that answers with one Hop
// (service "sink", the traceparent/tracestate it received) and keeps the
// metadata of each call under its payload in `seen`.
async function startSink() {
  const def = protoLoader.loadSync(path.join(__dirname, '..', '..', 'examples', 'proto',
    'relay.proto'), { keepCase: true, longs: String, enums: String, defaults: true });
  const relayPkg = grpc.loadPackageDefinition(def).traceprop.examples;
  const seen = new Map();
  const server = new grpc.Server();
  server.addService(relayPkg.Relay.service, {
    Forward(call, callback) {
      const md = call.metadata;
      const get = (key) => md.get(key).map(String).join(',');
      seen.set(call.request.payload, { get, keys: Object.keys(md.getMap()) });
      callback(null, { hops: [{ service: 'sink', traceparent: get('traceparent'),
        tracestate: get('tracestate') }] });
    },
  });
  const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0',
    grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { address: `127.0.0.1:${port}`, seen,
    close: () => new Promise((res) => server.tryShutdown(() => res())) };
}

let R; // hop name -> address
let js;
let sink;
before(async () => {
  js = await startNodeRelay('js');
  sink = await startSink();
  R = {
    'cpp-sync': env('TRACEPROP_CPP_SYNC'),
    'cpp-sync-b': env('TRACEPROP_CPP_SYNC_B'),
    'cpp-async': env('TRACEPROP_CPP_ASYNC'),
    'cpp-callback': env('TRACEPROP_CPP_CALLBACK'),
    go: env('TRACEPROP_GO'),
    java: env('TRACEPROP_JAVA'),
    python: env('TRACEPROP_PYTHON'),
    js: js.address,
    'cpp-b3': env('TRACEPROP_CPP_B3'),
    'cpp-b3-async': env('TRACEPROP_CPP_B3_ASYNC'),
    'go-b3': env('TRACEPROP_GO_B3'),
    'java-b3': env('TRACEPROP_JAVA_B3'),
    'python-b3': env('TRACEPROP_PYTHON_B3'),
    'cpp-ratio': env('TRACEPROP_CPP_RATIO'),
    'java-ratio': env('TRACEPROP_JAVA_RATIO'),
    'python-ratio': env('TRACEPROP_PYTHON_RATIO'),
    sink: sink.address,
  };
});
after(async () => {
  if (js) await js.close();
  if (sink) await sink.close();
});

const lang = (service) => (service.startsWith('cpp') ? 'C++' :
  { go: 'Go', java: 'Java', python: 'Python', js: 'JavaScript', sink: 'JavaScript sink' }[
    service.split('-')[0]] || '?');
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

// W3C Baggage: the test client (OTel JS's instrumented gRPC client, which
// starts the trace) sets a baggage header; every C++ hop and every peer
// (each SDK's default propagators, tracecontext,baggage) passes it on, and
// the sink at the end receives every member unchanged. The JavaScript relay
// takes its propagators from OTEL_PROPAGATORS like the others
// (otel_setup.js; default tracecontext,baggage).
const BAGGAGE = [ // [key, value as sent on the wire (percent-encoded)]
  ['tenant', 'acme'],
  ['user.tier', 'gold'],
  ['experiment', 'b%2Cc%3Dd'],
  ['unicode', '%C3%A9t%C3%A9'],
];
// parseBaggage maps a baggage header (several values joined with ",") to
// key -> value decoded per W3C Baggage (percent-decoding only: "+" is a
// plus sign, not a space); properties (";...") are cut off and returned
// apart, raw.
function parseBaggage(header) {
  const members = new Map();
  const props = new Map();
  for (const m of header.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [kv, ...p] = m.split(';');
    const eq = kv.indexOf('=');
    const key = kv.slice(0, eq).trim();
    members.set(key, decodeURIComponent(kv.slice(eq + 1).trim()));
    if (p.length) props.set(key, p.map((x) => x.trim()).join(';'));
  }
  return { members, props };
}

// baggageThrough sends `baggage` from the test client through `names`
// (ending at the sink) and returns { hops, header the sink received }.
async function baggageThrough(names, baggage) {
  const payload = `baggage-${crypto.randomUUID()}`;
  const md = new grpc.Metadata();
  md.set('baggage', baggage);
  const client = newClient(R[names[0]]);
  let reply;
  try {
    reply = await forward(client, { route: names.slice(1).map((n) => R[n]), payload }, md);
  } finally {
    client.close();
  }
  assert.deepEqual(reply.hops.map((h) => h.service), names, 'hops answered in route order');
  const got = sink.seen.get(payload);
  assert.ok(got, 'the sink saw no call');
  return { hops: reply.hops, header: got.get('baggage') };
}

test('baggage set by the first hop reaches the last through C++ and every peer', async (t) => {
  const names = ['cpp-sync', 'go', 'cpp-async', 'java', 'cpp-callback', 'python', 'cpp-sync-b',
    'js', 'cpp-async', 'sink'];
  const { hops, header } = await baggageThrough(names,
    BAGGAGE.map(([k, v]) => `${k}=${v}`).join(','));
  assertContinued(hops.slice(0, -1), hops[0].trace_id);
  t.diagnostic(`the sink received baggage: ${header}`);
  assert.deepEqual(Object.fromEntries(parseBaggage(header).members),
    Object.fromEntries(BAGGAGE.map(([k, v]) => [k, decodeURIComponent(v)])),
    `baggage after ${names.slice(0, -1).join(' -> ')}: ${header}`);
});

// What each peer does with a percent-encoded space and with properties
// (";k=v" after a member), between C++ hops. C++ alone must keep both as
// sent; a peer must keep the other member and the value, except for the
// departures from W3C Baggage listed here (tests/interop/README.md), which
// are asserted as they are so that a change shows.
const SENT = 'k1=v1;p1=x;flag,k2=gold%20plus';
const BAGGAGE_DEPARTURES = { // peer -> the header the next hop receives instead
  // Percent-encodes the properties' "=" and ";" (W3C Baggage: properties
  // are key=value pairs, not encoded as a whole).
  java: 'k1=v1;p1%3Dx%3Bflag,k2=gold%20plus',
  // Takes the properties for part of the value and encodes the space as
  // "+" (form encoding; in W3C Baggage "+" is a plus sign).
  python: 'k1=v1%3Bp1=x%3Bflag,k2=gold+plus',
};
test('a space and properties in baggage: C++ keeps them; what each peer does', async (t) => {
  const cpp = await baggageThrough(['cpp-sync', 'cpp-async', 'cpp-callback', 'sink'], SENT);
  assert.equal(cpp.header, SENT, 'through C++ hops only');
  for (const peer of ['go', 'java', 'python', 'js']) {
    const { header } = await baggageThrough(['cpp-async', peer, 'cpp-sync', 'sink'], SENT);
    t.diagnostic(`${lang(peer)}: sent ${SENT}, the hop after it received ${header}`);
    const { members } = parseBaggage(header);
    assert.ok(members.has('k1') && members.has('k2'), `through ${lang(peer)}: ${header}`);
    // Members in any order (Go's come out in map order).
    const sorted = (h) => h.split(',').map((m) => m.trim()).sort().join(',');
    if (sorted(header) !== sorted(SENT)) {
      assert.equal(sorted(header), sorted(BAGGAGE_DEPARTURES[peer] ?? SENT),
        `through ${lang(peer)}`);
    }
  }
});

// B3: C++ hops configured with OTEL_PROPAGATORS=tracecontext,baggage,b3,b3multi
// between peers that speak only B3 (Go single-header, Java and Python
// multi-header). One trace end to end: each B3 peer continued the C++
// hop's span from B3 (its own propagator is B3 only), and each C++ hop
// after a B3 peer received no traceparent, only B3, and continued it.
test('a B3 chain (C++ and peers speaking only b3/b3multi) keeps one trace', async () => {
  const traceId = crypto.randomBytes(16).toString('hex');
  const parent = crypto.randomBytes(8).toString('hex');
  const names = ['cpp-b3', 'go-b3', 'cpp-b3-async', 'java-b3', 'cpp-b3', 'python-b3',
    'cpp-b3-async', 'sink'];
  const payload = `b3-${crypto.randomUUID()}`;
  const out = await relay(names, ['--traceparent', `00-${traceId}-${parent}-01`,
    '--payload', payload]);
  const hops = out.hops.slice(0, -1);
  assert.equal(hops[0].parent_span_id, parent, where(hops, 0));
  const seen = new Set();
  hops.forEach((h, i) => {
    const at = where(hops, i);
    assert.equal(h.trace_id, traceId, `${at}: trace id`);
    assert.match(h.span_id, HEX16, `${at}: span id`);
    assert.equal(h.sampled, true, `${at}: sampled`);
    assert.ok(!seen.has(h.span_id), `${at}: span id used twice`);
    seen.add(h.span_id);
    if (i === 0) return;
    const prev = hops[i - 1];
    assert.match(h.parent_span_id, HEX16, `${at}: did not continue (from B3)`);
    assert.ok(![prev.span_id, prev.parent_span_id].includes(h.parent_span_id),
      `${at}: parent ${h.parent_span_id} is not a client span of ${prev.service}`);
    if (isCpp(h.service)) {
      assert.equal(h.traceparent, '', `${at}: ${prev.service} sent a traceparent`);
    }
  });
  // The last C++ hop writes every configured format, all of one context.
  const got = sink.seen.get(payload);
  const m = TRACEPARENT.exec(got.get('traceparent'));
  assert.ok(m, `sink: traceparent ${got.get('traceparent')}`);
  assert.equal(m[1], traceId, 'sink: traceparent trace id');
  // b3: {trace}-{span}-{sampled}[-{parent span}] (the optional parent is
  // the C++ hop's server span).
  const b3 = new RegExp(`^${traceId}-${m[2]}-1(-[0-9a-f]{16})?$`);
  assert.match(got.get('b3'), b3, 'sink: b3 single header');
  assert.deepEqual(['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled'].map(got.get),
    [traceId, m[2], '1'], 'sink: b3 multi headers');
});

// Consistent probability sampling (OTel's TraceState probability-sampling
// specification): traceprop's TraceIdRatioSampler, OpenTelemetry Java
// contrib's consistent56 sampler and the Python SDK's experimental
// composite sampler, all at TRACEPROP_SAMPLING_RATIO and each deciding
// every span on its own (none is parent-based), receive the same traces
// (traceparent sampled=0 with the W3C `random` flag; half with an explicit
// `ot=rv` randomness) and must keep exactly the same ones: those whose
// randomness is at least the threshold (1 - ratio) * 2^56, computed here
// independently. What each sends on records the threshold as `ot=th` when
// it samples, and none when it does not.
//
// Python's departure, asserted as it is: its SDK does not hand the parent's
// tracestate to the sampler, so Python ignores `ot=rv` (it decides on the
// trace id's bits) and sends on only `ot=th`, dropping `rv`. So the traces
// with `rv` go through C++ and Java first and end at Python.
const N_SAMPLING = 240;
function otSub(tracestate, key) {
  const ot = tracestate.split(',').map((x) => x.trim()).find((x) => x.startsWith('ot='));
  if (!ot) return undefined;
  const sub = ot.slice(3).split(';').find((x) => x.startsWith(`${key}:`));
  return sub === undefined ? undefined : sub.slice(key.length + 1);
}

test('C++, Java and Python consistent samplers keep the same traces at the same ratio',
  async (t) => {
    const ratio = Number(env('TRACEPROP_SAMPLING_RATIO'));
    assert.ok(ratio > 0 && ratio < 1, `TRACEPROP_SAMPLING_RATIO=${ratio}`);
    const threshold = BigInt(Math.round((1 - ratio) * 2 ** 56));
    const th = threshold.toString(16).padStart(14, '0').replace(/0+$/, '') || '0';
    const ORDERS = [['cpp-ratio', 'java-ratio', 'python-ratio'],
      ['java-ratio', 'python-ratio', 'cpp-ratio'], ['python-ratio', 'cpp-ratio', 'java-ratio']];
    const RV_ORDERS = [['cpp-ratio', 'java-ratio', 'python-ratio'],
      ['java-ratio', 'cpp-ratio', 'python-ratio']];
    const cases = [];
    for (let i = 0; i < N_SAMPLING; i++) {
      const traceId = crypto.randomBytes(16).toString('hex');
      const rv = i % 2 ? crypto.randomBytes(7).toString('hex') : undefined;
      const byTraceId = BigInt(`0x${traceId.slice(18)}`) >= threshold;
      const expected = rv ? BigInt(`0x${rv}`) >= threshold : byTraceId;
      const order = rv ? RV_ORDERS[(i >> 1) % 2] : ORDERS[(i >> 1) % 3];
      cases.push({ traceId, rv, expected, byTraceId, names: [...order, 'cpp-sync'] });
    }
    const kept = { 'cpp-ratio': new Set(), 'java-ratio': new Set(), 'python-ratio': new Set() };
    let pythonRvDiffers = 0;
    const check = async (c) => {
      const args = ['--traceparent',
        `00-${c.traceId}-${crypto.randomBytes(8).toString('hex')}-02`];
      if (c.rv) args.push('--tracestate', `ot=rv:${c.rv}`);
      const out = await relay(c.names, args);
      for (let i = 0; i < 3; i++) {
        const h = out.hops[i];
        const next = out.hops[i + 1];
        const at = `trace ${c.traceId}${c.rv ? ` rv ${c.rv}` : ''}: ${where(out.hops, i)}`;
        const pyRv = h.service === 'python-ratio' && c.rv !== undefined; // the departure
        const expected = pyRv ? c.byTraceId : c.expected;
        assert.equal(h.trace_id, c.traceId, `${at}: trace id`);
        if (h.sampled) kept[h.service].add(c.traceId);
        assert.equal(h.sampled, expected, `${at}: sampled=${h.sampled}, expected ${expected}`);
        if (pyRv && h.sampled !== c.expected) pythonRvDiffers++;
        const flags = parseInt(TRACEPARENT.exec(next.traceparent)[3], 16);
        assert.equal((flags & 1) === 1, expected, `${at}: sent sampled flag ${flags}`);
        assert.equal(otSub(next.tracestate, 'th'), expected ? th : undefined,
          `${at}: sent tracestate ${JSON.stringify(next.tracestate)}`);
        assert.equal(otSub(next.tracestate, 'rv'), pyRv ? undefined : c.rv,
          `${at}: sent tracestate ${JSON.stringify(next.tracestate)} (ot=rv)`);
      }
    };
    // Four relay_client processes at a time.
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(cases.slice(i, i + 4).map(check));
    }
    const sorted = (set) => [...set].sort();
    assert.deepEqual(sorted(kept['java-ratio']), sorted(kept['cpp-ratio']), 'C++ and Java');
    const noRv = new Set(cases.filter((c) => !c.rv).map((c) => c.traceId));
    assert.deepEqual(sorted(kept['python-ratio']).filter((id) => noRv.has(id)),
      sorted(kept['cpp-ratio']).filter((id) => noRv.has(id)), 'C++ and Python (no ot=rv)');
    const expected = cases.filter((c) => c.expected).length;
    assert.ok(expected > 0 && expected < N_SAMPLING, `${expected} of ${N_SAMPLING} expected`);
    t.diagnostic(`ratio ${ratio} (th:${th}): C++ and Java kept the same ` +
      `${kept['cpp-ratio'].size} of ${N_SAMPLING} traces, Python the same of the ` +
      `${noRv.size} without ot=rv; with ot=rv Python decided ${pythonRvDiffers} of ` +
      `${N_SAMPLING - noRv.size} otherwise (it ignores rv)`);
  });

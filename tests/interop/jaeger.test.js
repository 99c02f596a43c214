'use strict';
// The traces of three chains as Jaeger assembled them from every
// program's OTLP export: traceprop's C++ relays (sync relay_server,
// async_server, callback_server), relay_client, and the Go, Java and
// Python peers. scripts/test_peers.sh (with Jaeger) starts Jaeger before
// anything else, sends the chains, stops every relay (each flushes its
// spans on SIGTERM; Jaeger's pipeline stores a span before the export that
// carried it returns, so nothing is in flight) and runs this file.
//
// Environment: JAEGER_QUERY (base URL of Jaeger's query API);
// TRACEPROP_JAEGER_CHAIN (relay_client --json output of the chain
// relay_client -> cpp-sync -> go -> cpp-async -> python -> cpp-callback ->
// java -> cpp-sync-b -> go -> python -> java -> cpp-async);
// TRACEPROP_JAEGER_ERROR_PARENT, the parent-id sent into the two failing
// chains, and for each its trace id and route (names; "closed" is a port
// nobody listens on, "bad" a route entry the C++ relays reject):
// TRACEPROP_JAEGER_UNAVAILABLE_TRACE / _ROUTE and
// TRACEPROP_JAEGER_INVALID_TRACE / _ROUTE; TRACEPROP_<NAME> (each relay's
// address, for server.address/port).
//
// Checked through GET /api/traces/<id>: one trace id; every span present
// and no other (relay_client's root and client span, each hop's server
// span and the client span of each call it made); each span's service and
// kind; every parent resolves inside the trace, across languages: each
// server span's parent is the calling hop's client span and each client
// span's parent is its hop's server span; children within their parents'
// time; span names "package.Service/Method" and the RPC attributes of the
// semantic conventions (rpc.system, rpc.service, rpc.method,
// rpc.grpc.status_code; server.address/port or network.peer.* on client
// spans when present); and in the failing chains the status of every span.

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const lang = (s) => (s.startsWith('cpp') ? 'C++' : s === 'relay_client' ? 'C++ client' :
  { go: 'Go', java: 'Java', python: 'Python', js: 'JavaScript' }[s] || '?');
const isCpp = (s) => s.startsWith('cpp') || s === 'relay_client';
const addressOf = (s) => process.env[`TRACEPROP_${s.toUpperCase().replace(/-/g, '_')}`];

// Clock granularity allowed when a child's times are compared with its
// parent's: Jaeger keeps microseconds, and the Java SDK's clock is anchored
// once per trace to the wall clock then advanced by a monotonic clock, so
// it may be off the other processes' wall clocks by a little.
const CLOCK_SLACK_US = 1000;

function tag(span, key) {
  const t = span.tags.find((x) => x.key === key);
  return t ? t.value : undefined;
}

// rpcOf reads the RPC attributes under either generation of the semantic
// conventions: rpc.system + rpc.service + rpc.method (C++, Java, Python) or
// rpc.system.name + rpc.method "service/method" (Go's otelgrpc 0.72).
function rpcOf(span) {
  const system = tag(span, 'rpc.system') ?? tag(span, 'rpc.system.name');
  let service = tag(span, 'rpc.service');
  let method = tag(span, 'rpc.method');
  if (service === undefined && method !== undefined && method.includes('/')) {
    [service, method] = method.split('/');
  }
  const code = tag(span, 'rpc.grpc.status_code') ?? tag(span, 'rpc.response.status_code');
  return { system, service, method, code: String(code) };
}

const CODE_NAMES = { 0: 'OK', 3: 'INVALID_ARGUMENT', 14: 'UNAVAILABLE' };

// assertRpcSpan: name and RPC attributes; the gRPC status `code` (number;
// Go's newer conventions record its name); `error`: whether the span
// status must be ERROR (undefined: not checked).
function assertRpcSpan(s, at, code, error) {
  const { span } = s;
  // Python's instrumentation puts the gRPC path's leading "/" in front
  // (tests/interop/README.md); everyone else: "package.Service/Method".
  const name = s.service.startsWith('python') ? span.operationName.replace(/^\//, '') :
    span.operationName;
  assert.equal(name, 'traceprop.examples.Relay/Forward', `${at}: span name`);
  const rpc = rpcOf(span);
  assert.deepEqual({ system: rpc.system, service: rpc.service, method: rpc.method },
    { system: 'grpc', service: 'traceprop.examples.Relay', method: 'Forward' },
    `${at}: RPC attributes`);
  assert.ok([String(code), CODE_NAMES[code]].includes(rpc.code),
    `${at}: gRPC status ${rpc.code}, expected ${code}`);
  if (error !== undefined) {
    assert.equal(tag(span, 'otel.status_code') === 'ERROR', error,
      `${at}: span status ${tag(span, 'otel.status_code') ?? 'UNSET'}`);
  }
}

// assertPeerAddress: a client span that records where it called (as
// server.address/port, or network.peer.address/port) names the next hop.
function assertPeerAddress(s, at, address) {
  const [host, port] = address.split(':');
  for (const [h, p] of [['server.address', 'server.port'],
    ['network.peer.address', 'network.peer.port']]) {
    if (tag(s.span, h) !== undefined) assert.equal(tag(s.span, h), host, `${at}: ${h}`);
    if (tag(s.span, p) !== undefined) assert.equal(String(tag(s.span, p)), port, `${at}: ${p}`);
  }
}

async function getTrace(traceId) {
  const url = `${process.env.JAEGER_QUERY}/api/traces/${traceId}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${url}: ${res.status} ${text}`);
  const body = JSON.parse(text);
  assert.equal(body.data.length, 1, `GET ${url}: one trace`);
  return body.data[0];
}

// indexSpans: span id -> { span, service, kind, parent, traceId }.
function indexSpans(t) {
  const map = new Map();
  for (const span of t.spans) {
    const refs = span.references.filter((r) => r.refType === 'CHILD_OF');
    assert.ok(refs.length <= 1, `span ${span.spanID} has several parents`);
    assert.ok(!map.has(span.spanID), `span id ${span.spanID} twice`);
    map.set(span.spanID, {
      span,
      service: t.processes[span.processID].serviceName,
      kind: tag(span, 'span.kind') ?? 'internal',
      parent: refs.length ? refs[0].spanID.padStart(16, '0') : '',
      traceId: span.traceID.padStart(32, '0'),
    });
  }
  return map;
}

function describe(s) {
  return `${s.service} (${lang(s.service)}) ${s.kind} span ${s.span.spanID}`;
}

// assertWithinParents checks children against their parents' time (with
// CLOCK_SLACK_US either side). A child in its parent's process (a client
// span under its hop's server span, relay_client's call under its root)
// lies within it. A server span under the calling hop's client span (another
// process) starts within it; it may end after it — a server span ends when
// the server has finished the call, which can come after the client has
// its reply (seen with Java's instrumentation) — so how much later is only
// reported. Returns { local, remote, overshootUs: [..] }.
function assertWithinParents(spans) {
  const r = { local: 0, remote: 0, overshootUs: [] };
  for (const s of spans.values()) {
    if (s.parent === '' || !spans.has(s.parent)) continue;
    const p = spans.get(s.parent);
    const at = `${describe(s)} under ${describe(p)}`;
    const end = s.span.startTime + s.span.duration;
    const pend = p.span.startTime + p.span.duration;
    assert.ok(s.span.startTime >= p.span.startTime - CLOCK_SLACK_US,
      `${at}: starts ${p.span.startTime - s.span.startTime} us before its parent`);
    if (s.service === p.service) { // one process (one per service name here)
      assert.ok(end <= pend + CLOCK_SLACK_US, `${at}: ends ${end - pend} us after its parent`);
      r.local++;
    } else {
      assert.ok(s.span.startTime <= pend + CLOCK_SLACK_US,
        `${at}: starts ${s.span.startTime - pend} us after its parent ended`);
      if (end > pend) r.overshootUs.push(`${s.service} ${end - pend} us`);
      r.remote++;
    }
  }
  return r;
}

// --- the chain that succeeds ---------------------------------------------

let chain;
let spans; // Jaeger's spans of the chain, by id
let expected; // span id -> { service, kind, parent, at, next }

before(async () => {
  chain = JSON.parse(fs.readFileSync(process.env.TRACEPROP_JAEGER_CHAIN, 'utf8'));
  spans = indexSpans(await getTrace(chain.client.trace_id));
  // What must be there, from what each hop reported.
  const { hops } = chain;
  expected = new Map();
  expected.set(chain.client.span_id, { service: 'relay_client', kind: 'internal', parent: '',
    at: 'relay_client\'s root span' });
  expected.set(hops[0].parent_span_id, { service: 'relay_client', kind: 'client',
    parent: chain.client.span_id, at: 'relay_client\'s call', next: hops[0] });
  hops.forEach((h, i) => {
    const at = `hop ${i} ${h.service} (${lang(h.service)}) received ${h.traceparent}`;
    expected.set(h.span_id, { service: h.service, kind: 'server', parent: h.parent_span_id,
      at: `${at}: server span` });
    if (i + 1 < hops.length) {
      expected.set(hops[i + 1].parent_span_id, { service: h.service, kind: 'client',
        parent: h.span_id, at: `${at}: client span calling ${hops[i + 1].service}`,
        next: hops[i + 1] });
    }
  });
});

test('what each span records (diagnostics)', (t) => {
  for (const s of spans.values()) {
    const rpc = s.span.tags.filter((x) => /^(rpc|otel|server|network)\./.test(x.key))
      .map((x) => `${x.key}=${x.value}`).join(' ');
    t.diagnostic(`${s.service} ${s.kind} "${s.span.operationName}" ${rpc}`);
  }
});

test('one trace id: every span of every hop, C++ included, and no other', () => {
  const services = new Set([...expected.values()].map((e) => e.service));
  for (const style of ['relay_client', 'cpp-sync', 'cpp-sync-b', 'cpp-async', 'cpp-callback',
    'go', 'java', 'python']) {
    assert.ok(services.has(style), `the chain has no ${style} hop`);
  }
  for (const [id, s] of spans) {
    assert.equal(s.traceId, chain.client.trace_id, `${describe(s)}: trace id`);
    assert.ok(expected.has(id), `unexpected ${describe(s)}`);
  }
  for (const [id, e] of expected) assert.ok(spans.has(id), `${e.at}: ${id} missing from Jaeger`);
  assert.equal(spans.size, expected.size);
});

test('each span: its service, its kind, its parent (across languages)', () => {
  for (const [id, e] of expected) {
    const s = spans.get(id);
    assert.ok(s, `${e.at}: ${id} missing`);
    assert.equal(s.service, e.service, `${e.at}: service.name`);
    assert.equal(s.kind, e.kind, `${e.at}: span.kind`);
    assert.equal(s.parent, e.parent, `${e.at}: parent`);
    if (e.parent !== '') {
      assert.ok(spans.has(e.parent), `${e.at}: parent ${e.parent} not in Jaeger`);
    }
  }
});

test('server spans are children of the calling hop\'s client span, whatever the languages',
  () => {
    let crossLanguage = 0;
    for (const h of chain.hops) {
      const s = spans.get(h.span_id);
      const p = spans.get(s.parent);
      const at = `${describe(s)} received ${h.traceparent}`;
      assert.ok(p, `${at}: parent ${s.parent} not in Jaeger`);
      assert.equal(p.kind, 'client', `${at}: its parent is ${describe(p)}`);
      if (lang(p.service) !== lang(s.service)) crossLanguage++;
      // ...and that client span is a child of the calling hop's server span
      // (or relay_client's root).
      const gp = spans.get(p.parent);
      assert.ok(gp, `${at}: grandparent ${p.parent} not in Jaeger`);
      assert.ok(['server', 'internal'].includes(gp.kind), `${at}: grandparent ${describe(gp)}`);
      assert.equal(gp.service, p.service, `${at}: ${describe(p)} under another service`);
    }
    assert.ok(crossLanguage >= 10, `${crossLanguage} cross-language parent links`);
  });

test('children within their parents\' time', (t) => {
  const r = assertWithinParents(spans);
  assert.equal(r.local + r.remote, spans.size - 1, 'every span but the root has its parent');
  assert.equal(r.local, chain.hops.length, 'client spans under their hop\'s span');
  t.diagnostic(`server spans ending after their remote parent: ${r.overshootUs.join(', ') ||
    'none'}`);
});

test('RPC span names and attributes per the semantic conventions; status OK', () => {
  for (const [id, e] of expected) {
    const s = spans.get(id);
    if (e.kind === 'internal') { // relay_client's root: not an RPC span
      assert.equal(s.span.operationName, 'relay_client request', e.at);
      assert.equal(String(tag(s.span, 'relay.hops')), String(chain.hops.length), e.at);
      assert.notEqual(tag(s.span, 'otel.status_code'), 'ERROR', e.at);
      continue;
    }
    assertRpcSpan(s, e.at, 0, false);
    if (e.kind === 'client') assertPeerAddress(s, e.at, addressOf(e.next.service));
  }
});

// --- the chains that fail -------------------------------------------------

// failedChain fetches a failing chain's trace and finds, hop by hop along
// its route, the server span and the client span of each hop: exactly one
// of each per hop (every service appears once), parents linked hop to hop.
async function failedChain(traceVar, routeVar) {
  const traceId = process.env[traceVar];
  const route = process.env[routeVar].split(',');
  const got = indexSpans(await getTrace(traceId));
  const found = [];
  let parent = process.env.TRACEPROP_JAEGER_ERROR_PARENT;
  for (let i = 0; i < route.length; i++) {
    const service = route[i];
    if (service === 'closed' || service === 'bad') break;
    for (const kind of ['server', 'client']) {
      // The hop before "bad" rejects the route: it calls nobody.
      if (kind === 'client' && route[i + 1] === 'bad') continue;
      const at = `${service} (${lang(service)}) ${kind} span in ${route.join(' -> ')}`;
      const match = [...got.values()].filter((s) => s.service === service && s.kind === kind);
      assert.equal(match.length, 1, `${at}: ${match.length} in Jaeger, which has ` +
        [...got.values()].map((x) => `${describe(x)} (parent ${x.parent || 'none'}, ` +
          `${x.span.operationName})`).join('; '));
      const s = match[0];
      assert.equal(s.traceId, traceId, `${at}: trace id`);
      assert.equal(s.parent, parent, `${at}: parent`);
      found.push({ s, at, service, kind });
      parent = s.span.spanID;
    }
  }
  assert.equal(got.size, found.length, 'no other spans');
  const times = assertWithinParents(got);
  assert.equal(times.local + times.remote, found.length - 1, 'children within parents\' time');
  return found;
}

test('UNAVAILABLE in the middle: every span of every hop is an error', async () => {
  // cpp-sync's next hop refuses the connection: UNAVAILABLE, an error of
  // the server span under the conventions, is passed back unchanged.
  const found = await failedChain('TRACEPROP_JAEGER_UNAVAILABLE_TRACE',
    'TRACEPROP_JAEGER_UNAVAILABLE_ROUTE');
  assert.equal(found.length, 12);
  for (const { s, at } of found) assertRpcSpan(s, at, 14, true);
});

// (Only peers before the C++ hop: every C++ relay checks the whole
// remaining route before it calls on.)
test('INVALID_ARGUMENT from a C++ hop: not its server span\'s error, every caller\'s',
  async (t) => {
    const found = await failedChain('TRACEPROP_JAEGER_INVALID_TRACE',
      'TRACEPROP_JAEGER_INVALID_ROUTE');
    assert.equal(found.length, 5);
    for (const { s, at, service, kind } of found) {
      // Server spans: the conventions make only UNKNOWN, DEADLINE_EXCEEDED,
      // UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS errors; client
      // spans: every status but OK. Checked for C++; what the peers' server
      // spans do is printed.
      const error = kind === 'client' ? true : isCpp(service) ? false : undefined;
      assertRpcSpan(s, at, 3, error);
      if (error === undefined) {
        t.diagnostic(`${at}: status ${tag(s.span, 'otel.status_code') ?? 'UNSET'}`);
      }
    }
  });

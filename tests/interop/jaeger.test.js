'use strict';
// The trace of one chain as Jaeger assembled it from the peers' OTLP
// exports. scripts/test_peers.sh (with Jaeger) sends the chain with
// relay_client --json, writes its output to TRACEPROP_JAEGER_CHAIN, stops
// the peers (each flushes its spans on SIGTERM) and runs this file.
//
// Environment: TRACEPROP_JAEGER_CHAIN (relay_client's JSON), JAEGER_QUERY
// (base URL of Jaeger's query API, e.g. http://127.0.0.1:16686),
// TRACEPROP_JAEGER_ERROR_TRACE / _PARENT (trace id and parent-id sent into
// Go -> Python -> Java -> a closed port).
//
// Checked through GET /api/traces/<id>: the trace holds exactly the spans
// the Go, Java and Python hops made — a server span per hop (the id the hop
// reported, its service, parent = the parent-id it received) and a client
// span per call it made (the parent-id the next hop received, a child of
// the hop's server span, within its time); every parent that is not in
// Jaeger is a span of a C++ hop or of relay_client (they export no spans
// yet); RPC names and attributes per the semantic conventions.

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const EXPORTERS = new Set(['go', 'java', 'python']); // peers exporting OTLP
const lang = (s) => ({ go: 'Go', java: 'Java', python: 'Python', js: 'JavaScript' }[s] ||
  (s.startsWith('cpp') ? 'C++' : '?'));

let chain;
let trace; // Jaeger's trace
const byId = new Map(); // span id -> { span, service, kind, parent }

function tag(span, key) {
  const t = span.tags.find((x) => x.key === key);
  return t ? t.value : undefined;
}

// rpcOf reads the RPC attributes under either generation of the semantic
// conventions: rpc.system + rpc.service + rpc.method (Java, Python) or
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

// Span names are "package.Service/Method"; Python's instrumentation puts
// the gRPC path's leading "/" in front (tests/interop/README.md).
function assertRpcSpan(span, at, okCode) {
  assert.equal(span.operationName.replace(/^\//, ''), 'traceprop.examples.Relay/Forward',
    `${at}: span name`);
  const rpc = rpcOf(span);
  assert.deepEqual({ system: rpc.system, service: rpc.service, method: rpc.method },
    { system: 'grpc', service: 'traceprop.examples.Relay', method: 'Forward' },
    `${at}: RPC attributes`);
  assert.ok(['0', 'OK'].includes(rpc.code) === okCode, `${at}: gRPC status ${rpc.code}`);
  assert.equal(tag(span, 'otel.status_code') === 'ERROR', !okCode, `${at}: span status`);
}

// getTrace fetches one trace from Jaeger's query API.
async function getTrace(traceId) {
  const url = `${process.env.JAEGER_QUERY}/api/traces/${traceId}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${url}: ${res.status} ${text}`);
  const body = JSON.parse(text);
  assert.equal(body.data.length, 1, `GET ${url}: one trace`);
  return body.data[0];
}

function indexSpans(t, map) {
  for (const span of t.spans) {
    const refs = span.references.filter((r) => r.refType === 'CHILD_OF');
    assert.ok(refs.length <= 1, `span ${span.spanID} has several parents`);
    map.set(span.spanID, {
      span,
      service: t.processes[span.processID].serviceName,
      kind: tag(span, 'span.kind'),
      parent: refs.length ? refs[0].spanID : '',
      traceId: span.traceID.padStart(32, '0'),
    });
  }
}

before(async () => {
  chain = JSON.parse(fs.readFileSync(process.env.TRACEPROP_JAEGER_CHAIN, 'utf8'));
  trace = await getTrace(chain.hops[0].trace_id);
  indexSpans(trace, byId);
});

// Spans of other services (C++ hops, once they export) are not counted.
test('one trace id: every peer span of the chain, no other peer span', () => {
  const traceId = chain.hops[0].trace_id;
  const expected = new Set();
  chain.hops.forEach((h, i) => {
    if (!EXPORTERS.has(h.service)) return;
    expected.add(h.span_id); // server span
    if (i + 1 < chain.hops.length) expected.add(chain.hops[i + 1].parent_span_id); // client
  });
  for (const [id, s] of byId) {
    assert.equal(s.traceId, traceId, `span ${id} (${s.service})`);
    if (!EXPORTERS.has(s.service)) continue;
    assert.ok(expected.has(id), `unexpected span ${id} of ${s.service} (${s.kind})`);
  }
  for (const id of expected) assert.ok(byId.has(id), `span ${id} missing from Jaeger`);
});

test('what each peer records (diagnostics)', (t) => {
  for (const s of byId.values()) {
    const rpc = s.span.tags.filter((x) => /^(rpc|otel|grpc|server|network|net)\./.test(x.key))
      .map((x) => `${x.key}=${x.value}`).join(' ');
    t.diagnostic(`${s.service} ${s.kind} "${s.span.operationName}" ${rpc}`);
  }
});

test('server spans: the hop, its service, its received parent', () => {
  chain.hops.forEach((h, i) => {
    if (!EXPORTERS.has(h.service)) return;
    const at = `hop ${i} ${h.service} (${lang(h.service)}) received ${h.traceparent}`;
    const s = byId.get(h.span_id);
    assert.ok(s, `${at}: server span ${h.span_id} not in Jaeger`);
    assert.equal(s.service, h.service, `${at}: service`);
    assert.equal(s.kind, 'server', `${at}: span.kind`);
    assert.equal(s.parent, h.parent_span_id, `${at}: parent in Jaeger`);
    assertRpcSpan(s.span, at, true);
  });
});

test('client spans parent the next server span, across languages', () => {
  chain.hops.forEach((h, i) => {
    if (!EXPORTERS.has(h.service) || i + 1 === chain.hops.length) return;
    const next = chain.hops[i + 1];
    const at = `hop ${i} ${h.service} (${lang(h.service)}) -> hop ${i + 1} ${next.service} ` +
      `(${lang(next.service)}) received ${next.traceparent}`;
    const c = byId.get(next.parent_span_id);
    assert.ok(c, `${at}: client span not in Jaeger`);
    assert.equal(c.service, h.service, `${at}: client span's service`);
    assert.equal(c.kind, 'client', `${at}: span.kind`);
    assert.equal(c.parent, h.span_id, `${at}: client span's parent is not ${h.service}'s server span`);
    assertRpcSpan(c.span, at, true);
    const srv = byId.get(h.span_id).span;
    assert.ok(c.span.startTime >= srv.startTime &&
      c.span.startTime + c.span.duration <= srv.startTime + srv.duration,
    `${at}: client span outside its parent's time`);
    if (EXPORTERS.has(next.service)) { // the parent resolves in another language
      assert.equal(byId.get(next.span_id).parent, c.span.spanID, at);
    }
  });
});

test('every parent missing from Jaeger is a C++ span or relay_client\'s', () => {
  const foreign = new Set(); // parent-ids sent by a C++ hop or relay_client
  chain.hops.forEach((h, i) => {
    if (i === 0 || lang(chain.hops[i - 1].service) === 'C++') foreign.add(h.parent_span_id);
  });
  let resolved = 0;
  for (const [id, s] of byId) {
    if (s.parent === '' || byId.has(s.parent)) {
      resolved += s.parent === '' ? 0 : 1;
      continue;
    }
    assert.ok(foreign.has(s.parent),
      `span ${id} of ${s.service}: parent ${s.parent} neither in Jaeger nor a C++ span`);
  }
  assert.ok(resolved > 0, 'no parent resolved inside Jaeger');
});

test('an erroring hop: every span of the failed chain is an error, parents intact', async () => {
  const traceId = process.env.TRACEPROP_JAEGER_ERROR_TRACE;
  const spans = new Map();
  indexSpans(await getTrace(traceId), spans);
  // Go -> Python -> Java -> closed port: each peer's server and client span.
  let parent = process.env.TRACEPROP_JAEGER_ERROR_PARENT;
  for (const service of ['go', 'python', 'java']) {
    for (const kind of ['server', 'client']) {
      const found = [...spans.values()].filter((s) => s.service === service && s.kind === kind);
      const at = `${service} (${lang(service)}) ${kind} span`;
      assert.equal(found.length, 1, `${at}: ${found.length} in Jaeger`);
      const s = found[0];
      assert.equal(s.parent, parent, `${at}: parent`);
      assertRpcSpan(s.span, at, false);
      // UNAVAILABLE (14) from the refused connection, passed back unchanged.
      assert.ok(['14', 'UNAVAILABLE'].includes(rpcOf(s.span).code), `${at}: gRPC status`);
      parent = s.span.spanID;
    }
  }
  assert.equal(spans.size, 6, 'no other spans');
});

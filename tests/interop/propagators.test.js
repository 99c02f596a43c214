'use strict';
// Interop of traceprop's B3 and W3C Baggage propagation with OpenTelemetry
// JS's own propagators (W3CBaggagePropagator from @opentelemetry/core,
// B3Propagator from @opentelemetry/propagator-b3), over gRPC, both ways.
//
// Environment (set by scripts/test_interop.sh):
//   TRACEPROP_RELAY_A, TRACEPROP_RELAY_B  relay_server, default formats
//                                         (tracecontext,baggage)
//   TRACEPROP_RELAY_B3                    relay_server, OTEL_PROPAGATORS=b3,baggage
//   TRACEPROP_RELAY_B3MULTI               async_server, OTEL_PROPAGATORS=b3multi,baggage
//   TRACEPROP_RELAY_B3_W3C                callback_server,
//                                         OTEL_PROPAGATORS=b3,tracecontext,baggage
//   TRACEPROP_RELAY_CLIENT                path of the C++ relay_client
//
// The Node relay and the OTel client run in this process; each test picks
// the formats they speak with otel.usePropagators (the Node server
// extracts, and its own calls inject, with that set), and the first call
// of a chain can inject a different set (injectWith) or none at all, with
// headers written by hand, for what OpenTelemetry JS never sends (64-bit
// B3 trace ids, the debug state, `b3: 0`). What is checked is the B3 and
// W3C Baggage specifications, on our side.

const otel = require('./otel_setup');
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const {
  context, propagation, trace, ROOT_CONTEXT, SpanKind, TraceFlags,
  baggageEntryMetadataFromString,
} = require('@opentelemetry/api');
const { startNodeRelay, newClient, forward, grpc } = require('./node_relay');
const { env, HEX32, HEX16 } = require('./test_env');

const { waitForSpan, parentSpanId, injectWith } = otel;

const B3_SINGLE = /^([0-9a-f]{32})-([0-9a-f]{16})-([01d])(?:-([0-9a-f]{16}))?$/;

// parseB3 splits a `b3` value our side sent: always a 128-bit trace id, a
// sampling state and, for a child span, the parent (B3 "Single Header").
function parseB3(value) {
  const m = B3_SINGLE.exec(value);
  assert.ok(m, `not a b3 value with ids: ${JSON.stringify(value)}`);
  return { traceId: m[1], spanId: m[2], sampling: m[3], parentId: m[4] || '' };
}

// one returns the single value of `key` in a received-metadata object.
function one(metadata, key) {
  const values = metadata[key] || [];
  assert.equal(values.length, 1, `${key}: ${JSON.stringify(values)}`);
  return values[0];
}

// runRelayClient runs the C++ relay_client with extra environment and
// resolves with its JSON.
function runRelayClient(args, extraEnv) {
  return new Promise((resolve, reject) => {
    execFile(env('TRACEPROP_RELAY_CLIENT'), ['--json', ...args],
      { timeout: 20000, env: { ...process.env, ...extraEnv } }, (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`relay_client ${args.join(' ')} failed: ${err.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout));
      });
  });
}

// A test that waits for a span which never comes fails here instead of
// hanging the test command.
const LIMIT = { timeout: 30000 };

let nodeRelay;
before(async () => {
  nodeRelay = await startNodeRelay('node');
});
after(async () => {
  otel.usePropagators(process.env.OTEL_PROPAGATORS);
  if (nodeRelay) await nodeRelay.close();
});

// call sends Forward along `route` from the instrumented OTel client in
// `ctx`, with extra metadata `headers` ({key: value or [values]}).
async function call(ctx, route, headers = {}) {
  const client = newClient(route[0]);
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) {
    for (const v of [].concat(value)) md.add(key, v);
  }
  try {
    return await context.with(ctx, () =>
      forward(client, { route: route.slice(1), payload: 'propagators' }, md));
  } finally {
    client.close();
  }
}

// A remote parent span context, as if received by this process.
function remoteParent({ sampled = true } = {}) {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: 'b3'.repeat(8) + randomHex(16),
    spanId: randomHex(16),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

function randomHex(n) {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

// The OTel client span this process made for a call under `parentCtx`.
function clientSpanUnder(parentCtx) {
  const parent = trace.getSpanContext(parentCtx);
  return waitForSpan((s) => s.kind === SpanKind.CLIENT &&
    s.spanContext().traceId === parent.traceId && parentSpanId(s) === parent.spanId);
}

// Baggage with what W3C Baggage allows in a value: spaces, commas,
// quotes, semicolons, '=' and '%' (all percent-encoded on the wire),
// non-ASCII UTF-8, a member with properties, several members.
const BAGGAGE = [
  { key: 'tenant', value: 'acme', metadata: '' },
  { key: 'note', value: 'hello world, "quoted"; a=b 100%', metadata: '' },
  { key: 'city', value: 'Zürich 東京 🚀', metadata: '' },
  { key: 'exp', value: 'b', metadata: 'ttl=30;internal' },
  { key: 'user.tier', value: 'gold', metadata: '' },
];

// withBaggage returns `ctx` carrying `entries` as OTel baggage.
function withBaggage(ctx, entries) {
  const record = {};
  for (const { key, value, metadata } of entries) {
    record[key] = metadata
      ? { value, metadata: baggageEntryMetadataFromString(metadata) }
      : { value };
  }
  return propagation.setBaggage(ctx, propagation.createBaggage(record));
}

// The hop checks every test makes: `hop` continued trace `traceId` from
// `parentId` (its server span's parent) with sampled flag `sampled`.
function assertContinued(hop, { traceId, parentId, sampled }) {
  assert.match(hop.span_id, HEX16, `${hop.service} span_id`);
  assert.equal(hop.trace_id, traceId, `${hop.service} trace id`);
  assert.equal(hop.parent_span_id, parentId, `${hop.service} parent`);
  assert.equal(hop.sampled, sampled, `${hop.service} sampled flag`);
}

// --- W3C Baggage: OpenTelemetry JS -> C++ -> C++ -> OpenTelemetry JS ---

test('W3C baggage from OTel JS crosses two C++ hops intact', LIMIT, async () => {
  otel.usePropagators('tracecontext,baggage');
  const A = env('TRACEPROP_RELAY_A');
  const B = env('TRACEPROP_RELAY_B');
  const parent = withBaggage(remoteParent(), BAGGAGE);
  const traceId = trace.getSpanContext(parent).traceId;
  const { hops } = await call(parent, [A, B, nodeRelay.address]);
  assert.deepEqual(hops.map((h) => h.service), ['relay-a', 'relay-b', 'node']);
  const clientSpan = await clientSpanUnder(parent);
  assertContinued(hops[0], { traceId, parentId: clientSpan.spanContext().spanId, sampled: true });
  for (const hop of hops) assert.equal(hop.trace_id, traceId);

  // What OTel's W3CBaggagePropagator read from what the last C++ hop sent.
  const got = nodeRelay.receivedBy(hops[2].span_id);
  const header = one(got.metadata, 'baggage');
  assert.deepEqual(got.baggage, BAGGAGE, `node received baggage: ${header}`);
  // Our side re-encodes every byte outside baggage-octet (W3C Baggage
  // "value"): no raw space, comma inside a value, quote, ';' or non-ASCII.
  assert.match(header, /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e;=,]+$/);
  assert.ok(header.includes('exp=b;ttl=30;internal'), header);
});

test('several baggage headers, OWS and properties are combined by C++', LIMIT, async () => {
  otel.usePropagators('tracecontext,baggage');
  const A = env('TRACEPROP_RELAY_A');
  const parent = remoteParent();
  // Hand-written: two `baggage` values (W3C: combined as one list), OWS
  // around members, '=' and separators, properties with values.
  const { hops } = await call(injectWith(parent, 'tracecontext'), [A, nodeRelay.address], {
    baggage: ['k1 = v1 ; p1 = x , k2=v%202', 'k3=%E2%82%AC;p3,k4=a%3Db'],
  });
  const got = nodeRelay.receivedBy(hops[1].span_id);
  assert.deepEqual(got.baggage.map(({ key, value }) => ({ key, value })), [
    { key: 'k1', value: 'v1' },
    { key: 'k2', value: 'v 2' },
    { key: 'k3', value: '€' },
    { key: 'k4', value: 'a=b' },
  ], `node received ${JSON.stringify(got.metadata.baggage)}`);
  assert.equal(got.baggage[0].metadata.replace(/ /g, ''), 'p1=x');
  assert.equal(got.baggage[2].metadata, 'p3');
  assert.equal(hops[0].trace_id, trace.getSpanContext(parent).traceId);
});

test('64 baggage members (the W3C minimum) cross a C++ hop', LIMIT, async () => {
  otel.usePropagators('tracecontext,baggage');
  const A = env('TRACEPROP_RELAY_A');
  // 64 members, ~6.7 KB of header: under gRPC C++ 1.51's default 8 KiB
  // limit on all metadata of a call (see tests/interop/README.md).
  const many = Array.from({ length: 64 }, (_, i) => ({
    key: `k${String(i).padStart(2, '0')}`,
    value: `${i}:${'v'.repeat(96)}`,
    metadata: '',
  }));
  const { hops } = await call(withBaggage(remoteParent(), many), [A, nodeRelay.address]);
  const got = nodeRelay.receivedBy(hops[1].span_id);
  assert.equal(got.baggage.length, 64);
  assert.deepEqual(got.baggage, many);
});

// --- B3 from OpenTelemetry JS into C++ and back ---

for (const variant of [
  { name: 'b3 (single header)', formats: 'b3,baggage', relay: 'TRACEPROP_RELAY_B3', service: 'b3' },
  { name: 'b3multi', formats: 'b3multi,baggage', relay: 'TRACEPROP_RELAY_B3MULTI', service: 'b3multi' },
]) {
  for (const sampled of [true, false]) {
    test(`OTel JS ${variant.name} -> C++ -> OTel JS, sampled=${sampled}, with baggage`, LIMIT, async () => {
      otel.usePropagators(variant.formats);
      const relay = env(variant.relay);
      const parent = withBaggage(remoteParent({ sampled }), BAGGAGE);
      const traceId = trace.getSpanContext(parent).traceId;
      let rootSpanId = trace.getSpanContext(parent).spanId;
      const { hops } = await call(parent, [relay, nodeRelay.address]);
      assert.deepEqual(hops.map((h) => h.service), [variant.service, 'node']);
      const [cpp, node] = hops;
      // The C++ hop continued OTel's client span (when sampled, OTel
      // records it; unsampled, OTel sends a non-recording child whose id
      // only the C++ hop knows: then it is at least not the parent's).
      if (sampled) {
        rootSpanId = (await clientSpanUnder(parent)).spanContext().spanId;
        assertContinued(cpp, { traceId, parentId: rootSpanId, sampled });
      } else {
        assert.equal(cpp.trace_id, traceId);
        assert.match(cpp.parent_span_id, HEX16);
        assert.notEqual(cpp.parent_span_id, rootSpanId);
        assert.equal(cpp.sampled, false);
      }
      assert.equal(cpp.traceparent, '', 'OTel sent no traceparent');

      // What C++ sent, as OTel's B3 propagator read it.
      const got = nodeRelay.receivedBy(node.span_id);
      let sent;
      if (variant.formats.startsWith('b3multi')) {
        assert.equal(got.metadata.b3, undefined, 'b3multi writes no b3 header');
        sent = {
          traceId: one(got.metadata, 'x-b3-traceid'),
          spanId: one(got.metadata, 'x-b3-spanid'),
          parentId: one(got.metadata, 'x-b3-parentspanid'),
          sampling: one(got.metadata, 'x-b3-sampled'),
        };
        assert.equal(got.metadata['x-b3-flags'], undefined);
      } else {
        assert.equal(got.metadata['x-b3-traceid'], undefined, 'b3 writes no x-b3-*');
        sent = parseB3(one(got.metadata, 'b3'));
      }
      assert.equal(got.metadata.traceparent, undefined);
      assert.equal(sent.traceId, traceId);
      assert.equal(sent.sampling, sampled ? '1' : '0');
      // B3 ParentSpanId: the span the C++ hop sent from is a child of its
      // server span.
      assert.equal(sent.parentId, cpp.span_id);
      assert.notEqual(sent.spanId, cpp.span_id);
      assertContinued(node, { traceId, parentId: sent.spanId, sampled });
      assert.deepEqual(got.baggage, BAGGAGE);
      if (sampled) {
        const nodeSpan = await waitForSpan((s) => s.kind === SpanKind.SERVER &&
          s.spanContext().spanId === node.span_id);
        assert.equal(parentSpanId(nodeSpan), sent.spanId);
      }
    });
  }
}

test('a trace entering C++ as B3 leaves as B3 and W3C with the same ids', LIMIT, async () => {
  // The C++ hop reads b3,tracecontext,baggage (first valid wins) and
  // writes all three; the Node relay reads W3C only.
  otel.usePropagators('tracecontext,baggage');
  const relay = env('TRACEPROP_RELAY_B3_W3C');
  const parent = withBaggage(remoteParent(), BAGGAGE.slice(0, 2));
  const traceId = trace.getSpanContext(parent).traceId;
  const { hops } = await call(injectWith(parent, 'b3,baggage'), [relay, nodeRelay.address]);
  const [cpp, node] = hops;
  assert.equal(cpp.traceparent, '', 'OTel sent b3 only');
  const clientSpan = await clientSpanUnder(parent);
  assertContinued(cpp, { traceId, parentId: clientSpan.spanContext().spanId, sampled: true });
  const got = nodeRelay.receivedBy(node.span_id);
  const b3 = parseB3(one(got.metadata, 'b3'));
  const tp = one(got.metadata, 'traceparent');
  assert.equal(tp, `00-${b3.traceId}-${b3.spanId}-01`, 'traceparent = the b3 ids');
  assert.equal(b3.traceId, traceId);
  assertContinued(node, { traceId, parentId: b3.spanId, sampled: true });
  assert.deepEqual(got.baggage, BAGGAGE.slice(0, 2));
});

// --- B3 forms OpenTelemetry JS never sends, written by hand ---

test('a 64-bit B3 trace id is left-padded to 128 bits (single and multi)', LIMIT, async () => {
  otel.usePropagators('b3');
  const short = randomHex(16);
  const spanId = randomHex(16);
  const padded = '0'.repeat(16) + short;
  const none = injectWith(ROOT_CONTEXT, 'none');
  for (const [relay, headers] of [
    [env('TRACEPROP_RELAY_B3'), { b3: `${short}-${spanId}-1` }],
    [env('TRACEPROP_RELAY_B3MULTI'),
      { 'x-b3-traceid': short, 'x-b3-spanid': spanId, 'x-b3-sampled': '1' }],
  ]) {
    const { hops: [cpp, node] } = await call(none, [relay, nodeRelay.address], headers);
    assertContinued(cpp, { traceId: padded, parentId: spanId, sampled: true });
    const got = nodeRelay.receivedBy(node.span_id);
    const sent = got.metadata.b3 ? parseB3(one(got.metadata, 'b3'))
      : { traceId: one(got.metadata, 'x-b3-traceid') };
    assert.equal(sent.traceId, padded, 'sent on as 32 hex characters');
    assert.equal(node.trace_id, padded);
  }
});

test('B3 debug (b3 "d", x-b3-flags: 1) is continued as sampled', LIMIT, async (t) => {
  otel.usePropagators('b3');
  const none = injectWith(ROOT_CONTEXT, 'none');
  const traceId = randomHex(32);
  const spanId = randomHex(16);
  for (const [relay, headers] of [
    [env('TRACEPROP_RELAY_B3'), { b3: `${traceId}-${spanId}-d` }],
    [env('TRACEPROP_RELAY_B3MULTI'),
      { 'x-b3-traceid': traceId, 'x-b3-spanid': spanId, 'x-b3-flags': '1' }],
  ]) {
    const { hops: [cpp, node] } = await call(none, [relay, nodeRelay.address], headers);
    assertContinued(cpp, { traceId, parentId: spanId, sampled: true });
    assert.equal(node.sampled, true);
    assert.equal(node.trace_id, traceId);
    const got = nodeRelay.receivedBy(node.span_id);
    const sampling = got.metadata.b3 ? parseB3(one(got.metadata, 'b3')).sampling
      : (got.metadata['x-b3-flags'] ? 'd' : one(got.metadata, 'x-b3-sampled'));
    // Debug implies accept (B3 "Debug Flag"); what traceprop sends on:
    assert.ok(sampling === '1' || sampling === 'd', `sent sampling state ${sampling}`);
    t.diagnostic(`${Object.keys(headers).join('+')} debug in, sent on as sampling state ${sampling}`);
  }
});

test('"b3: 0" (deny without ids) starts an unsampled trace in C++', LIMIT, async () => {
  otel.usePropagators('b3');
  const none = injectWith(ROOT_CONTEXT, 'none');
  for (const [relay, deny] of [
    [env('TRACEPROP_RELAY_B3'), { b3: '0' }],
    [env('TRACEPROP_RELAY_B3MULTI'), { 'x-b3-sampled': '0' }],
  ]) {
    // Without the header the C++ hop starts a sampled trace (its sampler
    // keeps everything): the deny is what makes the difference.
    const control = await call(none, [relay, nodeRelay.address]);
    assert.equal(control.hops[0].sampled, true);
    const { hops: [cpp, node] } = await call(none, [relay, nodeRelay.address], deny);
    assert.match(cpp.trace_id, HEX32);
    assert.equal(cpp.parent_span_id, '', 'a new trace');
    assert.equal(cpp.sampled, false, 'the deny decision is honoured');
    const got = nodeRelay.receivedBy(node.span_id);
    const sent = got.metadata.b3 ? parseB3(one(got.metadata, 'b3')) : {
      traceId: one(got.metadata, 'x-b3-traceid'),
      spanId: one(got.metadata, 'x-b3-spanid'),
      sampling: one(got.metadata, 'x-b3-sampled'),
    };
    assert.equal(sent.sampling, '0');
    assert.equal(sent.traceId, cpp.trace_id);
    assertContinued(node, { traceId: cpp.trace_id, parentId: sent.spanId, sampled: false });
  }
});

// --- traceprop originates: relay_client -> OTel JS -> C++ -> OTel JS ---

// Sent by relay_client --baggage (hand-written W3C header that traceprop
// parses and formats again), and what OTel must read from it.
const CLIENT_BAGGAGE_HEADER = 'tenant=acme,note=hello%20world%2C%20%22quoted%22,' +
  'city=Z%C3%BCrich%20%E6%9D%B1%E4%BA%AC%20%F0%9F%9A%80,exp=b;ttl=30;internal';
const CLIENT_BAGGAGE = [
  { key: 'tenant', value: 'acme', metadata: '' },
  { key: 'note', value: 'hello world, "quoted"', metadata: '' },
  { key: 'city', value: 'Zürich 東京 🚀', metadata: '' },
  { key: 'exp', value: 'b', metadata: 'ttl=30;internal' },
];

for (const variant of [
  { formats: 'b3,baggage', relay: 'TRACEPROP_RELAY_B3' },
  { formats: 'b3multi,baggage', relay: 'TRACEPROP_RELAY_B3MULTI' },
  { formats: 'tracecontext,baggage', relay: 'TRACEPROP_RELAY_B' },
]) {
  test(`relay_client (${variant.formats}) -> OTel JS -> C++ -> OTel JS`, LIMIT, async () => {
    otel.usePropagators(variant.formats);
    const relay = env(variant.relay);
    const out = await runRelayClient(
      ['--route', `${nodeRelay.address},${relay},${nodeRelay.address}`,
        '--baggage', CLIENT_BAGGAGE_HEADER],
      { OTEL_PROPAGATORS: variant.formats });
    const traceId = out.client.trace_id;
    assert.match(traceId, HEX32);
    const [node1, cpp, node2] = out.hops;

    // What relay_client sent, as OTel read it.
    const got1 = nodeRelay.receivedBy(node1.span_id);
    let sentSpanId;
    if (variant.formats.startsWith('b3,')) {
      const b3 = parseB3(one(got1.metadata, 'b3'));
      assert.equal(b3.traceId, traceId);
      assert.equal(b3.sampling, '1');
      assert.equal(b3.parentId, out.client.span_id, 'B3 parent: the client root span');
      sentSpanId = b3.spanId;
    } else if (variant.formats.startsWith('b3multi')) {
      assert.equal(one(got1.metadata, 'x-b3-traceid'), traceId);
      assert.equal(one(got1.metadata, 'x-b3-sampled'), '1');
      assert.equal(one(got1.metadata, 'x-b3-parentspanid'), out.client.span_id);
      sentSpanId = one(got1.metadata, 'x-b3-spanid');
    } else {
      const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[13]$/.exec(node1.traceparent);
      assert.ok(m, node1.traceparent);
      assert.equal(m[1], traceId);
      sentSpanId = m[2];
    }
    assert.notEqual(sentSpanId, out.client.span_id);
    assertContinued(node1, { traceId, parentId: sentSpanId, sampled: true });
    assert.deepEqual(got1.baggage, CLIENT_BAGGAGE,
      `node received ${JSON.stringify(got1.metadata.baggage)}`);

    // The C++ hop continued the client span OTel made under node1.
    const nodeClient = await waitForSpan((s) => s.kind === SpanKind.CLIENT &&
      s.spanContext().traceId === traceId && parentSpanId(s) === node1.span_id);
    assertContinued(cpp, { traceId, parentId: nodeClient.spanContext().spanId, sampled: true });

    // The baggage made it round: client -> OTel -> C++ -> OTel.
    const got2 = nodeRelay.receivedBy(node2.span_id);
    assert.equal(node2.trace_id, traceId);
    assert.deepEqual(got2.baggage, CLIENT_BAGGAGE);
  });
}

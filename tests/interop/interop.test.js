'use strict';
// Interop between traceprop's C++ relays and OpenTelemetry JS.
//
// Environment (set by scripts/test_interop.sh):
//   TRACEPROP_RELAY_A, TRACEPROP_RELAY_B  host:port of two C++ relay_server
//   TRACEPROP_RELAY_ASYNC                 host:port of the C++ async_server
//   TRACEPROP_RELAY_CALLBACK              host:port of the C++ callback_server
//   TRACEPROP_RELAY_CLIENT                path of the C++ relay_client
//
// What is checked is the W3C Trace Context text, on our side:
// trace-id continuity across every hop, each hop's parent-id being the span
// the previous hop sent from, the sampled flag and tracestate carried
// unchanged, and a version-00 header sent even when a future version was
// received. OpenTelemetry's spans (exported in memory) are the ground truth
// for the Node side.

const otel = require('./otel_setup');
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { context, trace, ROOT_CONTEXT, SpanKind, TraceFlags } = require('@opentelemetry/api');
const { TraceState } = require('@opentelemetry/core');
const { startNodeRelay, newClient, forward } = require('./node_relay');
const { env, HEX32, HEX16, TRACEPARENT } = require('./test_env');

const { waitForSpan, parentSpanId, tracer } = otel;

// parseTp splits a version-00 traceparent our side sent; fails the test
// for anything else (we must always send version 00, W3C §3.2.2.1).
function parseTp(header) {
  const m = TRACEPARENT.exec(header);
  assert.ok(m, `not a version-00 traceparent: ${JSON.stringify(header)}`);
  return { traceId: m[1], parentId: m[2], flags: m[3] };
}

// runRelayClient runs the C++ relay_client and resolves with its JSON.
function runRelayClient(args) {
  return new Promise((resolve, reject) => {
    execFile(env('TRACEPROP_RELAY_CLIENT'), ['--json', ...args],
      { timeout: 20000 }, (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`relay_client ${args.join(' ')} failed: ${err.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout));
      });
  });
}

const isServerSpanOf = (hop) => (s) =>
  s.kind === SpanKind.SERVER && s.spanContext().spanId === hop.span_id;
const isClientSpan = (s) => s.kind === SpanKind.CLIENT;

let nodeRelay;
before(async () => {
  nodeRelay = await startNodeRelay('node');
});
after(async () => {
  if (nodeRelay) await nodeRelay.close();
});

// Calls Forward through the OTel-instrumented client in `ctx`.
async function otelCall(ctx, route) {
  const client = newClient(route[0]);
  try {
    return await context.with(ctx, () =>
      forward(client, { route: route.slice(1), payload: 'interop' }));
  } finally {
    client.close();
  }
}

// A remote parent context, as if received by this process.
function remoteParent({ sampled = true, traceState } = {}) {
  const sc = {
    traceId: 'a'.repeat(16) + Math.floor(Math.random() * 2 ** 48).toString(16).padStart(16, '0'),
    spanId: '0123456789abcdef',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  if (traceState) sc.traceState = new TraceState(traceState);
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}

// Checks that hop[i+1] continued from what hop[i] sent: same trace id and
// hop[i+1].parent_span_id is the parent-id of the traceparent it received.
function assertChainContinuity(hops, traceId, sampled) {
  for (const hop of hops) {
    assert.match(hop.trace_id, HEX32, `${hop.service} trace_id`);
    assert.match(hop.span_id, HEX16, `${hop.service} span_id`);
    assert.equal(hop.trace_id, traceId, `${hop.service} must continue trace ${traceId}`);
    assert.equal(hop.sampled, sampled, `${hop.service} sampled flag`);
    const tp = parseTp(hop.traceparent);
    assert.equal(tp.traceId, traceId, `${hop.service} received another trace id`);
    assert.equal(hop.parent_span_id, tp.parentId,
      `${hop.service} must continue from the parent-id it received`);
    // Bit 0x01 is sampled; our side also sets 0x02 (Level 2 "random") on
    // traces it starts, OpenTelemetry JS never does.
    assert.equal((parseInt(tp.flags, 16) & 1) === 1, sampled,
      `${hop.service} received flags ${tp.flags}`);
  }
  const spanIds = new Set(hops.map((h) => h.span_id));
  assert.equal(spanIds.size, hops.length, 'every hop has its own server span');
}

test('OTel client -> C++ relay -> C++ relay -> OTel Node relay', async () => {
  const A = env('TRACEPROP_RELAY_A');
  const B = env('TRACEPROP_RELAY_B');
  let root;
  const reply = await tracer.startActiveSpan('interop-root', async (span) => {
    root = span;
    try {
      return await otelCall(context.active(), [A, B, nodeRelay.address]);
    } finally {
      span.end();
    }
  });
  const traceId = root.spanContext().traceId;
  const hops = reply.hops;
  assert.deepEqual(hops.map((h) => h.service), ['relay-a', 'relay-b', 'node']);
  assertChainContinuity(hops, traceId, true);

  // Hop A continued from the span OpenTelemetry's client recorded.
  const clientSpan = await waitForSpan((s) => isClientSpan(s) &&
    s.spanContext().traceId === traceId && parentSpanId(s) === root.spanContext().spanId);
  assert.equal(hops[0].parent_span_id, clientSpan.spanContext().spanId);
  assert.equal(hops[0].traceparent, `00-${traceId}-${clientSpan.spanContext().spanId}-01`);

  // The C++ hops form a chain: B's parent is a span of A's process, not
  // OTel's client span (A did not just pass the header through).
  assert.notEqual(hops[1].parent_span_id, clientSpan.spanContext().spanId);
  assert.notEqual(hops[1].parent_span_id, hops[0].parent_span_id);

  // The Node server span OTel recorded is the one hop "node" reports, with
  // B's outgoing parent-id as its remote parent.
  const nodeSpan = await waitForSpan(isServerSpanOf(hops[2]));
  assert.equal(nodeSpan.spanContext().traceId, traceId);
  assert.equal(parentSpanId(nodeSpan), parseTp(hops[2].traceparent).parentId);
  assert.equal(nodeSpan.parentSpanContext.isRemote, true);
});

test('OTel client -> C++ async (CQ) -> C++ callback -> OTel Node relay', async () => {
  const AS = env('TRACEPROP_RELAY_ASYNC');
  const CB = env('TRACEPROP_RELAY_CALLBACK');
  const ts = 'vendor@tenant=x1,rojo=00f067aa0ba902b7';
  const parent = remoteParent({ traceState: ts });
  const traceId = trace.getSpanContext(parent).traceId;
  const reply = await otelCall(parent, [AS, CB, nodeRelay.address]);
  const hops = reply.hops;
  assert.deepEqual(hops.map((h) => h.service), ['async', 'callback', 'node']);
  assertChainContinuity(hops, traceId, true);
  for (const hop of hops) assert.equal(hop.tracestate, ts, `${hop.service} tracestate`);
  const clientSpan = await waitForSpan((s) => isClientSpan(s) &&
    s.spanContext().traceId === traceId && parentSpanId(s) === '0123456789abcdef');
  assert.equal(hops[0].parent_span_id, clientSpan.spanContext().spanId);
  const nodeSpan = await waitForSpan(isServerSpanOf(hops[2]));
  assert.equal(parentSpanId(nodeSpan), parseTp(hops[2].traceparent).parentId);
});

test('tracestate crosses the C++ hops unchanged and reaches OTel', async () => {
  const A = env('TRACEPROP_RELAY_A');
  const B = env('TRACEPROP_RELAY_B');
  const ts = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
  const parent = remoteParent({ traceState: ts });
  const traceId = trace.getSpanContext(parent).traceId;
  const reply = await otelCall(parent, [A, B, nodeRelay.address]);
  assertChainContinuity(reply.hops, traceId, true);
  for (const hop of reply.hops) {
    assert.equal(hop.tracestate, ts, `${hop.service} received tracestate`);
  }
  const nodeSpan = await waitForSpan(isServerSpanOf(reply.hops[2]));
  assert.equal(nodeSpan.spanContext().traceState.serialize(), ts);
});

test('an unsampled trace stays unsampled through the C++ hops', async () => {
  const A = env('TRACEPROP_RELAY_A');
  const B = env('TRACEPROP_RELAY_B');
  const parent = remoteParent({ sampled: false });
  const traceId = trace.getSpanContext(parent).traceId;
  const reply = await otelCall(parent, [A, B, nodeRelay.address]);
  // OTel's ParentBased sampler records nothing, but still propagates.
  assertChainContinuity(reply.hops, traceId, false);
});

test('C++ relay_client -> OTel Node relay -> C++ relay', async () => {
  const B = env('TRACEPROP_RELAY_B');
  const out = await runRelayClient(['--route', `${nodeRelay.address},${B}`]);
  const hops = out.hops;
  assert.deepEqual(hops.map((h) => h.service), ['node', 'relay-b']);
  const traceId = out.client.trace_id;
  assert.match(traceId, HEX32);
  assertChainContinuity(hops, traceId, true);

  // OTel's server span continued from what relay_client sent.
  const nodeSpan = await waitForSpan(isServerSpanOf(hops[0]));
  assert.equal(nodeSpan.spanContext().traceId, traceId);
  assert.equal(parentSpanId(nodeSpan), parseTp(hops[0].traceparent).parentId);

  // The C++ relay continued from OTel's client span, a child of the
  // Node server span.
  const nodeClient = await waitForSpan((s) => isClientSpan(s) &&
    s.spanContext().traceId === traceId && parentSpanId(s) === hops[0].span_id);
  assert.equal(hops[1].parent_span_id, nodeClient.spanContext().spanId);
});

test('relay_client with a given traceparent/tracestate through OTel', async () => {
  const B = env('TRACEPROP_RELAY_B');
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const out = await runRelayClient([
    '--route', `${nodeRelay.address},${B}`,
    '--traceparent', `00-${traceId}-00f067aa0ba902b7-01`,
    '--tracestate', 'rojo=00f067aa0ba902b7',
  ]);
  const hops = out.hops;
  assert.equal(hops[0].traceparent, `00-${traceId}-00f067aa0ba902b7-01`);
  assertChainContinuity(hops, traceId, true);
  assert.equal(hops[0].parent_span_id, '00f067aa0ba902b7');
  assert.equal(hops[1].tracestate, 'rojo=00f067aa0ba902b7');
});

test('a future traceparent version reaches OTel as version 00 via C++', async () => {
  // W3C §3.2.4 / §4.3: a higher version is parsed by its first four
  // fields and continued; what we send on is version 00. (OpenTelemetry
  // JS would drop "00-...-01-extra" and accepts this one too.)
  const A = env('TRACEPROP_RELAY_A');
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const out = await runRelayClient([
    '--route', `${A},${nodeRelay.address}`,
    '--traceparent', `cc-${traceId}-b7ad6b7169203331-01-what-the-future-holds`,
  ]);
  const [a, node] = out.hops;
  assert.equal(a.trace_id, traceId);
  assert.equal(a.parent_span_id, 'b7ad6b7169203331');
  const tp = parseTp(node.traceparent);
  assert.equal(tp.traceId, traceId);
  assert.equal(node.trace_id, traceId);
  assert.equal(node.parent_span_id, tp.parentId);
});

test('an uppercase traceparent restarts the trace on our side', async () => {
  // W3C §3.2.2.3: hex is lowercase; an uppercase header is invalid and the
  // receiver restarts the trace. The new trace then flows into OTel.
  const A = env('TRACEPROP_RELAY_A');
  const upper = '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01';
  const out = await runRelayClient(['--route', `${A},${nodeRelay.address}`,
    '--traceparent', upper]);
  const [a, node] = out.hops;
  assert.equal(a.traceparent, upper);
  assert.equal(a.parent_span_id, '');
  assert.notEqual(a.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.match(a.trace_id, HEX32);
  assert.equal(node.trace_id, a.trace_id);
});

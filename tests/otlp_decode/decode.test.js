// Decodes the ExportTraceServiceRequest traceprop's OTLP/gRPC exporter sent
// (captured by tests/exporters/otlp_capture_request, path in
// $OTLP_REQUEST_FILE) with the protobuf code OpenTelemetry JS generated from
// opentelemetry-proto (@opentelemetry/otlp-transformer's generated root),
// and checks every field the exporter sets against the fixture that
// program exports. A field-number or wire-type mistake in our .proto files
// shows up here as a missing, misplaced or undecodable value.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { test } = require('node:test');
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');

const pb = root.opentelemetry.proto;
const Request = pb.collector.trace.v1.ExportTraceServiceRequest;
const file = process.env.OTLP_REQUEST_FILE;

// Plain objects: 64-bit integers as decimal strings, enums as numbers,
// bytes as base64 (converted to hex below); absent fields stay absent.
function decode() {
  assert.ok(file, 'OTLP_REQUEST_FILE is not set');
  const bytes = fs.readFileSync(file);
  const message = Request.decode(bytes);
  return { bytes, message, object: Request.toObject(message, { longs: String, enums: Number, bytes: String }) };
}
const hex = (b64) => Buffer.from(b64, 'base64').toString('hex');
const str = (v) => ({ stringValue: v });
const int = (v) => ({ intValue: v });
const bool = (v) => ({ boolValue: v });
const dbl = (v) => ({ doubleValue: v });
const kv = (key, value) => ({ key, value });

test('the request decodes and re-encodes to the same size (no unknown fields)', () => {
  const { bytes, message } = decode();
  assert.equal(Request.encode(message).finish().length, bytes.length);
  assert.equal(message.resourceSpans.length, 1);
  assert.equal(message.resourceSpans[0].scopeSpans.length, 1);
  assert.equal(message.resourceSpans[0].scopeSpans[0].spans.length, 2);
});

test('resource attributes of every value type, and the instrumentation scope', () => {
  const rs = decode().object.resourceSpans[0];
  assert.deepEqual(rs.resource.attributes, [
    kv('service.name', str('otlp-decode')),
    kv('host.count', int('3')),
    kv('deployment.canary', bool(false)),
    kv('sampling.ratio', dbl(0.25)),
  ]);
  const scope = rs.scopeSpans[0].scope;
  assert.equal(scope.name, 'traceprop');
  assert.match(scope.version, /^\d+\.\d+\.\d+$/);
});

test('the SERVER span: ids, parent, tracestate, name, kind, times, flags', () => {
  const s = decode().object.resourceSpans[0].scopeSpans[0].spans[0];
  assert.equal(hex(s.traceId), '0af7651916cd43dd8448eb211c80319c');
  assert.equal(hex(s.spanId), 'b7ad6b7169203331');
  assert.equal(hex(s.parentSpanId), '00f067aa0ba902b7');
  assert.equal(s.traceState, 'ot=th:8,k=v');
  assert.equal(s.name, 'tpecho.Echo/Unary');
  assert.equal(s.kind, pb.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);
  assert.equal(s.startTimeUnixNano, '1700000000000000000');
  assert.equal(s.endTimeUnixNano, '1700000000123456789');
  // W3C flags 0x03 | HAS_IS_REMOTE 0x100 | IS_REMOTE 0x200 (remote parent)
  assert.equal(s.flags, 0x303);
});

test('the SERVER span: attributes of each value type', () => {
  const s = decode().object.resourceSpans[0].scopeSpans[0].spans[0];
  assert.deepEqual(s.attributes, [
    kv('rpc.system', str('grpc')),
    kv('rpc.grpc.status_code', int('13')),
    kv('neg', int('-42')),
    kv('big', int('4611686018427387905')),
    kv('ok', bool(true)),
    kv('no', bool(false)),
    kv('ratio', dbl(1.5)),
    kv('unicode', str('\u00fcn\u00efcode')),
    kv('empty', str('')),
  ]);
});

test('the SERVER span: events, links, status and dropped counts', () => {
  const s = decode().object.resourceSpans[0].scopeSpans[0].spans[0];
  assert.deepEqual(s.events, [
    {
      timeUnixNano: '1700000000000000100',
      name: 'exception',
      attributes: [kv('exception.message', str('boom')), kv('exception.type', str('INTERNAL'))],
    },
    { timeUnixNano: '1700000000000000200', name: 'retry', attributes: [kv('attempt', int('2'))] },
  ]);
  assert.equal(s.links.length, 1);
  const link = s.links[0];
  assert.equal(hex(link.traceId), '11111111111111111111111111111111');
  assert.equal(hex(link.spanId), '2222222222222222');
  assert.equal(link.traceState, 'a=b');
  assert.deepEqual(link.attributes, [kv('link.kind', str('caller'))]);
  assert.equal(link.flags, 0x301);  // sampled, a remote context
  assert.deepEqual(s.status, { code: pb.trace.v1.Status.StatusCode.STATUS_CODE_ERROR, message: 'boom \u00e9' });
  assert.equal(s.droppedAttributesCount, 2);
  assert.equal(s.droppedEventsCount, 3);
  assert.equal(s.droppedLinksCount, 4);
});

test('the CLIENT root span: no parent, no tracestate, status unset, nothing dropped', () => {
  const s = decode().object.resourceSpans[0].scopeSpans[0].spans[1];
  assert.equal(hex(s.traceId), '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(hex(s.spanId), '00f067aa0ba902b7');
  assert.equal(s.name, 'root');
  assert.equal(s.kind, pb.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
  assert.equal(s.startTimeUnixNano, '1700000001000000000');
  assert.equal(s.endTimeUnixNano, '1700000001000000001');
  assert.equal(s.flags, 0x101);  // sampled, HAS_IS_REMOTE, parent not remote
  for (const absent of ['parentSpanId', 'traceState', 'status', 'attributes', 'events', 'links']) {
    assert.ok(s[absent] === undefined || (Array.isArray(s[absent]) && s[absent].length === 0), absent);
  }
  assert.ok(!s.droppedAttributesCount && !s.droppedEventsCount && !s.droppedLinksCount);
});

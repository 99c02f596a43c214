'use strict';
// Prints how the installed OpenTelemetry JS W3CBaggagePropagator
// (@opentelemetry/core) and B3Propagator (@opentelemetry/propagator-b3)
// handle edge cases of the W3C Baggage and B3 texts — the facts behind
// "Where OpenTelemetry JS departs from W3C Baggage and B3" in README.md. Not
// a test: it asserts nothing about OpenTelemetry (propagators.test.js checks
// our side against the specs). Re-run after upgrading the lockfile:
// `npm run probe-propagators`.

const { W3CBaggagePropagator, CompositePropagator, W3CTraceContextPropagator } =
  require('@opentelemetry/core');
const { B3Propagator, B3InjectEncoding } = require('@opentelemetry/propagator-b3');
const {
  ROOT_CONTEXT, propagation, trace, defaultTextMapGetter, defaultTextMapSetter,
  baggageEntryMetadataFromString,
} = require('@opentelemetry/api');

const baggage = new W3CBaggagePropagator();
const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

function readBaggage(header) {
  const bag = propagation.getBaggage(baggage.extract(ROOT_CONTEXT, { baggage: header },
    defaultTextMapGetter));
  if (!bag) return 'nothing';
  return JSON.stringify(bag.getAllEntries().map(([k, e]) =>
    (e.metadata ? [k, e.value, e.metadata.toString()] : [k, e.value])));
}
function writeBaggage(record) {
  const entries = {};
  for (const [k, v] of Object.entries(record)) {
    entries[k] = Array.isArray(v) ? { value: v[0], metadata: baggageEntryMetadataFromString(v[1]) }
      : { value: v };
  }
  const out = {};
  baggage.inject(propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage(entries)),
    out, defaultTextMapSetter);
  return out.baggage === undefined ? 'no header' : JSON.stringify(out.baggage);
}

const b3 = new B3Propagator();  // extracts either form
function readB3(headers) {
  const ctx = b3.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const sc = trace.getSpanContext(ctx);
  if (!sc) return 'rejected (new trace; no sampling decision kept)';
  return `continued trace ${sc.traceId} span ${sc.spanId} flags=${sc.traceFlags}`;
}
function reinjectB3(headers, encoding) {
  const out = {};
  new B3Propagator({ injectEncoding: encoding }).inject(
    b3.extract(ROOT_CONTEXT, headers, defaultTextMapGetter), out, defaultTextMapSetter);
  return JSON.stringify(out);
}

const composite = new CompositePropagator({
  propagators: [new B3Propagator(), new W3CTraceContextPropagator()],
});
function compositeWinner() {
  const sc = trace.getSpanContext(composite.extract(ROOT_CONTEXT, {
    b3: `${T}-${S}-1`,
    traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
  }, defaultTextMapGetter));
  return `b3,tracecontext both valid -> continues ${sc.traceId === T ? 'b3 (first)' : 'traceparent (last)'}`;
}

const cases = [
  ['baggage: empty value "k="', () => readBaggage('k=,a=1')],
  ['baggage: raw space in value', () => readBaggage('k=a b,a=1')],
  ['baggage: raw non-ASCII in value', () => readBaggage('k=Zürich')],
  ['baggage: key not a token "k(1)"', () => readBaggage('k(1)=v')],
  ['baggage: percent-encoded key', () => readBaggage('a%20b=v')],
  ['baggage: duplicate key', () => readBaggage('k=1,a=2,k=3')],
  ['baggage: bad escape / bad UTF-8', () => readBaggage('k=%ZZ,j=%FF,a=1')],
  ['baggage: property with OWS', () => readBaggage('k=v ; p = 1 ;q')],
  ['baggage: two header values', () => readBaggage(['a=1', 'b=2'])],
  ['baggage: write key "a b"', () => writeBaggage({ 'a b': 'v' })],
  ['baggage: write value "a,b €"', () => writeBaggage({ k: 'a,b €' })],
  ['baggage: write properties', () => writeBaggage({ k: ['v', 'ttl=30;x'] })],
  ['baggage: write empty value', () => writeBaggage({ k: '', a: '1' })],
  ['baggage: write a 5000-byte member', () => writeBaggage({ big: 'x'.repeat(5000), a: '1' })],
  ['b3: "0" (deny, no ids)', () => readB3({ b3: '0' })],
  ['b3: 64-bit trace id', () => readB3({ b3: `${T.slice(16)}-${S}-1` })],
  ['b3: debug "d", re-injected single', () => reinjectB3({ b3: `${T}-${S}-d` }, B3InjectEncoding.SINGLE_HEADER)],
  ['b3: debug "d", re-injected multi', () => reinjectB3({ b3: `${T}-${S}-d` }, B3InjectEncoding.MULTI_HEADER)],
  ['b3: unknown sampling state "x"', () => readB3({ b3: `${T}-${S}-x` })],
  ['b3: bytes around the value', () => readB3({ b3: `junk${T}-${S}-1junk` })],
  ['b3: uppercase hex', () => readB3({ b3: `${T.toUpperCase()}-${S}-1` })],
  ['b3 written with a parent', () => reinjectB3({ b3: `${T}-${S}-1-${'3'.repeat(16)}` }, B3InjectEncoding.SINGLE_HEADER)],
  ['x-b3-traceid of 20 hex digits', () => readB3({ 'x-b3-traceid': T.slice(12), 'x-b3-spanid': S })],
  ['x-b3-sampled: 0 alone', () => readB3({ 'x-b3-sampled': '0' })],
  ['x-b3-sampled: true', () => readB3({ 'x-b3-traceid': T, 'x-b3-spanid': S, 'x-b3-sampled': 'true' })],
  ['composite extraction order', compositeWinner],
];
for (const [name, run] of cases) console.log(`${name.padEnd(36)} ${run()}`);

'use strict';
// Prints how the installed OpenTelemetry JS W3CTraceContextPropagator and
// TraceState handle edge cases of the W3C Trace Context text — the facts
// behind "Where OpenTelemetry JS departs from W3C" in README.md. Not a test:
// it asserts nothing about OpenTelemetry (our tests check our side against
// the spec). Re-run after upgrading the lockfile: `npm run probe`.

const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const {
  ROOT_CONTEXT, trace, defaultTextMapGetter, defaultTextMapSetter,
} = require('@opentelemetry/api');

const p = new W3CTraceContextPropagator();
const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const P = '00f067aa0ba902b7';
const TP = `00-${T}-${P}-01`;

function extract(headers) {
  const sc = trace.getSpanContext(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  if (!sc) return 'rejected (new trace)';
  const ts = sc.traceState ? sc.traceState.serialize() : '';
  return `continued ${sc.spanId} flags=0x${sc.traceFlags.toString(16)}${ts ? ` tracestate="${ts}"` : ''}`;
}
// reinject: what OTel sends when it propagates an extracted context
// without starting a span of its own.
function reinject(headers) {
  const out = {};
  p.inject(p.extract(ROOT_CONTEXT, headers, defaultTextMapGetter), out, defaultTextMapSetter);
  return JSON.stringify(out);
}

const many = Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',');
const cases = [
  ['two traceparent values', () => extract({ traceparent: [TP, `00-${T}-b7ad6b7169203331-01`] })],
  ['uppercase hex', () => extract({ traceparent: TP.toUpperCase() })],
  ['version 00 + extra field', () => extract({ traceparent: `${TP}-x` })],
  ['version cc + extra field, flags 09', () => extract({ traceparent: `cc-${T}-${P}-09-x` })],
  ['leading tab', () => extract({ traceparent: `\t${TP}` })],
  ['two leading spaces', () => extract({ traceparent: `  ${TP}` })],
  ['trailing newline', () => extract({ traceparent: `${TP}\n` })],
  ['re-inject flags 0xff', () => reinject({ traceparent: `cc-${T}-${P}-ff-x` })],
  ['re-inject flags 0x09', () => reinject({ traceparent: `cc-${T}-${P}-09` })],
  ['tracestate with one bad member', () => extract({ traceparent: TP, tracestate: 'a=1,Bad Key=2,b=3' })],
  ['tracestate duplicate key', () => extract({ traceparent: TP, tracestate: 'a=1,b=2,a=3' })],
  ['tracestate 33 members', () => `${extract({ traceparent: TP, tracestate: many }).split(',').length} members kept`],
  ['tracestate in two headers', () => extract({ traceparent: TP, tracestate: ['a=1', 'b=2'] })],
];
for (const [name, run] of cases) console.log(`${name.padEnd(36)} ${run()}`);

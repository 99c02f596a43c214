'use strict';
// OpenTelemetry JS set-up for the interop test. Must be required before
// @grpc/grpc-js: the gRPC instrumentation patches the module when it loads.
//
// Spans end up in an InMemorySpanExporter; `waitForSpan` resolves when a
// span matching a predicate has been exported (no polling, no sleeps).
//
// Propagators: the standard OTEL_PROPAGATORS variable selects them, as the
// OpenTelemetry SDKs read it: a comma-separated list of tracecontext,
// baggage, b3 (single `b3` header), b3multi (`x-b3-*` headers) or none;
// unset or empty means tracecontext,baggage. The composite injects every
// format and extracts them in order (OpenTelemetry JS's CompositePropagator:
// a later format that finds a valid context replaces an earlier one).
// `usePropagators(names)` switches the process-wide set at run time (tests
// in one file run one at a time), so a test can speak one format.

const { createContextKey, trace } = require('@opentelemetry/api');
const {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} = require('@opentelemetry/core');
const { B3InjectEncoding, B3Propagator } = require('@opentelemetry/propagator-b3');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const {
  InMemorySpanExporter,
  SimpleSpanProcessor,
} = require('@opentelemetry/sdk-trace-base');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { GrpcInstrumentation } = require('@opentelemetry/instrumentation-grpc');

const exporter = new InMemorySpanExporter();
const waiters = [];

// Wraps the exporter so every exported span is also offered to waiters.
class NotifyingProcessor extends SimpleSpanProcessor {
  onEnd(span) {
    super.onEnd(span);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].pred(span)) {
        waiters[i].resolve(span);
        waiters.splice(i, 1);
      }
    }
  }
}

const PROPAGATORS = {
  tracecontext: () => new W3CTraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
  b3: () => new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }),
  b3multi: () => new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
};
const DEFAULT_PROPAGATORS = 'tracecontext,baggage';

// propagatorNames reads an OTEL_PROPAGATORS value: known names in order,
// once each, case-insensitive; [] for "none"; the default when the value
// is unset, empty or names nothing known. Unknown names are warned about
// and skipped, as the OpenTelemetry SDK specification asks.
function propagatorNames(value) {
  const names = [];
  for (const raw of String(value || '').split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (name !== 'none' && !PROPAGATORS[name]) {
      process.emitWarning(`OTEL_PROPAGATORS: unknown propagator "${name}" skipped`);
      continue;
    }
    if (!names.includes(name)) names.push(name);
  }
  if (names.includes('none')) return [];
  return names.length > 0 ? names : DEFAULT_PROPAGATORS.split(',');
}

// makePropagator builds the composite for an OTEL_PROPAGATORS value.
function makePropagator(value) {
  return new CompositePropagator({
    propagators: propagatorNames(value).map((name) => PROPAGATORS[name]()),
  });
}

// A context value that makes calls made in that context inject with
// other propagators (injectWith).
const INJECT_WITH = createContextKey('traceprop-interop inject with');

// The registered propagator: delegates to the current set.
class SwitchablePropagator {
  constructor(value) {
    this.use(value);
  }
  use(value) {
    this.names = propagatorNames(value);
    this.delegate = makePropagator(value);
  }
  inject(ctx, carrier, setter) {
    (ctx.getValue(INJECT_WITH) || this.delegate).inject(ctx, carrier, setter);
  }
  extract(ctx, carrier, getter) {
    return this.delegate.extract(ctx, carrier, getter);
  }
  fields() {
    return this.delegate.fields();
  }
}
const propagator = new SwitchablePropagator(process.env.OTEL_PROPAGATORS);

// usePropagators switches every later injection and extraction in this
// process (the instrumented clients and servers) to `value`, an
// OTEL_PROPAGATORS list; returns the names now in use.
function usePropagators(value) {
  propagator.use(value);
  return propagator.names.slice();
}

// injectWith returns `ctx` in which outgoing calls inject with the
// OTEL_PROPAGATORS list `value` ('none': nothing, for hand-written
// headers) instead of the process-wide set. Extraction is unchanged, and
// a server handler's context (extracted from the root context) never
// carries it, so only the calls made in `ctx` itself are affected.
function injectWith(ctx, value) {
  return ctx.setValue(INJECT_WITH, makePropagator(value));
}

const provider = new NodeTracerProvider({
  spanProcessors: [new NotifyingProcessor(exporter)],
});
provider.register({ propagator });
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new GrpcInstrumentation()],
});

// waitForSpan resolves with the first ended span (already ended or ending
// later) for which pred(span) is true.
function waitForSpan(pred) {
  const done = exporter.getFinishedSpans().find(pred);
  if (done) return Promise.resolve(done);
  return new Promise((resolve) => waiters.push({ pred, resolve }));
}

// parentSpanId works with both ReadableSpan shapes (SDK 1.x: parentSpanId,
// SDK 2.x: parentSpanContext).
function parentSpanId(span) {
  if (span.parentSpanContext) return span.parentSpanContext.spanId;
  return span.parentSpanId || '';
}

module.exports = {
  exporter,
  provider,
  tracer: trace.getTracer('traceprop-interop'),
  waitForSpan,
  parentSpanId,
  propagatorNames,
  makePropagator,
  usePropagators,
  injectWith,
};

'use strict';
// OpenTelemetry JS set-up for the interop test. Must be required before
// @grpc/grpc-js: the gRPC instrumentation patches the module when it loads.
//
// Spans end up in an InMemorySpanExporter; `waitForSpan` resolves when a
// span matching a predicate has been exported (no polling, no sleeps).

const { trace } = require('@opentelemetry/api');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
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

const provider = new NodeTracerProvider({
  spanProcessors: [new NotifyingProcessor(exporter)],
});
provider.register({ propagator: new W3CTraceContextPropagator() });
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
};

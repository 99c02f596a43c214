'use strict';
// A Relay server in Node.js, instrumented by OpenTelemetry JS (through
// otel_setup.js), implementing examples/proto/relay.proto exactly like the
// C++ relay_server: it reports what it received and the server span it ran
// under, then forwards along the rest of the route with an instrumented
// client. The formats it reads and writes are the process's propagators
// (OTEL_PROPAGATORS, see otel_setup.js); the baggage it received is in the
// handler's context, so the instrumented client sends it on to the next
// hop. Each call's metadata and extracted baggage are also kept in
// `relay.received` (the Hop message has no field for them).

require('./otel_setup');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { context, propagation, trace, ROOT_CONTEXT } = require('@opentelemetry/api');

const PROTO = path.join(__dirname, '..', '..', 'examples', 'proto', 'relay.proto');
const def = protoLoader.loadSync(PROTO, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
});
const relayPkg = grpc.loadPackageDefinition(def).traceprop.examples;

function newClient(address) {
  return new relayPkg.Relay(address, grpc.credentials.createInsecure());
}

// forward calls Forward on `address` and resolves with the reply.
function forward(client, request, metadata) {
  return new Promise((resolve, reject) => {
    const md = metadata || new grpc.Metadata();
    client.Forward(request, md, { deadline: Date.now() + 10000 }, (err, reply) =>
      err ? reject(err) : resolve(reply));
  });
}

function joined(metadata, key) {
  return metadata.get(key).map(String).join(',');
}

// baggageEntries lists the baggage of `ctx` as [{key, value, metadata}]
// (metadata: the raw property string, '' when none).
function baggageEntries(ctx) {
  const bag = propagation.getBaggage(ctx);
  if (!bag) return [];
  return bag.getAllEntries().map(([key, entry]) => ({
    key,
    value: entry.value,
    metadata: entry.metadata ? entry.metadata.toString() : '',
  }));
}

// metadataObject copies text metadata into {key: [values]}.
function metadataObject(metadata) {
  const out = {};
  for (const key of Object.keys(metadata.getMap())) {
    if (!key.endsWith('-bin')) out[key] = metadata.get(key).map(String);
  }
  return out;
}

// startNodeRelay listens on 127.0.0.1:0 and resolves with
// { address, server, close() }.
function startNodeRelay(name) {
  const server = new grpc.Server();
  const received = [];  // {span_id, metadata, baggage} per call, in order
  server.addService(relayPkg.Relay.service, {
    Forward(call, callback) {
      const md = call.metadata;
      const span = trace.getActiveSpan();
      const sc = span ? span.spanContext() : undefined;
      // What OpenTelemetry continued from: the remote span context it
      // extracted from this call's metadata (undefined: new trace).
      const remote = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, md, {
        get: (carrier, key) => carrier.get(key).map(String),
        keys: (carrier) => Object.keys(carrier.getMap()),
      }));
      const hop = {
        service: name,
        traceparent: joined(md, 'traceparent'),
        tracestate: joined(md, 'tracestate'),
        trace_id: sc ? sc.traceId : '',
        span_id: sc ? sc.spanId : '',
        parent_span_id: remote ? remote.spanId : '',
        sampled: sc ? (sc.traceFlags & 1) === 1 : false,
      };
      received.push({
        span_id: hop.span_id,
        metadata: metadataObject(md),
        baggage: baggageEntries(context.active()),
      });
      const route = call.request.route || [];
      if (route.length === 0) {
        callback(null, { hops: [hop] });
        return;
      }
      const next = route[0];
      const client = newClient(next);
      // The handler runs in the server span's context: the instrumented
      // client starts a child client span and injects its traceparent.
      forward(client, {
        route: route.slice(1),
        payload: call.request.payload,
        hold_ms: call.request.hold_ms,
      })
        .then((reply) => callback(null, { hops: [hop, ...reply.hops] }))
        .catch((err) => callback({
          code: err.code === undefined ? grpc.status.UNAVAILABLE : err.code,
          details: `${name}: hop ${next}: ${err.details || err.message}`,
        }))
        .finally(() => client.close());
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        reject(err);
        return;
      }
      resolve({
        address: `127.0.0.1:${port}`,
        server,
        received,
        // receivedBy returns what the call whose server span is `spanId`
        // received (undefined if no such call).
        receivedBy: (spanId) => received.find((r) => r.span_id === spanId),
        close: () => new Promise((res) => server.tryShutdown(() => res())),
      });
    });
  });
}

module.exports = { startNodeRelay, newClient, forward, grpc, context, baggageEntries };

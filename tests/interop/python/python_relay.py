"""python_relay - a traceprop.examples.Relay server in Python, instrumented
the way grpcio services are: opentelemetry-instrumentation-grpc's server and
client instrumentors, the OTel Python SDK and the propagators
OTEL_PROPAGATORS names (the SDK reads it; unset: tracecontext,baggage; b3
and b3multi come from opentelemetry-propagator-b3). Same contract as tests/interop/node_relay.js and the C++
relay_server: it reports what trace context it received and the server span
it ran under, then forwards the rest of the route.

    python_relay.py --name python [--port 0] [--gen DIR] [--consistent_ratio P]

DIR holds relay_pb2.py and relay_pb2_grpc.py (grpc_tools.protoc output;
scripts/test_peers.sh generates them). Prints "listening on
127.0.0.1:PORT". Spans are exported with OTLP/gRPC when
OTEL_EXPORTER_OTLP_ENDPOINT is set, otherwise dropped. SIGTERM stops it
(exit 0).

--consistent_ratio P samples every span (not parent-based) with the SDK's
experimental composite sampler (opentelemetry.sdk.trace.
_sampling_experimental: composable_traceid_ratio_based), the OTel
probability-sampling specification (threshold recorded as `ot=th`).
"""

import argparse
import os
import signal
import sys
import threading
from concurrent import futures

import grpc
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.grpc import (
    GrpcInstrumentorClient,
    GrpcInstrumentorServer,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider


def setup_tracing(name, consistent_ratio=None):
    """A TracerProvider (parent-based, new traces sampled; or the consistent
    probability sampler at `consistent_ratio`) exporting with OTLP/gRPC only
    when an endpoint is configured."""
    sampler = None
    if consistent_ratio is not None:
        from opentelemetry.sdk.trace._sampling_experimental import (
            composable_traceid_ratio_based,
            composite_sampler,
        )

        sampler = composite_sampler(composable_traceid_ratio_based(consistent_ratio))
    provider = TracerProvider(resource=Resource.create({"service.name": name}), sampler=sampler)
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    # The global propagator is what OTEL_PROPAGATORS says (opentelemetry.
    # propagate reads it at import, as Python services rely on).
    # Patches grpc.server and grpc.insecure_channel: server spans around
    # every handler, client spans (and injected headers) on every call.
    GrpcInstrumentorServer().instrument()
    GrpcInstrumentorClient().instrument()
    return provider


def make_servicer(name, pb2, pb2_grpc):
    class Relay(pb2_grpc.RelayServicer):
        def Forward(self, request, context):
            md = context.invocation_metadata()

            def joined(key):
                return ",".join(str(m.value) for m in md if m.key == key)

            sc = trace.get_current_span().get_span_context()  # the server span
            # What OTel continued from: the instrumentation extracts from
            # {key: value} of the metadata (the last value of a key wins).
            remote = trace.get_current_span(
                propagate.extract({m.key: m.value for m in md})
            ).get_span_context()
            hop = pb2.Hop(
                service=name,
                traceparent=joined("traceparent"),
                tracestate=joined("tracestate"),
                trace_id=format(sc.trace_id, "032x") if sc.is_valid else "",
                span_id=format(sc.span_id, "016x") if sc.is_valid else "",
                parent_span_id=format(remote.span_id, "016x") if remote.is_valid else "",
                sampled=sc.trace_flags.sampled,
            )
            if not request.route:
                return pb2.ForwardReply(hops=[hop])
            nxt = request.route[0]
            # The server span is current: the client span is its child. The
            # caller's remaining time bounds the call (10 s at most).
            remaining = context.time_remaining()
            timeout = 10.0 if remaining is None else min(10.0, remaining)
            with grpc.insecure_channel(nxt) as channel:
                try:
                    reply = pb2_grpc.RelayStub(channel).Forward(
                        pb2.ForwardRequest(
                            route=request.route[1:],
                            payload=request.payload,
                            hold_ms=request.hold_ms,
                        ),
                        timeout=timeout,
                    )
                except grpc.RpcError as err:
                    context.abort(err.code(), f"{name}: hop {nxt}: {err.details()}")
            return pb2.ForwardReply(hops=[hop, *reply.hops])

    return Relay()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="python")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--gen", required=True, help="directory of relay_pb2*.py")
    parser.add_argument("--consistent_ratio", type=float, default=None)
    args = parser.parse_args()
    sys.path.insert(0, args.gen)
    import relay_pb2
    import relay_pb2_grpc

    provider = setup_tracing(args.name, args.consistent_ratio)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    relay_pb2_grpc.add_RelayServicer_to_server(
        make_servicer(args.name, relay_pb2, relay_pb2_grpc), server
    )
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    server.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop(grace=5).wait(6)
    provider.shutdown()


if __name__ == "__main__":
    main()

// JavaRelay — a traceprop.examples.Relay server in Java, instrumented the
// way grpc-java services are: OpenTelemetry's gRPC instrumentation library
// (opentelemetry-grpc-1.6) intercepts the server and the client, the OTel
// Java SDK records the spans, and the propagators are those OTEL_PROPAGATORS
// names (tracecontext, baggage, b3, b3multi; unset: tracecontext,baggage).
// Same contract as tests/interop/node_relay.js and the C++ relay_server.
//
//   java -cp ... traceprop.interop.JavaRelay --name java [--port 0]
//       [--consistent_ratio P]
//
// --consistent_ratio P samples every span (not parent-based) with
// OpenTelemetry contrib's consistent56 probability sampler: the OTel
// probability-sampling specification, threshold recorded as `ot=th` in the
// tracestate, the same arithmetic as traceprop's TraceIdRatioSampler.
//
// Prints "listening on 127.0.0.1:PORT". Spans are exported with OTLP/gRPC
// when OTEL_EXPORTER_OTLP_ENDPOINT is set, otherwise dropped. SIGTERM stops
// it (exit 0).
package traceprop.interop;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.contrib.sampler.consistent56.ConsistentSampler;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import traceprop.examples.RelayGrpc;
import traceprop.examples.RelayOuterClass.ForwardReply;
import traceprop.examples.RelayOuterClass.ForwardRequest;
import traceprop.examples.RelayOuterClass.Hop;

public final class JavaRelay extends RelayGrpc.RelayImplBase {
  private static final Context.Key<Metadata> HEADERS = Context.key("headers");
  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TRACESTATE =
      Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER);

  // Reads gRPC metadata for the propagator (first value of a key).
  private static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
    @Override public Iterable<String> keys(Metadata md) { return md.keys(); }
    @Override public String get(Metadata md, String key) {
      return md == null ? null : md.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private final String name;
  private final GrpcTelemetry telemetry;
  private final TextMapPropagator propagator;

  JavaRelay(String name, GrpcTelemetry telemetry, TextMapPropagator propagator) {
    this.name = name;
    this.telemetry = telemetry;
    this.propagator = propagator;
  }

  // propagatorsFromEnv maps OTEL_PROPAGATORS to the SDK's propagators, as
  // the SDK's autoconfigure module would (which this relay does not use);
  // an unknown name is fatal so that a test never runs with the wrong set.
  static TextMapPropagator propagatorsFromEnv() {
    String env = System.getenv("OTEL_PROPAGATORS");
    if (env == null || env.isBlank()) env = "tracecontext,baggage";
    List<TextMapPropagator> list = new ArrayList<>();
    for (String n : env.split(",")) {
      switch (n.trim()) {
        case "tracecontext" -> list.add(W3CTraceContextPropagator.getInstance());
        case "baggage" -> list.add(W3CBaggagePropagator.getInstance());
        case "b3" -> list.add(B3Propagator.injectingSingleHeader());
        case "b3multi" -> list.add(B3Propagator.injectingMultiHeaders());
        case "none" -> { }
        default -> throw new IllegalArgumentException("OTEL_PROPAGATORS: unknown " + n);
      }
    }
    return TextMapPropagator.composite(list);
  }

  private static String joined(Metadata md, Metadata.Key<String> key) {
    Iterable<String> values = md.getAll(key);
    return values == null ? "" : String.join(",", values);
  }

  @Override
  public void forward(ForwardRequest req, StreamObserver<ForwardReply> out) {
    Metadata md = HEADERS.get();
    SpanContext sc = Span.current().getSpanContext();  // the instrumentation's server span
    // What OTel continued from: the remote context in the metadata.
    SpanContext remote = Span.fromContext(propagator.extract(io.opentelemetry.context.Context.root(), md, GETTER)).getSpanContext();
    Hop hop = Hop.newBuilder().setService(name)
        .setTraceparent(joined(md, TRACEPARENT)).setTracestate(joined(md, TRACESTATE))
        .setTraceId(sc.getTraceId()).setSpanId(sc.getSpanId())
        .setParentSpanId(remote.isValid() ? remote.getSpanId() : "")
        .setSampled(sc.isSampled()).build();
    if (req.getRouteCount() == 0) {
      out.onNext(ForwardReply.newBuilder().addHops(hop).build());
      out.onCompleted();
      return;
    }
    String next = req.getRoute(0);
    ManagedChannel channel = Grpc.newChannelBuilder(next, InsecureChannelCredentials.create())
        .intercept(telemetry.createClientInterceptor()).build();
    try {
      // The server span is current here: the client span is its child. The
      // caller's deadline is carried by the gRPC context; 10 s bounds the rest.
      ForwardReply reply = RelayGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .forward(ForwardRequest.newBuilder().addAllRoute(req.getRouteList().subList(1,
              req.getRouteCount())).setPayload(req.getPayload()).setHoldMs(req.getHoldMs())
              .build());
      out.onNext(ForwardReply.newBuilder().addHops(hop).addAllHops(reply.getHopsList()).build());
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      out.onError(Status.fromCode(e.getStatus().getCode())
          .withDescription(name + ": hop " + next + ": " + e.getStatus().getDescription())
          .asRuntimeException());
    } finally {
      channel.shutdownNow();
    }
  }

  public static void main(String[] args) throws Exception {
    String name = "java";
    int port = 0;
    double ratio = -1;  // none: the SDK's default, parent-based always-on
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--name" -> name = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--consistent_ratio" -> ratio = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    SdkTracerProviderBuilder tracing = SdkTracerProvider.builder().setResource(
        Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), name)));
    if (ratio >= 0) tracing.setSampler(ConsistentSampler.probabilityBased(ratio));
    String endpoint = System.getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (endpoint != null && !endpoint.isEmpty()) {
      tracing.addSpanProcessor(BatchSpanProcessor.builder(
          OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).build()).build());
    }
    OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(tracing.build())
        .setPropagators(ContextPropagators.create(propagatorsFromEnv()))
        .build();
    GrpcTelemetry telemetry = GrpcTelemetry.create(otel);

    // Keeps each call's headers for the handler (what it received).
    ServerInterceptor keepHeaders = new ServerInterceptor() {
      @Override public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(HEADERS, headers), call,
            headers, next);
      }
    };
    List<ServerInterceptor> interceptors = new ArrayList<>();
    interceptors.add(keepHeaders);
    interceptors.add(telemetry.createServerInterceptor());  // the last one runs first
    Server server = NettyServerBuilder
        .forAddress(new InetSocketAddress("127.0.0.1", port))  // loopback only
        .addService(ServerInterceptors.intercept(new JavaRelay(name, telemetry,
            otel.getPropagators().getTextMapPropagator()), interceptors))
        .build().start();
    System.out.println("listening on 127.0.0.1:" + server.getPort());
    System.out.flush();
    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), sig -> stop.countDown());
    Signal.handle(new Signal("INT"), sig -> stop.countDown());
    stop.await();
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow();
    otel.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
    System.exit(0);
  }
}

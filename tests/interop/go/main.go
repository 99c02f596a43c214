// go_relay — a traceprop.examples.Relay server in Go, instrumented the way
// Go services are: google.golang.org/grpc with otelgrpc's stats handlers on
// the server and on the client, the OTel Go SDK, and the propagators
// OTEL_PROPAGATORS names (contrib's autoprop: tracecontext,baggage when
// unset; b3, b3multi and others on request). Same contract as tests/interop/node_relay.js and the C++
// relay_server: it reports what trace context it received and the server
// span it ran under, then forwards the rest of the route.
//
//	go_relay --name go [--port 0]    # prints "listening on 127.0.0.1:PORT"
//
// Spans are exported with OTLP/gRPC when OTEL_EXPORTER_OTLP_ENDPOINT is set
// (the exporter reads the OTEL_EXPORTER_OTLP_* variables); otherwise they
// are recorded and dropped. SIGTERM stops it (exit 0).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "traceprop/interop/gopeer/relaypb"
)

type relay struct {
	pb.UnimplementedRelayServer
	name string
}

// joined returns every value of a metadata key, joined with ",".
func joined(md metadata.MD, key string) string { return strings.Join(md.Get(key), ",") }

// mdCarrier lets the propagator read gRPC metadata (lowercase keys; an
// http.Header carrier would look for "Traceparent").
type mdCarrier metadata.MD

func (c mdCarrier) Get(key string) string {
	if v := metadata.MD(c).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}
func (c mdCarrier) Set(key, value string) { metadata.MD(c).Set(key, value) }
func (c mdCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

func (r *relay) Forward(ctx context.Context, req *pb.ForwardRequest) (*pb.ForwardReply, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	sc := trace.SpanContextFromContext(ctx) // the server span otelgrpc started
	// What OTel continued from: the remote context it extracts from the
	// metadata (invalid: it started a new trace).
	remote := trace.SpanContextFromContext(otel.GetTextMapPropagator().Extract(
		context.Background(), mdCarrier(md)))
	hop := &pb.Hop{
		Service:     r.name,
		Traceparent: joined(md, "traceparent"),
		Tracestate:  joined(md, "tracestate"),
		TraceId:     sc.TraceID().String(),
		SpanId:      sc.SpanID().String(),
		Sampled:     sc.IsSampled(),
	}
	if remote.IsValid() {
		hop.ParentSpanId = remote.SpanID().String()
	}
	if len(req.Route) == 0 {
		return &pb.ForwardReply{Hops: []*pb.Hop{hop}}, nil
	}
	next := req.Route[0]
	conn, err := grpc.NewClient(next,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()))
	if err != nil {
		return nil, status.Errorf(status.Code(err), "%s: hop %s: %v", r.name, next, err)
	}
	defer conn.Close()
	// ctx carries the server span (the client span is its child) and the
	// caller's deadline; 10 s bounds a call that has none.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	reply, err := pb.NewRelayClient(conn).Forward(ctx, &pb.ForwardRequest{
		Route: req.Route[1:], Payload: req.Payload, HoldMs: req.HoldMs,
	})
	if err != nil {
		return nil, status.Errorf(status.Code(err), "%s: hop %s: %s", r.name, next,
			status.Convert(err).Message())
	}
	return &pb.ForwardReply{Hops: append([]*pb.Hop{hop}, reply.Hops...)}, nil
}

// newTracerProvider samples by parent (new traces: always) and exports
// with OTLP/gRPC only when an endpoint is configured.
func newTracerProvider(ctx context.Context, name string) (*sdktrace.TracerProvider, error) {
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", name))),
	}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" ||
		os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
		exp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	return sdktrace.NewTracerProvider(opts...), nil
}

func main() {
	name := flag.String("name", "go", "service name reported in each Hop")
	port := flag.Int("port", 0, "port on 127.0.0.1 (0: any free port)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	tp, err := newTracerProvider(ctx, *name)
	if err != nil {
		log.Fatalf("go_relay: tracer provider: %v", err)
	}
	otel.SetTracerProvider(tp)
	// OTEL_PROPAGATORS (unset: tracecontext,baggage), the way Go services
	// honour it.
	otel.SetTextMapPropagator(autoprop.NewTextMapPropagator())

	lis, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatalf("go_relay: %v", err)
	}
	srv := grpc.NewServer(grpc.StatsHandler(otelgrpc.NewServerHandler()))
	pb.RegisterRelayServer(srv, &relay{name: *name})
	fmt.Printf("listening on %s\n", lis.Addr())
	os.Stdout.Sync()
	go func() {
		<-ctx.Done()
		timer := time.AfterFunc(5*time.Second, srv.Stop) // grace period
		srv.GracefulStop()
		timer.Stop()
	}()
	if err := srv.Serve(lis); err != nil {
		log.Fatalf("go_relay: serve: %v", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tp.Shutdown(shutdownCtx); err != nil {
		log.Printf("go_relay: flushing spans: %v", err)
	}
}

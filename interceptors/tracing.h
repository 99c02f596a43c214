// traceprop/interceptors/tracing.h — W3C trace propagation for gRPC C++.
//
// Register the interceptors once; from then on every RPC — sync, callback
// or completion-queue, unary or streaming — carries `traceparent` (and
// `tracestate`), and sync and callback handlers see the call's server span
// as Current() with no code of their own:
//
// Example (compiled in tests/snippets/header_examples.cc, "tracing_server"):
//   grpc::ServerBuilder builder;
//   builder.AddListeningPort(address, grpc::InsecureServerCredentials());
//   builder.RegisterService(&service);
//   traceprop::EnableTracing(builder);  // before BuildAndStart()
//   std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
//
// Example (compiled in tests/snippets/header_examples.cc, "tracing_client"):
//   auto channel = traceprop::CreateTracedChannel(
//       target, grpc::InsecureChannelCredentials());
//   auto stub = greeter::Greeter::NewStub(channel);  // calls carry the trace
//   // Callbacks run on gRPC threads: Wrap runs them in the caller's trace.
//   stub->async()->SayHello(
//       &context, &request, &reply,
//       traceprop::Wrap([&](grpc::Status status) { done(status); }));
//
// Contract:
//  - The server span is current for the whole sync handler and for the
//    callback method handler and the reactor's constructor; ServerSpan(ctx)
//    returns it anywhere for the whole call. Reactor callbacks: use the
//    Traced*Reactor bases (reactors.h). Completion-queue servers and
//    clients: CqTag (cq_tag.h).
//  - No thread is ever left carrying a call's context.
//  - A bad incoming header never fails an RPC; only valid values are sent.
//  - traceprop's server interceptor stays first in the builder's list
//    whatever the order of EnableTracing and
//    builder.experimental().SetInterceptorCreators(); EnableTracing after
//    BuildAndStart is reported (one gpr_log error naming the fix) and the
//    server then serves untraced calls (ServerSpan() is invalid).
//  - Channels you do not create: EnableGlobalClientTracing
//    (global_tracing.h).
//
// Why this works with gRPC 1.51's hook order: docs/DESIGN.md, "Interceptors:
// how the server span becomes current".
//
// W3C Trace Context Level 2, §3 (headers) and §4 (processing model).

#ifndef TRACEPROP_INTERCEPTORS_TRACING_H_
#define TRACEPROP_INTERCEPTORS_TRACING_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/propagation/propagator.h"

namespace traceprop {
namespace internal {
class ServerHeaderCounting;  // tracing.cc
}  // namespace internal

// ClientOptions configures the client interceptor.
struct ClientOptions {
  // start_root_when_no_context: when the calling thread has no valid
  // Current() context, true starts a new root trace for the call (sampled as
  // `root_sampled`); false sends no trace headers at all (no interceptor is
  // created for that call, and whatever the application put on the
  // ClientContext goes out unchanged).
  bool start_root_when_no_context = true;
  // root_sampled is the sampled flag of roots started by the client.
  bool root_sampled = true;
  // propagator: the formats each call carries (propagation/propagator.h),
  // e.g. PropagatorsFromNames("tracecontext,baggage,b3"). Null (the
  // default): the set OTEL_PROPAGATORS names, read once per process
  // (unknown names are reported once through gpr_log), "tracecontext,
  // baggage" when it is unset. Every format writes the call's span and
  // Current().baggage(); stale values the application put under any key of
  // a configured format are removed first.
  std::shared_ptr<const Propagator> propagator;
};

// ServerHeaderStats is a snapshot of one ServerHeaderCounters: what the
// server interceptors that count into it saw since it was made. Each counter
// was read atomically; the snapshot as a whole is not a single instant.
struct ServerHeaderStats {
  uint64_t calls = 0;                 // traced calls
  uint64_t continued = 0;             // valid traceparent, trace continued
  uint64_t missing_traceparent = 0;   // no traceparent: new root
  uint64_t invalid_traceparent = 0;   // one traceparent, invalid: new root
  uint64_t multiple_traceparent = 0;  // several traceparents: new root
  uint64_t invalid_tracestate = 0;    // tracestate dropped
  uint64_t untrusted = 0;             // valid but not continued (trust)
  // With a propagator set other than the W3C default, missing_traceparent
  // counts calls with no context in any configured format, and
  // invalid_traceparent calls where one was present but malformed.
  uint64_t malformed_headers = 0;  // malformed format values, all formats
  uint64_t dropped_baggage = 0;    // calls with baggage cut at trust boundary
};

// ServerHeaderCounters is the live count behind ServerHeaderStats. Make one,
// hand it to the server through ServerOptions::header_counters, and read it
// with Snapshot() at any time, also after the server is gone:
//
// Example (compiled in tests/snippets/header_examples.cc, "header_counters"):
//   traceprop::ServerOptions options;
//   options.header_counters =
//       std::make_shared<traceprop::ServerHeaderCounters>();
//   traceprop::EnableTracing(builder, options);
//   // ... serve; then, e.g. on a status page:
//   traceprop::ServerHeaderStats stats = options.header_counters->Snapshot();
//
// Thread-safe: interceptors add with relaxed atomic increments (statistics,
// not synchronisation); shared ownership keeps it alive for the factories.
class ServerHeaderCounters {
 public:
  ServerHeaderCounters() = default;
  ServerHeaderCounters(const ServerHeaderCounters&) = delete;
  ServerHeaderCounters& operator=(const ServerHeaderCounters&) = delete;

  // Snapshot returns the current counts. Thread-safe.
  ServerHeaderStats Snapshot() const;

 private:
  friend class internal::ServerHeaderCounting;
  struct Atomics {
    std::atomic<uint64_t> calls{0};
    std::atomic<uint64_t> continued{0};
    std::atomic<uint64_t> missing_traceparent{0};
    std::atomic<uint64_t> invalid_traceparent{0};
    std::atomic<uint64_t> multiple_traceparent{0};
    std::atomic<uint64_t> invalid_tracestate{0};
    std::atomic<uint64_t> untrusted{0};
    std::atomic<uint64_t> malformed_headers{0};
    std::atomic<uint64_t> dropped_baggage{0};
  };
  Atomics counts_;
};

// ServerOptions configures the server interceptor.
struct ServerOptions {
  // method_filter receives the full method name ("/pkg.Service/Method");
  // returning false leaves that method untraced (no interceptor: zero cost,
  // ServerSpan() is invalid). Empty: every method is traced. Called on a
  // gRPC thread for every call: it must be thread-safe and cheap.
  std::function<bool(absl::string_view method)> method_filter;
  // trust_incoming: true continues incoming traces (W3C §4.3). false is for
  // public endpoints: every call starts a new root and the incoming context
  // (if valid) is only kept as a link, readable with IncomingContext().
  bool trust_incoming = true;
  // root_sampled is the sampled flag of roots the server starts.
  bool root_sampled = true;
  // propagator: the formats read from each call; the first configured
  // format with a valid context wins, and a malformed later one never
  // replaces it. A B3 sampling decision without ids (`b3: 0`) sets a new
  // root's sampled flag (trusted callers only). Null: OTEL_PROPAGATORS, as
  // for ClientOptions::propagator.
  // grpc-trace-bin cannot be read here: gRPC C++ 1.51's core keeps that
  // key for itself and does not publish it to applications.
  std::shared_ptr<const Propagator> propagator;
  // allowed_baggage_keys: with trust_incoming=false (a trust boundary),
  // incoming baggage members are dropped unless their key is listed here
  // (exact, case-sensitive match). Ignored when trust_incoming is true:
  // all baggage is kept. Kept baggage is part of the server span's context
  // (ServerSpan(ctx).baggage(), CurrentBaggage() in handlers) and so goes
  // on with every call the handler makes.
  std::vector<std::string> allowed_baggage_keys;
  // header_counters: where this server's interceptor counts the headers it
  // sees (ServerHeaderCounters below); read them with
  // `header_counters->Snapshot()`. Give several servers the same object to
  // count them together. Null (the default): the factory counts into
  // counters of its own, which nobody reads.
  std::shared_ptr<ServerHeaderCounters> header_counters;
};

// MakeClientInterceptorFactory returns the factory of the client
// interceptor. For each call, on the calling thread, it takes Current(),
// makes a child span for the call (or a new root, per `options`) and sends
// exactly one `traceparent`
// (version 00, `00-<32 hex trace-id>-<16 hex call span-id>-<2 hex flags>`)
// and, when non-empty, exactly one `tracestate` truncated to 512 characters
// (§3.3.1.5), and `baggage` when it is in the set (formats other than W3C:
// ClientOptions::propagator). Which wins when the application already put
// `traceparent` or `tracestate` on its ClientContext: ours — both of the
// application's values are removed and ours sent. The two headers must describe
// one context (a hand-written traceparent next to our tracestate, or the
// reverse, would mix two traces), the metadata is a multimap so keeping
// both would send two traceparents (which a W3C receiver must treat as
// invalid and restart), and the explicit way to choose the parent of a call
// is to make it current (traceprop::ContextScope) around the call. With
// start_root_when_no_context=false and no current context the application's
// headers are left untouched. The headers are written into the call's
// metadata in its PRE_SEND_INITIAL_METADATA, so an application interceptor
// listed before ours cannot override them; a call that records no span and
// has no such interceptor gets them written into its ClientContext when it
// is created instead, with no interceptor (the same headers, cheaper). An
// interceptor listed after ours sees ours and has the last word. Never
// fails an RPC, never sends an invalid value. The factory is thread-safe;
// it lives as long as the channel.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
MakeClientInterceptorFactory(ClientOptions options = {});

// MakeServerInterceptorFactory returns the factory of the server
// interceptor. At POST_RECV_INITIAL_METADATA of each (filtered-in) call it
// reads the incoming headers: with a propagator set other than the W3C
// default, as ServerOptions::propagator says; otherwise (W3C §4.3):
//  - exactly one valid `traceparent`: continue — the server span is a child
//    (new span id, parent_span_id() = the incoming parent-id, flags and
//    tracestate kept);
//  - none, an invalid one, or several: start a new root (counted);
//  - several `tracestate` values are joined in order; an invalid tracestate
//    is dropped (counted) without affecting a valid traceparent.
// The span is current while sync and callback method handlers run (see the
// file comment), and readable with ServerSpan(ctx) for the whole call.
// Every hook batch proceeds; a bad header never fails the RPC. The server
// interceptor must come first in the builder's list (EnableTracing does
// that) so that the handler runs inside its hook. Thread-safe; it lives as
// long as the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerInterceptorFactory(ServerOptions options = {});

// CreateTracedChannel creates a channel like grpc::CreateCustomChannel whose
// calls carry the trace (MakeClientInterceptorFactory(options)), followed by
// the application's own interceptors `more` in order (they see our headers
// in PRE_SEND_INITIAL_METADATA). Its CLIENT spans record `server.address`
// and `server.port` parsed from `target` ("host:port", "ipv4:1.2.3.4:80",
// "ipv6:[::1]:80", "dns:///host:port"; "unix:/path" has no port; a
// malformed target records neither). Thread-safe.
std::shared_ptr<grpc::Channel> CreateTracedChannel(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& creds,
    const grpc::ChannelArguments& args = grpc::ChannelArguments(),
    ClientOptions options = {},
    std::vector<
        std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        more = {});

// EnableTracing installs the server interceptor on `builder`, first, then
// the interceptors already set with SetInterceptorCreators, then `more` in
// order. If SetInterceptorCreators is called afterwards (it *replaces*
// gRPC 1.51's list), BuildAndStart puts traceprop's interceptor back in
// front of the new list. Called again on the same builder, the new options
// replace the old. Call before BuildAndStart(): afterwards nothing is
// installed and the mistake is reported through gpr_log at ERROR level
// (stderr by default), once. Not thread-safe (like the builder).
void EnableTracing(
    grpc::ServerBuilder& builder, ServerOptions options = {},
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        more = {});

// ServerSpan returns the server span of the call `ctx` belongs to: valid
// once its initial metadata arrived (POST_RECV_INITIAL_METADATA ran) and
// until the ServerContext is destroyed; an invalid context for untraced
// (filtered) calls, before that, and for contexts of servers without
// tracing. For completion-queue and reactor code, where the span is not
// current by itself: a plain gRPC reactor callback makes it current with
// `traceprop::ContextScope scope(traceprop::ServerSpan(*ctx_));` (the
// Traced*Reactor bases of reactors.h need no line at all).
// Thread-safe (one short lock on a sharded table); returns a copy.
TraceContext ServerSpan(const grpc::ServerContextBase& ctx);

// IncomingContext returns the valid remote context the client sent for the
// call (its span id is the client's call span), whether or not it was
// continued: with `trust_incoming = false` it is the link to the caller's
// trace. Invalid when the client sent none or an invalid one, or the call is
// untraced. Same validity window and thread safety as ServerSpan.
TraceContext IncomingContext(const grpc::ServerContextBase& ctx);

}  // namespace traceprop

#endif  // TRACEPROP_INTERCEPTORS_TRACING_H_

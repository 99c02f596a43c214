// Pluggable propagation formats across real gRPC hops: a relay that takes
// B3 in and sends W3C out with the same ids, baggage from the client
// reaching the second hop, first-valid-wins against a malformed B3, the
// trust boundary for baggage, B3 sampling-only decisions, stale headers
// replaced, and grpc-trace-bin as real binary metadata.

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "traceprop/context/baggage.h"
#include "traceprop/context/current.h"
#include "traceprop/interceptors/internal/metadata_carrier.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/propagation/propagator.h"
#include "traceprop/tests/interceptors/echo_servers.h"
#include "traceprop/tests/interceptors/echo_test.grpc.pb.h"

namespace traceprop {
namespace {

using tpecho::EchoRequest;
using tpecho::EchoResponse;

// The default-option tests below expect the default set: make sure the
// environment does not choose another one (read once, at the first
// interceptor; this runs before main).
const bool kEnvUnset = (unsetenv("OTEL_PROPAGATORS"), true);

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kSpanId[] = "00f067aa0ba902b7";
constexpr char kTraceParent[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::shared_ptr<const Propagator> Formats(absl::string_view names) {
  std::string warnings;
  std::shared_ptr<const Propagator> p = PropagatorsFromNames(names, &warnings);
  EXPECT_EQ(warnings, "") << names;
  return p;
}

// What one call saw on the server.
struct Seen {
  std::multimap<std::string, std::string> metadata;
  TraceContext server_span;
  TraceContext incoming;
  Baggage current_baggage;  // CurrentBaggage() in the handler
};

// Hop is a sync Echo server with tracing that records each call and, when
// `next` is given, forwards the call to it (on a traced channel with
// `next_options`) first. The stub is made before the server starts, so its
// threads see it without further synchronisation.
class Hop final : public tpecho::Echo::Service {
 public:
  explicit Hop(ServerOptions options, const Hop* next = nullptr,
               ClientOptions next_options = {}) {
    if (next != nullptr) {
      next_ = tpecho::Echo::NewStub(CreateTracedChannel(
          next->target(), grpc::InsecureChannelCredentials(),
          grpc::ChannelArguments(), std::move(next_options)));
    }
    if (options.header_counters == nullptr) {
      options.header_counters = std::make_shared<ServerHeaderCounters>();
    }
    counters_ = options.header_counters;
    server_ = testing_support::StartTracedServer(this, &port_,
                                                 std::move(options));
  }
  ~Hop() override { server_->Shutdown(); }

  // An address, not a name: the name resolver (c-ares) leaks under LSan.
  std::string target() const { return "ipv4:127.0.0.1:" + std::to_string(port_); }
  // What this server counted (testing_support::StatsString).
  std::string counts() const {
    return testing_support::StatsString(counters_->Snapshot());
  }
  std::vector<Seen> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  grpc::Status Unary(grpc::ServerContext* ctx, const EchoRequest* req,
                     EchoResponse* resp) override {
    Seen seen;
    for (const auto& [key, value] : ctx->client_metadata()) {
      seen.metadata.emplace(std::string(key.data(), key.size()),
                            std::string(value.data(), value.size()));
    }
    seen.server_span = ServerSpan(*ctx);
    seen.incoming = IncomingContext(*ctx);
    seen.current_baggage = CurrentBaggage();
    if (Current() != seen.server_span) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "span not current");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(std::move(seen));
    }
    if (next_ != nullptr) {
      grpc::ClientContext next_ctx;
      return next_->Unary(&next_ctx, *req, resp);
    }
    return grpc::Status::OK;
  }

 private:
  int port_ = 0;
  std::shared_ptr<ServerHeaderCounters> counters_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<tpecho::Echo::Stub> next_;
  mutable std::mutex mu_;
  std::vector<Seen> calls_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Call sends one unary call with `headers` added by hand; `options` null:
// an untraced channel (exactly the given headers leave).
grpc::Status Call(const Hop& hop, const Headers& headers,
                  const ClientOptions* options = nullptr) {
  std::shared_ptr<grpc::Channel> channel =
      options == nullptr
          ? grpc::CreateChannel(hop.target(), grpc::InsecureChannelCredentials())
          : CreateTracedChannel(hop.target(), grpc::InsecureChannelCredentials(),
                                grpc::ChannelArguments(), *options);
  auto stub = tpecho::Echo::NewStub(channel);
  grpc::ClientContext ctx;
  for (const auto& [k, v] : headers) ctx.AddMetadata(k, v);
  EchoRequest req;
  EchoResponse resp;
  return stub->Unary(&ctx, req, &resp);
}

std::vector<std::string> Values(const Seen& seen, const std::string& key) {
  std::vector<std::string> out;
  auto range = seen.metadata.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

TEST(PropagationTest, EntersAsB3LeavesAsW3CWithTheSameIdsAndBaggage) {
  ASSERT_TRUE(kEnvUnset);
  ServerOptions sink_options;  // the default: tracecontext,baggage
  Hop sink(sink_options);
  ServerOptions relay_in;
  relay_in.propagator = Formats("b3,baggage");
  ClientOptions relay_out;
  relay_out.propagator = Formats("tracecontext,baggage");
  Hop relay(relay_in, &sink, relay_out);

  ASSERT_TRUE(Call(relay, {{"b3", std::string(kTraceId) + "-" + kSpanId + "-1"},
                           {"baggage", "tenant=acme,tier=gold"}})
                  .ok());
  ASSERT_EQ(relay.calls().size(), 1u);
  ASSERT_EQ(sink.calls().size(), 1u);
  const Seen r = relay.calls()[0];
  const Seen s = sink.calls()[0];
  // The relay continued the B3 trace.
  EXPECT_EQ(r.incoming.trace_id().ToHex(), kTraceId);
  EXPECT_EQ(r.incoming.span_id().ToHex(), kSpanId);
  EXPECT_EQ(r.server_span.trace_id().ToHex(), kTraceId);
  EXPECT_EQ(r.server_span.parent_span_id().ToHex(), kSpanId);
  EXPECT_TRUE(r.server_span.sampled());
  EXPECT_EQ(r.current_baggage.Get("tenant"), "acme");
  // The sink got W3C only, in the same trace, and the baggage.
  EXPECT_TRUE(Values(s, "b3").empty());
  ASSERT_EQ(Values(s, "traceparent").size(), 1u);
  EXPECT_EQ(s.incoming.trace_id().ToHex(), kTraceId);
  EXPECT_EQ(s.server_span.trace_id().ToHex(), kTraceId);
  EXPECT_EQ(s.incoming.span_id(), s.server_span.parent_span_id());
  EXPECT_NE(s.incoming.span_id(), r.server_span.span_id());  // call span
  EXPECT_EQ(Values(s, "baggage"), std::vector<std::string>{"tenant=acme,tier=gold"});
  EXPECT_EQ(s.server_span.baggage().Get("tier"), "gold");
  EXPECT_EQ(s.current_baggage, s.server_span.baggage());
}

TEST(PropagationTest, ClientBaggageReachesTheSecondHopWithDefaults) {
  Hop second((ServerOptions()));
  Hop first(ServerOptions(), &second, ClientOptions());
  ClientOptions client;
  {
    SpanScope span;
    BaggageScope tenant("tenant", "acme, inc");
    ASSERT_TRUE(tenant.status().ok());
    ASSERT_TRUE(Call(first, {}, &client).ok());
  }
  ASSERT_EQ(second.calls().size(), 1u);
  const Seen s = second.calls()[0];
  EXPECT_EQ(s.current_baggage.Get("tenant"), "acme, inc");
  EXPECT_EQ(Values(s, "baggage"), std::vector<std::string>{"tenant=acme%2C%20inc"});
  EXPECT_EQ(s.server_span.trace_id(), first.calls()[0].server_span.trace_id());
}

TEST(PropagationTest, MalformedB3AfterValidTraceparentDoesNotReplaceIt) {
  for (const char* names : {"tracecontext,b3", "b3,tracecontext"}) {
    SCOPED_TRACE(names);
    ServerOptions options;
    options.propagator = Formats(names);
    Hop hop(options);
    ASSERT_TRUE(
        Call(hop, {{"traceparent", kTraceParent}, {"b3", "not-a-b3-header"}}).ok());
    ASSERT_EQ(hop.calls().size(), 1u);
    const Seen seen = hop.calls()[0];
    EXPECT_EQ(seen.server_span.trace_id().ToHex(), kTraceId);
    EXPECT_EQ(seen.server_span.parent_span_id().ToHex(), kSpanId);
    EXPECT_EQ(hop.counts(), "calls=1 continued=1 malformed_headers=1");
  }
}

TEST(PropagationTest, MalformedB3AloneStartsANewTrace) {
  ServerOptions options;
  options.propagator = Formats("b3multi");
  Hop hop(options);
  ASSERT_TRUE(Call(hop, {{"x-b3-traceid", "zz"}, {"x-b3-spanid", kSpanId}}).ok());
  ASSERT_EQ(hop.calls().size(), 1u);
  const Seen seen = hop.calls()[0];
  EXPECT_TRUE(seen.server_span.IsValid());
  EXPECT_FALSE(seen.incoming.IsValid());
  EXPECT_FALSE(seen.server_span.parent_span_id().IsValid());
  EXPECT_EQ(hop.counts(), "calls=1 invalid_traceparent=1 malformed_headers=1");
}

TEST(PropagationTest, B3SamplingOnlyDecisionSetsTheNewRootsFlag) {
  ServerOptions options;
  options.propagator = Formats("b3");
  options.root_sampled = true;
  Hop hop(options);
  ASSERT_TRUE(Call(hop, {{"b3", "0"}}).ok());
  options.root_sampled = false;
  Hop hop2(options);
  ASSERT_TRUE(Call(hop2, {{"b3", "1"}}).ok());
  ASSERT_EQ(hop.calls().size(), 1u);
  ASSERT_EQ(hop2.calls().size(), 1u);
  EXPECT_TRUE(hop.calls()[0].server_span.IsValid());
  EXPECT_FALSE(hop.calls()[0].server_span.sampled());
  EXPECT_TRUE(hop2.calls()[0].server_span.IsValid());
  EXPECT_TRUE(hop2.calls()[0].server_span.sampled());
}

TEST(PropagationTest, TrustBoundaryDropsBaggageExceptAllowedKeys) {
  ServerOptions boundary;
  boundary.trust_incoming = false;
  boundary.allowed_baggage_keys = {"tenant"};
  Hop hop(boundary);
  ASSERT_TRUE(Call(hop, {{"traceparent", kTraceParent},
                         {"baggage", "secret=x,tenant=acme;p=1,admin=true"}})
                  .ok());
  ASSERT_EQ(hop.calls().size(), 1u);
  const Seen seen = hop.calls()[0];
  EXPECT_NE(seen.server_span.trace_id().ToHex(), kTraceId);  // new root
  EXPECT_EQ(seen.server_span.baggage().ToHeader(), "tenant=acme;p=1");
  EXPECT_EQ(seen.current_baggage, seen.server_span.baggage());
  EXPECT_EQ(hop.counts(), "calls=1 untrusted=1 dropped_baggage=1");

  ServerOptions closed;
  closed.trust_incoming = false;  // no key allowed
  Hop hop2(closed);
  ASSERT_TRUE(Call(hop2, {{"baggage", "tenant=acme"}}).ok());
  ASSERT_EQ(hop2.calls().size(), 1u);
  EXPECT_TRUE(hop2.calls()[0].server_span.baggage().empty());
  EXPECT_EQ(hop2.counts(), "calls=1 missing_traceparent=1 dropped_baggage=1");

  Hop trusted((ServerOptions()));
  ASSERT_TRUE(Call(trusted, {{"baggage", "secret=x,tenant=acme"}}).ok());
  ASSERT_EQ(trusted.calls().size(), 1u);
  EXPECT_EQ(trusted.calls()[0].server_span.baggage().ToHeader(),
            "secret=x,tenant=acme");
  EXPECT_EQ(trusted.counts(), "calls=1 missing_traceparent=1");
}

TEST(PropagationTest, ClientReplacesStaleValuesOfEveryConfiguredField) {
  Hop hop((ServerOptions()));
  ClientOptions client;
  client.propagator = Formats("tracecontext,baggage,b3");
  const TraceContext parent = TraceContext::NewRoot();
  {
    ContextScope scope(parent.WithBaggage(*Baggage().Set("k", "v")));
    ASSERT_TRUE(Call(hop,
                     {{"traceparent", kTraceParent},
                      {"b3", "stale"},
                      {"baggage", "stale=1"},
                      {"x-other", "kept"}},
                     &client)
                    .ok());
  }
  ASSERT_EQ(hop.calls().size(), 1u);
  const Seen seen = hop.calls()[0];
  ASSERT_EQ(Values(seen, "traceparent").size(), 1u);
  EXPECT_EQ(seen.incoming.trace_id(), parent.trace_id());
  ASSERT_EQ(Values(seen, "b3").size(), 1u);
  EXPECT_EQ(Values(seen, "b3")[0].substr(0, 32), parent.trace_id().ToHex());
  EXPECT_EQ(Values(seen, "baggage"), std::vector<std::string>{"k=v"});
  EXPECT_EQ(Values(seen, "x-other"), std::vector<std::string>{"kept"});
}

// OutgoingRecorder is a client interceptor placed after ours: it sees the
// metadata exactly as the call sends it.
class OutgoingRecorder final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  class Interceptor final : public grpc::experimental::Interceptor {
   public:
    explicit Interceptor(OutgoingRecorder* owner) : owner_(owner) {}
    void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
      if (m->QueryInterceptionHookPoint(
              grpc::experimental::InterceptionHookPoints::
                  PRE_SEND_INITIAL_METADATA)) {
        std::lock_guard<std::mutex> lock(owner_->mu_);
        owner_->sent_ = *m->GetSendInitialMetadata();
      }
      m->Proceed();
    }

   private:
    OutgoingRecorder* const owner_;
  };
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new Interceptor(this);
  }
  std::multimap<std::string, std::string> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

 private:
  mutable std::mutex mu_;
  std::multimap<std::string, std::string> sent_;
};

// grpc-trace-bin leaves as the 29-byte binary value and, read through the
// server's carrier, continues the call span. gRPC C++ 1.51's core keeps
// grpc-trace-bin for itself (PublishToAppEncoder publishes only the
// metadata it does not know), so a C++ server never sees it in its
// metadata: the last assertions pin that, and go red when a gRPC upgrade
// changes it.
TEST(PropagationTest, GrpcTraceBinIsSentAsBinaryMetadata) {
  ServerOptions server;
  server.propagator = Formats("grpc-trace-bin,tracecontext");
  Hop hop(server);
  ClientOptions client;
  client.propagator = Formats("grpc-trace-bin");
  auto recorder = std::make_unique<OutgoingRecorder>();
  OutgoingRecorder* sent = recorder.get();
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      more;
  more.push_back(std::move(recorder));
  auto stub = tpecho::Echo::NewStub(CreateTracedChannel(
      hop.target(), grpc::InsecureChannelCredentials(),
      grpc::ChannelArguments(), client, std::move(more)));
  const TraceContext parent = TraceContext::NewRoot(/*sampled=*/true);
  {
    ContextScope scope(parent);
    grpc::ClientContext ctx;
    ctx.AddMetadata("grpc-trace-bin", "stale");
    EchoRequest req;
    EchoResponse resp;
    ASSERT_TRUE(stub->Unary(&ctx, req, &resp).ok());
  }
  const std::multimap<std::string, std::string> out = sent->sent();
  ASSERT_EQ(out.count("grpc-trace-bin"), 1u);
  EXPECT_EQ(out.count("traceparent"), 0u);
  const std::string value = out.find("grpc-trace-bin")->second;
  EXPECT_EQ(value.size(), 29u);

  // The server side, through the same carrier the interceptor uses.
  std::multimap<grpc::string_ref, grpc::string_ref> md;
  md.emplace("grpc-trace-bin", grpc::string_ref(value.data(), value.size()));
  Extracted in;
  server.propagator->Extract(internal::ReceivedMetadataCarrier(&md), &in);
  ASSERT_TRUE(in.context.IsValid());
  EXPECT_EQ(in.format, "grpc-trace-bin");
  EXPECT_EQ(in.context.trace_id(), parent.trace_id());
  EXPECT_NE(in.context.span_id(), parent.span_id());  // the call span
  EXPECT_TRUE(in.context.sampled());

  ASSERT_EQ(hop.calls().size(), 1u);
  EXPECT_TRUE(Values(hop.calls()[0], "grpc-trace-bin").empty());
  EXPECT_NE(hop.calls()[0].server_span.trace_id(), parent.trace_id());
}

TEST(PropagationTest, ReceivedCarrierReadsCorruptGrpcTraceBinAsInvalid) {
  std::shared_ptr<const Propagator> p = Formats("grpc-trace-bin");
  const std::string corrupt("\x00\x00\x01", 3);
  std::multimap<grpc::string_ref, grpc::string_ref> md;
  md.emplace("grpc-trace-bin", grpc::string_ref(corrupt.data(), corrupt.size()));
  Extracted in;
  p->Extract(internal::ReceivedMetadataCarrier(&md), &in);
  EXPECT_FALSE(in.context.IsValid());
  EXPECT_EQ(in.invalid, 1);
  Extracted none;
  p->Extract(internal::ReceivedMetadataCarrier(nullptr), &none);
  EXPECT_EQ(none.invalid, 0);
}

TEST(PropagationTest, NoneSendsAndReadsNothing) {
  ServerOptions server;
  server.propagator = Formats("none");
  Hop hop(server);
  ClientOptions client;
  client.propagator = server.propagator;
  {
    SpanScope span;
    BaggageScope tenant("tenant", "acme");
    ASSERT_TRUE(Call(hop, {}, &client).ok());
    ASSERT_TRUE(Call(hop, {{"traceparent", kTraceParent}}).ok());
  }
  ASSERT_EQ(hop.calls().size(), 2u);
  EXPECT_TRUE(Values(hop.calls()[0], "traceparent").empty());
  EXPECT_TRUE(Values(hop.calls()[0], "baggage").empty());
  EXPECT_FALSE(hop.calls()[1].incoming.IsValid());
  EXPECT_NE(hop.calls()[1].server_span.trace_id().ToHex(), kTraceId);
}

}  // namespace
}  // namespace traceprop

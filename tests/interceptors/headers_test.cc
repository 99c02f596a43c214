// Header handling across a real hop: every kind of invalid incoming
// traceparent restarts the trace (and is counted), tracestate rules, the
// method filter, the trust boundary, and the client's choices (which
// traceparent wins, roots, truncation, one span per call).

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/context/id_generator.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using ::testing::IsEmpty;
using testing_support::EchoServer;
using testing_support::ServerApi;
using testing_support::StatsString;
using tpecho::EchoRequest;
using tpecho::EchoResponse;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kParentId[] = "00f067aa0ba902b7";
constexpr char kValid[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

using Headers = std::vector<std::pair<std::string, std::string>>;

// Unary sends a unary call on `channel` with the application's `headers`.
EchoResponse Unary(const std::shared_ptr<grpc::Channel>& channel,
                   const Headers& headers) {
  auto stub = tpecho::Echo::NewStub(channel);
  grpc::ClientContext ctx;
  for (const auto& h : headers) ctx.AddMetadata(h.first, h.second);
  EchoResponse resp;
  grpc::Status status = stub->Unary(&ctx, EchoRequest(), &resp);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return resp;
}

// Raw sends a unary call on an untraced channel with exactly `headers`.
EchoResponse Raw(EchoServer& server, const Headers& headers) {
  return Unary(server.TcpChannel({}, /*traced=*/false), headers);
}

void ExpectNewRoot(const EchoResponse& resp) {
  EXPECT_TRUE(resp.server_span().valid());
  EXPECT_NE(resp.server_span().trace_id(), kTraceId);
  EXPECT_EQ(resp.server_span().parent_span_id(), SpanId().ToHex())
      << "a root has no parent";
  EXPECT_FALSE(resp.incoming().valid());
  EXPECT_EQ(resp.server_span().tracestate(), "");
}

void ExpectContinued(const EchoResponse& resp) {
  EXPECT_EQ(resp.server_span().trace_id(), kTraceId);
  EXPECT_EQ(resp.server_span().parent_span_id(), kParentId);
  EXPECT_NE(resp.server_span().span_id(), kParentId);
  EXPECT_TRUE(resp.incoming().valid());
  EXPECT_EQ(resp.incoming().span_id(), kParentId);
}

// Counted returns server options that count into `counters`.
ServerOptions Counted(std::shared_ptr<ServerHeaderCounters> counters,
                      ServerOptions options = {}) {
  options.header_counters = std::move(counters);
  return options;
}

class HeadersTest : public ::testing::TestWithParam<ServerApi> {
 protected:
  void TearDown() override {
    server_.Shutdown();
    EXPECT_THAT(server_.checker().failures(), IsEmpty());
  }
  // What this test's server counted so far.
  std::string Counts() const { return StatsString(counters_->Snapshot()); }

  std::shared_ptr<ServerHeaderCounters> counters_ =
      std::make_shared<ServerHeaderCounters>();
  EchoServer server_{GetParam(), Counted(counters_)};
};

struct BadCase {
  const char* name;
  std::vector<std::string> traceparents;
};

TEST_P(HeadersTest, EveryInvalidTraceparentRestartsTheTrace) {
  const std::vector<BadCase> cases = {
      {"empty", {""}},
      {"uppercase hex",
       {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}},
      {"zero trace id",
       {"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}},
      {"zero parent id",
       {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"}},
      {"version ff",
       {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}},
      {"version 00 with extra field",
       {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"}},
      {"short trace id",
       {"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"}},
      {"bad separator",
       {"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}},
      {"non-hex", {"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"}},
      {"truncated", {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"}},
      {"garbage", {"hello"}},
      {"two valid values", {kValid, kValid}},
  };
  ServerHeaderStats want;
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    Headers h;
    for (const std::string& v : c.traceparents)
      h.emplace_back("traceparent", v);
    h.emplace_back("tracestate", "congo=t61rcWkgMzE");
    ExpectNewRoot(Raw(server_, h));
    // Each bad call is counted once by its kind and once as malformed.
    ++want.calls;
    ++(c.traceparents.size() > 1 ? want.multiple_traceparent
                                 : want.invalid_traceparent);
    ++want.malformed_headers;
    EXPECT_EQ(Counts(), StatsString(want));
  }
  EXPECT_EQ(Counts(),
            "calls=12 invalid_traceparent=11 multiple_traceparent=1 "
            "malformed_headers=12");
}

TEST_P(HeadersTest, MissingTraceparentStartsARootAndIsCounted) {
  ExpectNewRoot(Raw(server_, {{"tracestate", "congo=t61rcWkgMzE"}}));
  EXPECT_EQ(Counts(), "calls=1 missing_traceparent=1");
}

TEST_P(HeadersTest, ValidTraceparentIsContinuedWithFlagsKept) {
  EchoResponse resp = Raw(
      server_, {{"traceparent",
                 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}});
  ExpectContinued(resp);
  EXPECT_EQ(resp.server_span().flags(), 0u) << "not sampled stays not sampled";
  EXPECT_EQ(Counts(), "calls=1 continued=1");
}

TEST_P(HeadersTest, HigherVersionIsParsedByItsFirstFields) {
  // W3C §4.3: a receiver of a higher version parses what it knows.
  EchoResponse resp = Raw(
      server_,
      {{"traceparent",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever"}});
  ExpectContinued(resp);
  EXPECT_EQ(resp.server_span().flags() & 1u, 1u);
}

TEST_P(HeadersTest, SeveralTracestateValuesAreJoined) {
  EchoResponse resp = Raw(server_, {{"traceparent", kValid},
                                    {"tracestate", "congo=t61rcWkgMzE"},
                                    {"tracestate", "rojo=00f067aa0ba902b7"}});
  ExpectContinued(resp);
  EXPECT_EQ(resp.server_span().tracestate(),
            "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
}

TEST_P(HeadersTest, InvalidTracestateIsDroppedButTraceparentKept) {
  std::string too_many;  // 33 members: more than §3.3.1.1 allows
  for (int i = 0; i < 33; ++i)
    absl::StrAppend(&too_many, i ? "," : "", "k", i, "=v");
  ServerHeaderStats want;
  for (const std::string& bad :
       {std::string("=novalue"), std::string("UPPER=1"), std::string("k=v=x"),
        std::string("k"), too_many}) {
    SCOPED_TRACE(bad);
    EchoResponse resp =
        Raw(server_, {{"traceparent", kValid}, {"tracestate", bad}});
    ExpectContinued(resp);
    EXPECT_EQ(resp.server_span().tracestate(), "");
    ++want.calls;
    ++want.continued;
    ++want.invalid_tracestate;
    EXPECT_EQ(Counts(), StatsString(want));
  }
  EXPECT_EQ(Counts(), "calls=5 continued=5 invalid_tracestate=5");
}

INSTANTIATE_TEST_SUITE_P(AllServers, HeadersTest,
                         ::testing::ValuesIn(testing_support::kAllServerApis),
                         testing_support::ApiParamName());

// ---------------------------------------------------------- server options

TEST(ServerOptionsTest, FilteredMethodsGetNoInterceptor) {
  ServerOptions options;
  options.method_filter = [](absl::string_view method) {
    return method != "/tpecho.Echo/Unary";
  };
  for (ServerApi api : testing_support::kAllServerApis) {
    SCOPED_TRACE(testing_support::Name(api));
    auto counters = std::make_shared<ServerHeaderCounters>();
    EchoServer server(api, Counted(counters, options));
    EchoResponse resp = Raw(server, {{"traceparent", kValid}});
    EXPECT_FALSE(resp.server_span().valid()) << "untraced: no context";
    EXPECT_FALSE(resp.incoming().valid());
    EXPECT_EQ(resp.traceparent_size(), 1) << "the header is still there";
    EXPECT_EQ(StatsString(counters->Snapshot()), "") << "no interceptor ran";
    // Other methods are traced.
    auto stub = tpecho::Echo::NewStub(server.TcpChannel({}, false));
    grpc::ClientContext ctx;
    ctx.AddMetadata("traceparent", kValid);
    EchoRequest req;
    req.set_responses(1);
    auto reader = stub->ServerStream(&ctx, req);
    EchoResponse streamed;
    ASSERT_TRUE(reader->Read(&streamed));
    ExpectContinued(streamed);
    while (reader->Read(&streamed)) {
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(StatsString(counters->Snapshot()), "calls=1 continued=1");
    server.Shutdown();
    EXPECT_THAT(server.checker().failures(), IsEmpty());
  }
}

TEST(ServerOptionsTest, UntrustedEndpointStartsRootAndKeepsLink) {
  ServerOptions options;
  options.trust_incoming = false;
  for (ServerApi api : testing_support::kAllServerApis) {
    SCOPED_TRACE(testing_support::Name(api));
    auto counters = std::make_shared<ServerHeaderCounters>();
    EchoServer server(api, Counted(counters, options));
    EchoResponse resp = Raw(
        server, {{"traceparent", kValid}, {"tracestate", "congo=t61rcWkgMzE"}});
    EXPECT_TRUE(resp.server_span().valid());
    EXPECT_NE(resp.server_span().trace_id(), kTraceId);
    EXPECT_EQ(resp.server_span().parent_span_id(), SpanId().ToHex());
    EXPECT_EQ(resp.server_span().tracestate(), "")
        << "the untrusted vendor state is not adopted";
    // The caller's context stays available as a link.
    EXPECT_TRUE(resp.incoming().valid());
    EXPECT_EQ(resp.incoming().trace_id(), kTraceId);
    EXPECT_EQ(resp.incoming().span_id(), kParentId);
    EXPECT_EQ(resp.incoming().tracestate(), "congo=t61rcWkgMzE");
    EXPECT_EQ(StatsString(counters->Snapshot()), "calls=1 untrusted=1");
    server.Shutdown();
    EXPECT_THAT(server.checker().failures(), IsEmpty());
  }
}

// An application interceptor given to EnableTracing runs before
// traceprop's on received metadata (gRPC runs post-receive hooks in reverse
// order). traceprop reads gRPC's raw metadata only while nobody has asked
// for the map; once an interceptor has, traceprop reads the map, with that
// interceptor's changes.
constexpr char kRewrittenTraceId[] = "0af7651916cd43dd8448eb211c80319c";
constexpr char kRewritten[] =
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

class MetadataTouchingFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetadataTouchingFactory(bool rewrite) : rewrite_(rewrite) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* /*info*/) override {
    return new Touch(rewrite_);
  }

 private:
  class Touch final : public grpc::experimental::Interceptor {
   public:
    explicit Touch(bool rewrite) : rewrite_(rewrite) {}
    void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
      if (m->QueryInterceptionHookPoint(
              grpc::experimental::InterceptionHookPoints::
                  POST_RECV_INITIAL_METADATA)) {
        auto* md = m->GetRecvInitialMetadata();  // builds gRPC's map
        if (rewrite_) {
          md->erase("traceparent");
          md->emplace("traceparent", kRewritten);
        }
      }
      m->Proceed();
    }

   private:
    const bool rewrite_;
  };
  const bool rewrite_;
};

TEST(ServerOptionsTest, AnEarlierInterceptorsChangesToTheMetadataAreSeen) {
  for (bool rewrite : {false, true}) {
    SCOPED_TRACE(rewrite ? "rewrites traceparent" : "only reads the map");
    testing_support::FillingEcho service;
    int port = 0;
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        app;
    app.push_back(std::make_unique<MetadataTouchingFactory>(rewrite));
    std::unique_ptr<grpc::Server> server =
        testing_support::StartTracedServer(&service, &port, {}, std::move(app));
    ASSERT_NE(server, nullptr);
    EchoResponse resp =
        Unary(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                  grpc::InsecureChannelCredentials()),
              {{"traceparent", kValid}});
    if (rewrite) {
      EXPECT_EQ(resp.server_span().trace_id(), kRewrittenTraceId);
      EXPECT_EQ(resp.server_span().parent_span_id(), "b7ad6b7169203331");
      EXPECT_EQ(resp.incoming().span_id(), "b7ad6b7169203331");
    } else {
      ExpectContinued(resp);
    }
    server->Shutdown();
  }
}

TEST(ServerOptionsTest, HeaderCountersBelongToTheServersGivenThem) {
  auto a = std::make_shared<ServerHeaderCounters>();
  auto shared = std::make_shared<ServerHeaderCounters>();
  EchoServer alone(ServerApi::kSync, Counted(a));
  EchoServer first(ServerApi::kCallback, Counted(shared));
  EchoServer second(ServerApi::kAsync, Counted(shared));
  EchoServer uncounted(ServerApi::kSync);  // counts into its own
  Raw(alone, {{"traceparent", kValid}});
  Raw(first, {});
  Raw(second, {{"traceparent", "garbage"}});
  Raw(uncounted, {{"traceparent", kValid}});
  EXPECT_EQ(StatsString(a->Snapshot()), "calls=1 continued=1");
  EXPECT_EQ(StatsString(shared->Snapshot()),
            "calls=2 missing_traceparent=1 invalid_traceparent=1 "
            "malformed_headers=1");
  for (EchoServer* server : {&alone, &first, &second, &uncounted}) {
    server->Shutdown();
    EXPECT_THAT(server->checker().failures(), IsEmpty());
  }
  // The counts outlive the servers.
  EXPECT_EQ(StatsString(a->Snapshot()), "calls=1 continued=1");
}

// ------------------------------------------------------------------ client

class ClientTest : public ::testing::Test {
 protected:
  void TearDown() override {
    server_.Shutdown();
    EXPECT_THAT(server_.checker().failures(), IsEmpty());
  }
  EchoResponse Call(ClientOptions options, const Headers& app_headers = {}) {
    return Unary(server_.TcpChannel(options), app_headers);
  }
  EchoServer server_{ServerApi::kSync};
};

TEST_F(ClientTest, OurTraceparentWinsOverTheApplications) {
  absl::StatusOr<TraceState> ts = TraceState::Parse("mine=1");
  const TraceContext caller(GenerateTraceId(), GenerateSpanId(),
                            TraceFlags().WithSampled(true), *ts);
  ContextScope scope(caller);
  EchoResponse resp = Call({}, {{"traceparent", kValid},
                                {"tracestate", "theirs=2"},
                                {"traceparent", "junk"}});
  ASSERT_EQ(resp.traceparent_size(), 1);
  EXPECT_EQ(resp.server_span().trace_id(), caller.trace_id().ToHex());
  ASSERT_EQ(resp.tracestate_size(), 1);
  EXPECT_EQ(resp.tracestate(0), "mine=1");
}

// HeaderWriter is an application's client interceptor that sets its own
// traceparent when the call sends its metadata, as hand-written propagation
// code does.
class HeaderWriter final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new Writer;
  }

 private:
  class Writer final : public grpc::experimental::Interceptor {
   public:
    void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
      if (m->QueryInterceptionHookPoint(
              grpc::experimental::InterceptionHookPoints::
                  PRE_SEND_INITIAL_METADATA)) {
        m->GetSendInitialMetadata()->emplace("traceparent", kValid);
      }
      m->Proceed();
    }
  };
};

// Unrecorded calls get their headers when the call is created, without an
// interceptor, unless an application interceptor runs before ours: that
// one may still set headers at send time, and ours must win then too.
TEST_F(ClientTest, OurTraceparentWinsOverAnEarlierInterceptors) {
  const TraceContext caller = TraceContext::NewRoot();
  ContextScope scope(caller);
  for (bool writer_first : {true, false}) {
    SCOPED_TRACE(writer_first ? "writer before ours" : "writer after ours");
    std::vector<
        std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        list;
    if (writer_first) list.push_back(std::make_unique<HeaderWriter>());
    list.push_back(MakeClientInterceptorFactory());
    if (!writer_first) list.push_back(std::make_unique<HeaderWriter>());
    EchoResponse resp =
        Unary(grpc::experimental::CreateCustomChannelWithInterceptors(
                  absl::StrCat("ipv4:127.0.0.1:", server_.port()),
                  grpc::InsecureChannelCredentials(), grpc::ChannelArguments(),
                  std::move(list)),
              {});
    if (writer_first) {
      // Ours ran last, at send time: one traceparent, ours.
      ASSERT_EQ(resp.traceparent_size(), 1);
      EXPECT_EQ(resp.server_span().trace_id(), caller.trace_id().ToHex());
    } else {
      // An interceptor after ours has the last word, as it always had:
      // both values leave, and the server starts a new trace.
      EXPECT_EQ(resp.traceparent_size(), 2);
      EXPECT_NE(resp.server_span().trace_id(), caller.trace_id().ToHex());
    }
  }
}

TEST_F(ClientTest, NoContextStartsARootByDefault) {
  ASSERT_FALSE(Current().IsValid());
  EchoResponse resp = Call({});
  ASSERT_EQ(resp.traceparent_size(), 1);
  absl::StatusOr<TraceContext> sent =
      TraceContext::FromHeaders(resp.traceparent(0));
  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(sent->sampled());
  EXPECT_EQ(resp.server_span().trace_id(), sent->trace_id().ToHex());
  EXPECT_EQ(resp.server_span().parent_span_id(), sent->span_id().ToHex());
  EXPECT_EQ(resp.tracestate_size(), 0) << "no empty tracestate is sent";
  EXPECT_FALSE(Current().IsValid()) << "the caller's thread is untouched";
}

TEST_F(ClientTest, NoContextCanSendNothing) {
  ClientOptions options;
  options.start_root_when_no_context = false;
  EchoResponse resp = Call(options);
  EXPECT_EQ(resp.traceparent_size(), 0);
  // The application's own header then goes out unchanged.
  resp = Call(options, {{"traceparent", kValid}});
  ASSERT_EQ(resp.traceparent_size(), 1);
  EXPECT_EQ(resp.traceparent(0), kValid);
  // With a context, the option changes nothing.
  const TraceContext caller = TraceContext::NewRoot();
  ContextScope scope(caller);
  resp = Call(options);
  EXPECT_EQ(resp.server_span().trace_id(), caller.trace_id().ToHex());
}

TEST_F(ClientTest, EachCallGetsItsOwnSpan) {
  const TraceContext caller = TraceContext::NewRoot();
  ContextScope scope(caller);
  EchoResponse a = Call({});
  EchoResponse b = Call({});
  ASSERT_EQ(a.traceparent_size(), 1);
  ASSERT_EQ(b.traceparent_size(), 1);
  EXPECT_NE(a.traceparent(0), b.traceparent(0));
  EXPECT_EQ(a.server_span().trace_id(), b.server_span().trace_id());
  EXPECT_NE(a.server_span().span_id(), b.server_span().span_id());
  EXPECT_EQ(Current(), caller) << "calls do not change the caller's context";
}

TEST_F(ClientTest, OnlyVersion00FlagBitsAreSent) {
  const TraceContext caller(GenerateTraceId(), GenerateSpanId(),
                            TraceFlags(0xff));
  ContextScope scope(caller);
  EchoResponse resp = Call({});
  ASSERT_EQ(resp.traceparent_size(), 1);
  EXPECT_EQ(resp.traceparent(0).substr(53), "03");
}

TEST_F(ClientTest, LongTracestateIsTruncatedTo512) {
  // 32 members of 40 characters: 1311 characters in full.
  TraceState ts;
  for (int i = 0; i < 32; ++i) {
    absl::StatusOr<TraceState> next =
        ts.Set(absl::StrCat("vendor", i), std::string(30 + (i % 3), 'v'));
    ASSERT_TRUE(next.ok());
    ts = *next;
  }
  ASSERT_GT(ts.ToHeader(100000).size(), 512u);
  ContextScope scope(
      TraceContext(GenerateTraceId(), GenerateSpanId(), TraceFlags(1), ts));
  EchoResponse resp = Call({});
  ASSERT_EQ(resp.tracestate_size(), 1);
  EXPECT_LE(resp.tracestate(0).size(), 512u);
  EXPECT_EQ(resp.tracestate(0), ts.ToHeader());
  // Whole members only, the newest kept.
  std::vector<std::string> members = absl::StrSplit(resp.tracestate(0), ',');
  EXPECT_EQ(members.front(), absl::StrCat("vendor31=", std::string(31, 'v')));
}

}  // namespace
}  // namespace traceprop

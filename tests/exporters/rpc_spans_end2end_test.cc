// The interceptors' RPC spans end to end: real gRPC servers with
// EnableTracing, traced channels, a TracerProvider exporting over OTLP/gRPC
// to the in-process receiver, and assertions on the tree that arrives.

#include <grpcpp/grpcpp.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gtest/gtest.h"
#include "traceprop/exporters/otlp_grpc_exporter.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/spans/provider.h"
#include "traceprop/spans/span.h"
#include "traceprop/tests/exporters/otlp_test_receiver.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using testing_support::EchoServer;
using testing_support::OtlpTestReceiver;
using testing_support::ReceivedSpan;
using testing_support::ServerApi;
using tpecho::EchoRequest;
using tpecho::EchoResponse;
namespace otlp = opentelemetry::proto;

// A unary Echo server that forwards to `next` (when set) or answers; the
// tag "fail:<code>" makes the last hop fail with that code.
class RelayService final : public tpecho::Echo::Service {
 public:
  explicit RelayService(std::shared_ptr<grpc::Channel> next)
      : next_(next ? tpecho::Echo::NewStub(next) : nullptr) {}
  grpc::Status Unary(grpc::ServerContext*, const EchoRequest* req,
                     EchoResponse* resp) override {
    if (next_) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
      return next_->Unary(&ctx, *req, resp);
    }
    int code;
    if (absl::StartsWith(req->tag(), "fail:") &&
        absl::SimpleAtoi(req->tag().substr(5), &code)) {
      return grpc::Status(static_cast<grpc::StatusCode>(code), "failed here");
    }
    testing_support::SeenOf(Current(), resp->mutable_server_span());
    return grpc::Status::OK;
  }

 private:
  std::unique_ptr<tpecho::Echo::Stub> next_;
};

class RelayServer {
 public:
  // `also_listen`: a second listening address (e.g. "unix:/path").
  explicit RelayServer(std::shared_ptr<grpc::Channel> next,
                       ServerOptions options = {},
                       const std::string& also_listen = "")
      : service_(std::move(next)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    if (!also_listen.empty())
      builder.AddListeningPort(also_listen, grpc::InsecureServerCredentials());
    builder.RegisterService(&service_);
    EnableTracing(builder, std::move(options));
    server_ = builder.BuildAndStart();
  }
  ~RelayServer() { server_->Shutdown(std::chrono::system_clock::now()); }
  int port() const { return port_; }
  // A traced channel over gRPC's in-process transport.
  std::shared_ptr<grpc::Channel> InProcessChannel() const {
    std::vector<
        std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        factories;
    factories.push_back(MakeClientInterceptorFactory());
    return server_->experimental().InProcessChannelWithInterceptors(
        grpc::ChannelArguments(), std::move(factories));
  }
  std::shared_ptr<grpc::Channel> Channel() const {
    return CreateTracedChannel("127.0.0.1:" + std::to_string(port_),
                               grpc::InsecureChannelCredentials());
  }

 private:
  RelayService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

class RpcSpansTest : public ::testing::Test {
 protected:
  void SetUp() override { Install(nullptr); }
  void TearDown() override {
    InstallTracerProvider(nullptr);
    provider_->Shutdown(absl::Seconds(30));
  }
  void Install(std::shared_ptr<const Sampler> sampler) {
    if (provider_) {
      InstallTracerProvider(nullptr);
      provider_->Shutdown(absl::Seconds(30));
    }
    OtlpGrpcExporterOptions o;
    o.endpoint = receiver_.endpoint();
    o.resource = {{"service.name", std::string("rpc-spans-test")}};
    auto exporter = std::make_unique<OtlpGrpcExporter>(o);
    stats_ = exporter->stats();
    BatchSpanProcessorOptions bsp;
    bsp.schedule_delay = absl::Milliseconds(20);  // late server spans too
    provider_ = std::make_shared<TracerProvider>(TracerProviderOptions{
        std::move(sampler),
        std::make_unique<BatchSpanProcessor>(std::move(exporter), bsp)});
    InstallTracerProvider(provider_);
  }
  // Waits (bounded) for `n` spans, then checks no more arrive once
  // everything is flushed.
  std::vector<otlp::trace::v1::Span> Collect(size_t n) {
    EXPECT_TRUE(receiver_.WaitForSpans(n, absl::Seconds(30)));
    EXPECT_TRUE(provider_->ForceFlush(absl::Seconds(30)));
    std::vector<otlp::trace::v1::Span> out;
    for (const ReceivedSpan& r : receiver_.Spans()) out.push_back(r.span);
    EXPECT_EQ(out.size(), n);
    return out;
  }

  OtlpTestReceiver receiver_;
  std::shared_ptr<TracerProvider> provider_;
  std::shared_ptr<const OtlpExporterStats> stats_;
};

const otlp::common::v1::AnyValue* Attr(const otlp::trace::v1::Span& s,
                                       const std::string& key) {
  for (const auto& kv : s.attributes())
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

std::string Str(const otlp::trace::v1::Span& s, const std::string& key) {
  const auto* v = Attr(s, key);
  return v ? v->string_value() : "(missing)";
}
int64_t Int(const otlp::trace::v1::Span& s, const std::string& key) {
  const auto* v = Attr(s, key);
  return v ? v->int_value() : -1;
}

using Kind = otlp::trace::v1::Span;
using Code = otlp::trace::v1::Status;

void ExpectWithin(const otlp::trace::v1::Span& parent,
                  const otlp::trace::v1::Span& child) {
  EXPECT_EQ(child.parent_span_id(), parent.span_id());
  EXPECT_EQ(child.trace_id(), parent.trace_id());
  EXPECT_LE(parent.start_time_unix_nano(), child.start_time_unix_nano());
  EXPECT_LE(child.start_time_unix_nano(), child.end_time_unix_nano());
  EXPECT_LE(child.end_time_unix_nano(), parent.end_time_unix_nano());
}

EchoResponse CallUnary(const std::shared_ptr<grpc::Channel>& channel,
                       const std::string& tag, grpc::Status* status) {
  auto stub = tpecho::Echo::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  EchoRequest req;
  req.set_tag(tag);
  EchoResponse resp;
  *status = stub->Unary(&ctx, req, &resp);
  return resp;
}

TEST_F(RpcSpansTest, RelayChainArrivesAsOneTimedTree) {
  RelayServer b(nullptr);
  RelayServer a(b.Channel());
  EchoResponse resp;
  {
    Span request("request");
    grpc::Status status;
    resp = CallUnary(a.Channel(), "hello", &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  std::vector<otlp::trace::v1::Span> spans = Collect(5);
  ASSERT_EQ(spans.size(), 5u);
  const otlp::trace::v1::Span *root = nullptr, *c1 = nullptr, *s1 = nullptr,
                              *c2 = nullptr, *s2 = nullptr;
  for (const auto& s : spans) {
    if (s.kind() == Kind::SPAN_KIND_INTERNAL) root = &s;
  }
  ASSERT_NE(root, nullptr);
  auto child_of = [&](const otlp::trace::v1::Span* parent, int kind) {
    const otlp::trace::v1::Span* found = nullptr;
    for (const auto& s : spans) {
      if (s.parent_span_id() == parent->span_id() && s.kind() == kind) {
        EXPECT_EQ(found, nullptr) << "two children of one kind";
        found = &s;
      }
    }
    return found;
  };
  ASSERT_NE(c1 = child_of(root, Kind::SPAN_KIND_CLIENT), nullptr);
  ASSERT_NE(s1 = child_of(c1, Kind::SPAN_KIND_SERVER), nullptr);
  ASSERT_NE(c2 = child_of(s1, Kind::SPAN_KIND_CLIENT), nullptr);
  ASSERT_NE(s2 = child_of(c2, Kind::SPAN_KIND_SERVER), nullptr);
  EXPECT_EQ(root->name(), "request");
  EXPECT_TRUE(root->parent_span_id().empty());
  ExpectWithin(*root, *c1);
  ExpectWithin(*c1, *s1);
  ExpectWithin(*s1, *c2);
  ExpectWithin(*c2, *s2);
  for (const auto* s : {c1, s1, c2, s2}) {
    EXPECT_EQ(s->name(), "tpecho.Echo/Unary");
    EXPECT_EQ(Str(*s, "rpc.system"), "grpc");
    EXPECT_EQ(Str(*s, "rpc.service"), "tpecho.Echo");
    EXPECT_EQ(Str(*s, "rpc.method"), "Unary");
    EXPECT_EQ(Int(*s, "rpc.grpc.status_code"), 0);
    EXPECT_EQ(s->status().code(), Code::STATUS_CODE_UNSET);
    EXPECT_EQ(Str(*s, "network.peer.address"), "127.0.0.1");
  }
  // Servers' parents are remote; clients' are local.
  EXPECT_EQ(s1->flags() & 0x300u, 0x300u);
  EXPECT_EQ(s2->flags() & 0x300u, 0x300u);
  EXPECT_EQ(c1->flags() & 0x300u, 0x100u);
  EXPECT_EQ(Int(*c1, "network.peer.port"), a.port());
  EXPECT_EQ(Int(*c2, "network.peer.port"), b.port());
  // The handler at B ran in B's server span.
  std::string s2_hex;
  for (unsigned char ch : s2->span_id()) {
    static const char* kHex = "0123456789abcdef";
    s2_hex += kHex[ch >> 4];
    s2_hex += kHex[ch & 15];
  }
  EXPECT_EQ(resp.server_span().span_id(), s2_hex);
}

// An in-process call has no network peer: both spans omit network.peer.*
// (gRPC is not even asked, rpc_spans.cc) and keep everything else. Over TCP
// they are recorded (RelayChainArrivesAsOneTimedTree).
TEST_F(RpcSpansTest, InProcessCallsHaveNoNetworkPeer) {
  RelayServer a(nullptr);
  {
    Span request("request");
    grpc::Status status;
    CallUnary(a.InProcessChannel(), "hello", &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  std::vector<otlp::trace::v1::Span> spans = Collect(3);
  ASSERT_EQ(spans.size(), 3u);
  int rpc_spans = 0;
  for (const auto& s : spans) {
    if (s.kind() == Kind::SPAN_KIND_INTERNAL) continue;
    ++rpc_spans;
    SCOPED_TRACE(s.kind());
    EXPECT_EQ(s.name(), "tpecho.Echo/Unary");
    EXPECT_EQ(Str(s, "rpc.system"), "grpc");
    EXPECT_EQ(Int(s, "rpc.grpc.status_code"), 0);
    EXPECT_EQ(Attr(s, "network.peer.address"), nullptr);
    EXPECT_EQ(Attr(s, "network.peer.port"), nullptr);
    if (s.kind() == Kind::SPAN_KIND_CLIENT)
      EXPECT_EQ(Str(s, "server.address"), "inproc");
  }
  EXPECT_EQ(rpc_spans, 2);
}

TEST_F(RpcSpansTest, StatusMappingDiffersForClientsAndServers) {
  RelayServer b(nullptr);
  RelayServer a(b.Channel());
  grpc::Status status;
  CallUnary(a.Channel(), "fail:5", &status);  // NOT_FOUND
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  std::vector<otlp::trace::v1::Span> spans = Collect(4);
  for (const auto& s : spans) {
    EXPECT_EQ(Int(s, "rpc.grpc.status_code"), 5);
    if (s.kind() == Kind::SPAN_KIND_CLIENT) {
      EXPECT_EQ(s.status().code(), Code::STATUS_CODE_ERROR);
      EXPECT_EQ(s.status().message(), "failed here");
    } else {
      EXPECT_EQ(s.status().code(), Code::STATUS_CODE_UNSET);
    }
  }
}

TEST_F(RpcSpansTest, InternalIsAnErrorOnBothSides) {
  RelayServer b(nullptr);
  grpc::Status status;
  CallUnary(b.Channel(), "fail:13", &status);
  std::vector<otlp::trace::v1::Span> spans = Collect(2);
  for (const auto& s : spans) {
    EXPECT_EQ(s.status().code(), Code::STATUS_CODE_ERROR) << s.kind();
    EXPECT_EQ(Int(s, "rpc.grpc.status_code"), 13);
  }
}

TEST_F(RpcSpansTest, UnsampledCallsPropagateAndRecordNothing) {
  Install(ParentBasedSampler(AlwaysOffSampler()));
  RelayServer b(nullptr);
  RelayServer a(b.Channel());
  grpc::Status status;
  EchoResponse resp = CallUnary(a.Channel(), "x", &status);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(resp.server_span().valid());  // the trace still propagated
  EXPECT_EQ(resp.server_span().flags() & 1u, 0u);
  ASSERT_TRUE(provider_->ForceFlush(absl::Seconds(30)));
  auto* processor = static_cast<BatchSpanProcessor*>(provider_->processor());
  EXPECT_EQ(processor->GetStats().enqueued, 0u);
  EXPECT_EQ(receiver_.Spans().size(), 0u);
}

std::string Hex(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : bytes) {
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  }
  return out;
}

// Ratio sampling over a relay chain: each trace is kept or dropped whole.
// An unsampled trace still propagates to the last hop (its trace id, the
// sampled flag off, no threshold) and exports nothing; a sampled one
// exports all four spans, each carrying the root's ot=th.
TEST_F(RpcSpansTest, RatioSampledTracesAreAllOrNothingAndStillPropagate) {
  Install(ParentBasedSampler(TraceIdRatioSampler(0.25)));
  RelayServer b(nullptr);
  RelayServer a(b.Channel());
  auto channel = a.Channel();
  constexpr int kCalls = 200;
  std::map<std::string, bool> sampled;  // trace id at B -> sampled flag
  for (int i = 0; i < kCalls; ++i) {
    grpc::Status status;
    EchoResponse resp = CallUnary(channel, "x", &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_TRUE(resp.server_span().valid());
    const bool on = (resp.server_span().flags() & 1u) != 0;
    sampled[resp.server_span().trace_id()] = on;
    EXPECT_EQ(absl::StrContains(resp.server_span().tracestate(), "th:"), on)
        << resp.server_span().tracestate();
  }
  ASSERT_EQ(sampled.size(), size_t{kCalls});  // each call its own root
  size_t kept = 0;
  for (const auto& [id, on] : sampled) kept += on;
  ASSERT_GT(kept, 0u);
  ASSERT_LT(kept, size_t{kCalls});
  std::vector<otlp::trace::v1::Span> spans = Collect(4 * kept);
  std::map<std::string, int> per_trace;
  std::string th;
  for (const auto& s : spans) {
    const std::string id = Hex(s.trace_id());
    ASSERT_TRUE(sampled.count(id)) << id;
    EXPECT_TRUE(sampled[id]) << "span of an unsampled trace exported: " << id;
    ++per_trace[id];
    const size_t at = s.trace_state().find("th:");
    ASSERT_NE(at, std::string::npos) << s.trace_state();
    const std::string mine = s.trace_state().substr(at);
    if (th.empty()) th = mine;
    EXPECT_EQ(mine, th);
  }
  EXPECT_EQ(per_trace.size(), kept);
  for (const auto& [id, n] : per_trace) EXPECT_EQ(n, 4) << id;
}

TEST_F(RpcSpansTest, UntrustedServerRestartsAndLinksTheCaller) {
  ServerOptions options;
  options.trust_incoming = false;
  RelayServer b(nullptr, options);
  {
    Span request("request");
    grpc::Status status;
    CallUnary(b.Channel(), "x", &status);
    ASSERT_TRUE(status.ok());
  }
  std::vector<otlp::trace::v1::Span> spans = Collect(3);
  const otlp::trace::v1::Span *client = nullptr, *server = nullptr;
  for (const auto& s : spans) {
    if (s.kind() == Kind::SPAN_KIND_CLIENT) client = &s;
    if (s.kind() == Kind::SPAN_KIND_SERVER) server = &s;
  }
  ASSERT_NE(client, nullptr);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->parent_span_id().empty());
  EXPECT_NE(server->trace_id(), client->trace_id());
  ASSERT_EQ(server->links_size(), 1);
  EXPECT_EQ(server->links(0).trace_id(), client->trace_id());
  EXPECT_EQ(server->links(0).span_id(), client->span_id());
}

// CLIENT spans carry server.address / server.port parsed from the target
// the traced channel was created with; a malformed one records neither.
TEST_F(RpcSpansTest, ClientSpansRecordTheDialledServerAddress) {
  std::string sock = ::testing::TempDir();
  if (sock.size() > 60) sock = "/tmp/";  // sun_path holds 108 bytes
  sock += "rpc_spans_" + std::to_string(getpid()) + ".sock";
  std::remove(sock.c_str());
  struct Case {
    std::string target;
    std::string address;  // "(missing)": not recorded
    int64_t port;         // -1: not recorded
    bool ok;
  };
  std::vector<Case> cases;
  {
    RelayServer b(nullptr, {}, "unix:" + sock);
    const std::string port = std::to_string(b.port());
    cases = {
        {"ipv4:127.0.0.1:" + port, "127.0.0.1", b.port(), true},
        {"127.0.0.1:" + port, "127.0.0.1", b.port(), true},
        {"dns:///127.0.0.1:" + port, "127.0.0.1", b.port(), true},
        {"unix:" + sock, sock, -1, true},
        {"127.0.0.1:not-a-port", "(missing)", -1, false},
    };
    for (const Case& c : cases) {
      Span request(c.target);
      grpc::Status status;
      CallUnary(CreateTracedChannel(c.target, grpc::InsecureChannelCredentials()),
                "x", &status);
      EXPECT_EQ(status.ok(), c.ok) << c.target << ": " << status.error_message();
    }
  }
  std::remove(sock.c_str());
  std::vector<otlp::trace::v1::Span> spans = Collect(3 * 4 + 2);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    const otlp::trace::v1::Span *root = nullptr, *client = nullptr;
    for (const auto& s : spans)
      if (s.name() == c.target) root = &s;
    ASSERT_NE(root, nullptr);
    for (const auto& s : spans)
      if (s.parent_span_id() == root->span_id()) client = &s;
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->kind(), Kind::SPAN_KIND_CLIENT);
    EXPECT_EQ(Str(*client, "server.address"), c.address);
    EXPECT_EQ(Int(*client, "server.port"), c.port);
  }
}

// Many calls: every span recorded below the queue bound reaches the
// receiver, none dropped, none duplicated.
TEST_F(RpcSpansTest, ManyCallsLoseNothingBelowTheQueueBound) {
  RelayServer b(nullptr);
  auto channel = b.Channel();
  constexpr int kCalls = 500;
  for (int i = 0; i < kCalls; ++i) {
    grpc::Status status;
    CallUnary(channel, "x", &status);
    ASSERT_TRUE(status.ok());
  }
  std::vector<otlp::trace::v1::Span> spans = Collect(2 * kCalls);
  std::set<std::string> ids;
  for (const auto& s : spans) ids.insert(s.span_id());
  EXPECT_EQ(ids.size(), size_t{2 * kCalls});
  auto* processor = static_cast<BatchSpanProcessor*>(provider_->processor());
  EXPECT_EQ(processor->GetStats().dropped, 0u);
  EXPECT_EQ(stats_->exported_spans.load(), uint64_t{2 * kCalls});
}

// Every server API style, every RPC shape: a CLIENT and a SERVER span per
// call, parented, named, ended with the status.
class ApiStyleTest : public RpcSpansTest,
                     public ::testing::WithParamInterface<ServerApi> {};

TEST_P(ApiStyleTest, EveryShapeRecordsClientAndServerSpans) {
  EchoServer server(GetParam());
  auto stub = tpecho::Echo::NewStub(server.TcpChannel());
  auto deadline = [] {
    return std::chrono::system_clock::now() + std::chrono::seconds(30);
  };
  EchoRequest req;
  req.set_responses(2);
  EchoResponse resp;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    ASSERT_TRUE(stub->Unary(&ctx, req, &resp).ok());
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    auto writer = stub->ClientStream(&ctx, &resp);
    writer->Write(req);
    writer->Write(req);
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    auto reader = stub->ServerStream(&ctx, req);
    while (reader->Read(&resp)) {
    }
    ASSERT_TRUE(reader->Finish().ok());
  }
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    auto stream = stub->Bidi(&ctx);
    stream->Write(req);
    stream->Read(&resp);
    stream->WritesDone();
    while (stream->Read(&resp)) {
    }
    ASSERT_TRUE(stream->Finish().ok());
  }
  std::vector<otlp::trace::v1::Span> spans = Collect(8);
  std::map<std::string, int> per_name;
  for (const auto& s : spans) {
    per_name[s.name()]++;
    EXPECT_EQ(Int(s, "rpc.grpc.status_code"), 0) << s.name();
    EXPECT_LE(s.start_time_unix_nano(), s.end_time_unix_nano());
    if (s.kind() != Kind::SPAN_KIND_SERVER) continue;
    bool has_client_parent = false;
    for (const auto& c : spans) {
      if (c.kind() == Kind::SPAN_KIND_CLIENT && c.span_id() == s.parent_span_id()) {
        has_client_parent = true;
        EXPECT_EQ(c.name(), s.name());
      }
    }
    EXPECT_TRUE(has_client_parent) << s.name();
  }
  for (const char* m : {"Unary", "ClientStream", "ServerStream", "Bidi"})
    EXPECT_EQ(per_name[std::string("tpecho.Echo/") + m], 2) << m;
}

TEST_P(ApiStyleTest, CancelledStreamEndsBothSpans) {
  EchoServer server(GetParam());
  auto stub = tpecho::Echo::NewStub(server.TcpChannel());
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto stream = stub->Bidi(&ctx);
    EchoRequest req;
    EchoResponse resp;
    ASSERT_TRUE(stream->Write(req));
    ASSERT_TRUE(stream->Read(&resp));
    ctx.TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // The server span arrives when the server side of the call has ended
  // (Collect waits, bounded). No server.Shutdown() before that: the async
  // echo server may still be finishing the cancelled call, and gRPC asserts
  // on an operation started on a completion queue that is shutting down.
  std::vector<otlp::trace::v1::Span> spans = Collect(2);
  for (const auto& s : spans) {
    EXPECT_EQ(s.name(), "tpecho.Echo/Bidi");
    if (s.kind() == Kind::SPAN_KIND_CLIENT) {
      EXPECT_EQ(Int(s, "rpc.grpc.status_code"), 1);
      EXPECT_EQ(s.status().code(), Code::STATUS_CODE_ERROR);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Apis, ApiStyleTest,
                         ::testing::Values(ServerApi::kSync,
                                           ServerApi::kCallback,
                                           ServerApi::kAsync),
                         [](const auto& info) {
                           return std::string(testing_support::Name(info.param));
                         });

}  // namespace
}  // namespace traceprop

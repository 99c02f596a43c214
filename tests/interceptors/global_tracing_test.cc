// Process-wide client tracing: plain grpc::CreateChannel channels carry the
// trace, CreateTracedChannel channels keep their own options and are not
// traced twice, CreateUntracedChannel / MakeUntracedInterceptorFactory
// channels are left alone, and a second registration is refused instead of
// aborting in gRPC.
#include "traceprop/interceptors/global_tracing.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/context/traceparent.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/spans/in_memory_exporter.h"
#include "traceprop/spans/provider.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;
using testing_support::EchoServer;
using testing_support::Latch;
using testing_support::ServerApi;
using tpecho::EchoRequest;
using tpecho::EchoResponse;

// Another library's global interceptor factory (registered and removed
// before any RPC, so it never runs).
class ForeignFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* /*info*/) override {
    return nullptr;
  }
};

// What happened when the environment enabled process-wide tracing, before
// any RPC (as the header requires).
absl::Status g_refused_while_foreign;
absl::Status g_enabled;
absl::Status g_second;

class GlobalTracingEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    static ForeignFactory* foreign = new ForeignFactory;
    grpc::experimental::RegisterGlobalClientInterceptorFactory(foreign);
    g_refused_while_foreign = EnableGlobalClientTracing();
    grpc::experimental::TestOnlyResetGlobalClientInterceptorFactory();
    g_enabled = EnableGlobalClientTracing();
    g_second = EnableGlobalClientTracing();
  }
};
const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new GlobalTracingEnvironment);

std::string Target(const EchoServer& server) {
  return "ipv4:127.0.0.1:" + std::to_string(server.port());
}

EchoResponse Unary(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = tpecho::Echo::NewStub(channel);
  grpc::ClientContext ctx;
  EchoResponse resp;
  EXPECT_TRUE(stub->Unary(&ctx, EchoRequest(), &resp).ok());
  return resp;
}

TEST(GlobalTracingTest, RegistrationOutcomes) {
  EXPECT_EQ(g_refused_while_foreign.code(),
            absl::StatusCode::kFailedPrecondition)
      << g_refused_while_foreign;
  EXPECT_TRUE(g_enabled.ok()) << g_enabled;
  EXPECT_EQ(g_second.code(), absl::StatusCode::kAlreadyExists) << g_second;
  EXPECT_TRUE(GlobalClientTracingEnabled());
}

TEST(GlobalTracingTest, PlainChannelCarriesTheTrace) {
  EchoServer server(ServerApi::kSync);
  auto channel =
      grpc::CreateChannel(Target(server), grpc::InsecureChannelCredentials());
  const TraceContext root = TraceContext::NewRoot();
  EchoResponse resp;
  {
    ContextScope scope(root);
    resp = Unary(channel);
  }
  ASSERT_THAT(resp.traceparent(), SizeIs(1));
  auto sent = ParseTraceParent(resp.traceparent(0));
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->trace_id, root.trace_id());
  EXPECT_NE(sent->parent_id, root.span_id());  // the call's own child span
  EXPECT_EQ(resp.server_span().trace_id(), root.trace_id().ToHex());
  server.Shutdown();
  EXPECT_THAT(server.checker().failures(), IsEmpty());
}

// DialledPorts makes `calls` calls, each on the channel `channel(i)` gives
// and under a new root with spans recorded, and returns the server.port of
// each CLIENT span in call order (-1 where server.address/port are not
// those of a 127.0.0.1 server).
template <typename ChannelFor>
std::vector<int64_t> DialledPorts(ChannelFor channel, int calls) {
  auto exporter = std::make_unique<InMemoryExporter>();
  const std::shared_ptr<InMemorySpans> spans = exporter->storage();
  auto provider = std::make_shared<TracerProvider>(TracerProviderOptions{
      nullptr, std::make_unique<BatchSpanProcessor>(std::move(exporter))});
  InstallTracerProvider(provider);
  std::vector<TraceContext> roots;
  for (int i = 0; i < calls; ++i) {
    roots.push_back(TraceContext::NewRoot());
    ContextScope scope(roots.back());
    Unary(channel(i));
  }
  InstallTracerProvider(nullptr);
  EXPECT_TRUE(provider->Shutdown(absl::Seconds(10)));
  const std::vector<SpanData> got = spans->Take();
  std::vector<int64_t> ports;
  for (const TraceContext& root : roots) {
    int64_t port = -1;
    for (const SpanData& s : got) {
      if (s.kind != SpanKind::kClient || s.trace_id != root.trace_id())
        continue;
      const std::optional<AttributeValue> address =
          s.FindAttribute("server.address");
      const std::optional<AttributeValue> p = s.FindAttribute("server.port");
      if (address && p && std::get<std::string>(*address) == "127.0.0.1") {
        port = std::get<int64_t>(*p);
      }
    }
    ports.push_back(port);
  }
  return ports;
}

// The CLIENT span of a plain channel's call records the server it dialled
// (the channel's target, asked of gRPC), as on a CreateTracedChannel one;
// the one process-wide factory serves every channel, so each call records
// its own channel's server, also when calls alternate between channels.
TEST(GlobalTracingTest, PlainChannelClientSpanRecordsTheDialledServer) {
  EchoServer a(ServerApi::kSync);
  EchoServer b(ServerApi::kSync);
  // Two long-lived channels, alternately.
  std::shared_ptr<grpc::Channel> kept[] = {
      grpc::CreateChannel(Target(a), grpc::InsecureChannelCredentials()),
      grpc::CreateChannel(Target(b), grpc::InsecureChannelCredentials())};
  EXPECT_EQ(DialledPorts([&](int i) { return kept[i % 2]; }, 4),
            (std::vector<int64_t>{a.port(), b.port(), a.port(), b.port()}));
  // A new channel per call, each gone before the next is made (the next
  // often gets the same address): no server is remembered from a channel
  // that no longer exists.
  EXPECT_EQ(
      DialledPorts(
          [&](int i) {
            return grpc::CreateChannel(Target(i % 2 ? b : a),
                                       grpc::InsecureChannelCredentials());
          },
          6),
      (std::vector<int64_t>{a.port(), b.port(), a.port(), b.port(), a.port(),
                            b.port()}));
  a.Shutdown();
  b.Shutdown();
}

// A channel made with MakeClientInterceptorFactory (target unknown to
// traceprop) asks gRPC for its server once and records it on every call.
TEST(GlobalTracingTest, FactoryChannelClientSpansRecordTheDialledServer) {
  EchoServer server(ServerApi::kSync);
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      factories;
  factories.push_back(MakeClientInterceptorFactory());
  std::shared_ptr<grpc::Channel> channel =
      grpc::experimental::CreateCustomChannelWithInterceptors(
          Target(server), grpc::InsecureChannelCredentials(),
          grpc::ChannelArguments(), std::move(factories));
  EXPECT_EQ(DialledPorts([&](int) { return channel; }, 3),
            (std::vector<int64_t>(3, server.port())));
  server.Shutdown();
}

TEST(GlobalTracingTest, PlainChannelCallbackStreamCarriesTheTrace) {
  EchoServer server(ServerApi::kCallback);
  auto stub = tpecho::Echo::NewStub(
      grpc::CreateChannel(Target(server), grpc::InsecureChannelCredentials()));
  const TraceContext root = TraceContext::NewRoot();
  ContextScope scope(root);
  grpc::ClientContext ctx;
  auto stream = stub->Bidi(&ctx);
  ASSERT_TRUE(stream->Write(EchoRequest()));
  EchoResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  stream->WritesDone();
  while (stream->Read(&resp)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(resp.server_span().trace_id(), root.trace_id().ToHex());
  server.Shutdown();
  EXPECT_THAT(server.checker().failures(), IsEmpty());
}

TEST(GlobalTracingTest, TracedChannelKeepsItsOptionsAndIsNotTracedTwice) {
  EchoServer server(ServerApi::kSync);
  ClientOptions options;
  options.start_root_when_no_context = false;
  auto channel =
      CreateTracedChannel(Target(server), grpc::InsecureChannelCredentials(),
                          grpc::ChannelArguments(), options);
  // No context: this channel sends nothing. Had the global interceptor run
  // too, it would have started a root.
  EXPECT_THAT(Unary(channel).traceparent(), IsEmpty());
  const TraceContext root = TraceContext::NewRoot();
  ContextScope scope(root);
  EchoResponse resp = Unary(channel);
  ASSERT_THAT(resp.traceparent(), SizeIs(1));
  EXPECT_EQ(resp.server_span().trace_id(), root.trace_id().ToHex());
}

TEST(GlobalTracingTest, UntracedChannelIsExempt) {
  EchoServer server(ServerApi::kSync);
  auto untraced =
      CreateUntracedChannel(Target(server), grpc::InsecureChannelCredentials());
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      list;
  list.push_back(MakeUntracedInterceptorFactory());
  auto custom = grpc::experimental::CreateCustomChannelWithInterceptors(
      Target(server), grpc::InsecureChannelCredentials(),
      grpc::ChannelArguments(), std::move(list));
  auto plain =
      grpc::CreateChannel(Target(server), grpc::InsecureChannelCredentials());
  ContextScope scope(TraceContext::NewRoot());
  EXPECT_THAT(Unary(untraced).traceparent(), IsEmpty());
  EXPECT_THAT(Unary(custom).traceparent(), IsEmpty());
  // An exempt call leaves no claim behind for the next call.
  EXPECT_THAT(Unary(plain).traceparent(), SizeIs(1));
  EXPECT_THAT(Unary(untraced).traceparent(), IsEmpty());
}

TEST(GlobalTracingTest, NoContextStartsARootPerCall) {
  EchoServer server(ServerApi::kSync);
  auto channel =
      grpc::CreateChannel(Target(server), grpc::InsecureChannelCredentials());
  ASSERT_FALSE(Current().IsValid());
  EchoResponse a = Unary(channel);
  EchoResponse b = Unary(channel);
  ASSERT_THAT(a.traceparent(), SizeIs(1));
  ASSERT_THAT(b.traceparent(), SizeIs(1));
  EXPECT_NE(a.server_span().trace_id(), b.server_span().trace_id());
}

}  // namespace
}  // namespace traceprop

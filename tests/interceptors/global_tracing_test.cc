// Process-wide client tracing: plain grpc::CreateChannel channels carry the
// trace, CreateTracedChannel channels keep their own options and are not
// traced twice, CreateUntracedChannel / MakeUntracedInterceptorFactory
// channels are left alone, and a second registration is refused instead of
// aborting in gRPC.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/context/traceparent.h"
#include "traceprop/interceptors/global_tracing.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/spans/in_memory_exporter.h"
#include "traceprop/spans/provider.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using testing_support::EchoServer;
using testing_support::Latch;
using testing_support::ServerApi;
using ::testing::IsEmpty;
using ::testing::SizeIs;
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

// The CLIENT span of a plain channel's call records the server it dialled
// (the channel's target, asked of gRPC), as on a CreateTracedChannel one.
TEST(GlobalTracingTest, PlainChannelClientSpanRecordsTheDialledServer) {
  EchoServer server(ServerApi::kSync);
  auto exporter = std::make_unique<InMemoryExporter>();
  const std::shared_ptr<InMemorySpans> spans = exporter->storage();
  auto provider = std::make_shared<TracerProvider>(TracerProviderOptions{
      nullptr, std::make_unique<BatchSpanProcessor>(std::move(exporter))});
  InstallTracerProvider(provider);
  auto channel =
      grpc::CreateChannel(Target(server), grpc::InsecureChannelCredentials());
  {
    ContextScope scope(TraceContext::NewRoot());
    Unary(channel);
  }
  InstallTracerProvider(nullptr);
  ASSERT_TRUE(provider->Shutdown(absl::Seconds(10)));
  server.Shutdown();
  const SpanData* client = nullptr;
  const std::vector<SpanData> got = spans->Take();
  for (const SpanData& s : got) {
    if (s.kind == SpanKind::kClient) client = &s;
  }
  ASSERT_NE(client, nullptr);
  const AttributeValue* address = client->FindAttribute("server.address");
  const AttributeValue* port = client->FindAttribute("server.port");
  ASSERT_NE(address, nullptr);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(std::get<std::string>(*address), "127.0.0.1");
  EXPECT_EQ(std::get<int64_t>(*port), server.port());
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
  auto channel = CreateTracedChannel(
      Target(server), grpc::InsecureChannelCredentials(),
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
  auto untraced = CreateUntracedChannel(Target(server),
                                        grpc::InsecureChannelCredentials());
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

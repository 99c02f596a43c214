// Isolation and leakage: many concurrent calls with distinct traces on a
// server whose completion queue is drained by 4 threads never see each
// other's trace; after traced calls, later untraced work on the same gRPC
// threads sees no context or a fresh root — never an old trace.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/context/wrap.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using ::testing::IsEmpty;
using testing_support::EchoServer;
using testing_support::ServerApi;
using tpecho::EchoRequest;
using tpecho::EchoResponse;

constexpr int kCalls = 1000;
constexpr int kClientThreads = 4;

class IsolationTest : public ::testing::TestWithParam<ServerApi> {};

TEST_P(IsolationTest, ConcurrentCallsEachSeeTheirOwnTrace) {
  EchoServer server(GetParam(), {}, /*drain_threads=*/4);
  auto stub = tpecho::Echo::NewStub(server.TcpChannel());

  struct Call {
    TraceContext caller;
    grpc::ClientContext ctx;
    EchoRequest req;
    EchoResponse resp;
    grpc::Status status;
    bool completion_saw_caller = false;
  };
  std::vector<std::unique_ptr<Call>> calls(kCalls);
  testing_support::Latch done(kCalls);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClientThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kCalls; i += kClientThreads) {
        calls[i] = std::make_unique<Call>();
        Call* c = calls[i].get();
        c->caller = TraceContext::NewRoot();
        ContextScope scope(c->caller);
        stub->async()->Unary(
            &c->ctx, &c->req, &c->resp, Wrap([c, &done](grpc::Status s) {
              c->status = std::move(s);
              c->completion_saw_caller = Current() == c->caller;
              done.CountDown();
            }));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  done.Wait();

  std::set<std::string> server_spans;
  for (const auto& c : calls) {
    ASSERT_TRUE(c->status.ok()) << c->status.error_message();
    EXPECT_TRUE(c->completion_saw_caller);
    EXPECT_EQ(c->resp.server_span().trace_id(), c->caller.trace_id().ToHex());
    ASSERT_EQ(c->resp.traceparent_size(), 1);
    absl::StatusOr<TraceContext> sent =
        TraceContext::FromHeaders(c->resp.traceparent(0));
    ASSERT_TRUE(sent.ok());
    EXPECT_EQ(sent->trace_id(), c->caller.trace_id());
    EXPECT_EQ(c->resp.server_span().parent_span_id(), sent->span_id().ToHex());
    server_spans.insert(c->resp.server_span().span_id());
  }
  EXPECT_EQ(server_spans.size(), static_cast<size_t>(kCalls));
  server.Shutdown();
  // Every server step of every call checked its own trace (StepChecker).
  EXPECT_THAT(server.checker().failures(), IsEmpty());
  EXPECT_GE(server.checker().checks(), kCalls);
}

TEST_P(IsolationTest, NoTraceLeaksIntoLaterCalls) {
  ServerOptions options;
  options.method_filter = [](absl::string_view method) {
    return method != "/tpecho.Echo/Unary";  // untraced: must see nothing
  };
  EchoServer server(GetParam(), options, /*drain_threads=*/4);
  auto traced = tpecho::Echo::NewStub(server.TcpChannel());
  auto untraced = tpecho::Echo::NewStub(server.TcpChannel({}, false));

  // 1. Traced streaming calls, all on one trace per call.
  std::set<std::string> old_traces;
  for (int i = 0; i < 30; ++i) {
    const TraceContext caller = TraceContext::NewRoot();
    old_traces.insert(caller.trace_id().ToHex());
    ContextScope scope(caller);
    grpc::ClientContext ctx;
    auto stream = traced->Bidi(&ctx);
    EchoResponse resp;
    for (int m = 0; m < 2; ++m) {
      ASSERT_TRUE(stream->Write(EchoRequest()));
      ASSERT_TRUE(stream->Read(&resp));
    }
    stream->WritesDone();
    ASSERT_TRUE(stream->Finish().ok());
  }

  // 2. An untraced method on the same server threads sees no context.
  for (int i = 0; i < 30; ++i) {
    grpc::ClientContext ctx;
    EchoResponse resp;
    ASSERT_TRUE(untraced->Unary(&ctx, EchoRequest(), &resp).ok());
    EXPECT_FALSE(resp.server_span().valid())
        << "leaked " << resp.server_span().trace_id();
  }

  // 3. Calls without a traceparent start fresh roots, never an old trace.
  for (int i = 0; i < 30; ++i) {
    grpc::ClientContext ctx;
    EchoRequest req;
    req.set_responses(2);
    auto reader = untraced->ServerStream(&ctx, req);
    EchoResponse resp;
    while (reader->Read(&resp)) {
      EXPECT_TRUE(resp.server_span().valid());
      EXPECT_EQ(old_traces.count(resp.server_span().trace_id()), 0u);
      EXPECT_EQ(resp.server_span().parent_span_id(), SpanId().ToHex());
    }
    ASSERT_TRUE(reader->Finish().ok());
  }

  // 4. Client completions that do not ask for a context get none, after
  //    traced calls completed on the same gRPC threads.
  std::atomic<int> leaked{0};
  for (int i = 0; i < 30; ++i) {
    testing_support::Latch done(1);
    grpc::ClientContext ctx;
    EchoRequest req;
    EchoResponse resp;
    {
      ContextScope scope(TraceContext::NewRoot());
      traced->async()->Unary(&ctx, &req, &resp, [&](grpc::Status) {
        if (Current().IsValid()) leaked.fetch_add(1);
        done.CountDown();
      });
    }
    done.Wait();
  }
  EXPECT_EQ(leaked.load(), 0);

  server.Shutdown();
  EXPECT_THAT(server.checker().failures(), IsEmpty());
  EXPECT_FALSE(Current().IsValid());
}

TEST(CancellationTest, ReactorOnCancelSeesTheServerSpan) {
  EchoServer server(ServerApi::kCallback);
  auto stub = tpecho::Echo::NewStub(server.TcpChannel());
  const TraceContext caller = TraceContext::NewRoot();
  ContextScope scope(caller);
  grpc::ClientContext ctx;
  auto stream = stub->Bidi(&ctx);
  EchoResponse resp;
  ASSERT_TRUE(stream->Write(EchoRequest()));
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_EQ(resp.server_span().trace_id(), caller.trace_id().ToHex());
  ctx.TryCancel();
  EXPECT_FALSE(stream->Finish().ok());
  server.Shutdown();  // waits for OnCancel and OnDone
  EXPECT_EQ(server.checker().Seen("cb.Bidi.OnCancel"), 1);
  EXPECT_EQ(server.checker().Seen("cb.Bidi.OnDone"), 1);
  EXPECT_THAT(server.checker().failures(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Servers, IsolationTest,
                         ::testing::ValuesIn(testing_support::kAllServerApis),
                         testing_support::ApiParamName());

}  // namespace
}  // namespace traceprop

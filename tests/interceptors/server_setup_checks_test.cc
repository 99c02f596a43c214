// Server setup in any order is traced: SetInterceptorCreators before or
// after EnableTracing keeps both traceprop's interceptor and the
// application's. EnableTracing after BuildAndStart, which cannot be
// repaired, logs one message naming the mistake and the fix, and the call
// shows the failure (no server span) instead of a healthy-looking different
// trace. Correct setups say nothing.
#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/tests/interceptors/echo_servers.h"

namespace traceprop {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using tpecho::EchoRequest;
using tpecho::EchoResponse;

// Messages gRPC logged (gpr_log) that come from traceprop.
std::mutex g_mu;
std::vector<std::string>* g_messages = new std::vector<std::string>;

void Capture(gpr_log_func_args* args) {
  std::string message = args->message;
  if (message.rfind("traceprop:", 0) != 0) return;
  std::lock_guard<std::mutex> lock(g_mu);
  g_messages->push_back(std::move(message));
}

std::vector<std::string> TakeMessages() {
  std::lock_guard<std::mutex> lock(g_mu);
  std::vector<std::string> out;
  out.swap(*g_messages);
  return out;
}

// CountingFactory's interceptor counts the calls it sees.
class CountingFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CountingFactory(std::atomic<int>* calls) : calls_(calls) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* /*info*/) override {
    calls_->fetch_add(1);
    return nullptr;  // no hooks needed to count the call
  }

 private:
  std::atomic<int>* const calls_;
};

std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
AppInterceptors(std::atomic<int>* calls) {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      list;
  list.push_back(std::make_unique<CountingFactory>(calls));
  return list;
}

class SetupChecksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gpr_log_verbosity_init();
    gpr_set_log_function(&Capture);
  }
  void SetUp() override {
    TakeMessages();
    builder_ = std::make_unique<grpc::ServerBuilder>();
    builder_->AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                               &port_);
    builder_->RegisterService(&service_);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }
  void Build() {
    server_ = builder_->BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  // Call makes one unary call under a new root; returns the server span's
  // trace id as the handler saw it ("" when it saw none).
  std::string Call() {
    auto stub = tpecho::Echo::NewStub(
        CreateTracedChannel("ipv4:127.0.0.1:" + std::to_string(port_),
                            grpc::InsecureChannelCredentials()));
    root_ = TraceContext::NewRoot();
    ContextScope scope(root_);
    grpc::ClientContext ctx;
    EchoResponse resp;
    EXPECT_TRUE(stub->Unary(&ctx, EchoRequest(), &resp).ok());
    return resp.server_span().valid() ? resp.server_span().trace_id() : "";
  }

  // BuildAndExpectTracedAndSilent builds the server, makes a call whose
  // server span must continue the call's root, and expects no message.
  void BuildAndExpectTracedAndSilent() {
    Build();
    const std::string seen = Call();  // sets root_
    EXPECT_EQ(seen, root_.trace_id().ToHex());
    EXPECT_THAT(TakeMessages(), IsEmpty());
  }

  testing_support::FillingEcho service_;
  int port_ = 0;
  std::unique_ptr<grpc::ServerBuilder> builder_;
  std::unique_ptr<grpc::Server> server_;
  TraceContext root_;
};

TEST_F(SetupChecksTest, CorrectSetupIsSilentAndTraced) {
  EnableTracing(*builder_);
  BuildAndExpectTracedAndSilent();
}

TEST_F(SetupChecksTest, EnableTracingTwiceIsSilentAndTraced) {
  EnableTracing(*builder_);
  EnableTracing(*builder_);
  BuildAndExpectTracedAndSilent();
}

TEST_F(SetupChecksTest, EnableTracingAfterBuildAndStartIsReported) {
  Build();
  EnableTracing(*builder_);
  EXPECT_THAT(TakeMessages(),
              ElementsAre(AllOf(HasSubstr("after builder.BuildAndStart()"),
                                HasSubstr("NOT traced"),
                                HasSubstr("before BuildAndStart()"))));
  // The failure is explicit on the server too: no server span at all.
  EXPECT_EQ(Call(), "");
  EXPECT_THAT(TakeMessages(), IsEmpty());  // once, not per call
}

TEST_F(SetupChecksTest, SetInterceptorCreatorsAfterEnableTracingKeepsBoth) {
  EnableTracing(*builder_);
  std::atomic<int> app_calls{0};
  builder_->experimental().SetInterceptorCreators(AppInterceptors(&app_calls));
  Build();
  const std::string seen = Call();
  EXPECT_EQ(seen, root_.trace_id().ToHex());
  EXPECT_EQ(app_calls.load(), 1);
  EXPECT_THAT(TakeMessages(), IsEmpty());
}

TEST_F(SetupChecksTest, SetInterceptorCreatorsBeforeEnableTracingKeepsBoth) {
  std::atomic<int> app_calls{0};
  builder_->experimental().SetInterceptorCreators(AppInterceptors(&app_calls));
  EnableTracing(*builder_);
  Build();
  const std::string seen = Call();
  EXPECT_EQ(seen, root_.trace_id().ToHex());
  EXPECT_EQ(app_calls.load(), 1);
  EXPECT_THAT(TakeMessages(), IsEmpty());
}

TEST_F(SetupChecksTest, InterceptorsPassedToEnableTracingRunOnce) {
  std::atomic<int> before{0};
  std::atomic<int> passed{0};
  builder_->experimental().SetInterceptorCreators(AppInterceptors(&before));
  EnableTracing(*builder_, ServerOptions(), AppInterceptors(&passed));
  EnableTracing(*builder_);  // again: the interceptors set so far stay
  Build();
  const std::string seen = Call();
  EXPECT_EQ(seen, root_.trace_id().ToHex());
  EXPECT_EQ(before.load(), 1);
  EXPECT_EQ(passed.load(), 1);
  EXPECT_THAT(TakeMessages(), IsEmpty());
}

TEST_F(SetupChecksTest, EnableTracingAgainAfterReplacementIsSilent) {
  EnableTracing(*builder_);
  builder_->experimental().SetInterceptorCreators({});
  EnableTracing(*builder_);
  BuildAndExpectTracedAndSilent();
}

TEST_F(SetupChecksTest, UnbuiltBuilderIsSilent) {
  EnableTracing(*builder_);
  builder_->experimental().SetInterceptorCreators({});
  builder_.reset();  // never built: nothing was served untraced
  EXPECT_THAT(TakeMessages(), IsEmpty());
}

TEST_F(SetupChecksTest, NewBuilderAfterABuiltOneIsNotMistakenForIt) {
  Build();
  server_->Shutdown();
  server_.reset();
  builder_.reset();
  // A builder constructed where the old one was is a fresh builder.
  for (int i = 0; i < 3; ++i) {
    grpc::ServerBuilder fresh;
    EnableTracing(fresh);
  }
  EXPECT_THAT(TakeMessages(), IsEmpty());
}

}  // namespace
}  // namespace traceprop

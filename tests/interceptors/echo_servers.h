// Test servers for the interceptor suites: the Echo service written in each
// gRPC server API (sync, callback, completion queue), all checking at every
// step of every call that Current() is the call's server span.

#ifndef TRACEPROP_TESTS_INTERCEPTORS_ECHO_SERVERS_H_
#define TRACEPROP_TESTS_INTERCEPTORS_ECHO_SERVERS_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "traceprop/context/current.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/interceptors/cq_tag.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/tests/interceptors/echo_test.grpc.pb.h"

namespace traceprop {
namespace testing_support {

enum class ServerApi { kSync, kCallback, kAsync };

// Latch counts down to zero; Wait blocks until then. std::mutex-based (not
// absl::BlockingCounter) so that ThreadSanitizer, which does not see the
// uninstrumented system Abseil's synchronisation, sees the hand-off.
class Latch {
 public:
  explicit Latch(int count) : count_(count) {}
  void CountDown() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--count_ == 0) cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_;
};
const char* Name(ServerApi api);

// kAllServerApis: every server API, for loops and ::testing::ValuesIn.
constexpr ServerApi kAllServerApis[] = {ServerApi::kSync, ServerApi::kCallback,
                                        ServerApi::kAsync};

// ApiParamName names a test instance after its ServerApi parameter:
//   INSTANTIATE_TEST_SUITE_P(All, FooTest, ::testing::ValuesIn(kAllServerApis),
//                            ApiParamName());
struct ApiParamName {
  template <class TestParamInfo>
  std::string operator()(const TestParamInfo& info) const {
    return Name(info.param);
  }
};

// SeenOf fills a SpanSeen from a context.
void SeenOf(const TraceContext& c, tpecho::SpanSeen* out);

// StepChecker collects what went wrong at server steps. Thread-safe.
class StepChecker {
 public:
  // Check verifies, at a step of the call `ctx`, that Current() is valid,
  // is ServerSpan(ctx), and continues the traceparent the call received (if
  // it was valid and trusted) — or equals `expected` when given. For an
  // untraced (filtered) call it verifies that there is no current context
  // at all: nothing leaked onto the thread from another call.
  void Check(const grpc::ServerContextBase& ctx, const char* step,
             const TraceContext* expected = nullptr);
  // CheckEntry verifies, on entry to a reactor callback (before it opens its
  // scope), that the gRPC thread carries no context, or only this call's
  // own span (a callback gRPC ran inline inside the method handler).
  void CheckEntry(const char* step, const TraceContext& own);
  // NoteLeak records a failure (used by the drain loops).
  void NoteLeak(const char* where);
  std::vector<std::string> failures() const;
  // Seen returns how many times Check ran for `step`.
  int Seen(const std::string& step) const;
  int checks() const { return checks_.load(); }
  void set_trust_incoming(bool trust) { trust_incoming_ = trust; }
  // FillResponse writes the headers the call received and the server span.
  static void FillResponse(const grpc::ServerContextBase& ctx,
                           tpecho::EchoResponse* resp);

 private:
  mutable std::mutex mu_;
  std::vector<std::string> failures_;
  std::map<std::string, int> seen_;
  std::atomic<int> checks_{0};
  bool trust_incoming_ = true;  // set before the server starts
};

// StartTracedServer starts `service` on a free loopback port with
// EnableTracing(builder, options, more), sets *port, and returns the server
// (null when it did not start). Clients dial "ipv4:127.0.0.1:<port>".
std::unique_ptr<grpc::Server> StartTracedServer(
    grpc::Service* service, int* port, ServerOptions options = {},
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        more = {});

// FillingEcho is a sync Echo service whose Unary answers with what the
// handler saw (StepChecker::FillResponse) and checks nothing else.
class FillingEcho final : public tpecho::Echo::Service {
  grpc::Status Unary(grpc::ServerContext* ctx,
                     const tpecho::EchoRequest* /*req*/,
                     tpecho::EchoResponse* resp) override {
    StepChecker::FillResponse(*ctx, resp);
    return grpc::Status::OK;
  }
};

// StatsString lists the non-zero counters of `stats` in declaration order,
// "calls=1 continued=1" ("" when all are zero), for exact comparisons.
std::string StatsString(const ServerHeaderStats& stats);

// EchoServer runs the Echo service in one API style, with tracing.
class EchoServer {
 public:
  // Starts on "localhost:0" (TCP) with `drain_threads` threads draining the
  // completion queue (async API only).
  EchoServer(ServerApi api, ServerOptions options = {}, int drain_threads = 2);
  ~EchoServer();

  // Channels: TCP to the selected port, or in-process; traced with
  // CreateTracedChannel / the client factory unless `traced` is false.
  std::shared_ptr<grpc::Channel> TcpChannel(ClientOptions options = {},
                                            bool traced = true);
  std::shared_ptr<grpc::Channel> InProcessChannel(ClientOptions options = {},
                                                  bool traced = true);

  // Shutdown stops the server and waits for every call's last step.
  void Shutdown();
  StepChecker& checker() { return checker_; }
  int port() const { return port_; }
  ServerApi api() const { return api_; }

 private:
  ServerApi api_;
  StepChecker checker_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::thread> drainers_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace testing_support
}  // namespace traceprop

#endif  // TRACEPROP_TESTS_INTERCEPTORS_ECHO_SERVERS_H_

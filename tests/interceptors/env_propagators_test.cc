// The interceptors' default propagator set comes from OTEL_PROPAGATORS,
// read once per process: this binary sets it before main (before any
// interceptor exists) and checks that default-configured channels and
// servers speak B3 multi-header and baggage instead of traceparent, and
// that an unknown name in the list is skipped.

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "gtest/gtest.h"
#include "traceprop/context/current.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/tests/interceptors/echo_servers.h"
#include "traceprop/tests/interceptors/echo_test.grpc.pb.h"

namespace traceprop {
namespace {

// Runs during static initialisation, before main and any interceptor.
const bool kEnvSet =
    (setenv("OTEL_PROPAGATORS", "b3multi, baggage, not-a-format", 1), true);

class Sink final : public tpecho::Echo::Service {
 public:
  grpc::Status Unary(grpc::ServerContext* ctx, const tpecho::EchoRequest*,
                     tpecho::EchoResponse*) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, v] : ctx->client_metadata()) {
      metadata_.emplace(std::string(k.data(), k.size()),
                        std::string(v.data(), v.size()));
    }
    server_span_ = ServerSpan(*ctx);
    return grpc::Status::OK;
  }
  std::multimap<std::string, std::string> metadata() const {
    std::lock_guard<std::mutex> lock(mu_);
    return metadata_;
  }
  TraceContext server_span() const {
    std::lock_guard<std::mutex> lock(mu_);
    return server_span_;
  }

 private:
  mutable std::mutex mu_;
  std::multimap<std::string, std::string> metadata_;
  TraceContext server_span_;
};

TEST(EnvPropagatorsTest, DefaultOptionsFollowOtelPropagators) {
  ASSERT_TRUE(kEnvSet);
  Sink sink;
  int port = 0;
  std::unique_ptr<grpc::Server> server =  // default ServerOptions
      testing_support::StartTracedServer(&sink, &port);
  ASSERT_NE(server, nullptr);

  auto stub = tpecho::Echo::NewStub(
      CreateTracedChannel("ipv4:127.0.0.1:" + std::to_string(port),  // no c-ares
                          grpc::InsecureChannelCredentials()));
  const TraceContext parent = TraceContext::NewRoot();
  {
    ContextScope scope(parent);
    BaggageScope tenant("tenant", "acme");
    grpc::ClientContext ctx;
    tpecho::EchoRequest req;
    tpecho::EchoResponse resp;
    ASSERT_TRUE(stub->Unary(&ctx, req, &resp).ok());
  }
  server->Shutdown();

  const auto md = sink.metadata();
  EXPECT_EQ(md.count("traceparent"), 0u);
  EXPECT_EQ(md.count("b3"), 0u);
  ASSERT_EQ(md.count("x-b3-traceid"), 1u);
  EXPECT_EQ(md.find("x-b3-traceid")->second, parent.trace_id().ToHex());
  ASSERT_EQ(md.count("baggage"), 1u);
  EXPECT_EQ(md.find("baggage")->second, "tenant=acme");
  const TraceContext span = sink.server_span();
  EXPECT_EQ(span.trace_id(), parent.trace_id());
  EXPECT_EQ(span.baggage().Get("tenant"), "acme");
}

}  // namespace
}  // namespace traceprop

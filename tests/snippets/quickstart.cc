// The README's first program ("What it does"), verbatim: the region below
// is checked against README.md by check_snippets.py, compiled with -Werror
// here and in tests/consumer, and run by quickstart_test.sh, which checks
// that the server's and the client's log lines carry the same trace id.
// [START quickstart]
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "greeter.grpc.pb.h"  // generated from your greeter.proto
#include "traceprop/context/current.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"

// Handlers need no code: the server span is Current() while they run.
class Greeter final : public greeter::Greeter::Service {
  grpc::Status SayHello(grpc::ServerContext* /*context*/,
                        const greeter::HelloRequest* request,
                        greeter::HelloReply* reply) override {
    spdlog::info("hello {}", request->name());  // "... [4bf9…] [00f0…] hello"
    reply->set_message("hello " + request->name());
    return grpc::Status::OK;  // calls made from here continue the trace
  }
};

int main() {
  // Logs: one call at start-up; every spdlog line carries the ids.
  traceprop::logging::InstallSpdlog().IgnoreError();  // defaults: no error

  // Server: one line on the builder (port 0: any free port).
  Greeter service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  traceprop::EnableTracing(builder);  // before BuildAndStart()
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();

  // Client: a traced channel; every call sends a child span of Current().
  auto channel = traceprop::CreateTracedChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto stub = greeter::Greeter::NewStub(channel);

  traceprop::SpanScope span;  // a new trace for this unit of work
  grpc::ClientContext context;
  greeter::HelloRequest request;
  request.set_name("world");
  greeter::HelloReply reply;
  grpc::Status status = stub->SayHello(&context, request, &reply);
  spdlog::info("reply: {}", reply.message());  // same trace id as the server

  server->Shutdown();
  return status.ok() ? 0 : 1;
}
// [END quickstart]

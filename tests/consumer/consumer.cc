// A user's program built against an installed traceprop (or one added with
// add_subdirectory): it registers the interceptors on a server and a
// channel, makes one traced call over localhost, and checks that the trace
// arrived — the context it made current on the client is the parent of the
// server span the handler sees. Exit status 0 means every check held.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "echo.grpc.pb.h"
#include "traceprop/context/current.h"
#include "traceprop/context/proto_conversion.h"
#include "traceprop/context/trace_context.h"
#include "traceprop/context/traceparent.h"
#include "traceprop/version.h"
#include "traceprop/interceptors/tracing.h"

namespace {

int failures = 0;

void Check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok:   " : "FAIL: ") << what << "\n";
  if (!ok) ++failures;
}

// The handler records what it saw; it has no tracing code of its own.
class EchoService final : public consumer::Echo::Service {
  grpc::Status Say(grpc::ServerContext* context,
                   const consumer::EchoRequest* request,
                   consumer::EchoReply* reply) override {
    reply->set_text(request->text());
    auto range = context->client_metadata().equal_range("traceparent");
    for (auto it = range.first; it != range.second; ++it) {
      reply->add_traceparent_headers(
          std::string(it->second.data(), it->second.size()));
    }
    *reply->mutable_current() = traceprop::ToProto(traceprop::Current());
    *reply->mutable_server_span() =
        traceprop::ToProto(traceprop::ServerSpan(*context));
    return grpc::Status::OK;
  }
};

}  // namespace

int main() {
  Check(std::string(traceprop::kVersionString) == CONSUMER_EXPECTED_VERSION,
        std::string("header version ") + traceprop::kVersionString +
            " == package version " + CONSUMER_EXPECTED_VERSION);
  Check(TRACEPROP_VERSION == TRACEPROP_VERSION_ENCODE(TRACEPROP_VERSION_MAJOR,
                                                      TRACEPROP_VERSION_MINOR,
                                                      TRACEPROP_VERSION_PATCH),
        "TRACEPROP_VERSION encodes MAJOR.MINOR.PATCH");

  // Server on localhost:0 with tracing enabled.
  EchoService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  traceprop::EnableTracing(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cout << "FAIL: server did not start\n";
    return 1;
  }

  // Client: a traced channel; the call runs under a context we make current.
  auto channel = traceprop::CreateTracedChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  auto stub = consumer::Echo::NewStub(channel);
  const traceprop::TraceContext root = traceprop::TraceContext::NewRoot();
  consumer::EchoReply reply;
  grpc::Status status;
  {
    traceprop::ContextScope scope(root);
    grpc::ClientContext context;
    consumer::EchoRequest request;
    request.set_text("hello");
    status = stub->Say(&context, request, &reply);
  }
  Check(status.ok(), "RPC succeeded: " + status.error_message());
  Check(reply.text() == "hello", "echo text");

  // Exactly one traceparent arrived, continuing our trace.
  Check(reply.traceparent_headers_size() == 1,
        "exactly one traceparent header arrived (got " +
            std::to_string(reply.traceparent_headers_size()) + ")");
  traceprop::TraceParent sent;
  if (reply.traceparent_headers_size() == 1) {
    auto parsed = traceprop::ParseTraceParent(reply.traceparent_headers(0));
    Check(parsed.ok(), "the header parses: " + reply.traceparent_headers(0));
    if (parsed.ok()) sent = *parsed;
  }
  Check(sent.trace_id == root.trace_id(), "header carries our trace id");
  Check(sent.parent_id.IsValid() && sent.parent_id != root.span_id(),
        "header carries the call's own span id (a child of ours)");

  // The handler ran inside the server span, a child of the header's span.
  auto server_span = traceprop::FromProto(reply.server_span());
  auto current = traceprop::FromProto(reply.current());
  Check(server_span.ok(), "ServerSpan() in the handler is valid");
  Check(current.ok(), "Current() in the handler is valid");
  if (server_span.ok() && current.ok()) {
    Check(server_span->trace_id() == root.trace_id(),
          "server span continues our trace " + root.trace_id().ToHex());
    Check(server_span->span_id() != sent.parent_id &&
              server_span->span_id() != root.span_id(),
          "server span has a span id of its own");
    Check(current->trace_id() == server_span->trace_id() &&
              current->span_id() == server_span->span_id(),
          "Current() in the handler is the server span");
  }
  Check(!traceprop::Current().IsValid(),
        "client thread's context restored after the scope");

  server->Shutdown();
  std::cout << (failures == 0 ? "consumer: all checks passed\n"
                              : "consumer: checks FAILED\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

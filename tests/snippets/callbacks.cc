// The README's "Every channel of the process" and "Callback reactors"
// snippets (and the examples of interceptors/global_tracing.h and
// interceptors/reactors.h), compiled with -Werror and run: a callback
// server whose reactor has no tracing code, called over a plain
// grpc::CreateChannel under process-wide tracing. Exit status 0 means the
// reactor's callbacks logged the client's trace id.
#include <grpcpp/grpcpp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "greeter.grpc.pb.h"
#include "traceprop/context/current.h"
#include "traceprop/interceptors/global_tracing.h"
#include "traceprop/interceptors/reactors.h"
#include "traceprop/interceptors/tracing.h"
#include "traceprop/logging/spdlog_setup.h"

namespace {

using Msg = greeter::ChatMessage;

// [START server_reactor]
class Chat : public traceprop::TracedServerBidiReactor<Msg, Msg> {
 public:
  Chat() { StartRead(&in_); }  // constructed in the handler

 private:
  void OnTracedReadDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::OK);
    spdlog::info("got {}", in_.text());  // logs the server span's ids
    StartWrite(&in_);
  }
  void OnTracedWriteDone(bool /*ok*/) override { StartRead(&in_); }
  void OnTracedDone() override { delete this; }
  Msg in_;
};
// [END server_reactor]

class Service final : public greeter::Greeter::CallbackService {
  grpc::ServerBidiReactor<Msg, Msg>* Chat(
      grpc::CallbackServerContext* /*context*/) override {
    return new ::Chat;
  }
};

}  // namespace

int main() {
  // [START enable]
  // First thing in main(), before any RPC starts:
  absl::Status traced = traceprop::EnableGlobalClientTracing();
  if (!traced.ok()) std::cerr << traced << "\n";
  // [END enable]

  std::ostringstream lines;
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines)));
  if (!traceprop::logging::SetPattern("%& %v").ok()) return 1;

  Service service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  traceprop::EnableTracing(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  const std::string target = "127.0.0.1:" + std::to_string(port);

  // [START plain_channel]
  // Every channel, yours or a library's, now carries the trace:
  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  // [END plain_channel]

  auto stub = greeter::Greeter::NewStub(channel);
  const traceprop::TraceContext root = traceprop::TraceContext::NewRoot();
  bool echoed = false;
  {
    traceprop::ContextScope scope(root);
    grpc::ClientContext context;
    auto stream = stub->Chat(&context);
    Msg msg;
    msg.set_text("ping");
    echoed = stream->Write(msg) && stream->Read(&msg) && msg.text() == "ping";
    stream->WritesDone();
    echoed = stream->Finish().ok() && echoed;
  }
  server->Shutdown();

  const std::string expected =
      "[" + root.trace_id().ToHex() + "] [";  // then the server's span id
  const bool logged = lines.str().find(expected) == 0 &&
                      lines.str().find("got ping") != std::string::npos;
  std::cout << lines.str() << (echoed ? "ok:   " : "FAIL: ")
            << "plain channel call echoed\n"
            << (logged ? "ok:   " : "FAIL: ")
            << "the reactor's callback logged the caller's trace "
            << root.trace_id().ToHex() << "\n";
  return traced.ok() && echoed && logged ? EXIT_SUCCESS : EXIT_FAILURE;
}
